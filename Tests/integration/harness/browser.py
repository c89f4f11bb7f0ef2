"""Headless Chromium (Debian's chromium and chromium-driver, through selenium) for the pages a person sees."""
import shutil

import pytest
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

