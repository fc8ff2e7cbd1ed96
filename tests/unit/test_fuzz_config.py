"""Whatever a config file holds, loading it gives Settings or a ConfigError whose every
line reads FILE:LINE: key.path: problem — never another exception, never a hang."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from support.fuzz import fuzz
from tickerwatch.config import load_settings
from tickerwatch.core.errors import ConfigError

KEYS = ["web", "listen", "storage", "path", "defaults", "interval", "timeout", "max_body",
        "windows", "sources", "name", "url", "format", "pattern", "pairs", "alerts", "rate",
        "change", "window", "below", "above", "by", "for", "notify", "webhooks", "stale",
        "after", "severity", "labels", "summary", "alertmanager", "urls",
        "config_file"]  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["5m", "0s", "-1h", "KZT/USD", "https://a.example/",
                                           "${HOME}", "${NOPE}", "5MiB", "[", "(?P<base>x",
                                           "*/30 8-11 * * mon-fri", "0 9 * * 1-5",
                                           "0 0 31 2 *", "Asia/Bishkek"]),
)  # fmt: skip
SOURCE_KEYS = ["name", "url", "pairs", "interval", "pattern", "redirect_hosts", "schedule",
               "timezone"]  # fmt: skip
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.sampled_from(KEYS), children, max_size=5)
    ),
    max_leaves=25,
)


def load(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tw.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_settings(path, environ={"HOME": "/root"})
        except ConfigError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert re.match(rf"^{re.escape(str(path))}:\d+: \S.*: \S", problem), problem


@fuzz
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    load(text)


@fuzz
@given(DOCS)
def test_arbitrary_yaml_shapes(doc: Any) -> None:
    load(yaml.safe_dump(doc, allow_unicode=True))


@fuzz
@given(
    st.dictionaries(
        st.sampled_from(SOURCE_KEYS),
        SCALARS,
    )
)
def test_arbitrary_sources(source: dict[str, Any]) -> None:
    load(yaml.safe_dump({"sources": [source]}, allow_unicode=True))
