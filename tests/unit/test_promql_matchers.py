"""`tickerwatch rules` selects sources and references by name exactly: a dot in a name is
a dot, not any character."""

from __future__ import annotations

from pathlib import Path

from tickerwatch.config import load_settings
from tickerwatch.core.promql import prometheus_rules


def exprs(tmp_path: Path, alerts: str) -> list[str]:
    config = tmp_path / "tw.yaml"
    config.write_text(
        "sources:\n"
        "  - {name: news.kg, url: 'https://a.example/', references: [nb.kr, cbu]}\n"
        "  - {name: nb.kr, url: 'https://b.example/', format: nbkr}\n"
        "  - {name: cbu, url: 'https://c.example/', format: cbu}\n"
        f"alerts:\n{alerts}"
    )
    groups = prometheus_rules(load_settings(config, environ={}))["groups"]
    return [str(rule["expr"]) for group in groups for rule in group["rules"]]


def test_one_name_is_matched_with_equals_and_several_with_escaped_dots(tmp_path: Path) -> None:
    one, several = exprs(
        tmp_path,
        "  - {name: A, sources: [news.kg], deviation: {above: 0.02, references: [nb.kr]}}\n"
        "  - {name: B, sources: [news.kg, cbu], rate: {above: 1}}\n",
    )
    assert 'source="news.kg"' in one and 'reference="nb.kr"' in one
    assert 'source=~"news\\\\.kg|cbu"' in several
