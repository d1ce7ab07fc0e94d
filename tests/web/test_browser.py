"""The console in a real browser: headless Chromium (Debian's) driven by Selenium, on 127.0.0.1.

Each test writes a screenshot of its page under docs/screenshots/ (shown in the README).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from streams.store.archive import Archive
from streams.web.server import ConsoleServer
from tests.store.articles import SAMPLE_GOLD, SAMPLE_ID, corpus, reuters_articles
from tests.web.articles import HOSTILE_HEADLINE, HOSTILE_ID, hostile_article, sample_with_noise
from tests.web.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

Driver = Any


def _wait(driver: Driver, timeout: float = 15) -> WebDriverWait:
    # a condition may read an element of the page a form submit is replacing: look again, don't fail
    return WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def _shot(driver: Driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def _no_script_ran(driver: Driver) -> None:
    """Every payload of the hostile article sets window.__pwned; only the console's own script is on the page."""
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    scripts = driver.execute_script("return Array.from(document.scripts).map(s => s.getAttribute('src'))")
    assert scripts in ([], ["/console/static/live.js"]), scripts


def test_a_stored_article_appears_in_the_open_live_page_without_reload(
        writer: Archive, console: ConsoleServer, browser: Driver) -> None:
    writer.write(corpus(12)[1:])
    browser.get(console.url + "/console/")
    _wait(browser).until(lambda d: d.find_element(By.ID, "status").get_attribute("data-state") == "live")
    browser.execute_script("window.__sameDocument = 'yes'")  # gone if the page reloads
    assert not browser.find_elements(By.CSS_SELECTOR, f'article.item[data-id="{SAMPLE_ID}"]')
    writer.write([sample_with_noise()])  # what `streams store` does when the article comes off the topic
    item = _wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, f'article.item[data-id="{SAMPLE_ID}"]')))
    assert browser.execute_script("return window.__sameDocument") == "yes"
    first = browser.find_element(By.CSS_SELECTOR, "#stream article.item")
    assert first.get_attribute("data-id") == SAMPLE_ID  # newest on top
    assert "Kallas: security guarantees" in item.text and "Ukrinform" in item.text and "Kaja Kallas" in item.text
    _shot(browser, "live")
    # the filter hides what does not match; pause holds new arrivals back until resumed
    browser.find_element(By.ID, "filter").send_keys("Ukrinform")
    assert item.is_displayed() and not any(
        e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, "#stream article.item")[1:])
    browser.find_element(By.ID, "filter").clear()
    browser.find_element(By.ID, "filter").send_keys(Keys.SPACE, Keys.BACK_SPACE)
    browser.find_element(By.ID, "pause").click()
    later = next(reuters_articles(1))  # in no story on screen
    writer.write([later])
    _wait(browser).until(lambda d: "1 new" in d.find_element(By.ID, "status").text)
    assert not browser.find_elements(By.CSS_SELECTOR, f'article.item[data-id="{later.id}"]')
    browser.find_element(By.ID, "pause").send_keys(Keys.ENTER)  # the keyboard works too
    _wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, f'article.item[data-id="{later.id}"]')))
    copy = sample_with_noise()  # a syndicated copy of the sample's story folds into it
    copy.article = replace(copy.article, id="copy-of-sample", source="MENAFN")
    writer.write([copy])
    copies = browser.find_element(By.CSS_SELECTOR, f'article.item[data-id="{SAMPLE_ID}"] .copies')
    _wait(browser).until(lambda d: copies.is_displayed() and "+1 copy" in copies.text)
    assert not browser.find_elements(By.CSS_SELECTOR, 'article.item[data-id="copy-of-sample"]')


def test_the_article_page_highlights_kallas_quotes_in_place(writer: Archive, console: ConsoleServer,
                                                             browser: Driver) -> None:
    ea = sample_with_noise()
    writer.write([ea])
    gold = json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))
    text = ea.article.body_text
    expected = {i: q for i, q in enumerate(gold["quotes"]) if q["kind"] in ("direct", "mixed")}
    assert len(expected) == 9
    browser.get(f"{console.url}/console/article/{SAMPLE_ID}")
    items = browser.find_elements(By.CSS_SELECTOR, "#quotes li.quote-item")
    shown = [li for li in items if li.get_attribute("data-kind") in ("direct", "mixed")]
    assert len(shown) == 9
    for li in shown:
        link = li.find_element(By.CSS_SELECTOR, "a.speaker-link")
        assert link.text == "Kaja Kallas" and link.get_attribute("href").endswith("/console/speaker?name=Kaja+Kallas")
    for i, quote in expected.items():
        marks = browser.find_elements(By.CSS_SELECTOR, f'#body [data-quote~="{i}"]')
        segments = quote.get("segments") or [[quote["start"], quote["end"]]]
        assert "".join(m.get_attribute("textContent") for m in marks) == "".join(text[s:e] for s, e in segments)
        assert all(f"{quote['kind']} quote of Kaja Kallas" in m.get_attribute("title") for m in marks)
    # the body is the text as received; noise spans are highlighted where they are
    assert browser.find_element(By.ID, "body").get_attribute("textContent") == text
    noise = browser.find_elements(By.CSS_SELECTOR, "#body .noise")
    noise_text = "".join(n.get_attribute("textContent") for n in noise)
    assert "date 2026-01-13 MENAFN - UkrinForm)" in noise_text  # the header line, entities inside it too
    assert "Ukraine's securityfrom U.S. to be finalized at highest level" in noise_text  # the related headline
    assert "conflict, war and peace" in browser.find_element(By.CSS_SELECTOR, "table.topics").text
    _shot(browser, "article")
    browser.find_element(By.CSS_SELECTOR, "#body a.speaker").click()  # the words naming her link to her page
    _wait(browser).until(ec.presence_of_element_located((By.ID, "speaker-quotes")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Kaja Kallas: quoted 13 times"
    cues = browser.find_elements(By.CSS_SELECTOR, "#speaker-quotes .cue")
    assert cues and all(c.text for c in cues)
    _shot(browser, "speaker")


def test_search_by_speaker_finds_the_sample_and_the_url_holds_the_query(
        writer: Archive, console: ConsoleServer, browser: Driver) -> None:
    writer.write(corpus(40))
    browser.get(console.url + "/console/search")
    field = browser.find_element(By.ID, "f-speaker")
    field.send_keys("Kaja Kallas", Keys.ENTER)
    _wait(browser).until(ec.url_contains("speaker=Kaja+Kallas"))
    results = browser.find_elements(By.CSS_SELECTOR, "#results article.item")
    assert [r.get_attribute("data-id") for r in results] == [SAMPLE_ID]
    shared = browser.current_url
    browser.get(console.url + "/console/")
    browser.get(shared)  # the URL alone brings the same search back
    assert browser.find_element(By.ID, "f-speaker").get_attribute("value") == "Kaja Kallas"
    browser.get(console.url + "/console/search?q=security")
    assert browser.find_elements(By.CSS_SELECTOR, '[data-facet="speaker"] li a')
    _shot(browser, "search")
    browser.find_element(By.LINK_TEXT, "People").click()
    _wait(browser).until(ec.url_contains("/console/people"))
    assert browser.find_element(By.CSS_SELECTOR, "#people tbody a").text == "Kaja Kallas"
    _shot(browser, "people")


def test_a_hostile_article_renders_as_text_and_runs_no_script(writer: Archive, console: ConsoleServer,
                                                               browser: Driver) -> None:
    writer.write(corpus(3)[1:])
    browser.get(console.url + "/console/")
    _wait(browser).until(lambda d: d.find_element(By.ID, "status").get_attribute("data-state") == "live")
    ea = hostile_article()
    writer.write([ea])  # arrives through the event stream: built with textContent
    live = _wait(browser).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, f'#stream article.item[data-id="{HOSTILE_ID}"] h3')))
    assert live.text == HOSTILE_HEADLINE
    _no_script_ran(browser)
    speaker = ea.quotes[0]["speaker"]
    from urllib.parse import quote, urlencode

    pages = [f"/console/article/{quote(HOSTILE_ID)}", "/console/search?q=minister",
             "/console/speaker?" + urlencode({"name": speaker}), "/console/trends?until=2026-01-14T12:00",
             "/console/"]
    for path in pages:
        browser.get(console.url + path)
        _no_script_ran(browser)
        assert "<script>" in browser.find_element(By.TAG_NAME, "main").text, path  # shown as text
        for a in browser.find_elements(By.CSS_SELECTOR, "a[href]"):
            assert not a.get_attribute("href").lower().startswith("javascript:"), path
        for el in browser.find_elements(By.CSS_SELECTOR, "main *"):
            focus = browser.execute_script(
                "var a = arguments[0].attributes, n = []; for (var i = 0; i < a.length; i++) "
                "{ if (/^on/i.test(a[i].name)) n.push(a[i].name); } return n;", el)
            assert focus == [], (path, focus)
    browser.get(f"{console.url}/console/article/{quote(HOSTILE_ID)}")
    body = browser.find_element(By.ID, "body")
    assert body.get_attribute("textContent") == ea.article.body_text
    for el in browser.find_elements(By.CSS_SELECTOR, "#body *"):  # hover and focus everything: nothing fires
        browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
                               "arguments[0].focus && arguments[0].focus();", el)
    _no_script_ran(browser)
    assert browser.find_element(By.ID, "headline").text == HOSTILE_HEADLINE
    _shot(browser, "hostile")


def test_trends_chart_the_day_and_list_its_busiest_stories(writer: Archive, console: ConsoleServer,
                                                           browser: Driver) -> None:
    writer.write([*corpus(40), hostile_article()])
    browser.get(console.url + "/console/")
    browser.find_element(By.LINK_TEXT, "Trends").click()
    _wait(browser).until(ec.url_contains("/console/trends"))
    until = browser.find_element(By.ID, "until")
    until.send_keys("2026-01-14T09:30", Keys.ENTER)  # the keyboard is enough
    _wait(browser).until(ec.url_contains("until=2026-01-14T09"))
    kallas = browser.find_element(By.CSS_SELECTOR, '#entity-trends tr[data-key="kaja kallas"]')
    bars = kallas.find_elements(By.CSS_SELECTOR, "svg.spark rect")  # the sample, published at 10:00 the 13th
    assert len(bars) == 24 and float(bars[0].get_attribute("height")) > 0
    assert "13 Jan 09:30 to 13 Jan 10:30" in bars[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")
    stories = browser.find_element(By.ID, "stories").text
    assert "Kallas: security guarantees" in stories and HOSTILE_HEADLINE in stories  # the headline as text
    _no_script_ran(browser)
    _shot(browser, "trends")


def test_an_operator_tests_a_rule_on_the_alerts_page(writer: Archive, database_url: str, browser: Driver) -> None:
    from streams.core.settings import load_settings
    from streams.store.backends import open_archive

    writer.write([*corpus(20), hostile_article()])
    settings = load_settings(console_token="browser-token", kafka_bootstrap="127.0.0.1:9")  # no Kafka here
    with open_archive(database_url, read_only=True) as archive:
        server = ConsoleServer(archive, "127.0.0.1", 0, settings=settings).start()
        try:
            browser.get(server.url + "/console/alerts")
            assert browser.find_element(By.TAG_NAME, "h1").text == "Alerts"
            rule = browser.find_element(By.ID, "rule")
            rule.send_keys("name: Kallas or Mallory\nwhen: {or: [{speaker: Kaja Kallas}, {text: said Mallory}]}")
            browser.find_element(By.ID, "token-add").send_keys("browser-token")
            browser.find_element(By.ID, "test-rule").click()
            _wait(browser).until(lambda d: d.find_elements(By.ID, "trial") or "error" in d.title.lower())
            assert browser.find_elements(By.ID, "trial"), browser.find_element(By.TAG_NAME, "main").text
            trial = browser.find_element(By.ID, "trial").text
            assert "Would have fired 2 alerts" in trial and "Kallas: security guarantees" in trial
            assert HOSTILE_HEADLINE in trial  # shown as text
            _no_script_ran(browser)
            _shot(browser, "alerts")
            browser.find_element(By.ID, "token-add").send_keys("wrong")
            browser.find_element(By.ID, "test-rule").click()
            _wait(browser).until(lambda d: "refused" in d.find_element(By.TAG_NAME, "main").text)
        finally:
            server.stop()
