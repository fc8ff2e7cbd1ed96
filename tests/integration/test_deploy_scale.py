"""The scale-out deployments: kubectl kustomize renders the sharded, HA and probe variants,
kubernetes-validate accepts what it renders, N lives in one place; the compose file of two
shards × two replicas and its Prometheus config are accepted by their own tools, and the
configs they ship load in every placement they run in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tickerwatch.config import load_settings
from tickerwatch.core.settings import Placement
from tickerwatch.core.shard import parse_shard

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def rendered(variant: str, tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    out = run("kubectl", "kustomize", str(K8S / variant)).stdout
    path = tmp_path / f"{variant}.yaml"
    path.write_text(out)
    return path, [d for d in yaml.safe_load_all(out) if d]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def env_of(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize("variant", ["sharded", "ha", "probe"])
def test_kustomize_renders_each_variant_and_kubernetes_validate_accepts_it(
    variant: str, tmp_path: Path
) -> None:
    path, docs = rendered(variant, tmp_path)
    out = run(sys.executable, "-m", "kubernetes_validate", "--strict", str(path)).stdout
    core = [d for d in docs if not d["apiVersion"].startswith("monitoring.coreos.com")]
    passed = [line for line in out.splitlines() if line.startswith("INFO") and "passed" in line]
    assert len(passed) == len(core), out
    assert {d["metadata"].get("namespace") for d in docs} == {"tickerwatch"}


def test_the_sharded_statefulset_takes_n_from_its_replicas_and_the_shard_from_the_ordinal(
    tmp_path: Path,
) -> None:
    _, docs = rendered("sharded", tmp_path)
    (sts,) = of_kind(docs, "StatefulSet")
    env = env_of(sts)
    assert env["TICKERWATCH_SHARDS"] == str(sts["spec"]["replicas"])  # N in one place
    label = env["TICKERWATCH_SHARD_INDEX"]["fieldRef"]["fieldPath"]
    assert label == "metadata.labels['apps.kubernetes.io/pod-index']"
    (container,) = sts["spec"]["template"]["spec"]["containers"]
    shard = container["args"][container["args"].index("--shard") + 1]
    assert shard == "$(TICKERWATCH_SHARD_INDEX)/$(TICKERWATCH_SHARDS)"
    index = int(sts["spec"]["replicas"]) - 1  # the last pod, expanded as Kubernetes does
    assert parse_shard(f"{index}/{env['TICKERWATCH_SHARDS']}") == (index, sts["spec"]["replicas"])
    (pdb,) = of_kind(docs, "PodDisruptionBudget")
    selector = sts["spec"]["selector"]["matchLabels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= selector.items()
    (service,) = of_kind(docs, "Service")
    assert service["spec"]["clusterIP"] == "None"
    assert sts["spec"]["serviceName"] == service["metadata"]["name"]


def test_the_ha_variant_runs_replicas_a_and_b_of_every_shard_with_one_budget(
    tmp_path: Path,
) -> None:
    _, docs = rendered("ha", tmp_path)
    sets = {s["metadata"]["name"]: s for s in of_kind(docs, "StatefulSet")}
    assert set(sets) == {"tickerwatch-a", "tickerwatch-b"}
    for name, sts in sets.items():
        env = env_of(sts)
        assert env["TICKERWATCH_REPLICA"] == name[-1]
        assert env["TICKERWATCH_SHARDS"] == str(sts["spec"]["replicas"])
        config = sts["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]
        assert config in {c["metadata"]["name"] for c in of_kind(docs, "ConfigMap")}
    selectors = [s["spec"]["selector"]["matchLabels"] for s in sets.values()]
    assert selectors[0] != selectors[1]  # neither adopts the other's pods
    (pdb,) = of_kind(docs, "PodDisruptionBudget")
    wanted = pdb["spec"]["selector"]["matchLabels"].items()
    assert all(wanted <= s.items() for s in selectors) and pdb["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("variant", ["", "sharded", "ha"])
def test_each_servicemonitor_selects_its_own_service_and_no_other(
    variant: str, tmp_path: Path
) -> None:
    """Within the variant and beside the probe Deployment (which may run next to any of
    them), each ServiceMonitor's selector is exactly its own Service's labels: every pod
    is scraped once."""
    _, docs = rendered(variant, tmp_path)
    _, probe = rendered("probe", tmp_path)
    services = of_kind(docs, "Service") + of_kind(probe, "Service")
    monitors = of_kind(docs, "ServiceMonitor")
    chosen = []
    for monitor in monitors:
        wanted = monitor["spec"]["selector"]["matchLabels"]
        picked = [s for s in services if wanted.items() <= s["metadata"]["labels"].items()]
        assert len(picked) == 1, (monitor["metadata"]["name"], picked)
        assert wanted == picked[0]["metadata"]["labels"], monitor["metadata"]["name"]
        chosen.append(picked[0]["metadata"]["name"])
    assert len(set(chosen)) == len(monitors) == len(of_kind(docs, "Service"))


def test_the_probe_deployment_polls_nothing_and_scales_on_cpu(tmp_path: Path) -> None:
    _, docs = rendered("probe", tmp_path)
    (deployment,) = of_kind(docs, "Deployment")
    (hpa,) = of_kind(docs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert "--probe-only" in container["args"] and container["resources"]["requests"]["cpu"]
    (configmap,) = of_kind(docs, "ConfigMap")
    config = tmp_path / "probe.yaml"
    config.write_text(configmap["data"]["tickerwatch.yaml"])
    settings = load_settings(config, environ={}, placement=Placement(probe_only=True))
    assert settings.sources == () and settings.probe.allows("https://timesca.com/")
    assert not settings.probe.allows("http://169.254.169.254/")


@pytest.mark.parametrize("variant", ["sharded", "ha"])
def test_the_shipped_sharded_configs_load_in_every_replica(variant: str, tmp_path: Path) -> None:
    _, docs = rendered(variant, tmp_path)
    for configmap in of_kind(docs, "ConfigMap"):
        config = tmp_path / "tickerwatch.yaml"
        config.write_text(configmap["data"]["tickerwatch.yaml"])
        for replica in ("a", "b"):
            settings = load_settings(config, environ={}, placement=Placement(0, 3, replica))
            assert settings.notify.alertmanager is not None and not settings.notify.webhooks


def test_compose_runs_two_shards_each_an_ha_pair(tmp_path: Path) -> None:
    compose = DEPLOY / "compose" / "docker-compose.scale.yml"
    services = yaml.safe_load(run("docker-compose", "-f", str(compose), "config").stdout)[
        "services"
    ]
    placed = {
        (s["environment"]["TICKERWATCH_SHARD"], s["environment"]["TICKERWATCH_REPLICA"])
        for name, s in services.items()
        if name.startswith("tickerwatch-")
    }
    assert placed == {("0/2", "a"), ("0/2", "b"), ("1/2", "a"), ("1/2", "b")}
    mounts = [
        (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
        for n, s in services.items() if n.startswith("tickerwatch-") for v in s["volumes"]
    ]  # fmt: skip
    volumes = [source for source, target in mounts if target == "/data"]
    assert len(set(volumes)) == 4  # each its own SQLite
    prometheus = DEPLOY / "prometheus" / "prometheus-scale.yml"
    run("promtool", "check", "config", str(prometheus))
    scraped = {
        t for g in yaml.safe_load(prometheus.read_text())["scrape_configs"][0]["static_configs"]
        for t in g["targets"]
    }  # fmt: skip
    assert scraped == {f"{n}:10049" for n in services if n.startswith("tickerwatch-")}
    config = DEPLOY / "compose" / "tickerwatch-scale.yaml"
    for shard, replica in placed:
        index, count = parse_shard(shard)
        assert load_settings(config, environ={}, placement=Placement(index, count, replica)).sources
