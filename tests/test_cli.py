"""The real entry points, in subprocesses: `python build.py`, `bulletin build`, `bulletin check`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from bulletin.build import build_site
from conftest import INVALID, REPO, SMALL, copy_site, digest_md, run_cli, tree, write_files


def sample_copy(tmp_path):
    """The repository's sample site (with its build.py), copied."""
    site = tmp_path / "sample"
    site.mkdir()
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name)
    for name in ("bulletin.toml", "build.py"):
        shutil.copy2(REPO / name, site / name)
    return site


def test_python_build_py_builds_content_into_site(tmp_path):
    site = sample_copy(tmp_path)
    result = run_cli(script="build.py", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (site / "site/index.html").is_file()
    assert (site / "site/digests/2020/2020-w51/index.html").is_file()
    assert (site / "site/data/decisions.json").is_file()
    assert "templates" not in {p.name for p in (site / "site").iterdir()}
    footer = (site / "site/index.html").read_text(encoding="utf-8")
    assert "Văn phòng UBND tỉnh Lạng Sơn tổng hợp" in footer, "the site's templates/ override the theme"


def test_python_build_py_passes_its_options_on(tmp_path):
    site = sample_copy(tmp_path)
    result = run_cli("--base-url", "https://example.gov.vn/", "--output", str(tmp_path / "out"),
                     script="build.py", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out/sitemap.xml").is_file() and not (site / "site").exists()


def test_bulletin_build_with_source_and_output(tmp_path):
    site = copy_site(SMALL, tmp_path / "small")
    output = tmp_path / "public" / "ban-tin"
    result = run_cli("build", "--source", str(site), "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "4 digests" in result.stdout
    assert (output / "index.html").is_file() and not (site / "site").exists()


def test_bulletin_build_defaults_to_the_current_folder(tmp_path):
    site = copy_site(SMALL, tmp_path / "small")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (site / "site/index.html").is_file()


def test_drafts_only_with_drafts(tmp_path, small_site):
    assert not (small_site[1] / "digests/2021/2021-w02").exists()
    site = copy_site(SMALL, tmp_path / "small")
    result = run_cli("build", "--source", str(site), "--drafts", "--output", str(tmp_path / "with-drafts"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "with-drafts/digests/2021/2021-w02/index.html").is_file()
    assert (tmp_path / "with-drafts/topics/ban-nhap/index.html").is_file()


def test_clean_rebuild_gives_the_same_site(tmp_path):
    site = copy_site(SMALL, tmp_path / "small")
    build_site(site, workers=1)  # with its build state, as the command keeps it
    before = tree(site / "site")
    result = run_cli("build", "--source", str(site), "--clean")
    assert result.returncode == 0, result.stderr
    assert tree(site / "site") == before


def test_content_errors_exit_1_and_list_every_error(tmp_path):
    site = copy_site(INVALID, tmp_path / "invalid")
    result = run_cli("build", "--source", str(site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count(": error: ") == 8
    for name in ("thieu-tieu-de.md:2", "ngay-sai-dinh-dang.md:3", "ket-thuc-truoc-bat-dau.md:4", "qua-31-ngay.md:4",
                 "yaml-co-tab.md:4", "khong-front-matter.md:1", "sai-ma-hoa.md:2", "tuan-01.md"):
        assert name in result.stderr, name
    assert not (site / "site").exists()


def test_python_build_py_reports_content_errors_the_same_way(tmp_path):
    site = copy_site(INVALID, tmp_path / "invalid")
    shutil.copy2(REPO / "build.py", site / "build.py")
    result = run_cli(script="build.py", cwd=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count(": error: ") == 8


def test_usage_error_no_content_folder_exits_2(tmp_path):
    result = run_cli("build", "--source", str(tmp_path))
    assert result.returncode == 2
    assert "content/" in result.stderr and "Traceback" not in result.stderr


def test_usage_error_output_equal_to_the_source_exits_2(tmp_path):
    site = copy_site(SMALL, tmp_path / "small")
    before = tree(site)
    result = run_cli("build", "--source", str(site), "--output", str(site))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert tree(site) == before, "nothing was written into the sources"


def test_usage_error_output_inside_content_exits_2(tmp_path):
    site = copy_site(SMALL, tmp_path / "small")
    result = run_cli("build", "--source", str(site), "--output", str(site / "content" / "out"))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_unknown_options_are_usage_errors(tmp_path):
    result = run_cli("build", "--no-such-option")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_help_and_version():
    result = run_cli("--help")
    assert result.returncode == 0 and "build" in result.stdout and "check" in result.stdout
    assert run_cli("--version").returncode == 0


def test_check_exits_0_on_the_sample_site_and_writes_nothing(tmp_path):
    site = sample_copy(tmp_path)
    before = tree(site)
    result = run_cli("check", "--source", str(site))
    assert result.returncode == 0, result.stderr
    assert not (site / "site").exists()
    assert {k: v for k, v in tree(site).items() if not k.startswith(".bulletin/")} == before


def test_check_exits_1_with_a_broken_link_from_a_template_override(tmp_path):
    site = sample_copy(tmp_path)
    build_site(site, workers=1)
    before = tree(site / "site")
    footer = (site / "templates/partials/site_footer.html").read_text(encoding="utf-8")
    write_files(site, {"templates/partials/site_footer.html": footer.replace(
        "</footer>", '<a href="{{ root }}gioi-thieu/index.html">Giới thiệu</a> <a href="/feed.xml">x</a></footer>')})
    result = run_cli("check", "--source", str(site))
    assert result.returncode == 1
    assert "gioi-thieu/index.html" in result.stderr and "no such file" in result.stderr
    assert "root-absolute" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(site / "site") == before, "check does not touch the site"


def test_check_exits_1_on_content_errors(tmp_path):
    site = copy_site(INVALID, tmp_path / "invalid")
    result = run_cli("check", "--source", str(site))
    assert result.returncode == 1 and result.stderr.count(": error: ") == 8
    assert "Traceback" not in result.stderr


def test_check_without_content_is_a_usage_error(tmp_path):
    assert run_cli("check", "--source", str(tmp_path)).returncode == 2


def test_a_one_digest_site_without_bulletin_toml_builds(tmp_path):
    write_files(tmp_path, {"content/w51.md": digest_md("Một bản tin", "2020-12-14", "2020-12-20",
                                                       "## Mục\n\nKế hoạch số 199/KH-UBND.")})
    result = run_cli("build", "--source", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site/decisions/2020/kh-ubnd-199-2020.html").is_file()


@pytest.mark.parametrize("entry", ["script", "module", "build.py"])
def test_every_entry_point_prints_its_summary_and_exit_status_through_a_pipe(tmp_path, entry):
    """The entry points end with os._exit (cli.run): what they printed must still reach a pipe,
    and the exit status must be the command's."""
    site = sample_copy(tmp_path)
    if entry == "script":
        result = run_cli("build", "--source", str(site))
    elif entry == "module":
        result = subprocess.run([sys.executable, "-m", "bulletin", "build", "--source", str(site)], capture_output=True,
                                text=True, encoding="utf-8", env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=120)
    else:
        result = run_cli(script="build.py", cwd=site)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\d+ digests: \d+ files written, .* s\)$", result.stdout.strip()), result.stdout
    (site / "content" / "2020" / "2020-w51.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    broken = run_cli(script="build.py", cwd=site) if entry == "build.py" else run_cli("build", "--source", str(site))
    assert broken.returncode == 1 and "2020-w51.md" in broken.stderr and broken.stdout == ""
    assert run_cli("build", "--source", str(tmp_path / "nowhere")).returncode == 2


def test_a_static_file_that_takes_a_generated_pages_place_wins_with_a_warning(tmp_path):
    """A hand-made 404.html is allowed; a static/index.html made by mistake is not silent.
    Replacing a theme asset (static/assets/…) is theming, and says nothing."""
    site = copy_site(SMALL, tmp_path / "small")
    write_files(site, {"static/404.html": "<p>Không tìm thấy</p>", "static/assets/style.css": "body{}",
                       "static/robots.txt": "User-agent: *"})
    result = run_cli("build", "--source", str(site))
    assert result.returncode == 0, result.stderr
    warned = re.findall(r"^warning: static/(\S+) takes the place of", result.stderr, re.M)
    assert warned == ["404.html"], result.stderr
    assert (site / "site/404.html").read_text(encoding="utf-8") == "<p>Không tìm thấy</p>"
    assert (site / "site/assets/style.css").read_text(encoding="utf-8") == "body{}"
    assert (site / "site/robots.txt").is_file()
