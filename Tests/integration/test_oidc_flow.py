"""The whole login through real nginx with a real provider (oidc-provider-mock) and the real binary:
protected page -> 401/redirect -> start -> provider -> callback -> page with identity -> who am I -> logout -> again."""
import urllib.parse

import requests
from harness import login_without_browser, start_stack



def test_login_identity_whoami_logout_and_login_again(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = start_stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    http = requests.Session()
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
    http.headers.update(nav)

    # 1. The protected page sends the browser to the login start, remembering the page and its query.
    first = http.get(nginx.url + "/private/whoami.shtml?tab=2&x=y", allow_redirects=False)
    assert first.status_code == 302
    start_url = urllib.parse.urljoin(nginx.url, first.headers["Location"])
    assert "/oauth2/start?rd=" in start_url

    # 2-4. start -> provider -> callback; the callback sends us back to the page first asked for.
    done = login_without_browser(http, start_url, "alice")
    assert done.status_code == 302, done.text
    assert done.headers["Location"] == "/private/whoami.shtml?tab=2&x=y"
    assert http.cookies.get("_gatehouse")

    # 5. The page now shows who we are (SSI variables from auth_request_set).
    page = http.get(nginx.url + done.headers["Location"])
    assert page.status_code == 200
    assert page.text == "user=alice email=alice@example.org\n"

    # 6. Who am I.
    me = http.get(nginx.url + "/oauth2/userinfo").json()
    assert me["is_logged_in"] is True and me["email"] == "alice@example.org" and me["name"] == "Alice Liddell"
    assert "tokens" not in me

    # 7. Logout: session cookie cleared, browser sent to the provider's end_session_endpoint.
    out = http.get(nginx.url + "/oauth2/sign_out?rd=/public.html", allow_redirects=False)
    assert out.status_code == 302
    end = urllib.parse.urlparse(out.headers["Location"])
    assert f"{end.scheme}://{end.netloc}" == mock_provider.issuer and end.path == "/oauth2/end_session"
    q = urllib.parse.parse_qs(end.query)
    assert q["client_id"] == ["gatehouse-test"] and q["state"] and "id_token_hint" not in q, "the ID token is not kept unless exposed"
    assert q["post_logout_redirect_uri"] == [nginx.url + "/public.html"]
    assert not http.cookies.get("_gatehouse")
    assert http.get(nginx.url + "/private/page.html", allow_redirects=False).status_code == 302
    assert http.get(nginx.url + "/oauth2/userinfo").json() == {"is_logged_in": False}

    # 8. Login again, as someone else.
    again = login_without_browser(http, nginx.url + "/oauth2/start?rd=%2Fprivate%2Fwhoami.shtml", "bob")
    assert again.status_code == 302
    assert http.get(nginx.url + "/private/whoami.shtml").text == "user=bob email=bob@example.net\n"

    # Nothing secret in Gatehouse's log.
    log = g.log_text()
    assert "test-secret" not in log and http.cookies.get("_gatehouse") not in log


def test_two_tabs_log_in_at_once(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = start_stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    http = requests.Session()
    a = http.get(nginx.url + "/oauth2/start?rd=%2Fa", allow_redirects=False).headers["Location"]
    b = http.get(nginx.url + "/oauth2/start?rd=%2Fb", allow_redirects=False).headers["Location"]
    back_b = http.post(b, data={"sub": "bob"}, allow_redirects=False).headers["Location"]
    back_a = http.post(a, data={"sub": "alice"}, allow_redirects=False).headers["Location"]
    assert http.get(back_b, allow_redirects=False).headers["Location"] == "/b"
    assert http.get(back_a, allow_redirects=False).headers["Location"] == "/a"
    # Replaying a finished callback is refused with a page, not a silent redirect.
    replay = http.get(back_a, allow_redirects=False)
    assert replay.status_code == 400 and "expired or was already completed" in replay.text


def test_provider_error_and_unreachable_provider_pages(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = start_stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    err = requests.get(nginx.url + "/oauth2/callback?error=access_denied&state=abc")
    assert err.status_code == 400 and "access_denied" in err.text and "Reference:" in err.text
    mock_provider.stop()
    # A fresh Gatehouse with the same config (no cached metadata) meets the provider down.
    g.proc.kill()
    g.proc.wait()
    g.log.close()
    g.start()
    down = requests.get(nginx.url + "/oauth2/start?rd=%2F", allow_redirects=False)
    assert down.status_code == 502 and "not reachable" in down.text
    g.stop()
