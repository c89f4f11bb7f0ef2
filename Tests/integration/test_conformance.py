"""The OpenID Foundation's Basic and Config RP cases (shared/OIDC-RP-CASES.md), served by our misbehaving
provider (rp_provider.py), each asserting Gatehouse's exact outcome. Gatehouse is driven over FastCGI; the
provider's pages are followed with an HTTP client."""
import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import requests

import fcgi_client
from harness import RPClient, rp_stack, run_rp_provider, token_requests

HERE = Path(__file__).parent
CASES = [
    "rp-response_type-code", "rp-scope-userinfo-claims", "rp-nonce-invalid", "rp-token_endpoint-client_secret_basic",
    "rp-id_token-aud", "rp-id_token-kid-absent-single-jwks", "rp-id_token-sig-none", "rp-id_token-issuer-mismatch",
    "rp-id_token-kid-absent-multiple-jwks", "rp-id_token-bad-sig-rs256", "rp-id_token-iat", "rp-id_token-sig-rs256",
    "rp-id_token-sub", "rp-userinfo-bad-sub-claim", "rp-userinfo-bearer-header", "rp-discovery-openid-configuration",
    "rp-discovery-jwks_uri-keys", "rp-discovery-issuer-not-matching-config", "rp-key-rotation-op-sign-key",
    "rp-key-rotation-op-sign-key-native", "slow", "garbage", "iss-advertised", "iss-advertised-omitted", "iss-omitted",
]
SCOPE = "openid email profile phone address"


@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


@pytest.fixture
def rp(gatehouse_factory, rp_provider):
    """Gatehouse with one named provider per case (and `sig-none-allowed`, the sig-none case with `none` allowed)."""
    tables = ""
    for name, case in [(c, c) for c in CASES] + [("sig-none-allowed", "rp-id_token-sig-none")]:
        tables += f"""
[auth.{name}]
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{rp_provider}/{case}/.well-known/openid-configuration"
client_kwargs = {{ scope = "{SCOPE}" }}
"""
    g = gatehouse_factory(auth='redirect_uri = "https://app.example.com/oauth2/callback"\n' + tables,
                          extra_gatehouse='provider_timeout = "2s"\n[gatehouse.providers.sig-none-allowed]\nallowed_signing_algorithms = ["none"]\n')
    requests.post(rp_provider + "/_reset")
    return RPClient(g, rp_provider)


def accepted(rp, case):
    start, callback = rp.login(case)
    assert callback is not None, f"{case}: no login started ({start.status})"
    assert callback.status == 302 and callback.header("Location") == "/after-login", callback.body[:400]
    cookie = rp.session_cookie(callback)
    assert cookie, f"{case}: no session"
    check = rp.call("/oauth2/auth", cookie=cookie)
    assert check.status == 200 and check.header("X-Auth-Request-User") == "diana"
    return cookie


def rejected_id_token(rp, case):
    _, callback = rp.login(case)
    assert callback is not None
    assert callback.status == 400, callback.body[:400]
    assert b"could not be verified" in callback.body and b"Reference:" in callback.body
    assert rp.session_cookie(callback) is None


@pytest.mark.parametrize("case", ["rp-response_type-code", "rp-id_token-sig-rs256", "rp-discovery-openid-configuration",
                                  "rp-discovery-jwks_uri-keys", "rp-id_token-kid-absent-single-jwks"])
def test_accepted(rp, case):
    accepted(rp, case)


@pytest.mark.parametrize("case", ["rp-nonce-invalid", "rp-id_token-aud", "rp-id_token-issuer-mismatch",
                                  "rp-id_token-bad-sig-rs256", "rp-id_token-iat", "rp-id_token-sub"])
def test_id_token_rejected(rp, case):
    rejected_id_token(rp, case)


def test_response_type_code_and_pkce(rp):
    accepted(rp, "rp-response_type-code")
    authorize = rp.provider_log("authorize", "rp-response_type-code")[-1]
    token = rp.provider_log("token", "rp-response_type-code")[-1]
    assert authorize["params"]["response_type"] == "code"
    assert authorize["params"]["code_challenge_method"] == "S256"
    assert token["pkce"] == "verified"


def test_client_secret_basic(rp):
    accepted(rp, "rp-token_endpoint-client_secret_basic")
    assert rp.provider_log("token", "rp-token_endpoint-client_secret_basic")[-1]["client_auth"] == "client_secret_basic"


def test_scope_userinfo_claims(rp):
    cookie = accepted(rp, "rp-scope-userinfo-claims")
    me = rp.whoami(cookie)
    assert me["phone_number"] == "+46 90 7865000", "phone_number comes only from userinfo"
    assert me["address"]["country"]
    assert rp.provider_log("authorize", "rp-scope-userinfo-claims")[-1]["params"]["scope"] == SCOPE


def test_userinfo_bearer_header(rp):
    cookie = accepted(rp, "rp-userinfo-bearer-header")
    assert "phone_number" in rp.whoami(cookie)
    assert rp.provider_log("userinfo", "rp-userinfo-bearer-header")[-1]["bearer_header"] is True


def test_userinfo_bad_sub_is_refused(rp):
    """Either outcome conforms; Gatehouse keeps the login and discards the userinfo claims (as mod_auth_openidc)."""
    cookie = accepted(rp, "rp-userinfo-bad-sub-claim")
    me = rp.whoami(cookie)
    assert me["sub"] == "diana" and "phone_number" not in me
    assert "userinfo refused" in rp.g.log_text()


def test_sig_none_refused_by_default_accepted_when_configured(rp):
    rejected_id_token(rp, "rp-id_token-sig-none")
    accepted(rp, "sig-none-allowed")


def test_kid_absent_multiple_keys_tries_each_candidate(rp):
    """Either outcome conforms; Gatehouse tries every RSA signing key and accepts the one that verifies."""
    accepted(rp, "rp-id_token-kid-absent-multiple-jwks")


def test_discovery_issuer_mismatch_starts_no_login(rp):
    start, callback = rp.login("rp-discovery-issuer-not-matching-config")
    assert callback is None and start.status == 502
    assert b"misconfigured" in start.body
    assert rp.provider_log("authorize", "rp-discovery-issuer-not-matching-config") == []


@pytest.mark.parametrize("case", ["rp-key-rotation-op-sign-key", "rp-key-rotation-op-sign-key-native"])
def test_key_rotation(rp, case):
    accepted(rp, case)
    accepted(rp, case)
    kids = [e["kid"] for e in rp.provider_log("token", case) if e.get("kid")]
    assert len(set(kids)) == 2, "each login was signed with a new key"


def test_slow_token_endpoint_is_a_504_within_the_timeout(rp):
    _, callback = rp.login("slow")
    assert callback.status == 504


def test_garbage_discovery_is_a_502(rp):
    start, _ = rp.login("garbage")
    assert start.status == 502 and start.header("Location") is None


@pytest.mark.parametrize("case", ["iss-advertised", "iss-omitted"])
def test_rfc9207_iss_present_or_not_advertised_is_accepted(rp, case):
    accepted(rp, case)


def test_rfc9207_iss_advertised_but_omitted_is_a_400_without_token_request(rp):
    """The provider advertises authorization_response_iss_parameter_supported, the callback lacks iss: a mix-up."""
    _, callback = rp.login("iss-advertised-omitted")
    assert callback is not None
    assert callback.status == 400 and b"did not say which service sent it" in callback.body and b"Reference:" in callback.body
    assert rp.session_cookie(callback) is None
    assert rp.provider_log("token", "iss-advertised-omitted") == []


def test_rfc9207_iss_advertised_but_omitted_through_nginx(gatehouse_factory, nginx_factory, workdir, rp_provider):
    """The same through the shipped nginx routes: no session, no token request."""
    _, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider, case="iss-advertised-omitted")
    http = requests.Session()
    start = http.get(nginx.url + "/oauth2/start?rd=%2F", allow_redirects=False)
    back = requests.get(start.headers["Location"], allow_redirects=False)
    callback = urllib.parse.urlsplit(back.headers["Location"])
    assert "iss" not in urllib.parse.parse_qs(callback.query)
    done = http.get(f"{nginx.url}{callback.path}?{callback.query}", allow_redirects=False)
    assert done.status_code == 400 and "did not say which service sent it" in done.text
    assert "_gatehouse" not in http.cookies and token_requests(rp_provider, "iss-advertised-omitted") == []
