"""TLS and basic auth from an exporter-toolkit web config file; secrets stay secret;
what the landing page prints is escaped; clients never see a stack trace."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import httpx
import pytest

from support import pages
from support.httpserver import PageServer, free_port, self_signed_cert
from support.pages import DEC_08
from support.service import Service, config_text, sample, wait_for

SECRET = "s3cr3t-T0KEN-do-not-leak"


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", pages.list_items(DEC_08))
        yield server


def web_file(tmp_path: Path, users: dict[str, str]) -> Path:
    cert, key = self_signed_cert(tmp_path)
    hashed = {u: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode() for u, p in users.items()}
    path = tmp_path / "web.yml"
    path.write_text(
        "tls_server_config:\n"
        f"  cert_file: {cert.name}\n"
        f"  key_file: {key.name}\n"
        "basic_auth_users:\n" + "".join(f"  {u}: '{h}'\n" for u, h in hashed.items())
    )
    return path


def test_tls_and_basic_auth_guard_everything_but_the_probes(
    tmp_path: Path, site: PageServer
) -> None:
    web = web_file(tmp_path, {"prometheus": "correct horse"})
    config = config_text(f"  - name: timesca\n    url: {site.url('/')}\n").replace(
        'web: {listen: "127.0.0.1:{port}"}',
        f'web: {{listen: "127.0.0.1:{{port}}", config_file: {web}}}',
    )
    svc = Service(tmp_path, config)
    svc.client = httpx.Client(base_url=f"https://127.0.0.1:{svc.port}", verify=False, timeout=5)
    svc.start()
    try:
        plain = httpx.Client(base_url=f"http://127.0.0.1:{svc.port}", timeout=5)
        with pytest.raises(httpx.HTTPError):
            plain.get("/livez")  # TLS only
        for path in ("/livez", "/readyz"):
            assert svc.get(path).status_code == 200
        for path in ("/metrics", "/probe", "/", "/healthz", "/api/v1/rates"):
            anonymous = svc.get(path)
            assert anonymous.status_code == 401 and anonymous.headers[
                "www-authenticate"
            ].startswith("Basic")
            assert svc.get(path, auth=("prometheus", "wrong")).status_code == 401
            assert svc.get(path, auth=("nobody", "correct horse")).status_code == 401
        wait_for(
            lambda: sample(
                svc.get("/metrics", auth=("prometheus", "correct horse")).text,
                "tickerwatch_exchange_rate",
                base="KZT",
            ),
            what="metrics behind auth",
        )
        assert (
            svc.get("/metrics", headers={"Authorization": "Basic !!notbase64"}).status_code == 401
        )
    finally:
        svc.close()


def test_a_bad_web_config_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "web.yml").write_text(
        "basic_auth_users:\n  bob: plaintext-password\n"
        "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n  extra: 1\n"
    )
    config = tmp_path / "tw.yaml"
    config.write_text(
        "web: {config_file: web.yml}\nsources: [{name: a, url: 'https://a.example/'}]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "check-config", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert f"{tmp_path / 'web.yml'}:2: basic_auth_users.bob: not a bcrypt hash" in done.stderr
    assert f"{tmp_path / 'web.yml'}:6: tls_server_config.extra: unknown key" in done.stderr
    assert "plaintext-password" not in done.stderr


def test_secrets_never_reach_logs_api_metrics_or_pages(tmp_path: Path, site: PageServer) -> None:
    dead = free_port()
    source_url = site.url("/").replace("http://", f"http://reader:{SECRET}@") + f"?token={SECRET}"
    extra = (
        "alerts:\n  - {name: AlwaysOn, pairs: [KZT/USD], rate: {above: 0}}\n"
        "notify:\n"
        "  webhooks:\n"
        "    - {name: ops, url: '${OPS_WEBHOOK}', max_backoff: 1s}\n"
        f"  alertmanager: {{urls: ['http://am:{SECRET}@127.0.0.1:{dead}'], resend_interval: 1s}}\n"
    )
    svc = Service(tmp_path, config_text(f"  - name: timesca\n    url: '{source_url}'\n", extra))
    import os

    os.environ["OPS_WEBHOOK"] = f"http://127.0.0.1:{dead}/hook?token={SECRET}"
    try:
        svc.start()
        wait_for(
            lambda: (
                (
                    sample(
                        svc.metrics(),
                        "tickerwatch_notification_failures_total",
                        receiver="ops",
                        reason="connect",
                    )
                    or 0
                )
                >= 2
            ),
            what="failed webhook deliveries",
        )
        wait_for(
            lambda: sample(
                svc.metrics(),
                "tickerwatch_notification_failures_total",
                receiver=f"alertmanager:127.0.0.1:{dead}",
                reason="connect",
            ),
            what="failed Alertmanager sends",
        )
        seen = [svc.log.read_text()]
        for path in (
            "/metrics",
            "/",
            "/healthz",
            "/api/v1/rates",
            "/api/v1/sources",
            "/api/v1/alerts",
            "/api/v1/notifiers",
        ):
            seen.append(svc.get(path).text)
        assert all(SECRET not in text for text in seen)
        assert "reader:<redacted>@" in svc.get("/api/v1/sources").text
    finally:
        os.environ.pop("OPS_WEBHOOK", None)
        svc.close()


def test_config_errors_do_not_echo_secrets_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "tw.yaml"
    config.write_text("sources: [{name: a, url: '${SOURCE_URL}'}]\n")
    done = subprocess.run(
        [sys.executable, "-m", "tickerwatch", "check-config", "-c", str(config)],
        capture_output=True, text=True, timeout=30,
        env={"PATH": "/usr/bin:/bin", "SOURCE_URL": f"ftp://{SECRET}@x/"},
    )  # fmt: skip
    assert done.returncode == 1 and "sources[0].url" in done.stderr
    assert SECRET not in done.stderr and "<redacted>" in done.stderr


def test_the_landing_page_escapes_what_it_prints(tmp_path: Path, site: PageServer) -> None:
    extra = (
        "alerts:\n  - {name: Xss, pairs: [KZT/USD], rate: {above: 0},\n"
        "     summary: '<script>alert(1)</script> {pair}'}\n"
    )
    svc = Service(
        tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n", extra)
    ).start()
    try:
        wait_for(lambda: svc.get("/api/v1/alerts").json()["alerts"], what="the alert")
        page = svc.get("/").text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; KZT/USD" in page
        alerts = svc.get("/api/v1/alerts").json()["alerts"]
        assert (
            alerts[0]["annotations"]["summary"] == "<script>alert(1)</script> KZT/USD"
        )  # JSON: data, not markup
    finally:
        svc.close()


def test_errors_and_odd_requests_never_show_internals(tmp_path: Path, site: PageServer) -> None:
    svc = Service(tmp_path, config_text(f"  - name: timesca\n    url: {site.url('/')}\n")).start()
    try:
        assert svc.get("/nope").status_code == 404
        assert svc.client.post("/metrics").status_code == 405
        assert svc.client.post("/-/reload").status_code == 403  # lifecycle not enabled
        huge = svc.get("/api/v1/rates/history", params={"pair": "K" * 5000})
        assert huge.status_code == 400 and "Traceback" not in huge.text
        bad = svc.get("/api/v1/rates/history", params={"since": "nan"})
        assert bad.status_code == 400 and json.loads(bad.text)["error"].startswith("since")
    finally:
        svc.close()
