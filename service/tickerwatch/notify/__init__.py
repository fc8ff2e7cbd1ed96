"""Notifications: Alertmanager API v2 and webhooks in the Alertmanager webhook format.

`payloads` builds what is sent (pure); `base` is what every notifier is (one receiver,
one supervised loop, outcomes reported as `Events`); `http` posts and classifies the
answer; `webhook` delivers the durable outbox in order; `alertmanager` re-sends the
current alert states to one Alertmanager; `build` makes one notifier per receiver;
`status` keeps each receiver's latest state for /api/v1/notifiers; `workers` runs one task
per notifier and drops (and counts) the queues of receivers no longer configured.

May import: `tickerwatch.core`, `tickerwatch.fetch` (clients), `tickerwatch.store` (the
outbox). Never `metrics`, `web` or `engine`: outcomes go out through `Events`.
"""
