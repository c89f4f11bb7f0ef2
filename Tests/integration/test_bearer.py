"""API clients with `Authorization: Bearer` access tokens (issue 15), through real nginx and Apache with the shipped
configs, against rp_provider minting RFC 9068 JWT access tokens and answering RFC 7662 introspection: a valid token
gets the API and the identity headers; every bad token gets RFC 6750's 401 `invalid_token` (never a login
redirect); a missing scope 403 `insufficient_scope`; opaque tokens by introspection, the provider down 503."""
import pytest
import requests
from harness import (ROOT, apache_gatehouse, bearer_gatehouse, bearer_site, free_port, mint_token, run_rp_provider,
                     shipped_config, start_rp_provider, stop_process)

INVALID = 'Bearer realm="gatehouse", error="invalid_token"'
NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


@pytest.fixture
def api(gatehouse_factory, nginx_factory, echo_app, rp_provider):
    g = bearer_gatehouse(gatehouse_factory, rp_provider)
    port = free_port()
    return g, nginx_factory(bearer_site(g.address, port, echo_app.port), port)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def seen(response):
    """The identity headers the app behind nginx received."""
    return {k.lower(): v for k, v in response.json()["headers"] if k.lower().startswith("x-auth-request")}


def test_a_valid_jwt_access_token_gets_the_api_and_the_identity(api, rp_provider):
    g, nginx = api
    r = requests.get(nginx.url + "/api/things", headers=bearer(mint_token(rp_provider)))
    assert r.status_code == 200, r.text
    ids = seen(r)
    assert ids["x-auth-request-user"] == "diana" and ids["x-auth-request-email"] == "diana@example.org"
    assert ids["x-auth-request-provider"] == "default" and ids["x-auth-request-groups"] == "admins,staff"
    # Twice the same token: the second check is answered from the verified-token cache (same answer).
    again = requests.get(nginx.url + "/api/things", headers=bearer(mint_token(rp_provider)))
    assert again.status_code == 200


REFUSED = {
    "alg none": {"alg": "none"},
    "HS256 keyed with the public key": {"alg": "HS256-public"},
    "wrong aud": {"aud": "https://other-api.example.com"},
    "expired": {"exp_in": -3600},
    "wrong iss": {"claims": {"iss": "https://evil.example"}},
    "unknown kid": {"kid": "never-published"},
    "another key under the same kid": {"key": "other"},
    "no exp": {"drop": ["exp"]},
    # Its aud names the API too: only the ID-token check refuses it.
    "an ID token as an access token": {"id_token": True, "id_token_aud": ["gatehouse-test", "https://api.example.com"]},
    "typ of a logout token": {"typ": "logout+jwt"},
}


@pytest.mark.parametrize("how", REFUSED.values(), ids=REFUSED.keys())
def test_each_bad_token_is_refused_with_invalid_token(api, rp_provider, how):
    g, nginx = api
    token = mint_token(rp_provider, **how)
    for headers in ({}, NAV):
        r = requests.get(nginx.url + "/api/things", headers={**headers, **bearer(token)}, allow_redirects=False)
        assert r.status_code == 401, (how, r.status_code, r.text[:200])
        assert r.headers.get("WWW-Authenticate") == INVALID
        assert "Location" not in r.headers, "a request with a bearer token is never sent to a login"
    assert token not in g.log_text(), "a token never reaches the log"


def test_an_id_token_counts_only_with_accept_id_tokens(gatehouse_factory, nginx_factory, echo_app, rp_provider):
    g = bearer_gatehouse(gatehouse_factory, rp_provider, bearer_extra="accept_id_tokens = true")
    port = free_port()
    nginx = nginx_factory(bearer_site(g.address, port, echo_app.port), port)
    id_token = mint_token(rp_provider, id_token=True, id_token_aud=["gatehouse-test", "https://api.example.com"])
    r = requests.get(nginx.url + "/api/things", headers=bearer(id_token))
    assert r.status_code == 200 and seen(r)["x-auth-request-user"] == "diana"


def test_a_token_without_the_required_scope_is_403_insufficient_scope(api, rp_provider):
    g, nginx = api
    read_only = mint_token(rp_provider, scope="read")
    r = requests.get(nginx.url + "/api/write/x", headers=bearer(read_only))
    assert r.status_code == 403
    assert r.headers.get("WWW-Authenticate", "").startswith('Bearer realm="gatehouse", error="insufficient_scope"')
    assert "<html" not in r.text.lower()
    ok = requests.get(nginx.url + "/api/write/x", headers=bearer(mint_token(rp_provider, scope="read write")))
    assert ok.status_code == 200 and seen(ok)["x-auth-request-user"] == "diana"


def test_the_bearer_token_decides_even_next_to_a_valid_cookie(api, rp_provider):
    """Precedence: a request that carries a bearer token is judged by it alone; a valid session cookie beside a bad
    token does not let it through (and a good token works without any cookie)."""
    g, nginx = api
    cookie = {"_gatehouse": g.seal('{"sub":"bruce","email":"bruce@example.org"}')}
    assert requests.get(nginx.url + "/api/things", cookies=cookie).status_code == 200
    bad = requests.get(nginx.url + "/api/things", cookies=cookie, headers=bearer(mint_token(rp_provider, exp_in=-3600)))
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == INVALID
    good = requests.get(nginx.url + "/api/things", cookies=cookie, headers=bearer(mint_token(rp_provider)))
    assert good.status_code == 200 and seen(good)["x-auth-request-user"] == "diana"


def test_userinfo_answers_for_a_bearer_token(api, rp_provider):
    g, nginx = api
    r = requests.get(nginx.url + "/oauth2/userinfo", headers=bearer(mint_token(rp_provider)))
    assert r.status_code == 200
    user = r.json()
    assert user["is_logged_in"] is True and user["sub"] == "diana" and user["provider"] == "default"
    bad = requests.get(nginx.url + "/oauth2/userinfo", headers=bearer(mint_token(rp_provider, aud="elsewhere")))
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"] == INVALID


def test_opaque_tokens_active_and_inactive_by_introspection(api, rp_provider):
    g, nginx = api
    token = mint_token(rp_provider, "opaque", scope="read write")
    r = requests.get(nginx.url + "/api/write/x", headers=bearer(token))
    assert r.status_code == 200, r.text
    assert seen(r)["x-auth-request-email"] == "diana@example.org"
    inactive = requests.get(nginx.url + "/api/things", headers=bearer("never-issued-" + "x" * 30))
    assert inactive.status_code == 401 and inactive.headers["WWW-Authenticate"] == INVALID
    other_audience = mint_token(rp_provider, "opaque", aud="https://other-api.example.com")
    assert requests.get(nginx.url + "/api/things", headers=bearer(other_audience)).status_code == 401
    introspections = [e for e in requests.get(rp_provider + "/_log").json() if e["endpoint"] == "introspect"]
    assert [e["active"] for e in introspections] == [True, False, True]
    # Cached: the active token again asks the provider no more.
    assert requests.get(nginx.url + "/api/write/x", headers=bearer(token)).status_code == 200
    assert len([e for e in requests.get(rp_provider + "/_log").json() if e["endpoint"] == "introspect"]) == 3


def test_the_provider_down_is_503_never_200(gatehouse_factory, nginx_factory, echo_app):
    proc, url = start_rp_provider()
    try:
        g = bearer_gatehouse(gatehouse_factory, url)
        port = free_port()
        nginx = nginx_factory(bearer_site(g.address, port, echo_app.port), port)
        assert requests.get(nginx.url + "/api/x", headers=bearer(mint_token(url, "opaque"))).status_code == 200
        fresh_opaque, fresh_jwt = mint_token(url, "opaque"), mint_token(url, kid="rotated-away")
    finally:
        stop_process(proc)
    for token in (fresh_opaque, fresh_jwt):
        r = requests.get(nginx.url + "/api/x", headers=bearer(token))
        assert r.status_code == 503, (r.status_code, r.text[:200])
    assert "introspection endpoint of default" in g.log_text()


def test_apache_authorizer_with_a_bearer_token(gatehouse_factory, apache_factory, workdir, rp_provider):
    gport, port = free_port(), free_port()
    g = bearer_gatehouse(gatehouse_factory, rp_provider, listen=f"tcp:127.0.0.1:{gport}")
    root = workdir / "www"
    (root / "api" / "write").mkdir(parents=True)
    (root / "api" / "index.html").write_text("api\n")
    (root / "api" / "write" / "index.html").write_text("write\n")
    apache = apache_factory(apache_gatehouse(gport) + f"""
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot {root}
    <Directory {root}>
        Require all granted
    </Directory>
    <Location "/api/">
        Include {ROOT}/apache/gatehouse-protect.conf
    </Location>
    <Location "/api/write/">
        SetEnvIfExpr "true" GATEHOUSE_REQUIRED_SCOPES=write
        Include {ROOT}/apache/gatehouse-protect-rules.conf
    </Location>
    Include {ROOT}/apache/gatehouse-routes.conf
</VirtualHost>
""", port)
    ok = requests.get(apache.url + "/api/", headers=bearer(mint_token(rp_provider)))
    assert ok.status_code == 200 and ok.text == "api\n"
    for token in (mint_token(rp_provider, alg="none"), mint_token(rp_provider, exp_in=-3600), "not-a-token-at-all-xxxxxxxxxxxx"):
        r = requests.get(apache.url + "/api/", headers={**NAV, **bearer(token)}, allow_redirects=False)
        assert r.status_code == 401 and r.headers.get("WWW-Authenticate") == INVALID, (r.status_code, r.headers)
    scope = requests.get(apache.url + "/api/write/", headers=bearer(mint_token(rp_provider, scope="read")))
    assert scope.status_code == 403 and 'error="insufficient_scope", scope="write"' in scope.headers.get("WWW-Authenticate", "")
    assert requests.get(apache.url + "/api/write/", headers=bearer(mint_token(rp_provider, scope="write"))).status_code == 200


def test_lighttpd_shipped_config_with_a_bearer_token(gatehouse_factory, lighttpd_factory, workdir, rp_provider):
    gport, port = free_port(), free_port()
    bearer_gatehouse(gatehouse_factory, rp_provider, listen=f"tcp:127.0.0.1:{gport}")
    server = lighttpd_factory(shipped_config(workdir, gport, port), port)
    ok = requests.get(server.url + "/whoami.shtml", headers=bearer(mint_token(rp_provider)))
    assert ok.status_code == 200 and ok.text == "user=diana email=diana@example.org\n"
    bad = requests.get(server.url + "/whoami.shtml", headers={**NAV, **bearer(mint_token(rp_provider, key="other"))},
                       allow_redirects=False)
    assert bad.status_code == 401 and bad.headers.get("WWW-Authenticate") == INVALID and "Location" not in bad.headers
