#!/usr/bin/env bash
# Grading throughput: berth lab check of 20 attempts, two at a time (this
# machine's cores), each a real graded attempt in the grader's sandbox and
# a row in results.db.  No issue names a target yet, and no other tool
# grades these exercises, so the row has no peer.
. "$BENCH_TOP/bench/lib.sh"

ex=engine-version
sol=$BENCH_TOP/lessons/exercises/$ex/solution
N=20
if ! "$BERTH_LAB" list 2>/dev/null | grep -q "^$ex "; then
	row id=grading label="grading throughput" unit=attempts/s better=higher \
		berth="failed: berth-lab list has no $ex exercise"
	exit 0
fi
export BERTH_LAB_DB=$BENCH_SCRATCH/results.db
cmd="sh -c 'seq $N | xargs -P 2 -I{} $BERTH_LAB check --learner bench-{} $ex $sol >/dev/null'"
hf grading "$(runs_slow)" "$(warmup_slow)" --noshell -- berth-lab "" "$cmd"

s=$(src grading berth-lab)
case $s in
hf:*)
	s=$(perl -MJSON::PP -e '
		local $/; open my $f, "<", $ARGV[0] or die; my $d = decode_json(<$f>);
		printf "num:%.1f\n", $ARGV[1] / $d->{results}[0]{median};
	' "$BENCH_RUN/grading.json" $N)
	;;
esac
row id=grading label="grading throughput ($N attempts of $ex, 2 at a time)" unit=attempts/s better=higher berth="$s"
