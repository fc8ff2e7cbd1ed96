"""Every file in deploy/ checked by the tool that consumes it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tickerwatch.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"


def run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stdout}\n{done.stderr}"
    return done


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed (.ci/run installs it)"
    return found


def test_promtool_checks_the_prometheus_config_and_rules() -> None:
    run(tool("promtool"), "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))
    run(tool("promtool"), "check", "config", str(DEPLOY / "prometheus" / "probe-sharded.yml"))
    path = DEPLOY / "prometheus" / "tickerwatch-self.rules.yml"
    out = run(tool("promtool"), "check", "rules", str(path))
    groups = yaml.safe_load(path.read_text())["groups"]
    assert f"SUCCESS: {sum(len(g['rules']) for g in groups)} rules found" in out.stdout


def test_promtool_unit_tests_of_the_self_monitoring_rules() -> None:
    tests = DEPLOY / "prometheus" / "tests" / "tickerwatch-self.rules_test.yml"
    run(tool("promtool"), "test", "rules", str(tests))


def test_amtool_accepts_the_alertmanager_config() -> None:
    run(tool("amtool"), "check-config", str(DEPLOY / "alertmanager" / "alertmanager.yml"))


def test_docker_compose_accepts_the_compose_file() -> None:
    out = run(
        tool("docker-compose"), "-f", str(DEPLOY / "compose" / "docker-compose.yml"), "config"
    )
    services = yaml.safe_load(out.stdout)["services"]
    assert set(services) == {"tickerwatch", "prometheus", "alertmanager", "grafana"}
    for mount in services["prometheus"]["volumes"] + services["grafana"]["volumes"]:
        source = mount["source"] if isinstance(mount, dict) else mount.split(":")[0]
        if source.startswith("/"):
            assert Path(source).exists(), f"compose mounts a missing file: {source}"


@pytest.mark.parametrize(
    "path",
    [DEPLOY / "compose" / "tickerwatch.yaml", K8S / "configmap.yaml"],
    ids=["compose", "configmap"],
)
def test_shipped_tickerwatch_configs_load(path: Path, tmp_path: Path) -> None:
    if path.name == "configmap.yaml":
        config = tmp_path / "tickerwatch.yaml"
        config.write_text(yaml.safe_load(path.read_text())["data"]["tickerwatch.yaml"])
        path = config
    assert load_settings(path, environ={}).alerts


def test_dockerfile_runs_unprivileged_with_a_liveness_healthcheck() -> None:
    text = (DEPLOY / "docker" / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines()]
    user = [line for line in lines if line.startswith("USER ")][-1]
    assert user.split()[1].split(":")[0] not in {"0", "root"}
    assert "HEALTHCHECK" in text and "/livez" in text.split("HEALTHCHECK", 1)[1]
    assert 'VOLUME ["/data"]' in text and "TICKERWATCH_CONFIG=/config/tickerwatch.yaml" in text
    for line in lines:
        if line.startswith("COPY ") and "--from" not in line:
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies a missing path: {src}"


def k8s_docs() -> dict[str, dict[str, object]]:
    return {p.name: yaml.safe_load(p.read_text()) for p in K8S.glob("*.yaml")}


def test_kubernetes_manifests_validate_against_the_openapi_schemas() -> None:
    manifests = [str(p) for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml"]
    out = run(sys.executable, "-m", "kubernetes_validate", "--strict", *manifests)
    core = [m for m in manifests if "monitoring.coreos.com" not in Path(m).read_text()]
    assert all(f"INFO {m} passed" in out.stdout for m in core), out.stdout


def test_kustomization_lists_every_manifest() -> None:
    docs = k8s_docs()
    listed = set(docs["kustomization.yaml"]["resources"])  # type: ignore[arg-type]
    assert listed == set(docs) - {"kustomization.yaml"}


def test_deployment_probes_and_security() -> None:
    deployment = k8s_docs()["deployment.yaml"]
    pod = deployment["spec"]["template"]["spec"]  # type: ignore[index]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/livez"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["limits"]["memory"]


def test_servicemonitor_selects_the_service_and_its_named_port() -> None:
    docs = k8s_docs()
    service, monitor = docs["service.yaml"], docs["servicemonitor.yaml"]
    labels = service["metadata"]["labels"]  # type: ignore[index]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()  # type: ignore[index]
    ports = {p["name"] for p in service["spec"]["ports"]}  # type: ignore[index]
    assert {e["port"] for e in monitor["spec"]["endpoints"]} <= ports  # type: ignore[index]


def test_prometheusrule_is_the_self_monitoring_rules_and_promtool_accepts_it(
    tmp_path: Path,
) -> None:
    spec = k8s_docs()["prometheusrule.yaml"]["spec"]  # type: ignore[index]
    assert spec == yaml.safe_load(
        (DEPLOY / "prometheus" / "tickerwatch-self.rules.yml").read_text()
    )
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(spec))
    run(tool("promtool"), "check", "rules", str(rules))


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists; point it at a stub, change nothing else.
    stub = tmp_path / "tickerwatch"
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    unit = (DEPLOY / "systemd" / "tickerwatch.service").read_text()
    assert "ExecStart=/opt/tickerwatch/bin/tickerwatch " in unit
    for hardening in (
        "DynamicUser=yes",
        "StateDirectory=",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
    ):
        assert hardening in unit
    copy = tmp_path / "tickerwatch.service"
    copy.write_text(unit.replace("/opt/tickerwatch/bin/tickerwatch ", f"{stub} "))
    done = subprocess.run(
        [tool("systemd-analyze"), "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "tickerwatch.service" not in done.stderr, done.stderr


def test_grafana_dashboard_and_provisioning() -> None:
    dash = json.loads((DEPLOY / "grafana" / "dashboards" / "tickerwatch.json").read_text())
    assert dash["uid"] == "tickerwatch"
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert "label_values" in variables["source"]["definition"]
    assert "label_values" in variables["pair"]["definition"]
    titles = " ".join(p["title"].lower() for p in dash["panels"])
    topics = ["current rate", "inverted", "history", "window", "site prints", "conflicts"]
    topics += ["source up", "age", "failures", "duration", "alerts", "queue"]
    assert [t for t in topics if t not in titles] == []
    provider = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "dashboards" / "tickerwatch.yml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    datasource = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert datasource["datasources"][0]["type"] == "prometheus"


def test_the_deploy_guide_gaps_are_closed() -> None:
    """Compose files without the obsolete `version`; the image set in one place of the
    kustomization; tokens from a Secret; the Docker image's Alertmanager a host it can
    reach; the systemd unit's Documentation= installed by the documented steps."""
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    for compose in (deploy / "compose").glob("docker-compose*.yml"):
        assert "version" not in yaml.safe_load(compose.read_text()), compose.name
    kustomization = yaml.safe_load((deploy / "kubernetes" / "kustomization.yaml").read_text())
    deployment = yaml.safe_load((deploy / "kubernetes" / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].split(":")[0] in [i["name"] for i in kustomization["images"]]
    assert container["envFrom"] == [{"secretRef": {"name": "tickerwatch-env", "optional": True}}]
    assert "http://alertmanager:9093" in (deploy / "docker" / "Dockerfile").read_text()
    unit = (deploy / "systemd" / "tickerwatch.service").read_text()
    (doc,) = [
        line.split("file://", 1)[1]
        for line in unit.splitlines()
        if line.startswith("Documentation=")
    ]
    assert f"README.md {doc}" in (deploy / "README.md").read_text()
