"""Command line: run, check-config, parse, demo, --version."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tickerwatch import __version__
from tickerwatch.config import default_config_path, load_settings
from tickerwatch.errors import ConfigError, PollError, StoreError
from tickerwatch.parse import BUILTIN, compile_pattern


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"tickerwatch: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tickerwatch", description="Watch currency tickers on news pages; export metrics."
    )
    parser.add_argument("--version", action="version", version=f"tickerwatch {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the service")
    _config_arg(run)
    run.add_argument("--log-format", choices=["json", "console"], help="default: json unless a TTY")
    run.set_defaults(func=_run)

    check = sub.add_parser("check-config", help="validate a config file")
    _config_arg(check)
    check.set_defaults(func=_check_config)

    parse = sub.add_parser("parse", help="show what tickerwatch reads from a page")
    parse.add_argument("src", metavar="SRC", help="a file, an http(s) URL, or - for stdin")
    parse.add_argument(
        "--format", default="timesca", choices=sorted(BUILTIN), help="built-in format"
    )
    parse.add_argument("--pattern", help="a regex with named groups base, quote, rate, change")
    parse.add_argument("--json", action="store_true", help="print JSON")
    parse.set_defaults(func=_parse)

    demo = sub.add_parser("demo", help="run offline on bundled ticker data")
    demo.add_argument("-c", "--config", type=Path, default=Path("config/demo.yaml"))
    demo.add_argument("--port", type=int, default=10049, help="port of the service (default 10049)")
    demo.set_defaults(func=_demo)
    return parser


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
    from tickerwatch.service import Service

    settings = load_settings(args.config or default_config_path())
    logs.configure(json=None if args.log_format is None else args.log_format == "json")
    asyncio.run(Service(settings).run())
    return 0


def _check_config(args: argparse.Namespace) -> int:
    path = args.config or default_config_path()
    settings = load_settings(path)
    print(f"{path}: ok ({len(settings.sources)} sources)")
    return 0


def _parse(args: argparse.Namespace) -> int:
    from tickerwatch.dedup import deduplicate
    from tickerwatch.parse import parse_text
    from tickerwatch.sources import read_source

    try:
        pattern = compile_pattern(args.pattern) if args.pattern else BUILTIN[args.format]
    except ValueError as exc:
        print(f"tickerwatch: --pattern: {exc}", file=sys.stderr)
        return 2
    try:
        body, content_type = read_source(args.src)
        ticker = parse_text(body, content_type, pattern)
    except (PollError, OSError) as exc:
        print(f"tickerwatch: {args.src}: {exc}", file=sys.stderr)
        return 1
    result = deduplicate(ticker.entries)
    if args.json:
        print(json.dumps(_parse_json(result), indent=2))
    else:
        print(_parse_text(args.src, result, ticker.context()))
    return 0


def _parse_json(result: Any) -> dict[str, Any]:
    return {
        "quotes": [
            {
                "base": q.pair.base,
                "quote": q.pair.quote,
                "rate": str(q.rate),
                "change_pct": str(q.change_pct),
                "decimals": q.decimals,
                "copies": q.copies,
            }
            for q in result.quotes
        ],
        "entries": result.entries,
        "conflicts": [
            {
                "base": c.pair.base,
                "quote": c.pair.quote,
                "values": list(c.values),
                "chosen": c.chosen,
            }
            for c in result.conflicts
        ],
    }


def _parse_text(src: str, result: Any, context: tuple[str, str]) -> str:
    lines = [
        f"{src}: {result.entries} ticker entries, {len(result.quotes)} pairs, "
        f"{len(result.conflicts)} conflicts",
        "",
        f"{'pair':<9} {'rate':>10} {'change':>8} {'copies':>6}",
    ]
    for q in result.quotes:
        lines.append(f"{q.pair!s:<9} {q.rate!s:>10} {str(q.change_pct) + '%':>8} {q.copies:>6}")
    for c in result.conflicts:
        lines.append(f"conflict {c.pair}: {', '.join(c.values)} → kept {c.chosen}")
    before, after = context
    lines += [
        "",
        "text before the ticker:",
        _quote(before[-200:]),
        "text after the ticker:",
        _quote(after[:200]),
    ]
    return "\n".join(lines)


def _quote(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.strip("\n").splitlines()) or "  | (nothing)"


def _demo(args: argparse.Namespace) -> int:
    from tickerwatch.demo import run_demo

    return run_demo(args.config, args.port)


if __name__ == "__main__":
    sys.exit(main())
