"""Driving Gatehouse against rp_provider.py (our misbehaving provider): over FastCGI (RPClient) or through nginx."""
import json
import urllib.parse

import requests

import fcgi_client
from .processes import free_port
from .sites import site

class RPClient:
    def __init__(self, gatehouse, provider_url):
        self.g = gatehouse
        self.provider = provider_url

    def call(self, path, query="", cookie=None):
        params = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": path, "REQUEST_URI": path + ("?" + query if query else ""),
                  "QUERY_STRING": query, "HTTP_HOST": "app.example.com", "HTTPS": "on", "HTTP_SEC_FETCH_MODE": "navigate"}
        if cookie:
            params["HTTP_COOKIE"] = cookie
        return fcgi_client.request(self.g.address, params, timeout=30)

    def login(self, case, rd="/after-login"):
        """start -> provider /authorize -> callback. Returns (start response, callback response or None)."""
        start = self.call("/oauth2/start", f"provider={case}&rd={urllib.parse.quote(rd, safe='')}")
        if start.status != 302:
            return start, None
        login_cookie = start.all("Set-Cookie")[0].split(";")[0]
        back = requests.get(start.header("Location"), allow_redirects=False)
        assert back.status_code == 302, back.text
        callback = urllib.parse.urlsplit(back.headers["Location"])
        assert callback.path == "/oauth2/callback"
        return start, self.call("/oauth2/callback", callback.query, cookie=login_cookie)

    def session_cookie(self, callback):
        for c in callback.all("Set-Cookie"):
            if c.startswith("_gatehouse=") and "Max-Age=0" not in c:
                return c.split(";")[0]
        return None

    def whoami(self, cookie):
        return json.loads(self.call("/oauth2/userinfo", cookie=cookie).body)

    def provider_log(self, endpoint, case):
        return [e for e in requests.get(self.provider + "/_log").json() if e["endpoint"] == endpoint and e["case"] == case]


CASE = "rp-response_type-code"


def rp_stack(gatehouse_factory, nginx_factory, workdir, provider_url, case=CASE):
    port = free_port()
    g = gatehouse_factory(auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{provider_url}/{case}/.well-known/openid-configuration"
""", extra_gatehouse="cookie_secure = false\n")
    return g, nginx_factory(site(workdir, g.address, port), port)


def token_requests(provider_url, case=CASE):
    return [e for e in requests.get(provider_url + "/_log").json() if e["endpoint"] == "token" and e["case"] == case]

