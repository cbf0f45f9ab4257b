#!/bin/sh
# Bad input to run/create: one docker-like line, the right exit status,
# and nothing half-created.
. "$(dirname "$0")/../lib.sh"

setup_containers

nothing_created() {
	test -z "$(berth ps -aq)" &&
	test -z "$(ls -A "$BERTH_ROOT/containers" 2>/dev/null)"
}

test_expect_success 'an unknown image: "Unable to find image", a pull that fails here, 125' '
	test_status 125 berth run --rm localhost:1/nosuchimage 2>err &&
	grep -x "Unable to find image '"'"'localhost:1/nosuchimage:latest'"'"' locally" err &&
	grep "Error response from daemon" err &&
	nothing_created
'

test_expect_success '--pull never: "No such image", 125; a bad --pull value' '
	test_status 125 berth run --rm --pull never nosuchimage 2>err &&
	grep "No such image: nosuchimage:latest" err &&
	test_status 125 berth run --rm --pull sometimes busybox true 2>err &&
	grep "invalid pull option" err &&
	nothing_created
'

test_expect_success 'an invalid reference: "invalid reference format", 125' '
	test_status 125 berth run --rm BAD::ref true 2>err &&
	grep "invalid reference format" err &&
	nothing_created
'

test_expect_success '-m lots: docker'"'"'s flag error, 125' '
	test_status 125 berth run --rm -m lots busybox true 2>err &&
	grep -x "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: '"'"'lots'"'"'" err &&
	test_status 125 berth run --rm -m 10x busybox true 2>err &&
	grep "invalid suffix: '"'"'x'"'"'" err &&
	nothing_created
'

test_expect_success 'memory below 6MB, CPUs beyond the host: the daemon'"'"'s errors' '
	test_status 125 berth run --rm -m 4m busybox true 2>err &&
	grep "Minimum memory limit allowed is 6MB" err &&
	test_status 125 berth run --rm --cpus 1000 busybox true 2>err &&
	grep "Range of CPUs is from 0.01 to" err &&
	nothing_created
'

test_expect_success 'other bad values: --cpus, --pids-limit, --stop-timeout, --ulimit' '
	test_status 125 berth run --rm --cpus abc busybox true 2>err &&
	grep "invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational number" err &&
	test_status 125 berth run --rm --pids-limit x busybox true 2>err &&
	grep "invalid argument \"x\" for \"--pids-limit\" flag" err &&
	test_status 125 berth run --rm --stop-timeout x busybox true 2>err &&
	grep "invalid argument \"x\" for \"--stop-timeout\" flag" err &&
	test_status 125 berth run --rm --ulimit bad busybox true 2>err &&
	grep "invalid ulimit argument: bad" err &&
	test_status 125 berth run --rm --ulimit foo=1 busybox true 2>err &&
	grep "invalid ulimit type: foo" err &&
	nothing_created
'

test_expect_success 'restart policies: unknown, bad count, with --rm' '
	test_status 125 berth run --restart foo busybox true 2>err &&
	grep "invalid restart policy '"'"'foo'"'"'" err &&
	test_status 125 berth run --restart on-failure:x busybox true 2>err &&
	grep "maximum retry count must be an integer" err &&
	test_status 125 berth run --rm --restart always busybox true 2>err &&
	grep "conflicting options: cannot specify both --restart and --rm" err &&
	nothing_created
'

test_expect_success 'signals, capabilities, security options' '
	test_status 125 berth run --rm --stop-signal FOO busybox true 2>err &&
	grep "Invalid signal: FOO" err &&
	test_status 125 berth run --rm --cap-add FOO busybox true 2>err &&
	grep "invalid CapAdd: unknown capability: \"CAP_FOO\"" err &&
	test_status 125 berth run --rm --security-opt bogus busybox true 2>err &&
	grep "Invalid --security-opt: \"bogus\"" err &&
	nothing_created
'

test_expect_success 'a relative working directory, an unknown user' '
	test_status 125 berth run --rm -w rel busybox true 2>err &&
	grep "the working directory '"'"'rel'"'"' is invalid, it needs to be an absolute path" err &&
	test_status 125 berth run --rm -u nosuchuser busybox id 2>err &&
	grep "unable to find user nosuchuser: no matching entries in passwd file" err &&
	test_status 125 berth run --rm -u 0:nosuchgroup busybox id 2>err &&
	grep "unable to find group nosuchgroup: no matching entries in group file" err &&
	nothing_created
'

test_expect_success 'no command at all: "No command specified", 125' '
	test_status 125 berth run --rm --entrypoint "" busybox 2>err &&
	grep "No command specified" err &&
	nothing_created
'

test_expect_success 'an env file that does not exist' '
	test_status 125 berth run --rm --env-file /nonexistent busybox true 2>err &&
	grep "open /nonexistent: no such file or directory" err &&
	nothing_created
'

test_expect_success 'invalid names; a name in use is a conflict naming its holder' '
	test_status 125 berth run --rm --name a busybox true 2>err &&
	grep "Invalid container name (a)" err &&
	test_status 125 berth run --rm --name "bad name" busybox true 2>err &&
	nothing_created &&
	id=$(berth create --name taken busybox true) &&
	test_status 125 berth run --name taken busybox true 2>err &&
	grep "Conflict. The container name \"/taken\" is already in use by container \"$id\". You have to remove (or rename) that container to be able to reuse that name." err &&
	test "$(berth ps -aq | wc -l)" = 1 &&
	berth rm taken >/dev/null
'

test_expect_success 'run with no image: usage, status 1' '
	test_status 1 berth run 2>err &&
	grep "requires at least 1 argument" err
'

test_expect_success 'unknown flags' '
	test_status 125 berth run --bogus busybox true 2>err &&
	grep "unknown flag: --bogus" err
'

test_expect_success 'a failed start keeps a created container (not --rm) with its error' '
	test_status 127 berth run --name failed busybox nosuchcommand 2>/dev/null &&
	test "$(berth inspect -f "{{.State.Status}} {{.State.ExitCode}}" failed)" = "created 127" &&
	berth inspect -f "{{.State.Error}}" failed | grep "executable file not found" &&
	! berth inspect -f "{{.State.Error}}" failed | grep "Error response from daemon" &&
	berth rm failed >/dev/null
'

test_expect_success 'nothing is left behind' '
	check_no_leaks
'

test_done
