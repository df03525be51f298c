"""The command line: `python build.py [build|check] [options]`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import pipeline, reference_docs, urls
from .problems import BuildFailed, format_problems
from .write import OutputError

COMMANDS = ("build", "check", "docs")
PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT / "docs" / "content-reference.md"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--content", type=Path, default=Path("content"),
                        help="the content folder (default: content)")
    common.add_argument("--templates", type=Path, default=PROJECT / "templates",
                        help="the templates folder (default: the project's templates/)")
    common.add_argument("--strict", action="store_true",
                        help="treat warnings as errors: the gate before publishing")
    common.add_argument("--timings", action="store_true", help="print the time of each stage")
    parser = argparse.ArgumentParser(
        prog="build.py", description="Build the health guide in content/ into a static site.",
        epilog="With no command, `build` runs: `python build.py --strict` builds content/ into "
               "site/. Options of a command: `python build.py COMMAND --help`.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    build = commands.add_parser("build", parents=[common],
                                help="validate and build the site (the default)")
    build.add_argument("--out", type=Path, default=Path("site"),
                       help="the output folder (default: site)")
    build.add_argument("--base-url", type=_base_url, metavar="URL",
                       help="the address the site will be published at, e.g. "
                            "https://example.org/guide/: adds canonical links, Open Graph tags "
                            "and sitemap.xml, and makes 404.html work under that path")
    commands.add_parser("check", parents=[common], help="validate the content only")
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


def _docs(check: bool) -> int:
    text = reference_docs.reference_markdown()
    current = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
    if check:
        if current != text:
            print(f"{REFERENCE} is out of date; run `python build.py docs`", file=sys.stderr)
            return 1
        return 0
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"Wrote {REFERENCE.relative_to(PROJECT)}")
    return 0


# Past this many warnings of one kind, the rest are counted rather than listed.
SHOW_SIMILAR = 5


def _print_warnings(warnings) -> None:
    by_kind: dict[tuple[str, str], list] = {}
    for problem in warnings:
        by_kind.setdefault((problem.field, problem.message), []).append(problem)
    for similar in by_kind.values():
        for problem in similar[:SHOW_SIMILAR]:
            print(problem, file=sys.stderr)
        if len(similar) > SHOW_SIMILAR:
            print(f"  ... and {len(similar) - SHOW_SIMILAR} more like this", file=sys.stderr)


def _print_report(report: pipeline.BuildReport, action: str, timings: bool) -> None:
    _print_warnings(report.warnings)
    if timings:
        for stage, seconds in report.timings.items():
            print(f"  {stage:<10} {seconds * 1000:8.1f} ms")
    n = len(report.warnings)
    print(f"{action} {report.pages} pages ({report.files} files) in "
          f"{report.seconds:.2f} s; {n} warning{'s' if n != 1 else ''}.")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    if args.command == "docs":
        return _docs(args.check)
    out = getattr(args, "out", Path("site"))
    paths = pipeline.Paths(content=args.content, templates=args.templates, out=out)
    try:
        report = pipeline.build(paths, strict=args.strict, write_output=args.command == "build",
                                base_url=getattr(args, "base_url", None))
    except BuildFailed as failure:
        print(format_problems(failure.problems), file=sys.stderr)
        print(f"Nothing was written; {out} is unchanged." if args.command == "build"
              else "The content has problems.", file=sys.stderr)
        return 1
    except OutputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    action = f"Built {out}/ with" if args.command == "build" else "Checked"
    _print_report(report, action, args.timings)
    return 0
