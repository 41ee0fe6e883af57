"""List files made from last build's elements (reuse.py): always the bytes made from scratch."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from bulletin.reuse import LastModelFiles
from bulletin.state import digest_of

PATH = "data/things.json"


def _encode(value: str) -> bytes:
    return json.dumps({"v": value}, ensure_ascii=False).encode()


def _elements(values: list[str]) -> list[tuple[str, str]]:
    """The signature says what an element shows, as a real one does (a hash of its objects')."""
    return [(digest_of(v.encode()), v) for v in values]


def _built(tmp_path, values: list[str], last: LastModelFiles | None = None) -> tuple[bytes, LastModelFiles]:
    """One build's list file, written where the next build reads it, and what it records."""
    made = LastModelFiles({}, {}, tmp_path) if last is None else last
    encoded: list[str] = []

    def encode(value: str) -> bytes:
        encoded.append(value)
        return _encode(value)

    data = made.list_file(PATH, _elements(values), encode)
    (tmp_path / PATH).parent.mkdir(exist_ok=True)
    (tmp_path / PATH).write_bytes(data)
    made.encoded = encoded
    return data, made


def _next(tmp_path, previous: LastModelFiles, data: bytes) -> LastModelFiles:
    return LastModelFiles({}, {PATH: (digest_of(data), "")}, tmp_path, dict(previous.made_lists))


words = st.text(alphabet="abcđê,[]\"", max_size=6)


@settings(max_examples=150, deadline=None)
@given(first=st.lists(words, max_size=30), second=st.lists(words, max_size=30))
def test_a_list_made_from_last_builds_elements_has_the_bytes_made_from_scratch(tmp_path_factory, first, second):
    tmp_path = tmp_path_factory.mktemp("reuse")
    data, made = _built(tmp_path, first)
    assert json.loads(data) == [{"v": v} for v in first]
    again, remade = _built(tmp_path, second, _next(tmp_path, made, data))
    assert again == b"[" + b",".join(map(_encode, second)) + b"]"
    assert set(remade.encoded) == set(second) - set(first)  # only what last build's file lacks is encoded
    fresh = LastModelFiles({}, {}, tmp_path)
    fresh.list_file(PATH, _elements(second), _encode)
    assert remade.made_lists == fresh.made_lists  # what the next build will slice by


def test_an_edit_copies_the_unchanged_runs_whole(tmp_path):
    values = [f"quyết định {n}" for n in range(1000)]
    data, made = _built(tmp_path, values)
    edited = values[:400] + ["mới"] + values[401:]
    again, remade = _built(tmp_path, edited, _next(tmp_path, made, data))
    assert remade.encoded == ["mới"]
    assert json.loads(again) == [{"v": v} for v in edited]


def test_a_file_edited_by_hand_is_made_again(tmp_path):
    data, made = _built(tmp_path, ["a", "b"])
    last = _next(tmp_path, made, data)
    (tmp_path / PATH).write_bytes(data.replace(b'"a"', b'"x"'))
    again, remade = _built(tmp_path, ["a", "b"], last)
    assert remade.encoded == ["a", "b"] and json.loads(again) == [{"v": "a"}, {"v": "b"}]


def _in_place(tmp_path, previous: LastModelFiles, data: bytes, values: list[str], changed: set[int]
              ) -> tuple[bytes | None, LastModelFiles, list[str]]:
    """The next build's file when only texts changed: the values at positions `changed` are new."""
    last = _next(tmp_path, previous, data)
    last.changed = {f"k{n}" for n in changed}
    encoded: list[str] = []

    def encode(value: tuple[int, str]) -> bytes:
        encoded.append(value[1])
        return _encode(value[1])

    made = last.list_file_in_place(PATH, list(enumerate(values)), lambda v: f"k{v[0]}",
                                   lambda v: digest_of(v[1].encode()), encode)
    return made, last, encoded


@settings(max_examples=150, deadline=None)
@given(first=st.lists(words, min_size=1, max_size=30), data=st.data())
def test_a_list_remade_in_place_has_the_bytes_made_from_scratch(tmp_path_factory, first, data):
    tmp_path = tmp_path_factory.mktemp("in-place")
    made_data, made = _built(tmp_path, first)
    changed = data.draw(st.sets(st.integers(0, len(first) - 1)))
    second = [data.draw(words) + "!" if n in changed else value for n, value in enumerate(first)]
    again, remade, encoded = _in_place(tmp_path, made, made_data, second, changed)
    assert again == b"[" + b",".join(map(_encode, second)) + b"]"
    assert sorted(encoded) == sorted(second[n] for n in changed)  # only the changed ones are encoded
    fresh = LastModelFiles({}, {}, tmp_path)
    fresh.list_file(PATH, _elements(second), _encode)
    assert remade.made_lists == fresh.made_lists


def test_a_list_is_not_remade_in_place_unless_only_texts_changed_and_it_has_as_many_elements(tmp_path):
    data, made = _built(tmp_path, ["a", "b", "c"])
    last = _next(tmp_path, made, data)  # `changed` is None: the structure changed
    assert last.list_file_in_place(PATH, ["a", "b", "c"], str, str, _encode) is None
    assert _in_place(tmp_path, made, data, ["a", "b"], {1})[0] is None  # a digest removed: other places
    (tmp_path / PATH).write_bytes(data.replace(b'"a"', b'"x"'))  # edited by hand: not a base to build on
    assert _in_place(tmp_path, made, data, ["a", "b", "c"], {1})[0] is None
