"""Headless Chromium (Debian's chromium and chromium-driver, through selenium) for the pages a person sees, and
`look_at`: one page in light, dark and phone width, screenshots and axe-core (axe-selenium-python) on each."""
import json
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .processes import ARTIFACTS

def find(name, *fallbacks):
    for n in (name, *fallbacks):
        if path := shutil.which(n) or shutil.which(n, path="/usr/lib/chromium:/usr/bin"):
            return path
    pytest.fail(f"{name} is not installed (apt-get install chromium chromium-driver); scripts/install-deps installs it")


class Waiter:
    """WebDriverWait that says where the browser was and what it showed when a condition never came."""

    def __init__(self, driver, timeout=20):
        self.driver, self.wait = driver, WebDriverWait(driver, timeout)

    def until(self, condition, what):
        try:
            return self.wait.until(condition)
        except Exception as e:
            raise AssertionError(f"waiting for {what}: at {self.driver.current_url}: {text_of(self.driver)[:800]!r}") from e


def shot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"browser-{name}.png"))


# The looks every page is judged in: (name, prefers-color-scheme, viewport width or None for the window's).
LOOKS = [("light", "light", None), ("dark", "dark", None), ("phone", "light", 390)]


def look_at(driver, name):
    """The page now open, as a person sees it in each of LOOKS: a screenshot `browser-<name>-<look>.png` in
    test-artifacts/, and axe-core's checks (WCAG 2 A/AA and best practice) run in that look. Fails on any serious or
    critical violation, naming the rule and the elements. The look is changed in place (Chromium's emulation), so the
    page is not loaded again: a page that can be shown only once (an error after a provider's answer) is judged whole."""
    from axe_selenium_python import Axe
    ARTIFACTS.mkdir(exist_ok=True)
    axe = Axe(driver)
    problems = []
    try:
        for look, scheme, width in LOOKS:
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
            if width:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                       {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True})
            else:
                driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            shot(driver, f"{name}-{look}")
            axe.inject()
            results = axe.run()
            (ARTIFACTS / f"axe-{name}-{look}.json").write_text(json.dumps(results["violations"], indent=1))
            for v in results["violations"]:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{look}: {v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes']]}")
            if width:
                # Readable at phone width: nothing wider than the screen, so no sideways scrolling.
                scroll = driver.execute_script("return document.documentElement.scrollWidth")
                if scroll > width:
                    problems.append(f"{look}: the page is {scroll} px wide at {width} px")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert not problems, f"{name}: " + "; ".join(problems)


def text_of(driver):
    return driver.find_element(By.TAG_NAME, "body").text



def chromium(window="1000,800", hosts=()):
    """Headless Chromium. Nothing leaves 127.0.0.1 (oidc-provider-mock links a CDN stylesheet: such lookups fail at
    once); `hosts` are names mapped to 127.0.0.1, so a test can use a host name without touching /etc/hosts."""
    options = webdriver.ChromeOptions()
    options.binary_location = find("chromium")
    rules = ", ".join([f"MAP {h} 127.0.0.1" for h in hosts] + ["MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"])
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={window}",
                f"--host-resolver-rules={rules}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=find("chromedriver")))
    driver.set_page_load_timeout(30)
    return driver
