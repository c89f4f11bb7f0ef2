"""A FastCGI application that only records what a web server sends it (role, params, stdin) and answers 200: it stands
in for Gatehouse where a test asks what the shipped web-server configs pass on (a body or none), which Gatehouse
itself cannot tell for routes whose stdin it never reads."""
import socket
import struct
import threading

import fcgi_client


class FastCGIRecorder:
    def __init__(self, address):
        """`address`: a unix socket path or a (host, port) pair."""
        self.address = address
        family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        if family == socket.AF_UNIX:
            import os
            os.chmod(address, 0o666)
        self.sock.listen(16)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        conn.settimeout(2)
        buf, params_raw, stdin, role, request_id = b"", b"", b"", None, 1
        params_done = stdin_done = False
        try:
            while not stdin_done:
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    if params_done:   # no stdin record (an Authorizer): answer anyway
                        break
                    raise
                if not chunk:
                    break
                buf += chunk
                while len(buf) >= 8:
                    _, rtype, request_id, clen, plen = struct.unpack(">BBHHBx", buf[:8])
                    if len(buf) < 8 + clen + plen:
                        break
                    content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
                    if rtype == fcgi_client.BEGIN_REQUEST:
                        role = struct.unpack(">H", content[:2])[0]
                    elif rtype == fcgi_client.PARAMS:
                        params_raw += content
                        params_done = clen == 0
                    elif rtype == fcgi_client.STDIN:
                        stdin += content
                        stdin_done = clen == 0
            with self.lock:
                self.requests.append({"role": role, "params": decode_params(params_raw), "stdin": stdin,
                                      "stdin_closed": stdin_done})
            out = b"Status: 200\r\nContent-Type: text/plain\r\n\r\nrecorded\n"
            conn.sendall(fcgi_client.record(fcgi_client.STDOUT, out, request_id)
                         + fcgi_client.record(fcgi_client.STDOUT, b"", request_id)
                         + fcgi_client.record(fcgi_client.END_REQUEST, struct.pack(">IB3x", 0, 0), request_id))
        except OSError:
            pass
        finally:
            conn.close()

    def seen(self, path: str) -> list[dict]:
        """The requests recorded for `path` (by DOCUMENT_URI, else SCRIPT_NAME + PATH_INFO, else REQUEST_URI's path)."""
        with self.lock:
            return [r for r in self.requests if request_path(r["params"]) == path]

    def stop(self):
        self.sock.close()


def request_path(params: dict) -> str:
    if params.get("DOCUMENT_URI"):
        return params["DOCUMENT_URI"]
    if params.get("SCRIPT_NAME", "") + params.get("PATH_INFO", ""):
        return params.get("SCRIPT_NAME", "") + params.get("PATH_INFO", "")
    return params.get("REQUEST_URI", "").split("?")[0]


def decode_params(raw: bytes) -> dict:
    out, i = {}, 0

    def length():
        nonlocal i
        if raw[i] < 128:
            i += 1
            return raw[i - 1]
        n = struct.unpack(">I", raw[i:i + 4])[0] & 0x7FFFFFFF
        i += 4
        return n

    while i < len(raw):
        kl = length()
        vl = length()
        k, v = raw[i:i + kl].decode("latin-1"), raw[i + kl:i + kl + vl].decode("latin-1")
        i += kl + vl
        out.setdefault(k, v)
    return out
