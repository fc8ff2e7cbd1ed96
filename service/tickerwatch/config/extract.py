"""A source's `extract:` (formats xml and json): the schema, with every XPath or JMESPath
expression compiled when the config is loaded, so that a typo is a FILE:LINE error rather
than a failing poll. lxml's and jmespath's errors become ValueError here (pydantic reports
them at the key's line)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

import jmespath
import jmespath.exceptions
from lxml import etree
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tickerwatch.config.yamlfile import StrictModel


def check_expression(syntax: Literal["xml", "json"], expression: str) -> None:
    """ValueError unless `expression` is XPath 1.0 (xml) or JMESPath (json)."""
    if syntax == "xml":
        try:
            # Evaluated once on an empty element: an undefined variable, function or
            # namespace prefix is only found by evaluating.
            etree.XPath(expression)(etree.Element("x"))
        except etree.XPathSyntaxError as exc:
            raise ValueError(f"not an XPath 1.0 expression: {expression!r}: {exc}") from None
        except etree.XPathEvalError as exc:
            raise ValueError(f"the XPath expression {expression!r} cannot run: {exc}") from None
        return
    try:
        # Searched once in an empty document: an unknown function or a wrong number of
        # arguments is only found by searching (a type error depends on the data).
        jmespath.compile(expression).search({})
    except (jmespath.exceptions.UnknownFunctionError, jmespath.exceptions.ArityError) as exc:
        message = " ".join(str(exc).split())
        raise ValueError(f"the JMESPath expression {expression!r} cannot run: {message}") from None
    except jmespath.exceptions.JMESPathTypeError:
        pass
    except jmespath.exceptions.JMESPathError as exc:
        message = " ".join(str(exc).split())
        raise ValueError(f"not a JMESPath expression: {message}") from None


Code = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class FixedSchema(StrictModel):
    """A currency code written in the config: `quote: {fixed: KGS}`."""

    fixed: Code


def _path_or_fixed(value: object) -> object:
    """An expression, or `{fixed: CODE}`: one clear message for anything else."""
    if isinstance(value, str | FixedSchema):
        return value
    if isinstance(value, dict) and set(value) == {"fixed"}:
        code = value["fixed"]
        if isinstance(code, str) and re.fullmatch("[A-Z]{3}", code):
            return FixedSchema(fixed=code)
    raise ValueError("expected an expression, or {fixed: CODE} with a code such as KGS")


PathOrFixed = Annotated[str | FixedSchema, BeforeValidator(_path_or_fixed)]


def _date_format(text: str) -> str:
    """A strptime format that reads a day back (or "rfc822")."""
    if text == "rfc822":
        return text
    day = date(2026, 5, 24)
    try:
        ok = datetime.strptime(day.strftime(text), text).date() == day
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{text!r} does not read a date back (e.g. %d.%m.%Y, %Y-%m-%d)")
    return text


class ExtractSchema(StrictModel):
    """Where a document's values stand (see core.settings.Extract). `syntax` is not written
    by hand: the source's format sets it, and each expression is compiled in it."""

    syntax: Literal["xml", "json"] | None = None
    items: str
    base: PathOrFixed
    quote: PathOrFixed
    rate: str
    nominal: str | None = None
    change: str | None = None
    change_pct: str | None = None
    date: str | None = None
    date_from: Literal["entry", "document"] = "entry"
    date_format: Annotated[str, AfterValidator(_date_format)] = "%Y-%m-%d"
    decimals: Annotated[int, Field(ge=0, le=12)] = 0

    @field_validator("items", "base", "quote", "rate", "nominal", "change", "change_pct", "date")
    @classmethod
    def _compiles(cls, value: object, info: ValidationInfo) -> object:
        syntax = info.data.get("syntax")
        if isinstance(value, str) and syntax is not None:
            check_expression(syntax, value)
        return value

    @model_validator(mode="after")
    def _one_change(self) -> ExtractSchema:
        if self.change is not None and self.change_pct is not None:
            raise ValueError("give change (absolute) or change_pct (percent), not both")
        return self
