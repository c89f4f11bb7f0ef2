"""A second implementation (Python's `cryptography`) opens Gatehouse cookies and seals ones Gatehouse accepts."""
import time

import fcgi_client
import gatehouse_cookie
from harness import DEFAULT_PROVIDER, binary


def auth_params(cookie: str | None = None) -> dict:
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/page", "DOCUMENT_URI": "/oauth2/auth", "HTTP_HOST": "localhost",
              "HTTP_SEC_FETCH_MODE": "navigate"}
    if cookie:
        params["HTTP_COOKIE"] = cookie
    return params


def test_python_opens_a_gatehouse_cookie(gatehouse_factory):
    gatehouse = gatehouse_factory(auth=DEFAULT_PROVIDER + """
[auth.google]
client_id = "g"
client_secret = "never-used"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
""")
    value = gatehouse.seal('{"sub":"diana","groups":["a","b"]}', provider="google")
    session = gatehouse_cookie.open_session(value, gatehouse.secret, "_gatehouse")
    assert session["p"] == "google"
    assert session["c"] == {"sub": "diana", "groups": ["a", "b"]}
    assert session["exp"] > time.time() > session["iat"] - 5


def test_gatehouse_accepts_a_python_cookie(gatehouse):
    now = int(time.time())
    value = gatehouse_cookie.seal_session(gatehouse.secret, "_gatehouse", "default",
                                          {"sub": "py", "email": "py@example.org"}, now, now + 600)
    r = fcgi_client.request(gatehouse.address, auth_params(f"_gatehouse={value}"))
    assert r.status == 200
    assert r.header("X-Auth-Request-User") == "py"
    assert r.header("X-Auth-Request-Email") == "py@example.org"


def test_python_cookie_with_wrong_secret_or_name_is_refused(gatehouse):
    now = int(time.time())
    wrong_secret = gatehouse_cookie.seal_session("another-secret-entirely-0123456789abcdef", "_gatehouse", "default", {"sub": "x"}, now, now + 600)
    wrong_name = gatehouse_cookie.seal_session(gatehouse.secret, "_other", "default", {"sub": "x"}, now, now + 600)
    expired = gatehouse_cookie.seal_session(gatehouse.secret, "_gatehouse", "default", {"sub": "x"}, now - 600, now - 1)
    for value in (wrong_secret, wrong_name, expired):
        assert fcgi_client.request(gatehouse.address, auth_params(f"_gatehouse={value}")).status == 401


def test_sealing_for_a_provider_that_is_not_configured_is_refused(gatehouse):
    """The check would refuse such a session; `session seal` says so instead of printing one."""
    import subprocess
    out = subprocess.run([str(binary()), "session", "seal", "--config", str(gatehouse.config), "--provider", "google"],
                         input=b'{"sub":"x"}', capture_output=True)
    assert out.returncode != 0 and b'provider "google" is not configured' in out.stderr and not out.stdout
