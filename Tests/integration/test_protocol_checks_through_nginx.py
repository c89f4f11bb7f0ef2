"""Security checks that a single unit assertion used to guard alone (mutation testing found them caught by the
unit tests only), each backed here through real nginx with the shipped configs: an expired ID token, a forged
state that shares a real one's cookie prefix, a claim holding CR/LF, and an unverified email against an email
rule. scripts/mutants re-runs these against each deliberate bug."""
import urllib.parse

import pytest
import requests
from harness import free_port, proxied_site, rp_stack, rules_site, run_rp_provider, site, token_requests


NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


def start_and_authorize(nginx, provider_url, case):
    """/oauth2/start through nginx, then the provider's authorize (it answers at once): (pending cookie, callback URL)."""
    requests.post(provider_url + "/_reset")
    start = requests.get(nginx.url + "/oauth2/start?rd=%2F", headers=NAV, allow_redirects=False)
    assert start.status_code == 302, start.text
    pending = start.headers["Set-Cookie"].split(";")[0]
    back = requests.get(start.headers["Location"], allow_redirects=False)
    assert back.status_code == 302, back.text
    callback = urllib.parse.urlsplit(back.headers["Location"])
    return pending, f"{nginx.url}{callback.path}?{callback.query}"


def no_session(response):
    return not [c for c in response.headers.get("Set-Cookie", "").split(", ") if c.startswith("_gatehouse=") and "Max-Age=0" not in c]


def test_an_expired_id_token_signs_nobody_in(gatehouse_factory, nginx_factory, workdir, rp_provider):
    g, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider, case="rp-id_token-exp")
    pending, callback = start_and_authorize(nginx, rp_provider, "rp-id_token-exp")
    r = requests.get(callback, headers={**NAV, "Cookie": pending}, allow_redirects=False)
    assert r.status_code == 400 and no_session(r)
    assert len(token_requests(rp_provider, "rp-id_token-exp")) == 1, "the code was exchanged; the token was refused"
    assert "expired" in g.log_text()


def test_a_forged_state_sharing_the_cookie_prefix_is_refused(gatehouse_factory, nginx_factory, workdir, rp_provider):
    """The pending-login cookie is named after the state's first 16 characters: a state that keeps them and
    changes the rest finds the cookie, and must still be refused, before any token request."""
    g, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider)
    pending, callback = start_and_authorize(nginx, rp_provider, "rp-response_type-code")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)
    state = query["state"][0]
    forged_state = state[:16] + ("A" if state[16] != "A" else "B") + state[17:]
    forged = callback.replace(f"state={state}", f"state={forged_state}")
    assert forged != callback
    r = requests.get(forged, headers={**NAV, "Cookie": pending}, allow_redirects=False)
    assert r.status_code == 400 and no_session(r)
    assert token_requests(rp_provider, "rp-response_type-code") == []
    # The genuine state still works afterwards.
    ok = requests.get(callback, headers={**NAV, "Cookie": pending}, allow_redirects=False)
    assert ok.status_code == 302 and not no_session(ok)


def test_a_claim_holding_cr_lf_never_splits_a_header(gatehouse, nginx_factory, echo_app):
    port = free_port()
    nginx = nginx_factory(proxied_site(gatehouse.address, port, echo_app.port), port)
    cookie = {"_gatehouse": gatehouse.seal('{"sub":"eve","name":"Eve\\r\\nX-Injected: 1","email":"eve@example.org\\n"}')}
    got = requests.get(nginx.url + "/app/hello", cookies=cookie)
    assert got.status_code == 200, got.text
    headers = got.json()["headers"]
    assert not [k for k, v in headers if k.lower() == "x-injected"]
    names = [v for k, v in headers if k.lower() == "x-auth-request-name"]
    assert names == ["EveX-Injected: 1"], names
    assert all("\r" not in v and "\n" not in v for k, v in headers)


def test_an_unverified_email_does_not_satisfy_an_email_rule(gatehouse_factory, nginx_factory, workdir):
    g = gatehouse_factory(extra_gatehouse='[gatehouse.rules]\nallowed_email_domains = ["example.com"]\n')
    port = free_port()
    nginx = nginx_factory(rules_site(workdir, g.address, port), port)
    unverified = {"_gatehouse": g.seal('{"sub":"u","email":"u@example.com","email_verified":false}')}
    silent = {"_gatehouse": g.seal('{"sub":"s","email":"s@example.com"}')}
    verified = {"_gatehouse": g.seal('{"sub":"v","email":"v@example.com","email_verified":true}')}
    for cookie in (unverified, silent):
        r = requests.get(nginx.url + "/private/", cookies=cookie, headers=NAV, allow_redirects=False)
        assert r.status_code == 403 and "private area" not in r.text
    assert requests.get(nginx.url + "/private/", cookies=verified, headers=NAV).text == "private area\n"
    assert "email not verified" in g.log_text()


def test_a_callback_naming_another_issuer_is_refused(gatehouse_factory, nginx_factory, workdir, rp_provider):
    """RFC 9207: an `iss` in the callback that is not the provider this login went to (a mix-up attack)."""
    g, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider, case="iss-wrong")
    pending, callback = start_and_authorize(nginx, rp_provider, "iss-wrong")
    assert "iss=https%3A%2F%2Fmix-up.example" in callback
    r = requests.get(callback, headers={**NAV, "Cookie": pending}, allow_redirects=False)
    assert r.status_code == 400 and no_session(r)
    assert token_requests(rp_provider, "iss-wrong") == []


def test_unknown_kids_refetch_the_key_set_at_most_five_times_a_minute(gatehouse_factory, nginx_factory, workdir, rp_provider):
    """Every login below carries an ID token whose kid the JWKS lacks: the key set is fetched once, then
    re-fetched at most five times a minute, however many such callbacks come."""
    case = "rp-id_token-kid-unknown"
    g, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider, case=case)
    requests.post(rp_provider + "/_reset")
    for _ in range(8):
        start = requests.get(nginx.url + "/oauth2/start?rd=%2F", headers=NAV, allow_redirects=False)
        pending = start.headers["Set-Cookie"].split(";")[0]
        back = urllib.parse.urlsplit(requests.get(start.headers["Location"], allow_redirects=False).headers["Location"])
        r = requests.get(f"{nginx.url}{back.path}?{back.query}", headers={**NAV, "Cookie": pending}, allow_redirects=False)
        assert r.status_code == 400 and no_session(r)
    fetches = [e for e in requests.get(rp_provider + "/_log").json() if e["case"] == case and e["endpoint"] == "jwks"]
    assert len(fetches) == 1 + 5, len(fetches)


@pytest.mark.parametrize("lifetime,expected", [("30d", 200), ("1d", 302)])
def test_lowering_cookie_lifetime_ends_sessions_already_given_out(lifetime, expected, gatehouse_factory, nginx_factory, workdir):
    """A session sealed two days ago under the 30-day default (a second implementation makes it, with its past
    iat) passes; once the operator sets cookie_lifetime = "1d" it is refused, though its sealed exp is weeks away."""
    import time
    import gatehouse_cookie
    now = int(time.time())
    g = gatehouse_factory(extra_gatehouse=f'cookie_lifetime = "{lifetime}"')
    port = free_port()
    nginx = nginx_factory(site(workdir, g.address, port), port)
    old = gatehouse_cookie.seal_session(g.secret, "_gatehouse", "default", {"sub": "old"}, now - 2 * 86400, now + 28 * 86400)
    r = requests.get(nginx.url + "/private/page.html", cookies={"_gatehouse": old}, headers=NAV, allow_redirects=False)
    assert r.status_code == expected, (lifetime, r.status_code)


def test_a_session_of_a_provider_not_configured_is_refused(gatehouse, nginx_factory, workdir):
    """A provider taken out of the config (or never in it) ends its sessions at once, whatever their sealed exp."""
    import time
    import gatehouse_cookie
    now = int(time.time())
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    for provider, expected in (("default", 200), ("removed-partner", 302)):
        cookie = gatehouse_cookie.seal_session(gatehouse.secret, "_gatehouse", provider, {"sub": "p"}, now, now + 3600)
        r = requests.get(nginx.url + "/private/page.html", cookies={"_gatehouse": cookie}, headers=NAV, allow_redirects=False)
        assert r.status_code == expected, (provider, r.status_code)
