"""docs/deploy.md, tested: the shipped systemd units pass `systemd-analyze verify` (offline: no systemd PID 1 needed), and the
service's command line, started the way the socket unit starts it, serves the check. Real socket activation
by PID 1 cannot run in CI containers; systemd-socket-activate passes the socket exactly as PID 1 does.
And the spawn-fcgi command line of docs/deploy.md."""
import configparser
import shlex
import shutil
import subprocess

import fcgi_client
from harness import ROOT, binary, new_secret, wait_for


def unit(name):
    p = configparser.ConfigParser(strict=False, interpolation=None)
    p.optionxform = str
    p.read(ROOT / "systemd" / name)
    return p


def test_units_verify(workdir):
    exe = shutil.which("systemd-analyze")
    assert exe, "systemd-analyze is missing (apt-get install systemd); scripts/install-deps installs it"
    for name in ("gatehouse.socket", "gatehouse.service"):
        text = (ROOT / "systemd" / name).read_text().replace("/usr/bin/gatehouse", str(binary()))
        (workdir / name).write_text(text)
    out = subprocess.run([exe, "verify", "--man=no", str(workdir / "gatehouse.socket"), str(workdir / "gatehouse.service")],
                         capture_output=True, text=True, cwd=workdir)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr


def test_service_command_under_socket_activation(gatehouse_factory, workdir):
    socket_unit, service = unit("gatehouse.socket"), unit("gatehouse.service")
    assert socket_unit["Socket"]["ListenStream"] == "/run/gatehouse/gatehouse.sock"
    assert service["Unit"]["Requires"] == "gatehouse.socket" and service["Service"]["Restart"] == "on-failure"
    g = gatehouse_factory(listen="systemd", start=False)
    argv = shlex.split(service["Service"]["ExecStart"].replace("/etc/gatehouse/gatehouse.toml", str(g.config)))
    assert argv[0] == "/usr/bin/gatehouse"
    argv[0] = str(binary())
    check = shlex.split(service["Service"]["ExecStartPre"].replace("/etc/gatehouse/gatehouse.toml", str(g.config)))
    assert subprocess.run([str(binary())] + check[1:], capture_output=True).returncode == 0
    path = str(workdir / "activated.sock")
    proc = subprocess.Popen(["systemd-socket-activate", "-l", path] + argv, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: (workdir / "activated.sock").exists(), what="activation socket")
        r = fcgi_client.request(path, {"DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/x", "REQUEST_METHOD": "GET",
                                       "HTTP_ACCEPT": "application/json"})
        assert r.status == 401
    finally:
        proc.terminate()
        proc.wait(10)


def test_spawn_fcgi_as_documented(gatehouse_factory, workdir):
    exe = shutil.which("spawn-fcgi")
    assert exe, "spawn-fcgi is missing (apt-get install spawn-fcgi); scripts/install-deps installs it"
    import os
    # The state directory belongs to the user Gatehouse runs as (docs/deploy.md: install -d -o gatehouse ...).
    state = workdir / "state"
    state.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(state, "nobody", "nogroup")
    g = gatehouse_factory(listen="unix:/unused", start=False, extra_gatehouse=f'state = "sqlite:{state}/state.db"')
    path = workdir / "spawned.sock"
    user = ["-U", "www-data", "-G", "www-data", "-u", "nobody", "-g", "nogroup"] if os.geteuid() == 0 else []
    proc = subprocess.Popen([exe, "-s", str(path), "-M", "0660", *user, "-n", "--",
                             str(binary()), "serve", "--config", str(g.config), "--listen", "fd:0"], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: path.exists(), what="spawn-fcgi socket")
        assert oct(path.stat().st_mode & 0o777) == "0o660"
        r = fcgi_client.request(str(path), {"DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/x", "REQUEST_METHOD": "GET",
                                            "HTTP_ACCEPT": "application/json"})
        assert r.status == 401
        sealed = g.seal('{"sub":"frank"}')
        ok = fcgi_client.request(str(path), {"DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/x", "REQUEST_METHOD": "GET",
                                             "HTTP_COOKIE": f"_gatehouse={sealed}"})
        assert ok.status == 200 and ok.header("X-Auth-Request-User") == "frank"
    finally:
        proc.terminate()
        proc.wait(10)


def test_reload_as_the_unit_runs_it(gatehouse_factory, workdir):
    """`systemctl reload gatehouse` runs the unit's ExecReload lines in order: check-config, then SIGHUP to the main
    process, which re-reads the file; a file that does not load fails the first line, and nothing is sent."""
    import re
    text = (ROOT / "systemd" / "gatehouse.service").read_text()
    reload_lines = re.findall(r"^ExecReload=(.*)$", text, re.M)
    assert reload_lines == ["/usr/bin/gatehouse check-config --config /etc/gatehouse/gatehouse.toml",
                            "/bin/kill -HUP $MAINPID"]
    g = gatehouse_factory(listen="systemd", start=False)
    argv = shlex.split(unit("gatehouse.service")["Service"]["ExecStart"].replace("/etc/gatehouse/gatehouse.toml", str(g.config)))
    argv[0] = str(binary())
    path = str(workdir / "activated.sock")
    log = open(workdir / "activated.log", "wb")
    proc = subprocess.Popen(["systemd-socket-activate", "-l", path] + argv, stderr=log)

    def reload():
        for line in reload_lines:
            cmd = shlex.split(line.replace("/etc/gatehouse/gatehouse.toml", str(g.config)).replace("$MAINPID", str(proc.pid)))
            if cmd[0] == "/usr/bin/gatehouse":
                cmd[0] = str(binary())
            if subprocess.run(cmd, capture_output=True).returncode != 0:
                return False
        return True

    try:
        wait_for(lambda: (workdir / "activated.sock").exists(), what="activation socket")
        assert fcgi_client.request(path, {"DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/x", "REQUEST_METHOD": "GET",
                                          "HTTP_ACCEPT": "application/json"}).status == 401
        g.configure({"auth": {"cookie_secret": "tiny"}})
        assert not reload(), "check-config fails the reload"
        good_secret = new_secret()
        g.configure({"auth": {"cookie_secret": good_secret}})
        assert reload()
        wait_for(lambda: "configuration reloaded" in (workdir / "activated.log").read_text(), what="reload logged")
        sealed = g.seal('{"sub":"frank"}')
        ok = fcgi_client.request(path, {"DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/x", "REQUEST_METHOD": "GET",
                                        "HTTP_COOKIE": f"_gatehouse={sealed}"})
        assert ok.status == 200, "the new secret serves"
        assert "reload refused" not in (workdir / "activated.log").read_text(), "the broken file never reached the process"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
