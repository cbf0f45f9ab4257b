#!/bin/bash
# bench/build.sh: `berth build` side by side with docker's classic builder
# (when DOCKER_HOST points at a running dockerd with busybox:latest loaded)
# and with tar.  Needs hyperfine.
#
#   bash bench/build.sh [--quick]
#
# 1. a fully cached rebuild of a 6-step Dockerfile (target: <= 20 ms);
# 2. a cold build, one COPY and one RUN, --no-cache (target: <= 0.25x docker);
# 3. COPY of a 10,000-file context, --no-cache (target: no slower than docker);
# 4. the layer of a RUN that wrote 100 MB in 100 files, alone
#    (build/bench-tools/layer-from-dir: build_layer_from_upper on a fresh
#    copy of the files), against `tar -c` of the same files (target: 1.2x).
set -euo pipefail

cd "$(dirname "$0")/.."
BERTH=$PWD/build/bin/berth
RUNS=10
[ "${1:-}" = --quick ] && RUNS=3
DIR=${BENCH_DIR:-$PWD/build/bench/build}
rm -rf "$DIR" && mkdir -p "$DIR"
export BERTH_ROOT=$DIR/root
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make bench-deps)" >&2; exit 1; }
$BERTH load -q -i build/images/busybox.tar >/dev/null
DOCKER=
if [ -n "${DOCKER_HOST:-}" ] && docker image inspect busybox:latest >/dev/null 2>&1; then
	DOCKER=1
	export DOCKER_BUILDKIT=0
fi

echo "== 1. fully cached rebuild, 6 steps"
mkdir -p "$DIR/six" && echo x >"$DIR/six/f"
printf '%s\n' 'FROM busybox' 'ENV A=1' 'COPY f /f' 'RUN echo hi >/hi' 'WORKDIR /app' 'LABEL x=y' 'CMD ["sh"]' >"$DIR/six/Dockerfile"
$BERTH build -q -t six "$DIR/six" >/dev/null
cmds=("$BERTH build -q -t six $DIR/six")
[ -n "$DOCKER" ] && docker build -q -t six "$DIR/six" >/dev/null && cmds+=("docker build -q -t six $DIR/six")
hyperfine -N -w 3 -r $((RUNS * 3)) "${cmds[@]}"

echo "== 2. cold build: one COPY, one RUN (--no-cache)"
mkdir -p "$DIR/cold" && echo x >"$DIR/cold/f"
printf '%s\n' 'FROM busybox' 'COPY f /f' 'RUN cat /f >/g' >"$DIR/cold/Dockerfile"
cmds=("$BERTH build -q --no-cache $DIR/cold")
[ -n "$DOCKER" ] && cmds+=("docker build -q --no-cache $DIR/cold")
hyperfine -N -w 1 -r "$RUNS" "${cmds[@]}"

echo "== 3. COPY of a 10,000-file context (--no-cache)"
mkdir -p "$DIR/many"
python3 - "$DIR/many" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    os.makedirs(f"{root}/d{d}", exist_ok=True)
    for f in range(100):
        with open(f"{root}/d{d}/f{f}", "w") as fh:
            fh.write(f"{d}-{f}\n" * 16)
PY
printf '%s\n' 'FROM busybox' 'COPY . /ctx/' >"$DIR/many/Dockerfile"
cmds=("$BERTH build -q --no-cache $DIR/many")
[ -n "$DOCKER" ] && cmds+=("docker build -q --no-cache $DIR/many")
hyperfine -w 1 -r "$RUNS" "${cmds[@]}"

echo "== 4. a layer from 100 MB of RUN output, against tar -c of the same files"
make -s bench-tools >/dev/null
mkdir -p "$DIR/bigfiles"
for i in $(seq 100); do head -c 1048576 /dev/urandom >"$DIR/bigfiles/f$i"; done
$BERTH --root "$DIR/lroot" images >/dev/null # the store exists before the step, as in a build
hyperfine -N -w 2 -r $((RUNS * 2)) \
	--prepare "sh -c 'rm -rf $DIR/upper $DIR/lroot/layers/* $DIR/lroot/splits/* && cp -a $DIR/bigfiles $DIR/upper'" \
	"$PWD/build/bench-tools/layer-from-dir $DIR/lroot $DIR/upper" \
	--prepare "rm -f $DIR/big.tar" \
	"tar -C $DIR/bigfiles -cf $DIR/big.tar ."
