"""The web UI in a real browser: Debian's chromium driven by Selenium against `contacts serve`.

One server and one browser for the module; the tests run in order, like a person's demo:
sign in, create a card, search for it, open it, edit it, lose an edit to a concurrent
change, delete it, upload an import, and see that a card named <script> stays text.
Screenshots of the main pages go to test-output/ui/ (test-output/ui-postgresql/ on PostgreSQL:
CI runs both suites at once; it keeps both folders as artifacts).

Without chromium, chromedriver or Selenium the module is skipped on a developer's
machine and FAILS in CI (.ci/run sets CONTACTS_CI=1 and installs them).
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import pytest

from ..live_server import ROOT, LiveServer

ON_POSTGRES = not os.environ.get("CONTACTS_TEST_DATABASE_URL", "sqlite").startswith("sqlite")
# A folder per database: CI runs the SQLite and the PostgreSQL suites side by side.
SHOTS = os.path.join(ROOT, "test-output", "ui-postgresql" if ON_POSTGRES else "ui")
CHROMIUM = os.environ.get("CONTACTS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("CONTACTS_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
SAMPLE_VCF = os.path.join(ROOT, "tests", "data", "io", "sample.vcf")
WAIT = 15  # seconds for a page or an element
SCRIPT = "<script>alert(1)</script>"


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} is missing (apt-get install {package})"
    return None


MISSING = _missing()
if MISSING is not None and os.environ.get("CONTACTS_CI") != "1":
    pytest.skip(f"browser tests skipped (not in CI): {MISSING}", allow_module_level=True)

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoAlertPresentException, StaleElementReferenceException,
                                            WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # in CI: every test fails below, naming what is missing
    pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`contacts serve` (gunicorn, one worker) on the suite's database, emptied first."""
    url = os.environ.get("CONTACTS_TEST_DATABASE_URL")
    if url and not url.startswith("sqlite"):
        from models.connect import open_database
        from models.schema import migrate
        from tests.conftest import _empty_shared_database

        migrate(open_database(url))
        _empty_shared_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser')}/contacts.db"
    with LiveServer(url, workers=1, env={"CONTACTS_AUTH": "on"}) as live:
        live.token = live.first_token()
        yield live


@pytest.fixture(scope="module")
def browser():
    """Headless chromium with a new, empty profile (in CI, a missing browser fails every test)."""
    if MISSING is not None:
        pytest.fail(f"browser tests cannot run in CI: {MISSING}", pytrace=False)
    os.makedirs(SHOTS, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="contacts-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _api(server, method: str, path: str, body=None) -> tuple[int, dict]:
    request = urllib.request.Request(server.base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Authorization", f"Bearer {server.token}")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, {}


def _shot(driver, name: str) -> None:
    """A screenshot of the whole page (not only the window) into SHOTS/NAME.png."""
    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    with open(os.path.join(SHOTS, f"{name}.png"), "wb") as handle:
        handle.write(base64.b64decode(shot["data"]))


def _wait(driver, condition):
    return WebDriverWait(driver, WAIT).until(_retrying(condition))


def _retrying(condition):
    """`condition`, asked again at the next poll when chromedriver says an element it found has
    just left the document (a page being replaced); any other error still fails the wait."""
    def check(driver):
        try:
            return condition(driver)
        except WebDriverException as error:
            if _left_document(error):
                return False
            raise
    return check


def _left_document(error: Exception) -> bool:
    # chromedriver's answer for a node of a document being torn down, instead of
    # StaleElementReferenceException.
    return "does not belong to the document" in str(error)


def _loaded(driver) -> bool:
    return driver.execute_script("return document.readyState") == "complete"


def _go(driver, by: str, value: str) -> None:
    """Click the element (a link or a submit button) once it can be clicked, and wait until
    the page it leads to has loaded.

    A URL check alone races the browser: the address changes before the new document
    replaces the old one, so a lookup right after it can still see (or miss) the old page.
    """
    element = _wait(driver, EC.element_to_be_clickable((by, value)))
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    _wait(driver, _replaced(old))
    _wait(driver, _loaded)


def _replaced(old):
    """True once OLD no longer belongs to the page in the window.

    Selenium's `staleness_of` only knows StaleElementReferenceException; chromedriver
    sometimes answers a lookup made while the old document is being torn down with a
    generic "Node with given id does not belong to the document" instead, which says the
    same thing.
    """
    def gone(driver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if _left_document(error):
                return True
            raise
        return False
    return gone


def _text(driver, css: str) -> str:
    return _wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, css))).text


def _no_alert(driver) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"a script ran: alert({text!r})")


def _card_id(driver) -> str:
    return driver.current_url.rstrip("/").rsplit("/", 1)[1]


def test_sign_in(browser, server):
    browser.get(server.base + "/ui/")
    _wait(browser, EC.url_contains("/ui/sign-in"))
    assert browser.find_element(By.CSS_SELECTOR, "label[for=token]").text == "API token"
    _shot(browser, "sign-in")
    field = browser.find_element(By.ID, "token")
    field.send_keys("ct_wrong")
    field.send_keys(Keys.ENTER)
    assert "That token is not valid" in _text(browser, "#token-error")
    browser.find_element(By.ID, "token").send_keys(server.token + Keys.ENTER)
    _wait(browser, EC.url_to_be(server.base + "/ui/"))
    _wait(browser, _loaded)
    assert "The address book is empty." in _text(browser, "main")
    cookie = browser.get_cookie("contacts_ui")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
    assert server.token not in cookie["value"]


def test_keyboard_skip_link_and_focus(browser, server):
    browser.get(server.base + "/ui/transfer")  # no field takes the focus on this page
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Skip to content" and focused.is_displayed()
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", focused)
    assert outline != "none"  # the focus is visible
    focused.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    unlabelled = browser.execute_script(
        "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => !e.labels || !e.labels.length).map(e => e.name)")
    assert unlabelled == []


def test_create_a_card(browser, server):
    browser.get(server.base + "/ui/")
    _go(browser, By.LINK_TEXT, "New card")
    _wait(browser, EC.url_contains("/ui/new"))
    browser.find_element(By.ID, "f-display_name").send_keys("Ada Lovelace")
    browser.find_element(By.ID, "f-email-0").send_keys("ada@analytical.example")
    browser.find_element(By.ID, "f-phone-0").send_keys("+44 20 7946 0101")
    browser.find_element(By.ID, "f-job_title").send_keys("Analyst")
    _go(browser, By.CSS_SELECTOR, "form.card-form button[type=submit]")
    _wait(browser, EC.url_contains("/ui/cards/"))
    assert _text(browser, "h1").startswith("Ada Lovelace")
    assert "Created Ada Lovelace." in _text(browser, ".flash")
    doors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".door .door-name")]
    assert doors == ["Niagara", "FOLIO", "Incoplax", "MPDX", "OSID", "CardDAV"]
    assert all(e.text == "200 OK" for e in browser.find_elements(By.CSS_SELECTOR, ".door .door-status"))
    niagara = browser.find_element(By.CSS_SELECTOR, ".door[open] pre.json").text
    assert json.loads(niagara)["name"] == "Ada Lovelace"
    _shot(browser, "card")
    status, body = _api(server, "GET", f"/contacts/{_card_id(browser)}")
    assert status == 200 and body["email"] == "ada@analytical.example"


def test_search_and_open_a_card(browser, server):
    _api(server, "POST", "/rest/v1/addressbook/contacts", {"displayname": "Grace Hopper", "number": "555 0199"})
    browser.get(server.base + "/ui/")
    box = _wait(browser, EC.element_to_be_clickable((By.ID, "q")))
    assert browser.switch_to.active_element == box  # the search box has the focus
    box.send_keys("lovel" + Keys.ENTER)
    _wait(browser, EC.url_contains("q=lovel"))
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".count"), "1 card matches"))
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".result-name")]
    assert names == ["Ada Lovelace"]
    assert _text(browser, ".count") == "1 card matches “lovel”."
    browser.find_element(By.ID, "q").clear()
    browser.find_element(By.ID, "q").send_keys(Keys.ENTER)
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".count"), "2 cards"))
    _shot(browser, "search")
    _go(browser, By.LINK_TEXT, "Ada Lovelace")
    _wait(browser, EC.url_contains("/ui/cards/"))
    assert _text(browser, "h1").startswith("Ada Lovelace")


def test_edit_a_card(browser, server):
    _go(browser, By.LINK_TEXT, "Edit")
    _wait(browser, EC.url_contains("/edit"))
    title = browser.find_element(By.ID, "f-job_title")
    title.clear()
    title.send_keys("Countess of Lovelace")
    _shot(browser, "edit")
    _go(browser, By.CSS_SELECTOR, "form.card-form button[type=submit]")
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Saved Ada Lovelace."))
    status, body = _api(server, "GET", f"/rest/v1/addressbook/contacts/{_card_id(browser)}")
    assert body["jobtitle"] == "Countess of Lovelace"


def test_a_stale_edit_is_refused(browser, server):
    card_id = _card_id(browser)
    _go(browser, By.LINK_TEXT, "Edit")
    _wait(browser, EC.url_contains("/edit"))
    status, _ = _api(server, "PATCH", f"/rest/v1/addressbook/contacts/{card_id}", {"jobtitle": "Mathematician"})
    assert status == 200
    title = browser.find_element(By.ID, "f-job_title")
    title.clear()
    title.send_keys("Poet")
    _go(browser, By.CSS_SELECTOR, "form.card-form button[type=submit]")
    message = _text(browser, "#conflict")
    assert "This card was changed since you opened it" in message and "Nothing was saved." in message
    assert browser.switch_to.active_element.get_attribute("id") == "conflict"  # focus moved to the message
    assert browser.find_element(By.ID, "f-job_title").get_attribute("value") == "Mathematician"
    _shot(browser, "stale-edit")
    status, body = _api(server, "GET", f"/rest/v1/addressbook/contacts/{card_id}")
    assert body["jobtitle"] == "Mathematician"


def test_a_locked_card_shows_as_locked(browser, server):
    status, grace = _api(server, "POST", "/rest/v1/addressbook/contacts", {"displayname": "Locked Lady", "number": "9"})
    locked = subprocess.run([sys.executable, "-c", "from app import main; main()", "lock", grace["id"],
                             "--database-url", server.database_url], cwd=ROOT, capture_output=True, text=True)
    assert locked.returncode == 0, locked.stderr
    browser.get(f"{server.base}/ui/cards/{grace['id']}")
    assert _text(browser, ".badge-locked") == "LOCKED"
    buttons = browser.find_elements(By.CSS_SELECTOR, ".actions button")
    assert [b.text for b in buttons] == ["Edit", "Delete"] and not any(b.is_enabled() for b in buttons)


def test_delete_a_card(browser, server):
    status, body = _api(server, "POST", "/rest/v1/addressbook/contacts", {"displayname": "Temporary", "number": "77"})
    browser.get(f"{server.base}/ui/cards/{body['id']}")
    _go(browser, By.LINK_TEXT, "Delete")
    _wait(browser, EC.url_contains("/delete"))
    assert _text(browser, "h1") == "Delete Temporary?"
    _go(browser, By.CSS_SELECTOR, "button.danger")
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash"), "Deleted Temporary."))
    assert _api(server, "GET", f"/contacts/{body['id']}")[0] == 404


def test_upload_an_import(browser, server):
    browser.get(server.base + "/ui/transfer")
    browser.find_element(By.ID, "file").send_keys(SAMPLE_VCF)
    browser.find_element(By.CSS_SELECTOR, "#import-form button[type=submit]").click()
    summary = _text(browser, "#import-result .summary")
    assert summary == "Read as vcard: imported 7, updated 0, skipped 0, failed 0, warnings 2."
    assert browser.current_url == server.base + "/ui/transfer"  # the script sent it: no page change
    assert _text(browser, "#import-result h4") == "Warnings (2)"
    warnings = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#import-result .warnings li")]
    assert warnings == [
        "card 5 (line 50) warning: line 53: PHOTO: the image data is not valid base64; kept as written, not read",
        "card 7 (line 66) warning: line 69 is not a vCard property, dropped: 'this line has no colon'"]
    _shot(browser, "import")
    browser.get(server.base + "/ui/?q=hopper")
    assert "Grace Hopper" in [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".result-name")]
    browser.get(server.base + "/ui/?q=broken+photo")  # its bad PHOTO was dropped, the card kept
    assert "Broken Photo" in [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".result-name")]


def test_a_card_named_script_stays_text(browser, server):
    status, body = _api(server, "POST", "/rest/v1/addressbook/contacts",
                        {"displayname": SCRIPT, "number": "31337", "jobtitle": '"><img src=x onerror=alert(2)>'})
    assert status == 200
    for path in ("/ui/?q=alert", f"/ui/cards/{body['id']}", f"/ui/cards/{body['id']}/edit",
                 f"/ui/cards/{body['id']}/delete"):
        browser.get(server.base + path)
        _no_alert(browser)
        assert browser.find_elements(By.CSS_SELECTOR, "main img") == []
    browser.get(f"{server.base}/ui/cards/{body['id']}")
    assert _text(browser, "h1") == SCRIPT
    _no_alert(browser)


def test_phone_screen(browser, server):
    browser.set_window_size(390, 844)
    try:
        for path, name in (("/ui/", "search-phone"), ("/ui/new", "new-card-phone")):
            browser.get(server.base + path)
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a phone ({overflow}px)"
            _shot(browser, name)
        browser.get(server.base + "/ui/?q=ada")
        _go(browser, By.CSS_SELECTOR, ".result-name")
        _wait(browser, EC.url_contains("/ui/cards/"))
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the card page scrolls sideways on a phone ({overflow}px)"
        _shot(browser, "card-phone")
    finally:
        browser.set_window_size(1280, 900)


def test_sign_out(browser, server):
    browser.get(server.base + "/ui/")
    _go(browser, By.CSS_SELECTOR, ".who button")
    _wait(browser, EC.url_contains("/ui/sign-in"))
    assert "You are signed out." in _text(browser, ".flash")
    browser.get(server.base + "/ui/transfer")
    _wait(browser, EC.url_contains("/ui/sign-in"))
