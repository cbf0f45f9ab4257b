#!/bin/bash
# bench/compose.sh: berth compose against Debian's docker-compose 1.29 on a
# private dockerd (only when DOCKER_HOST is set and answers; never needed by
# berth or its tests).
#
#   sudo bench/compose.sh            berth only
#   DOCKER_HOST=unix:///tmp/dx.sock sudo bench/compose.sh   side by side
#
# Figures (median of N runs, wall clock): `config` of a 50-service file,
# `up -d` of a three-service app from nothing, `up -d` with nothing changed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${BERTH:-$TOP/build/bin/berth}
N=${N:-5}
W=$(mktemp -d /tmp/bench-compose.XXXXXX)
export BERTH_ROOT=$W/root
trap 'cd /; (cd $W/app && $BERTH compose down -v -t 0 >/dev/null 2>&1); rm -rf $W' EXIT

ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

$BERTH load -i "$TOP/build/images/busybox.tar" >/dev/null
mkdir -p $W/app/www $W/big
echo hi >$W/app/www/index.html
cat >$W/app/compose.yaml <<YAML
services:
  web:
    image: busybox
    command: httpd -f -p 80 -h /www
    ports: ["28080:80"]
    volumes: ["./www:/www:ro"]
    init: true
  api:
    image: busybox
    command: sleep 1000
    environment: {MODE: one}
    depends_on: [web]
    init: true
  data:
    image: busybox
    command: sleep 1000
    volumes: ["data:/data"]
    init: true
volumes:
  data:
YAML
{
	echo "services:"
	for i in $(seq 1 50); do
		printf '  s%d:\n    image: busybox:${TAG:-latest}\n    command: sh -c "echo %d"\n    ports: ["%d:80"]\n    environment: [A=%d, B=two]\n    volumes: ["./d%d:/data:ro", "v:/v"]\n    healthcheck: {test: [CMD, "true"], interval: 10s}\n' $i $i $((30000 + i)) $i $i
		[ $i -gt 1 ] && printf '    depends_on: [s%d]\n' $((i - 1))
	done
	echo "volumes: {v: {}}"
} >$W/big/compose.yaml

cd $W/big
cfg=$(for i in $(seq $N); do ms $BERTH compose config; done | median)
cd $W/app
up=$(for i in $(seq $N); do $BERTH compose down -v -t 0 >/dev/null 2>&1; ms $BERTH compose up -d; done | median)
noop=$(for i in $(seq $N); do ms $BERTH compose up -d; done | median)
$BERTH compose down -v -t 0 >/dev/null 2>&1
echo "berth compose config, 50 services:   ${cfg} ms"
echo "berth compose up -d, 3 services:      ${up} ms"
echo "berth compose up -d, nothing changed: ${noop} ms"

if [ -n "${DOCKER_HOST:-}" ] && command -v docker-compose >/dev/null && docker info >/dev/null 2>&1; then
	docker image inspect busybox >/dev/null 2>&1 || docker load -i "$TOP/build/images/busybox.tar" >/dev/null
	cd $W/big
	dcfg=$(for i in $(seq $N); do ms docker-compose config; done | median)
	cd $W/app
	dup=$(for i in $(seq $N); do docker-compose down -v -t 0 >/dev/null 2>&1; ms docker-compose up -d; done | median)
	dnoop=$(for i in $(seq $N); do ms docker-compose up -d; done | median)
	docker-compose down -v -t 0 >/dev/null 2>&1
	echo "docker-compose 1.29 config, 50 services:   ${dcfg} ms"
	echo "docker-compose 1.29 up -d, 3 services:      ${dup} ms"
	echo "docker-compose 1.29 up -d, nothing changed: ${dnoop} ms"
	awk -v a=$up -v b=$dup 'BEGIN { printf "up -d ratio berth/docker-compose: %.3f\n", a / b }'
fi
