#!/usr/bin/env python3
"""Local peers for CurlHTTPClientTests, standard library only (plus the openssl command for certificates).

Listens on 127.0.0.1 only and prints one line, "HTTP HTTPS_GOOD HTTPS_WRONG_HOST CLOSED CA_FILE":
  HTTP             plain HTTP with the endpoints below
  HTTPS_GOOD       the same over TLS, certificate for IP 127.0.0.1 signed by CA_FILE
  HTTPS_WRONG_HOST the same over TLS, certificate for DNS name other.invalid only, signed by CA_FILE
  CLOSED           a port bound but not listening: connections are refused
Exits when its standard input closes (the test process ended) or after five minutes, whichever is first.
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIFETIME_SECONDS = 300
BIG = 2 * 1024 * 1024  # twice the client's default limit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/json":
            self.reply(200, b'{"ok":true}', [("Content-Type", "application/json"), ("X-Twice", "first"), ("x-twice", "second")])
        elif self.path == "/redirect":
            self.reply(302, b"moved", [("Location", f"http://127.0.0.1:{self.server.server_port}/json")])
        elif self.path == "/redirect-to-file":
            self.reply(302, b"", [("Location", "file:///etc/passwd")])
        elif self.path == "/slow":
            time.sleep(5)
            self.reply(200, b"late")
        elif self.path == "/trickle":
            # Headers at once, then a byte every half second: only the total timeout stops this.
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        elif self.path == "/huge":
            self.reply(200, b"x" * BIG)
        elif self.path == "/huge-unannounced":
            # No Content-Length: the body ends when the connection closes, so only the byte count can stop it.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"y" * 65536
            try:
                for _ in range(BIG // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif self.path == "/exact-limit":
            self.reply(200, b"z" * 1024)
        elif self.path == "/early-hints":
            # An interim 103 response first: its fields must not show up among the final response's.
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nX-Interim: yes\r\n\r\n")
            self.reply(200, b"final", [("X-Final", "yes")])
        elif self.path == "/folded":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok")
        elif self.path == "/many-headers":
            self.send_response(200)
            for i in range(2000):
                self.send_header(f"X-Filler-{i}", "f" * 64)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.reply(404, b"not found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        echoed = [("X-Echo-" + name, value) for name, value in self.headers.items()]
        self.reply(200, body, echoed + [("X-Echo-Method", self.command)])

    do_PUT = do_POST
    do_DELETE = do_POST

    def do_HEAD(self):
        self.reply(200, b"a body HEAD must not read", [("X-Head", "yes")])


def make_certificates(folder):
    """A CA, and two server certificates it signs: one for 127.0.0.1, one for other.invalid."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256")  # EC: key generation is instant
    openssl("req", "-x509", *ec, "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=Gatehouse test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign")
    for name, san in (("good", "IP:127.0.0.1"), ("wrong", "DNS:other.invalid")):
        openssl("req", *ec, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        with open(os.path.join(folder, f"{name}.ext"), "w") as ext:
            ext.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients hang up mid-response on purpose (timeouts, size limits, refused certificates)


def serve(tls_folder=None, name=None):
    server = QuietServer(("127.0.0.1", 0), Handler)
    if tls_folder:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(tls_folder, f"{name}.pem"), os.path.join(tls_folder, f"{name}.key"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


def main():
    folder = tempfile.mkdtemp(prefix="gatehouse-http-test-")
    try:
        make_certificates(folder)
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: nothing else can take the port meanwhile
        ports = [serve(), serve(folder, "good"), serve(folder, "wrong"), closed.getsockname()[1]]
        print(*ports, os.path.join(folder, "ca.pem"), flush=True)
        threading.Timer(LIFETIME_SECONDS, lambda: os._exit(0)).start()
        sys.stdin.read()  # returns when the test process closes its end
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    os._exit(0)


if __name__ == "__main__":
    main()
