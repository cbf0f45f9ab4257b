#!/bin/sh
# berth compose config: loading, interpolation, merging, validation with
# positions, and the normalised output, as `docker compose config`.
. "$(dirname "$0")/../lib.sh"

mkdir -p app/www && cd app
cat >compose.yaml <<'YAML'
x-common: &common
  restart: unless-stopped
services:
  web:
    <<: *common
    image: "busybox:${TAG:-latest}"
    command: httpd -f -p 80 -h /www
    ports:
      - "${WEB_PORT:-8080}:80"
    volumes:
      - ./www:/www:ro
    environment:
      - GREETING=${GREETING}
      - FROM_SHELL
  api:
    image: busybox
    depends_on:
      web:
        condition: service_healthy
    healthcheck:
      test: wget -q -O- http://web/
      interval: 90s
  data:
    image: busybox
    volumes:
      - data:/data
    stop_grace_period: 1m30s
    mem_limit: 64m
  debug:
    image: busybox
    profiles: [debug]
volumes:
  data:
YAML
printf 'GREETING=hello from .env\nTAG=1.36\n' >.env
cd "$TMP"

test_expect_success 'config prints the normalised model' '
	(cd app && TAG= FROM_SHELL=yes berth compose config) >out &&
	cat >want <<EOF &&
name: app
networks:
  default:
    name: app_default
services:
  api:
    depends_on:
      web:
        condition: service_healthy
        required: true
    healthcheck:
      interval: 1m30s
      test:
      - CMD-SHELL
      - wget -q -O- http://web/
    image: busybox
    networks:
      default: null
  data:
    image: busybox
    mem_limit: 67108864
    networks:
      default: null
    stop_grace_period: 1m30s
    volumes:
    - source: data
      target: /data
      type: volume
      volume: {}
  web:
    command:
    - httpd
    - -f
    - -p
    - "80"
    - -h
    - /www
    environment:
      FROM_SHELL: "yes"
      GREETING: hello from .env
    image: busybox:latest
    networks:
      default: null
    ports:
    - mode: ingress
      protocol: tcp
      published: "8080"
      target: 80
    restart: unless-stopped
    volumes:
    - bind:
        create_host_path: true
      read_only: true
      source: $TMP/app/www
      target: /www
      type: bind
volumes:
  data:
    name: app_data
x-common:
  restart: unless-stopped
EOF
	test_cmp want out
'

test_expect_success 'the shell environment wins over .env' '
	(cd app && TAG=9 berth compose config) >out &&
	test_grep "image: busybox:9" out
'

test_expect_success '--env-file replaces .env' '
	printf "GREETING=other\n" >other.env &&
	(cd app && berth compose --env-file ../other.env config) >out &&
	test_grep "GREETING: other" out &&
	test_grep "image: busybox:latest" out
'

test_expect_success 'config --services lists services in dependency order' '
	(cd app && berth compose config --services) >out &&
	printf "data\nweb\napi\n" >want &&
	test_cmp want out
'

test_expect_success '--profile enables a service' '
	(cd app && berth compose --profile debug config --services) >out &&
	test_grep debug out
'

test_expect_success 'config --volumes and -q' '
	(cd app && berth compose config --volumes) >out &&
	echo data >want && test_cmp want out &&
	(cd app && berth compose config -q) >out &&
	test ! -s out
'

test_expect_success 'config --hash changes only for the changed service' '
	(cd app && berth compose config --hash "*") >h1 &&
	(cd app && GREETING=changed berth compose config --hash "*") >h2 &&
	test $(wc -l <h1) = 3 &&
	test "$(grep ^api h1)" = "$(grep ^api h2)" &&
	test "$(grep ^data h1)" = "$(grep ^data h2)" &&
	test "$(grep ^web h1)" != "$(grep ^web h2)"
'

test_expect_success 'project name: -p, COMPOSE_PROJECT_NAME, name:, directory' '
	(cd app && berth compose -p explicit config) | head -1 >out &&
	test "$(cat out)" = "name: explicit" &&
	(cd app && COMPOSE_PROJECT_NAME=fromenv berth compose config) | head -1 >out &&
	test "$(cat out)" = "name: fromenv" &&
	mkdir -p "My.Dir" && printf "services:\n  a:\n    image: x\n" >"My.Dir/compose.yaml" &&
	(cd My.Dir && berth compose config) | head -1 >out &&
	test "$(cat out)" = "name: mydir" &&
	printf "name: Named\nservices:\n  a:\n    image: x\n" >"My.Dir/compose.yaml" &&
	(cd My.Dir && berth compose config) | head -1 >out &&
	test "$(cat out)" = "name: named"
'

test_expect_success 'several -f files merge, the override file is found' '
	printf "services:\n  web:\n    environment:\n      GREETING: overridden\n    ports: [\"9090:90\"]\n" >app/compose.override.yaml &&
	(cd app && berth compose config) >out &&
	test_grep "GREETING: overridden" out &&
	test_grep "published: \"9090\"" out &&
	test_grep "published: \"8080\"" out &&
	rm app/compose.override.yaml &&
	printf "services:\n  web:\n    image: other\n" >extra.yaml &&
	(cd app && berth compose -f compose.yaml -f ../extra.yaml config) >out &&
	test_grep "image: other" out
'

test_expect_success 'docker-compose.yml is found too, and a missing file is an error' '
	mkdir old && printf "services:\n  a:\n    image: x\n" >old/docker-compose.yml &&
	(cd old && berth compose config --services) >out &&
	test "$(cat out)" = a &&
	mkdir empty && (cd empty && test_status 1 berth compose config) 2>err &&
	test_grep "no configuration file provided" err
'

bad() {
	printf "%s\n" "$1" >bad.yaml
	test_status 1 berth compose -f bad.yaml config 2>err >/dev/null &&
	echo "$2" >want && test_cmp want err
}

test_expect_success 'a bad port names the file, line, column and key' '
	bad "services:
  web:
    image: x
    ports:
      - \"80:80:80\"" "bad.yaml:5:9: services.web.ports[0]: invalid port \"80:80:80\""
'

test_expect_success 'an unknown key is refused' '
	bad "services:
  web:
    image: x
    imagee: y" "bad.yaml:4:5: services.web: additional property \"imagee\" is not allowed"
'

test_expect_success 'a bad duration is refused' '
	bad "services:
  web:
    image: x
    stop_grace_period: soon" "bad.yaml:4:24: services.web.stop_grace_period: invalid duration \"soon\""
'

test_expect_success 'an undefined volume is refused' '
	bad "services:
  web:
    image: x
    volumes: [\"data:/d\"]" "bad.yaml:4:15: services.web.volumes[0]: service \"web\" refers to undefined volume data"
'

test_expect_success 'an undefined network, secret and service are refused' '
	bad "services:
  web:
    image: x
    networks: [front]" "bad.yaml:4:16: services.web.networks: service \"web\" refers to undefined network front" &&
	bad "services:
  web:
    image: x
    secrets: [pw]" "bad.yaml:4:15: services.web.secrets[0]: service \"web\" refers to undefined secret pw" &&
	bad "services:
  web:
    image: x
    depends_on: [db]" "bad.yaml:4:18: services.web.depends_on: service \"web\" depends on undefined service \"db\""
'

test_expect_success 'a depends_on cycle is refused' '
	bad "services:
  a:
    image: x
    depends_on: [b]
  b:
    image: x
    depends_on: [a]" "bad.yaml:7:17: services.b.depends_on: dependency cycle detected: b -> a"
'

test_expect_success 'a required variable that is missing is refused' '
	bad "services:
  a:
    image: \${NOPE:?set NOPE}" "bad.yaml:3:12: services.a.image: required variable NOPE is missing a value: set NOPE"
'

test_expect_success 'a service without image or build is refused' '
	bad "services:
  a:
    command: true" "bad.yaml:3:5: services.a: service \"a\" has neither an image nor a build context specified"
'

test_expect_success 'a YAML error and a duplicate key are refused' '
	printf "services:\n  a: [\n" >y.yaml &&
	test_status 1 berth compose -f y.yaml config 2>err &&
	test_grep "y.yaml" err &&
	printf "services:\n  a:\n    image: x\n    image: y\n" >y.yaml &&
	test_status 1 berth compose -f y.yaml config 2>err &&
	test_grep "y.yaml:4" err
'

test_expect_success 'extends and include' '
	printf "services:\n  base:\n    image: b\n    environment: {A: 1}\n  child:\n    extends: base\n    environment: {B: 2}\n" >ext.yaml &&
	berth compose -f ext.yaml config >out &&
	test_grep "A: \"1\"" out && test_grep "B: \"2\"" out &&
	printf "include: [ext.yaml]\nservices:\n  own:\n    image: o\n" >inc.yaml &&
	berth compose -f inc.yaml config --services | sort >out &&
	printf "base\nchild\nown\n" >want && test_cmp want out
'

test_expect_success 'env_file is read into environment' '
	printf "FROM_FILE=1\nBOTH=file\n" >vars.env &&
	printf "services:\n  a:\n    image: x\n    env_file: vars.env\n    environment: {BOTH: inline}\n" >ef.yaml &&
	berth compose -f ef.yaml config >out &&
	test_grep "FROM_FILE: \"1\"" out && test_grep "BOTH: inline" out
'

test_expect_success 'unknown global flag and command' '
	test_status 125 berth compose --nope config 2>err &&
	test_grep "unknown flag: --nope" err &&
	test_status 125 berth compose nope 2>err &&
	test_grep "unknown command" err
'

test_done
