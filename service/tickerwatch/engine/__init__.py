"""The running service: lifecycle and signals (`service`), the schedule (`schedule`), one poll
of one source (`poller`), the alerting loop (`alerting`), reloads (`reloading`) and the
parts the web layer reads (`runtime`).

May import: everything below it — core, config, fetch, store, metrics, sources, notify —
and the web app it serves.
"""
