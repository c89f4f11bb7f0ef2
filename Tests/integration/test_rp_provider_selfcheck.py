"""Self-check of the misbehaving OpenID provider fixture (rp_provider.py): does each case misbehave as designed?"""
import base64
import hashlib
import json
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey

PROVIDER = Path(__file__).with_name("rp_provider.py")
CLIENT_ID, CLIENT_SECRET = "gatehouse-test", "test-secret-!@#"
REDIRECT = "https://rp.example.test/oauth2/callback?x=1"


def start_provider(*extra):
    proc = subprocess.Popen([sys.executable, str(PROVIDER), "--port", "0", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(15)
    if not line or not line[0].startswith("READY http://127.0.0.1:"):
        proc.kill()
        pytest.fail(f"provider did not start: {line} {proc.stderr.read()}")
    return proc, line[0].split()[1]


@pytest.fixture(scope="module")
def op():
    proc, base = start_provider("--slow-seconds", "3")
    yield base
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def part(token: str, i: int) -> dict:
    seg = token.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def basic(client_id=CLIENT_ID, secret=CLIENT_SECRET, encode=True) -> dict:
    enc = quote_plus if encode else (lambda s: s)
    return {"Authorization": "Basic " + base64.b64encode(f"{enc(client_id)}:{enc(secret)}".encode()).decode()}


def discover(base, case):
    r = requests.get(f"{base}/{case}/.well-known/openid-configuration", timeout=10)
    assert r.status_code == 200
    return r.json()


def authorize(disc, pkce=True, nonce="n-0S6_WzA2Mj", **extra):
    verifier = secrets.token_urlsafe(48)
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "state": "st-123",
              "scope": "openid email profile phone address", "nonce": nonce, **extra}
    if pkce:
        params.update(code_challenge=b64u(hashlib.sha256(verifier.encode()).digest()), code_challenge_method="S256")
    r = requests.get(disc["authorization_endpoint"], params=params, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    loc = urlsplit(r.headers["Location"])
    q = {k: v[0] for k, v in parse_qs(loc.query).items()}
    assert loc.netloc == "rp.example.test" and q["x"] == "1" and q["state"] == "st-123"
    assert q["iss"] == disc["authorization_endpoint"].rsplit("/", 1)[0]
    return q, verifier


def redeem(disc, code, verifier, headers=None, **form):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **form}
    if verifier is not None:
        data["code_verifier"] = verifier
    return requests.post(disc["token_endpoint"], data=data, headers=basic() if headers is None else headers,
                         timeout=10)


def login(base, case, **kw):
    disc = discover(base, case)
    q, verifier = authorize(disc, **kw)
    r = redeem(disc, q["code"], verifier)
    assert r.status_code == 200, r.text
    return disc, r.json()


def jwks(disc):
    r = requests.get(disc["jwks_uri"], timeout=10)
    assert r.status_code == 200
    return r.json()["keys"]


def verify(disc, id_token, key=None):
    key = key or KeySet.import_key_set({"keys": jwks(disc)})
    return jwt.decode(id_token, key, algorithms=["RS256"])


def test_normal_case_full_flow(op):
    requests.post(f"{op}/_reset", timeout=10)
    disc = discover(op, "rp-id_token-sig-rs256")
    assert disc["issuer"] == f"{op}/rp-id_token-sig-rs256"
    assert disc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert disc["code_challenge_methods_supported"] == ["S256"]
    _, tokens = login(op, "rp-id_token-sig-rs256")
    assert tokens["token_type"] == "Bearer"
    tok = verify(disc, tokens["id_token"])
    c = tok.claims
    assert tok.header["kid"] == "gatehouse-test-rsa-1"
    assert c["iss"] == disc["issuer"] and c["aud"] == CLIENT_ID and c["sub"] == "diana"
    assert c["nonce"] == "n-0S6_WzA2Mj" and c["groups"] == ["admins", "staff"] and c["exp"] > c["iat"]
    assert c["at_hash"] == b64u(hashlib.sha256(tokens["access_token"].encode()).digest()[:16])
    r = requests.get(disc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 200
    assert r.json()["phone_number"] == "+46 90 7865000" and r.json()["sub"] == "diana"
    r = requests.get(disc["userinfo_endpoint"], params={"access_token": tokens["access_token"]})
    assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
    log = requests.get(f"{op}/_log", timeout=10).json()
    token_req = [e for e in log if e["endpoint"] == "token"][0]
    assert token_req["client_auth"] == "client_secret_basic" and token_req["pkce"] == "verified"
    assert [e["bearer_header"] for e in log if e["endpoint"] == "userinfo"] == [True, False]


def test_login_hint_and_scope_filtering(op):
    disc, tokens = login(op, "rp-scope-userinfo-claims", login_hint="bruce", scope="openid email")
    assert part(tokens["id_token"], 1)["sub"] == "bruce"
    r = requests.get(disc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.json() == {"sub": "bruce", "groups": ["staff"], "email": "bruce@example.org", "email_verified": False}


def test_bad_signature_fails_verification(op):
    disc, tokens = login(op, "rp-id_token-bad-sig-rs256")
    sig = tokens["id_token"].split(".")[2]
    assert sig == "".join(sorted(sig))
    with pytest.raises(BadSignatureError):
        verify(disc, tokens["id_token"])


def test_kid_absent_single_jwks(op):
    disc, tokens = login(op, "rp-id_token-kid-absent-single-jwks")
    keys = jwks(disc)
    assert sorted((k["kty"], k["use"]) for k in keys) == [("EC", "enc"), ("EC", "sig"), ("RSA", "enc"), ("RSA", "sig")]
    rsa_sig = [k for k in keys if k["kty"] == "RSA" and k["use"] == "sig"]
    assert len(rsa_sig) == 1
    assert "kid" not in part(tokens["id_token"], 0)
    verify(disc, tokens["id_token"], RSAKey.import_key(rsa_sig[0]))


def test_kid_absent_multiple_jwks(op):
    disc, tokens = login(op, "rp-id_token-kid-absent-multiple-jwks")
    keys = {k["kid"]: k for k in jwks(disc)}
    assert sorted(keys) == [f"m{i}" for i in range(8)]
    assert sorted(kid for kid, k in keys.items() if k["kty"] == "RSA" and k["use"] == "sig") == ["m1", "m3"]
    assert "kid" not in part(tokens["id_token"], 0)
    verify(disc, tokens["id_token"], RSAKey.import_key(keys["m1"]))
    with pytest.raises(BadSignatureError):
        verify(disc, tokens["id_token"], RSAKey.import_key(keys["m3"]))


@pytest.mark.parametrize("case", ["rp-key-rotation-op-sign-key", "rp-key-rotation-op-sign-key-native"])
def test_key_rotation_new_kid_per_token(op, case):
    disc, first = login(op, case)
    kid1 = part(first["id_token"], 0)["kid"]
    assert kid1.startswith("rotated_rsa_")
    assert [k["kid"] for k in jwks(disc)] == [kid1]
    verify(disc, first["id_token"])
    q, verifier = authorize(disc)  # second login with the cached configuration
    second = redeem(disc, q["code"], verifier).json()
    kid2 = part(second["id_token"], 0)["kid"]
    assert kid2 != kid1 and [k["kid"] for k in jwks(disc)] == [kid2]
    verify(disc, second["id_token"])
    again = discover(op, case)
    if case.endswith("-native"):
        assert again["jwks_uri"] == disc["jwks_uri"] == f"{op}/{case}/jwks"
        assert [k["kid"] for k in jwks(again)] == [kid2]
    else:
        assert again["jwks_uri"] != disc["jwks_uri"]
        assert requests.get(disc["jwks_uri"], timeout=10).status_code == 404
        assert [k["kid"] for k in jwks(again)] not in ([kid1], [kid2])


def test_pkce_wrong_or_missing_verifier_refused(op):
    disc = discover(op, "rp-response_type-code")
    q, _ = authorize(disc)
    r = redeem(disc, q["code"], secrets.token_urlsafe(48))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    q, _ = authorize(disc)
    r = redeem(disc, q["code"], None)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    q, _ = authorize(disc, pkce=False)  # no challenge: a verifier is a downgrade attempt, none is fine
    assert redeem(disc, q["code"], secrets.token_urlsafe(48)).status_code == 400
    q, _ = authorize(disc, pkce=False)
    assert redeem(disc, q["code"], None).status_code == 200


def test_code_replay_refused(op):
    disc = discover(op, "rp-response_type-code")
    q, verifier = authorize(disc)
    assert redeem(disc, q["code"], verifier).status_code == 200
    r = redeem(disc, q["code"], verifier)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant", "error_description": "code already used"}


def test_client_authentication_enforced(op):
    disc = discover(op, "rp-token_endpoint-client_secret_basic")
    q, verifier = authorize(disc)
    r = redeem(disc, q["code"], verifier, headers=basic(secret="wrong"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client" and "WWW-Authenticate" in r.headers
    r = redeem(disc, q["code"], verifier, headers=basic(encode=False))  # '@' and '#' not form-urlencoded
    assert r.status_code == 401 and "form-urlencoded" in r.json()["error_description"]
    r = redeem(disc, q["code"], verifier, headers={})
    assert r.status_code == 401
    r = redeem(disc, q["code"], verifier, headers={}, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert r.status_code == 200  # client_secret_post; failed authentications did not consume the code
    q, verifier = authorize(disc)
    r = redeem(disc, q["code"], verifier, redirect_uri="https://rp.example.test/other")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_claim_misbehaviour(op):
    claims = {case: part(login(op, case)[1]["id_token"], 1) for case in
              ("rp-nonce-invalid", "rp-id_token-aud", "rp-id_token-issuer-mismatch", "rp-id_token-iat",
               "rp-id_token-sub")}
    assert claims["rp-nonce-invalid"]["nonce"] == "012345678"
    assert claims["rp-id_token-aud"]["aud"] == "https://example.com/"
    assert claims["rp-id_token-issuer-mismatch"]["iss"] == "https://example.org/"
    assert "iat" not in claims["rp-id_token-iat"] and "sub" not in claims["rp-id_token-sub"]
    disc, tokens = login(op, "rp-userinfo-bad-sub-claim")
    verify(disc, tokens["id_token"])
    r = requests.get(disc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.json()["sub"] == "foobar"


def test_sig_none(op):
    disc, tokens = login(op, "rp-id_token-sig-none")
    assert disc["id_token_signing_alg_values_supported"] == ["none"]
    assert part(tokens["id_token"], 0) == {"alg": "none"} and tokens["id_token"].endswith(".")


def test_discovery_misbehaviour_and_errors(op):
    assert discover(op, "rp-discovery-issuer-not-matching-config")["issuer"] == "https://example.com"
    r = requests.get(f"{op}/garbage/.well-known/openid-configuration", timeout=10)
    with pytest.raises(ValueError):
        json.loads(r.content)
    assert requests.get(f"{op}/no-such-case/.well-known/openid-configuration", timeout=10).status_code == 404
    disc = discover(op, "rp-response_type-code")
    r = requests.get(disc["authorization_endpoint"], allow_redirects=False, timeout=10,
                     params={"response_type": "id_token", "client_id": CLIENT_ID, "redirect_uri": REDIRECT})
    assert parse_qs(urlsplit(r.headers["Location"]).query)["error"] == ["unsupported_response_type"]
    r = requests.get(disc["end_session_endpoint"], allow_redirects=False, timeout=10,
                     params={"post_logout_redirect_uri": "https://rp.example.test/bye", "state": "s1"})
    assert r.status_code == 302 and r.headers["Location"] == "https://rp.example.test/bye?state=s1"


def test_slow_token_endpoint(op):
    disc = discover(op, "slow")
    q, verifier = authorize(disc)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(disc["token_endpoint"], data={"grant_type": "authorization_code", "code": q["code"]},
                      headers=basic(), timeout=0.5)
