"""What /metrics shows: the per-source families rendered from the snapshot (`exposition`)
and the service-wide prometheus_client instruments (`registry`). Written by the engine,
read by the web layer.

May import: `tickerwatch.core`, prometheus_client, and `tickerwatch.notify.base` for the
names of notification outcomes.
"""
