"""Instruction counts per auth check, reproducible on a noisy machine: the release binary under valgrind's callgrind.

    .venv/bin/python bench/callgrind.py [N] [--md=bench/results/latest.md]     (default N=300 requests per kind)

Starts `gatehouse serve` (1 worker) under callgrind, sends nginx-like FastCGI requests directly (valid, no and
tampered cookie) and the same to bench/minimal-responder.c for scale; zeroes the counters after a warm-up and dumps them after each kind, then prints instructions per
request and the most expensive functions (inclusive). Dumps stay in bench/results/callgrind/ (not committed).

The valid cookie twice: with the state store off (`state = "none"`) and on (`state = "sqlite:..."`, a second
Gatehouse under callgrind, its store holding 1,000 revoked session ids and 200 revoked email addresses written with
`gatehouse session revoke` before it starts), and the ratio. All threads are counted, so the state-on figure
includes the store's background threads (the sync thread polls the file every 0.1 s and reads its changes every
second: time-driven, so valgrind's slowdown spreads it over far fewer checks than natively); the ratio of the
worker thread alone (FastCGIServer.workerLoop, inclusive) is the check's own, with the state store's functions on
that path (SessionLifecycle.current, SessionState.lookup, RevokedSessionSet.contains) per check beside it.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import compact_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "integration"))
import fcgi_client  # noqa: E402  (the tests' FastCGI client)

# Sessions must name a configured provider; this one is never asked.
IDLE_PROVIDER = ('redirect_uri = "http://127.0.0.1/oauth2/callback"\nclient_id = "bench"\nclient_secret = "bench-never-used"\n'
                 'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n')
BIN = Path(os.environ.get("GATEHOUSE_BIN", ROOT / ".build-bench" / "release" / "gatehouse"))
OUT = ROOT / "bench" / "results" / "callgrind"
ARGS = [a for a in sys.argv[1:] if not a.startswith("--md=")]
N = int(ARGS[0]) if ARGS else 300
MD = next((Path(a[5:]) for a in sys.argv[1:] if a.startswith("--md=")), None)
CLAIMS = {"sub": "diana", "email": "diana@example.org", "email_verified": True, "preferred_username": "diana",
          "groups": ["admins", "staff"], "name": "Diana Prince"}


def params(cookie):
    """What nginx's stock fastcgi_params send for the auth_request subrequest of bench/run."""
    p = {"QUERY_STRING": "", "REQUEST_METHOD": "GET", "CONTENT_TYPE": "", "CONTENT_LENGTH": "",
         "SCRIPT_NAME": "/oauth2/auth", "REQUEST_URI": "/private/page.html", "DOCUMENT_URI": "/oauth2/auth",
         "DOCUMENT_ROOT": "/srv/www", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "http",
         "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "nginx/1.22.1", "REMOTE_ADDR": "127.0.0.1",
         "REMOTE_PORT": "51234", "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_NAME": "",
         "REDIRECT_STATUS": "200", "HTTP_HOST": "127.0.0.1:8080", "HTTP_USER_AGENT": "wrk", "HTTP_SEC_FETCH_MODE": "cors"}
    if cookie:
        p["HTTP_COOKIE"] = cookie
    return p


STATE_KIND = "valid, state store SQLite"
REVOKED_SESSIONS, REVOKED_EMAILS = 1000, 200


def config(wd, name, secret, state):
    sock = wd / f"{name}.sock"
    conf = wd / f"{name}.toml"
    rules = '[gatehouse.rules]\nallowed_email_domains = ["example.org"]\nallowed_groups = ["staff"]\n'
    text = (f'[auth]\ncookie_secret = "{secret}"\n{IDLE_PROVIDER}\n[gatehouse]\nlisten = "unix:{sock}"\nworkers = 1\n'
            f'cookie_secure = false\nstate = "{state}"\n')
    conf.write_text(text + "\n" + rules)
    if subprocess.run([str(BIN), "check-config", "--config", str(conf)], capture_output=True).returncode != 0:
        conf.write_text(text)
    return conf, sock


def seal(conf, claims):
    return subprocess.run([str(BIN), "session", "seal", "--config", str(conf)], input=json.dumps(claims),
                          capture_output=True, text=True, check=True).stdout.strip()


def fill_store(conf):
    """What bench.py's state store rows revoke too: random session ids and user{i}@example.org."""
    args = [["--session=" + base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")] for _ in range(REVOKED_SESSIONS)]
    args += [["--email", f"user{i}@example.org"] for i in range(REVOKED_EMAILS)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # mostly waiting on process start and fsync
        list(pool.map(lambda a: subprocess.run([str(BIN), "session", "revoke", "--config", str(conf), *a],
                                               capture_output=True, check=True), args))


def under_callgrind(binary, conf, sock, wd, log):
    return subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={OUT}/callgrind.out",
                             "--dump-instr=no", str(binary), "serve", "--config", str(conf)],
                            stdout=open(wd / log, "wb"), stderr=subprocess.STDOUT)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    wd = Path(tempfile.mkdtemp(prefix="gatehouse-callgrind-"))
    secret = subprocess.run([str(BIN), "new-secret"], capture_output=True, text=True).stdout.strip()
    conf, sock = config(wd, "g", secret, "none")
    sconf, ssock = config(wd, "s", secret, f"sqlite:{wd}/state.db")
    sealed = seal(conf, CLAIMS)
    tampered = sealed[:-4] + ("BBBB" if sealed.endswith("AAAA") else "AAAA")
    user0 = seal(conf, CLAIMS | {"sub": "user0", "email": "user0@example.org"})  # revoked by --email below
    fill_store(sconf)
    # valgrind 3.19 cannot read the DWARF 5 of Swift 6 binaries: profile a copy without debug info (symbols stay).
    binary = wd / "gatehouse"
    subprocess.run(["objcopy", "--strip-debug", str(BIN), str(binary)], check=True)
    for old in OUT.glob("callgrind.out*"):
        old.unlink()
    valid = f"_ga=GA1.1.1.1; _gatehouse={sealed}"
    results = {}
    top = {}
    parts = {}  # kind -> {function label: inclusive instructions per check}
    vg = under_callgrind(binary, conf, sock, wd, "vg.log")
    try:
        wait_socket(sock, vg, wd / "vg.log")
        kinds = [("valid", valid, 200), ("none", None, 401),
                 ("tampered", f"_ga=GA1.1.1.1; _gatehouse={tampered}", 401)]
        for _, cookie, want in kinds:  # warm-up: lazy initialisation out of the figures
            for _ in range(20):
                assert fcgi_client.request(str(sock), params(cookie), timeout=60).status == want
        profile(vg, sock, kinds, results, top, parts)
    finally:
        stop(vg)
    # The same valid cookie with the state store on: its mirror holds the revocations written above.
    vg = under_callgrind(binary, sconf, ssock, wd, "vgs.log")
    try:
        wait_socket(ssock, vg, wd / "vgs.log")
        deadline = time.monotonic() + 120
        while fcgi_client.request(str(ssock), params(f"_gatehouse={user0}"), timeout=60).status != 401:
            if time.monotonic() > deadline:
                raise SystemExit("callgrind: the state store's revocations never reached the mirror")
            time.sleep(0.5)
        for _ in range(20):
            assert fcgi_client.request(str(ssock), params(valid), timeout=60).status == 200
        profile(vg, ssock, [(STATE_KIND, valid, 200)], results, top, parts)
    finally:
        stop(vg)
    # The architecture's limit, counted the same way.
    msock = wd / "m.sock"
    responder = wd / "minimal-responder"
    subprocess.run(["cc", "-O2", "-pthread", "-o", str(responder), str(ROOT / "bench" / "minimal-responder.c"), "-lfcgi"], check=True)
    vg = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={OUT}/callgrind.out", "--dump-instr=no",
                           str(responder), str(msock), "1"], stdout=open(wd / "vgm.log", "wb"), stderr=subprocess.STDOUT)
    try:
        wait_socket(msock, vg, wd / "vgm.log")
        kinds = [("minimal C responder", f"_gatehouse={sealed}", 200)]
        for _ in range(20):
            fcgi_client.request(str(msock), params(kinds[0][1]), timeout=60)
        profile(vg, msock, kinds, results, top, parts)
    finally:
        stop(vg, signal.SIGKILL)  # libfcgi's own SIGTERM handler only sets a flag
        shutil.rmtree(wd, ignore_errors=True)
    (OUT / "summary.json").write_text(json.dumps(results, indent=1) + "\n")
    print("\n" + state_summary(results, parts))
    if MD:
        lines = ["", "## Instructions per check (valgrind callgrind, bench/callgrind.py)", "",
                 f"Counted over {N} checks after a warm-up, one worker, nginx's FastCGI params sent directly; all threads.", "",
                 "| what | instructions per check | × minimal C |", "|---|---|---|"]
        base = results["minimal C responder"]
        lines += [f"| {k} | {v:,.0f} | {v / base:.1f} |" for k, v in results.items()]
        lines += ["", state_summary(results, parts)]
        lines += ["", "Most expensive functions of the valid-cookie check (inclusive, per check):", "", "```"]
        lines += top.get("valid", [])[:25] + ["```", ""]
        if STATE_KIND in top:
            lines += ["Most expensive functions of the valid-cookie check with the state store on (SQLite):", "", "```"]
            lines += top[STATE_KIND][:25] + ["```", ""]
        text = MD.read_text() if MD.exists() else ""
        marker = "\n## Instructions per check"
        if marker in text:
            text = text[:text.index(marker)]
        MD.write_text(text.rstrip("\n") + "\n" + "\n".join(lines))
        js = MD.with_suffix(".json")
        if js.exists():
            data = json.loads(js.read_text())
            data["callgrind_instructions_per_check"] = {k: round(v) for k, v in results.items()}
            if STATE_KIND in parts:
                data["callgrind_functions_per_check"] = {k: {f: round(v) for f, v in fs.items()}
                                                         for k, fs in parts.items() if k in ("valid", STATE_KIND)}
            js.write_text(compact_json(data))


def wait_socket(sock, vg, logfile):
    deadline = time.monotonic() + 120
    while not sock.exists():
        if time.monotonic() > deadline or vg.poll() is not None:
            raise SystemExit(Path(logfile).read_text())
        time.sleep(0.2)


def stop(vg, sig=signal.SIGTERM):
    vg.send_signal(sig)
    try:
        vg.wait(30)
    except subprocess.TimeoutExpired:
        vg.kill()


def demangle(names):
    try:
        out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(names),
                             capture_output=True, text=True, timeout=60).stdout.splitlines()
        return out if len(out) == len(names) else names
    except Exception:
        return names


def state_summary(results, parts):
    if "valid" not in results or STATE_KIND not in results:
        return ""
    off, on = results["valid"], results[STATE_KIND]
    p_off, p_on = parts.get("valid", {}), parts.get(STATE_KIND, {})
    w_off, w_on = p_off.get(WORKER, 0), p_on.get(WORKER, 0)
    bg = sum(p_on.get(label, 0) for label, _ in BACKGROUND)
    text = f"State store on (SQLite) ÷ off, valid cookie: all threads {on / off:.3f} × ({on:,.0f} vs {off:,.0f} instructions per check)"
    if w_off and w_on:
        text += (f"; the worker thread, i.e. the check itself ({WORKER}, inclusive), {w_on / w_off:.3f} × ({w_on:,.0f} vs "
                 f"{w_off:,.0f}, +{w_on - w_off:,.0f}), of which the state store's functions on the check path: "
                 + ", ".join(f"{label} {p_on.get(label, 0):,.0f}" for label, _ in CHECK_PATH)
                 + f". The rest of the all-threads difference is the store's background threads, {bg:,.0f} per check "
                 "(the sync thread polling the file; time-driven, so under valgrind spread over far fewer checks than natively).")
    return text


# Functions found by their mangled names in callgrind_annotate's inclusive listing (the largest match of each).
WORKER = "FastCGIServer.workerLoop"
CHECK_PATH = (("SessionLifecycle.current", "SessionLifecycleC7current_3now"),
              ("SessionState.lookup (lock, Bloom probe, per-user lookups)", "SessionStateC6lookup"),
              ("RevokedSessionSet.contains (Bloom probe)", "RevokedSessionSetC8contains"))
BACKGROUND = (("StateThreads.runSync", "StateThreadsO7runSync"), ("Gatehouse.refreshStep", "C11refreshStep7timeout"))
FUNCTIONS = ((WORKER, "CGIServerC10workerLoop"),) + CHECK_PATH + BACKGROUND


def profile(vg, sock, kinds, results, top, parts):
    if True:
        for name, cookie, want in kinds:
            subprocess.run(["callgrind_control", "-z", str(vg.pid)], capture_output=True, check=True)
            for _ in range(N):
                r = fcgi_client.request(str(sock), params(cookie), timeout=60)
                assert r.status == want, r.status
            subprocess.run(["callgrind_control", "-d", name, str(vg.pid)], capture_output=True, check=True)
            time.sleep(0.5)
            dump = max(OUT.glob("callgrind.out*"), key=lambda p: p.stat().st_mtime)
            final = OUT / f"{name}.callgrind.out"
            dump.rename(final)
            ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", str(final)],
                                 capture_output=True, text=True).stdout
            total = next(int(l.split()[0].replace(",", "")) for l in ann.splitlines() if "PROGRAM TOTALS" in l)
            results[name] = total / N
            every = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(final)],
                                   capture_output=True, text=True).stdout
            found = {}
            for line in every.splitlines():
                words = line.split()
                if not words or not words[0][0].isdigit() or "PROGRAM TOTALS" in line:
                    continue
                for label, mangled in FUNCTIONS:
                    if mangled in line:
                        found[label] = max(found.get(label, 0), int(words[0].replace(",", "")) / N)
            parts[name] = found
            print(f"\n=== {name}: {total / N:,.0f} instructions per check (all threads, {N} checks) ===")
            print("; ".join(f"{label} {v:,.0f}" for label, v in found.items()))
            rows = []
            for line in ann.splitlines():
                if line.strip() and line.strip()[0].isdigit() and "PROGRAM TOTALS" not in line:
                    ir, _, rest = line.strip().partition(" ")
                    per = int(ir.replace(",", "")) / N
                    if per < total / N * 0.03:
                        continue
                    fn = rest.strip().split(")", 1)[-1].strip()  # drop "(12.3%)"
                    fn = fn.split(" [", 1)[0].removeprefix("???:")
                    if any(w in fn for w in ("clone.S", "start_thread", "NSThreadStart", "ThreadC4main", "CGIServerC3run")):
                        continue  # the thread's own frames: 100% by definition
                    rows.append((per, fn))
                    if len(rows) >= 45:
                        break
            names = demangle([f for _, f in rows])
            top[name] = [f"{per:>11,.0f}  {n[:140]}" for (per, _), n in zip(rows, names)]
            print("\n".join(top[name]))


if __name__ == "__main__":
    main()
