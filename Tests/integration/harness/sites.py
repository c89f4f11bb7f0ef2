"""nginx (and lighttpd) site configs the tests share: the shipped snippets around a static root, a proxied app,
a login stack with oidc-provider-mock."""

from .processes import ROOT, free_port, nginx_site
from .walks import ENV_CGI

CLAIMS = '{"sub":"diana","email":"diana@example.org","preferred_username":"diana","groups":["admins","staff"],"name":"Diana Prince"}'


def site(workdir, socket_path, port):
    root = workdir / "www"
    (root / "private").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>\n")
    (root / "private" / "page.html").write_text("secret page\n")
    (root / "private" / "whoami.shtml").write_text('user=<!--# echo var="gatehouse_user" --> email=<!--# echo var="gatehouse_email" -->\n')
    (root / "public.html").write_text("public\n")
    return f"""
    upstream gatehouse {{ server unix:{socket_path}; }}
    log_format gatehouse '$remote_addr user=$gatehouse_user "$request" $status';
    server {{
        listen 127.0.0.1:{port};
        root {root};
        access_log {workdir}/nginx-logs/site.log gatehouse;
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/gatehouse-routes.conf;
        location = /public.html {{ }}
        location / {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            ssi on;
            ssi_types text/plain;
        }}
    }}
    """


def rules_site(workdir, socket_path, port):
    root = workdir / "www"
    for d in ("admin", "staff", "private"):
        (root / d).mkdir(parents=True, exist_ok=True)
        (root / d / "index.html").write_text(f"{d} area\n")
    return nginx_site(socket_path, port, root, f"""
        location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}
        location /admin/ {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            set $gatehouse_allowed_groups admins;
        }}
        location /staff/ {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            set $gatehouse_allowed_groups staff,admins;
        }}
    """)


def proxied_site(socket_path, port, app_port):
    return f"""
    upstream gatehouse {{ server unix:{socket_path}; }}
    server {{
        listen 127.0.0.1:{port};
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/gatehouse-routes.conf;
        location /app/ {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            include {ROOT}/nginx/gatehouse-proxy-headers.conf;
            proxy_set_header Host $http_host;
            proxy_pass http://127.0.0.1:{app_port}/;
        }}
    }}
    """


def identity(headers):
    return sorted((k.lower(), v) for k, v in headers if k.lower().replace("_", "-").startswith("x-auth-request"))


def shipped_config(workdir, gatehouse_port, port):
    """lighttpd/example-site.conf as shipped, with only paths and ports replaced."""
    www = workdir / "www"
    www.mkdir()
    (www / "whoami.shtml").write_text('user=<!--#echo var="REMOTE_USER" --> email=<!--#echo var="X_AUTH_REQUEST_EMAIL" -->\n')
    (www / "public.html").write_text("public\n")
    (www / "page.html").write_text("secret page\n")
    cgi = www / "env.cgi"
    cgi.write_text(ENV_CGI)
    cgi.chmod(0o755)
    logs = workdir / "lighttpd"
    conf = (ROOT / "lighttpd" / "example-site.conf").read_text()
    for old, new in [('"/etc/gatehouse/lighttpd"', f'"{ROOT}/lighttpd"'),
                     ("var.gatehouse_port = 9090", f"var.gatehouse_port = {gatehouse_port}"),
                     ("server.port = 80", f'server.port = {port}\nserver.bind = "127.0.0.1"'),
                     ("/var/www/gatehouse-demo", str(www)),
                     ("/run/lighttpd.pid", f"{logs}/lighttpd.pid"),
                     ("/var/log/lighttpd", str(logs))]:
        assert old in conf, old
        conf = conf.replace(old, new)
    return conf


def start_stack(gatehouse_factory, nginx_factory, workdir, provider, extra_gatehouse=""):
    port = free_port()
    g = gatehouse_factory(auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{provider.metadata_url}"
""", extra_gatehouse='cookie_secure = false\n' + extra_gatehouse)
    n = nginx_factory(site(workdir, g.address, port), port)
    return g, n



def bearer_site(socket_path, port, app_port, routes="gatehouse-routes.conf"):
    """An API behind the shipped nginx snippets, for bearer tokens: /api/ (any signed-in caller or token), /api/write/
    (the `required_scopes=write` rule on the check URL), each proxied to the echo app (which shows the identity
    headers that reached it)."""
    return f"""
    upstream gatehouse {{ server unix:{socket_path}; }}
    server {{
        listen 127.0.0.1:{port};
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/{routes};
        location /api/ {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            include {ROOT}/nginx/gatehouse-proxy-headers.conf;
            proxy_pass http://127.0.0.1:{app_port}/;
            location /api/write/ {{
                auth_request /oauth2/auth?required_scopes=write;
                include {ROOT}/nginx/gatehouse-proxy-headers.conf;
                proxy_pass http://127.0.0.1:{app_port}/;
            }}
        }}
    }}
    """
