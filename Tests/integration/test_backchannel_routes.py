"""The shipped nginx, Apache and lighttpd configs pass a request body to the back-channel logout route only (POST,
at most 16 KB), to the Responder, and no body to any other Gatehouse route. What a server passes on is recorded by
a FastCGI recorder standing in for Gatehouse (harness.fcgi_recorder); that the body then reaches the real Gatehouse
is its debug log ("request body read bytes=N")."""
import re

import pytest
import requests

import fcgi_client
from harness import ROOT, FastCGIRecorder, apache_site, free_port, nginx_site, shipped_config

BACKCHANNEL = "/oauth2/backchannel_logout"
TOKEN = "eyJhbGciOiJSUzI1NiIsInR5cCI6ImxvZ291dCtqd3QifQ.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
FORM = b"logout_token=" + TOKEN.encode()
# Gatehouse routes (and near misses of the back-channel path) that must never get a body.
NO_BODY = ["/oauth2/start", "/oauth2/callback", "/oauth2/sign_out", "/oauth2/signed_out", "/oauth2/userinfo", "/oauth2/forbidden",
           "/oauth2/backchannel_logout/x", "/oauth2/backchannel_logoutx"]
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
PROTECTED = f"location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}"


def post(url, body=FORM):
    return requests.post(url, data=body, headers=FORM_HEADERS, allow_redirects=False, timeout=10)


def assert_backchannel_gets_the_body(server_url, recorder):
    r = post(server_url + BACKCHANNEL)
    assert r.status_code == 200 and r.text == "recorded\n"
    seen = recorder.seen(BACKCHANNEL)
    assert [s["role"] for s in seen] == [fcgi_client.RESPONDER], "the Responder, never the check"
    assert seen[0]["stdin"] == FORM and seen[0]["params"]["CONTENT_LENGTH"] == str(len(FORM))
    assert seen[0]["params"]["REQUEST_METHOD"] == "POST"
    assert seen[0]["params"]["CONTENT_TYPE"] == "application/x-www-form-urlencoded"


def assert_backchannel_refuses_other_methods_and_large_bodies(server_url, recorder, server_limits_body=True):
    """Other methods: 403 (nginx's deny, Apache's Require method, lighttpd's access-deny). Over 16 KB: the web
    server's 413, except Apache's (LimitRequestBody does not apply to proxied requests: Gatehouse's own 413)."""
    for method in ("GET", "PUT", "DELETE"):
        r = requests.request(method, server_url + BACKCHANNEL, allow_redirects=False, timeout=10)
        assert r.status_code == 403, (method, r.status_code)
    if server_limits_body:
        r = post(server_url + BACKCHANNEL, b"logout_token=" + b"a" * 20_000)
        assert r.status_code == 413
    assert [s["params"]["REQUEST_METHOD"] for s in recorder.seen(BACKCHANNEL)] == ["POST"], "only the first good POST"


# --- nginx -----------------------------------------------------------------------------------------------------------

def location_blocks(conf: str) -> dict[str, str]:
    """`location <match> { ... }` blocks of an nginx file, by their match, with nested braces."""
    blocks = {}
    for m in re.finditer(r"^location\s+([^{]+?)\s*\{", conf, re.M):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(conf[i], 0)
            i += 1
        blocks[m.group(1)] = conf[m.end():i - 1]
    return blocks


def test_nginx_routes_file_passes_a_body_to_the_backchannel_location_only():
    blocks = location_blocks((ROOT / "nginx" / "gatehouse-routes.conf").read_text())
    fastcgi = {match: body for match, body in blocks.items() if "fastcgi_pass " in body}
    assert set(fastcgi) == {"^~ /oauth2/auth", "^~ /oauth2/", "= /oauth2callback", "= /oauth2/backchannel_logout", "= /oauth2/metrics"}
    for match, body in fastcgi.items():
        if match == "= /oauth2/backchannel_logout":
            assert "fastcgi_pass_request_body on;" in body and "client_max_body_size 16k;" in body
            assert re.search(r"limit_except POST \{\s*deny all;\s*\}", body)
            assert 'CONTENT_LENGTH ""' not in body
        else:
            assert "fastcgi_pass_request_body off;" in body, match
            # Blanked before the include: libfcgi reads the first of duplicated params.
            assert body.index('fastcgi_param CONTENT_LENGTH "";') < body.index("include fastcgi_params;"), match


def test_nginx_passes_the_body_to_the_backchannel_route_only(nginx_factory, workdir):
    recorder = FastCGIRecorder(str(workdir / "recorder.sock"))
    www = workdir / "www"
    www.mkdir()
    (www / "page.html").write_text("page\n")
    port = free_port()
    nginx = nginx_factory(nginx_site(recorder.address, port, www, PROTECTED), port)
    try:
        assert_backchannel_gets_the_body(nginx.url, recorder)
        for path in NO_BODY + ["/oauth2callback"]:
            assert post(nginx.url + path).status_code == 200, path
            [seen] = recorder.seen(path)
            assert seen["stdin"] == b"" and seen["params"]["CONTENT_LENGTH"] == "", path
        # The check subrequest of a POST to a protected page gets no body either.
        post(nginx.url + "/page.html")
        check = recorder.seen("/oauth2/auth")[-1]
        assert check["stdin"] == b"" and check["params"]["CONTENT_LENGTH"] == ""
        assert_backchannel_refuses_other_methods_and_large_bodies(nginx.url, recorder)
    finally:
        recorder.stop()


def test_nginx_body_reaches_gatehouse(gatehouse_factory, nginx_factory, workdir):
    g = gatehouse_factory(extra_gatehouse='log_level = "debug"')
    port = free_port()
    nginx = nginx_factory(nginx_site(g.address, port, workdir, PROTECTED), port)
    r = post(nginx.url + BACKCHANNEL)
    assert r.status_code != 413
    g.wait_for_log(f"request body read bytes={len(FORM)} path={BACKCHANNEL} too_large=false")
    # Other routes: no body read, whatever the client sent.
    before = len(g.log_text())
    assert post(nginx.url + "/oauth2/userinfo").status_code == 200
    assert "request body read" not in g.log_text()[before:]


# --- Apache ----------------------------------------------------------------------------------------------------------

def backchannel_apache_site(workdir, gport, port):
    www = workdir / "www"
    www.mkdir(exist_ok=True)
    (www / "page.html").write_text("page\n")
    return apache_site(gport, port, www)


def test_apache_passes_the_body_to_the_backchannel_responder(apache_factory, workdir):
    gport, port = free_port(), free_port()
    recorder = FastCGIRecorder(("127.0.0.1", gport))
    try:
        apache = apache_factory(backchannel_apache_site(workdir, gport, port), port)
        assert_backchannel_gets_the_body(apache.url, recorder)
        assert_backchannel_refuses_other_methods_and_large_bodies(apache.url, recorder, server_limits_body=False)
    finally:
        recorder.stop()


def test_apache_body_reaches_gatehouse_and_other_routes_answer(gatehouse_factory, apache_factory, workdir):
    """mod_proxy_fcgi passes any body on; Gatehouse reads it on the back-channel route only and still answers the rest."""
    gport, port = free_port(), free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", extra_gatehouse='log_level = "debug"')
    apache = apache_factory(backchannel_apache_site(workdir, gport, port), port)
    r = post(apache.url + BACKCHANNEL)
    assert r.status_code != 413
    g.wait_for_log(f"request body read bytes={len(FORM)} path={BACKCHANNEL} too_large=false")
    # Over 16 KB: Gatehouse's own 413 (Apache's LimitRequestBody does not apply to proxied requests).
    for body in (b"logout_token=" + b"a" * 20_000, b"logout_token=" + b"a" * 1_000_000):
        assert post(apache.url + BACKCHANNEL, body).status_code == 413
    before = len(g.log_text())
    me = post(apache.url + "/oauth2/userinfo", b"x=" + b"y" * 100_000)
    assert me.status_code == 200 and me.json() == {"is_logged_in": False}
    assert "request body read" not in g.log_text()[before:]


# --- lighttpd --------------------------------------------------------------------------------------------------------

def test_lighttpd_passes_the_body_to_the_backchannel_responder(lighttpd_factory, workdir):
    gport, port = free_port(), free_port()
    recorder = FastCGIRecorder(("127.0.0.1", gport))
    try:
        server = lighttpd_factory(shipped_config(workdir, gport, port), port)
        assert_backchannel_gets_the_body(server.url, recorder)
        assert_backchannel_refuses_other_methods_and_large_bodies(server.url, recorder)
    finally:
        recorder.stop()


def test_lighttpd_body_reaches_gatehouse(gatehouse_factory, lighttpd_factory, workdir):
    gport, port = free_port(), free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", extra_gatehouse='log_level = "debug"')
    server = lighttpd_factory(shipped_config(workdir, gport, port), port)
    assert post(server.url + BACKCHANNEL).status_code != 413
    g.wait_for_log(f"request body read bytes={len(FORM)} path={BACKCHANNEL} too_large=false")


@pytest.mark.parametrize("server", ["nginx", "apache", "lighttpd"])
def test_an_invalid_logout_token_is_a_400_json_error(server, gatehouse_factory, nginx_factory, apache_factory,
                                                      lighttpd_factory, workdir):
    """A body that is no logout token is 400 JSON, through each server (needs a state store: 501 without one)."""
    gport, port = free_port(), free_port()
    state = f'state = "sqlite:{workdir}/state.db"\n'
    if server == "nginx":
        g = gatehouse_factory(extra_gatehouse=state)
        url = nginx_factory(nginx_site(g.address, port, workdir, PROTECTED), port).url
    elif server == "apache":
        gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", extra_gatehouse=state)
        url = apache_factory(backchannel_apache_site(workdir, gport, port), port).url
    else:
        gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", extra_gatehouse=state)
        url = lighttpd_factory(shipped_config(workdir, gport, port), port).url
    r = post(url + BACKCHANNEL)
    assert r.status_code == 400, r.text[:300]
    assert r.json()["error"] == "invalid_request" and r.json()["error_description"]
