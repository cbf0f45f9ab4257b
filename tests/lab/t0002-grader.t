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

# A probe exercise whose checks assert, from inside, what the sandbox hides.
make_probe() {
	mkdir -p "$TMP/p/lessons" && cp -r "$TOP/lessons/." "$TMP/p/lessons/" &&
	d="$TMP/p/lessons/exercises/probe" && mkdir -p "$d/starter" "$d/solution" "$d/wrong/x" &&
	for f in starter solution wrong/x; do echo "true" >"$d/$f/answer.sh"; done &&
	cat >"$d/exercise.yaml" <<-EOF
	id: probe
	title: probe
	task: probe
	timeout: 20
	checks:
	  - run: touch /etc/berth-escape-probe
	    exit: 1
	  - run: touch /usr/bin/berth-escape-probe
	    exit: 1
	  - run: 'test \$(ls -A /var/tmp | wc -l) = 0 && ! ls /tmp | grep -q berth-grade && test ! -e "$TMP/host-secret"'
	  - run: hostname
	    stdout: berth-lab
	  - run: test \$(ls /proc | grep -c "^[0-9]") -lt 10
	  - run: touch ok-here && ls ok-here
	  - run: setsid sleep 317 >/dev/null 2>&1 & echo started
	    stdout: started
	  - run: 'test \$(tail -n +3 /proc/net/dev | grep -vc "lo:") = 0'
	EOF
}

test_expect_success 'the sandbox: host read-only, nothing else visible, own PID and network namespaces' '
	make_probe && touch "$TMP/host-secret" &&
	mkdir -p probe && echo true >probe/answer.sh &&
	berth-lab --course "$TMP/p/lessons" check probe >out 2>&1 || { cat out; exit 1; }
	test_grep "^PASSED: 8/8" out &&
	test ! -e /etc/berth-escape-probe && test ! -e /usr/bin/berth-escape-probe
'

test_expect_success 'nothing an attempt started outlives it' '
	! pgrep -f "sleep 317"
'

test_expect_success 'attempt directories are removed afterwards' '
	! ls /var/tmp | grep -q "^berth-grade\." || {
		# Another grader may be running on this machine: only ours must be gone.
		! grep -rl "ok-here" /var/tmp/berth-grade.* 2>/dev/null | grep -q .
	}
'

test_done
