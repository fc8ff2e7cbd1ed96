"""Validated YAML (schema.py) → the core's frozen domain objects (core/settings.py): defaults
filled in, durations in seconds, patterns compiled, each alert rule's one condition as its
own type."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

from tickerwatch.config import schema as s
from tickerwatch.config.extract import ExtractSchema, FixedSchema
from tickerwatch.core.parse import BUILTIN, compile_pattern
from tickerwatch.core.parse.formats import EntryPattern
from tickerwatch.core.settings import (
    Above,
    Alertmanager,
    AlertRule,
    AppriseReceiver,
    Below,
    ChangeCondition,
    Condition,
    ConflictCondition,
    DeviationCondition,
    Extract,
    Fixed,
    Inside,
    MissingCondition,
    MovesBy,
    Notify,
    Outside,
    Probe,
    RateCondition,
    Settings,
    Source,
    SourceChangeCondition,
    SourceDownCondition,
    StaleCondition,
    Storage,
    Web,
    Webhook,
)
from tickerwatch.core.units import parse_duration


def settings(
    schema: s.SettingsSchema, web_file: Path | None, warnings: tuple[str, ...] = ()
) -> Settings:
    """The domain objects of a validated file; `web_file` is its web config file's path,
    resolved against the config file's folder; `warnings` the file's, as FILE:LINE lines."""
    sources = tuple(source(c, schema.defaults) for c in schema.sources)
    return Settings(
        web=web(schema.web, web_file),
        storage=Storage(schema.storage.path, schema.storage.retention),
        sources=sources,
        alerts=tuple(alert_rule(r) for r in schema.alerts),
        notify=notify(schema.notify),
        probe=Probe(
            allowed_targets=tuple(re.compile(p) for p in schema.probe.allowed_targets),
            timeout=schema.defaults.timeout,
            max_body=schema.defaults.max_body,
            sources=sources,
            max_concurrent=schema.probe.max_concurrent,
        ),
        warnings=warnings,
    )


def web(schema: s.WebSchema, config_file: Path | None) -> Web:
    """`public_url`: external_url, else this host's name and the listen port."""
    host, _, port = schema.listen.rpartition(":")
    host = host.strip("[]")
    if schema.external_url:
        public = schema.external_url.rstrip("/")
    else:
        public = f"http://{socket.gethostname() if host in {'0.0.0.0', '::', ''} else host}:{port}"
    return Web(schema.listen, public, config_file, schema.enable_lifecycle, schema.grafana_url)


def source(cfg: s.SourceSchema, defaults: s.DefaultsSchema) -> Source:
    def pick(value: Any, default: Any) -> Any:
        return default if value is None else value

    widget = cfg.widget if cfg.pattern is not None else None
    pattern: EntryPattern
    if cfg.pattern is not None:
        fmt, pattern = "pattern", compile_pattern(cfg.pattern, widget)
    else:
        fmt = cfg.format or "timesca"
        pattern = BUILTIN.get(fmt, BUILTIN["timesca"])  # feeds match no entries
    return Source(
        name=cfg.name,
        url=cfg.url,
        format=fmt,
        entry_pattern=pattern,
        pairs=cfg.pairs,
        interval=pick(cfg.interval, defaults.interval),
        jitter=pick(cfg.jitter, defaults.jitter),
        timeout=pick(cfg.timeout, defaults.timeout),
        max_body=pick(cfg.max_body, defaults.max_body),
        max_pairs=pick(cfg.max_pairs, defaults.max_pairs),
        stale_after=pick(cfg.stale_after, defaults.stale_after),
        drop_after=pick(cfg.drop_after, defaults.drop_after),
        windows=pick(cfg.windows, defaults.windows),
        redirect_hosts=frozenset(h.lower() for h in cfg.redirect_hosts),
        proxy_url=cfg.proxy_url,
        decimal_mark=cfg.decimal_mark,
        encoding=cfg.encoding,
        timezone=cfg.timezone,
        references=cfg.references,
        schedule=cfg.schedule,
        widget=widget,
        extract=None if cfg.extract is None else extract(cfg.extract),
    )


def extract(cfg: ExtractSchema) -> Extract:
    def code(value: str | FixedSchema | None) -> str | Fixed | None:
        return Fixed(value.fixed) if isinstance(value, FixedSchema) else value

    base, quote = code(cfg.base), code(cfg.quote)
    assert base is not None and quote is not None  # required by the schema
    return Extract(
        items=cfg.items, base=base, quote=quote, rate=cfg.rate, nominal=cfg.nominal,
        change=cfg.change, change_pct=cfg.change_pct, date=cfg.date, date_from=cfg.date_from,
        date_format=cfg.date_format, decimals=cfg.decimals,
    )  # fmt: skip


def alert_rule(rule: s.AlertRuleSchema) -> AlertRule:
    return AlertRule(
        name=rule.name,
        condition=condition(rule),
        sources=rule.sources,
        pairs=rule.pairs,
        for_=rule.for_,
        keep_firing_for=rule.keep_firing_for,
        severity=rule.severity,
        labels=dict(rule.labels),
        summary=rule.summary,
        description=rule.description,
        strict=rule.rounding == "strict",
    )


def condition(rule: s.AlertRuleSchema) -> Condition:
    """The one condition the schema allows a rule (it checks there is exactly one)."""
    if rule.rate is not None:
        return RateCondition(_rate_threshold(rule.rate))
    if rule.change is not None:
        c = rule.change
        threshold = MovesBy(c.delta, absolute=True) if c.delta is not None else _ratio(c)
        return ChangeCondition(c.window, parse_duration(c.window), threshold)
    if rule.source_change is not None:
        return SourceChangeCondition(_ratio(rule.source_change))
    if rule.stale is not None:
        return StaleCondition(rule.stale.after)
    if rule.source_down is not None:
        return SourceDownCondition()
    if rule.conflict is not None:
        return ConflictCondition()
    if rule.deviation is not None:
        return DeviationCondition(rule.deviation.above, rule.deviation.references)
    return MissingCondition()


def _rate_threshold(c: s.RateSchema) -> Above | Below | Outside | Inside:
    if c.outside is not None:
        return Outside(*c.outside)
    if c.inside is not None:
        return Inside(*c.inside)
    return Above(c.above) if c.above is not None else Below(c.below)  # type: ignore[arg-type]


def _ratio(c: s.ChangeSchema | s.SourceChangeSchema) -> Above | Below | MovesBy:
    if c.above is not None:
        return Above(c.above)
    if c.below is not None:
        return Below(c.below)
    return MovesBy(c.by)  # type: ignore[arg-type]


def notify(schema: s.NotifySchema) -> Notify:
    am = schema.alertmanager
    alertmanager = (
        None if am is None else Alertmanager(am.urls, am.resend_interval, am.timeout, am.proxy_url)
    )
    hooks = tuple(
        Webhook(h.name, h.url, h.send_resolved, h.max_age, h.max_backoff, h.timeout, h.proxy_url)
        for h in schema.webhooks
    )
    chats = tuple(
        AppriseReceiver(a.name, a.urls, a.send_resolved, a.max_age, a.max_backoff, a.timeout)
        for a in schema.apprise
    )
    return Notify(alertmanager, hooks, chats, schema.webhook_replica)
