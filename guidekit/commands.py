"""What each command of the command line does (see cli.py, which parses the arguments and
hands over here once it has started what can start early)."""
from __future__ import annotations

import resource
import sys
from pathlib import Path

from . import pipeline, workers, write
from .cli import PROJECT, REFERENCE
from .problems import BuildFailed, format_problems, format_warnings
from .scaffold import ScaffoldError
from .write import OutputError


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


def run(args, prelinked: write.Prelinked | None = None) -> int:
    """Do the command the parsed arguments name; returns the exit status. `prelinked`: the
    last build's files, linked for the build (see write.prelink)."""
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
        # The replaced site's deletion and the background processes' exits are waited for
        # once the memo is saved.
        with workers.waiting_later(), pipeline.file_stream(args.jobs) as file_work:
            memo = pipeline.open_memo(paths)
            report = pipeline.build(paths, strict=args.strict,
                                    write_output=args.command == "build", memo=memo,
                                    jobs=args.jobs, base_url=getattr(args, "base_url", None),
                                    file_work=file_work, prelinked=prelinked)
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
