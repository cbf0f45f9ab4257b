#!/bin/sh
# build-vs-docker.sh: build the same Dockerfiles with docker's classic
# builder and with berth, and compare the image configs and the exported
# filesystems.  Not run in CI: it needs dockerd (Debian's docker.io), which
# it starts itself on a private socket and data root under /tmp, with no
# network needed (the busybox seed is loaded into it).
#
#   sh tests/compat/build-vs-docker.sh            # from the repository top
#
# Exit status 0 when every case matches; each case prints "ok" or a diff.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${BERTH:-$TOP/build/bin/berth}
SEED=$TOP/build/images/busybox.tar
W=$(mktemp -d /tmp/build-compat.XXXXXX)
SOCK=$W/docker.sock
export BERTH_ROOT=$W/berth
export DOCKER_HOST=unix://$SOCK
export DOCKER_BUILDKIT=0

cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	for m in $(awk -v r="$W" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r); do umount -l "$m"; done
	rm -rf "$W"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

command -v dockerd >/dev/null || { echo "dockerd not installed: nothing to compare" >&2; exit 77; }
dockerd --data-root "$W/docker" --exec-root "$W/exec" -H "$DOCKER_HOST" --pidfile "$W/docker.pid" \
	--bridge none --iptables=false --ip6tables=false >"$W/dockerd.log" 2>&1 &
DPID=$!
for i in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version >/dev/null 2>&1 || { echo "dockerd did not start:"; tail "$W/dockerd.log"; exit 1; } >&2
docker load -i "$SEED" >/dev/null
"$BERTH" load -i "$SEED" >/dev/null

# The history, newest first: CREATED BY and whether the step made a
# layer.  COPY/ADD content hashes differ by construction (docker's is a
# tarsum of its own context tar) and are masked; a daemon older than
# docker 25 has no StartInterval in a HEALTHCHECK, so berth's is dropped
# there.
DOCKER_MAJOR=$(docker version --format '{{.Server.Version}}' | cut -d. -f1)
history_of() { # tool image
	"$1" history --no-trunc --format '{{.CreatedBy}}|{{.Size}}' "$2" | sed -E \
		-e 's/(file|dir|multi):[0-9a-f]{64}/\1:HASH/' -e 's/\|0B$/|empty/' -e 's/\|[0-9.]+[kMG]?B$/|layer/' |
		if [ "$1" != docker ] && [ "${DOCKER_MAJOR:-0}" -lt 25 ]; then
			sed -E 's/(HEALTHCHECK &\{\[[^]]*\] "[^"]*" "[^"]*" "[^"]*") "[^"]*"/\1/'
		else
			cat
		fi
}

# The config fields a Dockerfile sets, normalized.
config_of() { # tool image
	"$1" image inspect "$2" | python3 -c '
import json, sys
c = json.load(sys.stdin)[0]["Config"]
keys = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels",
        "StopSignal", "Healthcheck", "Shell", "OnBuild"]
out = {}
for k in keys:
    v = c.get(k)
    if v in (None, "", [], {}):
        v = None
    out[k] = v
print(json.dumps(out, sort_keys=True, indent=1))'
}

# One line per file of the exported root: path type mode uid gid size
# link-target sha256 (no mtimes; the files the engines write at run time
# and the mount points are left out).
fs_of() { # tool image
	cid=$("$1" create "$2" true) || return 1
	"$1" export "$cid" | python3 -c '
import hashlib, sys, tarfile
skip = {"etc/hosts", "etc/hostname", "etc/resolv.conf", ".dockerenv", "proc", "sys", "dev", "etc", "etc/mtab"}
t = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
rows = []
for m in t:
    n = m.name[2:] if m.name.startswith("./") else m.name.lstrip("/")
    n = n.rstrip("/")
    if not n or n in skip or n.startswith(("proc/", "sys/", "dev/")):
        continue
    h = ""
    if m.isfile():
        h = hashlib.sha256(t.extractfile(m).read()).hexdigest()[:16]
    kind = "f" if m.isfile() else "d" if m.isdir() else "l" if m.issym() else "h" if m.islnk() else "o"
    rows.append("%s %s %o %d %d %d %s %s" % (n, kind, m.mode & 0o7777, m.uid, m.gid, m.size if m.isfile() else 0, m.linkname, h))
print("\n".join(sorted(rows)))'
	"$1" rm "$cid" >/dev/null
}

fails=0
case_n=0
compare() { # name dockerfile-text [context setup] [build flags]
	case_n=$((case_n + 1))
	d=$W/case$case_n
	mkdir -p "$d/ctx"
	printf '%s\n' "$2" >"$d/ctx/Dockerfile"
	( cd "$d/ctx" && eval "${3:-:}" )
	if ! docker build -q ${4:-} -t "compat$case_n" "$d/ctx" >"$d/docker.out" 2>&1; then
		echo "not ok $case_n - $1 (docker build failed)"; sed 's/^/#   /' "$d/docker.out"; fails=$((fails + 1)); return
	fi
	if ! "$BERTH" build -q ${4:-} -t "compat$case_n" "$d/ctx" >"$d/berth.out" 2>&1; then
		echo "not ok $case_n - $1 (berth build failed)"; sed 's/^/#   /' "$d/berth.out"; fails=$((fails + 1)); return
	fi
	config_of docker "compat$case_n" >"$d/docker.cfg"
	config_of "$BERTH" "compat$case_n" >"$d/berth.cfg"
	fs_of docker "compat$case_n" >"$d/docker.fs"
	fs_of "$BERTH" "compat$case_n" >"$d/berth.fs"
	history_of docker "compat$case_n" >"$d/docker.hist"
	history_of "$BERTH" "compat$case_n" >"$d/berth.hist"
	diff -u "$d/docker.hist" "$d/berth.hist" >"$d/hist.diff"
	if diff -u "$d/docker.cfg" "$d/berth.cfg" >"$d/cfg.diff" && diff -u "$d/docker.fs" "$d/berth.fs" >"$d/fs.diff" &&
		[ ! -s "$d/hist.diff" ]; then
		echo "ok $case_n - $1"
	else
		echo "not ok $case_n - $1"
		cat "$d/cfg.diff" "$d/fs.diff" "$d/hist.diff" 2>/dev/null | head -40 | sed 's/^/#   /'
		fails=$((fails + 1))
	fi
}

compare 'config instructions' 'FROM busybox
ENV A=1 B="two words"
ENV LEGACY some value
LABEL a=b "c d"=e
EXPOSE 80 53/udp
VOLUME /data
WORKDIR /app
WORKDIR sub
USER 1000:1000
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=3 CMD true
ONBUILD RUN echo hi
ENTRYPOINT ["/bin/echo"]
CMD ["x"]'

compare 'shell form CMD and SHELL' 'FROM busybox
SHELL ["/bin/sh", "-ec"]
CMD echo $HOME
ENTRYPOINT exec top'

compare 'RUN changes and deletions' 'FROM busybox
RUN mkdir -p /a/b && echo x >/a/b/f && rm /bin/ls && ln -s /a/b/f /lnk && chmod 700 /a
RUN rm -r /a/b && touch /a/new'

compare 'COPY files, directories, globs, chown, chmod' 'FROM busybox
WORKDIR /app
COPY f1 .
COPY dir /d/
COPY *.txt /t/
COPY --chown=1000:1000 f1 /owned' 'echo 1 >f1; mkdir -p dir/sub; echo 2 >dir/sub/f2; ln -s f2 dir/sub/l; echo a >a.txt; echo b >b.txt'

compare 'ADD archives' 'FROM busybox
ADD a.tar.gz /x/
ADD a.tar /y' 'mkdir -p t/top; echo z >t/top/z; tar -C t -czf a.tar.gz top; tar -C t -cf a.tar top; rm -r t'

compare 'multi-stage with COPY --from' 'FROM busybox AS b
RUN echo built >/artifact
FROM busybox
COPY --from=b /artifact /artifact
ARG V=3
ENV V=$V'

compare '.dockerignore' 'FROM busybox
COPY . /ctx/' 'echo x >keep; echo y >drop.log; mkdir -p sub; echo z >sub/a.log; echo k >sub/keep.log; printf "**/*.log\n!sub/keep.log\n" >.dockerignore'

compare 'ARG and build args: history, RUN environment, defaults' 'FROM busybox
ARG B=2
ARG A=1
ARG NOVAL
ARG EXP=${B}x
ARG FROMCLI
RUN echo "$A $B $EXP $FROMCLI" >/args
ENV E=$A' ':' '--build-arg FROMCLI=given --build-arg A=9'

compare 'ARG before FROM' 'ARG TAG=latest
ARG IMG=busybox
FROM ${IMG}:${TAG}
ARG TAG
RUN echo "tag=$TAG" >/tag'

compare 'SHELL changes the #(nop) of later steps' 'FROM busybox
SHELL ["/bin/sh", "-ec"]
ENV S=1
RUN echo "$S" >/s
WORKDIR /w
COPY f .' 'echo f >f'

compare 'HEALTHCHECK options, STOPSIGNAL, USER, EXPOSE ranges' 'FROM busybox
HEALTHCHECK --interval=1m30s --timeout=10s --start-period=2s --retries=4 CMD ["true"]
STOPSIGNAL SIGKILL
USER 1000:1000
EXPOSE 8080/udp 9000-9001 80'

compare 'exec and shell forms, JSON fallback' 'FROM busybox
RUN ["sh", "-c", "echo exec >/e"]
RUN echo shell >/s
CMD ["echo", '"'"'single'"'"']
ENTRYPOINT [ "/bin/echo" , "a b" ]
VOLUME ["/j"]
VOLUME /v /w'

compare 'escape directive and continuations' '# escape=`
FROM busybox
ENV A=x` y B=c:\path
RUN echo $A `
  && echo "$B" >/out
LABEL l=1 `
  # a comment inside
  m=2'

compare 'variable substitution forms' 'FROM busybox
ENV P=x/y
ENV W1=${nope:-def} W2=${P:+set} W5='"'"'$P'"'"' W6="$P" W7=\$P W8="a\"b" W9=a\ b
LABEL "multi word"="v a" other=${P}
ENV legacy spaced value here
WORKDIR /base/$P'

compare 'COPY directory and trailing-slash rules, globs' 'FROM busybox
COPY d /x1
COPY d /x2/
COPY f /x3
COPY f /x4/
COPY *.txt /x5/
COPY d e /x6/
COPY lnk /x7
COPY d/* /x9/
COPY . /x10
COPY d/ /x12
WORKDIR /w
COPY f rel
COPY f .
COPY f ./sub/
COPY [^a-f]* /x14/
COPY ?.txt /x15/' 'mkdir -p d/sub e; echo 1 >d/a; echo 2 >d/sub/b; echo 3 >f; echo 4 >g.txt; echo 5 >h.txt; echo 6 >e/x; ln -s f lnk'

compare 'ADD of each compression and of plain files' 'FROM busybox
ADD a.tar /r1
ADD a.tar.gz /r2/
ADD a.tar.xz /r3
ADD a.tar.bz2 /r4
ADD p.txt.gz /r5/
ADD fake.tar /r6/
ADD *.tar /r8/' 'mkdir -p t/top; echo z >t/top/z; ln -s z t/top/l; tar -C t -cf a.tar top; gzip -k a.tar; xz -k a.tar; bzip2 -k a.tar; echo plain >p.txt; gzip p.txt; echo notatar >fake.tar; rm -r t'

compare 'ONBUILD triggers run in the child' 'FROM compat-onbase
RUN cat /trig /onb >/both' 'printf "FROM busybox\nONBUILD COPY f /onb\nONBUILD RUN echo trig >/trig\nONBUILD ENV X=1\n" >Base; echo hi >f;
	docker build -q -t compat-onbase -f Base . >/dev/null && "$BERTH" build -q -t compat-onbase -f Base . >/dev/null'

compare 'MAINTAINER and LABEL' 'FROM busybox
MAINTAINER Jane <jane@example.com>
LABEL org.opencontainers.image.title="a title"'

echo "1..$case_n"
[ "$fails" = 0 ]
