"""One build at a time: cron runs that overlap wait a bounded time for the lock, then give up (status 75)."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockBusy


@contextmanager
def build_lock(cache_dir: Path, timeout: float):
    cache_dir.mkdir(exist_ok=True)
    path = cache_dir / "build.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(f"another build is running (it holds {path}); waited {timeout:g} s. "
                                   "Try again later, or raise --wait", path) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock
