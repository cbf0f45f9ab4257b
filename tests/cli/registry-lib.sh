# tests/cli/registry-lib.sh: a real registry for the registry tests.
#
# Sourced after lib.sh.  registry_start NAME [YAML...] starts Debian's
# docker-registry on a free loopback port (it binds port 0 and says which
# in its log) with its storage under $TMP/reg-NAME, and sets REG to
# "127.0.0.1:PORT", REG_STORE to its storage and REG_LOG to its log (with
# the access log: one line per request).  Every registry is stopped
# at the end of the file.  The extra YAML lines go into the config (auth).
#
# fake_start MODE ARGS...: tests/data/registry/fake.py (a token-guarded or
# redirecting front, or a registry that stalls); sets FAKE ("127.0.0.1:PORT")
# and FAKE_LOG.
#
# Credentials and berth's config stay inside $TMP: HOME and DOCKER_CONFIG
# point there, so no test reads or writes the user's ~/.docker.

HOME="$TMP/home"
DOCKER_CONFIG="$TMP/home/.docker"
export HOME DOCKER_CONFIG
mkdir -p "$HOME"
REG_DATA="$TOP/tests/data/registry"
# Registry failures are quick to show in a test.
BERTH_REGISTRY_TIMEOUT=${BERTH_REGISTRY_TIMEOUT:-10}
export BERTH_REGISTRY_TIMEOUT

have_registry() {
	command -v docker-registry >/dev/null 2>&1
}

have_python() {
	command -v python3 >/dev/null 2>&1
}

# Wait up to 10 s for a line matching $2 in file $1.
wait_for_line() {
	local i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "timed out waiting for '$2' in $1:" >&2
	cat "$1" >&2 2>/dev/null
	return 1
}

registry_start() {
	local name=$1 dir pid port
	shift
	dir="$TMP/reg-$name"
	mkdir -p "$dir/store"
	{
		cat <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/store
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: berth-test-secret
EOF
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	pid=$!
	test_at_end "kill $pid"
	wait_for_line "$dir/log" "listening on" || return 1
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/log" | head -n 1)
	[ -n "$port" ] || return 1
	REG="127.0.0.1:$port"
	REG_STORE="$dir/store"
	REG_LOG="$dir/log"
}

fake_start() {
	local mode=$1 pid portfile
	shift
	portfile="$TMP/fake-$mode.$$.$(date +%s%N)"
	python3 "$REG_DATA/fake.py" "$mode" "$portfile" "$@" >"$portfile.out" 2>&1 &
	pid=$!
	test_at_end "kill $pid"
	local i=0
	while [ ! -s "$portfile" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$portfile" ] || { cat "$portfile.out" >&2; return 1; }
	FAKE="127.0.0.1:$(cat "$portfile")"
	FAKE_LOG="$portfile.log"
	touch "$FAKE_LOG"
}

# The seed image, loaded into this file's root.
load_seed() {
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null
}

# The digest a pull or push printed ("Digest: X" / "TAG: digest: X size: N").
printed_digest() {
	sed -n 's/^Digest: \(sha256:[0-9a-f]*\)$/\1/p; s/^.*: digest: \(sha256:[0-9a-f]*\) size: [0-9]*$/\1/p' "$1" | head -n 1
}
