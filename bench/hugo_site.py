"""The same synthetic Markdown pages as a minimal Hugo site, so the build benchmark can report
our build time as a ratio of Hugo's on the same machine and run (Hugo is benchmark-only:
Debian package `hugo`)."""
from __future__ import annotations

import shutil
from pathlib import Path

LAYOUTS = {
    "_default/baseof.html": "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head>"
                            "<body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "_default/single.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}"
                            "{{ end }}\n",
    "_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}"
                          "<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>"
                          "{{ end }}</ul>{{ end }}\n",
}
CONFIG = ('baseURL = "/"\ntitle = "Synthetic guide"\n'
          'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
          '[markup.goldmark.renderer]\nunsafe = false\n')


def write_hugo_site(content: Path, folder: Path) -> Path:
    """A Hugo project whose pages are the Markdown files of our content folder."""
    if folder.exists():
        shutil.rmtree(folder)
    for page in sorted(content.glob("*/*.md")):
        # Same body; only the title kept from our front matter (Hugo reads keys such as
        # `aliases` its own way).
        _, front, body = page.read_text().split("---\n", 2)
        title = next(line for line in front.splitlines() if line.startswith("title:"))
        target = folder / "content" / page.parent.name / page.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{title}\n---\n{body}")
    for name, text in LAYOUTS.items():
        (folder / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "layouts" / name).write_text(text)
    (folder / "config.toml").write_text(CONFIG)
    return folder
