"""`bulletin import`: published digests (plain text, HTML) → content files that build."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bulletin.cli import main
from bulletin.importer import import_file, import_html, import_text
from bulletin.importer.text import byline_name
from bulletin.importer.weeks import parse_week_range
from bulletin.importer.writer import escape_text, render_markdown
from bulletin.parse import parse_body
from conftest import REPO, TESTS

SEED = REPO.parent / "shared" / "seed" / "langson-2020-w51.txt"
HTML = TESTS / "fixtures" / "import" / "langson-2020-w51.html"
D = dt.date

HEADINGS = [
    "Họp Chủ tịch, các Phó Chủ tịch UBND tỉnh để giải quyết công việc theo thẩm quyền",
    "Phê duyệt phương án sử dụng đất Công ty TNHH MTV Lâm nghiệp Đông Bắc bàn giao về cho địa phương "
    "quản lý, sử dụng tại xã Hòa Thắng, huyện Hữu Lũng",
    "Thừa nhận xã Bắc Việt, huyện Văn Lãng đạt chuẩn nông thôn mới năm 2019",
    "Phê duyệt nhiệm vụ giao cho các tổ chức Hội trên địa bàn tỉnh Lạng Sơn thực hiện trong năm 2021",
    "Giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội và dự toán ngân sách nhà nước năm 2021",
    "Công nhận trường học đạt chuẩn quốc gia",
    "Kế hoạch Triển khai thực hiện các biện pháp phòng ngừa tội phạm giết người trên địa bàn tỉnh",
    "Ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước, phát triển chính quyền số và bảo đảm "
    "an toàn thông tin mạng năm 2021",
]
TITLE = "Chỉ đạo, điều hành nổi bật của UBND tỉnh trong tuần (ngày 14/12 đến ngày 20/12/2020)"
CHROME = ["Nhảy đến nội dung", "Quyết tâm thực hiện thắng lợi", "Ảnh minh họa", "Trang chủ", "Tin liên quan",
          "Lượt xem", "Cơ quan chủ quản", "dataLayer", "console.log", "Tìm kiếm", "Lịch tiếp công dân",
          "Dịch vụ công trực tuyến", "In bài viết", "Facebook"]


# -- week ranges -------------------------------------------------------------------------

@pytest.mark.parametrize("text, start, end", [
    ("Chỉ đạo nổi bật trong tuần (ngày 14/12 đến ngày 20/12/2020)", D(2020, 12, 14), D(2020, 12, 20)),
    ("(từ ngày 28/8 đến ngày 03/9/2023)", D(2023, 8, 28), D(2023, 9, 3)),
    ("(từ ngày 21/10 đến hết ngày 27/10/2024)", D(2024, 10, 21), D(2024, 10, 27)),
    ("(từ ngày 12/01/2026 - 18/01/2026)", D(2026, 1, 12), D(2026, 1, 18)),
    ("(từ ngày 29/12/2025 đến ngày 04/01/2026)", D(2025, 12, 29), D(2026, 1, 4)),
    ("(ngày 29/12 đến ngày 04/01/2026)", D(2025, 12, 29), D(2026, 1, 4)),        # start in the year before
    ("(từ 28/12 - 03/01/2021)", D(2020, 12, 28), D(2021, 1, 3)),
    ("(Từ ngày 14 đến ngày 20/12/2020)", D(2020, 12, 14), D(2020, 12, 20)),      # start day only
    ("(ngày 30 đến ngày 5/1/2021)", D(2020, 12, 30), D(2021, 1, 5)),
    ("(từ ngày 14 tháng 12 đến ngày 20 tháng 12 năm 2020)", D(2020, 12, 14), D(2020, 12, 20)),
    ("Tuần 51 (14/12-20/12/2020)", D(2020, 12, 14), D(2020, 12, 20)),
    ("(từ ngày 29/12/2025 đến 4/1)", D(2025, 12, 29), D(2026, 1, 4)),            # end year from the start
    ("(TỪ NGÀY 07/9 ĐẾN NGÀY 13/9/2020)", D(2020, 9, 7), D(2020, 9, 13)),
    ("(từ ngày 7.9 đến ngày 13.9.2020)", D(2020, 9, 7), D(2020, 9, 13)),
    ("Chỉ đạo, điều hành nổi bật tuần 53/2020", D(2020, 12, 28), D(2021, 1, 3)),   # ISO week number
    ("Chỉ đạo, điều hành tuần thứ 1 năm 2021", D(2021, 1, 4), D(2021, 1, 10)),
])
def test_week_range_forms(text, start, end):
    assert parse_week_range(text) == (start, end)


@pytest.mark.parametrize("text", [
    "Kế hoạch phát triển giai đoạn 2020 - 2025",
    "kỷ niệm 20 năm (17/10/2002 - 17/10/2022)",            # a date range, but not a week
    "(ngày 20/12 đến ngày 14/12/2020)",                     # backwards: would span almost a year
    "(ngày 30/02 đến ngày 06/03/2021)",                     # no such day
    "(ngày 14/12 đến ngày 20/12)",                          # no year anywhere
    "Chỉ đạo, điều hành nổi bật trong tuần",
    "tuần 53/2021",                                         # 2021 has 52 ISO weeks
])
def test_not_a_week_range(text):
    assert parse_week_range(text) is None


# -- the seed, as text and as HTML ----------------------------------------------------------

@pytest.fixture(scope="module", params=["text", "html"])
def imported(request):
    return import_file(SEED if request.param == "text" else HTML)


def test_seed_structure(imported):
    digest = imported.digest
    assert digest.title == TITLE
    assert digest.week == (D(2020, 12, 14), D(2020, 12, 20))
    assert [item.heading for item in digest.items] == HEADINGS
    assert len(digest.lead) == 1
    assert digest.lead[0].startswith("Giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội")
    assert digest.lead[0].endswith("là những nội dung chính trong chỉ đạo điều hành nổi bật tuần qua của UBND tỉnh.")
    assert digest.author == "Hoàng Tùng"
    assert [len(item.paragraphs) for item in digest.items] == [1, 2, 2, 1, 4, 1, 2, 3]
    assert digest.notes == []


def test_seed_decisions(imported):
    refs = {f"{c.number}/{c.type}-{c.issuer}" for c in imported.decisions}
    assert len(imported.decisions) == 13
    assert {"2610/QĐ-UBND", "199/KH-UBND", "196/KH-UBND", "2896/TTr-SGDĐT", "279/BC-BQLKKTCK"} <= refs


def test_seed_markdown_has_no_chrome_and_parses(imported):
    text = imported.markdown("UBND tỉnh Lạng Sơn")
    for chrome in CHROME:
        assert chrome not in text
    assert text.count("## Họp Chủ tịch, các Phó Chủ tịch UBND tỉnh") == 1  # the caption twin is gone
    _, front, body = text.split("---\n", 2)
    data = yaml.safe_load(front)
    origin = {"source": data.pop("source", None), "source_url": data.pop("source_url", None)}
    assert data == {"title": TITLE, "week_start": D(2020, 12, 14), "week_end": D(2020, 12, 20),
                    "issuer": "UBND tỉnh Lạng Sơn", "author": "Hoàng Tùng"}
    if imported.digest.source_url:  # the HTML page says where it was published
        assert origin == {"source": "Cổng thông tin điện tử tỉnh Lạng Sơn",
                          "source_url": "https://portal.example/chi-dao-dieu-hanh/tuan-51-2020"}
    else:
        assert origin == {"source": None, "source_url": None}
    parsed = parse_body(body, False)
    assert [item.heading for item in parsed.items] == HEADINGS
    assert parsed.lead_text.startswith("Giao chỉ tiêu")
    assert sum(len(item.citations) for item in parsed.items) == 13


def test_html_entities_br_and_caption():
    digest = import_file(HTML).digest
    heading = "Công nhận trường học đạt chuẩn quốc gia"  # its <p> holds heading <br> paragraph
    (item,) = [i for i in digest.items if i.heading == heading]
    assert item.paragraphs[0].startswith("UBND tỉnh vừa Công nhận (số 2613/QĐ-UBND ngày 16/12/2020)")
    assert "&#272;" not in digest.title and "&nbsp;" not in "".join(digest.items[1].paragraphs)


def test_an_old_table_portal_page():
    """Table layout, title in a <span> split by <br>, text in one <div> split by <br>,
    a bold run-in heading, a caption between a heading and its text, a byline in
    capitals, related links and a footer after the article."""
    result = import_file(TESTS / "fixtures" / "import" / "old-portal-2026-w01.html")
    digest = result.digest
    assert digest.title == "Chỉ đạo, điều hành nổi bật của UBND tỉnh trong tuần (ngày 29/12 đến ngày 04/01/2026)"
    assert digest.week == (D(2025, 12, 29), D(2026, 1, 4))
    assert digest.lead == ["Tuần qua, UBND tỉnh tập trung chỉ đạo công tác chuẩn bị Tết Nguyên đán, phòng, chống dịch "
                           "bệnh trên đàn gia súc và cải cách hành chính… là những nội dung chính trong chỉ đạo, "
                           "điều hành của UBND tỉnh."]
    assert [i.heading for i in digest.items] == ["Công nhận trường học đạt chuẩn quốc gia",
                                                 "Kế hoạch phòng, chống dịch bệnh trên đàn gia súc năm 2026",
                                                 "Đẩy mạnh cải cách hành chính"]
    assert [len(i.paragraphs) for i in digest.items] == [1, 2, 1]
    assert digest.items[0].paragraphs[0].startswith("UBND tỉnh vừa công nhận (số 12/QĐ-UBND")
    assert "năm 2026 & các năm" in digest.items[1].paragraphs[0]
    assert digest.author == "Minh Anh"
    assert digest.notes == ["dropped an image caption: 'Quang cảnh cuộc họp triển khai kế hoạch'"]
    assert {f"{c.number}/{c.type}" for c in result.decisions} == {"12/QĐ", "3/KH", "7/TT", "8/CT"}
    markdown = result.markdown()
    for chrome in ["Trang chủ", "Nhiệt liệt", "đánh giá", "Cập nhật", "Các tin khác", "22/12", "Bản quyền", "openMenu"]:
        assert chrome not in markdown


def test_a_saved_page_as_text_with_footer():
    digest = text_digest("Trang chủ > Chỉ đạo điều hành", "Chỉ đạo điều hành",
                         "Chỉ đạo, điều hành nổi bật tuần 2/2026", "Thứ Hai, 12/01/2026 08:00 | Lượt xem: 99",
                         "Chỉ đạo, điều hành nổi bật tuần 2/2026",
                         "Trong tuần có các nội dung chính sau.", "Họp UBND tỉnh thường kỳ",
                         "Ngày 08/01/2026, UBND tỉnh họp thường kỳ.", "Nguyễn Văn An.", "Tin liên quan",
                         "Chỉ đạo, điều hành nổi bật tuần 1/2026", "Cơ quan chủ quản: UBND tỉnh")
    assert digest.week == (D(2026, 1, 5), D(2026, 1, 11))
    assert digest.lead == ["Trong tuần có các nội dung chính sau."]
    assert [i.heading for i in digest.items] == ["Họp UBND tỉnh thường kỳ"]
    assert digest.author == "Nguyễn Văn An"
    assert digest.notes == ["dropped before the title: Chỉ đạo điều hành",
                            "dropped 3 lines from 'Tin liên quan' on (page footer)"]


def test_a_bold_heading_may_end_with_a_period():
    page = """<h1>Bản tin (ngày 14/12 đến ngày 20/12/2020)</h1><div><p>Mở đầu của bản tin tuần này.</p>
    <p><strong>Công nhận trường học đạt chuẩn quốc gia.</strong></p>
    <p>UBND tỉnh vừa công nhận (số 2613/QĐ-UBND ngày 16/12/2020) bốn trường học đạt chuẩn quốc gia.</p></div>"""
    assert [i.heading for i in import_html(page).digest.items] == ["Công nhận trường học đạt chuẩn quốc gia"]


def test_no_week_in_the_title_but_in_the_first_line():
    digest = text_digest("Chỉ đạo, điều hành nổi bật của UBND tỉnh",
                         "Trong tuần từ ngày 14/12 đến ngày 20/12/2020, UBND tỉnh đã chỉ đạo nhiều nội dung quan "
                         "trọng về phát triển kinh tế - xã hội của tỉnh, bảo đảm quốc phòng, an ninh và trật tự an "
                         "toàn xã hội, chuẩn bị tốt các điều kiện để nhân dân vui xuân đón Tết an toàn, tiết kiệm; "
                         "đồng thời đẩy mạnh cải cách hành chính, cải thiện môi trường đầu tư kinh doanh.")
    assert digest.title == "Chỉ đạo, điều hành nổi bật của UBND tỉnh"
    assert digest.week == (D(2020, 12, 14), D(2020, 12, 20))
    assert "took it from the text" in digest.notes[0]


# -- the structure reader on other shapes ------------------------------------------------------

def text_digest(*lines: str):
    return import_text("\n".join(lines)).digest


def test_title_split_over_two_lines_and_numbered_headings():
    digest = text_digest("Cổng thông tin điện tử", "Chỉ đạo, điều hành nổi bật của UBND tỉnh",
                         "(từ ngày 12/01/2026 - 18/01/2026)", "Mở đầu tuần qua có nhiều nội dung.",
                         "1. Phê duyệt quy hoạch", "UBND tỉnh vừa phê duyệt quy hoạch.",
                         "2. Công nhận xã đạt chuẩn", "UBND tỉnh vừa công nhận xã đạt chuẩn.", "Minh Anh (tổng hợp)")
    assert digest.title == "Chỉ đạo, điều hành nổi bật của UBND tỉnh (từ ngày 12/01/2026 - 18/01/2026)"
    assert digest.week == (D(2026, 1, 12), D(2026, 1, 18))
    assert [i.heading for i in digest.items] == ["1. Phê duyệt quy hoạch", "2. Công nhận xã đạt chuẩn"]
    assert digest.author == "Minh Anh"
    assert digest.notes == ["dropped before the title: Cổng thông tin điện tử"]


def test_heading_repeated_as_caption_is_kept_once():
    digest = text_digest("Bản tin (ngày 14/12 đến ngày 20/12/2020)", "Mở đầu.",
                         "Công nhận trường học đạt chuẩn quốc gia (Ảnh minh họa)",
                         "Công nhận trường học đạt chuẩn quốc gia", "UBND tỉnh vừa công nhận.")
    assert [i.heading for i in digest.items] == ["Công nhận trường học đạt chuẩn quốc gia"]
    assert digest.notes == []


def test_lines_that_fit_nowhere_are_kept_and_reported():
    digest = text_digest("Bản tin (ngày 14/12 đến ngày 20/12/2020)", "Mở đầu.",
                         "Quang cảnh phiên họp", "Họp UBND tỉnh", "Ngày 18/12 UBND tỉnh họp.",
                         "Nguồn: Văn phòng UBND tỉnh", "Hoàng Tùng")
    assert [i.heading for i in digest.items] == ["Họp UBND tỉnh"]
    assert digest.lead == ["Mở đầu.", "Quang cảnh phiên họp"]
    assert digest.source == "Văn phòng UBND tỉnh" and digest.author == "Hoàng Tùng"
    assert len(digest.notes) == 1 and "Quang cảnh phiên họp" in digest.notes[0]


@pytest.mark.parametrize("line, name", [
    ("Hoàng Tùng", "Hoàng Tùng"), ("Minh Anh (tổng hợp)", "Minh Anh"), ("Tác giả: Lê Văn Nam", "Lê Văn Nam"),
    ("Nguyễn Thị Thu Hà - TH", "Nguyễn Thị Thu Hà"), ("PV", "PV"), ("HOÀNG TÙNG", "Hoàng Tùng"),
    ("Hoàng Tùng - Văn phòng UBND tỉnh", "Hoàng Tùng"),
    ("Các nội dung khác tiếp tục thực hiện", ""), ("UBND tỉnh vừa ban hành 12 văn bản", ""),
])
def test_byline_names(line, name):
    assert byline_name(line) == name


def test_html_without_a_week_heading_falls_back_to_page_title():
    page = """<html><head><title>Bản tin (ngày 14/12 đến ngày 20/12/2020) | Cổng TTĐT</title></head><body>
    <nav><a href="/">Trang chủ</a></nav><div class="content"><p>Mở đầu bản tin tuần với nhiều nội dung quan trọng.</p>
    <h3>Công nhận trường học</h3><p>UBND tỉnh vừa công nhận (số 2613/QĐ-UBND ngày 16/12/2020) trường học.</p>
    <p><b>Hoàng Tùng</b></p></div></body></html>"""
    result = import_html(page)
    assert result.digest.title == "Bản tin (ngày 14/12 đến ngày 20/12/2020)"
    assert [i.heading for i in result.digest.items] == ["Công nhận trường học"]
    assert result.digest.author == "Hoàng Tùng" and len(result.decisions) == 1


@pytest.mark.parametrize("text, html", [
    ("# không phải tiêu đề", "<p># không phải tiêu đề</p>"),
    ("2020. Năm bản lề", "<p>2020. Năm bản lề</p>"),
    ("> không phải trích dẫn", "<p>&gt; không phải trích dẫn</p>"),
    ("a *b* _c_ `d` [e](f) <script>", "<p>a *b* _c_ `d` [e](f) &lt;script&gt;</p>"),
    ("kết thúc {abc}", "<p>kết thúc {abc}</p>"),
    ("đường dẫn C:\\*", "<p>đường dẫn C:\\*</p>"),
])
def test_escaping_renders_the_text_as_written(text, html):
    assert parse_body(escape_text(text), False).html.count(html) == 1


def test_plain_text_is_not_escaped():
    """Ordinary digest text stays as the portal wrote it (no stray backslashes)."""
    for text in ["Quyết định số 2610/QĐ-UBND ngày 15/12/2020 (cũ) - 2.510,28 ha; 22/24 nhiệm vụ.",
                 "- Gạch đầu dòng vẫn là một mục danh sách;", "x_y", "[1] tham khảo", "a < 5"]:
        assert escape_text(text) == text
    markdown = import_file(SEED).markdown()
    assert "\\" not in markdown


def test_front_matter_quotes_what_needs_quoting():
    digest = text_digest('Bản tin: "đặc biệt" [1] # (ngày 14/12 đến ngày 20/12/2020)', "Mở đầu.")
    front = yaml.safe_load(render_markdown(digest).split("---\n")[1])
    assert front["title"] == 'Bản tin: "đặc biệt" [1] # (ngày 14/12 đến ngày 20/12/2020)'
    assert front["week_start"] == D(2020, 12, 14)


# -- the command -----------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def site(tmp_path) -> Path:
    shutil.copy2(REPO / "bulletin.toml", tmp_path / "bulletin.toml")
    return tmp_path


@pytest.mark.parametrize("source", [SEED, HTML], ids=["text", "html"])
def test_import_then_build(site, source, build):
    result = run("import", str(source), "--into", str(site / "content"))
    assert result.exit_code == 0, result.output
    target = site / "content" / "2020" / "2020-w51.md"
    assert f"-> {target}" in result.output
    assert "week 2020-W51 (2020-12-14..2020-12-20), 8 items, 13 decisions, author Hoàng Tùng" in result.output
    assert "issuer: UBND tỉnh Lạng Sơn" in target.read_text(encoding="utf-8")
    out = build(site)
    (digest,) = json.loads((out / "data" / "digests.json").read_text(encoding="utf-8"))
    assert [item["heading"] for item in digest["items"]] == HEADINGS
    assert all(item["topics"] for item in digest["items"])  # suggested by the shipped rules
    assert len(json.loads((out / "data" / "decisions.json").read_text(encoding="utf-8"))) == 13


def test_import_never_overwrites_without_force(site):
    into = str(site / "content")
    assert run("import", str(SEED), "--into", into).exit_code == 0
    target = site / "content" / "2020" / "2020-w51.md"
    target.write_text("edited by hand", encoding="utf-8")
    result = run("import", str(HTML), "--into", into)
    assert result.exit_code == 1
    assert "already exists; pass --force" in result.output
    assert target.read_text(encoding="utf-8") == "edited by hand"
    assert run("import", str(HTML), "--into", into, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("---\ntitle:")


def test_import_reports_each_input_and_fails_if_any_fails(site, tmp_path):
    no_week = tmp_path / "no-week.txt"
    no_week.write_text("Chỉ đạo, điều hành nổi bật trong tuần\n\nMở đầu.\n", encoding="utf-8")
    result = run("import", str(no_week), str(SEED), str(tmp_path / "missing.html"), "--into", str(site / "content"))
    assert result.exit_code == 1
    assert "no-week.txt: error: no week range found in the title" in result.output
    assert "(ngày 14/12 đến ngày 20/12/2020)" in result.output  # says what to write
    assert "missing.html: error: cannot read it" in result.output
    assert "1 of 3 imported." in result.output
    assert (site / "content" / "2020" / "2020-w51.md").exists()
    assert not list((site / "content").glob("**/*no-week*"))


def test_two_inputs_for_one_week_in_one_run(site):
    result = run("import", str(SEED), str(HTML), "--into", str(site / "content"), "--force")
    assert result.exit_code == 1
    assert "covers the same week as" in result.output
