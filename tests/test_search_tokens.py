"""Tokenising kept between builds (search/tokens.py): carried rows must be the rows tokenising gives."""

from __future__ import annotations

import unicodedata
from copy import copy
from datetime import date
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.carried_hashes import CarriedHashes, UnchangedObjects
from bulletin.model import Decision
from bulletin.search.fold import term, tokens, variant
from bulletin.search.tokens import DocumentHashes, Forward, tokenise

WORDS = ["đất", "Đất", "đai", "nông", "thôn", "mới", "2610", "QĐ", "giao", "xã"]


def item(words: list[str], heading: int, digest: str = "d") -> SimpleNamespace:
    return SimpleNamespace(heading=" ".join(words[:heading]), text=" ".join(words[heading:]), decisions=[],
                           digest=SimpleNamespace(url=digest), position=0)


def decision(number: int, title: str) -> SimpleNamespace:
    return SimpleNamespace(label=f"{number}/QĐ-UBND", code=f"{number}/QĐ-UBND", number=str(number), year=2020,
                           type="QĐ", issuer="UBND", type_name="Quyết định", title=title,
                           date=date(2020, 12, 1 + number % 28), key=f"qd-ubnd-{number}-2020")


items_ = st.lists(st.builds(item, st.lists(st.sampled_from(WORDS), max_size=6), st.integers(0, 3)), max_size=12)
decisions_ = st.lists(st.builds(decision, st.integers(1, 40), st.sampled_from(["", "Về đất đai", "Giao xã"])),
                      max_size=6)


def index(items, decisions, previous=None):
    """(words, pairs, rows kept): words and pairs as name → encoded lists, and per field name → ids."""
    words, pairs, forward = tokenise(items, decisions, DocumentHashes.of(items, decisions), 1, previous)
    return _lists(words), _lists(pairs), forward


def _lists(postings) -> tuple[dict, list[dict]]:
    fields = [{name: ids.tolist() for name, ids in field.items()} for field in postings.fields]
    return {name: postings.entry(n) for n, name in enumerate(postings.names)}, fields


@settings(max_examples=150, deadline=None)
@given(items_, decisions_, items_, decisions_, st.data())
def test_carried_rows_equal_tokenising_from_scratch(old_items, old_decisions, new_items, new_decisions, data):
    # the new archive shares documents with the old one, in any order, plus some of its own
    shared_items = data.draw(st.lists(st.sampled_from(old_items), max_size=8)) if old_items else []
    shared_decisions = data.draw(st.lists(st.sampled_from(old_decisions), max_size=4)) if old_decisions else []
    items = data.draw(st.permutations(new_items + shared_items))
    decisions = data.draw(st.permutations(new_decisions + shared_decisions))
    *_, previous = index(old_items, old_decisions)
    carried_words, carried_pairs, _ = index(items, decisions, previous)
    words, pairs, _ = index(items, decisions)
    assert carried_words == words
    assert carried_pairs == pairs


@settings(max_examples=150, deadline=None)
@given(items_, decisions_, st.data())
def test_rows_carried_in_order_are_the_rows_tokenising_gives(old_items, old_decisions, data):
    """An edit keeps every other document's id: the new rows are put among the carried ones
    (not sorted with them), and keys no document has any more are renumbered in place, a
    block at a time (three rows here)."""
    from unittest.mock import patch

    from bulletin.search import postings

    edited = [item(data.draw(st.lists(st.sampled_from(WORDS), max_size=6)), 1) if data.draw(st.booleans()) else it
              for it in old_items]
    items = edited + data.draw(items_)
    decisions = [decision(int(d.number) + 1, d.title) if data.draw(st.booleans()) else d for d in old_decisions]
    *_, previous = index(old_items, old_decisions)
    with patch.object(postings, "RENUMBER_BLOCK", 3):
        carried = tokenise(items, decisions, DocumentHashes.of(items, decisions), 1, previous)
    fresh = tokenise(items, decisions, DocumentHashes.of(items, decisions), 1, None)
    for got, expected in zip(carried[:2], fresh[:2]):  # keys are numbered otherwise: compare by name
        assert _lists(got) == _lists(expected)
        assert (dict(zip(got.names, got.counts.tolist())) == dict(zip(expected.names, expected.counts.tolist())))


@settings(max_examples=150, deadline=None)
@given(items_, decisions_, st.data())
def test_an_edit_that_kept_every_id_pairs_the_documents_by_id(old_items, old_decisions, data):
    """As many documents as before, few of them edited (here any share of them): those whose
    texts changed are tokenised again, also when one now says what another said, and the
    others keep their rows under their ids."""
    from unittest.mock import patch

    from bulletin.search import tokens

    others = old_items or [item(["xã"], 1)]
    items = [data.draw(st.sampled_from([it, copy(data.draw(st.sampled_from(others))),
                                        item(data.draw(st.lists(st.sampled_from(WORDS), max_size=6)), 1)]))
             for it in old_items]
    *_, previous = index(old_items, old_decisions)
    with patch.object(tokens, "EDITED_SHARE", 1.0):
        carried_words, carried_pairs, _ = index(items, old_decisions, previous)
    words, pairs, _ = index(items, old_decisions)
    assert carried_words == words
    assert carried_pairs == pairs


def test_the_pairs_of_an_edit_are_by_id():
    from bulletin.search import tokens

    many = [bytes([n]) * 8 for n in range(40)]
    edited = [many[1], *many[1:]]  # the first document now says what the second says
    mapping, fresh = tokens._carry(many, edited)
    assert fresh == [0] and mapping.tolist() == [-1, *range(1, 40)]
    mapping, fresh = tokens._carry(many, many[1:] + many[:1])  # every id moved: paired by text
    assert len(fresh) == 0 and mapping.tolist() == [39, *range(39)]


def test_keys_no_document_has_any_more_are_dropped():
    *_, previous = index([item(["đất", "đai", "xã"], 1)], [])
    (names, fields), _, _ = index([item(["đất", "giao"], 1)], [], previous)
    assert sorted(names) == ["giao", "đất"]
    assert fields[0] == {"đất": [0]} and fields[1] == {"giao": [0]}


def test_saved_rows_come_back_only_for_the_same_stamp(tmp_path):
    items = [item(["nông", "thôn", "mới"], 1), item(["Đất", "đai"], 2)]
    decisions = [decision(2610, "Về đất đai")]
    *_, forward = index(items, decisions)
    path = tmp_path / "rows.npz"
    forward.save(path, "stamp 1")
    assert Forward.load(path, "stamp 2") is None
    loaded = Forward.load(path, "stamp 1")
    assert loaded.words == forward.words and loaded.pairs == forward.pairs
    assert loaded.hashes == forward.hashes
    assert all((a == b).all() for a, b in zip(loaded.word_rows + loaded.pair_rows, forward.word_rows + forward.pair_rows))
    assert index(items, decisions, loaded)[:2] == index(items, decisions)[:2]
    hashes = Forward.load_hashes(path, "stamp 1")
    assert hashes == forward.hashes
    given_hashes = Forward.load(path, "stamp 1", hashes)  # (read once: the same file's)
    assert given_hashes.hashes is hashes and given_hashes.words == forward.words
    path.write_bytes(b"PK\x03\x04 damaged")
    assert Forward.load(path, "stamp 1") is None
    assert Forward.load(tmp_path / "missing.npz", "stamp 1") is None


@settings(max_examples=150, deadline=None)
@given(items_, decisions_, items_, decisions_, st.data())
def test_touched_keys_are_the_keys_whose_lists_changed_when_no_document_moved(old_items, old_decisions, more_items,
                                                                              more_decisions, data):
    """Documents edited in place, added after the last one (a new week's digest) or dropped from
    the end keep every other id: then `touched` must name exactly the keys whose lists differ."""
    serial = iter(range(1000))

    def unique(docs):  # equal documents may trade ids (see _carry): each has a word of its own
        for doc in docs:
            if hasattr(doc, "text"):
                doc.text += f" riêng{next(serial)}"
            else:
                doc.title += f" riêng{next(serial)}"
        return docs

    old_items, old_decisions = unique(list(map(copy, old_items))), unique(list(map(copy, old_decisions)))
    more_items, more_decisions = unique(list(map(copy, more_items))), unique(list(map(copy, more_decisions)))

    def changed(old, new):
        kept = data.draw(st.integers(0, len(old)))
        edited = [data.draw(st.sampled_from([doc, *new])) if new and data.draw(st.booleans()) else doc
                  for doc in old[:kept]]
        return edited + (new if kept == len(old) else [])

    items, decisions = changed(old_items, more_items), changed(old_decisions, more_decisions)
    (old_words, _), (old_pairs, _), previous = index(old_items, old_decisions)
    words, pairs, _ = tokenise(items, decisions, DocumentHashes.of(items, decisions), 1, previous)
    for postings, old in ((words, old_words), (pairs, old_pairs)):
        new = _lists(postings)[0]
        assert postings.touched is not None
        assert postings.touched == {k for k in set(old) | set(new) if old.get(k) != new.get(k)}


class _AnsweringForAll:
    """An `unchanged` that answers for every decision at once (as carried_hashes.UnchangedObjects)."""

    def __init__(self, unchanged):
        self.unchanged, self.asked = unchanged, 0

    def __call__(self, value) -> bool:
        assert not isinstance(value, SimpleNamespace) or not hasattr(value, "key"), "a decision asked alone"
        return self.unchanged(value)

    def each_decision(self, decisions) -> list[bool]:
        self.asked += len(decisions)
        return [self.unchanged(x) for x in decisions]


@settings(max_examples=150, deadline=None)
@given(items_, decisions_, st.data())
def test_carried_document_hashes_equal_hashing_every_document(old_items, old_decisions, data):
    """The same documents, some edited, some added, some gone: taking last build's hash of
    every document reported unchanged, found by its name wherever its id now is, gives the
    hashes of hashing them all (tokens.DocumentHashes)."""
    for n, old in enumerate(old_items):
        old.digest = SimpleNamespace(url=f"d{n}")
    previous = DocumentHashes.of(old_items, old_decisions)
    items, decisions = [copy(i) for i in old_items], [copy(x) for x in old_decisions]
    edited_items = data.draw(st.sets(st.sampled_from(range(len(items))))) if items else set()
    edited_decisions = data.draw(st.sets(st.sampled_from(range(len(decisions))))) if decisions else set()
    for n in edited_items:
        items[n].text += " mới"
        items[n].digest = SimpleNamespace(url=items[n].digest.url)  # an edited digest: its own object
    for n in edited_decisions:
        decisions[n].title += " mới"
    edited = {id(items[n].digest) for n in edited_items} | {id(decisions[n]) for n in edited_decisions}
    carried = DocumentHashes.carried(items, decisions, previous, lambda value: id(value) not in edited)
    assert carried == DocumentHashes.of(items, decisions)
    answering_for_all = _AnsweringForAll(lambda value: id(value) not in edited)
    assert DocumentHashes.carried(items, decisions, previous, answering_for_all) == carried
    assert answering_for_all.asked == len(decisions)  # (one list, not one call each)
    unedited = lambda value: id(value) not in edited  # noqa: E731
    if items:  # another document under an id: hashed, the others found by name
        moved = [item(["giao"], 0, "elsewhere"), *items[1:]]
        assert DocumentHashes.carried(moved, decisions, previous, unedited) == DocumentHashes.of(moved, decisions)
    # a digest added in between and the first one deleted: every id after them moves
    added = item(["dat", "dai"], 1, "added")
    renumbered = [*items[1:len(items) // 2], added, *items[len(items) // 2:]]
    fewer = decisions[1:]
    assert DocumentHashes.carried(renumbered, fewer, previous, unedited) == DocumentHashes.of(renumbered, fewer)


# -- the batch tokeniser (search/scan.py) against its one-document definition --------------------

def _reference_keys(head_texts: list[str], body_texts: list[str]) -> tuple[set, set, set, set]:
    """What a document is found by, one text at a time: (head words, body words not in the head,
    head pairs, body pairs not in the head), words as variants, pairs as "term term"."""
    def segments(texts):
        words, pairs = set(), set()
        for text in texts:
            vs = [variant(t) for t in tokens(text)]
            words.update(vs)
            fs = [term(v) for v in vs]
            pairs.update(f"{a} {b}" for a, b in zip(fs, fs[1:]))
        return words, pairs

    head_words, head_pairs = segments(head_texts)
    body_words, body_pairs = segments(body_texts)
    return head_words, body_words - head_words, head_pairs, body_pairs - head_pairs


_CHARS = "aăđĐÊôƠưİIıΣσς ﬁẞß -/.,0123456789\x00\u0301\u0323" + unicodedata.normalize("NFD", "ấệờ")
texts_ = st.lists(st.text(alphabet=_CHARS, max_size=25) | st.sampled_from(WORDS), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(texts_, texts_), max_size=12), st.integers(1, 60))
def test_batches_find_each_document_by_what_it_says_alone(documents, batch_chars):
    import bulletin.search.scan as scan

    real = scan.BATCH_CHARS
    scan.BATCH_CHARS = batch_chars  # many small batches: documents meet in one batch and across batches
    try:
        words, pairs = scan.tokenise_documents(documents, list(range(len(documents))), lambda d: d, (0, 1))
    finally:
        scan.BATCH_CHARS = real
    words.finish()
    pairs.finish()
    found = [[set() for _ in documents] for _ in range(4)]  # head words, body words, head pairs, body pairs
    for table, fields in ((words, (0, 1)), (pairs, (2, 3))):
        for field, column in zip(fields, table.fields[:2]):
            for name, ids in column.items():
                for doc in ids.tolist():
                    found[field][doc].add(name)
    for doc, (head, body) in enumerate(documents):
        assert tuple(kind[doc] for kind in found) == _reference_keys(head, body), (head, body)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["qd-ubnd-1", "qd-ubnd-2", "kh-tu-3"]), st.integers(2019, 2021)),
                max_size=12), st.sets(st.sampled_from(["qd-ubnd-1", "qd-ubnd-2", "kh-tu-3"])), st.data())
def test_the_unchanged_decisions_answered_at_once_are_those_answered_one_by_one(pairs, bases, data):
    decisions = [Decision(f"{base}-{year}", "QĐ", "Quyết định", "1", "UBND", year, None, None, "", "1/QĐ-UBND",
                          key_base=base) for base, year in pairs]
    old = {"x:" + x.key: "h" for x in decisions if data.draw(st.booleans())}  # some new since last build
    unchanged = UnchangedObjects(CarriedHashes(old, set(), bases))
    assert unchanged.each_decision(decisions) == [unchanged(x) for x in decisions]
    assert unchanged.each_decision(decisions) == [x.key_base not in bases and "x:" + x.key in old for x in decisions]
