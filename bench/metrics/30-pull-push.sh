#!/usr/bin/env bash
# pull and push of the ~200 MB, 5-layer image against a local
# docker-registry (issue 6: pull at most 0.7x docker pull, push at most
# 0.7x docker push, a second pull of a present image under 50 ms), beside
# docker and skopeo.  Pulls come from the bench's registry (the image put
# there by skopeo); pushes go to a second registry whose storage is emptied
# before every run, so that every push uploads every layer.
. "$BENCH_TOP/bench/lib.sh"
. "$BENCH_TOP/bench/peers.sh"

big=$(big_image_dir)
img=$big/image.tar
reg=$BENCH_REGISTRY
landed=0
has_berth pull && has_berth push && has_berth tag && has_berth load && landed=1

no_reg="missing: $BENCH_REGISTRY_MISSING"
if [ -z "$reg" ]; then
	for id in pull-docker pull-skopeo pull-again push-docker push-skopeo; do
		row id=$id issue=6 label="$id" berth="$([ $landed = 1 ] && echo "$no_reg" || echo nyl)" \
			peer="$id" peer_src="$no_reg"
	done
	exit 0
fi

say "skopeo copy of the image into $reg"
skopeo_missing=""
if ! command -v skopeo >/dev/null; then
	skopeo_missing="missing: skopeo is not installed (make bench-deps)"
elif ! skopeo copy -q --dest-tls-verify=false "docker-archive:$img" "docker://$reg/bench/big:latest" \
	>"$BENCH_RUN/pull.seed.log" 2>&1; then
	echo "failed: skopeo could not put the image in the registry: $(lastline "$BENCH_RUN/pull.seed.log")"
	exit 1
fi

pr=$BENCH_SCRATCH/pull-root
od=$BENCH_SCRATCH/pull-oci
cmds=()
[ $landed = 1 ] && cmds+=(berth "rm -rf $pr" "$BERTH --root $pr pull $reg/bench/big:latest")
# Every name of the image goes, or docker would keep its layers and only
# fetch a manifest.
[ -n "$DOCKER" ] && cmds+=(docker "$DOCKER rmi -f $reg/bench/big:latest bench/big:latest >/dev/null 2>&1; true" \
	"$DOCKER pull $reg/bench/big:latest")
[ -z "$skopeo_missing" ] && cmds+=(skopeo "rm -rf $od" \
	"skopeo copy -q --src-tls-verify=false docker://$reg/bench/big:latest oci:$od:latest")
hf pull "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"

# A second pull: the image is there already.
cmds=()
[ $landed = 1 ] && cmds+=(berth "" "$BERTH --root $pr pull $reg/bench/big:latest")
[ -n "$DOCKER" ] && cmds+=(docker "" "$DOCKER pull $reg/bench/big:latest")
hf pull-again "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds[@]}"

# The push target.
push_missing=""
push_pid=""
if up=$(registry_up "$BENCH_SCRATCH/push-registry" 2>"$BENCH_RUN/push-registry.err"); then
	push_pid=${up% *}
	preg=${up#* }
	trap 'kill $push_pid 2>/dev/null; wait $push_pid 2>/dev/null' EXIT
else
	push_missing="missing: push registry: $(lastline "$BENCH_RUN/push-registry.err")"
fi
wipe="rm -rf $BENCH_SCRATCH/push-registry/data/docker"
cmds=()
if [ -z "$push_missing" ]; then
	if [ $landed = 1 ] && "$BERTH" load -q -i "$img" >/dev/null 2>&1 &&
		"$BERTH" tag bench/big:latest "$preg/bench/berth:latest"; then
		cmds+=(berth "$wipe" "$BERTH push $preg/bench/berth:latest")
	fi
	if [ -n "$DOCKER" ] && $DOCKER tag "$reg/bench/big:latest" "$preg/bench/docker:latest" 2>/dev/null; then
		cmds+=(docker "$wipe" "$DOCKER push $preg/bench/docker:latest")
	fi
	[ -z "$skopeo_missing" ] && cmds+=(skopeo "$wipe" \
		"skopeo copy -q --dest-tls-verify=false docker-archive:$img docker://$preg/bench/skopeo:latest")
fi
hf push "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"
[ -n "$DOCKER" ] && $DOCKER rmi -f "$reg/bench/big:latest" "$preg/bench/docker:latest" >/dev/null 2>&1
rm -rf "$pr" "$od"

either() { # either MISSING-REASON ID NAME
	if [ -n "$1" ]; then echo "$1"; else src "$2" "$3"; fi
}
b() { [ $landed = 1 ] && either "$push_missing" "$1" berth || echo nyl; }
size=$(du -m "$img" | cut -f1)
bp=nyl
[ $landed = 1 ] && bp=$(src pull berth)
row id=pull-docker issue=6 label="pull ${size} MB, 5 layers" berth="$bp" \
	peer="docker pull" peer_src="$(docker_src pull docker)" target=ratio_le:0.7
row id=pull-skopeo issue=6 label="pull ${size} MB, 5 layers" berth="$bp" \
	peer="skopeo copy to oci:" peer_src="$(either "$skopeo_missing" pull skopeo)"
ba=nyl
[ $landed = 1 ] && ba=$(src pull-again berth)
row id=pull-again issue=6 label="pull again (image present)" berth="$ba" \
	peer="docker pull" peer_src="$(docker_src pull-again docker)" target=le:50
dp="missing: $BENCH_DOCKER_MISSING"
[ -n "$DOCKER" ] && dp=$(either "$push_missing" push docker)
row id=push-docker issue=6 label="push ${size} MB, 5 layers" berth="$(b push)" \
	peer="docker push" peer_src="$dp" target=ratio_le:0.7
row id=push-skopeo issue=6 label="push ${size} MB, 5 layers" berth="$(b push)" \
	peer="skopeo copy to registry" peer_src="$(either "${push_missing:-$skopeo_missing}" push skopeo)"
