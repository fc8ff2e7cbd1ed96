"""Mistakes a valid file can still hold, found on the whole file and reported at the key
that holds them: names used twice, references and alerts naming no source, an alert on a
pair no source gives, a change window no metric has, a ratio written as a percent, a
pattern with no literal text to locate its entries by.

Errors stop the file from loading; warnings (`Problem.warning`) are printed by
`tickerwatch check-config` and logged when the service loads the file."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from tickerwatch.config.schema import AlertRuleSchema, SettingsSchema, SourceSchema
from tickerwatch.config.wording import did_you_mean
from tickerwatch.config.yamlfile import Loc, Problem
from tickerwatch.core.model import Pair
from tickerwatch.core.parse.literals import MIN_LENGTH, required_literal


def problems(schema: SettingsSchema) -> Iterator[Problem]:
    """Every mistake in a validated file, each at its key path."""
    yield from _unique(("sources",), [s.name for s in schema.sources], "source")
    yield from _unique(("alerts",), [r.name for r in schema.alerts], "alert")
    hooks = [h.name for h in schema.notify.webhooks]
    yield from _unique(("notify", "webhooks"), hooks, "webhook")
    chats = [a.name for a in schema.notify.apprise]
    yield from _unique(("notify", "apprise"), chats, "apprise receiver")
    for i, name in enumerate(chats):  # one outbox queue per name: webhooks' and Apprise's
        if name in hooks:
            yield Problem(
                ("notify", "apprise", i, "name"), f"the name {name} is already a webhook's"
            )
    names = [s.name for s in schema.sources]
    for i, source in enumerate(schema.sources):
        if source.pattern is not None and required_literal(source.pattern) is None:
            yield Problem(
                ("sources", i, "pattern"),
                f"the pattern has no literal text of {MIN_LENGTH} or more characters to look"
                " for (only classes, optional parts, alternatives or an inline flag), so every"
                " poll renders and searches the whole page; put in a word the page prints"
                " beside each entry, e.g. the code as (?P<quote>USD)",
                warning=True,
            )
        for j, ref in enumerate(source.references):
            loc: Loc = ("sources", i, "references", j)
            if ref == source.name:
                yield Problem(loc, "a source cannot reference itself")
            elif ref not in names:
                yield Problem(loc, _no_source(ref, names))
    for i, rule in enumerate(schema.alerts):
        yield from _rule(("alerts", i), rule, schema)


def _unique(loc: Loc, names: list[str], what: str) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            where = f"{loc[-1]}[{first[name]}]"
            yield Problem((*loc, i, "name"), f"the {what} name {name} is already used by {where}")
        first.setdefault(name, i)


def _no_source(name: str, names: list[str]) -> str:
    return f"no source is named {name}" + (
        did_you_mean(name, names) or f" (the sources: {', '.join(dict.fromkeys(names))})"
    )


def _rule(loc: Loc, rule: AlertRuleSchema, schema: SettingsSchema) -> Iterator[Problem]:
    names = [s.name for s in schema.sources]
    for j, name in enumerate(rule.sources):
        if name not in names:
            yield Problem((*loc, "sources", j), _no_source(name, names))
    if rule.deviation is not None:
        for j, name in enumerate(rule.deviation.references):
            if name not in names:
                yield Problem((*loc, "deviation", "references", j), _no_source(name, names))
    applies = [s for s in schema.sources if not rule.sources or s.name in rule.sources]
    yield from _pairs(loc, rule, applies)
    if rule.deviation is not None:
        yield from _deviation(loc, rule, applies, names)
    if rule.change is not None:
        yield from _window(loc, rule.change.window, applies, schema)
    yield from _ratios(loc, rule)


def _pairs(loc: Loc, rule: AlertRuleSchema, applies: list[SourceSchema]) -> Iterator[Problem]:
    """A pair no source gives, when every source the rule watches lists its pairs."""
    if not applies or any(not s.pairs for s in applies):
        return
    given = list(dict.fromkeys(p for s in applies for p in s.pairs))
    for j, pair in enumerate(rule.pairs):
        if pair in given:
            continue
        inverse = Pair(pair.quote, pair.base)
        hint = f"; did you mean {inverse}?" if inverse in given else ""
        listed = ", ".join(map(str, given))
        yield Problem((*loc, "pairs", j), f"no source gives {pair} (they give {listed}){hint}")


def _deviation(
    loc: Loc, rule: AlertRuleSchema, applies: list[SourceSchema], known: list[str]
) -> Iterator[Problem]:
    """A deviation compares a source with its own references, always with rounding."""
    assert rule.deviation is not None
    if rule.rounding == "ignore":
        yield Problem(
            (*loc, "rounding"),
            "a deviation is always judged with the rounding of both printed numbers (its"
            " metric is 0 within it); remove rounding: ignore, or raise `above`",
        )
    referencing = [s for s in applies if s.references]
    if not referencing:
        yield Problem((*loc, "deviation"), "no source this rule watches has `references`")
        return
    theirs = {r for s in referencing for r in s.references}
    for j, name in enumerate(rule.deviation.references):
        if name in known and name not in theirs:  # an unknown one is said above
            listed = ", ".join(sorted(theirs))
            yield Problem(
                (*loc, "deviation", "references", j),
                f"{name} is not among the references of the sources this rule watches ({listed})",
            )


def _window(
    loc: Loc, window: str, applies: list[SourceSchema], schema: SettingsSchema
) -> Iterator[Problem]:
    missing = [s.name for s in applies if window not in (s.windows or schema.defaults.windows)]
    if missing:
        yield Problem(
            (*loc, "change", "window"),
            f"{window} is not in the windows of {', '.join(missing)}: the alert works, but"
            " `tickerwatch rules` and dashboards need the change_ratio metric of that window;"
            " add it to `windows`",
            warning=True,
        )


def _ratios(loc: Loc, rule: AlertRuleSchema) -> Iterator[Problem]:
    """Ratios of ±1 or more, where a percent was probably meant."""
    kinds = {
        "change": rule.change and ("above", "below", "by"),
        "source_change": rule.source_change and ("above", "below", "by"),
        "deviation": rule.deviation and ("above",),
    }
    for kind, keys in kinds.items():
        for key in keys or ():
            value = getattr(getattr(rule, kind), key)
            if value is None or abs(value) < 1:
                continue
            never = kind != "deviation" and key == "below" and value <= -1
            why = ", and a rate cannot fall that far" if never else ""
            yield Problem(
                (*loc, kind, key),
                f"{value} means {_plain(value * 100)}%{why}; did you mean {_plain(value / 100)}?",
                warning=not never,
            )


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
