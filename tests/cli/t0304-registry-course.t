#!/bin/sh
# The course's registry (make run / make stop): mk/run-services.sh starts
# docker-registry under the berth root, pushes the seed images under their
# Docker Hub names and makes it berth's mirror, so `berth pull busybox`
# works offline; mk/stop.sh stops it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry || ! have_python; then
	test_skip 'course registry tests' 'docker-registry or python3 is not installed'
	test_done
fi
# A free port for the course registry (5000 may be in use on this machine).
BERTH_REGISTRY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BERTH_REGISTRY_PORT
test_at_end "BERTH_ROOT=$BERTH_ROOT sh $TOP/mk/stop.sh $BERTH_BUILD"
load_seed

test_expect_success 'run-services starts the registry and makes it the mirror' '
	sh "$TOP/mk/run-services.sh" "$BERTH_BUILD" >out &&
	test_grep "Course registry: http://127.0.0.1:$BERTH_REGISTRY_PORT" out &&
	test -f "$BERTH_ROOT/registry/config.yml" &&
	test_grep "\"http://127.0.0.1:$BERTH_REGISTRY_PORT\"" "$BERTH_ROOT/daemon.json"
'

test_expect_success 'running it again keeps the one registry' '
	pid=$(cat "$BERTH_ROOT/registry/registry.pid") &&
	sh "$TOP/mk/run-services.sh" "$BERTH_BUILD" >out &&
	test_grep "already running" out &&
	test "$(cat "$BERTH_ROOT/registry/registry.pid")" = "$pid"
'

test_expect_success 'the seed image is in it under its Docker Hub name, and berth pull busybox finds it' '
	berth rmi busybox >/dev/null &&
	berth pull busybox >out &&
	test_grep "^latest: Pulling from library/busybox$" out &&
	test_grep "^docker.io/library/busybox:latest$" out &&
	berth images >images && test_grep "^busybox *latest" images &&
	! test_grep "127.0.0.1:$BERTH_REGISTRY_PORT" images
'

test_expect_success 'the lesson'"'"'s push to localhost works' '
	berth tag busybox localhost:$BERTH_REGISTRY_PORT/me/app &&
	berth push localhost:$BERTH_REGISTRY_PORT/me/app >out &&
	test_grep "^latest: digest: sha256:" out
'

test_expect_success 'daemon.json keeps its other keys when the mirror is added' '
	echo "{\"max-concurrent-downloads\": 2}" >"$BERTH_ROOT/daemon.json" &&
	sh "$TOP/mk/run-services.sh" "$BERTH_BUILD" >/dev/null &&
	test_grep "max-concurrent-downloads" "$BERTH_ROOT/daemon.json" &&
	test_grep "registry-mirrors" "$BERTH_ROOT/daemon.json"
'

test_expect_success 'stop stops it; a pull then says the mirror is down' '
	sh "$TOP/mk/stop.sh" "$BERTH_BUILD" >out &&
	test_grep "Course registry stopped" out &&
	! test -f "$BERTH_ROOT/registry/registry.pid" &&
	berth rmi busybox >/dev/null;
	test_status 1 berth pull busybox 2>err &&
	test_grep "http://127.0.0.1:$BERTH_REGISTRY_PORT/v2/.*connection refused; then Docker Hub: " err
'

test_done
