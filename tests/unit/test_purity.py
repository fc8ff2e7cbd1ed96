"""The house's rules, checked: the core is pure (it does not even import an IO library or a
framework), and each part imports only the parts its package docstring allows."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import tickerwatch
import tickerwatch.core

FORBIDDEN_IN_CORE = (
    "asyncio", "httpx", "sqlite3", "prometheus_client", "structlog", "starlette", "uvicorn",
    "apscheduler", "pydantic", "yaml",
)  # fmt: skip
PACKAGE = Path(tickerwatch.__file__).parent
# What each part may import of tickerwatch besides itself and `tickerwatch` (the version).
ALLOWED = {
    "core": set(),
    "config": {"core"},
    "fetch": {"core"},
    "store": {"core"},
    "metrics": {"core", "notify.base"},
    "sources": {"core", "fetch"},
    "notify": {"core", "fetch", "store"},
    "web": {"core", "store", "engine.runtime", "notify.status"},
    "engine": {"core", "config", "fetch", "store", "metrics", "sources", "notify", "web"},
}
NOTIFIERS = ("notify.webhook", "notify.alertmanager")


def core_modules() -> list[str]:
    prefix = "tickerwatch.core."
    found = sorted(m.name for m in pkgutil.walk_packages(tickerwatch.core.__path__, prefix))
    return ["tickerwatch.core", *found]


def test_the_core_imports_no_io_library_nor_framework() -> None:
    """Every module of tickerwatch.core, imported in a fresh interpreter."""
    modules = core_modules()
    assert len(modules) > 10
    probe = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in {FORBIDDEN_IN_CORE!r} if m in sys.modules))\n"
        + "print(sorted(m for m in sys.modules if m.startswith('tickerwatch.')"
        + " and not m.startswith('tickerwatch.core')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]"]


def imports_of(path: Path) -> set[str]:
    """The tickerwatch modules a file imports, without the `tickerwatch.` prefix."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "tickerwatch":
                found |= {a.name for a in node.names if a.name != "__version__"}
            elif node.module.startswith("tickerwatch."):
                module = node.module.removeprefix("tickerwatch.")
                found.add(
                    module
                )  # and what may be a submodule: from tickerwatch.notify import webhook
                found |= {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("tickerwatch.")
                for a in node.names
                if a.name.startswith("tickerwatch.")
            }
    return found


def part_of(module: str) -> str:
    return module.split(".")[0]


def allowed(part: str, imported: str) -> bool:
    if part_of(imported) == part:
        return True
    return any(imported == a or imported.startswith(a + ".") for a in ALLOWED[part])


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_what_its_rules_allow(part: str) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)} imports tickerwatch.{imported}"
        for path in (PACKAGE / part).rglob("*.py")
        for imported in imports_of(path)
        if not allowed(part, imported)
    }
    assert not wrong


def test_only_notify_itself_names_a_notifier() -> None:
    """The service wires notifiers through notify.build's registry; nothing else, web and
    metrics included, knows one."""
    outside = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "notify"
        and any(i in NOTIFIERS for i in imports_of(path))
    }
    assert not outside


def test_the_io_boundaries_never_import_the_web_layer() -> None:
    for part in ("notify", "fetch", "store"):
        for path in (PACKAGE / part).rglob("*.py"):
            assert not {i for i in imports_of(path) if part_of(i) == "web"}, path
