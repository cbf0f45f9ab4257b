#!/bin/sh
# Multi-stage builds: COPY --from a stage (by name or number) or an image,
# --target, only the needed stages built, an unused failing stage that
# does not stop the build, FROM an earlier stage.
. "$(dirname "$0")/../lib.sh"

setup_containers

mkdir ctx && echo src >ctx/src.txt &&
printf '%s\n' 'FROM busybox AS builder' 'COPY src.txt /src.txt' 'RUN cat /src.txt > /artifact && echo built >>/artifact' '' \
	'FROM busybox AS broken' 'RUN echo this stage fails && exit 3' '' \
	'FROM builder AS extended' 'RUN echo more >>/artifact' '' \
	'FROM busybox' 'COPY --from=builder /artifact /app/artifact' 'COPY --from=0 /src.txt /app/src0.txt' \
	'COPY --from=busybox /bin/busybox /app/bb' 'CMD ["cat", "/app/artifact"]' >ctx/Dockerfile

test_expect_success 'the final stage gets files from earlier stages; an unused failing stage is not built' '
	berth build --progress plain -t multi ctx 2>progress &&
	test "$(berth run --rm multi)" = "src
built" &&
	test "$(berth run --rm multi cat /app/src0.txt)" = src &&
	berth run --rm multi test -x /app/bb &&
	! grep -q "this stage fails" progress &&
	! grep -q "\[extended" progress
'

test_expect_success 'steps are named after their stage' '
	test_grep -q "^#[0-9]* \[builder 2/3\] COPY src.txt /src.txt$" progress &&
	test_grep -q "^#[0-9]* \[stage-3 2/4\] COPY --from=builder /artifact /app/artifact$" progress
'

test_expect_success '--target builds a stage and what it needs' '
	berth build --progress plain --target extended -t ext ctx 2>progress &&
	test "$(berth run --rm ext cat /artifact)" = "src
built
more" &&
	! grep -q "\[stage-3" progress
'

test_expect_success '--target of the failing stage fails with its line' '
	test_status 1 berth build --progress plain --target broken ctx 2>err &&
	test_grep -q "^Dockerfile:6: process \"/bin/sh -c echo this stage fails && exit 3\" did not complete successfully: exit code: 3$" err
'

test_expect_success 'an unknown --target is an error' '
	test_status 1 berth build -q --target nope ctx 2>err &&
	test_grep -q "failed to reach build target nope in Dockerfile" err
'

test_expect_success 'COPY --from an unknown stage or image fails' '
	printf "FROM busybox\nCOPY --from=nowhere /x /x\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: .*nowhere" err
'

test_expect_success 'stage names are case-insensitive; a later stage cannot be used' '
	printf "FROM busybox AS First\nRUN echo a >/a\nFROM busybox\nCOPY --from=FIRST /a /a\n" >ctx/Dockerfile &&
	berth build -q -t ci ctx >/dev/null &&
	test "$(berth run --rm ci cat /a)" = a &&
	printf "FROM busybox\nCOPY --from=1 /a /a\nFROM busybox\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "refers to current or future build stage" err
'

test_expect_success 'independent stages build at the same time, with the same result as one by one' '
	mkdir -p pctx &&
	cat >pctx/Dockerfile <<-\EOF &&
	FROM busybox AS a
	RUN echo start-a && touch /tmp/a-started && sleep 1 && echo A >/a.txt
	FROM busybox AS b
	RUN echo start-b && touch /tmp/b-started && sleep 1 && echo B >/b.txt
	FROM busybox AS unused
	RUN exit 7
	FROM busybox
	COPY --from=a /a.txt /
	COPY --from=b /b.txt /
	RUN cat /a.txt /b.txt >/both
	EOF
	berth build --progress plain --no-cache -t par pctx 2>err &&
	test "$(berth run --rm par cat /both)" = "A
B" &&
	! grep -q "unused" err &&
	grep "^#[0-9]* \[" err | sed "s/ .*//" | sort | uniq -d >dups &&
	test_cmp /dev/null dups &&
	grep -n "start-a\|start-b\|DONE" err >order &&
	a=$(grep -n "start-a" err | head -1 | cut -d: -f1) &&
	b=$(grep -n "start-b" err | head -1 | cut -d: -f1) &&
	first_done=$(grep -n "^#[0-9]* DONE" err | sed -n 2p | cut -d: -f1) &&
	test "$a" -lt "$first_done" && test "$b" -lt "$first_done" &&
	berth build -q --progress plain -t par2 pctx >/dev/null &&
	test "$(berth image inspect -f "{{.Id}}" par)" = "$(berth image inspect -f "{{.Id}}" par2)"
'

test_expect_success 'a failing stage among parallel ones fails the build with its message; nothing is tagged or left' '
	cat >pctx/Dockerfile <<-\EOF &&
	FROM busybox AS a
	RUN sleep 1 && echo A >/a.txt
	FROM busybox AS b
	RUN echo broken-b && exit 5
	FROM busybox
	COPY --from=a /a.txt /
	COPY --from=b /b.txt /
	EOF
	test_status 1 berth build --progress plain --no-cache -t parfail pctx 2>err &&
	test "$(tail -n1 err)" = "Dockerfile:4: process \"/bin/sh -c echo broken-b && exit 5\" did not complete successfully: exit code: 5" &&
	test_grep -q "broken-b" err &&
	! berth image inspect parfail >/dev/null 2>&1 &&
	test -z "$(berth ps -aq)" &&
	test -z "$(ls "$BERTH_ROOT/containers")"
'

test_done
