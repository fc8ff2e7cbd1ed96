"""The configuration file: its YAML schema (pydantic, `schema`), the FILE:LINE reading of
YAML (`yamlfile`), the exporter-toolkit web config file (`webfile`), URL checks (`urls`),
cron schedules (`crontab`, read by APScheduler's CronTrigger, which also runs them), and
the conversion of a validated file into the core's frozen domain objects (`build`):
`load_settings` gives a `tickerwatch.core.settings.Settings`.

May import: `tickerwatch.core`, pydantic, yaml, APScheduler's cron trigger. Nothing else of
tickerwatch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from tickerwatch.config import build, checks
from tickerwatch.config.schema import SettingsSchema
from tickerwatch.config.webfile import load_web_file
from tickerwatch.config.wording import did_you_mean
from tickerwatch.config.yamlfile import load_checked
from tickerwatch.core.errors import ConfigError
from tickerwatch.core.settings import Placement, Settings, Source
from tickerwatch.core.shard import place

DEFAULT_CONFIG: Final = Path("config/tickerwatch.yaml")
CONFIG_ENV: Final = "TICKERWATCH_CONFIG"

__all__ = ["CONFIG_ENV", "DEFAULT_CONFIG", "default_config_path", "load_settings", "source_named"]


def default_config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_settings(
    path: Path, environ: dict[str, str] | None = None, placement: Placement | None = None
) -> Settings:
    """Read and validate a config file (and its web config file, if it names one) into
    the domain objects, with the file's warnings (`Settings.warnings`), as the process at
    `placement` (a shard, an HA replica) runs them (core.shard.place). Raises ConfigError
    with one FILE:LINE: key.path: problem each."""
    schema, warnings = load_checked(path, SettingsSchema, checks.problems, environ)
    web_file = schema.web.config_file
    if web_file is not None:
        if not web_file.is_absolute():
            web_file = path.parent / web_file
        load_web_file(web_file)
    return place(build.settings(schema, web_file, tuple(warnings)), placement or Placement())


def source_named(settings: Settings, name: str, path: Path) -> Source:
    """The source of `settings` (read from `path`) called `name`; ConfigError saying the
    closest name, or the names there are, when there is none."""
    found = {s.name: s for s in settings.sources}
    if name in found:
        return found[name]
    hint = did_you_mean(name, found) or f"; the sources are: {', '.join(sorted(found))}"
    raise ConfigError([f"{path}: no source named {name!r}{hint}"])
