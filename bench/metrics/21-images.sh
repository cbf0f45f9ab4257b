#!/usr/bin/env bash
# images and image inspect with 100 images (issue 3: each under 10 ms),
# beside docker.  The 100 images are imported from tiny distinct tarballs;
# dockerd's data root keeps them between runs.
. "$BENCH_TOP/bench/lib.sh"

N=100
tiny=$BENCH_FIX/tiny
if [ ! -f "$tiny/$N.tar" ]; then
	mkdir -p "$tiny"
	for i in $(seq 1 $N); do
		rm -rf "$tiny/d" && mkdir -p "$tiny/d/etc" && echo "image $i" >"$tiny/d/etc/bench-image"
		tar --sort=name --mtime=@1704067200 --owner=0 --group=0 --numeric-owner \
			-cf "$tiny/$i.tar" -C "$tiny/d" .
	done
	rm -rf "$tiny/d"
fi
import_many() { # import_many TOOL...: bench/img-1..N, 4 at a time
	seq 1 $N | xargs -P 4 -I{} sh -c "$* import $tiny/{}.tar bench/img-{} >/dev/null"
}

landed=0
has_berth import && has_berth images && has_berth image inspect && landed=1
b="nyl" d="missing: $BENCH_DOCKER_MISSING"
cmds_ls=() cmds_inspect=()
if [ $landed = 1 ]; then
	if import_many "$BERTH" 2>"$BENCH_RUN/images.berth.err"; then
		cmds_ls+=(berth "" "$BERTH images")
		cmds_inspect+=(berth "" "$BERTH image inspect bench/img-50")
	else
		b="failed: importing $N images: $(lastline "$BENCH_RUN/images.berth.err")"
	fi
fi
if [ -n "$DOCKER" ]; then
	have=$($DOCKER images -q 'bench/img-*' 2>/dev/null | wc -l)
	if [ "$have" -ge $N ] || import_many "$DOCKER" 2>"$BENCH_RUN/images.docker.err"; then
		cmds_ls+=(docker "" "$DOCKER images")
		cmds_inspect+=(docker "" "$DOCKER image inspect bench/img-50")
	else
		d="failed: importing $N images: $(lastline "$BENCH_RUN/images.docker.err")"
	fi
fi
hf images "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds_ls[@]}"
hf image-inspect "$(runs_fast)" "$(warmup_fast)" --noshell -- "${cmds_inspect[@]}"

pick() { # pick ID NAME CURRENT: keep a failure already known, else the measurement
	case $3 in nyl | failed* | missing*) echo "$3" ;; *) src "$1" "$2" ;; esac
}
[ $landed = 1 ] && [ "$b" = nyl ] && b=ok
[ -n "$DOCKER" ] && case $d in failed*) ;; *) d=ok ;; esac
row id=images-100 issue=3 label="images, 100 images" berth="$(pick images berth "$b")" \
	peer="docker images" peer_src="$(pick images docker "$d")" target=le:10
row id=image-inspect-100 issue=3 label="image inspect, 100 images" berth="$(pick image-inspect berth "$b")" \
	peer="docker image inspect" peer_src="$(pick image-inspect docker "$d")" target=le:10
