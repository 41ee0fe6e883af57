"""What `bulletin serve` watches, and when a burst of file events is over.

watchdog reports every event in content/, templates/, static/ and bulletin.toml;
`ChangeHandler` drops editors' scratch files and the build's own folders, and
after a quiet DEBOUNCE_SECONDS hands the burst's paths to one rebuild.
`SiteFolder` watches the site folder itself, so a watched folder made after
serve started (a site's first templates/) is watched from then on.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

DEBOUNCE_SECONDS = 0.15
TIDY_AFTER_SECONDS = 1.0  # quiet time after a rebuild before its model is freed (`BuildLoop.tidy_while_idle`)
IGNORED_NAMES = (".swp", ".swx", ".tmp", "~", ".part", ".crdownload")


class Rebuilds(Protocol):
    """What the watcher drives (serve.BuildLoop)."""

    def rebuild(self, changed_paths: set[str] | None = None) -> None: ...

    def tidy_while_idle(self) -> None: ...


def _paths(event: FileSystemEvent) -> list[str]:
    """The paths an event names (a move names two); none for a mere open or read."""
    if event.event_type in ("opened", "closed_no_write"):
        return []
    return [p for p in (event.src_path, getattr(event, "dest_path", "") or "") if p]


class ChangeHandler(FileSystemEventHandler):
    """Collects file events; a quiet period of DEBOUNCE_SECONDS ends a burst."""

    def __init__(self, loop: Rebuilds, ignored_roots: list[Path]):
        self.loop = loop
        self.ignored_roots = [str(p.resolve()) for p in ignored_roots]
        self.pending = threading.Event()
        self.last_event = 0.0
        self.lock = threading.Lock()
        self.paths: set[str] = set()  # changed since the last rebuild

    def relevant(self, path: str) -> bool:
        name = os.path.basename(path)
        if not name or name.startswith((".#", "#")) or name.endswith(IGNORED_NAMES):
            return False
        absolute = os.path.abspath(path)
        return not any(absolute == r or absolute.startswith(r + os.sep) for r in self.ignored_roots)

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [p for p in _paths(event) if self.relevant(p)]
        if paths:
            with self.lock:
                if not event.is_directory:
                    self.paths.update(paths)
                elif event.event_type != "modified":  # (a folder is "modified" with every file in it)
                    self.paths.add(os.path.join(paths[0], ""))
            self.last_event = time.monotonic()
            self.pending.set()

    def run(self, stop: threading.Event) -> None:
        rebuilt = time.monotonic()  # the first build's model is garbage too
        while not stop.is_set():
            if not self.pending.wait(0.2):
                if rebuilt and time.monotonic() - rebuilt > TIDY_AFTER_SECONDS:
                    self.loop.tidy_while_idle()
                    rebuilt = 0.0
                continue
            while time.monotonic() - self.last_event < DEBOUNCE_SECONDS:
                time.sleep(DEBOUNCE_SECONDS / 3)
            self.pending.clear()
            with self.lock:
                paths, self.paths = self.paths, set()
            self.loop.rebuild(paths)
            rebuilt = time.monotonic()


WATCHED_FOLDERS = ("content", "templates", "static")


class SiteFolder(FileSystemEventHandler):
    """Watches the site folder itself: bulletin.toml, and the watched folders coming and going.
    One made (or moved in) after serve started gets a watch of its own: the first
    `templates/` of a site is usually made while its author looks at the served pages."""

    def __init__(self, inner: ChangeHandler, source: Path, observer):
        self.inner, self.source, self.observer = inner, str(source), observer
        self.config_path = str(source / "bulletin.toml")
        self.watches: dict[str, object] = {}  # folder → watchdog's ObservedWatch

    def watch(self, folder: str) -> None:
        """(Again) watch `folder` and all below it; a folder deleted and made again needs a new watch."""
        old = self.watches.pop(folder, None)
        if old is not None:
            try:
                self.observer.unschedule(old)
            except (KeyError, OSError):
                pass
        self.watches[folder] = self.observer.schedule(self.inner, folder, recursive=True)

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = _paths(event)
        if self.config_path in paths:
            self.inner.on_any_event(event)
            return
        ours = [p for p in paths if os.path.dirname(p) == self.source and os.path.basename(p) in WATCHED_FOLDERS]
        if not event.is_directory or not ours or event.event_type == "modified":
            return
        for folder in ours:
            if os.path.isdir(folder):
                self.watch(folder)  # files written before the watch began are read by the rebuild this event starts
        self.inner.on_any_event(event)


def watch_site(source: Path, changes: ChangeHandler) -> Observer:
    """A started observer of the site's watched folders and of the site folder itself."""
    observer = Observer()
    site_folder = SiteFolder(changes, source, observer)
    for folder in WATCHED_FOLDERS:
        if (source / folder).is_dir():
            site_folder.watch(str(source / folder))
    observer.schedule(site_folder, str(source), recursive=False)
    observer.start()
    return observer
