"""Shards made again only where keys were touched (search/shards.py) equal shards cut whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.search.shards import LastShards, cut, order_of

KEYS = ["a", "b", "c", "d", "đ", "e", "f", "g", "h", "i", "k", "l", "m", "n", "nông", "o", "ơ", "p", "q", "r",
        "s", "t", "u", "ư", "v", "x", "y", "z", "2610", "9"]

tables = st.dictionaries(st.sampled_from(KEYS), st.text(alphabet="ab", max_size=12), max_size=len(KEYS))


def files(table: dict[str, str], target: int, last: LastShards | None = None, asked: list | None = None):
    keys = sorted(table, key=order_of)

    def part(key: str) -> str:
        if asked is not None:
            asked.append(key)
        return f'"{key}":"{table[key]}"'

    made = list(cut("u", keys, part, target, last))
    if made:
        made[0] = ("", *made[0][1:])  # as the manifest writes the first shard
    return made


@st.composite
def edited(draw) -> tuple[dict[str, str], dict[str, str]]:
    """A table and the same table after a few edits: keys removed, added, or with other values."""
    old = draw(tables)
    new = dict(old)
    ends = sorted(old, key=order_of)[:1] + sorted(old, key=order_of)[-1:]  # edits at the ends are the subtle ones
    for key in draw(st.lists(st.sampled_from(KEYS) | st.sampled_from(ends or KEYS), max_size=4)):
        if draw(st.booleans()) and key in new:
            del new[key]
        else:
            new[key] = draw(st.text(alphabet="ab", max_size=12))
    return old, new


@settings(max_examples=400, deadline=None)
@given(edited(), st.integers(1, 40))
def test_shards_made_from_last_builds_equal_shards_cut_whole(tables_, target):
    old, new = tables_
    before = files(old, target)
    touched = sorted(order_of(k) for k in set(old) | set(new) if old.get(k) != new.get(k))
    asked: list[str] = []
    assert files(new, target, LastShards(before, touched), asked) == files(new, target)
    if not touched:
        assert asked == []  # nothing touched: every file is last build's


def test_only_the_file_holding_a_touched_key_is_made_again():
    old = {key: "x" * 10 for key in KEYS}
    before = files(old, 30)
    new = dict(old, m="y" * 10)
    asked: list[str] = []
    after = files(new, 30, LastShards(before, [order_of("m")]), asked)
    assert after == files(new, 30)
    assert "m" in asked and len(asked) <= 3  # one file of two or three keys
    assert sum(1 for shard in after if shard not in before) == 1
