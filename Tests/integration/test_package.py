"""The Debian package (scripts/package), as an operator meets it: lintian has no error; Depends names the package of
every shared library the binary needs and the Swift runtime is linked in; the snippets sit at the paths README and
docs use. Then, on this machine: dpkg installs it, the installed example config fails check-config naming what to
fill in, filled in (the one edit) it serves a login through nginx with the installed snippets, started as the
installed service unit starts it (as user gatehouse, socket handed over as systemd does); `dpkg -r` leaves only the
conffiles, `dpkg -P` leaves nothing, the user included.

The package is GATEHOUSE_DEB (scripts/test builds it once per run) or built here with scripts/package. Installing
needs root: CI runs as root on a throwaway machine; elsewhere the test fails, never skips. The other tests use
GATEHOUSE_BIN, never /usr/bin/gatehouse, so the install does not touch them."""
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import requests

import fcgi_client

from harness import ROOT, free_port, login_without_browser, toml_config, wait_for

INSTALLED = Path("/usr/bin/gatehouse")
CONFIG = Path("/etc/gatehouse/gatehouse.toml")
SOCKET = Path("/run/gatehouse/gatehouse.sock")


@pytest.fixture(scope="module")
def deb() -> Path:
    given = os.environ.get("GATEHOUSE_DEB")
    if given:
        path = Path(given)
        assert path.is_file(), f"GATEHOUSE_DEB={given} does not exist"
        return path
    out = subprocess.run([str(ROOT / "scripts" / "package")], capture_output=True, text=True, timeout=3600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    return Path(out.stdout.strip().splitlines()[-1])


def run(*args, check=True, **kwargs):
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)
    if check:
        assert out.returncode == 0, f"{args}: {out.stdout[-2000:]}{out.stderr[-2000:]}"
    return out


def package_files(deb: Path) -> list[str]:
    """The regular files and symlinks the package ships, as absolute paths."""
    out = run("dpkg-deb", "-c", deb).stdout.splitlines()
    return [line.split(None, 5)[5].split(" -> ")[0].removeprefix(".") for line in out if line[0] in "-l"]


def installed_state() -> str:
    out = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", "gatehouse", check=False)
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def purge_if_installed():
    if installed_state() not in ("unknown", "un"):
        run("dpkg", "--purge", "gatehouse")


def test_lintian_reports_no_errors(deb):
    lintian = shutil.which("lintian")
    assert lintian, "lintian is missing (apt-get install lintian); scripts/install-deps installs it"
    out = run(lintian, "--tag-display-limit", "0", deb, check=False)
    errors = [line for line in out.stdout.splitlines() if line.startswith("E:")]
    assert not errors and out.returncode == 0, out.stdout + out.stderr


def test_depends_covers_every_shared_library_and_the_swift_runtime_is_inside(deb, workdir):
    run("dpkg-deb", "-x", deb, workdir / "root")
    binary = workdir / "root" / "usr" / "bin" / "gatehouse"
    needed = re.findall(r"NEEDED\s+(\S+)", run("objdump", "-p", binary).stdout)
    assert needed and not [lib for lib in needed if "swift" in lib.lower() or "Foundation" in lib], needed
    depends = {d.strip().split()[0] for d in run("dpkg-deb", "-f", deb, "Depends").stdout.replace("|", ",").split(",")}
    assert {"adduser", "libfcgi0ldbl", "libssl3", "libcurl4", "libcjose0", "libhiredis0.14", "libsqlite3-0"} <= depends, depends
    for lib in needed:
        # Which installed package ships this library (the build machine has them all): it must be a dependency.
        path = run("sh", "-c", f"ldconfig -p | awk '$1 == \"{lib}\" {{ print $NF; exit }}'").stdout.strip()
        assert path, f"{lib} is not installed here"
        owner = run("dpkg", "-S", os.path.realpath(path), check=False).stdout or run("dpkg", "-S", path).stdout
        package = owner.split(":")[0]
        assert package in depends, f"{lib} ({package}) is not in Depends: {sorted(depends)}"


def test_snippets_are_where_the_docs_say(deb):
    files = set(package_files(deb))
    conffiles = set(run("sh", "-c", f"dpkg-deb --ctrl-tarfile {deb} | tar -xO ./conffiles").stdout.split())
    etc = {f for f in files if f.startswith("/etc/")}
    assert conffiles == etc and CONFIG.as_posix() in etc
    mentioned = set()
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *ROOT.glob("nginx/*"), *ROOT.glob("apache/*"),
                *ROOT.glob("lighttpd/*"), ROOT / "packaging" / "deb" / "gatehouse.toml"]:
        mentioned |= set(re.findall(r"/etc/gatehouse/(?:nginx|apache|lighttpd)/[\w.-]+\.conf", doc.read_text()))
    assert mentioned and mentioned <= etc, sorted(mentioned - etc)
    for server in ("nginx", "apache", "lighttpd"):
        assert f"/usr/share/doc/gatehouse/examples/{server}/example-site.conf" in files
    assert "/usr/share/doc/gatehouse/examples/pages/page.mustache" in files
    for path in ("/usr/bin/gatehouse", "/lib/systemd/system/gatehouse.service", "/lib/systemd/system/gatehouse.socket",
                 "/usr/share/man/man1/gatehouse.1.gz", "/usr/share/doc/gatehouse/copyright"):
        assert path in files, path
    # The man page is the argument parser's: every command and option --help lists.
    man = run("sh", "-c", f"dpkg-deb --fsys-tarfile {deb} | tar -xO ./usr/share/man/man1/gatehouse.1.gz | gzip -dc").stdout
    for text in (".TH GATEHOUSE 1", "gatehouse check\\-config", "\\-\\-json", "gatehouse session revoke", "\\-\\-listen"):
        assert text in man, text


def start_installed_service(workdir):
    """The installed gatehouse.service's command lines, run as its User= with the socket of gatehouse.socket handed
    over as PID 1 does (systemd-socket-activate), and /run/gatehouse and /var/lib/gatehouse made as its
    RuntimeDirectory= and StateDirectory= make them. Real PID 1 activation is not available in CI containers."""
    import configparser
    units = {}
    for name in ("gatehouse.service", "gatehouse.socket"):
        p = configparser.ConfigParser(strict=False, interpolation=None)
        p.optionxform = str
        p.read(f"/lib/systemd/system/{name}")
        units[name] = p
    service, socket_unit = units["gatehouse.service"]["Service"], units["gatehouse.socket"]["Socket"]
    assert socket_unit["ListenStream"] == SOCKET.as_posix() and socket_unit["SocketGroup"] == "www-data"
    user = service["User"]
    account = pwd.getpwnam(user)
    for directory, mode in ((Path("/run") / service["RuntimeDirectory"], service["RuntimeDirectoryMode"]),
                            (Path("/var/lib") / service["StateDirectory"], service["StateDirectoryMode"])):
        directory.mkdir(exist_ok=True)
        os.chown(directory, account.pw_uid, account.pw_gid)
        directory.chmod(int(mode, 8))
    as_user = ["setpriv", f"--reuid={user}", f"--regid={service['Group']}", "--init-groups"]
    pre = run(*as_user, *service["ExecStartPre"].split(), check=False)
    assert pre.returncode == 0, pre.stdout + pre.stderr
    log = open(workdir / "installed-gatehouse.log", "ab")
    proc = subprocess.Popen(["systemd-socket-activate", "-l", str(SOCKET), *as_user, *service["ExecStart"].split()],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    # systemd-socket-activate, like PID 1, starts the service at the first connection.
    wait_for(lambda: SOCKET.exists() or proc.poll() is not None, what="the socket of gatehouse.socket")
    # systemd would make it 0660 root:www-data (SocketMode=, SocketGroup=); the harness's nginx workers run as nobody.
    SOCKET.chmod(0o666)
    first = fcgi_client.request(str(SOCKET), {"DOCUMENT_URI": "/oauth2/health", "REQUEST_URI": "/oauth2/health",
                                              "REQUEST_METHOD": "GET"}, timeout=20)
    assert first.status == 200, (workdir / "installed-gatehouse.log").read_text(errors="replace")
    assert " listening " in (workdir / "installed-gatehouse.log").read_text(errors="replace")
    return proc


def test_install_login_remove_purge(deb, workdir, mock_provider, nginx_factory):
    assert os.geteuid() == 0, "installing the package needs root (CI runs as root on a throwaway machine)"
    purge_if_installed()
    files = package_files(deb)
    conffiles = sorted(f for f in files if f.startswith("/etc/"))
    proc = None
    try:
        run("dpkg", "-i", deb)
        assert installed_state() == "ii"
        assert INSTALLED.exists() and run(INSTALLED, "--version").stdout.strip() == run("dpkg-deb", "-f", deb, "Version").stdout.strip()
        assert "gatehouse" in grp.getgrnam("www-data").gr_mem
        account = pwd.getpwnam("gatehouse")
        assert account.pw_shell.endswith("nologin") or account.pw_shell.endswith("false")
        assert CONFIG.stat().st_mode & 0o777 == 0o640 and grp.getgrgid(CONFIG.stat().st_gid).gr_name == "gatehouse"
        run("systemd-analyze", "verify", "--man=no", "/lib/systemd/system/gatehouse.socket", "/lib/systemd/system/gatehouse.service")

        # As shipped, the config names what is left to fill in.
        shipped = run(INSTALLED, "check-config", "--json", "--config", CONFIG, check=False)
        assert shipped.returncode == 2
        assert {p["key"] for p in json.loads(shipped.stdout)["problems"]} == {
            "auth.cookie_secret", "auth.redirect_uri", "auth.client_id", "auth.server_metadata_url"}

        # The one edit, keeping the file's owner and mode as an editor does.
        port = free_port()
        settings = toml_config.load(CONFIG.read_text())
        assert settings["gatehouse"]["listen"] == "systemd"
        CONFIG.write_text(toml_config.dump(toml_config.merge(settings, {
            "auth": {"redirect_uri": f"http://127.0.0.1:{port}/oauth2/callback",
                     "cookie_secret": run(INSTALLED, "new-secret").stdout.strip(),
                     "client_id": "gatehouse-package", "client_secret": "package-secret",
                     "server_metadata_url": mock_provider.metadata_url},
            "gatehouse": {"cookie_secure": False}})))   # plain http on 127.0.0.1
        proc = start_installed_service(workdir)

        root = workdir / "www"
        (root / "private").mkdir(parents=True)
        (root / "private" / "page.html").write_text("secret page\n")
        nginx = nginx_factory(f"""
    upstream gatehouse {{ server unix:{SOCKET}; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        set $gatehouse_upstream gatehouse;
        include /etc/gatehouse/nginx/gatehouse-routes.conf;
        location / {{ include /etc/gatehouse/nginx/gatehouse-protect.conf; }}
    }}""", port)
        http = requests.Session()
        http.headers.update({"Sec-Fetch-Mode": "navigate", "Accept": "text/html"})
        first = http.get(nginx.url + "/private/page.html", allow_redirects=False)
        assert first.status_code == 302
        assert first.headers["Location"] == nginx.url + "/oauth2/start?rd=%2Fprivate%2Fpage.html"
        done = login_without_browser(http, first.headers["Location"], "alice")
        assert done.status_code == 302 and done.headers["Location"] == "/private/page.html"
        assert http.get(nginx.url + "/private/page.html").text == "secret page\n"
        health = requests.get(nginx.url + "/oauth2/health").json()
        assert health["state_store"]["backend"] == "sqlite" and health["state_store"]["reachable"] is True
        assert Path("/var/lib/gatehouse/state.db").stat().st_uid == account.pw_uid
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
        proc = None
        nginx.stop()

        # Installing again (an upgrade does the same): the edited config, its group and the user stay as they are.
        edited = CONFIG.read_text()
        run("dpkg", "-i", deb)
        assert CONFIG.read_text() == edited and grp.getgrgid(CONFIG.stat().st_gid).gr_name == "gatehouse"
        assert pwd.getpwnam("gatehouse").pw_uid == account.pw_uid
        assert run(INSTALLED, "check-config", "--config", CONFIG, check=False).returncode == 0

        # Remove: the program goes, the conffiles (edited or not) stay, and so do the user and the state.
        run("dpkg", "--remove", "gatehouse")
        assert installed_state() == "rc"
        left = sorted(f for f in files if os.path.lexists(f))
        assert left == conffiles, sorted(set(left) ^ set(conffiles))
        assert "package-secret" in CONFIG.read_text()

        # Purge: nothing of it is left, the user and group and the state included.
        run("dpkg", "--purge", "gatehouse")
        assert installed_state() == "unknown"
        assert [f for f in files if os.path.lexists(f)] == []
        for path in ("/etc/gatehouse", "/var/lib/gatehouse", "/run/gatehouse"):
            assert not os.path.lexists(path), path
        with pytest.raises(KeyError):
            pwd.getpwnam("gatehouse")
        with pytest.raises(KeyError):
            grp.getgrnam("gatehouse")
        assert "gatehouse" not in grp.getgrnam("www-data").gr_mem
        leftovers = run("sh", "-c", "find /etc/systemd /var/lib/systemd -name '*gatehouse*' 2>/dev/null; true").stdout.split()
        assert leftovers == [], leftovers
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        purge_if_installed()
