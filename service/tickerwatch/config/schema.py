"""The YAML schema: what the config file may say, validated by pydantic so that every problem
is reported as FILE:LINE: key.path: why (yamlfile.py). `build.py` turns a validated file into
the core's domain objects (`tickerwatch.core.settings`); nothing else uses these models."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tickerwatch.config.crontab import check_crontab
from tickerwatch.config.extract import ExtractSchema
from tickerwatch.config.urls import HttpURL, ProxyURL, http_url, one_per_host
from tickerwatch.config.yamlfile import StrictModel
from tickerwatch.core.decoding import codec_for
from tickerwatch.core.model import Pair
from tickerwatch.core.parse import Widget, compile_pattern
from tickerwatch.core.settings import GENERIC_FORMATS, MAX_PROBES, NAME_PATTERN, TEMPLATE_FIELDS
from tickerwatch.core.units import is_number, parse_duration, parse_size


def _positive(seconds: float) -> float:
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive)]
Size = Annotated[int, BeforeValidator(parse_size), Field(gt=0)]


def _window(text: object) -> str:
    seconds = parse_duration(text)
    _positive(seconds)
    return str(text).strip()


Window = Annotated[str, BeforeValidator(_window)]


def _timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name: Asia/Bishkek)") from None
    return name


def _listen(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not is_number(port) or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT such as 0.0.0.0:10049, got {text!r}")
    if not host:
        raise ValueError(f"the host is missing in {text!r} (use 0.0.0.0:{port} for every address)")
    return text


class WebSchema(StrictModel):
    listen: Annotated[str, AfterValidator(_listen)] = "0.0.0.0:10049"
    config_file: Path | None = None
    enable_lifecycle: bool = False
    external_url: Annotated[str | None, AfterValidator(lambda v: v and http_url(v))] = None
    grafana_url: Annotated[str | None, AfterValidator(lambda v: v and http_url(v))] = None


class StorageSchema(StrictModel):
    path: Path = Path("data/tickerwatch.db")
    retention: PositiveDuration = parse_duration("400d")


class DefaultsSchema(StrictModel):
    interval: PositiveDuration = parse_duration("5m")
    jitter: Duration = parse_duration("30s")
    timeout: PositiveDuration = parse_duration("20s")
    max_body: Size = parse_size("5MiB")
    max_pairs: Annotated[int, Field(ge=1)] = 200
    stale_after: PositiveDuration = parse_duration("2h")
    drop_after: PositiveDuration = parse_duration("7d")
    windows: tuple[Window, ...] = ("24h", "7d")


Format = Literal["timesca", "nbkr", "nbk", "cbu", "nbt", "cbt", "xml", "json"]


class SourceSchema(StrictModel):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    url: HttpURL
    format: Format | None = None
    pattern: str | None = None
    base: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = None  # with pattern
    quote: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = None  # with pattern
    change_unit: Literal["percent", "absolute"] = "percent"  # with pattern
    pairs: tuple[Annotated[Pair, BeforeValidator(lambda v: Pair.parse(str(v)))], ...] = ()
    interval: PositiveDuration | None = None
    jitter: Duration | None = None
    timeout: PositiveDuration | None = None
    max_body: Size | None = None
    max_pairs: Annotated[int, Field(ge=1)] | None = None
    stale_after: PositiveDuration | None = None
    drop_after: PositiveDuration | None = None
    windows: tuple[Window, ...] | None = None
    redirect_hosts: tuple[Annotated[str, Field(pattern=r"^(\*|[A-Za-z0-9.-]+)$")], ...] = ()
    proxy_url: ProxyURL | None = None
    decimal_mark: Literal[".", ","] | None = None
    encoding: Annotated[str | None, AfterValidator(lambda v: v and codec_for(v))] = None
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    references: tuple[Annotated[str, Field(pattern=NAME_PATTERN)], ...] = ()
    schedule: str | None = None  # after interval and timezone: its validator reads them
    extract: ExtractSchema | None = None

    @model_validator(mode="before")
    @classmethod
    def _extract_syntax(cls, data: object) -> object:
        """Tell `extract` its expressions' language: XPath for xml, JMESPath for json."""
        if isinstance(data, dict) and isinstance(data.get("extract"), dict):
            if "syntax" in data["extract"]:
                raise ValueError("extract: unknown key syntax (the format sets it)")
            if data.get("format") in GENERIC_FORMATS:
                return {**data, "extract": {**data["extract"], "syntax": data["format"]}}
        return data

    @property
    def widget(self) -> Widget:
        return Widget(self.base, self.quote, self.change_unit == "absolute")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        """A regular expression with a `rate` group; which other groups it needs depends
        on base and quote (checked with the whole source)."""
        if value is not None:
            compile_pattern(value, Widget(base="", quote=""))
        return value

    @field_validator("schedule")
    @classmethod
    def _crontab(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A crontab schedule in the source's time zone, instead of an interval."""
        if value is None:
            return None
        if info.data.get("interval") is not None:
            raise ValueError("give either interval or schedule, not both")
        return check_crontab(value, info.data.get("timezone", "UTC"))

    @model_validator(mode="after")
    def _one_format(self) -> SourceSchema:
        if self.format is not None and self.pattern is not None:
            raise ValueError("give either format or pattern, not both")
        widget = self.base or self.quote or self.change_unit != "percent"
        if widget and self.pattern is None:
            raise ValueError("base, quote and change_unit go with a pattern")
        if self.pattern is not None:
            compile_pattern(self.pattern, self.widget)
        generic = self.format in GENERIC_FORMATS
        if generic and self.extract is None:
            raise ValueError(f"format {self.format} needs extract: where the values stand")
        if not generic and self.extract is not None:
            raise ValueError("extract is for format xml or json")
        return self


Band = tuple[Decimal, Decimal]


def _exactly_one(model: BaseModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(names)}")


def _band(band: Band | None) -> Band | None:
    if band is not None and band[0] > band[1]:
        raise ValueError("a band is [low, high] with low <= high")
    return band


class RateSchema(StrictModel):
    above: Decimal | None = None
    below: Decimal | None = None
    outside: Annotated[Band | None, AfterValidator(_band)] = None
    inside: Annotated[Band | None, AfterValidator(_band)] = None

    @model_validator(mode="after")
    def _one(self) -> RateSchema:
        _exactly_one(self, ("above", "below", "outside", "inside"))
        return self


class SourceChangeSchema(StrictModel):
    above: Decimal | None = None
    below: Decimal | None = None
    by: Annotated[Decimal | None, Field(gt=0)] = None

    @model_validator(mode="after")
    def _one(self) -> SourceChangeSchema:
        _exactly_one(self, ("above", "below", "by"))
        return self


class ChangeSchema(StrictModel):
    """A move over `window`: a ratio `above`/`below`, a ratio `by` either way, or an
    absolute `delta` in rate units either way."""

    window: Window
    above: Decimal | None = None
    below: Decimal | None = None
    by: Annotated[Decimal | None, Field(gt=0)] = None
    delta: Annotated[Decimal | None, Field(gt=0)] = None

    @model_validator(mode="after")
    def _one(self) -> ChangeSchema:
        _exactly_one(self, ("above", "below", "by", "delta"))
        return self


class StaleSchema(StrictModel):
    after: PositiveDuration


class FlagSchema(StrictModel):
    """A rule kind without parameters: `source_down: {}`."""


class DeviationSchema(StrictModel):
    """A source's rate off its references' by more than `above` (a ratio), either way;
    `references` narrows the source's own `references`."""

    above: Annotated[Decimal, Field(gt=0)]
    references: tuple[Annotated[str, Field(pattern=NAME_PATTERN)], ...] = ()


RULE_KINDS: Final = (
    "rate",
    "change",
    "source_change",
    "stale",
    "source_down",
    "conflict",
    "missing",
    "deviation",
)


def _template(text: str | None) -> str | None:
    if text is not None:
        try:
            text.format_map(dict.fromkeys(TEMPLATE_FIELDS, "x"))
        except (KeyError, ValueError, IndexError, AttributeError) as exc:
            known = ", ".join("{" + k + "}" for k in TEMPLATE_FIELDS)
            raise ValueError(f"bad template ({exc!r}); it may use {known}") from exc
    return text


class AlertRuleSchema(StrictModel):
    model_config = ConfigDict(populate_by_name=True)  # extra and frozen as StrictModel

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    sources: tuple[str, ...] = ()
    pairs: tuple[Annotated[Pair, BeforeValidator(lambda v: Pair.parse(str(v)))], ...] = ()
    rate: RateSchema | None = None
    change: ChangeSchema | None = None
    source_change: SourceChangeSchema | None = None
    stale: StaleSchema | None = None
    source_down: FlagSchema | None = None
    conflict: FlagSchema | None = None
    missing: FlagSchema | None = None
    deviation: DeviationSchema | None = None
    for_: Annotated[Duration, Field(alias="for")] = 0.0
    keep_firing_for: Duration = 0.0
    severity: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")] = "warning"
    labels: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str] = Field(
        default_factory=dict
    )
    summary: Annotated[str | None, AfterValidator(_template)] = None
    description: Annotated[str | None, AfterValidator(_template)] = None
    rounding: Literal["strict", "ignore"] = "strict"

    @model_validator(mode="after")
    def _one_kind(self) -> AlertRuleSchema:
        given = [k for k in RULE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one condition of {', '.join(RULE_KINDS)}")
        reserved = {"alertname", "severity", "source", "base", "quote"} & set(self.labels)
        if reserved:
            raise ValueError(f"labels may not set {', '.join(sorted(reserved))}")
        return self


class AlertmanagerSchema(StrictModel):
    urls: Annotated[tuple[HttpURL, ...], Field(min_length=1), AfterValidator(one_per_host)]
    resend_interval: PositiveDuration = parse_duration("1m")
    timeout: PositiveDuration = parse_duration("10s")
    proxy_url: ProxyURL | None = None


class WebhookSchema(StrictModel):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    url: HttpURL
    send_resolved: bool = True
    max_age: PositiveDuration = parse_duration("24h")
    max_backoff: PositiveDuration = parse_duration("5m")
    timeout: PositiveDuration = parse_duration("10s")
    proxy_url: ProxyURL | None = None


def _apprise_url(url: str) -> str:
    """A URL Apprise can send to; the URL (it holds tokens) is never repeated."""
    import apprise  # only when a config names an Apprise receiver: the import is slow

    if not apprise.Apprise().add(url):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        known = scheme.lower() in {
            name
            for service in apprise.Apprise().details()["schemas"]
            for name in (*(service["protocols"] or ()), *(service["secure_protocols"] or ()))
        }
        if known:  # the service is known: its tokens or ids are not in the shape it needs
            raise ValueError(
                f"Apprise knows {scheme}:// but cannot read the rest of this URL: check the"
                " token and ids it holds (the Apprise wiki shows each service's URL)"
            )
        raise ValueError(
            f"not a URL Apprise can send to (scheme {scheme!r}; see the Apprise wiki for"
            " the URL of each service, e.g. tgram://BOT_TOKEN/CHAT_ID)"
        )
    return url


class AppriseSchema(StrictModel):
    """Notifications through Apprise (Telegram, Slack, Matrix, email, ntfy, …)."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    urls: Annotated[tuple[Annotated[str, AfterValidator(_apprise_url)], ...], Field(min_length=1)]
    send_resolved: bool = True
    max_age: PositiveDuration = parse_duration("24h")
    max_backoff: PositiveDuration = parse_duration("5m")
    timeout: PositiveDuration = parse_duration("30s")


class NotifySchema(StrictModel):
    alertmanager: AlertmanagerSchema | None = None
    webhooks: tuple[WebhookSchema, ...] = ()
    apprise: tuple[AppriseSchema, ...] = ()
    webhook_replica: Annotated[str, Field(pattern=NAME_PATTERN)] = "a"


def _target_regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return text


class ProbeSchema(StrictModel):
    allowed_targets: tuple[Annotated[str, AfterValidator(_target_regex)], ...] = ()
    max_concurrent: Annotated[int, Field(ge=1, le=MAX_PROBES)] = 8


class SettingsSchema(StrictModel):
    web: WebSchema = WebSchema()
    storage: StorageSchema = StorageSchema()
    defaults: DefaultsSchema = DefaultsSchema()
    sources: tuple[SourceSchema, ...]
    alerts: tuple[AlertRuleSchema, ...] = ()
    notify: NotifySchema = NotifySchema()
    probe: ProbeSchema = ProbeSchema()

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceSchema, ...]) -> tuple[SourceSchema, ...]:
        if not sources:
            raise ValueError("at least one source is needed")
        return sources  # unique names: config.checks, at the second name
