#!/usr/bin/env bash
# berth-lab build of a generated 1,000-page Markdown corpus (issue 7: under
# 1 s, and at least 2x faster than Hugo on the same Markdown).  The corpus
# and its Hugo twin (the same Markdown files, a theme of comparable work)
# come from bench/fixtures/corpus.sh, written with the site generator.
. "$BENCH_TOP/bench/lib.sh"

gen=$BENCH_TOP/bench/fixtures/corpus.sh
label="berth-lab build, 1,000-page corpus"
if [ ! -f "$gen" ]; then
	row id=site-corpus issue=7 label="$label" berth=nyl \
		peer="hugo (same Markdown)" peer_src="missing: no corpus until bench/fixtures/corpus.sh lands (site issue)" \
		target=le:1000,ratio_le:0.5
	exit 0
fi

# Made once and kept with the fixtures (deterministic; remade when
# corpus.sh changes).
c=$BENCH_FIX/corpus
out=$BENCH_SCRATCH/corpus-berth
ho=$BENCH_SCRATCH/corpus-hugo-out
stamp=$(cat "$gen" | sha256sum | cut -c1-16)
if [ "$(cat "$BENCH_FIX/.corpus.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -d "$c/berth/lessons" ]; then
	rm -rf "$c" "$BENCH_FIX/.corpus.stamp"
	sh "$gen" "$c" 1000 >"$BENCH_RUN/corpus.gen.log" 2>&1 && echo "$stamp" >"$BENCH_FIX/.corpus.stamp"
fi
if [ ! -f "$BENCH_FIX/.corpus.stamp" ]; then
	row id=site-corpus issue=7 label="$label" berth="failed: corpus.sh: $(lastline "$BENCH_RUN/corpus.gen.log")" \
		peer="hugo (same Markdown)" peer_src="failed: no corpus" target=le:1000,ratio_le:0.5
	exit 0
fi
pages=$(find "$c/berth/lessons" -name '*.md' ! -name README.md | wc -l)
label="berth-lab build, corpus of $pages pages"

hugo_missing=""
command -v hugo >/dev/null || hugo_missing="missing: hugo is not installed (make bench-deps)"

cmds=(berth-lab "" "$BERTH_LAB --course $c/berth/lessons build -q --out $out")
[ -z "$hugo_missing" ] && cmds+=(hugo "" "hugo --quiet -s $c/hugo -d $ho")
# Hugo takes seconds here: a slow metric.
hf corpus "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"

b_rss=$(kib_to_mib "$(peak_rss "$BERTH_LAB" --course "$c/berth/lessons" build -q --out "$out")")
h_rss=$hugo_missing
[ -z "$hugo_missing" ] && h_rss=$(kib_to_mib "$(peak_rss hugo --quiet -s "$c/hugo" -d "$ho")")

row id=site-corpus issue=7 label="$label" berth="$(src corpus berth-lab)" \
	peer="hugo (same Markdown)" peer_src="${hugo_missing:-$(src corpus hugo)}" target=le:1000,ratio_le:0.5
row id=site-corpus-rss issue=7 label="peak RSS, berth-lab build of the corpus" unit=MiB berth="$b_rss" \
	peer="hugo" peer_src="$h_rss"
rm -rf "$out" "$ho" "$c/hugo/resources" "$c/hugo/.hugo_build.lock"
