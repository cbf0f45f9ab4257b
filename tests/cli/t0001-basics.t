#!/bin/sh
# The engine's front door: help, version, info, the state root, and docker's
# way of refusing what it does not know.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'berth --help lists the commands and the global options' '
	berth --help >out &&
	test_grep "Usage:  berth \[OPTIONS\] COMMAND" out &&
	test_grep "version" out && test_grep -- "--root string" out
'

test_expect_success 'berth COMMAND --help shows that command'"'"'s usage' '
	berth info --help >out &&
	test_grep "Usage:  berth info" out
'

test_expect_success 'berth version shows a client and a server part' '
	berth version >out &&
	test_grep "^Client:" out && test_grep "^Server:" out && test_grep "linux/amd64\|linux/arm64" out
'

test_expect_success 'berth -v prints one version line' '
	berth -v >out && test "$(wc -l <out)" = 1 && test_grep "^berth version " out
'

test_expect_success 'berth info reports root, storage driver, cgroup version and seccomp' '
	berth info >out &&
	test_grep "Berth Root Dir: $BERTH_ROOT" out &&
	test_grep "Storage Driver: overlayfs" out &&
	test_grep "Cgroup Version: " out &&
	test_grep "Images: 0" out && test_grep "Containers: 0" out &&
	test_grep -A1 "Security Options:" out
'

test_expect_success 'info creates the root with berth.db in WAL mode' '
	test -f "$BERTH_ROOT/berth.db" &&
	test "$(sqlite3 "$BERTH_ROOT/berth.db" "PRAGMA journal_mode")" = wal
'

test_expect_success 'the engine ID is stable across calls' '
	berth info | grep "^ ID:" >a && berth info | grep "^ ID:" >b && test_cmp a b
'

test_expect_success '--root overrides BERTH_ROOT' '
	berth --root "$TMP/other" info >out &&
	test_grep "Berth Root Dir: $TMP/other" out && test -f "$TMP/other/berth.db"
'

test_expect_success 'a relative --root is taken from the current directory' '
	berth --root rel info >out && test_grep "Berth Root Dir: $TMP/rel" out
'

test_expect_success 'version does not create a root' '
	BERTH_ROOT="$TMP/untouched" berth version >/dev/null && test ! -e "$TMP/untouched"
'

test_expect_success 'an unknown command exits 125 with docker'"'"'s message' '
	test_status 125 berth frobnicate 2>err &&
	test_grep "berth: unknown command: \"frobnicate\"" err &&
	test_grep "See '"'"'berth --help'"'"'." err
'

test_expect_success 'an unknown flag exits 125 and names the flag' '
	test_status 125 berth info --bogus 2>err &&
	test_grep "^unknown flag: --bogus$" err &&
	test_grep "See '"'"'berth info --help'"'"'." err
'

test_expect_success 'an unknown global flag exits 125' '
	test_status 125 berth --bogus version 2>err && test_grep "unknown flag: --bogus" err
'

test_expect_success 'extra arguments are refused with the usage, exit 1 as docker' '
	test_status 1 berth info extra 2>err && test_grep "\"berth info\" accepts no arguments." err
'

test_expect_success 'an unusable root is one clear line and exit 125' '
	touch "$TMP/afile" &&
	test_status 125 berth --root "$TMP/afile/root" info 2>err &&
	test "$(wc -l <err)" = 1 && test_grep "^Error: cannot create directory" err
'

test_expect_success 'berth lab runs berth-lab with the same arguments' '
	berth lab --help >out && test_grep "Usage:  berth-lab" out &&
	berth lab version >out && test_grep "^berth-lab version" out
'

test_expect_success '20 concurrent berth processes on a fresh root all succeed' '
	r="$TMP/race" &&
	for i in $(seq 20); do berth --root "$r" info >"$TMP/race.$i" 2>&1 & done; wait &&
	for i in $(seq 20); do test_grep -q "Berth Root Dir" "$TMP/race.$i" || exit 1; done &&
	test "$(sort -u "$TMP"/race.* | grep "^ ID:" | wc -l)" = 1 &&
	test "$(sqlite3 "$r/berth.db" "PRAGMA integrity_check")" = ok
'

test_done
