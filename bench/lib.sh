# bench/lib.sh: what a metric script (bench/metrics/*.sh) has to hand.
#
# bench/run.sh sets the environment (below) and runs each metric script in a
# shell of its own, so one metric that breaks cannot take the others with it.
# A metric measures with `hf` (hyperfine) or `peak_rss` (/usr/bin/time -v) and
# states each table row with `row`; bench/report.pl turns the rows and the
# hyperfine JSON files into the table and build/bench/<timestamp>.json.
#
#   BENCH_TOP     the repository            BERTH, BERTH_LAB  the binaries
#   BENCH_FIX     build/bench/fixtures      BENCH_RUN  this run's logs and JSON
#   BENCH_SCRATCH where commands write (a tmpfs for the run, see run.sh)
#   BENCH_QUICK   1 for `make bench QUICK=1`
#   BERTH_ROOT    berth's state root for the bench ($BENCH_SCRATCH/root)
#   DOCKER        "docker -H unix://…" for the bench's own dockerd, or empty
#   BENCH_DOCKER_MISSING   why dockerd is not there (when DOCKER is empty)
#   BENCH_REGISTRY         127.0.0.1:PORT of the bench's docker-registry, or empty
#   BENCH_REGISTRY_MISSING why not
#
# Rows are tab-separated lines in $BENCH_RUN/rows.tsv; a value ("source") is
#   hf:FILE:NAME   the median of command NAME in hyperfine's JSON FILE
#   num:VALUE      a number measured some other way, in the row's unit
#   nyl            the feature has not landed on main yet
#   missing:WHY    the peer could not be started or is not installed
#   failed:WHY     the command ran and failed (its last line of stderr)
#   -              no such column for this row

set -u

: "${BENCH_RUN:?run bench/run.sh, not a metric script alone}"

# row id=ID issue=N label=TEXT unit=ms better=lower berth=SRC peer=TEXT \
#     peer_src=SRC target=SPEC
# target SPEC is a comma-separated list: le:15 (berth's value at most 15
# units), ge:1 (at least), ratio_le:0.1 (berth/peer at most 0.1), ratio_ge:1,
# or "-" when its issue names no target for this row.
row() {
	local id="" issue="-" label="" unit=ms better=lower berth="nyl" peer="-" peer_src="-" target="-" kv
	for kv; do
		case $kv in
		id=*) id=${kv#id=} ;;
		issue=*) issue=${kv#issue=} ;;
		label=*) label=${kv#label=} ;;
		unit=*) unit=${kv#unit=} ;;
		better=*) better=${kv#better=} ;;
		berth=*) berth=${kv#berth=} ;;
		peer=*) peer=${kv#peer=} ;;
		peer_src=*) peer_src=${kv#peer_src=} ;;
		target=*) target=${kv#target=} ;;
		*) echo "row: unknown field '$kv'" >&2; return 1 ;;
		esac
	done
	# Tabs and newlines would break the TSV; reasons are one line anyway.
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$issue" "$label" "$unit" "$better" \
		"$(oneline "$berth")" "$peer" "$(oneline "$peer_src")" "$target" >>"$BENCH_RUN/rows.tsv"
}

oneline() { printf '%s' "$1" | tr '\t\n' '  ' | cut -c1-200; }

say() { printf '  %s\n' "$*" >&2; }

# Does the berth on main have this command yet?  `berth CMD --help` answers
# for a registered command and says "unknown command" otherwise.  A
# management subcommand is given as two words: has_berth image inspect.
has_berth() {
	"$BERTH" "$@" --help >/dev/null 2>&1
}

# "--network none" for berth run, once berth has networks; before that a
# berth container has a network namespace of its own with only lo in it,
# which is what --network none gives a docker container.
berth_net_none() {
	if "$BERTH" run --help 2>/dev/null | grep -q -- '--network'; then echo "--network none"; fi
}

# The number of timed runs: at least 10 (hyperfine's medians need them),
# 20 for the fast ones in a full run.  A slow metric (seconds a run) runs
# each command once in the quick run: a smoke check of the harness and a
# rough figure, not a measurement.  A slow command's warm-up is its probe
# run (see hf): a second one would add minutes and warm nothing more.
runs_fast() { if [ "$BENCH_QUICK" = 1 ]; then echo 10; else echo 20; fi; }
runs_slow() { if [ "$BENCH_QUICK" = 1 ]; then echo 1; else echo 10; fi; }
warmup_fast() { if [ "$BENCH_QUICK" = 1 ]; then echo 1; else echo 3; fi; }
warmup_slow() { echo 0; }

# The multi-layer image for load, pull and push: ~200 MB, or its ~50 MB
# sibling (the same shape, a quarter of the bytes) in a quick run.
big_image_dir() { if [ "$BENCH_QUICK" = 1 ]; then echo "$BENCH_FIX/big-quick"; else echo "$BENCH_FIX/big"; fi; }

# hf ID RUNS WARMUP [--noshell] -- NAME PREPARE COMMAND [NAME PREPARE COMMAND]...
#
# Times the commands side by side with hyperfine.  The runs are interleaved
# in rounds: each round is one hyperfine invocation of every command (berth
# and its peers) with a few runs each, so a burst of load from a neighbour on
# this shared machine falls on all of them rather than on whichever command
# hyperfine happened to be timing; bench/report.pl merges the rounds into
# one hyperfine-shaped JSON ($BENCH_RUN/ID.json) whose medians the table uses.
# Each command is first run once by itself (after its PREPARE): one that
# fails is left out of the timing, and src reports it as failed with its
# last line of stderr, instead of hyperfine stopping the whole metric.
# PREPARE ("" for none) runs before every timed run, untimed: removing what
# the last run made.
hf() {
	local id=$1 runs=$2 warm=$3 shell=() names=() preps=() cmds=() ok_args=() ok_preps=() any_prep=0 i
	shift 3
	if [ "${1:-}" = --noshell ]; then shell=(-N); shift; fi
	[ "${1:-}" = -- ] && shift
	: >"$BENCH_RUN/$id.status"
	while [ $# -ge 3 ]; do
		names+=("$1"); preps+=("$2"); cmds+=("$3"); shift 3
	done
	if [ "$runs" = 1 ]; then
		hf_once "$id" "$warm" "${shell[@]}"
		return
	fi
	for i in "${!names[@]}"; do
		local n=${names[$i]} p=${preps[$i]} c=${cmds[$i]} pf="$BENCH_RUN/$id.$i.prepare.sh"
		printf '%s\n' "${p:-true}" >"$pf"
		[ -n "$p" ] && any_prep=1
		if ! sh "$pf" >"$BENCH_RUN/$id.$i.probe.log" 2>&1; then
			printf '%s\tfailed: prepare: %s\n' "$n" "$(lastline "$BENCH_RUN/$id.$i.probe.log")" >>"$BENCH_RUN/$id.status"
			continue
		fi
		if ! sh -c "$c" >"$BENCH_RUN/$id.$i.probe.log" 2>&1 </dev/null; then
			printf '%s\tfailed: %s\n' "$n" "$(lastline "$BENCH_RUN/$id.$i.probe.log")" >>"$BENCH_RUN/$id.status"
			continue
		fi
		printf '%s\tok\n' "$n" >>"$BENCH_RUN/$id.status"
		ok_args+=(-n "$n" "$c")
		ok_preps+=(--prepare "sh $pf")
	done
	[ ${#ok_args[@]} -gt 0 ] || return 0
	[ $any_prep = 1 ] || ok_preps=()
	local rounds=$((runs < 5 ? runs : 5)) per r w rc=0 parts=()
	per=$(((runs + rounds - 1) / rounds))
	say "hyperfine $id: ${names[*]}, $rounds rounds of $per runs"
	: >"$BENCH_RUN/$id.log"
	for r in $(seq 1 $rounds); do
		w=0
		[ "$r" = 1 ] && w=$warm
		# Everything the commands print goes to a log, not to the table.
		if ! hyperfine "${shell[@]}" --style basic --runs "$per" --warmup "$w" \
			--export-json "$BENCH_RUN/$id.round$r.json" "${ok_preps[@]}" "${ok_args[@]}" \
			>>"$BENCH_RUN/$id.log" 2>&1 </dev/null; then
			rc=1
			break
		fi
		parts+=("$BENCH_RUN/$id.round$r.json")
	done
	if [ $rc = 0 ]; then
		perl "$BENCH_TOP/bench/report.pl" merge "${parts[@]}" >"$BENCH_RUN/$id.json" 2>>"$BENCH_RUN/$id.log" || rc=1
	fi
	if [ $rc != 0 ]; then
		# A command that passed its probe but failed a timed run: the
		# measurement is void (hyperfine stops at the first failure).
		local why
		why=$(grep -m1 -iE 'error|non-zero' "$BENCH_RUN/$id.log" || lastline "$BENCH_RUN/$id.log")
		awk -F'\t' -v OFS='\t' -v why="failed: hyperfine: $(oneline "$why")" \
			'$2 == "ok" { $2 = why } { print }' "$BENCH_RUN/$id.status" >"$BENCH_RUN/$id.status.new" &&
			mv "$BENCH_RUN/$id.status.new" "$BENCH_RUN/$id.status"
	fi
}

# One run of each command, no probe (the quick run of a slow metric): a
# hyperfine of its own per command, so that one failure leaves the others'
# figures; a command that failed is run once more to say why.
hf_once() { # hf_once ID WARMUP [-N]   (names, preps, cmds from hf)
	local id=$1 warm=$2 i parts=()
	shift 2
	say "hyperfine $id: ${names[*]}, one run each (quick)"
	: >"$BENCH_RUN/$id.log"
	for i in "${!names[@]}"; do
		local n=${names[$i]} p=${preps[$i]} c=${cmds[$i]} pf="$BENCH_RUN/$id.$i.prepare.sh"
		printf '%s\n' "${p:-true}" >"$pf"
		if hyperfine "$@" --style basic --runs 1 --warmup "$warm" --prepare "sh $pf" \
			--export-json "$BENCH_RUN/$id.cmd$i.json" -n "$n" "$c" >>"$BENCH_RUN/$id.log" 2>&1 </dev/null; then
			printf '%s\tok\n' "$n" >>"$BENCH_RUN/$id.status"
			parts+=("$BENCH_RUN/$id.cmd$i.json")
		else
			sh "$pf" >/dev/null 2>&1
			sh -c "$c" >"$BENCH_RUN/$id.$i.probe.log" 2>&1 </dev/null
			printf '%s\tfailed: %s\n' "$n" "$(lastline "$BENCH_RUN/$id.$i.probe.log")" >>"$BENCH_RUN/$id.status"
		fi
	done
	[ ${#parts[@]} -gt 0 ] && perl "$BENCH_TOP/bench/report.pl" merge "${parts[@]}" >"$BENCH_RUN/$id.json"
	return 0
}

# src ID NAME: the value source for command NAME of hyperfine run ID.
src() {
	local st
	st=$(awk -F'\t' -v n="$2" '$1 == n { print $2 }' "$BENCH_RUN/$1.status" 2>/dev/null)
	case $st in
	ok) echo "hf:$BENCH_RUN/$1.json:$2" ;;
	'') echo "failed: not measured" ;;
	*) echo "$st" ;;
	esac
}

lastline() { grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 | cut -c1-150; }

# peak_rss CMD...: the command's peak resident set in KiB (GNU time -v), or
# "failed: …".  Run three times (once in a quick run); the median is printed.
peak_rss() {
	local i out vals=() n=3
	out="$BENCH_RUN/rss.$$.log"
	[ "$BENCH_QUICK" = 1 ] && n=1
	for i in $(seq 1 $n); do
		if ! /usr/bin/time -v "$@" >/dev/null 2>"$out" </dev/null; then
			echo "failed: $(grep -v -e '^\s' "$out" | tail -n 1 | cut -c1-150)"
			return 0
		fi
		vals+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out")")
	done
	printf '%s\n' "${vals[@]}" | sort -n | sed -n "$(((n + 1) / 2))p" | sed 's/^/num:/'
}

# For rows in MiB from a KiB source.
kib_to_mib() {
	case $1 in
	num:*) awk -v v="${1#num:}" 'BEGIN { printf "num:%.2f\n", v / 1024 }' ;;
	*) echo "$1" ;;
	esac
}

# The peer for a row that needs dockerd: its name, or why it is missing.
docker_src() { # docker_src ID NAME
	if [ -z "$DOCKER" ]; then echo "missing: $BENCH_DOCKER_MISSING"; else src "$@"; fi
}
