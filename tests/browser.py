"""A real browser for tests: Debian's chromium driven by Selenium, headless.

`chromium()` gives a WebDriver (quit it when done). Outside CI a machine without chromium
and chromedriver skips the test; in CI (CONTACTS_CI=1, set by .ci/run, which installs
them) it fails: a browser check never silently stops running there.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1600",
)


def in_ci() -> bool:
    """Whether the tests run in CI (.ci/run exports CONTACTS_CI=1)."""
    return os.environ.get("CONTACTS_CI") == "1"


def _missing(what: str) -> None:
    message = f"{what}: apt-get install -y chromium chromium-driver (.ci/run does)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def browser_paths() -> tuple[str, str]:
    """(chromium, chromedriver) paths; fails in CI, skips elsewhere when one is missing."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        _missing("selenium is not installed (pip install -e '.[test]')")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or next(
        (p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
    if not binary:
        _missing("chromium is not installed")
    if not driver:
        _missing("chromedriver is not installed")
    return binary, driver


class _Chromium:
    """A headless chromium with a fresh profile directory, removed on quit."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        binary, driver = browser_paths()
        self.profile = tempfile.mkdtemp(prefix="contacts-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = binary  # with the driver's path: Selenium Manager never downloads
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=options)
        except Exception:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser():
    """A headless chromium WebDriver for one test."""
    chromium = _Chromium()
    try:
        yield chromium.driver
    finally:
        chromium.quit()


def console_errors(driver) -> list[str]:
    """The page's console errors so far (SEVERE entries of the browser log)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
