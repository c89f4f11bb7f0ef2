"""The real binary over real sockets: listen modes, both FastCGI roles, bad input, signals."""
import os
import signal
import socket
import stat
import subprocess
import threading
import time

import pytest

import fcgi_client
from harness import CLAIMS, auth_params, binary, free_port, wait_for


def test_responder_valid_cookie_and_no_cookie(gatehouse):
    cookie = "_gatehouse=" + gatehouse.seal(CLAIMS)
    ok = fcgi_client.request(gatehouse.address, auth_params(cookie))
    assert ok.status == 200 and ok.body == b""
    assert ok.header("X-Auth-Request-User") == "diana"
    assert ok.header("X-Auth-Request-Groups") == "admins,staff"
    no = fcgi_client.request(gatehouse.address, auth_params())
    assert no.status == 401
    assert no.header("Location") == "/oauth2/start?rd=%2Fprivate%2Fpage%3Fx%3D1%26y%3D2"


def test_cgi_fcgi_from_libfcgi_bin(gatehouse):
    env = dict(os.environ, **auth_params("_gatehouse=" + gatehouse.seal(CLAIMS)))
    out = subprocess.run(["cgi-fcgi", "-bind", "-connect", gatehouse.address], env=env, capture_output=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert b"Status: 200" in out.stdout and b"X-Auth-Request-Email: diana@example.org" in out.stdout


def test_authorizer_role_never_reads_stdin(gatehouse):
    """Apache sends no FCGI_STDIN to an authorizer; Gatehouse must answer without waiting for one."""
    cookie = "_gatehouse=" + gatehouse.seal(CLAIMS)
    r = fcgi_client.request(gatehouse.address, auth_params(cookie, DOCUMENT_URI="/private/page"), role=fcgi_client.AUTHORIZER,
                            stdin=None, timeout=5)
    assert r.status == 200
    assert r.header("Variable-REMOTE_USER") == "diana"
    assert r.header("Variable-X_AUTH_REQUEST_EMAIL") == "diana@example.org"
    assert r.raw.startswith(b"Status: 200\r\n"), "Status must come first (lighttpd drops headers before it)"
    denied = fcgi_client.request(gatehouse.address, auth_params(), role=fcgi_client.AUTHORIZER, stdin=None, timeout=5)
    assert denied.status == 302 and denied.header("Location").startswith("/oauth2/start?rd=")


def test_tcp_listener(gatehouse_factory):
    port = free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{port}")
    wait_for(lambda: _can_connect(("127.0.0.1", port)), what="tcp port")
    assert fcgi_client.request(g.address, auth_params("_gatehouse=" + g.seal(CLAIMS))).status == 200


def _can_connect(address):
    try:
        fcgi_client.connect(address).close()
        return True
    except OSError:
        return False


def test_inherited_socket_on_fd0(gatehouse_factory, workdir):
    """spawn-fcgi / mod_fcgid style: the listening socket is the program's stdin."""
    path = str(workdir / "inherited.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    g = gatehouse_factory(listen="fd:0", start=False)
    g.popen_kwargs = {"stdin": listener.fileno()}
    g.start()
    listener.close()
    assert fcgi_client.request(path, auth_params("_gatehouse=" + g.seal(CLAIMS))).status == 200
    assert g.stop() == 0


def test_systemd_socket_activation(gatehouse_factory, workdir):
    path = str(workdir / "activated.sock")
    g = gatehouse_factory(listen="systemd", start=False)
    proc = subprocess.Popen(["systemd-socket-activate", "-l", path, str(binary()), "serve", "--config", str(g.config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(path), what="activation socket")
        r = fcgi_client.request(path, auth_params("_gatehouse=" + g.seal(CLAIMS)))
        assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_socket_mode_and_stale_socket(gatehouse_factory, workdir):
    # A socket file left behind by a crash does not prevent start-up.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(workdir / "gatehouse.sock"))
    stale.close()
    g = gatehouse_factory(extra_gatehouse="")
    assert stat.S_IMODE(os.stat(g.address).st_mode) == 0o666
    assert fcgi_client.request(g.address, auth_params()).status == 401


def test_second_instance_on_a_live_socket_refuses(gatehouse_factory, workdir):
    first = gatehouse_factory()
    second = subprocess.run([str(binary()), "serve", "--config", str(first.config)], capture_output=True, text=True, timeout=10)
    assert second.returncode != 0
    assert "another process is listening" in second.stderr
    assert fcgi_client.request(first.address, auth_params()).status == 401


def test_sigterm_finishes_in_flight_request_and_removes_socket(gatehouse_factory):
    gatehouse = gatehouse_factory(extra_gatehouse='log_level = "trace"')
    cookie = "_gatehouse=" + gatehouse.seal(CLAIMS)
    raw = fcgi_client.build_request(auth_params(cookie))
    s = fcgi_client.connect(gatehouse.address)
    s.sendall(raw[:40])                      # the request is in flight...
    gatehouse.wait_for_log("connection accepted")
    gatehouse.proc.send_signal(signal.SIGTERM)
    gatehouse.wait_for_log("signal received")
    s.sendall(raw[40:])                      # ...and completes after the signal
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    assert b"Status: 200" in data
    assert gatehouse.proc.wait(10) == 0
    assert not os.path.exists(gatehouse.address)


@pytest.mark.parametrize("garbage", [
    b"\x00" * 64,
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    fcgi_client.record(fcgi_client.BEGIN_REQUEST, b"\x00\x01\x00\x00\x00\x00\x00\x00")[:12],
    fcgi_client.record(fcgi_client.BEGIN_REQUEST, b"\x00\x01\x00\x00\x00\x00\x00\x00") + b"\x01\x04\x00\x01\xff\xff\x00\x00" + b"A" * 1000,
    fcgi_client.record(fcgi_client.BEGIN_REQUEST, b"\x00\x01\x00\x00\x00\x00\x00\x00") + fcgi_client.record(fcgi_client.PARAMS, b"\x7f\x7f" + b"x" * 200),
    bytes(range(256)) * 40,
], ids=["zeros", "http", "truncated-record", "huge-declared-length", "bad-param-lengths", "noise"])
def test_malformed_input_closes_that_connection_only(gatehouse, garbage):
    try:
        fcgi_client.exchange(gatehouse.address, garbage, timeout=15)
    except OSError:
        pass
    assert gatehouse.proc.poll() is None
    assert fcgi_client.request(gatehouse.address, auth_params()).status == 401


def test_huge_params_are_survived(gatehouse):
    r = fcgi_client.request(gatehouse.address, auth_params(HTTP_X_BIG="y" * 70000))
    assert r.status == 401
    cookie = "_gatehouse=" + "A" * 60000
    assert fcgi_client.request(gatehouse.address, auth_params(cookie)).status == 401
    assert gatehouse.proc.poll() is None


def test_silent_connections_are_closed_and_do_not_starve_the_pool(gatehouse):
    """libfcgi has no read timeout; Gatehouse sets one (read_timeout, 2 s in tests) on every connection."""
    silent = [fcgi_client.connect(gatehouse.address) for _ in range(3)]   # 3 of the 4 workers held
    assert fcgi_client.request(gatehouse.address, auth_params()).status == 401
    for s in silent:
        # Still open: the answer above came from a free worker, not after the silent peers were dropped.
        s.setblocking(False)
        with pytest.raises(BlockingIOError):
            s.recv(1)
    for s in silent:
        s.setblocking(True)
        s.settimeout(10)
        assert s.recv(1) == b"", "the silent connection is closed by Gatehouse"
        s.close()


BACKCHANNEL = "/oauth2/backchannel_logout"


def post_params(path, content_length=None, **extra):
    """A POST as nginx's `fastcgi_pass` sends it (CONTENT_LENGTH only when given)."""
    p = {"REQUEST_METHOD": "POST", "REQUEST_URI": path, "DOCUMENT_URI": path, "SCRIPT_NAME": path, "HTTP_HOST": "localhost",
         "CONTENT_TYPE": "application/x-www-form-urlencoded", "REMOTE_ADDR": "127.0.0.1"}
    if content_length is not None:
        p["CONTENT_LENGTH"] = str(content_length)
    p.update(extra)
    return p


@pytest.mark.parametrize("path, status", [("/oauth2/userinfo", 200), ("/oauth2/sign_out", 302), ("/oauth2/forbidden", 403),
                                          ("/oauth2/auth", 401), ("/oauth2/nowhere", 404)])
def test_the_body_of_other_routes_is_never_read(gatehouse, path, status):
    """Params, a CONTENT_LENGTH, and no stdin record at all: answered at once, not after the 2 s read timeout."""
    started = time.monotonic()
    r = fcgi_client.request(gatehouse.address, post_params(path, 100), stdin=None, timeout=5)
    assert r.status == status
    assert time.monotonic() - started < 1.5, "the answer waited for a body"


def test_an_authorizer_never_reads_a_body_even_on_the_backchannel_path(gatehouse):
    started = time.monotonic()
    r = fcgi_client.request(gatehouse.address, post_params(BACKCHANNEL, 100), role=fcgi_client.AUTHORIZER, stdin=None, timeout=5)
    assert r.status == 401, "the Authorizer role is always the check"
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-content-length"])
def test_a_backchannel_body_over_16k_is_413(gatehouse_factory, declared):
    g = gatehouse_factory(extra_gatehouse='log_level = "debug"')
    body = b"logout_token=" + b"a" * 20_000
    r = fcgi_client.request(g.address, post_params(BACKCHANNEL, len(body) if declared else None), stdin=body, timeout=5)
    assert r.status == 413
    g.wait_for_log("too_large=true")
    # Exactly the limit is not too large (the route itself judges it).
    at_limit = b"logout_token=" + b"a" * (16_384 - 13)
    r = fcgi_client.request(g.address, post_params(BACKCHANNEL, len(at_limit) if declared else None), stdin=at_limit, timeout=5)
    assert r.status != 413
    g.wait_for_log("request body read bytes=16384 path=/oauth2/backchannel_logout too_large=false")


def test_a_backchannel_body_is_read_up_to_content_length(gatehouse_factory):
    g = gatehouse_factory(extra_gatehouse='log_level = "debug"')
    fcgi_client.request(g.address, post_params(BACKCHANNEL, 17), stdin=b"logout_token=abcd" + b"&more=ignored", timeout=5)
    g.wait_for_log("request body read bytes=17 ")
    # A body shorter than declared ends with its stdin end record.
    fcgi_client.request(g.address, post_params(BACKCHANNEL, 500), stdin=b"logout_token=x", timeout=5)
    g.wait_for_log("request body read bytes=14 ")


def test_a_backchannel_body_that_never_ends_frees_its_worker(gatehouse_factory):
    """Part of a body and then silence: the read timeout (2 s) ends that connection without an answer (libfcgi
    only closes its records); the other workers go on."""
    g = gatehouse_factory(extra_gatehouse='log_level = "trace"')
    raw = fcgi_client.build_request(post_params(BACKCHANNEL, 1000), stdin=None) + fcgi_client.record(fcgi_client.STDIN, b"logout_token=")
    started = time.monotonic()
    stalled = threading.Thread(target=lambda: result.append(fcgi_client.exchange(g.address, raw, timeout=10)))
    result = []
    stalled.start()
    g.wait_for_log("connection accepted")
    assert fcgi_client.request(g.address, auth_params()).status == 401, "another worker answers meanwhile"
    stalled.join(10)
    stdout, _, _ = result[0]
    assert stdout == b"", "no answer to a body that never arrived"
    assert 1.5 < time.monotonic() - started < 8
    g.wait_for_log("the request body did not arrive")
    assert g.proc.poll() is None
