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



BACKCHANNEL_CASES = [
    "rp-backchannel-rpinitlogout", "rp-backchannel-rpinitlogout-lt-alg-none", "rp-backchannel-rpinitlogout-lt-no-event",
    "rp-backchannel-rpinitlogout-lt-with-nonce", "rp-backchannel-rpinitlogout-lt-wrong-alg",
    "rp-backchannel-rpinitlogout-lt-wrong-aud", "rp-backchannel-rpinitlogout-lt-wrong-event",
    "rp-backchannel-rpinitlogout-lt-wrong-issuer", "backchannel-lt-hs256",
]


def provider_tables(provider_url, cases, scope="openid email profile") -> str:
    """`[auth.<case>]` tables: one Gatehouse provider per rp_provider case (each case is its own issuer)."""
    return "".join(f"""
[auth.{case}]
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{provider_url}/{case}/.well-known/openid-configuration"
client_kwargs = {{ scope = "{scope}" }}
""" for case in cases)


def login_through(site_url, provider_url, case, browser=None, provider_browser=None, sub=None, rd="/private/page.html"):
    """start -> rp_provider /authorize -> callback, through a web server. `browser` holds Gatehouse's cookies,
    `provider_browser` the provider's (its session: the same one keeps its sid). Returns (browser, sid)."""
    browser = browser or requests.Session()
    provider_browser = provider_browser or requests.Session()
    start = browser.get(f"{site_url}/oauth2/start?provider={case}&rd={urllib.parse.quote(rd, safe='')}", allow_redirects=False)
    assert start.status_code == 302, start.text[:300]
    authorize = start.headers["Location"] + (f"&login_hint={urllib.parse.quote(sub)}" if sub else "")
    back = provider_browser.get(authorize, allow_redirects=False)
    assert back.status_code == 302, back.text[:300]
    callback = urllib.parse.urlsplit(back.headers["Location"])
    done = browser.get(f"{site_url}{callback.path}?{callback.query}", allow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"] == rd, done.text[:300]
    assert browser.cookies.get("_gatehouse") or browser.cookies.get("_gatehouse_0"), "no session"
    return browser, token_requests(provider_url, case)[-1]["sid"]


def send_backchannel_logout(provider_url, case, uri, **body) -> dict:
    """rp_provider mints the case's logout token (sub/sid/claims in `body`, or resends `logout_token`) and POSTs it to
    `uri`; returns the relying party's answer: {"status", "headers", "body", "logout_token"}."""
    r = requests.post(f"{provider_url}/{case}/send-backchannel-logout", json={"uri": uri, **body}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


API_AUDIENCE = "https://api.example.com"


def bearer_gatehouse(gatehouse_factory, provider_url, case=CASE, listen=None, introspection=True, extra="", bearer_extra=""):
    """A Gatehouse whose [auth] provider is the rp_provider case, with [gatehouse.bearer] on for API_AUDIENCE and
    (unless `introspection` is False) introspection of opaque tokens at that provider."""
    return gatehouse_factory(listen=listen, auth=f"""
redirect_uri = "http://127.0.0.1:9/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{provider_url}/{case}/.well-known/openid-configuration"
""", extra_gatehouse=f"""cookie_secure = false
{extra}
[gatehouse.bearer]
enabled = true
audiences = ["{API_AUDIENCE}"]
{bearer_extra}
""" + ("\n[gatehouse.providers.default]\nintrospection = true\n" if introspection else ""))


def mint_token(provider_url, kind="access", case=CASE, **body) -> str:
    """An access token from rp_provider: kind "access" (an RFC 9068 JWT; body as Provider.access_token_jwt takes it)
    or "opaque" (known to its introspection endpoint)."""
    r = requests.post(f"{provider_url}/{case}/mint-{kind}-token", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def start_rp_provider():
    """A provider of the test's own that the test may stop (the provider down): (process, base URL)."""
    import subprocess
    import sys
    from .processes import INTEGRATION
    proc = subprocess.Popen([sys.executable, str(INTEGRATION / "rp_provider.py"), "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    assert line.startswith("READY "), f"rp_provider did not start: {line!r}"
    return proc, line.split()[1]
