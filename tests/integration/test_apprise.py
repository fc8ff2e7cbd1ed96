"""Notifications through Apprise, end to end: the real service sends a firing and a resolved
alert through Apprise's `json://` scheme to local receivers, from the durable outbox, with
the Idempotency-Key header; a target that fails is retried without a second copy to the
one that took it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

import pytest

from support import pages
from support.httpserver import PageServer, send
from support.service import Service, config_text, sample, wait_for
from support.smtp import MailServer

KZT_LOW = (
    "alerts:\n  - {name: KZTLow, pairs: [KZT/USD], rate: {below: 0.00195},"
    " severity: critical, summary: '{pair} is {value}'}\n"
)


kzt = pages.with_kzt


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        server.page("/", kzt("0.00190"))
        yield server


def test_a_firing_and_a_resolved_alert_reach_every_apprise_target_once(
    tmp_path: Path, site: PageServer
) -> None:
    answers = iter([500])  # the second target fails its first notification once

    def flaky(req: Any) -> None:
        send(req, next(answers, 200), b"{}", {"Content-Type": "application/json"})

    with PageServer() as chat:
        chat.on_post("/flaky", flaky)
        notify = (
            "notify:\n  apprise:\n    - name: chat\n      urls:\n"
            f"        - json://127.0.0.1:{chat.httpd.server_address[1]}/ok\n"
            f"        - json://127.0.0.1:{chat.httpd.server_address[1]}/flaky\n"
        )
        sources = f"  - name: timesca\n    url: {site.url('/')}\n    interval: 1s\n"
        svc = Service(tmp_path, config_text(sources, KZT_LOW + notify)).start()
        try:
            wait_for(lambda: len(chat.posted("/flaky")) >= 2, what="the retry to the flaky one")
            site.page("/", kzt("0.00196"))  # back above the threshold: resolves
            wait_for(lambda: len(chat.posted("/ok")) == 2, what="the resolve")
            wait_for(lambda: len(chat.posted("/flaky")) == 3, what="the resolve, flaky")
            firing, resolved = (json.loads(p.body) for p in chat.posted("/ok"))
            assert (firing["title"], firing["message"], firing["type"]) == (
                "[FIRING] KZTLow", "KZT/USD is 0.00190", "failure",
            )  # fmt: skip
            assert (resolved["title"], resolved["type"]) == ("[RESOLVED] KZTLow", "success")
            assert resolved["message"] == (
                "KZT/USD is 0.00190\nResolved: back to 0.00196 (it fired at 0.00190)"
            )
            keys = [p.headers["Idempotency-Key"] for p in chat.posted("/ok")]
            flaky_keys = [p.headers["Idempotency-Key"] for p in chat.posted("/flaky")]
            assert flaky_keys == [keys[0], keys[0], keys[1]]  # the retry: the same key
            sent = "tickerwatch_notifications_total"
            wait_for(lambda: sample(svc.metrics(), sent, receiver="chat") == 2, what="2 sent")
            metrics = svc.metrics()
            failed = sample(
                metrics, "tickerwatch_notification_failures_total",
                receiver="chat", reason="http_status",
            )  # fmt: skip
            assert failed == 1
            (status,) = svc.get("/api/v1/notifiers").json()["notifiers"]
            assert status["receiver"] == "chat" and "1 of 2 targets failed" in status["last_error"]
        finally:
            svc.close()


def test_an_email_reaches_a_local_mail_server_and_reads_well(
    tmp_path: Path, site: PageServer
) -> None:
    """Apprise's mailto:// to a real SMTP server on 127.0.0.1; the mail as received is
    drawn in headless Chromium (docs/notification.png with TICKERWATCH_SCREENSHOTS=1)."""
    with MailServer() as mail:
        notify = (
            "notify:\n  apprise:\n    - name: treasury\n      urls:\n"
            f"        - 'mailto://127.0.0.1:{mail.port}?from=tickerwatch@example.com"
            "&to=treasury@example.com'\n"
        )
        sources = f"  - name: timesca\n    url: {site.url('/')}\n    interval: 1s\n"
        svc = Service(tmp_path, config_text(sources, KZT_LOW + notify)).start()
        try:
            wait_for(lambda: mail.messages, what="the firing mail")
            site.page("/", kzt("0.00196"))
            wait_for(lambda: len(mail.messages) == 2, what="the resolved mail")
        finally:
            svc.close()
    firing, resolved = mail.messages
    assert (firing["Subject"], firing["To"]) == ("[FIRING] KZTLow", "treasury@example.com")
    assert firing.get_body(("plain",)).get_content().strip() == "KZT/USD is 0.00190"  # type: ignore[union-attr]
    assert resolved["Subject"] == "[RESOLVED] KZTLow"
    shot = tmp_path / "notification.png"
    page = tmp_path / "mail.html"
    page.write_text(as_mail_client(mail.messages), encoding="utf-8")
    subprocess.run(
        [shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--hide-scrollbars", f"--screenshot={shot}", "--window-size=640,420", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("TICKERWATCH_SCREENSHOTS"):
        shutil.copy(shot, Path(__file__).resolve().parents[2] / "docs" / "notification.png")


def as_mail_client(messages: list[EmailMessage]) -> str:
    """The received mails as a mail client lists them: headers, then the HTML body."""
    cards = "".join(
        "<section><table>"
        + "".join(
            f"<tr><th>{h}</th><td>{escape(str(m[h]))}</td></tr>"
            for h in ("Subject", "From", "To", "Date")
        )
        + f"</table><div class=body>{m.get_body(('html', 'plain')).get_content()}</div></section>"  # type: ignore[union-attr]
        for m in messages
    )
    style = (
        "body{font-family:system-ui,sans-serif;margin:1rem;background:#f4f4f4}"
        "section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8rem;"
        "margin-bottom:1rem}th{text-align:left;color:#777;padding-right:1rem;font-weight:normal}"
        ".body{margin-top:.8rem;white-space:pre-wrap}"
    )
    return f"<!doctype html><meta charset=utf-8><style>{style}</style>{cards}"
