"""A minimal FastCGI client for tests: one request per connection, any role, raw bytes when needed."""
import socket
import struct

RESPONDER, AUTHORIZER = 1, 2
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(rtype: int, content: bytes, request_id: int = 1) -> bytes:
    padding = (-len(content)) % 8
    return struct.pack(">BBHHBx", 1, rtype, request_id, len(content), padding) + content + b"\0" * padding


def _length(n: int) -> bytes:
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params: dict) -> bytes:
    out = b""
    for k, v in params.items():
        kb, vb = k.encode(), v.encode() if isinstance(v, str) else v
        out += _length(len(kb)) + _length(len(vb)) + kb + vb
    return out


def build_request(params: dict, role: int = RESPONDER, stdin: bytes | None = b"") -> bytes:
    data = record(BEGIN_REQUEST, struct.pack(">HB5x", role, 0))
    body = encode_params(params)
    for i in range(0, len(body), 65535):
        data += record(PARAMS, body[i:i + 65535])
    data += record(PARAMS, b"")
    if stdin is not None:
        if stdin:
            data += record(STDIN, stdin)
        data += record(STDIN, b"")
    return data


class Response:
    def __init__(self, raw_stdout: bytes, stderr: bytes, app_status: int | None):
        self.raw = raw_stdout
        self.stderr = stderr
        self.app_status = app_status
        head, _, self.body = raw_stdout.partition(b"\r\n\r\n")
        self.headers: list[tuple[str, str]] = []
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                self.headers.append((k.strip(), v.strip()))
        self.status = int(self.header("Status", "200").split()[0])

    def header(self, name: str, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def connect(address) -> socket.socket:
    if isinstance(address, str):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(address)
    return s


def exchange(address, raw: bytes, timeout: float = 10) -> tuple[bytes, bytes, int | None]:
    """Sends raw bytes; reads records until END_REQUEST or close. Returns (stdout, stderr, app_status)."""
    s = connect(address)
    s.settimeout(timeout)
    try:
        s.sendall(raw)
        buf = b""
        stdout, stderr, status = b"", b"", None
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8:
                _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
                if len(buf) < 8 + clen + plen:
                    break
                content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
                if rtype == STDOUT:
                    stdout += content
                elif rtype == STDERR:
                    stderr += content
                elif rtype == END_REQUEST:
                    status = struct.unpack(">I", content[:4])[0]
                    return stdout, stderr, status
        return stdout, stderr, status
    finally:
        s.close()


def request(address, params: dict, role: int = RESPONDER, stdin: bytes | None = b"", timeout: float = 10) -> Response:
    return Response(*exchange(address, build_request(params, role, stdin), timeout))
