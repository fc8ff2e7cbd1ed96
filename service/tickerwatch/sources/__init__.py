"""Reading sources: one reader per source kind behind one function type, chosen by the
source's format; and pages read from a file, a URL or standard input for
`tickerwatch parse` (`local`).

May import: `tickerwatch.core`, `tickerwatch.fetch`.
"""
