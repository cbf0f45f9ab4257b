#!/usr/bin/env bash
# build (issue 9), beside docker's classic builder (DOCKER_BUILDKIT=0):
#   cold, one COPY and one RUN: at most 0.25x docker's
#   fully cached rebuild of a 6-step Dockerfile: at most 20 ms
#   COPY of a 10,000-file context: no slower than docker's
#   rebuild after one file of that context changed
#   a layer from 100 MB of RUN output: within 1.2x of tar -c of the same
#     files.  berth's row times the layer alone: bench/tools/layer-from-dir
#     runs build_layer_from_upper (what a RUN's upper dir goes through) on a
#     fresh copy of the 100 files, beside tar -c of them.  docker times no
#     layer commit separately, so its row stays the difference between a RUN
#     that leaves 100 MB in the layer and the same RUN that deletes them.
# RUN steps have no network on either side (the bench's dockerd has no bridge).
. "$BENCH_TOP/bench/lib.sh"

landed=0
has_berth build && landed=1
ctx=$BENCH_FIX/ctx
small=$BENCH_SCRATCH/ctx-small
mkdir -p "$small"
cp "$ctx"/app.sh "$ctx"/Dockerfile.* "$small/"
# The 100 MB RUN, kept (A) or deleted before the step ends (B).
printf 'FROM busybox\nRUN mkdir /data && for i in $(seq 100); do head -c 1048576 /dev/urandom >/data/f$i; done\n' \
	>"$small/Dockerfile.keep"
printf 'FROM busybox\nRUN mkdir /data && for i in $(seq 100); do head -c 1048576 /dev/urandom >/data/f$i; done && rm -rf /data\n' \
	>"$small/Dockerfile.drop"
# The one-file change goes to a copy of the context, so the fixture stays as made.
big_ctx=$BENCH_SCRATCH/ctx-10k
rm -rf "$big_ctx" && cp -a "$ctx" "$big_ctx"
touch_one="date +%s%N >$big_ctx/files/d050/f05000.txt"

B="$BERTH build --network none -q"
D="env DOCKER_BUILDKIT=0 $DOCKER build --network none -q"
both() { # both ID RUNS WARMUP PREPARE ARGS: berth and docker build ARGS
	local id=$1 runs=$2 warm=$3 prep=$4 args=$5 cmds=()
	[ $landed = 1 ] && cmds+=(berth "$prep" "$B $args")
	[ -n "$DOCKER" ] && cmds+=(docker "$prep" "$D $args")
	hf "$id" "$runs" "$warm" --noshell -- "${cmds[@]}"
}
both build-cold "$(runs_slow)" "$(warmup_slow)" "" "--no-cache -f $small/Dockerfile.cold -t bench/cold $small"
both build-cached "$(runs_fast)" "$(warmup_fast)" "" "-f $small/Dockerfile.steps -t bench/steps $small"
both build-ctx10k "$(runs_slow)" "$(warmup_slow)" "" "--no-cache -f $big_ctx/Dockerfile.ctx -t bench/ctx $big_ctx"
both build-onefile "$(runs_slow)" "$(warmup_slow)" "$touch_one" "-f $big_ctx/Dockerfile.ctx -t bench/ctx $big_ctx"

# The layer of 100 MB: berth's layer alone (a fresh copy of the files as
# the "upper dir" before each run, untimed), docker's keep and drop, and
# tar -c of the same files.
t100=$BENCH_SCRATCH/files-100mb
up=$BENCH_SCRATCH/upper-100mb
lroot=$BENCH_SCRATCH/layer-root
mkdir -p "$t100" && for i in $(seq 100); do head -c 1048576 /dev/urandom >"$t100/f$i"; done
LFD=$BENCH_TOP/build/bench-tools/layer-from-dir
cmds=()
if [ $landed = 1 ] && [ -x "$LFD" ]; then
	# The store exists before the step, as in a build: made once here;
	# each run starts without the layer and split the previous one made.
	"$BERTH" --root "$lroot" images >/dev/null
	cmds+=(berth-layer "rm -rf $up $lroot/layers/* $lroot/splits/* && cp -a $t100 $up" "$LFD $lroot $up")
fi
if [ -n "$DOCKER" ]; then
	cmds+=(docker-keep "" "$D --no-cache -f $small/Dockerfile.keep -t bench/keep $small")
	cmds+=(docker-drop "" "$D --no-cache -f $small/Dockerfile.drop -t bench/drop $small")
fi
cmds+=(tar "rm -f $BENCH_SCRATCH/files-100mb.tar" "tar -cf $BENCH_SCRATCH/files-100mb.tar -C $t100 .")
hf layer-100mb "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

# keep - drop, from the medians; a failure of either is the row's failure.
diff_src() { # diff_src PREFIX
	local k d
	k=$(src layer-100mb "$1-keep")
	d=$(src layer-100mb "$1-drop")
	case $k in hf:*) ;; *) echo "$k"; return ;; esac
	case $d in hf:*) ;; *) echo "$d"; return ;; esac
	perl -MJSON::PP -e '
		local $/; open my $f, "<", $ARGV[0] or die; my $d = decode_json(<$f>);
		my %m = map { ($_->{command} => $_->{median}) } @{ $d->{results} };
		printf "num:%.1f\n", 1000 * ($m{$ARGV[1] . "-keep"} - $m{$ARGV[1] . "-drop"});
	' "$BENCH_RUN/layer-100mb.json" "$1"
}

if [ -n "$DOCKER" ]; then
	$DOCKER rmi -f bench/cold bench/steps bench/ctx bench/keep bench/drop >/dev/null 2>&1
	$DOCKER image prune -f >/dev/null 2>&1
fi
rm -rf "$t100" "$up" "$lroot" "$BENCH_SCRATCH/files-100mb.tar" "$big_ctx"

bs() { if [ $landed = 1 ]; then src "$1" berth; else echo nyl; fi; }
row id=build-cold issue=9 label="build, cold (one COPY, one RUN)" berth="$(bs build-cold)" \
	peer="docker build (classic)" peer_src="$(docker_src build-cold docker)" target=ratio_le:0.25
row id=build-cached issue=9 label="build, fully cached (6 steps)" berth="$(bs build-cached)" \
	peer="docker build (classic)" peer_src="$(docker_src build-cached docker)" target=le:20
row id=build-ctx10k issue=9 label="build, COPY of 10,000 files (no cache)" berth="$(bs build-ctx10k)" \
	peer="docker build (classic)" peer_src="$(docker_src build-ctx10k docker)" target=ratio_le:1
row id=build-onefile issue=9 label="build after one file of 10,000 changed" berth="$(bs build-onefile)" \
	peer="docker build (classic)" peer_src="$(docker_src build-onefile docker)"
bl=nyl
if [ $landed = 1 ]; then
	bl="missing: build/bench-tools/layer-from-dir (make bench-tools)"
	[ -x "$LFD" ] && bl=$(src layer-100mb berth-layer)
fi
row id=layer-100mb issue=9 label="layer from 100 MB of RUN output" berth="$bl" \
	peer="tar -c (the same size)" peer_src="$(src layer-100mb tar)" target=ratio_le:1.2
dl="missing: $BENCH_DOCKER_MISSING"
[ -n "$DOCKER" ] && dl=$(diff_src docker)
row id=layer-100mb-docker issue=9 label="layer from 100 MB of RUN output" berth="$bl" \
	peer="docker build (classic)" peer_src="$dl"
