"""The collector during a build (memory.py): settled while it runs, itself again afterwards."""

from __future__ import annotations

import gc

import pytest

from bulletin.build import build_site
from bulletin.errors import BuildError
from bulletin.memory import collector_settled, settle


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
