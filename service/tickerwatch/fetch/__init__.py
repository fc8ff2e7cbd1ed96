"""The HTTP boundary for polls: the shared httpx clients (proxies), polite and bounded GETs
(`client`: deadlines, retries, redirects, size caps), and Content-Encoding undone in bounded
pieces (`codings`). httpx's exceptions become `FetchError` here and nowhere else.

May import: `tickerwatch.core`, httpx and the decompressors.
"""
