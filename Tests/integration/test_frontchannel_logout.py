"""OpenID RP conformance case 29, rp-frontchannel-rpinitlogout, with a real browser: headless Chromium signs in
through nginx at rp_provider, then signs out at the provider (as any application of that provider can); the
provider's logout page frames Gatehouse's frontchannel_logout_uri with iss and sid, the frame renders (its
frame-ancestors allow the provider), and the session of that sid ends."""
import fcgi_client
import pytest
import requests
from harness import Waiter, auth_params, chromium, free_port, provider_tables, run_rp_provider, shot, site, text_of

CASE = "rp-frontchannel-rpinitlogout"


@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


def test_rp_frontchannel_rpinitlogout_ends_the_session_of_the_sid_through_a_real_iframe(gatehouse_factory, nginx_factory, workdir, rp_provider):
    port = free_port()
    g = gatehouse_factory(auth=f'redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"\n' + provider_tables(rp_provider, [CASE]),
                          extra_gatehouse='cookie_secure = false\nlog_level = "debug"\n')
    nginx = nginx_factory(site(workdir, g.address, port), port)
    assert requests.post(f"{rp_provider}/{CASE}/register-frontchannel", json={"uri": nginx.url + "/oauth2/frontchannel_logout"}).ok
    driver = chromium()
    try:
        wait = Waiter(driver)
        driver.get(nginx.url + f"/oauth2/start?provider={CASE}&rd=%2Fprivate%2Fpage.html")
        wait.until(lambda d: "secret page" in text_of(d), "the protected page after signing in")
        cookie = "_gatehouse=" + driver.get_cookie("_gatehouse")["value"]
        assert fcgi_client.request(g.address, auth_params(cookie=cookie)).status == 200

        driver.get(f"{rp_provider}/{CASE}/end_session")
        wait.until(lambda d: "front-channel logout" in g.log_text(), "the provider's logout page to frame Gatehouse")
        driver.switch_to.frame("rp")
        wait.until(lambda d: "signed out of this site" in text_of(d), "the framed page to render")
        driver.switch_to.default_content()
        shot(driver, "frontchannel-logout")
        assert fcgi_client.request(g.address, auth_params(cookie=cookie)).status == 401, "the session of that sid ended"
        # The browser's next visit signs in afresh (rp_provider signs in without asking): a new session, not the old.
        driver.get(nginx.url + "/private/page.html")
        wait.until(lambda d: "secret page" in text_of(d), "the page after signing in again")
        assert "_gatehouse=" + driver.get_cookie("_gatehouse")["value"] != cookie
    finally:
        driver.quit()
