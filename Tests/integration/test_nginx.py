"""Real nginx `auth_request` in front of a static file, with the shipped snippets from nginx/."""
import requests
from harness import CLAIMS, free_port, rules_site, site



def test_static_file_behind_auth_request(gatehouse, nginx_factory, workdir):
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    cookie = {"_gatehouse": gatehouse.seal(CLAIMS)}
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}

    # With a sealed cookie: the file.
    ok = requests.get(nginx.url + "/private/page.html", cookies=cookie, headers=nav, allow_redirects=False)
    assert ok.status_code == 200 and ok.text == "secret page\n"

    # Without: a redirect to the login start that returns to the page, query string intact.
    no = requests.get(nginx.url + "/private/page.html?x=1&y=2", headers=nav, allow_redirects=False)
    assert no.status_code == 302
    assert no.headers["Location"].endswith("/oauth2/start?rd=%2Fprivate%2Fpage.html%3Fx%3D1%26y%3D2")

    # An API call without a session: a JSON 401 (nginx's @gatehouse_login), never an HTML login page nor nginx's own.
    api = requests.get(nginx.url + "/private/page.html", headers={"Accept": "application/json", "Sec-Fetch-Mode": "cors"},
                       allow_redirects=False)
    assert api.status_code == 401 and "Location" not in api.headers
    assert api.headers["Content-Type"] == "application/json" and api.json()["error"] == "unauthenticated" and api.json()["status"] == 401
    assert api.headers["Cache-Control"] == "no-store" and "nginx" not in api.text

    # A tampered cookie is no session.
    bad = dict(cookie)
    bad["_gatehouse"] = bad["_gatehouse"][:-4] + ("AAAA" if not bad["_gatehouse"].endswith("AAAA") else "BBBB")
    assert requests.get(nginx.url + "/private/page.html", cookies=bad, headers=nav, allow_redirects=False).status_code == 302

    # Public pages need nothing.
    assert requests.get(nginx.url + "/public.html", allow_redirects=False).status_code == 200


def test_identity_reaches_ssi_and_access_log(gatehouse, nginx_factory, workdir):
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    r = requests.get(nginx.url + "/private/whoami.shtml", cookies={"_gatehouse": gatehouse.seal(CLAIMS)},
                     headers={"X-Auth-Request-User": "mallory"})
    assert r.status_code == 200
    assert r.text == "user=diana email=diana@example.org\n"
    nginx.stop()
    assert 'user=diana "GET /private/whoami.shtml' in (workdir / "nginx-logs" / "site.log").read_text()


def test_who_am_i_and_sign_out_through_nginx(gatehouse, nginx_factory, workdir):
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    cookie = {"_gatehouse": gatehouse.seal(CLAIMS)}
    me = requests.get(nginx.url + "/oauth2/userinfo", cookies=cookie)
    assert me.status_code == 200 and me.json()["email"] == "diana@example.org" and me.json()["is_logged_in"] is True
    assert me.headers["Cache-Control"] == "no-store"
    assert requests.get(nginx.url + "/oauth2/userinfo").json() == {"is_logged_in": False}
    out = requests.get(nginx.url + "/oauth2/sign_out?rd=/public.html", cookies=cookie, allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"].endswith("/public.html")
    assert "_gatehouse=;" in out.headers["Set-Cookie"] and "Max-Age=0" in out.headers["Set-Cookie"]


def test_rules_global_and_per_location(gatehouse_factory, nginx_factory, workdir):
    """"Only @example.com, and only group admins under /admin", in a few lines of config."""
    g = gatehouse_factory(extra_gatehouse='[gatehouse.rules]\nallowed_email_domains = ["example.com"]\n')
    port = free_port()
    nginx = nginx_factory(rules_site(workdir, g.address, port), port)
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
    admin = {"_gatehouse": g.seal('{"sub":"a","email":"ann@example.com","email_verified":true,"groups":["admins"]}')}
    staff = {"_gatehouse": g.seal('{"sub":"s","email":"sam@example.com","email_verified":true,"groups":["staff"]}')}
    outsider = {"_gatehouse": g.seal('{"sub":"e","email":"eve@example.com@evil.org","email_verified":true,"groups":["admins"]}')}

    def get(path, cookies):
        return requests.get(nginx.url + path, cookies=cookies, headers=nav, allow_redirects=False)

    assert get("/admin/", admin).status_code == 200
    assert get("/staff/", admin).status_code == 200
    assert get("/staff/", staff).status_code == 200
    denied = get("/admin/", staff)
    assert denied.status_code == 403, "never a login loop"
    assert "signed in as sam@example.com" in denied.text and "/oauth2/sign_out?rd=" in denied.text and "Error 403" in denied.text
    # The same refusal for an API call: JSON through nginx's error_page 403 (the page's request keeps its headers).
    api = requests.get(nginx.url + "/admin/", cookies=staff, headers={"Accept": "application/json", "Sec-Fetch-Mode": "cors"})
    assert api.status_code == 403 and api.headers["Content-Type"] == "application/json"
    assert api.json() == {"error": "forbidden", "error_description": "This account is not allowed to see this page.", "status": 403}
    assert get("/private/", outsider).status_code == 403
    assert get("/admin/", outsider).status_code == 403
