#!/bin/sh
# Volumes and bind mounts as a learner uses them: data that outlives its
# containers, a new volume filled from the image, read-only mounts that
# really are, anonymous volumes and rm -v, docker's volume commands and
# messages, tmpfs, and no mount that escapes the container's root.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/net-lib.sh"

test_expect_success 'volume create with no name makes a 64-hex one; ls and inspect show it' '
	name=$(berth volume create) &&
	echo "$name" | grep -qx "[0-9a-f]\{64\}" &&
	berth volume ls >out &&
	head -1 out | grep -qx "DRIVER    VOLUME NAME" &&
	grep -qx "local     $name" out &&
	berth volume inspect "$name" >out &&
	grep -q "\"Mountpoint\": \"$BERTH_ROOT/volumes/$name/_data\"" out &&
	grep -q "\"Driver\": \"local\"" out && grep -q "\"Scope\": \"local\"" out &&
	test -d "$BERTH_ROOT/volumes/$name/_data" &&
	berth volume rm "$name" >out && test "$(cat out)" = "$name" &&
	test ! -e "$BERTH_ROOT/volumes/$name"
'

test_expect_success 'volume create NAME with labels; creating it again is no error' '
	test "$(berth volume create --label tier=db --label keep data1)" = data1 &&
	test "$(berth volume create data1)" = data1 &&
	berth volume inspect -f "{{.Labels.tier}}" data1 >out && test "$(cat out)" = db &&
	berth volume ls -q >out && test "$(cat out)" = data1
'

test_expect_success 'volume ls filters: name, label, dangling' '
	berth volume create other2 >/dev/null &&
	test "$(berth volume ls -q --filter name=data)" = data1 &&
	test "$(berth volume ls -q --filter label=tier=db)" = data1 &&
	test "$(berth volume ls -q --filter label=keep)" = data1 &&
	test "$(berth volume ls -q --filter dangling=true | wc -l)" = 2 &&
	test_status 1 berth volume ls --filter bogus=1 2>err &&
	grep -qx "Error: Invalid filter '"'"'bogus'"'"'" err
'

test_expect_success 'a counter in a named volume survives three containers' '
	for i in 1 2 3; do
		berth run --rm -v counter:/data busybox sh -c "n=\$(cat /data/n 2>/dev/null || echo 0); echo \$((n + 1)) >/data/n" || return 1
	done &&
	test "$(berth run --rm -v counter:/data busybox cat /data/n)" = 3 &&
	test "$(cat "$BERTH_ROOT/volumes/counter/_data/n")" = 3 &&
	berth volume ls -q | grep -qx counter
'

test_expect_success 'a new named volume is filled from the image; a used one is not overwritten' '
	berth run --rm -v etcvol:/etc busybox cat /etc/passwd >out &&
	grep -q "^root:" out &&
	test -f "$BERTH_ROOT/volumes/etcvol/_data/passwd" &&
	berth run --rm -v etcvol:/etc busybox sh -c "echo mine >/etc/passwd" &&
	test "$(berth run --rm -v etcvol:/etc busybox cat /etc/passwd)" = mine &&
	berth run --rm --mount type=volume,source=nocp,target=/etc,volume-nocopy busybox ls /etc >out &&
	! grep -q passwd out
'

test_expect_success ':ro refuses writes, for volumes and binds; inspect says RW false' '
	test_status 1 berth run --rm -v counter:/data:ro busybox sh -c "echo x >/data/n" 2>err &&
	grep -q "Read-only file system" err &&
	test "$(cat "$BERTH_ROOT/volumes/counter/_data/n")" = 3 &&
	mkdir hostdir && echo host >hostdir/f &&
	test_status 1 berth run --rm -v "$TMP/hostdir:/h:ro" busybox sh -c "echo x >/h/f" 2>err &&
	grep -q "Read-only file system" err &&
	test "$(cat hostdir/f)" = host &&
	test_status 1 berth run --rm --mount "type=bind,src=$TMP/hostdir,dst=/h,readonly" busybox touch /h/new &&
	test ! -e hostdir/new &&
	berth create --name roc -v "$TMP/hostdir:/h:ro" busybox true >/dev/null &&
	berth inspect -f "{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}}{{end}}" roc >out &&
	test "$(cat out)" = "bind $TMP/hostdir /h false" &&
	berth rm roc >/dev/null
'

test_expect_success 'a read-only bind is read-only below its submounts too' '
	mkdir -p outer/inner && mount -t tmpfs tmpfs outer/inner &&
	test_status 1 berth run --rm -v "$TMP/outer:/o:ro" busybox touch /o/inner/x;
	rc=$?; umount outer/inner; test $rc = 0
'

test_expect_success 'a bind mount shows and keeps host files; -v creates a missing host directory' '
	berth run --rm -v "$TMP/hostdir:/h" busybox sh -c "cat /h/f; echo from-container >/h/g" >out &&
	test "$(cat out)" = host && test "$(cat hostdir/g)" = from-container &&
	berth run --rm -v "$TMP/made/by/v:/m" busybox true &&
	test -d made/by/v
'

test_expect_success '--mount type=bind refuses a missing source: docker'"'"'s message, exit 125, nothing created' '
	n=$(berth ps -aq | wc -l) &&
	test_status 125 berth run --rm --mount "type=bind,source=$TMP/nope,target=/x" busybox true 2>err &&
	grep -q "invalid mount config for type \"bind\": bind source path does not exist: $TMP/nope" err &&
	test ! -e nope && test "$(berth ps -aq | wc -l)" = "$n"
'

test_expect_success 'a file can be bind-mounted' '
	echo "one file" >single &&
	test "$(berth run --rm -v "$TMP/single:/etc/motd:ro" busybox cat /etc/motd)" = "one file"
'

test_expect_success 'anonymous volumes: -v /path and the image'"'"'s VOLUME; rm keeps them, rm -v removes them' '
	berth create --name tmpc busybox true >/dev/null && berth export tmpc >fs.tar && berth rm tmpc >/dev/null &&
	berth import -c "VOLUME /cache" fs.tar withvol:1 >/dev/null &&
	before=$(berth volume ls -q | wc -l) &&
	berth run --name anon1 -v /scratch withvol:1 sh -c "echo a >/scratch/a; echo c >/cache/c" &&
	test "$(berth volume ls -q | wc -l)" = $((before + 2)) &&
	berth inspect -f "{{range .Mounts}}{{.Destination}}={{.Type}} {{end}}" anon1 >out &&
	grep -q "/cache=volume" out && grep -q "/scratch=volume" out &&
	berth rm anon1 >/dev/null &&
	test "$(berth volume ls -q | wc -l)" = $((before + 2)) &&
	berth run --name anon2 -v /scratch withvol:1 true &&
	test "$(berth volume ls -q | wc -l)" = $((before + 4)) &&
	berth rm -v anon2 >/dev/null &&
	test "$(berth volume ls -q | wc -l)" = $((before + 2)) &&
	berth run --rm -v /scratch withvol:1 true &&
	test "$(berth volume ls -q | wc -l)" = $((before + 2)) &&
	berth volume ls -q --filter label=com.docker.volume.anonymous | wc -l >n && test "$(cat n)" = 2
'

test_expect_success 'a volume in use cannot be removed: docker'"'"'s message with the container'"'"'s id' '
	id=$(berth create -v data1:/d busybox true) &&
	test_status 1 berth volume rm data1 2>err &&
	test "$(cat err)" = "Error: remove data1: volume is in use - [$id]" &&
	test_status 1 berth volume rm -f data1 2>err &&
	berth rm "$id" >/dev/null &&
	berth volume rm data1 >/dev/null &&
	test_status 1 berth volume rm data1 2>err &&
	grep -qx "Error: get data1: no such volume" err &&
	test "$(berth volume rm -f data1)" = data1
'

test_expect_success 'volume create and inspect refuse what docker refuses' '
	test_status 1 berth volume create "bad*name" 2>err &&
	grep -q "^Error: create bad\*name: \"bad\*name\" includes invalid characters for a local volume name" err &&
	test_status 1 berth volume create -d nfs x1 2>err &&
	grep -qx "Error: create x1: error looking up volume plugin nfs: plugin \"nfs\" not found" err &&
	test_status 1 berth volume create -o bogus=1 x1 2>err &&
	grep -q "invalid option key" err &&
	test_status 1 berth volume inspect nosuch 2>err &&
	grep -qx "Error: get nosuch: no such volume" err &&
	! berth volume ls -q | grep -qx x1
'

test_expect_success 'malformed -v and --mount: docker'"'"'s messages, exit 125, nothing created' '
	n=$(berth ps -aq | wc -l) && v=$(berth volume ls -q | wc -l) &&
	test_status 125 berth run --rm -v "" busybox true 2>err && grep -q "invalid empty volume spec" err &&
	test_status 125 berth run --rm -v /a:/b:/c:/d busybox true 2>err && grep -q "too many colons" err &&
	test_status 125 berth run --rm -v /a:/b:rx busybox true 2>err && grep -q "invalid mode: rx" err &&
	test_status 125 berth run --rm -v vol:relative busybox true 2>err && grep -q "mount path must be absolute" err &&
	test_status 125 berth run --rm -v "bad*name:/x" busybox true 2>err && grep -q "includes invalid characters" err &&
	test_status 125 berth run --rm -v v1:/x -v v2:/x busybox true 2>err && grep -q "Duplicate mount point: /x" err &&
	test_status 125 berth run --rm --mount type=volume busybox true 2>err && grep -q "target is required" err &&
	test_status 125 berth run --rm --mount target=/x,bogus=1 busybox true 2>err && grep -q "unexpected key" err &&
	test_status 125 berth run --rm --mount type=bind,target=/x busybox true 2>err &&
	grep -q "field Source must not be empty" err &&
	test_status 125 berth run --rm --tmpfs rel busybox true 2>err && grep -q "must be absolute" err &&
	test "$(berth ps -aq | wc -l)" = "$n" && test "$(berth volume ls -q | wc -l)" = "$v"
'

test_expect_success '--mount type=volume with a missing volume creates it (as docker)' '
	berth run --rm --mount type=volume,source=made-by-mount,target=/m busybox touch /m/x &&
	test -f "$BERTH_ROOT/volumes/made-by-mount/_data/x"
'

test_expect_success '--tmpfs and --mount type=tmpfs are tmpfs, noexec, and gone with the container' '
	berth run --rm --tmpfs /scratch:size=1m busybox grep " /scratch " /proc/mounts >out &&
	grep -q "^tmpfs /scratch tmpfs rw,nosuid,nodev,noexec" out && grep -q "size=1024k" out &&
	berth run --rm --mount type=tmpfs,target=/t,tmpfs-size=2m busybox grep " /t " /proc/mounts >out &&
	grep -q "size=2048k" out
'

test_expect_success 'a local volume with -o type=tmpfs is mounted as such' '
	berth volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tv >/dev/null &&
	berth volume inspect -f "{{.Options.type}} {{.Options.o}}" tv >out && test "$(cat out)" = "tmpfs size=1m" &&
	berth run --rm -v tv:/tv busybox grep " /tv " /proc/mounts >out &&
	grep -q "^tmpfs /tv tmpfs .*size=1024k" out
'

test_expect_success 'a local volume with -o type=none -o o=bind binds a host directory' '
	mkdir bindsrc && echo via-volume >bindsrc/file &&
	berth volume create -o type=none -o o=bind -o device="$TMP/bindsrc" bv >/dev/null &&
	test "$(berth run --rm -v bv:/b busybox cat /b/file)" = via-volume &&
	berth run --rm -v bv:/b busybox sh -c "echo back >/b/new" &&
	test "$(cat bindsrc/new)" = back &&
	test_status 1 berth volume create -o type=tmpfs x2 2>err &&
	grep -q "missing required option" err
'

test_expect_success 'a symlink in the image never takes a mount outside the container'"'"'s root' '
	mkdir -p evil && tar -C evil -xf fs.tar &&
	rm -rf evil/data && ln -s "$TMP/victim" evil/data &&
	mkdir -p evil/etc2 && ln -s ../../../../../../../../../.. evil/etc2/up &&
	tar -C evil -cf evil.tar . && berth import evil.tar evil:1 >/dev/null &&
	mkdir victim && echo untouched >victim/keep &&
	berth run --rm -v "$TMP/hostdir:/data" evil:1 ls /data >out &&
	grep -qx f out &&
	test "$(ls victim)" = keep &&
	! grep -q " $TMP/victim " /proc/self/mountinfo &&
	berth run --rm -v "$TMP/hostdir:/etc2/up/escape" evil:1 ls /escape >out &&
	grep -qx f out && test ! -e /escape
'

test_expect_success 'volume prune removes unused anonymous volumes, -a every unused one' '
	berth run -d --name keeper -v counter:/data busybox sleep 60 >/dev/null &&
	berth volume prune -f >out &&
	grep -qx "Deleted Volumes:" out && grep -q "^Total reclaimed space: " out &&
	! berth volume ls -q --filter label=com.docker.volume.anonymous | grep -q . &&
	berth volume ls -q | grep -qx etcvol &&
	berth volume prune -af >out &&
	grep -qx etcvol out && ! grep -qx counter out &&
	test "$(berth volume ls -q)" = counter &&
	berth rm -f keeper >/dev/null
'

test_expect_success 'no mount of the root is left on the host once its containers are gone' '
	berth ps -aq | xargs -r berth rm -f >/dev/null &&
	! grep -q " $BERTH_ROOT/" /proc/self/mountinfo
'

test_done
