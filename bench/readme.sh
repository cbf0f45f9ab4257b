#!/usr/bin/env bash
# bench/readme.sh [RUN.json]: put a bench run's table (by default the last,
# build/bench/latest.json) into README.md's Performance section, the last
# section of the README, replacing the one there.  A quick run is refused:
# the README shows full runs only.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
json=${1:-$top/build/bench/latest.json}
[ -f "$json" ] || { echo "readme: no $json; run make bench first" >&2; exit 1; }
perl -MJSON::PP -e 'local $/; exit(decode_json(<STDIN>)->{quick} ? 1 : 0)' <"$json" ||
	{ echo "readme: $json is a quick run; the README shows a full one (make bench)" >&2; exit 1; }

readme=$top/README.md
tmp=$readme.tmp
# Everything before the section stays as it is.
awk '/^## Performance$/ { exit } { print }' "$readme" >"$tmp"
{
	[ -z "$(tail -n 1 "$tmp")" ] || echo
	echo "## Performance"
	echo
	echo '```sh'
	echo 'make bench-deps && make bench    # the full run, 10-20 minutes; QUICK=1 for a 3-minute smoke run'
	echo 'make bench-compare build/bench/OLD.json   # what got faster or slower since an older run'
	echo '```'
	echo
	perl -MJSON::PP -e '
		local $/; my $d = decode_json(<STDIN>); my $m = $d->{machine};
		my $t = $d->{timestamp};
		$t =~ s/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d).*/$1-$2-$3 $4:$5 UTC/;
		printf "Measured on %s, %s cores, %s GiB, Linux %s, at commit %s, %s",
			$m->{cpu}, $m->{cores}, $m->{memory_gib} // "?", $m->{kernel}, $d->{commit}, $t;
		printf ", with a load average of %s from other jobs on the machine when it started", $m->{loadavg}
			if defined $m->{loadavg};
		print ".\n";
	' <"$json"
	cat <<'TEXT'
berth beside the tool a learner would pick instead, each measured in the same
run: Debian's docker.io 20.10 (the bench starts a dockerd of its own),
runc on an equivalent OCI bundle, GNU tar, skopeo, docker-registry, Hugo and
docker-compose 1.29.  Times are medians of hyperfine runs interleaved in
rounds; ratio = berth / peer; each target is quoted from the issue named.
"not yet landed" marks an engine feature that is not on main yet: its peers
are measured already, berth's side starts counting the day it lands.  The
state and scratch of every engine are on a tmpfs (BENCH_DISK=1 puts them on
the disk); bench/README.md says how each figure is taken.
TEXT
	echo
	perl "$top/bench/report.pl" table "$json" | sed '/^$/,$ { /^Full run of /d; /^Medians of /d; }'
} >>"$tmp"
# No trailing blank lines.
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp"
mv "$tmp" "$readme"
echo "readme: Performance section from ${json#$top/}"
