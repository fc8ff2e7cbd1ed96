"""Command line: run, check-config, parse, rules, demo, import, export, backfill,
--version."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tickerwatch import __version__, scaleout
from tickerwatch.config import default_config_path, load_settings, source_named
from tickerwatch.core.errors import ConfigError, ListenError, PollError, StoreError
from tickerwatch.core.settings import FEED_FORMATS, TICKER_FORMATS, Settings, Source


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe is caught below, not at exit
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        for warning in exc.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"tickerwatch: {exc}", file=sys.stderr)
        return 1
    except ListenError as exc:
        print(f"tickerwatch: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `tickerwatch parse … | head`: the reader has what it wanted
        _quiet_stdout()
        return 141  # as a process killed by SIGPIPE
    return code


def _quiet_stdout() -> None:
    """Send what is left for stdout nowhere, so exiting (its flush) raises nothing more
    (the Python documentation's recipe for SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tickerwatch", description="Watch currency tickers on news pages; export metrics."
    )
    parser.add_argument("--version", action="version", version=f"tickerwatch {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the service")
    _config_arg(run)
    run.add_argument("--log-format", choices=["json", "console"], help="default: json unless a TTY")
    scaleout.add_run_args(run)
    run.set_defaults(func=_run)

    check = sub.add_parser("check-config", help="validate a config file")
    _config_arg(check)
    scaleout.add_check_args(check)
    check.set_defaults(func=_check_config)

    rules = sub.add_parser("rules", help="print the alert thresholds as Prometheus rules")
    _config_arg(rules)
    rules.set_defaults(func=_rules)

    _parse_parser(sub)
    _history_commands(sub)
    demo = sub.add_parser("demo", help="run offline on bundled ticker data")
    demo.add_argument("-c", "--config", type=Path, default=Path("config/demo.yaml"))
    demo.add_argument(
        "--port", type=_port, default=10049, help="port of the service (default 10049)"
    )
    demo.add_argument("--log-format", choices=["json", "console"], default="console")
    demo.set_defaults(func=_demo)
    return parser


def _history_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """History from before tickerwatch started (issue 17): import, export, backfill."""
    imp = sub.add_parser("import", help="import saved pages into the history")
    _config_arg(imp)
    imp.add_argument("--source", required=True, help="the configured source the pages are of")
    imp.add_argument(
        "--date-from", default="page", metavar="page|mtime|filename|DATE",
        help="how to date a page that prints no date (default page: skip it)",
    )  # fmt: skip
    imp.add_argument("inputs", nargs="+", metavar="FILE|DIR|URL", help="pages, WARC files")
    imp.set_defaults(func=_import)

    exp = sub.add_parser("export", help="write the history for Prometheus (OpenMetrics)")
    _config_arg(exp)
    exp.add_argument(
        "--openmetrics",
        action="store_true",
        required=True,
        help="OpenMetrics with timestamps, for promtool tsdb create-blocks-from",
    )
    exp.add_argument("--source", help="only this source (default: every source)")
    exp.add_argument("--since", default="0", help="Unix seconds, a date or RFC 3339 time")
    exp.add_argument("--until", default=None, help="default: now")
    exp.add_argument("--step", default="4m", help="time between samples (default 4m, < 5m)")
    exp.add_argument(
        "--hold",
        default="1d",
        help="how long a value shows past its last sighting when no newer row follows (default 1d)",
    )
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    exp.set_defaults(func=_export)

    fill = sub.add_parser("backfill", help="fetch and import a dated source's past days")
    _config_arg(fill)
    fill.add_argument("--source", required=True, help="a configured source with a dated url")
    fill.add_argument("--from", dest="first", required=True, help="first day, 2026-05-01")
    fill.add_argument("--to", dest="last", required=True, help="last day, included")
    fill.add_argument("--delay", default="2s", help="pause between requests (default 2s)")
    fill.set_defaults(func=_backfill)


def _configured_source(args: argparse.Namespace) -> tuple[Settings, Source]:
    path = args.config or default_config_path()
    settings = load_settings(path)
    return settings, source_named(settings, args.source, path)


def _import(args: argparse.Namespace) -> int:
    import time

    from tickerwatch.core.pagedate import DateError
    from tickerwatch.importer import fallback_of, retention_warning, run_import
    from tickerwatch.store.sqlite import HistoryDB

    settings, source = _configured_source(args)
    try:
        fallback = fallback_of(args.date_from, source, time.time())
    except DateError as exc:
        print(f"tickerwatch: --date-from: {exc}", file=sys.stderr)
        return 2
    db = HistoryDB(settings.storage.path)
    try:
        summary = run_import(db, source, args.inputs, fallback)
    finally:
        db.close()
    for line in summary.lines():
        print(line)
    warning = retention_warning(summary, settings.storage.retention, time.time())
    if warning is not None:
        print(warning, file=sys.stderr)
    return 0 if summary.dated else 1


def _export(args: argparse.Namespace) -> int:
    """Refused with one line: a bad window or step (exit 2), an unknown source, a history
    database that does not exist (never created empty), an output that cannot be written
    (exit 1)."""
    import contextlib

    from tickerwatch.export import write_openmetrics
    from tickerwatch.store.sqlite import HistoryDB

    settings = load_settings(args.config or default_config_path())
    try:
        since, until, step, hold = _export_window(args)
    except ValueError as exc:
        print(f"tickerwatch: export: {exc}", file=sys.stderr)
        return 2
    path = settings.storage.path
    if not path.is_file():
        print(f"tickerwatch: export: no history database at {path}", file=sys.stderr)
        return 1
    db = HistoryDB(path)
    try:
        rows = db.history(args.source, None, since, until, 2**62)
        known = {s.name for s in settings.sources} | db.sources()
    finally:
        db.close()
    if args.source is not None and args.source not in known:
        print(f"tickerwatch: export: no source named {args.source!r} in the config or the"
              " history", file=sys.stderr)  # fmt: skip
        return 1
    try:
        output = (
            contextlib.nullcontext(sys.stdout) if args.output is None else args.output.open("w")
        )
        with output as out:
            count = write_openmetrics(rows, out, since, until, step, hold)
    except OSError as exc:
        print(f"tickerwatch: export: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"tickerwatch: export: {len(rows)} history rows, {count} samples", file=sys.stderr)
    target = "FILE" if args.output is None else str(args.output)
    print(f"next: promtool tsdb create-blocks-from openmetrics --max-block-duration=720h"
          f" {target} PROMETHEUS_DATA_DIR", file=sys.stderr)  # fmt: skip
    return 0


def _export_window(args: argparse.Namespace) -> tuple[float, float, float, float]:
    """--since, --until, --step, --hold in seconds (ValueError)."""
    import time

    from tickerwatch.core.units import format_duration, parse_duration
    from tickerwatch.export import LOOKBACK

    since = _when(args.since, "--since")
    until = time.time() if args.until is None else _when(args.until, "--until")
    if since > until:
        raise ValueError(f"--since {args.since} is after --until {args.until or 'now'}")
    step, hold = parse_duration(args.step), parse_duration(args.hold)
    if not 0 < step < LOOKBACK:
        raise ValueError(
            f"--step: longer than 0s and shorter than {format_duration(LOOKBACK)}"
            " (Prometheus' lookback: a longer step leaves gaps in queries)"
        )
    return since, until, step, hold


def _backfill(args: argparse.Namespace) -> int:
    from datetime import date

    from tickerwatch.backfill import backfill, days
    from tickerwatch.core.units import parse_duration
    from tickerwatch.store.sqlite import HistoryDB

    settings, source = _configured_source(args)
    try:
        wanted = days(date.fromisoformat(args.first), date.fromisoformat(args.last))
        delay = parse_duration(args.delay)
    except ValueError as exc:
        print(f"tickerwatch: backfill: {exc}", file=sys.stderr)
        return 2
    db = HistoryDB(settings.storage.path)
    try:
        result = backfill(db, source, wanted, delay, say=lambda line: print(line, flush=True))
    except ValueError as exc:
        print(f"tickerwatch: backfill: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    for line in result.lines():
        print(line)
    return 1 if result.failed else 0


def _when(text: str, flag: str) -> float:
    """Unix seconds, a date (00:00 UTC) or an RFC 3339 time, from 1970 to 5138 (ValueError;
    DateError is one)."""
    import math

    from tickerwatch.core.pagedate import fixed_date

    try:
        seconds = float(text)
    except ValueError:
        seconds = fixed_date(text, "UTC")
    if not (math.isfinite(seconds) and 0 <= seconds < 1e11):
        raise ValueError(f"{flag} {text}: out of range (Unix seconds from 0 to 1e11)")
    return seconds


def _parse_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`tickerwatch parse`'s arguments."""
    parse = sub.add_parser("parse", help="show what tickerwatch reads from a page")
    parse.add_argument("src", metavar="SRC", help="a file, an http(s) URL, or - for stdin")
    parse.add_argument(
        "--format",
        default="timesca",
        choices=[*TICKER_FORMATS, *FEED_FORMATS],
        help="a built-in ticker or feed format",
    )
    parse.add_argument("--pattern", help="a regex with named groups rate, base, quote, change")
    parse.add_argument("--base", help="with --pattern: the base code, if the page prints none")
    parse.add_argument("--quote", help="with --pattern: the quote code, if the page prints none")
    parse.add_argument(
        "--change-unit", choices=["percent", "absolute"], default="percent",
        help="with --pattern: how the change group is printed",
    )  # fmt: skip
    parse.add_argument("--source", help="read as the configured source NAME reads (with -c)")
    _config_arg(parse)
    parse.add_argument(
        "--decimal-mark",
        choices=[".", ","],
        help="what a lone . or , before three digits is (default: decided from the page)",
    )
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(func=_parse)


def _port(text: str) -> int:
    """argparse's type for a TCP port: 1 to 65535 (0 would pick one at random)."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {text!r}")
    return int(text)


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="config file (default: $TICKERWATCH_CONFIG or config/tickerwatch.yaml)",
    )


def _run(args: argparse.Namespace) -> int:
    from tickerwatch import logs
    from tickerwatch.engine.service import Service

    path = args.config or default_config_path()
    settings = load_settings(path, placement=scaleout.placement(args))
    logs.configure(json=None if args.log_format is None else args.log_format == "json")
    asyncio.run(Service(settings, config_path=path).run())
    return 0


def _check_config(args: argparse.Namespace) -> int:
    """Validate the file; say when each source is polled (a cron source's next polls, in its
    time zone, so a schedule can be checked against what was meant)."""
    import time

    from tickerwatch.engine.schedule import upcoming

    path = args.config or default_config_path()
    settings = load_settings(path)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    noted = f", {len(settings.warnings)} warning{'s' * (len(settings.warnings) != 1)}"
    sources = f"{len(settings.sources)} source{'s' * (len(settings.sources) != 1)}"
    print(f"{path}: ok ({sources}{noted if settings.warnings else ''})")
    now = time.time()
    for source in settings.sources:
        polls = ", ".join(t.isoformat(timespec="seconds") for t in upcoming(source, now, 3))
        print(f"  {source.name}: {source.schedule_text}" + (f"; next {polls}" if polls else ""))
    return 0 if args.shards is None else scaleout.print_split(settings, args.shards)


def _rules(args: argparse.Namespace) -> int:
    import yaml

    from tickerwatch.core.promql import prometheus_rules

    settings = load_settings(args.config or default_config_path())
    print("# Generated by `tickerwatch rules` from the alerts in the tickerwatch config.")
    print(yaml.safe_dump(prometheus_rules(settings), sort_keys=False, width=1000), end="")
    return 0


def _parse(args: argparse.Namespace) -> int:
    from tickerwatch import explain

    try:
        source = explain.source_for(args)
    except ValueError as exc:
        print(f"tickerwatch: --pattern: {exc}", file=sys.stderr)
        return 2
    try:
        page, ticker = explain.read(args.src, source)
    except (PollError, OSError) as exc:
        if args.json:
            print(explain.dumps({"error": str(exc), "reason": getattr(exc, "reason", "io")}))
        print(f"tickerwatch: {args.src}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(explain.dumps(explain.as_json(page, ticker, source)))
    else:
        print(explain.as_text(args.src, page, ticker, source))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from tickerwatch.demo import run_demo

    return run_demo(args.config, args.port, json_logs=args.log_format == "json")


if __name__ == "__main__":
    sys.exit(main())
