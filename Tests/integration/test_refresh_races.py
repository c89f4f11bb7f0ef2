"""Refresh races (issue 13): rp_provider rotates refresh tokens and refuses a reused one (revoking its whole
family, as OAuth 2.1 asks). Two Gatehouse processes on one SQLite state file get 20 concurrent checks of the same
session past refresh_interval: exactly one refresh reaches the provider, and no session is lost; the next round
sends the rotated token, never the cookie's again."""
import threading
import time

import fcgi_client
import pytest
import requests
from harness import CASE, RPClient, auth_params, provider_tables, run_rp_provider, token_requests, wait_for


@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


def refreshes(provider):
    return [e for e in token_requests(provider) if e.get("grant_type") == "refresh_token"]


def test_twenty_concurrent_checks_on_two_instances_send_one_refresh(gatehouse_factory, workdir, rp_provider):
    auth = 'redirect_uri = "https://app.example.com/oauth2/callback"\n' + provider_tables(rp_provider, [CASE])
    extra = 'refresh_interval = "2s"\nlog_level = "debug"\n'
    a = gatehouse_factory(auth=auth, extra_gatehouse=extra)
    b = gatehouse_factory(name="other", secret=a.secret, auth=auth, extra_gatehouse=extra)
    client = RPClient(a, rp_provider)
    _, callback = client.login(CASE)
    cookie = client.session_cookie(callback)
    logged_in = time.time()
    before = len(refreshes(rp_provider))

    def round_of_20():
        statuses = []

        def one(i):
            statuses.append(fcgi_client.request((a if i % 2 else b).address, auth_params(cookie=cookie), timeout=10).status)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return statuses

    # Past the interval (event: the clock), 20 checks at once, half on each instance.
    wait_for(lambda: time.time() > logged_in + 2.5, what="the refresh interval to pass")
    assert round_of_20() == [200] * 20, "every check is answered while the refresh runs"
    wait_for(lambda: len(refreshes(rp_provider)) > before and ("session refreshed" in a.log_text() + b.log_text()),
             timeout=5, what="the refresh")
    # Both instances keep asking (they still see the session as due until their mirrors have the refresh).
    for _ in range(10):
        assert fcgi_client.request(a.address, auth_params(cookie=cookie)).status == 200
        assert fcgi_client.request(b.address, auth_params(cookie=cookie)).status == 200
    first = refreshes(rp_provider)[before:]
    assert len(first) == 1, f"exactly one refresh reached the provider, not {len(first)}"
    assert first[0]["refresh"] == "rotated"

    # The next round: the rotated token from the store (a reuse would revoke the family and end the session).
    refreshed_at = time.time()
    wait_for(lambda: time.time() > refreshed_at + 2.5, what="the next refresh interval")
    assert round_of_20() == [200] * 20
    wait_for(lambda: len(refreshes(rp_provider)) > before + 1, timeout=5, what="the second refresh")
    for _ in range(10):
        assert fcgi_client.request(b.address, auth_params(cookie=cookie)).status == 200
    second = refreshes(rp_provider)[before:]
    assert [e["refresh"] for e in second] == ["rotated", "rotated"], "no refresh token was sent twice"
    log = a.log_text() + b.log_text()
    assert "session refresh failed" not in log and "session ended" not in log
    # No refresh token (the cookie's, nor any rotated one) reaches the debug log of either instance.
    issued = requests.get(rp_provider + "/_refresh_tokens").json()
    assert len(issued) >= 3 and not [t for t in issued if t in log]
