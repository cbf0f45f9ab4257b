#!/bin/sh
# berth-lab build: the course becomes a site, in both languages, and bad
# lessons are refused with file:line and no half-written site.
. "$(dirname "$0")/../lib.sh"

# A small course of our own for the failure cases, copied from the real one.
course_copy() {
	rm -rf "$TMP/course" && mkdir -p "$TMP/course" &&
	cp -r "$TOP/lessons" "$TOP/site" "$TOP/assets" "$TMP/course/"
}

test_expect_success 'the real course builds' '
	berth-lab build --out "$TMP/site" >out &&
	test_grep "Built" out
'

test_expect_success 'the first lesson exists in Korean and in English' '
	test -f "$TMP/site/ko/what-is-a-container.html" &&
	test -f "$TMP/site/en/what-is-a-container.html" &&
	test_grep "컨테이너란 무엇인가" "$TMP/site/ko/what-is-a-container.html" &&
	test_grep "What is a container?" "$TMP/site/en/what-is-a-container.html"
'

test_expect_success 'Markdown tables come out as HTML tables (GFM)' '
	test_grep "<table>" "$TMP/site/en/what-is-a-container.html"
'

test_expect_success 'the language switch points at the same lesson in the other language' '
	test_grep "href=\"../en/what-is-a-container.html\"" "$TMP/site/ko/what-is-a-container.html"
'

test_expect_success 'the lesson embeds its exercise with start and check commands' '
	test_grep "berth lab check engine-version" "$TMP/site/en/what-is-a-container.html" &&
	test_grep "class=\"solution\"" "$TMP/site/en/what-is-a-container.html"
'

test_expect_success '--no-solutions leaves the reference solution out' '
	berth-lab build --no-solutions --out "$TMP/class" >/dev/null &&
	! grep -q "class=\"solution\"" "$TMP/class/en/what-is-a-container.html"
'

test_expect_success 'assets are copied and linked relatively' '
	test -f "$TMP/site/assets/style.css" &&
	test_grep "href=\"../assets/style.css\"" "$TMP/site/ko/index.html"
'

test_expect_success 'raw HTML in a lesson is shown as text, not injected' '
	course_copy &&
	printf "\nInline <script>alert(1)</script> here.\n\n<div onclick=\"x()\">block</div>\n" \
		>>"$TMP/course/lessons/en/01-what-is-a-container.md" &&
	berth-lab --course "$TMP/course/lessons" build --out "$TMP/s2" >/dev/null &&
	! grep -q "<script>alert" "$TMP/s2/en/what-is-a-container.html" &&
	test_grep "&lt;script&gt;alert(1)&lt;/script&gt;" "$TMP/s2/en/what-is-a-container.html" &&
	! grep -q "<div onclick" "$TMP/s2/en/what-is-a-container.html"
'

test_expect_success 'unclosed front matter names the file and line, exit 1, old site kept' '
	course_copy &&
	berth-lab --course "$TMP/course/lessons" build --out "$TMP/s3" >/dev/null &&
	printf -- "---\nid: broken\ntitle: x\n" >"$TMP/course/lessons/en/02-broken.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s3" 2>err &&
	test_grep "lessons/en/02-broken.md:1: front matter starts with --- but never ends" err &&
	test -f "$TMP/s3/en/what-is-a-container.html" &&
	! ls "$TMP" | grep -q "s3.tmp"
'

test_expect_success 'a YAML error in front matter names file:line:col' '
	course_copy &&
	printf -- "---\nid: x\ntitle: [unclosed\n---\nbody\n" >"$TMP/course/lessons/en/02-bad.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s4" 2>err &&
	test_grep "lessons/en/02-bad.md:[0-9]*:[0-9]*:" err && test ! -e "$TMP/s4"
'

test_expect_success 'a missing required key is named' '
	course_copy &&
	printf -- "---\nid: nosummary\ntitle: T\nsection: basics\norder: 2\n---\nbody\n" \
		>"$TMP/course/lessons/en/02-x.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s5" 2>err &&
	test_grep "02-x.md:[0-9]*: front matter needs \"summary\"" err
'

test_expect_success 'an unknown section is refused' '
	course_copy &&
	sed -i "s/^section: basics/section: nowhere/" "$TMP/course/lessons/en/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s6" 2>err &&
	test_grep "unknown section \"nowhere\"" err
'

test_expect_success 'a lesson in one language only is refused' '
	course_copy &&
	printf -- "---\nid: lonely\ntitle: T\nsection: basics\norder: 2\nsummary: s\n---\nbody\n" \
		>"$TMP/course/lessons/en/02-lonely.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s7" 2>err &&
	test_grep "lesson \"lonely\" has no ko version" err
'

test_expect_success 'a duplicate lesson id is refused' '
	course_copy &&
	cp "$TMP/course/lessons/en/01-what-is-a-container.md" "$TMP/course/lessons/en/09-copy.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s8" 2>err &&
	test_grep "duplicate lesson id \"what-is-a-container\"" err
'

test_expect_success 'a lesson naming a missing exercise is refused' '
	course_copy &&
	sed -i "s/  - engine-version/  - no-such-exercise/" "$TMP/course/lessons/ko/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s9" 2>err &&
	test_grep "exercise \"no-such-exercise\" does not exist" err
'

test_expect_success 'an unknown front matter key is refused with its line' '
	course_copy &&
	sed -i "s/^order: 1/order: 1\ncolour: blue/" "$TMP/course/lessons/ko/01-what-is-a-container.md" &&
	test_status 1 berth-lab --course "$TMP/course/lessons" build --out "$TMP/s10" 2>err &&
	test_grep "01-what-is-a-container.md:6: unknown key \"colour\"" err
'

test_done
