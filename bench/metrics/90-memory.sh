#!/usr/bin/env bash
# Peak resident memory of berth's CLI (GNU time -v), beside docker's CLI
# doing the same.  (berth-lab build's is in 60-site; a container monitor's
# in 11-run-d-stop.)  No issue names a target for these.
. "$BENCH_TOP/bench/lib.sh"

rss_row() { # rss_row ID LABEL BERTH-ARGS (or "" when not landed) DOCKER-ARGS
	local b=nyl d="missing: $BENCH_DOCKER_MISSING"
	[ -n "$3" ] && b=$(kib_to_mib "$(peak_rss $BERTH $3)")
	[ -n "$DOCKER" ] && d=$(kib_to_mib "$(peak_rss $DOCKER $4)")
	row id="$1" label="$2" unit=MiB berth="$b" peer="docker CLI" peer_src="$d"
}
rss_row rss-version "peak RSS, CLI: version" "version" "version"
a=""
has_berth images && a="images"
rss_row rss-images "peak RSS, CLI: images" "$a" "images"
a=""
has_berth run && a="run --rm $(berth_net_none) busybox true"
rss_row rss-run "peak RSS, CLI: run --rm busybox true" "$a" "run --rm --network none busybox true"
