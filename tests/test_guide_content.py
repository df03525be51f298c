"""The published guide itself: none of the source page's scraped noise, no sentence copied
from it, a source and a plain reading grade on every page, every source cited."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from guidekit import readability

from conftest import ROOT, build_into

SEED = ROOT.parent / "shared" / "seed" / "000_6502458133879a0e.txt"
# Headline links, section labels, the timestamp, the headshot caption and the biography block
# that the scraped source page mixes into its sentences.
NOISE = ("Why Am I Always Burping", "How to Master the 5k", "London Marathon Results",
         "Updated: Apr", "12:00 PM EDT", "Headshot of", "Medically reviewed by",
         "Nutrition - Weight Loss", "Health - Injuries", "Health and Wellness",
         "Can I Still Train for My Marathon", "During IVF", "Thoracic Mobility Moves",
         "Bodyweight Back Exercises", "Rolling out your", "Sports Medicine Director & Medical",
         "Broad Street Run", "Tri-Rock", "Rock 'n' Roll", "tenotomy", "platelet-rich",
         "Transitional Year", "Tucson", "Veterans Administration", "Team Physician",
         "human comma", "lost of sensation")
COPY_RUN = 8  # this many words in a row, as in the source, is copying


class _Text(HTMLParser):
    """The text a reader sees in <main>."""

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "main"

    def handle_endtag(self, tag):
        self.depth -= tag == "main"

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def main_text(page: Path) -> str:
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    out = tmp_path_factory.mktemp("guide-content") / "site"
    report = build_into(ROOT / "content", out)
    pages = {p.relative_to(out).as_posix(): main_text(p) for p in sorted(out.rglob("*.html"))
             if p.name != "404.html"}
    return report, pages, out


def test_no_scraped_noise_anywhere(guide):
    _, _, out = guide
    found = [f"{p.relative_to(out)}: {fragment}" for p in out.rglob("*")
             if p.is_file() and p.suffix in (".html", ".js", ".xml", ".txt")
             for fragment in NOISE if fragment.lower() in p.read_text("utf-8").lower()]
    assert found == []


@pytest.mark.skipif(not SEED.exists(), reason="the source article is in ../shared/seed")
def test_no_run_of_words_copied_from_the_source(guide):
    _, pages, _ = guide
    seed = _words(SEED.read_text(encoding="utf-8"))
    runs = {" ".join(seed[i:i + COPY_RUN]) for i in range(len(seed) - COPY_RUN)}
    copied = []
    for path, text in pages.items():
        if path.startswith("people/"):
            continue  # credentials are quoted exactly as the source states them, on purpose
        words = _words(text)
        copied += [f"{path}: {' '.join(words[i:i + COPY_RUN])}"
                   for i in range(len(words) - COPY_RUN)
                   if " ".join(words[i:i + COPY_RUN]) in runs]
    assert copied == []


# Pages that only lead to others (lists, search, the sources list itself, the 404 page).
NAVIGATION = {"404.html", "search.html", "sources.html", "articles/index.html",
              "pain-types/index.html", "exercises/index.html", "people/index.html"}


def test_every_page_cites_a_source(guide):
    _, _, out = guide
    pages = [p.relative_to(out).as_posix() for p in out.rglob("*.html")]
    assert len(pages) > 50
    missing = [p for p in pages if p not in NAVIGATION
               and not re.search(r'id="sources".*?<li>', (out / p).read_text("utf-8"), re.S)]
    assert missing == []


def test_every_source_is_cited_and_every_page_reads_at_grade_8_or_below(guide):
    report, _, _ = guide
    assert not [str(w) for w in report.warnings if "no page cites this source" in w.message]
    assert report.reading_grades, "the build reports a reading grade per page"
    too_hard = {f"{kind}:{slug}": grade for (kind, slug), grade in report.reading_grades.items()
                if grade > readability.GRADE_LIMIT}
    assert too_hard == {}
    assert not [str(w) for w in report.warnings if w.field == readability.FIELD]


def test_every_page_says_it_awaits_clinical_review(guide):
    _, pages, _ = guide
    guide_pages = [p for p in pages if p.split("/")[0] in ("articles", "pain-types",
                                                            "exercises")
                   and not p.endswith("index.html")] + ["index.html", "about.html"]
    assert [p for p in guide_pages if "Not yet reviewed by a clinician" not in pages[p]] == []
    # The source article's reviewer is never shown as a reviewer of this guide.
    assert not [p for p, text in pages.items() if re.search(r"Reviewed by [^.]*Vasudevan", text)]
