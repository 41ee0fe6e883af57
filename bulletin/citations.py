"""Find the official documents a text cites: "Quyết định số 2610/QĐ-UBND ngày 15/12/2020".

One precompiled regular expression covers every form of the content spec:
an optional type word ("Quyết định", "công văn"…) and "số", a number (letter
suffix allowed, "/YYYY/" allowed), and a code: `TYPE-ISSUER` ("QĐ-UBND"),
a Party code `NUMBER-TYPE/ISSUER` ("119-KH/TU"), or a letter's code that names
only the issuer ("VPCP-KSTT"); then an optional date. Codes use Vietnamese
capitals, so the character classes are built from Unicode, never `[A-Z]`.

In a list ("số 2610/QĐ-UBND, 2611/QĐ-UBND và 2612/QĐ-UBND ngày 16/12/2020")
each number is its own citation and only the one the date follows gets it,
since a date in these digests belongs to the document just before it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# Decree 30/2020/NĐ-CP, Appendix III, plus legal and Party document types.
TYPE_NAMES: dict[str, str] = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế", "QyĐ": "Quy định",
    "TC": "Thông cáo", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình", "KH": "Kế hoạch",
    "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình",
    "HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền", "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi", "PC": "Phiếu chuyển", "PB": "Phiếu báo",
    "NĐ": "Nghị định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NQLT": "Nghị quyết liên tịch",
    "KL": "Kết luận", "PL": "Pháp lệnh", "QĐi": "Quy định", "L": "Luật", "CV": "Công văn",
}
TYPE_CODES = frozenset(TYPE_NAMES) - {"CV", "L"}

# Type words as authors write them → abbreviation (used when the code has no type).
TYPE_WORDS: dict[str, str] = {
    "thông tư liên tịch": "TTLT", "nghị quyết liên tịch": "NQLT", "quyết định": "QĐ", "nghị quyết": "NQ",
    "nghị định": "NĐ", "kế hoạch": "KH", "báo cáo": "BC", "tờ trình": "TTr", "chỉ thị": "CT",
    "thông báo": "TB", "thông tư": "TT", "thông cáo": "TC", "công điện": "CĐ", "công văn": "CV",
    "văn bản": "CV", "đề án": "ĐA", "dự án": "DA", "kết luận": "KL", "quy chế": "QC", "quy định": "QyĐ",
    "hướng dẫn": "HD", "chương trình": "CTr", "phương án": "PA", "biên bản": "BB", "hợp đồng": "HĐ",
    "giấy mời": "GM", "pháp lệnh": "PL", "luật": "L",
}


def _letters(upper: bool) -> str:
    chars = [chr(c) for c in range(0xC0, 0x1EFA) if chr(c).isalpha()
             and "LATIN" in unicodedata.name(chr(c), "") and chr(c).isupper() == upper]
    return ("A-Z" if upper else "a-z") + "".join(chars)


UPPER = _letters(True)
LOWER = _letters(False)
SEGMENT = f"[{UPPER}][{UPPER}{LOWER}0-9&]*"
CODE = rf"{SEGMENT}(?:-[ \t]?(?:\r?\n[ \t]*)?{SEGMENT})*"
WORDS = "|".join(sorted((w.replace(" ", r"\s+") for w in TYPE_WORDS), key=len, reverse=True))
DATE = (r"(?:,?\s+ngày\s+(?:(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}))?(?!\d)"
        r"|(?P<ld>\d{1,2})\s+tháng\s+(?P<lm>\d{1,2})\s+năm\s+(?P<ly>\d{4})))")

# The number and code first (matches can only start at a digit, so the scan is fast),
# then the words before it, looked for in a short window.
CITATION = re.compile(
    r"(?<![\w/.,-])(?P<num>\d{1,6}[a-zđ]?)(?![\d,.])"
    rf"(?:\s*/\s*(?P<year>(?:19|20)\d\d)\s*/\s*(?P<code>{CODE})"
    rf"|\s*/\s*(?P<code2>{CODE})"
    rf"|-(?P<ptype>{SEGMENT})\s*/\s*(?P<pissuer>{CODE}))"
    rf"(?![\w&])(?P<date>{DATE})?"
)
PREFIX = re.compile(rf"(?:(?P<word>(?i:{WORDS}))\s+(?:(?i:số)\s+)?|(?i:số)\s+)$")
PREFIX_WINDOW = 48
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Citation:
    start: int
    end: int
    type: str
    number: str
    issuer: str
    date: dt.date | None
    year: int | None


def _date(match: re.Match) -> dt.date | None:
    day, month, year = match["d"] or match["ld"], match["m"] or match["lm"], match["y"] or match["ly"]
    if not (day and month and year):
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _from_match(text: str, match: re.Match) -> Citation | None:
    window_start = max(0, match.start() - PREFIX_WINDOW)
    prefix = PREFIX.search(text, window_start, match.start())
    word = prefix["word"] if prefix else None
    word_type = TYPE_WORDS.get(_SPACES.sub(" ", word.lower())) if word else None
    if match["ptype"]:
        if match["ptype"] not in TYPE_CODES:
            return None  # "COVID-19/…" and the like: a Party code always starts with a type
        type_, issuer = match["ptype"], match["pissuer"]
    else:
        code = _SPACES.sub("", match["code"] or match["code2"])
        first, _, rest = code.partition("-")
        if first in TYPE_CODES:
            type_, issuer = first, rest
        else:
            type_, issuer = word_type or "CV", code
    issuer = _SPACES.sub("", issuer)
    number = match["num"].lstrip("0") or "0"
    if number[0].isalpha():
        number = "0" + number
    date = _date(match) if match["date"] else None
    year = date.year if date else (int(match["year"]) if match["year"] else None)
    end = match.end("date") if match["date"] else match.end(
        next(g for g in ("code", "code2", "pissuer") if match[g] is not None))
    return Citation(prefix.start() if prefix else match.start(), end, type_, number, issuer, date, year)


def find_citations(text: str) -> list[Citation]:
    """All citations in `text`, in order, non-overlapping."""
    if "/" not in text:
        return []
    found: list[Citation] = []
    for match in CITATION.finditer(text):
        citation = _from_match(text, match)
        if citation is not None:
            if found and citation.start < found[-1].end:  # a prefix never reaches into the previous one
                citation = Citation(match.start(), *dataclasses.astuple(citation)[1:])
            found.append(citation)
    return found


def parse_ref(ref: str) -> Citation | None:
    """A front-matter `ref` ("2610/QĐ-UBND", "85/2024/NĐ-CP", "Công văn số 6296/VPCP-KSTT")."""
    found = find_citations(unicodedata.normalize("NFC", ref.strip()))
    return found[0] if found else None
