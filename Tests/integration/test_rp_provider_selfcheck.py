"""Self-check of the misbehaving OpenID provider fixture (rp_provider.py): does each case misbehave as designed?"""
import base64
import hashlib
import hmac
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
from joserfc.jwk import ECKey, KeySet, RSAKey

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


# --- provider sessions, back-channel logout, refresh tokens ----------------------------------------------------------

def authorize_in(browser, disc, sub="diana"):
    """An authorization request from `browser` (a requests.Session: the provider's cookie is kept). Returns the code."""
    verifier = secrets.token_urlsafe(48)
    r = browser.get(disc["authorization_endpoint"], allow_redirects=False, timeout=10, params={
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "state": "s", "scope": "openid",
        "nonce": "n1", "login_hint": sub, "code_challenge": b64u(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256"})
    assert r.status_code == 302
    return parse_qs(urlsplit(r.headers["Location"]).query)["code"][0], verifier


def sid_of(disc, browser, sub="diana"):
    code, verifier = authorize_in(browser, disc, sub)
    r = redeem(disc, code, verifier)
    assert r.status_code == 200
    return part(r.json()["id_token"], 1)["sid"]


def test_sid_is_one_per_provider_session(op):
    disc = discover(op, "rp-backchannel-rpinitlogout")
    assert disc["backchannel_logout_supported"] is True and disc["backchannel_logout_session_supported"] is True
    assert "sid" in disc["claims_supported"] and "refresh_token" in disc["grant_types_supported"]
    browser, other = requests.Session(), requests.Session()
    first = sid_of(disc, browser)
    assert sid_of(disc, browser) == first, "the same browser's provider session keeps its sid"
    assert sid_of(disc, other) != first, "another browser is another provider session"
    assert sid_of(disc, browser, "bruce") != first, "another user is another provider session"
    ended = sid_of(disc, browser)
    r = browser.get(disc["end_session_endpoint"], allow_redirects=False, timeout=10)
    assert r.status_code == 200 and "Max-Age=0" in r.headers["Set-Cookie"]
    assert sid_of(disc, browser) != ended, "end_session ended it"
    # The sid and sub are in the token request's log entry; no token value is.
    entry = [e for e in requests.get(f"{op}/_log", timeout=10).json() if e["endpoint"] == "token"][-1]
    assert entry["sid"] and entry["sub"] == "diana" and entry["grant_type"] == "authorization_code"


class Receiver:
    """A relying party's back-channel logout endpoint, in miniature: records each POST, answers `status`."""

    def __init__(self):
        import http.server
        received, receiver = [], self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"path": self.path, "content_type": self.headers["Content-Type"], "body": body})
                answer = b'{"ok":true}' if receiver.status == 200 else b'{"error":"invalid_request","error_description":"no"}'
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.status, self.received = 200, received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/backchannel_logout"

    def token(self, i=-1) -> str:
        form = parse_qs(self.received[i]["body"].decode())
        assert list(form) == ["logout_token"] and self.received[i]["content_type"] == "application/x-www-form-urlencoded"
        return form["logout_token"][0]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def send_logout(op, case, **body):
    r = requests.post(f"{op}/{case}/send-backchannel-logout", json=body, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def test_backchannel_logout_token_is_correct(op, receiver):
    case = "rp-backchannel-rpinitlogout"
    disc = discover(op, case)
    sid = sid_of(disc, requests.Session())
    sent = send_logout(op, case, uri=receiver.uri, sub="diana", sid=sid)
    assert sent["status"] == 200 and sent["headers"]["Cache-Control"] == "no-store" and sent["body"] == '{"ok":true}'
    token = receiver.token()
    assert sent["logout_token"] == token
    tok = verify(disc, token)
    c = tok.claims
    assert tok.header == {"alg": "RS256", "typ": "logout+jwt", "kid": "gatehouse-test-rsa-1"}
    assert c["iss"] == disc["issuer"] and c["aud"] == CLIENT_ID and c["sub"] == "diana" and c["sid"] == sid
    assert c["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert c["exp"] > c["iat"] and len(c["jti"]) >= 16 and "nonce" not in c
    # A sub alone, or a sid alone; jti fresh each time.
    send_logout(op, case, uri=receiver.uri, sub="diana")
    assert "sid" not in part(receiver.token(), 1) and part(receiver.token(), 1)["jti"] != c["jti"]
    send_logout(op, case, uri=receiver.uri, sid=sid)
    assert "sub" not in part(receiver.token(), 1)
    # The relying party's refusal comes back as it was.
    receiver.status = 400
    refused = send_logout(op, case, uri=receiver.uri, sub="diana", sid=sid)
    assert refused["status"] == 400 and json.loads(refused["body"])["error"] == "invalid_request"


def test_backchannel_replay_sends_the_same_token_again(op, receiver):
    case = "rp-backchannel-rpinitlogout"
    first = send_logout(op, case, uri=receiver.uri, sub="diana", sid="s1")
    again = send_logout(op, case, uri=receiver.uri, logout_token=first["logout_token"])
    assert again["logout_token"] == first["logout_token"] and receiver.token(0) == receiver.token(1)
    log = [e for e in requests.get(f"{op}/_log", timeout=10).json() if e["endpoint"] == "send-backchannel-logout"]
    assert [e["replay"] for e in log[-2:]] == [False, True] and log[-1]["rp_status"] == 200


def test_backchannel_only_to_loopback(op):
    r = requests.post(f"{op}/rp-backchannel-rpinitlogout/send-backchannel-logout", json={"uri": "http://192.0.2.1/x", "sub": "d"},
                      timeout=10)
    assert r.status_code == 400


@pytest.mark.parametrize("case, check", [
    ("rp-backchannel-rpinitlogout-lt-alg-none", lambda h, c: h == {"alg": "none", "typ": "logout+jwt"}),
    ("rp-backchannel-rpinitlogout-lt-no-event", lambda h, c: "events" not in c),
    ("rp-backchannel-rpinitlogout-lt-with-nonce", lambda h, c: c["nonce"] == "012345678"),
    ("rp-backchannel-rpinitlogout-lt-wrong-alg", lambda h, c: h["alg"] == "ES256" and h["kid"] == "single-ec-sig"),
    ("rp-backchannel-rpinitlogout-lt-wrong-aud", lambda h, c: c["aud"] == "https://example.com/"),
    ("rp-backchannel-rpinitlogout-lt-wrong-event", lambda h, c: list(c["events"]) == ["http://schemas.openid.net/event/not-backchannel-logout"]),
    ("rp-backchannel-rpinitlogout-lt-wrong-issuer", lambda h, c: c["iss"] == "https://example.org/"),
    ("backchannel-lt-hs256", lambda h, c: h["alg"] == "HS256"),
])
def test_backchannel_logout_token_misbehaves_in_one_way(op, receiver, case, check):
    disc = discover(op, case)
    assert disc["id_token_signing_alg_values_supported"] == ["RS256"]
    send_logout(op, case, uri=receiver.uri, sub="diana", sid="sid-1")
    token = receiver.token()
    header, claims = part(token, 0), part(token, 1)
    assert check(header, claims), (header, claims)
    # Everything else is as in the correct token.
    expected = {"iss": disc["issuer"], "aud": CLIENT_ID, "sub": "diana", "sid": "sid-1",
                "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}
    changed = {k for k in expected if claims.get(k) != expected[k]}
    assert len(changed) <= 1, changed
    signing_input, signature = token.rsplit(".", 1)
    if header["alg"] == "none":
        assert signature == ""
    elif header["alg"] == "HS256":
        mac = hmac.new(CLIENT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
        assert signature == b64u(mac)
    elif header["alg"] == "ES256":
        key = [k for k in jwks(disc) if k["kid"] == "single-ec-sig"][0]
        assert jwt.decode(token, ECKey.import_key(key), algorithms=["ES256"]).claims["sub"] == "diana"
    else:
        verify(disc, token)


def refresh(disc, token, headers=None):
    return requests.post(disc["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": token},
                         headers=basic() if headers is None else headers, timeout=10)


def test_refresh_token_rotation(op):
    case = "rp-id_token-sig-rs256"
    disc = discover(op, case)
    code, verifier = authorize_in(requests.Session(), disc)
    first = redeem(disc, code, verifier).json()
    old = verify(disc, first["id_token"]).claims
    assert first["refresh_token"] and old["nonce"] == "n1"
    r = refresh(disc, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    new = verify(disc, second["id_token"]).claims
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert (new["sub"], new["sid"], new["auth_time"]) == (old["sub"], old["sid"], old["auth_time"]) and "nonce" not in new
    assert new["iat"] >= old["iat"] and new["exp"] > new["iat"]
    assert new["at_hash"] == b64u(hashlib.sha256(second["access_token"].encode()).digest()[:16])
    # Every token works, then the next rotation.
    r = requests.get(disc["userinfo_endpoint"], headers={"Authorization": f"Bearer {second['access_token']}"}, timeout=10)
    assert r.status_code == 200
    third = refresh(disc, second["refresh_token"]).json()
    # Client authentication is required; another client or case gets nothing.
    assert refresh(disc, third["refresh_token"], headers={}).status_code == 401
    other = discover(op, "rp-response_type-code")
    wrong_case = refresh(other, third["refresh_token"])
    assert wrong_case.status_code == 400 and wrong_case.json()["error"] == "invalid_grant"
    assert refresh(disc, "never-issued").json()["error"] == "invalid_grant"
    # The log shows the grant types, never a token value.
    log = [e for e in requests.get(f"{op}/_log", timeout=10).json() if e["endpoint"] == "token" and e["case"] == case]
    assert [e["grant_type"] for e in log[-5:]] == ["authorization_code"] + ["refresh_token"] * 4
    text = json.dumps(log)
    for t in (first, second, third):
        assert t["refresh_token"] not in text and t["access_token"] not in text and t["id_token"] not in text


def test_refresh_token_reuse_revokes_the_family(op):
    disc = discover(op, "rp-id_token-sig-rs256")
    code, verifier = authorize_in(requests.Session(), disc)
    first = redeem(disc, code, verifier).json()
    second = refresh(disc, first["refresh_token"]).json()
    reused = refresh(disc, first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    # The whole family is gone: the newest refresh token and its access token too.
    assert refresh(disc, second["refresh_token"]).json()["error"] == "invalid_grant"
    r = requests.get(disc["userinfo_endpoint"], headers={"Authorization": f"Bearer {second['access_token']}"}, timeout=10)
    assert r.status_code == 401
    log = [e for e in requests.get(f"{op}/_log", timeout=10).json() if e["endpoint"] == "token"]
    assert [e.get("refresh") for e in log[-3:]] == ["rotated", "reused", "revoked"]
    # Another login of the same user is another family, untouched.
    code, verifier = authorize_in(requests.Session(), disc)
    assert refresh(disc, redeem(disc, code, verifier).json()["refresh_token"]).status_code == 200


def test_revoke_tokens_and_change_claims_control(op):
    disc = discover(op, "rp-id_token-sig-rs256")
    code, verifier = authorize_in(requests.Session(), disc, sub="carol")
    tokens = redeem(disc, code, verifier).json()
    assert verify(disc, tokens["id_token"]).claims["email"] == "carol@example.org"
    changed = requests.put(f"{op}/users/carol", json={"email": "carol@example.com", "groups": ["auditors"], "name": None}, timeout=10)
    assert changed.status_code == 200 and changed.json()["groups"] == ["auditors"] and "name" not in changed.json()
    tokens = refresh(disc, tokens["refresh_token"]).json()
    claims = verify(disc, tokens["id_token"]).claims
    assert claims["email"] == "carol@example.com" and claims["groups"] == ["auditors"] and "name" not in claims
    r = requests.post(f"{op}/users/carol/revoke-tokens", timeout=10)
    assert r.status_code == 200 and r.json() == {"revoked_families": 1}
    assert refresh(disc, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    r = requests.get(disc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
    assert r.status_code == 401
