#!/bin/sh
# berth's archives against real tools: skopeo reads what berth saves and
# writes what berth loads; umoci unpacks berth's OCI layout; a three-layer
# image with deleted files and opaque directories shows the right tree.
. "$(dirname "$0")/../lib.sh"

SEED=$BERTH_BUILD/images/busybox.tar

json() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print(r if isinstance(r,str) else json.dumps(r))' "$1"
}

have() { command -v "$1" >/dev/null 2>&1; }

if have skopeo; then
test_expect_success 'skopeo copies the seed image into an OCI layout that berth loads' '
	mkdir oci && skopeo copy -q docker-archive:"$SEED" oci:oci/busybox:latest &&
	tar -C oci/busybox -cf busybox-oci.tar . &&
	berth load -i busybox-oci.tar >out &&
	grep -q "^Loaded image" out &&
	berth system check | tail -n1 | grep -q ": 0 repaired, 0 problems$"
'

test_expect_success 'the image keeps its manifest and gzip layer as they came' '
	id=$(berth images -q --no-trunc | head -n1) &&
	test "$(berth image inspect "$id" | json "d[0][\"RootFS\"][\"Layers\"]")" = \
		"$(tar xOf "$SEED" manifest.json | json "[\"sha256:\" + l[13:] for l in d[0][\"Layers\"]]")" &&
	berth save -o resaved.tar "$id" &&
	test "$(tar xOf resaved.tar index.json | json "d[\"manifests\"][0][\"digest\"]")" = \
		"$(json "d[\"manifests\"][0][\"digest\"]" <oci/busybox/index.json)" &&
	tar tf resaved.tar | grep -q "^blobs/sha256/$(json "d[\"manifests\"][0][\"digest\"]" <oci/busybox/index.json | cut -c8-)$"
'

test_expect_success 'a zstd OCI layout with a full name loads under that name' '
	mkdir zoci && skopeo copy -q --dest-compress-format zstd docker-archive:"$SEED" \
		oci:zoci:docker.io/library/busybox:zst &&
	tar -C zoci -cf - . | berth load >out &&
	test "$(cat out)" = "Loaded image: busybox:zst"
'

test_expect_success 'skopeo inspects what berth save writes, as docker-archive and as OCI' '
	berth load -i "$SEED" >/dev/null &&
	berth save -o saved.tar busybox:latest &&
	skopeo inspect docker-archive:saved.tar >out &&
	test "$(json "d[\"Layers\"]" <out)" = "$(berth image inspect busybox | json "d[0][\"RootFS\"][\"Layers\"]")" &&
	test "$(json "d[\"Env\"][0]" <out | cut -c1-5)" = "PATH=" &&
	skopeo inspect oci-archive:saved.tar >out2 &&
	test "$(json "d[\"Layers\"]" <out2)" = "$(json "d[\"Layers\"]" <out)"
'
else
	test_skip 'skopeo interop' 'skopeo is not installed'
fi

# A three-layer image, built by hand as Docker 20.10 would save it:
#   1: etc/a etc/b keep/x opq/old1 opq/old2 sub/deep/file
#   2: deletes etc/a and sub/deep, makes opq opaque (adds opq/new), adds newfile
#   3: adds etc/a back, deletes keep/x, adds a symlink and a hard link pair
make_three() {
	python3 - "$1" <<'PY'
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            if kind == "dir":
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
            elif kind == "file":
                data = e[2].encode(); ti.size = len(data); ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE; ti.linkname = e[2]; t.addfile(ti)
            elif kind == "hard":
                ti.type = tarfile.LNKTYPE; ti.linkname = e[2]; t.addfile(ti)
    return buf.getvalue()
layers = [
    layer([("etc", "dir"), ("etc/a", "file", "a1"), ("etc/b", "file", "b1"), ("keep", "dir"),
           ("keep/x", "file", "x"), ("opq", "dir"), ("opq/old1", "file", "o"), ("opq/old2", "file", "o"),
           ("sub", "dir"), ("sub/deep", "dir"), ("sub/deep/file", "file", "f")]),
    layer([("etc/.wh.a", "file", ""), ("opq", "dir"), ("opq/.wh..wh..opq", "file", ""),
           ("opq/new", "file", "n"), ("sub/.wh.deep", "file", ""), ("newfile", "file", "nf")]),
    layer([("etc/a", "file", "a3"), ("keep/.wh.x", "file", ""), ("link", "sym", "etc/b"),
           ("hardsrc", "file", "hs"), ("hard", "hard", "hardsrc")]),
]
diffs = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
    "config": {"Cmd": ["sh"]}, "rootfs": {"type": "layers", "diff_ids": diffs},
    "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "layer %d" % i} for i in range(3)]},
    separators=(",", ":")).encode()
cid = hashlib.sha256(config).hexdigest()
with tarfile.open(out, "w") as t:
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000
        t.addfile(ti, io.BytesIO(data))
    names = []
    for i, l in enumerate(layers):
        d = hashlib.sha256(l).hexdigest()
        add(d + "/layer.tar", l); add(d + "/VERSION", b"1.0"); names.append(d + "/layer.tar")
    add(cid + ".json", config)
    add("manifest.json", json.dumps([{"Config": cid + ".json", "RepoTags": ["three:layers"], "Layers": names}]).encode())
PY
}

# The tree the three layers must show, one line per path.
expected_tree() {
	cat <<'TREE'
etc/a=a3
etc/b=b1
hard=hs
hardsrc=hs
keep/
link->etc/b
newfile=nf
opq/new=n
sub/
TREE
}

show_tree() {
	(cd "$1" && find . -mindepth 1 | sed 's|^\./||' | sort | while read -r p; do
		if [ -L "$p" ]; then echo "$p->$(readlink "$p")"
		elif [ -d "$p" ]; then [ -z "$(ls -A "$p")" ] && echo "$p/"
		elif [ -c "$p" ]; then echo "$p (whiteout)"
		else echo "$p=$(cat "$p")"; fi
	done)
}

test_expect_success 'a Docker 20.10-style archive with three layers loads' '
	make_three three.tar &&
	berth load -i three.tar >out &&
	test "$(cat out)" = "Loaded image: three:layers" &&
	berth history three:layers >out && test "$(grep -c "layer [0-9]" out)" = 3
'

if [ "$(id -u)" = 0 ] && grep -q overlay /proc/filesystems; then
test_expect_success 'mounted as overlayfs, the layers show the right tree' '
	upper=$(berth image inspect three:layers | json "d[0][\"GraphDriver\"][\"Data\"][\"UpperDir\"]") &&
	lower=$(berth image inspect three:layers | json "d[0][\"GraphDriver\"][\"Data\"][\"LowerDir\"]") &&
	mkdir mnt &&
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=$upper:$lower mnt &&
		(cd mnt && find . -mindepth 1 | sed s,^./,, | sort) >paths &&
		cat mnt/etc/a >a.txt && readlink mnt/link >link.txt && cat mnt/hard >hard.txt" &&
	printf "%s\n" etc etc/a etc/b hard hardsrc keep link newfile opq opq/new sub >want &&
	test_cmp want paths &&
	test "$(cat a.txt)" = a3 && test "$(cat link.txt)" = etc/b && test "$(cat hard.txt)" = hs
'
else
	test_skip 'overlay mount of the three layers' 'needs root and overlayfs'
fi

if have umoci && [ "$(id -u)" = 0 ]; then
test_expect_success 'umoci unpacks berth'"'"'s OCI layout of it to the same tree' '
	berth save -o three-saved.tar three:layers &&
	mkdir layout && tar -C layout -xf three-saved.tar &&
	umoci unpack --image layout:layers bundle >/dev/null &&
	show_tree bundle/rootfs >got &&
	expected_tree >want &&
	test_cmp want got
'
else
	test_skip 'umoci unpack' 'needs umoci and root'
fi

if have skopeo; then
test_expect_success 'three layers survive save, skopeo to OCI, and load into a fresh root' '
	mkdir oci3 && skopeo copy -q docker-archive:three-saved.tar oci:oci3:docker.io/library/three:copied &&
	tar -C oci3 -cf three-oci.tar . &&
	BERTH_ROOT=$TMP/root2 berth load -i three-oci.tar >out &&
	test "$(cat out)" = "Loaded image: three:copied" &&
	test "$(BERTH_ROOT=$TMP/root2 berth image inspect three:copied | json "d[0][\"RootFS\"][\"Layers\"]")" = \
		"$(berth image inspect three:layers | json "d[0][\"RootFS\"][\"Layers\"]")"
'
else
	test_skip 'skopeo round trip of three layers' 'skopeo is not installed'
fi

test_done
