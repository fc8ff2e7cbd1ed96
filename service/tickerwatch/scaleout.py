"""The command line of scaling out: `run --shard I/N --replica NAME --probe-only` (or
TICKERWATCH_SHARD, TICKERWATCH_REPLICA, TICKERWATCH_PROBE_ONLY) and `check-config --shards
N`, which prints how the sources fall (core.shard)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Final

from tickerwatch.core.errors import ConfigError
from tickerwatch.core.settings import Placement, Settings
from tickerwatch.core.shard import check_replica, foreign_references, parse_shard, split

SHARD_ENV: Final = "TICKERWATCH_SHARD"
REPLICA_ENV: Final = "TICKERWATCH_REPLICA"
PROBE_ONLY_ENV: Final = "TICKERWATCH_PROBE_ONLY"
_TRUE: Final = {"1", "true", "yes", "on"}
_FALSE: Final = {"", "0", "false", "no", "off"}


def add_run_args(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--shard", metavar="I/N",
        help=f"poll only shard I of N (hashmod of the source name; I from 0); ${SHARD_ENV}",
    )  # fmt: skip
    run.add_argument(
        "--replica", metavar="NAME",
        help=f"this process is replica NAME of an HA pair (a, b); ${REPLICA_ENV}",
    )  # fmt: skip
    run.add_argument(
        "--probe-only", action="store_true", default=None,
        help=f"poll nothing, only answer /probe; ${PROBE_ONLY_ENV}=1",
    )  # fmt: skip


def add_check_args(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--shards", type=positive_int, metavar="N", help="print how N shards split the sources"
    )


def positive_int(text: str) -> int:
    """argparse's type for a number of shards: what `--shard I/N` accepts as N (1 to
    999999), an error before anything runs."""
    try:
        return parse_shard(f"0/{text.strip()}")[1]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of shards from 1 to 999999, got {text!r}"
        ) from None


def placement(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Placement:
    """The placement the flags (else the environment) ask for; ConfigError if malformed.
    An empty value (`--shard ""`, `TICKERWATCH_REPLICA=`) is an error, not "unset": it
    is most often a variable that was meant to be filled in."""
    env = os.environ if environ is None else environ
    shard_text = args.shard if args.shard is not None else env.get(SHARD_ENV)
    replica = args.replica if args.replica is not None else env.get(REPLICA_ENV)
    probe_text = env.get(PROBE_ONLY_ENV, "").strip().lower()
    problems = [
        f"{flag} / {var}: empty; give a value or leave it unset"
        for flag, var, value in (("--shard", SHARD_ENV, shard_text),
                                 ("--replica", REPLICA_ENV, replica))
        if value is not None and not value.strip()
    ]  # fmt: skip
    shard, shards = 0, 1
    if shard_text is not None and shard_text.strip():
        try:
            shard, shards = parse_shard(shard_text)
        except ValueError as exc:
            problems.append(f"--shard / {SHARD_ENV}: {exc}")
    replica = replica if replica and replica.strip() else None
    if replica is not None:
        try:
            check_replica(replica)
        except ValueError as exc:
            problems.append(f"--replica / {REPLICA_ENV}: {exc}")
    if probe_text not in _TRUE | _FALSE:
        problems.append(f"{PROBE_ONLY_ENV}: expected 1 or 0, got {probe_text!r}")
    if problems:
        raise ConfigError(problems)
    probe_only = bool(args.probe_only) or probe_text in _TRUE
    return Placement(shard, shards, replica, probe_only)


def print_split(settings: Settings, shards: int) -> int:
    """`check-config --shards N`: each shard's sources; a cross-check whose reference
    falls in another shard is named (it would compare with nothing). N ≥ 1 (argparse)."""
    sources = settings.probe.sources
    for index, own in enumerate(split(sources, shards)):
        names = ", ".join(s.name for s in own) or "(none)"
        print(f"shard {index}/{shards}: {len(own)} source{'s' * (len(own) != 1)}: {names}")
    for source, reference in foreign_references(sources, shards):
        print(f"warning: {source} is cross-checked against {reference}, on another shard")
    return 0
