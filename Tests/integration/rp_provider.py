#!/usr/bin/env python3
"""A small, deliberately misbehaving OpenID Connect provider for Gatehouse's relying-party tests.

Serves the 20 OpenID Foundation Basic RP and Config RP certification cases and the 8 RP-initiated back-channel
logout cases (listed in CASES below) plus extras:
`slow` (token endpoint sleeps 30 s), `garbage` (discovery answers non-JSON bytes), and RFC 9207's
`iss-advertised` (discovery says `authorization_response_iss_parameter_supported`, callbacks carry `iss`),
`iss-advertised-omitted` (says so, but leaves `iss` out) and `iss-omitted` (neither).
Every case is its own issuer:

    issuer         http://127.0.0.1:PORT/<case>
    discovery      <issuer>/.well-known/openid-configuration
    endpoints      <issuer>/authorize  <issuer>/token  <issuer>/userinfo  <issuer>/end_session
    keys           <issuer>/jwks   (rp-key-rotation-op-sign-key: <issuer>/jwks-<generation>.json, see below)
    test control   GET /_log (JSON list of the requests seen), POST /_reset (clear it), GET / (list of cases),
                   GET /_refresh_tokens (every refresh token issued)
                   POST <issuer>/send-backchannel-logout  {"uri": ..., "sub": ..., "sid": ...}: mints the case's
                        logout token, POSTs it (form field logout_token) to uri (loopback only) and answers
                        {"status", "headers", "body", "logout_token"} of the relying party's answer; a given
                        "logout_token" is sent again as it is (a replay), "claims" are merged into a minted one
                   POST /users/<sub>/revoke-tokens: every refresh token family (and access token) of that user ends
                   PUT /users/<sub>  {claim: value, ...}: changes the user's claims (null removes one)
                   POST <issuer>/mint-access-token  {"sub", "scope", "aud", "exp_in", ...}: an RFC 9068 JWT access
                        token signed with the case's key, or broken in one way (see Provider.access_token_jwt)
                   POST <issuer>/mint-opaque-token  {"sub", "scope", "aud", "exp_in"}: an opaque access token that
                        the introspection endpoint knows
Introspection (RFC 7662): POST <issuer>/introspect with client authentication as at the token endpoint and the
form field `token`; active for access tokens issued by the token endpoint or mint-opaque-token and not expired or
revoked (with sub, scope, aud, iss, exp, client_id and the user's claims), `{"active": false}` otherwise.

Usage: python3 rp_provider.py --port PORT [--host 127.0.0.1] [--client-id ID] [--client-secret SECRET]
Prints `READY http://HOST:PORT` once listening (--port 0 picks a free port); exits 0 on SIGTERM/SIGINT.

The provider is strict where a relying party can get things wrong:
  * one registered client (default client_id `gatehouse-test`, client_secret `test-secret-!@#`); the token
    endpoint requires client_secret_basic or client_secret_post (never both). In Basic, id and secret must be
    form-urlencoded first (RFC 6749 2.3.1): raw characters outside [A-Za-z0-9-._~*!'()+] are refused, so an
    unencoded `@` or `#` from the secret fails with 401 invalid_client;
  * PKCE: only S256; a code issued with a challenge needs the matching code_verifier, a code issued without one
    refuses a verifier (downgrade protection);
  * codes are single-use (the first redemption attempt that passes client authentication consumes the code),
    bound to the client and the redirect_uri, valid 120 s; the authorization request must ask for `openid`;
  * userinfo accepts the access token only in `Authorization: Bearer`; a token in the query or body gets 401;
  * every code exchange also issues a refresh token. `grant_type=refresh_token` rotates it: a new access token,
    refresh token and ID token (same sub and sid, fresh iat/exp, no nonce) each time, the old refresh token
    invalid. Presenting an invalidated one again is 400 invalid_grant and revokes its whole family (RFC 9700
    4.14.2). The request log shows each token request's grant_type, never a token value.
Provider sessions: an authorization request without the provider's session cookie (`op_session`, per case) starts
a provider session with a new `sid`; with it (same user), the session and its `sid` go on. Every ID token carries
the `sid`; end_session ends the provider session. Discovery advertises back-channel logout with `sid`.
Redirect URIs are not pre-registered: any absolute http(s) redirect_uri is accepted at /authorize.
UserInfo returns `sub`, `groups` and the claims of the requested scopes (profile, email, phone, address); the ID
token always carries email, email_verified, name, preferred_username and groups. `login_hint` picks the user
(default `diana`; unknown names get a synthesised user).

Key rotation: in both rotation cases every ID token is signed with a freshly generated RSA key whose kid is
`rotated_rsa_<unix time>_<counter>`; the JWKS then holds only that key. In `rp-key-rotation-op-sign-key` each
discovery fetch also generates a new key and publishes the JWKS under a new file name (`jwks-<n>.json`); older
file names answer 404 (a relying party must use the jwks_uri of the configuration it last fetched). In the
`-native` case the jwks_uri stays `<issuer>/jwks` and discovery changes nothing.
"""
import argparse
import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

# Per-case behaviour. Keys: claims (override ID token claims), drop (remove ID token claims), keys (which key set
# signs: default/single/multiple), kid (False: no kid in the JWS header), alg ("none": unsigned), bad_sig (sort the
# signature's characters), userinfo (override userinfo claims), discovery_issuer, rotate ("reset" on discovery or
# "native"), token_delay (seconds; overridable with --slow-seconds), garbage (discovery returns non-JSON bytes),
# iss_supported (discovery advertises RFC 9207), omit_iss (the authorization response carries no `iss`).
CASES = {
    "rp-response_type-code": {},
    "rp-scope-userinfo-claims": {},
    "rp-nonce-invalid": {"claims": {"nonce": "012345678"}},
    "rp-token_endpoint-client_secret_basic": {},
    "rp-id_token-aud": {"claims": {"aud": "https://example.com/"}},
    "rp-id_token-kid-absent-single-jwks": {"keys": "single", "kid": False},
    "rp-id_token-sig-none": {"alg": "none"},
    "rp-id_token-issuer-mismatch": {"claims": {"iss": "https://example.org/"}},
    "rp-id_token-kid-absent-multiple-jwks": {"keys": "multiple", "kid": False},
    "rp-id_token-bad-sig-rs256": {"bad_sig": True},
    "rp-id_token-iat": {"drop": ["iat"]},
    "rp-id_token-sig-rs256": {},
    "rp-id_token-sub": {"drop": ["sub"]},
    "rp-userinfo-bad-sub-claim": {"userinfo": {"sub": "foobar"}},
    "rp-userinfo-bearer-header": {},
    "rp-discovery-openid-configuration": {},
    "rp-discovery-jwks_uri-keys": {},
    "rp-discovery-issuer-not-matching-config": {"discovery_issuer": "https://example.com"},
    "rp-key-rotation-op-sign-key": {"rotate": "reset"},
    "rp-key-rotation-op-sign-key-native": {"rotate": "native"},
    # Not a certification case: an ID token that expired an hour ago (backs the exp check through nginx).
    "rp-id_token-exp": {"exp_in": -3600},
    "slow": {"token_delay": 30},
    "garbage": {"garbage": True},
    "iss-advertised": {"iss_supported": True},
    "iss-advertised-omitted": {"iss_supported": True, "omit_iss": True},
    "iss-omitted": {"omit_iss": True},
    # Not certification cases: a callback naming another issuer (a mix-up), and ID tokens naming a kid the JWKS
    # never publishes (each would make the client fetch the key set again, were it not rate-limited).
    "iss-wrong": {"iss_value": "https://mix-up.example"},
    "rp-id_token-kid-unknown": {"kid_name": "never-published"},
    # RP-initiated back-channel logout (Back-Channel Logout 1.0): logins as usual; the logout token that
    # send-backchannel-logout mints is correct in the first case and wrong in one way in each other one. Keys of
    # "logout": claims (override), drop (remove), alg ("none": unsigned; "ES256": signed by the case's published EC
    # signing key, while discovery advertises RS256 only for ID tokens; "HS256": an HMAC with the client secret).
    "rp-backchannel-rpinitlogout": {"logout": {}},
    # Front-channel logout (case 29): the logout page frames the client's registered frontchannel_logout_uri
    # (POST /<case>/register-frontchannel {"uri": ...}) with iss and sid.
    "rp-frontchannel-rpinitlogout": {},
    "rp-backchannel-rpinitlogout-lt-alg-none": {"logout": {"alg": "none"}},
    "rp-backchannel-rpinitlogout-lt-no-event": {"logout": {"drop": ["events"]}},
    "rp-backchannel-rpinitlogout-lt-with-nonce": {"logout": {"claims": {"nonce": "012345678"}}},
    "rp-backchannel-rpinitlogout-lt-wrong-alg": {"keys": "single", "logout": {"alg": "ES256"}},
    "rp-backchannel-rpinitlogout-lt-wrong-aud": {"logout": {"claims": {"aud": "https://example.com/"}}},
    "rp-backchannel-rpinitlogout-lt-wrong-event": {
        "logout": {"claims": {"events": {"http://schemas.openid.net/event/not-backchannel-logout": {}}}}},
    "rp-backchannel-rpinitlogout-lt-wrong-issuer": {"logout": {"claims": {"iss": "https://example.org/"}}},
    # Not a certification case: the other wrong algorithm, an HMAC keyed with the client secret.
    "backchannel-lt-hs256": {"logout": {"alg": "HS256"}},
}
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"

USERS = {
    "diana": {
        "sub": "diana", "name": "Diana Prince", "given_name": "Diana", "family_name": "Prince",
        "preferred_username": "diana", "email": "diana@example.org", "email_verified": True,
        "phone_number": "+46 90 7865000", "phone_number_verified": False,
        "address": {"formatted": "Imperativ Vägen 24\nSE-907 40 Umeå\nSweden", "street_address": "Imperativ Vägen 24",
                    "locality": "Umeå", "postal_code": "SE-907 40", "country": "Sweden"},
        "groups": ["admins", "staff"],
    },
    "bruce": {
        "sub": "bruce", "name": "Bruce Wayne", "given_name": "Bruce", "family_name": "Wayne",
        "preferred_username": "bruce", "email": "bruce@example.org", "email_verified": False, "groups": ["staff"],
    },
}
SCOPE_CLAIMS = {
    "profile": ["name", "given_name", "family_name", "preferred_username"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
    "address": ["address"],
}
ID_TOKEN_USER_CLAIMS = ["email", "email_verified", "name", "preferred_username", "groups"]
FORM_SAFE = re.compile(r"(?:[A-Za-z0-9\-._~*!'()+]|%[0-9A-Fa-f]{2})*")
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
GARBAGE = b"\x00\xff\xfe<html>definitely not {json\x89PNG\r\n"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_int(n: int, length: int = 0) -> str:
    return b64u(n.to_bytes(length or (n.bit_length() + 7) // 8, "big"))


def s256(verifier: str) -> str:
    return b64u(hashlib.sha256(verifier.encode("ascii")).digest())


def user_for(sub: str, overrides: dict | None = None) -> dict:
    user = dict(USERS.get(sub) or {"sub": sub, "name": sub.title(), "preferred_username": sub,
                                   "email": f"{sub}@example.org", "email_verified": True, "groups": []})
    for name, value in (overrides or {}).items():
        if value is None:
            user.pop(name, None)
        else:
            user[name] = value
    user["sub"] = sub
    return user


def add_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class Key:
    """An RSA-2048 or EC P-256 key with its public JWK."""

    def __init__(self, kty: str, use: str, kid: str):
        self.kty, self.use, self.kid = kty, use, kid
        if kty == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.alg = "RS256" if use == "sig" else "RSA-OAEP"
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            self.alg = "ES256" if use == "sig" else "ECDH-ES"

    def jwk(self) -> dict:
        pub = self.private.public_key().public_numbers()
        jwk = {"kty": self.kty, "use": self.use, "alg": self.alg, "kid": self.kid}
        if self.kty == "RSA":
            jwk.update(n=b64u_int(pub.n), e=b64u_int(pub.e))
        else:
            jwk.update(crv="P-256", x=b64u_int(pub.x, 32), y=b64u_int(pub.y, 32))
        return jwk

    def sign_rs256(self, data: bytes) -> bytes:
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def sign_es256(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# Static key sets: (kty, use, kid) per key; the index of the key that signs. Generated lazily, once.
KEY_SETS = {
    "default": ([("RSA", "sig", "gatehouse-test-rsa-1")], 0),
    "single": ([("RSA", "sig", "single-rsa-sig"), ("EC", "sig", "single-ec-sig"),
                ("RSA", "enc", "single-rsa-enc"), ("EC", "enc", "single-ec-enc")], 0),
    "multiple": ([("RSA", "enc", "m0"), ("RSA", "sig", "m1"), ("RSA", "enc", "m2"), ("RSA", "sig", "m3"),
                  ("EC", "sig", "m4"), ("EC", "enc", "m5"), ("EC", "sig", "m6"), ("EC", "enc", "m7")], 1),
}


class Rotation:
    """Key state of a rotation case: one current signing key, replaced on every ID token."""
    counter = 0

    def __init__(self, reset_on_discovery: bool):
        self.lock = threading.Lock()
        self.reset_on_discovery = reset_on_discovery
        self.generation = 0
        self.key = None

    def _fresh(self):
        Rotation.counter += 1
        self.key = Key("RSA", "sig", f"rotated_rsa_{int(time.time())}_{Rotation.counter}")

    def on_discovery(self):
        with self.lock:
            if self.reset_on_discovery:
                self.generation += 1
                self._fresh()

    def jwks_name(self) -> str:
        return f"jwks-{self.generation}.json" if self.reset_on_discovery else "jwks"

    def keys(self) -> list:
        with self.lock:
            if self.key is None:
                self._fresh()
            return [self.key]

    def new_signing_key(self) -> Key:
        with self.lock:
            self._fresh()
            return self.key


class Provider:
    """All mutable state: keys, codes, access tokens and the request log."""

    def __init__(self, client_id: str, client_secret: str, slow_seconds: float):
        self.client_id, self.client_secret, self.slow_seconds = client_id, client_secret, slow_seconds
        self.lock = threading.Lock()
        self.key_sets = {}
        self.rotations = {name: Rotation(cfg["rotate"] == "reset") for name, cfg in CASES.items() if "rotate" in cfg}
        self.codes, self.used_codes, self.tokens, self.log = {}, set(), {}, []
        # Refresh tokens: token -> {family, case, client_id, sub, sid, scope, auth_time, used, expires};
        # families: id -> {"revoked": bool, "sub": ...}. Provider sessions: sid -> {"case", "sub"}.
        self.refresh_tokens, self.families, self.op_sessions = {}, {}, {}
        self.frontchannel = {}  # case -> the client's frontchannel_logout_uri
        self.user_overrides: dict[str, dict] = {}

    def user(self, sub: str) -> dict:
        with self.lock:
            return user_for(sub, self.user_overrides.get(sub))

    def key_set(self, name: str) -> tuple:
        with self.lock:
            if name not in self.key_sets:
                specs, signer = KEY_SETS[name]
                self.key_sets[name] = ([Key(*spec) for spec in specs], signer)
            return self.key_sets[name]

    def published_keys(self, case: str) -> list:
        if case in self.rotations:
            return self.rotations[case].keys()
        return self.key_set(CASES[case].get("keys", "default"))[0]

    def signing_key(self, case: str) -> Key:
        if case in self.rotations:
            return self.rotations[case].new_signing_key()
        keys, signer = self.key_set(CASES[case].get("keys", "default"))
        return keys[signer]

    def id_token(self, case: str, issuer: str, grant: dict, access_token: str) -> tuple:
        cfg, now, user = CASES[case], int(time.time()), self.user(grant["sub"])
        claims = {"iss": issuer, "sub": user["sub"], "aud": grant["client_id"], "exp": now + cfg.get("exp_in", 300), "iat": now,
                  "auth_time": grant["auth_time"],
                  "at_hash": b64u(hashlib.sha256(access_token.encode("ascii")).digest()[:16])}
        if grant.get("nonce") is not None:
            claims["nonce"] = grant["nonce"]
        if grant.get("sid"):
            claims["sid"] = grant["sid"]
        claims.update({k: user[k] for k in ID_TOKEN_USER_CLAIMS if k in user})
        claims.update(cfg.get("claims", {}))
        for name in cfg.get("drop", ()):
            claims.pop(name, None)
        if cfg.get("alg") == "none":
            header, key = {"alg": "none"}, None
        else:
            key = self.signing_key(case)
            header = {"alg": "RS256", "typ": "JWT"}
            if cfg.get("kid", True):
                header["kid"] = cfg.get("kid_name", key.kid)
        signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
        signature = b64u(key.sign_rs256(signing_input.encode("ascii"))) if key else ""
        if cfg.get("bad_sig"):
            signature = "".join(sorted(signature))
        return signing_input + "." + signature, header

    def logout_token(self, case: str, issuer: str, sub: str | None, sid: str | None, extra: dict | None = None) -> str:
        """A Back-Channel Logout 1.0 logout token for the case, misbehaving as the case's "logout" says."""
        cfg, now = CASES[case].get("logout", {}), int(time.time())
        claims = {"iss": issuer, "aud": self.client_id, "iat": now, "exp": now + 120, "jti": secrets.token_urlsafe(16),
                  "events": {BACKCHANNEL_EVENT: {}}}
        if sub is not None:
            claims["sub"] = sub
        if sid is not None:
            claims["sid"] = sid
        claims.update(cfg.get("claims", {}))
        for name in cfg.get("drop", ()):
            claims.pop(name, None)
        claims.update(extra or {})
        alg = cfg.get("alg", "RS256")
        header = {"alg": alg, "typ": "logout+jwt"}
        key = None
        if alg == "RS256":
            key = self.rotations[case].keys()[0] if case in self.rotations else self.signing_key(case)
        elif alg == "ES256":
            key = next(k for k in self.published_keys(case) if k.kty == "EC" and k.use == "sig")
        if key is not None:
            header["kid"] = key.kid
        signing_input = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())).encode("ascii")
        if alg == "none":
            signature = b""
        elif alg == "HS256":
            signature = hmac.new(self.client_secret.encode(), signing_input, hashlib.sha256).digest()
        elif alg == "ES256":
            signature = key.sign_es256(signing_input)
        else:
            signature = key.sign_rs256(signing_input)
        return signing_input.decode("ascii") + "." + b64u(signature)

    def access_token_jwt(self, case: str, issuer: str, p: dict) -> str:
        """An RFC 9068 access token for user p["sub"] (default diana): typ at+jwt, aud p["aud"], scope p["scope"],
        exp now + p["exp_in"] (300), signed RS256 with the case's key. Broken as asked: "alg": "none" (unsigned),
        "alg": "HS256-public" (an HMAC keyed with the published public key's JWK text), "kid" (another kid in the
        header), "key": "other" (signed by a fresh key under the published kid), "claims" (override), "drop"
        (remove), "typ". "id_token": true mints the case's ID token for that user instead (its aud "id_token_aud", default
        the client_id)."""
        now, user = int(time.time()), self.user(p.get("sub", "diana"))
        if p.get("id_token"):
            grant = {"sub": user["sub"], "client_id": p.get("id_token_aud", self.client_id), "auth_time": now, "nonce": "n-123",
                     "sid": None}
            return self.id_token(case, issuer, grant, secrets.token_urlsafe(16))[0]
        claims = {"iss": issuer, "sub": user["sub"], "aud": p.get("aud", "https://api.example.com"), "client_id": self.client_id,
                  "iat": now, "exp": now + p.get("exp_in", 300), "jti": secrets.token_urlsafe(12), "scope": p.get("scope", "read")}
        claims.update({k: user[k] for k in ID_TOKEN_USER_CLAIMS if k in user})
        claims.update(p.get("claims", {}))
        for name in p.get("drop", ()):
            claims.pop(name, None)
        key = self.signing_key(case)
        alg = p.get("alg", "RS256")
        header = {"alg": "HS256" if alg == "HS256-public" else alg, "typ": p.get("typ", "at+jwt"), "kid": p.get("kid", key.kid)}
        signing_input = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())).encode("ascii")
        if alg == "none":
            signature = b""
        elif alg == "HS256-public":
            signature = hmac.new(json.dumps(key.jwk()).encode(), signing_input, hashlib.sha256).digest()
        elif p.get("key") == "other":
            signature = Key("RSA", "sig", key.kid).sign_rs256(signing_input)
        else:
            signature = key.sign_rs256(signing_input)
        return signing_input.decode("ascii") + "." + b64u(signature)

    def new_refresh_token(self, grant: dict, family: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.refresh_tokens[token] = {
                "family": family, "case": grant["case"], "client_id": grant["client_id"], "sub": grant["sub"],
                "sid": grant.get("sid"), "scope": grant["scope"], "auth_time": grant["auth_time"], "used": False,
                "expires": time.time() + 86400}
        return token

    def revoke_family(self, family: str):
        """Caller holds the lock. The family's refresh tokens and access tokens all stop working."""
        self.families[family]["revoked"] = True
        for token in [t for t, g in self.tokens.items() if g.get("family") == family]:
            del self.tokens[token]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GatehouseTestOP/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    # --- plumbing ---------------------------------------------------------------------------------------------

    def dispatch(self, method: str):
        self.op: Provider = self.server.provider
        self.extra_headers = {}   # per request: one handler serves every request of a kept-alive connection
        url = urlsplit(self.path)
        self.query = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        self.raw_body = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self.is_form = ctype == "application/x-www-form-urlencoded"
        self.form = dict(parse_qsl(self.raw_body.decode("utf-8", "replace"), keep_blank_values=True)) \
            if self.is_form else {}
        authz = self.headers.get("Authorization") or ""
        self.entry = {"time": time.time(), "method": method, "path": url.path, "case": None, "endpoint": None,
                      "client_auth": None, "bearer_header": authz[:7].lower() == "bearer ", "pkce": None}
        try:
            self.route(method, url.path)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a fixture bug must show up as a 500, not a hung or reset connection
            self.log_error("internal error: %r", exc)
            self.fail(500, "server_error", repr(exc))
        self.record()

    def record(self):
        """Logs this request once, before its answer goes out, so a client that reads /_log next sees it."""
        if self.entry["endpoint"] is not None and not self.entry.get("_recorded"):
            self.entry["_recorded"] = True
            with self.op.lock:
                self.op.log.append(self.entry)

    def route(self, method: str, path: str):
        if path == "/_log" and method == "GET":
            with self.op.lock:
                return self.send(200, list(self.op.log))
        if path == "/_refresh_tokens" and method == "GET":
            # Test control: every refresh token issued, so a test can show none reached a relying party's log.
            with self.op.lock:
                return self.send(200, sorted(self.op.refresh_tokens))
        if path == "/_reset" and method == "POST":
            with self.op.lock:
                self.op.log.clear()
            return self.send(200, {"ok": True})
        if path == "/":
            return self.send(200, {"cases": sorted(CASES)})
        users = re.fullmatch(r"/users/([^/]+)(/revoke-tokens)?", path)
        if users:
            return self.user_control(method, unquote_plus(users.group(1)), bool(users.group(2)))
        case, _, rest = path.lstrip("/").partition("/")
        if case not in CASES:
            return self.send(404, {"error": "not_found", "error_description": f"unknown case {case!r}"})
        issuer = f"{self.server.base_url}/{case}"
        self.entry.update(case=case, endpoint=rest)
        if rest == ".well-known/openid-configuration" and method == "GET":
            return self.discovery(case, issuer)
        if rest == "jwks" or re.fullmatch(r"jwks-\d+\.json", rest):
            return self.jwks(case, rest)
        if rest == "authorize":
            return self.authorize(case, issuer, {**self.query, **self.form})
        if rest == "token":
            if method != "POST":
                return self.send(405, {"error": "invalid_request", "error_description": "POST only"},
                                 headers={"Allow": "POST"})
            return self.token(case, issuer)
        if rest == "userinfo":
            return self.userinfo(case)
        if rest == "end_session":
            return self.end_session(case, {**self.query, **self.form})
        if rest == "send-backchannel-logout" and method == "POST":
            return self.send_backchannel_logout(case, issuer)
        if rest == "introspect" and method == "POST":
            return self.introspect(case, issuer)
        if rest in ("mint-access-token", "mint-opaque-token") and method == "POST":
            body = self.json_body()
            if body is None:
                return
            if rest == "mint-access-token":
                return self.send(200, {"access_token": self.op.access_token_jwt(case, issuer, body)})
            token = secrets.token_urlsafe(32)
            with self.op.lock:
                self.op.tokens[token] = {"case": case, "sub": body.get("sub", "diana"), "scope": body.get("scope", "read"),
                                         "aud": body.get("aud", "https://api.example.com"), "family": None,
                                         "expires": time.time() + body.get("exp_in", 300)}
            return self.send(200, {"access_token": token})
        if rest == "register-frontchannel" and method == "POST":
            self.entry["endpoint"] = "register-frontchannel"
            body = self.json_body()
            if body is None:
                return
            with self.op.lock:
                self.op.frontchannel[case] = body.get("uri")
            return self.send(200, {"ok": True})
        self.send(404, {"error": "not_found", "error_description": f"no endpoint {rest!r} in case {case!r}"})

    def send(self, status: int, body, ctype: str = "application/json", headers: dict | None = None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.entry["status"] = status
        self.record()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def fail(self, status: int, error: str, description: str, headers: dict | None = None):
        self.entry["error"] = error
        self.send(status, {"error": error, "error_description": description}, headers=headers)

    def html(self, status: int, title: str, text: str):
        self.send(status, f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>",
                  "text/html; charset=utf-8")

    # --- endpoints --------------------------------------------------------------------------------------------

    def discovery(self, case: str, issuer: str):
        cfg = CASES[case]
        if cfg.get("garbage"):
            return self.send(200, GARBAGE)
        jwks_name = "jwks"
        if case in self.op.rotations:
            self.op.rotations[case].on_discovery()
            jwks_name = self.op.rotations[case].jwks_name()
        self.send(200, {
            "issuer": cfg.get("discovery_issuer", issuer),
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/{jwks_name}",
            "end_session_endpoint": f"{issuer}/end_session",
            "introspection_endpoint": f"{issuer}/introspect",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["none"] if cfg.get("alg") == "none" else ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": True,
            "frontchannel_logout_session_supported": True,
            **({"authorization_response_iss_parameter_supported": True} if cfg.get("iss_supported") else {}),
            "scopes_supported": ["openid", "profile", "email", "phone", "address"],
            "claims_supported": sorted({"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "groups", "sid",
                                        *(c for cs in SCOPE_CLAIMS.values() for c in cs)}),
        })

    def jwks(self, case: str, name: str):
        rotation = self.op.rotations.get(case)
        expected = rotation.jwks_name() if rotation else "jwks"
        if name != expected:
            return self.fail(404, "not_found", f"this case publishes its keys at {expected!r}")
        self.send(200, {"keys": [k.jwk() for k in self.op.published_keys(case)]}, "application/jwk-set+json")

    def authorize(self, case: str, issuer: str, p: dict):
        self.entry["params"] = p
        redirect_uri, state = p.get("redirect_uri", ""), p.get("state")
        if p.get("client_id") != self.op.client_id:
            return self.html(400, "Unknown client", "client_id is not registered with this provider.")
        if urlsplit(redirect_uri).scheme not in ("http", "https") or not urlsplit(redirect_uri).netloc:
            return self.html(400, "Bad redirect_uri", "redirect_uri must be an absolute http(s) URL.")

        def back(**params):
            if state is not None:
                params["state"] = state
            if not CASES[case].get("omit_iss"):
                params["iss"] = CASES[case].get("iss_value", issuer)
            self.entry["error"] = params.get("error")
            self.send(302, b"", "text/plain", {"Location": add_query(redirect_uri, params), **self.extra_headers})

        if p.get("response_type") != "code":
            return back(error="unsupported_response_type", error_description="only response_type=code")
        if "openid" not in p.get("scope", "").split():
            return back(error="invalid_scope", error_description="scope must include openid")
        challenge, method = p.get("code_challenge"), p.get("code_challenge_method")
        if (challenge or method) and (method != "S256" or not challenge):
            return back(error="invalid_request", error_description="PKCE: code_challenge with method S256 only")
        code, sub = secrets.token_urlsafe(24), p.get("login_hint") or "diana"
        sid, new_session = self.provider_session(case, sub)
        self.entry.update(sub=sub, sid=sid)
        with self.op.lock:
            self.op.codes[code] = {
                "case": case, "client_id": p["client_id"], "redirect_uri": redirect_uri, "nonce": p.get("nonce"),
                "code_challenge": challenge, "scope": p.get("scope", ""), "sub": sub, "sid": sid,
                "auth_time": int(time.time()), "expires": time.time() + 120}
        self.extra_headers = {"Set-Cookie": f"op_session={sid}; Path=/{case}/; HttpOnly"} if new_session else {}
        back(code=code)

    def session_cookie(self) -> str | None:
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "op_session":
                return value
        return None

    def provider_session(self, case: str, sub: str) -> tuple:
        """The sid of this browser's provider session for that user, or a new one: (sid, new?)."""
        sid = self.session_cookie()
        with self.op.lock:
            known = self.op.op_sessions.get(sid)
            if known and known == {"case": case, "sub": sub}:
                return sid, False
            sid = secrets.token_urlsafe(16)
            self.op.op_sessions[sid] = {"case": case, "sub": sub}
        return sid, True

    def client_authentication(self):
        """Returns the authenticated client_id, or None after answering with an error."""
        authz = self.headers.get("Authorization") or ""
        basic, post = authz[:6].lower() == "basic ", "client_secret" in self.form
        self.entry["client_auth"] = "client_secret_basic" if basic else "client_secret_post" if post else "none"
        challenge = {"WWW-Authenticate": 'Basic realm="gatehouse-test-op"'}
        if basic and post:
            return self.fail(400, "invalid_request", "more than one client authentication method")
        if basic:
            try:
                raw_id, raw_secret = base64.b64decode(authz[6:].strip(), validate=True).decode().split(":", 1)
            except ValueError:
                return self.fail(401, "invalid_client", "malformed Basic credentials", challenge)
            if not (FORM_SAFE.fullmatch(raw_id) and FORM_SAFE.fullmatch(raw_secret)):
                return self.fail(401, "invalid_client",
                                 "Basic credentials must be form-urlencoded first (RFC 6749 2.3.1)", challenge)
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        elif post:
            client_id, secret = self.form.get("client_id", ""), self.form["client_secret"]
        else:
            return self.fail(401, "invalid_client", "client authentication required", challenge)
        if not (hmac.compare_digest(client_id.encode(), self.op.client_id.encode())
                and hmac.compare_digest(secret.encode(), self.op.client_secret.encode())):
            return self.fail(401, "invalid_client", "unknown client or wrong secret", challenge)
        if self.form.get("client_id", client_id) != client_id:
            return self.fail(401, "invalid_client", "client_id in the body differs from the authenticated one")
        return client_id

    def token(self, case: str, issuer: str):
        delay = CASES[case].get("token_delay")
        if delay:
            self.record()   # logged on arrival, so a test can wait for the request instead of sleeping
            time.sleep(self.op.slow_seconds if self.op.slow_seconds is not None else delay)
        if not self.is_form:
            return self.fail(400, "invalid_request", "body must be application/x-www-form-urlencoded")
        secret_fields = ("client_secret", "refresh_token")
        self.entry["params"] = {k: ("<redacted>" if k in secret_fields else v) for k, v in self.form.items()}
        self.entry["grant_type"] = self.form.get("grant_type")
        client_id = self.client_authentication()
        if client_id is None:
            return
        if self.form.get("grant_type") == "authorization_code":
            grant = self.code_grant(case, client_id)
            family = secrets.token_urlsafe(12)
            if grant is not None:
                with self.op.lock:
                    self.op.families[family] = {"revoked": False, "sub": grant["sub"]}
        elif self.form.get("grant_type") == "refresh_token":
            grant = self.refresh_grant(case, client_id)
            family = grant and grant["family"]
        else:
            return self.fail(400, "unsupported_grant_type", "only authorization_code and refresh_token")
        if grant is None:
            return
        access_token = secrets.token_urlsafe(32)
        with self.op.lock:
            self.op.tokens[access_token] = {"case": case, "sub": grant["sub"], "scope": grant["scope"], "family": family,
                                            "expires": time.time() + 300}
        refresh_token = self.op.new_refresh_token(grant, family)
        id_token, header = self.op.id_token(case, issuer, grant, access_token)
        self.entry.update(alg=header["alg"], kid=header.get("kid"), sub=grant["sub"], sid=grant.get("sid"))
        self.send(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                        "scope": grant["scope"], "id_token": id_token, "refresh_token": refresh_token},
                  headers={"Pragma": "no-cache"})

    def code_grant(self, case: str, client_id: str) -> dict | None:
        """The grant of an authorization code (used up), or None after answering with an error."""
        code = self.form.get("code", "")
        with self.op.lock:
            grant = self.op.codes.pop(code, None)
            replay = grant is None and code in self.op.used_codes
            self.op.used_codes.add(code)
        if grant is None:
            return self.fail(400, "invalid_grant", "code already used" if replay else "unknown code")
        if grant["case"] != case or grant["expires"] < time.time() or grant["client_id"] != client_id:
            return self.fail(400, "invalid_grant", "code expired or issued for another case or client")
        if self.form.get("redirect_uri") != grant["redirect_uri"]:
            return self.fail(400, "invalid_grant", "redirect_uri differs from the authorization request")
        verifier = self.form.get("code_verifier")
        if grant["code_challenge"]:
            if not verifier:
                self.entry["pkce"] = "missing"
                return self.fail(400, "invalid_grant", "code_verifier required")
            if not VERIFIER.fullmatch(verifier) or s256(verifier) != grant["code_challenge"]:
                self.entry["pkce"] = "failed"
                return self.fail(400, "invalid_grant", "code_verifier does not match the code_challenge")
            self.entry["pkce"] = "verified"
        elif verifier:
            self.entry["pkce"] = "unexpected"
            return self.fail(400, "invalid_grant", "code_verifier sent but no code_challenge was")
        else:
            self.entry["pkce"] = "not_used"
        return grant

    def refresh_grant(self, case: str, client_id: str) -> dict | None:
        """Rotation: the presented refresh token is used up; one presented again revokes its family. The grant for
        the new tokens (same user, sid, scope and auth_time; no nonce), or None after answering with an error."""
        token = self.form.get("refresh_token", "")
        with self.op.lock:
            held = self.op.refresh_tokens.get(token)
            family = self.op.families.get(held["family"]) if held else None
            if held is None or held["case"] != case or held["client_id"] != client_id:
                outcome = "unknown"
            elif family["revoked"] or held["expires"] < time.time():
                outcome = "revoked"
            elif held["used"]:
                outcome = "reused"
                self.op.revoke_family(held["family"])
            else:
                outcome = "rotated"
                held["used"] = True
        self.entry["refresh"] = outcome
        if outcome == "unknown":
            return self.fail(400, "invalid_grant", "unknown refresh token, or issued for another case or client")
        if outcome == "revoked":
            return self.fail(400, "invalid_grant", "refresh token revoked or expired")
        if outcome == "reused":
            return self.fail(400, "invalid_grant", "refresh token already used: every token of its family is revoked")
        self.entry["pkce"] = "not_used"
        return {"case": case, "client_id": client_id, "sub": held["sub"], "sid": held["sid"], "scope": held["scope"],
                "auth_time": held["auth_time"], "nonce": None, "family": held["family"]}

    def userinfo(self, case: str):
        realm = 'Bearer realm="gatehouse-test-op"'
        if "access_token" in self.query or "access_token" in self.form:
            return self.fail(401, "invalid_request", "send the access token in the Authorization header only",
                             {"WWW-Authenticate": realm + ', error="invalid_request"'})
        authz = self.headers.get("Authorization") or ""
        if not self.entry["bearer_header"]:
            return self.fail(401, "invalid_request", "Authorization: Bearer required", {"WWW-Authenticate": realm})
        with self.op.lock:
            grant = self.op.tokens.get(authz[7:].strip())
        if not grant or grant["case"] != case or grant["expires"] < time.time():
            return self.fail(401, "invalid_token", "unknown or expired access token",
                             {"WWW-Authenticate": realm + ', error="invalid_token"'})
        user, scopes = self.op.user(grant["sub"]), grant["scope"].split()
        names = ["sub", "groups"] + [c for s in scopes for c in SCOPE_CLAIMS.get(s, [])]
        claims = {k: user[k] for k in names if k in user}
        claims.update(CASES[case].get("userinfo", {}))
        self.send(200, claims)

    def introspect(self, case: str, issuer: str):
        """RFC 7662: the client authenticates as at the token endpoint; the log shows the answer, never the token."""
        if self.client_authentication() is None:
            return
        with self.op.lock:
            grant = self.op.tokens.get(self.form.get("token", ""))
        if not grant or grant["case"] != case or grant["expires"] < time.time():
            self.entry["active"] = False
            return self.send(200, {"active": False})
        user = self.op.user(grant["sub"])
        answer = {"active": True, "sub": grant["sub"], "scope": grant["scope"], "aud": grant.get("aud", self.op.client_id),
                  "iss": issuer, "exp": int(grant["expires"]), "client_id": self.op.client_id, "token_type": "Bearer"}
        answer.update({k: user[k] for k in ID_TOKEN_USER_CLAIMS if k in user})
        self.entry["active"] = True
        self.send(200, answer)

    def end_session(self, case: str, p: dict):
        self.entry["params"] = p
        sid = self.session_cookie()
        with self.op.lock:
            ended = self.op.op_sessions.pop(sid, None) if sid else None
        self.entry["sid"] = sid if ended else None
        clear = {"Set-Cookie": f"op_session=; Path=/{case}/; Max-Age=0"} if ended else {}
        with self.op.lock:
            frontchannel = self.op.frontchannel.get(case)
        if frontchannel and ended:
            # Front-Channel Logout 1.0: the logout page frames each client's URI with iss and sid.
            issuer = f"{self.server.base_url}/{case}"
            src = add_query(frontchannel, {"iss": issuer, "sid": sid})
            self.entry["frontchannel"] = src
            return self.send(200, "<!doctype html><title>Signed out</title><h1>Signed out</h1>"
                                  f'<iframe id="rp" src="{html.escape(src)}" width="400" height="200"></iframe>',
                             "text/html; charset=utf-8", clear)
        target = p.get("post_logout_redirect_uri")
        if target:
            params = {"state": p["state"]} if "state" in p else {}
            return self.send(302, b"", "text/plain", {"Location": add_query(target, params), **clear})
        self.send(200, "<!doctype html><title>Signed out</title><h1>Signed out</h1>"
                       "<p>You have been signed out of the test provider.</p>", "text/html; charset=utf-8", clear)

    def json_body(self):
        try:
            body = json.loads(self.raw_body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.fail(400, "invalid_request", "send a JSON object")
            return None
        return body

    def send_backchannel_logout(self, case: str, issuer: str):
        """Test control: mint the case's logout token (or take the given one, for a replay) and POST it to the
        relying party's back-channel logout URI, server to server; answer with what the relying party answered."""
        self.entry["endpoint"] = "send-backchannel-logout"
        p = self.json_body()
        if p is None:
            return
        uri = p.get("uri", "")
        host = urlsplit(uri).hostname or ""
        if urlsplit(uri).scheme not in ("http", "https") or not (host.startswith("127.") or host == "localhost"):
            return self.fail(400, "invalid_request", "uri must be an http(s) URL on a loopback address")
        token = p.get("logout_token") or self.op.logout_token(case, issuer, p.get("sub"), p.get("sid"), p.get("claims"))
        request = urllib.request.Request(uri, data=urlencode({"logout_token": token}).encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, headers, body = answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, dict(error.headers.items()), error.read()
        self.entry.update(sub=p.get("sub"), sid=p.get("sid"), rp_status=status, replay="logout_token" in p)
        self.send(200, {"status": status, "headers": headers, "body": body.decode("utf-8", "replace"),
                        "logout_token": token})

    def user_control(self, method: str, sub: str, revoke: bool):
        """Test control: POST /users/<sub>/revoke-tokens, PUT /users/<sub> {claims}."""
        self.entry.update(endpoint="revoke-tokens" if revoke else "user", sub=sub)
        if revoke and method == "POST":
            with self.op.lock:
                families = [f for f, v in self.op.families.items() if v["sub"] == sub and not v["revoked"]]
                for family in families:
                    self.op.revoke_family(family)
                for token in [t for t, g in self.op.tokens.items() if g["sub"] == sub]:
                    del self.op.tokens[token]
            return self.send(200, {"revoked_families": len(families)})
        if not revoke and method == "PUT":
            changes = self.json_body()
            if changes is None:
                return
            with self.op.lock:
                self.op.user_overrides.setdefault(sub, {}).update({k: v for k, v in changes.items() if k != "sub"})
            return self.send(200, self.op.user(sub))
        if not revoke and method == "GET":
            return self.send(200, self.op.user(sub))
        self.fail(405, "invalid_request", "POST /users/<sub>/revoke-tokens, GET or PUT /users/<sub>")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--client-id", default="gatehouse-test")
    ap.add_argument("--client-secret", default="test-secret-!@#")
    ap.add_argument("--slow-seconds", type=float, default=None, help="token delay of the `slow` case (30)")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = ap.parse_args(argv)
    if not (args.host.startswith("127.") or args.host == "localhost"):
        ap.error("the test provider binds loopback addresses only")
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.verbose = args.verbose
    server.provider = Provider(args.client_id, args.client_secret, args.slow_seconds)
    server.base_url = f"http://{args.host}:{server.server_address[1]}"

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"READY {server.base_url}", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
