"""`bulletin serve` through the real command: live reload over SSE, errors shown in
the page while the last good site stays served, recovery, and safe file serving."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

OVERLAY = '<div id="bulletin-error"'  # the error box served in a page (the reload script only makes one)
GOOD = "---\ntitle: Bản tin {n}\nweek_start: 2020-12-14\nweek_end: 2020-12-20\n---\n\n## Mục một\n\nNội dung {n}.\n"


@pytest.fixture()
def server(tmp_path):
    (tmp_path / "content").mkdir()
    digest = tmp_path / "content" / "w51.md"
    digest.write_text(GOOD.format(n=1), encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "bulletin", "serve", "--source", str(tmp_path),
                                "--port", str(port)], stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base, timeout=1).read()
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("serve did not start: " + process.stderr.read())
    yield base, digest
    process.terminate()
    process.wait(timeout=10)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


class Events:
    """Reads Server-Sent Events from the reload endpoint."""

    def __init__(self, base: str):
        self.stream = urllib.request.urlopen(base + "__bulletin__/events", timeout=20)

    def next(self, within: float = 20.0) -> tuple[str, str]:
        name, data = "", ""
        deadline = time.monotonic() + within  # the server's keep-alive lines would wait forever
        while True:
            assert time.monotonic() < deadline, f"no event within {within} s"
            line = self.stream.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and name:
                return name, data


def save(path: Path, text: str) -> None:
    """Save the way editors do: write a temporary file, then rename it over the original."""
    temporary = path.with_name(path.name + ".tmp~")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def test_pages_get_the_reload_script_but_the_site_on_disk_does_not(server, tmp_path):
    base, _ = server
    status, page = get(base + "index.html")
    assert status == 200 and "__bulletin__/events" in page
    assert "__bulletin__" not in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_a_save_reloads_a_bad_save_shows_the_error_and_a_fix_recovers(server):
    base, digest = server
    events = Events(base)
    save(digest, GOOD.format(n=2))
    name, data = events.next()  # the preview: only the saved digest's page reloads
    assert name == "reload" and json.loads(data)["urls"] == ["digests/w51/index.html"]
    assert "Nội dung 2" in get(base + "digests/b/index.html".replace("b", "w51"))[1]
    save(digest, "---\ntitle: [hỏng\n---\n")
    name, data = events.next()
    assert name == "error-report" and "w51.md" in data
    status, page = get(base + "digests/w51/index.html")
    assert status == 200 and "Nội dung 2" in page and OVERLAY in page and "w51.md" in page  # last good site + overlay
    save(digest, GOOD.format(n=3))
    assert [events.next()[0], events.next()[0]] == ["ok", "reload"]
    assert "Nội dung 3" in get(base + "digests/w51/index.html")[1]
    assert OVERLAY not in get(base + "digests/w51/index.html")[1]


def test_a_template_that_fails_as_python_is_shown_and_serve_keeps_going(server):
    """Before, a TypeError in a template ended the rebuild with a traceback, outside what
    serve catches."""
    base, digest = server
    events = Events(base)
    template = digest.parent.parent / "templates" / "digest.html"
    template.parent.mkdir()
    save(template, "{% extends 'base.html' %}\n{% block content %}\n{{ digest.title + 1 }}\n{% endblock %}\n")
    name, data = events.next()
    assert name == "error-report" and "digest.html:3" in data and "TypeError" in data, data
    status, page = get(base + "digests/w51/index.html")
    assert status == 200 and "Nội dung 1" in page and OVERLAY in page and "digest.html:3" in page
    template.unlink()  # the site is as it was: the error goes, nothing needs a reload
    assert events.next()[0] == "ok"
    status, page = get(base + "digests/w51/index.html")
    assert status == 200 and "Nội dung 1" in page and OVERLAY not in page


def test_a_templates_folder_made_removed_and_made_again_is_followed(server):
    base, digest = server
    events = Events(base)
    templates = digest.parent.parent / "templates"
    page_url = base + "digests/w51/index.html"

    def shown_after_a_reload(mark: str | None) -> bool:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if events.next()[0] == "reload":
                page = get(page_url)[1]
                if (mark in page) if mark else "Nội dung 1" in page:
                    return True
        return False

    for mark in ("MARK-ONE", None, "MARK-TWO"):
        if mark:
            templates.mkdir()
            save(templates / "digest.html", "{% extends 'base.html' %}{% block content %}" + mark + "{% endblock %}")
        else:
            shutil.rmtree(templates)
        assert shown_after_a_reload(mark), mark
    save(templates / "digest.html", "{% extends 'base.html' %}{% block content %}MARK-THREE{% endblock %}")
    assert shown_after_a_reload("MARK-THREE")  # the new folder's own watch, not only its creation


@pytest.mark.parametrize("path", ["../secret.txt", "%2e%2e/secret.txt", "..%2fsecret.txt", "//etc/passwd",
                                  "digests/../../secret.txt", "digests/"])
def test_only_files_inside_the_output_are_served_and_no_folder_is_listed(server, path):
    base, _ = server
    status, page = get(base + path)
    assert "do not serve" not in page and "root:" not in page
    if path == "digests/":
        assert status == 404 and not re.search(r"<li><a href=\"w51/\">", page)


def test_a_rebuilds_model_is_freed_and_its_parsed_bodies_kept(tmp_path):
    """A serve process makes build after build: each one's model must go (it is made of
    cycles, freed by `tidy_while_idle`), while the parsed bodies stay for the next build."""
    import gc

    from bulletin.model import Digest
    from bulletin.serve import BuildLoop

    (tmp_path / "content").mkdir()
    digest = tmp_path / "content" / "w51.md"
    digest.write_text(GOOD.format(n=1), encoding="utf-8")
    (tmp_path / "content" / "w50.md").write_text(GOOD.format(n=0).replace("2020-12-14", "2020-12-07").replace(
        "2020-12-20", "2020-12-13"), encoding="utf-8")
    gc.collect()
    before = sum(isinstance(o, Digest) for o in gc.get_objects())
    loop = BuildLoop(tmp_path, tmp_path / "site", drafts=False, log=lambda *_: None)
    loop.rebuild()
    for n in (2, 3):
        save(digest, GOOD.format(n=n))
        loop.rebuild({str(digest)})
        assert f"Nội dung {n}." in (tmp_path / "site" / "digests" / "w51" / "index.html").read_text(encoding="utf-8")
    assert len(loop.parsed) == 1  # w50's body, read once from the state (w51's were parsed by the builds)
    loop.tidy_while_idle()
    assert sum(isinstance(o, Digest) for o in gc.get_objects()) == before
    loop.parsed.clear()
    loop.tidy_while_idle()  # as after starting on a built site: the state's bodies are read while idle
    assert len(loop.parsed) == 2


def test_the_watcher_frees_the_last_model_once_quiet(monkeypatch):
    import threading

    import bulletin.watch as watch_module

    monkeypatch.setattr(watch_module, "TIDY_AFTER_SECONDS", 0.3)
    calls: list[str] = []

    class Loop:
        def rebuild(self, paths):
            calls.append("rebuild")

        def tidy_while_idle(self):
            calls.append("collect")

    handler = watch_module.ChangeHandler(Loop(), [])
    stop = threading.Event()
    thread = threading.Thread(target=handler.run, args=(stop,))
    thread.start()
    try:
        time.sleep(0.8)
        assert calls == ["collect"]  # the first build's model, made before the watcher started
        handler.last_event = time.monotonic()
        handler.pending.set()
        time.sleep(0.2)
        assert calls == ["collect", "rebuild"]  # not yet: the reloads come first
        time.sleep(0.8)
        assert calls == ["collect", "rebuild", "collect"]
        time.sleep(0.5)
        assert calls == ["collect", "rebuild", "collect"]  # once per rebuild
    finally:
        stop.set()
        thread.join()


def serve_once(source: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bulletin", "serve", "--source", str(source), *args],
                          capture_output=True, text=True, timeout=60)


def test_a_port_in_use_is_a_usage_error_said_before_any_build(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "w51.md").write_text(GOOD.format(n=1), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = serve_once(tmp_path, "--port", str(taken.getsockname()[1]))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "is in use" in result.stderr and "--port 0" in result.stderr
    assert not (tmp_path / "site").exists()  # said before the first build, not after it


def test_an_output_folder_that_is_not_ours_stops_serve_unless_forced(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "w51.md").write_text(GOOD.format(n=1), encoding="utf-8")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "notes.txt").write_text("mine", encoding="utf-8")
    result = serve_once(tmp_path, "--port", "0")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("notes.txt") == 1 and "--force" in result.stderr  # said once
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["notes.txt"]
    with pytest.raises(subprocess.TimeoutExpired):  # forced, it builds and serves
        subprocess.run([sys.executable, "-m", "bulletin", "serve", "--source", str(tmp_path), "--port", "0",
                        "--force"], capture_output=True, timeout=5)
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "notes.txt").is_file()
