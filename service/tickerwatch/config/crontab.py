"""Cron schedules (a source's `schedule:`): crontab's five fields, read by APScheduler 3's
`CronTrigger.from_crontab` in the source's time zone. The one place APScheduler's errors
about them become tickerwatch's words (the engine only ever builds validated schedules).

Where crontab and APScheduler 3 read the same text differently, the text is refused
rather than guessed at: APScheduler 3 counts weekday numbers from Monday (crontab: 0 and
7 are Sunday), drops a step or `#n` after a weekday name without a word (`mon-fri/2` is
every weekday), and polls only when both the day of the month and the day of the week
match (crontab: when either does).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Final

from apscheduler.triggers.cron import CronTrigger

FIELDS: Final = ("minute", "hour", "day of month", "month", "day of week")
_ARGUMENTS: Final = ("minute", "hour", "day", "month", "day_of_week")
_DAY: Final = r"(?:mon|tue|wed|thu|fri|sat|sun)"
_WEEKDAYS: Final = re.compile(rf"\*|{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*", re.IGNORECASE)
_REASONS: Final = (  # APScheduler's message → ours ({0}: the field's name)
    (r"the last value \((\d+)\) is higher than the maximum value \((\d+)\)",
     "{1} is above {2}, the largest {0}"),
    (r"the first value \((\d+)\) is lower than the minimum value \((\d+)\)",
     "{1} is below {2}, the smallest {0}"),
    (r"the step value \((\d+)\) is higher than the total range of the expression \((\d+)\)",
     "a step of {1} is longer than the {0}'s whole range ({2})"),
    (r"Increment must be higher than 0", "a step must be 1 or more"),
    (r"The minimum value in a range must not be higher than the maximum",
     "a range must run from low to high"),
    (r'Unrecognized expression ".*" for field ".*"',
     "expected a number, a range (a-b), a list (a,b), a step (*/n) or *"),
    (r'Invalid month name "(.*)"', "unknown month {1!r} (jan … dec)"),
)  # fmt: skip


def check_crontab(expr: str, timezone: str = "UTC") -> str:
    """`expr` with its fields separated by single spaces, if it is a crontab schedule
    tickerwatch runs as crontab would (see the module's docstring) and that ever polls;
    raises ValueError saying why not, in the field's words."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron schedule has 5 fields (minute hour day-of-month month day-of-week); "
            f"{expr!r} has {len(fields)}"
        )
    weekdays = fields[4]
    if not _WEEKDAYS.fullmatch(weekdays):
        raise ValueError(
            f"day of week {weekdays!r}: write weekdays as names (mon-fri, sat,sun) or *: "
            "APScheduler 3 counts weekday numbers from Monday where crontab counts from "
            "Sunday, and ignores a step or # after a name"
        )
    if fields[2] != "*" and weekdays != "*":
        raise ValueError(
            "give a day of the month or a day of the week, not both: crontab polls when "
            "either matches, APScheduler 3 only when both do"
        )
    for name, argument, value in zip(FIELDS, _ARGUMENTS, fields, strict=True):
        try:
            CronTrigger(**{argument: value}, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"{name} {value!r}: {_reason(str(exc), name)}") from None
    text = " ".join(fields)
    if cron_trigger(text, timezone).get_next_fire_time(None, datetime.now(UTC)) is None:
        raise ValueError(f"{text!r} never polls: no date matches it")
    return text


@functools.lru_cache(maxsize=256)
def cron_trigger(expr: str, timezone: str) -> CronTrigger:
    """APScheduler's trigger of a schedule `check_crontab` accepted, in `timezone` (an IANA
    name). A CronTrigger keeps no state between calls, so one per schedule is shared."""
    return CronTrigger.from_crontab(expr, timezone=timezone)


def _reason(message: str, field: str) -> str:
    for pattern, ours in _REASONS:
        found = re.search(pattern, message)
        if found:
            reason = ours.format(field, *found.groups())
            break
    else:
        reason = message[:1].lower() + message[1:]
    return f"{reason} (the week runs mon … sun)" if field == "day of week" else reason
