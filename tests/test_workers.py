"""Chunks shared between this process and forked workers (bulletin/workers.py), and the
parallel render path of a build, which small test sites would never take by themselves."""

from __future__ import annotations

import os
import time

import pytest

from bulletin import build as build_module
from bulletin.build import build_site
from bulletin.errors import BuildError, ContentError
from bulletin.workers import WorkerDied, run_chunks

from conftest import tree


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


def test_parallel_rendering_makes_the_same_site(sample_site, tmp_path, monkeypatch):
    source, serial_output = sample_site
    monkeypatch.setattr(build_module, "PARALLEL_RENDER_THRESHOLD", 0)
    monkeypatch.setattr(build_module, "CHUNK", 3)
    result = build_site(source, tmp_path / "parallel", state=False, workers=2)
    assert result.written > 0
    assert tree(tmp_path / "parallel") == tree(serial_output)
