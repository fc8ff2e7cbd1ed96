"""The configuration as the rest of tickerwatch uses it: frozen domain objects, every default
filled in, durations in seconds, patterns compiled. `tickerwatch.config` builds them from the
validated YAML; nothing here knows YAML or pydantic.

Alert rules hold one condition of a closed set (a discriminated union), each with the
threshold kinds it accepts; code handles them with `match`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import ClassVar, Final, Literal

from tickerwatch.core.model import Pair
from tickerwatch.core.parse.formats import EntryPattern, Widget
from tickerwatch.core.parse.number import DecimalMark
from tickerwatch.core.receivers import Alertmanager as Alertmanager
from tickerwatch.core.receivers import AppriseReceiver as AppriseReceiver
from tickerwatch.core.receivers import Notify as Notify
from tickerwatch.core.receivers import Webhook as Webhook
from tickerwatch.core.units import format_duration

NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"  # sources and webhooks

# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True, slots=True)
class Above:
    value: Decimal

    def __str__(self) -> str:
        return f"> {self.value}"


@dataclass(frozen=True, slots=True)
class Below:
    value: Decimal

    def __str__(self) -> str:
        return f"< {self.value}"


@dataclass(frozen=True, slots=True)
class MovesBy:
    """A move either way of more than `value`: a ratio (change rules), or rate units when
    `absolute` (a change rule's `delta`)."""

    value: Decimal
    absolute: bool = False

    def __str__(self) -> str:
        return f"moves by more than {self.value}"


@dataclass(frozen=True, slots=True)
class Outside:
    low: Decimal
    high: Decimal

    def __str__(self) -> str:
        return f"outside [{self.low}, {self.high}]"


@dataclass(frozen=True, slots=True)
class Inside:
    low: Decimal
    high: Decimal

    def __str__(self) -> str:
        return f"inside [{self.low}, {self.high}]"


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class RateCondition:
    """The rate as printed, against a threshold in rate units."""

    threshold: Above | Below | Outside | Inside
    KIND: ClassVar = "rate"


@dataclass(frozen=True, slots=True)
class ChangeCondition:
    """The change over `window` (its text as written; `seconds` long), computed from
    history: a ratio above, below or either way, or an absolute move in rate units."""

    window: str
    seconds: float
    threshold: Above | Below | MovesBy
    KIND: ClassVar = "change"


@dataclass(frozen=True, slots=True)
class SourceChangeCondition:
    """The change the site prints, as a ratio."""

    threshold: Above | Below | MovesBy
    KIND: ClassVar = "source_change"


@dataclass(frozen=True, slots=True)
class StaleCondition:
    """A pair not seen in a good poll for `after` seconds."""

    after: float
    KIND: ClassVar = "stale"


@dataclass(frozen=True, slots=True)
class SourceDownCondition:
    KIND: ClassVar = "source_down"


@dataclass(frozen=True, slots=True)
class ConflictCondition:
    KIND: ClassVar = "conflict"


@dataclass(frozen=True, slots=True)
class MissingCondition:
    KIND: ClassVar = "missing"


@dataclass(frozen=True, slots=True)
class DeviationCondition:
    """The source's rate off a reference's by more than `above` (a ratio), either way;
    `references` narrows the source's own (empty: all of them). See core/crosscheck.py."""

    above: Decimal
    references: tuple[str, ...] = ()
    KIND: ClassVar = "deviation"

    @property
    def threshold(self) -> str:
        return f"deviates by more than {self.above}"


Condition = (
    RateCondition
    | ChangeCondition
    | SourceChangeCondition
    | StaleCondition
    | SourceDownCondition
    | ConflictCondition
    | MissingCondition
    | DeviationCondition
)


# The fields a rule's summary and description may use, and the summary a rule without one
# gets, per kind: the same in tickerwatch's notifications and in `tickerwatch rules`.
TEMPLATE_FIELDS: Final = (
    "alertname", "source", "pair", "base", "quote", "value", "threshold", "window",
    "severity", "for",
)  # fmt: skip
DEFAULT_SUMMARIES: Final = {
    "rate": "{pair} on {source} is {value}, {threshold}",
    "change": "{pair} on {source} moved {value} over {window}, {threshold}",
    "source_change": "{pair} on {source}: the site prints a change of {value}, {threshold}",
    "stale": "{pair} on {source} not seen for {value}",
    "source_down": "source {source} is failing ({value})",
    "conflict": "copies of {pair} on {source} disagree",
    "missing": "{pair} is missing from the ticker of {source}",
    "deviation": "{pair} on {source} is {value}, {threshold}",
}


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One alerting rule. `sources` and `pairs` select series (empty: all); `for_` and
    `keep_firing_for` are seconds; `strict` is `rounding: strict`; `summary` and
    `description` are templates with {alertname}, {pair}, {value} … fields."""

    name: str
    condition: Condition
    sources: tuple[str, ...] = ()
    pairs: tuple[Pair, ...] = ()
    for_: float = 0.0
    keep_firing_for: float = 0.0
    severity: str = "warning"
    labels: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    description: str | None = None
    strict: bool = True

    @property
    def kind(self) -> str:
        return self.condition.KIND

    @property
    def summary_template(self) -> str:
        return self.summary or DEFAULT_SUMMARIES[self.kind]

    @property
    def window(self) -> str:
        """The change window's text, or "" for other kinds (the {window} template field)."""
        return self.condition.window if isinstance(self.condition, ChangeCondition) else ""


# ---------------------------------------------------------------- sources

# Formats a source's `format:` may name: a ticker printed in a page, a central bank's feed
# (one reader each in tickerwatch.sources), or a generic machine-readable document read
# with the source's `extract:`.
TICKER_FORMATS: Final = ("timesca",)
FEED_FORMATS: Final = ("nbkr", "nbk", "cbu", "nbt", "cbt")
GENERIC_FORMATS: Final = ("xml", "json")


@dataclass(frozen=True, slots=True)
class Fixed:
    """A currency code written in the config, for a feed that prints only the other one."""

    code: str


@dataclass(frozen=True, slots=True)
class Extract:
    """Where the values of a machine-readable document stand: XPath 1.0 expressions for
    `xml`, JMESPath for `json` (checked when the config is loaded).

    `items` selects the entries from the document; every other expression is evaluated on
    one entry (XPath may start at the root with `/`), except `date` when `date_from` is
    "document". `base` and `quote` are expressions or Fixed codes; `rate` is quote units
    per `nominal` base units (default 1); `change` an absolute change in the same units,
    or `change_pct` a percent change; `date` is read with `date_format` (strptime). A
    feed that trims trailing zeros names the `decimals` it publishes (0.544 → 0.5440)."""

    items: str
    base: str | Fixed
    quote: str | Fixed
    rate: str
    nominal: str | None = None
    change: str | None = None
    change_pct: str | None = None
    date: str | None = None
    date_from: Literal["entry", "document"] = "entry"
    date_format: str = "%Y-%m-%d"
    decimals: int = 0


@dataclass(frozen=True, slots=True)
class Source:
    """A source with every default filled in and its entry pattern compiled. Durations are
    seconds, `max_body` bytes; `format` is a built-in format's name, "pattern", or "xml" /
    "json" with `extract`. `entry_pattern` is what ticker formats match entries with
    (feeds never use it). `url` may hold strftime placeholders of the poll's date in the
    source's `timezone` (core.dates.dated_url).

    When is it polled: at start, then every `interval` seconds — or, when `schedule` is
    set, at the times of that crontab expression (5 fields, checked by the config) in
    `timezone`, and `interval` is not used. Either way shifted by a fixed offset within
    `jitter`."""

    name: str
    url: str
    format: str
    entry_pattern: EntryPattern
    pairs: tuple[Pair, ...]
    interval: float
    jitter: float
    timeout: float
    max_body: int
    stale_after: float
    drop_after: float
    windows: tuple[str, ...]
    redirect_hosts: frozenset[str] = frozenset()
    proxy_url: str | None = None
    decimal_mark: DecimalMark | None = None
    encoding: str | None = None
    timezone: str = "UTC"  # IANA name: the source's own days (dated URLs, schedules)
    references: tuple[str, ...] = ()  # sources this one is cross-checked against
    schedule: str | None = None  # crontab (minute hour day month weekday), else interval
    extract: Extract | None = None  # formats xml and json
    widget: Widget | None = None  # format pattern: fixed codes, change unit
    max_pairs: int = 200  # a page giving more distinct pairs fails: too_many_pairs

    @property
    def schedule_text(self) -> str:
        """When it is polled, for people: `every 15m, jitter 1m` or
        `cron "*/30 8-11 * * mon-fri" in Asia/Bishkek, jitter 1m`."""
        jitter = f", jitter {format_duration(self.jitter)}" if self.jitter else ""
        if self.schedule is None:
            return f"every {format_duration(self.interval)}{jitter}"
        return f'cron "{self.schedule}" in {self.timezone}{jitter}'

    @property
    def quote_codes(self) -> frozenset[str]:
        """Quote currencies of the expected pairs: where the locator looks for the ticker."""
        if self.format not in TICKER_FORMATS:
            return frozenset()
        return frozenset(p.quote for p in self.pairs)


# ---------------------------------------------------------------- the service


@dataclass(frozen=True, slots=True)
class Web:
    """Where the service listens (`listen`, HOST:PORT), its web config file, whether POST
    /-/reload works, the URL notifications link back to (`public_url`, no slash at the
    end), and the Grafana the landing page links to (`grafana_url`)."""

    listen: str
    public_url: str
    config_file: Path | None = None
    enable_lifecycle: bool = False
    grafana_url: str | None = None

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


@dataclass(frozen=True, slots=True)
class Storage:
    path: Path
    retention: float  # seconds


MAX_PROBES: Final = 256  # the most probe.max_concurrent may be


@dataclass(frozen=True, slots=True)
class Probe:
    """GET /probe: the `target` URLs it may fetch, and redirect to (`allowed_targets` match
    the whole URL; none: configured sources' URLs only), limits (seconds, bytes), at most
    `max_concurrent` probes at once, every configured source."""

    allowed_targets: tuple[re.Pattern[str], ...] = ()
    timeout: float = 20.0
    max_body: int = 5 * 1024 * 1024
    sources: tuple[Source, ...] = ()
    max_concurrent: int = 8

    def allows(self, url: str) -> bool:
        if self.allowed_targets:
            return any(p.fullmatch(url) for p in self.allowed_targets)
        return any(s.url == url for s in self.sources)


@dataclass(frozen=True, slots=True)
class Placement:
    """Which part of the work this process does: shard `shard` of `shards` (hashmod of
    the source's name, core.shard), as HA replica `replica` (None: not one of a pair);
    `probe_only`: it polls nothing and only answers /probe."""

    shard: int = 0
    shards: int = 1
    replica: str | None = None
    probe_only: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """`sources`: those this process polls (its shard's); `probe.sources`: all of them."""

    web: Web
    storage: Storage
    sources: tuple[Source, ...]
    alerts: tuple[AlertRule, ...] = ()
    notify: Notify = field(default_factory=Notify)
    probe: Probe = field(default_factory=Probe)
    placement: Placement = field(default_factory=Placement)
    warnings: tuple[str, ...] = ()  # the file's, as FILE:LINE: key.path: problem
