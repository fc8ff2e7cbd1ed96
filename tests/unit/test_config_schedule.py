"""A source's `schedule:` is a crontab expression checked when the config loads: every
problem is FILE:LINE: sources[i].schedule: why, in crontab's words; text that crontab and
APScheduler 3 would read differently is refused rather than guessed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support.fuzz import fuzz
from tickerwatch.cli import main
from tickerwatch.config import load_settings
from tickerwatch.config.crontab import check_crontab
from tickerwatch.core.errors import ConfigError


def config(tmp_path: Path, source_lines: str) -> Path:
    path = tmp_path / "tw.yaml"
    path.write_text(
        "defaults: {interval: 10m, jitter: 1m}\n"
        "sources:\n"
        "  - name: nbkr\n"
        "    url: https://www.nbkr.kg/XML/daily.xml\n" + source_lines
    )
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    return caught.value.problems


def test_a_source_with_a_schedule_keeps_it_with_its_time_zone_and_jitter(tmp_path: Path) -> None:
    path = config(
        tmp_path, "    timezone: Asia/Bishkek\n    schedule: ' */30  8-11 * *  mon-fri'\n"
    )
    (source,) = load_settings(path, environ={}).sources
    assert (source.schedule, source.timezone, source.jitter) == (
        "*/30 8-11 * * mon-fri", "Asia/Bishkek", 60.0,
    )  # fmt: skip
    assert source.schedule_text == 'cron "*/30 8-11 * * mon-fri" in Asia/Bishkek, jitter 1m'


def test_without_a_schedule_a_source_keeps_its_interval(tmp_path: Path) -> None:
    (source,) = load_settings(config(tmp_path, ""), environ={}).sources
    assert (source.schedule, source.interval) == (None, 600.0)
    assert source.schedule_text == "every 10m, jitter 1m"


def test_schedule_and_interval_exclude_each_other(tmp_path: Path) -> None:
    path = config(tmp_path, "    interval: 5m\n    schedule: '0 9 * * *'\n")
    assert problems(path) == [
        f"{path}:6: sources[0].schedule: give either interval or schedule, not both"
    ]


@pytest.mark.parametrize(
    ("schedule", "why"),
    [
        ("0 9 * *", "a cron schedule has 5 fields (minute hour day-of-month month "
                    "day-of-week); '0 9 * *' has 4"),
        ("0 0 9 * * mon", "a cron schedule has 5 fields (minute hour day-of-month month "
                          "day-of-week); '0 0 9 * * mon' has 6"),
        ("@daily", "a cron schedule has 5 fields (minute hour day-of-month month "
                   "day-of-week); '@daily' has 1"),
        ("61 * * * *", "minute '61': 61 is above 59, the largest minute"),
        ("0 24 * * *", "hour '24': 24 is above 23, the largest hour"),
        ("0 9 0 * *", "day of month '0': 0 is below 1, the smallest day of month"),
        ("0 9 * 13 *", "month '13': 13 is above 12, the largest month"),
        ("0 9 * foo *", "month 'foo': unknown month 'foo' (jan … dec)"),
        ("*/0 * * * *", "minute '*/0': a step must be 1 or more"),
        ("0 11-8 * * *", "hour '11-8': a range must run from low to high"),
        ("0 9 * * sun-sat", "day of week 'sun-sat': a range must run from low to high "
                            "(the week runs mon … sun)"),
        ("x 9 * * *", "minute 'x': expected a number, a range (a-b), a list (a,b), "
                      "a step (*/n) or *"),
        ("0 0 31 2 *", "'0 0 31 2 *' never polls: no date matches it"),
    ],
)  # fmt: skip
def test_a_bad_schedule_is_an_error_at_its_line_saying_why(
    tmp_path: Path, schedule: str, why: str
) -> None:
    path = config(tmp_path, f"    timezone: Europe/Berlin\n    schedule: '{schedule}'\n")
    assert problems(path) == [f"{path}:6: sources[0].schedule: {why}"]


WEEKDAY_NUMBERS = (
    "write weekdays as names (mon-fri, sat,sun) or *: APScheduler 3 counts weekday numbers "
    "from Monday where crontab counts from Sunday, and ignores a step or # after a name"
)


@pytest.mark.parametrize("weekdays", ["1-5", "0", "7", "*/2", "mon-fri/2", "tue#2", "monday"])
def test_weekdays_that_apscheduler_3_would_read_otherwise_than_crontab_are_refused(
    tmp_path: Path, weekdays: str
) -> None:
    """`0 9 * * 1-5` is Monday to Friday to crontab, Tuesday to Saturday to APScheduler 3."""
    path = config(tmp_path, f"    schedule: '0 9 * * {weekdays}'\n")
    assert problems(path) == [
        f"{path}:5: sources[0].schedule: day of week {weekdays!r}: {WEEKDAY_NUMBERS}"
    ]


def test_a_day_of_month_with_a_day_of_week_is_refused(tmp_path: Path) -> None:
    """crontab polls `0 9 1 * mon` on the 1st and on Mondays; APScheduler 3 on Mondays
    that are the 1st."""
    path = config(tmp_path, "    schedule: '0 9 1 * mon'\n")
    assert problems(path) == [
        f"{path}:5: sources[0].schedule: give a day of the month or a day of the week, not "
        "both: crontab polls when either matches, APScheduler 3 only when both do"
    ]


@pytest.mark.parametrize("weekdays", ["mon-fri", "MON-FRI", "sat,sun", "mon,wed-fri", "*"])
def test_weekday_names_ranges_and_lists_are_accepted(weekdays: str) -> None:
    assert check_crontab(f"0 9 * * {weekdays}") == f"0 9 * * {weekdays}"


FIELD = st.text(alphabet="0123456789*/-,#?LWmonfrijatuesdcv", min_size=1, max_size=7)
FIELDS = st.tuples(  # mostly valid per position, so the later checks run too
    st.sampled_from(["*", "*/7", "0", "59", "5-2", "*/0"]),
    st.sampled_from(["*", "23", "1-5", "24"]),
    st.sampled_from(["*", "29", "30", "31", "last", "0"]),
    st.sampled_from(["*", "2", "feb", "4", "13"]),
    st.sampled_from(["*", "*", "mon", "mon-fri", "sat,sun", "sun-sat", "1"]),
)
CRON_TEXT = st.one_of(
    FIELDS.map(" ".join),
    st.lists(FIELD, min_size=5, max_size=5).map(" ".join),
    st.text(alphabet="0123456789*/-, #?LWmonfrijatuesdcvMONFRI@\t", max_size=24),
)


@fuzz
@given(CRON_TEXT)
def test_any_text_is_a_schedule_or_a_value_error_never_another_exception(text: str) -> None:
    try:
        checked = check_crontab(text, "Asia/Bishkek")
    except ValueError as exc:
        assert str(exc)
    else:
        assert len(checked.split(" ")) == 5


def test_check_config_says_when_each_source_is_polled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(
        tmp_path,
        "    timezone: Asia/Bishkek\n    schedule: '*/30 8-11 * * mon-fri'\n    jitter: 0s\n"
        "  - {name: timesca, url: 'https://timesca.com/'}\n",
    )
    assert main(["check-config", "-c", str(path)]) == 0
    head, feed, page = capsys.readouterr().out.splitlines()
    assert head == f"{path}: ok (2 sources)"
    assert page == "  timesca: every 10m, jitter 1m"
    prefix = '  nbkr: cron "*/30 8-11 * * mon-fri" in Asia/Bishkek; next '
    assert feed.startswith(prefix)
    polls = [datetime.fromisoformat(t) for t in feed.removeprefix(prefix).split(", ")]
    assert len(polls) == 3 and polls == sorted(polls)
    for poll in polls:
        assert poll.utcoffset() == timedelta(hours=6)
        assert (poll.weekday() < 5, 8 <= poll.hour <= 11, poll.minute in (0, 30)) == (
            True, True, True,
        )  # fmt: skip
