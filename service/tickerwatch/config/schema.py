"""Settings from YAML: validated, frozen, every problem reported as FILE:LINE: key.path: why."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from tickerwatch.config.urls import HttpURL, ProxyURL, http_url, one_per_host
from tickerwatch.config.webfile import load_web_file
from tickerwatch.config.yamlfile import load_yaml_model
from tickerwatch.core.decoding import codec_for
from tickerwatch.core.model import Pair
from tickerwatch.core.parse import BUILTIN, DecimalMark, compile_pattern
from tickerwatch.core.units import is_number, parse_duration, parse_size

DEFAULT_CONFIG: Final = Path("config/tickerwatch.yaml")
NAME_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"  # sources and webhooks
CONFIG_ENV: Final = "TICKERWATCH_CONFIG"


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


def _listen(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not is_number(port) or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT such as 0.0.0.0:10049, got {text!r}")
    if not host:
        raise ValueError(f"the host is missing in {text!r} (use 0.0.0.0:{port} for every address)")
    return text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebConfig(_Model):
    listen: Annotated[str, AfterValidator(_listen)] = "0.0.0.0:10049"
    config_file: Path | None = None
    enable_lifecycle: bool = False
    external_url: Annotated[str | None, AfterValidator(lambda v: v and http_url(v))] = None

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    def public_url(self) -> str:
        """external_url, else this host's name and the listen port."""
        if self.external_url:
            return self.external_url.rstrip("/")
        host = self.host
        if host in {"0.0.0.0", "::", ""}:
            host = socket.gethostname()
        return f"http://{host}:{self.port}"


class StorageConfig(_Model):
    path: Path = Path("data/tickerwatch.db")
    retention: PositiveDuration = parse_duration("400d")


class Defaults(_Model):
    interval: PositiveDuration = parse_duration("5m")
    jitter: Duration = parse_duration("30s")
    timeout: PositiveDuration = parse_duration("20s")
    max_body: Size = parse_size("5MiB")
    stale_after: PositiveDuration = parse_duration("2h")
    drop_after: PositiveDuration = parse_duration("7d")
    windows: tuple[Window, ...] = ("24h", "7d")


class SourceConfig(_Model):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    url: HttpURL
    format: Literal["timesca"] | None = None
    pattern: str | None = None
    pairs: tuple[Annotated[Pair, BeforeValidator(lambda v: Pair.parse(str(v)))], ...] = ()
    interval: PositiveDuration | None = None
    jitter: Duration | None = None
    timeout: PositiveDuration | None = None
    max_body: Size | None = None
    stale_after: PositiveDuration | None = None
    drop_after: PositiveDuration | None = None
    windows: tuple[Window, ...] | None = None
    redirect_hosts: tuple[Annotated[str, Field(pattern=r"^(\*|[A-Za-z0-9.-]+)$")], ...] = ()
    proxy_url: ProxyURL | None = None
    decimal_mark: Literal[".", ","] | None = None
    encoding: Annotated[str | None, AfterValidator(lambda v: v and codec_for(v))] = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            compile_pattern(value)
        return value

    @model_validator(mode="after")
    def _one_format(self) -> SourceConfig:
        if self.format is not None and self.pattern is not None:
            raise ValueError("give either format or pattern, not both")
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


class RateCondition(_Model):
    above: Decimal | None = None
    below: Decimal | None = None
    outside: Annotated[Band | None, AfterValidator(_band)] = None
    inside: Annotated[Band | None, AfterValidator(_band)] = None

    @model_validator(mode="after")
    def _one(self) -> RateCondition:
        _exactly_one(self, ("above", "below", "outside", "inside"))
        return self


class SourceChangeCondition(_Model):
    above: Decimal | None = None
    below: Decimal | None = None
    by: Annotated[Decimal | None, Field(gt=0)] = None

    @model_validator(mode="after")
    def _one(self) -> SourceChangeCondition:
        _exactly_one(self, ("above", "below", "by"))
        return self


class ChangeCondition(_Model):
    """A move over `window`: a ratio `above`/`below`, a ratio `by` either way, or an
    absolute `delta` in rate units either way."""

    window: Window
    above: Decimal | None = None
    below: Decimal | None = None
    by: Annotated[Decimal | None, Field(gt=0)] = None
    delta: Annotated[Decimal | None, Field(gt=0)] = None

    @model_validator(mode="after")
    def _one(self) -> ChangeCondition:
        _exactly_one(self, ("above", "below", "by", "delta"))
        return self


class StaleCondition(_Model):
    after: PositiveDuration


class Flag(_Model):
    """A rule kind without parameters: `source_down: {}`."""


RULE_KINDS: Final = (
    "rate",
    "change",
    "source_change",
    "stale",
    "source_down",
    "conflict",
    "missing",
)
TEMPLATE_FIELDS: Final = {
    "alertname": "X", "source": "s", "pair": "A/B", "base": "A", "quote": "B", "value": "1",
    "threshold": "1", "window": "1h", "severity": "warning", "for": "0s",
}  # fmt: skip


def _template(text: str | None) -> str | None:
    if text is not None:
        try:
            text.format_map(TEMPLATE_FIELDS)
        except (KeyError, ValueError, IndexError, AttributeError) as exc:
            known = ", ".join("{" + k + "}" for k in TEMPLATE_FIELDS)
            raise ValueError(f"bad template ({exc!r}); it may use {known}") from exc
    return text


class AlertRule(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    sources: tuple[str, ...] = ()
    pairs: tuple[Annotated[Pair, BeforeValidator(lambda v: Pair.parse(str(v)))], ...] = ()
    rate: RateCondition | None = None
    change: ChangeCondition | None = None
    source_change: SourceChangeCondition | None = None
    stale: StaleCondition | None = None
    source_down: Flag | None = None
    conflict: Flag | None = None
    missing: Flag | None = None
    for_: Annotated[Duration, Field(alias="for")] = 0.0
    keep_firing_for: Duration = 0.0
    severity: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")] = "warning"
    labels: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str] = {}
    summary: Annotated[str | None, AfterValidator(_template)] = None
    description: Annotated[str | None, AfterValidator(_template)] = None
    rounding: Literal["strict", "ignore"] = "strict"

    @model_validator(mode="after")
    def _one_kind(self) -> AlertRule:
        given = [k for k in RULE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one condition of {', '.join(RULE_KINDS)}")
        reserved = {"alertname", "severity", "source", "base", "quote"} & set(self.labels)
        if reserved:
            raise ValueError(f"labels may not set {', '.join(sorted(reserved))}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in RULE_KINDS if getattr(self, k) is not None)


class AlertmanagerConfig(_Model):
    urls: Annotated[tuple[HttpURL, ...], Field(min_length=1), AfterValidator(one_per_host)]
    resend_interval: PositiveDuration = parse_duration("1m")
    timeout: PositiveDuration = parse_duration("10s")
    proxy_url: ProxyURL | None = None


class WebhookConfig(_Model):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    url: HttpURL
    send_resolved: bool = True
    max_age: PositiveDuration = parse_duration("24h")
    max_backoff: PositiveDuration = parse_duration("5m")
    timeout: PositiveDuration = parse_duration("10s")
    proxy_url: ProxyURL | None = None


class NotifyConfig(_Model):
    alertmanager: AlertmanagerConfig | None = None
    webhooks: tuple[WebhookConfig, ...] = ()

    @field_validator("webhooks")
    @classmethod
    def _unique(cls, hooks: tuple[WebhookConfig, ...]) -> tuple[WebhookConfig, ...]:
        names = [h.name for h in hooks]
        if len(set(names)) != len(names):
            raise ValueError("webhook names must be unique")
        return hooks


class Settings(_Model):
    web: WebConfig = WebConfig()
    storage: StorageConfig = StorageConfig()
    defaults: Defaults = Defaults()
    sources: tuple[SourceConfig, ...]
    alerts: tuple[AlertRule, ...] = ()
    notify: NotifyConfig = NotifyConfig()

    @model_validator(mode="after")
    def _rules_name_known_sources(self) -> Settings:
        known = {s.name for s in self.sources}
        for rule in self.alerts:
            unknown = [s for s in rule.sources if s not in known]
            if unknown:
                raise ValueError(f"alert {rule.name}: unknown source {', '.join(unknown)}")
        names = [r.name for r in self.alerts]
        if len(set(names)) != len(names):
            raise ValueError("alert names must be unique")
        return self

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        if not sources:
            raise ValueError("at least one source is needed")
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        return sources

    def resolved_sources(self) -> tuple[Source, ...]:
        return tuple(Source.resolve(s, self.defaults) for s in self.sources)


@dataclass(frozen=True, slots=True)
class Source:
    """A source with every default filled in and its entry pattern compiled."""

    name: str
    url: str
    format: str
    entry_pattern: re.Pattern[str]
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

    @property
    def quote_codes(self) -> frozenset[str]:
        """Quote currencies of the expected pairs: where the locator looks for the ticker."""
        return frozenset(p.quote for p in self.pairs) if self.format != "pattern" else frozenset()

    @classmethod
    def resolve(cls, cfg: SourceConfig, defaults: Defaults) -> Source:
        def pick(value: Any, default: Any) -> Any:
            return default if value is None else value

        if cfg.pattern is not None:
            fmt, pattern = "pattern", compile_pattern(cfg.pattern)
        else:
            fmt = cfg.format or "timesca"
            pattern = BUILTIN[fmt]
        return cls(
            name=cfg.name,
            url=cfg.url,
            format=fmt,
            entry_pattern=pattern,
            pairs=cfg.pairs,
            interval=pick(cfg.interval, defaults.interval),
            jitter=pick(cfg.jitter, defaults.jitter),
            timeout=pick(cfg.timeout, defaults.timeout),
            max_body=pick(cfg.max_body, defaults.max_body),
            stale_after=pick(cfg.stale_after, defaults.stale_after),
            drop_after=pick(cfg.drop_after, defaults.drop_after),
            windows=pick(cfg.windows, defaults.windows),
            redirect_hosts=frozenset(h.lower() for h in cfg.redirect_hosts),
            proxy_url=cfg.proxy_url,
            decimal_mark=cfg.decimal_mark,
            encoding=cfg.encoding,
        )


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_settings(path: Path, environ: dict[str, str] | None = None) -> Settings:
    """Read and validate a config file (and its web config file, if it names one)."""
    settings = load_yaml_model(path, Settings, environ)
    web_file = settings.web.config_file
    if web_file is not None:
        if not web_file.is_absolute():
            web_file = path.parent / web_file
        load_web_file(web_file)
        web = settings.web.model_copy(update={"config_file": web_file})
        settings = settings.model_copy(update={"web": web})
    return settings
