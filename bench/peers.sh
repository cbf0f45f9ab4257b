# bench/peers.sh: the bench's own dockerd and docker-registry, sourced by
# bench/run.sh.  Both live under build/bench/ and are stopped by run.sh's
# trap whatever happens (failure, Ctrl-C).  A peer that cannot start leaves
# its reason in BENCH_*_MISSING, and its rows say "missing: <reason>".
#
# dockerd gets its own socket, data root (in the run's scratch directory),
# exec root and pid file, and no
# default bridge and no iptables rules (--bridge=none --iptables=false), so
# it touches nothing on the host: several dockerds can run on one machine.
# The networks a metric creates come from a private pool checked against
# the host's routes first (docker_pool).

DOCKER_CLI=${BENCH_DOCKER_CLI:-/usr/bin/docker}    # Debian's docker.io client, matching its dockerd
# Sourced again by a metric for registry_up: keep what run.sh found.
DOCKER=${DOCKER-}
BENCH_DOCKER_MISSING=${BENCH_DOCKER_MISSING-not started}
BENCH_REGISTRY=${BENCH_REGISTRY-}
BENCH_REGISTRY_MISSING=${BENCH_REGISTRY_MISSING-not started}
dockerd_pid=""
registry_pid=""

# A /16 for docker's user-defined networks that no route on this host uses.
docker_pool() {
	local n
	for n in 10.213 10.214 10.223 10.242 172.29 172.30; do
		ip route 2>/dev/null | grep -q "^$n\." && continue
		echo "$n.0.0/16"
		return 0
	done
	return 1
}

start_dockerd() {
	local d=$BENCH_DIR/docker data=$BENCH_SCRATCH/docker-data pool i
	if ! command -v dockerd >/dev/null 2>&1; then
		BENCH_DOCKER_MISSING="dockerd is not installed (make bench-deps)"
		return 0
	fi
	if [ ! -x "$DOCKER_CLI" ]; then
		BENCH_DOCKER_MISSING="no docker client at $DOCKER_CLI"
		return 0
	fi
	mkdir -p "$data" "$d/exec"
	# containerd's socket lives under the exec root; a unix socket path has
	# to fit in 108 bytes.
	local exec_root=$d/exec
	if [ ${#exec_root} -gt 60 ]; then
		exec_root=$(mktemp -d /tmp/berth-bench-exec.XXXXXX)
		say "dockerd: exec root $exec_root (build/bench/ is too deep for containerd's socket path)"
	fi
	DOCKERD_EXEC_ROOT=$exec_root
	pool=$(docker_pool) || pool=""
	rm -f "$d/docker.sock" "$d/docker.pid"
	# A session of its own: a Ctrl-C on the terminal is for run.sh, which
	# stops dockerd after removing its containers.
	setsid dockerd --data-root "$data" --exec-root "$exec_root" -H "unix://$d/docker.sock" \
		--pidfile "$d/docker.pid" --bridge=none --iptables=false --ip-masq=false \
		${pool:+--default-address-pool "base=$pool,size=24"} \
		--log-level warn >"$d/dockerd.log" 2>&1 </dev/null &
	dockerd_pid=$!
	for i in $(seq 1 150); do
		if "$DOCKER_CLI" -H "unix://$d/docker.sock" version >/dev/null 2>&1; then
			DOCKER="$DOCKER_CLI -H unix://$d/docker.sock"
			BENCH_DOCKER_MISSING=""
			say "dockerd: up on $d/docker.sock"
			# Containers an interrupted run left behind.
			$DOCKER ps -aq | xargs -r $DOCKER rm -f >/dev/null 2>&1
			return 0
		fi
		if ! kill -0 "$dockerd_pid" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	BENCH_DOCKER_MISSING="dockerd did not start: $(lastline "$d/dockerd.log")"
	stop_dockerd
}

stop_dockerd() {
	local d=$BENCH_DIR/docker i
	[ -n "$dockerd_pid" ] || return 0
	if kill -0 "$dockerd_pid" 2>/dev/null; then
		$DOCKER ps -q 2>/dev/null | xargs -r $DOCKER rm -f >/dev/null 2>&1
		kill -TERM "$dockerd_pid" 2>/dev/null
		for i in $(seq 1 100); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$dockerd_pid" 2>/dev/null
	fi
	wait "$dockerd_pid" 2>/dev/null
	dockerd_pid=""
	DOCKER=""
	# A killed dockerd can leave its mounts (overlays, netns) behind.
	unmount_under "$d"
	unmount_under "$BENCH_SCRATCH/docker-data"
	[ -n "${DOCKERD_EXEC_ROOT:-}" ] && unmount_under "$DOCKERD_EXEC_ROOT"
	case ${DOCKERD_EXEC_ROOT:-} in /tmp/berth-bench-exec.*) rm -rf "$DOCKERD_EXEC_ROOT" ;; esac
	return 0
}

unmount_under() {
	awk -v r="$1/" 'index($2 "/", r) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

free_port() {
	perl -MIO::Socket::INET -e \
		'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0", ReuseAddr => 1) or exit 1; print $s->sockport, "\n"'
}

# registry_up DIR: a docker-registry with its storage in DIR/data, on a
# free loopback port; prints "PID HOST:PORT", or the reason it failed on
# stderr.  Metrics that need a registry of their own (a push target) use it.
registry_up() {
	local r=$1 port pid i
	if ! command -v docker-registry >/dev/null 2>&1; then
		echo "docker-registry is not installed (make bench-deps)" >&2
		return 1
	fi
	port=$(free_port) || { echo "no free loopback port" >&2; return 1; }
	rm -rf "$r"
	mkdir -p "$r/data"
	# No blob descriptor cache: a push metric empties the storage between
	# runs, and a cache would then claim blobs that are gone.
	cat >"$r/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $r/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
	setsid docker-registry serve "$r/config.yml" >"$r/registry.log" 2>&1 </dev/null &
	pid=$!
	for i in $(seq 1 50); do
		if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
			echo "$pid 127.0.0.1:$port"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "docker-registry did not start: $(lastline "$r/registry.log")" >&2
	return 1
}

start_registry() {
	local up
	if up=$(registry_up "$BENCH_SCRATCH/registry" 2>"$BENCH_RUN/registry.err"); then
		registry_pid=${up% *}
		BENCH_REGISTRY=${up#* }
		BENCH_REGISTRY_DATA=$BENCH_SCRATCH/registry/data
		BENCH_REGISTRY_MISSING=""
		say "docker-registry: up on $BENCH_REGISTRY"
	else
		BENCH_REGISTRY_MISSING=$(lastline "$BENCH_RUN/registry.err")
	fi
}

stop_registry() {
	[ -n "$registry_pid" ] || return 0
	kill -TERM "$registry_pid" 2>/dev/null
	wait "$registry_pid" 2>/dev/null
	registry_pid=""
	BENCH_REGISTRY=""
}
