"""The project's own words for what pydantic and PyYAML report, and "did you mean …"
suggestions: a config mistake is explained in the terms of the config file, not of the
validation library."""

from __future__ import annotations

import difflib
import types
import typing
from decimal import Decimal
from typing import Any, Final

import yaml
from pydantic import BaseModel

from tickerwatch.core.settings import NAME_PATTERN

Loc = tuple[str | int, ...]

# Examples for the lists the config file has, by their key.
_LIST_EXAMPLES: Final = {
    "pairs": "[KGS/USD, KZT/USD]",
    "windows": "[24h, 7d]",
    "references": "[nbkr, cbu]",
    "sources": "(`- name: …` lines)",
    "redirect_hosts": "[www.example.com]",
    "urls": "[http://alertmanager:9093]",
    "webhooks": "(`- name: …` lines)",
    "alerts": "(`- name: …` lines)",
}

_PATTERN_WORDS: Final = {
    NAME_PATTERN: "a name of letters, digits, '.', '_' and '-' (up to 63, not starting with"
    " a '.', '_' or '-')",
    r"^[A-Z]{3}$": "a three-letter currency code in capitals, such as USD",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "a name of letters, digits and '_', not starting with a digit",
    r"^[A-Za-z0-9_-]{1,32}$": "a word of letters, digits, '_' and '-' (up to 32)",
    r"^(\*|[A-Za-z0-9.-]+)$": "a host name such as www.example.com, or *",
}

_TYPE_WORDS: Final = {
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "decimal_type": "expected a number",
    "decimal_parsing": "expected a number",
    "dict_type": "expected `key: value` lines (a mapping)",
    "model_type": "expected `key: value` lines (a mapping)",
    "model_attributes_type": "expected `key: value` lines (a mapping)",
    "missing": "a required key is missing",
}


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    """`; did you mean X?` for the closest of `choices`, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def pydantic_message(error: Any, loc: Loc, model: type[BaseModel]) -> str:
    """One validation error in the project's words."""
    kind = error["type"]
    if kind == "extra_forbidden":
        keys = keys_at(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), keys) if loc else ""
        if not hint and 0 < len(keys) <= 20:
            hint = f" (the keys here: {', '.join(keys)})"
        return f"unknown key{hint}"
    if kind in {"tuple_type", "list_type"}:
        key = next((p for p in reversed(loc) if isinstance(p, str)), "")
        example = _LIST_EXAMPLES.get(key)
        return "expected a list" + (f" such as {example}" if example else "")
    if kind == "literal_error":
        allowed = [str(v) for v in error.get("ctx", {}).get("expected", "").split("'")[1::2]]
        given = str(error.get("input"))
        return f"expected one of {', '.join(allowed)}, got {given!r}" + did_you_mean(given, allowed)
    if kind == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        what = _PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"expected {what}, got {error.get('input')!r}"
    if kind in _TYPE_WORDS:
        return (
            _TYPE_WORDS[kind]
            + ("" if kind == "missing" else f", got {error.get('input')!r}")
            + _hint(error.get("input"))
        )
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model allows at the mapping `loc` (empty when it is not a model)."""
    annotation: Any = model
    for part in loc:
        annotation = _model_in(annotation, index=isinstance(part, int))
        if annotation is None:
            return []
        if isinstance(part, str):
            field = _field(annotation, part)
            if field is None:
                return []
            annotation = field.annotation
    found = _model_in(annotation, index=False)
    if found is None:
        return []
    return [f.alias or name for name, f in found.model_fields.items()]


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in {name, field.alias}:
            return field
    return None


def _model_in(annotation: Any, index: bool) -> Any:
    """The model class within an annotation (through Optional, unions, Annotated, and a
    tuple's or dict's items when `index`)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0], index)
    if origin in {typing.Union, types.UnionType}:
        for arg in typing.get_args(annotation):
            found = _model_in(arg, index)
            if found is not None:
                return found
        return None
    if index and origin in {tuple, list}:
        return _model_in(typing.get_args(annotation)[0], index=False)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation if not index else None
    return None


def yaml_problem(exc: yaml.YAMLError) -> tuple[int, str]:
    """(line, what is wrong) for a YAML syntax error."""
    if isinstance(exc, yaml.reader.ReaderError):
        return 1, f"character {exc.character!r} at position {exc.position} is not allowed in YAML"
    if not isinstance(exc, yaml.MarkedYAMLError):
        return 1, str(exc).splitlines()[0]
    problem = exc.problem or str(exc).splitlines()[0]
    at_start = "end of stream" in problem or "<stream end>" in problem or "expected ':'" in problem
    mark = (exc.context_mark if at_start else None) or exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    for needle, words in _YAML_WORDS:
        if needle in problem:
            return line, words
    return line, problem


_YAML_WORDS: Final = (
    (
        "expected <block end>",
        "check the indentation: this line does not line up with the keys above it",
    ),
    (
        "mapping values are not allowed",
        "a second ': ' on this line: check the indentation, or quote the value",
    ),
    (
        "could not find expected ':'",
        "expected `key: value`: check the indentation, or a missing ':'",
    ),
    ("found character '\\t'", "a tab: YAML indents with spaces only"),
    ("end of stream", "a quoted value or a [list] opened here is never closed"),
    ("<stream end>", "a quoted value or a [list] opened here is never closed"),
    ("expected ',' or ']'", "a [list] here is not closed: expected ',' or ']'"),
    ("expected ',' or '}'", "a {mapping} here is not closed: expected ',' or '}'"),
)


def _hint(given: Any) -> str:
    """What the value probably meant: YAML reads Off, No, Yes … as booleans; a percent
    sign where a ratio goes."""
    if isinstance(given, bool):
        return " (YAML reads unquoted words such as Off, No and Yes as true/false: quote them)"
    if isinstance(given, str) and given.strip().endswith("%"):
        number = given.strip().rstrip("%").strip()
        try:
            ratio = Decimal(number) / 100
        except ArithmeticError:
            return ""
        return f"; did you mean {ratio.normalize():f}? (a ratio, not a percent)"
    return ""
