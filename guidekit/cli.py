"""The command line: `python build.py [build|check|serve|new|review|docs] [options]`. Thin:
it parses the arguments, starts what can start before the build's modules are loaded, and
hands over to commands.py, which does the work with the modules it calls."""
from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

from . import scaffold, urls, workers, write

COMMANDS = ("build", "check", "docs", "serve", "new", "review")
PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT / "docs" / "content-reference.md"


def _options() -> dict[str, argparse.ArgumentParser]:
    """Groups of options that several commands share."""
    content = argparse.ArgumentParser(add_help=False)
    content.add_argument("--content", type=Path, default=Path("content"),
                         help="the content folder (default: content)")
    cache = argparse.ArgumentParser(add_help=False)
    cache.add_argument("--cache", type=Path, default=Path(".cache"),
                       help="keep parsed pages here so rebuilds only redo what changed "
                            "(default: .cache)")
    cache.add_argument("--no-cache", dest="cache", action="store_const", const=None,
                       help="build everything from scratch, without reading or writing the cache")
    building = argparse.ArgumentParser(add_help=False)
    building.add_argument("--templates", type=Path, default=PROJECT / "templates",
                          help="the templates folder (default: the project's templates/)")
    building.add_argument("--strict", action="store_true",
                          help="treat warnings as errors: the gate before publishing")
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--out", type=Path, default=Path("site"),
                     help="the output folder (default: site)")
    building.add_argument("--jobs", "-j", type=int, default=workers.default_jobs(),
                          help="processes to share the work over (default: the number of "
                               "cores, here %(default)s); the output is the same for any number")
    timings = argparse.ArgumentParser(add_help=False)
    timings.add_argument("--timings", action="store_true",
                         help="print the time and peak memory of each stage")
    return {"content": content, "cache": cache, "building": building, "out": out,
            "timings": timings}


def _parser() -> argparse.ArgumentParser:
    o = _options()
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build the health guide in content/ into a static site.",
        epilog="With no command, `build` runs: `python build.py --strict` builds content/ into "
               "site/. Options of a command: `python build.py COMMAND --help`.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    build = commands.add_parser("build", help="validate and build the site (the default)",
                                parents=[o["content"], o["building"], o["out"], o["cache"],
                                         o["timings"]])
    build.add_argument("--base-url", type=_base_url, metavar="URL",
                       help="the address the site will be published at, e.g. "
                            "https://example.org/guide/: adds canonical links, Open Graph tags "
                            "and sitemap.xml, and makes 404.html work under that path")
    commands.add_parser("check", help="validate the content only",
                        parents=[o["content"], o["building"], o["cache"], o["timings"]])
    serve = commands.add_parser(
        "serve", help="live preview: build, serve, and rebuild and reload on every save",
        parents=[o["content"], o["building"], o["out"], o["cache"]])
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to serve on (default: 127.0.0.1, this computer only)")
    serve.add_argument("--port", type=int, default=8000,
                       help="the port to serve on (default: 8000; 0 picks a free one)")
    new = commands.add_parser("new", help="start a new page from a skeleton with every key",
                              parents=[o["content"]])
    new.add_argument("kind", choices=scaffold.KINDS, help="the kind of page")
    new.add_argument("slug", help="the page's slug: its file name, e.g. side-plank")
    review = commands.add_parser(
        "review", help="list pages by review status and due date, with reading grades",
        parents=[o["content"], o["cache"]])
    review.add_argument("--json", action="store_true", help="print JSON, for tools")
    docs = commands.add_parser("docs", help=f"regenerate {REFERENCE.relative_to(PROJECT)} "
                                            "from the schema")
    docs.add_argument("--check", action="store_true",
                      help="only check that the file is up to date (exit 1 if not)")
    return parser


def _base_url(value: str) -> str:
    problem = urls.base_url_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{value!r}: {problem}")
    return urls.with_trailing_slash(value)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    # The last build's files are linked into the next one's staging folder by a process of
    # their own while this one loads the build's modules (see write.prelink).
    prelinked = write.prelink(args.out) if args.command == "build" and args.jobs > 1 \
        else None
    with prelinked or nullcontext():
        from . import commands  # the build's modules: 40 ms to load
        return commands.run(args, prelinked)
