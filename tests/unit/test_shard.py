"""Shards by Prometheus' hashmod, HA replicas and probe-only processes: what each owns."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tickerwatch.config import load_settings
from tickerwatch.core.errors import ConfigError
from tickerwatch.core.settings import Placement
from tickerwatch.core.shard import hashmod, parse_shard, split
from tickerwatch.scaleout import placement

# Computed by Prometheus 2.42 (Debian's): a static_configs target per name, relabelled with
# `action: hashmod` of __address__ into a label, read back from /api/v1/targets.
PROMETHEUS_HASHMOD = {
    3: {"timesca": 2, "nbkr": 2, "nbk": 1, "cbu": 1, "nbt": 2, "cbt": 1, "src-00": 2,
        "src-01": 1, "src-02": 0, "src-03": 2, "src-04": 1, "src-05": 2, "src-06": 1,
        "src-07": 2},
    7: {"timesca": 4, "nbkr": 3, "nbk": 2, "cbu": 2, "nbt": 4, "cbt": 3, "src-00": 1,
        "src-01": 2, "src-02": 3, "src-03": 6, "src-04": 1, "src-05": 1, "src-06": 3,
        "src-07": 3},
}  # fmt: skip


@pytest.mark.parametrize("modulus", sorted(PROMETHEUS_HASHMOD))
def test_hashmod_is_prometheus_hashmod(modulus: int) -> None:
    expected = PROMETHEUS_HASHMOD[modulus]
    assert {name: hashmod(name, modulus) for name in expected} == expected


def test_hashmod_refuses_a_modulus_below_one() -> None:
    assert hashmod("anything", 1) == 0
    with pytest.raises(ValueError, match="at least 1"):
        hashmod("x", 0)


@pytest.mark.parametrize(
    ("text", "expected"), [("0/1", (0, 1)), ("2/3", (2, 3)), (" 1 / 4 ", (1, 4))]
)
def test_a_shard_is_i_of_n(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [("3/3", "counts from 0 to 2"), ("0/0", "at least 1"), ("1", "expected I/N"),
     ("-1/3", "expected I/N"), ("a/b", "expected I/N")],
)  # fmt: skip
def test_a_malformed_shard_says_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_shard(text)


def config(tmp_path: Path, extra: str = "", count: int = 12) -> Path:
    sources = "".join(
        f"  - {{name: src-{i:02d}, url: 'http://127.0.0.1:1/{i}', pairs: [KGS/USD]}}\n"
        for i in range(count)
    )
    path = tmp_path / "tw.yaml"
    path.write_text(f"{extra}sources:\n{sources}")
    return path


def test_every_source_falls_in_exactly_one_shard(tmp_path: Path) -> None:
    path = config(tmp_path, count=30)
    everything = load_settings(path)
    shards = [load_settings(path, placement=Placement(i, 3)) for i in range(3)]
    names = [s.name for shard in shards for s in shard.sources]
    assert sorted(names) == sorted(s.name for s in everything.sources)
    assert all(shard.sources for shard in shards)  # 30 names: none is empty
    for i, shard in enumerate(shards):
        assert shard.placement.shard == i
        assert all(hashmod(s.name, 3) == i for s in shard.sources)
        assert shard.probe.sources == everything.sources  # /probe knows every source
    assert [[s.name for s in own] for own in split(everything.sources, 3)] == [
        [s.name for s in shard.sources] for shard in shards
    ]


def test_a_probe_only_process_polls_nothing(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path), placement=Placement(probe_only=True))
    assert settings.sources == ()
    assert len(settings.probe.sources) == 12


HOOK = "notify: {webhooks: [{name: ops, url: 'http://127.0.0.1:1/hook'}]}\n"


def test_webhooks_refuse_to_start_in_a_replica_other_than_the_one_that_sends(
    tmp_path: Path,
) -> None:
    path = config(tmp_path, HOOK)
    assert load_settings(path, placement=Placement(replica="a")).notify.webhooks
    assert load_settings(path, placement=Placement()).notify.webhooks  # not an HA pair
    with pytest.raises(ConfigError) as caught:
        load_settings(path, placement=Placement(replica="b"))
    (problem,) = caught.value.problems
    assert "HA replica 'b'" in problem and "notify.webhook_replica" in problem
    allowed = config(
        tmp_path,
        "notify: {webhook_replica: b, webhooks: [{name: ops, url: 'http://127.0.0.1:1/h'}]}\n",
    )
    assert load_settings(allowed, placement=Placement(replica="b")).notify.webhooks
    with pytest.raises(ConfigError):
        load_settings(allowed, placement=Placement(replica="a"))


def test_apprise_receivers_refuse_to_start_in_another_replica_too(tmp_path: Path) -> None:
    path = config(tmp_path, "notify: {apprise: [{name: chat, urls: ['json://127.0.0.1:1/c']}]}\n")
    assert load_settings(path, placement=Placement(replica="a")).notify.apprise
    with pytest.raises(ConfigError) as caught:
        load_settings(path, placement=Placement(replica="b"))
    (problem,) = caught.value.problems
    assert problem.startswith("notify.webhooks/apprise (chat): this is HA replica 'b'")


def args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"shard": None, "replica": None, "probe_only": None, **kw})


def test_flags_win_over_the_environment() -> None:
    env = {"TICKERWATCH_SHARD": "1/2", "TICKERWATCH_REPLICA": "b", "TICKERWATCH_PROBE_ONLY": "1"}
    assert placement(args(), env) == Placement(1, 2, "b", True)
    assert placement(args(shard="0/4", replica="a"), env) == Placement(0, 4, "a", True)
    assert placement(args(), {}) == Placement()


def test_malformed_placement_flags_are_config_errors() -> None:
    env = {"TICKERWATCH_SHARD": "5/2", "TICKERWATCH_PROBE_ONLY": "maybe"}
    with pytest.raises(ConfigError) as caught:
        placement(args(replica="no spaces"), env)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "--shard / TICKERWATCH_SHARD", "--replica / TICKERWATCH_REPLICA", "TICKERWATCH_PROBE_ONLY"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("flags", "env", "named"),
    [({"shard": ""}, {}, "--shard"), ({}, {"TICKERWATCH_SHARD": " "}, "--shard"),
     ({"replica": ""}, {}, "--replica"), ({}, {"TICKERWATCH_REPLICA": ""}, "--replica"),
     ({"shard": ""}, {"TICKERWATCH_SHARD": "1/2"}, "--shard")],
)  # fmt: skip
def test_an_empty_shard_or_replica_is_an_error_not_unset(
    flags: dict[str, str], env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        placement(args(**flags), env)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{named} / TICKERWATCH_") and "empty" in problem


def test_probe_targets_must_be_regular_expressions(tmp_path: Path) -> None:
    path = config(tmp_path, "probe: {allowed_targets: ['https://(ok|fine)\\.example/.*', '(']}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    (problem,) = caught.value.problems
    assert "probe.allowed_targets[1]" in problem and "not a regular expression" in problem


def test_check_config_prints_how_shards_split_the_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tickerwatch.cli import main

    path = config(tmp_path, count=6)
    assert main(["check-config", "-c", str(path), "--shards", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    split_lines = [line for line in out if line.startswith("shard ")]
    expected = {
        i: [f"src-{n:02d}" for n in range(6) if hashmod(f"src-{n:02d}", 3) == i] for i in range(3)
    }
    assert split_lines == [
        f"shard {i}/3: {len(names)} source{'s' * (len(names) != 1)}: {', '.join(names) or '(none)'}"
        for i, names in expected.items()
    ]
    with pytest.raises(SystemExit) as refused:  # argparse: before anything is loaded
        main(["check-config", "-c", str(path), "--shards", "0"])
    assert refused.value.code == 2


def test_check_config_names_a_cross_check_split_across_shards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tickerwatch.cli import main

    path = tmp_path / "tw.yaml"  # timesca falls in shard 0 of 2, nbkr in shard 1
    path.write_text(
        "sources:\n"
        "  - {name: timesca, url: 'http://127.0.0.1:1/', references: [nbkr]}\n"
        "  - {name: nbkr, url: 'http://127.0.0.1:1/nbkr', format: nbkr}\n"
    )
    assert main(["check-config", "-c", str(path), "--shards", "2"]) == 0
    assert "warning: timesca is cross-checked against nbkr, on another shard" in (
        capsys.readouterr().out
    )


def test_check_config_takes_as_many_shards_as_run_does(tmp_path: Path) -> None:
    from tickerwatch.cli import main

    path = config(tmp_path, "")
    for shards in ("1000000", "0", "x"):
        with pytest.raises(SystemExit) as refused:
            main(["check-config", "-c", str(path), "--shards", shards])
        assert refused.value.code == 2
    assert main(["check-config", "-c", str(path), "--shards", "7"]) == 0
