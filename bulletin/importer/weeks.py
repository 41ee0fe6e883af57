"""The week a published digest covers, read from its title.

Portals write the range in many ways; all of these are read:

    (ngày 14/12 đến ngày 20/12/2020)            start year taken from the end
    (từ ngày 28/8 đến ngày 03/9/2023)
    (từ ngày 21/10 đến hết ngày 27/10/2024)
    (từ ngày 12/01/2026 - 18/01/2026)            both years, a dash
    (ngày 29/12 đến ngày 04/01/2026)             start in the previous year
    (từ ngày 14 đến ngày 20/12/2020)             start day only: the end's month
    (từ ngày 14 tháng 12 đến ngày 20 tháng 12 năm 2020)
    tuần 51/2020, tuần 53 năm 2020                 an ISO week number

A range is accepted only if both dates exist and it spans 0 to 31 days (the
content format's limit), so a stray "2020 - 2025" is never taken for a week.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

MAX_DAYS = 31

_SHORT = r"(?P<{p}d>\d{{1,2}})(?P<{p}sep>[/.-])(?P<{p}m>\d{{1,2}})(?:(?P={p}sep)(?P<{p}y>\d{{4}}))?"
_LONG = r"(?P<{p}ld>\d{{1,2}})\s+tháng\s+(?P<{p}lm>\d{{1,2}})(?:\s*(?:,\s*)?năm\s+(?P<{p}ly>\d{{4}}))?"


def _date(prefix: str, day_only: bool) -> str:
    forms = [_SHORT.format(p=prefix), _LONG.format(p=prefix)]
    if day_only:
        forms.append(rf"(?P<{prefix}od>\d{{1,2}})(?![\d/.-])")
    return "(?:" + "|".join(forms) + ")"


RANGE_RE = re.compile(
    r"(?<![\d/.])(?:(?:từ|tu)\s+)?(?:ngày\s+)?"
    + _date("s", day_only=True)
    + r"\s*(?:đến|tới|[-–—]|\.\.)\s*(?:hết\s+)?(?:ngày\s+)?"
    + _date("e", day_only=False)
    + r"(?![\d/])",
    re.IGNORECASE,
)


WEEK_NUMBER_RE = re.compile(r"\btuần\s+(?:thứ\s+|số\s+)?(\d{1,2})\s*(?:/|-|năm)\s*(\d{4})\b", re.IGNORECASE)


def parse_week_range(text: str) -> tuple[dt.date, dt.date] | None:
    """The first plausible (start, end) range in `text`, else an ISO week number
    ("tuần 51/2020", "tuần 51 năm 2020": Monday to Sunday), else None."""
    text = unicodedata.normalize("NFC", text)
    for match in RANGE_RE.finditer(text):
        found = _resolve(match)
        if found:
            return found
    for match in WEEK_NUMBER_RE.finditer(text):
        try:
            monday = dt.date.fromisocalendar(int(match.group(2)), int(match.group(1)), 1)
        except ValueError:
            continue
        return monday, monday + dt.timedelta(days=6)
    return None


def _parts(match: re.Match[str], prefix: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) of one side; None where the text leaves it out."""
    group = match.group
    if group(prefix + "d"):
        return int(group(prefix + "d")), int(group(prefix + "m")), _int(group(prefix + "y"))
    if group(prefix + "ld"):
        return int(group(prefix + "ld")), int(group(prefix + "lm")), _int(group(prefix + "ly"))
    return int(group(prefix + "od")), None, None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _resolve(match: re.Match[str]) -> tuple[dt.date, dt.date] | None:
    start_day, start_month, start_year = _parts(match, "s")
    end_day, end_month, end_year = _parts(match, "e")
    if start_month is None:  # "từ ngày 14 đến ngày 20/12/2020"
        start_month = end_month if start_day <= end_day else (end_month - 2) % 12 + 1
    if start_year is None and end_year is None:
        return None
    if end_year is None:
        end_year = start_year + (1 if (end_month, end_day) < (start_month, start_day) else 0)
    if start_year is None:
        start_year = end_year - (1 if (start_month, start_day) > (end_month, end_day) else 0)
    try:
        start = dt.date(start_year, start_month, start_day)
        end = dt.date(end_year, end_month, end_day)
    except ValueError:
        return None
    if not 0 <= (end - start).days <= MAX_DAYS:
        return None
    return start, end


def iso_week_label(day: dt.date) -> str:
    """'2020-W51': the ISO week a digest starting on `day` belongs to."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
