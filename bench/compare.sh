#!/usr/bin/env bash
# bench/compare.sh OLD.json [NEW.json]: what got faster or slower between two
# bench runs; NEW defaults to build/bench/latest.json (the last `make bench`).
#   make bench-compare build/bench/20250101T120000Z.json
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: make bench-compare OLD.json   (or bench/compare.sh OLD.json [NEW.json])" >&2
	echo "runs kept: $(ls "$top"/build/bench/2*.json 2>/dev/null | sed "s|$top/||" | tr '\n' ' ')" >&2
	exit 2
fi
new=${2:-$top/build/bench/latest.json}
for f in "$1" "$new"; do
	[ -f "$f" ] || { echo "bench-compare: no such file: $f" >&2; exit 1; }
done
exec perl "$top/bench/report.pl" compare "$1" "$new"
