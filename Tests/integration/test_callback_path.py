"""Streamlit's callback path, /oauth2callback, reaches Gatehouse's callback through every shipped server config
(it used to hit the protected location and loop through the login), and a whole login with it works."""
import urllib.parse

import requests
from harness import NAV, ROOT, apache_gatehouse, binary, free_port, login_without_browser, nginx_site, shipped_config



def auth(port, provider, host="127.0.0.1"):
    return f"""
redirect_uri = "http://{host}:{port}/oauth2callback"
client_id = "streamlit-app"
client_secret = "streamlit-secret"
server_metadata_url = "{provider.metadata_url}"
"""


def assert_reaches_the_callback(base):
    """A forged callback gets Gatehouse's own 400 page, never the login redirect of a protected location."""
    r = requests.get(base + "/oauth2callback?state=forged&code=x", headers=NAV, allow_redirects=False)
    assert r.status_code == 400, (r.status_code, r.headers.get("Location"))
    assert "Sign in again" in r.text


def test_nginx_routes_oauth2callback_and_a_login_completes(gatehouse_factory, nginx_factory, workdir, mock_provider):
    port = free_port()
    g = gatehouse_factory(auth=auth(port, mock_provider), extra_gatehouse="cookie_secure = false")
    (workdir / "www").mkdir()
    (workdir / "www" / "page.html").write_text("CONTENT page\n")
    nginx = nginx_factory(nginx_site(g.address, port, workdir / "www",
                                     f"location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}"), port)
    assert_reaches_the_callback(nginx.url)
    http = requests.Session()
    http.headers.update(NAV)
    first = http.get(nginx.url + "/page.html", allow_redirects=False)
    assert first.status_code == 302
    done = login_without_browser(http, urllib.parse.urljoin(nginx.url, first.headers["Location"]), "alice")
    assert done.status_code == 302 and done.headers["Location"] == "/page.html"
    assert http.get(nginx.url + "/page.html").text == "CONTENT page\n"


def test_apache_routes_oauth2callback(gatehouse_factory, apache_factory, workdir, mock_provider):
    port, gport = free_port(), free_port()
    gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", auth=auth(port, mock_provider), extra_gatehouse="cookie_secure = false")
    (workdir / "www").mkdir()
    apache = apache_factory(apache_gatehouse(gport) + f"""
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot {workdir / "www"}
    <Location "/">
        Include {ROOT}/apache/gatehouse-protect.conf
    </Location>
    Include {ROOT}/apache/gatehouse-routes.conf
</VirtualHost>
""", port)
    assert_reaches_the_callback(apache.url)


def test_lighttpd_routes_oauth2callback(gatehouse_factory, lighttpd_factory, workdir, mock_provider):
    port, gport = free_port(), free_port()
    gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", auth=auth(port, mock_provider), extra_gatehouse="cookie_secure = false")
    server = lighttpd_factory(shipped_config(workdir, gport, port), port)
    assert_reaches_the_callback(server.url)


def test_check_config_says_when_the_callback_path_is_not_routed(gatehouse_factory):
    import subprocess
    g = gatehouse_factory(start=False, auth="""
redirect_uri = "https://app.example.com/auth/return"
client_id = "c"
client_secret = "s"
server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
""")
    out = subprocess.run([str(binary()), "check-config", "--config", str(g.config)], capture_output=True, text=True)
    assert out.returncode == 0
    assert "warning: the callback path /auth/return" in out.stdout and "location = /auth/return" in out.stdout
    g2 = gatehouse_factory(start=False, auth=auth(8443, type("P", (), {"metadata_url": "https://idp.example.com/.well-known/openid-configuration"})(),
                                                  host="app.example.com"))
    assert "warning" not in subprocess.run([str(binary()), "check-config", "--config", str(g2.config)], capture_output=True, text=True).stdout
