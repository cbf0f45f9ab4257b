#!/bin/sh
# Pull and push against a real registry (Debian's docker-registry on a free
# loopback port): round trips with equal digests, docker's lines, skipped
# and mounted blobs, chunked uploads, mirrors for unqualified names, and
# images going both ways between berth and skopeo.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/cli/registry-lib.sh"

if ! have_registry; then
	test_skip 'registry tests' 'docker-registry is not installed (make deps)'
	test_done
fi
registry_start main || exit 1
load_seed

test_expect_success 'push sends the seed image and prints its digest' '
	berth tag busybox $REG/me/app:v1 &&
	berth push $REG/me/app:v1 >out &&
	test_grep "^The push refers to repository \[$REG/me/app\]$" out &&
	test_grep "^[0-9a-f]\{12\}: Pushed$" out &&
	test_grep "^v1: digest: sha256:[0-9a-f]\{64\} size: [0-9]*$" out &&
	printed_digest out >pushed.digest && test -s pushed.digest
'

test_expect_success 'a second push finds every layer already there' '
	berth push $REG/me/app:v1 >out &&
	test_grep "Layer already exists" out &&
	! grep "Pushed" out &&
	test "$(printed_digest out)" = "$(cat pushed.digest)"
'

test_expect_success 'push without a tag uses latest, and says so' '
	berth tag busybox $REG/me/app &&
	berth push $REG/me/app >out &&
	test_grep "^Using default tag: latest$" out &&
	test_grep "^latest: digest: " out
'

test_expect_success 'pull into an empty root brings the same digest back' '
	BERTH_ROOT=$TMP/root2 berth pull $REG/me/app:v1 >out &&
	test_grep "^v1: Pulling from me/app$" out &&
	test_grep "^[0-9a-f]\{12\}: Pull complete$" out &&
	test_grep "^Status: Downloaded newer image for $REG/me/app:v1$" out &&
	test "$(printed_digest out)" = "$(cat pushed.digest)" &&
	BERTH_ROOT=$TMP/root2 berth images >images &&
	test_grep "^$REG/me/app *v1 " images
'

test_expect_success 'the pulled image has the seed image id and its repo digest' '
	id=$(berth images -q --no-trunc busybox) &&
	BERTH_ROOT=$TMP/root2 berth images -q --no-trunc $REG/me/app:v1 >id2 &&
	test "$(cat id2)" = "$id" &&
	BERTH_ROOT=$TMP/root2 berth image inspect $REG/me/app:v1 >inspect &&
	test_grep "\"$REG/me/app@$(cat pushed.digest)\"" inspect
'

test_expect_success 'pulling it again says the image is up to date' '
	BERTH_ROOT=$TMP/root2 berth pull $REG/me/app:v1 >out &&
	test_grep "^Status: Image is up to date for $REG/me/app:v1$" out &&
	! grep "Pull complete" out
'

test_expect_success 'pull by digest, and pull -q prints the name alone' '
	BERTH_ROOT=$TMP/root3 berth pull $REG/me/app@$(cat pushed.digest) >out &&
	test_grep "^$(cat pushed.digest): Pulling from me/app$" out &&
	test_grep "Status: Downloaded newer image for $REG/me/app@$(cat pushed.digest)" out &&
	BERTH_ROOT=$TMP/root3 berth pull -q $REG/me/app:v1 >out &&
	test "$(cat out)" = "$REG/me/app:v1"
'

test_expect_success 'a pushed image is pushed back to the registry with the same digest' '
	BERTH_ROOT=$TMP/root2 berth push $REG/me/app:v1 >out &&
	test "$(printed_digest out)" = "$(cat pushed.digest)"
'

test_expect_success 'push to another repository mounts the blobs it saw' '
	berth tag busybox $REG/other/app:v1 &&
	berth push $REG/other/app:v1 >out &&
	test_grep "Mounted from me/app" out
'

test_expect_success 'push -a pushes every tag of the repository' '
	berth tag busybox $REG/all/app:one &&
	berth tag busybox $REG/all/app:two &&
	berth push -a $REG/all/app >out &&
	test_grep "^one: digest: " out && test_grep "^two: digest: " out
'

test_expect_success 'pull -a pulls every tag of the repository' '
	BERTH_ROOT=$TMP/root4 berth pull -a $REG/all/app >out &&
	test_grep "^one: Pulling from all/app$" out &&
	test_grep "^two: Pulling from all/app$" out &&
	test_grep "^Status: Downloaded newer image for $REG/all/app$" out &&
	BERTH_ROOT=$TMP/root4 berth images >images &&
	test_grep "all/app *one" images && test_grep "all/app *two" images
'

test_expect_success 'a chunked upload (PATCH per chunk, then PUT) stores the same blob' '
	mkdir -p src && head -c 300000 /dev/urandom >src/data &&
	tar -C src -cf layer.tar data &&
	berth import layer.tar $REG/chunked/app:v1 >/dev/null &&
	BERTH_PUSH_CHUNK_SIZE=65536 berth push $REG/chunked/app:v1 >push.out &&
	test_grep "Pushed" push.out &&
	test "$(grep -c "PATCH /v2/chunked/app/blobs/uploads/" $REG_LOG)" -ge 4 &&
	BERTH_ROOT=$TMP/root5 berth pull $REG/chunked/app:v1 >out &&
	test_grep "Pull complete" out &&
	test "$(printed_digest out)" = "$(printed_digest push.out)" &&
	BERTH_ROOT=$TMP/root5 berth system check >check &&
	test_grep "0 problems" check
'

test_expect_success 'a docker.io name is pulled from the mirror in daemon.json' '
	berth tag busybox $REG/library/busybox:latest &&
	berth push $REG/library/busybox:latest >/dev/null &&
	mkdir -p $TMP/root6 &&
	printf "{\"registry-mirrors\": [\"http://%s\"]}\n" "$REG" >$TMP/root6/daemon.json &&
	BERTH_ROOT=$TMP/root6 berth pull busybox >out &&
	test_grep "^Using default tag: latest$" out &&
	test_grep "^latest: Pulling from library/busybox$" out &&
	test_grep "^Status: Downloaded newer image for busybox:latest$" out &&
	BERTH_ROOT=$TMP/root6 berth images >images &&
	test_grep "^busybox *latest " images
'

test_expect_success 'an image pushed by berth is read and copied back by skopeo' '
	skopeo inspect --tls-verify=false docker://$REG/me/app:v1 >inspect &&
	test_grep "\"Digest\": \"$(cat pushed.digest)\"" inspect &&
	test_grep "\"Architecture\": \"amd64\"\|\"Architecture\": \"arm64\"" inspect &&
	skopeo copy --src-tls-verify=false docker://$REG/me/app:v1 docker-archive:$TMP/back.tar:back/app:v1 >/dev/null &&
	BERTH_ROOT=$TMP/root7 berth load -i $TMP/back.tar >out &&
	test_grep "Loaded image: back/app:v1" out
'

test_expect_success 'an image pushed by skopeo is pulled by berth' '
	skopeo copy --dest-tls-verify=false docker-archive:$BERTH_BUILD/images/busybox.tar \
		docker://$REG/skopeo/busybox:v1 >/dev/null &&
	BERTH_ROOT=$TMP/root8 berth pull $REG/skopeo/busybox:v1 >out &&
	test_grep "Pull complete" out &&
	BERTH_ROOT=$TMP/root8 berth images -q --no-trunc $REG/skopeo/busybox:v1 >id &&
	test "$(cat id)" = "$(berth images -q --no-trunc busybox)"
'

if berth run --help >/dev/null 2>&1; then
	test_expect_success 'an image pushed by skopeo runs in berth' '
		BERTH_ROOT=$TMP/root8 berth run --rm $REG/skopeo/busybox:v1 echo hello >out &&
		test "$(cat out)" = hello
	'
else
	test_skip 'an image pushed by skopeo runs in berth' 'berth run is not in this build yet'
fi

test_expect_success 'push of a name that is not here fails as docker does' '
	test_status 1 berth push $REG/nothere/app:v1 2>err &&
	test_grep "An image does not exist locally with the tag: $REG/nothere/app" err
'

test_expect_success 'push of a digest reference is refused' '
	test_status 1 berth push $REG/me/app@$(cat pushed.digest) 2>err &&
	test_grep "cannot push a digest reference" err
'

test_done
