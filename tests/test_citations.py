"""The citation recogniser against every form of the content spec, and properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.citations import TYPE_CODES, TYPE_NAMES, find_citations, parse_ref

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "langson-2020-w51.txt"

# (written as, [(number, type, issuer, date)])
SPEC_TABLE = [
    ("(số 2610/QĐ-UBND ngày 15/12/2020)", [("2610", "QĐ", "UBND", dt.date(2020, 12, 15))]),
    ("Kế hoạch số 199/KH-UBND ngày 20/12/2020", [("199", "KH", "UBND", dt.date(2020, 12, 20))]),
    ("Tờ trình số 2896/TTr-SGDĐT, ngày 30/10/2020", [("2896", "TTr", "SGDĐT", dt.date(2020, 10, 30))]),
    ("Quyết định số 512/QĐ-UBND", [("512", "QĐ", "UBND", None)]),
    ("Nghị định số 85/2024/NĐ-CP ngày 10/7/2024", [("85", "NĐ", "CP", dt.date(2024, 7, 10))]),
    ("Nghị định số 339/2025/NĐ-CP", [("339", "NĐ", "CP", None)]),
    ("Kế hoạch số 119-KH/TU, Chỉ thị số 12-CT/TW, Thông báo số 40-TB/TƯ",
     [("119", "KH", "TU", None), ("12", "CT", "TW", None), ("40", "TB", "TƯ", None)]),
    ("Công văn số 6296/VPCP-KSTT, văn bản số 815/UBND-KT",
     [("6296", "CV", "VPCP-KSTT", None), ("815", "CV", "UBND-KT", None)]),
    ("Chỉ thị 08/CT-UBND, công văn 1232/UBND-VP", [("8", "CT", "UBND", None), ("1232", "CV", "UBND-VP", None)]),
    ("Nghị quyết số 68/NQ-HĐND ngày 10 tháng 12 năm 2019", [("68", "NQ", "HĐND", dt.date(2019, 12, 10))]),
    ("Chỉ thị số 34-CT/TW ngày 20-5-2019", [("34", "CT", "TW", dt.date(2019, 5, 20))]),
    ("Quyết định số 1605a/QĐ-UBND ngày 12/8/2021", [("1605a", "QĐ", "UBND", dt.date(2021, 8, 12))]),
    ("Kế hoạch số 33 /KH-BCĐ, Chỉ thị 11/CT- UBND", [("33", "KH", "BCĐ", None), ("11", "CT", "UBND", None)]),
    ("Quyết định số 32/2005/QĐ-BGD&ĐT.", [("32", "QĐ", "BGD&ĐT", None)]),
    ("Thông tư liên tịch số 02/2011/TTLT-VPCP-BNV ngày 28/01/2011",
     [("2", "TTLT", "VPCP-BNV", dt.date(2011, 1, 28))]),
    ("Công văn số 4079/UBND-KT ngày 19/6", [("4079", "CV", "UBND-KT", None)]),
    ("Quyết định\nsố 2610/QĐ-\nUBND ngày\n15/12/2020", [("2610", "QĐ", "UBND", dt.date(2020, 12, 15))]),
    ("các Quyết định số 2610/QĐ-UBND, 2611/QĐ-UBND và 2612/QĐ-UBND ngày 16/12/2020",
     [("2610", "QĐ", "UBND", None), ("2611", "QĐ", "UBND", None), ("2612", "QĐ", "UBND", dt.date(2020, 12, 16))]),
    ("Kế hoạch số 07/KH-UBND; Quyết định số 08/QĐ-UBND", [("7", "KH", "UBND", None), ("8", "QĐ", "UBND", None)]),
    ("Quyết định số 5/QĐ-UBND ngày 32/13/2020", [("5", "QĐ", "UBND", None)]),
]


@pytest.mark.parametrize("text, expected", SPEC_TABLE, ids=[t for t, _ in SPEC_TABLE])
def test_every_form_of_the_spec_is_recognised(text, expected):
    found = [(c.number, c.type, c.issuer, c.date) for c in find_citations(text)]
    assert found == expected


@pytest.mark.parametrize("text", [
    "thửa đất số 156 và số 178", "Chỉ thị 09 của Thủ tướng", "văn bản số 558", "(17/10/2002 - 17/10/2022)",
    "hoàn thành 22/24 nhiệm vụ", "dịch COVID-19", "2.510,28 ha", "ca F0/F1", "https://x.vn/2020/ABC-DEF",
    "tỷ lệ 1/2 dân số",
])
def test_numbers_and_dates_that_are_not_documents_are_ignored(text):
    assert find_citations(text) == []


def test_year_comes_from_the_date_or_the_number():
    dated, numbered, bare = find_citations("số 1/QĐ-UBND ngày 2/3/2021; số 85/2024/NĐ-CP; số 9/KH-UBND")
    assert (dated.year, numbered.year, bare.year) == (2021, 2024, None)


def test_span_covers_type_word_to_date_and_never_the_closing_punctuation():
    text = "UBND tỉnh vừa ban hành (Kế hoạch số 199/KH-UBND ngày 20/12/2020)."
    [c] = find_citations(text)
    assert text[c.start:c.end] == "Kế hoạch số 199/KH-UBND ngày 20/12/2020"


def test_the_seed_digest_cites_thirteen_documents():
    labels = [f"{c.number}/{c.type}-{c.issuer}" for c in find_citations(SEED.read_text(encoding="utf-8"))]
    assert labels == ["534/BC-STC", "542/BC-STC", "2896/TTr-SGDĐT", "486/TTr-ĐPTTH", "279/BC-BQLKKTCK",
                      "717/BC-UBND", "2610/QĐ-UBND", "2612/QĐ-UBND", "2653/QĐ-UBND", "2599/QĐ-UBND",
                      "2613/QĐ-UBND", "199/KH-UBND", "196/KH-UBND"]


def test_front_matter_refs_parse_like_citations():
    assert (parse_ref("2610/QĐ-UBND").type, parse_ref("119-KH/TU").issuer) == ("QĐ", "TU")
    assert parse_ref("85/2024/NĐ-CP").year == 2024
    assert parse_ref("không phải văn bản") is None


def test_every_type_has_a_vietnamese_name():
    assert TYPE_CODES <= set(TYPE_NAMES) and TYPE_NAMES["CV"] == "Công văn"


WORDS = st.sampled_from(["UBND tỉnh", "vừa ban hành", "theo đó", "các sở, ngành", "thực hiện", "năm 2021",
                         "thửa đất số 156", "22/24 nhiệm vụ", "và", ";", "(", ")"])
TYPES = st.sampled_from(sorted(TYPE_CODES - {"QĐi"}))
ISSUERS = st.sampled_from(["UBND", "HĐND", "SGDĐT", "BCĐ", "CP", "TTg", "UBND-KT", "BGD&ĐT", "VPCP-BNV"])


@settings(max_examples=300, deadline=None)
@given(before=st.lists(WORDS, max_size=4), after=st.lists(WORDS, max_size=4), type_=TYPES, issuer=ISSUERS,
       number=st.integers(1, 99999), day=st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)),
       dated=st.booleans(), leading_zero=st.booleans())
def test_generated_citations_in_running_text_are_found(before, after, type_, issuer, number, day, dated,
                                                       leading_zero):
    written = f"{number:02d}" if leading_zero else str(number)
    citation = f"số {written}/{type_}-{issuer}" + (f" ngày {day.day}/{day.month}/{day.year}" if dated else "")
    text = " ".join(before) + " " + citation + " " + " ".join(after)
    found = [c for c in find_citations(text) if c.number == str(number)]
    assert len(found) == 1
    [c] = found
    assert (c.type, c.issuer, c.date) == (type_, issuer, day if dated else None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
       | st.text(alphabet="0123456789/-. ,QĐUBNDKHsốngày\nTWđ", max_size=120))
def test_never_raises_and_spans_are_ordered_and_disjoint(text):
    found = find_citations(text)
    previous_end = 0
    for c in found:
        assert previous_end <= c.start < c.end <= len(text)
        previous_end = c.end
    if "/" not in text:
        assert found == []
