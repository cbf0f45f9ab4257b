#!/bin/sh
# RUN steps and the network, as docker build's: by default a RUN joins the
# default bridge (it can fetch from a server there), `build --network none`
# and `RUN --network=none` leave it loopback only, host shares the host's
# stack; afterwards no container, endpoint or veth of a step is left.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net-lib.sh"

setup_containers
mkdir ctx site && echo "served by httpd" >site/hello.txt

test_expect_success 'a server on the default bridge (busybox httpd in a container)' '
	berth run -d --name web -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	ip=$(berth inspect -f "{{.NetworkSettings.IPAddress}}" web) &&
	test -n "$ip" && echo "$ip" >web.ip &&
	net_eventually "berth run --rm busybox wget -q -O- http://$ip/hello.txt >/dev/null 2>&1"
'

test_expect_success 'a RUN fetches from it by default' '
	ip=$(cat web.ip) &&
	printf "FROM busybox\nARG WEB\nRUN wget -q -O /fetched.txt http://\$WEB/hello.txt\n" >ctx/Dockerfile &&
	berth build -q --build-arg WEB=$ip -t fetched ctx >/dev/null &&
	test "$(berth run --rm fetched cat /fetched.txt)" = "served by httpd" &&
	printf "FROM busybox\nRUN --network=default ip -o -4 addr show eth0 >/addr\n" >ctx/Dockerfile &&
	berth build -q -t addr ctx >/dev/null &&
	subnet=$(berth network inspect -f "{{(index .IPAM.Config 0).Subnet}}" bridge) &&
	berth run --rm addr cat /addr | grep -q "inet ${subnet%.0/24}\."
'

test_expect_success 'build --network none: the RUN has only lo and cannot fetch' '
	ip=$(cat web.ip) &&
	printf "FROM busybox\nARG WEB\nRUN ip -o link | grep -v \": lo:\" && exit 3; wget -q -T 2 -O- http://\$WEB/hello.txt\n" >ctx/Dockerfile &&
	test_status 1 berth build --progress plain --no-cache --network none --build-arg WEB=$ip ctx 2>err &&
	test_grep -q "did not complete successfully: exit code: 1" err &&
	test_grep -q "^Dockerfile:3: " err
'

test_expect_success 'RUN --network=none: only lo; the step is cached apart from the default one' '
	printf "FROM busybox\nRUN --network=none ip -o link | cut -d: -f2 | tr -d \" \" >/links\n" >ctx/Dockerfile &&
	berth build -q -t nonet ctx >/dev/null &&
	test "$(berth run --rm nonet cat /links)" = lo &&
	printf "FROM busybox\nRUN ip -o link | cut -d: -f2 | tr -d \" \" >/links\n" >ctx/Dockerfile &&
	berth build -q -t withnet ctx >/dev/null &&
	berth run --rm withnet cat /links | grep -q "^eth0" &&
	berth build -q --network none -t nonet2 ctx >/dev/null &&
	test "$(berth run --rm nonet2 cat /links)" = lo
'

test_expect_success 'RUN --network=host and build --network host share the host stack' '
	br=$(berth network inspect -f "{{index .Options \"com.docker.network.bridge.name\"}}" bridge) &&
	printf "FROM busybox\nRUN --network=host ip -o link >/links\n" >ctx/Dockerfile &&
	berth build -q -t hostnet ctx >/dev/null &&
	berth run --rm hostnet cat /links | grep -q ": $br[:@]" &&
	printf "FROM busybox\nRUN ip -o link >/links\n" >ctx/Dockerfile &&
	berth build -q --network host -t hostnet2 ctx >/dev/null &&
	berth run --rm hostnet2 cat /links | grep -q ": $br[:@]"
'

test_expect_success 'bad network modes are refused with docker-like messages' '
	printf "FROM busybox\nRUN --network=bogus true\n" >ctx/Dockerfile &&
	test_status 1 berth build -q ctx 2>err &&
	test_grep -q "^Dockerfile:2: unsupported network mode \"bogus\"" err &&
	printf "FROM busybox\nRUN true\n" >ctx/Dockerfile &&
	test_status 1 berth build -q --network bogus ctx 2>err &&
	test_grep -q "network mode \"bogus\" not supported" err
'

test_expect_success 'nothing of the steps is left: containers, endpoint rows, veths' '
	br=$(berth network inspect -f "{{index .Options \"com.docker.network.bridge.name\"}}" bridge) &&
	berth rm -f web >/dev/null &&
	test -z "$(berth ps -aq)" &&
	test -z "$(ls -A "$BERTH_ROOT/containers")" &&
	test "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM endpoints")" = 0 &&
	test "$(sqlite3 "$BERTH_ROOT/berth.db" "SELECT count(*) FROM containers")" = 0 &&
	net_eventually "! ip -o link show type veth | grep -q \"master $br \"" &&
	check_no_leaks
'

test_done
