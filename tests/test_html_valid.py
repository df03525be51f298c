"""Every built page is valid HTML: html-validate (html-validate:recommended, see
.htmlvalidate.json) over the real guide and the example site, with and without a base URL."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import BASE_URL, ROOT, SITES, build_into

VALIDATOR = ROOT / "tests" / "node" / "node_modules" / ".bin" / "html-validate"


def validate(paths: list[Path]) -> list[str]:
    """'file:line:col: message (rule)' for every error html-validate finds."""
    if not VALIDATOR.exists():
        pytest.fail("html-validate is not installed: run `npm ci --prefix tests/node` "
                    "(scripts/test.sh does)")
    result = subprocess.run([str(VALIDATOR), "--config", str(ROOT / ".htmlvalidate.json"),
                             "--formatter", "json", *map(str, paths)],
                            capture_output=True, text=True, cwd=ROOT)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        pytest.fail(f"html-validate failed to run: {result.stderr}")
    return [f"{report['filePath']}:{m['line']}:{m['column']}: {m['message']} ({m['ruleId']})"
            for report in json.loads(result.stdout) for m in report["messages"]]


def pages(site: Path) -> list[Path]:
    found = sorted(site.rglob("*.html"))
    assert len(found) > 10
    return found


def test_the_validator_reports_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><head><title>x</title></head>"
                    "<body><p><div>block in a paragraph</div></p></body></html>")
    errors = validate([page])
    assert any("lang" in e for e in errors) and any("no-implicit-close" in e for e in errors)


def test_every_page_of_the_guide_is_valid(guide_site):
    assert validate(pages(guide_site)) == []


def test_every_page_is_valid_when_published_at_a_base_url(guide_site_published):
    assert validate(pages(guide_site_published)) == []


def test_every_page_of_the_example_site_is_valid(tmp_path):
    build_into(SITES / "minimal", tmp_path / "plain")
    build_into(SITES / "minimal", tmp_path / "published", base_url=BASE_URL)
    assert validate(pages(tmp_path / "plain") + pages(tmp_path / "published")) == []
