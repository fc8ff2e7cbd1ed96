"""HTTP endpoints: the Starlette app and its handlers (`app`), the landing page (`landing`),
JSON views (`views`), health (`health`) and basic auth (`auth`).

May import: `tickerwatch.core`, `tickerwatch.store` (history rows), the engine's `runtime`
(read, and its `reload`) and `tickerwatch.notify.status` (read only).
"""
