#!/usr/bin/env python3
"""Writes the committed seed corpora fuzz/corpus/<harness>/ (small, hand-made starting points).
Run once after editing; libFuzzer grows its own working corpus under fuzz/.build/corpus/."""
import base64
import json
import struct
from pathlib import Path

HERE = Path(__file__).parent
ISS = "https://idp.example.com"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(header: dict, claims: dict, sig: str = "c2ln") -> str:
    return b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode()) + "." + sig


def fcgi(params: dict) -> bytes:
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    out = b""
    for k, v in params.items():
        out += ln(len(k.encode())) + ln(len(v.encode())) + k.encode() + v.encode()
    return out


CLAIMS = {"iss": ISS, "sub": "diana", "aud": "client-1", "exp": 1800000300, "iat": 1800000000, "nonce": "n-0S6_WzA2Mj",
          "email": "d@example.org", "at_hash": "abc"}
SEEDS = {
    "return-url": ["/", "/page?x=1", "https://app.example.com/x", "https://wiki.corp.example.net:8443/p?q=1#f", "//evil.com",
                   "/\\evil.com", "/%2F%2Fevil.com", "https://app.example.com@evil.com/", "https://[::1]/", "javascript:alert(1)"],
    "session-cookie": ['{"p":"default","iat":1799999000,"exp":1800003600,"c":{"sub":"diana","groups":["a","b"]}}',
                       '{"p":"default","iat":1,"exp":2,"c":{}}', "_gatehouse=AQAB; _gatehouse_0=x; _gatehouse_1=y",
                       "_gatehouse_chunks=99999999; _gatehouse=" + "A" * 200, "a=b; c=\"d\"; _gatehouse=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw"],
    "fastcgi-params": [
        fcgi({"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/private/page?x=1", "HTTP_HOST": "app.example.com",
              "HTTP_COOKIE": "_gatehouse=AQAB", "HTTP_SEC_FETCH_MODE": "navigate", "REMOTE_ADDR": "10.1.2.3",
              "HTTP_X_FORWARDED_URI": "/x", "HTTP_X_FORWARDED_HOST": "app.example.com", "HTTP_X_AUTH_REQUEST_USER": "mallory"}),
        fcgi({"DOCUMENT_URI": "/oauth2/sign_out", "QUERY_STRING": "rd=%2F%2Fevil.com", "HTTP_COOKIE": "_gatehouse_0=a; _gatehouse_1=b"}),
        fcgi({"DOCUMENT_URI": "/oauth2/start", "QUERY_STRING": "rd=%2Fx&provider=default"}),
        fcgi({"DOCUMENT_URI": "/oauth2/callback", "QUERY_STRING": "code=a&state=b&iss=x", "HTTP_COOKIE": "_gatehouse_login_abc=x"}),
        fcgi({"DOCUMENT_URI": "/oauth2/userinfo", "HTTP_ACCEPT": "application/json"}),
        fcgi({"SCRIPT_NAME": "/oauth2", "PATH_INFO": "/auth", "REQUEST_URI": "http://evil/"}),
    ],
    "provider-metadata": [json.dumps({"issuer": ISS, "authorization_endpoint": ISS + "/a", "token_endpoint": ISS + "/t", "jwks_uri": ISS + "/k",
                                      "userinfo_endpoint": ISS + "/u", "end_session_endpoint": ISS + "/l",
                                      "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                                      "token_endpoint_auth_methods_supported": ["client_secret_post"]}),
                          json.dumps({"issuer": ISS, "authorization_endpoint": "ftp://x"}), "[]", "{\"issuer\":1}"],
    "jwks": [json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": "AQAB", "e": "AQAB"},
                                  {"kty": "EC", "crv": "P-256", "x": "A", "y": "B", "use": "enc"},
                                  {"kty": "oct", "k": "AAAA"}, {"kty": "OKP", "crv": "Ed25519", "x": "A"}]}),
             json.dumps({"keys": []}), json.dumps({"keys": [1, "a", None]})],
    "id-token": [jwt({"alg": "RS256", "kid": "k1", "typ": "JWT"}, CLAIMS), jwt({"alg": "none"}, CLAIMS, ""),
                 jwt({"alg": "HS256"}, CLAIMS), jwt({"alg": "ES256", "typ": "at+jwt"}, CLAIMS),
                 jwt({"alg": "RS256"}, dict(CLAIMS, aud=["client-1", "other"], azp="client-1", nbf=1799999999)), "a.b.c", "..."],
    "token-response": [json.dumps({"id_token": jwt({"alg": "RS256", "kid": "k1"}, CLAIMS), "access_token": "at", "token_type": "Bearer"}),
                       json.dumps({"error": "invalid_grant"}), json.dumps({"sub": "diana", "email": "x"}), "not json"],
    "bearer": [("Bearer " + jwt({"alg": "RS256", "kid": "k1", "typ": "at+jwt"},
                                {"iss": ISS, "sub": "diana", "aud": "https://api.example.com", "exp": 1800000300, "scope": "read"})).encode(),
               ("Bearer " + jwt({"alg": "none", "typ": "at+jwt"}, {"iss": ISS, "sub": "d", "aud": "https://api.example.com", "exp": 1800000300}, "")).encode(),
               ("bearer " + jwt({"alg": "HS256", "kid": "k1"}, dict(CLAIMS, aud="https://api.example.com"))).encode(),
               b"Bearer opaque-token\x00" + json.dumps({"active": True, "sub": "diana", "aud": "https://api.example.com", "exp": 1800000300}).encode(),
               b"Bearer opaque-token\x00" + json.dumps({"active": False}).encode(),
               b"Bearer a.b\x00not json", b"Bearer ====", b"Basic YTpi", b"Bearer"],
    "config": [
        '[auth]\nredirect_uri = "https://app.example.com/oauth2/callback"\ncookie_secret = "fuzzfuzzfuQ7fP2xZr9LmN4vB8cT1yW6eH3jK5sD0aG"\n'
        'client_id = "c"\nclient_secret = "s"\nserver_metadata_url = "https://idp.example.com/.well-known/openid-configuration"\n'
        '[gatehouse]\nlisten = "unix:/run/g.sock"\nworkers = 4\nread_timeout = "2s"\nallowed_redirect_hosts = [".example.com"]\n'
        'trusted_proxies = ["10.0.0.0/8", "::1/128"]\nlog_level = "debug"\n[gatehouse.secret_env]\n"auth.client_secret" = "GH_SECRET"\n',
        '[auth]\ncookie_secret = "short"\n[auth.google]\nclient_id = 1\n[gatehouse]\nworkers = 0\nprefix = "x"\n',
        '[auth]\ncookie_secret = "fuzzfuzzfuQ7fP2xZr9LmN4vB8cT1yW6eH3jK5sD0aG"\n[gatehouse.rules]\nallow_groups = ["a"]\n',
        "a = [1, 2\n", '[gatehouse]\nprovider_timeout = "99999999999999h"\ncookie_lifetime = "-1s"\n',
    ],
}


def main():
    for harness, seeds in SEEDS.items():
        d = HERE / "corpus" / harness
        d.mkdir(parents=True, exist_ok=True)
        for i, s in enumerate(seeds):
            (d / f"seed-{i:02d}").write_bytes(s if isinstance(s, bytes) else s.encode())
    print("seeds written:", {k: len(v) for k, v in SEEDS.items()})


if __name__ == "__main__":
    main()
