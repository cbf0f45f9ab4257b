#!/bin/sh
# Published ports as a learner uses them: busybox httpd serving a file from
# a bind mount, reached from the host at 127.0.0.1 and at the host's other
# addresses; -p CONTAINER and -P; `port` and ps's PORTS; a port in use is a
# clear error with nothing created; bad -p specs.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net-lib.sh"

# A host port nobody listens on (from a range berth's own -p 0 never uses).
free_port() {
	p=${1:-20480}
	while ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || ss -Hlun "sport = :$p" 2>/dev/null | grep -q .; do
		p=$((p + 1))
	done
	echo $p
}

test_expect_success 'busybox httpd, published, serves a file from a bind mount to the host' '
	mkdir site && echo "hello from berth" >site/index.html &&
	P=$(free_port 20480) && echo $P >port &&
	berth run -d --name web -p $P:80 -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	net_eventually "net_get http://127.0.0.1:$P/ >out 2>/dev/null" &&
	test "$(cat out)" = "hello from berth"
'

test_expect_success 'it answers at the host'"'"'s other addresses too, and on IPv6 loopback' '
	P=$(cat port) && addr=$(net_host_addr) &&
	if [ -n "$addr" ]; then
		test "$(net_get "http://$addr:$P/")" = "hello from berth"
	fi &&
	if ip -6 addr show lo | grep -q "::1"; then
		test "$(net_get "http://[::1]:$P/")" = "hello from berth"
	fi
'

test_expect_success 'a change in the bind mount shows at once' '
	P=$(cat port) &&
	echo "second version" >site/index.html &&
	test "$(net_get http://127.0.0.1:$P/)" = "second version"
'

test_expect_success 'port and ps show the binding as docker does' '
	P=$(cat port) &&
	berth port web >out &&
	grep -qx "80/tcp -> 0.0.0.0:$P" out &&
	berth port web 80 >out && grep -qx "0.0.0.0:$P" out &&
	berth port web 80/tcp >out && grep -qx "0.0.0.0:$P" out &&
	berth ps --format "{{.Names}} {{.Ports}}" >out &&
	grep -q "^web 0.0.0.0:$P->80/tcp" out &&
	berth inspect -f "{{json .HostConfig.PortBindings}}" web >out &&
	test "$(cat out)" = "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"$P\"}]}" &&
	berth inspect -f "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}" web >out &&
	test "$(cat out)" = "$P"
'

test_expect_success 'port refuses what docker refuses' '
	test_status 1 berth port web 81 2>err &&
	grep -qx "Error: No public port '"'"'81'"'"' published for web" err &&
	test_status 125 berth port web 8x0 2>err &&
	grep -q "invalid port" err &&
	test_status 1 berth port nosuch 2>err &&
	grep -qx "Error: No such container: nosuch" err
'

test_expect_success 'a host port already in use: docker'"'"'s message, exit 125, nothing created' '
	P=$(cat port) &&
	n=$(berth ps -aq | wc -l) &&
	test_status 125 berth run -d --name web2 -p $P:80 busybox true 2>err &&
	grep -q "Bind for 0.0.0.0:$P failed: port is already allocated" err &&
	test "$(berth ps -aq | wc -l)" = "$n" &&
	Q=$(free_port 21480) &&
	(busybox nc -l -p $Q >/dev/null 2>&1 & echo $! >nc.pid) &&
	net_eventually "ss -Hltn \"sport = :$Q\" | grep -q ." &&
	test_status 125 berth run -d -p 127.0.0.1:$Q:80 busybox true 2>err;
	rc=$?; kill $(cat nc.pid) 2>/dev/null; test $rc = 0 &&
	grep -q "listen tcp4 127.0.0.1:$Q: bind: address already in use" err &&
	test "$(berth ps -aq | wc -l)" = "$n"
'

test_expect_success 'starting a created container whose port is taken fails and frees everything' '
	P=$(cat port) &&
	berth create --name late -p $P:80 busybox sleep 30 >/dev/null &&
	test_status 1 berth start late 2>err &&
	grep -q "port is already allocated" err &&
	test "$(berth inspect -f "{{.State.Status}}" late)" = created &&
	berth rm late >/dev/null
'

test_expect_success 'the port is free again once the container is gone' '
	P=$(cat port) &&
	berth rm -f web >/dev/null &&
	net_eventually "! net_get http://127.0.0.1:$P/ >/dev/null 2>&1" &&
	berth run -d --name web -p $P:80 -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	net_eventually "net_get http://127.0.0.1:$P/ >/dev/null"
'

test_expect_success '-p CONTAINER and -P pick free host ports' '
	berth run -d --name any -p 80 -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	hp=$(berth port any 80 | head -1 | sed "s/.*://") &&
	test "$hp" -gt 1024 &&
	net_eventually "test \"\$(net_get http://127.0.0.1:$hp/)\" = \"second version\"" &&
	berth run -d --name all --expose 80 --expose 81 -P -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	berth port all >out &&
	grep -q "^80/tcp -> 0.0.0.0:" out && grep -q "^81/tcp -> 0.0.0.0:" out &&
	hp=$(berth port all 80 | head -1 | sed "s/.*://") &&
	net_eventually "test \"\$(net_get http://127.0.0.1:$hp/)\" = \"second version\""
'

test_expect_success '-P publishes the image'"'"'s EXPOSEd ports' '
	berth create --name tmpc busybox true >/dev/null &&
	berth export tmpc >fs.tar && berth rm tmpc >/dev/null &&
	berth import -c "EXPOSE 80" -c "EXPOSE 8080/tcp" -c "CMD [\"httpd\",\"-f\",\"-p\",\"80\",\"-h\",\"/www\"]" \
		fs.tar exposed:1 >/dev/null &&
	berth run -d --name exp -P -v "$TMP/site:/www:ro" exposed:1 >/dev/null &&
	berth port exp >out &&
	grep -q "^80/tcp -> 0.0.0.0:" out && grep -q "^8080/tcp -> 0.0.0.0:" out &&
	hp=$(berth port exp 80 | head -1 | sed "s/.*://") &&
	net_eventually "test \"\$(net_get http://127.0.0.1:$hp/)\" = \"second version\"" &&
	berth run -d --name exp2 -v "$TMP/site:/www:ro" exposed:1 >/dev/null &&
	berth ps --filter name=exp2 --format "{{.Ports}}" >out &&
	test "$(cat out)" = "80/tcp, 8080/tcp"
'

test_expect_success 'a binding to 127.0.0.1 only is not reachable at other addresses' '
	P=$(free_port 22480) && addr=$(net_host_addr) &&
	berth run -d --name local -p 127.0.0.1:$P:80 -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	net_eventually "net_get http://127.0.0.1:$P/ >/dev/null" &&
	if [ -n "$addr" ]; then ! net_get "http://$addr:$P/" >/dev/null 2>&1; fi &&
	test "$(berth port local)" = "80/tcp -> 127.0.0.1:$P"
'

test_expect_success 'a container on a user network publishes ports too' '
	berth network create t0401-n >/dev/null &&
	P=$(free_port 23480) &&
	berth run -d --name unet --network t0401-n -p $P:80 -v "$TMP/site:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null &&
	net_eventually "test \"\$(net_get http://127.0.0.1:$P/)\" = \"second version\""
'

test_expect_success 'malformed -p specs: docker'"'"'s messages, exit 125, nothing created' '
	n=$(berth ps -aq | wc -l) &&
	for spec in "abc:invalid containerPort: abc" "70000:80:invalid hostPort: 70000" \
		"8080:abc:invalid containerPort: abc" "8080:80/sctpx:invalid proto: sctpx" \
		"1.2.3:80:80:invalid IP address: 1.2.3" "80:80:80:80:invalid IP address: 80:80"; do
		p=${spec%:invalid*} && msg=${spec#"$p:"} &&
		test_status 125 berth run --rm -p "$p" busybox true 2>err &&
		grep -qF "$msg" err || { echo "-p $p: $(cat err)"; return 1; }
	done &&
	test_status 125 berth create -p 0:70000 busybox true 2>err &&
	grep -q "invalid containerPort: 70000" err &&
	test "$(berth ps -aq | wc -l)" = "$n"
'

test_expect_success 'no proxy outlives the containers it served' '
	berth ps -q >running && test -s running &&
	for c in $(cat running); do berth port $c; done | sed "s/.*://" | sort -u >ports &&
	test -s ports &&
	berth ps -aq | xargs -r berth rm -f >/dev/null &&
	for p in $(cat ports); do
		net_eventually "! ss -Hltn \"sport = :$p\" | grep -q ." || { echo "port $p still open"; return 1; }
	done
'

test_done
