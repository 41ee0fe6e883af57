"""Bad input: every error of a build reported at once, with file, line and fix;
exit status 1, no traceback, and the previous site left exactly as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_files as write

GOOD = "---\ntitle: Tốt\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n\n## Mục {topics=\"Y tế\"}\n\nVăn bản số 1/QĐ-UBND.\n"
BROKEN = {
    "content/2020/a.md": ("---\ntitle: A\nweek_start: 14/12/2020\nweek_end: 2020-12-20\n---\nx\n",
                          "a.md:3", "YYYY-MM-DD"),
    "content/2020/b.md": ("---\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\nx\n", "b.md", "`title`"),
    "content/2020/c.md": ("---\ntitle: C\n\tweek_start: 2020-12-14\n---\n", "c.md:3", "tab"),
    "content/2020/d.md": ("no front matter\n", "d.md:1", "no front matter"),
    "content/2020/e.md": (b"---\ntitle: \"E \xff\"\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n",
                          "e.md:2", "byte offset 14"),
    "content/2020/f.md": ("---\ntitle: F\nweek_start: 2020-12-14\nweek_end: 2021-02-20\n---\n", "f.md:4",
                          "at most 31"),
    "content/2020/h.md": ("---\ntitle: H\nweek_start: 2020-12-14\nweek_end: 2020-12-01\n---\n", "h.md:4",
                          "before week_start"),
    "content/2020/i.md": ("---\ntitle: [unclosed\nweek_start: 2020-12-14\n---\n", "i.md", "not valid YAML"),
    "content/2021/w01.md": ("---\ntitle: W\nweek_start: 2021-01-04\nweek_end: 2021-01-10\n---\n", "W01.md",
                            "w01.md"),
    "content/2021/W01.md": ("---\ntitle: W\nweek_start: 2021-01-04\nweek_end: 2021-01-10\n---\n", "W01.md",
                            "would both be written"),
}



def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bulletin", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture()
def built_site(tmp_path):
    write(tmp_path, {"content/2020/ok.md": GOOD})
    result = run("build", "--source", str(tmp_path))
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_one_build_reports_every_error_with_file_line_and_fix(built_site):
    before = snapshot(built_site / "site")
    write(built_site, {name: content for name, (content, _, _) in BROKEN.items()})
    result = run("build", "--source", str(built_site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for name, (_, where, what) in BROKEN.items():
        assert where in result.stderr and what in result.stderr, f"{name}: {where} / {what} not reported"
    assert result.stderr.count("fix:") >= len(BROKEN) - 1
    assert "nothing was written" in result.stderr
    assert snapshot(built_site / "site") == before, "a failed build changed the previous site"


def test_a_template_error_names_the_template_and_leaves_the_site(built_site):
    before = snapshot(built_site / "site")
    write(built_site, {"templates/digest.html": "{% extends 'base.html' %}{% block content %}{{ digest.nope() }}"
                                                "{% endblock %}",
                       "templates/decision.html": "{% if %}"})
    result = run("build", "--source", str(built_site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "decision.html:1" in result.stderr
    assert snapshot(built_site / "site") == before


@pytest.mark.parametrize("expression, error", [('digest.title + 1', "TypeError"), ("1 // 0", "ZeroDivisionError"),
                                               ("digest.title.no_such_method()", "has no attribute")])
def test_a_template_that_fails_as_python_is_an_error_with_its_line_not_a_traceback(built_site, expression, error):
    """Templates are input too: `{{ digest.title + 1 }}` raises a TypeError inside Jinja."""
    before = snapshot(built_site / "site")
    write(built_site, {"templates/digest.html": "{% extends 'base.html' %}\n{% block content %}\n"
                                                f"{{{{ {expression} }}}}\n{{% endblock %}}"})
    result = run("build", "--source", str(built_site))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "digest.html:3: error: template error: " in result.stderr and error in result.stderr, result.stderr
    assert "while rendering " in result.stderr and "ok.md" in result.stderr
    assert snapshot(built_site / "site") == before


def test_usage_errors_exit_2(tmp_path):
    assert run("build", "--source", str(tmp_path)).returncode == 2  # no content/
    write(tmp_path, {"content/2020/ok.md": GOOD})
    result = run("build", "--source", str(tmp_path), "--output", str(tmp_path))
    assert result.returncode == 2 and "refusing" in result.stderr


def test_an_output_folder_with_foreign_files_is_refused_unless_forced(tmp_path):
    write(tmp_path, {"content/2020/ok.md": GOOD, "site/notes.txt": "mine"})
    refused = run("build", "--source", str(tmp_path))
    assert refused.returncode == 2 and "notes.txt" in refused.stderr
    forced = run("build", "--source", str(tmp_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "site" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "site" / "index.html").exists()


def test_check_reports_broken_links_without_touching_the_site(built_site):
    before = snapshot(built_site / "site")
    assert run("check", "--source", str(built_site)).returncode == 0
    write(built_site, {"templates/partials/site_footer.html": '<a href="{{ root }}khong-co.html">x</a>'})
    result = run("check", "--source", str(built_site))
    assert result.returncode == 1 and "khong-co.html" in result.stderr
    assert snapshot(built_site / "site") == before
