"""OpenID Connect Back-Channel Logout 1.0, the RP-initiated back-channel logout cases 21-28 of shared/OIDC-RP-CASES.md:
Gatehouse behind nginx with the shipped routes and a state store (SQLite), sessions made by logging in at
rp_provider, and the provider POSTing each case's logout token to /oauth2/backchannel_logout as a provider does. A
valid token is 200 (no-store) and ends the sessions of its sid, or of its sub when it has no sid; every wrong token
is 400 with a JSON error and ends nothing."""
import json

import pytest
import requests

import fcgi_client
from harness import (BACKCHANNEL_CASES, auth_params, free_port, login_through, provider_tables, run_rp_provider,
                     send_backchannel_logout, site, wait_for)

VALID = "rp-backchannel-rpinitlogout"
REFUSED = [c for c in BACKCHANNEL_CASES if c != VALID]
API = {"Accept": "application/json", "Sec-Fetch-Mode": "cors"}


@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


class Stack:
    def __init__(self, gatehouse, nginx, provider):
        self.g, self.nginx, self.provider = gatehouse, nginx, provider
        self.backchannel_uri = nginx.url + "/oauth2/backchannel_logout"

    def login(self, case=VALID, **kw):
        return login_through(self.nginx.url, self.provider, case, **kw)

    def logout(self, case=VALID, **body) -> dict:
        return send_backchannel_logout(self.provider, case, self.backchannel_uri, **body)

    def check(self, browser) -> int:
        """The check's answer for this browser's session: over FastCGI at /oauth2/auth (nginx keeps it internal),
        and the same through nginx for a protected page."""
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items() if k.startswith("_gatehouse"))
        direct = fcgi_client.request(self.g.address, auth_params(cookie)).status
        page = browser.get(self.nginx.url + "/private/page.html", headers=API, allow_redirects=False).status_code
        assert direct == page, (direct, page)
        return direct

    def wait_ended(self, browser):
        wait_for(lambda: self.check(browser) == 401, timeout=5, what="the session to end")


@pytest.fixture
def stack(gatehouse_factory, nginx_factory, workdir, rp_provider):
    port = free_port()
    g = gatehouse_factory(auth=f'redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"\n'
                               + provider_tables(rp_provider, BACKCHANNEL_CASES),
                          extra_gatehouse=f'cookie_secure = false\nlog_level = "debug"\nstate = "sqlite:{workdir}/state.db"\n')
    return Stack(g, nginx_factory(site(workdir, g.address, port), port), rp_provider)


def assert_refused(answer):
    assert answer["status"] == 400, answer
    assert answer["headers"]["Content-Type"].startswith("application/json")
    body = json.loads(answer["body"])
    assert body["error"] == "invalid_request" and body["error_description"], body


def test_rp_backchannel_rpinitlogout_ends_every_session_of_the_sid(stack):
    """Case 21: two Gatehouse sessions of one provider session (same sid), both end; the answer is 200, no-store.
    The same user's other provider session (another sid) is not that session: it stays (Back-Channel Logout 2.7)."""
    provider_browser = requests.Session()
    first, sid = stack.login(provider_browser=provider_browser)
    second, same_sid = stack.login(provider_browser=provider_browser)
    other, other_sid = stack.login()
    assert same_sid == sid != other_sid
    assert stack.check(first) == 200 and stack.check(second) == 200
    answer = stack.logout(sub="diana", sid=sid)
    assert answer["status"] == 200, answer
    assert answer["headers"]["Cache-Control"] == "no-store"
    stack.wait_ended(first)
    stack.wait_ended(second)
    assert stack.check(other) == 200
    # A new provider session signs in as before.
    fresh, new_sid = stack.login()
    assert new_sid != sid and stack.check(fresh) == 200


@pytest.mark.parametrize("case", REFUSED)
def test_a_wrong_logout_token_is_400_and_ends_nothing(stack, case):
    """Cases 22-28 (alg none, no event, with nonce, wrong alg, wrong aud, wrong event, wrong issuer) and an HS256
    token keyed with the client secret."""
    browser, sid = stack.login(case)
    assert_refused(stack.logout(case, sub="diana", sid=sid))
    assert stack.check(browser) == 200


def test_a_replayed_logout_token_is_400(stack):
    browser, sid = stack.login()
    first = stack.logout(sub="diana", sid=sid)
    assert first["status"] == 200
    stack.wait_ended(browser)
    assert_refused(stack.logout(logout_token=first["logout_token"]))
    # Neither the token nor its signature reaches the log, at debug level either.
    log = stack.g.log_text()
    assert first["logout_token"] not in log and first["logout_token"].split(".")[2] not in log


def test_a_logout_token_with_sub_only_ends_every_session_of_that_user_at_that_provider(stack):
    """No sid: every session of (iss, sub) ends: two provider sessions of diana. bruce, and diana at another provider
    (another issuer), keep theirs."""
    one, sid_one = stack.login()
    two, sid_two = stack.login()
    bruce, _ = stack.login(sub="bruce")
    elsewhere, _ = stack.login("rp-backchannel-rpinitlogout-lt-wrong-aud")
    assert sid_one != sid_two
    answer = stack.logout(sub="diana")
    assert answer["status"] == 200 and answer["headers"]["Cache-Control"] == "no-store"
    stack.wait_ended(one)
    stack.wait_ended(two)
    assert stack.check(bruce) == 200 and stack.check(elsewhere) == 200


def test_a_token_with_neither_sid_nor_sub_is_400(stack):
    browser, _ = stack.login()
    assert_refused(stack.logout())
    assert stack.check(browser) == 200


def test_an_expired_logout_token_is_400(stack):
    browser, sid = stack.login()
    assert_refused(stack.logout(sub="diana", sid=sid, claims={"iat": 1_600_000_000, "exp": 1_600_000_120}))
    assert stack.check(browser) == 200
