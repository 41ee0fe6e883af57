"""Every link and anchor of a built site works from file://, and the checker itself
catches what would not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulletin.check import check_links
from conftest import digest_md, write_files

PAGE = '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>x</title>{head}</head><body>{body}</body></html>'


def page(body: str = "", head: str = "") -> str:
    return PAGE.format(head=head, body=body)


def test_every_link_and_anchor_of_the_small_site_works(small_site):
    _, output = small_site
    assert len(list(output.rglob("*.html"))) > 60
    assert check_links(output) == []


def test_every_link_and_anchor_of_the_sample_site_works(sample_site):
    _, output = sample_site
    assert check_links(output) == []


def test_every_page_is_reachable_from_the_home_page(small_site):
    """A crawl from index.html following <a href> reaches every page but the 404."""
    _, output = small_site
    seen, todo = set(), ["index.html"]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        html = (output / current).read_text(encoding="utf-8")
        for href in re.findall(r'<a [^>]*href="([^"#]+)(?:#[^"]*)?"', html):
            if href.startswith(("http:", "https:", "mailto:")) or not href.endswith(".html"):
                continue
            target = (output / Path(current).parent / href).resolve().relative_to(output.resolve()).as_posix()
            todo.append(target)
    pages = {p.relative_to(output).as_posix() for p in output.rglob("*.html")}
    assert pages - seen == {"404.html"}


def test_internal_links_are_relative_and_explicit(small_site):
    _, output = small_site
    for path in output.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for value in re.findall(r'(?:href|src)="([^"]*)"', html):
            assert not value.startswith("/"), (path, value)
            if value.startswith(("http:", "https:", "mailto:", "#")):
                continue
            assert value.split("#")[0].endswith((".html", ".css", ".xml", ".js", ".json", ".png", ".svg")), \
                (path, value)


def test_no_page_loads_anything_from_the_network(small_site):
    _, output = small_site
    for path in output.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r'<(?:script|img|link|iframe|source)[^>]+(?:src|href)="(?:https?:)?//', html), path
        assert "@import" not in html and "fonts.googleapis" not in html
    for css in output.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text) and "@import" not in text


# -- the checker -------------------------------------------------------------------------------------------------

@pytest.fixture()
def tiny(tmp_path) -> Path:
    """A two-page site whose links are all fine, to break one at a time."""
    return write_files(tmp_path / "out", {
        "index.html": page('<a href="a/index.html#muc">A</a> <a href="https://example.org/">out</a> '
                           '<a href="mailto:vp@langson.gov.vn">mail</a> <a href="#top" id="top">top</a>',
                           '<link rel="stylesheet" href="assets/style.css">'),
        "a/index.html": page('<h2 id="muc">Mục</h2><a href="../index.html">home</a><img src="../assets/x.png" alt="">'),
        "assets/style.css": "body { background: url('x.png'); }",
        "assets/x.png": b"\x89PNG\r\n",
    })


def test_the_tiny_site_is_fine(tiny):
    assert check_links(tiny) == []


@pytest.mark.parametrize("body, head, words", [
    ('<a href="/a/index.html">root</a>', "", "root-absolute"),
    ('<a href="a/">folder</a>', "", "folder"),
    ('<a href="a">folder</a>', "", "folder"),
    ('<a href="a/index.html#khong-co">anchor</a>', "", 'no element with id "khong-co"'),
    ('<a href="#khong-co">anchor</a>', "", 'no element with id "khong-co"'),
    ('<a href="b/index.html">missing</a>', "", "no such file"),
    ('', '<script src="https://cdn.example.com/x.js"></script>', "loads from the network"),
    ('', '<link rel="stylesheet" href="//fonts.example.com/css">', "loads from the network"),
    ('<img src="http://example.org/logo.png" alt="">', "", "loads from the network"),
    ('<a href="javascript:alert(1)">js</a>', "", "script URL"),
    ('<a href="../../etc/passwd">out</a>', "", "outside the site"),
    ('<div style="background: url(https://example.org/bg.png)"></div>', "", "loads from the network"),
])
def test_the_checker_reports(tiny, body, head, words):
    (tiny / "b.html").write_text(page(body, head), encoding="utf-8")
    problems = check_links(tiny)
    assert len(problems) == 1, problems
    assert problems[0].startswith("b.html: ") and words in problems[0], problems[0]


def test_the_checker_reports_css_that_loads_from_the_network_or_is_missing(tiny):
    (tiny / "assets/style.css").write_text("@font-face { src: url(https://fonts.example/x.woff2); }\n"
                                           "body { background: url(nope.png); }", encoding="utf-8")
    problems = check_links(tiny)
    assert len(problems) == 2
    assert any("loads from the network" in p for p in problems) and any("no such file" in p for p in problems)


def test_the_checker_reports_every_problem_not_just_the_first(tiny):
    (tiny / "b.html").write_text(page('<a href="/x.html">1</a><a href="a/">2</a><a href="#nope">3</a>',
                                      '<script src="https://x.example/y.js"></script>'), encoding="utf-8")
    assert len(check_links(tiny)) == 4


def test_percent_encoded_names_and_fragments_resolve(tiny):
    write_files(tiny, {"đất đai/index.html": page('<h2 id="mục-1">x</h2>')})
    (tiny / "b.html").write_text(page('<a href="%C4%91%E1%BA%A5t%20%C4%91ai/index.html#m%E1%BB%A5c-1">x</a>'),
                                 encoding="utf-8")
    assert check_links(tiny) == []


def test_front_matter_decisions_of_a_digest_without_a_lead_link_to_an_existing_anchor(make_site, build):
    """They are mentioned at the lead's anchor (#mo-dau), which must exist even with no lead."""
    refs = '\n  - {ref: "2655/QĐ-UBND", date: 2020-12-18, title: "Quy chế phối hợp"}'
    site = make_site({
        "content/a.md": digest_md("Không mở đầu", "2020-12-14", "2020-12-20", "## Mục\n\nNội dung.", decisions=refs),
        "content/b.md": digest_md("Thân trống", "2020-12-21", "2020-12-27", "", decisions=refs.replace("2655", "2700")),
    })
    output = build(site)
    assert check_links(output) == []
    assert (output / "decisions/2020/qd-ubnd-2700-2020.html").is_file()


def test_a_digest_without_neighbours_has_no_empty_navigation(make_site, build):
    output = build(make_site({"content/a.md": digest_md("Một", "2020-12-14", "2020-12-20", "## Mục\n\nx")}))
    html = (output / "digests/a/index.html").read_text(encoding="utf-8")
    assert 'class="digest-nav"' not in html
