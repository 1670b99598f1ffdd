"""Watch files and tell open browser tabs about builds (the `serve --watch` machinery; rebuilder.py runs the
rebuilds). Generic: it knows a `build()` callable and some paths, nothing about blogs. devserver.py wires it to
HTTP.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from ..errors import BlogError

EVENTS_PATH = "/__livereload"  # reserved at the server root, whatever the base path
HEARTBEAT = 15.0  # seconds between SSE comments; a write to a closed tab fails and frees its thread
LOOK = 0.5   # seconds between looks at whether a tab has closed its event stream

# Path components whose changes are never content: our own cache (written by every build, so watching it would
# loop) and version control bookkeeping.
IGNORED_NAMES = frozenset({".blog-cache", ".git"})
# Only changes count. Reading a file also makes inotify events (opened, closed_no_write), and the build reads
# every watched file, so reacting to those would rebuild forever.
CHANGE_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})


class BuildState:
    """What the browser needs to know: the epoch of the last good build and the current error, if any.

    `version` counts every change of either, so a waiter can tell "something new" from "nothing yet".
    The epoch starts at the wall clock in milliseconds so that a restarted server's epoch is larger than
    the one any open tab has seen, and the tab reloads.
    A page published ahead of the rest of its build (the one open in a tab, `serve --watch`) gets an epoch of
    its own at once (`ahead`), so its tab reloads before the others; when that build succeeds the page keeps
    it, so its tab does not reload twice. Every epoch comes from one counter, so a newer one is always larger.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._counter = time.time_ns() // 1_000_000
        self.epoch = self._counter
        self.error: dict | None = None
        self.version = 0
        self.closed = False
        self._ahead: dict[str, int] = {}   # output path -> the epoch it was published ahead at
        self._this_build: set[str] = set()   # the paths the build in progress published ahead
        self._shown: dict[str, int] = {}   # output path -> how many tabs show it (their event streams)

    @contextmanager
    def showing(self, path: str | None):
        """A tab shows the file `path` (relative to output/) while this lasts."""
        with self._cond:
            if path:
                self._shown[path] = self._shown.get(path, 0) + 1
        try:
            yield
        finally:
            with self._cond:
                if path:
                    self._shown[path] -= 1
                    if not self._shown[path]:
                        del self._shown[path]

    def shown_pages(self) -> frozenset[str]:
        """The files open in a tab: a rebuild publishes them first."""
        with self._cond:
            return frozenset(self._shown)

    def started(self) -> None:
        with self._cond:
            self._this_build = set()

    def published_ahead(self, paths) -> None:
        if not paths:
            return
        with self._cond:
            self._counter += 1
            for path in paths:
                self._ahead[path] = self._counter
            self._this_build.update(paths)
            self.version += 1
            self._cond.notify_all()

    def succeeded(self) -> None:
        with self._cond:
            self._counter += 1
            self.epoch = self._counter
            # Pages published ahead by an earlier build (one restarted, or failed) may have changed since.
            self._ahead = {path: self._ahead[path] for path in self._this_build}
            self.error = None
            self.version += 1
            self._cond.notify_all()

    def failed(self, error: dict) -> None:
        with self._cond:
            self.error = error
            self.version += 1
            self._cond.notify_all()

    def close(self) -> None:
        """Wake every waiter for good: the server is stopping."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def epoch_of(self, path: str | None) -> int:
        """The epoch a tab showing the file `path` (relative to output/; None: no file) has to have seen."""
        with self._cond:
            return self._ahead.get(path, self.epoch) if path else self.epoch

    def message(self, path: str | None = None) -> str:
        with self._cond:
            return json.dumps({"epoch": self.epoch_of(path), "error": self.error})

    def wait(self, seen_version: int, timeout: float) -> int | None:
        """Block until the version differs from `seen_version` or `timeout` passes; None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self.version != seen_version, timeout)
            return None if self.closed else self.version


def stream_events(state: BuildState, write: Callable[[bytes], object], path: str | None = None,
                  gone: Callable[[], bool] = lambda: False) -> None:
    """Server-Sent Events: the state now, then again whenever it changes, until the server stops or the tab
    has gone (`gone()`, looked at every LOOK seconds, so a closed tab's page is soon no longer rebuilt first).
    `path` is the file the tab shows (relative to output/), which may have an epoch of its own."""
    write(b"retry: 500\n\n")  # reconnect quickly after a server restart
    seen, written = None, time.monotonic()
    with state.showing(path):
        while (version := state.wait(seen, LOOK)) is not None:
            if version != seen:
                write(f"data: {state.message(path)}\n\n".encode())
                seen, written = version, time.monotonic()
            elif gone():
                return
            elif time.monotonic() - written >= HEARTBEAT:
                write(b": ping\n\n")
                written = time.monotonic()


def error_dict(exc: BaseException) -> dict:
    if isinstance(exc, BlogError):
        return {"path": exc.path, "line": exc.line, "message": exc.message}
    return {"path": None, "line": None, "message": f"internal error: {type(exc).__name__}: {exc}"}


def run_build(build: Callable[[], None], state: BuildState, out: Callable[[str], None]) -> bool:
    """One build, reported to the terminal and to `state`. A failed build leaves output/ as it was."""
    started = time.monotonic()
    try:
        build()
    except BlogError as exc:
        out(f"error: {exc}")
        state.failed(error_dict(exc))
        return False
    except Exception as exc:  # a generator bug: say so loudly, but keep serving the last good site
        out(traceback.format_exc().rstrip())
        out(f"error: internal error during build: {exc}")
        state.failed(error_dict(exc))
        return False
    state.succeeded()
    out(f"built in {time.monotonic() - started:.2f} s")
    return True


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, on_change: Callable[[], None], ignored_dirs: list[Path],
                 watched_files: set[Path], watched_dirs: list[Path]) -> None:
        self._on_change = on_change
        self._ignored_dirs = ignored_dirs
        self._watched_files = watched_files
        self._watched_dirs = watched_dirs

    def _relevant(self, raw: str | bytes) -> bool:
        if not raw:
            return False
        path = Path(os.path.abspath(os.fsdecode(raw)))
        if IGNORED_NAMES.intersection(path.parts):
            return False
        if any(path.is_relative_to(d) for d in self._ignored_dirs):
            return False
        return path in self._watched_files or any(path.is_relative_to(d) for d in self._watched_dirs)

    def on_any_event(self, event) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return
        if self._relevant(event.src_path) or self._relevant(getattr(event, "dest_path", "")):
            self._on_change()


def start_observer(paths: list[Path], on_change: Callable[[], None], ignored_dirs: list[Path]) -> Observer:
    """Watch directories recursively and single files (through their folder), calling `on_change` for every
    relevant change. Paths that do not exist are skipped."""
    ignored = [Path(os.path.abspath(d)) for d in ignored_dirs] + [d.resolve() for d in ignored_dirs]
    dirs = [Path(os.path.abspath(p)) for p in paths if Path(p).is_dir()]
    files = {Path(os.path.abspath(p)) for p in paths if Path(p).is_file()}
    handler = _ChangeHandler(on_change, ignored, files, dirs)
    observer = Observer()
    for d in dirs:
        observer.schedule(handler, str(d), recursive=True)
    for parent in {f.parent for f in files} - set(dirs):
        observer.schedule(handler, str(parent), recursive=False)
    observer.start()
    return observer


# The script injected into HTML as it is served (never written to output/). It knows the epoch of the build
# it was served from; the event stream sends the current one. A larger epoch means a newer good build: reload.
# An error shows an overlay until a good build reloads the page. The tab says which page it shows, so that the
# server rebuilds it first (serve/rebuilder.py). EventSource reconnects by itself after a
# dropped connection; if the server refused it outright (readyState CLOSED), we retry ourselves.
_SCRIPT = """<script data-blog-livereload>(() => {
  const seen = %(epoch)d, url = %(url)s, id = "blog-livereload-error";
  function overlay(err) {
    let box = document.getElementById(id);
    if (!err) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;" +
        "background:rgba(40,0,0,.92);color:#fff;font:16px/1.5 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    const where = err.path ? err.path + (err.line != null ? ":" + err.line : "") : "";
    box.textContent = "Build failed\\n\\n" + (where ? where + "\\n" : "") + err.message +
      "\\n\\n(still showing the last good build; this goes away when the next build succeeds)";
  }
  function connect() {
    const es = new EventSource(url + "?page=" + encodeURIComponent(location.pathname));
    es.onmessage = (e) => {
      const d = JSON.parse(e.data);
      if (d.epoch > seen && !d.error) { es.close(); location.reload(); return; }
      overlay(d.error);
    };
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) setTimeout(connect, 1000); };
  }
  connect();
})();</script>"""


def inject(html: bytes, epoch: int) -> bytes:
    """Put the live-reload script before the last </body>, or at the end if there is none."""
    script = (_SCRIPT % {"epoch": epoch, "url": json.dumps(EVENTS_PATH)}).encode()
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]
