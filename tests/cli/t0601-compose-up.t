#!/bin/sh
# berth compose up/down/ps/logs/exec/...: a three-service application run
# the way a learner would, reconciled like docker compose.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	test_skip 'compose up' 'needs root for namespaces, networks and ports'
	test_expect_success 'attached up --abort-on-container-exit prints logs and stops all' '
	printf "services:\n  once:\n    image: busybox\n    command: echo done-once\n  long:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n" >ab.yaml &&
	berth compose -f ab.yaml -p ab up --abort-on-container-exit >out 2>err &&
	test_grep "ab-once-1 *| done-once" out &&
	test_grep "Aborting on container exit" err &&
	berth ps --format "{{.Names}}" >out && ! grep -q ab-long out &&
	berth compose -f ab.yaml -p ab down -t 0 2>/dev/null
'

test_expect_success 'up --exit-code-from returns that service'"'"'s code after stopping the rest' '
	printf "services:\n  web:\n    image: busybox\n    command: sleep 100\n  job:\n    image: busybox\n    depends_on: [web]\n    command: sh -c \"echo job-ran; exit 7\"\n" >ec.yaml &&
	test_status 7 berth compose -f ec.yaml -p ec up --exit-code-from job -t 0 >out 2>err &&
	test_grep "ec-job-1 *| job-ran" out &&
	test_grep "Aborting on container exit" err &&
	berth ps --format "{{.Names}}" >out && ! grep -q ec-web out &&
	test_status 7 berth compose -f ec.yaml -p ec up --abort-on-container-exit -t 0 >/dev/null 2>&1 &&
	test_status 1 berth compose -f ec.yaml -p ec up --exit-code-from nope 2>err &&
	test_grep "no such service: nope" err &&
	test_status 125 berth compose -f ec.yaml -p ec up -d --exit-code-from job 2>err &&
	test_grep "incompatible" err &&
	berth compose -f ec.yaml -p ec down -t 0 2>/dev/null
'

test_expect_success 'secrets are mounted read-only, a profiled service runs when named' '
	echo s3cret >pw.txt &&
	printf "services:\n  app:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    secrets: [pw]\n  tool:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    profiles: [tools]\nsecrets:\n  pw:\n    file: ./pw.txt\n" >sec.yaml &&
	berth compose -f sec.yaml -p sec up -d 2>/dev/null &&
	berth compose -f sec.yaml -p sec exec -T app cat /run/secrets/pw >out &&
	test "$(cat out)" = s3cret &&
	! berth compose -f sec.yaml -p sec exec -T app sh -c "echo x >/run/secrets/pw" 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && ! grep -q sec-tool out &&
	berth compose -f sec.yaml -p sec up -d tool 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && test_grep sec-tool-1 out &&
	berth compose -f sec.yaml -p sec --profile tools down -t 0 2>/dev/null &&
	berth ps -aq >out && test ! -s out
'

test_done
fi
IMG="$BERTH_BUILD/images/busybox.tar"
[ -f "$IMG" ] || IMG="$TOP/build/images/busybox.tar"
if ! berth load -i "$IMG" >/dev/null 2>&1; then
	test_skip 'compose up' 'no busybox image to load'
	test_expect_success 'secrets are mounted read-only, a profiled service runs when named' '
	echo s3cret >pw.txt &&
	printf "services:\n  app:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    secrets: [pw]\n  tool:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    profiles: [tools]\nsecrets:\n  pw:\n    file: ./pw.txt\n" >sec.yaml &&
	berth compose -f sec.yaml -p sec up -d 2>/dev/null &&
	berth compose -f sec.yaml -p sec exec -T app cat /run/secrets/pw >out &&
	test "$(cat out)" = s3cret &&
	! berth compose -f sec.yaml -p sec exec -T app sh -c "echo x >/run/secrets/pw" 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && ! grep -q sec-tool out &&
	berth compose -f sec.yaml -p sec up -d tool 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && test_grep sec-tool-1 out &&
	berth compose -f sec.yaml -p sec --profile tools down -t 0 2>/dev/null &&
	berth ps -aq >out && test ! -s out
'

test_done
fi
if ! berth network create t0601probe >/dev/null 2>&1; then
	test_skip 'compose up' 'cannot create a bridge network here'
	test_expect_success 'attached up --abort-on-container-exit prints logs and stops all' '
	printf "services:\n  once:\n    image: busybox\n    command: echo done-once\n  long:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n" >ab.yaml &&
	berth compose -f ab.yaml -p ab up --abort-on-container-exit >out 2>err &&
	test_grep "ab-once-1 *| done-once" out &&
	test_grep "Aborting on container exit" err &&
	berth ps --format "{{.Names}}" >out && ! grep -q ab-long out &&
	berth compose -f ab.yaml -p ab down -t 0 2>/dev/null
'

test_expect_success 'secrets are mounted read-only, a profiled service runs when named' '
	echo s3cret >pw.txt &&
	printf "services:\n  app:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    secrets: [pw]\n  tool:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    profiles: [tools]\nsecrets:\n  pw:\n    file: ./pw.txt\n" >sec.yaml &&
	berth compose -f sec.yaml -p sec up -d 2>/dev/null &&
	berth compose -f sec.yaml -p sec exec -T app cat /run/secrets/pw >out &&
	test "$(cat out)" = s3cret &&
	! berth compose -f sec.yaml -p sec exec -T app sh -c "echo x >/run/secrets/pw" 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && ! grep -q sec-tool out &&
	berth compose -f sec.yaml -p sec up -d tool 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && test_grep sec-tool-1 out &&
	berth compose -f sec.yaml -p sec --profile tools down -t 0 2>/dev/null &&
	berth ps -aq >out && test ! -s out
'

test_done
fi
berth network rm t0601probe >/dev/null 2>&1

PORT=$((20000 + $$ % 20000))
mkdir -p app/www && cd app
echo "hello from web" >www/index.html
cat >compose.yaml <<YAML
services:
  web:
    image: busybox
    command: httpd -f -p 80 -h /www
    ports:
      - "$PORT:80"
    volumes:
      - ./www:/www:ro
    healthcheck:
      test: wget -q -O- http://localhost/
      interval: 1s
    stop_grace_period: 1s
  api:
    image: busybox
    command: sh -c 'while true; do wget -q -O- http://web/; sleep 1; done'
    environment:
      MODE: one
    depends_on:
      web:
        condition: service_healthy
    stop_grace_period: 1s
  data:
    image: busybox
    command: sh -c 'echo stored >/data/file; exec sleep 1000'
    volumes:
      - data:/data
    stop_grace_period: 1s
volumes:
  data:
YAML
cd "$TMP"
test_at_end 'cd "$TMP/app" && berth compose down -v -t 0'

ids() { berth ps -a --format '{{.Names}} {{.ID}}' | sort; }

test_expect_success 'up -d creates the network, the volume and three containers' '
	(cd app && berth compose up -d) 2>err &&
	test_grep "Network app_default  Created" err &&
	test_grep "Container app-web-1  Started" err &&
	berth ps --format "{{.Names}}" | sort >out &&
	printf "app-api-1\napp-data-1\napp-web-1\n" >want &&
	test_cmp want out &&
	berth network ls --format "{{.Name}}" | grep -x app_default &&
	berth volume ls --format "{{.Name}}" | grep -x app_data
'

test_expect_success 'api waited for web to be healthy' '
	grep -n "" err >num &&
	h=$(grep "app-web-1  Healthy" num | cut -d: -f1) &&
	a=$(grep "app-api-1  Started" num | cut -d: -f1) &&
	test -n "$h" && test "$h" -lt "$a"
'

test_expect_success 'containers carry compose labels' '
	berth ps --format "{{.Names}} {{.Labels}}" >out &&
	test_grep "app-web-1 .*com.docker.compose.project=app" out &&
	test_grep "app-web-1 .*com.docker.compose.service=web" out &&
	test_grep "app-web-1 .*com.docker.compose.container-number=1" out &&
	test_grep "app-web-1 .*com.docker.compose.oneoff=False" out &&
	h=$(cd app && berth compose config --hash web | cut -d" " -f2) &&
	test_grep "app-web-1 .*com.docker.compose.config-hash=$h" out
'

test_expect_success 'web answers from the host on the published port' '
	n=0; until wget -q -O out http://127.0.0.1:$PORT/ || [ $n -ge 20 ]; do n=$((n+1)); sleep 0.2; done &&
	test_grep "hello from web" out
'

test_expect_success 'api reaches web by its service name' '
	n=0; until (cd app && berth compose logs api) >out 2>&1 && grep -q "hello from web" out || [ $n -ge 30 ]; do n=$((n+1)); sleep 0.2; done &&
	test_grep "^app-api-1 *| hello from web" out
'

test_expect_success 'data wrote into its named volume' '
	n=0; until (cd app && berth compose exec -T data cat /data/file) >out 2>&1 || [ $n -ge 20 ]; do n=$((n+1)); sleep 0.2; done &&
	test "$(cat out)" = stored
'

test_expect_success 'ps lists the services, ps --services and -q' '
	(cd app && berth compose ps) >out &&
	head -1 out | grep "^NAME *IMAGE *COMMAND *SERVICE *CREATED *STATUS *PORTS" &&
	test_grep "app-web-1 .*web .*Up" out &&
	test_grep "$PORT->80/tcp" out &&
	test $(wc -l <out) = 4 &&
	(cd app && berth compose ps --services) >out &&
	printf "data\nweb\napi\n" >want && test_cmp want out &&
	(cd app && berth compose ps -q) >out && test $(wc -l <out) = 3
'

test_expect_success 'port prints the published port' '
	(cd app && berth compose port web 80) >out &&
	test_grep ":$PORT" out
'

test_expect_success 'up -d again changes nothing' '
	ids >before &&
	(cd app && berth compose up -d) 2>err &&
	ids >after && test_cmp before after &&
	test_grep "app-web-1  Running" err &&
	! grep -q Recreated err
'

test_expect_success 'changing one service recreates that service alone' '
	ids >before &&
	sed -i "s/MODE: one/MODE: two/" app/compose.yaml &&
	(cd app && berth compose up -d) 2>err &&
	test_grep "app-api-1  Recreated" err &&
	ids >after &&
	grep -v app-api before >b && grep -v app-api after >a && test_cmp b a &&
	test "$(grep app-api before)" != "$(grep app-api after)" &&
	(cd app && berth compose exec -T api sh -c "echo \$MODE") >out &&
	test "$(cat out)" = two
'

test_expect_success 'stop, start and restart a service' '
	(cd app && berth compose stop data) 2>err &&
	test_grep "app-data-1  Stopped" err &&
	(cd app && berth compose ps --services) >/dev/null &&
	(cd app && berth compose ps) >out && ! grep -q app-data-1 out &&
	(cd app && berth compose ps -a) >out && test_grep app-data-1 out &&
	(cd app && berth compose start data) 2>err &&
	(cd app && berth compose ps) >out && test_grep "app-data-1 .*Up" out &&
	(cd app && berth compose restart data) 2>err &&
	(cd app && berth compose ps) >out && test_grep "app-data-1 .*Up" out
'

test_expect_success 'run --rm runs a one-off container on the network' '
	(cd app && berth compose run --rm -T api wget -q -O- http://web/) >out &&
	test_grep "hello from web" out &&
	berth ps -a --format "{{.Names}}" >out && ! grep -q run out
'

test_expect_success 'a removed service is an orphan until --remove-orphans' '
	cp app/compose.yaml saved.yaml &&
	sed -i "/^  data:/,/stop_grace_period/d" app/compose.yaml &&
	sed -i "s/      - data:\/data//" app/compose.yaml &&
	(cd app && berth compose up -d) 2>err &&
	test_grep "Found orphan containers (\[app-data-1\])" err &&
	(cd app && berth compose up -d --remove-orphans) 2>err &&
	berth ps -a --format "{{.Names}}" >out && ! grep -q app-data-1 out &&
	cp saved.yaml app/compose.yaml
'

test_expect_success 'down -v leaves no container, network or volume' '
	(cd app && berth compose up -d) 2>/dev/null &&
	(cd app && berth compose down -v) 2>err &&
	test_grep "Network app_default  Removed" err &&
	berth ps -aq >out && test ! -s out &&
	berth network ls --format "{{.Name}}" >out && ! grep -q app_ out &&
	berth volume ls --format "{{.Name}}" >out && ! grep -q app_ out
'

test_expect_success 'a missing image names the service, exit 1' '
	printf "services:\n  x:\n    image: nosuchimage:1\n" >missing.yaml &&
	test_status 1 berth compose -f missing.yaml -p miss up -d 2>err &&
	test_grep "service \"x\"" err &&
	berth compose -f missing.yaml -p miss down
'

test_expect_success 'a port in use fails with the service named, down cleans up' '
	printf "services:\n  a:\n    image: busybox\n    command: sleep 100\n    ports: [\"$PORT:80\"]\n    stop_grace_period: 0s\n  b:\n    image: busybox\n    command: sleep 100\n    ports: [\"$PORT:81\"]\n    depends_on: [a]\n" >clash.yaml &&
	test_status 1 berth compose -f clash.yaml -p clash up -d 2>err &&
	test_grep "service \"b\"" err &&
	berth compose -f clash.yaml -p clash down -t 0 2>/dev/null &&
	berth ps -aq >out && test ! -s out
'

test_expect_success 'an unhealthy dependency stops up with exit 1' '
	printf "services:\n  sick:\n    image: busybox\n    command: sleep 100\n    healthcheck: {test: [CMD, false], interval: 1s, retries: 1}\n  after:\n    image: busybox\n    command: sleep 100\n    depends_on: {sick: {condition: service_healthy}}\n" >sick.yaml &&
	test_status 1 berth compose -f sick.yaml -p sick up -d 2>err &&
	test_grep "container sick-sick-1 is unhealthy" err &&
	berth ps -a --format "{{.Names}}" >out && ! grep -q sick-after out &&
	berth compose -f sick.yaml -p sick down -t 0 2>/dev/null
'

test_expect_success 'replicas are numbered' '
	printf "services:\n  w:\n    image: busybox\n    command: sleep 100\n    deploy: {replicas: 2}\n" >rep.yaml &&
	berth compose -f rep.yaml -p rep up -d 2>/dev/null &&
	berth ps --format "{{.Names}}" | sort >out &&
	printf "rep-w-1\nrep-w-2\n" >want && test_cmp want out &&
	berth compose ls >out && test_grep "^rep .*running(2)" out &&
	berth compose -f rep.yaml -p rep down -t 0 2>/dev/null
'

test_expect_success 'attached up --abort-on-container-exit prints logs and stops all' '
	printf "services:\n  once:\n    image: busybox\n    command: echo done-once\n  long:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n" >ab.yaml &&
	berth compose -f ab.yaml -p ab up --abort-on-container-exit >out 2>err &&
	test_grep "ab-once-1 *| done-once" out &&
	test_grep "Aborting on container exit" err &&
	berth ps --format "{{.Names}}" >out && ! grep -q ab-long out &&
	berth compose -f ab.yaml -p ab down -t 0 2>/dev/null
'

test_expect_success 'secrets are mounted read-only, a profiled service runs when named' '
	echo s3cret >pw.txt &&
	printf "services:\n  app:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    secrets: [pw]\n  tool:\n    image: busybox\n    command: sleep 100\n    stop_grace_period: 0s\n    profiles: [tools]\nsecrets:\n  pw:\n    file: ./pw.txt\n" >sec.yaml &&
	berth compose -f sec.yaml -p sec up -d 2>/dev/null &&
	berth compose -f sec.yaml -p sec exec -T app cat /run/secrets/pw >out &&
	test "$(cat out)" = s3cret &&
	! berth compose -f sec.yaml -p sec exec -T app sh -c "echo x >/run/secrets/pw" 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && ! grep -q sec-tool out &&
	berth compose -f sec.yaml -p sec up -d tool 2>/dev/null &&
	berth ps --format "{{.Names}}" >out && test_grep sec-tool-1 out &&
	berth compose -f sec.yaml -p sec --profile tools down -t 0 2>/dev/null &&
	berth ps -aq >out && test ! -s out
'

test_done
