"""The attack suite against the real binary, over raw FastCGI and through real nginx: return URLs (a sample
of Tests/corpus/return-urls.json), identity-header smuggling, oversized and malformed cookies, chunk sets,
FastCGI records and params, unparseable URIs, and a log that never holds a secret."""
import base64
import json
import re
import struct
import urllib.parse

import pytest
import requests

import fcgi_client
from harness import CLAIMS, ROOT, auth_params, free_port, site, start_stack

CORPUS = json.loads((ROOT / "Tests" / "corpus" / "return-urls.json").read_text())
ALLOWED_HOSTS = ["127.0.0.1"]
NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


def browser_host(location: str):
    """Where a browser goes for a Location (WHATWG-style forgiveness): None = same origin, else (scheme, host)."""
    s = location.strip("".join(chr(c) for c in range(0x21)))
    s = re.sub(r"[\t\r\n]", "", s).replace("\\", "/")
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", s, re.S)
    if m:
        scheme = m.group(1).lower()
        if scheme not in ("http", "https"):
            return (scheme, None)
        rest = m.group(2)
    elif s.startswith("//"):
        scheme, rest = "https", s
    else:
        return None
    authority = re.split(r"[/?#]", rest.lstrip("/"), maxsplit=1)[0]
    host = authority.rsplit("@", 1)[-1]
    if not host.startswith("["):
        host = host.rsplit(":", 1)[0]
    return (scheme, urllib.parse.unquote(host).lower().replace("\u3002", ".").replace("\uff0e", "."))


def stays_on_site(location: str) -> bool:
    target = browser_host(location)
    return target is None or (target[0] in ("http", "https") and target[1] in ALLOWED_HOSTS)


def sample(step: int):
    return [a["url"] for a in CORPUS["attacks"][::step]]


@pytest.fixture
def stack(gatehouse_factory, nginx_factory, workdir, mock_provider):
    return start_stack(gatehouse_factory, nginx_factory, workdir, mock_provider,
                       extra_gatehouse='log_level = "debug"\nallowed_redirect_hosts = ["127.0.0.1"]\n')


# --- return URLs through nginx -------------------------------------------------------------------------------

def test_corpus_sample_at_logout_through_nginx(stack):
    g, nginx = stack
    urls = sample(6)
    assert len(urls) >= 50
    for url in urls:
        r = requests.get(nginx.url + "/oauth2/sign_out", params={"rd": url}, allow_redirects=False)
        assert r.status_code in (302, 414), repr(url)[:100]          # 414: nginx refuses the longest ones itself
        assert stays_on_site(r.headers.get("Location", "/")), f"{url!r} -> {r.headers['Location']!r}"[:300]


def test_corpus_sample_through_a_whole_login(stack):
    g, nginx = stack
    for url in sample(25):
        http = requests.Session()
        start = http.get(nginx.url + "/oauth2/start", params={"rd": url}, allow_redirects=False)
        if start.status_code == 414:
            continue
        assert start.status_code == 302 and start.headers["Location"].startswith("http://127.0.0.1:"), repr(url)[:100]
        picked = http.post(start.headers["Location"], data={"sub": "alice"}, allow_redirects=False)
        done = http.get(picked.headers["Location"], allow_redirects=False)
        assert done.status_code == 302 and http.cookies.get("_gatehouse"), (url, done.text[:300])
        assert stays_on_site(done.headers["Location"]), f"{url!r} -> {done.headers['Location']!r}"[:300]


def test_original_uri_attacks_never_leave_the_site_through_nginx(stack):
    g, nginx = stack
    for path in ["//evil.com/", "/\\evil.com", "/%2F%2Fevil.com", "/%5Cevil.com", "/private/%0d%0aX:y", "/private//evil.com"]:
        r = requests.get(nginx.url + path, headers=NAV, allow_redirects=False)
        assert r.status_code in (302, 400, 401, 404), path
        if r.status_code == 302:
            login = urllib.parse.urlsplit(r.headers["Location"])
            assert login.path == "/oauth2/start"
            rd = urllib.parse.parse_qs(login.query).get("rd", ["/"])[0]
            assert stays_on_site(rd), (path, rd)


# --- identity headers ----------------------------------------------------------------------------------------

SPELLINGS = ["X-Auth-Request-User", "x-auth-request-user", "X-AUTH-REQUEST-USER", "X-Auth_Request_User", "X_Auth_Request_User",
             "x-auth-request_user", "X-Auth-Request-Email", "X-Auth_Request-Groups", "X-Auth-Request-Preferred-Username",
             "Remote-User", "REMOTE_USER", "X-Forwarded-User", "X-Auth-Request-Access-Token", "Authorization"]


def test_client_identity_headers_in_every_spelling_are_never_reflected(gatehouse):
    cookie = "_gatehouse=" + gatehouse.seal(CLAIMS)
    forged = {"HTTP_" + name.upper().replace("-", "_"): "mallory" for name in SPELLINGS}
    forged["REMOTE_USER"] = "mallory"
    ok = fcgi_client.request(gatehouse.address, auth_params(cookie, **forged))
    assert ok.status == 200
    assert ok.all("X-Auth-Request-User") == ["diana"] and ok.all("X-Auth-Request-Email") == ["diana@example.org"]
    assert b"mallory" not in ok.raw
    authz = fcgi_client.request(gatehouse.address, auth_params(cookie, **forged), role=fcgi_client.AUTHORIZER, stdin=None)
    assert authz.status == 200 and authz.header("Variable-REMOTE_USER") == "diana" and b"mallory" not in authz.raw
    # Without a session the forged headers change nothing.
    no = fcgi_client.request(gatehouse.address, auth_params(None, **forged))
    assert no.status == 401 and b"mallory" not in no.raw


def test_client_identity_headers_do_not_reach_the_page_through_nginx(gatehouse, nginx_factory, workdir):
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    cookie = {"_gatehouse": gatehouse.seal(CLAIMS)}
    for name in SPELLINGS:
        page = requests.get(nginx.url + "/private/whoami.shtml", cookies=cookie, headers={**NAV, name: "mallory"}, allow_redirects=False)
        assert page.status_code == 200 and page.text == "user=diana email=diana@example.org\n", name
        anon = requests.get(nginx.url + "/private/whoami.shtml", headers={**NAV, name: "mallory"}, allow_redirects=False)
        assert anon.status_code == 302 and "mallory" not in anon.text, name


# --- cookies and chunk sets ----------------------------------------------------------------------------------

def test_oversized_and_malformed_cookies_are_no_session(gatehouse):
    sealed = gatehouse.seal(CLAIMS)
    bad = [
        "_gatehouse_chunks=99999999",
        "_gatehouse_chunks=99999999; " + "; ".join(f"_gatehouse_{i}=AAAA" for i in range(50)),
        "; ".join(f"_gatehouse_{i}={sealed}" for i in range(50)),
        "_gatehouse=" + "A" * 100_000,
        "x=" + "y" * 100_000 + "; _gatehouse=" + sealed,            # the header is over the cap: not parsed at all
        "_gatehouse=" + sealed[:-1],
        "_gatehouse=" + sealed + "A",
        "_gatehouse=\"" + sealed,
        "_gatehouse=" + sealed[:10] + "+" + sealed[11:],                     # a character outside base64url
        "_gatehouse_0=" + sealed[:100] + "; _gatehouse_2=" + sealed[100:],    # a gap in the chunks
        "_gatehouse_login_x=" + sealed,                                      # a session sealed for another name
        "_gatehouse=%00" + sealed,
        ";;;;=;=;==;_gatehouse",
        "_gatehouse=" + base64.urlsafe_b64encode(b"\x01" + b"\x00" * 40).decode().rstrip("="),
    ]
    for cookie in bad:
        r = fcgi_client.request(gatehouse.address, auth_params(cookie), timeout=10)
        assert r.status == 401, cookie[:80]
        assert r.header("X-Auth-Request-User") is None
    assert gatehouse.proc.poll() is None
    # The valid cookie still works next to junk and duplicates (the first value of a name counts).
    ok = fcgi_client.request(gatehouse.address, auth_params("a=b; _gatehouse=" + sealed + "; _gatehouse=junk; _gatehouse_0=x"))
    assert ok.status == 200


def test_a_chunked_session_ignores_chunks_past_the_cap(gatehouse):
    big = json.loads(CLAIMS)
    big["groups"] = [f"group-{i:04d}-" + "x" * 40 for i in range(120)]
    sealed = gatehouse.seal(json.dumps(big))
    assert 3800 < len(sealed) <= 3 * 3800
    chunks = [sealed[i:i + 3800] for i in range(0, len(sealed), 3800)]
    jar = "; ".join(f"_gatehouse_{i}={c}" for i, c in enumerate(chunks))
    assert fcgi_client.request(gatehouse.address, auth_params(jar)).status == 200
    extra = jar + "; " + "; ".join(f"_gatehouse_{i}=AAAA" for i in range(len(chunks), 50))
    r = fcgi_client.request(gatehouse.address, auth_params(extra[:16000]))
    assert r.status == 200, "chunks beyond the cap are never read"


def test_huge_cookie_header_through_nginx_is_never_allowed(gatehouse, nginx_factory, workdir):
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    for header in ["_gatehouse_chunks=99999999", "_gatehouse=" + "A" * 100_000,
                   "; ".join(f"_gatehouse_{i}=" + "B" * 100 for i in range(50))]:
        r = requests.get(nginx.url + "/private/page.html", headers={**NAV, "Cookie": header}, allow_redirects=False)
        assert r.status_code in (302, 400, 401, 431) and "secret page" not in r.text


# --- FastCGI records and params ------------------------------------------------------------------------------

def begin(role=1, request_id=1, flags=0):
    return fcgi_client.record(fcgi_client.BEGIN_REQUEST, struct.pack(">HB5x", role, flags), request_id)


def params_records(params: dict, request_id=1):
    body = fcgi_client.encode_params(params)
    return fcgi_client.record(fcgi_client.PARAMS, body, request_id) + fcgi_client.record(fcgi_client.PARAMS, b"", request_id)


def raw_header(version, rtype, request_id, length, padding):
    return struct.pack(">BBHHBx", version, rtype, request_id, length, padding)


STDIN_END = fcgi_client.record(fcgi_client.STDIN, b"")
MALFORMED = {
    "params-before-begin": params_records(auth_params()) + begin() + STDIN_END,
    "version-2": raw_header(2, 1, 1, 8, 0) + struct.pack(">HB5x", 1, 0) + params_records(auth_params()),
    "unknown-record-type": begin() + fcgi_client.record(42, b"abc") + params_records(auth_params()) + STDIN_END,
    "filter-role": begin(role=3) + params_records(auth_params()) + STDIN_END,
    "role-zero": begin(role=0) + params_records(auth_params()) + STDIN_END,
    "request-id-zero": begin(request_id=0) + params_records(auth_params(), 0),
    "two-requests-multiplexed": begin(1) + begin(2) + params_records(auth_params(), 2) + params_records(auth_params(), 1) + STDIN_END,
    "abort-mid-params": begin() + fcgi_client.record(fcgi_client.PARAMS, fcgi_client.encode_params({"A": "b"})) + fcgi_client.record(2, b""),
    "get-values": fcgi_client.record(9, fcgi_client.encode_params({"FCGI_MAX_CONNS": "", "FCGI_MPXS_CONNS": ""}), 0),
    "params-one-byte-records": begin() + b"".join(fcgi_client.record(fcgi_client.PARAMS, bytes([b])) for b in fcgi_client.encode_params(auth_params()))
                               + fcgi_client.record(fcgi_client.PARAMS, b"") + STDIN_END,
    "max-padding": begin() + raw_header(1, 4, 1, 0, 255) + b"\0" * 255 + params_records(auth_params()) + STDIN_END,
    "param-length-past-record": begin() + fcgi_client.record(fcgi_client.PARAMS, b"\x05\x7fHELLOabc") + fcgi_client.record(fcgi_client.PARAMS, b""),
    "param-4byte-length-2MB-declared": begin() + fcgi_client.record(fcgi_client.PARAMS, b"\x80\x20\x00\x00\x01" + b"x" * 100),
    "nul-and-newlines-in-names": begin() + params_records({"DOCUMENT_URI\x00X": "/oauth2/auth", "HTTP_X\r\nY": "z", "": "", "REQUEST_URI": "/\x00"}) + STDIN_END,
    "non-utf8-values": begin() + params_records({"DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": b"/\xff\xfe\xc0\xaf", "HTTP_COOKIE": b"_gatehouse=\xff\x00"}) + STDIN_END,
    "duplicate-params": begin() + params_records(auth_params()) [:-8] + fcgi_client.record(fcgi_client.PARAMS, fcgi_client.encode_params({"DOCUMENT_URI": "/oauth2/userinfo"})) + fcgi_client.record(fcgi_client.PARAMS, b"") + STDIN_END,
    "65535-byte-records": begin() + b"".join(fcgi_client.record(fcgi_client.PARAMS, fcgi_client.encode_params({f"HTTP_X_{i}": "v" * 65520})[:65535]) for i in range(3)),
    "half-record-then-close": begin() + raw_header(1, 4, 1, 1000, 0) + b"x" * 10,
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_fastcgi_is_survived_and_never_allowed(gatehouse, name):
    try:
        stdout, _, _ = fcgi_client.exchange(gatehouse.address, MALFORMED[name], timeout=8)
    except OSError:
        stdout = b""
    assert not re.search(rb"Status: 20\d", stdout), f"{name}: {stdout[:200]!r}"
    assert gatehouse.proc.poll() is None, f"{name} killed the process"
    assert fcgi_client.request(gatehouse.address, auth_params()).status == 401
    assert fcgi_client.request(gatehouse.address, auth_params("_gatehouse=" + gatehouse.seal(CLAIMS))).status == 200


@pytest.mark.parametrize("uri", ["http://evil/", "", "*", "//evil", "/a\x00b", "/a\x7fb", "/x\\y", "%", "?x=1", "/" + "a" * 10000,
                                 "/\xff", "https://127.0.0.1/private/page.html", " /private"])
def test_unparseable_original_uri_without_a_session_is_401_never_200(gatehouse, uri):
    for role, stdin in [(fcgi_client.RESPONDER, b""), (fcgi_client.AUTHORIZER, None)]:
        extra = {"DOCUMENT_URI": "/private/page"} if role == fcgi_client.AUTHORIZER else {}
        r = fcgi_client.request(gatehouse.address, auth_params(None, uri=uri, **extra), role=role, stdin=stdin)
        assert r.status in (401, 302), (uri, role, r.status)
        if r.header("Location"):
            assert r.header("Location") == "/oauth2/start?rd=%2F" or stays_on_site(urllib.parse.unquote(r.header("Location").split("rd=")[1]))


# --- logs ----------------------------------------------------------------------------------------------------

def test_no_log_line_holds_a_cookie_code_token_or_client_secret(stack, mock_provider):
    g, nginx = stack
    # expose_tokens lets the test read the tokens back (who am I) to search the log for them.
    g.stop()
    g.configure({"auth": {"expose_tokens": ["id", "access"]}})
    g.start()
    http = requests.Session()
    http.headers.update(NAV)
    secrets = {"client secret": "test-secret-!@#", "client secret (form)": "test-secret-%21%40%23",
               "basic credentials": base64.b64encode(b"gatehouse-test:test-secret-%21%40%23").decode()}

    first = http.get(nginx.url + "/private/page.html", allow_redirects=False)
    start = http.get(urllib.parse.urljoin(nginx.url, first.headers["Location"]), allow_redirects=False)
    secrets["login cookie"] = next(v for k, v in http.cookies.items() if k.startswith("_gatehouse_login"))
    picked = http.post(start.headers["Location"], data={"sub": "alice"}, allow_redirects=False)
    callback = picked.headers["Location"]
    secrets["authorization code"] = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["code"][0]
    secrets["state"] = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["state"][0]
    done = http.get(callback, allow_redirects=False)
    assert done.status_code == 302
    secrets["session cookie"] = http.cookies["_gatehouse"]
    tokens = http.get(nginx.url + "/oauth2/userinfo").json()["tokens"]
    secrets["id token"], secrets["access token"] = tokens["id"], tokens["access"]
    assert http.get(nginx.url + "/private/page.html").status_code == 200
    # Failures: a replayed callback (code used, login cookie gone), a forged one, a tampered cookie, logout.
    assert http.get(callback, allow_redirects=False).status_code == 400
    assert requests.get(nginx.url + "/oauth2/callback", params={"code": "forged-code-123", "state": secrets["state"]},
                        cookies={k: v for k, v in http.cookies.items()}).status_code == 400
    tampered = secrets["session cookie"][:-6] + "AAAAAA"
    assert requests.get(nginx.url + "/private/page.html", cookies={"_gatehouse": tampered}, headers=NAV, allow_redirects=False).status_code == 302
    assert http.get(nginx.url + "/oauth2/sign_out", allow_redirects=False).status_code == 302

    log = g.log_text()
    assert "login" in log and "correlation_id" in log, "the log has the login and the failures: " + log[-2000:]
    for what, value in secrets.items():
        for piece in {value, value[:24], value[-24:]} if len(value) >= 24 else {value}:
            assert piece not in log, f"the log holds the {what}"
    for part in secrets["id token"].split("."):
        assert part[:20] not in log, "the log holds part of the ID token"
