"""HTTP endpoints: the Starlette app and its handlers (`app`), the landing page (`landing`),
JSON views (`views`), health (`health`) and basic auth (`auth`).

May import: `tickerwatch.core`, `tickerwatch.config`, `tickerwatch.metrics`, the engine's
`runtime` (read only) and `tickerwatch.notify.status` (read only).
"""
