"""Stage 1, load: finding digests, reading them, validating front matter, and
reporting every content error of a build at once (file, line, fix)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bulletin.build import build_site
from bulletin.config import SiteConfig
from bulletin.load import discover, discover_with_stats, load_content, read_digest
from conftest import INVALID, copy_site, digest_md, run_cli, tree, write_files

OK = digest_md("Bản tin", "2020-12-14", "2020-12-20", "Đoạn mở đầu của bản tin.\n\n## Mục một\n\nNội dung.")


def load(root: Path, drafts: bool = False, config: SiteConfig | None = None):
    return load_content(root / "content", config or SiteConfig(issuer="UBND tỉnh"), drafts)


def read(text: str | bytes, name: str = "2020/a.md"):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_digest(Path("content") / name, name, raw, SiteConfig(issuer="UBND tỉnh"))


# -- finding files ----------------------------------------------------------------------

def test_every_md_file_in_any_subfolder_is_a_digest_but_underscore_and_dot_names_are_not(tmp_path):
    write_files(tmp_path, {
        "content/a.md": OK, "content/2020/b.md": OK, "content/2020/sub/c.md": OK,
        "content/_drafts/d.md": "not a digest", "content/2020/_e.md": "x", "content/.hidden/f.md": "x",
        "content/2020/.g.md": "x", "content/2020/notes.txt": "x", "content/2020/h.md~": "x",
    })
    found, warnings = discover(tmp_path / "content")
    assert sorted(p.relative_to(tmp_path / "content").as_posix() for p in found) == [
        "2020/b.md", "2020/sub/c.md", "a.md"]
    assert warnings == []


def _reference_discover(content_dir: Path) -> tuple[list[Path], list[str]]:
    """The walk `discover` replaced (os.walk and Path checks): what it must still find."""
    found, warnings = [], []
    root = content_dir.resolve()
    for folder, dirs, files in os.walk(content_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        for name in sorted(files):
            if name.startswith(("_", ".")) or not name.endswith(".md"):
                continue
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                warnings.append(f"{path}: skipped: a symlink that leads out of {content_dir}")
                continue
            if not path.is_file():
                warnings.append(f"{path}: skipped: not a regular file (a broken symlink, a pipe or a device)")
                continue
            found.append(path)
        for name in list(dirs):
            sub = Path(folder) / name
            if sub.is_symlink() and not sub.resolve().is_relative_to(root):
                warnings.append(f"{sub}: skipped: a symlinked folder that leads out of {content_dir}")
                dirs.remove(name)
    return found, warnings


def test_the_walk_finds_what_the_os_walk_found_with_its_stats(tmp_path):
    write_files(tmp_path, {
        "content/a.md": OK, "content/b/c.md": OK, "content/b/Tuần 51.md": OK, "content/b/d/e.md": OK,
        "content/_nhap/f.md": OK, "content/.an/g.md": OK, "content/b/_h.md": OK, "content/i.txt": "x",
        "content/thu-muc.md/j.md": OK, "outside/k.md": OK, "outside/dir/l.md": OK,
    })
    content = tmp_path / "content"
    (content / "lien-ket-trong.md").symlink_to(content / "a.md")
    (content / "lien-ket-ngoai.md").symlink_to(tmp_path / "outside" / "k.md")
    (content / "gay.md").symlink_to(content / "khong-co.md")
    (content / "thu-muc-trong").symlink_to(content / "b", target_is_directory=True)
    (content / "thu-muc-ngoai").symlink_to(tmp_path / "outside" / "dir", target_is_directory=True)
    os.mkfifo(content / "ong.md")
    found, warnings = discover_with_stats(content)
    expected, expected_warnings = _reference_discover(content)
    assert [path for path, _, _ in found] == expected and warnings == expected_warnings
    assert len(expected) == 6 and len(warnings) == 4, (expected, warnings)
    for path, rel, stat in found:
        assert rel == path.relative_to(content).as_posix()
        assert (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (path.stat().st_size, path.stat().st_mtime_ns,
                                                                 path.stat().st_ino)


def test_urls_follow_the_content_folders_and_the_file_name(tmp_path):
    write_files(tmp_path, {"content/2020/2020-w51.md": OK,
                           "content/Lạng Sơn/Tuần 51.md": digest_md("X", "2020-12-14", "2020-12-20"),
                           "content/2021/a.md": digest_md("Y", "2021-01-04", "2021-01-10", slug='"Tuần một"')})
    result = load(tmp_path)
    assert not result.errors
    assert sorted(d.url for d in result.digests) == [
        "digests/2020/2020-w51/index.html", "digests/2021/tuan-mot/index.html",
        "digests/lang-son/tuan-51/index.html"]


# -- reading ------------------------------------------------------------------------------

def test_front_matter_is_typed_and_defaults_are_filled():
    digest, errors = read(OK)
    assert errors == []
    assert digest.title == "Bản tin"
    assert digest.week_start == dt.date(2020, 12, 14) and digest.week_end == dt.date(2020, 12, 20)
    assert digest.published == dt.date(2020, 12, 20), "published defaults to week_end"
    assert digest.issuer == "UBND tỉnh", "issuer defaults to bulletin.toml's"
    assert digest.draft is False and digest.topics == () and digest.extra == {}
    assert digest.body.lstrip().startswith("Đoạn mở đầu")


def test_optional_keys_and_unknown_keys_are_kept():
    text = digest_md("T", "2020-12-14", "2020-12-20", "x", published="2020-12-21T08:30:00", issuer="Sở Y tế",
                     author="Hoàng Tùng", summary='"Tóm tắt."', topics='["Đất đai", "Y tế"]',
                     source='"Cổng thông tin"', so_thu_tu=7, nguoi_duyet="[A, B]")
    digest, errors = read(text)
    assert errors == []
    assert digest.published == dt.datetime(2020, 12, 21, 8, 30)
    assert (digest.issuer, digest.author, digest.summary) == ("Sở Y tế", "Hoàng Tùng", "Tóm tắt.")
    assert digest.topics == ("Đất đai", "Y tế")
    assert digest.extra == {"source": "Cổng thông tin", "so_thu_tu": 7, "nguoi_duyet": ["A", "B"]}


def test_front_matter_decisions_need_a_ref_and_may_have_a_date_and_title():
    text = digest_md("T", "2020-12-14", "2020-12-20", "x",
                     decisions='\n  - {ref: "2610/QĐ-UBND", date: 2020-12-15, title: "Phê duyệt"}\n  - "199/KH-UBND"')
    digest, errors = read(text)
    assert errors == []
    assert [(r.ref, r.date, r.title) for r in digest.decision_refs] == [
        ("2610/QĐ-UBND", dt.date(2020, 12, 15), "Phê duyệt"), ("199/KH-UBND", None, None)]
    _, errors = read(digest_md("T", "2020-12-14", "2020-12-20", "x", decisions='[{date: 2020-12-15}]'))
    assert len(errors) == 1 and "ref" in errors[0].message and errors[0].line == 5


def test_a_bom_crlf_line_ends_and_decomposed_unicode_are_accepted():
    text = "\ufeff" + OK.replace("\n", "\r\n")
    digest, errors = read(text.encode("utf-8"))
    assert errors == []
    assert digest.title == "Bản tin" and "\r" not in digest.body
    import unicodedata
    digest, _ = read(unicodedata.normalize("NFD", OK))
    assert digest.title == "Bản tin", "text is normalised to NFC, so spellings compare equal"


def test_week_end_may_be_31_days_after_week_start_but_not_32():
    assert read(digest_md("T", "2020-12-01", "2021-01-01"))[1] == []
    errors = read(digest_md("T", "2020-12-01", "2021-01-02"))[1]
    assert len(errors) == 1 and errors[0].line == 4 and "31" in errors[0].message
    assert read(digest_md("T", "2020-12-14", "2020-12-14"))[1] == [], "a one-day digest is fine"


def test_drafts_are_left_out_unless_asked_for(tmp_path):
    write_files(tmp_path, {"content/a.md": OK,
                           "content/b.md": digest_md("Nháp", "2020-12-21", "2020-12-27", "x", draft="true")})
    assert [d.title for d in load(tmp_path).digests] == ["Bản tin"]
    assert sorted(d.title for d in load(tmp_path, drafts=True).digests) == ["Bản tin", "Nháp"]


# -- errors -----------------------------------------------------------------------------------

ERRORS = [
    # (file content, line, words the message must hold)
    ("---\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\n", 2, ["title", "missing"]),
    ("---\ntitle: A\nweek_end: 2020-12-20\n---\nx\n", 2, ["week_start", "missing"]),
    ("---\ntitle: A\nweek_start: 14/12/2020\nweek_end: 2020-12-20\n---\nx\n", 3, ["YYYY-MM-DD", "14/12/2020"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\nweek_end: 2020-12-07\n---\nx\n", 4, ["before"]),
    ("---\ntitle: A\nweek_start: 2020-11-01\nweek_end: 2020-12-20\n---\nx\n", 4, ["31"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\n\tweek_end: 2020-12-20\n---\nx\n", 4, ["YAML", "tab"]),
    # a quote, `[` or `{` left open: the line that opened it, not the one where YAML noticed
    ("---\ntitle: [unclosed\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\n", 2,
     ["YAML", "`[` opened here is not closed", "noticed on line 3", "`]`"]),
    ("---\ntitle: \"Bản tin\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\n", 2,
     ["quote mark opened here is not closed", "noticed on line 5"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\nweek_end: 2020-12-20\nextra: {a: 1\n---\nx\n", 5,
     ["`{` opened here", "`}`"]),
    ("---\ntitle: \"C:\\phong ban\"\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\n", 2,
     ["escape", "single quotes"]),
    ("---\ntitle: \"Chỉ đạo\nweek_start: 2020-12-14\nweek_end: 2020-12-20\ndecisions:\n  - ref: \"2610/QĐ-UBND\"\n---\nx\n",
     2, ["quote mark opened here", "noticed on line 6"]),  # YAML reads on to the next quote mark
    ("# Không có front matter\n\nx\n", 1, ["front matter"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\nweek_end: 2020-12-20\nx\n", 1, ["front matter", "---"]),
    ("---\n- a\n- b\n---\nx\n", 2, ["key"]),
    ("---\ntitle: [A, B]\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\n", 2, ["title"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\nweek_end: 2020-12-20\ndraft: maybe\n---\nx\n", 5, ["draft"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\nweek_end: 2020-12-20\ntopics: {a: 1}\n---\nx\n", 5, ["topics"]),
    (b"---\ntitle: \"Sai m\xe3 h\xf3a\"\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n", 2,
     ["UTF-8", "byte offset 17"]),
    ("---\ntitle: A\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\x00y\n", 6, ["NUL"]),
]


@pytest.mark.parametrize("text, line, words", ERRORS, ids=[f"error{i}" for i in range(len(ERRORS))])
def test_each_content_error_names_the_file_the_line_and_a_fix(text, line, words):
    digest, errors = read(text)
    assert digest is None and len(errors) >= 1
    error = errors[0]
    assert Path(error.path).name == "a.md"
    if line is not None:
        assert error.line == line, error.format()
    else:
        assert error.line is not None, "a YAML error gives its line"
    for word in words:
        assert word.lower() in error.format().lower(), error.format()
    assert error.hint, "every error says what to do"


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters='"\\'),
                               max_size=30), min_size=2, max_size=8),
       broken=st.integers(min_value=0), single=st.booleans())
def test_a_quote_left_open_is_reported_on_its_own_line(values, broken, single):
    """Whatever the values, and wherever YAML notices it, a value whose closing quote was
    forgotten is the line reported (when YAML cannot read the front matter at all)."""
    quote = "'" if single else '"'
    escape = (lambda v: v.replace("'", "''")) if single else (lambda v: v)
    broken %= len(values)
    rows = [f"k{n}: {quote}{escape(v)}{quote if n != broken else ''}" for n, v in enumerate(values)]
    text = "---\n" + "\n".join(rows) + "\n---\nx\n"
    digest, errors = read(text)
    yaml_errors = [e for e in errors if "not valid YAML" in e.message]
    assume(yaml_errors)  # the open quote may pair with a later one into valid YAML
    assert yaml_errors[0].line == broken + 2, yaml_errors[0].format()


def test_two_digests_on_the_same_url_name_both_files(tmp_path):
    write_files(tmp_path, {"content/2021/a.md": digest_md("A", "2021-01-04", "2021-01-10", slug="b"),
                           "content/2021/b.md": digest_md("B", "2021-01-04", "2021-01-10")})
    errors = load(tmp_path).errors
    assert len(errors) == 1
    text = errors[0].format()
    assert "a.md" in text and "b.md" in text and "digests/2021/b/index.html" in text


def test_several_errors_in_one_file_are_all_reported():
    digest, errors = read("---\nweek_start: 14/12/2020\nweek_end: 20/12/2020\ndraft: 1\n---\nx\n")
    assert digest is None
    messages = " | ".join(e.message for e in errors)
    assert len(errors) == 4, messages  # title, week_start, week_end, draft
    assert sorted(e.line for e in errors) == [2, 2, 3, 4]


# -- the invalid fixture site, through the real command ----------------------------------------

EXPECTED_ERRORS = {
    # file: (line or None, what the message says)
    "content/2020/thieu-tieu-de.md": (2, "`title` is missing"),
    "content/2020/ngay-sai-dinh-dang.md": (3, "YYYY-MM-DD"),
    "content/2020/ket-thuc-truoc-bat-dau.md": (4, "before week_start"),
    "content/2020/qua-31-ngay.md": (4, "at most 31"),
    "content/2020/yaml-co-tab.md": (4, "tab"),
    "content/2020/khong-front-matter.md": (1, "no front matter"),
    "content/2020/sai-ma-hoa.md": (2, "byte offset 17"),
    "content/2021/tuan-01.md": (None, "trung-lap.md would both be written to digests/2021/trung-lap/index.html"),
}


def test_the_invalid_site_reports_every_error_in_one_build_and_leaves_the_previous_site(tmp_path):
    site = copy_site(INVALID, tmp_path / "invalid")
    broken = [site / rel for rel in EXPECTED_ERRORS]
    for path in broken:  # hide the broken files ("_" names are ignored) and build a good site first
        path.rename(path.with_name("_" + path.name))
    build_site(site, workers=1)  # the previous, good site (with its build state, as the command keeps it)
    before = tree(site / "site")
    assert "index.html" in before
    for path in broken:
        path.with_name("_" + path.name).rename(path)

    result = run_cli("build", "--source", str(site))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    reported = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(reported) == len(EXPECTED_ERRORS), result.stderr
    for rel, (line, words) in EXPECTED_ERRORS.items():
        where = str(site / rel) + (f":{line}:" if line else ":")
        hits = [r for r in reported if r.startswith(where)]
        assert hits, f"{rel}{':' + str(line) if line else ''} not reported:\n{result.stderr}"
        assert words in hits[0], hits[0]
    assert "hop-le.md" not in result.stderr
    assert result.stderr.count("fix:") == len(EXPECTED_ERRORS)
    assert re.search(r"8 errors", result.stderr)
    assert tree(site / "site") == before, "a failed build changed the previous site"
    assert not list(tmp_path.glob("invalid/.site*")), "no staging folder left behind"


def test_a_failed_first_build_writes_no_site_at_all(tmp_path):
    site = copy_site(INVALID, tmp_path / "invalid")
    result = run_cli("build", "--source", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not (site / "site").exists()
