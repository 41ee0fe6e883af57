"""Stage 2, parse: Markdown body → lead, items, anchors, topics, linked citations."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.parse import LEAD_ANCHOR, PLACEHOLDER_RE, parse_body

BODY = """Tuần qua UBND tỉnh ban hành nhiều văn bản (số 2610/QĐ-UBND ngày 15/12/2020).

## Phê duyệt phương án sử dụng đất tại xã Hòa Thắng {topics="Đất đai, Lâm nghiệp"}

UBND tỉnh vừa Phê duyệt (số 2610/QĐ-UBND ngày 15/12/2020) phương án sử dụng đất. Tổng diện tích là 2.510,28 ha.

Đấu giá quyền sử dụng đất thửa đất số 156 và số 178 tại Khu phi thuế quan; văn bản số 558 chưa ban hành.

### Chi tiết

Một tiểu mục vẫn thuộc mục trên.

## Đường giao thông nông thôn {topics="Giao thông; Nông thôn mới"}

Theo Kế hoạch số 199/KH-UBND ngày 20/12/2020, các huyện hoàn thành trước quý II. Báo cáo kết quả
theo Công văn số 6296/VPCP-KSTT của Văn phòng Chính phủ.

## Đường giao thông nông thôn

- Chỉ thị 08/CT-UBND
- Kỷ niệm (17/10/2002 - 17/10/2022).
"""


@pytest.fixture(scope="module")
def parsed():
    return parse_body(BODY)


def test_each_level_two_heading_starts_one_item_and_the_text_before_is_the_lead(parsed):
    assert [i.heading for i in parsed.items] == [
        "Phê duyệt phương án sử dụng đất tại xã Hòa Thắng", "Đường giao thông nông thôn",
        "Đường giao thông nông thôn"]
    assert parsed.lead_text.startswith("Tuần qua UBND tỉnh")
    assert "Một tiểu mục vẫn thuộc mục trên." in parsed.items[0].text, "### stays inside its item"
    assert f'<div class="lead" id="{LEAD_ANCHOR}">' in parsed.html
    assert parsed.html.count('<section class="item"') == 3


def test_topics_come_from_the_heading_attribute_list_and_leave_no_trace_in_it(parsed):
    assert parsed.items[0].topics == ("Đất đai", "Lâm nghiệp")
    assert parsed.items[1].topics == ("Giao thông", "Nông thôn mới"), "semicolons separate topics too"
    assert parsed.items[2].topics == ()
    assert "topics" not in parsed.html and "{" not in parsed.items[0].heading
    assert parsed.items[0].heading_html == "Phê duyệt phương án sử dụng đất tại xã Hòa Thắng"


def test_anchors_are_ascii_with_d_for_đ_and_unique_within_the_digest(parsed):
    assert [i.anchor for i in parsed.items] == [
        "phe-duyet-phuong-an-su-dung-dat-tai-xa-hoa-thang", "duong-giao-thong-nong-thon",
        "duong-giao-thong-nong-thon-2"]
    for item in parsed.items:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item.anchor)
        assert f'<section class="item" id="{item.anchor}">' in parsed.html


@pytest.mark.parametrize("heading, anchor", [
    ("Quyết định đất đai", "quyet-dinh-dat-dai"),
    ("ĐỐI THOẠI VỚI DOANH NGHIỆP", "doi-thoai-voi-doanh-nghiep"),
    ("Mở đầu", f"{LEAD_ANCHOR}-2"),  # the lead's anchor is taken
    ("Quyết định số 2610/QĐ-UBND", "quyet-dinh-so-2610-qd-ubnd"),
    ("!!! ??? …", "muc"),  # nothing to slug: a fallback, never an empty id
    ("Tên riêng {#muc-rieng}", "muc-rieng"),  # an explicit id is kept
])
def test_anchor_of_a_heading(heading, anchor):
    body = parse_body(f"Mở đầu.\n\n## {heading}\n\nx\n")
    assert body.items[0].anchor == anchor


def test_anchors_are_stable_when_other_items_change():
    one = parse_body("## A\n\nx\n\n## Đất đai\n\ny\n")
    two = parse_body("## B mới\n\nz\n\n## A\n\nx\n\n## Đất đai\n\ny\n")
    assert [i.anchor for i in one.items] == ["a", "dat-dai"]
    assert [i.anchor for i in two.items][1:] == ["a", "dat-dai"]


def test_citations_become_links_with_placeholders_numbered_in_reading_order(parsed):
    markers = [int(m) for m in PLACEHOLDER_RE.findall(parsed.html)]
    assert markers == list(range(len(markers))), "one placeholder per linked citation, in order"
    cited = parsed.lead_citations + [c for i in parsed.items for c in i.citations]
    assert [c.marker for c in cited] == markers
    links = re.findall(r'<a class="cite" href="\ue000\d+\ue001">(.*?)</a>', parsed.html, re.S)
    assert links == ["số 2610/QĐ-UBND ngày 15/12/2020", "số 2610/QĐ-UBND ngày 15/12/2020",
                     "Kế hoạch số 199/KH-UBND ngày 20/12/2020",
                     "Công văn số 6296/VPCP-KSTT", "Chỉ thị 08/CT-UBND"]


def test_each_citation_knows_its_document_and_date(parsed):
    item = parsed.items[1]
    assert [(c.type, c.number, c.issuer, c.date, c.year) for c in item.citations] == [
        ("KH", "199", "UBND", dt.date(2020, 12, 20), 2020), ("CV", "6296", "VPCP-KSTT", None, None)]
    assert [(c.type, c.number, c.issuer) for c in parsed.items[2].citations] == [("CT", "8", "UBND")]


def test_the_citing_sentence_is_kept_whole_and_only_that_sentence(parsed):
    first = parsed.items[0].citations[0]
    assert first.sentence == ("UBND tỉnh vừa Phê duyệt (số 2610/QĐ-UBND ngày 15/12/2020) phương án sử dụng đất.")
    plan, letter = parsed.items[1].citations
    assert plan.sentence == ("Theo Kế hoạch số 199/KH-UBND ngày 20/12/2020, các huyện hoàn thành trước quý II.")
    assert letter.sentence == "Báo cáo kết quả theo Công văn số 6296/VPCP-KSTT của Văn phòng Chính phủ.", \
        "a line break inside the sentence becomes a space"
    assert parsed.lead_citations[0].sentence.startswith("Tuần qua UBND tỉnh")


def test_a_very_long_sentence_is_cut_to_the_clause_around_the_citation():
    clauses = "; ".join(f"nội dung thứ {n} của phiên họp được thảo luận kỹ" for n in range(30))
    body = parse_body(f"## A\n\nPhiên họp cho ý kiến: {clauses}; Báo cáo số 534/BC-STC ngày 01/12/2020 về trụ sở; "
                      f"{clauses}.\n")
    sentence = body.items[0].citations[0].sentence
    assert "534/BC-STC" in sentence and len(sentence) <= 400
    assert sentence == "Báo cáo số 534/BC-STC ngày 01/12/2020 về trụ sở"


def test_numbers_that_are_not_documents_are_not_decisions(parsed):
    numbers = [c.number for i in parsed.items for c in i.citations]
    assert "156" not in numbers and "178" not in numbers and "558" not in numbers
    assert "17" not in numbers and "2002" not in numbers
    assert parse_body("## A\n\nThửa đất số 156, tờ bản đồ số 12; Chỉ thị 09 năm 2020.\n").items[0].citations == []


def test_citations_in_lists_tables_and_split_over_lines_are_linked():
    body = parse_body("## A\n\n| Văn bản | Nội dung |\n|---|---|\n| Quyết định số 12/QĐ-UBND | x |\n\n"
                      "Theo Quyết định\nsố 2610/QĐ-\nUBND ngày 15/12/2020 về đất.\n")
    cited = body.items[0].citations
    assert [(c.number, c.date) for c in cited] == [("12", None), ("2610", dt.date(2020, 12, 15))]
    assert all(c.marker >= 0 for c in cited)


def test_code_and_existing_links_are_not_linked_again():
    body = parse_body("## A\n\nXem `Quyết định số 5/QĐ-UBND` và [Quyết định số 6/QĐ-UBND](https://vbpl.vn/6).\n")
    assert PLACEHOLDER_RE.search(body.html) is None
    assert '<a href="https://vbpl.vn/6">Quyết định số 6/QĐ-UBND</a>' in body.html
    assert all(c.marker == -1 for c in body.items[0].citations)


def test_raw_html_is_sanitised_by_default():
    text = ('## A\n\n<script>alert("x")</script>\n\n<p onclick="steal()" style="color:red">Chữ '
            '<a href="javascript:alert(1)">xấu</a> <img src="x.png" onerror="boom()"> '
            '<iframe src="https://example.org"></iframe></p>\n\nĐoạn <b onmouseover="x()">đậm</b>.\n')
    html = parse_body(text).html
    for bad in ("<script", "alert(", "onclick", "onerror", "onmouseover", "javascript:", "<iframe", "style="):
        assert bad not in html, bad
    assert "Chữ" in html and '<img src="x.png">' in html and "<b>đậm</b>" in html


def test_raw_html_is_kept_with_unsafe_html():
    html = parse_body('## A\n\n<div class="box" onclick="go()">Hộp</div>\n', unsafe_html=True).html
    assert '<div class="box" onclick="go()">Hộp</div>' in html


def test_markdown_features_authors_use_are_rendered():
    html = parse_body("## A\n\n*nghiêng* **đậm**\n\n1. một\n2. hai\n\n> trích\n\n[liên kết](https://x.vn)\n").html
    for piece in ("<em>nghiêng</em>", "<strong>đậm</strong>", "<ol>", "<blockquote>", 'href="https://x.vn"'):
        assert piece in html


def test_a_body_without_headings_is_all_lead_and_an_empty_body_is_fine():
    only_lead = parse_body("Chỉ có đoạn mở đầu với Kế hoạch số 7/KH-UBND.\n")
    assert only_lead.items == [] and only_lead.lead_text.startswith("Chỉ có")
    assert [c.number for c in only_lead.lead_citations] == ["7"]
    empty = parse_body("")
    assert (empty.items, empty.lead_text, empty.lead_citations) == ([], "", [])


def test_parsing_is_a_pure_function_of_the_text():
    first = parse_body(BODY)
    parse_body("## Khác\n\nKế hoạch số 1/KH-UBND.\n")
    assert parse_body(BODY) == first, "the shared Markdown instance is reset between bodies"


@pytest.mark.parametrize("body", ["", "\n\n", "## Mục đầu tiên\n\nx\n"])
def test_the_lead_anchor_exists_even_without_a_lead(body):
    """Front-matter decisions are mentioned at #mo-dau: the anchor must be there."""
    assert f'id="{LEAD_ANCHOR}"' in parse_body(body).html


_pieces = st.sampled_from([
    "\n\n## Mục {topics=\"Đất đai\"}\n\n", "\n\n## Đất đai\n\n", "\n\n### Tiểu mục\n\n", "\n\n- ", "\n\n> ",
    "Quyết định số 2610/QĐ-UBND ngày 15/12/2020", "(số 199/KH-UBND)", "thửa đất số 156", "Kế hoạch số 119-KH/TU",
    "`Công văn số 1/UBND-VP`", "[liên kết](https://x.vn)", "**đậm**", "<b>thô</b>", "<script>x()</script>", ". ",
    "; ", " và ", "\n", "Câu văn tiếng Việt", "2.510,28 ha", "|a|b|\n|-|-|\n|1|2|\n", "\ue000", "&amp;", "{#x}",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=20)), max_size=25))
def test_any_body_parses_with_valid_anchors_and_consistent_placeholders(pieces):
    from bulletin.load import strip_reserved  # the loader strips the placeholder characters first

    body = strip_reserved("".join(pieces))
    parsed = parse_body(body)
    anchors = [i.anchor for i in parsed.items]
    assert len(set(anchors)) == len(anchors) and LEAD_ANCHOR not in anchors
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a) for a in anchors)
    markers = [int(m) for m in PLACEHOLDER_RE.findall(parsed.html)]
    cited = [c.marker for c in parsed.lead_citations + [c for i in parsed.items for c in i.citations]]
    assert markers == [m for m in cited if m >= 0] == list(range(len(markers)))
    assert "<script" not in parsed.html


# -- the quick passes through Python-Markdown (quick_markdown.py) ---------------------------------

def _vanilla_parser():
    """A parser with Python-Markdown's own inline pass, processors' own methods and block parser."""
    from markdown.treeprocessors import InlineProcessor

    from bulletin.parse import BodyParser

    parser = BodyParser()
    parser.md.treeprocessors.register(InlineProcessor(parser.md), "inline", 20)
    for processor in [*parser.md.parser.blockprocessors, *parser.md.preprocessors]:
        processor.__dict__.pop("test", None)  # the shortcuts are instance attributes over the class's methods
        processor.__dict__.pop("run", None)
    parser.md.parser.__dict__.pop("parseDocument")
    return parser


MARKDOWN_PIECES = st.sampled_from([
    "Quyết định số 2610/QĐ-UBND ngày 15/12/2020", "xã Hòa Thắng", "*nhấn*", "**đậm**", "_nghiêng_", "__x__",
    "`mã`", "\\*", "[liên kết](https://a.vn)", "![ảnh](a.png)", "[tham chiếu][1]", "[1]: https://b.vn",
    "<https://c.vn>", "<a@b.vn>", "<b>in</b>", "&amp;", "&#1234;", "[^1]", "[^1]: chú thích", "  \n", "\n\n",
    "\n## Mục {topics=\"Đất đai\"}\n", "- ý\n", "1. ý\n", "> trích\n", "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "```\nkhối * mã\n```\n", " ", ".", "*", "_", "[", "]", "<", ">", "&", "!", "\\", "`",
    # block syntax: headers, underlines, rules, definitions, references, indented code
    "# Tiêu đề #\n", "#", "###", "Dòng\n===\n", "Dòng\n---\n", "=", "-", "---\n", "* * *\n", "___\n",
    "Thuật ngữ\n: định nghĩa\n", ":", ": ", "]:", "[x]: https://d.vn \"tên\"\n", "[^2]:\n    tiếp\n",
    "    mã thụt\n", "|", "a | b\n", "a|b\n-|-\n1|2\n", "[y]:https://e.vn\n", "\n", "\n   > ", "1) ", "+ ",
    # what the plain documents' path (PlainDocuments) must leave to the block parser, or match
    "\t", "\r\n", "\r", "\xa0", "\x0b", "\n   \n", "\n\n\n", "#tag\n", "####### bảy\n", "## C#\n", "## a ##\n",
    "\\#", "## x\\\n", "#x\\\n## thật\n", "\n<div>khối *x*</div>\n\n", "<!-- ghi chú -->", "{: .x}", "1.5 tỷ", "2. ", "~~~\nx\n~~~\n", "```", "{", "}", "\n#", "##", " # ", "\x02",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(MARKDOWN_PIECES, max_size=30).map("".join))
def test_the_quick_passes_give_what_python_markdown_gives(body):
    from bulletin.parse import BodyParser

    assert BodyParser().parse(body) == _vanilla_parser().parse(body)


PLAIN_PIECES = st.sampled_from([
    "Quyết định số 2610/QĐ-UBND ngày 15/12/2020", "xã Hòa Thắng; ", "(cũ) “trích”", "1.045 tỷ", "40,70 ha.",
    "\n", "\n\n", "\n\n\n", "\n## Mục {topics=\"Đất đai, Y tế\"}\n\n", "\n### Nhỏ\n\n", "\n# Lớn #\n\n", " ",
    "\xa0", "a  \nb", "\n## Mục liền\n", "#x\\\n## thật\n",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(PLAIN_PIECES, max_size=40).map("".join), st.lists(MARKDOWN_PIECES, max_size=1).map("".join),
       st.integers(min_value=0, max_value=1000))
def test_plain_documents_give_what_the_block_parser_gives(plain, odd, at):
    """Bodies like digests (paragraphs and headers, which take the plain documents' path), with
    at most one piece of other syntax somewhere (which must send them to the block parser)."""
    from bulletin.parse import BodyParser

    at = min(at, len(plain))
    body = plain[:at] + odd + plain[at:]
    assert BodyParser().parse(body) == _vanilla_parser().parse(body)


def test_a_digest_takes_the_plain_documents_path_and_an_odd_block_does_not(monkeypatch):
    from bulletin.parse import BodyParser

    parser = BodyParser()
    plain_path = parser.md.parser.parseDocument
    taken = []
    monkeypatch.setattr(plain_path, "parse_document", lambda lines: taken.append(lines) or parse_document(lines))
    parse_document = type(parser.md.parser).parseDocument.__get__(parser.md.parser)
    body = ("Tuần qua (số 2610/QĐ-UBND ngày 15/12/2020).\n\n## Mục một {topics=\"Đất đai\"}\n\nĐoạn một.\n"
            "Dòng hai.\n\n\n## Mục hai\n\nĐoạn hai.\n")
    assert [i.heading for i in parser.parse(body).items] == ["Mục một", "Mục hai"] and not taken
    for odd in ("- ý", "> trích", "    mã", "Dòng\n===", "a | b", "[x]: https://d.vn", ": định nghĩa", "1. ý"):
        assert parser.parse(body + "\n" + odd + "\n") == _vanilla_parser().parse(body + "\n" + odd + "\n")
        assert len(taken) == 1, odd
        taken.clear()


def test_the_plain_documents_path_gives_way_to_an_unknown_block_processor():
    import markdown
    from markdown.blockprocessors import BlockProcessor

    from bulletin.quick_markdown import quicken

    class Bang(BlockProcessor):  # a block of its own for "!!" lines: the plain path would miss it
        def test(self, parent, block):
            return block.startswith("!!")

        def run(self, parent, blocks):
            __import__("xml.etree.ElementTree").etree.ElementTree.SubElement(parent, "aside").text = blocks.pop(0)[2:]

    md = markdown.Markdown()
    md.parser.blockprocessors.register(Bang(md.parser), "bang", 200)
    assert "parseDocument" not in quicken(md)
    assert md.convert("!!chú ý\n\nĐoạn.") == "<aside>chú ý</aside>\n<p>Đoạn.</p>"


def test_the_quick_inline_pass_is_in_use_and_knows_every_pattern():
    from bulletin.parse import BodyParser
    from bulletin.quick_markdown import QuickInlineProcessor

    parser = BodyParser()
    inline = parser.md.treeprocessors["inline"]
    assert isinstance(inline, QuickInlineProcessor)
    parser.parse("Một đoạn *có* nhấn mạnh.")
    assert inline._triggers is not None, "an inline pattern has no trigger in INLINE_TRIGGERS: the pass is off"


def test_the_quick_block_tests_are_in_use_for_every_processor_they_know():
    from bulletin.parse import BodyParser
    from bulletin.quick_markdown import BLOCK_RUN_TRIGGERS, BLOCK_TEST_TRIGGERS

    processors = BodyParser().md.parser.blockprocessors
    shortened = {p for p in BLOCK_TEST_TRIGGERS | BLOCK_RUN_TRIGGERS
                 if "test" in vars(processors[p]) or "run" in vars(processors[p])}
    assert shortened == BLOCK_TEST_TRIGGERS.keys() | BLOCK_RUN_TRIGGERS.keys()


def test_a_block_processor_of_another_class_keeps_its_own_test():
    """An extension that registers its own processor under a known name is left alone."""
    import markdown
    from markdown.blockprocessors import HashHeaderProcessor

    from bulletin.quick_markdown import quicken

    class LooseHeader(HashHeaderProcessor):  # a header without its "#": the shortcut would miss it
        RE = __import__("re").compile(r"(?:^|\n)(?P<level>!{1,6})(?P<header>.*?)(?:\n|$)")

    md = markdown.Markdown()
    md.parser.blockprocessors.register(LooseHeader(md.parser), "hashheader", 70)
    assert "hashheader" not in quicken(md)
    assert md.convert("!! Tiêu đề") == "<h2>Tiêu đề</h2>"


def test_the_quick_inline_pass_gives_way_to_an_unknown_pattern():
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    from bulletin.parse import BodyParser

    parser = BodyParser()
    parser.md.inlinePatterns.register(SimpleTagInlineProcessor(r"()==(.+?)==", "mark"), "mark", 65)
    assert "<mark>sáng</mark>" in parser.parse("Trời ==sáng== rồi.").html


def test_a_parsed_body_comes_back_from_its_pickle_unchanged():
    """Parsed bodies are kept pickled in the build state; citations pickle by their fields."""
    import pickle

    body = parse_body("Theo Quyết định số 2610/QĐ-UBND ngày 15/12/2020.\n\n## Mục\n\nKế hoạch số 199/KH-UBND.\n")
    again = pickle.loads(pickle.dumps(body, protocol=5))
    assert again == body and again.items[0].citations[0].number == "199"
    assert again.lead_citations[0].date == dt.date(2020, 12, 15)
