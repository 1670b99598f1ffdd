"""`serve --watch` rebuilds: each in a forked child process, the pages open in the browser first.

The server process stays warm (its imports are done, so a rebuild starts at once) and forks one child per
rebuild. The child builds with `build(first=open pages, on_first=...)`: the build publishes the open pages
before the rest of the site and calls `on_first`, and the child tells us through a pipe ("first", then "done"
or "error"), so the open tabs reload while the rest is still being built. A save while a child runs kills it
(SIGKILL: the writer is crash-safe, a killed build is repaired by the next) and a new one starts from the
files as they are now. Generic: it knows a `build` callable, nothing about blogs.
"""

from __future__ import annotations

import threading
import time
import traceback
from multiprocessing import get_context
from typing import Callable, Iterable

from ..errors import BlogError
from ..parallel import die_with_parent
from .livereload import BuildState, error_dict

POLL = 0.02   # seconds between looks for a new save while a child builds


class BuildJob:
    """One build in a forked child. `next(timeout)` gives its reports one by one: ("first", paths),
    ("done", summary or None), ("error", (error dict, what to print)); None while it works."""

    def __init__(self, build: Callable, first: frozenset[str]) -> None:
        context = get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(build, first, send),
                                        name="blog-rebuild")
        self._process.start()
        send.close()

    def next(self, timeout: float) -> tuple[str, object] | None:
        if not self._receive.poll(timeout):
            return None
        try:
            return self._receive.recv()
        except (EOFError, OSError):   # it died without a word: killed from outside, or out of memory
            self._process.join()
            code = self._process.exitcode
            why = f"signal {-code}" if code and code < 0 else f"status {code}"
            message = f"internal error: the build process ended with {why}"
            return "error", ({"path": None, "line": None, "message": message}, f"error: {message}")

    def kill(self) -> None:
        """Stop it now. Its own worker processes die with it (die_with_parent)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._receive.close()

    def close(self) -> None:
        self._process.join()
        self._receive.close()


def _child(build: Callable, first: frozenset[str], send) -> None:
    """In the child: build, saying when the open pages are published, then how it ended."""
    die_with_parent()   # Ctrl-C is the server's to handle: it kills us
    try:
        summary = build(first=first, on_first=lambda paths: send.send(("first", list(paths))))
        send.send(("done", summary))
    except BlogError as exc:
        send.send(("error", (error_dict(exc), f"error: {exc}")))
    except Exception as exc:   # a generator bug: the whole story for the terminal
        text = traceback.format_exc().rstrip() + f"\nerror: internal error during build: {exc}"
        send.send(("error", (error_dict(exc), text)))
    finally:
        send.close()


class Rebuilder:
    """Runs rebuilds from one thread: a burst of changes gives one build (after `quiet` seconds with no further
    change); a change during a build kills it and starts another once the files are quiet again."""

    def __init__(self, build: Callable, state: BuildState, out: Callable[[str], None], quiet: float = 0.1,
                 open_pages: Callable[[], Iterable[str]] = frozenset) -> None:
        self._build, self._state, self._out, self._quiet = build, state, out, quiet
        self._open_pages = open_pages
        self._cond = threading.Condition()
        self._last_change: float | None = None  # time of the newest change not yet picked up by a build
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="blog-rebuild")

    def changed(self) -> None:
        with self._cond:
            self._last_change = time.monotonic()
            self._cond.notify_all()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Kill the build in progress, if any, and join the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def _wait_for_quiet_change(self) -> bool:
        with self._cond:
            while not self._stopping:
                if self._last_change is None:
                    self._cond.wait()
                    continue
                remaining = self._last_change + self._quiet - time.monotonic()
                if remaining <= 0:
                    # Cleared before building: a change arriving during the build sets it again.
                    self._last_change = None
                    return True
                self._cond.wait(remaining)
            return False

    def _interrupted(self) -> bool:
        with self._cond:
            return self._stopping or self._last_change is not None

    def _run(self) -> None:
        while self._wait_for_quiet_change():
            self._build_once()

    def _build_once(self) -> None:
        first = frozenset(self._open_pages())
        started = time.monotonic()
        self._state.started()
        job = BuildJob(self._build, first)
        while True:
            report = job.next(POLL)
            if report is None:
                if self._interrupted():
                    job.kill()
                    if not self._stopping:
                        self._out("restarted: a file changed")
                    return
                continue
            kind, value = report
            seconds = time.monotonic() - started
            if kind == "first":
                self._state.published_ahead(value)
                if value:
                    shown = ", ".join("/" + path for path in sorted(value))
                    self._out(f"rebuilt {shown} in {seconds:.2f} s; the rest of the site in the background...")
                elif first:
                    self._out("the open page is unchanged; the rest of the site in the background...")
                continue
            job.close()
            if kind == "done":
                self._state.succeeded()
                self._out(f"site rebuilt{': ' + value if value else ''} in {seconds:.2f} s")
            else:
                error, text = value
                self._out(text)
                self._state.failed(error)
            return
