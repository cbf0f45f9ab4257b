#!/bin/sh
# load of a many-layer archive: the layers of an uncompressed archive are
# read straight from the file and unpacked in parallel; a compressed one
# streams through libarchive.  Both must give the same store, and a bad
# layer anywhere must still leave nothing behind.
. "$(dirname "$0")/../lib.sh"

# A small deterministic 5-layer image, the bench's generator at 3 MB.
python3 "$TOP/bench/gen-image.py" five.tar 3 5 >/dev/null || exit 1

nothing_left() {
	test -z "$(berth images -q)" &&
	test -z "$(ls "$BERTH_ROOT/blobs/sha256" 2>/dev/null)" &&
	test -z "$(ls "$BERTH_ROOT/blobs/tmp" 2>/dev/null)" &&
	test -z "$(ls "$BERTH_ROOT/splits" 2>/dev/null)" &&
	test -z "$(ls "$BERTH_ROOT/layers" 2>/dev/null | grep -v "^l$")" &&
	berth system check >check.out &&
	tail -n1 check.out | grep -q ": 0 repaired, 0 problems$"
}

# Copy five.tar to $2 with python snippet $1 applied to `files` (name -> bytes).
rewrite() {
	python3 - five.tar "$2" "$1" <<'PY'
import io, json, sys, tarfile
src, dst, code = sys.argv[1], sys.argv[2], sys.argv[3]
files = {}
with tarfile.open(src) as t:
    for m in t.getmembers():
        if m.isfile():
            files[m.name] = t.extractfile(m).read()
layers = json.loads(files["manifest.json"])[0]["Layers"]
exec(code)
with tarfile.open(dst, "w") as t:
    for name, data in files.items():
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
PY
}

test_expect_success 'a 5-layer archive loads, checks clean, and saves back byte for byte' '
	berth load -i five.tar >out &&
	test "$(cat out)" = "Loaded image: bench:latest" &&
	test "$(berth image inspect -f "{{len .RootFS.Layers}}" bench)" = 5 &&
	berth system check >check.out &&
	tail -n1 check.out | grep -q "5 layers, 1 images: 0 repaired, 0 problems$" &&
	berth save -o back.tar bench &&
	mkdir a b && tar -C a -xf five.tar && tar -C b -xf back.tar &&
	for f in a/blobs/sha256/*; do cmp "$f" "b/blobs/sha256/${f##*/}" || return 1; done
'

test_expect_success 'every layer directory holds its layer tree' '
	for i in 0 1 2 3 4; do
		n=$(tar -tf five.tar.layers/layer$i.tar | grep -c "/f[0-9]*$") &&
		m=$(find "$BERTH_ROOT"/layers/*/layer$i -type f | wc -l) &&
		test "$n" -gt 0 && test "$n" = "$m" || return 1
	done
'

test_expect_success 'the same archive compressed, or through a pipe, loads to the same image' '
	id=$(berth image inspect -f "{{.Id}}" bench) &&
	berth rmi bench >/dev/null && test -z "$(berth images -q)" &&
	gzip -c five.tar | berth load >out &&
	test "$(cat out)" = "Loaded image: bench:latest" &&
	test "$(berth image inspect -f "{{.Id}}" bench)" = "$id" &&
	berth rmi bench >/dev/null && berth image prune -f >/dev/null &&
	cat five.tar | berth load >out &&
	test "$(cat out)" = "Loaded image: bench:latest" &&
	test "$(berth image inspect -f "{{.Id}}" bench)" = "$id" &&
	berth system check >check.out &&
	tail -n1 check.out | grep -q ": 0 repaired, 0 problems$" &&
	berth rmi bench >/dev/null && berth image prune -f >/dev/null
'

test_expect_success 'one corrupted middle layer fails the load and leaves nothing' '
	rewrite "b = bytearray(files[layers[2]]); b[5000] ^= 1; files[layers[2]] = bytes(b)" bad.tar &&
	test_status 1 berth load -i bad.tar 2>err &&
	test "$(wc -l <err)" = 1 && grep -q "digest mismatch" err &&
	nothing_left
'

test_expect_success 'so does the first or the last layer, compressed or not' '
	rewrite "b = bytearray(files[layers[0]]); b[700] ^= 1; files[layers[0]] = bytes(b)" bad0.tar &&
	rewrite "b = bytearray(files[layers[4]]); b[-2000] ^= 1; files[layers[4]] = bytes(b)" bad4.tar &&
	test_status 1 berth load -i bad0.tar 2>err && test "$(wc -l <err)" = 1 && nothing_left &&
	test_status 1 berth load -i bad4.tar 2>err && grep -q "digest mismatch" err && nothing_left &&
	gzip -c bad4.tar >bad4.tar.gz &&
	test_status 1 berth load -i bad4.tar.gz 2>err && grep -q "digest mismatch" err && nothing_left
'

# Layers unpack in parallel: one failing stops the others, and the error
# shown must be its own, not "cancelled" from a layer it stopped.
test_expect_success 'the error of a failed layer is its own, not that of a layer it cancelled' '
	python3 "$TOP/bench/gen-image.py" big.tar 20 5 >/dev/null &&
	cp big.tar five.tar &&
	rewrite "b = bytearray(files[layers[1]]); b[700] ^= 1; files[layers[1]] = bytes(b)" bad1.tar &&
	test_status 1 berth load -i bad1.tar 2>err &&
	test "$(wc -l <err)" = 1 && ! grep -q cancelled err &&
	nothing_left
'

# Docker 20.10's layout names layer files by v1 id, so two of them can
# hold the same bytes (say, the same small change made twice).  Both are
# unpacked, possibly at once; both keep a split of the same digest.
test_expect_success 'two layer files with the same bytes (Docker 20.10 layout) load and check clean' '
	python3 - <<-\PY &&
	import hashlib, io, json, tarfile
	def sha(b): return "sha256:" + hashlib.sha256(b).hexdigest()
	def layer(name, data):
	    bio = io.BytesIO()
	    with tarfile.open(fileobj=bio, mode="w") as t:
	        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
	    return bio.getvalue()
	one, same = layer("a.txt", b"a" * 5000), layer("same.txt", b"s" * 70000)
	layers = [("L1/layer.tar", one), ("L2/layer.tar", same), ("L3/layer.tar", same)]
	cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
	                  "rootfs": {"type": "layers", "diff_ids": [sha(d) for _, d in layers]}}).encode()
	cname = hashlib.sha256(cfg).hexdigest() + ".json"
	man = json.dumps([{"Config": cname, "RepoTags": ["dup:latest"], "Layers": [p for p, _ in layers]}]).encode()
	with tarfile.open("dup.tar", "w") as t:
	    for n, d in layers + [(cname, cfg), ("manifest.json", man)]:
	        ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
	PY
	berth load -i dup.tar >out &&
	test "$(cat out)" = "Loaded image: dup:latest" &&
	berth system check >check.out &&
	tail -n1 check.out | grep -q "3 layers, 1 images: 0 repaired, 0 problems$" &&
	berth save -o saved.tar dup && tar -tf saved.tar >/dev/null &&
	berth rmi dup >/dev/null
'

test_done
