"""The symptom checker in headless Chromium, used the way readers use it: full paths with
JavaScript on and off, Back and Start again, the browser's back button, reload, the keyboard,
and axe-core on every state."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

AXE = Axe()
NO_SIGNS = ["No"] * 17  # every warning sign answered No
MUSCLE = "On one side of my lower back, with spasm or pain when I twist"

# (answers, badge, heading, first "Read next" link) for full paths through the real tree.
PATHS = {
    "saddle numbness": (["Yes"], "Emergency", "Call 999 or go to A&E now",
                        "Warning signs: when to get help"),
    "not sure after a serious fall": (["No"] * 5 + ["Not sure"], "Emergency", "Call 999 now",
                                      "Warning signs: when to get help"),
    "fever": (["No"] * 6 + ["Yes"], "Urgent: get help today", "Get help from a doctor today",
              "Warning signs: when to get help"),
    "inflammatory pattern": (["No"] * 15 + ["Yes"], "Soon: see a GP or physio",
                             "See a GP soon about inflammatory back pain",
                             "Pain type: Inflammatory back pain"),
    "no warning signs, one-sided pain": (NO_SIGNS + [MUSCLE], "Self-care",
                                         "You can look after this yourself",
                                         "Pain type: Muscle-related pain"),
}


@pytest.fixture(scope="module")
def checker_url(guide_site, serve) -> str:
    return serve(guide_site) + "checker/index.html"


@pytest.fixture
def page(page: Page) -> Page:
    """The test's page, failing the test on any script error or blocked resource."""
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
    # ERR_ABORTED: a request (the favicon) cut short by the next navigation, not a failure.
    page.on("requestfailed", lambda r: problems.append(f"{r.url}: {r.failure}")
            if r.failure != "net::ERR_ABORTED" else None)
    yield page
    assert not problems


def assert_accessible(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def step_heading(page: Page):
    return page.locator("#checker h2")


def answer(page: Page, label: str) -> None:
    page.locator("#checker").get_by_role("button", name=label, exact=True).click()


def expect_focus_on_question(page: Page, text: str | None = None) -> None:
    expect(step_heading(page)).to_be_focused()
    if text:
        expect(step_heading(page)).to_have_text(text)


@pytest.mark.parametrize("name", PATHS)
def test_full_path_with_javascript(name, page, checker_url):
    answers, badge, title, first_link = PATHS[name]
    page.goto(checker_url)
    assert_accessible(page)
    picks = []
    for n, label in enumerate(answers, 1):
        question = step_heading(page).inner_text()
        picks.append(page.locator("#checker .checker-answer").all_inner_texts().index(label))
        answer(page, label)
        expect(page).to_have_url(f"{checker_url}#a={'.'.join(map(str, picks))}")
        expect(step_heading(page)).to_be_focused()
        expect(step_heading(page)).not_to_have_text(question)
        assert_accessible(page)
    outcome = page.locator("#checker .checker-outcome")
    expect(outcome.locator(".checker-badge")).to_have_text(badge)
    expect(step_heading(page)).to_have_text(title)
    expect(page.locator("#checker-status")).to_have_text(f"Your result: {badge}.")
    summary = outcome.locator(".checker-summary li strong")
    expect(summary).to_have_text(answers)
    expect(outcome.locator(".checker-links a").first).to_have_text(first_link)
    assert page.title().startswith(title)


def test_emergency_outcome_is_unmistakable(page, checker_url):
    page.goto(checker_url)
    answer(page, "Yes")
    outcome = page.locator("#checker .checker-outcome")
    expect(outcome.locator(".checker-badge")).to_have_text("Emergency")
    expect(outcome.get_by_role("heading", level=2)).to_have_text("Call 999 or go to A&E now")
    call = outcome.get_by_role("link", name="Call 999 (or your local emergency number) now")
    expect(call).to_have_attribute("href", "tel:999")
    # Said in words, and set apart by more than colour: a thick border around the outcome.
    assert outcome.evaluate("e => parseFloat(getComputedStyle(e).borderLeftWidth)") >= 8


def test_back_start_again_browser_back_and_reload(page, checker_url):
    page.goto(checker_url)
    expect(page.locator("#checker").get_by_role("button", name="Back")).to_have_count(0)
    answer(page, "No")
    answer(page, "No")
    expect_focus_on_question(page, "Do you have new problems with sex?")
    page.locator("#checker").get_by_role("button", name="Back").click()
    expect(page).to_have_url(checker_url + "#a=1")
    expect_focus_on_question(page, "Do you have new trouble peeing, or have you lost control "
                                    "of your bladder or bowels?")
    expect(page.locator("#checker-status")).to_have_text("Question 2.")
    page.reload()
    expect(step_heading(page)).to_have_text("Do you have new trouble peeing, or have you lost "
                                            "control of your bladder or bowels?")
    answer(page, "Yes")
    expect(step_heading(page)).to_have_text("Call 999 or go to A&E now")
    page.go_back()
    expect_focus_on_question(page, "Do you have new trouble peeing, or have you lost control "
                                    "of your bladder or bowels?")
    page.go_forward()
    expect(step_heading(page)).to_have_text("Call 999 or go to A&E now")
    page.locator("#checker").get_by_role(
        "button", name="Change your answer to: Do you have numbness or tingling around your "
                       "genitals, your bottom or your inner thighs?").click()
    expect_focus_on_question(page, "Do you have numbness or tingling around your genitals, "
                                    "your bottom or your inner thighs?")
    answer(page, "No")
    page.locator("#checker").get_by_role("button", name="Start again").click()
    expect(page).to_have_url(checker_url + "#a=")
    expect_focus_on_question(page, "Do you have numbness or tingling around your genitals, "
                                    "your bottom or your inner thighs?")
    expect(page.locator("#checker").get_by_role("button", name="Back")).to_have_count(0)


def test_keyboard_only(page, checker_url):
    page.goto(checker_url)
    page.locator("#checker").get_by_role("button", name="No", exact=True).focus()
    page.keyboard.press("Enter")
    expect_focus_on_question(page, "Do you have new trouble peeing, or have you lost control "
                                    "of your bladder or bowels?")
    page.keyboard.press("Tab")  # Yes
    page.keyboard.press("Tab")  # No
    expect(page.locator(":focus")).to_have_text("No")
    page.keyboard.press(" ")
    expect_focus_on_question(page, "Do you have new problems with sex?")
    for _ in range(4):  # Yes, No, Not sure, then Back
        page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Back")
    page.keyboard.press("Enter")
    expect_focus_on_question(page, "Do you have new trouble peeing, or have you lost control "
                                    "of your bladder or bowels?")


def test_reload_keeps_the_position_from_disk(page, guide_site):
    page.goto((guide_site / "checker" / "index.html").as_uri())
    answer(page, "No")
    answer(page, "No")
    page.reload()
    expect(step_heading(page)).to_have_text("Do you have new problems with sex?")
    answer(page, "Not sure")
    expect(step_heading(page)).to_have_text("Call 999 or go to A&E now")


def test_a_skip_link_does_not_lose_the_position(page, checker_url):
    page.goto(checker_url + "#a=1.1")
    expect(step_heading(page)).to_have_text("Do you have new problems with sex?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Skip to main content" sets the address to #main
    expect(page).to_have_url(checker_url + "#main")
    expect(step_heading(page)).to_have_text("Do you have new problems with sex?")


def test_full_paths_without_javascript(browser, checker_url):
    """Every answer is a link to a static page; axe checks each page the reader sees, in a
    second context where the site's scripts are blocked (axe itself needs JavaScript)."""
    no_js = browser.new_context(java_script_enabled=False)
    blocked = browser.new_context()
    blocked.route("**/*.js", lambda route: route.abort())
    page, axe_page = no_js.new_page(), blocked.new_page()
    for answers, title in ((NO_SIGNS + [MUSCLE], "You can look after this yourself"),
                           (["No", "Yes"], "Call 999 or go to A&E now")):
        page.goto(checker_url)
        for label in answers:
            axe_page.goto(page.url)
            assert_accessible(axe_page)
            page.locator("#checker").get_by_role("link", name=label, exact=True).click()
        expect(step_heading(page)).to_have_text(title)
        axe_page.goto(page.url)
        assert_accessible(axe_page)
    expect(page.get_by_role("link", name="Call 999 (or your local emergency number) now")) \
        .to_have_attribute("href", "tel:999")
    why = page.locator(".checker-summary li")
    expect(why).to_have_count(5)
    expect(why.first).to_contain_text("Yes or Not sure")
    page.get_by_role("link", name="Start again").click()
    expect(page).to_have_url(checker_url)
    page.get_by_role("link", name="No", exact=True).click()
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page).to_have_url(checker_url)
    no_js.close()
    blocked.close()


def test_scripts_load_only_on_the_checker_page(page, guide_site, serve):
    base = serve(guide_site)
    for path, expected in (("checker/index.html", [("tree.js", True), ("checker.js", True)]),
                           ("checker/q-fever.html", []), ("index.html", []),
                           ("articles/warning-signs.html", [])):
        page.goto(base + path)
        scripts = page.locator("script[src]").evaluate_all(
            "s => s.map(e => [e.getAttribute('src').split('/').pop(), e.defer])")
        assert [tuple(s) for s in scripts if s[0] in ("tree.js", "checker.js")] == expected
