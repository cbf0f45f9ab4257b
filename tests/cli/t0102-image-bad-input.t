#!/bin/sh
# Bad archives and tars: each is refused with a one-line error and exit 1
# (docker's status for load/import failures), and leaves nothing behind:
# no blob, no layer directory, no temporary, a clean `system check`.
. "$(dirname "$0")/../lib.sh"

SEED=$BERTH_BUILD/images/busybox.tar

# Nothing of a failed load or import may remain in the root.
nothing_left() {
	test -z "$(berth images -q)" &&
	test -z "$(ls "$BERTH_ROOT/blobs/sha256" 2>/dev/null)" &&
	test -z "$(ls "$BERTH_ROOT/blobs/tmp" 2>/dev/null)" &&
	test -z "$(ls "$BERTH_ROOT/layers" 2>/dev/null | grep -v "^l$")" &&
	berth system check >check.out &&
	tail -n1 check.out | grep -q ": 0 repaired, 0 problems$"
}

# Exit 1, exactly one line on stderr, containing $2.
fails_with() {
	test_status 1 sh -c "$1" 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep -q -- "$2" err || { cat err >&2; return 1; }
}

# Rewrite the seed archive with python: $1 is a python snippet that edits
# `files` (name -> bytes, in order) before it is written to $2.
rewrite() {
	python3 - "$SEED" "$2" "$1" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst, code = sys.argv[1], sys.argv[2], sys.argv[3]
files = {}
with tarfile.open(src) as t:
    for m in t.getmembers():
        if m.isfile():
            files[m.name] = t.extractfile(m).read()
manifest = json.loads(files["manifest.json"])
layer = manifest[0]["Layers"][0]
config = manifest[0]["Config"]
def sha(b): return "sha256:" + hashlib.sha256(b).hexdigest()
exec(code)
with tarfile.open(dst, "w") as t:
    for name, data in files.items():
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
PY
}

test_expect_success 'a truncated archive' '
	head -c 1000000 "$SEED" >trunc.tar &&
	fails_with "berth load -i trunc.tar" "invalid archive" &&
	nothing_left
'

test_expect_success 'an archive cut off inside its manifest' '
	size=$(stat -c %s "$SEED") && head -c $((size - 700)) "$SEED" >trunc2.tar &&
	fails_with "berth load -i trunc2.tar" "invalid archive" &&
	nothing_left
'

test_expect_success 'garbage' '
	head -c 5000 /dev/urandom >garbage.tar &&
	fails_with "berth load -i garbage.tar" "invalid archive" &&
	nothing_left
'

test_expect_success 'an empty file, and an empty pipe' '
	: >empty.tar &&
	fails_with "berth load -i empty.tar" "invalid archive" &&
	fails_with "berth load </dev/null" "invalid archive" &&
	nothing_left
'

test_expect_success 'a missing file' '
	fails_with "berth load -i nosuch.tar" "open nosuch.tar: no such file or directory" &&
	echo "open nosuch.tar: no such file or directory" >want && test_cmp want err &&
	test_status 1 berth import nosuch.tar 2>err && test_cmp want err
'

test_expect_success 'a tar that is not an image archive' '
	mkdir d && echo x >d/x && tar -C d -cf plain.tar . &&
	fails_with "berth load -i plain.tar" "no manifest.json or index.json" &&
	nothing_left
'

test_expect_success 'a layer whose bytes do not match its digest' '
	rewrite "files[layer] = files[layer][:-1024] + b\"\\0\" * 1024 if False else files[layer].replace(b\"nobody\", b\"NOBODY\")" bad-digest.tar &&
	fails_with "berth load -i bad-digest.tar" "digest mismatch" &&
	nothing_left
'

test_expect_success 'a config that is not the digest it is named by' '
	rewrite "files[config] = files[config].replace(b\"Imported\", b\"imported\")" bad-config.tar &&
	fails_with "berth load -i bad-config.tar" "image config .* digest mismatch" &&
	nothing_left
'

test_expect_success 'a layer that is not the diff id the config says' '
	rewrite "
other = files[layer].replace(b\"nobody\", b\"NOBODY\")
del files[layer]
layer2 = \"blobs/sha256/\" + sha(other)[7:]
files[layer2] = other
manifest[0][\"Layers\"] = [layer2]
files[\"manifest.json\"] = json.dumps(manifest).encode()
" bad-diff.tar &&
	fails_with "berth load -i bad-diff.tar" "diff id mismatch" &&
	nothing_left
'

test_expect_success 'a manifest naming a layer that is not there' '
	rewrite "del files[layer]" missing-layer.tar &&
	fails_with "berth load -i missing-layer.tar" "layer .* is missing" &&
	nothing_left
'

test_expect_success 'a config that is not JSON' '
	rewrite "
files[config] = b\"not json\"
manifest[0][\"Config\"] = \"blobs/sha256/\" + sha(files[config])[7:]
files[manifest[0][\"Config\"]] = files.pop(config)
files[\"manifest.json\"] = json.dumps(manifest).encode()
" config-not-json.tar &&
	fails_with "berth load -i config-not-json.tar" "image config .* is not JSON" &&
	nothing_left
'

test_expect_success 'a malformed manifest.json' '
	rewrite "files[\"manifest.json\"] = b\"[{\\\"Config\\\": 5}]\"" bad-manifest.tar &&
	fails_with "berth load -i bad-manifest.tar" "invalid manifest.json" &&
	nothing_left
'

# OCI layouts: drop manifest.json so index.json is what berth reads.
test_expect_success 'an OCI index entry of an unknown media type' '
	rewrite "
del files[\"manifest.json\"]
idx = json.loads(files[\"index.json\"])
idx[\"manifests\"][0][\"mediaType\"] = \"application/vnd.example.unknown+json\"
files[\"index.json\"] = json.dumps(idx).encode()
" unknown-type.tar &&
	fails_with "berth load -i unknown-type.tar" "unsupported media type" &&
	nothing_left
'

test_expect_success 'an OCI manifest with a layer of an unknown media type' '
	rewrite "
del files[\"manifest.json\"]
idx = json.loads(files[\"index.json\"])
mname = \"blobs/sha256/\" + idx[\"manifests\"][0][\"digest\"][7:]
m = json.loads(files.pop(mname))
m[\"layers\"][0][\"mediaType\"] = \"application/vnd.example.layer\"
mb = json.dumps(m).encode()
files[\"blobs/sha256/\" + sha(mb)[7:]] = mb
idx[\"manifests\"][0][\"digest\"] = sha(mb); idx[\"manifests\"][0][\"size\"] = len(mb)
files[\"index.json\"] = json.dumps(idx).encode()
" unknown-layer-type.tar &&
	fails_with "berth load -i unknown-layer-type.tar" "unsupported layer media type" &&
	nothing_left
'

test_expect_success 'an OCI index pointing at a manifest that is not there' '
	rewrite "
del files[\"manifest.json\"]
idx = json.loads(files[\"index.json\"])
del files[\"blobs/sha256/\" + idx[\"manifests\"][0][\"digest\"][7:]]
" missing-manifest.tar &&
	fails_with "berth load -i missing-manifest.tar" "manifest sha256:.* is missing" &&
	nothing_left
'

test_expect_success 'a multi-platform OCI index: the host'"'"'s platform is loaded, others need no blobs' '
	arch=$(python3 -c "import json,tarfile,sys; t=tarfile.open(sys.argv[1]); m=json.load(t.extractfile(\"manifest.json\")); print(json.load(t.extractfile(m[0][\"Config\"]))[\"architecture\"])" "$SEED") &&
	rewrite "
del files[\"manifest.json\"]
idx = json.loads(files[\"index.json\"])
real = dict(idx[\"manifests\"][0]); real.pop(\"annotations\", None)
real[\"platform\"] = {\"os\": \"linux\", \"architecture\": \"$arch\"}
other = {\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 2,
         \"digest\": \"sha256:\" + \"e\" * 64, \"platform\": {\"os\": \"linux\", \"architecture\": \"s390x\"}}
nested = json.dumps({\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.index.v1+json\",
                     \"manifests\": [other, real]}).encode()
files[\"blobs/sha256/\" + sha(nested)[7:]] = nested
idx[\"manifests\"] = [{\"mediaType\": \"application/vnd.oci.image.index.v1+json\", \"digest\": sha(nested),
    \"size\": len(nested), \"annotations\": {\"io.containerd.image.name\": \"docker.io/library/multi:arch\"}}]
files[\"index.json\"] = json.dumps(idx).encode()
" multi.tar &&
	berth load -i multi.tar >out &&
	test "$(cat out)" = "Loaded image: multi:arch" &&
	berth rmi multi:arch >/dev/null && nothing_left
'

test_expect_success 'a layer that writes outside its directory' '
	python3 - <<-PY &&
	import io, tarfile
	with tarfile.open("evil-layer.tar", "w") as t:
	    ti = tarfile.TarInfo("../../../../../../tmp/berth-evil-$$"); ti.size = 1
	    t.addfile(ti, io.BytesIO(b"x"))
	PY
	fails_with "berth import evil-layer.tar" "may not contain" &&
	test ! -e /tmp/berth-evil-$$ &&
	nothing_left
'

test_expect_success 'import of garbage, and of a truncated tar' '
	fails_with "berth import garbage.tar" "invalid layer" &&
	tar -C d -cf ok.tar . && head -c 700 ok.tar >cut.tar &&
	fails_with "berth import cut.tar" "invalid layer" &&
	nothing_left
'

test_expect_success 'a gzip-compressed archive loads (compressed variants are fine)' '
	gzip -c "$SEED" >seed.tar.gz &&
	berth load -i seed.tar.gz >out &&
	test "$(cat out)" = "Loaded image: busybox:latest" &&
	zstd -q -c "$SEED" | berth load >out &&
	test "$(cat out)" = "Loaded image: busybox:latest"
'

test_done
