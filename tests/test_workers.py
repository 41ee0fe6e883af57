"""Chunks shared between this process and forked workers (bulletin/workers.py), and the
parallel render path of a build, which small test sites would never take by themselves."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from bulletin import model_files, pipeline, plan, render_pages, write
from bulletin.search import tokens
from bulletin.build import build_site
from bulletin.errors import BuildError, ContentError
from bulletin.workers import Afterwards, WorkerDied, run_beside, run_chunks

from conftest import REPO, tree


def test_every_chunk_runs_once_across_the_processes():
    seen = []
    def run(start, end):
        time.sleep(0.002)  # long enough for the workers to start before this process is done
        return [(n, os.getpid()) for n in range(start, end)]

    results = run_chunks(run, 1000, 7, 3, seen.append)
    assert sorted(n for n, _ in results) == list(range(1000))
    assert sum(seen) == 1000
    assert len({pid for _, pid in results}) > 1  # the work was shared, this process included


def test_an_error_in_a_worker_is_raised_here():
    def run(start, end):
        if start >= 50 and os.getpid() != parent:
            raise BuildError([ContentError("x.md", 3, "bad front matter", "fix it")])
        return list(range(start, end))

    parent = os.getpid()
    with pytest.raises(BuildError, match="bad front matter"):
        run_chunks(run, 100_000, 10, 2, lambda n: None)


def test_a_worker_that_dies_is_reported():
    parent = os.getpid()

    def run(start, end):
        if os.getpid() != parent:
            os._exit(3)
        return list(range(start, end))

    with pytest.raises(WorkerDied, match="exit code 3"):
        run_chunks(run, 100_000, 10, 2, lambda n: None)


def test_the_first_worker_goes_on_to_the_afterwards_while_this_process_has_the_results():
    parent = os.getpid()

    def run(start, end):
        time.sleep(0.002)
        return [(n, os.getpid()) for n in range(start, end)]

    then = Afterwards(lambda: os.getpid())
    results = run_chunks(run, 500, 5, 2, lambda n: None, then)
    assert sorted(n for n, _ in results) == list(range(500))
    worker = then.helper[0].pid
    assert {pid for _, pid in results} == {parent, worker}
    assert then.result() == worker  # done in the worker that shared the chunks
    assert not then.helper[0].is_alive()


def test_an_afterwards_no_worker_took_is_done_here_and_its_error_is_raised_here():
    here = Afterwards(lambda: os.getpid())
    assert run_chunks(lambda start, end: list(range(start, end)), 10, 5, 1, lambda n: None, here) == list(range(10))
    assert here.helper is None and here.result() == os.getpid()

    def fails():
        raise BuildError([ContentError("x.md", 3, "bad front matter", "fix it")])

    then = Afterwards(fails)
    run_chunks(lambda start, end: (time.sleep(0.002), list(range(start, end)))[1], 400, 4, 2, lambda n: None, then)
    assert then.helper is not None
    with pytest.raises(BuildError, match="bad front matter"):
        then.result()


@pytest.mark.parametrize("keep_pages", [plan.KEEP_PAGES, 0])  # jobs kept as pages, or as places only
def test_parallel_rendering_makes_the_same_site(sample_site, tmp_path, monkeypatch, keep_pages):
    source, serial_output = sample_site
    monkeypatch.setattr(render_pages, "PARALLEL_RENDER_THRESHOLD", 0)
    monkeypatch.setattr(render_pages, "CHUNK", 3)
    monkeypatch.setattr(plan, "KEEP_PAGES", keep_pages)
    result = build_site(source, tmp_path / "parallel", state=False, workers=2)
    assert result.written > 0
    assert tree(tmp_path / "parallel") == tree(serial_output)


def test_many_jobs_are_kept_as_places_and_made_again_in_any_order(monkeypatch):
    from bulletin.pages import Page

    made = []

    def pages():
        for n in range(10):
            made.append(n)
            yield Page(f"p{n}.html", "t.html", {"n": n})

    monkeypatch.setattr(plan, "KEEP_PAGES", 3)
    jobs = plan.Jobs(pages)
    for n in (1, 4, 5, 8):
        jobs.add(n, Page(f"p{n}.html", "t.html", {"n": n}), f"{n:032x}")
    assert not jobs.holds_pages and len(jobs) == 4 and jobs.urls == ["p1.html", "p4.html", "p5.html", "p8.html"]
    assert [(p.url, f) for p, f in jobs.chunk(0, 2)] == [("p1.html", f"{1:032x}"), ("p4.html", f"{4:032x}")]
    assert [p.context["n"] for p, _ in jobs.chunk(2, 4)] == [5, 8]
    assert made == list(range(9))  # one walk, forward
    assert [p.url for p, _ in jobs.chunk(1, 2)] == ["p4.html"]  # asked again: a new walk
    small = plan.Jobs(pages)
    small.add(2, Page("p2.html", "t.html", {}), "0" * 32)
    assert small.holds_pages


@pytest.mark.parametrize("keep_pages", [plan.KEEP_PAGES, 0])
def test_render_workers_store_what_each_page_read_in_the_state_not_sent_back(tmp_path, monkeypatch, keep_pages):
    import sqlite3

    from bulletin.write import state_file

    source, output = _copy_sample(tmp_path), tmp_path / "out"
    monkeypatch.setattr(render_pages, "PARALLEL_RENDER_THRESHOLD", 0)
    monkeypatch.setattr(render_pages, "CHUNK", 3)
    monkeypatch.setattr(plan, "KEEP_PAGES", keep_pages)
    came_back, real_run_chunks = [], render_pages.run_chunks

    def run_chunks_watched(*args, **kwargs):
        chunks = real_run_chunks(*args, **kwargs)
        came_back.extend(row for chunk in chunks for row in chunk.rows)
        return chunks

    monkeypatch.setattr(render_pages, "run_chunks", run_chunks_watched)
    result = build_site(source, output, workers=2)
    assert came_back == []
    build_site(source, tmp_path / "serial", state=False, workers=1)
    assert tree(output) == tree(tmp_path / "serial")
    with sqlite3.connect(state_file(source, output)) as db:
        deps = dict(db.execute("SELECT path, deps FROM outputs WHERE path LIKE '%.html'"))
    assert not state_file(source, output).with_name(state_file(source, output).stem + "-rendered.sqlite").exists()
    assert len(deps) == result.pages
    digest_pages = [path for path in deps if path.startswith("digests/")]
    assert digest_pages and all(f"d:{path}" in deps[path].split("\n") for path in digest_pages)
    # what the workers stored is what the next build trusts: an edit remakes the pages reading it
    first = sorted((source / "content").rglob("*.md"))[0]
    text = first.read_text(encoding="utf-8")
    assert "Ủy ban" in text
    first.write_text(text.replace("Ủy ban", "Uỷ ban", 1), encoding="utf-8")
    build_site(source, output, workers=2)
    build_site(source, tmp_path / "clean", state=False, workers=1)
    assert tree(output) == tree(tmp_path / "clean")


def test_beside_runs_the_side_in_another_process_and_returns_both():
    parent = os.getpid()
    side, main = run_beside(lambda: (os.getpid(), sum(range(1000))), lambda: (os.getpid(), "here"))
    assert main == (parent, "here")
    assert side[0] != parent and side[1] == 499500


def test_beside_raises_the_sides_error_and_reports_a_dead_side():
    def fails():
        raise BuildError([ContentError("x.md", 3, "bad front matter", "fix it")])

    with pytest.raises(BuildError, match="bad front matter"):
        run_beside(fails, lambda: 1)
    with pytest.raises(WorkerDied, match="exit code 4"):
        run_beside(lambda: os._exit(4), lambda: 1)


def test_a_rebuild_makes_the_model_files_in_helpers_to_the_same_bytes(tmp_path, monkeypatch):
    source = tmp_path / "site"
    for name in ("content", "templates", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name)
    shutil.copy2(REPO / "bulletin.toml", source / "bulletin.toml")
    output = tmp_path / "out"
    monkeypatch.setattr(model_files, "PARALLEL_MODEL_FILES", 0)
    monkeypatch.setattr(tokens, "PARALLEL_DOCS", 0)
    beside, afterwards = [], []
    real, real_afterwards = model_files.Beside, model_files.Afterwards
    monkeypatch.setattr(model_files, "Beside", lambda side: beside.append(1) or real(side))
    monkeypatch.setattr(model_files, "Afterwards", lambda work: afterwards.append(real_afterwards(work)) or afterwards[-1])
    build_site(source, output, workers=2)
    # a first build: the documents made by the worker that tokenised beside this process
    assert beside == [] and len(afterwards) == 1 and afterwards[0].helper is not None
    first = build_site(source, tmp_path / "first", state=False, workers=1)
    assert first.written > 0 and tree(output) == tree(tmp_path / "first")
    digest = sorted((source / "content").rglob("*.md"))[0]
    digest.write_text(digest.read_text(encoding="utf-8").replace("## ", "## Mục mới\n\nThêm một mục.\n\n## ", 1),
                      encoding="utf-8")
    result = build_site(source, output, workers=2)
    assert beside == [1, 1] and any(p.startswith("search/i/") for p in result.changed)  # postings, documents
    clean = build_site(source, tmp_path / "clean", state=False, workers=1)
    assert clean.written > 0 and tree(output) == tree(tmp_path / "clean")
    # a text edit moves no document's id: its few chunks are made here, the postings beside
    digest.write_text(digest.read_text(encoding="utf-8").replace("Thêm một mục.", "Thêm một mục mới hơn."),
                      encoding="utf-8")
    result = build_site(source, output, workers=2)
    assert beside == [1, 1, 1] and any(p.startswith("search/i/") for p in result.changed)
    build_site(source, tmp_path / "clean2", state=False, workers=1)
    assert tree(output) == tree(tmp_path / "clean2")


def test_the_documents_helper_starts_when_document_ids_may_move(tmp_path):
    from bulletin.config import load_config
    from bulletin.sources import load_sources
    from bulletin.state import BuildState

    source = _copy_sample(tmp_path)
    digest = sorted((source / "content").rglob("*.md"))[0]
    original = digest.read_text(encoding="utf-8")
    later = original.replace("2020-12-21", "2020-12-28").replace("2020-12-20", "2020-12-27").replace("2020-12-14", "2020-12-21")
    (source / "content" / "2020" / "2020-w52.md").write_text(later, encoding="utf-8")
    config = load_config(source)
    db = BuildState(tmp_path / "state.sqlite")
    first = load_sources(source / "content", config, False, db, reuse=True, workers=1)
    db.save_parsed(first.parsed)
    db.save(sources=first.records, removed_sources=set(), objects={}, old_objects={}, outputs={},
            removed_outputs=set(), deps={}, meta={})

    def moves(text: str | None) -> bool:
        if text is None:
            digest.unlink()
        else:
            digest.write_text(text, encoding="utf-8")
        loaded = load_sources(source / "content", config, False, db, reuse=True, workers=1)
        assert not loaded.errors
        db.save_parsed(loaded.parsed)
        digest.write_text(original, encoding="utf-8")
        return model_files.EarlyDocuments.worth_it(loaded, db.parsed)

    assert not moves(original.replace("## ", "## Tiêu đề: ", 1))  # a heading's text
    assert moves(original.replace("## ", "## Mục mới\n\nThêm một mục.\n\n## ", 1))  # one item more
    assert moves(original.replace("2020-12-21", "2021-01-04").replace("2020-12-20", "2021-01-03")
                 .replace("2020-12-14", "2020-12-28"))  # moved in time
    assert moves(original.replace("\n---\n", "\ndraft: true\n---\n", 1))  # drafted
    assert moves(None)  # removed
    (source / "content" / "2020" / "2020-w50.md").write_text(
        original.replace("2020-12-21", "2020-12-14").replace("2020-12-20", "2020-12-13").replace("2020-12-14", "2020-12-07", 1),
        encoding="utf-8")
    assert moves(original)  # a new file
    db.close()


def test_a_big_sites_first_build_makes_its_model_files_in_this_process_alone(tmp_path, monkeypatch):
    """A forked worker would copy every model page it reads: on a big site, no fork after render."""
    source, output = _copy_sample(tmp_path), tmp_path / "out"
    monkeypatch.setattr(model_files, "ONE_PROCESS_MODEL_FILES", 1)
    monkeypatch.setattr(tokens, "PARALLEL_DOCS", 0)
    forks, afterwards = [], []
    real_chunks, real_afterwards = tokens.run_chunks, model_files.Afterwards
    monkeypatch.setattr(tokens, "run_chunks", lambda *a, **k: forks.append(1) or real_chunks(*a, **k))
    monkeypatch.setattr(model_files, "Afterwards", lambda work: afterwards.append(real_afterwards(work)) or afterwards[-1])
    build_site(source, output, workers=2)
    assert forks == [] and len(afterwards) == 1 and afterwards[0].helper is None
    build_site(source, tmp_path / "serial", state=False, workers=1)
    assert tree(output) == tree(tmp_path / "serial")


def _copy_sample(tmp_path):
    source = tmp_path / "site"
    shutil.copytree(REPO / "content", source / "content")
    shutil.copy2(REPO / "bulletin.toml", source / "bulletin.toml")
    return source


def _built_sample(tmp_path):
    """The sample site copied and built by two processes: (source, output, the output's files)."""
    source, output = _copy_sample(tmp_path), tmp_path / "out"
    build_site(source, output, workers=2)
    return source, output, tree(output)


def test_search_files_deleted_by_hand_are_made_again_by_the_postings_helper(tmp_path, monkeypatch):
    """No content changed, so no helper starts with the model; the missing files start one late."""
    source, output, expected = _built_sample(tmp_path)
    monkeypatch.setattr(model_files, "PARALLEL_MODEL_FILES", 0)
    helpers = []
    real = model_files.Beside
    monkeypatch.setattr(model_files, "Beside", lambda side: helpers.append(1) or real(side))
    (source / "templates").mkdir()
    (source / "templates" / "home.html").write_text('{% extends "base.html" %}', encoding="utf-8")
    shard = sorted((output / "search" / "u").iterdir())[0]
    shard.unlink()
    (output / "data" / "topics.json").unlink()
    result = build_site(source, output, workers=2)
    assert helpers == [1] and {f"search/u/{shard.name}", "data/topics.json"} <= set(result.changed)
    (source / "templates" / "home.html").unlink()
    build_site(source, output, workers=2)
    assert tree(output) == expected


def test_a_failed_rebuild_leaves_no_model_file_helper_behind(tmp_path, monkeypatch):
    import multiprocessing

    source, output, expected = _built_sample(tmp_path)
    monkeypatch.setattr(model_files, "PARALLEL_MODEL_FILES", 0)
    helpers = []
    real = model_files.Beside
    monkeypatch.setattr(model_files, "Beside", lambda side: helpers.append(real(side)) or helpers[-1])
    slow = model_files.SearchIndex.postings

    def slow_postings(index):  # the helpers are still at work when the render fails
        time.sleep(60)
        yield from slow(index)

    monkeypatch.setattr(model_files.SearchIndex, "postings", slow_postings)
    slow_data = model_files.data_files
    monkeypatch.setattr(model_files, "data_files", lambda *a: time.sleep(60) or slow_data(*a))
    digest = sorted((source / "content").rglob("*.md"))[0]
    digest.write_text(digest.read_text(encoding="utf-8") + "\n## Mục mới\n\nThêm một câu.\n", encoding="utf-8")  # ids move: both helpers
    (source / "templates").mkdir()
    (source / "templates" / "digest.html").write_text("{{ digest.title.no_such_method() }}", encoding="utf-8")
    with pytest.raises(BuildError):
        build_site(source, output, workers=2)
    assert len(helpers) == 2 and not any(helper._process.is_alive() for helper in helpers)
    assert not multiprocessing.active_children()
    assert tree(output) == expected


def test_object_hashes_made_in_two_processes_are_the_same(sample_site, monkeypatch):
    from bulletin.build import load_site
    from bulletin.pipeline import _object_hashes, _site_objects
    from bulletin.pages import decision_types, decision_years

    site = load_site(sample_site[0])[1]
    years = decision_years(site)
    objects = list(_site_objects(site, years, decision_types(years)))
    serial = _object_hashes(objects, 1)
    monkeypatch.setattr(pipeline, "PARALLEL_OBJECTS", 0)
    parent = os.getpid()
    pids = []
    real = pipeline.object_hashes
    monkeypatch.setattr(pipeline, "object_hashes", lambda o: pids.append(os.getpid()) or real(o))
    assert _object_hashes(objects, 2) == serial and len(serial) > len(objects) > 10  # and memberships
    assert pids and set(pids) == {parent}  # this process hashed half; the helper's calls are not seen here
    assert len(pids) == len(objects) // 2


def test_outputs_deleted_by_hand_are_found_by_a_helper_on_a_big_site(tmp_path, monkeypatch):
    source = tmp_path / "site"
    shutil.copytree(REPO / "content", source / "content")
    shutil.copy2(REPO / "bulletin.toml", source / "bulletin.toml")
    output = tmp_path / "out"
    build_site(source, output, workers=2)
    expected = tree(output)
    monkeypatch.setattr(write, "PARALLEL_STATS", 0)
    helpers = []
    real = write.Beside
    monkeypatch.setattr(write, "Beside", lambda side: helpers.append(1) or real(side))
    (output / "index.html").unlink()
    (output / "data" / "topics.json").unlink()
    digest = sorted((source / "content").rglob("*.md"))[0]
    digest.write_text(digest.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # not a no-op build
    result = build_site(source, output, workers=2)
    assert helpers == [1] and {"index.html", "data/topics.json"} <= set(result.changed)
    digest.write_text(digest.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    build_site(source, output, workers=2)
    assert tree(output) == expected


def test_a_first_builds_parse_results_are_stored_by_the_parse_workers_not_sent_back(tmp_path, monkeypatch):
    import sqlite3

    from bulletin import sources
    from bulletin.write import state_file

    source, output = _copy_sample(tmp_path), tmp_path / "out"
    monkeypatch.setattr(sources, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(sources, "BATCH", 2)  # several batches, so both workers store some
    left, real = [], pipeline._store_parsed
    monkeypatch.setattr(pipeline, "_store_parsed", lambda db, loaded: left.append(dict(loaded.parsed)) or real(db, loaded))
    received, real_unpack = [], sources.unpack_body
    monkeypatch.setattr(sources, "unpack_body", lambda stored: received.append(stored[2]) or real_unpack(stored))
    build_site(source, output, workers=2)
    files = len(list((source / "content").rglob("*.md")))
    assert left == [{}] and len(received) == files and set(received) == {""}  # no HTML came back
    build_site(source, tmp_path / "serial", state=False, workers=1)
    assert tree(output) == tree(tmp_path / "serial")  # every digest page found its HTML in the state
    with sqlite3.connect(state_file(source, output)) as db:
        stored = db.execute("SELECT COUNT(*) FROM parsed WHERE html != ''").fetchone()[0]
    assert stored == files


def test_once_a_worker_fails_no_process_claims_another_chunk():
    """The error comes back at once: this process does not go on with every chunk left."""
    parent = os.getpid()
    mine = []

    def run(start, end):
        if os.getpid() != parent:
            raise BuildError([ContentError("x.html", 3, "template error: boom", "fix it")])
        mine.append(start)
        time.sleep(0.005)  # the worker claims and fails while this process is on its first chunks
        return list(range(start, end))

    started = time.perf_counter()
    with pytest.raises(BuildError, match="boom"):
        run_chunks(run, 10_000, 10, 2, lambda n: None)
    assert len(mine) < 100, f"this process ran {len(mine)} of 1,000 chunks after the worker failed"
    assert time.perf_counter() - started < 2


def test_the_parse_workers_start_before_the_rest_of_the_build_is_imported(tmp_path):
    """They fork from a process that has not imported Jinja2 or the pipeline, and parse while
    it does (a fresh interpreter: this one has imported everything)."""
    import json
    import subprocess
    import sys

    source = _copy_sample(tmp_path)
    probe = (
        "import json, sys\n"
        "from bulletin import sources\n"
        "sources.PARALLEL_THRESHOLD = 0\n"
        "seen = []\n"
        "real = sources._Jobs.__init__\n"
        "def started(self, *a, **k):\n"
        "    real(self, *a, **k)\n"
        "    seen.append([self.pool is not None, 'jinja2' in sys.modules, 'bulletin.pipeline' in sys.modules])\n"
        "sources._Jobs.__init__ = started\n"
        "from bulletin.build import build_site\n"
        "build_site(sys.argv[1], sys.argv[2], workers=2)\n"
        "print(json.dumps(seen))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(source), str(tmp_path / "out")], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [[True, False, False]]
    assert (tmp_path / "out" / "index.html").is_file()


def test_a_template_error_found_while_the_workers_parse_stops_them_and_writes_nothing(tmp_path, monkeypatch):
    import multiprocessing

    from bulletin import sources

    source, output, expected = _built_sample(tmp_path)
    monkeypatch.setattr(sources, "PARALLEL_THRESHOLD", 0)
    pools = []
    started = sources._Jobs.__init__
    monkeypatch.setattr(sources._Jobs, "__init__", lambda self, *a: started(self, *a) or pools.append(self.pool))
    for digest in (source / "content").rglob("*.md"):  # every file read again, by the workers
        digest.write_text(digest.read_text(encoding="utf-8") + "\nThêm một câu.\n", encoding="utf-8")
    (source / "templates").mkdir(exist_ok=True)
    (source / "templates" / "topic.html").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build_site(source, output, workers=2)
    assert "topic.html" in str(raised.value) and "template error" in str(raised.value)
    assert len(pools) == 1 and pools[0] is not None
    assert not multiprocessing.active_children()
    assert tree(output) == expected


def test_a_workers_connection_to_the_state_syncs_as_the_builds_own(tmp_path):
    """WAL with synchronous NORMAL, as the build's connection: SQLite's default for a new one
    (FULL) synced the disk at every batch a parse worker stored. The scratch table of rendered
    rows is not synced at all."""
    from bulletin.connections import ProcessConnection
    from bulletin.state import BuildState

    db = BuildState(tmp_path / "state.sqlite")
    try:
        db.open_rendered()
        own = db.db.execute("PRAGMA synchronous").fetchone()[0]
        worker = ProcessConnection(db.path).get()
        scratch = ProcessConnection(db.rendered_path, scratch=True).get()
        assert own == 1 and worker.execute("PRAGMA synchronous").fetchone()[0] == own
        assert worker.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert scratch.execute("PRAGMA synchronous").fetchone()[0] == 0
        worker.close()
        scratch.close()
    finally:
        db.close()
