"""`bulletin serve`: build, serve on 127.0.0.1, rebuild on change, reload the browser.

A thin loop around `build_site`: watchdog events are filtered and debounced
(watch.py), each burst triggers one rebuild, and open pages are told over Server-Sent
Events to reload. A failed build leaves the last good site served and shows the
error (file, line, message) over the page; fixing the file recovers. The reload
script is injected into responses only, never written into the site.
"""

from __future__ import annotations

import errno
import gc
import html
import json
import mimetypes
import os
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import BuildError, UsageError
from .watch import ChangeHandler, watch_site

EVENTS_PATH = "/__bulletin__/events"

RELOAD_SCRIPT = """<script>(function(){
var es=new EventSource("%s"),box=null;
function show(e){if(!box){box=document.createElement("div");box.id="bulletin-error";
box.setAttribute("role","alert");box.style.cssText="position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;"+
"background:#2b0000;color:#fff;font:14px/1.5 ui-monospace,monospace;padding:1rem 1.25rem;z-index:99999;"+
"border-top:4px solid #ff5c5c;white-space:pre-wrap";document.body.appendChild(box);}box.textContent=e;}
es.addEventListener("reload",function(m){var u=JSON.parse(m.data).urls,p=decodeURIComponent(location.pathname).replace(/^\\/+/,"");
if(p===""||p.slice(-1)==="/")p+="index.html";if(!u||u.indexOf(p)>=0)location.reload();});
es.addEventListener("error-report",function(m){show(JSON.parse(m.data).text);});
es.addEventListener("ok",function(){if(box){box.remove();box=null;}});
})();</script>""" % EVENTS_PATH


class BuildLoop:
    """Owns the rebuilds: one at a time, the latest result visible to the server.

    A save of digests that the archive already knows is shown in two steps: their
    pages are previewed at once (preview.py) and served from memory, then the exact
    incremental build runs and its files take over. Open pages reload only when a
    file they show changed."""

    HISTORY = 64  # reload generations remembered for slow event readers

    def __init__(self, source: Path, output: Path, drafts: bool, log=print, force: bool = False):
        from .preview import Preview

        self.source, self.output, self.drafts, self.log, self.force = source, output, drafts, log, force
        self.generation = 0
        self.error: str | None = None
        self.changed = threading.Condition()
        self.overrides: dict[str, bytes] = {}  # URL → previewed page, until the exact build lands
        self.parsed: dict = {}  # every build's parsed bodies, for the next (build.build_site's `parsed_memo`)
        self.preview = Preview(source, output, drafts)
        self._reloads: list[tuple[int, frozenset[str] | None]] = []
        self._lock = threading.Lock()

    def rebuild(self, changed_paths: set[str] | None = None, first: bool = False) -> None:
        """`first`: the build serve starts with, which raises UsageError (an output folder that is
        not ours: there is no good site to serve) instead of showing it."""
        with self._lock:
            started = time.perf_counter()
            rels = self._saved_digests(changed_paths)
            if rels and not self._show_preview(rels, started):
                return  # the saved file is invalid: the exact build would stop on the same errors
            self._exact_build(started, refuse=first)
            self.preview.forget()
            self._warm_preview()

    def _saved_digests(self, paths: set[str] | None) -> list[str] | None:
        """The saved files relative to content/, when every one is a digest; else None."""
        if not paths:
            return None
        content = self.source / "content"
        rels = []
        for path in paths:
            absolute = Path(os.path.abspath(path))
            if not absolute.is_relative_to(content):
                return None
            if absolute.suffix == ".md":
                rels.append(absolute.relative_to(content).as_posix())
            elif absolute.is_dir() or path.endswith(os.sep):
                return None  # a folder moved or removed: only the exact build can tell
            # other files in content/ (an editor's probe such as vim's "4913") are not digests
        return sorted(rels)

    def _show_preview(self, rels: list[str], started: float) -> bool:
        try:
            pages = self.preview.pages(rels)
        except BuildError as exc:  # the last good pages (previews included) stay served
            self._publish(exc.report(), reload=False)
            self.log(exc.report())
            return False
        except Exception as exc:  # a preview is a courtesy: the exact build decides
            self.log(f"preview skipped: {type(exc).__name__}: {exc}")
            return True
        if pages:
            self.overrides = {**self.overrides, **pages}
            self._publish(None, reload=frozenset(pages))
            self.log(f"previewed {', '.join(sorted(pages))} in {time.perf_counter() - started:.2f} s")
        return True

    def _exact_build(self, started: float, refuse: bool = False) -> None:
        from .build import build_site

        try:
            result = build_site(self.source, self.output, drafts=self.drafts, force=self.force,
                                parsed_memo=self.parsed)
        except BuildError as exc:
            text = exc.report()
        except UsageError as exc:
            if refuse:
                raise
            text = f"error: {exc}"
        except Exception as exc:  # keep serving the last good site whatever happens
            text = f"build failed: {type(exc).__name__}: {exc}"
        else:
            changed = set(result.changed)
            for url, page in self.overrides.items():  # previewed right: no second reload
                if url in changed and _read(self.output / url) == page:
                    changed.discard(url)
            self.overrides = {}
            self._publish(None, reload=frozenset(changed) if changed else False)
            self.log(f"{result.summary()} (rebuilt in {time.perf_counter() - started:.2f} s)")
            return
        self._publish(text, reload=False)  # the last good site (and previews) stay served
        self.log(text)

    def tidy_while_idle(self) -> None:
        """Between builds, once the reloads are served (it holds the interpreter: about 0.9 s
        at 10,000 digests): free the last build's model, and read the parsed bodies the first time.

        The model is made of cycles (a digest's items point back to it), which only a full
        collection frees, and a build leaves those to its end (memory.py): without this, each
        rebuild of 10,000 digests kept 470 MB more."""
        with self._lock:
            gc.collect()
            if not self.parsed:
                self._recall_parsed()

    def _recall_parsed(self) -> None:
        """The state's parsed bodies, read while no build runs (the first one after starting
        is usually a no-op, which reads none): 1.1 s at 10,000 digests, not on the first edit."""
        from .state import BuildState
        from .write import state_file

        path = state_file(self.source, self.output)
        if not path.exists():
            return
        try:
            db = BuildState(path, self.parsed)
            try:
                db.recall_parsed()
            finally:
                db.close()
        except Exception as exc:  # a courtesy: the next build reads what it needs
            self.parsed.clear()
            self.log(f"parsed bodies not kept in memory: {type(exc).__name__}: {exc}")

    def _warm_preview(self) -> None:
        try:
            self.preview.warm()
        except Exception as exc:
            self.log(f"preview unavailable: {type(exc).__name__}: {exc}")

    def _publish(self, error: str | None, reload) -> None:
        """`reload`: False for none, or the set of URLs whose pages changed."""
        with self.changed:
            self.error = error
            if reload is not False:
                self.generation += 1
                self._reloads = [*self._reloads[-self.HISTORY + 1:], (self.generation, reload)]
            self.changed.notify_all()

    def reloads_since(self, seen: int) -> list[str] | None:
        """URLs changed after generation `seen` (None: every page)."""
        with self.changed:
            if not self._reloads or self._reloads[0][0] > seen + 1:
                return None
            found: set[str] = set()
            for generation, urls_ in self._reloads:
                if generation > seen:
                    if urls_ is None:
                        return None
                    found |= urls_
            return sorted(found)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class SiteRequestHandler(BaseHTTPRequestHandler):
    server_version = "bulletin"
    loop: BuildLoop  # set on the subclass made per server

    def log_message(self, format: str, *args) -> None:  # quiet: the build log is what matters
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self.stream_events()
            return
        override = self.loop.overrides.get(_page_url(path))
        if override is not None:
            self.send_bytes(override, "text/html", HTTPStatus.OK)
            return
        target = resolve_request(self.loop.output, path)
        if target is None:
            self.send_page(self.loop.output / "404.html", HTTPStatus.NOT_FOUND)
        else:
            self.send_page(target, HTTPStatus.OK)

    def send_page(self, file: Path, status: HTTPStatus) -> None:
        try:
            data = file.read_bytes()
        except OSError:
            data, status = b"<!DOCTYPE html><title>404</title><p>Not found</p>", HTTPStatus.NOT_FOUND
            file = Path("404.html")
        self.send_bytes(data, mimetypes.guess_type(file.name)[0] or "application/octet-stream", status)

    def send_bytes(self, data: bytes, kind: str, status: HTTPStatus) -> None:
        if kind == "text/html":
            data = inject_reload(data, self.loop.error)
        self.send_response(status)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith(("xml", "json", "javascript")) else ""))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        loop = self.loop
        seen_generation, seen_error = loop.generation, None
        try:
            if loop.error:
                self._event("error-report", loop.error)
                seen_error = loop.error
            while True:
                with loop.changed:
                    loop.changed.wait(timeout=15)
                    generation, error = loop.generation, loop.error
                if error != seen_error:
                    self._event("error-report" if error else "ok", error or "")
                    seen_error = error
                if generation != seen_generation:
                    changed = loop.reloads_since(seen_generation)
                    seen_generation = generation
                    self._event("reload", "", urls=changed)
                else:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, name: str, text: str, **extra) -> None:
        self.wfile.write(f"event: {name}\ndata: {json.dumps({'text': text, **extra})}\n\n".encode())
        self.wfile.flush()


def _page_url(url_path: str) -> str:
    """The site-relative URL of a request path, as pages are named: "digests/x/index.html"."""
    path = unquote(url_path).lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def resolve_request(root: Path, url_path: str) -> Path | None:
    """The file a URL path names inside the output, or None: no `..`, no symlinks out, no listings."""
    decoded = unquote(url_path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    root = root.resolve()
    candidate = root.joinpath(*parts) if parts else root
    try:
        if candidate.is_dir():
            candidate = candidate / "index.html"
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # e.g. a name too long for the filesystem
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


def inject_reload(page: bytes, error: str | None) -> bytes:
    script = RELOAD_SCRIPT
    if error:
        script += ("<div id=\"bulletin-error\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;"
                   "background:#2b0000;color:#fff;font:14px/1.5 monospace;padding:1rem;white-space:pre-wrap;"
                   f"z-index:99999\">{html.escape(error)}</div>")
    marker = page.rfind(b"</body>")
    if marker == -1:
        return page + script.encode()
    return page[:marker] + script.encode() + page[marker:]


def serve(source: Path, output: Path | None = None, port: int = 8000, host: str = "127.0.0.1",
          drafts: bool = False, log=print, force: bool = False) -> None:
    source = source.resolve()
    output = (output or source / "site").resolve()
    loop = BuildLoop(source, output, drafts, log, force)
    handler_class = type("Handler", (SiteRequestHandler,), {"loop": loop})
    try:  # before the first build, which can take a minute: a port in use is said at once
        server = ThreadingHTTPServer((host, port), handler_class)
    except OSError as exc:
        raise UsageError(_cannot_listen(host, port, exc)) from None
    server.daemon_threads = True
    try:
        loop.rebuild(first=True)  # also readies the preview; browsers that connect meanwhile wait for it
    except UsageError:
        server.server_close()
        raise
    changes = ChangeHandler(loop, [output, source / ".bulletin",
                                   output.with_name(f".{output.name}.bulletin-new"),
                                   output.with_name(f".{output.name}.bulletin-old")])
    observer = watch_site(source, changes)
    stop = threading.Event()
    threading.Thread(target=changes.run, args=(stop,), daemon=True).start()
    log(f"serving {output} at http://{host}:{server.server_port}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        observer.stop()
        server.server_close()


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use (another `bulletin serve`?); pass --port with another "
                "number, or --port 0 to let the system pick a free one")
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port}; pass --port with a number above 1023, e.g. --port 8000"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host (the default is 127.0.0.1)"
