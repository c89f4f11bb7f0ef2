"""A real Streamlit app (examples/streamlit) behind the shipped nginx/streamlit-site.conf and Gatehouse, set up as a
Streamlit user would: a secrets.toml whose redirect_uri ends in /oauth2callback, a host name with a port that is
not 80 (app.test:PORT; Chromium resolves it to 127.0.0.1, /etc/hosts untouched), a user with a non-ASCII name.
Headless Chromium logs in; the websocket must connect (the app renders), st.user must hold the right email and
the name exactly as written, forged identity headers and Gatehouse's cookies must never reach the app."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from harness import ARTIFACTS, MockProvider, ROOT, Waiter, chromium, free_port, text_of, wait_for


ZOE = {"sub": "zoë-42", "email": "zoe@example.org", "email_verified": True, "name": "Zoë Ångström",
       "preferred_username": "zoe", "groups": ["analysts", "staff"]}


@pytest.fixture
def zoe_provider(workdir):
    p = MockProvider(workdir, [ZOE])
    yield p
    p.stop()


@pytest.fixture
def streamlit_app(workdir):
    exe = Path(sys.executable).parent / "streamlit"
    if not exe.exists():
        pytest.fail(f"streamlit is not installed next to {sys.executable}; scripts/install-deps installs it")
    app_dir = workdir / "streamlit"
    shutil.copytree(ROOT / "examples" / "streamlit", app_dir)
    port = free_port()
    config = (app_dir / ".streamlit" / "config.toml").read_text()
    assert 'address = "127.0.0.1"' in config and "port = 8501" in config
    (app_dir / ".streamlit" / "config.toml").write_text(config.replace("port = 8501", f"port = {port}"))
    log = open(workdir / "streamlit.log", "ab")
    env = {**os.environ, "HOME": str(workdir)}
    proc = subprocess.Popen([str(exe), "run", "app.py"], cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, env=env)

    def healthy():
        assert proc.poll() is None, (workdir / "streamlit.log").read_text(errors="replace")
        try:
            return requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok"
        except requests.RequestException:
            return False
    wait_for(healthy, timeout=60, what="streamlit health")
    yield port
    proc.terminate()
    proc.wait(10)
    log.close()


def shipped_site(gatehouse_socket, streamlit_port, port):
    """nginx/streamlit-site.conf as shipped, with only paths, ports and the server name replaced."""
    site = (ROOT / "nginx" / "streamlit-site.conf").read_text()
    for old, new in [("unix:/run/gatehouse/gatehouse.sock", f"unix:{gatehouse_socket}"),
                     ("server 127.0.0.1:8501;", f"server 127.0.0.1:{streamlit_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{port};"), ("server_name app.example.com;", "server_name app.test;"),
                     ("/etc/gatehouse/nginx", str(ROOT / "nginx"))]:
        assert old in site, old
        site = site.replace(old, new)
    return site


@pytest.fixture
def app_browser():
    driver = chromium(window="1000,900", hosts=["app.test"])
    yield driver
    driver.quit()


def test_streamlit_app_gets_st_user_from_gatehouse_on_a_host_name_with_a_port(
        gatehouse_factory, nginx_factory, zoe_provider, streamlit_app, app_browser, workdir):
    port = free_port()
    base = f"http://app.test:{port}"
    # The Streamlit user's secrets.toml, unchanged: [auth] with redirect_uri ending in /oauth2callback.
    g = gatehouse_factory(auth=f"""
redirect_uri = "{base}/oauth2callback"
client_id = "streamlit-app"
client_secret = "streamlit-secret"
server_metadata_url = "{zoe_provider.metadata_url}"
""", extra_gatehouse='cookie_secure = false\nlog_level = "debug"')
    nginx_factory(shipped_site(g.address, streamlit_app, port), port)
    browser, wait = app_browser, Waiter(app_browser, timeout=40)
    # Forged identity headers on every request the browser makes, the websocket's included.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {
        "X-Auth-Request-Email": "mallory@evil.example", "X-Auth-Request-Name": "Mallory"}})

    browser.get(base + "/")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "button[name=sub]")), "the provider's login page")
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "streamlit-1-provider.png"))
    browser.find_element(By.CSS_SELECTOR, "button[name=sub]").click()

    # Back on the app, on its host name and port; the websocket connected, so Streamlit rendered the page.
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "email: zoe@example.org"), "the app with st.user")
    assert browser.current_url == base + "/"
    body = text_of(browser)
    browser.save_screenshot(str(ARTIFACTS / "streamlit-2-st-user.png"))
    assert "Hello Zoë Ångström" in body and "name: Zoë Ångström" in body
    assert "sub: zoë-42" in body and "groups: ['analysts', 'staff']" in body and "provider: default" in body
    assert "gatehouse cookies seen by the app: []" in body
    assert "mallory" not in body.lower()

    # Streamlit itself saw no forged value and no Gatehouse cookie; its log holds no cookie either.
    log = (workdir / "streamlit.log").read_text(errors="replace")
    assert "mallory" not in log.lower() and "_gatehouse" not in log
    # Gatehouse's debug log holds neither the code nor a token.
    assert "streamlit-secret" not in g.log_text()
