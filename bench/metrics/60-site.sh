#!/usr/bin/env bash
# berth-lab build of the course (issue 7: under 200 ms; the search index
# under 300 KB) beside Hugo rendering the same lessons' Markdown with a
# minimal layout, and the peak memory of each.
. "$BENCH_TOP/bench/lib.sh"

out=$BENCH_SCRATCH/site-berth
hs=$BENCH_SCRATCH/hugo-course
ho=$BENCH_SCRATCH/site-hugo

hugo_missing=""
if command -v hugo >/dev/null; then
	bash "$BENCH_TOP/bench/fixtures/hugo-site.sh" "$hs" "$BENCH_TOP/lessons/ko" "$BENCH_TOP/lessons/en"
else
	hugo_missing="missing: hugo is not installed (make bench-deps)"
fi

cmds=(berth-lab "" "$BERTH_LAB build -q --out $out")
[ -z "$hugo_missing" ] && cmds+=(hugo "" "hugo --quiet -s $hs -d $ho")
hf site "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

b_rss=$(kib_to_mib "$(peak_rss "$BERTH_LAB" build -q --out "$out")")
h_rss=$hugo_missing
[ -z "$hugo_missing" ] && h_rss=$(kib_to_mib "$(peak_rss hugo --quiet -s "$hs" -d "$ho")")

pages=$(find "$out" -name '*.html' 2>/dev/null | wc -l)
row id=site-course issue=7 label="berth-lab build, the course ($pages pages)" berth="$(src site berth-lab)" \
	peer="hugo (same Markdown)" peer_src="${hugo_missing:-$(src site hugo)}" target=le:200
row id=site-course-rss issue=7 label="peak RSS, berth-lab build of the course" unit=MiB berth="$b_rss" \
	peer="hugo" peer_src="$h_rss"

# The search index, once the site has one (a file named like *search*index*).
idx=$(find "$out" -type f \( -iname '*search*index*' -o -iname '*searchindex*' \) -printf '%s %p\n' 2>/dev/null |
	sort -n | tail -n 1)
# A page loads its own language's index: the largest one is the figure.
label="search index of the course"
if [ -n "$idx" ]; then
	si="num:$(awk -v s="${idx%% *}" 'BEGIN { printf "%.1f", s / 1024 }')"
	label="$label (largest: ${idx#*"$out"/})"
else
	si=nyl
fi
row id=search-index issue=7 label="$label" unit=KiB berth="$si" target=le:300
rm -rf "$out" "$ho" "$hs"
