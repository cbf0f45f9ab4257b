#!/bin/sh
# The bench's harness itself (bench/lib.sh, bench/report.pl) on canned
# hyperfine output: rows, medians, ratios, targets, the table, the JSON and
# the comparison of two runs.  It starts no dockerd and times nothing.
. "$(dirname "$0")/../lib.sh"

REPORT="$TOP/bench/report.pl"

# hyperfine's --export-json, cut down: berth 4 ms, docker 300 ms, runc 30 ms
# (medians), the shape hyperfine 1.15 writes.
cat >hf.json <<'EOF'
{
  "results": [
    { "command": "berth", "mean": 0.0042, "stddev": 0.0003, "median": 0.004,
      "user": 0.001, "system": 0.002, "min": 0.0038, "max": 0.0051,
      "times": [0.0038, 0.004, 0.004, 0.0051], "exit_codes": [0, 0, 0, 0] },
    { "command": "docker", "mean": 0.31, "stddev": 0.02, "median": 0.3,
      "user": 0.01, "system": 0.02, "min": 0.28, "max": 0.35,
      "times": [0.28, 0.3, 0.3, 0.35], "exit_codes": [0, 0, 0, 0] },
    { "command": "runc", "mean": 0.031, "stddev": 0.002, "median": 0.03,
      "user": 0.01, "system": 0.02, "min": 0.028, "max": 0.035,
      "times": [0.028, 0.03, 0.03, 0.035], "exit_codes": [0, 0, 0, 0] },
    { "command": "old", "mean": 0.02, "stddev": 0.002,
      "user": 0.01, "system": 0.02, "min": 0.01, "max": 0.04,
      "times": [0.04, 0.01, 0.03, 0.02], "exit_codes": [0, 0, 0, 0] }
  ]
}
EOF

rows() {
	BENCH_RUN="$TMP" BENCH_TOP="$TOP" bash -c '
		. "$BENCH_TOP/bench/lib.sh"
		printf "berth\tok\ndocker\tok\nrunc\tok\nold\tok\n" >"$BENCH_RUN/hf.status"
		: >"$BENCH_RUN/rows.tsv"
		row id=rm-docker issue=4 label="run --rm busybox true" berth="$(src hf berth)" \
			peer="docker run --rm" peer_src="$(src hf docker)" target=le:15,ratio_le:0.1
		row id=rm-runc issue=4 label="run --rm busybox true" berth="$(src hf berth)" \
			peer="runc run" peer_src="$(src hf runc)" target=ratio_le:0.1
		row id=load issue=3 label="load 200 MB image" berth=nyl \
			peer="docker load" peer_src="missing: dockerd did not start: no cgroups" target=ratio_le:1
		row id=push-a issue=6 label="push" berth="failed: corrupt layer" peer="docker push" peer_src=num:9
		row id=push-b issue=6 label="push" berth="failed: corrupt layer" peer="skopeo" peer_src=num:3
		row id=rss issue=4 label="monitor RSS" unit=MiB berth="$(kib_to_mib num:1536)" target=le:2
		row id=old label="a hyperfine without medians" berth="$(src hf old)" \
			peer="never ran" peer_src="$(src hf nothing)"
		row id=tput issue=5 label="port throughput" unit=Gbit/s better=higher berth=num:3 \
			peer="docker -p" peer_src=num:2 target=ge:1,ratio_ge:1
	'
}

test_expect_success 'metric rows are one tab-separated line each, with their sources' '
	rows &&
	test $(wc -l <rows.tsv) = 8 &&
	test_grep -F "hf:$TMP/hf.json:berth" rows.tsv &&
	test_grep "^load	3	load 200 MB image	ms	lower	nyl	docker load	missing: dockerd did not start: no cgroups	ratio_le:1\$" rows.tsv &&
	test_grep "	num:1.50	" rows.tsv &&
	test_grep "	failed: not measured	" rows.tsv
'

# Checks of the JSON, in perl (which make deps installs, as report.pl needs).
cat >check.pl <<'EOF'
use strict;
use JSON::PP;
local $/;
open my $f, '<', 'run.json' or die;
my $d = decode_json(<$f>);
my %m = map { ($_->{id} => $_) } @{ $d->{metrics} };
my $bad = 0;
sub is {
	my ($got, $want, $what) = @_;
	$got = 'undef' unless defined $got;
	if ($got ne $want) { print "$what: got $got, want $want\n"; $bad = 1 }
}
sub yn { my ($v) = @_; defined $v ? ($v ? 'yes' : 'no') : 'null' }
is($m{'rm-docker'}{berth}{median}, 4, 'berth median in ms');
is($m{'rm-docker'}{berth}{runs}, 4, 'berth runs');
is($m{'rm-docker'}{peer}{median}, 300, 'docker median in ms');
is($m{'rm-docker'}{peer}{name}, 'docker run --rm', 'peer name');
is($m{'rm-docker'}{ratio}, 0.01333, 'ratio');
is(yn($m{'rm-docker'}{holds}), 'yes', '15 ms and 0.1x hold');
is(yn($m{'rm-runc'}{holds}), 'no', '0.1x of runc does not');
is($m{load}{berth}{status}, 'not yet landed', 'load status');
is($m{load}{peer}{status}, 'missing', 'docker status');
is(yn($m{load}{holds}), 'null', 'load cannot be judged');
is($m{old}{berth}{median}, 25, 'median from the times when hyperfine gave none');
is(yn($m{tput}{holds}), 'yes', 'throughput at least 1 and at least docker');
is($d->{quick} ? 1 : 0, 1, 'quick');
is($d->{machine}{cpu}, 'Test CPU', 'machine');
exit $bad;
EOF

test_expect_success 'the JSON has medians in ms, the ratio and whether each target holds' '
	perl "$REPORT" json rows.tsv timestamp=T1 commit=abc quick=1 machine.cpu="Test CPU" \
		machine.cores=2 machine.kernel=6.1 >run.json &&
	perl check.pl
'

test_expect_success 'the table has the columns, the values, and notes for reasons' '
	perl "$REPORT" table run.json >table &&
	head -n 1 table >head &&
	test_grep "^| metric  *| berth  *| peer  *| peer median | ratio  *| target  *| holds |$" head &&
	test_grep "^| run --rm busybox true  *| 4.00 ms  *| docker run --rm  *| 300 ms  *| 0.0133x | ≤ 15 ms, ≤ 0.1x (#4) *| yes  *|$" table &&
	test_grep "| runc run .*| no  *|$" table &&
	test_grep "^| load 200 MB image  *| not yet landed | docker load  *| missing \[1\] " table &&
	test_grep "^\[1\] load 200 MB image, docker load: missing: dockerd did not start: no cgroups$" table &&
	test_grep "^| push  *| failed \[2\] *| docker push " table &&
	test_grep "^| push  *| failed \[2\] *| skopeo " table &&
	test_grep "^\[2\] push, berth: failed: corrupt layer$" table &&
	test_grep "^\[3\] a hyperfine without medians, never ran: failed: not measured$" table &&
	test_grep "| 1.50 MiB .*| ≤ 2 MiB (#4) *| yes" table &&
	test_grep "| 3.00 Gbit/s .*| 1.5x .*| ≥ 1 Gbit/s, ≥ 1x (#5) *| yes" table &&
	test_grep "Quick run of T1 at commit abc on Test CPU (2 cores), Linux 6.1" table
'

test_expect_success 'compare tells what got faster and what got slower' '
	sed "s/\"median\": 0.004,/\"median\": 0.008,/; s/\"median\": 0.3,/\"median\": 0.302,/" hf.json >hf2.json &&
	sed "s|$TMP/hf.json|$TMP/hf2.json|g" rows.tsv >rows2.tsv &&
	perl "$REPORT" json rows2.tsv timestamp=T2 >run2.json &&
	perl "$REPORT" compare run.json run2.json >cmp &&
	test_grep "^| run --rm busybox true  *| 4.00 ms *| 8.00 ms *| +100.0% *| slower |" cmp &&
	test_grep "(docker run --rm) | 300 ms  *| 302 ms  *| +0.7%  *| same" cmp &&
	perl "$REPORT" compare run2.json run.json >cmp2 &&
	test_grep "| 8.00 ms *| 4.00 ms *| -50.0% *| faster |" cmp2
'

test_expect_success 'rounds of hyperfine merge into one result per command' '
	cat >r1.json <<-\EOF &&
	{"results": [
	  {"command": "berth", "mean": 0.002, "median": 0.002, "user": 0.001, "system": 0.001,
	   "min": 0.001, "max": 0.003, "times": [0.001, 0.003], "exit_codes": [0, 0]},
	  {"command": "docker", "mean": 0.2, "median": 0.2, "user": 0.01, "system": 0.01,
	   "min": 0.2, "max": 0.2, "times": [0.2, 0.2], "exit_codes": [0, 0]}]}
	EOF
	cat >r2.json <<-\EOF &&
	{"results": [
	  {"command": "berth", "mean": 0.009, "median": 0.009, "user": 0.003, "system": 0.001,
	   "min": 0.008, "max": 0.01, "times": [0.01, 0.008], "exit_codes": [0, 0]},
	  {"command": "docker", "mean": 0.4, "median": 0.4, "user": 0.01, "system": 0.01,
	   "min": 0.4, "max": 0.4, "times": [0.4], "exit_codes": [0]}]}
	EOF
	perl "$REPORT" merge r1.json r2.json >m.json &&
	printf "a\t-\tb\tms\tlower\thf:$TMP/m.json:berth\td\thf:$TMP/m.json:docker\t-\n" >m.tsv &&
	perl "$REPORT" json m.tsv >mrun.json &&
	perl -MJSON::PP -e '"'"'
		local $/; my $d = decode_json(<STDIN>); my $m = $d->{metrics}[0];
		exit !($m->{berth}{median} == 5.5 && $m->{berth}{runs} == 4 && $m->{berth}{min} == 1 &&
		       $m->{peer}{median} == 200 && $m->{peer}{runs} == 3);
	'"'"' <mrun.json
'

test_expect_success 'bad rows are refused with their line number' '
	printf "x\t4\tonly three\n" >bad.tsv &&
	! perl "$REPORT" json bad.tsv >/dev/null 2>err &&
	test_grep "bad.tsv:1: expected 9 tab-separated fields" err &&
	cat rows.tsv rows.tsv >dup.tsv &&
	! perl "$REPORT" json dup.tsv >/dev/null 2>err &&
	test_grep "metric id .rm-docker. appears twice" err
'

test_expect_success 'compare.sh says how to use it, and refuses a missing file' '
	test_status 2 bash "$TOP/bench/compare.sh" 2>err &&
	test_grep "usage: make bench-compare OLD.json" err &&
	test_status 1 bash "$TOP/bench/compare.sh" "$TMP/nope.json" run.json 2>err &&
	test_grep "no such file" err
'

test_done
