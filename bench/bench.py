"""Gatehouse benchmark: nginx/Apache front ends, interleaved rounds, one table. Started by bench/run.

Everything runs on 127.0.0.1 in a temporary directory: one nginx (static ceiling, auth_request to a minimal C
libfcgi responder, auth_request to Gatehouse over a unix socket), Apache instances (no auth, mod_auth_openidc
with server-side and cookie sessions, mod_authnz_fcgi to Gatehouse over TCP), Gatehouse twice with the state
store off (unix and TCP) and twice with it on (unix: SQLite, and Redis with a redis-server of the bench's own),
the minimal responder (unix socket for nginx, TCP for Apache) and oidc-provider-mock (one real login each for
mod_auth_openidc and the real-login Gatehouse rows, stopped before the rounds).
"""
import base64
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
# The tests' harness: one free_port and wait_for for tests and benchmarks alike.
sys.path.insert(0, str(ROOT / "Tests" / "integration"))
from harness.processes import free_port, wait_for  # noqa: E402
BENCH = ROOT / "bench"
# BENCH_RESULTS=DIR writes latest.{md,json} and bench.svg there instead of bench/results and docs/ (trial runs).
RESULTS = Path(os.environ.get("BENCH_RESULTS", BENCH / "results"))
CHART = RESULTS / "bench.svg" if os.environ.get("BENCH_RESULTS") else ROOT / "docs" / "bench.svg"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2 if QUICK else 5))
DURATION = int(os.environ.get("BENCH_DURATION", 4 if QUICK else 10))
WARMUP = int(os.environ.get("BENCH_WARMUP", 1 if QUICK else 2))
THREADS = int(os.environ.get("BENCH_WRK_THREADS", 2))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 50))
WORKERS = int(os.environ.get("BENCH_WORKERS", 16))  # Gatehouse's default; the C responder gets the same
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
BIN = Path(os.environ.get("GATEHOUSE_BIN", ROOT / ".build-bench" / "release" / "gatehouse"))
# The same sources linked against the shared Swift runtime (`swift build -c release` without --static-swift-stdlib):
# one more Gatehouse with the real-login cookie, so both builds are measured in the same rounds.
DYN_BIN = Path(os.environ.get("GATEHOUSE_DYNAMIC_BIN", ROOT / ".build-bench-dynamic" / "release" / "gatehouse"))
VENV_BIN = Path(sys.executable).parent
MODULES = Path("/usr/lib/apache2/modules")
CLAIMS = {"sub": "diana", "email": "diana@example.org", "email_verified": True, "preferred_username": "diana",
          "groups": ["admins", "staff"], "name": "Diana Prince"}
PAGE = "/private/page.html"
# The state store rows: before measuring, this many random session ids and email addresses are revoked through
# each store (`gatehouse session revoke`), so the check's in-memory mirror is not empty.
REVOKED_SESSIONS = int(os.environ.get("BENCH_REVOKED_SESSIONS", 1000))
REVOKED_EMAILS = int(os.environ.get("BENCH_REVOKED_EMAILS", 200))
# key, label word, nginx port key: the valid-cookie check with the state store on, beside gh-valid (state off).
STATE_ROWS = (("gh-sqlite", "SQLite"), ("gh-redis", "Redis"))
CORS = "Sec-Fetch-Mode: cors"  # an API call: a plain 401 without a session, never a redirect


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def connects(addr):
    fam = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        try:
            s.connect(addr)
            return True
        except OSError:
            return False


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def first_line(args):
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=20)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except Exception as e:  # a missing tool shows in the report instead of failing it
        return f"unknown ({e})"


class Proc:
    """A started process, its log, and /proc readings."""
    def __init__(self, name, args, wd, **kw):
        self.name = name
        self.log_path = wd / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.p = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, **kw)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            self.p.send_signal(sig)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


def rss_kib(pid, field="VmRSS"):
    """VmRSS (everything resident, shared library pages included) or RssAnon (the process's own memory)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15 of stat)


def apache_pids(pidfile):
    """The Apache parent and its children: their CPU together is what the check costs there."""
    try:
        parent = int(Path(pidfile).read_text().strip())
    except (OSError, ValueError):
        return []
    kids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    kids.append(int(d.name))
            except (OSError, ValueError, IndexError):
                pass
    return [parent] + kids


def busy_builders():
    """Other engineers' compilers on the box: reported with the results, since they share the 2 cores."""
    n = 0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                comm = (d / "comm").read_text().strip()
            except OSError:
                continue
            if comm in ("swift-frontend", "swift-build", "clang", "ld", "ld.gold", "cc1", "swiftc", "swift-driver"):
                n += 1
    return n


def busiest(seconds=1.0, n=3):
    """The processes using the most CPU over a second (other engineers' builds and fuzzers share the cores)."""
    def snap():
        out = {}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    comm, rest = (d / "stat").read_text().rsplit(")", 1)
                    f = rest.split()
                    out[int(d.name)] = (comm.split("(", 1)[1], int(f[11]) + int(f[12]))
                except (OSError, ValueError, IndexError):
                    pass
        return out
    a = snap()
    time.sleep(seconds)
    b = snap()
    tck = os.sysconf("SC_CLK_TCK")
    use = sorted(((b[p][1] - a[p][1]) / tck / seconds * 100, b[p][0]) for p in b if p in a and p != os.getpid())
    return [f"{name} {pct:.0f}%" for pct, name in reversed(use[-n:]) if pct >= 5]


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


class Stack:
    def __init__(self, wd: Path):
        self.wd = wd
        self.procs = []
        self.ports = {}
        self.cleanup = []  # directories outside wd (the decision cache in /dev/shm)
        self.extra_popen = []  # processes started without a log of their own (rp_provider)

    def start(self, name, args, ready=None, **kw):
        p = Proc(name, args, self.wd, **kw)
        self.procs.append(p)
        if ready is not None:
            wait_for(lambda: ready() or not p.alive(), timeout=15, what=name)
            if not p.alive():
                raise SystemExit(f"bench: {name} exited: {p.log_path.read_text(errors='replace')[-2000:]}")
        return p

    def stop(self):
        for p in reversed(self.procs):
            # libfcgi's own SIGTERM handler only sets a flag: the C responder needs SIGKILL.
            p.stop(signal.SIGQUIT if p.name.startswith("nginx") else signal.SIGKILL if p.name == "minimal-responder" else signal.SIGTERM)
        for name in ("apache-oidc", "apache-oidc-cookie", "apache-gh", "apache-minimal"):
            conf = self.wd / f"{name}.conf"
            if conf.exists():
                sh("apache2", "-f", str(conf), "-k", "stop")
        time.sleep(0.5)
        for p in self.extra_popen:
            p.kill()
            p.wait()
        for d in self.cleanup:
            shutil.rmtree(d, ignore_errors=True)


def site_files(wd):
    www = wd / "www"
    (www / "private").mkdir(parents=True)
    (www / "public").mkdir()
    body = ("<!doctype html><title>bench</title><p>" + "A protected static page. " * 20 + "</p>\n")
    (www / "private" / "page.html").write_text(body)
    (www / "public" / "page.html").write_text(body)
    return www


def gatehouse_config(wd, name, listen, secret, rules, state="none", provider=None):
    """provider: (metadata URL, redirect URI) of a provider to really sign in with (the real-login rows, which also
    keep and pass the ID token downstream: `expose_tokens = ["id"]`); None: an idle one that is never asked."""
    conf = wd / f"{name}.toml"
    if provider:
        provider_lines = (f'redirect_uri = "{provider[1]}"\nclient_id = "bench"\nclient_secret = "bench-secret"\n'
                          f'server_metadata_url = "{provider[0]}"\nexpose_tokens = ["id"]')
    else:
        # Sessions must name a configured provider; this one is never asked.
        provider_lines = ('redirect_uri = "http://127.0.0.1/oauth2/callback"\nclient_id = "bench"\n'
                          'client_secret = "bench-never-used"\nserver_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"')
    conf.write_text(f"""
[auth]
cookie_secret = "{secret}"
{provider_lines}

[gatehouse]
listen = "{listen}"
socket_mode = "0666"
workers = {WORKERS}
cookie_secure = false
# "none": the check with the state store off (the baseline); sqlite:/redis:// for the state store rows.
state = "{state}"
{rules}
""")
    return conf


def nginx_conf(wd, www, ports, gh_sock, min_sock, more=()):
    """`more`: (port key, upstream name, socket) of further Gatehouse instances, each behind its own server block."""
    for name in ("fastcgi_params", "mime.types"):
        shutil.copy(f"/etc/nginx/{name}", wd / name)
    for d in ("body", "fcgi", "proxy"):
        (wd / f"nginx-tmp-{d}").mkdir(exist_ok=True)
    # One upstream per instance, though several server blocks may use it.
    extra_upstreams = "".join(f"    upstream {up} {{ server unix:{sock}; }}\n" for up, sock in dict((up, sock) for _, up, sock in more).items())
    # A port key ending in "-cached" gets the shipped decision-cache routes instead (nginx/gatehouse-routes-cached.conf).
    extra_servers = "".join(f"""    server {{
        listen 127.0.0.1:{ports[key]};
        root {www};
        set $gatehouse_upstream {up};
        include {ROOT}/nginx/gatehouse-routes{"-cached" if key.endswith("-cached") else ""}.conf;
        location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}
    }}
""" for key, up, _ in more)
    # The decision cache's one http-level line, as the cached routes' header gives it, in tmpfs as docs advise.
    cache_dir = Path(tempfile.mkdtemp(prefix="gatehouse-bench-cache-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    cache_dir.chmod(0o777)
    cache_line = (f"fastcgi_cache_path {cache_dir} levels=1:2 keys_zone=gatehouse:10m max_size=64m inactive=1m use_temp_path=off;"
                  if any(key.endswith("-cached") for key, _, _ in more) else "")
    conf = wd / "nginx.conf"
    conf.write_text(f"""
worker_processes auto;
pid {wd}/nginx.pid;
error_log {wd}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include mime.types;
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path {wd}/nginx-tmp-body;
    fastcgi_temp_path {wd}/nginx-tmp-fcgi;
    proxy_temp_path {wd}/nginx-tmp-proxy;
    {cache_line}
    upstream gatehouse {{ server unix:{gh_sock}; }}
    upstream minimal {{ server unix:{min_sock}; }}
{extra_upstreams}    server {{
        listen 127.0.0.1:{ports['nginx-static']};
        root {www};
    }}
    server {{
        listen 127.0.0.1:{ports['nginx-minimal']};
        root {www};
        # Exactly Gatehouse's shipped nginx config; only the upstream differs.
        set $gatehouse_upstream minimal;
        include {ROOT}/nginx/gatehouse-routes.conf;
        location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}
    }}
    server {{
        listen 127.0.0.1:{ports['nginx-gatehouse']};
        root {www};
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/gatehouse-routes.conf;
        location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}
    }}
{extra_servers}}}
""")
    return conf, cache_dir


def apache_conf(wd, www, name, port, body):
    run = wd / f"{name}-run"
    run.mkdir(exist_ok=True)
    mods = ["mpm_event", "authz_core", "authn_core", "authz_user", "mime"] + (
        ["auth_openidc"] if "OIDC" in body else []) + (["authnz_fcgi"] if "Authnz" in body else [])
    conf = wd / f"{name}.conf"
    conf.write_text("\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in mods) + f"""
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {wd}/{name}.pid
DefaultRuntimeDir {run}
ErrorLog {wd}/{name}-error.log
LogLevel warn
User www-data
Group www-data
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
# Debian's mpm_event defaults
StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
MaxConnectionsPerChild 0
DocumentRoot {www}
<Directory {www}>
    Require all granted
</Directory>
{body}
""")
    return conf


def apache_start(stack, name, conf, port):
    out = sh("apache2", "-f", str(conf), "-t")
    if out.returncode != 0:
        raise SystemExit(f"bench: {name} config: {out.stderr}")
    out = sh("apache2", "-f", str(conf), "-k", "start")
    if out.returncode != 0:
        raise SystemExit(f"bench: {name} start: {out.stderr}")
    wait_for(lambda: connects(("127.0.0.1", port)), timeout=15, what=name)


def oidc_login(port, provider_port):
    """One real login through mod_auth_openidc (as a browser would) against oidc-provider-mock."""
    http = requests.Session()
    base = f"http://127.0.0.1:{port}"
    first = http.get(base + PAGE, allow_redirects=False)
    assert first.status_code == 302, (first.status_code, first.text[:300])
    authorize = first.headers["Location"]
    assert authorize.startswith(f"http://127.0.0.1:{provider_port}/"), authorize
    picked = http.post(authorize, data={"sub": CLAIMS["sub"]}, allow_redirects=False)
    assert picked.status_code == 302, picked.text[:300]
    back = http.get(picked.headers["Location"], allow_redirects=False)
    assert back.status_code == 302, (back.status_code, back.text[:500])
    page = http.get(base + PAGE, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.text[:300])
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies if c.name.startswith("mod_auth_openidc_session"))
    assert cookie, list(http.cookies.keys())
    return cookie


def gatehouse_login(port, provider_port):
    """One real sign-in through nginx and Gatehouse against oidc-provider-mock, as a browser would: the cookie a
    real provider gives (iss, sid when sent, the ID token kept for `expose_tokens`). Returns the Cookie header and
    a line describing the session (from Gatehouse's who-am-I)."""
    http = requests.Session()
    base = f"http://127.0.0.1:{port}"
    first = http.get(base + PAGE, headers={"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}, allow_redirects=False)
    assert first.status_code == 302, (first.status_code, first.text[:300])
    start = http.get(urllib.parse.urljoin(base, first.headers["Location"]), allow_redirects=False)
    assert start.status_code == 302 and start.headers["Location"].startswith(f"http://127.0.0.1:{provider_port}/"), start.text[:300]
    picked = http.post(start.headers["Location"], data={"sub": CLAIMS["sub"]}, allow_redirects=False)
    assert picked.status_code == 302, picked.text[:300]
    back = http.get(picked.headers["Location"], allow_redirects=False)
    assert back.status_code in (302, 303), (back.status_code, back.text[:500])
    jar = {c.name: c.value for c in http.cookies if c.name.startswith("_gatehouse") and not c.name.startswith("_gatehouse_login")}
    assert jar, list(http.cookies.keys())
    cookie = "; ".join(f"{k}={v}" for k, v in sorted(jar.items()))
    me = http.get(base + "/oauth2/userinfo", headers={"Sec-Fetch-Mode": "cors"})
    assert me.status_code == 200, (me.status_code, me.text[:300])
    me = me.json()
    id_token = (me.get("tokens") or {}).get("id", "")
    assert id_token, f"no ID token in who-am-I: {sorted(me)}"
    claims = sorted(k for k in me if k != "tokens")
    note = (f"real-login cookie: one sign-in through nginx + Gatehouse against oidc-provider-mock ({cookie.count('=')} cookie(s), "
            f"{len(cookie)} bytes); who-am-I shows {', '.join(claims)}; the {len(id_token)}-byte ID token goes downstream on every "
            f"check (`expose_tokens = [\"id\"]`)")
    log("bench: " + note)
    return f"Cookie: {cookie}", note


def fill_stores(state_on, ports, gh_conf, gh_cookie):
    """Revocations through each state store before measuring, so the check's mirror is not empty:
    REVOKED_SESSIONS random session ids (`gatehouse session revoke --session`, what a sign-out elsewhere writes) and
    REVOKED_EMAILS addresses user{i}@example.org (`--email`). Two sentinel cookies prove the instance's mirror holds
    them before the rounds: one signed out through nginx (GET /oauth2/sign_out), one of user0@example.org; both
    must then get 401 while the bench's own cookie still gets 200."""
    from concurrent.futures import ThreadPoolExecutor

    def seal(claims):
        out = sh(str(BIN), "session", "seal", "--config", str(gh_conf), input=json.dumps(claims))
        if out.returncode != 0:
            raise SystemExit(f"bench: session seal: {out.stderr}")
        return out.stdout.strip()

    def revoke(conf, arg):
        out = sh(str(BIN), "session", "revoke", "--config", str(conf), *arg)
        if out.returncode != 0:
            raise SystemExit(f"bench: session revoke {' '.join(arg)}: {out.stdout}{out.stderr}")

    def status(port, cookie):
        return requests.get(f"http://127.0.0.1:{port}{PAGE}", headers={"Sec-Fetch-Mode": "cors", "Cookie": cookie},
                            allow_redirects=False).status_code

    t0 = time.monotonic()
    for key, (word, proc, conf, _) in state_on.items():
        port = ports[f"nginx-{key}"]
        signed_out = "_gatehouse=" + seal(CLAIMS | {"sub": "signed-out", "email": "signed-out@example.org"})
        user0 = "_gatehouse=" + seal(CLAIMS | {"sub": "user0", "email": "user0@example.org"})
        assert status(port, signed_out) == 200 and status(port, user0) == 200, f"{key}: sentinel cookies refused before revocation"
        args = [["--session=" + base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")] for _ in range(REVOKED_SESSIONS)]
        args += [["--email", f"user{i}@example.org"] for i in range(REVOKED_EMAILS)]
        with ThreadPoolExecutor(max_workers=4) as pool:  # mostly waiting on process start and fsync
            list(pool.map(lambda a: revoke(conf, a), args))
        r = requests.get(f"http://127.0.0.1:{port}/oauth2/sign_out", headers={"Cookie": signed_out}, allow_redirects=False)
        assert r.status_code in (302, 303), f"{key}: sign-out answered {r.status_code}: {r.text[:200]}"
        wait_for(lambda: status(port, signed_out) == 401 and status(port, user0) == 401, timeout=15,
                 what=f"{key}: the mirror to hold the revocations")
        assert status(port, gh_cookie.removeprefix("Cookie: ")) == 200, f"{key}: the bench's cookie was refused"
        log(f"bench: {word}: revoked {REVOKED_SESSIONS} session ids + {REVOKED_EMAILS} email addresses + 1 sign-out through the store")
    return (f"state store rows: before the rounds, {REVOKED_SESSIONS} random session ids (`gatehouse session revoke --session`) "
            f"and {REVOKED_EMAILS} email addresses (`--email user{{i}}@example.org`) revoked through each store, plus one "
            f"cookie signed out through nginx; the check's mirror held them (sentinel cookies answered 401) "
            f"({time.monotonic() - t0:.0f} s for all stores)")


def check(url, headers, want):
    r = requests.get(url, headers=headers, allow_redirects=False)
    assert r.status_code == want, f"{url} with {list(headers)}: {r.status_code}, wanted {want}: {r.text[:200]}"
    return r


def run_wrk(port, headers, seconds, path=PAGE):
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(BENCH / "report.lua")]
    for h in headers:
        args += ["-H", h]
    args.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"^BENCH_JSON (\{.*\})$", out.stdout, re.M)
    if not m:
        raise SystemExit(f"bench: wrk output not understood:\n{out.stdout}\n{out.stderr}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


class Sampler:
    """Samples VmRSS of one pid every 0.2 s while a round runs."""
    def __init__(self, pid):
        self.pid = pid
        self.samples = []
        self.anon = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            v = rss_kib(self.pid)
            a = rss_kib(self.pid, "RssAnon")
            if v is not None and a is not None:
                self.samples.append(v)
                self.anon.append(a)
            self._stop.wait(0.2)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def svg_chart(rows, path, machine):
    """A hand-written horizontal bar chart of requests/s with p99 latency, one bar per configuration."""
    bar_h, gap, left, width, top = 26, 10, 330, 430, 58
    maxv = max(r["rps"] for r in rows) or 1
    h = top + len(rows) * (bar_h + gap) + 46
    colors = {"nginx": "#3b7dd8", "gatehouse": "#2e9e5b", "apache": "#d9822b", "minimal": "#7a5cc7"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 170}" height="{h}" font-family="sans-serif" font-size="13">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="12" y="24" font-size="16" font-weight="bold">Gatehouse benchmark: requests/s (median of rounds), p99 latency</text>',
           f'<text x="12" y="44" font-size="11" fill="#555">{esc(machine)}</text>']
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(1, r["rps"] / maxv * width)
        key = "gatehouse" if "Gatehouse" in r["label"] else "minimal" if "minimal" in r["label"] else \
            "apache" if r["label"].startswith("Apache") else "nginx"
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.68}" text-anchor="end">{esc(r["label"])}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[key]}"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.68}">{r["rps"]:,.0f}/s · p99 {r["p99_ms"]:.2f} ms</text>')
    out.append(f'<text x="12" y="{h - 14}" font-size="11" fill="#555">wrk -t{THREADS} -c{CONNECTIONS}, '
               f'{ROUNDS} interleaved rounds x {DURATION} s; same static file; bench/run</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def compact_json(data):
    """Rounded floats, one line per row and per round: a results file of a few KB, readable in a diff."""
    def rnd(x):
        if isinstance(x, float):
            return round(x, 3 if abs(x) < 10 else 1)
        if isinstance(x, dict):
            return {k: rnd(v) for k, v in x.items()}
        if isinstance(x, list):
            return [rnd(v) for v in x]
        return x
    data = rnd(data)
    rows = data.pop("rows")
    head = json.dumps(data, indent=1)[:-2]
    body = ",\n".join("  " + json.dumps({k: v for k, v in r.items() if k != "rounds"})[:-1] + ', "rounds": [\n'
                      + ",\n".join("   " + json.dumps(x) for x in r["rounds"]) + "]}" for r in rows)
    return head + ',\n "rows": [\n' + body + "\n ]\n}\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    for tool in ("wrk", "nginx", "apache2"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} not found (bench/run installs it)")
    if not BIN.exists():
        raise SystemExit(f"bench: {BIN} missing")
    started = datetime.datetime.now(datetime.timezone.utc)
    machine = {
        "cpu": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                     if l.startswith("model name")), platform.processor()),
        "cores": os.cpu_count(),
        "mem_gib": round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1),
        "os": first_line(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"]),
        "kernel": platform.release(),
        "nginx": first_line(["nginx", "-v"]), "apache": first_line(["apache2", "-v"]),
        "mod_auth_openidc": first_line(["dpkg-query", "-W", "-f=${Version}", "libapache2-mod-auth-openidc"]),
        "libfcgi": first_line(["dpkg-query", "-W", "-f=${Version}", "libfcgi0ldbl"]),
        "wrk": first_line(["wrk", "-v"]), "swift": first_line(["swift", "--version"]),
        "gatehouse_commit": first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "gatehouse_tree_dirty": bool(sh("git", "-C", str(ROOT), "status", "--porcelain", "--", "Sources", "Package.swift").stdout.strip()),
    }
    wd = Path(tempfile.mkdtemp(prefix="gatehouse-bench-"))
    wd.chmod(0o755)
    stack = Stack(wd)
    log(f"bench: work directory {wd}; {ROUNDS} rounds x {DURATION} s, wrk -t{THREADS} -c{CONNECTIONS}")
    try:
        return run(stack, wd, machine, started)
    finally:
        stack.stop()
        if os.environ.get("BENCH_KEEP") in (None, "", "0"):
            shutil.rmtree(wd, ignore_errors=True)


def run(stack, wd, machine, started):
    www = site_files(wd)
    secret = sh(str(BIN), "new-secret").stdout.strip()
    # A rule every request passes, so the check does the whole of its work; dropped if this build has no rules.
    rules = '\n[gatehouse.rules]\nallowed_email_domains = ["example.org"]\nallowed_groups = ["staff"]\n'
    probe = gatehouse_config(wd, "probe", "unix:/nonexistent/x.sock", secret, rules)
    if sh(str(BIN), "check-config", "--config", str(probe)).returncode != 0:
        log("bench: this build has no [gatehouse.rules]; measuring without rules")
        rules = ""
    ports = {k: free_port() for k in ("nginx-static", "nginx-minimal", "nginx-gatehouse", "apache-oidc",
                                      "apache-oidc-cookie", "apache-gh", "gatehouse-tcp", "provider",
                                      "nginx-gh-sqlite", "nginx-gh-redis", "redis", "nginx-gh-real", "nginx-gh-real-dyn",
                                      "nginx-gh-cached", "apache-minimal", "minimal-tcp", "nginx-gh-bearer",
                                      "nginx-gh-nometrics")}
    gh_sock, min_sock = str(wd / "gatehouse.sock"), str(wd / "minimal.sock")

    gh_conf = gatehouse_config(wd, "gatehouse", f"unix:{gh_sock}", secret, rules)
    ghtcp_conf = gatehouse_config(wd, "gatehouse-tcp", f"tcp:127.0.0.1:{ports['gatehouse-tcp']}", secret, rules)
    gh = stack.start("gatehouse", [str(BIN), "serve", "--config", str(gh_conf)], ready=lambda: connects(gh_sock))
    ghtcp = stack.start("gatehouse-tcp", [str(BIN), "serve", "--config", str(ghtcp_conf)],
                        ready=lambda: connects(("127.0.0.1", ports["gatehouse-tcp"])))
    responder = wd / "minimal-responder"
    out = sh("cc", "-O2", "-pthread", "-o", str(responder), str(BENCH / "minimal-responder.c"), "-lfcgi")
    if out.returncode != 0:
        raise SystemExit(f"bench: minimal-responder.c: {out.stderr}")
    minimal = stack.start("minimal-responder", [str(responder), min_sock, str(WORKERS)], ready=lambda: connects(min_sock))
    # Apache's own ceiling: the same responder over TCP in the Authorizer role, answering Variable-REMOTE_USER.
    minimal_tcp = stack.start("minimal-responder-tcp", [str(responder), f"127.0.0.1:{ports['minimal-tcp']}", str(WORKERS),
                                                        "Variable-REMOTE_USER"],
                              ready=lambda: connects(("127.0.0.1", ports["minimal-tcp"])))

    # The real-login rows: Gatehouse configured with the bench's provider (a real sign-in through nginx below gives
    # the cookie: iss, sid, the ID token kept for `expose_tokens = ["id"]`), as README installs it (static build),
    # the dynamically linked build, and behind the decision-cache routes (same instance as the static row).
    real = {}  # port key -> (upstream, Proc)
    provider_meta = f"http://127.0.0.1:{ports['provider']}/.well-known/openid-configuration"
    for key, name, binary in (("nginx-gh-real", "gatehouse-real", BIN), ("nginx-gh-real-dyn", "gatehouse-real-dyn", DYN_BIN)):
        if ONLY and not any(k in ONLY for k in ("gh-real", "gh-real-dyn", "gh-cached")):
            break
        if not binary.exists():
            raise SystemExit(f"bench: {binary} missing (bench/run builds it)")
        sock = str(wd / f"{name}.sock")
        c = gatehouse_config(wd, name, f"unix:{sock}", secret, rules,
                             provider=(provider_meta, f"http://127.0.0.1:{ports['nginx-gh-real']}/oauth2/callback"))
        real[key] = (name.replace("-", "_"), stack.start(name, [str(binary), "serve", "--config", str(c)], ready=lambda s=sock: connects(s)), sock)
    if real:
        real["nginx-gh-cached"] = real["nginx-gh-real"]

    # The metrics' cost: the valid-cookie check of gh-valid (same config) by a Gatehouse started with --no-metrics.
    nometrics = None
    if not ONLY or "gh-valid-nometrics" in ONLY:
        sock = str(wd / "gatehouse-nometrics.sock")
        c = gatehouse_config(wd, "gatehouse-nometrics", f"unix:{sock}", secret, rules)
        nometrics = (stack.start("gatehouse-nometrics", [str(BIN), "serve", "--no-metrics", "--config", str(c)],
                                 ready=lambda: connects(sock)), sock)

    # The bearer row: an API client's RFC 9068 access token (the tests' rp_provider mints it, with the bench's claims),
    # checked by a Gatehouse with [gatehouse.bearer] on; against the cookie check (gh-valid: same rules) in the same run.
    bearer = None
    if not ONLY or "gh-bearer" in ONLY:
        rp = subprocess.Popen([sys.executable, str(ROOT / "Tests" / "integration" / "rp_provider.py"), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        stack.extra_popen.append(rp)
        ready = rp.stdout.readline()
        if not ready.startswith("READY "):
            raise SystemExit(f"bench: rp_provider did not start: {ready!r}")
        rp_url = ready.split()[1] + "/rp-response_type-code"
        sock = str(wd / "gatehouse-bearer.sock")
        c = gatehouse_config(wd, "gatehouse-bearer", f"unix:{sock}", secret, rules,
                             provider=(rp_url + "/.well-known/openid-configuration", "http://127.0.0.1:9/oauth2/callback"))
        c.write_text(c.read_text().replace('client_id = "bench"', 'client_id = "gatehouse-test"')
                     .replace('client_secret = "bench-secret"', 'client_secret = "test-secret-!@#"')
                     + '\n[gatehouse.bearer]\nenabled = true\naudiences = ["https://api.example.com"]\n')
        token = requests.post(rp_url + "/mint-access-token", json={"sub": CLAIMS["sub"], "claims": CLAIMS, "exp_in": 6 * 3600},
                              timeout=10).json()["access_token"]
        proc = stack.start("gatehouse-bearer", [str(BIN), "serve", "--config", str(c)], ready=lambda: connects(sock))
        bearer = (proc, sock, f"Authorization: Bearer {token}")
        log(f"bench: bearer row: a {len(token)}-byte RFC 9068 access token from rp_provider")

    # The state store rows: the same check (same secret, rules, workers) with state = sqlite or redis, each its
    # own Gatehouse behind its own nginx server block. Only started when their rows run.
    state_on = {}  # key -> (label word, Proc, config, nginx port)
    for key, word in STATE_ROWS:
        if ONLY and key not in ONLY:
            continue
        if word == "Redis":
            if not shutil.which("redis-server"):
                log("bench: redis-server not found (apt-get install redis-server): no Redis row")
                continue
            stack.start("redis", ["redis-server", "--port", str(ports["redis"]), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(wd)],
                        ready=lambda: connects(("127.0.0.1", ports["redis"])))
            state = f"redis://127.0.0.1:{ports['redis']}/0"
        else:
            state = f"sqlite:{wd}/state.db"
        name = f"gatehouse-{word.lower()}"
        sock = str(wd / f"{name}.sock")
        conf = gatehouse_config(wd, name, f"unix:{sock}", secret, rules, state=state)
        proc = stack.start(name, [str(BIN), "serve", "--config", str(conf)], ready=lambda s=sock: connects(s))
        state_on[key] = (word, proc, conf, sock)

    upstreams = [(f"nginx-{key}", f"gatehouse_{word.lower()}", sock) for key, (word, _, _, sock) in state_on.items()]
    upstreams += [(key, up, sock) for key, (up, _, sock) in real.items()]
    if bearer:
        upstreams.append(("nginx-gh-bearer", "gatehouse_bearer", bearer[1]))
    if nometrics:
        upstreams.append(("nginx-gh-nometrics", "gatehouse_nometrics", nometrics[1]))
    conf, cache_dir = nginx_conf(wd, www, ports, gh_sock, min_sock, upstreams)
    stack.cleanup.append(cache_dir)
    out = sh("nginx", "-t", "-p", str(wd), "-c", str(conf))
    if out.returncode != 0:
        raise SystemExit(f"bench: nginx config: {out.stderr}")
    stack.start("nginx", ["nginx", "-p", str(wd), "-c", str(conf), "-g", "daemon off;"],
                ready=lambda: connects(("127.0.0.1", ports["nginx-gatehouse"])))

    # One real login for mod_auth_openidc needs a provider; it is idle (and stopped) during the runs.
    provider = stack.start("provider", [str(VENV_BIN / "oidc-provider-mock"), "--port", str(ports["provider"]),
                                        "--require-nonce", "true", "--user-claims", json.dumps(CLAIMS)],
                           ready=lambda: connects(("127.0.0.1", ports["provider"])))
    passphrase = os.urandom(24).hex()
    oidc_common = f"""
OIDCProviderMetadataURL http://127.0.0.1:{ports['provider']}/.well-known/openid-configuration
OIDCClientID bench
OIDCClientSecret bench-secret
OIDCCryptoPassphrase {passphrase}
OIDCScope "openid email profile"
OIDCSessionInactivityTimeout 86400
OIDCSessionMaxDuration 86400
"""
    for name, session_type in (("apache-oidc", "server-cache"), ("apache-oidc-cookie", "client-cookie")):
        body = oidc_common + f"""OIDCRedirectURI http://127.0.0.1:{ports[name]}/private/redirect_uri
OIDCSessionType {session_type}
<Location /private/>
    AuthType openid-connect
    Require valid-user
</Location>
"""
        apache_start(stack, name, apache_conf(wd, www, name, ports[name], body), ports[name])
    gh_body = f"""
AuthnzFcgiDefineProvider authnz gatehouse fcgi://127.0.0.1:{ports['gatehouse-tcp']}/
<Location /private/>
    AuthType None
    AuthnzFcgiCheckAuthnProvider gatehouse Authoritative On RequireBasicAuth Off UserExpr "%{{reqenv:REMOTE_USER}}"
    Require valid-user
</Location>
"""
    apache_start(stack, "apache-gh", apache_conf(wd, www, "apache-gh", ports["apache-gh"], gh_body), ports["apache-gh"])
    # The same Apache config with the minimal C responder as the authorizer: the FastCGI path's own ceiling.
    minimal_body = gh_body.replace(f"fcgi://127.0.0.1:{ports['gatehouse-tcp']}/", f"fcgi://127.0.0.1:{ports['minimal-tcp']}/")
    apache_start(stack, "apache-minimal", apache_conf(wd, www, "apache-minimal", ports["apache-minimal"], minimal_body),
                 ports["apache-minimal"])

    # Cookies: Gatehouse's sealed by the binary itself; mod_auth_openidc's from a real login each.
    seal = sh(str(BIN), "session", "seal", "--config", str(gh_conf), input=json.dumps(CLAIMS))
    if seal.returncode != 0:
        raise SystemExit(f"bench: session seal: {seal.stderr}")
    sealed = seal.stdout.strip()
    tampered = sealed[:-4] + ("BBBB" if sealed.endswith("AAAA") else "AAAA")
    oidc_cookie = oidc_login(ports["apache-oidc"], ports["provider"])
    oidc_cookie2 = oidc_login(ports["apache-oidc-cookie"], ports["provider"])
    real_cookie, real_note = gatehouse_login(ports["nginx-gh-real"], ports["provider"]) if real else (None, "")
    provider.stop()  # the checks below never call it

    gh_cookie = f"Cookie: _gatehouse={sealed}"
    mirror_note = ""
    if state_on:
        mirror_note = fill_stores(state_on, ports, gh_conf, gh_cookie)
    cfgs = [
        # key, label, port, headers, expected status, pid(s) whose CPU and memory are the check's
        ("static", "nginx, static file (ceiling)", ports["nginx-static"], [CORS], 200, None),
        ("minimal", "nginx + minimal C responder", ports["nginx-minimal"], [CORS], 200, minimal),
        ("gh-valid", "nginx + Gatehouse, valid cookie", ports["nginx-gatehouse"], [CORS, gh_cookie], 200, gh),
    ] + [
        (key, f"nginx + Gatehouse, valid cookie, state store {word}", ports[f"nginx-{key}"], [CORS, gh_cookie], 200, proc)
        for key, (word, proc, _, _) in state_on.items()
    ] + [
        ("gh-none", "nginx + Gatehouse, no cookie (401)", ports["nginx-gatehouse"], [CORS], 401, gh),
        ("gh-tampered", "nginx + Gatehouse, tampered cookie (401)", ports["nginx-gatehouse"],
         [CORS, f"Cookie: _gatehouse={tampered}"], 401, gh),
        ("apache-static", "Apache, static file (no auth)", ports["apache-gh"], [CORS], 200, None),
        ("apache-oidc", "Apache + mod_auth_openidc (server-cache)", ports["apache-oidc"], [CORS, f"Cookie: {oidc_cookie}"], 200, "apache-oidc"),
        ("apache-oidc-cookie", "Apache + mod_auth_openidc (client-cookie)", ports["apache-oidc-cookie"],
         [CORS, f"Cookie: {oidc_cookie2}"], 200, "apache-oidc-cookie"),
        ("apache-gh", "Apache + mod_authnz_fcgi + Gatehouse (TCP)", ports["apache-gh"], [CORS, gh_cookie], 200, ghtcp),
        ("apache-minimal", "Apache + mod_authnz_fcgi + minimal C responder (TCP)", ports["apache-minimal"], [CORS], 200,
         minimal_tcp),
    ] + ([
        ("gh-real", "nginx + Gatehouse, real-login cookie", ports["nginx-gh-real"], [CORS, real_cookie], 200,
         real["nginx-gh-real"][1]),
        ("gh-real-dyn", "nginx + Gatehouse, real-login cookie, dynamic build", ports["nginx-gh-real-dyn"],
         [CORS, real_cookie], 200, real["nginx-gh-real-dyn"][1]),
        ("gh-cached", "nginx + Gatehouse + decision cache, real-login cookie", ports["nginx-gh-cached"],
         [CORS, real_cookie], 200, real["nginx-gh-cached"][1]),
    ] if real else []) + ([
        ("gh-bearer", "nginx + Gatehouse, bearer JWT access token", ports["nginx-gh-bearer"], [CORS, bearer[2]], 200, bearer[0]),
    ] if bearer else []) + ([
        ("gh-valid-nometrics", "nginx + Gatehouse, valid cookie, metrics off", ports["nginx-gh-nometrics"], [CORS, gh_cookie], 200,
         nometrics[0]),
    ] if nometrics else [])
    if ONLY:
        cfgs = [c for c in cfgs if c[0] in ONLY or c[0] in ("static", "minimal")]
    for key, label, port, headers, want, _ in cfgs:
        url = f"http://127.0.0.1:{port}" + ("/public/page.html" if key == "apache-static" else PAGE)
        r = check(url, dict(h.split(": ", 1) for h in headers), want)
        if want == 200:
            assert r.text.startswith("<!doctype html>"), r.text[:100]
    log("bench: every configuration answers as expected; warming up")

    def target(key):
        return "/public/page.html" if key == "apache-static" else PAGE

    results = {c[0]: [] for c in cfgs}
    mem = {c[0]: [] for c in cfgs}
    cpu = {c[0]: [] for c in cfgs}
    for key, label, port, headers, want, _ in cfgs:
        run_wrk(port, headers, WARMUP, target(key))
    gh_rss_start = (rss_kib(gh.pid), rss_kib(gh.pid, "RssAnon"))
    loads = [{"when": "start", "loadavg": loadavg(), "builders": busy_builders(), "busiest": busiest()}]
    order = list(range(len(cfgs)))
    for rnd in range(ROUNDS):
        # Interleaved: every configuration once per round, the order rotated so none always runs first.
        rot = order[rnd % len(order):] + order[:rnd % len(order)]
        for i in rot:
            key, label, port, headers, want, who = cfgs[i]
            pids = []
            if isinstance(who, Proc):
                pids = [who.pid]
            elif isinstance(who, str):
                pids = apache_pids(wd / f"{who}.pid")
            before = sum(cpu_ticks(p) for p in pids) if pids else 0
            with Sampler(pids[0] if isinstance(who, Proc) else -1) as s:
                r = run_wrk(port, headers, DURATION, target(key))
            if pids:
                pids_after = pids if isinstance(who, Proc) else apache_pids(wd / f"{who}.pid")
                after = sum(cpu_ticks(p) for p in pids_after if Path(f"/proc/{p}").exists())
                # Apache may start a child mid-round; its ticks all belong to the round anyway.
                r["cpu_us_per_req"] = (after - before) / os.sysconf("SC_CLK_TCK") * 1e6 / max(1, r["requests"])
                cpu[key].append(r["cpu_us_per_req"])
            if s.samples:
                r["rss_kib_max"] = max(s.samples)
                r["rss_kib_min"] = min(s.samples)
                r["rss_anon_kib_max"] = max(s.anon)
                mem[key].append((min(s.samples), max(s.samples), max(s.anon)))
            expected_bad = r["requests"] if want != 200 else 0
            r["status_ok"] = abs(r["non2xx3xx"] - expected_bad) <= max(2, r["requests"] // 1000) and r["err_timeout"] == 0
            results[key].append(r)
            log(f"bench: round {rnd + 1}/{ROUNDS} {key:20s} {r['rps']:9.0f} req/s  p50 {r['p50_us'] / 1000:6.2f} ms"
                f"  p99 {r['p99_us'] / 1000:6.2f} ms" + ("" if r["status_ok"] else "  UNEXPECTED STATUS/ERRORS")
                + (f"  cpu {r['cpu_us_per_req']:.1f} us/req" if "cpu_us_per_req" in r else "")
                + (f"  rss {r['rss_kib_max'] / 1024:.1f} MiB" if "rss_kib_max" in r else ""))
        loads.append({"when": f"after round {rnd + 1}", "loadavg": loadavg(), "builders": busy_builders(), "busiest": busiest(0.5)})
    gh_rss_end = (rss_kib(gh.pid), rss_kib(gh.pid, "RssAnon"))
    notes = "\n- ".join(n for n in (mirror_note, real_note) if n)
    return report(cfgs, results, mem, cpu, machine, loads, started, gh_rss_start, gh_rss_end, bool(rules), notes)


def report(cfgs, results, mem, cpu, machine, loads, started, rss_start, rss_end, with_rules, mirror_note=""):
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    rows = []
    for key, label, *_ in cfgs:
        rs = results[key]
        rows.append({
            "key": key, "label": label,
            "rps": med([r["rps"] for r in rs]), "rps_min": min(r["rps"] for r in rs), "rps_max": max(r["rps"] for r in rs),
            "p50_ms": med([r["p50_us"] for r in rs]) / 1000, "p99_ms": med([r["p99_us"] for r in rs]) / 1000,
            "cpu_us_per_req": med(cpu[key]) if cpu[key] else None,
            "rss_mib_max": max(m[1] for m in mem[key]) / 1024 if mem[key] else None,
            "rss_anon_mib_max": max(m[2] for m in mem[key]) / 1024 if mem[key] else None,
            "status_ok": all(r["status_ok"] for r in rs),
            "rounds": rs,
        })
    by = {r["key"]: r for r in rows}
    ceiling, limit = by["static"], by["minimal"]
    for r in rows:
        r["x_static"] = r["rps"] / ceiling["rps"]
        r["x_minimal"] = r["rps"] / limit["rps"]
        r["p99_x_minimal"] = r["p99_ms"] / limit["p99_ms"] if limit["p99_ms"] else float("nan")

    def per_round(key, base):
        """The ratio round by round: both rows ran in each round, back to back, under that round's load."""
        return sorted(a["rps"] / b["rps"] for a, b in zip(by[key]["rounds"], by[base]["rounds"]))

    def spread(xs):
        return f"{xs[0]:.2f} / {statistics.median(xs):.2f} / {xs[-1]:.2f}"

    # Each row against the ceilings, min / median / max over the rounds; Apache rows also against Apache's own
    # FastCGI ceiling (mod_authnz_fcgi + the minimal C responder).
    ratio_lines = ["| configuration | × nginx static | × nginx + minimal C | × Apache + minimal C (TCP) |", "|---|---|---|---|"]
    for r in rows:
        apache_s = spread(per_round(r["key"], "apache-minimal")) if r["key"].startswith("apache") and "apache-minimal" in by else "—"
        ratio_lines.append(f"| {r['label']} | {spread(per_round(r['key'], 'static'))} | {spread(per_round(r['key'], 'minimal'))} | {apache_s} |")
    ratio_table = "\n".join(ratio_lines)

    gh_rss = [m for k in ("gh-valid", "gh-none", "gh-tampered") for m in mem.get(k, [])]
    targets = []
    if "gh-cached" in by:
        c = by["gh-cached"]
        targets.append(("decision cache >= 2.0 x minimal C", c["x_minimal"] >= 2.0,
                        f"{c['x_minimal']:.2f}; per round {spread(per_round('gh-cached', 'minimal'))}"))
        targets.append(("decision cache >= 0.6 x nginx static", c["x_static"] >= 0.6,
                        f"{c['x_static']:.2f}; per round {spread(per_round('gh-cached', 'static'))}"))
    def ratio_target(name, key, base, at_least, digits=2, cpu_note=""):
        """A row against another of the same run: the ratio of medians, the per-round spread and CPU per check."""
        if key not in by or base not in by:
            return
        r, b = by[key], by[base]
        cpu = (f"; CPU {r['cpu_us_per_req']:.1f} vs {b['cpu_us_per_req']:.1f} µs/req{cpu_note}"
               if r["cpu_us_per_req"] and b["cpu_us_per_req"] else "")
        targets.append((name, r["rps"] >= at_least * b["rps"],
                        f"{r['rps'] / b['rps']:.{digits}f}; per round {spread(per_round(key, base))}{cpu}"))

    for k in ("gh-real", "gh-real-dyn"):
        if k in by:
            ratio_target(f"{by[k]['label']} >= 0.9 x minimal C", k, "minimal", 0.9)
    ratio_target("metrics cost the check at most 3% (valid cookie with metrics >= 0.97 x without)", "gh-valid",
                 "gh-valid-nometrics", 0.97, digits=3)
    ratio_target("bearer JWT check >= 0.9 x the cookie check", "gh-bearer", "gh-valid", 0.9)
    ratio_target("Apache + Gatehouse >= 0.95 x Apache + minimal C", "apache-gh", "apache-minimal", 0.95,
                 cpu_note=" (Gatehouse vs responder)")
    if "gh-valid" in by:
        v = by["gh-valid"]
        targets.append(("valid cookie >= 0.9 x minimal C throughput", v["x_minimal"] >= 0.9, f"{v['x_minimal']:.2f}"))
        targets.append(("valid cookie p99 <= 1.3 x minimal C p99", v["p99_x_minimal"] <= 1.3, f"{v['p99_x_minimal']:.2f}"))
        for k in ("gh-none", "gh-tampered"):
            if k in by:
                targets.append((f"{by[k]['label']} no slower than valid", by[k]["rps"] >= 0.97 * v["rps"],
                                f"{by[k]['rps'] / v['rps']:.2f} x valid"))
        for k in ("apache-oidc", "apache-oidc-cookie"):
            if k in by:
                targets.append((f"nginx + Gatehouse faster than {by[k]['label']}", v["rps"] > by[k]["rps"],
                                f"{v['rps'] / by[k]['rps']:.2f} x"))
        for k, word in STATE_ROWS:
            if k in by:
                # Medians against medians; beside it the same ratio round by round (the rows ran back to back in
                # each round, so a round's ratio shares that round's machine load) and CPU per check.
                s = by[k]
                ratio = s["rps"] / v["rps"]
                per_round = sorted(a["rps"] / b["rps"] for a, b in zip(s["rounds"], v["rounds"]))
                cpu_s = (f"; CPU {s['cpu_us_per_req']:.1f} vs {v['cpu_us_per_req']:.1f} µs/req"
                         if s["cpu_us_per_req"] and v["cpu_us_per_req"] else "")
                targets.append((f"valid cookie, state {word} >= 0.95 x valid cookie (state off)", ratio >= 0.95,
                                f"{ratio:.3f}: {s['rps']:,.0f} vs {v['rps']:,.0f} req/s; per round "
                                f"{per_round[0]:.2f}–{per_round[-1]:.2f}{cpu_s}"))
    if gh_rss:
        peak = max(m[1] for m in gh_rss) / 1024
        first, last = gh_rss[0][1] / 1024, gh_rss[-1][1] / 1024
        anon = max(m[2] for m in gh_rss) / 1024
        targets.append(("Gatehouse RSS under load < 30 MiB", peak < 30,
                        f"VmRSS peak {peak:.1f} MiB, of which its own memory (RssAnon) {anon:.1f} MiB; the rest is shared library pages"))
        targets.append(("Gatehouse RSS flat (last round within 10% of first)", last <= first * 1.10 + 0.5,
                        f"first round {first:.1f} MiB, last {last:.1f} MiB"))

    header = "| configuration | req/s (median) | min–max | p50 ms | p99 ms | × static | × minimal C | p99 × minimal | CPU µs/req | RSS MiB (anon) |"
    lines = [header, "|" + "---|" * 10]
    for r in rows:
        cpu_s = f"{r['cpu_us_per_req']:.1f}" if r["cpu_us_per_req"] is not None else "—"
        rss_s = f"{r['rss_mib_max']:.1f} ({r['rss_anon_mib_max']:.1f})" if r["rss_mib_max"] is not None else "—"
        flag = "" if r["status_ok"] else " ⚠"
        lines.append(f"| {r['label']}{flag} | {r['rps']:,.0f} | {r['rps_min']:,.0f}–{r['rps_max']:,.0f} | {r['p50_ms']:.2f} | "
                     f"{r['p99_ms']:.2f} | {r['x_static']:.2f} | {r['x_minimal']:.2f} | {r['p99_x_minimal']:.2f} | {cpu_s} | {rss_s} |")
    table = "\n".join(lines)
    load_s = "; ".join(f"{l['when']}: {' '.join(l['loadavg'])} ({l['builders']} compiler processes"
                       + (f"; busiest other processes: {', '.join(l['busiest'])}" if l.get("busiest") else "") + ")" for l in loads)
    machine_s = (f"{machine['cpu']}, {machine['cores']} cores, {machine['mem_gib']} GiB, {machine['os']}, "
                 f"{machine['nginx']}, {machine['apache']}, mod_auth_openidc {machine['mod_auth_openidc']}, "
                 f"libfcgi {machine['libfcgi']}")
    md = [f"# Benchmark results ({started:%Y-%m-%d %H:%M} UTC)", "",
          f"`bench/run`: {ROUNDS} interleaved rounds × {DURATION} s per configuration, `wrk -t{THREADS} -c{CONNECTIONS}` on "
          f"127.0.0.1, one static file ({PAGE}), `Sec-Fetch-Mode: cors` on every request. Figures: median of rounds; "
          f"ratios against the same run's nginx static file and minimal C libfcgi responder (both {WORKERS} threads). "
          f"CPU µs/req: utime+stime of the auth process(es) over the round ÷ requests (Apache rows: all Apache processes, "
          f"incl. serving the file). RSS: VmRSS of the FastCGI process sampled every 0.2 s under load (peak); in brackets RssAnon, "
          f"its own memory without shared library pages.", "",
          table, "",
          "## Ratios round by round (min / median / max)", "",
          "Each round runs every configuration once, back to back; a ratio of one round compares rows under the same load.", "",
          ratio_table, "",
          "## Targets", ""] + [f"- {'met' if ok else '**missed**'}: {name} ({val})" for name, ok, val in targets] + [
          "", "## Machine", "",
          f"- {machine_s}",
          f"- Gatehouse {machine['gatehouse_commit']}{' + uncommitted Sources changes' if machine['gatehouse_tree_dirty'] else ''}, "
          f"release build, {WORKERS} workers, {'with' if with_rules else 'without'} `[gatehouse.rules]` (email domain + group)"
          + (f"\n- {mirror_note}" if mirror_note else ""),
          f"- {machine['swift']}",
          f"- load average (1/5/15 min), other compilers, and the busiest processes outside the benchmark (sampled between rounds, "
          f"when the benchmark itself is idle): {load_s}",
          f"- Gatehouse VmRSS (RssAnon) after warm-up {rss_start[0] / 1024:.1f} ({rss_start[1] / 1024:.1f}) MiB, "
          f"after the last round {rss_end[0] / 1024:.1f} ({rss_end[1] / 1024:.1f}) MiB" if rss_start[0] and rss_end[0] else "",
          ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text("\n".join(md))
    slim = {"started": started.isoformat(), "rounds": ROUNDS, "duration_s": DURATION, "wrk_threads": THREADS,
            "connections": CONNECTIONS, "workers": WORKERS, "with_rules": with_rules, "machine": machine, "load": loads,
            **({"state_mirror": mirror_note} if mirror_note else {}),
            "targets": [{"target": n, "met": ok, "value": v} for n, ok, v in targets],
            "rows": [{k: v for k, v in r.items() if k != "rounds"} | {
                "rounds": [{k: x[k] for k in ("rps", "p50_us", "p99_us", "non2xx3xx", "requests", "err_connect", "err_read", "err_timeout")
                                   if k in x and (x[k] or not k.startswith("err_"))}
                           | ({"cpu_us_per_req": round(x["cpu_us_per_req"], 2)} if "cpu_us_per_req" in x else {})
                           | ({"rss_kib_max": x["rss_kib_max"], "rss_anon_kib_max": x["rss_anon_kib_max"]} if "rss_kib_max" in x else {})
                           for x in r["rounds"]]}
                for r in rows]}
    (RESULTS / "latest.json").write_text(compact_json(slim))
    CHART.parent.mkdir(parents=True, exist_ok=True)
    svg_chart(rows, CHART,
              f"{machine['cores']} cores, {machine['cpu']}; {started:%Y-%m-%d}; load at start {' '.join(loads[0]['loadavg'])}")
    print(table)
    print()
    print(ratio_table)
    print()
    for name, ok, val in targets:
        print(f"{'met   ' if ok else 'MISSED'}  {name}: {val}")
    print(f"\nbench: wrote {RESULTS / 'latest.md'}, latest.json and {CHART}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
