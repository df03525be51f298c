"""Machines and readers: titles, descriptions, canonical and Open Graph tags, JSON-LD, the Atom
feed, sitemap.xml, robots.txt, 404.html and the favicon; and what every guide page tells its
readers (review status, next review, sources, the clinician notice)."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import BASE_URL, ROOT, SITES, build_into
from linkcheck import broken_links

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class Head(HTMLParser):
    """The <title>, <meta>, <link> and JSON-LD of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.title, self.meta, self.links, self.json_ld = "", {}, {}, []
        self._in, self._script = None, ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta[attrs.get("name") or attrs["property"]] = attrs["content"]
        elif tag == "link":
            self.links[attrs["rel"]] = attrs["href"]
        elif tag == "title" or (tag == "script" and attrs.get("type") == "application/ld+json"):
            self._in = tag

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self._script += data

    def handle_endtag(self, tag):
        if self._in == "script":
            self.json_ld.append(json.loads(self._script))
            self._script = ""
        self._in = None


def head(site: Path, name: str) -> Head:
    return Head((site / name).read_text(encoding="utf-8"))


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


GUIDE_PAGES = ("index.html", "about.html", "articles/warning-signs.html",
               "pain-types/muscle-related.html", "exercises/plank.html")


@pytest.fixture(scope="module")
def minimal(tmp_path_factory) -> dict[str, Path]:
    """The example site built without and with a base URL."""
    root = tmp_path_factory.mktemp("metadata")
    build_into(SITES / "minimal", root / "plain")
    build_into(SITES / "minimal", root / "published", base_url=BASE_URL)
    return {"plain": root / "plain", "published": root / "published"}


def test_titles_and_descriptions(minimal):
    site = minimal["plain"]
    assert head(site, "index.html").title == "Test guide"
    plank = head(site, "exercises/plank.html")
    assert plank.title == "Plank | Test guide"
    assert plank.meta["description"].startswith("A hold that")
    # Every page has its own title; two outcomes of the checker may give the same advice.
    titles = [head(site, name).title for name in html_pages(site)
              if not name.startswith("checker/outcome-")]
    assert len(set(titles)) == len(titles)


def test_long_titles_drop_the_site_name():
    from guidekit.render import MAX_TITLE, document_title
    short = document_title("Plank", "Lower back pain in runners", is_home=False)
    assert short == "Plank | Lower back pain in runners"
    long = "Getting back to running and preventing back pain"
    assert document_title(long, "Lower back pain in runners", is_home=False) == long
    assert len(long + " | Lower back pain in runners") > MAX_TITLE
    question = ("Does pain spread below your knee in one leg, and is it very bad, getting "
                "worse or not settling after a few weeks? | Check your symptoms")
    cut = document_title(question, "Lower back pain in runners", is_home=False)
    assert cut == "Does pain spread below your knee in one leg, and is it very bad…"
    assert len(cut) <= MAX_TITLE


def test_every_guide_page_has_a_description_of_its_own(guide_site):
    descriptions = {}
    for name in html_pages(guide_site):
        description = head(guide_site, name).meta.get("description", "")
        assert 20 <= len(description) <= 300, name
        descriptions.setdefault(description, []).append(name)
    assert [names for names in descriptions.values() if len(names) > 1] == []


def test_canonical_and_open_graph_only_with_a_base_url(minimal):
    plain = head(minimal["plain"], "exercises/plank.html")
    assert "canonical" not in plain.links and "og:url" not in plain.meta
    published = head(minimal["published"], "exercises/plank.html")
    assert published.links["canonical"] == BASE_URL + "exercises/plank.html"
    assert {k: v for k, v in published.meta.items() if k.startswith("og:")} == {
        "og:type": "article", "og:site_name": "Test guide", "og:title": "Plank",
        "og:description": published.meta["description"],
        "og:url": BASE_URL + "exercises/plank.html"}
    home = head(minimal["published"], "index.html")
    assert home.links["canonical"] == BASE_URL + "index.html"
    assert home.meta["og:type"] == "website"


def test_feed_and_favicon_are_linked_from_every_page(minimal):
    site = minimal["plain"]
    assert head(site, "index.html").links["alternate"] == "feed.xml"
    assert head(site, "exercises/plank.html").links["alternate"] == "../feed.xml"
    assert head(site, "exercises/plank.html").links["icon"] == "../static/favicon.svg"
    svg = ET.fromstring((site / "static/favicon.svg").read_bytes())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert broken_links(site) == []


def test_json_ld_describes_each_guide_page(minimal):
    for name in GUIDE_PAGES:
        data, = head(minimal["published"], name).json_ld
        assert data["@context"] == "https://schema.org" and data["@type"] == "MedicalWebPage"
        assert data["medicalAudience"] == data["audience"] == {"@type": "Patient"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["dateModified"])
        assert data["citation"] and all(c["@type"] == "CreativeWork" and c["name"] and c["url"]
                                        for c in data["citation"])
        assert data["url"].startswith(BASE_URL)
        # Nothing in the example site is reviewed, so no review is claimed.
        assert "lastReviewed" not in data and "reviewedBy" not in data
    plank, = head(minimal["published"], "exercises/plank.html").json_ld
    assert plank["about"] == {"@type": "PhysicalActivity", "name": "Plank"}
    assert plank["citation"][0] == {
        "@type": "CreativeWork", "name": "Back pain", "publisher": "NHS",
        "datePublished": "2024", "url": "https://www.nhs.uk/conditions/back-pain/"}
    pain, = head(minimal["published"], "pain-types/muscle-related.html").json_ld
    assert pain["about"]["@type"] == "MedicalCondition"
    assert "url" not in head(minimal["plain"], "exercises/plank.html").json_ld[0]
    # Lists and people pages are not medical web pages.
    assert head(minimal["plain"], "exercises/index.html").json_ld == []
    assert head(minimal["plain"], "people/jane-expert.html").json_ld == []


def reviewed_site(copy_site) -> Path:
    """The example site with the plank reviewed by a clinical reviewer."""
    content = copy_site("minimal")
    with open(content / "people.yaml", "a") as people:
        people.write("dr-reviewer:\n  name: Dr Rita Reviewer\n  credentials: Physiotherapist\n"
                     "  roles: [clinical-reviewer]\n  about: Reviews this guide.\n"
                     "  sources: [nhs-back-pain]\n")
    plank = content / "exercises/plank.md"
    plank.write_text(plank.read_text().replace(
        "  status: awaiting-review\n",
        "  status: reviewed\n  reviewer: dr-reviewer\n  reviewed_on: 2026-11-20\n"))
    return content


def test_json_ld_claims_a_review_only_when_one_is_recorded(copy_site, tmp_path):
    out = tmp_path / "site"
    build_into(reviewed_site(copy_site), out, base_url=BASE_URL)
    plank, = head(out, "exercises/plank.html").json_ld
    assert plank["lastReviewed"] == "2026-11-20"
    assert plank["reviewedBy"] == {"@type": "Person", "name": "Dr Rita Reviewer",
                                   "url": BASE_URL + "people/dr-reviewer.html"}
    other, = head(out, "pain-types/muscle-related.html").json_ld
    assert "lastReviewed" not in other and "reviewedBy" not in other
    page = (out / "exercises/plank.html").read_text()
    assert "Reviewed by <a" in page and "Dr Rita Reviewer" in page


def test_json_ld_cannot_break_out_of_its_script_element():
    from guidekit.structured_data import script_json
    text = script_json({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--"}


def feed_of(site: Path) -> ET.Element:
    return ET.fromstring((site / "feed.xml").read_bytes())


def test_atom_feed_lists_each_page_change(minimal):
    feed = feed_of(minimal["published"])
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 6  # home, about, the article, pain type, exercise and checker
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        assert entry.find(f"{ATOM}updated").text == "2026-11-25T00:00:00Z"
        assert entry.find(f"{ATOM}summary").text
        assert entry.find(f"{ATOM}link").get("href").startswith(BASE_URL)
    assert feed.find(f"{ATOM}updated").text == "2026-11-25T00:00:00Z"
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "The test team"
    self_link = [l.get("href") for l in feed.findall(f"{ATOM}link") if l.get("rel") == "self"]
    assert self_link == [BASE_URL + "feed.xml"]
    # Without a base URL the links are relative to the feed, at the site root.
    plain = feed_of(minimal["plain"])
    links = {e.find(f"{ATOM}title").text: e.find(f"{ATOM}link").get("href")
             for e in plain.findall(f"{ATOM}entry")}
    assert links["Plank"] == "exercises/plank.html"
    assert all((minimal["plain"] / href).is_file() for href in links.values())


def test_feed_is_newest_first_dated_by_the_newest_change_and_stable(copy_site, tmp_path):
    content = copy_site("minimal")
    plank = content / "exercises/plank.md"
    plank.write_text(plank.read_text().replace("updated: 2026-11-25", "updated: 2026-12-01")
                     .replace("change_note: First version.", "change_note: Shorter holds."))
    build_into(content, tmp_path / "a")
    feed = feed_of(tmp_path / "a")
    first = feed.find(f"{ATOM}entry")
    assert first.find(f"{ATOM}title").text == "Plank"
    assert first.find(f"{ATOM}summary").text == "Shorter holds."
    assert feed.find(f"{ATOM}updated").text == "2026-12-01T00:00:00Z"
    build_into(content, tmp_path / "b")
    assert (tmp_path / "a/feed.xml").read_bytes() == (tmp_path / "b/feed.xml").read_bytes()


def test_sitemap_lists_every_page_once_base_url_is_known(minimal):
    assert not (minimal["plain"] / "sitemap.xml").exists()
    urlset = ET.fromstring((minimal["published"] / "sitemap.xml").read_bytes())
    urls = {u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod")
            for u in urlset.findall(f"{SITEMAP}url")}
    pages = [n for n in html_pages(minimal["published"]) if n != "404.html"]
    assert set(urls) == {BASE_URL + name for name in pages}
    assert urls[BASE_URL + "exercises/plank.html"].text == "2026-11-25"
    assert urls[BASE_URL + "exercises/index.html"] is None


def test_robots_txt(minimal):
    assert (minimal["plain"] / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"
    assert (minimal["published"] / "robots.txt").read_text() == (
        f"User-agent: *\nAllow: /\n\nSitemap: {BASE_URL}sitemap.xml\n")


def test_404_page_links_from_the_site_root(minimal):
    plain = (minimal["plain"] / "404.html").read_text()
    assert 'href="/static/style.css"' in plain and 'href="/index.html"' in plain
    published = (minimal["published"] / "404.html").read_text()
    assert 'href="/guide/static/style.css"' in published
    assert 'href="/guide/articles/warning-signs.html"' in published
    assert '<meta name="robots" content="noindex">' in published
    assert "Page not found" in head(minimal["published"], "404.html").title


def test_base_url_is_checked_on_the_command_line(tmp_path):
    from test_build import run_cli
    bad = run_cli("--content", str(SITES / "minimal"), "--out", str(tmp_path / "out"),
                  "--base-url", "example.org/guide")
    assert bad.returncode == 2
    assert "argument --base-url: 'example.org/guide': give the full address where the site " \
           "will live, e.g. https://example.org/guide/" in bad.stderr
    ok = run_cli("--content", str(SITES / "minimal"), "--out", str(tmp_path / "out"),
                 "--base-url", "https://example.org/guide")
    assert ok.returncode == 0, ok.stderr
    pages = len(html_pages(tmp_path / "out")) - 1  # all but 404.html
    assert (tmp_path / "out/sitemap.xml").read_text().count("<loc>https://example.org/guide/") \
        == pages


def test_every_guide_page_shows_review_sources_and_the_clinician_notice(guide_site):
    for name in html_pages(guide_site):
        html = " ".join((guide_site / name).read_text().split())
        assert "does not replace a doctor, nurse or physiotherapist" in html, name
        if head(guide_site, name).json_ld:  # every guide page (not lists, people, 404)
            assert 'id="sources"' in html and 'id="review"' in html, name
            assert "Next review due:" in html, name
            assert ("Not yet reviewed by a clinician." in html) != ("Reviewed by" in html), name
            assert "Last updated" in html, name


def test_warning_signs_stand_out(guide_site):
    html = (guide_site / "pain-types/muscle-related.html").read_text()
    assert 'class="callout danger" id="warning-signs"' in html
    css = (guide_site / "static/style.css").read_text()
    assert ".callout.danger" in css and "--danger-bg" in css


def test_a_cached_rebuild_follows_a_new_base_url(tmp_path):
    """The render memo must not hand a page built for one address to a build for another
    (404.html's links and every canonical URL depend on it)."""
    from guidekit import pipeline
    from conftest import FIXED_DAY
    paths = pipeline.Paths(content=SITES / "minimal", templates=ROOT / "templates",
                           out=tmp_path / "site", cache=tmp_path / "cache")
    memo = pipeline.open_memo(paths)
    pipeline.build(paths, today=FIXED_DAY, memo=memo)
    pipeline.save_memo(paths, memo)
    assert 'href="/static/style.css"' in (tmp_path / "site/404.html").read_text()
    memo = pipeline.open_memo(paths)
    pipeline.build(paths, today=FIXED_DAY, memo=memo, base_url=BASE_URL)
    assert 'href="/guide/static/style.css"' in (tmp_path / "site/404.html").read_text()
    assert head(tmp_path / "site", "exercises/plank.html").links["canonical"] == \
        BASE_URL + "exercises/plank.html"
