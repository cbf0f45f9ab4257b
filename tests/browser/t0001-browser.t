#!/bin/sh
# The course site end to end in headless Chromium (tests/browser/*.test.js,
# node's test runner, TAP out).  The site is built fresh from lessons/;
# screenshots go to build/test-artifacts/.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-$TOP/build}
B="$TOP/tests/browser"

if ! command -v node >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ] || [ ! -d "$B/node_modules/playwright-core" ]; then
	echo "1..0 # SKIP node, /usr/bin/chromium or tests/browser/node_modules missing: run make deps"
	exit 0
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/berth-browser.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if ! "$BERTH_BUILD/bin/berth-lab" --course "$TOP/lessons" build --quiet --out "$TMP/site" >"$TMP/build.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - the site builds"
	sed 's/^/# /' "$TMP/build.log"
	exit 1
fi
# node's TAP carries YAML diagnostics that prove's YAMLish reader cannot
# always parse (multi-line messages); keep them, as comments.
BERTH_SITE="$TMP/site" BERTH_ARTIFACTS="$BERTH_BUILD/test-artifacts" \
	node --test --test-reporter=tap "$B"/*.test.js >"$TMP/tap" 2>&1
status=$?
awk '/^ *---$/ { y = 1 } y { print "# " $0; if ($0 ~ /^ *\.\.\.$/) y = 0; next } { print }' "$TMP/tap"
exit $status
