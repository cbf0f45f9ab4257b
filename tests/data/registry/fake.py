#!/usr/bin/env python3
"""fake.py: misbehaving and token-guarded fronts for a real registry, for
berth's registry tests (tests/cli/t03xx-registry*.t).

  fake.py token    PORTFILE BACKEND USER:PASS [--redirect]
      A registry front that speaks docker's Bearer token flow: /v2/ answers
      401 with WWW-Authenticate: Bearer realm=.../token,service=...; /token
      checks Basic credentials and hands out a token for the scopes asked
      for; every /v2/NAME/... request needs a token holding the right scope
      (pull for GET/HEAD, push for the rest), then goes to BACKEND (a real
      docker-registry, "127.0.0.1:PORT").  With --redirect, blob GETs are
      answered 307 to a second listener on 127.0.0.2 (another host), which
      serves the blob and refuses any request carrying an Authorization
      header, as a CDN must never see the registry's credentials.
  fake.py redirect PORTFILE BACKEND
      The same redirect, without auth.
  fake.py flaky    PORTFILE BACKEND
      Forwards everything, but the first GET of each blob is cut off halfway
      (the connection closes); a request with a Range header is forwarded
      with it, so a client that resumes gets the rest.
  fake.py bigmanifest PORTFILE BACKEND
      Forwards everything, but the manifest tagged "big" is 64 MiB long; the
      log says whether the client hung up before the end.
  fake.py stall    PORTFILE
      Accepts connections and never answers.

Every listener binds port 0; PORTFILE gets the port once it listens.  A
log of what happened goes to PORTFILE.log (one line per event) for the
tests to check.
"""
import base64
import http.client
import http.server
import json
import os
import re
import secrets
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

LOG_LOCK = threading.Lock()


def log(portfile, line):
    with LOG_LOCK:
        with open(portfile + ".log", "a") as f:
            f.write(line + "\n")


def write_port(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, portfile)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def forward(handler, backend, path, body):
    """Send the request on to the real registry; return status, headers, body."""
    conn = http.client.HTTPConnection(backend, timeout=60)
    headers = {k: v for k, v in handler.headers.items()
               if k.lower() not in ("authorization", "connection", "transfer-encoding")}
    conn.request(handler.command, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    hdrs = [(k, v) for k, v in resp.getheaders()
            if k.lower() not in ("connection", "transfer-encoding", "content-length")]
    conn.close()
    return resp.status, hdrs, data


def reply(handler, status, headers, body=b""):
    handler.send_response(status)
    for k, v in headers:
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def error_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


def make_front(portfile, backend, creds, cdn_port, mode=None):
    tokens = {}
    cut = set()
    realm_port = [0]
    name_re = re.compile(r"^/v2/(.+?)/(manifests|blobs|tags)/(.*)$")

    class Front(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else None

        def challenge(self, scope=None, error=None):
            realm = "http://127.0.0.1:%d/token" % realm_port[0]
            v = 'Bearer realm="%s",service="berth-test"' % realm
            if scope:
                v += ',scope="%s"' % scope
            if error:
                v += ',error="%s"' % error
            reply(self, 401, [("WWW-Authenticate", v), ("Content-Type", "application/json")],
                  error_body("UNAUTHORIZED", "authentication required"))

        def token(self):
            q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            auth = self.headers.get("Authorization", "")
            user = None
            if auth.startswith("Basic "):
                try:
                    u, p = base64.b64decode(auth[6:]).decode().split(":", 1)
                except Exception:
                    u, p = None, None
                if creds and (u, p) != creds:
                    log(portfile, "token refused for %s" % u)
                    reply(self, 401, [("Content-Type", "application/json")],
                          json.dumps({"details": "incorrect username or password"}).encode())
                    return
                user = u
            granted = set()
            for s in q.get("scope", []):
                parts = s.split(":")
                if len(parts) == 3 and parts[0] == "repository" and user:
                    for a in parts[2].split(","):
                        granted.add((parts[1], a))
            t = secrets.token_hex(16)
            tokens[t] = granted
            log(portfile, "token for %s: %s" % (user or "anonymous",
                                                  " ".join(sorted("%s:%s" % g for g in granted))))
            reply(self, 200, [("Content-Type", "application/json")],
                  json.dumps({"token": t, "expires_in": 300}).encode())

        def handle_any(self):
            body = self.read_body()
            path = urllib.parse.urlparse(self.path).path
            if path == "/token":
                return self.token()
            auth = self.headers.get("Authorization", "")
            granted = tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            if creds is not None and granted is None:
                return self.challenge()
            m = name_re.match(path)
            if m and creds is not None:
                need = "pull" if self.command in ("GET", "HEAD") else "push"
                if (m.group(1), need) not in granted:
                    return self.challenge("repository:%s:%s" % (m.group(1), need), "insufficient_scope")
            if m and mode == "bigmanifest" and m.group(2) == "manifests" and m.group(3) == "big":
                return self.big_manifest()
            if m and mode == "flaky" and m.group(2) == "blobs" and self.command == "GET":
                if self.headers.get("Range"):
                    log(portfile, "range %s" % self.headers.get("Range"))
                elif m.group(3) not in cut:
                    cut.add(m.group(3))
                    return self.cut_blob(body)
            if m and cdn_port and m.group(2) == "blobs" and self.command == "GET" and m.group(3).startswith("sha256:"):
                log(portfile, "redirect %s" % m.group(3))
                return reply(self, 307, [("Location", "http://127.0.0.2:%d/cdn/%s/%s" % (cdn_port, m.group(1), m.group(3)))])
            status, hdrs, data = forward(self, backend, self.path, body)
            reply(self, status, hdrs, data)

        def cut_blob(self, body):
            status, hdrs, data = forward(self, backend, self.path, body)
            if status != 200 or len(data) < 2:
                return reply(self, status, hdrs, data)
            self.send_response(200)
            for k, v in hdrs:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            log(portfile, "cut after %d of %d bytes" % (len(data) // 2, len(data)))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def big_manifest(self):
            total = 64 * 1024 * 1024
            head = b'{"schemaVersion": 2, "pad": "'
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Docker-Content-Digest", "sha256:" + "0" * 64)
            self.send_header("Content-Length", str(total))
            self.end_headers()
            if self.command == "HEAD":
                return
            sent = 0
            chunk = b"x" * 65536
            try:
                self.wfile.write(head)
                sent = len(head)
                while sent < total:
                    n = min(len(chunk), total - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
                log(portfile, "big manifest: sent all %d bytes" % sent)
            except (BrokenPipeError, ConnectionResetError):
                log(portfile, "big manifest: client hung up after %d bytes" % sent)
            self.close_connection = True

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

    class Cdn(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.headers.get("Authorization"):
                log(portfile, "cdn: Authorization header received")
                return reply(self, 400, [], b"credentials sent to another host\n")
            m = re.match(r"^/cdn/(.+)/(sha256:[0-9a-f]{64})$", self.path)
            if not m:
                return reply(self, 404, [], b"")
            conn = http.client.HTTPConnection(backend, timeout=60)
            conn.request("GET", "/v2/%s/blobs/%s" % (m.group(1), m.group(2)))
            r = conn.getresponse()
            data = r.read()
            if r.status in (301, 302, 307):
                conn.close()
            log(portfile, "cdn: served %s" % m.group(2))
            reply(self, r.status, [("Content-Type", "application/octet-stream")], data)

    return Front, Cdn, realm_port


def serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    if mode == "stall":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        write_port(portfile, s.getsockname()[1])
        held = []
        while True:
            c, _ = s.accept()
            log(portfile, "stall: accepted")
            held.append(c)  # never read, never answer
    backend = sys.argv[3]
    creds = None
    redirect = False
    if mode == "token":
        u, p = sys.argv[4].split(":", 1)
        creds = (u, p)
        redirect = "--redirect" in sys.argv[5:]
    elif mode == "redirect":
        redirect = True
    elif mode in ("flaky", "bigmanifest"):
        pass
    else:
        sys.exit("unknown mode " + mode)
    cdn_port = 0
    cdn = None
    if redirect:
        # Front is made below; the CDN needs only the backend.
        _, Cdn, _ = make_front(portfile, backend, creds, 0)
        cdn = Server(("127.0.0.2", 0), Cdn)
        cdn_port = cdn.server_address[1]
        serve(cdn)
    Front, _, realm_port = make_front(portfile, backend, creds, cdn_port, mode)
    front = Server(("127.0.0.1", 0), Front)
    realm_port[0] = front.server_address[1]
    write_port(portfile, front.server_address[1])
    front.serve_forever()


if __name__ == "__main__":
    main()
