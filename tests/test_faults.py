"""Fault injection at every stage of a build (issue 5, "Atomic output").

Each fault is injected into a build that takes a site from version A to version B
(one digest edited, one removed, one added, a static file added):

- a content error and a template error (the build stops before writing),
- an `OSError` while staging the Nth file (disk full),
- an `OSError` from `os.replace` part-way through applying the commit,
- an error saving the build state after the commit,
- the disk filling up under the real command (RLIMIT_FSIZE),
- the real command killed with SIGKILL at random moments on a 300-digest corpus.

After each fault the output is compared byte for byte with clean builds of A and B
(the previous site must be intact), then the next normal build must succeed and
equal a clean build. `pytest -s` prints how many faults were injected and how many
files were compared.
"""

from __future__ import annotations

import errno
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import MemoryBytecodeCache

import bulletin.render
from bulletin.build import build_site
from bulletin.errors import BuildError
from bulletin.state import BuildState
from bulletin.write import OutputWriter

REPO = Path(__file__).resolve().parent.parent
GEN_CORPUS = next((p for p in (REPO.parent / "shared" / "bench" / "gen_corpus.py",
                               Path("/work/shared/bench/gen_corpus.py")) if p.exists()), None)

# previous: outputs checked right after a fault (files of the previous site; lost = missing or
# changed ones); next: outputs of the next normal build checked against a clean build.
STATS = {"faults": 0, "kills": 0, "previous": 0, "previous_files": 0, "lost": 0, "next": 0, "next_files": 0}


@pytest.fixture(scope="module", autouse=True)
def fault_report():
    yield
    print(f"\n[test_faults] {STATS['faults']} faults injected ({STATS['kills']} of them SIGKILLs); "
          f"{STATS['previous']} outputs checked right after a fault ({STATS['previous_files']} files): "
          f"{STATS['lost']} files lost or damaged; {STATS['next']} next builds equal to a clean build "
          f"({STATS['next_files']} files)")


@pytest.fixture(scope="module", autouse=True)
def compiled_templates_once():
    """Speed only: the in-process builds share compiled templates (Jinja's bytecode cache,
    checked against each template's source, so an edited template is compiled again)."""
    caches: dict[str, MemoryBytecodeCache] = {}  # per language: the UI strings are compiled in (render.py)
    original_init = bulletin.render.Renderer.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.env.bytecode_cache = caches.setdefault(self.messages.language, MemoryBytecodeCache())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulletin.render.Renderer, "__init__", init)
        yield


# -- the two versions of a small site ---------------------------------------------------

def digest(title: str, start: str, end: str, body: str) -> str:
    return f'---\ntitle: "{title}"\nweek_start: {start}\nweek_end: {end}\n---\n\n{body}'


COMMON = {
    "bulletin.toml": 'title = "Thử nghiệm"\nper_page = 2\nitems_per_page = 2\n',
    "static/robots.txt": "User-agent: *\n",
    "content/2021/2021-w01.md": digest(
        "Bản tin tuần 1 năm 2021", "2021-01-04", "2021-01-10",
        "Mở đầu tuần.\n\n## Kế hoạch phòng chống dịch {topics=\"Y tế\"}\n\n"
        "Thực hiện Chỉ thị số 16/CT-TTg, UBND tỉnh ban hành Kế hoạch số 5/KH-UBND ngày 05/01/2021.\n"),
}
VERSION_A = {
    **COMMON,
    "content/2020/2020-w50.md": digest(
        "Bản tin tuần 50", "2020-12-07", "2020-12-13",
        "Tuần này.\n\n## Phê duyệt phương án sử dụng đất {topics=\"Đất đai\"}\n\n"
        "UBND tỉnh vừa phê duyệt (số 2601/QĐ-UBND ngày 08/12/2020) phương án.\n"),
    "content/2020/2020-w51.md": digest(
        "Bản tin tuần 51", "2020-12-14", "2020-12-20",
        "Lead.\n\n## Công nhận trường đạt chuẩn {topics=\"Giáo dục\"}\n\n"
        "Quyết định số 2610/QĐ-UBND ngày 15/12/2020 công nhận trường.\n\n"
        "## Giao thông nông thôn {topics=\"Giao thông, Nông nghiệp\"}\n\nKế hoạch số 199/KH-UBND.\n"),
}
VERSION_B = {
    **COMMON,
    "static/extra.txt": "new static file\n",
    "content/2020/2020-w51.md": digest(
        "Bản tin tuần 51 (sửa)", "2020-12-14", "2020-12-20",
        "Lead mới.\n\n## Công nhận trường đạt chuẩn quốc gia {topics=\"Giáo dục\"}\n\n"
        "Quyết định số 2611/QĐ-UBND ngày 16/12/2020 công nhận trường.\n"),
    "content/2021/2021-w02.md": digest(
        "Bản tin tuần 2 năm 2021", "2021-01-11", "2021-01-17",
        "## Hỗ trợ doanh nghiệp {topics=\"Doanh nghiệp\"}\n\nTheo Nghị quyết số 12/NQ-HĐND ngày 12/01/2021.\n"),
}
VERSIONS = {"A": VERSION_A, "B": VERSION_B}
_MTIME = [time.time_ns()]


def set_version(root: Path, version: str, extra: dict[str, str] | None = None) -> None:
    """Make the site's sources exactly `version` (plus `extra` files), with fresh mtimes."""
    files = {**VERSIONS[version], **(extra or {})}
    for folder in ("content", "static", "templates"):
        if (root / folder).is_dir():
            for path in sorted((root / folder).rglob("*"), reverse=True):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and rel not in files:
                    path.unlink()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            _MTIME[0] += 10_000_000  # distinct mtimes even on coarse filesystems
            os.utime(path, ns=(_MTIME[0], _MTIME[0]))
    (root / "content").mkdir(exist_ok=True)


def tree(folder: Path) -> dict[str, bytes]:
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def difference(actual: dict[str, bytes], expected: dict[str, bytes]) -> str:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(k for k in set(actual) & set(expected) if actual[k] != expected[k])
    return (f"{len(missing)} missing {missing[:4]}, {len(extra)} extra {extra[:4]}, "
            f"{len(changed)} changed {changed[:4]}")


def check_output(output: Path, expected: dict[str, bytes], what: str, after_fault: bool = False) -> None:
    """The output is exactly `expected` (byte for byte, no file more or less)."""
    actual = tree(output)
    assert actual == expected, f"{what}: {difference(actual, expected)}"
    kind = "previous" if after_fault else "next"
    STATS[kind] += 1
    STATS[f"{kind}_files"] += len(expected)


def check_previous(output: Path, expected: dict[str, bytes], what: str) -> None:
    """Right after a fault: the site is still exactly `expected`; damage is counted before failing."""
    actual = tree(output)
    STATS["lost"] += sum(1 for k, v in expected.items() if actual.get(k) != v) + len(set(actual) - set(expected))
    check_output(output, expected, what, after_fault=True)


def no_leftovers(root: Path) -> None:
    assert not list(root.glob(".site.bulletin-*")), "a staging folder was left beside the output"
    assert not list((root / ".bulletin").glob("journal-*.json")), "a journal was left behind"


def build(root: Path, **options):
    options.setdefault("workers", 1)
    return build_site(root, **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Clean builds of each version (no state, fresh output): what every build must equal."""
    refs = {}
    for version in VERSIONS:
        root = tmp_path_factory.mktemp(f"ref{version}")
        set_version(root, version)
        build(root, state=False)
        refs[version] = tree(root / "site")
    assert refs["A"] != refs["B"]
    return refs


@pytest.fixture()
def site_a(tmp_path, reference) -> Path:
    """A site built at version A with its build state, as a publisher's would be."""
    root = tmp_path / "src"
    root.mkdir()
    set_version(root, "A")
    build(root)
    check_output(root / "site", reference["A"], "first build of A")
    return root


def recovers(root: Path, reference, version: str = "B") -> None:
    """The next normal build succeeds and equals a clean build of `version`."""
    set_version(root, version)
    build(root)
    check_output(root / "site", reference[version], f"next build of {version} after the fault")
    no_leftovers(root)


# -- a content error, a template error -------------------------------------------------------

BAD_CONTENT = {
    "yaml": "---\ntitle: [unclosed\nweek_start: 2020-12-21\n---\n",
    "date": "---\ntitle: X\nweek_start: 21/12/2020\nweek_end: 2020-12-27\n---\n",
    "nul": "---\ntitle: X\nweek_start: 2020-12-21\nweek_end: 2020-12-27\n---\nbody\x00\n",
    "control": "---\ntitle: X\nweek_start: 2020-12-21\nweek_end: 2020-12-27\n---\nbody\x0b\n",
    "no-front-matter": "just text\n",
    "collision": "---\ntitle: X\nweek_start: 2020-12-21\nweek_end: 2020-12-27\nslug: 2020-w51\n---\n",
    "deep": "---\ntitle: X\nweek_start: 2020-12-21\nweek_end: 2020-12-27\n---\n" + "- " * 300 + "x\n",
}


def test_content_errors_leave_the_previous_site(site_a, reference):
    """All the bad files at once, then fixed one by one: every build fails, naming each of
    them, and leaves site A as it was; once the last is fixed, the build gives B."""
    bad = {f"content/2020/bad-{kind}.md": text for kind, text in BAD_CONTENT.items()}
    while bad:
        set_version(site_a, "B", bad)
        STATS["faults"] += 1
        with pytest.raises(BuildError) as caught:
            build(site_a)
        named = {Path(e.path).name for e in caught.value.errors}
        assert {Path(name).name for name in bad} <= named, caught.value.report()
        assert named <= {Path(name).name for name in bad} | {"2020-w51.md"}, caught.value.report()
        check_previous(site_a / "site", reference["A"], f"after content errors in {sorted(bad)}")
        no_leftovers(site_a)
        bad.pop(sorted(bad)[0])
    recovers(site_a, reference)


BAD_TEMPLATES = {
    # compile time: caught before anything renders
    "syntax": ("digest.html", "{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}", "digest.html"),
    # render time, on some pages only, after others were staged
    "runtime": ("topic.html", "{% extends 'base.html' %}\n{% block content %}\n{{ topic.no_such() }}\n"
                              "{% endblock %}", "topic.html:3"),
    "digest": ("digest.html", "{% extends 'base.html' %}{% block content %}{{ digest.nope() }}{% endblock %}",
               "digest.html"),
    "python": ("decision.html", "{% extends 'base.html' %}\n{% block content %}\n{{ decision.year + 'x' }}\n"
                                "{% endblock %}", "decision.html:3"),
    "include": ("archive.html", "{% extends 'base.html' %}{% block content %}{% include 'nope.html' %}"
                                "{% endblock %}", "nope.html"),
}


def test_template_errors_leave_the_previous_site(site_a, reference):
    for kind, (name, text, named) in sorted(BAD_TEMPLATES.items()):
        set_version(site_a, "B", {f"templates/{name}": text})
        STATS["faults"] += 1
        with pytest.raises(BuildError) as caught:
            build(site_a)
        report = caught.value.report()
        assert named in report, report
        if kind == "digest":  # names the digest being rendered
            assert "while rendering " in report and ".md" in report, report
        check_previous(site_a / "site", reference["A"], f"after a template error ({kind})")
        no_leftovers(site_a)
    recovers(site_a, reference)


# -- OSError while staging, while applying, while saving the state ---------------------------

def throwaway_copy(root: Path) -> Path:
    """A copy of the site whose build state follows it (the state is named after the output)."""
    copy = root.parent / "count"
    shutil.copytree(root, copy, symlinks=True)
    old_key = OutputWriter(root, root / "site").state_key
    new_key = OutputWriter(copy, copy / "site").state_key
    for path in (copy / ".bulletin").glob(f"state-{old_key}.sqlite*"):
        path.rename(path.with_name(path.name.replace(old_key, new_key)))
    return copy


def count_calls(root: Path, target, name: str) -> int:
    """How often a normal A -> B build calls `target.name` (on a throwaway copy)."""
    copy = throwaway_copy(root)
    calls = [0]
    original = getattr(target, name)

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(target, name, counting)
        set_version(copy, "B")
        build(copy)
    shutil.rmtree(copy)
    return calls[0]


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device (injected)")


def fail_staging(root: Path, monkeypatch, fail_at: int) -> None:
    original = OutputWriter.stage
    calls = [0]

    def stage(self, rel, data):
        calls[0] += 1
        if calls[0] == fail_at:
            disk_full()
        return original(self, rel, data)

    monkeypatch.setattr(OutputWriter, "stage", stage)
    set_version(root, "B")
    STATS["faults"] += 1
    with pytest.raises(OSError, match="injected"):
        build(root)
    monkeypatch.undo()


def test_oserror_while_staging_the_nth_file(site_a, reference, monkeypatch):
    total = count_calls(site_a, OutputWriter, "stage")
    assert total > 10
    for fail_at in sorted({1, 2, total // 3, total // 2, total - 1, total}):
        fail_staging(site_a, monkeypatch, fail_at)
        check_previous(site_a / "site", reference["A"], f"after an OSError staging file {fail_at} of {total}")
        no_leftovers(site_a)
    recovers(site_a, reference, "B")


def test_oserror_while_staging_then_the_author_reverts(site_a, reference, monkeypatch):
    fail_staging(site_a, monkeypatch, count_calls(site_a, OutputWriter, "stage") // 2)
    check_previous(site_a / "site", reference["A"], "after an OSError while staging")
    recovers(site_a, reference, "A")


def failing_replace(output: Path, fail_at: int):
    """os.replace that fails on the `fail_at`th file moved into `output`."""
    original = os.replace
    calls = [0]

    def replace(source, target, *args, **kwargs):
        if Path(target).is_relative_to(output):
            calls[0] += 1
            if calls[0] == fail_at:
                disk_full()
        return original(source, target, *args, **kwargs)

    return replace, calls


def count_replaces(root: Path) -> int:
    copy = throwaway_copy(root)
    replace, calls = failing_replace((copy / "site").resolve(), -1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", replace)
        set_version(copy, "B")
        build(copy)
    shutil.rmtree(copy)
    return calls[0]


def fail_while_applying(root: Path, monkeypatch, when: str) -> tuple[int, int]:
    total = count_replaces(root)
    assert total > 10
    fail_at = {"first": 1, "middle": total // 2, "last": total}[when]
    replace, _ = failing_replace((root / "site").resolve(), fail_at)
    monkeypatch.setattr(os, "replace", replace)
    set_version(root, "B")
    STATS["faults"] += 1
    with pytest.raises(OSError, match="injected"):
        build(root)
    monkeypatch.undo()
    return fail_at, total


@pytest.mark.parametrize("when", ["first", "middle", "last"])
def test_oserror_while_applying_the_commit_is_finished_by_the_next_build(site_a, reference, monkeypatch, when):
    fail_at, total = fail_while_applying(site_a, monkeypatch, when)
    assert list((site_a / ".bulletin").glob("journal-*.json")), "no journal left for the next build to finish"
    recovers(site_a, reference, "B")


@pytest.mark.xfail(strict=True, reason="write.py applies a commit to an existing output with one os.replace "
                                       "per file: a failure part-way leaves a mix of both builds (and abort() "
                                       "deletes the staged files the journal still lists)")
def test_oserror_while_applying_leaves_the_previous_or_the_new_site(site_a, reference, monkeypatch):
    fail_while_applying(site_a, monkeypatch, "middle")
    actual = tree(site_a / "site")
    assert actual in (reference["A"], reference["B"]), \
        f"neither A ({difference(actual, reference['A'])}) nor B ({difference(actual, reference['B'])})"


def test_oserror_while_applying_then_the_author_reverts(site_a, reference, monkeypatch):
    fail_while_applying(site_a, monkeypatch, "last")
    recovers(site_a, reference, "A")


def fail_saving_the_state(root: Path, monkeypatch) -> None:
    def save(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full (injected)")

    monkeypatch.setattr(BuildState, "save", save)
    set_version(root, "B")
    STATS["faults"] += 1
    with pytest.raises(sqlite3.OperationalError):
        build(root)
    monkeypatch.undo()


def test_error_saving_the_build_state_after_the_commit(site_a, reference, monkeypatch):
    fail_saving_the_state(site_a, monkeypatch)
    # The commit was applied before the state was saved: the output is the new site, whole.
    check_previous(site_a / "site", reference["B"], "after a failed state save")
    recovers(site_a, reference, "B")


def test_error_saving_the_build_state_then_the_author_reverts(site_a, reference, monkeypatch):
    fail_saving_the_state(site_a, monkeypatch)
    recovers(site_a, reference, "A")


# -- the real command on a full disk ----------------------------------------------------------

BIG_PAGE = 2_000_000  # bytes a single file may have in the limited run


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (BIG_PAGE, BIG_PAGE))


@pytest.fixture(scope="module")
def full_disk_run(tmp_path_factory, reference):
    root = tmp_path_factory.mktemp("fulldisk")
    set_version(root, "A")
    ok = subprocess.run([sys.executable, "-m", "bulletin", "build", "--source", str(root)],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    set_version(root, "B")
    # A static file bigger than a file may be: staging it fails with EFBIG (an OSError), as a
    # full disk would; the build state (SQLite) stays small enough to be written.
    (root / "static" / "ban-do.bin").write_bytes(os.urandom(256) * (BIG_PAGE // 256 + 64))
    STATS["faults"] += 1
    run = subprocess.run([sys.executable, "-m", "bulletin", "build", "--source", str(root)],
                         capture_output=True, text=True, timeout=300, preexec_fn=_limit_file_size)
    return root, run


def test_a_full_disk_under_the_real_command_leaves_the_previous_site(full_disk_run, reference):
    root, run = full_disk_run
    assert run.returncode != 0
    check_previous(root / "site", reference["A"], "after the disk filled up")
    assert not list(root.glob(".site.bulletin-*"))
    (root / "static" / "ban-do.bin").unlink()  # the publisher makes room
    again = subprocess.run([sys.executable, "-m", "bulletin", "build", "--source", str(root)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    check_output(root / "site", reference["B"], "next build after the disk filled up")


def test_a_full_disk_is_reported_without_a_traceback(full_disk_run):
    _, run = full_disk_run
    assert "File too large" in run.stderr, run.stderr[-2000:]  # the fault hit a file being staged
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.returncode == 2


# -- SIGKILL at random moments, on a 300-digest corpus ---------------------------------------

KILL_BUDGET_SECONDS = float(os.environ.get("BULLETIN_KILL_BUDGET", "0"))  # more random kills: raise it
MIN_KILLS = 3


def cli(root: Path, *args: str, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bulletin", "build", "--source", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=stderr, text=True, start_new_session=True)


def finish(process: subprocess.Popen) -> None:
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err


def run_cli(root: Path) -> float:
    started = time.monotonic()
    finish(cli(root, stderr=subprocess.PIPE))
    return time.monotonic() - started


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the build (only its main process, as a crash or an OOM kill would); its
    render workers, if any, are left to notice on their own, then reaped."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    STATS["faults"] += 1
    STATS["kills"] += 1


def reap(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the session made for this build: its orphans only
    except ProcessLookupError:
        pass


def corpus_versions(root: Path) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Version A is the corpus as generated; B edits two digests, removes one and adds one."""
    files = sorted(p.relative_to(root).as_posix() for p in (root / "content").rglob("*.md"))
    a = {rel: (root / rel).read_text(encoding="utf-8") for rel in files}
    b = dict(a)
    b[files[-1]] = a[files[-1]].replace("\n## ", "\n## Đã sửa: ", 1)
    b[files[len(files) // 2]] = a[files[len(files) // 2]] + (
        "\n## Mục thêm {topics=\"Y tế\"}\n\nTheo Quyết định số 9999/QĐ-UBND ngày 01/01/2023.\n")
    b[files[0]] = None
    added = files[0].rpartition("/")[0] + "/them-moi.md"
    a[added] = None
    b[added] = digest("Bản tin thêm", "2019-12-30", "2020-01-05",
                      "## Mục mới {topics=\"Du lịch\"}\n\nKế hoạch số 1/KH-UBND ngày 02/01/2020.\n")
    return a, b


def write_corpus(root: Path, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            _MTIME[0] += 10_000_000
            os.utime(path, ns=(_MTIME[0], _MTIME[0]))


def test_sigkill_at_random_moments(tmp_path):
    """`python -m bulletin build` on 300 digests, killed at random moments of incremental
    builds (A -> B -> A ...) and once the moment it starts applying its commit."""
    if GEN_CORPUS is None:
        pytest.skip("shared/bench/gen_corpus.py is not beside the repository")
    rng = random.Random(int(os.environ.get("BULLETIN_KILL_SEED", "5")))
    root = tmp_path / "corpus"
    subprocess.run([sys.executable, str(GEN_CORPUS), "--digests", "300", "--out", str(root)],
                   check=True, capture_output=True, timeout=120)
    versions = dict(zip("AB", corpus_versions(root)))
    other = tmp_path / "corpus-b"
    shutil.copytree(root, other)
    write_corpus(other, versions["B"])
    # Two clean builds side by side: A is the site under test's first build, B goes elsewhere.
    first, second = cli(root, stderr=subprocess.PIPE), cli(other, "--output", str(tmp_path / "ref-b"),
                                                         stderr=subprocess.PIPE)
    finish(first)
    finish(second)
    output = root / "site"
    refs = {"A": tree(output), "B": tree(tmp_path / "ref-b")}
    assert refs["A"] and refs["B"] and refs["A"] != refs["B"]

    outcomes = {"previous": 0, "new": 0, "applying": 0}
    current, started, rounds, incremental = "A", time.monotonic(), 0, 2.5
    while rounds < MIN_KILLS or time.monotonic() - started < KILL_BUDGET_SECONDS:
        target = "B" if current == "A" else "A"
        write_corpus(root, versions[target])
        process = cli(root)
        time.sleep(rng.uniform(0.05, incremental * 1.1))
        kill(process)
        journal = list((root / ".bulletin").glob("journal-*.json"))
        after = tree(output)
        if after == refs[current]:
            outcomes["previous"] += 1
        elif after == refs[target]:
            outcomes["new"] += 1
        else:
            # Only the apply step may show a mix, and only with the journal that finishes it
            # (test_oserror_while_applying_leaves_the_previous_or_the_new_site is its xfail).
            assert journal, f"killed build left neither site and no journal: {difference(after, refs[target])}"
            outcomes["applying"] += 1
        STATS["previous"] += 1
        STATS["previous_files"] += len(after)
        incremental = run_cli(root)  # the next normal build
        reap(process)
        check_output(output, refs[target], f"normal build of {target} after kill {rounds + 1}")
        current, rounds = target, rounds + 1

    # Killed the moment the journal appears: during the apply step itself.
    target = "B" if current == "A" else "A"
    write_corpus(root, versions[target])
    process = cli(root)
    state = root / ".bulletin"
    deadline = time.monotonic() + 300
    while process.poll() is None and not list(state.glob("journal-*")) and time.monotonic() < deadline:
        time.sleep(0.001)
    if process.poll() is None:
        kill(process)
        rounds += 1
    run_cli(root)
    reap(process)
    check_output(output, refs[target], "normal build after a kill while applying")
    no_leftovers(root)
    print(f"\n[test_faults] SIGKILL: {rounds} kills; after a random kill the output was the previous site "
          f"{outcomes['previous']} times, the new one {outcomes['new']} times, mid-apply "
          f"{outcomes['applying']} times; every next build equalled a clean build")
