"""Real Apache httpd (mod_authnz_fcgi, Authorizer role) with the shipped apache/ configs, a real provider
(oidc-provider-mock) and the real binary over TCP: login, identity in SSI/CGI/proxied app/log, spoofed headers
ignored, API 401, who am I, sign-out, login again."""
import json
import urllib.parse

import requests
from harness import ENV_CGI, NAV, ROOT, SPOOF, free_port, login_and_see_identity, login_without_browser



def shipped_site(workdir, gatehouse_port, port, app_port):
    """apache/example-site.conf as shipped, with only paths and ports replaced."""
    www = workdir / "www"
    www.mkdir()
    (www / "whoami.shtml").write_text('user=<!--#echo var="REMOTE_USER" --> email=<!--#echo var="X_AUTH_REQUEST_EMAIL" -->\n')
    (www / "public.html").write_text("public\n")
    (www / "page.html").write_text("secret page\n")
    (www / "admin").mkdir()
    (www / "admin" / "index.html").write_text("admins only\n")
    cgi = www / "env.cgi"
    cgi.write_text(ENV_CGI)
    cgi.chmod(0o755)
    site = (ROOT / "apache" / "example-site.conf").read_text()
    for old, new in [("/etc/gatehouse/apache", str(ROOT / "apache")),
                     ("fcgi://127.0.0.1:9090/", f"fcgi://127.0.0.1:{gatehouse_port}/"),
                     ("<VirtualHost *:80>", f"<VirtualHost 127.0.0.1:{port}>"),
                     ("/var/www/gatehouse-demo", str(www)),
                     ("${APACHE_LOG_DIR}", str(workdir / "apache")),
                     ("http://127.0.0.1:3000/", f"http://127.0.0.1:{app_port}/")]:
        assert old in site, old
        site = site.replace(old, new)
    return f"Define GATEHOUSE_APACHE_DIR {ROOT}/apache\n" + site


def start_stack(gatehouse_factory, apache_factory, workdir, provider, echo_app):
    port, gport = free_port(), free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-apache"
client_secret = "apache-secret"
server_metadata_url = "{provider.metadata_url}"
""", extra_gatehouse="cookie_secure = false")
    return g, apache_factory(shipped_site(workdir, gport, port, echo_app.port), port)


def test_login_identity_spoofing_api_and_sign_out_through_apache(gatehouse_factory, apache_factory, workdir,
                                                                  mock_provider, echo_app):
    g, apache = start_stack(gatehouse_factory, apache_factory, workdir, mock_provider, echo_app)
    http = requests.Session()
    http.headers.update(NAV)

    # Public page: no check.
    assert requests.get(apache.url + "/public.html").text == "public\n"

    # An API call without a session: a plain 401, never a login page.
    api = requests.get(apache.url + "/page.html", headers={"Accept": "application/json", "Sec-Fetch-Mode": "cors"},
                       allow_redirects=False)
    assert api.status_code == 401 and "Location" not in api.headers
    # Gatehouse's JSON body; mod_authnz_fcgi labels an Authorizer's refusal text/html whatever it said (apache/README.md).
    assert api.json() == {
        "error": "unauthenticated", "error_description": "Sign in first: this request carries no valid session.", "status": 401}

    # The browser's icon request is not checked (example-site.conf): Apache's own 404, no 401, no check.
    icon = requests.get(apache.url + "/favicon.ico", headers={"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"}, allow_redirects=False)
    assert icon.status_code == 404

    # A navigation: redirected to the login start, which will come back to the page with its query.
    login_and_see_identity(http, apache.url)

    # A proxied app: exactly Gatehouse's identity headers, however the client spelled its own.
    got = http.get(apache.url + "/app/hello", headers=SPOOF).json()
    headers = got["headers"]
    assert got["path"] == "/hello"
    identity = [(k.lower(), v) for k, v in headers if k.lower().replace("_", "-").startswith("x-auth-request")]
    assert sorted(identity) == [("x-auth-request-email", "alice@example.org"), ("x-auth-request-groups", "admins,staff"),
                                ("x-auth-request-provider", "default"), ("x-auth-request-user", "alice")], headers
    assert "mallory" not in json.dumps(headers)

    # alice is in admins.
    assert http.get(apache.url + "/admin/index.html").text == "admins only\n"

    # Who am I, through mod_proxy_fcgi.
    me = http.get(apache.url + "/oauth2/userinfo").json()
    assert me["is_logged_in"] is True and me["preferred_username"] == "alice"

    # Sign out: cookie cleared, sent to the provider, the page needs a login again.
    out = http.get(apache.url + "/oauth2/sign_out?rd=/public.html", allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"].startswith(mock_provider.issuer + "/oauth2/end_session?")
    q = urllib.parse.parse_qs(urllib.parse.urlparse(out.headers["Location"]).query)
    assert q["post_logout_redirect_uri"] == [apache.url + "/public.html"]
    assert not http.cookies.get("_gatehouse")
    assert http.get(apache.url + "/page.html", allow_redirects=False).status_code == 302

    # Login again as someone else.
    again = login_without_browser(http, apache.url + "/oauth2/start?rd=%2Fwhoami.shtml", "bob")
    assert again.headers["Location"] == "/whoami.shtml"
    assert http.get(apache.url + "/whoami.shtml").text == "user=bob email=bob@example.net\n"

    # bob is not in admins: Gatehouse's 403 page reaches the client, no redirect to the login (no loop).
    denied = http.get(apache.url + "/admin/index.html", allow_redirects=False)
    assert denied.status_code == 403 and "Location" not in denied.headers
    assert "Access denied" in denied.text and "bob@example.net" in denied.text and "admins only" not in denied.text
    assert "Error 403" in denied.text and "frame-ancestors 'none'" in denied.headers["Content-Security-Policy"]
    # Signed in and refused: the icon is still nobody's business, so no second "access denied" for it.
    assert http.get(apache.url + "/favicon.ico", allow_redirects=False).status_code == 404
    assert g.log_text().count("access denied") == 1

    # The access log has the user and a claim (LogFormat %u and %{X_AUTH_REQUEST_EMAIL}e).
    apache.stop()
    log = (workdir / "apache" / "gatehouse-demo.log").read_text()
    assert '"GET /admin/index.html HTTP/1.1" 403' in log
    assert ' alice [' in log and '"GET /whoami.shtml?x=1&y=2 HTTP/1.1" 200' in log and '"alice@example.org"' in log


def test_forged_or_missing_cookie_never_reaches_the_page(gatehouse_factory, apache_factory, workdir, mock_provider, echo_app):
    g, apache = start_stack(gatehouse_factory, apache_factory, workdir, mock_provider, echo_app)
    sealed = g.seal('{"sub":"carol","email":"carol@example.org"}')
    ok = requests.get(apache.url + "/page.html", cookies={"_gatehouse": sealed}, headers=NAV, allow_redirects=False)
    assert ok.status_code == 200 and ok.text == "secret page\n"
    forged = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    no = requests.get(apache.url + "/page.html", cookies={"_gatehouse": forged}, headers=NAV, allow_redirects=False)
    assert no.status_code == 302 and "secret" not in no.text
    # A spoofed header alone is no login either.
    assert requests.get(apache.url + "/page.html", headers={**NAV, **SPOOF}, allow_redirects=False).status_code == 302


def test_shipped_strip_list_is_the_generated_one():
    import subprocess
    out = subprocess.run([str(ROOT / "scripts" / "identity-header-spellings"), "apache"], capture_output=True, text=True, check=True)
    assert (ROOT / "apache" / "gatehouse-strip-headers.conf").read_text() == out.stdout
    assert out.stdout.count("RequestHeader unset ") == 5 * 8 + 3 * 16


