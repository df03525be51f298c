"""The command line: `python build.py [build|check] [options]`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import pipeline
from .problems import BuildFailed, format_problems
from .write import OutputError

COMMANDS = ("build", "check")
PROJECT = Path(__file__).resolve().parent.parent


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
        prog="build.py", description="Build the health guide in content/ into a static site.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    build = commands.add_parser("build", parents=[common],
                                help="validate and build the site (the default)")
    build.add_argument("--out", type=Path, default=Path("site"),
                       help="the output folder (default: site)")
    commands.add_parser("check", parents=[common], help="validate the content only")
    return parser


def _print_report(report: pipeline.BuildReport, action: str, timings: bool) -> None:
    for problem in report.warnings:
        print(problem, file=sys.stderr)
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
    out = getattr(args, "out", Path("site"))
    paths = pipeline.Paths(content=args.content, templates=args.templates, out=out)
    try:
        report = pipeline.build(paths, strict=args.strict, write_output=args.command == "build")
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
