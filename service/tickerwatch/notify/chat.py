"""Notifications where people read them: Telegram, Slack, Matrix, email, ntfy … through the
Apprise library, from the durable outbox like a webhook's (at least once, in order, the
same retries and `max_age`).

A notification goes to every URL of the receiver. A target that failed is tried again,
one that took it is not (remembered while the service runs; after a restart a repeat is
possible, as for any at-least-once delivery). Targets that speak HTTP with headers
(`json://`, `xml://`, `form://` and their `s` forms) get the notification's
Idempotency-Key header, through Apprise's `+Header=value` URL arguments, so they can drop
repeats; chat services cannot. Apprise says why a send failed only in its log: that text
(never a URL) is the failure's detail."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlencode

from tickerwatch.core.alerts import Transition
from tickerwatch.core.settings import AppriseReceiver
from tickerwatch.notify.base import CrashBackoff, Events, FailureReason, Outcome
from tickerwatch.notify.webhook import Delivery, OutboxNotifier
from tickerwatch.store.sqlite import OutboxItem, Store

HEADER_SCHEMES: Final = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
DETAIL_LIMIT: Final = 300


def message(t: Transition) -> dict[str, str]:
    """What a person reads: a title with the status and the alert's name, the summary and
    description (and, resolved, the value now and the one it fired at), and Apprise's
    notification type (failure, warning, success)."""
    labels, notes = t.alert.labels, t.alert.annotations
    severity = labels.get("severity", "warning")
    firing = t.status == "firing"
    kind = ("failure" if severity == "critical" else "warning") if firing else "success"
    title = f"[{'FIRING' if firing else 'RESOLVED'}] {labels.get('alertname', '')}"
    now = None
    if not firing and "resolved" in notes:  # "back to 0.00196 (it fired at 0.00190)"
        fired = notes.get("value_fired")
        now = f"Resolved: {notes['resolved']}" + (f" (it fired at {fired})" if fired else "")
    body = "\n".join(x for x in (notes.get("summary"), notes.get("description"), now) if x)
    return {"title": title, "body": body or title, "type": kind}


class AppriseNotifier(OutboxNotifier):
    def __init__(
        self,
        receiver: AppriseReceiver,
        store: Store,
        events: Events,
        clock: Callable[[], float],
        crash_backoff: CrashBackoff | None = None,
    ) -> None:
        delivery = Delivery(receiver.max_age, receiver.max_backoff)
        super().__init__(receiver.name, delivery, store, events, clock, crash_backoff)
        self.receiver = receiver
        self._took: dict[int, set[int]] = {}  # outbox id → indexes of the URLs that took it

    async def send(self, item: OutboxItem) -> Outcome:
        text = json.loads(item.payload)
        took = self._took.setdefault(item.id, set())
        failed: list[str] = []
        for i, url in enumerate(self.receiver.urls):
            if i in took:
                continue
            problem = await self._send_one(_with_key(url, item.key), text)
            if problem is None:
                took.add(i)
            else:
                failed.append(f"{_scheme(url)}: {problem}")
        if not failed:
            self._took.pop(item.id, None)
            return Outcome(None)
        left = f"{len(failed)} of {len(self.receiver.urls)} targets failed: "
        reason: FailureReason = (
            "timeout" if all("no answer" in f for f in failed) else "http_status"
        )
        return Outcome(reason, (left + "; ".join(failed))[:DETAIL_LIMIT])

    async def _send_one(self, url: str, text: dict[str, Any]) -> str | None:
        """None when the target took it, else what went wrong (Apprise's words)."""
        import apprise  # here: a service without Apprise receivers never loads it (≈19 MB)

        target = apprise.Apprise()
        if not target.add(url):
            return "Apprise cannot read the URL"
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            try:
                async with asyncio.timeout(self.receiver.timeout):
                    sent = await target.async_notify(
                        body=text["body"], title=text["title"], notify_type=text["type"]
                    )
            except TimeoutError:
                return f"no answer within {self.receiver.timeout:g}s"
            said: str = captured.getvalue()
        if sent:
            return None
        lines = [line.strip() for line in said.splitlines() if line.strip()]
        return lines[-1] if lines else "Apprise could not send it"


def _scheme(url: str) -> str:
    return url.split("://", 1)[0]


def _with_key(url: str, key: str) -> str:
    """The URL with the Idempotency-Key header, for targets that send HTTP headers."""
    if _scheme(url).lower() not in HEADER_SCHEMES:
        return url
    joiner = "&" if "?" in url else "?"
    return url + joiner + urlencode({"+Idempotency-Key": key})
