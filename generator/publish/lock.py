"""One build at a time: cron runs that overlap wait a bounded time for the lock, then give up (status 75).

The lock is held on the site folder itself (flock on its descriptor), not on a file in .blog-cache/: deleting
the cache mid-build, or a cache that is a file, cannot let a second build in, and nothing is created for it."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import BlogError, LockBusy


@contextmanager
def build_lock(site_dir: Path, timeout: float):
    try:
        fd = os.open(site_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise BlogError(f"cannot open the site folder ({e.strerror})", site_dir) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(f"another build is running (it holds a lock on this site folder); waited {timeout:g} s. "
                                   "Try again later, or raise --wait", site_dir) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock
