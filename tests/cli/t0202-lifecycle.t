#!/bin/sh
# A container's life from any later CLI: create, start, ps, stop, kill,
# restart, wait, pause, rename, rm, prune, inspect.
. "$(dirname "$0")/../lib.sh"

setup_containers

test_expect_success 'create makes a container that ps -a shows as Created' '
	id=$(berth create --name c1 busybox sleep 1000) &&
	test ${#id} = 64 &&
	berth ps -a >out &&
	head -1 out | grep "^CONTAINER ID   IMAGE     COMMAND        CREATED" &&
	grep "^$(echo $id | cut -c1-12)   busybox   \"sleep 1000\"" out &&
	grep "Created" out && grep "c1$" out &&
	test -z "$(berth ps -q)"
'

test_expect_success 'start runs it detached; ps shows Up' '
	test "$(berth start c1)" = c1 &&
	berth ps >out &&
	grep "Up " out && grep "c1$" out &&
	test "$(berth inspect -f "{{.State.Running}} {{.State.Status}}" c1)" = "true running"
'

test_expect_success 'a container is found by name, full id and unique id prefix' '
	id=$(berth inspect -f "{{.Id}}" c1) &&
	test "$(berth inspect -f "{{.Name}}" $id)" = /c1 &&
	test "$(berth inspect -f "{{.Name}}" $(echo $id | cut -c1-5))" = /c1 &&
	test "$(berth inspect -f "{{.Name}}" /c1)" = /c1
'

test_expect_success 'pause and unpause freeze it; ps says (Paused)' '
	test "$(berth pause c1)" = c1 &&
	berth ps | grep "(Paused)" &&
	test "$(berth inspect -f "{{.State.Paused}}" c1)" = true &&
	test_status 1 berth pause c1 2>err && grep "is already paused" err &&
	test_status 1 berth exec c1 true 2>err && grep "is paused, unpause the container before exec" err &&
	test "$(berth unpause c1)" = c1 &&
	test "$(berth inspect -f "{{.State.Status}}" c1)" = running &&
	test_status 1 berth unpause c1 2>err && grep "is not paused" err
'

test_expect_success 'rm refuses a running container without -f' '
	test_status 1 berth rm c1 2>err &&
	grep "You cannot remove a running container" err
'

test_expect_success 'stop: SIGTERM, then SIGKILL after -t seconds; Exited (137)' '
	test "$(berth stop -t 1 c1)" = c1 &&
	test "$(berth inspect -f "{{.State.Status}} {{.State.ExitCode}}" c1)" = "exited 137" &&
	berth ps -a | grep "Exited (137)" &&
	test -z "$(berth ps -q)"
'

test_expect_success 'a program that handles SIGTERM stops at once with its own code' '
	berth run -d --name trap busybox sh -c "trap \"exit 42\" TERM; while true; do sleep 0.1; done" >/dev/null &&
	sleep 0.3 &&
	berth stop -t 10 trap >/dev/null &&
	test "$(berth inspect -f "{{.State.ExitCode}}" trap)" = 42 &&
	berth rm trap >/dev/null
'

test_expect_success '--stop-signal is used by stop' '
	berth run -d --name sig --stop-signal USR1 busybox sh -c "trap \"exit 10\" USR1; while true; do sleep 0.1; done" >/dev/null &&
	sleep 0.3 &&
	berth stop sig >/dev/null &&
	test "$(berth inspect -f "{{.State.ExitCode}}" sig)" = 10 &&
	berth rm sig >/dev/null
'

test_expect_success 'stop -s and restart -s send that signal instead; an unknown one is refused per name' '
	berth run -d --name sig2 busybox sh -c "trap \"exit 11\" USR2; trap \"exit 12\" TERM; while true; do sleep 0.1; done" >/dev/null &&
	sleep 0.3 &&
	test "$(berth stop -s USR2 sig2)" = sig2 &&
	test "$(berth inspect -f "{{.State.ExitCode}}" sig2)" = 11 &&
	berth start sig2 >/dev/null && sleep 0.3 &&
	test "$(berth restart --signal SIGUSR2 sig2)" = sig2 &&
	test "$(berth inspect -f "{{.State.Running}}" sig2)" = true &&
	test_status 1 berth stop -s BOGUS sig2 nosuch 2>err &&
	printf "%s\n" "Error response from daemon: Invalid signal: BOGUS" "Error response from daemon: Invalid signal: BOGUS" >want &&
	test_cmp want err &&
	test "$(berth inspect -f "{{.State.Running}}" sig2)" = true &&
	berth stop sig2 >/dev/null &&
	test "$(berth inspect -f "{{.State.ExitCode}}" sig2)" = 12 &&
	berth rm sig2 >/dev/null
'

test_expect_success 'kill sends SIGKILL (or -s); wait prints the exit code' '
	berth start c1 >/dev/null &&
	test "$(berth kill c1)" = c1 &&
	test "$(berth wait c1)" = 137 &&
	test_status 1 berth kill c1 2>err && grep "is not running" err
'

test_expect_success 'wait blocks until the container exits' '
	berth run -d --name w1 busybox sh -c "sleep 0.5; exit 7" >/dev/null &&
	test "$(berth wait w1)" = 7 &&
	berth rm w1 >/dev/null
'

test_expect_success 'restart starts it again' '
	test "$(berth restart -t 1 c1)" = c1 &&
	test "$(berth inspect -f "{{.State.Status}}" c1)" = running &&
	berth stop -t 0 c1 >/dev/null
'

test_expect_success 'rename; the old name is free, the new one taken' '
	berth rename c1 c2 &&
	test "$(berth inspect -f "{{.Name}}" c2)" = /c2 &&
	test_status 1 berth inspect c1 >/dev/null 2>&1 &&
	berth create --name other busybox true >/dev/null &&
	test_status 1 berth rename c2 other 2>err &&
	grep "is already in use" err &&
	tail -n1 err | grep -x "Error: failed to rename container named c2" &&
	berth rm other >/dev/null
'

test_expect_success 'rename errors come in the daemon'"'"'s order and words, then the CLI'"'"'s line' '
	test_status 1 berth rename nosuch x 2>err &&
	printf "%s\n" "Error response from daemon: No such container: nosuch" "Error: failed to rename container named nosuch" >want &&
	test_cmp want err &&
	test_status 1 berth rename c2 x 2>err &&
	printf "%s\n" "Error response from daemon: Error when allocating new name: Invalid container name (/x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" "Error: failed to rename container named c2" >want &&
	test_cmp want err &&
	test_status 1 berth rename c2 /c2 2>err &&
	printf "%s\n" "Error response from daemon: Renaming a container with the same name as its current name" "Error: failed to rename container named c2" >want &&
	test_cmp want err &&
	test_status 1 berth rename c2 "" 2>err &&
	echo "Error: Neither old nor new names may be empty" >want && test_cmp want err
'

test_expect_success 'inspect HostConfig has every field docker'"'"'s does, in its order' '
	berth create --name hcfg --cpus 1.5 --ulimit nofile=100:200 busybox true >/dev/null &&
	test "$(berth inspect -f "{{.HostConfig.CpuQuota}} {{.HostConfig.BlkioWeight}} {{.HostConfig.OomKillDisable}} {{.HostConfig.CpusetCpus}}|{{json .HostConfig.Devices}} {{json .HostConfig.ConsoleSize}} {{.HostConfig.NanoCpus}}" hcfg)" = "0 0 false |[] [0,0] 1500000000" &&
	test "$(berth inspect -f "{{json .HostConfig.Ulimits}}" hcfg)" = "[{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100}]" &&
	berth inspect -f "{{json .HostConfig}}" hcfg >out &&
	! grep -q "\"Init\"" out &&
	grep -q "\"VolumesFrom\":null,\"ConsoleSize\":\[0,0\],\"CapAdd\"" out &&
	grep -q "\"CgroupParent\":\"[^\"]*\",\"BlkioWeight\":0,\"BlkioWeightDevice\":\[\]," out &&
	test "$(berth inspect -f "{{json .HostConfig.Ulimits}} {{.HostConfig.Init}}" c2)" = "[] <no value>" &&
	berth rm hcfg >/dev/null &&
	berth create --name hinit --init busybox true >/dev/null &&
	test "$(berth inspect -f "{{.HostConfig.Init}}" hinit)" = true &&
	berth rm hinit >/dev/null
'

test_expect_success 'inspect templates see nil fields as docker'"'"'s typed structs do' '
	test "$(berth inspect -f "{{.Config.Entrypoint}}|{{.Config.ExposedPorts}}|{{.Config.Volumes}}|{{.Config.StopSignal}}|{{json .Config.Entrypoint}}|{{len .Config.Volumes}}" c2)" = "[]|map[]|map[]||null|0" &&
	test "$(berth container inspect -f "{{.Config.Labels}}{{if .Config.Labels}}set{{end}}" c2)" = "map[]" &&
	test_status 64 berth inspect -f "{{json.}}" c2 >out 2>err &&
	echo "template parsing error: template: :1: unexpected <.> in operand" >want && test_cmp want err &&
	test_status 1 berth container inspect nosuch >out 2>err &&
	echo "Error response from daemon: No such container: nosuch" >want && test_cmp want err
'

test_expect_success 'inspect has docker'"'"'s shape' '
	berth inspect c2 >out &&
	for k in Id Created Path Args State Image Name RestartCount HostConfig Config NetworkSettings Mounts GraphDriver; do
		grep "\"$k\":" out || return 1
	done &&
	for k in Status Running Paused Restarting OOMKilled Dead Pid ExitCode Error StartedAt FinishedAt; do
		grep "\"$k\":" out || return 1
	done &&
	test "$(berth inspect -f "{{.Config.Image}} {{json .Config.Cmd}}" c2)" = "busybox [\"sleep\",\"1000\"]" &&
	test "$(berth container inspect -f "{{.HostConfig.RestartPolicy.Name}}" c2)" = no
'

test_expect_success 'inspect falls back to images, and says what it did not find' '
	berth inspect -f "{{.Id}}" busybox | grep "^sha256:" &&
	test_status 1 berth inspect nosuchthing >out 2>err &&
	grep "Error: No such object: nosuchthing" err
'

test_expect_success 'ps: -q, --no-trunc, --format, filters' '
	berth run -d --name up1 -l role=web busybox sleep 1000 >/dev/null &&
	test "$(berth ps -q)" = "$(berth inspect -f "{{.Id}}" up1 | cut -c1-12)" &&
	test "$(berth ps -q --no-trunc)" = "$(berth inspect -f "{{.Id}}" up1)" &&
	test "$(berth ps --format "{{.Names}} {{.State}}")" = "up1 running" &&
	berth ps -a --format "table {{.Names}}\t{{.Status}}" >out &&
	head -1 out | grep "^NAMES" &&
	test "$(berth ps -a --filter status=exited --format "{{.Names}}")" = c2 &&
	test "$(berth ps -a --filter name=up --format "{{.Names}}")" = up1 &&
	test "$(berth ps -a --filter label=role=web --format "{{.Names}}")" = up1 &&
	test "$(berth ps -a --filter label=role --format "{{.Names}}")" = up1 &&
	test "$(berth ps -a --filter ancestor=busybox --format "{{.Names}}" | wc -l)" = 2 &&
	test_status 1 berth ps --filter status=bogus 2>err && grep "Invalid filter '"'"'status=bogus'"'"'" err &&
	test_status 1 berth ps --filter foo=bar 2>err && grep "Invalid filter '"'"'foo'"'"'" err
'

test_expect_success 'ps --format json has docker 25+'"'"'s keys in its order, Platform null (classic image store)' '
	berth ps --filter name=up1 --format "{{json .}}" >out &&
	test "$(grep -o "\"[A-Za-z]*\":" out | tr -d "\":" | tr "\n" " ")" = \
		"Command CreatedAt ID Image Labels LocalVolumes Mounts Names Networks Platform Ports RunningFor Size State Status " &&
	grep -q "\"Networks\":\"bridge\",\"Platform\":null,\"Ports\":" out &&
	berth ps --filter name=up1 --format "table {{.Names}}\t{{.Platform}}" >out &&
	head -1 out | grep -x "NAMES     PLATFORM"
'

test_expect_success 'ps --filter before=, since=, network=, volume=, health=, is-task=' '
	berth create --name f1 --network none busybox true >/dev/null &&
	berth create --name f2 -v fvol:/data busybox true >/dev/null &&
	berth create --name f3 busybox true >/dev/null &&
	test "$(berth ps -a --filter since=f1 --format "{{.Names}}" | tr "\n" " ")" = "f3 f2 " &&
	test "$(berth ps -a --filter since=f1 --filter before=f3 --format "{{.Names}}")" = f2 &&
	test "$(berth ps -a --filter before=f2 --format "{{.Names}}" | head -n1)" = f1 &&
	test "$(berth ps -a --filter network=none --format "{{.Names}}")" = f1 &&
	test "$(berth ps -a --filter volume=fvol --format "{{.Names}}")" = f2 &&
	test "$(berth ps -a --filter volume=/data --format "{{.Names}}")" = f2 &&
	test "$(berth ps -a --filter since=f2 --filter health=none --filter is-task=false --format "{{.Names}}")" = f3 &&
	test -z "$(berth ps -a --filter health=healthy --format "{{.Names}}")" &&
	test_status 1 berth ps --filter before=nosuch 2>err &&
	echo "Error response from daemon: no such container nosuch" >want && test_cmp want err &&
	berth rm f1 f2 f3 >/dev/null && berth volume rm fvol >/dev/null
'

test_expect_success 'a long command is truncated with an ellipsis unless --no-trunc' '
	berth create --name long busybox sh -c "echo out; echo err >&2; exit 3" >/dev/null &&
	berth ps -a --filter name=long --format "{{.Command}}" >out &&
	test "$(cat out)" = "\"sh -c '"'"'echo out; ec…\"" &&
	berth ps -a --no-trunc --filter name=long --format "{{.Command}}" | grep "exit 3'"'"'\"$" &&
	berth rm long >/dev/null
'

test_expect_success 'rm -f removes a running container' '
	test "$(berth rm -f up1)" = up1 &&
	test_status 1 berth inspect up1 >/dev/null 2>&1
'

test_expect_success 'kill, start, top and rm -f of what is not there, as docker words them' '
	test_status 1 berth kill nosuch 2>err &&
	echo "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch" >want && test_cmp want err &&
	test_status 1 berth start nosuch nosuch2 2>err &&
	printf "%s\n" "Error response from daemon: No such container: nosuch" "Error response from daemon: No such container: nosuch2" "Error: failed to start containers: nosuch, nosuch2" >want &&
	test_cmp want err &&
	test_status 0 berth rm -f nosuch 2>err &&
	echo "Error response from daemon: No such container: nosuch" >want && test_cmp want err &&
	test_status 1 berth rm nosuch 2>err && test_cmp want err &&
	id=$(berth create busybox true) &&
	test_status 1 berth top $id 2>err &&
	echo "Error response from daemon: Container $id is not running" >want && test_cmp want err &&
	berth rm $id >/dev/null
'

test_expect_success 'errors name what was not found, status 1' '
	test_status 1 berth stop nosuch 2>err && grep "Error response from daemon: No such container: nosuch" err &&
	test_status 1 berth rm nosuch 2>err && grep "No such container: nosuch" err &&
	test_status 1 berth wait nosuch 2>err &&
	test_status 1 berth logs nosuch 2>err && grep "No such container: nosuch" err
'

test_expect_success 'a daemon-side error is printed as docker prints it, without "Error: " before it' '
	test_status 1 berth ps --filter bogus=1 2>err &&
	echo "Error response from daemon: Invalid filter '"'"'bogus'"'"'" >want && test_cmp want err &&
	test_status 1 berth logs nosuch 2>err &&
	echo "Error response from daemon: No such container: nosuch" >want && test_cmp want err &&
	test_status 1 berth exec nosuch true 2>err && test_cmp want err &&
	test_status 1 berth stats --no-stream nosuch 2>err && test_cmp want err &&
	test_status 1 berth kill -s BOGUS nosuch 2>err &&
	echo "Error response from daemon: Cannot kill container: nosuch: Invalid signal: BOGUS" >want && test_cmp want err
'

test_expect_success 'kill -s with a number Linux has no signal for is refused per name as docker words it' '
	berth create --name ksig busybox true >/dev/null &&
	test_status 1 berth kill -s 99 ksig nosuch 2>err &&
	printf "%s\n" "Error response from daemon: Cannot kill container: ksig: the linux daemon does not support signal 99" \
		"Error response from daemon: Cannot kill container: nosuch: the linux daemon does not support signal 99" >want &&
	test_cmp want err &&
	test_status 1 berth kill -s 32 ksig 2>err &&
	echo "Error response from daemon: Cannot kill container: ksig: the linux daemon does not support signal 32" >want &&
	test_cmp want err &&
	test_status 1 berth kill -s 0 ksig 2>err &&
	echo "Error response from daemon: Cannot kill container: ksig: Invalid signal: 0" >want &&
	test_cmp want err &&
	berth rm ksig >/dev/null
'

test_expect_success 'container prune removes stopped containers only' '
	berth run -d --name keepme busybox sleep 1000 >/dev/null &&
	berth container prune -f >out &&
	grep "^Deleted Containers:" out &&
	grep "Total reclaimed space" out &&
	test "$(berth ps -a --format "{{.Names}}")" = keepme &&
	berth rm -f keepme >/dev/null
'

test_expect_success 'container prune --filter: label, label!=, until; bad ones as docker words them' '
	berth create --name pa -l keep=yes busybox true >/dev/null &&
	berth create --name pb -l keep=no busybox true >/dev/null &&
	berth create --name pc busybox true >/dev/null &&
	berth container prune -f --filter label=keep=no >out &&
	test "$(berth ps -a --format "{{.Names}}" | sort | tr "\n" " ")" = "pa pc " &&
	berth container prune -f --filter label!=keep >out &&
	test "$(berth ps -a --format "{{.Names}}")" = pa &&
	berth container prune -f --filter until=2000-01-01 >out &&
	test "$(berth ps -a --format "{{.Names}}")" = pa &&
	test_status 1 berth container prune -f --filter until=soon 2>err &&
	echo "Error response from daemon: failed to parse value as time or duration: \"soon\"" >want && test_cmp want err &&
	test_status 1 berth container prune -f --filter color=red 2>err &&
	echo "Error response from daemon: Invalid filter '"'"'color'"'"'" >want && test_cmp want err &&
	berth rm pa >/dev/null
'

test_expect_success 'the container management commands answer too' '
	berth container create --name mc busybox true >/dev/null &&
	berth container ls -a --format "{{.Names}}" | grep -x mc &&
	berth container rm mc >/dev/null
'

test_expect_success 'system df and ps -s count what containers wrote; df: running ones active' '
	berth rm -f $(berth ps -aq) >/dev/null 2>&1
	berth run --name w1 busybox sh -c "printf 1234567890 >/tmp/ten" &&
	berth run -d --name w2 -v dfvol:/data busybox sh -c "printf abcd >/tmp/four; printf xyz >/data/three; sleep 1000" >/dev/null &&
	berth volume create idle >/dev/null &&
	wait_for "berth exec w2 test -e /data/three" &&
	berth system df --format "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}" >out &&
	grep -x "Containers|2|1|14B|10B (71%)" out &&
	grep -x "Local Volumes|2|1|3B|0B (0%)" out &&
	berth system df >out &&
	grep -x "Containers      2         1         14B       10B (71%)" out &&
	vsize=$(berth images --format "{{.Size}}" busybox) &&
	test "$(berth ps -a --filter name=w1 --format "{{.Size}}")" = "10B (virtual $vsize)" &&
	berth ps -a --filter name=w1 --format "{{json .}}" | grep -q "\"Size\":\"10B (virtual $vsize)\"" &&
	berth system df -v >out &&
	head -n3 out | tail -n1 | grep -x "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS" &&
	grep -E "^busybox      latest    [0-9a-f]{12}   .*   2$" out &&
	! grep -q "^TYPE " out &&
	sed -n "/^Containers space usage:/,/^Local Volumes/p" out >ctrs &&
	grep -q "^CONTAINER ID   IMAGE     COMMAND                  LOCAL VOLUMES   SIZE      CREATED" ctrs &&
	grep -E "^[0-9a-f]{12}   busybox   \"sh -c .*   1               4B        .* ago .*w2$" ctrs &&
	grep -E "   0               10B       .*w1$" ctrs &&
	sed -n "/^Local Volumes space usage:/,/^Build cache/p" out >vols &&
	grep -x "VOLUME NAME   LINKS     SIZE" vols && grep -x "dfvol         1         3B" vols && grep -x "idle          0         0B" vols &&
	grep -x "Build cache usage: 0B" out &&
	berth ps -as --filter name=w1 >out &&
	head -n1 out | grep "NAMES     SIZE$" && grep "w1        10B (virtual $vsize)$" out &&
	berth rm -f w1 w2 >/dev/null && berth volume rm dfvol idle >/dev/null
'

test_expect_success 'system prune removes stopped containers, unused networks, --volumes anonymous volumes, dangling images' '
	berth rm -f $(berth ps -aq) >/dev/null 2>&1
	berth run -d --name keeper busybox sleep 1000 >/dev/null &&
	cid=$(berth create -v /anon busybox true) &&
	vol=$(berth inspect -f "{{range .Mounts}}{{.Name}}{{end}}" $cid) &&
	berth network create spnet >/dev/null &&
	berth volume create named >/dev/null &&
	echo n | berth system prune >out &&
	printf "%s\n" "WARNING! This will remove:" "  - all stopped containers" "  - all networks not used by at least one container" "  - all dangling images" "  - unused build cache" "" >want &&
	printf "Are you sure you want to continue? [y/N] " >>want &&
	test_cmp want out &&
	berth ps -aq --no-trunc | grep -q $cid &&
	berth system prune -f --volumes >out &&
	printf "%s\n" "Deleted Containers:" "$cid" "" "Deleted Networks:" "spnet" "" "Deleted Volumes:" "$vol" "" >want &&
	grep -v "^Total reclaimed space: " out >got && test_cmp want got &&
	tail -n1 out | grep -q "^Total reclaimed space: " &&
	test "$(berth ps -a --format "{{.Names}}")" = keeper &&
	berth volume inspect named >/dev/null &&
	berth rm -f keeper >/dev/null && berth volume rm named >/dev/null
'

test_expect_success 'nothing is left behind' '
	check_no_leaks
'

test_done
