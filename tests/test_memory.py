"""The collector during a build (memory.py): settled while it runs, itself again afterwards."""

from __future__ import annotations

import gc

import pytest

from bulletin.build import build_site
from bulletin.errors import BuildError
from bulletin.memory import collector_paused, collector_settled, settle


def test_the_collector_is_itself_again_after_the_block_even_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with collector_settled():
            settle()
            assert gc.get_freeze_count() > 0 and gc.get_threshold()[2] > before[2]
            raise RuntimeError("a failed build")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_failed_build_leaves_nothing_frozen(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "2020-w51.md").write_text("---\ntitle: x\nweek_start: 2020-13-01\n---\n", encoding="utf-8")
    before = gc.get_threshold()
    with pytest.raises(BuildError):
        build_site(tmp_path, tmp_path / "site")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_what_is_made_with_the_collector_paused_is_set_aside_and_it_runs_again_even_after_an_error():
    with collector_settled():
        made = []
        with pytest.raises(RuntimeError), collector_paused():
            assert not gc.isenabled()
            made.extend([n] for n in range(1000))
            raise RuntimeError("a failed index")
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made)  # not walked by the next young collection
        young = {id(o) for o in gc.get_objects(generation=0)}
        assert not any(id(m) in young for m in made)
    assert gc.get_freeze_count() == 0


def test_a_paused_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector_settled(), collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
