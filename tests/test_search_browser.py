"""Search in a real browser: Debian's chromium through Playwright, the built site opened from file://.

One browser for the module; the sample site (the repository's content/) and a small
hostile site are built once. Every request any page makes is recorded: none may
leave file://. Timings are never asserted here (bench/search_bench.py measures them).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from bulletin.build import build_site
from bulletin.search.fold import fold, term, tokens, variant

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
BAC_VIET = "thua-nhan-xa-bac-viet-huyen-van-lang-dat-chuan-nong-thon-moi-nam-2019"
HOSTILE = "</script><img src=x onerror=window.__pwned=1>"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("BULLETIN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and BULLETIN_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("BULLETIN_REQUIRE_BROWSER") == "1":
            pytest.fail("playwright is not installed and BULLETIN_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("search-sample") / "sample"
    source.mkdir()
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name)
    shutil.copy2(REPO / "bulletin.toml", source / "bulletin.toml")
    return build_site(source, state=False, workers=1).output


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A site whose title, topic, heading, text and decision title try to break out of the index
    scripts or inject markup into the results. Headings and text are set on the indexed model
    directly, so the strings reach the index verbatim whatever the Markdown parser makes of them."""
    from bulletin.build import load_site
    from bulletin.search import search_files

    source = tmp_path_factory.mktemp("search-hostile") / "hostile"
    (source / "content").mkdir(parents=True)
    (source / "content" / "x.md").write_text(
        '---\ntitle: "Bản tin </script><img src=x onerror=window.__pwned=1>"\n'
        "week_start: 2020-12-14\nweek_end: 2020-12-20\ndecisions:\n"
        '  - ref: "2610/QĐ-UBND"\n    title: "Trích yếu </script><img src=x onerror=window.__pwned=1>"\n'
        "---\n\n## Họp {topics=\"Độc hại </script><img src=x onerror=window.__pwned=1>\"}\n\nNội dung.\n",
        encoding="utf-8")
    output = build_site(source, state=False, workers=1).output
    site = load_site(source)[1]
    item = site.digests[0].items[0]
    item.heading = f"Họp {HOSTILE} \"trích\" 'nháy' \u2028"
    item.text = f"Nội dung độc hại {HOSTILE} \u2028 \u2029 \\ \"x\" kết thúc."
    for path, data in search_files(site):
        (output / path).write_bytes(data)
    return output


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    return []


@pytest.fixture(scope="module")
def context(browser, requests_seen):
    ctx = browser.new_context()
    ctx.on("request", lambda request: requests_seen.append(request.url))
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context, requests_seen):
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("dialog", lambda dialog: (errors.append("dialog: " + dialog.message), dialog.dismiss()))
    yield tab
    tab.close()
    assert not errors, errors
    assert all(url.startswith("file://") for url in requests_seen), [
        u for u in requests_seen if not u.startswith("file://")]


def open_search(page, site: Path, query: str | None = None):
    url = (site / "search" / "index.html").as_uri()
    if query is not None:
        from urllib.parse import quote
        url += "?q=" + quote(query)
    page.goto(url)
    page.wait_for_function("window.__bulletinSearch && window.__bulletinSearch.ready === true")
    if query is not None:
        wait_for(page, query)
    return page


def wait_for(page, query: str) -> dict:
    page.wait_for_function("(q) => { const l = window.__bulletinSearch.last; return l && l.query === q; }",
                           arg=query)
    return page.evaluate("window.__bulletinSearch.last")


def search(page, query: str) -> dict:
    page.fill("#search-q", query)
    return wait_for(page, query)


def results(page, selector: str = "#search-results a.sr-link") -> list[tuple[str, str]]:
    return [tuple(pair) for pair in page.evaluate(
        "(s) => Array.from(document.querySelectorAll(s)).map(a => [a.textContent, a.getAttribute('href')])",
        selector)]


def item_links(page) -> list[str]:
    return [href for _, href in results(page, "#search-results .sr-item a.sr-link")]


def decision_links(page) -> list[str]:
    return [href for _, href in results(page, "#search-results .sr-decision a.sr-link")]


def assert_target_exists(site: Path, href: str) -> None:
    parts = urlsplit(href)
    assert not parts.scheme and not href.startswith("/"), href
    target = (site / "search" / unquote(parts.path)).resolve()
    assert target.is_file(), href
    assert target.name == "index.html" or target.suffix == ".html", href
    if parts.fragment:
        html = target.read_text(encoding="utf-8")
        assert f'id="{unquote(parts.fragment)}"' in html, href


# -- Vietnamese folding: the same in Python and in the browser ---------------------------------

def test_fold_and_tokens_agree_with_python(page, sample):
    open_search(page, sample)
    samples = [
        "Thừa nhận xã Bắc Việt, huyện Văn Lãng đạt chuẩn NÔNG THÔN MỚI năm 2019",
        "Quyết định số 2610/QĐ-UBND ngày 15/12/2020; Kế hoạch số 119-KH/TU; 85/2020/NĐ-CP",
        "Hoà Hòa hoà HOÀ Thuỷ Thủy ĐĂK LĂK Đắk Lắk ư ơ ă â ê ô đ Đ",
        unicodedata.normalize("NFD", "Lạng Sơn, Cao Lộc, Đình Lập, Hữu Lũng"),
        "snake_case x² ½ Ⅻ ǅ İstanbul ΣΑΣ straße ﬁ 𝐀𝐁 ２０２０ ١٢٣ 中文字 한국어 😀 a\u0301b e\u0323\u0302",
        "“quoted” «guillemets» – — … \u2028 \u00a0 tab\there",
        "số 05/QĐ-UBND ngày 01/07/2020, 0 00 007 0x10 ０７",
    ]
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    samples.append(" ".join(unicodedata.normalize("NFC", c + t) for c in letters + letters.upper() for t in tones))
    rng = random.Random(2020)
    assigned = [cp for cp in range(0x20, 0x20000)
                if unicodedata.category(chr(cp)) not in ("Cn", "Cs", "Co") and not 0xD800 <= cp < 0xE000]
    for _ in range(60):
        samples.append("".join(chr(rng.choice(assigned)) for _ in range(40)))
    got = page.evaluate("(xs) => xs.map(x => { const s = window.__bulletinSearch; "
                        "const t = s.tokens(x); return [s.fold(x), t, t.map(s.variant), t.map(s.term)]; })", samples)
    for text, (js_fold, js_tokens, js_variants, js_terms) in zip(samples, got):
        py_tokens = tokens(text)
        assert js_fold == fold(text), text
        assert js_tokens == py_tokens, text
        assert js_variants == [variant(t) for t in py_tokens], text
        assert js_terms == [term(t) for t in py_tokens], text


# -- finding things ------------------------------------------------------------------------------

def test_without_diacritics_finds_the_bac_viet_item(page, sample):
    open_search(page, sample)
    found = search(page, "nong thon moi")
    assert found["items"] >= 1
    links = item_links(page)
    assert links[0] == f"../digests/2020/2020-w51/index.html#{BAC_VIET}"
    for href in links:
        assert_target_exists(sample, href)
    assert page.url.endswith("search/index.html?q=nong+thon+moi")
    marks = page.eval_on_selector_all("#search-results .sr-item mark", "ms => ms.map(m => m.textContent)")
    assert {"nông", "thôn", "mới"} <= {m.lower() for m in marks}
    status = page.inner_text("#search-status")
    assert re.search(r"\d+ kết quả", status), status
    assert page.get_attribute("#search-status", "aria-live") == "polite"
    topics = results(page, "#search-results .sr-topics a.sr-link")
    assert topics == [("Nông thôn mới", "../topics/nong-thon-moi/index.html")]
    first_item_tags = page.eval_on_selector_all(
        "#search-results .sr-item:first-child ul.tags a", "as => as.map(a => [a.textContent, a.getAttribute('href')])")
    assert first_item_tags == [["Nông thôn mới", "../topics/nong-thon-moi/index.html"]]


def test_typing_letter_by_letter_matches_prefixes(page, sample):
    open_search(page, sample)
    page.locator("#search-q").press_sequentially("bac vi", delay=20)
    wait_for(page, "bac vi")
    assert item_links(page)[0].endswith("#" + BAC_VIET)
    found = search(page, "d")  # d finds đ
    assert found["items"] >= 5


@pytest.mark.parametrize("query", ["2610/QĐ-UBND", "2610", "2610/qd-ubnd", "2610/QD-UBND", "số 2610",
                                   "quyet dinh 2610", "02610/QĐ-UBND"])
def test_decision_number_finds_the_decision_and_the_item(page, sample, query):
    open_search(page, sample)
    search(page, query)
    decisions = decision_links(page)
    assert decisions and decisions[0] == "../decisions/2020/qd-ubnd-2610-2020.html"
    assert_target_exists(sample, decisions[0])
    items = item_links(page)
    assert items and items[0].startswith("../digests/2020/2020-w51/index.html#phe-duyet-phuong-an-su-dung-dat")
    assert_target_exists(sample, items[0])


@pytest.mark.parametrize("query", ["ke hoach", "Kế hoạch", "KH", "KH-UBND"])
def test_decision_type_finds_its_decisions(page, sample, query):
    open_search(page, sample)
    search(page, query)
    decisions = decision_links(page)
    # the type ranks above a title that merely mentions the words (2599/QĐ-UBND: "…chỉ tiêu kế hoạch…")
    assert decisions[:2] == ["../decisions/2020/kh-ubnd-199-2020.html",
                             "../decisions/2020/kh-ubnd-196-2020.html"]
    assert set(decisions[2:]) <= {"../decisions/2020/qd-ubnd-2599-2020.html"}


def test_other_numbers_do_not_match_a_full_code(page, sample):
    open_search(page, sample)
    search(page, "2611/QĐ-UBND")
    assert decision_links(page) == []


def test_quoted_phrase(page, sample):
    open_search(page, sample)
    found = search(page, '"nông thôn mới"')
    assert found["items"] == 1 and item_links(page)[0].endswith("#" + BAC_VIET)
    search(page, '"thon moi nam"')
    assert item_links(page) and item_links(page)[0].endswith("#" + BAC_VIET)
    # each word is in the digest, but never in this order
    found = search(page, '"mới nông thôn"')
    assert found["items"] == 0
    assert "Không tìm thấy" in page.inner_text("#search-status") or found["decisions"] == 0


def test_exact_diacritics_rank_first(page, sample):
    open_search(page, sample)
    search(page, "đạt chuẩn")
    first = item_links(page)[0]
    # "đạt chuẩn" is in headings (Bắc Việt, schools); "đất" would fold the same but is not exact
    assert "dat-chuan" in first


@pytest.fixture(scope="module")
def ranking(tmp_path_factory) -> Path:
    """Spellings that fold alike, in headings and bodies, in weeks of different age."""
    source = tmp_path_factory.mktemp("search-ranking") / "ranking"
    (source / "content").mkdir(parents=True)
    weeks = {"w1": ("2020-11-30", "2020-12-06", "## Họp bàn về đất ở\n\nNội dung.\n"),
             "w2": ("2020-12-07", "2020-12-13", "## Mục A\n\nGiao đất cho hộ dân.\n"),
             "w3": ("2020-12-14", "2020-12-20", "## Mục B\n\nĐặt hàng dịch vụ công.\n"),
             "w4": ("2020-12-21", "2020-12-27", "## Mục C\n\nĐạt kết quả tốt.\n")}
    for name, (start, end, body) in weeks.items():
        (source / "content" / f"{name}.md").write_text(
            f'---\ntitle: "{name}"\nweek_start: {start}\nweek_end: {end}\n---\n\n{body}', encoding="utf-8")
    return build_site(source, state=False, workers=1).output


def test_ranking_heading_then_exact_spelling_then_newest(page, ranking):
    open_search(page, ranking)
    titles = lambda: [t for t, _ in results(page, "#search-results .sr-item a.sr-link")]
    search(page, "dat")  # no diacritics typed: heading first, then newest first
    assert titles() == ["Họp bàn về đất ở", "Mục C", "Mục B", "Mục A"]
    search(page, "đất")  # exact spelling ranks above newer items that only fold alike
    assert titles() == ["Họp bàn về đất ở", "Mục A", "Mục C", "Mục B"]
    search(page, "đặt")  # a heading that folds alike still ranks above an exact body
    assert titles() == ["Họp bàn về đất ở", "Mục B", "Mục C", "Mục A"]


def test_query_in_the_url_runs_on_load_and_links_resolve(page, sample):
    open_search(page, sample, "lạng sơn")
    assert page.input_value("#search-q") == "lạng sơn"
    hrefs = [href for _, href in results(page)]
    assert hrefs
    for href in hrefs:
        assert_target_exists(sample, href)


def test_filters_narrow_the_results_and_go_in_the_url(page, sample):
    open_search(page, sample)
    everything = search(page, "ubnd")
    page.select_option("#search-filter-topic", "giao-duc")
    page.wait_for_function("() => window.__bulletinSearch.last.items < %d" % everything["items"])
    assert len(item_links(page)) == 1 and "cong-nhan-truong-hoc" in item_links(page)[0]
    assert "topic=giao-duc" in page.url
    page.select_option("#search-filter-topic", "")
    page.select_option("#search-filter-type", "KH")
    page.wait_for_function("() => window.__bulletinSearch.last.decisions === 2")
    assert all("kh-ubnd" in href for href in decision_links(page))
    page.select_option("#search-filter-type", "")
    page.select_option("#search-filter-year", "2020")
    page.wait_for_function("(n) => window.__bulletinSearch.last.items === n", arg=everything["items"])


# -- keyboard, no script, the header box --------------------------------------------------------

def test_keyboard(page, sample):
    open_search(page, sample)
    search(page, "ubnd")
    page.focus("#search-q")
    page.keyboard.press("Enter")  # submits to itself: no navigation, results stay
    assert page.url.endswith("?q=ubnd")
    page.keyboard.press("ArrowDown")
    links = [href for _, href in results(page)]
    assert page.evaluate("document.activeElement.getAttribute('href')") == links[0]
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == links[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-q"
    assert page.get_attribute("#search-q", "type") == "search"
    label = page.eval_on_selector("label[for=search-q]", "l => l.textContent")
    assert label.strip()
    assert page.is_hidden("form.site-search")  # the header's box gives way to the page's own field


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """Three weeks of six items each, every one about roads: more results than one screen."""
    source = tmp_path_factory.mktemp("search-many") / "many"
    (source / "content").mkdir(parents=True)
    for n, (start, end) in enumerate([("2020-12-07", "2020-12-13"), ("2020-12-14", "2020-12-20"),
                                      ("2020-12-21", "2020-12-27")]):
        body = "\n".join(f"## Đường giao thông số {n}-{i}\n\nSửa đường huyện {i}.\n" for i in range(6))
        (source / "content" / f"w{n}.md").write_text(
            f'---\ntitle: "Tuần {n}"\nweek_start: {start}\nweek_end: {end}\n---\n\n{body}', encoding="utf-8")
    return build_site(source, state=False, workers=1).output


def test_more_results_button_and_newest_first(page, many):
    open_search(page, many)
    found = search(page, "duong")
    assert found["items"] == 18
    links = item_links(page)
    assert len(links) == 10
    # newest digest first, and within a digest in reading order
    assert [href.split("#")[0] for href in links[:6]] == ["../digests/w2/index.html"] * 6
    assert [h for h, _ in results(page, "#search-results .sr-item a.sr-link")][:2] == [
        "Đường giao thông số 2-0", "Đường giao thông số 2-1"]
    page.click("#search-results .sr-items .sr-more button")
    page.wait_for_function("() => document.querySelectorAll('#search-results .sr-item').length === 18")
    assert page.evaluate("document.activeElement.textContent") == "Đường giao thông số 1-4"  # the 11th
    for href in item_links(page):
        assert_target_exists(many, href)


def test_header_box_on_every_page_submits_to_the_search_page(page, sample):
    page.goto((sample / "digests" / "2020" / "2020-w51" / "index.html").as_uri())
    assert page.get_attribute("form.site-search", "action") == "../../../search/index.html"
    assert page.evaluate("document.scripts.length") == 0  # the rest of the site runs no script
    page.fill("#site-search-q", "nong thon moi")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"search/index\.html\?q=nong\+thon\+moi$"))
    page.wait_for_function("window.__bulletinSearch && window.__bulletinSearch.ready === true")
    wait_for(page, "nong thon moi")
    assert item_links(page)[0].endswith("#" + BAC_VIET)


def test_without_javascript_the_page_explains_and_links(browser, sample, requests_seen):
    ctx = browser.new_context(java_script_enabled=False)
    ctx.on("request", lambda request: requests_seen.append(request.url))
    try:
        tab = ctx.new_page()
        tab.goto((sample / "search" / "index.html").as_uri() + "?q=nong")
        assert tab.is_visible("#search-fallback")
        hrefs = tab.eval_on_selector_all("#search-fallback a", "as => as.map(a => a.getAttribute('href'))")
        assert "../topics/index.html" in hrefs
        assert tab.get_attribute("#search-form", "action") == "index.html"
    finally:
        ctx.close()


# -- safety ----------------------------------------------------------------------------------------

def test_hostile_content_is_shown_as_text(page, hostile):
    open_search(page, hostile)
    found = search(page, "onerror")
    assert found["items"] == 1 and found["decisions"] == 1 and found["topics"] == 1
    text = page.inner_text("#search-results")
    assert text.count("<img src=x onerror=window.__pwned=1>") >= 3  # heading, snippet, decision title
    assert page.evaluate("document.querySelectorAll('#search-results img, #search-results script').length") == 0
    search(page, '"trích" "nháy"')
    assert item_links(page)
    page.select_option("#search-filter-topic", index=1)  # the topic's name is an <option>'s text
    page.wait_for_function("() => window.__bulletinSearch.last.items === 1")
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_an_empty_archive_searches_without_errors(page, tmp_path):
    source = tmp_path / "empty"
    (source / "content").mkdir(parents=True)
    output = build_site(source, state=False, workers=1).output
    open_search(page, output)
    found = search(page, "nong thon")
    assert found["items"] == 0 and "Không tìm thấy" in page.inner_text("#search-status")
