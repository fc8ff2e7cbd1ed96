"""Shards and HA replicas: which sources one process of several owns, by Prometheus'
`hashmod`, so that both sides can compute it.

A source belongs to shard `hashmod(name, N)`: the MD5 digest of the name's UTF-8 bytes, its
last 8 bytes read as a big-endian unsigned 64-bit integer, modulo N — what Prometheus'
relabel action `hashmod` computes of a label value (prometheus/prometheus,
model/relabel/relabel.go: `binary.BigEndian.Uint64(md5.Sum(val)[8:]) % Modulus`). A
`relabel_configs` `hashmod` over the `source` label with `modulus: N` puts each source's
series in the same shard as tickerwatch does.

Two replicas of one shard (an HA pair) poll the same sources independently; only one of
them may send webhooks (Alertmanager deduplicates the alerts both send, a webhook cannot).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from typing import Final

from tickerwatch.core.errors import ConfigError
from tickerwatch.core.settings import NAME_PATTERN, Placement, Settings, Source

_SHARD: Final = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")
_NAME: Final = re.compile(NAME_PATTERN)


def hashmod(value: str, modulus: int) -> int:
    """Prometheus' `hashmod` of `value`: 0 ≤ result < `modulus` (ValueError if < 1)."""
    if modulus < 1:
        raise ValueError("the modulus must be at least 1")
    digest = hashlib.md5(value.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[8:], "big") % modulus


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` (I counts from 0, I < N) → (I, N); ValueError with the reason otherwise."""
    match = _SHARD.match(text)
    if match is None:
        raise ValueError(f"expected I/N such as 0/3 (I counts from 0), got {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise ValueError(f"{text!r}: the number of shards must be at least 1")
    if index >= count:
        raise ValueError(f"{text!r}: the shard index counts from 0 to {count - 1}")
    return index, count


def check_replica(name: str) -> str:
    """A replica's name (NAME_PATTERN, like a source's); ValueError otherwise."""
    if not _NAME.match(name):
        raise ValueError(f"{name!r}: a replica name is letters, digits, _ . - (a, b, …)")
    return name


def split(sources: Iterable[Source], shards: int) -> list[list[Source]]:
    """The sources of each shard, in config order: `result[i]` is shard i's."""
    out: list[list[Source]] = [[] for _ in range(shards)]
    for source in sources:
        out[hashmod(source.name, shards)].append(source)
    return out


def foreign_references(sources: Iterable[Source], shards: int) -> list[tuple[str, str]]:
    """(source, reference) where the reference is polled by another shard: the cross-check
    of that pair has nothing to compare with in the source's shard."""
    return [
        (s.name, ref)
        for s in sources
        for ref in s.references
        if hashmod(ref, shards) != hashmod(s.name, shards)
    ]


def place(settings: Settings, placement: Placement) -> Settings:
    """`settings` as the process at `placement` runs them: its shard's sources only (none
    in probe-only mode; `probe` keeps every configured source). Raises ConfigError when
    webhooks or Apprise receivers are configured in an HA replica other than
    `notify.webhook_replica`: both replicas would notify."""
    replica = placement.replica
    sender = settings.notify.webhook_replica
    notify = settings.notify
    direct = [h.name for h in notify.webhooks] + [a.name for a in notify.apprise]
    if direct and replica is not None and replica != sender:
        raise ConfigError(
            [
                f"notify.webhooks/apprise ({', '.join(direct)}): this is HA replica"
                f" {replica!r}, and only replica {sender!r} (notify.webhook_replica) sends"
                " webhooks and Apprise notifications — both replicas of a pair would notify"
                " twice. Send through Alertmanager (it deduplicates), or set"
                f" notify.webhook_replica: {replica} if this replica is the one to send"
            ]
        )
    if placement.probe_only:
        own: tuple[Source, ...] = ()
    else:
        own = tuple(
            s for s in settings.sources if hashmod(s.name, placement.shards) == placement.shard
        )
    return dataclasses.replace(settings, sources=own, placement=placement)
