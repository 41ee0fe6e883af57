"""`bulletin new`: start next week's digest, so nobody types dates by hand.

The week defaults to the one after the newest digest's `week_start` (drafts
count: two `new` in a row give two consecutive weeks), or the current week on
an empty site. The file is content/<ISO year>/<ISO year>-w<WW>.md with the
title in the office's wording (`[new] title` in bulletin.toml), Monday to
Sunday of that ISO week, the issuer, and a skeleton in an HTML comment, which
renders as nothing; it sits below where the author writes, so the lead stays
the body's first paragraph. It is marked `draft: true` so an unfinished week
is never published by accident. An existing file is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import click
import yaml

from ..config import SiteConfig, load_config
from ..errors import BuildError
from ..importer.writer import digest_path
from ..load import discover, read_digest

WEEK_OPTION = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
FILE_WEEK = re.compile(r"(\d{4})-w(\d{2})\.md$", re.IGNORECASE)

SKELETON = """\
<!--
Viết bản tin phía trên chú thích này (chú thích không hiện trên trang).

Đoạn mở đầu: tóm tắt các nội dung chính của tuần, ngay dưới dòng "---" ở trên
(đoạn này được dùng làm phần tóm tắt của bản tin).

Mỗi nội dung chỉ đạo, điều hành là một mục, bắt đầu bằng một tiêu đề cấp 2 (##).
Chủ đề {{topics="…"}} là tùy chọn: mục không ghi chủ đề được gán chủ đề theo
[topics.rules] trong bulletin.toml. Văn bản được trích dẫn theo số và ký hiệu
("Quyết định số 2610/QĐ-UBND ngày {example_date}") tự động có trang riêng. Ví dụ:

## Công nhận trường học đạt chuẩn quốc gia {{topics="Giáo dục"}}

UBND tỉnh vừa công nhận (số …/QĐ-UBND ngày {example_date}) Trường Mầm non … đạt chuẩn quốc gia mức độ 1.

Khi bản tin đã sẵn sàng để đăng, xóa dòng "draft: true" trong phần front matter.
-->
"""


def iso_week_monday(year: int, week: int) -> dt.date:
    """Monday of ISO week `week` of `year` (ValueError if that week does not exist)."""
    return dt.date.fromisocalendar(year, week, 1)


def newest_week_start(content_dir: Path, config: SiteConfig) -> dt.date | None:
    """The latest `week_start` under content/, drafts included; a file whose front
    matter does not read counts by its name (2020-w51.md) if it has that form."""
    newest = None
    paths, _warnings = discover(content_dir) if content_dir.is_dir() else ([], [])
    for path in paths:
        digest, _errors = read_digest(path, path.relative_to(content_dir).as_posix(), path.read_bytes(), config)
        start = digest.week_start if digest else None
        if start is None and (match := FILE_WEEK.search(path.name)):
            try:
                start = iso_week_monday(int(match.group(1)), int(match.group(2)))
            except ValueError:
                start = None
        if start and (newest is None or start > newest):
            newest = start
    return newest


def choose_monday(week: str | None, date: dt.datetime | None, content_dir: Path, config: SiteConfig) -> dt.date:
    if week:
        match = WEEK_OPTION.match(week.strip())
        if not match:
            raise click.BadParameter(f"{week!r} is not an ISO week; write it as YYYY-Www, e.g. 2021-W01",
                                     param_hint="--week")
        try:
            return iso_week_monday(int(match.group(1)), int(match.group(2)))
        except ValueError:
            raise click.BadParameter(f"{match.group(1)} has no week {int(match.group(2))}",
                                     param_hint="--week") from None
    day = date.date() if date else None
    if day is None:
        newest = newest_week_start(content_dir, config)
        day = newest + dt.timedelta(days=7) if newest else dt.date.today()
    return day - dt.timedelta(days=day.weekday())


def render_new_digest(monday: dt.date, config: SiteConfig) -> str:
    sunday = monday + dt.timedelta(days=6)
    year, week, _ = monday.isocalendar()
    try:
        title = config.new_title.format(start=monday.strftime("%d/%m"), end=sunday.strftime("%d/%m/%Y"),
                                        week=week, year=year)
    except (KeyError, IndexError, ValueError) as exc:
        raise click.ClickException(
            f"[new] title in bulletin.toml does not format ({exc!r}); it may use only "
            "{start}, {end}, {week} and {year}") from None
    data: dict = {"title": title, "week_start": monday, "week_end": sunday}
    if config.issuer:
        data["issuer"] = config.issuer
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)
    front += "# author: Họ và tên người viết\ndraft: true\n"
    return f"---\n{front}---\n\n\n" + SKELETON.format(example_date=monday.strftime("%d/%m/%Y"))


@click.command("new")
@click.option("--source", type=click.Path(file_okay=False, exists=True, path_type=Path), default=Path("."),
              help="the site folder, the one holding content/ (default: the current folder)")
@click.option("--week", help="the ISO week to start, e.g. 2021-W01 (default: the week after the newest digest)")
@click.option("--date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="any day of the week to start, YYYY-MM-DD")
def new_command(source: Path, week: str | None, date: dt.datetime | None) -> None:
    """Write the next week's digest file, dates and title filled in."""
    if week and date:
        raise click.UsageError("give --week or --date, not both")
    try:
        config = load_config(source)
    except BuildError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    content_dir = source / "content"
    monday = choose_monday(week, date, content_dir, config)
    path = digest_path(content_dir, monday)
    text = render_new_digest(monday, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        click.echo(f"error: {path} already exists; it was left as it is. Edit it, or start another week "
                   "with --week YYYY-Www.", err=True)
        sys.exit(1)
    year, number, _ = monday.isocalendar()
    click.echo(str(path))
    click.echo(f"week {year}-W{number:02d}: {monday:%d/%m} to {monday + dt.timedelta(days=6):%d/%m/%Y}; "
               "marked draft: true until you remove that line", err=True)
