#!/bin/sh
# An uncompressed layer is kept as its directory plus a split of the rest
# of the tar; save (and push) rebuild the exact bytes from them.  A layer
# of many files of every size, crossing many read blocks, must come back
# byte for byte (a padding run that straddled a block once came back as
# garbage).
. "$(dirname "$0")/../lib.sh"

make_image() {
	python3 - "$1" <<'PY'
import hashlib, io, json, random, sys, tarfile
rnd = random.Random(7)
bio = io.BytesIO()
t = tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT)
def add(name, kind=tarfile.REGTYPE, data=b"", link=""):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.mtime = 1704067200
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644; ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
for d in range(30):
    add("d%02d" % d, tarfile.DIRTYPE)
    for f in range(40):
        size = rnd.choice([0, 1, 100, 511, 513, 4095, 9000, 70000, 350103])
        name = "d%02d/f%03d" % (d, f)
        add(name, data=rnd.randbytes(size))
        if f % 9 == 0:
            add(name + ".hard", tarfile.LNKTYPE, link=name)
        if f % 13 == 0:
            add(name + ".sym", tarfile.SYMTYPE, link="f%03d" % f)
t.close()
layer = bio.getvalue(); lid = hashlib.sha256(layer).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + lid]}}).encode()
cid = hashlib.sha256(cfg).hexdigest()
out = tarfile.open(sys.argv[1], "w")
for name, data in [(lid + "/layer.tar", layer), (cid + ".json", cfg),
                   ("manifest.json", json.dumps([{"Config": cid + ".json", "RepoTags": ["split/test:1"],
                                                  "Layers": [lid + "/layer.tar"]}]).encode())]:
    ti = tarfile.TarInfo(name); ti.size = len(data); out.addfile(ti, io.BytesIO(data))
out.close()
print("sha256:" + lid)
PY
}

test_expect_success 'a layer of 1,200 files with hardlinks survives load then save byte for byte' '
	diff_id=$(make_image img.tar) &&
	berth load -i img.tar &&
	berth save -o out.tar split/test:1 &&
	mkdir out && tar -xf out.tar -C out &&
	hex=${diff_id#sha256:} &&
	test "sha256:$(sha256sum out/blobs/sha256/$hex | cut -d" " -f1)" = "$diff_id"
'

test_expect_success 'system check finds nothing wrong afterwards' '
	berth system check >check.log 2>&1 || { cat check.log; exit 1; }
'

test_done
