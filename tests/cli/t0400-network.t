#!/bin/sh
# Networks as a learner meets them: the default bridge, --network none and
# host, user-defined networks where containers find each other by name and
# alias (and another network cannot reach them), connect/disconnect,
# outbound traffic, dockerd's FORWARD DROP, and nothing left behind.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net-lib.sh"

test_expect_success 'network ls lists the predefined bridge, host and none' '
	berth network ls >out &&
	head -1 out | grep -q "^NETWORK ID  *NAME  *DRIVER  *SCOPE$" &&
	grep -q " bridge  *bridge  *local$" out &&
	grep -q " host  *host  *local$" out &&
	grep -q " none  *null  *local$" out &&
	test "$(berth network ls -q | wc -l)" = 3 &&
	test "$(berth network ls -q | head -1 | tr -d "\n" | wc -c)" = 12
'

test_expect_success 'a container on the default bridge gets eth0, an address and a default route' '
	berth run --rm busybox sh -c "ip -o -4 addr show eth0; ip route" >out &&
	subnet=$(berth network inspect -f "{{(index .IPAM.Config 0).Subnet}}" bridge) &&
	gw=$(berth network inspect -f "{{(index .IPAM.Config 0).Gateway}}" bridge) &&
	grep -q "eth0 *inet ${subnet%.0/24}\." out &&
	grep -q "^default via $gw dev eth0" out
'

test_expect_success 'the default bridge is a device of its own, on a subnet nothing else routes' '
	br=$(berth network inspect -f "{{index .Options \"com.docker.network.bridge.name\"}}" bridge) &&
	case $br in berth[0-9]*) ;; *) false ;; esac &&
	ip -o link show "$br" >/dev/null &&
	subnet=$(berth network inspect -f "{{(index .IPAM.Config 0).Subnet}}" bridge) &&
	test "$(ip -4 route show "$subnet" | grep -c .)" = 1 &&
	ip -4 route show "$subnet" | grep -q "dev $br" &&
	! echo "$subnet" | grep -q "^172\.17\."
'

test_expect_success 'its /etc/hosts names itself, /etc/hostname and /etc/resolv.conf are there' '
	berth run --rm -h myhost busybox sh -c "cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf" >out &&
	head -1 out | grep -qx myhost &&
	grep -q "^127.0.0.1	localhost$" out &&
	ip=$(grep "	myhost$" out | cut -f1) && test -n "$ip" &&
	grep -q "^nameserver " out && ! grep -q "^nameserver 127\." out
'

test_expect_success '--network none has only lo' '
	berth run --rm --network none busybox ip -o link >out &&
	test "$(wc -l <out)" = 1 && grep -q "^1: lo:" out
'

test_expect_success '--network host shares the host'"'"'s interfaces and name' '
	berth run --rm --network host busybox sh -c "ip -o link | wc -l; hostname" >out &&
	test "$(head -1 out)" = "$(ip -o link | wc -l)" &&
	test "$(tail -1 out)" = "$(hostname)"
'

test_expect_success 'network create makes a bridge with its own subnet and rules' '
	id=$(berth network create t0400-a) &&
	test ${#id} = 64 &&
	br=br-$(echo $id | cut -c1-12) &&
	ip -o link show "$br" >/dev/null &&
	subnet=$(berth network inspect -f "{{(index .IPAM.Config 0).Subnet}}" t0400-a) &&
	ip -4 route show "$subnet" | grep -q "dev $br" &&
	nft list table ip "berth_$(echo $br | tr - _)" >nft.out &&
	grep -q "masquerade" nft.out &&
	iptables -w -S FORWARD | grep -q -- "-i $br .*-j ACCEPT"
'

test_expect_success 'network inspect shows docker'"'"'s shape' '
	berth network inspect t0400-a >out &&
	grep -q "\"Name\": \"t0400-a\"" out &&
	grep -q "\"Driver\": \"bridge\"" out &&
	grep -q "\"Scope\": \"local\"" out &&
	grep -q "\"Subnet\": \"" out &&
	grep -q "\"Internal\": false" out &&
	grep -q "\"Containers\": {}" out &&
	test "$(berth network inspect -f "{{.Name}} {{.Driver}}" t0400-a bridge)" = "t0400-a bridge
bridge bridge"
'

test_expect_success 'two containers on a user network reach each other by name and alias' '
	berth run -d --name t-web --network t0400-a --network-alias web busybox sleep 300 >/dev/null &&
	berth run -d --name t-app --network t0400-a busybox sleep 300 >/dev/null &&
	berth exec t-app ping -c1 -W2 t-web >out && grep -q "1 packets received" out &&
	berth exec t-app ping -c1 -W2 web >out && grep -q "1 packets received" out &&
	berth exec t-web ping -c1 -W2 t-app >out && grep -q "1 packets received" out &&
	berth exec t-app cat /etc/hosts >hosts &&
	grep -q "	t-web web [0-9a-f]\{12\}$" hosts
'

test_expect_success 'a container on another network can reach neither their names nor their addresses' '
	berth network create t0400-b >/dev/null &&
	web_ip=$(berth inspect -f "{{.NetworkSettings.Networks.t0400-a.IPAddress}}" t-web 2>/dev/null ||
		berth inspect -f "{{(index .NetworkSettings.Networks \"t0400-a\").IPAddress}}" t-web) &&
	test -n "$web_ip" &&
	test_status 1 berth run --rm --network t0400-b busybox ping -c1 -W1 t-web >out 2>&1 &&
	grep -q "bad address" out &&
	test_status 1 berth run --rm --network t0400-b busybox ping -c1 -W1 "$web_ip" >out 2>&1 &&
	test_status 1 berth run --rm busybox ping -c1 -W1 "$web_ip" >/dev/null 2>&1
'

test_expect_success 'eight containers started at once get eight addresses and all know each other' '
	berth network create t0400-par >/dev/null &&
	for i in 1 2 3 4 5 6 7 8; do
		berth run -d --name par$i --network t0400-par --network-alias alias$i busybox sleep 300 >/dev/null &
	done; wait &&
	for i in 1 2 3 4 5 6 7 8; do
		berth inspect -f "{{(index .NetworkSettings.Networks \"t0400-par\").IPAddress}}" par$i || return 1
	done >ips &&
	test "$(sort -u ips | grep -c .)" = 8 &&
	for i in 1 2 3 4 5 6 7 8; do
		berth exec par$i sh -c "for j in 1 2 3 4 5 6 7 8; do ping -c1 -W1 par\$j >/dev/null || echo miss par\$j; ping -c1 -W1 alias\$j >/dev/null || echo miss alias\$j; done"
	done >misses 2>&1 &&
	test ! -s misses &&
	berth rm -f par1 par2 par3 par4 par5 par6 par7 par8 >/dev/null &&
	berth network rm t0400-par >/dev/null
'

test_expect_success 'the default bridge resolves no container names (as docker'"'"'s)' '
	berth run -d --name t-lone busybox sleep 300 >/dev/null &&
	test_status 1 berth run --rm busybox ping -c1 -W1 t-lone >out 2>&1 &&
	grep -q "bad address" out &&
	berth rm -f t-lone >/dev/null
'

test_expect_success 'network connect adds eth1 and the names on it; disconnect takes them away' '
	berth run -d --name t-other --network t0400-b busybox sleep 300 >/dev/null &&
	test_status 1 berth exec t-app ping -c1 -W1 t-other >/dev/null 2>&1 &&
	berth network connect --alias friend t0400-b t-app &&
	berth exec t-app ip -o -4 addr show eth1 >out && grep -q "inet " out &&
	berth exec t-app ping -c1 -W2 t-other >out && grep -q "1 packets received" out &&
	berth exec t-other ping -c1 -W2 friend >out && grep -q "1 packets received" out &&
	berth inspect -f "{{len .NetworkSettings.Networks}}" t-app >n && test "$(cat n)" = 2 &&
	berth network disconnect t0400-b t-app &&
	test_status 1 berth exec t-app ip -o addr show eth1 >/dev/null 2>&1 &&
	! berth exec t-other cat /etc/hosts | grep -q friend &&
	berth exec t-app ping -c1 -W2 t-web >out && grep -q "1 packets received" out
'

test_expect_success 'connect and disconnect refuse what docker refuses' '
	test_status 1 berth network connect t0400-a t-app 2>err &&
	grep -qx "Error: endpoint with name t-app already exists in network t0400-a" err &&
	test_status 1 berth network disconnect t0400-b t-app 2>err &&
	grep -q "^Error: container [0-9a-f]\{64\} is not connected to network t0400-b$" err &&
	test_status 1 berth network connect host t-app 2>err &&
	grep -qx "Error: container cannot be disconnected from host network or connected to host network" err &&
	test_status 1 berth network connect nosuchnet t-app 2>err &&
	grep -qx "Error: network nosuchnet not found" err &&
	test_status 1 berth network connect t0400-a nosuchctr 2>err &&
	grep -qx "Error: No such container: nosuchctr" err
'

test_expect_success 'a renamed container is found by its new name' '
	berth rename t-web t-web2 &&
	berth exec t-app ping -c1 -W2 t-web2 >out && grep -q "1 packets received" out &&
	! berth exec t-app cat /etc/hosts | grep -q "t-web " &&
	berth rename t-web2 t-web
'

test_expect_success 'a stopped container frees its address and a restarted one gets one again' '
	berth stop -t 0 t-web >/dev/null &&
	test -z "$(berth inspect -f "{{(index .NetworkSettings.Networks \"t0400-a\").IPAddress}}" t-web)" &&
	! berth exec t-app cat /etc/hosts | grep -q t-web &&
	berth start t-web >/dev/null &&
	berth exec t-app ping -c1 -W2 web >out && grep -q "1 packets received" out
'

test_expect_success 'network inspect lists the running containers' '
	berth network inspect -f "{{range .Containers}}{{.Name}} {{end}}" t0400-a >out &&
	grep -q "t-app" out && grep -q "t-web" out
'

test_expect_success 'a network in use is not removed; bad input changes nothing' '
	test_status 1 berth network rm t0400-a 2>err &&
	grep -q "^Error: error while removing network: network t0400-a id [0-9a-f]\{64\} has active endpoints$" err &&
	test_status 1 berth network rm bridge 2>err &&
	grep -qx "Error: bridge is a pre-defined network and cannot be removed" err &&
	test_status 1 berth network create t0400-a 2>err &&
	grep -qx "Error: network with name t0400-a already exists" err &&
	test_status 1 berth network rm nosuchnet 2>err &&
	grep -qx "Error: network nosuchnet not found" err &&
	test_status 1 berth network create --gateway 10.1.1.1 t0400-x 2>err &&
	grep -qx "Error: every ip-range or gateway must have a corresponding subnet" err &&
	test_status 1 berth network create --subnet 10.1.0.0/33 t0400-x 2>err &&
	grep -qx "Error: Invalid subnet 10.1.0.0/33 : invalid CIDR address: 10.1.0.0/33" err &&
	test_status 1 berth network create -d overlay t0400-x 2>err &&
	grep -qx "Error: plugin \"overlay\" not found" err &&
	test_status 125 berth run --rm --network nosuchnet busybox true 2>err &&
	grep -q "network nosuchnet not found" err &&
	test_status 125 berth run --rm --network-alias x busybox true 2>err &&
	grep -q "network-scoped alias is supported only for containers in user defined networks" err &&
	test "$(berth network ls -q | wc -l)" = 5
'

test_expect_success '--subnet and --gateway are honoured; overlapping subnets are refused' '
	subnet=$(net_free_subnet 40) && pre=${subnet%.0/24} &&
	berth network create --subnet "$subnet" --gateway "$pre.254" t0400-s >/dev/null &&
	berth network inspect -f "{{json .IPAM.Config}}" t0400-s >out &&
	grep -q "\"Subnet\":\"$subnet\"" out && grep -q "\"Gateway\":\"$pre.254\"" out &&
	berth run --rm --network t0400-s busybox sh -c "ip -o -4 addr show eth0; ip route" >out &&
	grep -q "inet $pre.1/24" out && grep -q "default via $pre.254" out &&
	n=$(berth network ls -q | wc -l) &&
	test_status 1 berth network create --subnet "$pre.128/25" t0400-o 2>err &&
	grep -qx "Error: Pool overlaps with other one on this address space" err &&
	test_status 1 berth network create --subnet "${pre%.*}.0.0/16" t0400-o 2>err &&
	grep -qx "Error: Pool overlaps with other one on this address space" err &&
	test "$(berth network ls -q | wc -l)" = "$n" &&
	berth run --rm --network t0400-s --ip "$pre.77" busybox ip -o -4 addr show eth0 >out &&
	grep -q "inet $pre.77/24" out
'

test_expect_success '--internal networks do not reach out' '
	berth network create --internal t0400-i >/dev/null &&
	berth run --rm --network t0400-i busybox ip route >out &&
	! grep -q default out
'

test_expect_success 'outbound traffic is masqueraded behind the host (a peer with no route back still answers)' '
	cat >outside.sh <<-\EOF &&
	set -e
	# In a network namespace of its own: an "outside" peer reachable from
	# the host over a /30 and nothing else, so its answers find their way
	# back only if berth masqueraded the container behind the host.
	ip link set lo up
	unshare -n sleep 30 & peer=$!
	sleep 0.2
	ip link add vh type veth peer name ve netns /proc/$peer/ns/net
	ip addr add 10.254.7.1/30 dev vh && ip link set vh up
	nsenter -t $peer -n sh -c "ip link set lo up; ip addr add 10.254.7.2/30 dev ve; ip link set ve up"
	BERTH_ROOT=$TMP/ns-root; export BERTH_ROOT
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null
	berth run --rm busybox ping -c1 -W2 10.254.7.2
	kill $peer
	EOF
	unshare -n sh outside.sh >out 2>&1 &&
	grep -q "1 packets received" out
'

test_expect_success 'with dockerd'"'"'s FORWARD policy DROP and br_netfilter, containers still talk' '
	test -e /proc/sys/net/bridge/bridge-nf-call-iptables || modprobe br_netfilter 2>/dev/null || :
	cat >dockerd.sh <<-\EOF &&
	set -e
	# What dockerd does to a host, in a namespace of its own.
	ip link set lo up
	iptables -w -P FORWARD DROP
	if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
		echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
	fi
	BERTH_ROOT=$TMP/ns-root2; export BERTH_ROOT
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null
	berth network create dn >/dev/null
	berth run -d --name peer-a --network dn busybox sleep 30 >/dev/null
	berth run --rm --network dn busybox ping -c1 -W2 peer-a
	iptables -w -S FORWARD
	berth rm -f peer-a >/dev/null
	EOF
	unshare -n sh dockerd.sh >out 2>&1 &&
	grep -q "1 packets received" out && grep -q "^-P FORWARD DROP" out
'

test_expect_success 'network prune removes unused user networks only' '
	berth rm -f t-other >/dev/null &&
	berth network prune -f >out &&
	grep -qx "Deleted Networks:" out &&
	grep -qx "t0400-b" out && grep -qx "t0400-i" out && grep -qx "t0400-s" out &&
	! grep -qx "t0400-a" out &&
	berth network ls --format "{{.Name}}" | sort | tr "\n" " " >out &&
	test "$(cat out)" = "bridge host none t0400-a "
'

test_expect_success 'rm and network rm leave no veth, bridge, rule or mount behind' '
	br=br-$(berth network inspect -f "{{.Id}}" t0400-a | cut -c1-12) &&
	berth rm -f t-app t-web >/dev/null &&
	berth network rm t0400-a >/dev/null &&
	! ip -o link show "$br" >/dev/null 2>&1 &&
	net_eventually "! ip -o link show type veth | grep -q \"master $br\"" &&
	! nft list tables | grep -q "berth_$(echo $br | tr - _)" &&
	! iptables -w -S FORWARD | grep -q "berth $br" &&
	! grep -q " $BERTH_ROOT/" /proc/self/mountinfo &&
	test "$(net_our_bridges "$BERTH_ROOT")" = "$(berth network inspect -f "{{index .Options \"com.docker.network.bridge.name\"}}" bridge)"
'

test_expect_success 'a bridge whose state root is gone is removed by the next network prune, rules and all' '
	r=$TMP/gone-root &&
	BERTH_ROOT=$r berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null &&
	BERTH_ROOT=$r berth run --rm busybox true &&
	br=$(BERTH_ROOT=$r berth network inspect -f "{{index .Options \"com.docker.network.bridge.name\"}}" bridge) &&
	ip -o link show "$br" >/dev/null &&
	# the kernel takes the container'"'"'s veth off the bridge in the
	# background; a bridge with a port is in use and prune keeps it
	wait_for "test -z \"\$(ip -o link show master $br)\"" &&
	rm -rf "$r" &&
	berth network prune -f >/dev/null &&
	! ip -o link show type bridge | grep -qF "$r net=" &&
	# a test running beside this one may take the freed name at once:
	# then the device and its rules are that root'"'"'s, not leftovers
	if ip -o link show "$br" >/dev/null 2>&1; then
		true
	else
		! nft list tables | grep -qx "table ip berth_$br" &&
		! iptables -w -S FORWARD | grep -q "berth $br "
	fi
'

test_done
