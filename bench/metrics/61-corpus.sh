#!/usr/bin/env bash
# berth-lab build of a generated 1,000-page Markdown corpus (issue 7: under
# 1 s, and at least 2x faster than Hugo on the same Markdown).  The corpus
# comes from bench/fixtures/corpus.sh, written with the site generator;
# `corpus.sh DIR` is expected to make a course tree in DIR (course.yaml,
# ko/, en/) that `berth-lab --course DIR build` renders.
. "$BENCH_TOP/bench/lib.sh"

gen=$BENCH_TOP/bench/fixtures/corpus.sh
label="berth-lab build, 1,000-page corpus"
if [ ! -f "$gen" ]; then
	row id=site-corpus issue=7 label="$label" berth=nyl \
		peer="hugo (same Markdown)" peer_src="missing: no corpus until bench/fixtures/corpus.sh lands (site issue)" \
		target=le:1000,ratio_le:0.5
	exit 0
fi

c=$BENCH_SCRATCH/corpus
out=$BENCH_SCRATCH/corpus-berth
hs=$BENCH_SCRATCH/corpus-hugo
ho=$BENCH_SCRATCH/corpus-hugo-out
rm -rf "$c"
if ! bash "$gen" "$c" >"$BENCH_RUN/corpus.gen.log" 2>&1; then
	row id=site-corpus issue=7 label="$label" berth="failed: corpus.sh: $(lastline "$BENCH_RUN/corpus.gen.log")" \
		peer="hugo (same Markdown)" peer_src="failed: no corpus" target=le:1000,ratio_le:0.5
	exit 0
fi
pages=$(find "$c" -name '*.md' ! -name README.md | wc -l)
label="berth-lab build, corpus of $pages Markdown pages"

hugo_missing=""
if command -v hugo >/dev/null; then
	srcs=()
	for d in "$c"/*/; do
		find "$d" -name '*.md' | grep -q . && srcs+=("${d%/}")
	done
	bash "$BENCH_TOP/bench/fixtures/hugo-site.sh" "$hs" "${srcs[@]}"
else
	hugo_missing="missing: hugo is not installed (make bench-deps)"
fi

cmds=(berth-lab "" "$BERTH_LAB --course $c build --out $out")
[ -z "$hugo_missing" ] && cmds+=(hugo "" "hugo --quiet -s $hs -d $ho")
hf corpus "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

b_rss=$(kib_to_mib "$(peak_rss "$BERTH_LAB" --course "$c" build --out "$out")")
h_rss=$hugo_missing
[ -z "$hugo_missing" ] && h_rss=$(kib_to_mib "$(peak_rss hugo --quiet -s "$hs" -d "$ho")")

row id=site-corpus issue=7 label="$label" berth="$(src corpus berth-lab)" \
	peer="hugo (same Markdown)" peer_src="${hugo_missing:-$(src corpus hugo)}" target=le:1000,ratio_le:0.5
row id=site-corpus-rss issue=7 label="peak RSS, berth-lab build of the corpus" unit=MiB berth="$b_rss" \
	peer="hugo" peer_src="$h_rss"
rm -rf "$c" "$out" "$hs" "$ho"
