"""`bulletin new`: the next week's file, on ISO weeks, across year ends, never overwriting."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bulletin.cli import main
from bulletin.parse import parse_body
from conftest import REPO, digest_md, run_cli

TITLE_FORMAT = "Chỉ đạo, điều hành nổi bật của UBND tỉnh trong tuần (ngày {start} đến ngày {end})"


def run(site: Path, *args: str):
    return CliRunner().invoke(main, ["new", "--source", str(site), *args], catch_exceptions=False)


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


@pytest.fixture()
def site(tmp_path) -> Path:
    shutil.copy2(REPO / "bulletin.toml", tmp_path / "bulletin.toml")
    (tmp_path / "content").mkdir()
    return tmp_path


@pytest.mark.parametrize("week, path, start, end, title_dates", [
    ("2020-W53", "2020/2020-w53.md", dt.date(2020, 12, 28), dt.date(2021, 1, 3), ("28/12", "03/01/2021")),
    ("2021-W01", "2021/2021-w01.md", dt.date(2021, 1, 4), dt.date(2021, 1, 10), ("04/01", "10/01/2021")),
    ("2020-W51", "2020/2020-w51.md", dt.date(2020, 12, 14), dt.date(2020, 12, 20), ("14/12", "20/12/2020")),
    ("2026w1", "2026/2026-w01.md", dt.date(2025, 12, 29), dt.date(2026, 1, 4), ("29/12", "04/01/2026")),
])
def test_new_for_a_given_week(site, week, path, start, end, title_dates):
    result = run(site, "--week", week)
    assert result.exit_code == 0, result.output
    target = site / "content" / path
    assert result.stdout.strip() == str(target)
    data = front(target)
    assert data["week_start"] == start and data["week_end"] == end
    assert start.weekday() == 0 and end.weekday() == 6
    assert data["title"] == TITLE_FORMAT.format(start=title_dates[0], end=title_dates[1])
    assert data["issuer"] == "UBND tỉnh Lạng Sơn"
    assert data["draft"] is True


def test_the_week_after_2020_w53_is_2021_w01(site):
    assert run(site, "--week", "2020-W53").exit_code == 0
    result = run(site)
    assert result.exit_code == 0, result.output
    assert front(site / "content" / "2021" / "2021-w01.md")["week_start"] == dt.date(2021, 1, 4)


def test_default_is_the_week_after_the_newest_digest(site):
    (site / "content" / "old").mkdir()
    (site / "content" / "old" / "ban-tin.md").write_text(
        digest_md("Tuần 51", "2020-12-14", "2020-12-20", "Mở đầu."), encoding="utf-8")
    (site / "content" / "old" / "older.md").write_text(
        digest_md("Tuần 10", "2020-03-02", "2020-03-08", "Mở đầu."), encoding="utf-8")
    assert run(site).exit_code == 0
    assert front(site / "content" / "2020" / "2020-w52.md")["week_end"] == dt.date(2020, 12, 27)
    assert run(site).exit_code == 0  # drafts count: the next call goes one week further
    assert (site / "content" / "2020" / "2020-w53.md").exists()


def test_default_on_an_empty_site_is_this_week(site):
    assert run(site).exit_code == 0
    today = dt.date.today()
    year, week, _ = today.isocalendar()
    data = front(site / "content" / str(year) / f"{year}-w{week:02d}.md")
    assert data["week_start"] <= today <= data["week_end"]


def test_date_picks_its_iso_week(site):
    assert run(site, "--date", "2021-01-01").exit_code == 0
    assert front(site / "content" / "2020" / "2020-w53.md")["week_start"] == dt.date(2020, 12, 28)


def test_never_overwrites(site):
    target = site / "content" / "2020" / "2020-w53.md"
    assert run(site, "--week", "2020-W53").exit_code == 0
    target.write_text("already written by hand", encoding="utf-8")
    result = run(site, "--week", "2020-W53")
    assert result.exit_code == 1
    assert "already exists" in result.output and str(target) in result.output
    assert target.read_text(encoding="utf-8") == "already written by hand"


@pytest.mark.parametrize("args", [["--week", "2021-W53"], ["--week", "53/2020"], ["--date", "2021-13-01"],
                                  ["--week", "2020-W53", "--date", "2020-12-28"]])
def test_usage_errors_exit_2(site, args):
    result = run(site, *args)
    assert result.exit_code == 2
    assert not list((site / "content").rglob("*.md"))


def test_skeleton_renders_nothing_but_shows_the_format(site):
    run(site, "--week", "2021-W01")
    text = (site / "content" / "2021" / "2021-w01.md").read_text(encoding="utf-8")
    assert "<!--" in text and '## Công nhận trường học đạt chuẩn quốc gia {topics="Giáo dục"}' in text
    body = text.split("---\n", 2)[2]
    parsed = parse_body(body, False)
    assert parsed.items == []
    assert "Công nhận" not in parsed.html and "topics" not in parsed.html
    assert body.startswith("\n\n<!--")  # room to write above the skeleton
    written = "\nMở đầu tuần.\n\n## Họp UBND tỉnh\n\nNgày 05/01/2021 UBND tỉnh họp.\n" + body
    parsed = parse_body(written, False)
    assert parsed.lead_text == "Mở đầu tuần."
    assert [item.heading for item in parsed.items] == ["Họp UBND tỉnh"]


def test_title_format_comes_from_the_config(tmp_path):
    (tmp_path / "bulletin.toml").write_text('issuer = "UBND tỉnh X"\n[new]\ntitle = "Tuần {week} năm {year}: '
                                            '{start} - {end}"\n', encoding="utf-8")
    assert run(tmp_path, "--week", "2020-W53").exit_code == 0
    data = front(tmp_path / "content" / "2020" / "2020-w53.md")
    assert data["title"] == "Tuần 53 năm 2020: 28/12 - 03/01/2021" and data["issuer"] == "UBND tỉnh X"


def test_a_bad_title_format_is_reported(tmp_path):
    (tmp_path / "bulletin.toml").write_text('[new]\ntitle = "Tuần {tuan}"\n', encoding="utf-8")
    result = run(tmp_path, "--week", "2020-W53")
    assert result.exit_code == 1
    assert "{start}, {end}, {week} and {year}" in result.output


@pytest.mark.skipif(not (REPO / "bulletin" / "__main__.py").exists(), reason="no python -m bulletin")
def test_python_m_bulletin_new(site):
    result = run_cli("new", "--source", str(site), "--week", "2020-W53")
    assert result.returncode == 0, result.stderr
    target = site / "content" / "2020" / "2020-w53.md"
    assert result.stdout.strip() == str(target)
    assert front(target)["week_end"] == dt.date(2021, 1, 3)
    again = run_cli("new", "--source", str(site), "--week", "2020-W53")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_a_fresh_skeleton_builds_with_drafts(site, build):
    """The skeleton is an HTML comment; a build that includes drafts must not choke on it."""
    run(site, "--week", "2021-W01")
    out = build(site, drafts=True)
    page = (out / "digests" / "2021" / "2021-w01" / "index.html").read_text(encoding="utf-8")
    assert "Công nhận trường học" not in page and "<!--" not in page


def test_a_missing_site_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["new", "--source", str(tmp_path / "typo")])
    assert result.exit_code == 2
    assert not (tmp_path / "typo").exists()
