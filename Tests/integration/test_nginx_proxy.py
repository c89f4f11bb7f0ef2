"""A proxied app behind real nginx with the shipped snippets: it sees Gatehouse's identity headers and never a
client's copies, whatever their spelling (nginx/gatehouse-proxy-headers.conf + nginx's defaults)."""
import requests
from harness import ROOT, SPOOF, free_port, identity, proxied_site


CLAIMS = '{"sub":"diana","email":"diana@example.org","preferred_username":"diana","groups":["admins","staff"],"name":"Diana Prince"}'


def test_client_cannot_pose_as_someone_else_through_a_proxied_app(gatehouse, nginx_factory, echo_app):
    port = free_port()
    nginx = nginx_factory(proxied_site(gatehouse.address, port, echo_app.port), port)
    cookie = {"_gatehouse": gatehouse.seal(CLAIMS)}
    spoof = {**SPOOF, "X-Auth-Request-Name": "Mallory", "x-auth-request-access-token": "forged", "X-AUTH-REQUEST-ID-TOKEN": "forged",
             "X-Auth-Request-Provider": "mallory-idp"}

    got = requests.get(nginx.url + "/app/hello", cookies=cookie, headers=spoof)
    assert got.status_code == 200, got.text
    assert identity(got.json()["headers"]) == [
        ("x-auth-request-email", "diana@example.org"), ("x-auth-request-groups", "admins,staff"),
        ("x-auth-request-name", "Diana Prince"), ("x-auth-request-preferred-username", "diana"),
        ("x-auth-request-provider", "default"), ("x-auth-request-user", "diana")]
    assert "mallory" not in got.text.lower() and "forged" not in got.text
    # Host is the site's to set, once: the browser's, port included (apps compare it with Origin).
    hosts = [v for k, v in got.json()["headers"] if k.lower() == "host"]
    assert hosts == [f"127.0.0.1:{port}"]
    on_name = requests.get(nginx.url + "/app/hello", cookies=cookie, headers={"Host": f"app.test:{port}"})
    assert [v for k, v in on_name.json()["headers"] if k.lower() == "host"] == [f"app.test:{port}"]

    # A user without some claims: the client's copies of those are removed, not passed through.
    thin = {"_gatehouse": gatehouse.seal('{"sub":"erin"}')}
    got = requests.get(nginx.url + "/app/hello", cookies=thin, headers=spoof)
    assert identity(got.json()["headers"]) == [("x-auth-request-provider", "default"), ("x-auth-request-user", "erin")]
    assert "mallory" not in got.text.lower()

    # Without a session the app is never reached, spoofed headers or not.
    no = requests.get(nginx.url + "/app/hello", headers={**spoof, "Accept": "application/json"}, allow_redirects=False)
    assert no.status_code == 401 and "headers" not in no.text


def test_shipped_example_site(gatehouse, nginx_factory, workdir):
    """nginx/example-site.conf as shipped, with only paths and the port replaced, serving examples/site."""
    port = free_port()
    site = (ROOT / "nginx" / "example-site.conf").read_text()
    for old, new in [("unix:/run/gatehouse/gatehouse.sock", f"unix:{gatehouse.address}"), ("listen 80;", f"listen 127.0.0.1:{port};"),
                     ("/var/www/gatehouse-demo", str(ROOT / "examples" / "site")), ("/etc/gatehouse/nginx", str(ROOT / "nginx")),
                     ("/var/log/nginx/gatehouse-demo.access.log", str(workdir / "nginx-logs" / "example.log"))]:
        assert old in site, old
        site = site.replace(old, new)
    nginx = nginx_factory(site, port)
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
    assert requests.get(nginx.url + "/public.html").status_code == 200
    no = requests.get(nginx.url + "/", headers=nav, allow_redirects=False)
    assert no.status_code == 302 and no.headers["Location"].endswith("/oauth2/start?rd=%2F")
    page = requests.get(nginx.url + "/", headers=nav, cookies={"_gatehouse": gatehouse.seal(CLAIMS)})
    assert page.status_code == 200 and "<strong>Diana Prince</strong>" in page.text and '<code id="user">diana</code>' in page.text
    # The browser's icon request: not checked (a 404 of nginx, no 401 and no log line either way).
    assert requests.get(nginx.url + "/favicon.ico", allow_redirects=False).status_code == 404
    assert requests.get(nginx.url + "/favicon.ico", cookies={"_gatehouse": gatehouse.seal(CLAIMS)}).status_code == 404
    nginx.stop()
    log = (workdir / "nginx-logs" / "example.log").read_text()
    assert '- diana [' in log and "favicon" not in log
