"""The decision cache in nginx (issue 14): nginx/gatehouse-routes-cached.conf in front of the real binary. A cached
200 is reused only for the same session cookie values, the same location rule and within X-Accel-Expires (never past
the session's end); 401 and 403 always reach Gatehouse; a sign-out ends a cached decision within decision_cache_ttl.
Which answers came from the cache is read from nginx's access log (`$upstream_cache_status` of the check)."""
import re
import time

import requests
from harness import ROOT, nginx_site, wait_for

ALICE = '{"sub":"alice","email":"alice@example.org","groups":["staff"],"name":"Alice"}'
BOB = '{"sub":"bob","email":"bob@example.org","groups":["admins"],"name":"Bob"}'
ROUTES = ROOT / "nginx"
CHUNK = 3800


def cached_site(workdir, socket_path, port):
    root = workdir / "www"
    for d in ("private", "admin", "staff"):
        (root / d).mkdir(parents=True, exist_ok=True)
        (root / d / "who.shtml").write_text(f'{d} user=<!--# echo var="gatehouse_user" --> '
                                            'email=<!--# echo var="gatehouse_email" --> expires=<!--# echo var="gatehouse_expires" -->\n')
    (root / "plain.html").write_text("plain\n")
    seen = """
            auth_request_set $gatehouse_cache $upstream_cache_status;
            auth_request_set $gatehouse_expires $upstream_http_x_accel_expires;
            ssi on;
            ssi_types text/plain;"""
    return f"""
    fastcgi_cache_path {workdir}/gatehouse-cache levels=1:2 keys_zone=gatehouse:1m max_size=8m inactive=1m use_temp_path=off;
    log_format cache '$request_uri $status cache=$gatehouse_cache';
    """ + nginx_site(socket_path, port, root, f"""
        access_log {workdir}/nginx-logs/cache.log cache;
        location = /plain.html {{ }}
        location / {{
            include {ROUTES}/gatehouse-protect.conf;{seen}
        }}
        location ^~ /admin/ {{
            auth_request /oauth2/auth?allowed_groups=admins;
            include {ROUTES}/gatehouse-identity.conf;{seen}
        }}
        location ^~ /staff/ {{
            auth_request /oauth2/auth?allowed_groups=staff;
            include {ROUTES}/gatehouse-identity.conf;{seen}
        }}
    """, routes="gatehouse-routes-cached.conf")


class Stack:
    def __init__(self, gatehouse_factory, nginx_factory, workdir, ttl="30s", extra=""):
        from harness import free_port
        self.workdir = workdir
        port = free_port()
        self.g = gatehouse_factory(extra_gatehouse=f'cookie_secure = false\ndecision_cache_ttl = "{ttl}"\n{extra}')
        self.nginx = nginx_factory(cached_site(workdir, self.g.address, port), port)
        self.log = workdir / "nginx-logs" / "cache.log"

    def lines(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def get(self, path, cookie=None, authorization=None):
        """(status, body, cache status of the check) of one request, as an API call (a 401 stays a 401)."""
        before = len(self.lines())
        headers = {"Sec-Fetch-Mode": "cors", **({"Cookie": cookie} if cookie is not None else {}),
                   **({"Authorization": authorization} if authorization is not None else {})}
        r = requests.get(self.nginx.url + path, headers=headers, allow_redirects=False)
        wait_for(lambda: len(self.lines()) > before, timeout=5, what="nginx's access log line")
        line = self.lines()[before]
        assert line.startswith(path), line
        return r.status_code, r.text, re.search(r"cache=(\S*)", line).group(1)


def stack(gatehouse_factory, nginx_factory, workdir, **kw):
    return Stack(gatehouse_factory, nginx_factory, workdir, **kw)


def test_nginx_has_fastcgi_cache_and_the_cached_routes_differ_only_in_cache_lines():
    import subprocess
    configure = subprocess.run(["nginx", "-V"], capture_output=True, text=True).stderr
    assert "--without-http_fastcgi_module" not in configure and "--without-http-cache" not in configure

    def directives(name):
        text = (ROUTES / name).read_text()
        return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    plain, cached = directives("gatehouse-routes.conf"), directives("gatehouse-routes-cached.conf")
    extra = [line for line in cached if line not in plain]
    assert [line for line in cached if line not in extra] == plain, "the same routes, in the same order"
    assert [line.split()[0] for line in extra] == ["fastcgi_cache", "fastcgi_cache_key", "fastcgi_param", "fastcgi_cache_methods",
                                                   "fastcgi_cache_lock", "fastcgi_cache_bypass", "fastcgi_no_cache"]
    # Only in the check's location; nothing that would cache other answers or drop Set-Cookie.
    check = cached.index("location ^~ /oauth2/auth {")
    end = cached.index("}", check)
    assert all(check < cached.index(line) < end for line in extra)
    assert not any(line.startswith(("fastcgi_cache_valid", "fastcgi_ignore_headers")) for line in cached)
    # The param Gatehouse compares holds exactly the cookie variables the key starts with.
    key = next(line for line in extra if line.startswith("fastcgi_cache_key")).split('"')[1]
    param = next(line for line in extra if line.startswith("fastcgi_param")).split('"')[1]
    assert key.startswith(param + ";")
    assert param == ";".join(f"$cookie__gatehouse{s}" for s in ("", "_0", "_1", "_2"))


def test_a_hit_is_real_it_never_reaches_gatehouse(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    alice = "_gatehouse=" + s.g.seal(ALICE)
    assert s.get("/private/who.shtml", alice)[2] == "MISS"
    status, body, cache = s.get("/private/who.shtml", alice)
    assert (status, cache) == (200, "HIT") and "user=alice" in body and "expires=30" in body
    s.g.stop()
    status, body, cache = s.get("/private/who.shtml", alice)
    assert (status, cache) == (200, "HIT") and "user=alice" in body, "answered with Gatehouse stopped"
    assert s.get("/plain.html")[0] == 200


def test_a_request_with_a_bearer_token_never_meets_the_cache(gatehouse_factory, nginx_factory, workdir):
    """The key holds no token, and a bearer token decides alone ([gatehouse.bearer]): a request with an Authorization
    header is neither answered from the cache (a cookie's cached 200 would let a bad token through) nor stored."""
    s = stack(gatehouse_factory, nginx_factory, workdir,
              extra='\n[gatehouse.bearer]\nenabled = true\naudiences = ["https://api.example.com"]\n')
    alice = "_gatehouse=" + s.g.seal(ALICE)
    assert s.get("/private/who.shtml", alice)[2] == "MISS"
    assert s.get("/private/who.shtml", alice)[2] == "HIT"
    for _ in range(2):
        status, _, cache = s.get("/private/who.shtml", alice, authorization="Bearer not-a-token-anyone-issued")
        assert (status, cache) == (401, "BYPASS")
    assert s.get("/private/who.shtml", alice)[:1] == (200,)


def test_two_users_never_share_a_decision(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    alice, bob = "_gatehouse=" + s.g.seal(ALICE), "_gatehouse=" + s.g.seal(BOB)
    for round_ in ("MISS", "HIT", "HIT"):
        for cookie, who in ((alice, "alice"), (bob, "bob")):
            status, body, cache = s.get("/private/who.shtml", cookie)
            assert (status, cache) == (200, round_)
            assert f"user={who} email={who}@example.org" in body


def test_a_decision_cached_for_staff_never_opens_admin(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    alice = "_gatehouse=" + s.g.seal(ALICE)
    assert s.get("/staff/who.shtml", alice)[:1] == (200,)
    assert s.get("/staff/who.shtml", alice)[2] == "HIT"
    for _ in range(2):
        status, _, cache = s.get("/admin/who.shtml", alice)
        assert (status, cache) == (403, "MISS"), "a 403 reaches Gatehouse every time"
    # Bob (admins) is cached for /admin/; Alice with Bob's entry in the cache is still refused.
    bob = "_gatehouse=" + s.g.seal(BOB)
    assert s.get("/admin/who.shtml", bob)[0] == 200 and s.get("/admin/who.shtml", bob)[2] == "HIT"
    assert s.get("/admin/who.shtml", alice)[:1] == (403,)
    assert s.get("/private/who.shtml", alice)[0] == 200


def test_401_is_never_cached(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    for cookie in (None, "_gatehouse=garbage", "_gatehouse_0=" + "A" * CHUNK + "; _gatehouse_1=B"):
        for _ in range(2):
            status, _, cache = s.get("/private/who.shtml", cookie)
            assert (status, cache) == (401, "MISS"), cookie


def test_an_expired_session_is_never_served_from_the_cache(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    sealed_at = time.time()
    alice = "_gatehouse=" + s.g.seal(ALICE, lifetime=2)
    expires_at = int(sealed_at) + 2 + 1  # the seal's clock second, plus the one it may have ticked into
    status, body, _ = s.get("/private/who.shtml", alice)
    assert status == 200
    left = int(re.search(r"expires=(\d+)", body).group(1))
    assert 0 <= left <= 2, "X-Accel-Expires never outlives the session (ttl is 30 s here)"
    hits = 0
    while time.time() < expires_at + 1.5:
        status, _, cache = s.get("/private/who.shtml", alice)
        if status == 200:
            assert time.time() < expires_at + 1, "a 200 after the session expired"
            hits += cache == "HIT"
        time.sleep(0.05)
    assert hits > 0, "the cache did serve this session while it was valid"
    assert s.get("/private/who.shtml", alice)[:1] == (401,)


def test_a_signed_out_session_stops_within_the_ttl(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir, ttl="2s")
    alice = "_gatehouse=" + s.g.seal(ALICE)
    assert s.get("/private/who.shtml", alice)[0] == 200
    assert s.get("/private/who.shtml", alice)[2] == "HIT"
    # A copy of the cookie signs out at Gatehouse (no browser context: it acts); the state store revokes the session.
    out = requests.get(s.nginx.url + "/oauth2/sign_out", headers={"Cookie": alice}, allow_redirects=False)
    assert out.status_code in (302, 303, 200), out.text
    signed_out = time.monotonic()
    statuses = []

    def refused():
        statuses.append(s.get("/private/who.shtml", alice)[0])
        return statuses[-1] == 401
    wait_for(refused, timeout=2 + 1.5, what="the cached decision to end")
    assert time.monotonic() - signed_out < 2 + 1.5
    assert s.get("/private/who.shtml", alice)[:1] == (401,)


def test_a_chunked_session_is_keyed_by_every_chunk(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    big = lambda sub: '{"sub":"%s","groups":["staff"],"name":"%s"}' % (sub, "n" * 4500)  # noqa: E731
    a, b = s.g.seal(big("alice")), s.g.seal(big("bob"))
    assert CHUNK < len(a) <= 2 * CHUNK and CHUNK < len(b) <= 2 * CHUNK

    def chunks(c0, c1, *more):
        return "; ".join(f"_gatehouse_{i}={v}" for i, v in enumerate((c0, c1) + more))
    alice = chunks(a[:CHUNK], a[CHUNK:])
    assert s.get("/private/who.shtml", alice)[:1] == (200,)
    status, body, cache = s.get("/private/who.shtml", alice)
    assert (status, cache) == (200, "HIT") and "user=alice" in body
    for tampered in (chunks(a[:CHUNK], b[CHUNK:]), chunks(a[:CHUNK], a[CHUNK:], "x"), chunks(b[:CHUNK], a[CHUNK:])):
        status, _, cache = s.get("/private/who.shtml", tampered)
        assert (status, cache) == (401, "MISS")


def test_other_cookies_neither_split_nor_confuse_the_key(gatehouse_factory, nginx_factory, workdir):
    s = stack(gatehouse_factory, nginx_factory, workdir)
    a, b = s.g.seal(ALICE), s.g.seal(BOB)
    page = "/private/who.shtml"
    assert s.get(page, f"_gatehouse={a}")[:1] == (200,)
    # Other cookies and their order leave the key alone: the same session hits.
    for cookie in (f"x_gatehouse={b}; _gatehouse={a}", f"_gatehouse={a}; _gatehouse_extra={b}; site=1",
                   f"site=2; _gatehouse={a}", f"_gatehouse={a}; _gatehouse={b}"):
        status, body, cache = s.get(page, cookie)
        assert (status, cache) == (200, "HIT") and "user=alice" in body, cookie
    # The first of two duplicates decides, in nginx's key as in Gatehouse: Bob's own entry.
    status, body, _ = s.get(page, f"_gatehouse={b}; _gatehouse={a}")
    assert status == 200 and "user=bob" in body
    # Where nginx reads another value than Gatehouse (a name in another case, a `,` as separator), Gatehouse's
    # decision is not cached under nginx's value: sending that value alone never gets Alice in.
    for planted in (f"_GATEHOUSE=planted; _gatehouse={a}", f"site=1,_gatehouse=planted; _gatehouse={a}"):
        for _ in range(2):
            status, body, cache = s.get("/staff/who.shtml", planted)
            assert (status, cache) == (200, "MISS") and "user=alice" in body, planted
        status, _, cache = s.get("/staff/who.shtml", "_gatehouse=planted")
        assert status == 401, planted
