#!/usr/bin/env bash
# compose (issue 10), beside Debian's docker-compose 1.29 on the bench's
# dockerd: up -d of three services (at most 0.1x docker-compose and at most
# 150 ms), up -d with nothing changed (at most 50 ms), down, and config of
# a 50-service file (at most 20 ms).  Networks come from the bench
# dockerd's address pool, checked against the host's routes.
. "$BENCH_TOP/bench/lib.sh"

dir=$BENCH_SCRATCH/compose
mkdir -p "$dir"
cat >"$dir/compose.yaml" <<'YAML'
services:
  web:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
  api:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment:
      WEB: http://web
    depends_on: [web]
  data:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    volumes: ["data:/data"]
volumes:
  data: {}
YAML
{
	echo "services:"
	for i in $(seq 1 50); do
		printf '  svc%02d:\n    image: busybox\n    command: ["sleep", "3600"]\n' "$i"
		printf '    environment:\n      INDEX: "%d"\n    labels:\n      bench: "yes"\n' "$i"
		[ "$i" -gt 1 ] && printf '    depends_on: [svc%02d]\n' $((i - 1))
	done
} >"$dir/compose50.yaml"

landed=0
has_berth compose && landed=1
dc_missing=""
if ! command -v docker-compose >/dev/null; then
	dc_missing="missing: docker-compose is not installed (make bench-deps)"
elif [ -z "$DOCKER" ]; then
	dc_missing="missing: $BENCH_DOCKER_MISSING"
fi
B="$BERTH compose -p benchc -f $dir/compose.yaml"
D="env DOCKER_HOST=unix://$BENCH_DIR/docker/docker.sock docker-compose -p benchc -f $dir/compose.yaml"

cmds=()
[ $landed = 1 ] && cmds+=(berth "$B down -v >/dev/null 2>&1; true" "$B up -d")
[ -z "$dc_missing" ] && cmds+=(docker-compose "$D down -v >/dev/null 2>&1; true" "$D up -d")
hf compose-up "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"

cmds=()
[ $landed = 1 ] && cmds+=(berth "$B up -d >/dev/null 2>&1; true" "$B up -d")
[ -z "$dc_missing" ] && cmds+=(docker-compose "$D up -d >/dev/null 2>&1; true" "$D up -d")
hf compose-again "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"

cmds=()
[ $landed = 1 ] && cmds+=(berth "$B up -d >/dev/null 2>&1; true" "$B down -v")
[ -z "$dc_missing" ] && cmds+=(docker-compose "$D up -d >/dev/null 2>&1; true" "$D down -v")
hf compose-down "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"

cmds=()
[ $landed = 1 ] && cmds+=(berth "" "$BERTH compose -p bench50 -f $dir/compose50.yaml config")
command -v docker-compose >/dev/null && cmds+=(docker-compose "" "docker-compose -p bench50 -f $dir/compose50.yaml config")
# docker-compose takes a second or more to start: a slow metric.
hf compose-config "$(runs_slow)" "$(warmup_slow)" --noshell -- "${cmds[@]}"

[ $landed = 1 ] && $B down -v >/dev/null 2>&1
[ -z "$dc_missing" ] && $D down -v >/dev/null 2>&1

bs() { if [ $landed = 1 ]; then src "$1" berth; else echo nyl; fi; }
ds() { if [ -n "$dc_missing" ]; then echo "$dc_missing"; else src "$1" docker-compose; fi; }
row id=compose-up issue=10 label="compose up -d, 3 services" berth="$(bs compose-up)" \
	peer="docker-compose 1.29" peer_src="$(ds compose-up)" target=le:150,ratio_le:0.1
row id=compose-again issue=10 label="compose up -d, nothing changed" berth="$(bs compose-again)" \
	peer="docker-compose 1.29" peer_src="$(ds compose-again)" target=le:50
row id=compose-down issue=10 label="compose down -v, 3 services" berth="$(bs compose-down)" \
	peer="docker-compose 1.29" peer_src="$(ds compose-down)"
cs="missing: docker-compose is not installed (make bench-deps)"
command -v docker-compose >/dev/null && cs=$(src compose-config docker-compose)
row id=compose-config issue=10 label="compose config, 50 services" berth="$(bs compose-config)" \
	peer="docker-compose 1.29" peer_src="$cs" target=le:20
rm -rf "$dir"
