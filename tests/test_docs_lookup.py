"""/docs shows Incoplax's LOOKUP and its "Try it out" sends it, in a real browser.

A live server (gunicorn), Debian's chromium through Selenium: open /docs, authorize with
the token, find LOOKUP on /rest/v1/addressbook/contacts, try it out with the contact's
number and see the 200 answer with the id (and a miss: the 404 in Incoplax's format).
"""
from __future__ import annotations

import json

import pytest

from .browser import browser, console_errors  # noqa: F401  (browser is a fixture)
from .live_server import LiveServer, request

CONTACTS = "/rest/v1/addressbook/contacts"
WAIT = 30


@pytest.fixture
def live(tmp_path):
    server = LiveServer(f"sqlite:///{tmp_path}/docs.db", workers=1, env={"CONTACTS_AUTH": "on"}).start()
    yield server
    server.stop()


def _wait(driver, condition, what: str):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        raise AssertionError(f"{what} within {WAIT} s; console errors: {console_errors(driver)}") from None


def _css(driver, selector: str, root=None):
    from selenium.webdriver.common.by import By

    return (root or driver).find_element(By.CSS_SELECTOR, selector)


def _authorize(driver, token: str) -> None:
    _css(driver, ".auth-wrapper button.authorize").click()
    field = _wait(driver, lambda d: _css(d, ".modal-ux input[type=text]"), "the Authorize dialog opens")
    field.send_keys(token)
    _css(driver, ".modal-ux .auth-btn-wrapper button.authorize").click()
    _css(driver, ".modal-ux .auth-btn-wrapper button.btn-done").click()


def _lookup_block(driver, path: str):
    from selenium.webdriver.common.by import By

    def found(d):
        for block in d.find_elements(By.CSS_SELECTOR, ".opblock.opblock-x-lookup"):
            if _css(d, ".opblock-summary-path", block).get_attribute("data-path") == path:
                return block
        return None

    return _wait(driver, found, f"a LOOKUP operation for {path} is listed")


def _try_lookup(driver, block, body: str) -> tuple[str, str]:
    """(status, response body text) of a "Try it out" with this request body."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    for clear in block.find_elements(By.CSS_SELECTOR, "button.btn-clear"):
        clear.click()  # the previous answer goes away: the one read below is this request's
    _wait(driver, lambda d: not block.find_elements(By.CSS_SELECTOR, ".live-responses-table"),
          "the previous answer is cleared")
    editor = _css(driver, "textarea.body-param__text", block)
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys(body)
    _css(driver, "button.execute", block).click()
    answer = ".live-responses-table tbody .response"

    def shown_status(_driver):
        cells = block.find_elements(By.CSS_SELECTOR, answer + " .response-col_status")
        return next((cell.text.strip() for cell in cells if cell.text.strip()), None)

    status = _wait(driver, shown_status, "the answer is shown")
    body_text = _css(driver, answer + " .response-col_description pre", block).text
    return status, body_text


def test_lookup_is_listed_and_tried_out_in_the_browser(live, browser):  # noqa: F811
    token = live.first_token()
    status, _, body = request(live.base + CONTACTS, "POST", {"displayname": "John Smith", "number": "11"},
                              token=token)
    assert status == 200, body
    contact_id = json.loads(body)["id"]

    browser.get(live.base + "/docs")
    block = _lookup_block(browser, CONTACTS)
    assert _css(browser, ".opblock-summary-method", block).text == "LOOKUP"
    groups = _lookup_block(browser, "/rest/v1/addressbook/contactgroups")
    assert _css(browser, ".opblock-summary-method", groups).text == "LOOKUP"

    _authorize(browser, token)
    _css(browser, ".opblock-summary", block).click()
    _wait(browser, lambda d: _css(d, "button.try-out__btn", block), "the operation opens").click()
    status, answer = _try_lookup(browser, block, '"11"')
    assert (status, json.loads(answer)) == ("200", [contact_id])
    # The request really went out as LOOKUP (the curl line shows the request sent).
    assert "-X 'LOOKUP'" in _css(browser, ".curl-command", block).text

    status, answer = _try_lookup(browser, block, '"404"')
    assert (status, json.loads(answer)) == ("404", {"error_code": 1404, "error_message": "Lookup failed"})
    assert not [e for e in console_errors(browser) if "favicon" not in e and "404" not in e]


def test_in_ci_a_missing_browser_fails_the_test_and_elsewhere_skips_it(monkeypatch):
    from . import browser as browser_module

    monkeypatch.setattr(browser_module.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser_module.os.path, "exists", lambda path: False)
    monkeypatch.setenv("CONTACTS_CI", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        browser_module.browser_paths()
    monkeypatch.delenv("CONTACTS_CI")
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        browser_module.browser_paths()


def test_docs_page_loads_the_lookup_plugin_from_this_server(client):
    html = client.get("/docs").get_data(as_text=True)
    for src in ("/docs/assets/swagger-ui-bundle.js", "/docs/plugins/lookup-plugin.js"):
        assert f'src="{src}"' in html
        assert client.get(src).status_code == 200
    assert "plugins: [ContactsLookupPlugin]" in html and "requestInterceptor: ContactsLookupPlugin" in html
