"""A rebuild after edits of texts only (carried_hashes.CarriedHashes.same_structure), or of
texts and topics only (`same_documents`).

When every file read again differs from its last version in its texts alone, the index is
last build's object for object: the build takes last build's object hashes but for the
digests and decisions the edit reaches, reuses every page's fingerprint, and keeps the list
files that show no text. When topics changed too, only the topics' objects and pages are
made anew besides. Each case here ends equal to a clean build, output and build state.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_incremental import (
    _count_data_elements,
    _count_document_chunks,
    _sixteen_digests,
    _touch_later,
    add_digest,
    assert_same_as_clean,
    change_citation,
    change_topics,
    delete_digest,
    edit_text,
    rename_digest,
)

from bulletin import carried_hashes, deps, pipeline, plan, snapshot
from bulletin.build import build_site, load_site
from bulletin.pages import TOPIC_TEMPLATES, decision_types, decision_years, site_pages

OLDEST = Path("content/2019/w01.md")

TEXTS, TOPICS, OTHER = "texts", "topics", "other"  # what an edit changed: texts only, texts and topics only, more

EDITS = {
    "a sentence that cites a document": (lambda t: t.replace("phương án sử dụng đất.", "phương án mới."), TEXTS),
    "a new paragraph in an item": (lambda t: t.replace("\n## Giao đất", "Thêm một đoạn.\n\n## Giao đất"), TEXTS),
    "the lead": (lambda t: t.replace("nhiều văn bản", "nhiều văn bản quan trọng"), TEXTS),
    "the same bytes again": (lambda t: t, TEXTS),
    "an item's topics": (lambda t: t.replace('{topics="Y tế"}', '{topics="Y tế, Giáo dục"}'), TOPICS),
    "an item's new topic": (lambda t: t.replace('{topics="Y tế"}', '{topics="Y tế, Chủ đề mới"}'), TOPICS),
    "an item's only topic dropped": (lambda t: t.replace(' {topics="Y tế"}', ""), TOPICS),
    "the digest's topics": (lambda t: t.replace("topics: [", "topics: [Chủ đề riêng, ", 1), TOPICS),
    "a topic spelled otherwise": (lambda t: t.replace('{topics="Y tế"}', '{topics="Y TẾ"}'), TOPICS),
    "a heading": (lambda t: t.replace("## Giao đất", "## Giao thêm đất"), OTHER),
    "a cited number": (lambda t: re.sub(r"Kế hoạch số \d+", "Kế hoạch số 7", t), OTHER),
    "a cited document's date": (lambda t: re.sub(r"ngày \d\d/\d\d/2019", "ngày 02/01/2019", t), OTHER),
    "a second citation in a sentence": (lambda t: t.replace("phương án sử dụng đất.",
                                                            "phương án sử dụng đất, số 9/TB-UBND."), OTHER),
    "the title": (lambda t: t.replace('title: "Bản tin', 'title: "Tin'), OTHER),
    "the summary": (lambda t: t.replace("topics: [", 'summary: "Tóm tắt"\ntopics: [', 1), OTHER),
}


@pytest.fixture(autouse=True)
def _snapshots_of_small_sites(monkeypatch):
    """The model's snapshot (snapshot.py), which only a big site saves, saved by these small ones."""
    monkeypatch.setattr(snapshot, "MIN_DIGESTS", 0)


def _built(site: Path, output: Path) -> None:
    """A first build, then one that finds the structure unchanged and so saves the model's
    snapshot (snapshot.worth_saving)."""
    build_site(site, output)
    _touch_later(site / OLDEST)
    build_site(site, output)
    assert list((site / ".bulletin").glob("*-model.marshal"))


def _spy_on_structure(monkeypatch) -> list[str]:
    """What each build found the edit changed (TEXTS, TOPICS, OTHER)."""
    seen: list[str] = []
    real = carried_hashes.CarriedHashes.of.__func__

    def of(cls, *args):
        carried = real(cls, *args)
        same_documents = carried is not None and carried.same_documents
        seen.append(TEXTS if same_documents and carried.same_structure else TOPICS if same_documents else OTHER)
        return carried

    monkeypatch.setattr(carried_hashes.CarriedHashes, "of", classmethod(of))
    return seen


def _count(monkeypatch, module, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("name", EDITS)
def test_only_an_edit_of_texts_carries_the_structure_over(tmp_path, monkeypatch, name):
    edit, changed = EDITS[name]
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    _built(site, output)
    source = site / OLDEST
    before = source.read_text(encoding="utf-8")
    assert name == "the same bytes again" or edit(before) != before, "the edit found nothing to change"
    source.write_text(edit(before), encoding="utf-8")
    _touch_later(source)
    seen = _spy_on_structure(monkeypatch)
    hashed = _count(monkeypatch, pipeline, "_object_hashes")
    indexed = _count(monkeypatch, pipeline, "build_index")
    identities = _contexts_identified(monkeypatch)
    elements = _count_data_elements(monkeypatch)
    search_files = _count_document_chunks(monkeypatch)
    build_site(site, output)
    assert seen == [changed]
    filters = [key for key in search_files if key.startswith("f/")]
    if changed == TEXTS:  # last build's model restored (snapshot.py); nothing hashed but what the edit
        # reaches, no page's context, no digest element, no filter
        assert not indexed and not hashed and not identities and "digest_json" not in elements and not filters
    elif changed == TOPICS:  # the topics besides (worked out from the topics' snapshot): their hashes, their
        # pages' contexts, the elements that name them
        assert not indexed and not hashed and identities
        assert all("topic" in names or "topics" in names for names in identities)
        assert "digest_json" in elements
        # only the filters of topics whose lists changed (none when a spelling did), never the types'
        assert bool(filters) == (name != "a topic spelled otherwise")
        assert not any(key.startswith("f/k") for key in filters)
        if name == "an item's only topic dropped":  # the same topics: only the filter of the one that lost an item
            assert len(filters) == 1
    else:
        assert indexed and hashed and "digest_json" in elements
    assert_same_as_clean(site, output, tmp_path / "clean")


def _contexts_identified(monkeypatch) -> list[frozenset[str]]:
    """The names in each page context whose identity the plan computes."""
    seen: list[frozenset[str]] = []
    real = plan.identity
    monkeypatch.setattr(plan, "identity", lambda context: seen.append(frozenset(context)) or real(context))
    return seen


def test_edits_of_texts_in_a_row_and_then_a_structural_one(tmp_path):
    """Hashes, fingerprints and list signatures carried from build to build stay those of a
    clean build, and a later edit that changes the structure finds them right."""
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    build_site(site, output)
    for n, path in enumerate([OLDEST, Path("content/2019/w05.md"), OLDEST]):
        source = site / path
        source.write_text(source.read_text(encoding="utf-8").replace("UBND tỉnh giao", f"Lần {n}: UBND tỉnh giao"),
                          encoding="utf-8")
        _touch_later(source)
        build_site(site, output)
        assert_same_as_clean(site, output, tmp_path / "clean")
    source = site / OLDEST
    source.write_text(source.read_text(encoding="utf-8").replace("## Giao đất", "## Giao thêm đất"), encoding="utf-8")
    _touch_later(source)
    build_site(site, output)
    assert_same_as_clean(site, output, tmp_path / "clean")


def test_a_file_added_or_removed_is_never_the_same_structure(tmp_path, monkeypatch):
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    build_site(site, output)
    seen = _spy_on_structure(monkeypatch)
    copy = site / "content" / "2019" / "w13.md"
    copy.write_text((site / "content" / "2019" / "w12.md").read_text(encoding="utf-8").replace(
        "week_start: 2019-03-", "week_start: 2019-03-").replace("tuần 12", "tuần 13"), encoding="utf-8")
    (site / "content" / "2019" / "w12.md").unlink()  # the same digest under another name
    build_site(site, output)
    assert seen == [OTHER]
    assert_same_as_clean(site, output, tmp_path / "clean")


@pytest.mark.parametrize("sentence, texts_only", [("Thêm một câu.", True),
                                                   ("Tỉnh tổ chức lễ hội mùa xuân.", False)])
def test_topics_found_by_rules_in_an_items_text_are_part_of_the_structure(tmp_path, monkeypatch, sentence,
                                                                          texts_only):
    """With `[topics.rules]`, an item without topics of its own takes them from its text: an
    edit of that text which brings in a keyword changes which topics list the item."""
    site = _sixteen_digests(tmp_path / "site")
    with (site / "bulletin.toml").open("a", encoding="utf-8") as config:
        config.write('\n[topics.rules]\n"Du lịch" = ["lễ hội"]\n')
    source = site / OLDEST
    source.write_text(source.read_text(encoding="utf-8").replace(' {topics="Y tế"}', ""), encoding="utf-8")
    output = tmp_path / "out"
    _built(site, output)
    source.write_text(source.read_text(encoding="utf-8").replace("Kế hoạch số", f"{sentence} Kế hoạch số"),
                      encoding="utf-8")
    _touch_later(source)
    seen = _spy_on_structure(monkeypatch)
    indexed = _count(monkeypatch, pipeline, "build_index")
    result = build_site(site, output)
    assert seen == [TEXTS if texts_only else TOPICS]  # a keyword found: the item's topics changed
    assert not indexed  # the model restored, with its topics worked out again by the rules (topic_snapshot.py)
    assert ("topics/du-lich/index.html" in result.changed) is not texts_only
    assert_same_as_clean(site, output, tmp_path / "clean")


def _keys_in(identity) -> Iterator[str]:
    if isinstance(identity, str):
        yield identity
    elif isinstance(identity, tuple):
        for part in identity:
            yield from _keys_in(part)


def test_the_pages_whose_contexts_hold_topics_are_those_planned_again_after_a_topic_edit(tmp_path):
    """After an edit of texts and topics, only the pages of `TOPIC_TEMPLATES` may have other
    contexts: no other page's context may hold a topic."""
    site_dir = _sixteen_digests(tmp_path / "site")
    _, site, _ = load_site(site_dir)
    years = decision_years(site)
    holding = {page.template for page in site_pages(site, 2, 2, years, decision_types(years), lambda d: "")
               if any(key.startswith("t:") for key in _keys_in(deps.identity(page.context)))}
    assert holding == TOPIC_TEMPLATES


def test_a_small_site_saves_no_snapshot_and_indexes_again_after_an_edit_of_texts(tmp_path, monkeypatch):
    """Below `snapshot.MIN_DIGESTS`, reading the bodies back and indexing them costs less than
    saving the model after every change of structure."""
    monkeypatch.setattr(snapshot, "MIN_DIGESTS", 17)
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    build_site(site, output)
    source = site / OLDEST
    source.write_text(EDITS["a sentence that cites a document"][0](source.read_text(encoding="utf-8")),
                      encoding="utf-8")
    _touch_later(source)
    indexed = _count(monkeypatch, pipeline, "build_index")
    build_site(site, output)
    assert indexed and not list((site / ".bulletin").glob("*-model.marshal"))
    assert_same_as_clean(site, output, tmp_path / "clean")


@pytest.mark.parametrize("saved, first, then", [
    ("*-model.marshal", "the lead", "a sentence that cites a document"),
    ("*-topics.marshal", "an item's topics", "an item's new topic"),  # (topic_snapshot.py: stamped apart)
])
def test_a_snapshot_that_is_not_the_last_builds_is_not_restored(tmp_path, monkeypatch, saved, first, then):
    """A build that failed after writing its snapshot, or another output's: the stamp in the
    build state is not the file's, and the build indexes every file again."""
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    _built(site, output)
    (snapshot_path,) = (site / ".bulletin").glob(saved)
    stale = snapshot_path.read_bytes()
    source = site / OLDEST
    indexed = _count(monkeypatch, pipeline, "build_index")
    for name in (first, then):
        source.write_text(EDITS[name][0](source.read_text(encoding="utf-8")), encoding="utf-8")
        _touch_later(source)
        build_site(site, output)
        if name == first:  # restored, and the file saved again (a new lead; new topics)
            assert not indexed and snapshot_path.read_bytes() != stale
            snapshot_path.write_bytes(stale)  # an older file, not the one whose stamp the state holds
    assert indexed
    assert_same_as_clean(site, output, tmp_path / "clean")


def _edit_a_digest_of_its_own(tmp_path: Path, monkeypatch, text: str, old: str, new: str) -> list[str]:
    """Add a digest (`text`) to the sixteen and build; replace `old` by `new` in it and build
    again, equal to a clean build; what that build found the edit changed."""
    site = _sixteen_digests(tmp_path / "site")
    path = site / "content" / "2019" / "w99.md"
    path.write_text(text, encoding="utf-8")
    output = tmp_path / "out"
    _built(site, output)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    _touch_later(path)
    seen = _spy_on_structure(monkeypatch)
    build_site(site, output)
    found = list(seen)
    assert_same_as_clean(site, output, tmp_path / "clean")
    return found


def test_an_edit_of_texts_in_a_digest_that_cites_nothing(tmp_path, monkeypatch):
    """No document reaches it: it is reached as the file read again."""
    plain = ('---\ntitle: "Bản tin không trích dẫn"\nweek_start: 2019-04-08\nweek_end: 2019-04-14\n'
             'issuer: "UBND tỉnh"\n---\n\nTuần này không có văn bản nào.\n\n'
             '## Thời tiết\n\nTrời mưa.\n')
    assert _edit_a_digest_of_its_own(tmp_path, monkeypatch, plain, "Trời mưa.", "Trời nắng.") == [TEXTS]


def _insert_item(site: Path, rng) -> None:
    """A new first item: the digest's other items keep their topics but move (their positions)."""
    path = rng.choice(sorted((site / "content").rglob("*.md")))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n## ", '\n## Tin mới {topics="Văn hóa"}\n\nNội dung mới.\n\n## ', 1),
                    encoding="utf-8")
    _touch_later(path)


def _pages_of_lists(site_dir: Path) -> tuple[dict[str, tuple[str, object]], dict[str, object]]:
    """Each page of a list (`Page.part_of`): (the list's membership hash, the page's identity);
    and each keyed page's identity (`Page.keyed`)."""
    _, site, _ = load_site(site_dir)
    years = decision_years(site)
    pages, keyed = {}, {}
    for page in site_pages(site, 2, 2, years, decision_types(years), lambda d: ""):
        if page.part_of is not None:
            owner, name = page.part_of
            hashes = dict(deps.object_hashes(owner))
            pages[page.url] = (hashes[deps.membership_key(owner, name)], deps.identity(page.context))
        if page.keyed:
            keyed[page.url] = deps.identity(page.context)
    return pages, keyed


@pytest.mark.parametrize("seed", range(6))
def test_a_page_of_a_list_whose_membership_is_last_builds_has_last_builds_identity(tmp_path, seed):
    """plan.py takes last build's fingerprint for such a page (a topic's, a year's decisions of a
    type), and for a keyed page at the same URL: their identities must follow from that list's
    membership hash, or from the URL, whatever the edit (but a change of settings, which resets
    the build state)."""
    rng = random.Random(seed)
    site_dir = _sixteen_digests(tmp_path / "site")
    before, keyed_before = _pages_of_lists(site_dir)
    held = moved = 0
    for _ in range(5):
        rng.choice([edit_text, change_topics, change_citation, add_digest, delete_digest, rename_digest,
                    _insert_item, _insert_item])(site_dir, rng)
        after, keyed_after = _pages_of_lists(site_dir)
        for url, (membership, identity) in after.items():
            if url in before and before[url][0] == membership:
                assert before[url][1] == identity, url
                held += 1
            elif url in before and before[url][1] != identity:
                moved += 1
        assert all(keyed_before[url] == identity for url, identity in keyed_after.items() if url in keyed_before)
        assert {url for url in keyed_after if url.startswith("archive/")}  # weeks' and years' pages are keyed
        before, keyed_before = after, keyed_after
    assert held and moved  # both kinds were seen


def test_a_digest_without_items_that_changes_topics_moves_its_lead_between_the_topics_filters(tmp_path, monkeypatch):
    """A digest without items is one search document, its lead, found under the digest's topics:
    the filters of the topics it leaves and joins are made again (search/index.py)."""
    lead_only = ('---\ntitle: "Chỉ có phần mở đầu"\nweek_start: 2019-06-03\nweek_end: 2019-06-09\n'
                 'topics: [Nông nghiệp]\n---\n\n'
                 'Tuần này UBND tỉnh ban hành Quyết định số 77/QĐ-UBND.\n')
    assert _edit_a_digest_of_its_own(tmp_path, monkeypatch, lead_only, "[Nông nghiệp]", "[Y tế]") == [TOPICS]


def test_topic_spellings_counted_off_and_in_give_the_name_a_clean_build_gives(tmp_path, monkeypatch):
    """A topic's name is its most written spelling: edits that change which one it is, one
    file at a time, each restored with its topics worked out again (topic_snapshot.respell)."""
    site = _sixteen_digests(tmp_path / "site")
    output = tmp_path / "out"
    _built(site, output)
    indexed = _count(monkeypatch, pipeline, "build_index")
    newest_first = sorted((site / "content").rglob("*.md"), reverse=True)  # (the new spelling first written
    for n, path in enumerate(newest_first[:10]):  # before the old one) "Y tế" in 16 files, then "Y TẾ" in more
        path.write_text(path.read_text(encoding="utf-8").replace('{topics="Y tế"}', '{topics="Y TẾ"}'),
                        encoding="utf-8")
        _touch_later(path)
        build_site(site, output)
        assert not indexed
        if n in (6, 7, 9):  # (before, at and after the tie: 8 against 8)
            assert_same_as_clean(site, output, tmp_path / f"clean{n}")
            indexed.clear()  # (the clean build's)
    assert "Y TẾ" in (output / "topics" / "index.html").read_text(encoding="utf-8")
