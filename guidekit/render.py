"""Stage 4, render: the site graph -> HTML files, through Jinja templates.

Each page kind gets an explicit, read-only context built here; templates see nothing else.
Jinja runs with autoescape and StrictUndefined, so a misspelt variable fails the build.
Pure: templates come in as a {name: source} mapping and pages go out one by one as bytes.
"""
from __future__ import annotations

import copyreg
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, partial
from types import MappingProxyType
from typing import Callable, Iterator, Mapping, TypeVar
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import schema
from .cache import Memo, value_bytes
from .checker_pages import TREE_SCRIPT, checker_contexts, tree_script
from .feeds import FEED
from .graph import CHECKER_KEY, PageKey, SiteGraph
from .markdown_result import LINK_KINDS, MarkdownResult
from .structured_data import medical_web_page, script_json
from .urls import BUILTIN_PAGES, absolute, page_path, relative, target_path, up_to_root

T = TypeVar("T")

_INTERNAL_HREF = re.compile(rf'href="({"|".join(LINK_KINDS)}):([^"#]*)(?:#([^"]*))?"')
KIND_LABELS = {"article": "Article", "pain-type": "Pain type", "exercise": "Exercise",
               "person": "Person", "page": "Page"}
EVIDENCE_LABELS = {
    "guideline-supported": "Supported by clinical guidelines",
    "some-evidence": "Some research evidence",
    "low-evidence": "Little research evidence",
    "expert-opinion": "Expert opinion only",
}
SOURCE_KIND_LABELS = {"guideline": "Clinical guideline", "systematic-review": "Systematic review",
                      "study": "Research study", "article": "Article", "web-page": "Web page"}
# The page kinds with a template of their own; the index pages share one.
_TEMPLATES = {"article": "article.html", "pain-type": "pain_type.html",
              "exercise": "exercise.html", "person": "person.html"}
# Search engines cut titles longer than this; longer page titles drop the site name.
MAX_TITLE = 70
NOT_FOUND = "404.html"
CITATION = "partials/citation.html"
_INDEX_PAGES = {"articles": ("article", "Articles", "articles"),
                "pain-types": ("pain-type", "Types of back pain", "pain_types"),
                "exercises": ("exercise", "Exercises", "exercises"),
                "people": ("person", "People", "people")}


@cache  # strftime takes 4 us, and the same few dates come back on every page
def human_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def full_stop(text: str) -> str:
    """End a phrase with one full stop: `et al.` and `M.D.` keep theirs."""
    return text if text.endswith((".", "?", "!")) else text + "."


def escaped(value) -> str:
    """What markupsafe.escape(value) gives (same escapes, same order), but not made Markup."""
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return value.__html__()
        value = str(value)
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's, but a template's output `{{ value }}` is escaped by `escaped`, not by
    markupsafe.escape: a page is joined into one string anyway, and the Markup object that
    escape() makes of each of a page's ~80 values took a quarter of the rendering time. Where
    Jinja would not call escape() (autoescape toggled inside a template, a finalize function),
    it is left alone; if Jinja stops calling this hook, output is the same, only slower."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write("environment.escaped(")
        else:
            super()._output_child_pre(node, frame, finalize)


class _Environment(jinja2.Environment):
    code_generator_class = _CodeGenerator
    escaped = staticmethod(escaped)


class _MemoBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in the build memo, all under one key that stands for the whole
    template set, so that even a build that renders no page keeps them for the next one.
    Compiling the site's templates takes about 30 ms; loading them back, 0.2 ms. Jinja checks
    that each was compiled by this Python, in its own bytecode format."""

    def __init__(self, memo: Memo, template_set: bytes):
        self.memo = memo
        # Jinja's version is in every memo key (see pipeline.generator_fingerprint).
        self.key = memo.key("template-code", template_set)
        self.code: dict[str, bytes] = dict(memo.get(self.key)) if self.key in memo else {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()
        self.memo.put(self.key, dict(self.code))


def make_environment(templates: Mapping[str, str],
                     bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    # The templates do not change during a build and are few: Jinja need not compare a
    # template's source again (auto_reload) nor keep its cache in least-recently-used order
    # (cache_size=-1) every time a page extends or includes one.
    env = _Environment(loader=jinja2.DictLoader(dict(templates)), autoescape=True,
                       undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True, auto_reload=False, cache_size=-1,
                       bytecode_cache=bytecode_cache)
    env.filters["human_date"] = human_date
    env.filters["full_stop"] = full_stop
    env.globals.update(EVIDENCE_LABELS=EVIDENCE_LABELS, SOURCE_KIND_LABELS=SOURCE_KIND_LABELS,
                       KIND_LABELS=KIND_LABELS)
    return env


def resolve_links(html: str, from_path: str) -> str:
    """Rewrite `kind:slug#anchor` hrefs (left by the Markdown stage) to relative URLs."""
    def replace(match: re.Match) -> str:
        kind, slug, anchor = match.groups()
        if kind == "source":
            anchor = slug
        return f'href="{relative(from_path, target_path(kind, slug), anchor or "")}"'
    return _INTERNAL_HREF.sub(replace, html)


class _Linker:
    """URL helpers bound to the page being rendered: relative links, or, for a page served at
    any depth (404.html), links from the site's root path."""

    def __init__(self, from_path: str, root: str | None = None):
        self.from_path = from_path
        self.root = root
        # A link to another page is this, then that page's path: pages with the same start
        # show the same links (see _Build).
        self.start = root if root is not None else up_to_root(from_path)

    def file(self, path: str, anchor: str = "") -> str:
        if self.root is not None:
            return self.root + path + (f"#{anchor}" if anchor else "")
        return relative(self.from_path, path, anchor)

    def url(self, kind: str, slug: str, anchor: str = "") -> str:
        if kind == "source":
            return self.file(target_path(kind, slug), slug)
        return self.file(page_path(kind, slug), anchor)

    def asset(self, name: str) -> str:
        return self.file(f"static/{name}")


@dataclass(frozen=True)
class PageLink:
    """A ready-made link to another page, for templates."""
    href: str
    title: str
    kind: str
    summary: str

    def __reduce__(self):
        # Pickled (for page keys, a dozen links a page) as a tuple: 30% faster than as a dict.
        return PageLink, (self.href, self.title, self.kind, self.summary)


def _title(entity) -> str:
    return entity.name if isinstance(entity, schema.Person) else entity.title


def _grouped(links: list[PageLink]) -> dict[str, list[PageLink]]:
    groups: dict[str, list[PageLink]] = {}
    for link in links:
        if link.kind != "page":
            groups.setdefault(link.kind, []).append(link)
    return groups


# The main navigation: (page slug, label).
_NAV = (("home", "Home"), ("pain-types", "Pain types"), ("exercises", "Exercises"),
        ("articles", "Articles"), ("checker", "Symptom checker"), ("about", "About"))


class _Build:
    """What page contexts are made from: the site graph, its public address (or None), and
    what pages share. A page's links to other pages, and the links in its header, depend only
    on how its links start (its folder), so each is made once per start and shared."""

    def __init__(self, graph: SiteGraph, base_url: str | None):
        self.graph = graph
        self.base_url = base_url
        self._links: dict[tuple[str, PageKey], PageLink] = {}
        self._headers: dict[str, dict] = {}
        # Each page's key as the graph holds it. A link made once is shared by every page
        # that shows it, so it must not hold the kind string of whichever caller came first:
        # page keys are digests of pickles, which show which strings are the same object.
        self._keys = {key: key for key in graph.pages}

    def links(self, linker: _Linker, keys) -> list[PageLink]:
        return [self._link(linker, key) for key in keys]

    def _link(self, linker: _Linker, key: PageKey) -> PageLink:
        link = self._links.get((linker.start, key))
        if link is None:
            kind, slug = key = self._keys[key]
            entity = self.graph.pages[key]
            summary = entity.about if kind == "person" else entity.summary
            link = PageLink(linker.url(kind, slug), _title(entity), kind, summary)
            self._links[linker.start, key] = link
        return link

    def header(self, linker: _Linker) -> dict:
        """The links every page shows in its header and head: the main navigation (as
        (slug, label, href)), the warning signs page and the feed."""
        header = self._headers.get(linker.start)
        if header is None:
            header = {"nav": [(slug, label, linker.url("page", slug)) for slug, label in _NAV],
                      "help_url": linker.url("article",
                                             self.graph.content.site.warning_signs_page),
                      "feed_url": linker.file(FEED)}
            self._headers[linker.start] = header
        return header


def document_title(title: str, site_title: str, is_home: bool) -> str:
    """The <title>: the page's, then the site's name when that still fits in MAX_TITLE; a
    longer title (a checker question) is cut at a word, the page's heading still says it all."""
    full = f"{title} | {site_title}"
    if is_home:
        return site_title
    if len(full) <= MAX_TITLE or len(title) <= MAX_TITLE:
        return full if len(full) <= MAX_TITLE else title
    return title[:MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _addressed(build: _Build, key: PageKey, path: str, title: str,
               base_url: str | None) -> dict:
    """The context entries that follow from a page's own address and title."""
    return {"path": path, "title": title,
            "document_title": document_title(title, build.graph.content.site.title,
                                             key == ("page", "home")),
            "canonical": absolute(base_url, path) if base_url else None}


def _common(build: _Build, key: PageKey, linker: _Linker, title: str, description: str,
            base_url: str | None) -> dict:
    header = build.header(linker)
    return {
        "site": build.graph.content.site, "key": key,
        **_addressed(build, key, linker.from_path, title, base_url),
        "description": description, "url": linker.url, "asset": linker.asset,
        "feed_url": header["feed_url"], "json_ld": None,
        "nav": [(label, href, key == ("page", slug)) for slug, label, href in header["nav"]],
        "help_url": header["help_url"],
    }


def _json_ld(build: _Build, entity: schema.PageMeta, citations: list[schema.Source],
             path: str) -> Markup:
    reviewer, base_url = entity.review.reviewer, build.base_url
    data = medical_web_page(
        entity, build.graph.content.site, citations,
        build.graph.content.people.get(reviewer) if reviewer else None,
        absolute(base_url, path) if base_url else None,
        absolute(base_url, page_path("person", reviewer)) if base_url and reviewer else None)
    return Markup(script_json(data))


def _page_context(build: _Build, key: PageKey) -> dict:
    kind, slug = key
    graph = build.graph
    entity = graph.pages[key]
    path = page_path(kind, slug)
    linker = _Linker(path)
    is_person = kind == "person"
    context = _common(build, key, linker, _title(entity),
                      entity.about if is_person else entity.summary, build.base_url)
    body = graph.bodies.get(key)
    citations = [graph.content.sources[s] for s in graph.citations.get(key, ())]
    context.update(
        page=entity,
        body=Markup(resolve_links(body.html, path)) if body else Markup(""),
        citations=citations,
        linked_from=_grouped(build.links(linker, graph.links_in.get(key, ()))),
        experts=build.links(linker, (("person", p) for p in getattr(entity, "experts", ()))),
        pain_types=build.links(linker, (("pain-type", p)
                                        for p in getattr(entity, "pain_types", ()))),
        exercises=build.links(linker, (("exercise", p)
                                       for p in getattr(entity, "exercises", ()))),
    )
    if not is_person:
        review = entity.review
        context["reviewer"] = (build.links(linker, [("person", review.reviewer)])[0]
                               if review.reviewer else None)
        context["related"] = build.links(linker, (("article", s) for s in entity.related))
        context["json_ld"] = _json_ld(build, entity, citations, path)
    return context


@dataclass(frozen=True)
class ReviewRow:
    page: PageLink
    review: schema.Review
    reviewer: str


def _review_table(build: _Build, linker: _Linker) -> list[ReviewRow]:
    """Every page's review status for the about page: overdue and unreviewed first."""
    people = build.graph.content.people
    rows = []
    for key, entity in build.graph.pages.items():
        if key[0] == "person":
            continue
        review = entity.review
        reviewer = people[review.reviewer].name if review.reviewer else ""
        rows.append(ReviewRow(build.links(linker, [key])[0], review, reviewer))
    return sorted(rows, key=lambda r: (r.review.status == "reviewed", r.review.next_review,
                                       r.page.title))


def _index_context(build: _Build, slug: str) -> dict:
    kind, title, attr = _INDEX_PAGES[slug]
    linker = _Linker(BUILTIN_PAGES[slug])
    intro = {"articles": "Everything the guide explains, one topic per page.",
             "pain-types": "Ways to describe what your back pain feels like. They help you "
                           "talk about it; they are not a diagnosis.",
             "exercises": "Exercises for a stronger, less painful back, each with steps, "
                          "how much to do and when to stop.",
             "people": "The people this guide quotes or cites, and their role."}[slug]
    context = _common(build, ("page", slug), linker, title, intro, build.base_url)
    keys = ((kind, s) for s in getattr(build.graph.content, attr))
    context.update(entries=build.links(linker, keys), intro=intro)
    return context


def _sources_context(build: _Build) -> dict:
    linker = _Linker(BUILTIN_PAGES["sources"])
    context = _common(build, ("page", "sources"), linker, "Sources",
                      "Every source this guide cites, with the pages that cite it.",
                      build.base_url)
    graph = build.graph
    context.update(sources=list(graph.content.sources.values()),
                   cited_by={s: build.links(linker, keys) for s, keys in graph.cited_by.items()})
    return context


def _not_found_context(build: _Build) -> dict:
    """The 404 page is served in place of any missing address, at any depth, so its links
    start from the site's root path: the base URL's path, or the host's root without one."""
    root = urlsplit(build.base_url).path if build.base_url else "/"
    return _common(build, ("page", "404"),
                   _Linker(NOT_FOUND, root if root.endswith("/") else root + "/"),
                   "Page not found", "There is no page at this address.", None)


def _checker_pages(build: _Build) -> dict[str, tuple[str, Mapping]]:
    """The checker's index and step pages: each step page has its own title and address."""
    graph = build.graph
    entity = graph.pages[CHECKER_KEY]
    pages = {}
    for path, context in checker_contexts(graph, _page_context(build, CHECKER_KEY)).items():
        context.update(_addressed(build, CHECKER_KEY, path, context["title"], build.base_url),
                       json_ld=_json_ld(build, entity, context["citations"], path))
        if not context["is_index"]:
            context["description"] = _step_description(context["step"])
        pages[path] = ("checker.html", MappingProxyType(context))
    return pages


def _step_description(step: Mapping) -> str:
    """A checker step page's description: the question and its help, or the outcome, its
    first piece of advice and the pages it suggests (outcomes may share their advice)."""
    if "text" in step:
        return " ".join(filter(None, (step["text"], step["help"])))
    read_next = ", ".join(link["title"] for link in step["links"])
    return " ".join((full_stop(step["title"]), *step["advice"][:1],
                     f"Read next: {read_next}." if read_next else ""))


def _search_context(build: _Build) -> dict:
    """The search page: its filters, and links to browse when JavaScript is off."""
    linker, content = _Linker(BUILTIN_PAGES["search"]), build.graph.content
    context = _common(build, ("page", "search"), linker, "Search",
                      "Search the guide in your own words.", build.base_url)
    context.update(
        kinds=[(kind, title) for kind, title, _ in _INDEX_PAGES.values() if kind != "person"],
        pain_filter=[(slug, pain.title) for slug, pain in content.pain_types.items()],
        pain_types=build.links(linker, (("pain-type", s) for s in content.pain_types)),
        exercises=build.links(linker, (("exercise", s) for s in content.exercises)))
    return context


# The pages every site has besides its content's and the index pages: (path, template, context).
_OTHER_PAGES = ((BUILTIN_PAGES["sources"], "sources.html", _sources_context),
                (NOT_FOUND, NOT_FOUND, _not_found_context),
                (BUILTIN_PAGES["search"], "search.html", _search_context))


def page_count(graph: SiteGraph) -> int:
    """How many pages page_contexts numbers for `share` (the checker's count as one)."""
    return len(graph.pages) + len(_INDEX_PAGES) + len(_OTHER_PAGES)


def page_contexts(graph: SiteGraph, base_url: str | None = None,
                  share: Callable[[int], bool] = lambda n: True
                  ) -> Iterator[tuple[str, str, str, Callable[[], Mapping]]]:
    """(output path, template name, the page's own rendered body ('' if none), its read-only
    context) for every page of the site. Contexts are made when called for, once, and one
    page at a time: a page's context holds its whole body, so all of them at once would hold
    the site twice. Only the pages whose number passes `share` (the symptom checker's pages
    count as one), so that processes can share the pages out."""
    build = _Build(graph, base_url)

    def entity(key: PageKey):
        if key == CHECKER_KEY:
            for path, (template, context) in _checker_pages(build).items():
                yield path, template, _body(graph, key), lambda c=context: c
            return
        kind, slug = key
        template = _TEMPLATES.get(kind) or f"{slug}.html"  # home.html, about.html
        yield page_path(kind, slug), template, _body(graph, key), \
            _once(partial(_entity_context, build, key))

    def one(path: str, template: str, make: Callable[..., dict], *args):
        return lambda: [(path, template, "",
                         _once(lambda: MappingProxyType(make(build, *args))))]
    makers = [partial(entity, key) for key in graph.pages]
    makers += [one(BUILTIN_PAGES[slug], "list.html", _index_context, slug)
               for slug in _INDEX_PAGES]
    makers += [one(path, template, make) for path, template, make in _OTHER_PAGES]
    for n, make in enumerate(makers):
        if share(n):
            yield from make()


def _once(make: Callable[[], T]) -> Callable[[], T]:
    """make(), worked out on the first call only: one per page, and functools.cache took
    ten times as long to set up."""
    made: list[T] = []

    def once() -> T:
        if not made:
            made.append(make())
        return made[0]
    return once


def _body(graph: SiteGraph, key: PageKey) -> str:
    body = graph.bodies.get(key)
    return body.html if body else ""


def _entity_context(build: _Build, key: PageKey) -> Mapping:
    context = _page_context(build, key)
    if key == ("page", "about"):
        context["review_table"] = _review_table(build, _Linker(BUILTIN_PAGES["about"]))
    return MappingProxyType(context)


@cache
def _leaving_out_bodies() -> dict:
    """A pickler dispatch table (see value_bytes) that writes each entity with a Markdown body
    as if the body were empty."""
    table = dict(copyreg.dispatch_table)
    for cls in vars(schema).values():
        if dataclasses.is_dataclass(cls) and "body" in getattr(cls, "__dataclass_fields__"):
            table[cls] = lambda entity: (type(entity), (), {**vars(entity), "body": ""})
    return table


def shape_of_file(checked) -> bytes:
    """Bytes standing for what of a validated file (see validate.validate_file) the site's
    shape depends on: all of it but the Markdown body.

    The site's shape is everything in the graph that pages show except their bodies: the
    content with each entity's Markdown left out, the links between pages and their
    citations, the day and the symptom checker. The graph makes all of it from the
    validated files and the pages each body links to (build_graph), so the shape is keyed by
    those, each file's part kept with the file's memo entry: working the shape out from the
    graph cost 12 ms of a 0.3 s rebuild. A page shows no body but its own, so two builds
    with the same shape make the same page from the same own body (see render_pages).
    Headings and sections of bodies are left out too: pages show none of another page's (a
    link to a missing heading fails the build)."""
    return value_bytes(checked, _leaving_out_bodies())


def shape_of_bodies(bodies: Mapping[PageKey, MarkdownResult]) -> bytes:
    """Bytes standing for what of the pages' bodies the site's shape depends on (see
    shape_of_file): the pages each links to."""
    return value_bytes([(page, [(link.kind, link.slug) for link in body.links])
                        for page, body in bodies.items()])


@dataclass(frozen=True)
class PageJob:
    """One page to make (see render_pages)."""
    path: str
    quick_key: bytes | None         # from the site's shape and the page's own body
    key: Callable[[], bytes | None]  # from all the page shows: works its context out
    render: Callable[[], bytes]


class Templates:
    """The site's templates ({name: source}), every one compiled now, or loaded from the
    memo (see _MemoBytecode): made before a build forks, both processes share the compiled
    code. `key` stands for the whole set in page keys (b"" without a memo). Templates call
    citation(source) for a source's citation, made once per source."""

    def __init__(self, sources: Mapping[str, str], memo: Memo | None = None):
        self.key = b"" if memo is None else memo.key(
            "templates", *(part for name in sorted(sources) for part in (name, sources[name])))
        self.env = make_environment(sources, None if memo is None else
                                    _MemoBytecode(memo, self.key))
        self.env.globals["citation"] = self._citation
        self._citations: dict[schema.Source, Markup] = {}
        for name in sources:
            self.env.get_template(name)

    def _citation(self, source: schema.Source) -> Markup:
        """partials/citation.html for one source: the same on every page that cites it (an
        include would render it again each time, in a context of its own)."""
        made = self._citations.get(source)
        if made is None:
            made = Markup(self.env.get_template(CITATION).render(source=source))
            self._citations[source] = made
        return made


def render_pages(graph: SiteGraph, templates: Templates | Mapping[str, str],
                 memo: Memo | None = None, base_url: str | None = None,
                 share: Callable[[int], bool] = lambda n: True, shape: bytes = b""
                 ) -> Iterator[PageJob]:
    """Every page (in `share`, see page_contexts), one at a time, as a PageJob. `templates`
    are compiled here when given as sources. With a memo a page has two keys, both standing
    for its templates, its address and the base URL (the url and asset helpers depend on
    nothing else), and:
    - `key()` for its context: all a page shows, but its body (the page's own Markdown,
      which the context holds in `page`, rendered, with links resolved from the path; left
      out, a third of the bytes to key). Working it out costs the context.
    - `quick_key` for the site's `shape` (a key from shape_of_file and shape_of_bodies) and
      the page's own rendered body.
      When no page but this one changed, or none, it finds the page at once; when anything
      else a page shows changed, `key()` still finds the pages that show none of it.
    Without a memo both keys are None."""
    if not isinstance(templates, Templates):
        templates = Templates(templates, memo)
    quick_key = None if memo is None else \
        memo.keys("page-quick", templates.key, base_url or "", shape)
    for path, name, body, context in page_contexts(graph, base_url, share):
        if memo is None:
            quick, key = None, _no_key
        else:
            head = (templates.key, base_url or "", path, name)
            quick = quick_key(path, name, body)
            key = partial(_context_key, memo, head, context)
        yield PageJob(path, quick, key, partial(_render, templates.env, name, context))


def _no_key() -> None:
    return None


def _context_key(memo: Memo, head: tuple[bytes | str, ...],
                 context: Callable[[], Mapping]) -> bytes:
    shown = value_bytes({k: v for k, v in context().items() if not callable(v) and k != "body"})
    return memo.key("page", *head, shown)


def _render(env: jinja2.Environment, name: str, context: Callable[[], Mapping]) -> bytes:
    return env.get_template(name).render(context()).encode("utf-8")


def render_data(graph: SiteGraph) -> dict[str, bytes]:
    """Data files the site's scripts read: the symptom checker's compiled tree."""
    return {TREE_SCRIPT: tree_script(graph)}
