"""The pure core: what a ticker is and how it is read, de-duplicated, judged by alert rules
and turned into PromQL — data in, data out.

Owns: the model (pairs, ticker entries, printed rates, pages), the domain objects the config
is converted to (sources, alert rules, receivers), units, number reading, decoding bytes to
text, parsing per format, de-duplication, the snapshot of what is known per source, alert
evaluation and its state machine, and the PromQL export of alert rules.

May import: the standard library's pure parts and pure libraries (selectolax, w3lib,
charset-normalizer). Never IO, a clock or a framework: none of asyncio, httpx, sqlite3,
prometheus_client, structlog, starlette, uvicorn, apscheduler, pydantic, yaml; and nothing
of tickerwatch outside `tickerwatch.core`. `now` is always passed in. (tests/unit/
test_purity.py checks both.)
"""
