from __future__ import annotations

from pathlib import Path

import pytest

from tickerwatch.config import load_settings, source_named
from tickerwatch.core.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
DEMO_ENV = {"TICKERWATCH_DEMO_URL": "http://127.0.0.1:8000"}


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_file_loads(path: Path) -> None:
    settings = load_settings(path, environ=DEMO_ENV)
    assert settings.sources


def test_config_dir_holds_only_loaded_files_and_docs() -> None:
    assert {p.suffix for p in CONFIG_DIR.iterdir()} <= {".yaml", ".md"}


def test_production_config_polls_timesca_politely() -> None:
    source, *_ = load_settings(CONFIG_DIR / "tickerwatch.yaml", environ={}).sources
    assert source.url == "https://timesca.com/"
    assert source.format == "timesca"
    assert source.interval >= 300
    assert [str(p) for p in source.pairs] == ["KGS/USD", "KZT/USD", "TJS/USD", "UZS/USD", "TMT/USD"]


def test_production_config_polls_the_five_central_banks_politely_at_their_real_urls() -> None:
    ticker, *feeds = load_settings(CONFIG_DIR / "tickerwatch.yaml", environ={}).sources
    assert {s.format: (s.url, s.timezone) for s in feeds} == {
        "nbkr": ("https://www.nbkr.kg/XML/daily.xml", "Asia/Bishkek"),
        "nbk": ("https://nationalbank.kz/rss/get_rates.cfm?fdate=%d.%m.%Y", "Asia/Almaty"),
        "cbu": ("https://cbu.uz/en/arkhiv-kursov-valyut/json/", "Asia/Tashkent"),
        "nbt": (
            "https://www.nbt.tj/en/kurs/export_xml.php?date=%Y-%m-%d&export=xmlout",
            "Asia/Dushanbe",
        ),
        "cbt": ("https://cbt.tm/kurs/%Y/%d%m%Y.xml", "Asia/Ashgabat"),
    }
    # every half hour of the bank's working day, Monday to Friday, in the bank's time zone
    assert {s.schedule for s in feeds} == {"*/30 8-19 * * mon-fri"}
    assert all(s.stale_after >= 3 * 86400 for s in feeds)
    assert ticker.references == ("nbkr", "nbk", "cbu", "nbt", "cbt")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tw.yaml"
    path.write_text(text)
    return path


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ=environ or {})
    return caught.value.problems


def test_every_problem_is_reported_with_file_line_and_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "web:\n"
        "  listen: nohost\n"
        "  colour: blue\n"
        "defaults:\n"
        "  interval: 5x\n"
        "sources:\n"
        "  - name: timesca\n"
        "    url: ftp://example.com/\n"
        "    pairs: [KGS/USD, nonsense]\n"
        "  - name: other\n"
        "    url: https://example.com/\n"
        "    timeout: 20\n"
        "    token: ${MISSING_TOKEN}\n",
    )
    assert problems(path) == [
        f"{path}:2: web.listen: expected HOST:PORT such as 0.0.0.0:10049, got 'nohost'",
        f"{path}:3: web.colour: unknown key"
        " (the keys here: listen, config_file, enable_lifecycle, external_url, grafana_url)",
        f"{path}:5: defaults.interval: expected a duration such as 30s, 5m, 2h or 7d, got '5x'",
        f"{path}:8: sources[0].url: expected an http:// or https:// URL, got 'ftp://example.com/'",
        f"{path}:9: sources[0].pairs[1]: not a currency pair: 'nonsense' (expected e.g. KGS/USD)",
        f"{path}:12: sources[1].timeout: expected a duration such as 30s, 5m, 2h or 7d, got 20",
        f"{path}:13: sources[1].token: the environment variable MISSING_TOKEN is not set",
        f"{path}:13: sources[1].token: unknown key",
    ]


def test_a_port_written_in_superscript_digits_is_a_config_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, "web:\n  listen: 0.0.0.0:¹²\nsources:\n  - name: a\n    url: http://x/\n"
    )
    assert problems(path) == [
        f"{path}:2: web.listen: expected HOST:PORT such as 0.0.0.0:10049, got '0.0.0.0:¹²'"
    ]


def test_yaml_syntax_error_points_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: a\n    url: [unclosed\n")
    assert problems(path) == [
        f"{path}:3: (yaml): a quoted value or a [list] opened here is never closed"
    ]


def test_duplicate_keys_and_source_names_are_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - {name: a, url: 'https://a.example/'}\n"
        "  - {name: a, url: 'https://b.example/'}\n"
        "storage: {path: x.db}\n"
        "storage: {path: y.db}\n",
    )
    assert problems(path) == [
        f"{path}:3: sources[1].name: the source name a is already used by sources[0]",
        f"{path}:5: storage: the key is given twice",
    ]


def test_missing_sources_and_empty_file(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "")) == [
        f"{tmp_path / 'tw.yaml'}:1: sources: a required key is missing"
    ]


def test_format_and_pattern_exclude_each_other(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n  - name: a\n    url: https://a.example/\n    format: timesca\n"
        "    pattern: '(?P<base>A)(?P<quote>B)(?P<rate>1)(?P<change>2)'\n",
    )
    assert problems(path) == [f"{path}:2: sources[0]: give either format or pattern, not both"]


def test_environment_variables_fill_secrets_and_double_dollar_escapes(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: a\n    url: 'https://${HOST}/p?x=$${literal}'\n")
    settings = load_settings(path, environ={"HOST": "rates.example"})
    assert settings.sources[0].url == "https://rates.example/p?x=${literal}"


def test_defaults_fill_in_per_source_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "defaults: {interval: 10m, windows: [1h]}\n"
        "sources:\n"
        "  - {name: a, url: 'https://a.example/'}\n"
        "  - {name: b, url: 'https://b.example/', interval: 30s, max_body: 1MiB}\n",
    )
    a, b = load_settings(path, environ={}).sources
    assert (a.interval, a.windows, a.max_body) == (600, ("1h",), 5 * 2**20)
    assert (b.interval, b.windows, b.max_body) == (30, ("1h",), 2**20)


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    assert problems(tmp_path / "missing.yaml") == [
        f"{tmp_path / 'missing.yaml'}: cannot read the file: no such file or directory"
    ]


def test_a_sources_proxy_url_is_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - {name: a, url: 'https://a.example/', proxy_url: 'http://proxy.example:3128'}\n"
        "  - {name: b, url: 'https://b.example/', proxy_url: 'socks9://proxy.example'}\n"
        "  - {name: c, url: 'https://c.example/', proxy_url: 'http://proxy.example:70000'}\n",
    )
    assert problems(path) == [
        f"{path}:3: sources[1].proxy_url: expected a proxy URL such as"
        " http://proxy.example:3128, got 'socks9://proxy.example'",
        f"{path}:4: sources[2].proxy_url: bad port in the proxy URL: Port out of range 0-65535",
    ]


def test_every_url_with_a_port_out_of_range_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "web: {external_url: 'http://tw.example:99999'}\n"
        "sources:\n"
        "  - {name: a, url: 'https://a.example:65536/'}\n"
        "notify:\n"
        "  alertmanager:\n"
        "    urls: ['http://am.example:9093', 'http://am2.example:123456']\n"
        "    proxy_url: 'http://proxy.example:70000'\n"
        "  webhooks:\n"
        "    - name: ops\n"
        "      url: 'https://hooks.example:70000/in?token=s3cret'\n"
        "      proxy_url: 'http://proxy.example:3128'\n",
    )
    found = problems(path)
    bad_port = "bad port in the URL: Port out of range 0-65535"
    assert found == [
        f"{path}:1: web.external_url: {bad_port}",
        f"{path}:3: sources[0].url: {bad_port}",
        f"{path}:6: notify.alertmanager.urls[1]: {bad_port}",
        f"{path}:7: notify.alertmanager.proxy_url: bad port in the proxy URL:"
        " Port out of range 0-65535",
        f"{path}:10: notify.webhooks[0].url: {bad_port}",
    ]
    assert not any("s3cret" in problem for problem in found)


def test_receivers_take_a_proxy_url(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources: [{name: a, url: 'https://a.example/'}]\n"
        "notify:\n"
        "  alertmanager: {urls: ['http://am:9093'], proxy_url: 'http://proxy:3128'}\n"
        "  webhooks: [{name: ops, url: 'https://h.example/', proxy_url: 'http://proxy:3128'}]\n",
    )
    notify = load_settings(path, environ={}).notify
    assert notify.alertmanager is not None
    assert notify.alertmanager.proxy_url == notify.webhooks[0].proxy_url == "http://proxy:3128"


def test_two_alertmanager_urls_on_one_host_and_port_are_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources: [{name: a, url: 'https://a.example/'}]\n"
        "notify:\n"
        "  alertmanager:\n"
        "    urls: ['http://am:9093', 'http://am:9093/prefix']\n",
    )
    assert problems(path) == [
        f"{path}:4: notify.alertmanager.urls: two URLs name the same host and port"
        " (the receiver label)"
    ]


def test_a_url_with_whitespace_or_a_control_character_is_an_error_that_quotes_nothing(
    tmp_path: Path,
) -> None:
    """urlsplit drops a trailing newline (a secret made with `echo`), tabs and leading
    spaces: each would pass, then fail every send. Each is an error at its line, and the
    message shows neither the URL nor the secret in it."""
    path = write(
        tmp_path,
        "web: {external_url: 'http://tw.example/ '}\n"
        "sources:\n"
        "  - {name: a, url: '${SOURCE}'}\n"
        "  - {name: b, url: 'https://b.example/', proxy_url: '${PROXY}'}\n"
        "notify:\n"
        "  alertmanager: {urls: ['http://am:9093', '${AM}'], proxy_url: '${PROXY}'}\n"
        "  webhooks:\n"
        "    - {name: ops, url: '${OPS_WEBHOOK}'}\n"
        "    - {name: zw, url: 'https://hooks.example/in\u200b'}\n"
        "    - {name: idn, url: 'https://bücher.example/in'}\n",
    )
    secrets = {
        "SOURCE": "\thttps://a.example/?key=s3cret-a",
        "PROXY": "http://user:s3cret-p@proxy.example:3128\n",
        "AM": "http://am2.example:9093/\r\n",
        "OPS_WEBHOOK": "https://hooks.example/in?token=s3cret-w\n",
    }
    found = problems(path, secrets)
    rule = "URLs may not hold whitespace or control characters"
    assert found == [
        f"{path}:1: web.external_url: the URL holds a space (U+0020) at character 19 of 19; {rule}",
        f"{path}:3: sources[0].url: the URL holds a tab (U+0009) at character 1 of 32; {rule}",
        f"{path}:4: sources[1].proxy_url: the proxy URL holds a line feed (U+000A) at"
        f" character 40 of 40; {rule} (a secret made with `echo` ends in one: use `echo -n`)",
        f"{path}:6: notify.alertmanager.urls[1]: the URL holds a carriage return (U+000D)"
        f" at character 25 of 26; {rule}",
        f"{path}:6: notify.alertmanager.proxy_url: the proxy URL holds a line feed (U+000A)"
        f" at character 40 of 40; {rule} (a secret made with `echo` ends in one:"
        " use `echo -n`)",
        f"{path}:8: notify.webhooks[0].url: the URL holds a line feed (U+000A) at character"
        f" 40 of 40; {rule} (a secret made with `echo` ends in one: use `echo -n`)",
        f"{path}:9: notify.webhooks[1].url: the URL holds U+200B at character 25 of 25; {rule}",
    ]
    assert not any("s3cret" in problem or "example/" in problem for problem in found)


def test_every_format_the_config_accepts_has_a_reader() -> None:
    from typing import get_args

    from tickerwatch.config.schema import SourceSchema
    from tickerwatch.core.settings import FEED_FORMATS, GENERIC_FORMATS, TICKER_FORMATS
    from tickerwatch.sources import READERS

    literal, _none = get_args(SourceSchema.model_fields["format"].annotation)  # Literal | None
    formats = set(get_args(literal))
    assert formats | {"pattern"} == set(READERS)
    assert formats == {*TICKER_FORMATS, *FEED_FORMATS, *GENERIC_FORMATS}


def test_extract_is_checked_at_its_lines_in_the_formats_language(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - name: xml\n"
        "    url: https://a.example/\n"
        "    format: xml\n"
        "    extract:\n"
        "      items: /rates/rate\n"
        "      base: '@code'\n"
        "      quote: {fixed: kgs}\n"
        "      rate: 'Value['\n"
        "      date: '@date'\n"
        "      date_format: '%d.%m'\n"
        "      decimals: 13\n"
        "  - name: json\n"
        "    url: https://b.example/\n"
        "    format: json\n"
        "    extract: {items: 'rates[', base: Ccy, quote: {fixed: UZS}, rate: '@Rate'}\n"
        "  - {name: no-extract, url: 'https://c.example/', format: json}\n"
        "  - name: not-generic\n"
        "    url: https://d.example/\n"
        "    format: nbkr\n"
        "    extract: {items: a, base: b, quote: c, rate: d}\n"
        "  - name: two-changes\n"
        "    url: https://e.example/\n"
        "    format: json\n"
        "    extract: {items: '@', base: a, quote: b, rate: c, change: d, change_pct: e}\n",
    )
    assert problems(path) == [
        f"{path}:8: sources[0].extract.quote: expected an expression, or {{fixed: CODE}} with a"
        " code such as KGS",
        f"{path}:9: sources[0].extract.rate: not an XPath 1.0 expression: 'Value[': Invalid"
        " expression",
        f"{path}:11: sources[0].extract.date_format: '%d.%m' does not read a date back (e.g."
        " %d.%m.%Y, %Y-%m-%d)",
        f"{path}:12: sources[0].extract.decimals: Input should be less than or equal to 12",
        f"{path}:16: sources[1].extract.items: not a JMESPath expression: Invalid jmespath"
        ' expression: Incomplete expression: "rates[" ^',
        f"{path}:16: sources[1].extract.rate: not a JMESPath expression: Unexpected token: Rate:"
        ' Parse error at column 1, token "Rate" (UNQUOTED_IDENTIFIER), for expression: "@Rate" ^',
        f"{path}:17: sources[2]: format json needs extract: where the values stand",
        f"{path}:18: sources[3]: extract is for format xml or json",
        f"{path}:25: sources[4].extract: give change (absolute) or change_pct (percent), not both",
    ]


def test_a_generic_source_is_built_with_its_extract(tmp_path: Path) -> None:
    from tickerwatch.core.settings import Extract, Fixed

    path = write(
        tmp_path,
        "sources:\n  - name: a\n    url: 'https://a.example/%Y'\n    format: json\n"
        "    extract: {items: '@', base: Ccy, quote: {fixed: UZS}, rate: Rate, date: Date,"
        " date_from: entry, date_format: '%d.%m.%Y', decimals: 2}\n",
    )
    (source,) = load_settings(path, environ={}).sources
    assert source.format == "json"
    assert source.extract == Extract(
        items="@", base="Ccy", quote=Fixed("UZS"), rate="Rate", date="Date",
        date_format="%d.%m.%Y", decimals=2,
    )  # fmt: skip


def test_a_sources_timezone_is_an_iana_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - {name: a, url: 'https://a.example/', timezone: Asia/Bishkek}\n"
        "  - {name: b, url: 'https://b.example/', timezone: Mars/Olympus}\n",
    )
    assert problems(path) == [
        f"{path}:3: sources[1].timezone: unknown time zone 'Mars/Olympus'"
        " (an IANA name: Asia/Bishkek)"
    ]


def test_references_name_other_sources(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - {name: a, url: 'https://a.example/', references: [b, a, nowhere]}\n"
        "  - {name: b, url: 'https://b.example/'}\n"
        "alerts:\n"
        "  - {name: Drift, deviation: {above: 0.01, references: [gone]}}\n",
    )
    assert problems(path) == [
        f"{path}:2: sources[0].references[1]: a source cannot reference itself",
        f"{path}:2: sources[0].references[2]: no source is named nowhere (the sources: a, b)",
        f"{path}:5: alerts[0].deviation.references[0]: no source is named gone (the sources: a, b)",
    ]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("timesca", None),
        ("timsca", "no source named 'timsca'; did you mean timesca?"),
        ("nope", "no source named 'nope'; the sources are: "),
    ],
)
def test_a_source_asked_for_by_name_is_found_or_the_error_says_which_there_are(
    name: str, said: str | None
) -> None:
    path = CONFIG_DIR / "tickerwatch.yaml"
    settings = load_settings(path, environ={})
    if said is None:
        assert source_named(settings, name, path).name == name
        return
    with pytest.raises(ConfigError) as raised:
        source_named(settings, name, path)
    assert said in str(raised.value) and "timesca" in str(raised.value)
