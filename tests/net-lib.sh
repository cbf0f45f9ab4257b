# tests/net-lib.sh: what the network, port and volume tests (tests/cli/t04xx)
# share, sourced after lib.sh.
#
# These tests need root (bridges, veths, namespaces, firewall rules) and
# create devices on the host: their names and subnets are berth's own
# (berthN, br-<id>, /24s that nothing routes), and net_cleanup, registered
# with test_at_end, removes every container, network, bridge and rule the
# file's state root made, whether the tests passed or not.

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP networking, ports and volumes need root"
	exit 0
fi

berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null 2>&1 || {
	echo "Bail out! cannot load $BERTH_BUILD/images/busybox.tar"
	exit 1
}

# The bridges this root owns (berth tags each with its root in the alias).
net_our_bridges() {
	ip -d -o link show type bridge 2>/dev/null | awk -v r="root=$1 " '
		index($0, "alias berth " r) { name = $2; sub(":$", "", name); sub("@.*", "", name); print name }'
}

net_cleanup() {
	berth ps -aq 2>/dev/null | xargs -r berth rm -f -v >/dev/null 2>&1
	berth network ls -q --filter type=custom 2>/dev/null | xargs -r berth network rm >/dev/null 2>&1
	# The default bridge stays as long as its root, like docker0: with the
	# root gone, the next prune (any root's) removes it and its rules.
	if [ -f "$BERTH_ROOT/berth.db" ]; then
		mv "$BERTH_ROOT/berth.db" "$BERTH_ROOT/berth.db.gone"
		berth --root "$TMP/gc-root" network prune -f >/dev/null 2>&1
		mv "$BERTH_ROOT/berth.db.gone" "$BERTH_ROOT/berth.db"
	fi
}
test_at_end net_cleanup

# A /24 under 10.249.0.0/16 that nothing on this host routes now.
net_free_subnet() {
	for n in $(seq "${1:-10}" 250); do
		ip -4 route show | grep -q "^10\.249\.$n\." && continue
		echo "10.249.$n.0/24"
		return 0
	done
	return 1
}

# Wait (up to 3 s) until a shell command (a string, eval'd here so the
# helpers work in it) succeeds: the kernel removes a dead container's veths
# in the background, a server takes a moment to listen.
net_eventually() {
	for _ in $(seq 30); do
		eval "$1" && return 0
		sleep 0.1
	done
	eval "$1"
}

# An IPv4 address of this host that is not on one of berth's bridges.
net_host_addr() {
	ip -4 -o addr show scope global 2>/dev/null |
		awk '$2 !~ /^(berth|br-|veth|docker)/ { split($4, a, "/"); print a[1]; exit }'
}

# busybox's wget, with a timeout, from the host.
net_get() {
	timeout 5 busybox wget -qO- "$1"
}
