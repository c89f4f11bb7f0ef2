"""Real processes for the tests: the gatehouse binary, nginx, Apache, lighttpd, oidc-provider-mock, the echo app and
rp_provider, each on 127.0.0.1 with its own config in a temp dir. Missing pieces fail, never skip."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

INTEGRATION = Path(__file__).resolve().parents[1]   # Tests/integration
ROOT = INTEGRATION.parents[1]


ARTIFACTS = ROOT / "test-artifacts"


def binary() -> Path:
    path = Path(os.environ.get("GATEHOUSE_BIN", ROOT / ".build" / "debug" / "gatehouse"))
    if not path.exists():
        pytest.fail(f"gatehouse binary not found at {path}: run `swift build` first (scripts/test does)")
    return path


def new_secret() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


DEFAULT_PROVIDER = """
redirect_uri = "https://app.example.com/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "never-used"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


class Gatehouse:
    """A running `gatehouse serve`, its config and its log."""

    def __init__(self, workdir: Path, extra_gatehouse: str = "", auth: str = "", listen: str | None = None,
                 secret: str | None = None, env: dict | None = None, popen_kwargs: dict | None = None, start: bool = True,
                 name: str = "gatehouse", serve_args: tuple = ()):
        """`name` keeps the config, log and socket of a second instance in the same workdir apart; every instance of a
        workdir shares its state store (`state.db`) unless `extra_gatehouse` names another."""
        self.workdir = workdir
        self.secret = secret or new_secret()
        self.socket = str(workdir / f"{name}.sock")
        self.listen = listen or f"unix:{self.socket}"
        self.config = workdir / f"{name}.toml"
        # Without a provider of the test's own, a default one that is never asked: sessions name a configured
        # provider or the check refuses them (`seal` makes sessions of provider "default").
        auth = auth or DEFAULT_PROVIDER
        self.auth, self.extra_gatehouse = auth, extra_gatehouse
        # Before `extra_gatehouse`: that may end inside a sub-table ([gatehouse.rules], [gatehouse.providers.x]).
        state = "" if "state =" in extra_gatehouse else f'state = "sqlite:{workdir}/state.db"'
        self.config.write_text(f"""
[auth]
cookie_secret = "{self.secret}"
{auth}

[gatehouse]
listen = "{self.listen}"
socket_mode = "0666"
workers = 4
read_timeout = "2s"
{state}
{extra_gatehouse}
""")
        self.log_path = workdir / f"{name}.log"
        self.env = env
        self.popen_kwargs = popen_kwargs or {}
        self.serve_args = tuple(serve_args)  # more `gatehouse serve` options (`--no-metrics`)
        self.proc = None
        if start:
            self.start()

    @property
    def address(self):
        if self.listen.startswith("unix:"):
            return self.listen[5:]
        host, port = self.listen.removeprefix("tcp:").rsplit(":", 1)
        return (host, int(port))

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(binary()), "serve", *self.serve_args, "--config", str(self.config)], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=self.env, **self.popen_kwargs)
        if self.listen.startswith(("unix:", "tcp:")):
            wait_for(lambda: self.accepts() or self.proc.poll() is not None, what="gatehouse socket")
        else:
            # An inherited socket (fd:0, systemd) accepts before Gatehouse runs: wait for its own word instead.
            wait_for(lambda: " listening " in self.log_text() or self.proc.poll() is not None, what="gatehouse listening")
        if self.proc.poll() is not None:
            raise AssertionError(f"gatehouse exited with {self.proc.returncode}: {self.log_text()}")

    def accepts(self) -> bool:
        family = socket.AF_UNIX if isinstance(self.address, str) else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.connect(self.address)
                return True
            except OSError:
                return False

    def configure(self, changes: dict):
        """Changes the config file (nested tables merged, None removes a key); takes effect at the next start."""
        from . import toml_config
        self.config.write_text(toml_config.dump(toml_config.merge(toml_config.load(self.config.read_text()), changes)))

    @property
    def settings(self) -> dict:
        from . import toml_config
        return toml_config.load(self.config.read_text())

    def wait_for_log(self, text: str, after: int = 0, timeout: float = 10.0):
        """Waits until Gatehouse's log, from offset `after`, holds `text` (an event, instead of a sleep)."""
        wait_for(lambda: text in self.log_text()[after:], timeout=timeout, what=f"gatehouse log line {text!r}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def seal(self, claims: str, provider: str = "default", lifetime: int | None = None) -> str:
        args = [str(binary()), "session", "seal", "--config", str(self.config), "--provider", provider]
        if lifetime is not None:
            args += ["--lifetime", str(lifetime)]
        return subprocess.run(args, input=claims.encode(), capture_output=True, check=True, env=self.env).stdout.decode().strip()

    def stop(self, sig=signal.SIGTERM, timeout=10) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("gatehouse did not stop within 10 s of the signal")
        self.log.close()
        return self.proc.returncode


class Nginx:
    def __init__(self, workdir: Path, site: str, port: int):
        if not shutil.which("nginx"):
            pytest.fail("nginx is not installed (apt-get install nginx-light); scripts/test installs it")
        self.workdir = workdir
        self.port = port
        (workdir / "nginx-logs").mkdir(exist_ok=True)
        # The shipped snippets `include fastcgi_params`, which nginx resolves next to its main config.
        for name in ("fastcgi_params", "mime.types"):
            shutil.copy(f"/etc/nginx/{name}", workdir / name)
        conf = workdir / "nginx.conf"
        conf.write_text(f"""
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-logs/error.log info;
events {{ worker_connections 256; }}
http {{
    include mime.types;
    access_log {workdir}/nginx-logs/access.log;
    client_body_temp_path {workdir}/nginx-tmp-body;
    fastcgi_temp_path {workdir}/nginx-tmp-fcgi;
    proxy_temp_path {workdir}/nginx-tmp-proxy;
    {site}
}}
""")
        out = subprocess.run(["nginx", "-t", "-p", str(workdir), "-c", str(conf)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        self.proc = subprocess.Popen(["nginx", "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(self._listening, what="nginx port")

    def _listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        stop_process(self.proc, signal.SIGQUIT)


class MockProvider:
    """oidc-provider-mock (PyPI) on 127.0.0.1: the everyday OpenID provider of the tests."""

    def __init__(self, workdir: Path, users: list[dict], port: int | None = None):
        exe = Path(sys.executable).parent / "oidc-provider-mock"
        if not exe.exists():
            pytest.fail(f"oidc-provider-mock is not installed next to {sys.executable}; scripts/install-deps installs it")
        self.port = port or free_port()
        self.log = open(workdir / "provider.log", "ab")
        args = [str(exe), "--port", str(self.port), "--require-nonce", "true"]
        for u in users:
            args += ["--user-claims", json.dumps(u)]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self._ready, timeout=20, what="oidc-provider-mock")

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self):
        return self.issuer + "/.well-known/openid-configuration"

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("oidc-provider-mock exited; see provider.log")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


class RedisServer:
    """A redis-server of the test's own on 127.0.0.1 (no persistence), which a test may stop and start again on
    the same port."""

    def __init__(self, workdir: Path, password: str | None = None):
        self.exe = shutil.which("redis-server")
        if not self.exe:
            pytest.fail("redis-server is missing (apt-get install redis-server); scripts/install-deps installs it")
        self.workdir, self.password, self.port, self.proc = workdir, password, free_port(), None
        self.log = open(workdir / "redis.log", "ab")
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        args = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir)]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: _accepts(self.port) or self.proc.poll() is not None, what="redis-server")
        assert self.proc.poll() is None, "redis-server exited; see redis.log"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


USERS = [
    {"sub": "alice", "email": "alice@example.org", "email_verified": True, "name": "Alice Liddell",
     "preferred_username": "alice", "groups": ["admins", "staff"]},
    {"sub": "bob", "email": "bob@example.net", "email_verified": True, "name": "Bob", "preferred_username": "bob", "groups": ["staff"]},
]


def login_without_browser(http, start_url: str, sub: str):
    """Walks start -> provider (oidc-provider-mock's form: POST sub=...) -> callback. Returns the callback's response."""
    start = http.get(start_url, allow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["Location"]
    picked = http.post(authorize, data={"sub": sub}, allow_redirects=False)
    assert picked.status_code == 302, picked.text[:500]
    return http.get(picked.headers["Location"], allow_redirects=False)


class EchoApp:
    """echo_app.py: the proxied app that shows which headers reached it."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, str(INTEGRATION / "echo_app.py"), str(self.port)])
        wait_for(lambda: _accepts(self.port) or self.proc.poll() is not None, what="echo app")
        assert self.proc.poll() is None, "echo app exited"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


APACHE_MODULES = ["mpm_prefork", "authn_core", "authz_core", "authz_user", "authnz_fcgi", "proxy", "proxy_fcgi", "proxy_http",
                  "headers", "include", "cgi", "mime", "dir", "alias", "env", "setenvif", "authz_host"]


def nginx_site(socket_path, port: int, root, body: str, routes: str = "gatehouse-routes.conf") -> str:
    """An nginx `http` body: Gatehouse as `upstream gatehouse` and one server on 127.0.0.1:port serving `root`, with
    the shipped routes (`routes`: or gatehouse-routes-cached.conf) included before `body` (its locations)."""
    return f"""
    upstream gatehouse {{ server unix:{socket_path}; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/{routes};
        {body}
    }}
    """


def apache_gatehouse(gport: int) -> str:
    """The server-level lines every Apache site with Gatehouse starts with: the shipped gatehouse.conf, from the
    repository, for a Gatehouse on 127.0.0.1:gport."""
    return f"Define GATEHOUSE_APACHE_DIR {ROOT}/apache\nDefine GATEHOUSE_FCGI fcgi://127.0.0.1:{gport}/\nInclude {ROOT}/apache/gatehouse.conf\n"


def apache_site(gport: int, port: int, root, locations: str = "") -> str:
    """An Apache site on 127.0.0.1:port serving `root`, all of it behind the shipped gatehouse-protect.conf and
    routes for a Gatehouse on 127.0.0.1:gport; `locations` adds the test's own <Location> sections."""
    return apache_gatehouse(gport) + f"""
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot {root}
    <Directory {root}>
        Require all granted
    </Directory>
    <Location "/">
        Include {ROOT}/apache/gatehouse-protect.conf
    </Location>
    {locations}
    Include {ROOT}/apache/gatehouse-routes.conf
</VirtualHost>
"""


class Apache:
    """An unprivileged Apache httpd on 127.0.0.1 with its own ServerRoot and config in workdir/apache."""

    def __init__(self, workdir: Path, site: str, port: int):
        exe = shutil.which("apache2") or shutil.which("apache2", path="/usr/sbin")
        if not exe:
            pytest.fail("apache2 is not installed (apt-get install apache2-bin); scripts/install-deps installs it")
        self.port = port
        self.root = workdir / "apache"
        (self.root / "run").mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        loads = "\n".join(f"LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so" for m in APACHE_MODULES)
        self.conf = self.root / "httpd.conf"
        self.conf.write_text(f"""
ServerRoot {self.root}
DefaultRuntimeDir {self.root}/run
PidFile {self.root}/run/httpd.pid
{loads}
{user}
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
StartServers 2
ErrorLog {self.root}/error.log
LogLevel warn
TypesConfig /etc/mime.types
{site}
""")
        out = subprocess.run([exe, "-t", "-f", str(self.conf)], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        # Its own process group: at shutdown prefork signals its whole group, which would otherwise be pytest's.
        self.proc = subprocess.Popen([exe, "-f", str(self.conf), "-DFOREGROUND"], stdout=subprocess.DEVNULL,
                                     stderr=open(self.root / "stderr.log", "ab"), start_new_session=True)
        wait_for(lambda: _accepts(port) or self.proc.poll() is not None, what="apache port")
        assert self.proc.poll() is None, (self.root / "error.log").read_text(errors="replace")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        return (self.root / "error.log").read_text(errors="replace")

    def stop(self):
        stop_process(self.proc)


class Lighttpd:
    """lighttpd on 127.0.0.1 in the foreground with a config of the test's."""

    def __init__(self, workdir: Path, config: str, port: int):
        exe = shutil.which("lighttpd") or shutil.which("lighttpd", path="/usr/sbin")
        if not exe:
            pytest.fail("lighttpd is not installed (apt-get install lighttpd); scripts/install-deps installs it")
        self.port = port
        self.dir = workdir / "lighttpd"
        self.dir.mkdir(exist_ok=True)
        self.conf = self.dir / "lighttpd.conf"
        self.conf.write_text(config)
        out = subprocess.run([exe, "-tt", "-f", str(self.conf)], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        self.proc = subprocess.Popen([exe, "-D", "-f", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=open(self.dir / "stderr.log", "ab"))
        wait_for(lambda: _accepts(port) or self.proc.poll() is not None, what="lighttpd port")
        assert self.proc.poll() is None, (self.dir / "stderr.log").read_text(errors="replace")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        stop_process(self.proc)


def server_factory(workdir, server_class):
    """A fixture body: yields make(site, port=None), which starts `server_class(workdir, site, port)`; stops them all after."""
    started = []

    def make(site: str, port: int | None = None):
        server = server_class(workdir, site, port or free_port())
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def stop_process(proc, sig=signal.SIGTERM, timeout=10):
    """Sends `sig`, waits; kills the process if it does not end in time."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_rp_provider(slow_seconds: int):
    """Starts rp_provider.py on a free port; yields its base URL (for module-scoped fixtures)."""
    proc = subprocess.Popen([sys.executable, str(INTEGRATION / "rp_provider.py"), "--port", "0",
                             "--slow-seconds", str(slow_seconds)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    assert line.startswith("READY "), f"rp_provider did not start: {line!r}"
    yield line.split()[1]
    proc.terminate()
    proc.wait(10)

