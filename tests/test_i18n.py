"""UI strings from the catalogues, dates as Vietnamese readers write them, `lang` on every page."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.i18n import DATE_PATTERNS, NUMERIC_PATTERNS, Messages, catalogue
from conftest import SMALL, copy_site

THEME = Path(resources.files("bulletin")) / "theme" / "templates"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_vi_and_en_catalogues_have_the_same_keys_and_placeholders():
    vi, en = catalogue("vi"), catalogue("en")
    assert sorted(vi) == sorted(en)
    for key in vi:
        assert vi[key].strip() and en[key].strip(), key
        assert placeholders(vi[key]) == placeholders(en[key]), key


def test_every_string_the_templates_ask_for_is_in_the_catalogue():
    used = set()
    for path in THEME.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "the theme uses the catalogue"
    assert used - set(catalogue("vi")) == set()


def test_the_catalogue_files_are_valid_utf8_json():
    for lang in ("vi", "en"):
        data = json.loads((Path(resources.files("bulletin")) / "locales" / f"{lang}.json").read_bytes().decode("utf-8"))
        assert all(isinstance(v, str) for v in data.values())


def test_a_missing_key_is_an_error_not_a_silent_blank():
    with pytest.raises(KeyError):
        Messages("vi")("no_such_key")


def test_strings_take_their_values():
    assert Messages("vi")("week_n", week=53, year=2020) == "Tuần 53/2020"
    assert Messages("en")("page_n", n=2) == "Page 2"


@pytest.mark.parametrize("value, style, text", [
    (dt.date(2020, 12, 15), "short", "15/12/2020"),
    (dt.date(2021, 1, 4), "short", "04/01/2021"),
    (dt.date(2020, 12, 15), "long", "Thứ Ba, ngày 15 tháng 12 năm 2020"),
    (dt.date(2021, 1, 4), "long", "Thứ Hai, ngày 4 tháng 1 năm 2021"),
    (dt.date(2020, 12, 19), "long", "Thứ Bảy, ngày 19 tháng 12 năm 2020"),
    (dt.datetime(2020, 12, 21, 8, 30), "short", "21/12/2020"),
])
def test_vietnamese_dates(value, style, text):
    assert Messages("vi").date(value, style) == text


def test_sunday_is_chu_nhat():
    assert Messages("vi").date(dt.date(2020, 12, 20), "long").lower() == "chủ nhật, ngày 20 tháng 12 năm 2020"


def test_english_dates():
    assert Messages("en").date(dt.date(2020, 12, 15)) == "15 Dec 2020"
    assert Messages("en").date(dt.date(2020, 12, 15), "long") == "Tuesday, 15 December 2020"


def test_week_ranges():
    vi = Messages("vi")
    assert vi.week_range(dt.date(2020, 12, 14), dt.date(2020, 12, 20)) == "14/12 – 20/12/2020"
    assert vi.week_range(dt.date(2020, 12, 28), dt.date(2021, 1, 3)) == "28/12/2020 – 03/01/2021"


def _pages(output: Path):
    return sorted(output.rglob("*.html"))


def test_every_page_of_a_vietnamese_site_has_lang_vi(small_site):
    _, output = small_site
    pages = _pages(output)
    assert len(pages) > 50
    for page in pages:
        head = page.read_text(encoding="utf-8")[:300]
        assert '<html lang="vi">' in head, page.relative_to(output)


def test_an_english_site_has_lang_en_and_english_strings(tmp_path, build):
    site = copy_site(SMALL, tmp_path / "en")
    config = site / "bulletin.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('per_page = 2', 'per_page = 2\nlanguage = "en"'),
                      encoding="utf-8")
    output = build(site)
    for page in _pages(output):
        assert '<html lang="en">' in page.read_text(encoding="utf-8")[:300], page.relative_to(output)
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "Latest digests" in home and "Bản tin mới nhất" not in home
    assert "Skip to main content" in home
    digest = (output / "digests/2021/2021-w01/index.html").read_text(encoding="utf-8")
    assert "Sunday, 10 January 2021" in digest
    for vi_string in catalogue("vi").values():
        if "{" not in vi_string and vi_string not in catalogue("en").values():
            assert vi_string not in digest and vi_string not in home, vi_string
    feed = (output / "feed.xml").read_text(encoding="utf-8")
    assert 'xml:lang="en"' in feed


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
       st.sampled_from(sorted(NUMERIC_PATTERNS)), st.sampled_from(["vi", "en"]))
def test_numeric_patterns_format_exactly_as_babel(value, pattern, locale):
    from babel.dates import format_date

    assert NUMERIC_PATTERNS[pattern](value) == format_date(value, pattern, locale=locale)


def test_every_all_numeric_pattern_in_use_takes_the_direct_path():
    def numeric(pattern: str) -> bool:  # only day, month and year numbers, no quoted text
        runs = [m.group() for m in re.finditer(r"([A-Za-z])\1*", pattern)]
        return "'" not in pattern and all(r in ("d", "dd", "M", "MM") or set(r) == {"y"} for r in runs)

    used = {p for styles in DATE_PATTERNS.values() for p in styles.values()}
    assert {p for p in used if numeric(p)} == set(NUMERIC_PATTERNS)


# -- t("key") compiled into the template ----------------------------------------------------

def _renderer_with(tmp_path, templates: dict[str, str]):
    from bulletin.config import load_config
    from bulletin.render import Renderer

    site = copy_site(SMALL, tmp_path / "site")
    (site / "templates").mkdir(exist_ok=True)
    for name, text in templates.items():
        (site / "templates" / name).write_text(text, encoding="utf-8")
    return Renderer(site, load_config(site))


def test_a_literal_message_is_compiled_into_the_template_as_its_text(tmp_path):
    renderer = _renderer_with(tmp_path, {"x.html": '<a title="{{ t("home") }}">{{ t("page_n", n=2) }}</a>'})
    code = renderer.env.compile(renderer.env.loader.get_source(renderer.env, "x.html")[0], "x.html", raw=True)
    assert "Trang chủ" in code  # folded: no call left for it
    assert "'page_n'" in code  # a message with values is still called
    assert renderer.render("x.html", "index.html", {}) == '<a title="Trang chủ">Trang 2</a>'


def test_a_template_that_binds_t_itself_is_compiled_as_written(tmp_path):
    renderer = _renderer_with(tmp_path, {
        "macro.html": '{% macro t(key) %}[{{ key }}]{% endmacro %}{{ t("home") }}',
        "loop.html": '{% for t in ["x"] %}{{ t }}{% endfor %}{{ t("home") }}',
        "set.html": '{% set t = t %}{{ t("home") }}',
        "import.html": '{% import "macro.html" as t %}{{ t is defined }}',
    })
    assert renderer.render("macro.html", "index.html", {}) == "[home]"
    assert renderer.render("loop.html", "index.html", {}) == "xTrang chủ"
    assert renderer.render("set.html", "index.html", {}) == "Trang chủ"
    for name in ("macro.html", "loop.html", "set.html", "import.html"):
        code = renderer.env.compile(renderer.env.loader.get_source(renderer.env, name)[0], name, raw=True)
        assert "Trang chủ" not in code, name


def test_a_missing_message_still_fails_on_its_template_line(tmp_path):
    from bulletin.errors import BuildError

    renderer = _renderer_with(tmp_path, {"x.html": 'one\n{{ t("home") }}\n{{ t("no_such_key") }}\n'})
    with pytest.raises(BuildError) as caught:
        renderer.render("x.html", "index.html", {})
    error = caught.value.errors[0]
    assert error.line == 3 and "no_such_key" in str(error)
