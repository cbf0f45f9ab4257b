#!/bin/sh
# The site's pages: course map, lessons with anchors and exercises, search
# index, glossary, print page, 404; every link relative, nothing fetched
# from outside; --no-solutions leaves solutions out everywhere; broken
# links stop the build with file:line.
. "$(dirname "$0")/../lib.sh"

course_copy() {
	rm -rf "$TMP/course" && mkdir -p "$TMP/course" &&
	cp -r "$TOP/lessons" "$TOP/site" "$TOP/assets" "$TMP/course/"
}
S="$TMP/site"
L="$S/ko/what-is-a-container.html"

test_expect_success 'the course builds into every kind of page, in both languages' '
	berth-lab build --out "$S" >out &&
	n=$(ls "$TOP"/lessons/ko/*.md "$TOP"/lessons/en/*.md | wc -l) &&
	test_grep "Built $n lesson pages" out &&
	for lang in ko en; do
		for p in index what-is-a-container search glossary print; do
			test -s "$S/$lang/$p.html" || { echo "missing $lang/$p.html"; exit 1; }
		done
		test -s "$S/$lang/search-index.js" || exit 1
	done &&
	test -s "$S/404.html" && test -s "$S/index.html" &&
	test -s "$S/assets/site.js" && test -s "$S/assets/search.js"
'

test_expect_success 'every page links its stylesheet and scripts relatively' '
	test_grep "href=\"../assets/style.css\"" "$L" &&
	test_grep "src=\"../assets/site.js\"" "$L" &&
	test_grep "src=\"search-index.js\"" "$S/ko/search.html" &&
	test_grep "href=\"assets/style.css\"" "$S/404.html"
'

test_expect_success 'no page asks for anything outside the site, and no link is absolute' '
	! grep -rEo "(src|href|action)=\"(https?:)?//[^\"]*\"" "$S" --include=*.html >ext ||
		{ cat ext; false; } &&
	! grep -rEo "(src|href|action)=\"/[^\"]*\"" "$S" --include=*.html >abs || { cat abs; false; } &&
	! grep -rEi "@import|url\(.?https?:" "$S/assets/style.css" &&
	! grep -rE "fetch\(|import\(|XMLHttpRequest" "$S/assets" --include=*.js
'

test_expect_success 'headings get stable anchors, Hangul kept, and the table of contents uses them' '
	test_grep "<h2 id=\"프로세스-하나-벽-여러-개\">" "$L" &&
	test_grep "href=\"#프로세스-하나-벽-여러-개\"" "$L" &&
	test_grep "<h2 id=\"one-process-several-walls\">" "$S/en/what-is-a-container.html"
'

test_expect_success 'the lesson page has breadcrumbs, the sidebar marks it, objectives, pager' '
	test_grep "class=\"crumbs\"" "$L" &&
	test_grep "href=\"what-is-a-container.html\" data-lesson=\"what-is-a-container\" aria-current=\"page\"" "$L" &&
	test_grep "id=\"objectives\"" "$L" && test_grep "class=\"pager\"" "$L"
'

test_expect_success 'the exercise shows its task, starter file with a download link, commands, hints, solution' '
	test_grep "id=\"exercise-engine-version\"" "$L" &&
	test_grep "href=\"../exercises/engine-version/starter/answer.sh\" download" "$L" &&
	test -f "$S/exercises/engine-version/starter/answer.sh" &&
	test_grep "berth</span> lab start engine-version" "$L" &&
	test_grep "data-copy=\"berth lab start engine-version" "$L" &&
	test $(grep -c "<details class=\"hint\">" "$L") = 5 && # engine-version 2 + run-hostname 3
	test_grep "<details class=\"solution\">" "$L" &&
	test -f "$S/exercises/engine-version/solution/answer.sh"
'

test_expect_success 'code is highlighted at build time, console blocks carry only their commands' '
	test_grep "<span class=\"hl-p\">\$ </span>" "$L" &&
	test_grep "data-copy=\"berth version\"" "$L"
'

test_expect_success 'a diagram from assets/ is shown with its alt text' '
	test_grep "<img src=\"../assets/diagrams/container-vs-vm.svg\" alt=\"가상 머신은" "$L" &&
	for d in container-vs-vm image-layers registry-repository compose-app; do
		test -s "$S/assets/diagrams/$d.svg" && grep -q "<title" "$S/assets/diagrams/$d.svg" &&
		grep -q "<desc" "$S/assets/diagrams/$d.svg" || exit 1
	done
'

test_expect_success 'the search index is a script with Hangul bigrams and lower-cased words, under 300 KB' '
	head -c 200 "$S/ko/search-index.js" | test_grep "window.BERTH_SEARCH=" &&
	test_grep -F "\"레이\":" "$S/ko/search-index.js" &&
	test_grep -F "\"dockerfile\":" "$S/en/search-index.js" &&
	total=$(cat "$S"/ko/search-index.js "$S"/en/search-index.js | wc -c) &&
	echo "index bytes: $total" && test "$total" -lt 307200
'

test_expect_success 'the glossary shows Korean and English side by side, with anchors' '
	test_grep "<tr id=\"term-layer\"><th scope=\"row\" lang=\"ko\">레이어</th><td lang=\"en\">layer</td>" \
		"$S/ko/glossary.html" &&
	test_grep "<tr id=\"term-layer\"><th scope=\"row\" lang=\"en\">layer</th><td lang=\"ko\">레이어</td>" \
		"$S/en/glossary.html"
'

test_expect_success 'print.html holds every lesson with prefixed ids, and the solution' '
	test_grep "<article class=\"print-lesson\" id=\"what-is-a-container\"" "$S/ko/print.html" &&
	test_grep "id=\"what-is-a-container--프로세스-하나-벽-여러-개\"" "$S/ko/print.html" &&
	test_grep "class=\"solution\"" "$S/ko/print.html"
'

test_expect_success 'the language switch of every page goes to the same page in the other language' '
	for p in index search glossary print what-is-a-container; do
		grep -q "class=\"lang-switch\" href=\"../en/$p.html\"" "$S/ko/$p.html" &&
		grep -q "class=\"lang-switch\" href=\"../ko/$p.html\"" "$S/en/$p.html" || { echo "$p"; exit 1; }
	done
'

test_expect_success '--no-solutions leaves solutions out of pages, print, search and files' '
	course_copy &&
	echo "echo solution-marker-7q" >>"$TMP/course/lessons/exercises/engine-version/solution/answer.sh" &&
	berth-lab --course "$TMP/course/lessons" build --out "$TMP/full" >/dev/null &&
	test_grep "solution-marker-7q" "$TMP/full/ko/what-is-a-container.html" &&
	test_grep "solution-marker-7q" "$TMP/full/en/print.html" &&
	berth-lab --course "$TMP/course/lessons" build --no-solutions --out "$TMP/class" >/dev/null &&
	! grep -rl "solution-marker-7q" "$TMP/class" &&
	! grep -rq "class=\"solution\"" "$TMP/class" &&
	! grep -rq "exercises/engine-version/solution" "$TMP/class" &&
	test ! -e "$TMP/class/exercises/engine-version/solution" &&
	test -f "$TMP/class/exercises/engine-version/starter/answer.sh"
'

test_expect_success 'solutions are never in the search index' '
	! grep -l "solution-marker-7q" "$TMP/full/ko/search-index.js" "$TMP/full/en/search-index.js"
'

test_expect_success 'a link to another lesson is rewritten to its page' '
	course_copy &&
	printf "\nSee [the same lesson](01-what-is-a-container.md#one-process-several-walls).\n" \
		>>"$TMP/course/lessons/en/01-what-is-a-container.md" &&
	berth-lab --course "$TMP/course/lessons" build --out "$TMP/s1" >/dev/null &&
	test_grep "href=\"#one-process-several-walls\"" "$TMP/s1/en/what-is-a-container.html" &&
	test_grep "href=\"#what-is-a-container--one-process-several-walls\"" "$TMP/s1/en/print.html"
'

test_expect_success 'a broken link stops the build with file:line, old site kept' '
	course_copy &&
	berth-lab --course "$TMP/course/lessons" build --out "$TMP/s2" >/dev/null &&
	printf "\nRead [next](02-nowhere.md) first.\n" >>"$TMP/course/lessons/ko/01-what-is-a-container.md" &&
	line=$(wc -l <"$TMP/course/lessons/ko/01-what-is-a-container.md") &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s2" 2>err &&
	test_grep "lessons/ko/01-what-is-a-container.md:$line: broken link \"02-nowhere.md\"" err &&
	test -f "$TMP/s2/ko/what-is-a-container.html" && ! ls "$TMP" | grep -q "s2.tmp"
'

test_expect_success 'a broken anchor stops the build with file:line' '
	course_copy &&
	printf "\nSee [there](#no-such-heading).\n" >>"$TMP/course/lessons/en/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s3" 2>err &&
	test_grep "lessons/en/01-what-is-a-container.md:[0-9]*: broken link \"#no-such-heading\": en/what-is-a-container.html has no heading" err &&
	test ! -e "$TMP/s3"
'

test_expect_success 'a missing diagram and an image from the web are refused' '
	course_copy &&
	sed -i "s/container-vs-vm.svg/no-such.svg/" "$TMP/course/lessons/en/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s4" 2>err &&
	test_grep "01-what-is-a-container.md:41: broken link \"../assets/diagrams/no-such.svg\"" err &&
	course_copy &&
	printf "\n![logo](https://example.org/logo.png)\n" >>"$TMP/course/lessons/en/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s4" 2>err &&
	test_grep "offline" err
'

test_expect_success 'a bad glossary stops the build with file:line' '
	course_copy &&
	printf "  - id: layer\n    term: {ko: 레이어, en: layer}\n    def: {ko: 뜻, en: m}\n" \
		>>"$TMP/course/lessons/glossary.yaml" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s5" 2>err &&
	test_grep "lessons/glossary.yaml:[0-9]*: duplicate term id \"layer\"" err && test ! -e "$TMP/s5"
'

test_expect_success 'an unknown section names the line of section:' '
	course_copy &&
	sed -i "s/^section: basics/section: nowhere/" "$TMP/course/lessons/ko/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s6" 2>err &&
	test_grep "lessons/ko/01-what-is-a-container.md:4: unknown section \"nowhere\"" err
'

test_expect_success 'a results export marks what the learner passed' '
	rm -rf sol && cp -r "$TOP/lessons/exercises/engine-version/solution" sol &&
	berth lab check --db "$TMP/r.db" --learner ann engine-version sol >/dev/null &&
	rm -rf sol2 && cp -r "$TOP/lessons/exercises/run-hostname/solution" sol2 &&
	berth lab check --db "$TMP/r.db" --learner ann run-hostname sol2 >/dev/null &&
	berth-lab build --results "$TMP/r.db" --learner ann --out "$TMP/s7" >/dev/null &&
	test_grep "lesson-card passed" "$TMP/s7/ko/index.html" &&
	berth-lab build --results "$TMP/r.db" --learner bob --out "$TMP/s8" >/dev/null &&
	! grep -q "lesson-card passed" "$TMP/s8/ko/index.html" &&
	test_status 1 berth-lab build --results "$TMP/nope.db" --out "$TMP/s9" 2>err
'

test_expect_success 'the same course builds to the same bytes' '
	berth-lab build --out "$TMP/again" >/dev/null &&
	diff -r "$S" "$TMP/again"
'

test_done
