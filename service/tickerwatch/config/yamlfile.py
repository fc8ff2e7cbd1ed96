"""YAML files → validated pydantic models, every problem as FILE:LINE: key.path: why.

Values that came from `${ENV}` substitution are secrets as far as this module knows: they
never appear in an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from tickerwatch.config.wording import pydantic_message, yaml_problem
from tickerwatch.core.errors import ConfigError
from tickerwatch.core.redact import REDACTED
from tickerwatch.core.units import is_number

Loc = tuple[str | int, ...]


class StrictModel(BaseModel):
    """The base of every model read from a file: an unknown key is an error, and a
    validated value never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """A mistake found in a validated file, at the key path `loc`; a warning does not stop
    the file from loading."""

    loc: Loc
    message: str
    warning: bool = False


Checks = Callable[[M], Iterable[Problem]]


def load_yaml_model(path: Path, model: type[M], environ: dict[str, str] | None = None) -> M:
    """Read and validate a YAML file; raises ConfigError listing every problem."""
    return load_checked(path, model, lambda _: (), environ)[0]


def load_checked(
    path: Path, model: type[M], checks: Checks[M], environ: dict[str, str] | None = None
) -> tuple[M, list[str]]:
    """Read and validate a YAML file, then run `checks` on the valid model: (the model,
    its warnings as FILE:LINE: key.path: problem). Raises ConfigError listing every error,
    the checks' included, in line order."""
    env = dict(os.environ) if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [f"{path}: cannot read the file: {_lower(exc.strerror or str(exc))}"]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: the file is not UTF-8 text ({exc.reason})"]) from exc
    reader = _Reader(path, env)
    data = reader.read(text)
    reader.report_unset()
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_by_line(reader.problems + reader.explain(exc, model))) from exc
    found = list(checks(result))
    errors = [reader.at(p.loc, p.message) for p in found if not p.warning]
    warnings = _by_line([reader.at(p.loc, p.message) for p in found if p.warning])
    if reader.problems or errors:
        raise ConfigError(_by_line(reader.problems + errors), warnings)
    return result, warnings


def _by_line(problems: list[str]) -> list[str]:
    def line(problem: str) -> int:
        number = problem.split(":", 2)[1] if problem.count(":") >= 2 else ""
        return int(number) if is_number(number) else 0

    return sorted(dict.fromkeys(problems), key=line)


_ENV_REF: Final = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Reader:
    """Builds plain data from YAML nodes, remembering the line of every key path."""

    def __init__(self, path: Path, environ: dict[str, str]) -> None:
        self.path = path
        self.environ = environ
        self.lines: dict[Loc, int] = {}
        self.problems: list[str] = []
        self.secrets: set[str] = set()
        self.unset: dict[str, list[Loc]] = {}

    def read(self, text: str) -> Any:
        try:
            loader = yaml.SafeLoader(text)  # the reader checks characters here already
        except yaml.YAMLError as exc:
            raise ConfigError([self._yaml_error(exc)]) from exc
        try:
            node = loader.get_single_node()
            return {} if node is None else self._build(loader, node, ())
        except yaml.YAMLError as exc:
            raise ConfigError([self._yaml_error(exc)]) from exc
        finally:
            loader.dispose()

    def _build(self, loader: yaml.SafeLoader, node: yaml.Node, loc: Loc) -> Any:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(loader.construct_object(key_node))
                self.lines[(*loc, key)] = key_node.start_mark.line + 1
                if key in out:
                    self._problem((*loc, key), "the key is given twice")
                out[key] = self._build(loader, value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(loader, item, (*loc, i)) for i, item in enumerate(node.value)]
        value = loader.construct_object(node)
        return self._substitute(value, loc) if isinstance(value, str) else value

    def _substitute(self, text: str, loc: Loc) -> str:
        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name = match.group(1)
            if name not in self.environ:
                self.unset.setdefault(name, []).append(loc)
                return ""
            if self.environ[name]:
                self.secrets.add(self.environ[name])
            return self.environ[name]

        return _ENV_REF.sub(replace, text)

    def _yaml_error(self, exc: yaml.YAMLError) -> str:
        line, problem = yaml_problem(exc)
        return f"{self.path}:{line}: (yaml): {problem}"

    def report_unset(self) -> None:
        """One problem per unset environment variable, at its first use."""
        for name, locs in self.unset.items():
            others = sorted({self._line(loc) for loc in locs[1:]} - {self._line(locs[0])})
            also = f" (also used at line {', '.join(map(str, others))})" if others else ""
            self._problem(locs[0], f"the environment variable {name} is not set{also}")

    def _problem(self, loc: Loc, message: str) -> None:
        self.problems.append(self.at(loc, message))

    def at(self, loc: Loc, message: str) -> str:
        """`FILE:LINE: key.path: message` for the key path `loc`."""
        return f"{self.path}:{self._line(loc)}: {_dotted(loc)}: {message}"

    def _line(self, loc: Loc) -> int:
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)

    def explain(self, exc: ValidationError, model: type[BaseModel]) -> list[str]:
        unset = {loc for locs in self.unset.values() for loc in locs}
        errors = exc.errors()
        failed = [_model_loc(e["loc"]) for e in errors]
        out = []
        for error in errors:
            loc = _model_loc(error["loc"])
            if loc in unset and error["type"] != "extra_forbidden":
                continue  # already said: the variable is not set
            if error["type"] == "too_short" and any(f[: len(loc)] == loc != f for f in failed):
                continue  # a list emptied by its own items' errors: those say what is wrong
            message = pydantic_message(error, loc, model)
            for secret in sorted(self.secrets, key=len, reverse=True):
                message = message.replace(secret, REDACTED)
            out.append(f"{self.path}:{self._line(loc)}: {_dotted(loc)}: {message}")
        return out


def _model_loc(loc: tuple[Any, ...]) -> Loc:
    """Drop the validator names pydantic adds for Annotated and union members."""
    return tuple(p for p in loc if isinstance(p, int) or not _is_internal(p))


def _is_internal(part: str) -> bool:
    return (
        part.startswith(("function-", "lax-", "strict-", "json-"))
        or part
        in {
            "str",
            "float",
            "int",
            "bool",
            "none",
            "tuple",
            "list",
            "is-instance[Pair]",
        }
        or "[" in part
    )


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]
