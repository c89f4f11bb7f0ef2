"""Reload without downtime, under load (wrk through the shipped nginx routes, zero failed requests):
- SIGHUP (`systemctl reload gatehouse`) re-reads the config: a rotated cookie_secret with the old one in
  previous_cookie_secrets keeps every session and seals new ones with the new secret; a config that does not load
  changes nothing and every problem is logged; a restart-only key keeps its running value with a warning.
- Under socket activation (the socket held by another process, as systemd does, passed as fd 3 with LISTEN_FDS),
  restarting Gatehouse loses no connection: they wait in the socket's backlog."""
import os
import re
import shutil
import signal
import socket
import subprocess

import requests

from harness import CLAIMS, ROOT, binary, free_port, new_secret, nginx_site, wait_for


def protected_site(workdir, socket_path, port):
    root = workdir / "www"
    (root / "private").mkdir(parents=True, exist_ok=True)
    (root / "private" / "page.html").write_text("secret page\n")
    return nginx_site(socket_path, port, root, f"location /private/ {{ include {ROOT}/nginx/gatehouse-protect.conf; }}")


class Wrk:
    """wrk in the background against one URL with one cookie; `result()` waits and parses its summary (wrk counts a
    status of 400 or more as "Non-2xx or 3xx", and connect, read, write and timeout errors as "Socket errors")."""

    def __init__(self, url, cookie, seconds):
        assert shutil.which("wrk"), "wrk is missing (apt-get install wrk); scripts/install-deps installs it"
        self.proc = subprocess.Popen(["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-H", f"Cookie: _gatehouse={cookie}",
                                      # An API call: a lost session is a 401, which wrk counts (a 302 it would not).
                                      "-H", "Accept: application/json", url],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def result(self):
        out, _ = self.proc.communicate(timeout=120)
        assert self.proc.returncode == 0, out
        requests_done = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
        errors = re.search(r"Socket errors: (.*)", out)
        return requests_done, non2xx, (errors.group(1) if errors else None), out


def counter(url, outcome):
    text = requests.get(url + "/oauth2/metrics").text
    m = re.search(r'^gatehouse_config_reloads_total\{outcome="%s"\} (\S+)$' % outcome, text, re.M)
    return float(m.group(1)) if m else 0.0


def status(page, cookie):
    """An API call's status: 200, or 401 without a session (a navigation would be sent to the login)."""
    return requests.get(page, cookies={"_gatehouse": cookie}, headers={"Accept": "application/json"}).status_code


def allowed(url):
    text = requests.get(url + "/oauth2/metrics").text
    m = re.search(r'^gatehouse_checks_total\{role="responder",outcome="allow"\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def test_sighup_rotates_the_cookie_secret_under_load(gatehouse_factory, nginx_factory, workdir):
    g = gatehouse_factory()
    port = free_port()
    nginx = nginx_factory(protected_site(workdir, g.socket, port), port)
    page = nginx.url + "/private/page.html"
    old_secret = g.secret
    old_cookie = g.seal(CLAIMS)
    assert status(page, old_cookie) == 200

    load = Wrk(page, old_cookie, seconds=8)
    try:
        # 1. Rotation: a new secret seals, the old one still opens.
        new = new_secret()
        g.configure({"auth": {"cookie_secret": new}, "gatehouse": {"previous_cookie_secrets": [old_secret]}})
        new_cookie = g.seal(CLAIMS)
        assert status(page, new_cookie) == 401, "not yet reloaded"
        mark = len(g.log_text())
        g.proc.send_signal(signal.SIGHUP)
        g.wait_for_log("configuration reloaded", after=mark)
        assert status(page, new_cookie) == 200
        assert status(page, old_cookie) == 200

        # 2. A config that does not load: every problem logged, the running one stays.
        good = g.config.read_text()
        g.configure({"auth": {"cookie_secret": "tiny-QQ-secret"}, "gatehouse": {"workers": "many", "no_such_key": 1}})
        mark = len(g.log_text())
        g.proc.send_signal(signal.SIGHUP)
        g.wait_for_log("reload refused", after=mark)
        wait_for(lambda: g.log_text()[mark:].count("reload refused") >= 3, what="one line per problem")
        refused = g.log_text()[mark:]
        for key in ("auth.cookie_secret", "gatehouse.workers", "gatehouse.no_such_key"):
            assert key in refused, key
        assert "tiny-QQ-secret" not in refused, "a secret's value is never logged"
        assert status(page, new_cookie) == 200
        assert status(page, old_cookie) == 200

    finally:
        done, non2xx, errors, out = load.result()
    assert done > 100, out
    assert non2xx == 0 and errors is None, out

    # 3. Once the load (whose cookie has the old secret) is over: a restart-only key is warned about and kept; the
    # rest applies (here: the old secret is dropped).
    g.config.write_text(good)
    g.configure({"gatehouse": {"workers": 2, "previous_cookie_secrets": None}})
    mark = len(g.log_text())
    g.proc.send_signal(signal.SIGHUP)
    g.wait_for_log("configuration reloaded", after=mark)
    assert "workers changed in the file: it takes effect at the next restart" in g.log_text()[mark:]
    assert status(page, old_cookie) == 401, "the old secret is gone"
    assert counter(nginx.url, "applied") == 2 and counter(nginx.url, "refused") == 1
    assert g.proc.poll() is None


def test_restart_under_socket_activation_loses_no_connection(gatehouse_factory, nginx_factory, workdir):
    """The socket is held here, as systemd's gatehouse.socket holds it, and passed as fd 3 (LISTEN_PID, LISTEN_FDS):
    each restart stops one process (it finishes its requests) and starts the next on the same socket."""
    g = gatehouse_factory(listen="systemd", start=False)
    path = str(workdir / "activated.sock")
    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    held.bind(path)
    os.chmod(path, 0o666)
    held.listen(1024)
    log = open(workdir / "activated.log", "ab")

    def start():
        # sh sets LISTEN_PID to its own pid, which exec gives to gatehouse; 3<&0 puts the socket on fd 3.
        return subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" serve --config "$1" 3<&0 0</dev/null',
                                 str(binary()), str(g.config)], stdin=held.fileno(), stdout=log, stderr=subprocess.STDOUT)

    port = free_port()
    nginx = nginx_factory(protected_site(workdir, path, port), port)
    page = nginx.url + "/private/page.html"
    cookie = g.seal(CLAIMS)
    proc = start()
    try:
        wait_for(lambda: status(page, cookie) == 200, what="first answer")
        load = Wrk(page, cookie, seconds=8)
        restarts = 0
        for _ in range(3):
            # This process has served some of the load (its own counters, from zero), then it is restarted as
            # systemd does: SIGTERM, wait for the exit, start the next.
            mark = os.path.getsize(workdir / "activated.log")
            wait_for(lambda: allowed(nginx.url) >= 200, timeout=20, what="checks served by this process")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
            proc = start()
            restarts += 1
            wait_for(lambda: b" listening " in (workdir / "activated.log").read_bytes()[mark:], what="restarted gatehouse listening")
        done, non2xx, errors, out = load.result()
        assert restarts == 3
        assert done > 100, out
        assert non2xx == 0 and errors is None, out
    finally:
        proc.terminate()
        proc.wait(10)
        held.close()
        log.close()
