"""Real lighttpd (fastcgi "mode" => "authorizer") with the shipped lighttpd/ configs, a real provider and the real
binary: login, identity in SSI/CGI/log, spoofed headers ignored, API 401, who am I, sign-out, login again."""
import subprocess

import requests
from harness import NAV, ROOT, SPOOF, free_port, login_and_see_identity, login_without_browser, shipped_config



def test_login_identity_spoofing_api_and_sign_out_through_lighttpd(gatehouse_factory, lighttpd_factory, workdir,
                                                                    mock_provider):
    port, gport = free_port(), free_port()
    gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-lighttpd"
client_secret = "lighttpd-secret"
server_metadata_url = "{mock_provider.metadata_url}"
""", extra_gatehouse="cookie_secure = false")
    server = lighttpd_factory(shipped_config(workdir, gport, port), port)
    http = requests.Session()
    http.headers.update(NAV)

    assert requests.get(server.url + "/public.html").text == "public\n"
    api = requests.get(server.url + "/page.html", headers={"Accept": "application/json", "Sec-Fetch-Mode": "cors"},
                       allow_redirects=False)
    assert api.status_code == 401 and "Location" not in api.headers and "secret" not in api.text
    assert api.headers["Content-Type"] == "application/json" and api.json()["error"] == "unauthenticated"
    # The browser's icon request is public in example-site.conf: lighttpd's own 404, not a 401 from the check.
    assert requests.get(server.url + "/favicon.ico", allow_redirects=False).status_code == 404

    login_and_see_identity(http, server.url)

    me = http.get(server.url + "/oauth2/userinfo").json()
    assert me["is_logged_in"] is True and me["preferred_username"] == "alice"

    out = http.get(server.url + "/oauth2/sign_out?rd=/public.html", allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"].startswith(mock_provider.issuer + "/oauth2/end_session?")
    assert not http.cookies.get("_gatehouse")
    assert http.get(server.url + "/page.html", allow_redirects=False).status_code == 302

    again = login_without_browser(http, server.url + "/oauth2/start?rd=%2Fwhoami.shtml", "bob")
    assert again.headers["Location"] == "/whoami.shtml"
    assert http.get(server.url + "/whoami.shtml").text == "user=bob email=bob@example.net\n"
    assert http.get(server.url + "/page.html", headers=SPOOF).text == "secret page\n"

    server.stop()
    log = (workdir / "lighttpd" / "access.log").read_text()
    assert " alice [" in log and '"GET /whoami.shtml?x=1&y=2 HTTP/1.1" 200' in log and '"alice@example.org"' in log


def test_shipped_strip_list_is_the_generated_one():
    out = subprocess.run([str(ROOT / "scripts" / "identity-header-spellings"), "lighttpd"], capture_output=True, text=True, check=True)
    assert (ROOT / "lighttpd" / "gatehouse-strip-headers.conf").read_text() == out.stdout


def test_the_check_is_never_a_page_and_rules_narrow(gatehouse_factory, lighttpd_factory, workdir):
    port, gport = free_port(), free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}")
    conf = shipped_config(workdir, gport, port)
    (workdir / "www" / "admin").mkdir()
    (workdir / "www" / "admin" / "page.html").write_text("CONTENT admin\n")
    conf += '\n$HTTP["url"] =~ "^/admin/" {\n    setenv.add-environment += ("GATEHOUSE_ALLOWED_GROUPS" => "admins")\n}\n'
    server = lighttpd_factory(conf, port)
    admin = {"_gatehouse": g.seal('{"sub":"ann","email":"ann@example.com","groups":["admins"]}')}
    staff = {"_gatehouse": g.seal('{"sub":"sam","email":"sam@example.com","groups":["staff"]}')}
    for path in ("/oauth2/auth", "/oauth2/auth%3Fallowed_groups=x", "/oauth2/auth%23x", "/oauth2/auth?x=1"):
        r = requests.get(server.url + path, cookies=admin, headers=NAV, allow_redirects=False)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert not [h for h in r.headers if h.lower().startswith(("x-auth-request", "variable"))], path
    assert requests.get(server.url + "/admin/page.html", cookies=admin, headers=NAV).text == "CONTENT admin\n"
    refused = requests.get(server.url + "/admin/page.html", cookies=staff, headers=NAV, allow_redirects=False)
    assert refused.status_code == 403 and "CONTENT" not in refused.text
