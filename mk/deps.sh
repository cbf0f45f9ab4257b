#!/bin/sh
# Install the Debian packages berth needs, and only when one is missing.
# With everything present this is one dpkg-query call: well under 2 seconds,
# and it touches nothing. `make deps` runs it; `make run` and `make test`
# depend on it, so either alone sets up a fresh Debian 12 machine.
set -eu

PACKAGES="
gcc binutils make pkg-config perl python3
libcmark-gfm-dev libcmark-gfm-extensions-dev
libarchive-dev libseccomp-dev libsqlite3-dev libyaml-dev libjansson-dev
libcurl4-openssl-dev libssl-dev libmnl-dev libnftables-dev
busybox-static docker-registry skopeo umoci hyperfine
iproute2 iptables nftables procps psmisc util-linux apache2-utils
sqlite3 clang libclang-rt-14-dev
chromium fonts-nanum
"
# Extra peers only the benchmarks need (make bench-deps): dockerd and its
# runc, hugo, docker-compose 1.29, iperf3 for published ports, GNU time for
# peak RSS, python3 for the fixtures, debootstrap for BENCH_DEBOOTSTRAP=1.
# skopeo, umoci, docker-registry and hyperfine are in the list above.
if [ "${1:-}" = "--bench" ]; then
	PACKAGES="$PACKAGES docker.io runc hugo time docker-compose iperf3 python3 debootstrap curl"
fi

# One dpkg-query for all: installed ones print "NAME ii", unknown ones
# print "no packages found matching NAME" on stderr.
missing=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $PACKAGES 2>&1 |
	awk '/no packages found matching/ { print $NF; next } $2 !~ /^ii/ { print $1 }' |
	sort -u | tr '\n' ' ')
# Node.js (for the browser tests) may come from elsewhere; only install it when absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"

# The browser tests' npm packages (playwright-core, axe-core), pinned by
# tests/browser/package-lock.json: `npm ci` only when node_modules is missing
# or was installed from another lock file.  A copy of the lock file inside
# node_modules says which one it came from; comparing it costs one cmp.
npm_deps() {
	dir=$(dirname "$0")/../tests/browser
	[ -f "$dir/package-lock.json" ] || return 0
	if cmp -s "$dir/package-lock.json" "$dir/node_modules/.berth-package-lock.json" 2>/dev/null; then
		return 0
	fi
	echo "deps: npm ci in tests/browser" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) &&
		cp "$dir/package-lock.json" "$dir/node_modules/.berth-package-lock.json"
}

if [ -z "${missing# }" ]; then
	npm_deps
	exit 0
fi

echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install packages: run 'sudo make deps'" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_deps
