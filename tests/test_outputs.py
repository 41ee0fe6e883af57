"""What a build produces, per outputs.md: data/*.json, the Atom feed, the sitemap,
the 404 page, pagination, and byte-identical output from the same input."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bulletin.slugs import vietnamese_sort_key
from conftest import SMALL, copy_site, digest_md, tree

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def data(output: Path, name: str):
    raw = (output / "data" / name).read_bytes()
    assert raw.decode("utf-8")  # UTF-8, not ASCII-escaped
    return json.loads(raw)


# -- data/*.json -------------------------------------------------------------------------------------------------

def test_digests_json_has_exactly_the_specified_keys_newest_first(small_site):
    _, output = small_site
    digests = data(output, "digests.json")
    assert len(digests) == 4, "drafts are not published"
    for entry in digests:
        assert list(entry) == ["title", "week_start", "week_end", "url", "topics", "items"]
        for item in entry["items"]:
            assert list(item) == ["heading", "anchor", "topics", "decisions"]
            assert all(isinstance(t, str) for t in item["topics"] + item["decisions"])
        assert (output / entry["url"]).is_file()
        dt.date.fromisoformat(entry["week_start"]), dt.date.fromisoformat(entry["week_end"])
    starts = [e["week_start"] for e in digests]
    assert starts == sorted(starts, reverse=True) == ["2021-01-04", "2020-12-28", "2020-12-14", "2020-12-07"]
    w51 = digests[2]
    assert w51["topics"] == ["Đất đai"]
    assert [i["anchor"] for i in w51["items"]] == [
        "phe-duyet-phuong-an-su-dung-dat-tai-xa-hoa-thang", "hop-chu-tich-cac-pho-chu-tich-ubnd-tinh",
        "trien-khai-van-ban-cua-trung-uong-va-tinh-uy", "hop-chu-tich-cac-pho-chu-tich-ubnd-tinh-2"]
    assert w51["items"][1]["topics"] == ["Đất đai"], "a spelling variant is shown under the topic's name"


def test_decisions_json_has_exactly_the_specified_keys_newest_first_undated_last(small_site):
    _, output = small_site
    decisions = data(output, "decisions.json")
    for entry in decisions:
        assert list(entry) == ["key", "type", "number", "issuer", "year", "date", "title", "url", "mentions"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*-\d{4}", entry["key"]), entry["key"]
        assert entry["key"].endswith(f"-{entry['year']}") and isinstance(entry["year"], int)
        assert entry["date"] is None or entry["date"].startswith(str(entry["year"]))
        assert (output / entry["url"]).is_file()
        assert entry["mentions"], "every decision is cited or listed somewhere"
        for mention in entry["mentions"]:
            assert list(mention) == ["digest_url", "anchor", "text"]
            page = (output / mention["digest_url"]).read_text(encoding="utf-8")
            assert f'id="{mention["anchor"]}"' in page
    dates = [e["date"] for e in decisions]
    dated = [d for d in dates if d]
    assert dates == dated + [None] * (len(dates) - len(dated)), "undated last"
    assert dated == sorted(dated, reverse=True), "newest first"
    by_key = {e["key"]: e for e in decisions}
    assert by_key["qd-ubnd-2610-2020"] == {
        "key": "qd-ubnd-2610-2020", "type": "QĐ", "number": "2610", "issuer": "UBND", "year": 2020,
        "date": "2020-12-15", "title": "Phê duyệt phương án sử dụng đất tại xã Hòa Thắng, huyện Hữu Lũng",
        "url": "decisions/2020/qd-ubnd-2610-2020.html",
        "mentions": [{"digest_url": "digests/2020/2020-w51/index.html",
                      "anchor": "phe-duyet-phuong-an-su-dung-dat-tai-xa-hoa-thang",
                      "text": "UBND tỉnh vừa phê duyệt (số 2610/QĐ-UBND ngày 15/12/2020) phương án sử dụng đất "
                              "tại xã Hòa Thắng, huyện Hữu Lũng."}]}
    assert [m["digest_url"] for m in by_key["ct-ttg-16-2020"]["mentions"]] == [
        "digests/2021/2021-w01/index.html", "digests/2020/2020-w50/index.html"], "mentions newest first"


# Every row of the content spec's table, as the small site writes it: key, type, number, issuer, date.
SPEC_FORMS = [
    ("qd-ubnd-2610-2020", "QĐ", "2610", "UBND", "2020-12-15"),  # (số …) without a type word
    ("kh-ubnd-199-2020", "KH", "199", "UBND", "2020-12-20"),
    ("ttr-sgddt-2896-2020", "TTr", "2896", "SGDĐT", "2020-10-30"),  # comma before ngày
    ("qd-ubnd-512-2020", "QĐ", "512", "UBND", None),  # no date
    ("nd-cp-15-2020", "NĐ", "15", "CP", "2020-02-03"),  # year in the number, dated
    ("nd-cp-100-2019", "NĐ", "100", "CP", None),  # year in the number only
    ("kh-tu-119-2020", "KH", "119", "TU", None),  # Party forms
    ("ct-tw-12-2020", "CT", "12", "TW", None),
    ("tb-tu-40-2020", "TB", "40", "TƯ", None),
    ("cv-vpcp-kstt-6296-2021", "CV", "6296", "VPCP-KSTT", None),  # letters
    ("cv-ubnd-kt-815-2021", "CV", "815", "UBND-KT", None),
    ("ct-ubnd-8-2021", "CT", "8", "UBND", None),  # no "số", leading zero
    ("cv-ubnd-vp-1232-2021", "CV", "1232", "UBND-VP", None),  # lower case
    ("nq-hdnd-68-2019", "NQ", "68", "HĐND", "2019-12-10"),  # long date
    ("ct-tw-34-2019", "CT", "34", "TW", "2019-05-20"),  # hyphenated date
    ("qd-ubnd-5a-2021", "QĐ", "5a", "UBND", "2021-01-06"),  # letter suffix
    ("kh-bcd-33-2021", "KH", "33", "BCĐ", None),  # stray spaces
    ("ct-ubnd-11-2021", "CT", "11", "UBND", None),
    ("qd-bgd-dt-32-2005", "QĐ", "32", "BGD&ĐT", None),  # & in the issuer
    ("ttlt-vpcp-bnv-2-2011", "TTLT", "2", "VPCP-BNV", "2011-01-28"),
    ("cv-ubnd-kt-4079-2021", "CV", "4079", "UBND-KT", None),  # date without a year
    ("qd-ubnd-10-2021", "QĐ", "10", "UBND", "2021-01-04"),  # split over three lines
    ("ct-ttg-16-2020", "CT", "16", "TTg", "2020-03-31"),  # undated in 2021, resolved to 2020
    ("qd-ubnd-2610-2021", "QĐ", "2610", "UBND", "2021-01-05"),  # same number, next year
    ("qd-ubnd-2655-2020", "QĐ", "2655", "UBND", "2020-12-18"),  # only in front matter
    ("kh-ubnd-7-2021", "KH", "7", "UBND", None),
]


def test_every_form_of_the_content_spec_becomes_the_right_decision(small_site):
    _, output = small_site
    found = {e["key"]: (e["key"], e["type"], e["number"], e["issuer"], e["date"])
             for e in data(output, "decisions.json")}
    for form in SPEC_FORMS:
        assert found.get(form[0]) == form
    assert set(found) == {f[0] for f in SPEC_FORMS}, "nothing else is a decision (thửa đất số 156, dates…)"


def test_topics_json_in_vietnamese_order_with_item_counts(small_site):
    _, output = small_site
    topics = data(output, "topics.json")
    for entry in topics:
        assert list(entry) == ["name", "slug", "url", "items"]
        assert entry["url"] == f"topics/{entry['slug']}/index.html" and (output / entry["url"]).is_file()
    names = [t["name"] for t in topics]
    assert names == sorted(names, key=vietnamese_sort_key)
    assert names == ["An ninh – Trật tự", "Cải cách hành chính", "Dân tộc", "Đất đai", "Đầu tư", "Giáo dục",
                     "Nông nghiệp", "Văn hóa", "Y tế"]
    assert {t["slug"]: t["items"] for t in topics}["dat-dai"] == 4


def test_every_item_decision_key_is_in_decisions_json(small_site):
    _, output = small_site
    known = {e["key"] for e in data(output, "decisions.json")}
    cited = {k for d in data(output, "digests.json") for i in d["items"] for k in i["decisions"]}
    assert cited <= known and len(cited) > 15


# -- feed, sitemap, 404 --------------------------------------------------------------------------------------------

def test_the_feed_is_valid_atom_with_the_latest_digests(small_site):
    _, output = small_site
    root = ET.parse(output / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}") is not None and root.find(f"{ATOM}{tag}").text
    assert root.find(f"{ATOM}title").text == "Bản tin thử nghiệm"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3, "feed_size = 3 in the fixture's bulletin.toml"
    ids = set()
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{tag}").text
        ids.add(entry.find(f"{ATOM}id").text)
        href = entry.find(f"{ATOM}link").get("href")
        assert not href.startswith(("/", "http")) and (output / href).is_file(), href
    assert len(ids) == 3
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == [
        "digests/2021/2021-w01/index.html", "digests/2020/2020-w53/index.html", "digests/2020/2020-w51/index.html"]
    assert root.find(f"{ATOM}updated").text.startswith("2021-01-10")


def test_no_sitemap_without_a_base_url(small_site):
    _, output = small_site
    assert not list(output.glob("sitemap*.xml"))


def test_with_a_base_url_the_sitemap_lists_every_page_and_the_feed_is_absolute(tmp_path, build):
    site = copy_site(SMALL, tmp_path / "s")
    output = build(site, base_url="https://vanban.example.gov.vn/ban-tin")
    root = ET.parse(output / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locs = [u.find(f"{SITEMAP}loc").text for u in root.findall(f"{SITEMAP}url")]
    assert all(loc.startswith("https://vanban.example.gov.vn/ban-tin/") for loc in locs)
    assert "https://vanban.example.gov.vn/ban-tin/digests/2021/2021-w01/" in locs
    pages = [p for p in output.rglob("*.html") if p.name != "404.html"]
    assert len(locs) == len(set(locs)) == len(pages)
    assert not any("404" in loc for loc in locs)
    feed = ET.parse(output / "feed.xml").getroot()
    for link in feed.iter(f"{ATOM}link"):
        assert link.get("href").startswith("https://vanban.example.gov.vn/ban-tin/")
    # the pages themselves stay relative
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "vanban.example.gov.vn" not in home.split("</head>")[1]


def test_the_404_page(small_site):
    _, output = small_site
    page = (output / "404.html").read_text(encoding="utf-8")
    assert "Không tìm thấy trang" in page
    assert 'href="index.html"' in page and 'href="assets/style.css"' in page


# -- pagination ---------------------------------------------------------------------------------------------------------

def _cards(page: Path) -> list[str]:
    return re.findall(r'class="digest-card-title"><a href="([^"]+)"', page.read_text(encoding="utf-8"))


def test_home_pagination_with_per_page_2(small_site):
    _, output = small_site
    first, oldest = output / "index.html", output / "page/1/index.html"
    assert _cards(first) == ["digests/2021/2021-w01/index.html", "digests/2020/2020-w53/index.html"]
    assert _cards(oldest) == ["../../digests/2020/2020-w51/index.html", "../../digests/2020/2020-w50/index.html"]
    assert not (output / "page/2").exists()
    first_html, oldest_html = first.read_text(encoding="utf-8"), oldest.read_text(encoding="utf-8")
    assert re.search(r'<a rel="next" href="page/1/index.html">', first_html)
    assert 'rel="prev"' not in first_html.split('class="pagination"')[1]
    assert re.search(r'<a rel="prev" href="../../index.html">', oldest_html)
    assert 'rel="next"' not in oldest_html.split('class="pagination"')[1]
    assert 'class="page-count">Trang 1<' in oldest_html and "page-count" not in first_html


@pytest.mark.parametrize("per_page, pages", [(1, 4), (2, 2), (3, 1), (4, 1), (10, 1)])
def test_home_page_count_follows_per_page(tmp_path, build, per_page, pages):
    """Four digests: the newest page takes between per_page and 2 × per_page − 1 of them."""
    site = copy_site(SMALL, tmp_path / "s")
    config = site / "bulletin.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("per_page = 2", f"per_page = {per_page}"),
                      encoding="utf-8")
    output = build(site)
    built = 1 + len(list((output / "page").glob("*/index.html"))) if (output / "page").exists() else 1
    assert built == pages
    assert 'class="pagination"' in (output / "index.html").read_text(encoding="utf-8") or pages == 1


def test_topic_pages_paginate_with_items_per_page(make_site, build):
    body = "".join(f'## Mục {n} {{topics="Đất đai"}}\n\nNội dung {n}.\n\n' for n in range(1, 6))
    site = make_site({"content/a.md": digest_md("A", "2020-12-14", "2020-12-20", body)}, config="items_per_page = 2\n")
    output = build(site)
    pages = [output / "topics/dat-dai/index.html", output / "topics/dat-dai/page/1/index.html"]
    assert all(p.is_file() for p in pages) and not (output / "topics/dat-dai/page/2").exists()
    headings = [re.findall(r'<article class="item-entry">\s*<h2><a [^>]*>([^<]+)<', p.read_text(encoding="utf-8"))
                for p in pages]
    assert headings == [["Mục 1", "Mục 2", "Mục 3"], ["Mục 4", "Mục 5"]]


def test_a_new_digest_leaves_the_pages_further_back_untouched(tmp_path, build):
    """Pages count from the oldest: a digest for a new week changes the newest page and, when the
    newest page fills one (every `per_page` digests), that page and the newer link of the one before."""
    site = copy_site(SMALL, tmp_path / "s")
    config = site / "bulletin.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("per_page = 2", "per_page = 1"), encoding="utf-8")
    before = tree(build(site, tmp_path / "before"))
    newest = (site / "content/2021/2021-w01.md").read_text(encoding="utf-8")
    text = newest.replace("2021-01-04", "2021-01-18").replace("2021-01-10", "2021-01-24")
    assert text.count("2021-01-18") == 1
    (site / "content/2021/2021-w03.md").write_text(text, encoding="utf-8")
    after = tree(build(site, tmp_path / "after"))
    home_pages = sorted(p for p in after if p == "index.html" or p.startswith("page/"))
    assert home_pages == ["index.html", "page/1/index.html", "page/2/index.html", "page/3/index.html",
                          "page/4/index.html"]
    changed = [p for p in home_pages if before.get(p) != after[p]]
    assert changed == ["index.html", "page/3/index.html", "page/4/index.html"]  # page 4 is new
    assert all(before[p] == after[p] for p in ("page/1/index.html", "page/2/index.html"))


# -- reproducibility -----------------------------------------------------------------------------------------------

def test_two_builds_of_the_same_input_are_byte_identical(tmp_path, build, small_site):
    _, first = small_site
    other = copy_site(SMALL, tmp_path / "elsewhere" / "copy")
    os.utime(other / "content/2020/2020-w51.md", (0, 0))  # other mtimes, other path, other time
    second = build(other)
    assert tree(first) == tree(second)


def test_output_does_not_depend_on_hash_seed_or_process(tmp_path, small_site):
    site = copy_site(SMALL, tmp_path / "seeded")
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"  # not this process's seed
    result = subprocess.run([sys.executable, "-m", "bulletin", "build", "--source", str(site)], timeout=120,
                            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert tree(site / "site") == tree(small_site[1])


def test_no_build_time_or_machine_path_in_the_output(small_site):
    source, output = small_site
    today = dt.date.today().isoformat()
    for rel, content in tree(output).items():
        text = content.decode("utf-8", errors="replace")
        assert str(source) not in text and str(output) not in text, rel
        assert today not in text or today.startswith(("2020", "2021")), rel


# -- decision pages ----------------------------------------------------------------------------------------------------

def _h1(output: Path, url: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", (output / url).read_text(encoding="utf-8"), re.S).group(1)


def test_decision_pages_name_the_document(small_site):
    _, output = small_site
    assert _h1(output, "decisions/2020/qd-ubnd-2610-2020.html") == "Quyết định số 2610/QĐ-UBND"
    assert _h1(output, "decisions/2021/cv-vpcp-kstt-6296-2021.html") == "Công văn số 6296/VPCP-KSTT"
    assert _h1(output, "decisions/2021/qd-ubnd-5a-2021.html") == "Quyết định số 5a/QĐ-UBND"


def test_decision_pages_keep_the_year_in_the_number(small_site):
    _, output = small_site
    assert "15/2020/NĐ-CP" in _h1(output, "decisions/2020/nd-cp-15-2020.html")


def test_decision_pages_keep_the_party_form_of_the_symbol(small_site):
    _, output = small_site
    assert "119-KH/TU" in _h1(output, "decisions/2020/kh-tu-119-2020.html")
