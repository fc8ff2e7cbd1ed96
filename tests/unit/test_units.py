import pytest

from tickerwatch.core.units import format_duration, parse_duration, parse_size, rfc3339


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("2h", 7200),
        ("7d", 604800),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("1w", 604800),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5x", "m5", "-5m", "5 m", 5, None, "1h 30m"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["101y", "100000000y", "99999999999999d"])
def test_durations_beyond_a_century_are_refused(text: str) -> None:
    """`interval: 100000000y` passed check-config and then overflowed the scheduler."""
    with pytest.raises(ValueError, match="at most 100y"):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ["30s", "5m", "2h", "7d", "1d2h", "500ms"]:
        assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize(
    ("text", "size"),
    [("5MiB", 5 * 2**20), ("512KiB", 2**19), ("1MB", 10**6), (1000, 1000), ("10", 10)],
)
def test_sizes(text: object, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["5 parsecs", "", "-1", True, 1.5])
def test_bad_sizes(text: object) -> None:
    with pytest.raises(ValueError, match="expected a size"):
        parse_size(text)


def test_rfc3339_clamps_times_it_cannot_write() -> None:
    assert rfc3339(-62135617000.0) == "0001-01-01T00:00:00Z"  # year 0 in UTC
    assert rfc3339(1e15) == "9999-12-31T23:59:59Z"
    assert rfc3339(float("-inf")) == "0001-01-01T00:00:00Z"
    assert rfc3339(float("nan")) == "0001-01-01T00:00:00Z"
    assert rfc3339(1765152000.25, "milliseconds") == "2025-12-08T00:00:00.250Z"
