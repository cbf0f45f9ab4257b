#!/bin/sh
# Images as a learner meets them: load the seed image, list, inspect, tag,
# remove, history, save and load back, import, disk usage, and the store
# check that repairs what it can.
. "$(dirname "$0")/../lib.sh"

SEED=$BERTH_BUILD/images/busybox.tar

# jq-free JSON questions: python3 reads stdin, evaluates an expression on `d`.
json() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print(r if isinstance(r,str) else json.dumps(r))' "$1"
}

test_expect_success 'load reads the seed image and says what it loaded' '
	berth load -i "$SEED" >out &&
	test "$(cat out)" = "Loaded image: busybox:latest"
'

test_expect_success 'images lists it with docker'"'"'s columns' '
	berth images >out &&
	head -n1 out | grep -q "^REPOSITORY   TAG       IMAGE ID       CREATED *SIZE$" &&
	grep -Eq "^busybox      latest    [0-9a-f]{12}   .* ago +[0-9.]+MB$" out
'

test_expect_success 'images -q prints short ids, --no-trunc full ones' '
	berth images -q | grep -Eqx "[0-9a-f]{12}" &&
	berth images -q --no-trunc | grep -Eqx "sha256:[0-9a-f]{64}"
'

test_expect_success 'image ls is images' '
	berth images >a && berth image ls >b && test_cmp a b
'

test_expect_success 'inspect shows docker'"'"'s shape' '
	berth image inspect busybox >out &&
	test "$(json "d[0][\"RepoTags\"]" <out)" = "[\"busybox:latest\"]" &&
	test "$(json "d[0][\"Config\"][\"Cmd\"]" <out)" = "[\"sh\"]" &&
	json "d[0][\"Config\"][\"Env\"][0]" <out | grep -q "^PATH=/usr/local/sbin:" &&
	test "$(json "d[0][\"Config\"][\"Entrypoint\"]" <out)" = "null" &&
	test "$(json "d[0][\"RootFS\"][\"Type\"]" <out)" = "layers" &&
	test "$(json "len(d[0][\"RootFS\"][\"Layers\"])" <out)" = "1" &&
	test "$(json "d[0][\"Os\"]" <out)" = "linux" &&
	test "$(json "list(d[0].keys())[:6]" <out)" = "[\"Id\", \"RepoTags\", \"RepoDigests\", \"Parent\", \"Comment\", \"Created\"]" &&
	berth inspect busybox >out2 && test_cmp out out2
'

test_expect_success 'the image id is the digest of its config, in every spelling' '
	id=$(berth images -q --no-trunc busybox) &&
	short=$(echo "$id" | cut -c8-19) &&
	berth image inspect "$id" >a && berth image inspect "$short" >b && test_cmp a b &&
	berth image inspect "$(echo "$id" | cut -c8-)" >c && test_cmp a c &&
	berth image inspect docker.io/library/busybox:latest >d && test_cmp a d
'

test_expect_success 'inspect of a missing image: [] then an error, exit 1' '
	test_status 1 berth image inspect nosuch >out 2>err &&
	test "$(cat out)" = "[]" &&
	test "$(cat err)" = "Error response from daemon: No such image: nosuch:latest"
'

test_expect_success 'image inspect templates see nil fields as docker'"'"'s typed structs do' '
	test "$(berth image inspect -f "{{.Config.Entrypoint}}|{{.Config.Labels}}|{{.Config.ExposedPorts}}|{{.Config.StopSignal}}|{{json .Config.Labels}}|{{.Config.Cmd}}" busybox)" = "[]|map[]|map[]||null|[sh]"
'

test_expect_success 'images {{json .}} marshals the row as docker does (< > & escaped), a field of it as it is' '
	berth images --format "{{json .}}" busybox >out &&
	grep -q "\"Digest\":\"\\\\u003cnone\\\\u003e\"" out &&
	test "$(berth images --format "{{json .Digest}}" busybox)" = "\"<none>\""
'

test_expect_success 'tag adds a name; images shows a row per name' '
	berth tag busybox mybox:v1 &&
	berth tag busybox localhost:5000/team/box &&
	berth images >out &&
	grep -q "^mybox  *v1 " out &&
	grep -q "^localhost:5000/team/box  *latest " out &&
	test "$(berth images -q | sort -u | wc -l)" = 1 &&
	berth image inspect mybox:v1 | json "d[0][\"RepoTags\"]" | grep -q "mybox:v1"
'

test_expect_success 'images filters by reference and by positional name' '
	berth images --filter reference=mybox >out &&
	test "$(wc -l <out)" = 2 && grep -q "^mybox " out &&
	berth images "busy*" >out &&
	test "$(wc -l <out)" = 2 && grep -q "^busybox " out
'

test_expect_success 'images --format: fields, table, json' '
	berth images --format "{{.Repository}}:{{.Tag}} {{.ID}}" busybox >out &&
	test "$(cat out)" = "busybox:latest $(berth images -q busybox)" &&
	berth images --format "table {{.Repository}}\t{{.Size}}" busybox >out &&
	head -n1 out | grep -q "^REPOSITORY   SIZE$" &&
	berth images --format json busybox | json "d[\"Repository\"] + \" \" + d[\"Tag\"]" | grep -qx "busybox latest"
'

test_expect_success 'inspect --format reads the config like docker'"'"'s templates' '
	test "$(berth image inspect --format "{{.Config.Cmd}}" busybox)" = "[sh]" &&
	berth inspect -f "{{json .Config}}" busybox | json "d[\"Cmd\"]" | grep -qx "\[\"sh\"\]" &&
	test "$(berth image inspect -f "{{.Os}}/{{.Architecture}}" busybox)" = "linux/$(berth image inspect busybox | json "d[0][\"Architecture\"]")"
'

test_expect_success 'a broken template is a parsing error, exit 1 as docker images' '
	test_status 1 berth images --format "{{.Repository" 2>err &&
	grep -q "template parsing error" err
'

test_expect_success 'tag refuses an invalid target name' '
	test_status 1 berth tag busybox Bad:name 2>err &&
	grep -q "invalid reference format" err
'

test_expect_success 'tag of a missing image fails like docker' '
	test_status 1 berth tag nosuch x 2>err &&
	grep -q "No such image: nosuch:latest" err
'

test_expect_success 'rmi of one of several names only untags' '
	berth rmi mybox:v1 >out &&
	test "$(cat out)" = "Untagged: mybox:v1" &&
	berth image inspect busybox >/dev/null
'

test_expect_success 'rmi by id refuses an image named in several repositories' '
	test_status 1 berth rmi "$(berth images -q busybox)" 2>err &&
	grep -q "must be forced) - image is referenced in multiple repositories" err &&
	berth rmi localhost:5000/team/box >/dev/null
'

test_expect_success 'history shows the import' '
	berth history busybox >out &&
	head -n1 out | grep -q "^IMAGE          CREATED       CREATED BY   SIZE      COMMENT$" &&
	grep -q "Imported from -$" out &&
	test "$(berth history -q busybox)" = "$(berth images -q busybox)"
'

test_expect_success 'save then load into another root gives the same image' '
	berth save -o saved.tar busybox &&
	id=$(berth images -q --no-trunc busybox) &&
	BERTH_ROOT=$TMP/root2 berth load -i saved.tar >out &&
	test "$(cat out)" = "Loaded image: busybox:latest" &&
	test "$(BERTH_ROOT=$TMP/root2 berth images -q --no-trunc busybox)" = "$id"
'

test_expect_success 'save is byte-for-byte reproducible, and is the seed itself' '
	berth save busybox >again.tar &&
	cmp saved.tar again.tar &&
	cmp saved.tar "$SEED"
'

test_expect_success 'save archives are docker-archive and OCI layout at once' '
	tar tf saved.tar >list &&
	grep -qx manifest.json list && grep -qx index.json list &&
	grep -qx oci-layout list && grep -qx repositories list &&
	tar xOf saved.tar manifest.json | json "d[0][\"RepoTags\"]" | grep -q busybox:latest &&
	tar xOf saved.tar index.json | json "d[\"manifests\"][0][\"annotations\"][\"io.containerd.image.name\"]" |
		grep -qx docker.io/library/busybox:latest
'

test_expect_success 'save of an image whose config blob is gone says to run system check' '
	BERTH_ROOT=$TMP/root-nocfg berth load -i "$SEED" >/dev/null &&
	id=$(BERTH_ROOT=$TMP/root-nocfg berth images -q --no-trunc busybox) &&
	rm "$TMP/root-nocfg/blobs/sha256/${id#sha256:}" &&
	test_status 1 env BERTH_ROOT=$TMP/root-nocfg berth save -o nocfg.tar busybox 2>err &&
	grep -q "the config blob of image $id is missing: run .berth system check." err
'

test_expect_success 'load reads a pipe too, and a second load changes nothing' '
	cat saved.tar | BERTH_ROOT=$TMP/root3 berth load >out &&
	grep -q "Loaded image: busybox:latest" out &&
	BERTH_ROOT=$TMP/root3 berth load -q -i saved.tar >out &&
	test "$(cat out)" = "Loaded image: busybox:latest" &&
	test "$(BERTH_ROOT=$TMP/root3 berth images -q | wc -l)" = 1
'

test_expect_success 'load moves a tag that pointed elsewhere, saying so as docker does' '
	mkdir -p r5/etc && echo x >r5/etc/x && tar -C r5 -cf r5.tar . &&
	BERTH_ROOT=$TMP/root5 berth import r5.tar busybox:latest >other &&
	BERTH_ROOT=$TMP/root5 berth load -i "$SEED" >out &&
	grep -qx "The image busybox:latest already exists, renaming the old one with ID $(cat other) to empty string" out &&
	grep -qx "Loaded image: busybox:latest" out &&
	BERTH_ROOT=$TMP/root5 berth images >out && grep -q "^<none>  *<none>  *$(cut -c8-19 other) " out
'

test_expect_success 'save by id writes an untagged image that loads by id' '
	id=$(berth images -q --no-trunc busybox) &&
	berth save -o byid.tar "$id" &&
	test "$(tar xOf byid.tar manifest.json | json "d[0][\"RepoTags\"]")" = null &&
	BERTH_ROOT=$TMP/root6 berth load -i byid.tar >out &&
	test "$(cat out)" = "Loaded image ID: $id"
'

test_expect_success 'save of an unknown image fails and leaves no file' '
	test_status 1 berth save -o x.tar nosuch 2>err &&
	grep -q "No such image" err && test ! -e x.tar && ! ls x.tar.* 2>/dev/null
'

test_expect_success 'import makes an image from a root filesystem tar' '
	mkdir -p rootfs/etc rootfs/bin && echo hello >rootfs/etc/greeting &&
	tar -C rootfs -cf rootfs.tar . &&
	berth import --change "CMD [\"cat\", \"/etc/greeting\"]" --change "ENV A=1 B=\"two words\"" \
		--change "WORKDIR /srv" --change "EXPOSE 80" -m "hand made" rootfs.tar hand:made >id &&
	grep -Eqx "sha256:[0-9a-f]{64}" id &&
	berth image inspect hand:made >out &&
	test "$(json "d[0][\"Id\"]" <out)" = "$(cat id)" &&
	test "$(json "d[0][\"Config\"][\"Cmd\"]" <out)" = "[\"cat\", \"/etc/greeting\"]" &&
	test "$(json "d[0][\"Config\"][\"Env\"]" <out)" = "[\"A=1\", \"B=two words\"]" &&
	test "$(json "d[0][\"Config\"][\"WorkingDir\"]" <out)" = "/srv" &&
	test "$(json "d[0][\"Config\"][\"ExposedPorts\"]" <out)" = "{\"80/tcp\": {}}" &&
	test "$(json "d[0][\"Comment\"]" <out)" = "hand made"
'

test_expect_success 'import from stdin, compressed, untagged' '
	gzip -c rootfs.tar >rootfs.tar.gz &&
	berth import - <rootfs.tar.gz >id2 &&
	berth images >out && grep -q "^<none>  *<none>  *$(cut -c8-19 id2) " out
'

test_expect_success 'import refuses an unknown --change like docker' '
	test_status 1 berth import --change "RUN true" rootfs.tar 2>err &&
	echo "Error response from daemon: run is not a valid change command" >want && test_cmp want err
'

test_expect_success 'images --filter dangling=true shows only the untagged one' '
	berth images --filter dangling=true -q >out &&
	test "$(cat out)" = "$(cut -c8-19 id2)"
'

test_expect_success 'system df counts images and their size' '
	berth system df >out &&
	head -n1 out | grep -q "^TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE$" &&
	grep -Eq "^Images          3         0         " out
'

test_expect_success 'image prune removes the dangling image only' '
	berth image prune -f >out &&
	grep -q "^Deleted Images:$" out &&
	grep -q "^deleted: $(cat id2)$" out &&
	grep -q "^Total reclaimed space: " out &&
	! berth image inspect "$(cat id2)" >/dev/null 2>&1 &&
	berth image inspect hand:made >/dev/null
'

test_expect_success 'image prune --filter label= and until= choose what goes' '
	berth import --change "LABEL tier=scratch" rootfs.tar >s1 &&
	berth import --change "LABEL tier=keep" rootfs.tar >s2 &&
	berth image prune -f --filter label=tier=scratch >out &&
	grep -q "^deleted: $(cat s1)$" out && ! grep -q "$(cat s2)" out &&
	berth image prune -f --filter until=2000-01-01 >out &&
	test "$(cat out)" = "Total reclaimed space: 0B" &&
	berth image prune -f >out && grep -q "^deleted: $(cat s2)$" out &&
	test_status 1 berth image prune -f --filter color=red 2>err && grep -q "Invalid filter" err
'

test_expect_success 'image prune: a bad filter is a daemon error as docker words it; dangling=false prunes as -a' '
	test_status 1 berth image prune -f --filter color=red 2>err &&
	echo "Error response from daemon: Invalid filter '"'"'color'"'"'" >want && test_cmp want err &&
	test_status 1 berth image prune -f --filter until=soon 2>err &&
	echo "Error response from daemon: failed to parse value as time or duration: \"soon\"" >want && test_cmp want err &&
	test_status 1 berth system prune -f --filter color=red 2>err &&
	echo "Error response from daemon: Invalid filter '"'"'color'"'"'" >want && test_cmp want err &&
	berth import --change "LABEL mine=1" rootfs.tar unused:one >/dev/null &&
	berth image prune -f --filter dangling=true --filter label=mine >out && ! grep -q "unused:one" out &&
	berth image prune -f --filter dangling=false --filter label=mine >out && grep -q "^untagged: unused:one$" out &&
	berth image inspect busybox >/dev/null
'

test_expect_success 'system check finds a clean store clean' '
	berth system check >out &&
	tail -n1 out | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'system check removes leftovers and orphans' '
	mkdir -p "$BERTH_ROOT/layers/tmp-abc123/x" &&
	echo junk >"$BERTH_ROOT/blobs/tmp/deadbeef" &&
	printf orphan >o && h=$(sha256sum o | cut -d" " -f1) && cp o "$BERTH_ROOT/blobs/sha256/$h" &&
	mkdir -p "$BERTH_ROOT/layers/$(printf %064d 0)" &&
	berth system check >out &&
	grep -q "repaired: removed .*tmp-abc123" out &&
	grep -q "repaired: removed orphan blob sha256:$h" out &&
	grep -q "repaired: removed orphan layer directory" out &&
	test ! -e "$BERTH_ROOT/blobs/sha256/$h" &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'an uncompressed layer is kept once: its directory plus a small split' '
	layer=$(berth image inspect busybox | json "d[0][\"RootFS\"][\"Layers\"][0]" | cut -c8-) &&
	test ! -e "$BERTH_ROOT/blobs/sha256/$layer" &&
	test -s "$BERTH_ROOT/splits/$layer" &&
	test "$(stat -c %s "$BERTH_ROOT/splits/$layer")" -lt 20000
'

test_expect_success 'system check unpacks a lost layer again from its (compressed) blob' '
	berth import rootfs.tar.gz gz:img >/dev/null &&
	layer=$(berth image inspect gz:img | json "d[0][\"GraphDriver\"][\"Data\"][\"UpperDir\"]") &&
	rm -rf "$layer" &&
	berth system check >out &&
	grep -q "repaired: layer sha256:.*unpacked again" out &&
	test "$(cat "$layer/etc/greeting")" = hello
'

test_expect_success 'system check reports a corrupt blob an image needs, exit 1' '
	blob=$BERTH_ROOT/blobs/sha256/$(sha256sum rootfs.tar.gz | cut -d" " -f1) &&
	cp "$blob" blob.bak && echo x >>"$blob" &&
	test_status 1 berth system check >out &&
	grep -q "^problem: blob sha256:.* is corrupt" out &&
	cp blob.bak "$blob" && berth system check >/dev/null
'

test_expect_success 'system check reports a changed layer directory, exit 1' '
	dir=$(berth image inspect busybox | json "d[0][\"GraphDriver\"][\"Data\"][\"UpperDir\"]") &&
	cp "$dir/etc/passwd" passwd.bak &&
	echo "intruder:x:0:0::/:/bin/sh" >>"$dir/etc/passwd" &&
	test_status 1 berth system check >out &&
	grep -q "^problem: .*its layer directory was changed" out &&
	cp passwd.bak "$dir/etc/passwd" && touch -d @1704067200 "$dir/etc/passwd" &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'a lost directory of an uncompressed layer is reported, not invented' '
	BERTH_ROOT=$TMP/root4 berth load -i "$SEED" >/dev/null &&
	dir=$(BERTH_ROOT=$TMP/root4 berth image inspect busybox | json "d[0][\"GraphDriver\"][\"Data\"][\"UpperDir\"]") &&
	rm -rf "$dir" &&
	BERTH_ROOT=$TMP/root4 test_status 1 berth system check >out &&
	grep -q "^problem: layer sha256:.*load it again" out
'

test_expect_success 'rmi of the last name deletes the image, its layer and blobs' '
	berth rmi hand:made gz:img >out &&
	grep -q "^Untagged: hand:made$" out &&
	grep -q "^Deleted: $(cat id)$" out &&
	berth rmi busybox >out &&
	grep -q "^Untagged: busybox:latest$" out &&
	test "$(grep -c "^Deleted: sha256:" out)" = 2 &&
	test -z "$(berth images -q)" &&
	test -z "$(ls "$BERTH_ROOT/blobs/sha256")" &&
	test -z "$(ls "$BERTH_ROOT/splits")" &&
	test -z "$(ls "$BERTH_ROOT/layers" | grep -v "^l$")" &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'rmi of a missing image: docker'"'"'s message, exit 1' '
	test_status 1 berth rmi nosuch 2>err &&
	test "$(cat err)" = "Error response from daemon: No such image: nosuch:latest"
'

test_expect_success 'tag, history, save and rmi name a missing image or a conflict as the daemon does' '
	echo "Error response from daemon: No such image: nosuch:latest" >want &&
	test_status 1 berth tag nosuch x 2>err && test_cmp want err &&
	test_status 1 berth history nosuch 2>err && test_cmp want err &&
	test_status 1 berth save -o nosuch.tar nosuch 2>err && test_cmp want err &&
	test_status 1 berth rmi nosuch nosuch 2>err && cat want want >want2 && test_cmp want2 err &&
	test_status 1 berth tag busybox Bad:tag 2>err &&
	echo "Error parsing reference: \"Bad:tag\" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase" >want &&
	test_cmp want err &&
	berth load -i "$BERTH_BUILD/images/busybox.tar" >/dev/null &&
	id=$(berth create busybox true) &&
	test_status 1 berth rmi busybox 2>err &&
	echo "Error response from daemon: conflict: unable to remove repository reference \"busybox\" (must force) - container $(echo $id | cut -c1-12) is using its referenced image $(berth image inspect -f "{{.Id}}" busybox | cut -c8-19)" >want &&
	test_cmp want err &&
	berth rm $id >/dev/null
'

test_expect_success 'history -H=false heads its date column CREATED AT; images filters as the daemon refuses them' '
	berth history -H=false busybox >out &&
	head -n1 out | grep -x "IMAGE          CREATED AT             CREATED BY   SIZE      COMMENT" &&
	grep -E "^[0-9a-f]{12}   [0-9]{4}-[0-9]{2}-[0-9]{2}T" out &&
	test_status 1 berth images --filter foo=bar 2>err &&
	echo "Error response from daemon: Invalid filter '"'"'foo'"'"'" >want && test_cmp want err &&
	test_status 1 berth images --filter dangling=maybe 2>err &&
	echo "Error response from daemon: Invalid filter '"'"'dangling=[maybe]'"'"'" >want && test_cmp want err
'

test_expect_success 'an unknown flag is a usage error, exit 125' '
	test_status 125 berth images --bogus 2>err &&
	grep -q "unknown flag: --bogus" err
'

test_expect_success 'rmi of an id tagged in two repositories: refused without -f, all gone with -f' '
	berth load -i "$SEED" >/dev/null &&
	berth tag busybox twice/a:1 &&
	berth tag busybox twice/b:2 &&
	id=$(berth images -q twice/a) &&
	test_status 1 berth rmi "$id" 2>err &&
	grep "conflict: unable to delete $id (must be forced) - image is referenced in multiple repositories" err &&
	berth images twice/b | grep -q twice/b &&
	berth rmi -f $(berth images -q) >out 2>err &&
	grep -x "Untagged: twice/a:1" out &&
	grep -x "Untagged: twice/b:2" out &&
	grep "No such image" err &&
	test -z "$(berth images -q)" &&
	test_status 1 berth rmi nosuch 2>err &&
	berth rmi -f nosuch 2>err &&
	test "$(cat err)" = "Error response from daemon: No such image: nosuch:latest"
'

test_done
