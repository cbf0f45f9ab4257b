#!/usr/bin/env python3
"""oci.py: build small images by hand and push them to a registry over
plain HTTP, for berth's registry tests.

  oci.py index REGISTRY REPO TAG
      Two one-layer images, linux/amd64 and linux/arm64/v8 (each layer holds
      /platform with its platform's name), and an OCI image index naming
      both, pushed as REPO:TAG.  Prints the index digest.
"""
import hashlib
import http.client
import io
import json
import sys
import tarfile


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Registry:
    def __init__(self, host):
        self.host = host

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection(self.host, timeout=30)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        loc = r.getheader("Location")
        c.close()
        return r.status, loc, data

    def blob(self, repo, data):
        d = digest(data)
        st, _, _ = self.req("HEAD", "/v2/%s/blobs/%s" % (repo, d))
        if st == 200:
            return d
        st, loc, body = self.req("POST", "/v2/%s/blobs/uploads/" % repo, b"")
        assert st == 202, (st, body)
        if loc.startswith("http"):
            loc = loc.split("/", 3)[3]
            loc = "/" + loc
        sep = "&" if "?" in loc else "?"
        st, _, body = self.req("PUT", loc + sep + "digest=" + d, data,
                               {"Content-Type": "application/octet-stream"})
        assert st == 201, (st, body)
        return d

    def manifest(self, repo, ref, mt, data):
        st, _, body = self.req("PUT", "/v2/%s/manifests/%s" % (repo, ref), data, {"Content-Type": mt})
        assert st == 201, (st, body)


def layer(text):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = text.encode()
        info = tarfile.TarInfo("platform")
        info.size = len(data)
        info.mtime = 1704067200
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def image(reg, repo, arch, variant):
    plat = "linux/" + arch + ("/" + variant if variant else "")
    lay = layer(plat + "\n")
    ld = reg.blob(repo, lay)
    cfg = {"architecture": arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
           "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"]},
           "rootfs": {"type": "layers", "diff_ids": [ld]}}
    if variant:
        cfg["variant"] = variant
    cb = json.dumps(cfg, sort_keys=True).encode()
    cd = reg.blob(repo, cb)
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(cb)},
         "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": len(lay)}]}
    mb = json.dumps(m, sort_keys=True).encode()
    md = digest(mb)
    reg.manifest(repo, md, m["mediaType"], mb)
    p = {"architecture": arch, "os": "linux"}
    if variant:
        p["variant"] = variant
    return {"mediaType": m["mediaType"], "digest": md, "size": len(mb), "platform": p}


def main():
    cmd, host, repo, tag = sys.argv[1:5]
    reg = Registry(host)
    if cmd == "index":
        ms = [image(reg, repo, "amd64", None), image(reg, repo, "arm64", "v8")]
        idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": ms}
        ib = json.dumps(idx, sort_keys=True).encode()
        reg.manifest(repo, tag, idx["mediaType"], ib)
        print(digest(ib))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
