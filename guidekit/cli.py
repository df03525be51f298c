"""The command line: `python build.py [build|check|serve|new|review|docs] [options]`. Thin:
the work is done by the modules it calls."""
from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

from . import pipeline, scaffold, urls, workers, write
from .problems import BuildFailed, format_problems, format_warnings
from .scaffold import ScaffoldError
from .write import OutputError

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


def _docs(check: bool) -> int:
    from . import reference_docs  # only here: no other command needs it

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


def _print_report(report: pipeline.BuildReport, action: str, timings: bool) -> None:
    for line in format_warnings(report.warnings):
        print(line, file=sys.stderr)
    if timings:
        for stage, seconds in sorted(report.timings.items(),
                                     key=lambda timed: pipeline.STAGES.index(timed[0])):
            print(f"  {stage:<14} {seconds * 1000:8.1f} ms   peak "
                  f"{report.peak_mib[stage]:6.1f} MiB")
        print(f"  peak memory: build process {pipeline.peak_mib(resource.RUSAGE_SELF):.1f} MiB, "
              f"largest worker {pipeline.peak_mib(resource.RUSAGE_CHILDREN):.1f} MiB")
        print(f"  cache: {report.reused} results reused, {report.computed} worked out")
    n = len(report.warnings)
    print(f"{action} {report.pages} pages ({report.files} files) in "
          f"{report.seconds:.2f} s; {n} warning{'s' if n != 1 else ''}.")
    if report.reading_grades:
        (kind, slug), hardest = max(report.reading_grades.items(), key=lambda item: item[1])
        print(f"Reading grade of {len(report.reading_grades)} pages: at most {hardest:.1f} "
              f"({kind} {slug}); each page's grade: python build.py review")


def _new(args) -> int:
    paths = pipeline.Paths(content=args.content, templates=PROJECT / "templates",
                           out=Path("site"))
    try:
        written = pipeline.new_page(paths, args.kind, args.slug)
    except ScaffoldError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"Wrote {paths.display(written)}. Replace every TODO (the build warns about any "
          "left), then preview it with `python build.py serve`.")
    return 0


def _serve(args, paths: pipeline.Paths) -> int:
    try:
        write.check_output_folder(paths.out, [paths.content, paths.templates, Path.cwd()])
    except OutputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from . import serve  # only here: the web server's libraries take a while to import

    preview = serve.Preview(paths, strict=args.strict, log=lambda line: print(line, flush=True))
    preview.serve(host=args.host, port=args.port)
    return 0


def _review(paths: pipeline.Paths, memo, as_json: bool) -> int:
    from . import review_report  # only here: no other command needs it

    report = pipeline.BuildReport()
    graph = pipeline.load_site(paths, report, memo=memo)
    rows = review_report.rows(graph, report.reading_grades)
    print(review_report.as_json(rows, graph.today) if as_json
          else review_report.as_text(rows, graph.today))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    if args.command == "docs":
        return _docs(args.check)
    if args.command == "new":
        return _new(args)
    out = getattr(args, "out", Path("site"))
    paths = pipeline.Paths(content=args.content, out=out, cache=args.cache,
                           templates=getattr(args, "templates", PROJECT / "templates"))
    if args.command == "serve":
        return _serve(args, paths)
    try:
        if args.command == "review":
            memo = pipeline.open_memo(paths)
            code = _review(paths, memo, args.json)
            pipeline.save_memo(paths, memo)
            return code
        # The file workers start before the memo is loaded (see file_stream).
        with write.removing_in_background(), \
                pipeline.file_stream(args.jobs) as file_work:
            memo = pipeline.open_memo(paths)
            report = pipeline.build(paths, strict=args.strict,
                                    write_output=args.command == "build", memo=memo,
                                    jobs=args.jobs, base_url=getattr(args, "base_url", None),
                                    file_work=file_work)
            pipeline.save_memo(paths, memo)
    except BuildFailed as failure:
        print(format_problems(failure.problems), file=sys.stderr)
        print({"build": f"Nothing was written; {out} is unchanged.",
               "review": "Fix these first: the review report needs content that builds."}
              .get(args.command, "The content has problems."), file=sys.stderr)
        return 1
    except OutputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    action = f"Built {out}/ with" if args.command == "build" else "Checked"
    _print_report(report, action, args.timings)
    if args.command == "build":
        print(f"Open {out / 'index.html'} in a browser, or copy {out}/ to any static host.")
    return 0
