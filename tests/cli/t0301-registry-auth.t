#!/bin/sh
# Registry credentials: login and logout against a registry with htpasswd
# (Basic) auth, credentials kept in docker's config.json (mode 0600), and
# the Bearer token flow through a token-guarded front (tests/data/registry/
# fake.py) that also sends blob downloads to another host, which must not
# receive the registry's Authorization header.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry || ! command -v htpasswd >/dev/null 2>&1; then
	test_skip 'registry auth tests' 'docker-registry or htpasswd (apache2-utils) is not installed (make deps)'
	test_done
fi
htpasswd -Bbn alice s3cret >"$TMP/htpasswd"
registry_start basic "auth:" "  htpasswd:" "    realm: berth-test" "    path: $TMP/htpasswd" || exit 1
BASIC=$REG
registry_start plain || exit 1
PLAIN=$REG
load_seed
CONFIG_JSON="$DOCKER_CONFIG/config.json"

test_expect_success 'pull from a registry that wants credentials, without any, fails clearly' '
	test_status 1 berth pull $BASIC/me/app:v1 2>err &&
	test_grep "^Error: Head \"http://$BASIC/v2/me/app/manifests/v1\": no basic auth credentials$" err
'

test_expect_success 'login with a wrong password is refused, and nothing is stored' '
	test_status 1 berth login -u alice -p wrong $BASIC >out 2>err &&
	test_grep "^Error: login failed: unauthorized: incorrect username or password$" err &&
	test_grep "WARNING! Using --password via the CLI is insecure" err &&
	! test_grep "Login Succeeded" out &&
	! test -e "$CONFIG_JSON"
'

test_expect_success 'login with the right password stores it in config.json, mode 0600' '
	echo s3cret | berth login -u alice --password-stdin $BASIC >out 2>err &&
	test "$(cat out)" = "Login Succeeded" &&
	test_grep "Your credentials are stored unencrypted in .$CONFIG_JSON." err &&
	test "$(stat -c %a "$CONFIG_JSON")" = 600 &&
	test "$(stat -c %a "$DOCKER_CONFIG")" = 700 &&
	test_grep "\"$BASIC\"" "$CONFIG_JSON" &&
	test_grep "\"auth\": \"$(printf alice:s3cret | base64)\"" "$CONFIG_JSON"
'

test_expect_success 'with the stored credentials, push and pull work' '
	berth tag busybox $BASIC/me/app:v1 &&
	berth push $BASIC/me/app:v1 >out &&
	test_grep "Pushed" out &&
	BERTH_ROOT=$TMP/root2 berth pull $BASIC/me/app:v1 >out &&
	test_grep "Pull complete" out
'

test_expect_success 'login keeps the other keys of config.json' '
	cat >"$CONFIG_JSON" <<-EOF &&
	{"auths": {"other.example:5000": {"auth": "eDp5"}}, "psFormat": "table {{.ID}}"}
	EOF
	echo s3cret | berth login -u alice --password-stdin $BASIC >/dev/null 2>&1 &&
	test_grep "psFormat" "$CONFIG_JSON" &&
	test_grep "other.example:5000" "$CONFIG_JSON" &&
	test_grep "\"$BASIC\"" "$CONFIG_JSON"
'

test_expect_success 'logout removes the credentials and keeps the rest' '
	berth logout $BASIC >out &&
	test "$(cat out)" = "Removing login credentials for $BASIC" &&
	! test_grep "\"$BASIC\"" "$CONFIG_JSON" &&
	test_grep "other.example:5000" "$CONFIG_JSON" &&
	test "$(stat -c %a "$CONFIG_JSON")" = 600 &&
	test_status 1 berth pull $BASIC/me/app:v1 2>err &&
	test_grep "no basic auth credentials" err
'

test_expect_success 'logout without a server names Docker Hub'"'"'s key' '
	berth logout >out &&
	test "$(cat out)" = "Removing login credentials for https://index.docker.io/v1/"
'

test_expect_success 'login refuses what docker refuses' '
	test_status 1 berth login --password-stdin $BASIC </dev/null 2>err &&
	test_grep "the --password-stdin option requires --username to be set" err &&
	test_status 1 berth login -u a -p b --password-stdin $BASIC </dev/null 2>err &&
	test_grep "conflicting options: cannot specify both --password and --password-stdin" err &&
	test_status 1 berth login $BASIC </dev/null 2>err &&
	test_grep "Cannot perform an interactive login from a non TTY device" err
'

test_expect_success 'a broken config.json is reported, not overwritten' '
	echo "{not json" >"$CONFIG_JSON" &&
	test_status 1 berth login -u alice -p s3cret $BASIC 2>err &&
	test_grep "config.json" err &&
	test "$(cat "$CONFIG_JSON")" = "{not json"
'

rm -f "$CONFIG_JSON"
if have_python; then
	fake_start token "$PLAIN" bob:hunter2 --redirect || exit 1
	TOKEN=$FAKE
	TOKEN_LOG=$FAKE_LOG

	test_expect_success 'Bearer: login with a wrong password is refused by the token server' '
		test_status 1 berth login -u bob -p nope $TOKEN 2>err &&
		test_grep "^Error: login failed: unauthorized: incorrect username or password$" err &&
		test_grep "token refused for bob" $TOKEN_LOG
	'

	test_expect_success 'Bearer: login, then push through the token flow' '
		echo hunter2 | berth login -u bob --password-stdin $TOKEN >out 2>/dev/null &&
		test "$(cat out)" = "Login Succeeded" &&
		berth tag busybox $TOKEN/team/app:v1 &&
		berth push $TOKEN/team/app:v1 >out &&
		test_grep "Pushed" out &&
		test_grep "token for bob: team/app:pull team/app:push" $TOKEN_LOG
	'

	test_expect_success 'Bearer: pull follows blobs to another host without the Authorization header' '
		BERTH_ROOT=$TMP/root3 berth pull $TOKEN/team/app:v1 >out &&
		test_grep "Pull complete" out &&
		test_grep "^redirect sha256:" $TOKEN_LOG &&
		test_grep "^cdn: served sha256:" $TOKEN_LOG &&
		! test_grep "cdn: Authorization header received" $TOKEN_LOG
	'

	test_expect_success 'Bearer: without credentials the token has no scope and the pull is denied' '
		berth logout $TOKEN >/dev/null &&
		test_status 1 env BERTH_ROOT=$TMP/root4 berth pull $TOKEN/team/app:v1 2>err &&
		test_grep "pull access denied for $TOKEN/team/app" err
	'
else
	test_skip 'Bearer token tests' 'python3 is not installed'
fi

test_done
