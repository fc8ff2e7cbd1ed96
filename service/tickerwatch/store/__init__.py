"""The SQLite boundary: run-length history, alert states and the notification outbox
(`sqlite`; the tables and their migrations in `schema`), on a worker thread of its own;
sqlite3's errors become `StoreError` here.

May import: `tickerwatch.core`.
"""
