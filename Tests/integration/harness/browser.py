"""Headless Chromium (Debian's chromium and chromium-driver, through selenium) for the pages a person sees."""
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
