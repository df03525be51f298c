"""Readers: every page of the real guide checked in headless Chromium, the way people use it.

axe-core (WCAG 2.2 AA and best practices) on every page in light and dark mode and on a phone;
reflow at 320 px and at 400% zoom; keyboard focus and the skip link; landmarks and one h1;
reduced motion; and an exercise page printed as a one-page sheet.
"""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

AXE = Axe()


def site_pages(site: Path) -> list[str]:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 10
    return pages


@contextmanager
def sized_page(browser, width: int, height: int, zoom: int = 1):
    """A page in a window of width x height CSS pixels, at `zoom` device pixels per pixel."""
    page = browser.new_page(viewport={"width": width, "height": height},
                            device_scale_factor=zoom)
    try:
        yield page
    finally:
        page.close()


def axe_violations(page) -> list[str]:
    return [f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
            for v in AXE.run(page).response["violations"]]


def violations_on_every_page(page, base: str, pages: list[str]) -> dict[str, list[str]]:
    found = {}
    for name in pages:
        page.goto(base + name)
        found[name] = axe_violations(page)
    return {name: v for name, v in found.items() if v}


@pytest.fixture(scope="module")
def guide(guide_site, serve):
    return serve(guide_site), site_pages(guide_site)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_any_page(page, guide, scheme):
    base, pages = guide
    page.emulate_media(color_scheme=scheme)
    assert violations_on_every_page(page, base, pages) == {}


def test_axe_finds_nothing_on_a_phone(browser, guide):
    base, pages = guide
    with sized_page(browser, 320, 640) as phone:
        assert violations_on_every_page(phone, base, pages) == {}


def test_axe_catches_a_real_problem(page, guide_site, serve, tmp_path):
    """The check above can fail: the same page with its h1 and the link text removed."""
    broken = tmp_path / "index.html"
    html = (guide_site / "index.html").read_text()
    broken.write_text(re.sub(r"<h1>.*?</h1>", "", html).replace("Skip to main content", ""))
    page.goto(serve(tmp_path) + "index.html")
    ids = {v.split(":")[0] for v in axe_violations(page)}
    assert {"page-has-heading-one", "link-name"} <= ids


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const box = e.getBoundingClientRect();
    // Tables may scroll on their own (WCAG 1.4.10 allows two-dimensional content to).
    return box.width > 0 && box.right > width + 1 && !e.closest('table');
  }).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));
  return {scroll: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5)};
}"""


def overflowing_pages(page, base: str, pages: list[str]) -> dict[str, dict]:
    found = {}
    for name in pages:
        page.goto(base + name)
        result = page.evaluate(OVERFLOW)
        if result["scroll"] > 0 or result["wide"]:
            found[name] = result
    return found


@pytest.mark.parametrize("viewport,zoom", [((320, 640), 1), ((1280 // 4, 1024 // 4), 4)],
                         ids=["phone-320px", "desktop-at-400%-zoom"])
def test_text_reflows_without_horizontal_scrolling(browser, guide, viewport, zoom):
    """400% zoom on a 1280x1024 screen is a 320x256 CSS-pixel viewport at 4 device pixels per
    CSS pixel: the page must reflow into one column with nothing cut off."""
    base, pages = guide
    with sized_page(browser, *viewport, zoom) as narrow:
        assert overflowing_pages(narrow, base, pages) == {}


def test_the_overflow_check_catches_a_wide_element(browser, guide_site, serve, tmp_path):
    wide = tmp_path / "index.html"
    wide.write_text((guide_site / "index.html").read_text().replace(
        "</main>", '<pre class="wide">' + "x" * 200 + "</pre></main>"))
    (tmp_path / "static").symlink_to(guide_site / "static")
    with sized_page(browser, 320, 640) as narrow:
        assert list(overflowing_pages(narrow, serve(tmp_path), ["index.html"])) == ["index.html"]


LUMINANCE = """(selector) => {
  const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const style = getComputedStyle(document.querySelector(selector));
  return [lum(parse(style.backgroundColor)), lum(parse(style.color))];
}"""


def test_dark_mode_follows_the_system_setting(page, guide):
    base, _ = guide
    page.emulate_media(color_scheme="dark")
    page.goto(base + "exercises/plank.html")
    background, text = page.evaluate(LUMINANCE, "body")
    assert background < 0.05 and text > 0.7
    page.emulate_media(color_scheme="light")
    background, text = page.evaluate(LUMINANCE, "body")
    assert background > 0.9 and text < 0.05


def test_every_page_has_landmarks_and_one_h1(page, guide):
    base, pages = guide
    missing = {}
    for name in pages:
        page.goto(base + name)
        counts = page.evaluate("""() => ({
          h1: document.querySelectorAll('h1').length,
          banner: document.querySelectorAll('body > header').length,
          nav: document.querySelectorAll('nav[aria-label]').length,
          main: document.querySelectorAll('main#main').length,
          contentinfo: document.querySelectorAll('body > footer').length})""")
        if set(counts.values()) != {1}:
            missing[name] = counts
    assert missing == {}


def test_skip_link_and_focus_are_visible(page, guide):
    base, _ = guide
    page.goto(base + "articles/warning-signs.html")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 10  # on screen once focused
    outline = skip.evaluate("e => [getComputedStyle(e).outlineStyle, "
                            "parseFloat(getComputedStyle(e).outlineWidth)]")
    assert outline[0] == "solid" and outline[1] >= 2
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")  # the next stop is inside the main content, not the header
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_scrolling_is_smooth_only_without_reduced_motion(page, guide):
    base, _ = guide
    page.goto(base + "index.html")
    behaviour = "getComputedStyle(document.documentElement).scrollBehavior"
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(behaviour) == "smooth"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(behaviour) == "auto"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_an_exercise_prints_as_a_clean_one_page_sheet(page, guide):
    base, pages = guide
    exercises = [p for p in pages if p.startswith("exercises/") and p != "exercises/index.html"]
    assert exercises
    for name in exercises:
        page.goto(base + name)
        page.emulate_media(media="print")
        shown = page.evaluate("""() => Object.fromEntries(
          ['.site-header', '.site-nav', '.skip-link', '#steps', '#cautions', '#stop-if', '#dose',
           '#review', '.disclaimer'].map(s => [s, document.querySelector(s).checkVisibility()]))
        """)
        assert shown == {".site-header": False, ".site-nav": False, ".skip-link": False,
                         "#steps": True, "#cautions": True, "#stop-if": True, "#dose": True,
                         "#review": True, ".disclaimer": True}, name
        sheets = {size: pdf_pages(page.pdf(format=size)) for size in ("A4", "Letter")}
        assert sheets == {"A4": 1, "Letter": 1}, name
        page.emulate_media(media="screen")
        assert page.locator(".site-nav").is_visible()


def test_every_focus_stop_shows_a_focus_ring(page, guide):
    base, _ = guide
    page.goto(base + "exercises/plank.html")
    stops = page.evaluate("document.querySelectorAll('a[href], button, input, select').length")
    unmarked = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        ring = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
          return [e.outerHTML.slice(0, 80), s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
        if ring[1] == "none" or ring[2] < 2:
            unmarked.append(ring[0])
    assert stops > 20 and unmarked == []


SHIFTS = """window.__shift = 0; new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
}).observe({type: "layout-shift", buffered: true});"""


def layout_shift(browser, url: str) -> float:
    """The page's cumulative layout shift on a phone over a slow connection, where scripts
    arrive after the first paint."""
    with sized_page(browser, 412, 823) as phone:
        phone.add_init_script(SHIFTS)
        cdp = phone.context.new_cdp_session(phone)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 150, "downloadThroughput": 200_000,
            "uploadThroughput": 100_000})
        phone.goto(url, wait_until="networkidle")
        return phone.evaluate("window.__shift")


def test_pages_with_scripts_do_not_jump_while_loading(browser, guide):
    base, _ = guide
    shifts = {name: layout_shift(browser, base + name)
              for name in ("index.html", "search.html", "checker/index.html")}
    assert {name: shift for name, shift in shifts.items() if shift >= 0.1} == {}


def test_the_layout_shift_check_sees_a_jump(browser, guide_site, serve, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(guide_site, site)
    css = site / "static/style.css"
    css.write_text(css.read_text().replace("main:has(#search-nojs) { min-height: 100vh; }", ""))
    assert layout_shift(browser, serve(site) + "search.html") >= 0.1
