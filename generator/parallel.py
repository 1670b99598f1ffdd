"""Both cores for the two expensive loops of a cold build (Markdown, and rendering pages).

Workers are forked, so they inherit the whole loaded model and templates without pickling them; only the
results travel back. Few items stay in this process: starting workers costs more than it saves.
"""

from __future__ import annotations

import gc
import os
import pickle
from multiprocessing import get_context
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, one process is faster.
THRESHOLD = 64

# Set just before forking; each worker inherits the function and the items, so only index ranges are sent
# (items may hold closures, which do not pickle) and only results come back.
_job: Callable | None = None
_items: Sequence = ()
# Whether a held_collector has frozen the model (fork_map then leaves it frozen).
_held_frozen = False


def _run(bounds: tuple[int, int]) -> list:
    start, stop = bounds
    return [_job(_items[i]) for i in range(start, stop)]


def die_with_parent() -> None:
    """Linux: a worker is killed with its parent (a killed cron build leaves no orphans writing tracebacks).
    Ctrl-C is the parent's to handle: a worker ignores SIGINT and dies quietly on SIGTERM (it may have inherited
    a handler, `blog serve`'s, that raises KeyboardInterrupt and would print a traceback from the worker)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def workers() -> int:
    """The cores this process may use, or BLOG_WORKERS when set (1 keeps everything in one process)."""
    if os.environ.get("BLOG_WORKERS", "").isdigit() and int(os.environ["BLOG_WORKERS"]) > 0:
        return int(os.environ["BLOG_WORKERS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# From this many items, a job runs in ROUNDS pools one after another (see fork_map).
ROUND_ITEMS = 50_000
ROUNDS = 4


def fork_map(fn: Callable[[T], R], items: Sequence[T], chunks_per_worker: int = 16,
             progress: Callable[[int], None] | None = None) -> list[R]:
    """[fn(x) for x in items], in order, spread over all cores when there are enough items.
    `progress(n)` is told as each n items are done."""
    global _job, _items
    count = workers()
    if len(items) < THRESHOLD or count == 1 or "fork" not in _methods():
        results = []
        for item in items:
            results.append(fn(item))
            if progress:
                progress(1)
        return results
    n = count * chunks_per_worker
    size = -(-len(items) // n)
    bounds = [(i, min(i + size, len(items))) for i in range(0, len(items), size)]
    _job, _items = fn, items
    # Out of the collector's reach while workers run: a collection in a worker would otherwise write to (and so
    # copy) every page of the model it inherited, which at 100,000 posts is most of a GB per worker.
    # Left frozen when the build froze it (held_collector): known from its flag, as gc.get_freeze_count() walks
    # every frozen object (60 ms a call at 100,000 posts).
    frozen = _held_frozen
    gc.freeze()
    # On a big job, a fresh pool for each quarter of it: a worker touching the objects it inherited (reference
    # counts) copies the pages they sit on, so workers that rendered 272,000 pages would each end up holding a
    # private copy of much of the model. Pools one after another, forked from this thread: a pool that replaced
    # its workers itself would fork them from its own threads, which can deadlock.
    rounds = ROUNDS if len(items) >= ROUND_ITEMS else 1
    per_round = -(-len(bounds) // rounds)
    try:
        parts = []
        for start in range(0, len(bounds), per_round):
            with get_context("fork").Pool(count, initializer=die_with_parent) as pool:
                for part in pool.imap(_run, bounds[start:start + per_round], chunksize=1):
                    parts.append(part)
                    if progress:
                        progress(len(part))
    finally:
        if not frozen:
            gc.unfreeze()
        _job, _items = None, ()
    return [result for part in parts for result in part]


class held_collector:
    """The cyclic collector off while a build loads its model, then (`release()`) the model frozen out of its
    reach and the collector on again for what rendering leaves: at 100,000 posts the collector walked the
    millions of records and model objects again and again, 1.2 s of a one-post rebuild. Both undone on exit."""

    def __enter__(self):
        self.enabled, self.frozen = gc.isenabled(), False
        gc.disable()
        return self

    def release(self) -> None:
        global _held_frozen
        if not self.frozen:
            gc.freeze()
            self.frozen = _held_frozen = True
        if self.enabled:
            gc.enable()

    def __exit__(self, *exc):
        global _held_frozen
        if self.frozen:
            gc.unfreeze()
            _held_frozen = False
        if self.enabled:
            gc.enable()


def in_background(fn: Callable[[], R]) -> Callable[[], R]:
    """Start fn() in a forked process now; the call returned waits for it and gives its value (or raises its
    error). For work that would leave a core idle: related posts, while Markdown keeps both cores busy. In
    one process (BLOG_WORKERS=1, or no fork) fn() runs when its value is asked for."""
    if workers() == 1 or "fork" not in _methods():
        return fn
    context = get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        die_with_parent()
        try:
            send.send((True, fn()))
        except BaseException as e:   # noqa: BLE001 - handed to the parent, which raises it
            send.send((False, e))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def result() -> R:
        try:
            ok, value = receive.recv()
        except EOFError:   # it died without a word (killed: by the kernel short of memory, say)
            ok, value = None, None
        finally:
            receive.close()
            process.join()
        if ok is None:
            return fn()   # done here instead
        if not ok:
            raise value
        return value

    return result


def both_halves(fn: Callable[[int], R]) -> tuple[R, R]:
    """(fn(0), fn(1)), fn(1) in a process forked now, which shares what this one has made so far (an index built
    once for both) until it writes to it. For a process in_background() started: multiprocessing lets such a
    process start none of its own. fn(1) runs here when that process cannot be started or fails."""
    if workers() == 1 or not hasattr(os, "fork"):
        return fn(0), fn(1)
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return fn(0), fn(1)
    if pid == 0:   # the other half; its result goes through the pipe, read once this half is done
        code = 1
        try:
            os.close(read)
            die_with_parent()
            data = pickle.dumps(fn(1), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    source = os.fdopen(read, "rb")
    try:
        mine = fn(0)
        data = source.read()
    finally:
        source.close()   # when this half failed, the other, still writing, meets a closed pipe and ends
        _, status = os.waitpid(pid, 0)
    return mine, pickle.loads(data) if status == 0 and data else fn(1)


def _methods() -> list[str]:
    from multiprocessing import get_all_start_methods
    return get_all_start_methods()
