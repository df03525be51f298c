"""The guide's search in Chromium, over the real guide: what readers type and the page they
should find first, the header suggestions by keyboard, the search page's URL and filters,
opening the site from disk, no JavaScript, and axe-core."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from guidekit import search_index
from guidekit.search_terms import STOP_WORDS, stem, words

from search_queries import QUERIES, finds


@pytest.fixture(scope="module")
def site(guide_site, serve):
    return serve(guide_site)


def results(page):
    return page.locator("#search-results > li")


@pytest.mark.parametrize("what, query, filters, expected", QUERIES,
                         ids=[f"{q[0]}: {q[1]}{' ' + str(q[2]) if q[2] else ''}" for q in QUERIES])
def test_first_result(page, site, what, query, filters, expected):
    page.goto(f"{site}search.html?{urlencode({'q': query, **filters})}")
    expect(results(page).first).to_be_visible()
    href = results(page).first.locator("a").get_attribute("href")
    assert finds(href.removeprefix(site), expected), href


def test_matched_words_are_marked(page, site):
    page.goto(f"{site}search.html?q=hamstring+strech")
    first = results(page).first
    expect(first.locator(".result-title mark")).to_have_text(["Hamstring", "stretch"])
    expect(first.locator(".result-snippet mark").first).to_have_text("stretch")
    expect(first.locator(".result-where")).to_have_text("Exercise")


def test_the_browser_splits_and_stems_words_as_the_build_does(page, site, guide_site):
    """Every text the index holds gives the same words and stems in the browser as in Python.
    (Words the guide does not use are matched by prefix, typo or ending, not stemmed.)"""
    script = (guide_site / search_index.INDEX_FILE).read_text()
    data = json.loads(script[script.index("=") + 1:script.rindex(";")])
    texts = [text for p in data["pages"] for text in (p[0], p[3], p[4])]
    texts += [f"{r[2]} {r[3]}" for r in data["records"]]
    page.goto(f"{site}search.html")
    page.evaluate("guideSearch.load()")
    in_browser = page.evaluate("texts => texts.map(guideSearch.terms)", texts)
    assert in_browser == [[stem(w) for w in words(t) if w not in STOP_WORDS] for t in texts]
    assert len({w for t in texts for w in words(t)}) > 1000  # the whole vocabulary
    odd = ["Runner's café: NAÏVE x-ray, ﬁbre’s ½ İstanbul ÆON", "can\u2019t pee", "a\tb\nc—d"]
    assert page.evaluate("texts => texts.map(guideSearch.words)", odd) == [words(t) for t in odd]


def suggestion_box(page):
    box = page.locator("#site-search-q")
    return box, page.locator("#site-search-q-list"), page.locator("#site-search-q-list > li")


def test_suggestions_by_keyboard(page, site):
    page.goto(f"{site}exercises/plank.html")
    box, listbox, options = suggestion_box(page)
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("pain down my leg")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    assert 1 < options.count() <= 6
    ids = [options.nth(i).get_attribute("id") for i in range(options.count())]
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", ids[0])
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", ids[1])
    expect(options.first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    box.press("ArrowUp")  # wraps round to the last
    expect(box).to_have_attribute("aria-activedescendant", ids[-1])
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("pain down my leg")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", ids[0])
    box.press("Enter")
    expect(page).to_have_url(f"{site}pain-types/disc-related.html#typical-signs")


def test_enter_without_a_choice_opens_the_search_page(page, site):
    page.goto(f"{site}articles/warning-signs.html")
    box, _, options = suggestion_box(page)
    box.press_sequentially("sciatica")
    expect(options.first).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(f"{site}search.html?q=sciatica")
    expect(page.locator("#search-q")).to_have_value("sciatica")
    expect(page.locator("#search-status")).to_have_text(
        f"{results(page).count()} results for “sciatica”")


def test_clicking_a_suggestion_follows_it(page, site):
    page.goto(f"{site}index.html")
    box, _, options = suggestion_box(page)
    box.press_sequentially("yoga")
    options.first.click()
    expect(page).to_have_url(f"{site}exercises/yoga.html")


def test_the_search_page_keeps_query_and_filters_in_the_url(page, site):
    page.goto(f"{site}search.html?q=stiff+morning&kind=article")
    expect(page.locator("#search-q")).to_have_value("stiff morning")
    expect(page.locator("#search-kind")).to_have_value("article")
    expect(results(page).first.locator(".result-where")).to_contain_text("Article")
    assert all(text.startswith("Article") for text in
               results(page).locator(".result-where").all_inner_texts())
    page.locator("#search-kind").select_option("")
    page.locator("#search-pain").select_option("bone-related")
    expect(page).to_have_url(f"{site}search.html?q=stiff+morning&pain=bone-related")
    expect(results(page).first.locator(".result-title")).to_have_text("Bone-related pain")
    page.locator("#search-pain").select_option("")
    page.locator("#search-q").fill("plank")
    expect(page).to_have_url(f"{site}search.html?q=plank")
    expect(results(page).first.locator(".result-title")).to_have_text("Plank")


def test_a_filter_alone_lists_its_pages(page, site):
    page.goto(f"{site}search.html?pain=disc-related&kind=exercise")
    titles = results(page).locator(".result-title").all_inner_texts()
    assert sorted(titles) == ["Bird dog", "Dead bug", "Glute bridge", "Yoga"]


def test_search_works_from_disk(page, guide_site):
    root = guide_site.as_uri()
    page.goto(f"{root}/exercises/plank.html")
    box, _, options = suggestion_box(page)
    box.press_sequentially("sciatca")
    expect(options.first.locator(".result-title")).to_have_text("Disc-related pain and sciatica")
    options.first.click()
    expect(page).to_have_url(f"{root}/pain-types/disc-related.html")
    page.goto(f"{root}/search.html?q=mri")
    expect(results(page).first.locator("a")).to_have_attribute(
        "href", f"{root}/articles/scans-and-tests.html")


def test_without_javascript_the_search_page_says_so_and_offers_links(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}exercises/plank.html")
    page.locator("#site-search-q").fill("sciatica")
    page.locator("#site-search-q").press("Enter")  # a plain form: GET search.html?q=
    expect(page).to_have_url(f"{site}search.html?q=sciatica")
    message = page.locator("#search-nojs")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Search needs JavaScript")
    links = message.locator("a")
    assert "Disc-related pain and sciatica" in links.all_inner_texts()
    assert "Plank" in links.all_inner_texts()
    expect(results(page)).to_have_count(0)
    context.close()


def test_with_javascript_the_message_is_hidden(page, site):
    page.goto(f"{site}search.html")
    expect(page.locator("#search-nojs")).to_be_hidden()


def test_axe_finds_nothing_on_the_search_page_and_the_suggestions(page, site):
    page.goto(f"{site}search.html?q=pain+down+my+leg")
    expect(results(page).first).to_be_visible()
    report = Axe().run(page)
    assert report.violations_count == 0, report.generate_report()
    page.goto(f"{site}pain-types/disc-related.html")
    box, listbox, options = suggestion_box(page)
    box.press_sequentially("stretch")
    expect(listbox).to_be_visible()  # the index loaded: a key pressed before selects nothing
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    report = Axe().run(page)
    assert report.violations_count == 0, report.generate_report()
