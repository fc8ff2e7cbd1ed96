"""What tickerwatch shows of a URL: secrets redacted, everything else as written — a
dated URL's placeholders and percent-encoding included."""

from __future__ import annotations

import pytest

from tickerwatch.core.redact import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://nationalbank.kz/rss/get_rates.cfm?fdate=%d.%m.%Y",
         "https://nationalbank.kz/rss/get_rates.cfm?fdate=%d.%m.%Y"),
        ("https://www.nbt.tj/en/kurs/export_xml.php?date=%Y-%m-%d&export=xmlout",
         "https://www.nbt.tj/en/kurs/export_xml.php?date=%Y-%m-%d&export=xmlout"),
        ("https://x.example/a%2Fb?q=%D0%B0+b&flag", "https://x.example/a%2Fb?q=%D0%B0+b&flag"),
        ("https://u:pw@x.example/p?token=abc&lang=en&d=%Y",
         "https://u:<redacted>@x.example/p?token=<redacted>&lang=en&d=%Y"),
        ("https://x.example/?api%5Fkey=abc&Session=1", "https://x.example/?api%5Fkey=<redacted>&Session=<redacted>"),
    ],
    ids=["nbk", "nbt", "encoded", "password-and-token", "encoded-key"],
)  # fmt: skip
def test_secrets_are_redacted_and_the_rest_kept_as_written(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_the_scheme_is_kept_as_written() -> None:
    # a /probe 403 names the URL it was given, not one the allow-list may allow
    assert redact_url("HTTP://Example.com/p?token=x") == "HTTP://Example.com/p?token=<redacted>"
