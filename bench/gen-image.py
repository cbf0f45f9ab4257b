#!/usr/bin/env python3
"""bench/gen-image.py OUT.tar [MB] [LAYERS]: a deterministic synthetic image.

Writes OUT.tar, a docker-archive (Docker 25+ layout: blobs/sha256/...,
manifest.json, index.json, oci-layout) of LAYERS uncompressed layers
(default 5) totalling about MB megabytes (default 200), and OUT.layers/
with the same layer tars as plain files, for `tar -xf` to compare with.
Files are pseudo-random (seeded: the same bytes every run), 1 KiB to
1 MiB, in nested directories, with a few symlinks, so each layer looks
like a real one: many small files, some big ones.
"""
import hashlib, io, json, os, random, sys, tarfile

out = sys.argv[1]
total_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
nlayers = int(sys.argv[3]) if len(sys.argv) > 3 else 5
rnd = random.Random(20240101)
per_layer = total_mb * 1000 * 1000 // nlayers
os.makedirs(out + ".layers", exist_ok=True)

layers = []
for n in range(nlayers):
    path = "%s.layers/layer%d.tar" % (out, n)
    h = hashlib.sha256()
    with open(path, "wb") as raw:
        class Tee:
            def write(self, b):
                h.update(b)
                return raw.write(b)
        with tarfile.open(fileobj=Tee(), mode="w|", format=tarfile.PAX_FORMAT) as t:
            size = 0
            i = 0
            dirs = set()
            while size < per_layer:
                d = "layer%d/d%02d/s%02d" % (n, i % 23, i % 7)
                for k in range(1, 4):
                    p = "/".join(d.split("/")[:k])
                    if p not in dirs:
                        dirs.add(p)
                        ti = tarfile.TarInfo(p)
                        ti.type = tarfile.DIRTYPE
                        ti.mode = 0o755
                        ti.mtime = 1700000000
                        t.addfile(ti)
                fsize = int(2 ** rnd.uniform(10, 20))
                ti = tarfile.TarInfo("%s/f%05d" % (d, i))
                ti.size = fsize
                ti.mode = 0o644
                ti.mtime = 1700000000
                t.addfile(ti, io.BytesIO(rnd.randbytes(fsize)))
                if i % 50 == 0:
                    ln = tarfile.TarInfo("%s/link%05d" % (d, i))
                    ln.type = tarfile.SYMTYPE
                    ln.linkname = "f%05d" % i
                    ln.mtime = 1700000000
                    t.addfile(ln)
                size += fsize
                i += 1
    layers.append((path, "sha256:" + h.hexdigest(), os.path.getsize(path)))

config = json.dumps({
    "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {"Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": [d for _, d, _ in layers]},
    "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "layer %d" % i} for i in range(nlayers)],
}, separators=(",", ":")).encode()
cdigest = "sha256:" + hashlib.sha256(config).hexdigest()
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s} for _, d, s in layers],
}, separators=(",", ":")).encode()
mdigest = "sha256:" + hashlib.sha256(manifest).hexdigest()

def add_bytes(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))

with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for path, d, _ in layers:
        t.add(path, arcname="blobs/sha256/" + d[7:])
    add_bytes(t, "blobs/sha256/" + cdigest[7:], config)
    add_bytes(t, "blobs/sha256/" + mdigest[7:], manifest)
    add_bytes(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": len(manifest),
         "annotations": {"io.containerd.image.name": "docker.io/library/bench:latest",
                         "org.opencontainers.image.ref.name": "latest"}}]}).encode())
    add_bytes(t, "manifest.json", json.dumps([{"Config": "blobs/sha256/" + cdigest[7:],
        "RepoTags": ["bench:latest"], "Layers": ["blobs/sha256/" + d[7:] for _, d, _ in layers]}]).encode())
    add_bytes(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
print(out)
