#!/bin/sh
# berth compose's smaller commands: each one's flags and arguments, and the
# order it walks the services in (dependencies first to start, dependents
# first to stop): kill, rm, images, top, build, push, stop/start/restart
# without a service named, up of one service with its dependencies,
# exec/port of a replica that does not exist.
. "$(dirname "$0")/../lib.sh"

printf 'services:\n  db:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n  app:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    depends_on: [db]\n  tool:\n    build: ./tool\n    command: cat /made\n    profiles: [tools]\n' >dep.yaml
mkdir tool && printf 'FROM busybox\nRUN echo made >/made\n' >tool/Dockerfile

test_expect_success 'every command prints its own usage for --help and -h' '
	berth compose stop --help >out &&
	test_grep "^Usage:  berth compose stop \[OPTIONS\] \[SERVICE...\]" out &&
	test_grep "Specify a shutdown timeout in seconds" out &&
	berth compose down -h >out &&
	test_grep "^Usage:  berth compose down \[OPTIONS\] \[SERVICES\]" out &&
	berth compose up --help >out && test_grep "^Create and start containers" out &&
	berth compose logs --help >out && test_grep -- "--no-log-prefix" out &&
	berth compose exec --help >out && test_grep "SERVICE COMMAND \[ARGS...\]" out &&
	berth compose port --help >out && test_grep "SERVICE PRIVATE_PORT" out &&
	berth compose config --help >out && test_grep -- "--hash string" out &&
	berth compose ls --help >out && test_grep "List running compose projects" out
'

test_expect_success 'unknown flags and wrong argument counts are usage errors' '
	test_status 125 berth compose up --nope 2>err &&
	test_grep "unknown flag: --nope" err &&
	test_grep "See '"'"'berth compose up --help'"'"'" err &&
	test_status 125 berth compose kill -x 2>err &&
	test_grep "unknown shorthand flag: '"'"'x'"'"' in -x" err &&
	test_status 1 berth compose port db 2>err &&
	test_grep "requires exactly 2 arguments" err &&
	test_status 1 berth compose exec db 2>err &&
	test_grep "requires at least 2 arguments" err &&
	test_status 1 berth compose run 2>err &&
	test_grep "requires at least 1 argument" err &&
	test_status 1 berth compose ls extra 2>err &&
	test_grep "accepts no arguments" err
'

test_expect_success 'ps --services lists the named services in dependency order' '
	berth compose -f dep.yaml ps --services >out &&
	printf "db\napp\n" >want && test_cmp want out &&
	berth compose -f dep.yaml ps --services app db >out && test_cmp want out &&
	berth compose -f dep.yaml ps --services app >out && test "$(cat out)" = app &&
	berth compose -f dep.yaml --profile tools ps --services >out &&
	printf "db\napp\ntool\n" >want && test_cmp want out
'

test_expect_success 'a service that does not exist is named, exit 1' '
	test_status 1 berth compose -f dep.yaml -p dep ps nope 2>err &&
	test_grep "no such service: nope" err &&
	test_status 1 berth compose -f dep.yaml -p dep stop nope 2>err &&
	test_grep "no such service: nope" err &&
	test_status 1 berth compose -f dep.yaml -p dep exec nope true 2>err &&
	test_grep "no such service: nope" err
'

if [ "$(id -u)" != 0 ]; then
	test_skip 'compose commands on containers' 'needs root for namespaces and networks'
	test_done
fi
IMG="$BERTH_BUILD/images/busybox.tar"
[ -f "$IMG" ] || IMG="$TOP/build/images/busybox.tar"
if ! berth load -i "$IMG" >/dev/null 2>&1; then
	test_skip 'compose commands on containers' 'no busybox image to load'
	test_done
fi
if ! berth network create t0602probe >/dev/null 2>&1; then
	test_skip 'compose commands on containers' 'cannot create a bridge network here'
	test_done
fi
berth network rm t0602probe >/dev/null 2>&1
test_at_end 'berth compose -f "$TMP/dep.yaml" -p dep --profile tools down -t 0 --rmi local'

C='berth compose -f dep.yaml -p dep'

test_expect_success 'up of one service starts its dependency first' '
	$C up -d app 2>err &&
	grep -n "Container" err >num &&
	d=$(grep "dep-db-1  Started" num | cut -d: -f1) &&
	a=$(grep "dep-app-1  Started" num | cut -d: -f1) &&
	test -n "$d" && test -n "$a" && test "$d" -lt "$a"
'

test_expect_success 'stop without a service stops dependents first, start the other way' '
	$C stop -t 0 2>err &&
	grep "Stopped" err >got &&
	printf " \342\234\224 Container dep-app-1  Stopped\n \342\234\224 Container dep-db-1  Stopped\n" >want &&
	test_cmp want got &&
	$C start 2>err &&
	grep "Started" err >got &&
	printf " \342\234\224 Container dep-db-1  Started\n \342\234\224 Container dep-app-1  Started\n" >want &&
	test_cmp want got &&
	$C restart -t 0 2>err &&
	grep "Started" err >got && test_cmp want got &&
	$C ps >out && test_grep "dep-db-1 .*Up" out && test_grep "dep-app-1 .*Up" out
'

test_expect_success 'images and top list the project'"'"'s containers' '
	$C images >out &&
	head -1 out | grep "^CONTAINER *REPOSITORY *TAG *IMAGE ID" &&
	test_grep "^dep-db-1 *busybox *latest" out &&
	$C images -q db >out && test $(wc -l <out) = 1 &&
	$C top app >out &&
	test_grep "^dep-app-1$" out && test_grep "sleep 100" out && ! grep -q dep-db-1 out
'

test_expect_success 'exec and port of a replica that is not there fail, exit 1' '
	test_status 1 $C exec --index 2 -T db true 2>err &&
	test_grep "service \"db\" is not running" err &&
	test_status 1 $C port --index 3 db 80 2>err &&
	test_grep "service \"db\" is not running" err
'

test_expect_success 'kill -s sends the signal to the named service alone' '
	$C kill -s KILL app 2>err &&
	test_grep "dep-app-1  Killed" err &&
	wait_for "! $C ps | grep -q dep-app-1" &&
	$C ps >out && test_grep "dep-db-1 .*Up" out
'

test_expect_success 'rm removes stopped containers only; -s stops them first' '
	$C rm -f 2>err &&
	test_grep "Going to remove dep-app-1" err &&
	test_grep "dep-app-1  Removed" err &&
	! grep -q "dep-db-1" err &&
	$C rm -f 2>err &&
	test_grep "No stopped containers" err &&
	$C rm -f -s 2>err &&
	test_grep "dep-db-1  Stopped" err &&
	test_grep "dep-db-1  Removed" err &&
	berth ps -aq >out && test ! -s out
'

test_expect_success 'build builds the services that have a build section; push skips what it cannot' '
	$C --profile tools build -q tool 2>err &&
	berth image ls --format "{{.Repository}}" >out && test_grep -x dep-tool out &&
	$C push db &&
	$C --profile tools run --rm -T tool >out &&
	test "$(cat out)" = made
'

test_expect_success 'down --rmi local removes the images compose built' '
	$C --profile tools up -d 2>/dev/null &&
	$C --profile tools down -t 0 --rmi local 2>err &&
	berth image ls --format "{{.Repository}}" >out &&
	! grep -qx dep-tool out && test_grep -x busybox out &&
	berth ps -aq >out && test ! -s out
'

test_expect_success 'networks and volumes carry the project'"'"'s labels and their own; a missing external one is named' '
	printf "services:\n  a:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    networks: [front]\n    volumes: [store:/s]\nnetworks:\n  front:\n    labels: {tier: front}\nvolumes:\n  store:\n    labels: {keep: \"yes\"}\n" >lab.yaml &&
	berth compose -f lab.yaml -p lab up -d 2>/dev/null &&
	berth network inspect lab_front >out &&
	test_grep "\"com.docker.compose.project\": \"lab\"" out &&
	test_grep "\"com.docker.compose.network\": \"front\"" out &&
	test_grep "\"tier\": \"front\"" out &&
	berth volume inspect lab_store >out &&
	test_grep "\"com.docker.compose.volume\": \"store\"" out &&
	test_grep "\"keep\": \"yes\"" out &&
	berth compose -f lab.yaml -p lab down -v -t 0 2>/dev/null &&
	printf "services:\n  a:\n    image: busybox\n    networks: [ext]\nnetworks:\n  ext:\n    external: true\n" >xn.yaml &&
	test_status 1 berth compose -f xn.yaml -p xn up -d 2>err &&
	test_grep "network ext declared as external, but could not be found" err &&
	printf "services:\n  a:\n    image: busybox\n    volumes: [ev:/e]\nvolumes:\n  ev:\n    external: true\n" >xv.yaml &&
	test_status 1 berth compose -f xv.yaml -p xv up -d 2>err &&
	test_grep "external volume \"ev\" not found" err &&
	berth compose -f xv.yaml -p xv down 2>/dev/null
'

test_done
