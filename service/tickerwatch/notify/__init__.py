"""Notifications: Alertmanager API v2 and webhooks in the Alertmanager webhook format.

`payloads` builds what is sent (pure); `webhook` delivers the durable outbox in order;
`alertmanager` re-sends the current alert states to every Alertmanager.
"""
