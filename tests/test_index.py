"""Stage 3, index: decision identity and year resolution, topics, order, prev/next, archive."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from bulletin.build import load_site
from conftest import SMALL, digest_md

W50 = ("2020-12-07", "2020-12-13")
W51 = ("2020-12-14", "2020-12-20")
W53 = ("2020-12-28", "2021-01-03")  # ISO week 53 of 2020, ends in 2021
W01 = ("2021-01-04", "2021-01-10")
W05 = ("2021-02-01", "2021-02-07")


def site_of(make_site, load, digests: dict[str, tuple[tuple[str, str], str]], **front):
    files = {f"content/{name}.md": digest_md(name, *week, body, **front.get(name, {}))
             for name, (week, body) in digests.items()}
    return load(make_site(files))


def decision(site, key):
    found = [d for d in site.decisions if d.key == key]
    assert found, f"{key} not among {[d.key for d in site.decisions]}"
    return found[0]


def keys(site) -> list[str]:
    return [d.key for d in site.decisions]


# -- the year of a decision, rule by rule ---------------------------------------------------------

def test_rule_1_the_citations_own_date_gives_the_year(make_site, load):
    site = site_of(make_site, load, {"a": (W01, "## A\n\nTheo Chỉ thị số 16/CT-TTg ngày 31/3/2020.\n")})
    assert keys(site) == ["ct-ttg-16-2020"]
    assert decision(site, "ct-ttg-16-2020").date == dt.date(2020, 3, 31)


def test_rule_1_beats_an_earlier_dated_citation_of_another_year(make_site, load):
    site = site_of(make_site, load, {
        "a": (W51, "## A\n\n(số 2610/QĐ-UBND ngày 15/12/2020)\n"),
        "b": (W01, "## B\n\n(số 2610/QĐ-UBND ngày 05/01/2021)\n")})
    assert sorted(keys(site)) == ["qd-ubnd-2610-2020", "qd-ubnd-2610-2021"], "same number, two years: two pages"
    assert decision(site, "qd-ubnd-2610-2020").url != decision(site, "qd-ubnd-2610-2021").url


def test_rule_2_a_year_in_the_number_gives_the_year(make_site, load):
    site = site_of(make_site, load, {"a": (W01, "## A\n\nNghị định số 100/2019/NĐ-CP; "
                                               "Quyết định số 32/2005/QĐ-BGD&ĐT.\n")})
    assert sorted(keys(site)) == ["nd-cp-100-2019", "qd-bgd-dt-32-2005"]
    assert decision(site, "nd-cp-100-2019").date is None


def test_rule_3_an_undated_citation_takes_the_year_of_the_latest_earlier_dated_one(make_site, load):
    site = site_of(make_site, load, {
        "a": (W50, "## A\n\nThực hiện Chỉ thị số 16/CT-TTg ngày 31/3/2020.\n"),
        "b": (W01, "## B\n\nTiếp tục thực hiện Chỉ thị số 16/CT-TTg.\n")})
    assert keys(site) == ["ct-ttg-16-2020"]
    assert len(decision(site, "ct-ttg-16-2020").mentions) == 2


def test_rule_3_ignores_dated_citations_later_than_the_citing_digest(make_site, load):
    site = site_of(make_site, load, {
        "a": (W50, "## A\n\nChỉ thị số 16/CT-TTg ngày 31/3/2020.\n"),
        "b": (W01, "## B\n\nChỉ thị số 16/CT-TTg.\n"),
        "c": (W05, "## C\n\nChỉ thị số 16/CT-TTg ngày 01/02/2021 (mới).\n"),
        "d": (("2021-02-08", "2021-02-14"), "## D\n\nChỉ thị số 16/CT-TTg.\n")})
    assert sorted(keys(site)) == ["ct-ttg-16-2020", "ct-ttg-16-2021"]
    cited_in = {d.key: sorted(m.digest.title for m in d.mentions) for d in site.decisions}
    assert cited_in == {"ct-ttg-16-2020": ["a", "b"], "ct-ttg-16-2021": ["c", "d"]}


def test_rule_3_uses_the_most_recent_of_several_dated_citations(make_site, load):
    site = site_of(make_site, load, {
        "a": (W50, "## A\n\nChỉ thị số 5/CT-UBND ngày 10/3/2019 và Chỉ thị số 5/CT-UBND ngày 09/12/2020.\n"),
        "b": (W05, "## B\n\nChỉ thị số 5/CT-UBND.\n")})
    assert [m.digest.title for m in decision(site, "ct-ubnd-5-2020").mentions] == ["b", "a"]
    assert [m.digest.title for m in decision(site, "ct-ubnd-5-2019").mentions] == ["a"]


def test_rule_3_matches_type_issuer_and_number_exactly(make_site, load):
    site = site_of(make_site, load, {
        "a": (W50, "## A\n\nChỉ thị số 16/CT-UBND ngày 31/3/2020; Kế hoạch số 16/KH-TTg ngày 1/4/2020.\n"),
        "b": (W01, "## B\n\nChỉ thị số 16/CT-TTg.\n")})
    assert "ct-ttg-16-2021" in keys(site), "no dated citation of 16/CT-TTg itself: the digest's year"


def test_rule_4_else_the_year_of_the_citing_digests_week_end(make_site, load):
    site = site_of(make_site, load, {
        "w51": (W51, "## A\n\nQuyết định số 512/QĐ-UBND.\n"),
        "w53": (W53, "## B\n\nCông văn số 6296/VPCP-KSTT và Công văn số 4079/UBND-KT ngày 19/6.\n")})
    assert sorted(keys(site)) == ["cv-ubnd-kt-4079-2021", "cv-vpcp-kstt-6296-2021", "qd-ubnd-512-2020"]
    assert decision(site, "cv-ubnd-kt-4079-2021").date is None, "a date without a year is no date"


def test_a_dated_citation_in_a_later_digest_does_not_change_an_earlier_undated_one(make_site, load):
    site = site_of(make_site, load, {
        "a": (W50, "## A\n\nQuyết định số 9/QĐ-UBND.\n"),
        "b": (W05, "## B\n\nQuyết định số 9/QĐ-UBND ngày 02/02/2021.\n")})
    assert sorted(keys(site)) == ["qd-ubnd-9-2020", "qd-ubnd-9-2021"]


def test_the_key_is_lowercase_ascii_type_issuer_number_year(make_site, load):
    site = site_of(make_site, load, {"a": (W01, "## A\n\nTờ trình số 2896/TTr-SGDĐT, ngày 30/10/2020; "
                                               "Kế hoạch số 119-KH/TU; Quyết định số 05a/QĐ-UBND.\n")})
    assert sorted(keys(site)) == ["kh-tu-119-2021", "qd-ubnd-5a-2021", "ttr-sgddt-2896-2020"]
    plan = decision(site, "ttr-sgddt-2896-2020")
    assert (plan.type, plan.issuer, plan.number, plan.year, plan.type_name) == (
        "TTr", "SGDĐT", "2896", 2020, "Tờ trình")
    assert plan.url == "decisions/2020/ttr-sgddt-2896-2020.html"


def test_documents_whose_issuers_differ_only_by_diacritics_stay_apart(make_site, load):
    site = site_of(make_site, load, {"a": (W51, "## A\n\nThông báo số 40-TB/TU của Tỉnh ủy và "
                                               "Thông báo số 40-TB/TƯ của Trung ương.\n")})
    assert len(site.decisions) == 2


# -- mentions, front-matter decisions, links -----------------------------------------------------------

def test_each_mention_keeps_the_item_anchor_and_the_citing_sentence(make_site, load):
    site = site_of(make_site, load, {"a": (W51, "Mở đầu: Kế hoạch số 7/KH-UBND.\n\n## Đất đai\n\n"
                                               "Câu trước. Theo Kế hoạch số 7/KH-UBND, huyện làm ngay. Câu sau.\n")})
    mentions = decision(site, "kh-ubnd-7-2020").mentions
    assert [(m.anchor, m.text) for m in mentions] == [
        ("mo-dau", "Mở đầu: Kế hoạch số 7/KH-UBND."),
        ("dat-dai", "Theo Kế hoạch số 7/KH-UBND, huyện làm ngay.")]
    assert mentions[0].item is None and mentions[1].item.heading == "Đất đai"
    digest = site.digests[0]
    assert [d.url for d in digest.link_targets.values()] == [decision(site, "kh-ubnd-7-2020").url] * 2
    assert digest.items[0].decisions == [decision(site, "kh-ubnd-7-2020")]


def test_front_matter_decisions_title_a_cited_document_and_index_an_uncited_one(make_site, load):
    site = site_of(make_site, load, {"a": (W51, "## A\n\n(số 2610/QĐ-UBND ngày 15/12/2020)\n")}, a={
        "decisions": '\n  - {ref: "2610/QĐ-UBND", date: 2020-12-15, title: "Phê duyệt phương án"}'
                     '\n  - {ref: "2655/QĐ-UBND", date: 2020-12-18, title: "Quy chế phối hợp"}'
                     '\n  - {ref: "Nghị định số 15/2020/NĐ-CP"}'})
    cited = decision(site, "qd-ubnd-2610-2020")
    assert cited.title == "Phê duyệt phương án" and len(cited.mentions) == 1
    listed = decision(site, "qd-ubnd-2655-2020")
    assert (listed.title, listed.date) == ("Quy chế phối hợp", dt.date(2020, 12, 18))
    assert [m.anchor for m in listed.mentions] == ["mo-dau"]
    assert "nd-cp-15-2020" in keys(site)
    assert {d.key for d in site.digests[0].decisions} == {"qd-ubnd-2610-2020", "qd-ubnd-2655-2020",
                                                        "nd-cp-15-2020"}


# -- order ----------------------------------------------------------------------------------------------------

def test_decisions_newest_first_by_date_undated_last(make_site, load):
    site = site_of(make_site, load, {
        "a": (W51, "## A\n\nKế hoạch số 3/KH-UBND ngày 01/12/2020; Quyết định số 9/QĐ-UBND; "
                   "Quyết định số 1/QĐ-UBND ngày 15/12/2020; Nghị định số 100/2019/NĐ-CP; "
                   "Quyết định số 10/QĐ-UBND; Quyết định số 2/QĐ-UBND.\n")})
    dated = [d for d in site.decisions if d.date]
    undated = [d for d in site.decisions if not d.date]
    assert site.decisions == dated + undated
    assert [d.date for d in dated] == sorted((d.date for d in dated), reverse=True)
    assert [d.key for d in undated] == ["qd-ubnd-2-2020", "qd-ubnd-9-2020", "qd-ubnd-10-2020",
                                        "nd-cp-100-2019"], "undated: newest year first, numbers in natural order"


def test_mentions_topic_items_and_digests_are_newest_first(make_site, load):
    site = site_of(make_site, load, {
        "b": (W51, '## B {topics="Y tế"}\n\nKế hoạch số 7/KH-UBND.\n'),
        "a": (W50, '## A {topics="Y tế"}\n\nKế hoạch số 7/KH-UBND.\n'),
        "c": (W53, '## C {topics="Y tế"}\n\nKế hoạch số 7/KH-UBND ngày 01/12/2020.\n')})
    assert [d.title for d in site.digests] == ["c", "b", "a"]
    assert [m.digest.title for m in decision(site, "kh-ubnd-7-2020").mentions] == ["c", "b", "a"]
    assert [i.heading for i in site.topics[0].items] == ["C", "B", "A"]


def test_previous_is_older_next_is_newer(make_site, load):
    site = site_of(make_site, load, {"w50": (W50, ""), "w53": (W53, ""), "w51": (W51, ""), "w01": (W01, "")})
    titles = [d.title for d in site.digests]
    assert titles == ["w01", "w53", "w51", "w50"]
    for newer, older in zip(site.digests, site.digests[1:]):
        assert newer.previous is older and older.next is newer
    assert site.digests[0].next is None and site.digests[-1].previous is None


def test_the_archive_groups_by_iso_year_and_week(make_site, load):
    site = site_of(make_site, load, {"w50": (W50, ""), "w53": (W53, ""), "w51": (W51, ""), "w01": (W01, "")})
    assert [(y.year, [w.week for w in y.weeks]) for y in site.years] == [(2021, [1]), (2020, [53, 51, 50])]
    assert site.years[1].weeks[0].url == "archive/2020/w53/index.html"
    assert site.years[1].digest_count == 3


# -- topics ---------------------------------------------------------------------------------------------------------

def test_spellings_with_the_same_slug_are_one_topic_under_the_most_frequent_spelling(make_site, load):
    site = site_of(make_site, load, {
        "a": (W50, '## A {topics="đất đai"}\n\nx\n\n## B {topics="ĐẤT ĐAI, Y tế"}\n\ny\n'),
        "b": (W51, '## C {topics="Đất đai"}\n\nz\n\n## D {topics="Đất  đai"}\n\nw\n\n## E {topics="Đất đai"}\n\nv\n')})
    assert [(t.name, t.slug, len(t.items)) for t in site.topics] == [("Đất đai", "dat-dai", 5), ("Y tế", "y-te", 1)]
    assert site.topics[0].url == "topics/dat-dai/index.html"


def test_the_chosen_spelling_does_not_depend_on_file_order(make_site, load):
    one = site_of(make_site, load, {"a": (W50, '## A {topics="Đất đai"}\n\nx\n'),
                                    "b": (W51, '## B {topics="đất đai"}\n\ny\n')})
    two = site_of(make_site, load, {"a": (W50, '## A {topics="đất đai"}\n\nx\n'),
                                    "b": (W51, '## B {topics="Đất đai"}\n\ny\n')})
    assert one.topics[0].name == two.topics[0].name


def test_digest_topics_and_item_topics_share_topics(make_site, load):
    site = site_of(make_site, load, {"a": (W51, '## A {topics="Giáo dục"}\n\nx\n')},
                   a={"topics": '["giáo dục", "Y tế"]'})
    by_slug = {t.slug: t for t in site.topics}
    assert set(by_slug) == {"giao-duc", "y-te"}
    assert [d.title for d in by_slug["giao-duc"].digests] == ["a"] and len(by_slug["giao-duc"].items) == 1
    assert [t.slug for t in site.digests[0].topics] == ["giao-duc", "y-te"]


def test_topics_are_listed_in_vietnamese_alphabetical_order(make_site, load):
    names = ["Y tế", "Đất đai", "Dân tộc", "Ăn uống", "An ninh", "Âm nhạc", "Ưu đãi", "Uỷ quyền", "Văn hóa",
             "Ô nhiễm", "Ơn nghĩa", "Ong mật", "Ê-đê", "Em bé", "Giáo dục", "Hòa giải", "Đầu tư"]
    site = site_of(make_site, load, {"a": (W51, "".join(f'## {n} {{topics="{n}"}}\n\nx\n\n' for n in names))})
    assert [t.name for t in site.topics] == [
        "An ninh", "Ăn uống", "Âm nhạc", "Dân tộc", "Đất đai", "Đầu tư", "Em bé", "Ê-đê", "Giáo dục",
        "Hòa giải", "Ong mật", "Ô nhiễm", "Ơn nghĩa", "Uỷ quyền", "Ưu đãi", "Văn hóa", "Y tế"]


# -- the small fixture site, as a whole ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    return load_site(SMALL)[1]


def test_small_site_undated_16_ct_ttg_of_2021_is_the_one_of_2020(small):
    keys_ = {d.key for d in small.decisions}
    assert "ct-ttg-16-2020" in keys_ and "ct-ttg-16-2021" not in keys_
    assert {"qd-ubnd-2610-2020", "qd-ubnd-2610-2021"} <= keys_


def test_small_site_leaves_out_drafts_and_ignored_files(small):
    assert len(small.digests) == 4
    assert "ban-nhap" not in {t.slug for t in small.topics}
    assert "qd-ubnd-99-2021" not in {d.key for d in small.decisions}


# -- pagination ---------------------------------------------------------------------------------------------------------

@given(st.integers(0, 60), st.integers(1, 7), st.integers(1, 12))
def test_pages_counted_from_the_oldest_keep_their_entries_as_the_list_grows(size, per_page, added):
    """Every entry on exactly one page, in order; numbered pages hold `per_page`, the newest page
    the rest; and entries added at the front leave every numbered page as it was."""
    from bulletin.pages import paginate

    def pages(entries):
        return {p.number: (chunk, p) for chunk, p in paginate(entries, per_page, "x/index.html")}

    entries = list(range(size, 0, -1))  # newest first
    before = pages(entries)
    newest = max(before)
    assert [e for n in sorted(before, reverse=True) for e in before[n][0]] == entries
    assert all(len(chunk) == per_page for n, (chunk, _) in before.items() if n != newest)
    assert len(before[newest][0]) == size if size < per_page else per_page <= len(before[newest][0]) < 2 * per_page
    assert before[newest][1].url == "x/index.html" and before[newest][1].newest
    for number, (_, page) in before.items():
        assert page.next_url == (None if number == 1 else before[number - 1][1].url)
        assert page.previous_url == (None if number == newest else before[number + 1][1].url)
    after = pages(list(range(size + added, 0, -1)))
    for number, (chunk, page) in before.items():
        if number != newest:
            assert after[number][0] == chunk and after[number][1].url == page.url


def test_the_model_keeps_none_of_the_parse_results_it_was_made_from():
    """Items, mentions and decisions hold what a page shows; the parse results they were made
    from are dropped before pages render (at 10,000 digests, 40 MB of a cold build's peak)."""
    import gc

    from bulletin.model import CitedDocument, ParsedBody, ParsedItem

    _, site, _ = load_site(SMALL)
    seen, stack, kinds = set(), [site], set()
    while stack:
        value = stack.pop()
        if id(value) in seen or isinstance(value, type):
            continue
        seen.add(id(value))
        kinds.add(type(value))
        stack.extend(gc.get_referents(value))
    assert not kinds & {ParsedBody, ParsedItem, CitedDocument}
    assert any(d.lead_text for d in site.digests)
