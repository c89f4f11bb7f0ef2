"""Faults: the provider down, slow or answering garbage; a slow provider against the worker pool; restarts,
a second instance and a rotated cookie secret; SIGTERM with requests in flight. The real binary, over FastCGI
(and through nginx with oidc-provider-mock for sessions minted by a real login)."""
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

import fcgi_client
import gatehouse_cookie
from harness import CLAIMS, Gatehouse, RPClient, auth_params, free_port, login_without_browser, new_secret, run_rp_provider, site, wait_for

HERE = Path(__file__).parent
SLOW_SECONDS = 8          # the provider's token endpoint sleeps this long
PROVIDER_TIMEOUT = 2      # Gatehouse gives up on the provider after this


@pytest.fixture(scope="module")
def slow_provider():
    yield from run_rp_provider(SLOW_SECONDS)


def faulty(gatehouse_factory, provider_url, workers=4, timeout=PROVIDER_TIMEOUT):
    down = f"http://127.0.0.1:{free_port()}"     # nothing listens there
    tables = ""
    for name, url in [("slow", f"{provider_url}/slow"), ("garbage", f"{provider_url}/garbage"), ("down", down),
                      ("good", f"{provider_url}/rp-response_type-code")]:
        tables += f"""
[auth.{name}]
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{url}/.well-known/openid-configuration"
"""
    g = gatehouse_factory(auth='redirect_uri = "https://app.example.com/oauth2/callback"\n' + tables, start=False,
                          extra_gatehouse=f'provider_timeout = "{timeout}s"\nprovider_connect_timeout = "1s"\nlog_level = "trace"\n')
    g.configure({"gatehouse": {"workers": workers}})
    g.start()
    return RPClient(g, provider_url)


def session_cookie(rp):
    return "_gatehouse=" + rp.g.seal(CLAIMS, provider="good")


def check(rp, cookie):
    return rp.call("/oauth2/auth", cookie=cookie)


def test_provider_down_is_a_502_page_and_sessions_keep_working(gatehouse_factory, slow_provider):
    rp = faulty(gatehouse_factory, slow_provider)
    cookie = session_cookie(rp)
    start = rp.call("/oauth2/start", "provider=down&rd=%2F")
    assert start.status == 502 and start.header("Location") is None
    assert start.header("Content-Type", "").startswith("text/html") and b"Reference:" in start.body
    assert check(rp, cookie).status == 200


def test_garbage_discovery_is_a_502_and_sessions_keep_working(gatehouse_factory, slow_provider):
    rp = faulty(gatehouse_factory, slow_provider)
    start = rp.call("/oauth2/start", "provider=garbage&rd=%2F")
    assert start.status == 502 and start.header("Location") is None and b"Reference:" in start.body
    assert check(rp, session_cookie(rp)).status == 200


def begin_login(rp, case):
    """start -> provider authorize; returns the callback call to make (query, login cookie)."""
    start = rp.call("/oauth2/start", f"provider={case}&rd=%2F")
    assert start.status == 302, start.body[:300]
    back = requests.get(start.header("Location"), allow_redirects=False)
    return urllib.parse.urlsplit(back.headers["Location"]).query, start.all("Set-Cookie")[0].split(";")[0]


def stuck_callbacks(rp, count):
    """`count` callbacks waiting on the slow token endpoint, each in its own thread. Returns (threads, results)."""
    pending = [begin_login(rp, "slow") for _ in range(count)]
    results = []

    def run(query, cookie):
        r = rp.call("/oauth2/callback", query, cookie=cookie)
        results.append((time.monotonic(), r.status))

    def arrived():
        return len([e for e in requests.get(rp.provider + "/_log").json() if e["case"] == "slow" and e["endpoint"] == "token"])
    before = arrived()
    threads = [threading.Thread(target=run, args=p) for p in pending]
    for t in threads:
        t.start()
    # Each is inside the token request once the provider has seen it (it logs them on arrival), or was already
    # answered (turned away with a 503 when the provider budget is full).
    wait_for(lambda: arrived() - before + len(results) >= count, what=f"{count} logins at the slow provider or answered")
    return threads, results


def test_slow_token_endpoint_is_a_504_within_the_timeout_and_sessions_keep_working(gatehouse_factory, slow_provider):
    rp = faulty(gatehouse_factory, slow_provider)
    cookie = session_cookie(rp)
    threads, results = stuck_callbacks(rp, 1)
    assert check(rp, cookie).status == 200
    threads[0].join(30)
    # 504 is Gatehouse giving up at provider_timeout (2 s); the provider itself would answer after SLOW_SECONDS.
    assert results and results[0][1] == 504


def test_slow_logins_leave_a_worker_for_auth_checks(gatehouse_factory, slow_provider):
    """workers = 4, three logins stuck on the token endpoint: checks are still answered, before any of them ends."""
    rp = faulty(gatehouse_factory, slow_provider, timeout=6)
    cookie = session_cookie(rp)
    threads, results = stuck_callbacks(rp, 3)
    answered = check(rp, cookie)
    answered_at = time.monotonic()
    assert answered.status == 200
    for t in threads:
        t.join(30)
    assert [s for _, s in results] == [504] * 3
    assert answered_at < min(t for t, _ in results), "the check waited for a stuck login"


def test_as_many_slow_logins_as_workers_still_leave_checks_answered(gatehouse_factory, slow_provider):
    """workers = 4: at most 3 requests wait on the provider; the 4th login gets 503 at once, the check is answered."""
    rp = faulty(gatehouse_factory, slow_provider, timeout=6)
    cookie = session_cookie(rp)
    threads, results = stuck_callbacks(rp, 4)
    answered = check(rp, cookie)
    answered_at = time.monotonic()
    for t in threads:
        t.join(30)
    assert answered.status == 200
    assert answered_at < max(t for t, _ in results), "the check did not wait for the stuck logins"
    assert sorted(s for _, s in results) == [503, 504, 504, 504], "one login was turned away, three timed out"


def test_restart_and_second_instance_with_the_same_secret_keep_sessions(gatehouse_factory, workdir):
    first = gatehouse_factory()
    cookie = "_gatehouse=" + first.seal(CLAIMS)
    assert fcgi_client.request(first.address, auth_params(cookie)).status == 200
    assert first.stop() == 0
    first.start()
    assert fcgi_client.request(first.address, auth_params(cookie)).status == 200, "after a restart"
    (workdir / "second").mkdir()
    (workdir / "second").chmod(0o755)
    second = Gatehouse(workdir / "second", secret=first.secret)
    try:
        assert fcgi_client.request(second.address, auth_params(cookie)).status == 200, "on a second instance"
        other = Gatehouse(workdir / "second", secret=new_secret(), listen=f"unix:{workdir}/second/other.sock")
        try:
            assert fcgi_client.request(other.address, auth_params(cookie)).status == 401, "another secret opens nothing"
        finally:
            other.stop()
    finally:
        second.stop()


def test_secret_rotation_keeps_old_sessions_and_seals_new_ones_with_the_new_secret(gatehouse_factory, nginx_factory, workdir, mock_provider):
    port = free_port()
    old = new_secret()
    auth = f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{mock_provider.metadata_url}"
"""
    g = gatehouse_factory(auth=auth, secret=old, extra_gatehouse="cookie_secure = false\n")
    nginx = nginx_factory(site(workdir, g.address, port), port)
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
    before = requests.Session()
    before.headers.update(nav)
    first = before.get(nginx.url + "/private/page.html", allow_redirects=False)
    assert login_without_browser(before, urllib.parse.urljoin(nginx.url, first.headers["Location"]), "alice").status_code == 302
    old_cookie = before.cookies["_gatehouse"]
    assert gatehouse_cookie.open_session(old_cookie, old, "_gatehouse")["c"]["sub"] == "alice"

    # Rotate: a new cookie_secret, the old one listed as previous; restart.
    new = new_secret()
    g.stop()
    g.configure({"auth": {"cookie_secret": new}, "gatehouse": {"previous_cookie_secrets": [old]}})
    g.start()
    assert before.get(nginx.url + "/private/page.html", allow_redirects=False).status_code == 200, "an old session still works"

    after = requests.Session()
    after.headers.update(nav)
    first = after.get(nginx.url + "/private/page.html", allow_redirects=False)
    assert login_without_browser(after, urllib.parse.urljoin(nginx.url, first.headers["Location"]), "bob").status_code == 302
    new_cookie = after.cookies["_gatehouse"]
    assert gatehouse_cookie.open_session(new_cookie, new, "_gatehouse")["c"]["sub"] == "bob", "new sessions use the new secret"
    with pytest.raises(Exception):
        gatehouse_cookie.open_session(new_cookie, old, "_gatehouse")

    # Dropping the old secret ends the old sessions.
    g.stop()
    g.configure({"gatehouse": {"previous_cookie_secrets": None}})
    g.start()
    assert before.get(nginx.url + "/private/page.html", allow_redirects=False).status_code == 302
    assert after.get(nginx.url + "/private/page.html", allow_redirects=False).status_code == 200


def test_sigterm_lets_slow_logins_and_half_sent_requests_finish(gatehouse_factory, slow_provider):
    rp = faulty(gatehouse_factory, slow_provider)
    cookie = session_cookie(rp)
    threads, results = stuck_callbacks(rp, 2)
    raw = fcgi_client.build_request({"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/x",
                                     "HTTP_COOKIE": cookie, "HTTP_HOST": "app.example.com"})
    mark = len(rp.g.log_text())
    half = fcgi_client.connect(rp.g.address)
    half.sendall(raw[:30])
    # Two workers wait on the provider: this connection is taken by a third one.
    rp.g.wait_for_log("connection accepted", after=mark)
    rp.g.proc.send_signal(signal.SIGTERM)
    rp.g.wait_for_log("signal received", after=mark)
    half.sendall(raw[30:])
    data = b""
    while chunk := half.recv(65536):
        data += chunk
    half.close()
    assert b"Status: 200" in data
    for t in threads:
        t.join(30)
    assert sorted(s for _, s in results) == [504, 504], "the logins in flight got their answer"
    assert rp.g.proc.wait(15) == 0
