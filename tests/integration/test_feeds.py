"""The central banks' feeds, each served by a real local server with the headers it was
recorded with, and read the way a poll reads it (fetch, decode, the format's reader,
de-duplicate): every value of every recorded body, checked against the body read
independently (the standard library's ElementTree and json), and the values that show
what a feed means (nominals, trailing zeros, decimal commas) spelled out."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from support.feeds import CONFIG, FEEDS, XML, by_pair, example, poll, read, served, source
from support.httpserver import PageServer
from tickerwatch.config import load_settings


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    with PageServer() as srv:
        yield srv


def midnight(day: str, timezone: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(timezone)).timestamp()


# ------------------------------------------------------------------ the bodies, read apart

Expected = dict[str, tuple[Decimal, Decimal | None]]  # pair → (rate, absolute change)


def nbkr_values(file: str) -> Expected:
    root = ET.fromstring((FEEDS / file).read_bytes())
    return {
        f"{c.get('ISOCode')}/KGS": (
            Decimal(str(c.findtext("Value")).replace(",", "."))
            / Decimal(str(c.findtext("Nominal"))),
            None,
        )
        for c in root.iter("Currency")
    }


def nbk_values(file: str) -> Expected:
    out: Expected = {}
    for item in ET.fromstring((FEEDS / file).read_bytes()).iter("item"):
        quant = Decimal(str(item.findtext("quant")))
        rate = Decimal(str(item.findtext("description"))) / quant
        out[f"{item.findtext('title')}/KZT"] = (rate, Decimal(str(item.findtext("change"))) / quant)
    return out


def cbu_values(file: str, with_change: bool = True) -> Expected:
    out: Expected = {}
    for e in json.loads((FEEDS / file).read_text()):
        nominal = Decimal(e["Nominal"])
        change = Decimal(e["Diff"]) / nominal if with_change else None
        out[f"{e['Ccy']}/UZS"] = (Decimal(e["Rate"]) / nominal, change)
    return out


def nbt_values(file: str) -> Expected:
    root = ET.fromstring((FEEDS / file).read_bytes())
    return {
        f"{v.findtext('CharCode')}/TJS": (
            Decimal(str(v.findtext("Value"))) / Decimal(str(v.findtext("Nominal"))),
            None,
        )
        for v in root.iter("Valute")
    }


def cbt_values(file: str) -> Expected:
    root = ET.fromstring((FEEDS / file).read_bytes())
    return {
        f"{r.get('code')}/TMT": (
            Decimal(str(r.findtext("rate_tmt"))) / Decimal(str(r.findtext("multiplier"))),
            None,
        )
        for r in root.iter("rate")
    }


CASES = [
    ("nbkr_daily_2026-05-24.xml", "nbkr", XML, "2026-05-24", "Asia/Bishkek", nbkr_values),
    ("nbkr_weekly_2026-05-23.xml", "nbkr", XML, "2026-05-23", "Asia/Bishkek", nbkr_values),
    ("nbk_get_rates_2026-04-01.xml", "nbk", f"{XML}; charset=utf-8", "2026-04-01", "Asia/Almaty",
     nbk_values),
    ("cbu_json_all_2026-04-01.json", "cbu", "application/json", "2026-04-01", "Asia/Tashkent",
     cbu_values),
    ("nbt_export_xml_2026-05-18.xml", "nbt", XML, "2026-05-18", "Asia/Dushanbe", nbt_values),
    ("cbt_kurs_2026_20052026.xml", "cbt", XML, "2026-05-20", "Asia/Ashgabat", cbt_values),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "fmt", "content_type", "day", "zone", "values"), CASES, ids=[c[0] for c in CASES]
)
def test_every_value_of_every_recorded_feed_is_read(
    server: PageServer, file: str, fmt: str, content_type: str, day: str, zone: str, values: object
) -> None:
    expected = values(file)  # type: ignore[operator]
    result = poll(server, file, fmt, content_type, timezone=zone)
    assert result.unreadable == ()
    assert result.entries == len(expected) == len(result.rates)
    got = {p: (q.rate, q.change_abs) for p, q in by_pair(result).items()}
    assert got == expected
    assert {q.effective for q in result.rates} == {midnight(day, zone)}
    assert all(q.change_pct is None and q.copies == 1 for q in result.rates)


def test_nbkr_reads_decimal_commas_in_the_encoding_its_xml_declares(server: PageServer) -> None:
    page = served(server, "nbkr-daily", (FEEDS / "nbkr_daily_2026-05-24.xml").read_bytes(), XML)
    assert (page.content_type, page.encoding, page.encoding_origin) == (XML, "cp1251", "meta")
    usd = by_pair(read(page, source("nbkr")))["USD/KGS"]
    assert (str(usd.rate), usd.resolution) == ("87.4500", Decimal("0.0001"))


def test_nbkr_weekly_divides_by_the_nominal_and_keeps_the_resolution(server: PageServer) -> None:
    rates = by_pair(poll(server, "nbkr_weekly_2026-05-23.xml", "nbkr", XML))
    printed = {p: (str(q.rate), q.decimals) for p, q in rates.items()}
    assert printed["JPY/KGS"] == ("0.54969", 5)  # 5,4969 per 10 yen
    assert printed["AMD/KGS"] == ("0.23773", 5)  # 2,3773 per 10 drams
    assert printed["BYR/KGS"] == ("0.003402", 6)  # 0,3402 per 100
    assert printed["TJS/KGS"] == ("9.4148", 4)
    assert printed["UZS/KGS"] == ("0.0073", 4)
    assert printed["TMT/KGS"] == ("24.9857", 4)


def test_nbt_per_ten_som_is_per_one_with_one_more_decimal(server: PageServer) -> None:
    rates = by_pair(poll(server, "nbt_export_xml_2026-05-18.xml", "nbt", XML))
    assert (str(rates["KGS/TJS"].rate), rates["KGS/TJS"].resolution) == ("0.10686", Decimal("1e-5"))
    assert str(rates["UZS/TJS"].rate) == "0.000780"  # 0.0780 per 100: its zero is printed
    assert str(rates["USD/TJS"].rate) == "9.3450"


def test_cbt_reads_rate_tmt_with_the_decimals_it_trims(server: PageServer) -> None:
    rates = by_pair(poll(server, "cbt_kurs_2026_20052026.xml", "cbt", XML))
    assert (str(rates["USD/TMT"].rate), rates["USD/TMT"].resolution) == ("3.5000", Decimal("1e-4"))
    assert str(rates["KGS/TMT"].rate) == "0.040023"  # 4.0023 per 100 som
    assert str(rates["KZT/TMT"].rate) == "0.007424"  # rate_tmt 0.7424 per 100, not rate_usd 471.44
    assert str(rates["AED/TMT"].rate) == "0.9529"


def test_nbk_and_cbu_print_an_absolute_change(server: PageServer) -> None:
    nbk = by_pair(poll(server, "nbk_get_rates_2026-04-01.xml", "nbk", XML))
    assert (str(nbk["USD/KZT"].rate), str(nbk["USD/KZT"].change_abs)) == ("478.77", "-2.77")
    assert (str(nbk["UZS/KZT"].rate), str(nbk["UZS/KZT"].change_abs)) == ("0.0393", "-0.0002")
    assert str(nbk["AMD/KZT"].rate) == "1.272"
    assert nbk["USD/KZT"].change_ratio == Decimal("-2.77") / Decimal("481.54")
    cbu = by_pair(poll(server, "cbu_json_all_2026-04-01.json", "cbu", "application/json"))
    assert (str(cbu["USD/UZS"].rate), str(cbu["USD/UZS"].change_abs)) == ("12194.21", "-16.5")
    assert (str(cbu["TMT/UZS"].rate), str(cbu["TMT/UZS"].change_abs)) == ("4037.68", "108.25")
    assert str(cbu["IRR/UZS"].rate) == "0.009"  # 0.09 per 10 rials


def test_nbk_rss_shape_reads_as_the_rates_shape(server: PageServer) -> None:
    rss = poll(server, "nbk_rates_all_rss_2026-04-01.xml", "nbk", XML)
    rates = poll(server, "nbk_get_rates_2026-04-01.xml", "nbk", XML)
    assert len(rss.rates) == 39
    assert rss.rates == rates.rates  # the channel's own title and description are no entry


def test_cbu_xml_variant_reads_as_its_json(server: PageServer) -> None:
    xml = poll(server, "cbu_xml_2026-04-01.xml", "cbu", "application/xml")
    assert {p: (q.rate, q.change_abs) for p, q in by_pair(xml).items()} == cbu_values(
        "cbu_json_all_2026-04-01.json", with_change=False
    )


# ------------------------------------------------------------------ configured, not built in


@pytest.mark.parametrize(
    ("generic", "file", "fmt", "content_type"),
    [
        ("nbkr-generic", "nbkr_daily_2026-05-24.xml", "nbkr", XML),
        ("nbkr-generic", "nbkr_weekly_2026-05-23.xml", "nbkr", XML),
        ("cbu-generic", "cbu_json_all_2026-04-01.json", "cbu", "application/json"),
        ("nbt-generic", "nbt_export_xml_2026-05-18.xml", "nbt", XML),
    ],
)
def test_a_feed_configured_by_extract_reads_exactly_like_its_builtin_format(
    server: PageServer, generic: str, file: str, fmt: str, content_type: str
) -> None:
    configured = example(generic)
    page = served(server, f"generic-{file}", (FEEDS / file).read_bytes(), content_type)
    builtin = read(page, source(fmt, timezone=configured.timezone))
    assert read(page, configured) == builtin
    assert len(builtin.rates) > 4


PRODUCTION = {
    "nbkr": ("nbkr_daily_2026-05-24.xml", XML),
    "nbk": ("nbk_get_rates_2026-04-01.xml", XML),
    "cbu": ("cbu_json_all_2026-04-01.json", "application/json"),
    "nbt": ("nbt_export_xml_2026-05-18.xml", XML),
    "cbt": ("cbt_kurs_2026_20052026.xml", XML),
}


@pytest.mark.parametrize("name", sorted(PRODUCTION))
def test_the_shipped_feeds_find_every_pair_they_expect_in_a_real_response(
    server: PageServer, name: str
) -> None:
    shipped = next(
        s for s in load_settings(CONFIG / "tickerwatch.yaml", environ={}).sources if s.name == name
    )
    file, content_type = PRODUCTION[name]
    page = served(server, f"shipped-{name}", (FEEDS / file).read_bytes(), content_type)
    result = read(page, shipped)
    assert shipped.pairs and set(shipped.pairs) <= {q.pair for q in result.rates}
