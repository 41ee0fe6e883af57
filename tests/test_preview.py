"""The instant preview `serve` shows on a save: the saved digest's page, rendered
alone, is the page the exact build then writes (on a site where nothing only the
whole archive knows is involved), and bad content is reported at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bulletin.build import build_site
from bulletin.errors import BuildError
from bulletin.preview import Preview

SMALL = Path(__file__).parent / "sites" / "small"


@pytest.fixture()
def site(tmp_path):
    shutil.copytree(SMALL, tmp_path / "src", ignore=shutil.ignore_patterns("site", ".bulletin"))
    source = tmp_path / "src"
    build_site(source, source / "site")
    return source


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("rel", ["2020/2020-w50.md", "2020/2020-w51.md"])
def test_a_text_edit_previews_exactly_the_page_the_build_then_writes(site, rel):
    preview = Preview(site, site / "site", drafts=False)
    preview.warm()
    path = site / "content" / rel
    body_start = path.read_text(encoding="utf-8").index("\n---", 3) + 5
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:body_start] + "Đoạn mới thêm vào đầu bản tin.\n\n" + text[body_start:], encoding="utf-8")
    pages = preview.pages([rel])
    assert len(pages) == 1
    (url, html), = pages.items()
    assert "Đoạn mới thêm vào đầu bản tin." in html.decode("utf-8")
    result = build_site(site, site / "site")
    assert url in result.changed
    assert (site / "site" / url).read_bytes() == html


def test_what_only_the_whole_archive_knows_may_differ_until_the_exact_build(site):
    """2021-w01 cites "Chỉ thị số 16/CT-TTg" undated: the archive dates it in 2020 (another
    digest), the preview alone in 2021. The exact build's page is then the one served."""
    rel = "2021/2021-w01.md"
    edit(site / "content" / rel, "Tuần đầu năm 2021", "Tuần đầu tiên của năm 2021")
    html = Preview(site, site / "site", drafts=False).pages([rel])["digests/2021/2021-w01/index.html"]
    assert b"decisions/2021/ct-ttg-16-2021.html" in html
    build_site(site, site / "site")
    final = (site / "site" / "digests/2021/2021-w01/index.html").read_bytes()
    assert b"decisions/2020/ct-ttg-16-2020.html" in final and b"Tu\xe1\xba\xa7n \xc4\x91\xe1\xba\xa7u ti\xc3\xaan" in final


def test_the_preview_has_the_archive_neighbours_as_previous_and_next(site):
    preview = Preview(site, site / "site", drafts=False)
    html = preview.pages(["2020/2020-w51.md"])["digests/2020/2020-w51/index.html"].decode("utf-8")
    assert 'rel="prev" href="../../../digests/2020/2020-w50/index.html"' in html
    assert 'rel="next" href="../../../digests/2020/2020-w53/index.html"' in html


def test_invalid_content_is_reported_by_the_preview_with_file_and_line(site):
    path = site / "content" / "2020" / "2020-w51.md"
    edit(path, "week_start: 2020-12-14", "week_start: 2020-12-34")
    with pytest.raises(BuildError) as raised:
        Preview(site, site / "site", drafts=False).pages(["2020/2020-w51.md"])
    report = raised.value.report()
    assert "2020-w51.md" in report and ":3" in report


def test_new_moved_deleted_and_draft_files_are_left_to_the_exact_build(site):
    preview = Preview(site, site / "site", drafts=False)
    shutil.copy(site / "content" / "2020" / "2020-w51.md", site / "content" / "2020" / "2020-w52.md")
    (site / "content" / "2021" / "2021-w01.md").unlink()
    assert preview.pages(["2020/2020-w52.md", "2021/2021-w01.md", "2021/2021-w02.md"]) == {}  # w02: a draft
