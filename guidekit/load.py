"""Stage 1, load: turn the bytes of each content file into a raw document (YAML data with line
numbers, plus the Markdown body). Pure: the pipeline reads the files and passes their bytes in.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

from .problems import Problem, error
from .yaml_values import LineMap, YamlError

# Where each kind of content lives, relative to the content folder.
PAGE_FOLDERS = {"articles": "article", "pain-types": "pain-type", "exercises": "exercise"}
SINGLE_FILES = {"home.md": "home", "about.md": "about", "site.yaml": "site",
                "people.yaml": "people", "sources.yaml": "sources", "checker.yaml": "checker",
                "search.yaml": "search"}
REQUIRED_FILES = ("site.yaml", "home.md", "about.md", "people.yaml", "sources.yaml",
                  "checker.yaml")
LAYOUT_HELP = ("content/ holds site.yaml, home.md, about.md, people.yaml, sources.yaml, "
               "checker.yaml, search.yaml and the folders articles/, pain-types/ and "
               "exercises/ (*.md files)")


@dataclass(frozen=True)
class RawDocument:
    """One content file as loaded, before validation."""

    path: str          # as shown to editors, e.g. content/exercises/plank.md
    kind: str          # article, pain-type, exercise, home, about, site, people, sources,
                       # checker, search
    slug: str          # file name without extension
    data: LineMap      # the YAML front matter (or the whole YAML file)
    body: str          # Markdown body ('' for YAML files)
    body_line: int     # file line on which the body starts


def classify(relpath: str) -> str | None:
    """The kind of content a file holds, from where it sits; None if it does not belong."""
    if relpath in SINGLE_FILES:
        return SINGLE_FILES[relpath]
    folder = relpath.split("/", 1)[0]
    if folder in PAGE_FOLDERS and relpath.endswith(".md") and "/" in relpath:
        return PAGE_FOLDERS[folder]
    return None


def page_key(relpath: str) -> tuple[str, str] | None:
    """(kind, slug) of the page a file under articles/, pain-types/ or exercises/ defines."""
    kind = classify(relpath)
    if kind in PAGE_FOLDERS.values():
        return kind, posixpath.splitext(posixpath.basename(relpath))[0]
    return None


def is_ignored(relpath: str) -> bool:
    """Hidden files and editor backups are never content."""
    name = posixpath.basename(relpath)
    return any(part.startswith(".") for part in relpath.split("/")) or name.endswith("~")


def missing_files(relpaths, display_root: str) -> list[Problem]:
    present = set(relpaths)
    return [error(f"{display_root}/{name}", 0, "file",
                  f"this required file is missing; create it ({LAYOUT_HELP})")
            for name in REQUIRED_FILES if name not in present]


def parse_file(relpath: str, raw: bytes, display_root: str = "content"):
    """Parse one content file. Returns (RawDocument or None, problems)."""
    path = f"{display_root}/{relpath}"
    kind = classify(relpath)
    if kind is None:
        return None, [error(path, 0, "file", f"this file is not part of the guide; move or "
                                             f"remove it ({LAYOUT_HELP})")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        return None, [error(path, line, "file", "this file is not UTF-8 text; save it as UTF-8 "
                                                "in your editor")]
    if "\r" in text:  # looking for one character is far quicker than for two
        text = text.replace("\r\n", "\n")
    if not text or text.isspace():  # not `strip()`, which would copy the whole file
        return None, [error(path, 1, "file", "the file is empty; add its content or delete it")]
    slug = posixpath.splitext(posixpath.basename(relpath))[0]
    if relpath.endswith(".md"):
        parts = split_front_matter(text, path)
        if isinstance(parts, Problem):
            return None, [parts]
        yaml_text, body, body_line = parts
        line_offset = 1
    else:
        yaml_text, body, body_line, line_offset = text, "", 1, 0
    from .yaml_lines import parse_yaml  # PyYAML: only where files are parsed (see yaml_values)
    try:
        data, duplicates = parse_yaml(yaml_text, line_offset)
    except YamlError as e:
        return None, [error(path, e.line, "yaml", e.message)]
    problems = [error(path, line, key, f"this key is written twice (first on line {first}); "
                                       "keep one")
                for line, key, first in duplicates]
    if not isinstance(data, LineMap):
        what = "front matter" if relpath.endswith(".md") else "file"
        return None, [error(path, line_offset + 1, "yaml",
                            f"the {what} must be a list of `key: value` lines")]
    return RawDocument(path, kind, slug, data, body, body_line), problems


def split_front_matter(text: str, path: str):
    """Split '---' front matter from the Markdown body: (yaml, body, body_line) or a Problem."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return error(path, 1, "front matter", "the file must start with a line `---`, then the "
                                              "page's keys (title, summary, ...), then `---`")
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    return error(path, 1, "front matter", "the front matter is not closed; add a line `---` "
                                          "after the last key")
