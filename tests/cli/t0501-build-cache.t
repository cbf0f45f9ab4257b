#!/bin/sh
# The build cache, docker's semantics: a second build is all CACHED; a
# changed file rebuilds from its COPY on; a touched but unchanged file
# stays cached; a changed build arg reruns the RUNs after it; --no-cache;
# the cache survives and lives in the store.
. "$(dirname "$0")/../lib.sh"

setup_containers

mkdir ctx && echo one >ctx/a.txt && echo b >ctx/b.txt &&
printf '%s\n' 'FROM busybox' 'ARG FLAVOR=plain' 'COPY b.txt /b.txt' 'RUN echo first-run >/r1' \
	'COPY a.txt /a.txt' 'RUN echo "second-run $FLAVOR" >/r2' 'ENV DONE=yes' >ctx/Dockerfile

# "i:CACHED" or "i:DONE" for each [i/n] step of a plain progress log
steps() {
	awk '/^#[0-9]+ \[[0-9]+\/[0-9]+\]/ { match($0, /\[[0-9]+\//); n = substr($0, RSTART + 1, RLENGTH - 2); id = $1 }
	     n != "" && $1 == id && $2 == "CACHED" { print n ":CACHED"; n = "" }
	     n != "" && $1 == id && $2 == "DONE" { print n ":DONE"; n = "" }' "$1" | tr "\n" " "
}

test_expect_success 'the first build runs every step' '
	berth build --progress plain -t cached ctx 2>p1 &&
	test "$(steps p1)" = "1:CACHED 2:DONE 3:DONE 4:DONE 5:DONE "
'

test_expect_success 'a second build is all CACHED and gives the same image' '
	id1=$(berth image inspect -f "{{.Id}}" cached) &&
	berth build --progress plain -t cached ctx 2>p2 &&
	test "$(steps p2)" = "1:CACHED 2:CACHED 3:CACHED 4:CACHED 5:CACHED " &&
	test "$(berth image inspect -f "{{.Id}}" cached)" = "$id1"
'

test_expect_success 'a touched but unchanged file stays cached' '
	touch -d "2001-01-01" ctx/a.txt &&
	berth build --progress plain -t cached ctx 2>p3 &&
	test "$(steps p3)" = "1:CACHED 2:CACHED 3:CACHED 4:CACHED 5:CACHED "
'

test_expect_success 'a changed file rebuilds from its COPY on' '
	echo two >ctx/a.txt &&
	berth build --progress plain -t cached ctx 2>p4 &&
	test "$(steps p4)" = "1:CACHED 2:CACHED 3:CACHED 4:DONE 5:DONE " &&
	test "$(berth run --rm cached cat /a.txt)" = two
'

test_expect_success 'a changed mode counts, as in docker'"'"'s cache' '
	chmod 600 ctx/a.txt &&
	berth build --progress plain -t cached ctx 2>p5 &&
	test "$(steps p5)" = "1:CACHED 2:CACHED 3:CACHED 4:DONE 5:DONE " &&
	chmod 644 ctx/a.txt
'

test_expect_success 'a changed build arg reruns the RUNs after it' '
	berth build --progress plain -t cached ctx 2>/dev/null &&
	berth build --progress plain --build-arg FLAVOR=spicy -t cached ctx 2>p6 &&
	test "$(steps p6)" = "1:CACHED 2:CACHED 3:DONE 4:DONE 5:DONE " &&
	test "$(berth run --rm cached cat /r2)" = "second-run spicy"
'

test_expect_success '--no-cache runs everything' '
	berth build --progress plain --no-cache -t cached ctx 2>p7 &&
	test "$(steps p7)" = "1:CACHED 2:DONE 3:DONE 4:DONE 5:DONE "
'

test_expect_success 'a removed image is a cache miss, not an error' '
	berth rmi -f cached >/dev/null && berth image prune -af >/dev/null 2>&1;
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null &&
	berth build --progress plain -t cached ctx 2>p8 &&
	test "$(steps p8)" = "1:CACHED 2:DONE 3:DONE 4:DONE 5:DONE "
'

test_expect_success 'a Dockerfile edit reruns from the edited instruction' '
	sed -i "s/first-run/first-run-edited/" ctx/Dockerfile &&
	berth build --progress plain -t cached ctx 2>p9 &&
	test "$(steps p9)" = "1:CACHED 2:CACHED 3:DONE 4:DONE 5:DONE " &&
	berth build --progress plain -t cached ctx 2>p10 &&
	test "$(steps p10)" = "1:CACHED 2:CACHED 3:CACHED 4:CACHED 5:CACHED "
'

test_done
