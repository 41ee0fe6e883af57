"""Incremental builds are exact: after any sequence of edits, the incrementally
updated site is byte-identical to a clean build of the same content."""

from __future__ import annotations

import os
import pickle
import random
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin import snapshot, topic_snapshot
from bulletin.build import build_site, load_site
from bulletin.pipeline import fresh_object_hashes
from bulletin.search.index import documents
from bulletin.state import BuildState
from bulletin.write import state_file

DIGEST = """---
title: "Bản tin tuần {week} năm {year}"
week_start: {start}
week_end: {end}
topics: [{digest_topic}]
---

Tuần này UBND tỉnh ban hành nhiều văn bản{lead_extra}.

## Phê duyệt phương án sử dụng đất tại xã {place} {{topics="{topics}"}}

UBND tỉnh vừa phê duyệt (số {number}/QĐ-UBND ngày {cite_date}) phương án sử dụng đất. {body_extra}

## Giao đất cho hộ gia đình tại xã {place} {{topics="{topics}"}}

UBND tỉnh giao đất ở cho các hộ gia đình theo phương án đã duyệt.

## Kế hoạch phòng chống dịch {{topics="Y tế"}}

Thực hiện Chỉ thị số 16/CT-TTg, UBND tỉnh ban hành Kế hoạch số {plan}/KH-UBND.
"""

WEEKS = [(2020, 50, "2020-12-07", "2020-12-13"), (2020, 51, "2020-12-14", "2020-12-20"),
         (2020, 53, "2020-12-28", "2021-01-03"), (2021, 1, "2021-01-04", "2021-01-10"),
         (2021, 2, "2021-01-11", "2021-01-17"), (2021, 10, "2021-03-08", "2021-03-14")]


@pytest.fixture(autouse=True)
def _snapshots_of_small_sites(monkeypatch):
    """The model's snapshot (snapshot.py), which only a big site saves, saved by these small ones."""
    monkeypatch.setattr(snapshot, "MIN_DIGESTS", 0)


def digest_text(week: tuple, place="Hòa Thắng", topics="Đất đai", number=2610, plan=199,
                body_extra="", lead_extra="", digest_topic="Nông nghiệp") -> str:
    year, number_week, start, end = week
    return DIGEST.format(week=number_week, year=year, start=start, end=end, place=place, topics=topics,
                         number=number, cite_date=start[8:10] + "/" + start[5:7] + "/" + start[:4],
                         plan=plan, body_extra=body_extra, lead_extra=lead_extra, digest_topic=digest_topic)


def make_site(root: Path) -> Path:
    (root / "content" / "2020").mkdir(parents=True)
    (root / "content" / "2021").mkdir(parents=True)
    for week in WEEKS[:4]:
        (root / "content" / str(week[0]) / f"{week[0]}-w{week[1]:02d}.md").write_text(
            digest_text(week), encoding="utf-8")
    (root / "bulletin.toml").write_text('title = "Thử nghiệm"\nper_page = 2\nitems_per_page = 2\n',
                                        encoding="utf-8")
    (root / "templates").mkdir()
    (root / "static").mkdir()
    (root / "static" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    return root


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_clean(source: Path, incremental_output: Path, tmp: Path) -> None:
    tmp.mkdir(exist_ok=True)
    clean = tmp / f"clean-{len(list(tmp.iterdir()))}"
    build_site(source, clean, clean=True)  # its own build state, beside the incremental one's
    ours, expected = tree(incremental_output), tree(clean)
    assert sorted(ours) == sorted(expected), "the incremental build has other files than a clean one"
    different = [name for name in expected if ours[name] != expected[name]]
    assert not different, f"incremental output differs from a clean build in {different[:5]}"
    assert stored_hashes(source, incremental_output) == fresh_hashes(source), \
        "the build state keeps object hashes (carried_hashes.py) that differ from the model's"
    ours, expected = stored_rows(source, incremental_output), stored_rows(source, clean)
    for table in expected:
        different = sorted(set(ours[table]) ^ set(expected[table]))
        assert not different, f"the build state's {table} differ from a clean build's: {different[:3]}"
    kept = stored_snapshot(source, incremental_output)
    assert kept is None or kept == snapshot_of(load_site(source)[1], tmp), \
        "the model's snapshot is not the model's (snapshot.py)"
    shutil.rmtree(clean)
    for leftover in state_file(source, clean).parent.glob(state_file(source, clean).stem + "*"):
        leftover.unlink()


def stored_rows(source: Path, output: Path) -> dict[str, list[tuple]]:
    """What a next build reads of the state besides object hashes and the model's snapshot:
    every output's hash, fingerprint and reads, every source's record, and the meta (as much
    as a clean build's own state holds: the parse cache may hold more)."""
    db = BuildState(state_file(source, output))
    try:
        meta = dict(db.db.execute("SELECT name, value FROM meta"))
        meta.pop(snapshot.META, None)  # one per snapshot, which a build saves or not (`stored_snapshot`)
        meta.pop(topic_snapshot.META, None)
        return {"outputs": list(db.db.execute("SELECT path, hash, fingerprint, deps FROM outputs")),
                "sources": list(db.db.execute("SELECT rel, size, mtime_ns, hash, record FROM sources")),
                "meta": list(meta.items())}
    finally:
        db.close()


def stored_snapshot(source: Path, output: Path) -> tuple | None:
    """The lists of the model's snapshot that the next build would restore, if any."""
    db = BuildState(state_file(source, output))
    try:
        saved = snapshot.load(snapshot.snapshot_file(db), db.meta(snapshot.META))
        topics = snapshot.load(snapshot.topics_file(db), db.meta(topic_snapshot.META))
        assert (saved is None) == (topics is None), "a model's snapshot without its topics', or the reverse"
        return saved and (saved, topics)
    finally:
        db.close()


def snapshot_of(site, folder: Path) -> tuple:
    """A model's snapshot, and its topics', as a build would save them."""
    path, topics_path = folder / "fresh-model.marshal", folder / "fresh-topics.marshal"
    saved = snapshot.load(path, snapshot.save(site, path)), snapshot.load(topics_path, snapshot.save_topics(
        site, topics_path))
    path.unlink()
    topics_path.unlink()
    return saved


def stored_hashes(source: Path, output: Path) -> dict[str, str]:
    """The object hashes the build state holds: what the next build compares with."""
    db = BuildState(state_file(source, output))
    try:
        return db.object_hashes()
    finally:
        db.close()


def fresh_hashes(source: Path) -> dict[str, str]:
    return fresh_object_hashes(load_site(source)[1])


def _touch_later(path: Path) -> None:
    """Make sure an edit is seen even if it lands within the same mtime tick."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def edit_text(site: Path, rng) -> None:
    files = sorted((site / "content").rglob("*.md"))
    if not files:
        return
    path = rng.choice(files)
    text = path.read_text(encoding="utf-8").replace("phương án sử dụng đất.", "phương án sử dụng đất mới.", 1)
    path.write_text(text + "\nThêm một câu.\n", encoding="utf-8")
    _touch_later(path)


def change_topics(site: Path, rng) -> None:
    files = sorted((site / "content").rglob("*.md"))
    if files:
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8")
        new = rng.choice(["Giáo dục", "đất đai", "Đất Đai, Lâm nghiệp", "Ngân sách"])
        path.write_text(text.replace('topics="', f'topics="{new}, ', 1), encoding="utf-8")
        _touch_later(path)


def change_citation(site: Path, rng) -> None:
    files = sorted((site / "content").rglob("*.md"))
    if files:
        path = rng.choice(files)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("/QĐ-UBND", f"{rng.randint(0, 9)}/QĐ-UBND", 1), encoding="utf-8")
        _touch_later(path)


def add_digest(site: Path, rng) -> None:
    free = [w for w in WEEKS if not (site / "content" / str(w[0]) / f"{w[0]}-w{w[1]:02d}.md").exists()]
    if free:
        week = rng.choice(free)
        path = site / "content" / str(week[0]) / f"{week[0]}-w{week[1]:02d}.md"
        path.write_text(digest_text(week, place="Bắc Việt", number=rng.randint(1, 3000)), encoding="utf-8")


def delete_digest(site: Path, rng) -> None:
    files = sorted((site / "content").rglob("*.md"))
    if len(files) > 1:
        rng.choice(files).unlink()


def rename_digest(site: Path, rng) -> None:
    files = sorted((site / "content").rglob("*.md"))
    if files:
        path = rng.choice(files)
        path.rename(path.with_name("doi-ten-" + path.name))


# Site templates a change_template edit installs; the last ones read memberships (a topic's
# items, a digest's neighbours, a year's counts) from pages that do not list them (deps.MEMBERSHIPS).
SITE_TEMPLATES = [
    ("decision.html", '{% extends "base.html" %}{% block content %}<h1>MARKER {{ decision.label }}</h1>'
                      '{% for m in decision.mentions %}<p>{{ m.digest.title }}: {{ m.text }}</p>{% endfor %}'
                      '{% endblock %}'),
    ("digest.html", '{% extends "base.html" %}{% block content %}<h1>MARKER {{ digest.title }}</h1>'
                    '{% for t in digest.topics %}<p>{{ t.name }}: {{ t.items|length }} / {{ t.digests|length }}</p>'
                    '{% endfor %}{% for item in digest.items %}{% for t in item.topics %}<p>{{ t["items"]|length }}'
                    '</p>{% endfor %}{% endfor %}<p>{{ digest.next.title if digest.next }}</p>{% endblock %}'),
    ("decisions_year.html", '{% extends "base.html" %}{% block content %}<h1>MARKER {{ year.year }}: '
                            '{{ year.count }}</h1><p>{{ year.of_type("QĐ").decisions|length if year.of_type("QĐ") }}'
                            '</p>{% endblock %}'),
    ("archive_year.html", '{% extends "base.html" %}{% block content %}<h1>MARKER {{ year.year }}: '
                          '{{ year.digest_count }}</h1>{% endblock %}'),
]


def change_template(site: Path, rng) -> None:
    name, text = rng.choice(SITE_TEMPLATES)
    path = site / "templates" / name
    path.write_text(text.replace("MARKER", rng.choice(["A", "B"])), encoding="utf-8")
    _touch_later(path)


def change_static(site: Path, rng) -> None:
    path = site / "static" / "robots.txt"
    path.write_text(f"User-agent: *\nDisallow: /{rng.randint(0, 99)}\n", encoding="utf-8")
    _touch_later(path)


def change_config(site: Path, rng) -> None:
    path = site / "bulletin.toml"
    path.write_text(f'title = "Thử nghiệm {rng.randint(0, 9)}"\nper_page = {rng.randint(1, 3)}\n'
                    f'items_per_page = {rng.randint(1, 3)}\n', encoding="utf-8")
    _touch_later(path)


EDITS = [edit_text, change_topics, change_citation, add_digest, delete_digest, rename_digest,
         change_template, change_static, change_config]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.sampled_from(EDITS), min_size=1, max_size=4), seed=st.randoms(use_true_random=False),
       serving=st.booleans())
def test_incremental_build_equals_clean_build_after_any_edits(tmp_path_factory, edits, seed, serving):
    """`serving`: the builds of one long-lived process, as `serve` makes them (parsed bodies
    kept in memory from one build to the next)."""
    tmp = tmp_path_factory.mktemp("inc")
    site = make_site(tmp / "site")
    output = tmp / "out"
    memo = {} if serving else None
    build_site(site, output, parsed_memo=memo)
    for edit in edits:
        edit(site, seed)
        build_site(site, output, parsed_memo=memo)
        assert_same_as_clean(site, output, tmp / "clean")


@pytest.fixture()
def built(tmp_path):
    site = make_site(tmp_path / "site")
    output = tmp_path / "out"
    build_site(site, output)
    return site, output


def test_second_build_writes_nothing(built):
    site, output = built
    result = build_site(site, output)
    assert result.written == 0 and result.removed == 0


def test_editing_one_digest_rewrites_only_what_shows_it(built):
    site, output = built
    path = site / "content" / "2020" / "2020-w51.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Thêm", "") + "\nMột đoạn mới.\n", encoding="utf-8")
    _touch_later(path)
    result = build_site(site, output)
    # the digest page, the pages quoting its text (decisions, topics, home/week listings),
    # data files and the feed; never the whole site
    assert 0 < result.written < result.pages / 2


def test_a_sentence_edit_reaches_the_pages_quoting_it(built, tmp_path):
    """Object hashes cover an item's text and a mention's sentence through the file's content
    hash: an edit to the sentence that cites a decision must re-render that decision's page."""
    site, output = built
    (site / "templates" / "decision.html").write_text(  # reads the sentences, never the digests
        '{% extends "base.html" %}{% block content %}{% for m in decision.mentions %}<p>{{ m.text }}</p>'
        '{% endfor %}{% endblock %}', encoding="utf-8")
    build_site(site, output)
    path = site / "content" / "2020" / "2020-w51.md"
    path.write_text(path.read_text(encoding="utf-8").replace("phê duyệt (số", "ký duyệt (số"), encoding="utf-8")
    _touch_later(path)
    result = build_site(site, output)
    assert any(name.startswith("quyet-dinh/") or "/qd-" in name for name in result.changed), result.changed
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_a_topic_gaining_an_item_remakes_the_pages_that_list_or_count_its_members_only(built, tmp_path,
                                                                                         monkeypatch):
    """A page showing a topic's name does not depend on the topic's items (deps.MEMBERSHIPS):
    a new digest does not make every page linking to its topics again. A page counting them does."""
    from bulletin.render_pages import PageRenderer

    site, output = built
    rendered: list[str] = []
    real = PageRenderer.run
    monkeypatch.setattr(PageRenderer, "run",
                        lambda self, pages: rendered.extend(p.url for p, _ in pages) or real(self, pages))
    week = WEEKS[4]  # the newest: its neighbour is the digest of 2021-w01
    (site / "content" / "2021" / "2021-w02.md").write_text(digest_text(week, place="Bắc Việt"), encoding="utf-8")
    build_site(site, output)
    assert "topics/dat-dai/index.html" in rendered and "digests/2021/2021-w01/index.html" in rendered
    assert "digests/2020/2020-w50/index.html" not in rendered  # links to "Đất đai", does not count it
    assert_same_as_clean(site, output, tmp_path / "clean")
    (site / "templates" / "digest.html").write_text(SITE_TEMPLATES[1][1], encoding="utf-8")
    build_site(site, output)
    rendered.clear()
    (site / "content" / "2021" / "2021-w02.md").unlink()
    build_site(site, output)
    assert "digests/2020/2020-w50/index.html" in rendered  # now it counts the topic's items
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_files_no_longer_produced_are_removed(built):
    site, output = built
    page = output / "digests" / "2020" / "2020-w50" / "index.html"
    assert page.exists()
    (site / "content" / "2020" / "2020-w50.md").unlink()
    result = build_site(site, output)
    assert result.removed > 0 and not page.exists()


def test_no_op_rebuild_takes_the_fast_path(built):
    site, output = built
    full = build_site(site, output, clean=True)
    result = build_site(site, output)
    assert result.site is None and result.written == 0
    # the summary line counts as a build's does: the pages, and every file unchanged
    assert (result.pages, result.unchanged, result.digests) == (full.pages, full.written + full.unchanged,
                                                               full.digests)


def test_a_no_op_rebuild_imports_none_of_the_stages(built):
    """Through the real command: the stages' libraries are imported only by a build with work."""
    site, output = built
    script = ("import sys\nfrom bulletin.cli import main\n"
              f"main(['build', '--source', {str(site)!r}, '--output', {str(output)!r}], standalone_mode=False)\n"
              "print(sorted(m for m in ('jinja2', 'markdown', 'numpy', 'nh3', 'bs4', 'bulletin.pipeline') "
              "if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "0 files written" in run.stdout and run.stdout.splitlines()[-1] == "[]", run.stdout
    digest = site / "content" / "2020" / "2020-w50.md"
    digest.write_text(digest.read_text(encoding="utf-8") + "\nMột câu thêm.\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "bulletin.pipeline" in run.stdout.splitlines()[-1] and "jinja2" in run.stdout.splitlines()[-1]


def test_a_deleted_output_folder_is_built_again_in_full(built, tmp_path):
    site, output = built
    expected = tree(output)
    shutil.rmtree(output)
    build_site(site, output)
    assert tree(output) == expected


@pytest.mark.parametrize("victim", ["index.html", "digests/2020/2020-w51/index.html", "data/decisions.json",
                                    "search/manifest.js"])
def test_output_files_deleted_by_hand_are_made_again(built, victim):
    site, output = built
    expected = tree(output)
    for path in (output / "search").glob("u/*.js"):  # a search shard too: the model did not change
        path.unlink()
        break
    (output / victim).unlink()
    path = site / "content" / "2020" / "2020-w51.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # not a no-op build
    _touch_later(path)
    build_site(site, output)
    path.write_text(path.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    _touch_later(path)
    build_site(site, output)
    assert tree(output) == expected


def test_an_emptied_output_folder_is_noticed_even_when_no_input_changed(built):
    site, output = built
    expected = tree(output)
    for child in output.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    build_site(site, output)
    assert tree(output) == expected


def test_a_deleted_search_shard_is_made_again_when_only_a_template_changed(built):
    site, output = built
    shard = sorted((output / "search" / "u").glob("*.js"))[0]
    expected = shard.read_bytes()
    shard.unlink()
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "404.html").write_text("{% extends 'base.html' %}{% block content %}Không thấy{% endblock %}",
                                                 encoding="utf-8")
    result = build_site(site, output)
    assert result.site is not None and shard.read_bytes() == expected


def _count_tokenising(monkeypatch) -> list[int]:
    """The documents the build tokenised for the search postings, one count per part."""
    from bulletin.search import tokens

    parts: list[int] = []
    real = tokens._tokenise
    monkeypatch.setattr(tokens, "_tokenise", lambda kind, ids, *rest: parts.append(len(ids)) or real(kind, ids, *rest))
    return parts


def _count_document_hashing(monkeypatch) -> list[int]:
    """The documents whose texts the build hashed for the search postings, one count per call."""
    from bulletin.search import tokens

    counts: list[int] = []
    real = tokens._hashes
    monkeypatch.setattr(tokens, "_hashes", lambda docs, text: counts.append(len(docs)) or real(docs, text))
    return counts


def test_a_digest_added_in_between_hashes_only_its_own_documents_texts(built, monkeypatch, tmp_path):
    """The documents after it get other ids; their hashes are found by name (search/tokens.py)."""
    site, output = built
    hashed = _count_document_hashing(monkeypatch)
    (site / "content" / "2020" / "2020-w52.md").write_text(
        '---\ntitle: "Bản tin tuần 52"\nweek_start: 2020-12-21\nweek_end: 2020-12-27\n---\n\n'
        "Tuần này UBND tỉnh họp thường kỳ.\n\n## Giao chỉ tiêu {topics=\"Kế hoạch\"}\n\n"
        "UBND tỉnh ban hành Quyết định số 777/QĐ-UBND ngày 22/12/2020 giao chỉ tiêu.\n", encoding="utf-8")
    build_site(site, output)
    assert sum(hashed) == 2, hashed  # its item and the one document it cites, both new
    assert_same_as_clean(site, output, tmp_path / "clean")


def _count_shards(monkeypatch) -> list[str]:
    """The kinds of the postings shards the build made rather than took from the last build."""
    from bulletin.search import shards

    made: list[str] = []
    real = shards._shard
    monkeypatch.setattr(shards, "_shard", lambda kind, first, parts: made.append(kind) or real(kind, first, parts))
    return made


def test_a_topic_change_reuses_the_search_postings(built, monkeypatch, tmp_path):
    site, output = built
    calls = _count_tokenising(monkeypatch)
    made = _count_shards(monkeypatch)
    change_topics(site, random.Random(1))
    result = build_site(site, output)
    assert calls == [] and result.written > 0  # no searchable text changed
    assert made == []  # every shard is last build's
    assert not [p for p in result.changed if p.startswith(("search/u/", "search/t/", "search/b/"))]
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_a_text_edit_tokenises_only_the_documents_it_changed(built, monkeypatch, tmp_path):
    site, output = built
    calls = _count_tokenising(monkeypatch)
    edit_text(site, random.Random(1))
    result = build_site(site, output)
    assert calls and 1 <= sum(calls) <= 3  # the edited item (and the one its sentence may join)
    assert [p for p in result.changed if p.startswith("search/u/")]
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_added_and_deleted_digests_are_the_only_documents_tokenised(built, monkeypatch, tmp_path):
    site, output = built
    files = sorted((site / "content").rglob("*.md"))
    calls = _count_tokenising(monkeypatch)
    added = files[0].with_name("zz-them.md")
    added.write_text(files[0].read_text(encoding="utf-8").replace('title: "', 'title: "Bổ sung ', 1),
                     encoding="utf-8")
    build_site(site, output)
    items_of_one_digest = sum(calls)
    assert 1 <= items_of_one_digest <= 40  # its items only: no decision is new, every later id shifted
    assert_same_as_clean(site, output, tmp_path / "clean")
    calls.clear()
    added.unlink()
    files[-1].unlink()
    build_site(site, output)
    assert sum(calls) == 0  # what is left was all seen before, under other ids
    assert_same_as_clean(site, output, tmp_path / "clean2")


def test_lost_or_foreign_postings_rows_mean_tokenising_everything(built, monkeypatch, tmp_path):
    site, output = built
    rows = next((site / ".bulletin").glob("*-search.npz"))
    calls = _count_tokenising(monkeypatch)
    for damage in (lambda: rows.write_bytes(b"not numpy"), lambda: rows.unlink()):
        damage()
        edit_text(site, random.Random(len(calls)))
        result = build_site(site, output)
        items, decisions = documents(result.site)
        assert sum(calls) == len(items) + len(decisions)
        calls.clear()
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_a_search_shard_edited_by_hand_is_not_reused(built, monkeypatch, tmp_path):
    site, output = built
    shard = sorted((output / "search" / "b").glob("*.js"))[0]
    shard.write_bytes(shard.read_bytes().replace(b'"', b"'", 1))
    calls = _count_tokenising(monkeypatch)
    made = _count_shards(monkeypatch)
    change_topics(site, random.Random(2))
    build_site(site, output)
    assert calls and sum(calls) == 0  # every document's rows are kept
    assert "b" in made  # the shards are made again, not copied from the files
    clean = tmp_path / "clean"
    build_site(site, clean, state=False)
    assert (output / "search" / "manifest.js").read_bytes() == (clean / "search" / "manifest.js").read_bytes()


def test_a_new_generator_version_renders_everything_and_rewrites_only_changed_files(built, monkeypatch):
    from bulletin import inputs

    site, output = built
    page = output / "index.html"
    before = page.stat().st_mtime_ns
    monkeypatch.setattr(inputs, "code_fingerprint", lambda: "the next version")
    result = build_site(site, output)
    rendered, written, changed = result.site is not None, result.written, result.changed
    assert rendered and (written, changed) == (0, [])  # all rendered again, to the same bytes
    assert page.stat().st_mtime_ns == before
    result = build_site(site, output, clean=True)  # --clean trusts nothing it recorded
    assert result.unchanged == 0 and result.written > result.pages


def test_an_older_versions_state_is_remade_and_its_files_stay_ours(built, tmp_path):
    """A state written by schema 4 (parsed bodies in one column, outputs without deps): its
    tables are made anew; the site comes out as a clean build's, and a file bulletin wrote
    that the new build no longer makes is still removed (it is known to be ours)."""
    import sqlite3

    site, output = built
    stale = output / "topics" / "mot-chu-de-cu.html"
    db = sqlite3.connect(state_file(site, output))
    db.executescript("DROP TABLE parsed; CREATE TABLE parsed (hash TEXT PRIMARY KEY, body BLOB);"
                     "CREATE TABLE old AS SELECT path, hash, fingerprint FROM outputs;"
                     "DROP TABLE outputs; ALTER TABLE old RENAME TO outputs;"
                     "UPDATE meta SET value = '4' WHERE name = 'schema';")
    db.execute("INSERT INTO outputs VALUES (?, '', '')", ("topics/mot-chu-de-cu.html",))
    db.commit()
    db.close()
    stale.write_text("<p>an old page</p>", encoding="utf-8")
    _touch_later(site / "content" / "2020" / "2020-w51.md")
    result = build_site(site, output)
    assert result.written == 0 and result.removed == 1 and not stale.exists()
    clean = tmp_path / "clean"
    build_site(site, clean, state=False)
    assert tree(output) == tree(clean)
    assert build_site(site, output).written == 0


def _count_document_chunks(monkeypatch) -> list[str]:
    """The search document chunks (i/ and x/) the build made rather than reused."""
    from bulletin.search import index

    made: list[str] = []
    real = index.script
    monkeypatch.setattr(index, "script", lambda key, value: made.append(key) or real(key, value))
    return made


def _count_data_elements(monkeypatch) -> list[str]:
    """The elements of data/*.json the build encoded rather than copied from the last build's file."""
    from bulletin import data

    made: list[str] = []
    for name in ("digest_json", "decision_json"):
        real = getattr(data, name)
        monkeypatch.setattr(data, name, lambda value, real=real, name=name: made.append(name) or real(value))
    return made


def _sixteen_digests(root: Path) -> Path:
    site = make_site(root)
    for n in range(1, 13):  # 16 digests, two items each: four chunks of items
        start = date(2019, 1, 7) + timedelta(weeks=n)
        week = (2019, start.isocalendar()[1], start.isoformat(), (start + timedelta(days=6)).isoformat())
        (site / "content" / "2019").mkdir(exist_ok=True)
        (site / "content" / "2019" / f"w{n:02d}.md").write_text(digest_text(week, number=3000 + n, plan=400 + n),
                                                                encoding="utf-8")
    return site


def _edit_oldest(site: Path) -> None:
    oldest = site / "content" / "2019" / "w01.md"
    oldest.write_text(oldest.read_text(encoding="utf-8").replace("phương án sử dụng đất.", "phương án mới."),
                      encoding="utf-8")
    _touch_later(oldest)


def test_a_text_edit_makes_only_the_document_chunks_showing_that_digest(tmp_path, monkeypatch):
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    build_site(site, output)
    made = _count_document_chunks(monkeypatch)
    elements = _count_data_elements(monkeypatch)
    _edit_oldest(site)
    build_site(site, output)
    items = [key for key in made if key.startswith("i/")]
    decisions = [key for key in made if key.startswith("x/")]
    assert items == ["i/0"]  # its items are the first ids; the other three chunks are reused
    assert 1 <= len(decisions) <= 2  # the chunks holding the documents it cites (their mentions changed)
    # data/*.json: the (at most three) documents it cites; its digest's element shows no text,
    # and data/digests.json is last build's (test_same_structure.py)
    assert elements.count("digest_json") == 0 and 1 <= elements.count("decision_json") <= 3, elements
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_a_data_file_edited_by_hand_is_made_again_whole(tmp_path, monkeypatch):
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    build_site(site, output)
    decisions = output / "data" / "decisions.json"
    decisions.write_bytes(decisions.read_bytes().replace(b"UBND", b"UBNX"))  # same length, other bytes
    elements = _count_data_elements(monkeypatch)
    _edit_oldest(site)
    build_site(site, output)
    assert elements.count("decision_json") > 10  # nothing was copied from the edited file
    assert_same_as_clean(site, output, tmp_path / "clean")



def test_a_topic_page_whose_items_all_come_from_one_digest_follows_a_shift(tmp_path):
    """A topic page's items are told apart by their position in their digest, not only by the
    digest: deleting an older digest shifts page 2 from items 4–5 to items 3–4 of the same
    digest, and nothing else that page reads changed."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "bulletin.toml").write_text('title = "Thử"\nitems_per_page = 2\n', encoding="utf-8")
    many = "".join(f"## Việc {n} {{topics=\"Đất đai\"}}\n\nNội dung việc {n}.\n\n" for n in range(1, 7))
    (site / "content" / "c.md").write_text(
        f'---\ntitle: "Tuần sau"\nweek_start: 2020-12-21\nweek_end: 2020-12-27\n---\n\n{many}', encoding="utf-8")
    (site / "content" / "b.md").write_text(  # between the two: the deleted digest is not a neighbour of c.md
        '---\ntitle: "Tuần giữa"\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n\n'
        '## Việc khác {topics="Y tế"}\n\nNội dung khác.\n', encoding="utf-8")
    older = site / "content" / "a.md"
    older.write_text('---\ntitle: "Tuần trước"\nweek_start: 2020-12-07\nweek_end: 2020-12-13\n---\n\n'
                     '## Việc cũ {topics="Đất đai"}\n\nNội dung cũ.\n', encoding="utf-8")
    output = tmp_path / "out"
    build_site(site, output)
    page = output / "topics" / "dat-dai" / "page" / "2" / "index.html"
    assert "Việc 4" in page.read_text(encoding="utf-8") and "Việc 3" not in page.read_text(encoding="utf-8")
    older.unlink()
    build_site(site, output)
    assert "Việc 3" in page.read_text(encoding="utf-8")
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_a_site_citing_no_documents_rebuilds_after_an_edit(tmp_path):
    """data/decisions.json is "[]": a rebuild reuses no element of it (and must not fail)."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    path = site / "content" / "a.md"
    path.write_text('---\ntitle: "Tuần"\nweek_start: 2020-12-07\nweek_end: 2020-12-13\n---\n\nKhông trích văn bản nào.\n',
                    encoding="utf-8")
    output = tmp_path / "out"
    build_site(site, output)
    path.write_text(path.read_text(encoding="utf-8") + "\nThêm một câu.\n", encoding="utf-8")
    _touch_later(path)
    assert build_site(site, output).written > 0
    assert (output / "data" / "decisions.json").read_text(encoding="utf-8") == "[]"
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_what_a_page_read_is_recorded_down_to_the_membership(built):
    """`week_range` reads a digest's week (its own fields); `digest.next` its neighbours; a topic's
    name the topic itself and `topic.items` its items (deps.MEMBERSHIPS)."""
    from bulletin.build import load_site
    from bulletin.config import load_config
    from bulletin.render import Renderer

    site_dir, _ = built
    site = load_site(site_dir)[1]
    renderer = Renderer(site_dir, load_config(site_dir))
    env = renderer.env
    digest, topic = site.digests[1], site.topics[0]
    source = ("{{ d|week_range }}|{{ t.name }}|{{ t.items|length }}|{{ d.next.title }}")
    env.recorder = set()
    env.from_string(source).render(d=digest, t=topic)
    keys, env.recorder = env.recorded_keys(), None
    assert keys == {f"d:{digest.url}", f"d:{digest.url}/neighbours", f"d:{digest.next.url}", f"t:{topic.slug}",
                    f"t:{topic.slug}/items"}
    env.recorder = set()
    env.from_string("{{ d|week_range }}").render(d=digest)
    assert env.recorded_keys() == {f"d:{digest.url}"}
    env.recorder = None


def test_a_document_taking_a_key_moves_the_unchanged_digests_citing_its_namesake(built, tmp_path, monkeypatch):
    """Keys are slugs: "40-TB/TU" and "40-TB/TƯ" share one, and the first issuer in code-point
    order keeps it plain (index._assign_keys). A new digest citing 40-TB/TU takes the plain key
    from 40-TB/TƯ, so an unchanged digest citing 40-TB/TƯ now links elsewhere and has another hash:
    the carried hashes must not keep its old one. And what no edit reached is not hashed again."""
    from bulletin import pipeline

    site, output = built
    path = site / "content" / "2020" / "2020-w50.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nTheo Thông báo số 40-TB/TƯ của Trung ương.\n",
                    encoding="utf-8")
    build_site(site, output)
    assert_same_as_clean(site, output, tmp_path / "clean")
    hashed: list[str] = []
    real = pipeline.object_hashes

    def counting(value, own=None):
        if own is None:
            hashed.append(type(value).__name__)
        return real(value, own)

    monkeypatch.setattr(pipeline, "object_hashes", counting)
    (site / "content" / "2021" / "2021-w02.md").write_text(
        '---\ntitle: "Bản tin tuần 2"\nweek_start: 2021-01-11\nweek_end: 2021-01-17\n---\n\n'
        "## Kết luận của Tỉnh ủy\n\nThực hiện Thông báo số 40-TB/TU ngày 10/12/2020 của Tỉnh ủy.\n",
        encoding="utf-8")
    build_site(site, output)
    # the new digest and the one citing the namesake; the two documents sharing the key base
    assert (hashed.count("Digest"), hashed.count("Decision")) == (2, 2), hashed
    assert len(list((output / "decisions" / "2020").glob("tb-tu-40-2020*.html"))) == 2  # they collided
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_pages_named_by_their_object_keep_their_fingerprints_until_a_template_changes(built, tmp_path, monkeypatch):
    """Digest and decision pages (`Page.keyed`) reuse last build's fingerprints while their
    template files are the same (plan.py); a template edit makes every one of them anew."""
    from bulletin import plan

    site, output = built
    contexts: list[dict] = []
    real = plan.identity
    monkeypatch.setattr(plan, "identity", lambda context: contexts.append(context) or real(context))
    change_topics(site, random.Random(1))  # (after an edit of texts alone, no page's: test_same_structure.py)
    result = build_site(site, output)
    assert contexts and not any("digest" in c and len(c) == 1 or "decision" in c for c in contexts), contexts
    assert_same_as_clean(site, output, tmp_path / "clean")
    contexts.clear()
    (site / "templates" / "decision.html").write_text(SITE_TEMPLATES[0][1], encoding="utf-8")
    result = build_site(site, output)
    decisions = [c["decision"] for c in contexts if "decision" in c]
    assert len(decisions) == len(result.site.decisions) and "decisions/2020/qd-ubnd-2610-2020.html" in result.changed
    assert not any("digest" in c and len(c) == 1 for c in contexts)  # digest.html is as it was
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_rows_saved_by_a_build_that_then_failed_lend_no_document_hashes(built, tmp_path):
    """A build saves its search rows before it commits (search_state.keep_forward). When it then
    fails, the next build must not take document hashes from those rows: here they hash the
    label that an edit, reverted since, gave a document ("15/2020/NĐ-CP" for "15/NĐ-CP"), and
    an unchanged digest's item shows that label. (Dropping the check made this test fail.)"""
    from bulletin import urls
    from bulletin.errors import UsageError

    site, output = built
    oldest, newest = site / "content" / "2020" / "2020-w50.md", site / "content" / "2021" / "2021-w01.md"
    oldest.write_text(digest_text(WEEKS[0], body_extra="Theo Nghị định số 15/NĐ-CP."), encoding="utf-8")
    original = ('---\ntitle: "Bản tin tuần 1"\nweek_start: 2021-01-04\nweek_end: 2021-01-10\n---\n\n'
                "## Phiên họp thường kỳ\n\nUBND tỉnh họp thường kỳ tháng 12.\n")  # cites nothing
    newest.write_text(original, encoding="utf-8")
    build_site(site, output)
    newest.write_text(original.replace("thường kỳ\n", 'thường kỳ {topics="Giáo dục"}\n').replace(
        "tháng 12.", "tháng 12 theo Nghị định số 15/2020/NĐ-CP."), encoding="utf-8")  # the same documents
    foreign = output / urls.topic("giao-duc")  # the new topic's page would replace a publisher's file
    foreign.parent.mkdir(parents=True)
    foreign.write_text("not ours", encoding="utf-8")
    with pytest.raises(UsageError):
        build_site(site, output)
    foreign.unlink()
    newest.write_text(original.replace("tháng 12", "tháng 11"), encoding="utf-8")  # reverted, and a new text
    build_site(site, output)
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_pages_reading_matches_whole_keys():
    db = BuildState(None)
    try:
        db.save(sources={}, removed_sources=set(), objects={}, old_objects={}, removed_outputs=set(), meta={},
                outputs={"a.html": ("h", "f"), "b.html": ("h", "f"), "c.html": ("h", "f"), "d.html": ("h", "")},
                deps={"a.html": "decision:qd-ubnd-26-2020\ntopic:dat-dai/items",
                      "b.html": "decision:qd-ubnd-2610-2020",  # holds the first key as text, not as a key
                      "c.html": "topic:dat-dai"})
        assert db.pages_reading({"decision:qd-ubnd-26-2020", "topic:dat-dai"}) == {"a.html", "c.html"}
    finally:
        db.close()


def test_serves_parsed_bodies_are_read_once_and_trusted_only_while_the_state_has_them(built, monkeypatch, tmp_path):
    import bulletin.sources
    import bulletin.state
    import bulletin.stored_bodies

    site, output = built
    memo: dict = {}
    rng = random.Random(3)
    # (citation changes: after an edit of texts or topics alone, the model is restored, no body read: snapshot.py)
    change_citation(site, rng)
    build_site(site, output, parsed_memo=memo)
    digests = len(list((site / "content").rglob("*.md")))
    assert len(memo) == digests - 1  # all but the one parsed now, which the next build reads
    unpickled = []  # bodies read back: unpacked whole (fresh from a worker) or from the state
    real_unpack, real_read_back = bulletin.stored_bodies.unpack_body, bulletin.state.BuildState._read_back
    monkeypatch.setattr(bulletin.stored_bodies, "unpack_body", lambda stored: unpickled.append(1) or real_unpack(stored))
    monkeypatch.setattr(bulletin.state, "unpack_body", bulletin.stored_bodies.unpack_body)
    monkeypatch.setattr(bulletin.state.BuildState, "_read_back",
                        lambda self, key, stored: unpickled.append(1) or real_read_back(self, key, stored))
    monkeypatch.setattr(bulletin.sources, "unpack_body", bulletin.stored_bodies.unpack_body)
    change_citation(site, rng)
    build_site(site, output, parsed_memo=memo)
    # the body parsed now (unpacked from its stored form), and the one parsed by the last build
    assert len(unpickled) <= 2 < digests and len(memo) >= digests - 1
    assert_same_as_clean(site, output, tmp_path / "clean")
    # Another process's reset empties the parse cache behind this process's back: nothing
    # in memory may stand in for it (pages read their HTML from the state).
    db = BuildState(state_file(site, output))
    db.db.execute("DELETE FROM parsed")
    db.close()
    edit_text(site, rng)
    build_site(site, output, parsed_memo=memo)
    assert_same_as_clean(site, output, tmp_path / "clean")
    assert set(memo) <= {h for (h,) in _parsed_keys(site, output)}


def _parsed_keys(site: Path, output: Path) -> list[tuple[str]]:
    db = BuildState(state_file(site, output))
    try:
        return list(db.db.execute("SELECT hash FROM parsed"))
    finally:
        db.close()


# -- the texts of parsed bodies, read back only when shown (stored_bodies.TextsInState) -------------------

def _count_text_reads(monkeypatch) -> list[str]:
    import bulletin.stored_bodies

    reads, real = [], bulletin.stored_bodies.TextsInState._read

    def counting(self):
        if self._texts is None:
            reads.append(self.key)
        return real(self)

    monkeypatch.setattr(bulletin.stored_bodies.TextsInState, "_read", counting)
    return reads


def test_a_rebuild_reads_the_texts_of_the_bodies_it_shows_only(built, monkeypatch, tmp_path):
    """A text edit re-renders the pages and remakes the files that show the digest: the texts
    of the other digests, read back without them, mostly stay in the state."""
    site, output = built
    (site / "content" / "2019").mkdir()
    for n in range(1, 13):  # digests that share no topic, decision or page listing with the edited one
        start = date.fromisocalendar(2019, n * 4, 1)
        (site / "content" / "2019" / f"2019-w{n * 4:02d}.md").write_text(
            f"---\ntitle: Tuần {n * 4}\nweek_start: {start}\nweek_end: {start + timedelta(days=6)}\n---\n\n"
            f"Mở đầu {n}.\n\n## Mục {n} {{topics=\"Chủ đề {n}\"}}\n\nTheo Quyết định số {3000 + n}/QĐ-UBND.\n",
            encoding="utf-8")
    monkeypatch.setattr("bulletin.search.index.CHUNK_ITEMS", 1)  # search documents of one item a file
    build_site(site, output, workers=1)
    reads = _count_text_reads(monkeypatch)
    path = site / "content" / "2019" / "2019-w24.md"
    path.write_text(path.read_text(encoding="utf-8") + "Một câu nữa.\n", encoding="utf-8")
    _touch_later(path)
    build_site(site, output, workers=1)
    digests = len(list((site / "content").rglob("*.md")))
    assert 0 < len(reads) == len(set(reads)) < digests / 2, (len(reads), digests)  # each read once, if at all
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_texts_read_back_are_the_texts_parsed(built, tmp_path):
    """Every page shows the same texts whether its digests were parsed now or read back:
    a template change re-renders every page from bodies read back without their texts."""
    site, output = built
    (site / "content" / "2021" / "2021-w20.md").write_text(  # sentences in the lead and in items
        "---\ntitle: Tuần 20\nweek_start: 2021-05-17\nweek_end: 2021-05-23\n---\n\n"
        "Theo Quyết định số 101/QĐ-UBND. Và Kế hoạch số 102/KH-UBND.\n\n## Một {topics=\"Đất đai\"}\n\n"
        "Công văn số 103/UBND-KT. Rồi Quyết định số 101/QĐ-UBND lần nữa.\n\n## Hai\n\nTờ trình số 104/TTr-STC.\n",
        encoding="utf-8")
    build_site(site, output)
    (site / "templates" / "partials").mkdir()
    for name in ("decision.html", "partials/item_entry.html", "partials/decision_row.html"):
        builtin = (Path(__file__).parent.parent / "bulletin" / "theme" / "templates" / name).read_text(encoding="utf-8")
        (site / "templates" / name).write_text(builtin + "{# another #}\n", encoding="utf-8")
    result = build_site(site, output, workers=2)
    assert result.written == 0  # comments only: the same bytes, from texts read back
    assert_same_as_clean(site, output, tmp_path / "clean")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "Theo Quyết định số 2610/QĐ-UBND ngày 15/12/2020. ", "Kế hoạch số 199/KH-UBND. ", "Một câu. ",
    "\n\n## Mục {topics=\"Đất đai\"}\n\n", "\n\n## Mục khác\n\n", "\n\n", "Công văn số 815/UBND-KT. "]),
    max_size=25).map("".join))
def test_a_body_packed_without_its_texts_unpacks_whole(body_text):
    from bulletin.parse import parse_body
    from bulletin.stored_bodies import pack_body, unpack_body

    body = parse_body(body_text)
    before = repr(body)
    stored = pack_body(body)
    assert repr(body) == before  # packing leaves the body as it was
    assert unpack_body(stored) == body
    skeleton = pickle.loads(stored[0])
    assert all(item.text is None for item in skeleton.items)
    assert all(cited.sentence is None for cited in skeleton.citations())


def test_memoised_bodies_share_one_connection_for_their_texts(built):
    """`serve` keeps bodies read back by each build: their texts come through one connection
    per state file, not one per build they were read in (each would stay open)."""
    import gc

    site, output = built
    memo: dict = {}

    def open_files() -> int:
        gc.collect()  # a build's own connections are closed once its cycles are collected
        return len(os.listdir("/proc/self/fd"))

    counts = []
    for round_ in range(5):
        edit_text(site, random.Random(round_))
        change_template(site, random.Random(round_))
        build_site(site, output, parsed_memo=memo, workers=1)
        counts.append(open_files())
    assert counts[-1] <= counts[1], counts


def test_bodies_read_back_from_a_state_in_memory_come_with_their_texts():
    """`check` keeps its state in memory: no file to read texts from later, so they come at once."""
    from bulletin.parse import parse_body
    from bulletin.stored_bodies import pack_body

    body = parse_body("Theo Quyết định số 2610/QĐ-UBND.\n\n## Mục\n\nKế hoạch số 199/KH-UBND. Hết.\n")
    db = BuildState(None)
    try:
        db.save_parsed({"k": pack_body(body)})
        back = db.parsed(["k"])["k"]
    finally:
        db.close()
    back.html = body.html  # (the HTML stays in the state)
    assert back == body and back.texts is None and back.items[0].text == "Kế hoạch số 199/KH-UBND. Hết."


def test_serve_recalls_parsed_bodies_with_their_texts(built, monkeypatch):
    """While `serve` waits for a save it reads every parsed body into memory, texts too: an
    edit then reads no text of a body it did not parse."""
    from bulletin.build import load_site

    site, output = built
    memo: dict = {}
    db = BuildState(state_file(site, output), memo)
    try:
        recalled = db.recall_parsed()
    finally:
        db.close()
    reads = _count_text_reads(monkeypatch)
    recalled_texts = sorted((tuple(body.item_text(n) for n in range(len(body.items))),
                             tuple(body.texts.sentence(n) for n, _ in enumerate(body.citations())))
                            for body in memo.values())
    fresh = load_site(site)[1]
    mentions = [m for x in fresh.decisions for m in x.mentions if m.sentence >= 0]
    fresh_texts = sorted((tuple(i.text for i in d.items),
                          tuple(m.text for m in sorted((m for m in mentions if m.digest is d), key=lambda m: m.sentence)))
                         for d in fresh.digests)
    digests = len(fresh.digests)  # (a failing assertion would show the model's repr: minutes)
    assert recalled == digests and reads == []
    assert recalled_texts == fresh_texts and any(sentences for _, sentences in fresh_texts)


def test_a_state_deleted_under_a_long_lived_process_is_read_anew(built, tmp_path):
    """`serve` runs, and the state folder and the site are deleted by hand: the builds after it
    read texts from the new state file, not from the deleted one still open."""
    site, output = built
    memo: dict = {}
    build_site(site, output, parsed_memo=memo, workers=1)
    edit_text(site, random.Random(1))
    change_template(site, random.Random(1))
    build_site(site, output, parsed_memo=memo, workers=1)  # texts read back through the state file
    shutil.rmtree(state_file(site, output).parent)
    shutil.rmtree(output)
    for round_ in range(2, 5):  # a first build, then rebuilds reading texts back
        edit_text(site, random.Random(round_))
        change_template(site, random.Random(round_))
        build_site(site, output, parsed_memo=memo, workers=1)
        assert_same_as_clean(site, output, tmp_path / f"clean{round_}")


def test_texts_lost_from_the_state_are_a_clear_build_error(built):
    from bulletin.errors import BuildError
    from bulletin.stored_bodies import TextsInState, texts_connection

    site, output = built
    path = state_file(site, output)
    with pytest.raises(BuildError) as caught:
        TextsInState(texts_connection(path), "0" * 32).item(0)
    report = caught.value.report()
    assert str(path) in report and "--clean" in report
