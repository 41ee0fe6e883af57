"""The citation recogniser against every form of the content spec, its rules, and properties.

Speed (2-core machine, Python 3.11, best CPU time of 3): find_citations over the seed
digest repeated 1000x (8.7 M characters, 11.4 MB of UTF-8, 13,000 citations) takes 0.32 s,
~35 MB/s, so ~3 s per 100 MB; the same text split into its 107,000 lines, 0.23 s.
Decomposed (NFD) input goes through an NFC view with an offset map: 2.8 s for the same text.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bulletin.citations import TYPE_CODES, TYPE_NAMES, TYPE_WORDS, Citation, find_citations, parse_ref

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "langson-2020-w51.txt"
D = dt.date


def fields(text: str) -> list[tuple]:
    """(span text, number, type, issuer, date, year) of every citation found."""
    return [(text[c.start:c.end], c.number, c.type, c.issuer, c.date, c.year) for c in find_citations(text)]


# Every row of the spec's table, one written form per case:
# (text, span, number, type, issuer, date, year)
SPEC_TABLE = [
    ("(số 2610/QĐ-UBND ngày 15/12/2020)", "số 2610/QĐ-UBND ngày 15/12/2020", "2610", "QĐ", "UBND", D(2020, 12, 15), 2020),
    ("Kế hoạch số 199/KH-UBND ngày 20/12/2020", None, "199", "KH", "UBND", D(2020, 12, 20), 2020),
    ("Tờ trình số 2896/TTr-SGDĐT, ngày 30/10/2020", None, "2896", "TTr", "SGDĐT", D(2020, 10, 30), 2020),
    ("Quyết định số 512/QĐ-UBND", None, "512", "QĐ", "UBND", None, None),
    ("Nghị định số 85/2024/NĐ-CP ngày 10/7/2024", None, "85", "NĐ", "CP", D(2024, 7, 10), 2024),
    ("Nghị định số 339/2025/NĐ-CP", None, "339", "NĐ", "CP", None, 2025),
    ("Kế hoạch số 119-KH/TU", None, "119", "KH", "TU", None, None),
    ("Chỉ thị số 12-CT/TW", None, "12", "CT", "TW", None, None),
    ("Thông báo số 40-TB/TƯ", None, "40", "TB", "TƯ", None, None),
    ("Công văn số 6296/VPCP-KSTT", None, "6296", "CV", "VPCP-KSTT", None, None),
    ("văn bản số 815/UBND-KT", None, "815", "CV", "UBND-KT", None, None),
    ("Chỉ thị 08/CT-UBND", None, "8", "CT", "UBND", None, None),
    ("công văn 1232/UBND-VP", None, "1232", "CV", "UBND-VP", None, None),
    ("Nghị quyết số 68/NQ-HĐND ngày 10 tháng 12 năm 2019", None, "68", "NQ", "HĐND", D(2019, 12, 10), 2019),
    ("Chỉ thị số 34-CT/TW ngày 20-5-2019", None, "34", "CT", "TW", D(2019, 5, 20), 2019),
    ("Quyết định số 1605a/QĐ-UBND ngày 12/8/2021", None, "1605a", "QĐ", "UBND", D(2021, 8, 12), 2021),
    ("Kế hoạch số 33 /KH-BCĐ", None, "33", "KH", "BCĐ", None, None),
    ("Chỉ thị 11/CT- UBND", None, "11", "CT", "UBND", None, None),
    ("Quyết định số 32/2005/QĐ-BGD&ĐT", None, "32", "QĐ", "BGD&ĐT", None, 2005),
    ("Thông tư liên tịch số 02/2011/TTLT-VPCP-BNV ngày 28/01/2011", None, "2", "TTLT", "VPCP-BNV",
     D(2011, 1, 28), 2011),
    ("Công văn số 4079/UBND-KT ngày 19/6", None, "4079", "CV", "UBND-KT", None, None),
]


@pytest.mark.parametrize("text, span, number, type_, issuer, date, year", SPEC_TABLE,
                         ids=[row[0] for row in SPEC_TABLE])
def test_every_row_of_the_spec_table(text, span, number, type_, issuer, date, year):
    assert fields(text) == [(span or text, number, type_, issuer, date, year)]


@pytest.mark.parametrize("closing", [")", ".", ",", ";", ").", "), "])
def test_closing_punctuation_is_never_part_of_a_citation(closing):
    for written in ("số 2610/QĐ-UBND", "số 2610/QĐ-UBND ngày 15/12/2020", "số 119-KH/TU", "số 32/2005/QĐ-BGD&ĐT"):
        [c] = find_citations(f"({written}{closing} tiếp")
        assert (c.start, c.end) == (1, 1 + len(written))


# --- types -----------------------------------------------------------------------------

DECREE_30 = "NQ QĐ CT QC QyĐ TC TB HD CTr KH PA ĐA DA BC BB TTr HĐ CĐ BGN BTT GUQ GM GGT GNP PG PC PB".split()
LEGAL_AND_PARTY = "NĐ TT TTLT NQLT KL PL QĐi L CV".split()


@pytest.mark.parametrize("code", DECREE_30 + LEGAL_AND_PARTY)
def test_every_official_abbreviation_is_a_type_in_the_code(code):
    assert fields(f"số 5/{code}-UBND") == [(f"số 5/{code}-UBND", "5", code, "UBND", None, None)]
    assert fields(f"văn bản số 7-{code}/TU")[0][1:4] == ("7", code, "TU")
    assert code in TYPE_CODES and TYPE_NAMES[code]


def test_every_type_that_can_be_returned_has_a_vietnamese_name():
    assert set(TYPE_CODES) | set(TYPE_WORDS.values()) <= set(TYPE_NAMES)
    assert (TYPE_NAMES["QĐ"], TYPE_NAMES["CV"], TYPE_NAMES["TTr"], TYPE_NAMES["NĐ"]) == (
        "Quyết định", "Công văn", "Tờ trình", "Nghị định")


@pytest.mark.parametrize("text, type_, issuer", [
    ("Tờ trình số 12/SGDĐT", "TTr", "SGDĐT"),           # the word types a code without a type
    ("Kế hoạch số 5/UBND-KT", "KH", "UBND-KT"),
    ("Luật số 45/2019/QH14", "Luật", "QH14"),           # laws are coded by their issuer
    ("Bộ luật số 100/2015/QH13", "BL", "QH13"),
    ("Pháp lệnh số 02/2022/UBTVQH15", "PL", "UBTVQH15"),
    ("Lệnh số 05/2019/L-CTN", "L", "CTN"),              # "L" in a code is a President's order
    ("số 5/UBND-VP", "CV", "UBND-VP"),                  # no word, no type: a letter
    ("5/VPCP-KSTT", "CV", "VPCP-KSTT"),
    ("Kế hoạch số 5/QĐ-UBND", "QĐ", "UBND"),            # the code's type beats the word
    ("Thông báo kết luận số 40/TB-VPCP", "TB", "VPCP"),
    ("Quyết định số 5/QD-UBND", "QĐ", "UBND"),          # typed without Đ
    ("Nghị định số 5/2020/ND-CP", "NĐ", "CP"),
    ("Tờ trình số 5/TTR-SYT", "TTr", "SYT"),            # type in capitals
    ("Quy định số 08-QĐi/TW", "QĐi", "TW"),
    ("Công văn số 123-CV/TU", "CV", "TU"),
])
def test_type_comes_from_the_code_else_the_word_else_a_letter(text, type_, issuer):
    [c] = find_citations(text)
    assert (c.type, c.issuer, c.start, c.end) == (type_, issuer, 0, len(text))


# --- how authors write them ------------------------------------------------------------

@pytest.mark.parametrize("word", ["Quyết định", "quyết định", "QUYẾT ĐỊNH", "Quyết Định", "quyết\nđịnh"])
@pytest.mark.parametrize("so", ["số ", "Số ", "SỐ ", "số\n", "Số: ", ""])
def test_type_words_in_any_case_and_so_optional(word, so):
    text = f"theo {word} {so}2610/QĐ-UBND."
    assert fields(text) == [(f"{word} {so}2610/QĐ-UBND", "2610", "QĐ", "UBND", None, None)]


def test_type_word_without_so_types_a_letter():
    assert fields("công văn 1232/UBND-VP")[0][2] == "CV"
    assert fields("Tờ trình 12/SGDĐT")[0][2] == "TTr"


def test_a_citation_may_break_wherever_a_space_may_stand():
    written = "Thông tư liên tịch số 02 / 2011 / TTLT- VPCP-BNV , ngày 28 / 01 / 2011"
    expected = ("2", "TTLT", "VPCP-BNV", D(2011, 1, 28), 2011)
    for i, char in enumerate(written):
        if char == " ":
            broken = written[:i] + "\n" + written[i + 1:]
            assert [f[1:] for f in fields(f"Theo {broken}.")] == [expected], broken
            crlf = written[:i] + "\r\n" + written[i + 1:]
            assert [f[1:] for f in fields(crlf)] == [expected], crlf
    long_date = "số 68/NQ-HĐND ngày 10 tháng 12 năm 2019".replace(" ", "\n")
    assert fields(long_date)[0][4] == D(2019, 12, 10)


def test_a_blank_line_ends_a_citation():
    assert fields("Quyết định\n\nsố 5/QĐ-UBND")[0][0] == "số 5/QĐ-UBND"
    assert fields("số 5/QĐ-UBND\n\nngày 1/2/2020")[0][4] is None
    assert fields("số 5/QĐ-\n\nUBND")[0][3] == ""
    assert fields("số 5/QĐ-UBND\n- Kế hoạch")[0][3] == "UBND"  # a Markdown list item, not a code part


@pytest.mark.parametrize("joined", [", ", "; ", " và ", ", và ", " hoặc ", ",\n"])
def test_several_citations_joined_by_lists(joined):
    text = f"các Quyết định số 2610/QĐ-UBND{joined}2611/QĐ-UBND{joined}số 2612/QĐ-UBND ngày 16/12/2020."
    assert [f[1:] for f in fields(text)] == [
        ("2610", "QĐ", "UBND", None, None), ("2611", "QĐ", "UBND", None, None),
        ("2612", "QĐ", "UBND", D(2020, 12, 16), 2020)]  # only the last carries the date


def test_a_list_shares_its_type_word():
    assert [f[2] for f in fields("Tờ trình số 12/SGDĐT, 13/SGDĐT và 14/SYT")] == ["TTr", "TTr", "TTr"]
    assert [f[2] for f in fields("Tờ trình số 12/SGDĐT. Sau đó 13/SGDĐT")] == ["TTr", "CV"]
    assert [f[2] for f in fields("Kế hoạch số 1/KH-UBND và Quyết định số 2/UBND")] == ["KH", "QĐ"]


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("written, date", [
    ("ngày 15/12/2020", D(2020, 12, 15)), (", ngày 30/10/2020", D(2020, 10, 30)),
    ("ngày 10 tháng 12 năm 2019", D(2019, 12, 10)), ("ngày 20-5-2019", D(2019, 5, 20)),
    ("ngày 05/01/2021", D(2021, 1, 5)), ("ngày 5/1/2021", D(2021, 1, 5)), ("ngày 5.1.2021", D(2021, 1, 5)),
    ("ngày 01 tháng 02 năm 2021", D(2021, 2, 1)), ("Ngày 15/12/2020", D(2020, 12, 15)),
    ("ngày 15 / 12 / 2020", D(2020, 12, 15)),
    ("ngày 19/6", None), ("ngày 10 tháng 12", None),                         # no year
    ("ngày 32/13/2020", None), ("ngày 29/2/2021", None), ("ngày 0/0/2020", None),  # impossible
])
def test_attached_dates(written, date):
    text = f"Quyết định số 7/QĐ-UBND {written}".replace(" ,", ",")
    assert fields(text + ".") == [(text, "7", "QĐ", "UBND", date, date.year if date else None)]


def test_a_date_that_is_not_attached_is_ignored():
    assert fields("số 7/QĐ-UBND (ngày 15/12/2020)")[0][4:] == (None, None)
    assert fields("số 7/QĐ-UBND của UBND tỉnh ngày 15/12/2020")[0][4:] == (None, None)
    assert fields("Ngày 18/12/2020, số 7/QĐ-UBND")[0][4:] == (None, None)


def test_year_comes_from_the_date_then_the_number():
    assert [f[5] for f in fields("số 1/QĐ-UBND ngày 2/3/2021; số 85/2024/NĐ-CP; số 9/KH-UBND; "
                                 "số 3/2019/NĐ-CP ngày 1/1/2020")] == [2021, 2024, None, 2020]


# --- codes -----------------------------------------------------------------------------

@pytest.mark.parametrize("code, type_, issuer", [
    ("QĐ-ƯBND", "QĐ", "ƯBND"), ("QĐ-SỞYTẾ", "QĐ", "SỞYTẾ"), ("KH-BCĐ", "KH", "BCĐ"), ("TB-TƯ", "TB", "TƯ"),
    ("CT-TTg", "CT", "TTg"), ("QĐ-ĐHQGHN", "QĐ", "ĐHQGHN"), ("QH14", "CV", "QH14"), ("NQ-HĐND15", "NQ", "HĐND15"),
    ("BGDĐT-GDTrH", "CV", "BGDĐT-GDTrH"), ("TTr-SGD&ĐT", "TTr", "SGD&ĐT"), ("QĐ–UBND", "QĐ", "UBND"),
    ("QĐ -UBND", "QĐ", "UBND"), ("QĐ- UBND-VP", "QĐ", "UBND-VP"), ("QĐ", "QĐ", ""),
])
def test_vietnamese_capitals_lower_case_digits_and_stray_spaces_in_codes(code, type_, issuer):
    [c] = find_citations(f"số 07/{code}.")
    assert (c.number, c.type, c.issuer) == ("7", type_, issuer)


@pytest.mark.parametrize("number, normal", [("07", "7"), ("0012", "12"), ("1605a", "1605a"), ("1605A", "1605a"),
                                            ("0", "0"), ("05b", "5b"), ("123456", "123456"), ("000123456", "123456")])
def test_numbers_are_normalised(number, normal):
    assert fields(f"số {number}/QĐ-UBND")[0][1] == normal


# --- what is not a citation ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "thửa đất số 156 và số 178", "Chỉ thị 09 của Thủ tướng", "văn bản số 558", "(17/10/2002 - 17/10/2022)",
    "hoàn thành 22/24 nhiệm vụ", "không thực hiện 02/24 nhiệm vụ", "dịch COVID-19", "COVID-19/KH-UBND",
    "2.510,28 ha", "2.610/QĐ-UBND", "ca F0/F1", "số ca 3/F1 và 4/F0", "nhà 12/B đường X",
    "số 12/Hoàng Văn Thụ", "tỷ lệ 1/500", "tỷ lệ 1/2 dân số", "ngày 14/12 đến ngày 20/12/2020",
    "giai đoạn 2021/2025", "năm 2020/QĐ", "https://vbpl.vn/tw/Pages/123/ABC-DEF.aspx",
    "http://x.vn/?id=55/QĐ-UBND", "www.langson.gov.vn/5/QĐ-UBND", "số 12-ABC/XYZ", "Quyết định số 1/2/QĐ",
    "số 5/QĐ_UBND", "24/7", "Quyết định số 2610 / Q", "số 1234567/QĐ-UBND",
])
def test_numbers_dates_and_urls_that_are_not_documents(text):
    assert find_citations(text) == []


def test_a_url_does_not_hide_a_citation_after_it():
    assert fields("xem https://x.vn/a và số 5/QĐ-UBND")[0][0] == "số 5/QĐ-UBND"


def test_a_type_word_inside_a_longer_word_is_not_one():
    assert fields("phápluật số 5/UBND")[0][:3] == ("số 5/UBND", "5", "CV")
    assert fields("x" * 70 + "phápluật 5/UBND")[0][:3] == ("5/UBND", "5", "CV")


# --- the seed digest, refs, Unicode ----------------------------------------------------

SEED_CITATIONS = [
    ("Báo cáo số 534/BC-STC ngày 01/12/2020", "534", "BC", "STC", D(2020, 12, 1)),
    ("Báo cáo số 542/BC-STC ngày 07/12/2020", "542", "BC", "STC", D(2020, 12, 7)),
    ("Tờ trình số 2896/TTr-SGDĐT ngày 30/10/2020", "2896", "TTr", "SGDĐT", D(2020, 10, 30)),
    ("Tờ trình số 486/TTr-ĐPTTH ngày 23/10/2020", "486", "TTr", "ĐPTTH", D(2020, 10, 23)),
    ("Báo cáo số 279/BC-BQLKKTCK ngày 16/11/2020", "279", "BC", "BQLKKTCK", D(2020, 11, 16)),
    ("Báo cáo số 717/BC-UBND ngày 09/12/2020", "717", "BC", "UBND", D(2020, 12, 9)),
    ("số 2610/QĐ-UBND ngày 15/12/2020", "2610", "QĐ", "UBND", D(2020, 12, 15)),
    ("số 2612/QĐ-UBND ngày 16/12/2020", "2612", "QĐ", "UBND", D(2020, 12, 16)),
    ("số 2653/QĐ-UBND ngày 19/12/2020", "2653", "QĐ", "UBND", D(2020, 12, 19)),
    ("số 2599/QĐ-UBND ngày 15/12/2020", "2599", "QĐ", "UBND", D(2020, 12, 15)),
    ("số 2613/QĐ-UBND ngày 16/12/2020", "2613", "QĐ", "UBND", D(2020, 12, 16)),
    ("số 199/KH-UBND ngày 20/12/2020", "199", "KH", "UBND", D(2020, 12, 20)),
    ("số 196/KH-UBND ngày 09/12/2020", "196", "KH", "UBND", D(2020, 12, 9)),
]


def test_the_seed_digest_cites_exactly_thirteen_documents():
    text = SEED.read_text(encoding="utf-8")
    assert [f[:5] for f in fields(text)] == SEED_CITATIONS


def test_decomposed_text_gives_the_same_citations_with_offsets_into_it():
    text = SEED.read_text(encoding="utf-8")
    decomposed = unicodedata.normalize("NFD", text)
    assert [(c.number, c.type, c.issuer, c.date) for c in find_citations(decomposed)] == [
        (n, t, i, d) for _, n, t, i, d in SEED_CITATIONS]
    assert [unicodedata.normalize("NFC", f[0]) for f in fields(decomposed)] == [s[0] for s in SEED_CITATIONS]
    mixed = "Quyết định số 5/QĐ-UBND, " + unicodedata.normalize("NFD", "Kế hoạch số 6/KH-ƯBND ngày 1/2/2021") + "."
    assert [f[0] for f in fields(mixed)] == ["Quyết định số 5/QĐ-UBND", mixed[25:-1]]
    assert fields(mixed)[1][3] == "ƯBND"


@pytest.mark.parametrize("ref, expected", [
    ("2610/QĐ-UBND", ("2610", "QĐ", "UBND", None, None)),
    ("85/2024/NĐ-CP", ("85", "NĐ", "CP", None, 2024)),
    ("119-KH/TU", ("119", "KH", "TU", None, None)),
    ("Công văn số 6296/VPCP-KSTT", ("6296", "CV", "VPCP-KSTT", None, None)),
    ("  Quyết định số 2610/QĐ-UBND ngày 15/12/2020 ", ("2610", "QĐ", "UBND", D(2020, 12, 15), 2020)),
    (unicodedata.normalize("NFD", "Tờ trình 12/SGDĐT"), ("12", "TTr", "SGDĐT", None, None)),
    ("07/KH-UBND", ("7", "KH", "UBND", None, None)),
])
def test_parse_ref(ref, expected):
    c = parse_ref(ref)
    assert (c.number, c.type, c.issuer, c.date, c.year) == expected


@pytest.mark.parametrize("ref", ["", "không phải văn bản", "2610", "Chỉ thị 09", "15/12/2020", "F0/F1"])
def test_parse_ref_of_what_is_not_a_reference(ref):
    assert parse_ref(ref) is None


def test_citations_are_frozen_values():
    c = parse_ref("2610/QĐ-UBND")
    assert c == Citation(0, 12, "QĐ", "2610", "UBND", None, None) and hash(c)
    with pytest.raises(AttributeError):
        c.number = "1"  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------

CAPITALS = "ABCDĐEGHIKLMNOPQRSTUVXYÂĂÊÔƠƯẤẦẬẮẶẾỀỆỐỒỘỚỜỢỨỪỰÁÀÉÍÓÚÝỴ"
CANONICAL = {t.upper() for t in TYPE_CODES} | {"QD", "ND", "QDI"}
FILLER = st.sampled_from([
    "UBND tỉnh", "vừa ban hành", "theo đó", "các sở, ngành", "thực hiện", "năm 2021", "thửa đất số 156",
    "22/24 nhiệm vụ", "và", ";", "(", ")", "COVID-19", "2.510,28 ha", "ngày 14/12", "Kế hoạch", "số",
    "Quyết định", "\n", "F0/F1", "(17/10/2002 - 17/10/2022)", "tỷ lệ 1/500", "Đổi mới", "Lạng Sơn", "24/7",
])
segment = st.builds(lambda head, tail: head + tail, st.text(CAPITALS, min_size=2, max_size=6),
                    st.sampled_from(["", "", "g", "14", "&ĐT", "r"]))
issuers = st.lists(segment, min_size=1, max_size=3).map("-".join)
spaces = st.sampled_from([" ", " ", " ", "\n", "  ", "\u00a0"])


@st.composite
def written_citations(draw):
    """A citation written in one of the ways authors write them, and what it must give."""
    form = draw(st.sampled_from(["typed", "letter", "party"]))
    issuer = draw(issuers)
    number = draw(st.integers(1, 99999))
    suffix = draw(st.sampled_from(["", "", "", "a", "b"]))
    written_number = "0" * draw(st.integers(0, 2)) + str(number) + suffix
    word = draw(st.none() | st.sampled_from(sorted(TYPE_WORDS)))
    year_in_number = draw(st.none() | st.integers(1990, 2035)) if form != "party" else None
    sp = lambda: draw(spaces)  # noqa: E731
    if form == "letter":
        assume(issuer.split("-")[0].upper() not in CANONICAL)
        type_, code = (TYPE_WORDS[word] if word else "CV"), issuer
    else:
        type_ = draw(st.sampled_from(sorted(TYPE_CODES)))
        code = f"{type_}-{issuer}"
    if form == "party":
        body = f"{written_number}-{type_}/{issuer}"
    else:
        middle = f"{year_in_number}/" if year_in_number else ""
        slash = draw(st.sampled_from(["/", "/", " /", "/ "]))
        body = f"{written_number}{slash}{middle}{code}"
    date = draw(st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)))
    date_form = draw(st.sampled_from(["slash", "zero", "hyphen", "long", "comma", "yearless"]))
    written_date, expected_date = "", None
    if date is not None:
        d, m, y = date.day, date.month, date.year
        written_date, expected_date = {
            "slash": (f"{sp()}ngày{sp()}{d}/{m}/{y}", date), "zero": (f"{sp()}ngày {d:02d}/{m:02d}/{y}", date),
            "hyphen": (f"{sp()}ngày {d}-{m}-{y}", date), "comma": (f",{sp()}ngày {d}/{m}/{y}", date),
            "long": (f"{sp()}ngày{sp()}{d}{sp()}tháng{sp()}{m}{sp()}năm{sp()}{y}", date),
            "yearless": (f" ngày {d}/{m}", None),
        }[date_form]
    word_case = draw(st.sampled_from([str, str.lower, str.upper, str.capitalize, str.title]))
    head = (word_case(word).replace(" ", sp()) + sp() if word else "") + draw(st.sampled_from(["", "số", "Số"]))
    written = (head + sp() if head.endswith(("số", "Số")) else head) + body + written_date
    year = expected_date.year if expected_date else year_in_number
    return written, (str(number) + suffix, type_, issuer, expected_date, year)


@settings(max_examples=400, deadline=None)
@given(before=st.lists(FILLER, max_size=6), after=st.lists(FILLER, max_size=6), cited=written_citations(),
       left=st.sampled_from([" theo ", " (", ", tại ", "\ntheo\n"]), right=st.sampled_from(["", ")", ".", ",", ";"]))
def test_generated_citations_in_running_text_are_found(before, after, cited, left, right):
    written, expected = cited
    prefix = " ".join(before) + left
    text = prefix + written + right + " về " + " ".join(after)  # "về": a following "ngày" is not its date
    found = [c for c in find_citations(text) if len(prefix) <= c.start < len(prefix) + len(written)]
    assert len(found) == 1, (text, found)
    [c] = found
    assert (c.start, c.end) == (len(prefix), len(prefix) + len(written))
    assert (c.number, c.type, c.issuer, c.date, c.year) == expected


def check_spans(text: str) -> list[Citation]:
    found = find_citations(text)
    previous_end = 0
    for c in found:
        assert previous_end <= c.start < c.end <= len(text)
        assert c.number.rstrip("abcdefghijklmnopqrstuvwxyzđ").lstrip("0") in text[c.start:c.end] or c.number == "0"
        previous_end = c.end
    return found


CITATION_ALPHABET = "0123456789/-–. ,;:()&QĐUBNDKHTTrgsốngàyháynămvà\n\u0301\u0302ƯTW:/wh"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300) | st.text(CITATION_ALPHABET, max_size=150)
       | st.lists(st.sampled_from(["số ", "5", "/", "QĐ", "-", "UBND", " ngày ", "1/2/2020", " và ", "Kế hoạch ",
                                   "\n", "KH", "/TU", "https://", "0", "a", "Ư", "\u0323"]), max_size=30).map("".join))
def test_never_raises_and_spans_are_sorted_disjoint_and_inside(text):
    check_spans(text)
    check_spans(unicodedata.normalize("NFD", text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300).map(lambda t: t.replace("/", "")) | st.text(CITATION_ALPHABET.replace("/", ""),
                                                                         max_size=200))
def test_text_without_a_slash_has_no_citations(text):
    assert find_citations(text) == []
