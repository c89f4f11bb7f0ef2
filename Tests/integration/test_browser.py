"""A real browser (Debian's chromium, headless, driven by selenium through Debian's chromium-driver) logs in
through real nginx and oidc-provider-mock, and opens every page of Gatehouse's a person can meet: the provider
chooser, access denied (403), sign-in failed (400), signed out, the sign-out confirmation, not found (404), busy
(503) and the provider timing out (504). Each is looked at (`look_at`) in light, dark and 390 px width: screenshots
in test-artifacts/, and axe-core finds no serious or critical violation in any of them."""
import socket
import threading

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from harness import ROOT, Waiter, chromium, free_port, look_at, shot, text_of, wait_for

LOGO = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32">
<rect width="32" height="32" rx="7" fill="#0f766e"/><path d="M9 22V10h14v4H14v2h7v3h-7v3z" fill="#fff"/>
<text x="40" y="22" font-family="sans-serif" font-size="15" font-weight="700" fill="#0f766e">Example</text></svg>"""


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def demo_site(socket_path, port, logo):
    """examples/site as scripts/demo serves it, plus /admin/ for admins only (per-location rule) and a public logo."""
    return f"""
    upstream gatehouse {{ server unix:{socket_path}; }}
    server {{
        listen 127.0.0.1:{port};
        root {ROOT}/examples/site;
        access_log {logo.parent}/access.log;
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/gatehouse-routes.conf;
        location = /public.html {{ }}
        location = /logo.svg {{ alias {logo}; }}
        location /admin/ {{
            set $gatehouse_allowed_groups admins;
            include {ROOT}/nginx/gatehouse-protect.conf;
            alias {ROOT}/examples/site/;
            ssi on;
            index index.html;
        }}
        location / {{
            include {ROOT}/nginx/gatehouse-protect.conf;
            ssi on;
            index index.html;
        }}
    }}
    """


def href(browser, text):
    return browser.find_element(By.LINK_TEXT, text).get_attribute("href")


def test_every_page_a_person_meets(gatehouse_factory, nginx_factory, mock_provider, browser, workdir):
    port = free_port()
    logo = workdir / "logo.svg"
    logo.write_text(LOGO)
    # Two named providers (both the mock) so that the login start shows Gatehouse's chooser; one has a display name.
    g = gatehouse_factory(auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
[auth.work]
client_id = "gatehouse-browser"
client_secret = "browser-secret"
server_metadata_url = "{mock_provider.metadata_url}"
[auth.partner]
client_id = "gatehouse-partner"
client_secret = "partner-secret"
server_metadata_url = "{mock_provider.metadata_url}"
""", extra_gatehouse="""cookie_secure = false
[gatehouse.providers.work]
display_name = "Example Corp account"
[gatehouse.pages]
site_name = "intranet.example.com"
logo_url = "/logo.svg"
footer_html = 'Trouble signing in? <a href="mailto:help@example.com">help@example.com</a> &#183; <small>&copy; Example Corp</small>'
""")
    nginx = nginx_factory(demo_site(g.address, port, logo), port)
    wait = Waiter(browser)

    # The protected page sends the browser to the login start: Gatehouse's provider chooser, with the site's name.
    browser.get(nginx.url + "/?tab=1")
    wait.until(EC.title_contains("Sign in"), "the chooser")
    body = text_of(browser)
    assert "Sign in to intranet.example.com" in body and "Choose how you want to sign in." in body
    assert "Sign in with Example Corp account" in body and "Sign in with Partner" in body
    assert "Trouble signing in? help@example.com · © Example Corp" in body
    assert browser.find_element(By.CSS_SELECTOR, ".brand img").get_attribute("naturalWidth") != "0", "the logo loads under the CSP"
    look_at(browser, "chooser")

    # Keyboard: Tab reaches the first provider button, and its focus ring is drawn.
    ActionChains(browser).send_keys(Keys.TAB).perform()
    focused = browser.switch_to.active_element
    assert focused.text == "Sign in with Example Corp account"
    assert focused.value_of_css_property("outline-style") == "solid" and focused.value_of_css_property("outline-width") == "3px"
    shot(browser, "chooser-focus")

    # Choose "work", then the user on oidc-provider-mock's page.
    browser.find_element(By.LINK_TEXT, "Sign in with Example Corp account").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "button[name=sub][value=alice]")), "the provider's page")
    browser.find_element(By.CSS_SELECTOR, "button[name=sub][value=alice]").click()

    # Back on the page first asked for, with the identity from SSI and from "who am I" (JavaScript).
    wait.until(EC.text_to_be_present_in_element((By.ID, "whoami-json"), "alice@example.org"), "the protected page")
    assert browser.current_url == nginx.url + "/?tab=1"
    assert browser.find_element(By.ID, "user").text == "alice"
    assert "You are signed in as Alice Liddell (alice@example.org)." in text_of(browser)
    shot(browser, "protected-page")

    # An admins-only location lets alice in.
    browser.get(nginx.url + "/admin/")
    wait.until(EC.text_to_be_present_in_element((By.ID, "user"), "alice"), "/admin/ as alice")

    # Sign out without rd: the provider asks to confirm ending its session, then Gatehouse says "You are signed out"
    # (never the chooser, never signed straight back in).
    browser.get(nginx.url + "/oauth2/sign_out")
    wait.until(EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='End session']")), "the provider's logout").click()
    wait.until(EC.title_contains("You are signed out"), "the signed-out page")
    assert browser.current_url.startswith(nginx.url + "/oauth2/signed_out?state=")  # the provider echoes our state
    assert "You have signed out of intranet.example.com." in text_of(browser)
    assert href(browser, "Sign in again") == nginx.url + "/oauth2/start?rd=%2F"
    look_at(browser, "signed-out")
    browser.get(nginx.url + "/admin/")
    wait.until(EC.title_contains("Sign in"), "the chooser again")

    # bob (staff only) is signed in but not allowed in /admin/: Gatehouse's 403 page, not a login loop, with ways on.
    browser.find_element(By.LINK_TEXT, "Sign in with Partner").click()
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button[name=sub][value=bob]")), "the provider's page").click()
    wait.until(EC.title_contains("Access denied"), "the 403 page")
    assert browser.current_url == nginx.url + "/admin/"
    body = text_of(browser)
    assert "Error 403" in body and "You are signed in as bob@example.net (Partner)." in body and "not allowed" in body
    assert href(browser, "Sign out and use another account") == nginx.url + "/oauth2/sign_out?rd=%2Foauth2%2Fstart%3Frd%3D%252Fadmin%252F"
    assert href(browser, "Home page") == nginx.url + "/" and href(browser, "Sign out") == nginx.url + "/oauth2/sign_out"
    look_at(browser, "forbidden")
    assert g.log_text().count("access denied") == 1

    # A link on another site to the sign-out asks first (a page that must look as finished as the rest).
    other_site = f'data:text/html,<a id="out" href="{nginx.url}/oauth2/sign_out?rd=/public.html">sign out</a>'
    browser.get(other_site)
    browser.find_element(By.ID, "out").click()
    wait.until(EC.title_contains("Sign out?"), "the sign-out confirmation")
    assert "Nothing has changed yet" in text_of(browser)
    look_at(browser, "sign-out-confirmation")

    # The provider refuses ("Deny access"): Gatehouse's sign-in-failed page, whose "Sign in again" keeps the page
    # first asked for.
    browser.get(nginx.url + "/oauth2/start?provider=work&rd=%2Fadmin%2F%3Fx%3D1")
    wait.until(EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Deny access']")), "the provider's consent").click()
    wait.until(lambda d: "/oauth2/callback" in d.current_url, "the callback")
    body = text_of(browser)
    assert "Error 400" in body and "access_denied" in body and "Reference:" in body
    assert href(browser, "Sign in again") == nginx.url + "/oauth2/start?rd=%2Fadmin%2F%3Fx%3D1"
    look_at(browser, "sign-in-failed")

    # A Gatehouse URL that does not exist: 404 with a way out.
    browser.get(nginx.url + "/oauth2/no-such-page")
    body = text_of(browser)
    assert "Error 404" in body and "Page not found" in body
    assert href(browser, "Go to the home page") == nginx.url + "/"
    look_at(browser, "not-found")


def test_gatehouse_pages_send_the_browser_to_no_favicon(gatehouse, nginx_factory, browser, workdir):
    """A browser that has never seen the site: on Gatehouse's 403 page it asks for no /favicon.ico (the page declares
    an empty icon), so a refused user costs one check and one "access denied" line, not two; on a page of the site
    itself it does ask (so the first half means something)."""
    port = free_port()
    logo = workdir / "logo.svg"
    logo.write_text(LOGO)
    nginx = nginx_factory(demo_site(gatehouse.address, port, logo), port)
    access_log = workdir / "access.log"
    browser.get(nginx.url + "/oauth2/signed_out")  # a Gatehouse page, to be on the site's origin for the cookie
    browser.add_cookie({"name": "_gatehouse", "value": gatehouse.seal('{"sub":"sam","email":"sam@example.com","groups":["staff"]}'),
                        "path": "/"})
    browser.get(nginx.url + "/admin/")
    assert "Access denied" in browser.title
    browser.get(nginx.url + "/oauth2/signed_out")  # anything the 403 page set off has reached nginx by now
    assert "/favicon.ico" not in access_log.read_text()
    assert gatehouse.log_text().count("access denied") == 1
    browser.get(nginx.url + "/public.html")
    wait_for(lambda: "/favicon.ico" in access_log.read_text(), what="the browser's /favicon.ico request on the site's own page")


def test_an_operators_template(gatehouse_factory, nginx_factory, browser, workdir):
    """[gatehouse.pages] templates with the shipped example (examples/pages/page.mustache): the 403 and 404 pages in
    the operator's layout, under the same policy (its <style> allowed by hash) and the same accessibility bar."""
    port = free_port()
    logo = workdir / "logo.svg"
    logo.write_text(LOGO)
    g = gatehouse_factory(extra_gatehouse=f"""
[gatehouse.pages]
templates = "{ROOT}/examples/pages"
site_name = "Example <intranet>"
logo_url = "/logo.svg"
""")
    nginx = nginx_factory(demo_site(g.address, port, logo), port)
    browser.get(nginx.url + "/oauth2/signed_out")
    browser.add_cookie({"name": "_gatehouse", "value": g.seal('{"sub":"sam","email":"sam@example.com","groups":["staff"]}'), "path": "/"})
    browser.get(nginx.url + "/admin/")
    assert browser.title == "Access denied · Example <intranet>"
    body = text_of(browser)
    assert body.startswith("Example <intranet>\nError 403\nAccess denied") and "Questions? Ask the service desk." in body
    assert browser.find_element(By.CSS_SELECTOR, "header img").get_attribute("naturalWidth") != "0"
    assert browser.find_element(By.CSS_SELECTOR, "main").value_of_css_property("border-radius") == "12px", "Gatehouse's stylesheet applies"
    assert browser.find_element(By.CSS_SELECTOR, "header").value_of_css_property("font-weight") == "700", "the template's own style applies"
    look_at(browser, "template-forbidden")
    browser.get(nginx.url + "/oauth2/nothing")
    assert "Error 404" in text_of(browser)
    look_at(browser, "template-not-found")


class SilentProvider:
    """A provider that accepts connections and never answers: Gatehouse gives up at provider_timeout (504), and
    while it waits it holds a provider slot (with workers = 2, the only one: the next login gets 503)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        for c in self.accepted:
            c.close()
        self.sock.close()


def test_busy_and_timeout_pages(gatehouse_factory, nginx_factory, browser, workdir):
    silent = SilentProvider()
    port = free_port()
    logo = workdir / "logo.svg"
    logo.write_text(LOGO)
    g = gatehouse_factory(start=False, auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-slow"
client_secret = "slow-secret"
server_metadata_url = "http://127.0.0.1:{silent.port}/.well-known/openid-configuration"
""", extra_gatehouse="""cookie_secure = false
provider_timeout = "4s"
[gatehouse.pages]
accent_color = "#0f766e"
""")
    g.configure({"gatehouse": {"workers": 2}})  # one provider slot: max(1, 2 - max(1, 2 / 4))
    g.start()
    nginx = nginx_factory(demo_site(g.address, port, logo), port)
    try:
        # One login waits on the silent provider (holding the only slot); the browser's login is turned away: 503.
        waiting = threading.Thread(target=lambda: requests.get(nginx.url + "/oauth2/start?rd=%2F", timeout=30), daemon=True)
        waiting.start()
        wait_for(lambda: silent.accepted, what="a login waiting on the silent provider")
        browser.get(nginx.url + "/oauth2/start?rd=%2Fadmin%2F")
        body = text_of(browser)
        assert "Error 503" in body and "Too many sign-ins at once" in body and "try again in a moment" in body
        assert href(browser, "Try again") == nginx.url + "/oauth2/start?rd=%2Fadmin%2F"
        look_at(browser, "busy")
        waiting.join(30)

        # The provider never answers: 504 after provider_timeout.
        browser.get(nginx.url + "/oauth2/start?rd=%2Fadmin%2F")
        body = text_of(browser)
        assert "Error 504" in body and "The sign-in service took too long" in body and body.count("try again") == 1
        assert href(browser, "Try again") == nginx.url + "/oauth2/start?rd=%2Fadmin%2F"
        look_at(browser, "timeout")
    finally:
        silent.close()
