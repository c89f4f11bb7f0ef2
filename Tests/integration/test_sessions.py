"""Sessions that end when they should (issue 13), through real nginx, the real binary, its SQLite state store and
oidc-provider-mock: a user revoked or changed at the provider is refreshed out within refresh_interval, a good
session gets fresh access tokens, a down provider is ridden out through refresh_grace, and a signed-out cookie
opens nothing on any instance sharing the store. Waits are on events (the check's answer, a log line), bounded by
the interval the issue promises."""
import json
import time

import fcgi_client
import requests
from harness import (ROOT, USERS, MockProvider, auth_params, free_port, login_without_browser, nginx_site, wait_for)

NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


def session_site(workdir, socket_path, port):
    root = workdir / "www"
    for d in ("admin", "private"):
        (root / d).mkdir(parents=True, exist_ok=True)
        (root / d / "index.html").write_text(f"{d} area\n")
    (root / "private" / "token.shtml").write_text('at=<!--# echo var="gatehouse_access_token" -->\n')
    return nginx_site(socket_path, port, root, f"""
        location / {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            auth_request_set $gatehouse_access_token $upstream_http_x_auth_request_access_token;
            ssi on;
            ssi_types text/plain;
        }}
        location ^~ /admin/ {{
            auth_request /oauth2/auth?allowed_groups=admins;
            include {ROOT}/nginx/gatehouse-identity.conf;
        }}
    """)


def stack(gatehouse_factory, nginx_factory, workdir, provider, gatehouse="", auth=""):
    port = free_port()
    g = gatehouse_factory(auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{provider.metadata_url}"
{auth}
""", extra_gatehouse=f'cookie_secure = false\nlog_level = "debug"\n{gatehouse}')
    return g, nginx_factory(session_site(workdir, g.address, port), port)


def signed_in(nginx, sub="alice"):
    http = requests.Session()
    done = login_without_browser(http, nginx.url + "/oauth2/start?rd=%2Fprivate%2F", sub)
    assert done.status_code == 302, done.text
    assert http.get(nginx.url + "/private/", allow_redirects=False).status_code == 200
    return http


def until_refused(http, url, timeout):
    """Asks as a browser would until the check stops allowing; the answer that refused."""
    answers = []

    def refused():
        r = http.get(url, allow_redirects=False, headers=NAV)
        answers.append(r.status_code)
        return r.status_code != 200
    wait_for(refused, timeout=timeout, what=f"{url} to be refused")
    return answers[-1]


def test_revoked_at_the_provider_the_session_ends_within_refresh_interval(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider, 'refresh_interval = "2s"')
    http = signed_in(nginx)
    assert requests.post(mock_provider.issuer + "/users/alice/revoke-tokens").status_code in (200, 204)
    revoked_at = time.monotonic()
    # refresh_interval (2 s) plus a second or two for the background refresh.
    status = until_refused(http, nginx.url + "/private/", timeout=4.5)
    assert status == 302, "a navigation is sent to sign in again"
    assert time.monotonic() - revoked_at < 4.5
    g.wait_for_log("session ended at refresh")
    # The session stays ended (revoked in the store, not just waiting for a retry).
    assert http.get(nginx.url + "/private/", allow_redirects=False).status_code == 302


def test_a_user_taken_out_of_admins_loses_admin_as_fast(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider, 'refresh_interval = "2s"')
    http = signed_in(nginx)
    assert http.get(nginx.url + "/admin/", allow_redirects=False).status_code == 200
    alice = dict(USERS[0], groups=["staff"])
    assert requests.put(mock_provider.issuer + "/users/alice", json=alice).status_code in (200, 204)
    assert until_refused(http, nginx.url + "/admin/", timeout=4.5) == 403
    assert http.get(nginx.url + "/private/", allow_redirects=False).status_code == 200, "still signed in"
    assert "admins" not in http.get(nginx.url + "/oauth2/userinfo").json()["groups"]


def test_a_good_session_keeps_going_with_a_fresh_access_token(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider, 'refresh_interval = "1s"',
                     auth='expose_tokens = ["access"]')
    http = signed_in(nginx)
    first = http.get(nginx.url + "/private/token.shtml").text.strip()
    assert first.startswith("at=") and len(first) > 10
    fresh = []

    def renewed():
        r = http.get(nginx.url + "/private/token.shtml", allow_redirects=False)
        assert r.status_code == 200, "never refused meanwhile"
        fresh.append(r.text.strip())
        return fresh[-1] != first
    wait_for(renewed, timeout=4, what="a new access token in X-Auth-Request-Access-Token")
    g.wait_for_log("session refreshed")
    log = g.log_text()
    assert first[3:] not in log and fresh[-1][3:] not in log, "no token in the debug log"


def test_provider_down_sessions_served_through_the_grace_then_refused(gatehouse_factory, nginx_factory, workdir):
    provider = MockProvider(workdir, USERS)
    try:
        g, nginx = stack(gatehouse_factory, nginx_factory, workdir, provider, 'refresh_interval = "1s"\nrefresh_grace = "3s"')
        http = signed_in(nginx)
        provider.stop()
        offset = len(g.log_text())
        # Past due: the refresh is tried, fails, and the session is still served (the grace).
        wait_for(lambda: http.get(nginx.url + "/private/", allow_redirects=False).status_code == 200
                 and "session refresh failed" in g.log_text()[offset:], timeout=5, what="a failed refresh")
        assert http.get(nginx.url + "/private/", allow_redirects=False).status_code == 200, "served within refresh_grace"
        # Past the grace: refused until a refresh succeeds.
        assert until_refused(http, nginx.url + "/private/", timeout=5) == 302
    finally:
        provider.stop()


def test_a_signed_out_cookie_opens_nothing_on_any_instance_sharing_the_file(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    # A second process on the same SQLite file (another worker pool on this machine).
    other = gatehouse_factory(name="other", secret=g.secret, auth=g.auth, extra_gatehouse=g.extra_gatehouse)
    http = signed_in(nginx)
    copy = "_gatehouse=" + http.cookies.get("_gatehouse")
    assert fcgi_client.request(other.address, auth_params(cookie=copy)).status == 200
    assert http.get(nginx.url + "/oauth2/sign_out?rd=/", allow_redirects=False).status_code == 302
    # Straight away here, within a second there (the other process polls the file).
    assert fcgi_client.request(g.address, auth_params(cookie=copy)).status == 401
    wait_for(lambda: fcgi_client.request(other.address, auth_params(cookie=copy)).status == 401, timeout=1.5,
             what="the other instance to honour the sign-out")
    assert "_gatehouse" not in json.dumps(dict(http.cookies))


def test_session_revoke_on_the_command_line_reaches_the_running_instance(gatehouse_factory, nginx_factory, workdir, mock_provider):
    import subprocess
    from harness import binary
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider)

    def revoke(*args):
        done = subprocess.run([str(binary()), "session", "revoke", "--config", str(g.config), *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    # By session id (as `session open` prints it): that session only.
    one, two = signed_in(nginx), signed_in(nginx)
    opened = subprocess.run([str(binary()), "session", "open", "--config", str(g.config)], input=one.cookies.get("_gatehouse"),
                            capture_output=True, text=True, check=True)
    # `--session=ID`: an id is base64url and may begin with "-", which a separate argument would not survive.
    revoke("--session=" + json.loads(opened.stdout)["session_id"])
    assert until_refused(one, nginx.url + "/private/", timeout=1.5) == 302
    assert two.get(nginx.url + "/private/", allow_redirects=False).status_code == 200
    # By user (the issuer from the provider's discovery document): every session of alice.
    assert "revoked every session of alice at " + mock_provider.issuer in revoke("--user", "alice")
    assert until_refused(two, nginx.url + "/private/", timeout=1.5) == 302
    # By email: bob's sessions; a session begun afterwards is untouched.
    bob = signed_in(nginx, "bob")
    revoke("--email", "BOB@example.net")
    revoked_second = int(time.time())
    assert until_refused(bob, nginx.url + "/private/", timeout=1.5) == 302
    # Times have whole seconds: a session begun in the revocation's own second counts as begun before it.
    wait_for(lambda: int(time.time()) > revoked_second, what="the next second")
    assert signed_in(nginx, "bob").get(nginx.url + "/private/", allow_redirects=False).status_code == 200
    assert "revoked session -AAAAAAAAAAAAAAAAAAAAA" in revoke("--session=-AAAAAAAAAAAAAAAAAAAAA"), "an id that begins with -"
    bad = subprocess.run([str(binary()), "session", "revoke", "--config", str(g.config), "--session", "nope"], capture_output=True, text=True)
    assert bad.returncode != 0 and "session id" in bad.stderr


def test_a_restarted_instance_refuses_a_signed_out_cookie_from_its_first_check(gatehouse_factory, nginx_factory, workdir, mock_provider):
    """Rule R3 of SessionProtocol.pml: no check before the mirror holds the store's revocations."""
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    http = signed_in(nginx)
    copy = "_gatehouse=" + http.cookies.get("_gatehouse")
    assert http.get(nginx.url + "/oauth2/sign_out?rd=/", allow_redirects=False).status_code == 302
    g.proc.kill()
    g.proc.wait()
    g.start()
    assert fcgi_client.request(g.address, auth_params(cookie=copy)).status == 401
