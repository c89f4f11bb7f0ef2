"""Request headers and walks shared by the server tests: a page navigation, spoofed identity headers, the
Authorizer-role login walk of Apache and lighttpd."""
import json
import urllib.parse

from .processes import login_without_browser

NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


SPOOF = {"X-Auth-Request-User": "mallory", "X-Auth_Request_User": "mallory", "x_auth_request_email": "mallory@evil",
         "X-AUTH-REQUEST-GROUPS": "admins-mallory", "X-Auth-Request_Preferred-Username": "mallory",
         "X-Auth_Request-Provider": "mallory-idp"}


ENV_CGI = """#!/usr/bin/python3
import json, os
print("Content-Type: application/json\\n")
print(json.dumps(dict(os.environ)))
"""


def login_and_see_identity(http, base):
    """The Authorizer-role walk shared by Apache and lighttpd: a navigation goes to the login start and comes back
    to the page with its query; SSI and CGI see REMOTE_USER and the claims, never the client's spoofed copies."""
    first = http.get(base + "/whoami.shtml?x=1&y=2", allow_redirects=False)
    assert first.status_code == 302, first.text
    start_url = urllib.parse.urljoin(base, first.headers["Location"])
    assert start_url == base + "/oauth2/start?rd=%2Fwhoami.shtml%3Fx%3D1%26y%3D2"
    done = login_without_browser(http, start_url, "alice")
    assert done.status_code == 302, done.text
    assert done.headers["Location"] == "/whoami.shtml?x=1&y=2"
    page = http.get(base + done.headers["Location"], headers=SPOOF)
    assert page.status_code == 200 and page.text == "user=alice email=alice@example.org\n"
    assert not [h for h in page.headers if h.lower().startswith(("variable", "x-auth"))]
    env = http.get(base + "/env.cgi", headers=SPOOF).json()
    assert env["REMOTE_USER"] == "alice" and env["X_AUTH_REQUEST_USER"] == "alice"
    assert env["X_AUTH_REQUEST_EMAIL"] == "alice@example.org" and env["X_AUTH_REQUEST_GROUPS"] == "admins,staff"
    assert env["X_AUTH_REQUEST_PROVIDER"] == "default"
    assert "mallory" not in json.dumps(env), {k: v for k, v in env.items() if "mallory" in v}

