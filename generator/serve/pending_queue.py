"""The receiver's only writes: new files in comments-pending/, each created whole or not at all.

A comment is written to a dot-file (which `blog comments list` never reads), synced, then hard-linked to its
final name, which fails rather than replace a file that exists; the dot-file is then removed. A process killed
mid-write leaves at most a dot-file, swept by the next write. Names end in 64 random bits: they cannot be
chosen by the sender, and two servers on one site never pick the same one (if they did, link() would refuse
and another name is drawn).

The queue is capped in count and bytes. The check and the write happen under an flock on the folder itself,
so servers in other processes (gunicorn workers) cannot both take the last place."""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

INCOMING_PREFIX = ".incoming-"


class PendingQueue:
    def __init__(self, folder: Path, max_count: int, max_bytes: int):
        self.folder, self.max_count, self.max_bytes = folder, max_count, max_bytes
        self._lock = threading.Lock()   # flock is per open file: threads of one process also take this

    def add(self, post_id: str, when: datetime, text: str) -> Path | None:
        """The new file, or None when the queue is full."""
        data = text.encode("utf-8")
        with self._locked():
            count, size = self._usage()
            if count >= self.max_count or size + len(data) > self.max_bytes:
                return None
            temp = self.folder / (INCOMING_PREFIX + secrets.token_hex(16))
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                stem = f"{post_id.replace('/', '-')}-{when.strftime('%Y%m%d-%H%M%S')}"
                while True:
                    path = self.folder / f"{stem}-{secrets.token_hex(8)}.md"
                    try:
                        os.link(temp, path)
                        break
                    except FileExistsError:
                        continue
            finally:
                temp.unlink(missing_ok=True)
            self._sync_folder()
            return path

    def usage(self) -> tuple[int, int]:
        with self._locked():
            return self._usage()

    def _usage(self) -> tuple[int, int]:
        """(comments, bytes) in the folder. Called under the lock: a dot-file left now is from a killed
        writer, and is removed."""
        count = size = 0
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.startswith(INCOMING_PREFIX):
                    try:
                        os.unlink(entry.path)
                    except FileNotFoundError:
                        pass
                    continue
                if entry.is_file(follow_symlinks=False):
                    size += entry.stat(follow_symlinks=False).st_size
                    count += entry.name.endswith(".md") and not entry.name.startswith(".")
        return count, size

    @contextmanager
    def _locked(self):
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
