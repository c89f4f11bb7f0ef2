"""A real browser (Debian's chromium, headless, driven by selenium through Debian's chromium-driver) logs in
through real nginx and oidc-provider-mock, and opens Gatehouse's own pages: provider chooser, error page,
403 page. Screenshots go to test-artifacts/."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from harness import ROOT, Waiter, chromium, free_port, shot, text_of



@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def demo_site(socket_path, port):
    """examples/site as scripts/demo serves it, plus /admin/ for admins only (per-location rule)."""
    return f"""
    upstream gatehouse {{ server unix:{socket_path}; }}
    server {{
        listen 127.0.0.1:{port};
        root {ROOT}/examples/site;
        set $gatehouse_upstream gatehouse;
        include {ROOT}/nginx/gatehouse-routes.conf;
        location = /public.html {{ }}
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


def test_browser_login_chooser_identity_403_error_and_sign_out(gatehouse_factory, nginx_factory, mock_provider, browser):
    port = free_port()
    # Two named providers (both the mock) so that the login start shows Gatehouse's chooser.
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
""", extra_gatehouse="cookie_secure = false")
    nginx = nginx_factory(demo_site(g.address, port), port)
    wait = Waiter(browser)

    # The protected page sends the browser to the login start: Gatehouse's provider chooser.
    browser.get(nginx.url + "/?tab=1")
    wait.until(EC.title_contains("Sign in"), "step 2: EC.title_contains('Sign in')")
    body = text_of(browser)
    assert "Choose how you want to sign in." in body and "Sign in with Work" in body and "Sign in with Partner" in body
    shot(browser, "1-provider-chooser")

    # Choose "Work", then the user on oidc-provider-mock's page.
    browser.find_element(By.LINK_TEXT, "Sign in with Work").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "button[name=sub][value=alice]")), "step 3: EC.presence_of_element_located((By.CSS_SELECTOR, 'button[nam")
    shot(browser, "2-provider-page")
    browser.find_element(By.CSS_SELECTOR, "button[name=sub][value=alice]").click()

    # Back on the page first asked for, with the identity from SSI and from "who am I" (JavaScript).
    wait.until(EC.text_to_be_present_in_element((By.ID, "whoami-json"), "alice@example.org"), "step 4: EC.text_to_be_present_in_element((By.ID, 'whoami-json'), 'al")
    assert browser.current_url == nginx.url + "/?tab=1"
    assert browser.find_element(By.ID, "user").text == "alice"
    assert browser.find_element(By.ID, "email").text == "alice@example.org"
    assert browser.find_element(By.ID, "groups").text == "admins,staff"
    assert "You are signed in as Alice Liddell (alice@example.org)." in text_of(browser)
    assert '"is_logged_in": true' in browser.find_element(By.ID, "whoami-json").text
    shot(browser, "3-protected-page")

    # An admins-only location lets alice in.
    browser.get(nginx.url + "/admin/")
    wait.until(EC.text_to_be_present_in_element((By.ID, "user"), "alice"), "step 5: EC.text_to_be_present_in_element((By.ID, 'user'), 'alice')")

    # Sign out (the provider asks to confirm ending its session), then the page needs a login again.
    browser.get(nginx.url + "/oauth2/sign_out?rd=/public.html")
    wait.until(EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='End session']")), "step 6: EC.element_to_be_clickable((By.XPATH, '//button[normalize-sp").click()
    wait.until(EC.url_contains(nginx.url + "/public.html"), "step 7: EC.url_to_be(nginx.url + '/public.html')")
    assert "Anyone can see this." in text_of(browser)
    browser.get(nginx.url + "/admin/")
    wait.until(EC.title_contains("Sign in"), "step 8: EC.title_contains('Sign in')")

    # bob (staff only) is signed in but not allowed in /admin/: Gatehouse's 403 page, not a login loop.
    browser.find_element(By.LINK_TEXT, "Sign in with Partner").click()
    wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button[name=sub][value=bob]")), "step 9: EC.element_to_be_clickable((By.CSS_SELECTOR, 'button[name=su").click()
    wait.until(EC.title_contains("Access denied"), "step 10: EC.title_contains('Access denied')")
    assert browser.current_url == nginx.url + "/admin/"
    body = text_of(browser)
    assert "You are signed in as bob@example.net (partner)." in body and "not allowed" in body
    assert "Sign out and use another account" in body
    shot(browser, "4-forbidden")

    # The provider refuses ("Deny access"): Gatehouse's error page says what happened.
    browser.get(nginx.url + "/oauth2/start?provider=work&rd=%2F")
    wait.until(EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Deny access']")), "step 11: EC.element_to_be_clickable((By.XPATH, '//button[normalize-sp").click()
    wait.until(lambda d: "/oauth2/callback" in d.current_url, "step 12: lambda d: '/oauth2/callback' in d.current_url")
    body = text_of(browser)
    assert "access_denied" in body and "Reference:" in body
    shot(browser, "5-provider-denied")

    # A callback with a made-up state: an error page too, never a blank one.
    browser.get(nginx.url + "/oauth2/callback?error=access_denied&state=x")
    body = text_of(browser)
    assert "access_denied" in body and "Reference:" in body
    shot(browser, "6-error-page")
