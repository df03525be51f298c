"""Every built page is valid HTML: html-validate (html-validate:recommended, see
.htmlvalidate.json) over the real guide and the example site, with and without a base URL.

One exception in .htmlvalidate.json: a `call-now` link ("Call 999 (or your local emergency
number) now") is a sentence that must wrap on a phone, so tel-non-breaking, which wants a
telephone link's text kept on one line, does not apply to it."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import BASE_URL, ROOT, SITES, build_into

VALIDATOR = ROOT / "tests" / "node" / "node_modules" / ".bin" / "html-validate"


def validate(paths: list[Path], tmp_path: Path) -> list[str]:
    """'file:line:col: message (rule)' for every error html-validate finds."""
    if not VALIDATOR.exists():
        pytest.fail("html-validate is not installed: run `npm ci --prefix tests/node` "
                    "(scripts/test.sh does)")
    # The report goes to a file: node may exit before a long report piped to stdout is out.
    report = tmp_path / "html-validate.json"
    result = subprocess.run([str(VALIDATOR), "--config", str(ROOT / ".htmlvalidate.json"),
                             "--formatter", f"json={report}", *map(str, paths)],
                            capture_output=True, text=True, cwd=ROOT)
    if result.returncode not in (0, 1) or not report.exists():
        pytest.fail(f"html-validate failed to run: {result.stderr}")
    return [f"{found['filePath']}:{m['line']}:{m['column']}: {m['message']} ({m['ruleId']})"
            for found in json.loads(report.read_text()) for m in found["messages"]]


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert len(found) > 10
    return found


def test_the_validator_reports_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><title>x</title></head>"
                    "<body><p><div>block in a paragraph</div></p></body></html>")
    errors = validate([page], tmp_path)
    assert any("lang" in e for e in errors) and any("no-implicit-close" in e for e in errors)


def test_every_page_of_the_guide_is_valid(guide_site, tmp_path):
    assert validate(pages(guide_site), tmp_path) == []


def test_every_page_is_valid_when_published_at_a_base_url(guide_site_published, tmp_path):
    assert validate(pages(guide_site_published), tmp_path) == []


def test_every_page_of_the_example_site_is_valid(tmp_path):
    build_into(SITES / "minimal", tmp_path / "plain")
    build_into(SITES / "minimal", tmp_path / "published", base_url=BASE_URL)
    assert validate(pages(tmp_path / "plain") + pages(tmp_path / "published"), tmp_path) == []
