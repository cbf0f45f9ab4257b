#!/bin/sh
# berth-lab check: every exercise's reference solution passes, every
# known-wrong answer fails, and every attempt is a row in results.db.
. "$(dirname "$0")/../lib.sh"

export BERTH_LAB_DB="$TMP/results.db"
EX="$TOP/lessons/exercises"

test_expect_success 'berth lab list shows the exercises' '
	berth lab list >out && test_grep "^engine-version " out
'

test_expect_success 'start hands out the starter file, and keeps existing work' '
	berth lab start engine-version >out && test -f engine-version/answer.sh &&
	echo "# mine" >>engine-version/answer.sh &&
	berth lab start engine-version >out && test_grep "already exists" out &&
	test_grep "# mine" engine-version/answer.sh
'

test_expect_success 'the starter alone does not pass (exit 1, NOT YET)' '
	test_status 1 berth lab check engine-version >out &&
	test_grep "^NOT YET: 0/1" out
'

for ex in "$EX"/*/; do
	id=$(basename "$ex")
	test_expect_success "$id: the reference solution passes" "
		rm -rf sol && cp -r '$ex/solution' sol &&
		berth lab check --learner ref $id sol >out && test_grep '^PASSED' out
	"
	for wrong in "$ex"/wrong/*/; do
		w=$(basename "$wrong")
		test_expect_success "$id: the known-wrong answer '$w' fails" "
			rm -rf w && cp -r '$wrong' w &&
			test_status 1 berth lab check --learner ref $id w >out && test_grep '^NOT YET' out
		"
	done
done

test_expect_success 'every attempt is a row in results.db' '
	test "$(sqlite3 "$BERTH_LAB_DB" "SELECT count(*) FROM attempts WHERE learner = '"'"'ref'"'"' AND passed = 1")" -ge 1 &&
	test "$(sqlite3 "$BERTH_LAB_DB" "SELECT count(*) FROM attempts WHERE passed = 0")" -ge 2
'

test_expect_success 'a failed check tells the learner why' '
	printf "berth verison\n" >engine-version/answer.sh &&
	test_status 1 berth lab check engine-version >out &&
	test_grep "exited with 125, expected 0" out
'

test_expect_success 'an attempt cannot run past the time limit' '
	mkdir -p "$TMP/c/lessons" && cp -r "$TOP/lessons/." "$TMP/c/lessons/" &&
	sed -i "s/^timeout: 30/timeout: 1/" "$TMP/c/lessons/exercises/engine-version/exercise.yaml" &&
	printf "sleep 30\n" >engine-version/answer.sh &&
	start=$(date +%s) &&
	test_status 1 berth-lab --course "$TMP/c/lessons" check engine-version >out &&
	test $(( $(date +%s) - start )) -lt 10 &&
	test_grep "did not finish within 1 seconds" out
'

test_expect_success 'an unknown exercise is a clear error' '
	test_status 125 berth lab check nope 2>err && test_grep "no exercise \"nope\"" err
'

test_expect_success 'a missing answer file says what to do' '
	test_status 125 berth lab check engine-version "$TMP/empty-dir" 2>err &&
	test_grep "berth lab start engine-version" err
'

test_done
