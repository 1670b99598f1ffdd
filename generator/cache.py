"""The build cache in .blog-cache/ beside config.yaml: a SQLite file, safe to delete at any time.

It holds parsed content records (keyed by each file's path, mtime and size; every record carries the hash of the
bytes it came from) and rendered HTML of post and comment bodies (keyed by the body's hash and the renderer's
fingerprint). A cache from another generator version, a damaged file or a record that will not load is dropped
and rebuilt, never trusted: records are unpickled with an allow-list of the few classes they may contain.
"""

from __future__ import annotations

import io
import pickle
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from . import __version__

CACHE_DIR = ".blog-cache"
SCHEMA = "blog-cache 2 " + __version__

_ALLOWED = {
    ("generator.model", "Post"), ("generator.model", "Comment"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "tuple"), ("builtins", "list"),
    ("builtins", "dict"),
}


class _Pickler(pickle.Pickler):
    # A ZoneInfo pickles through getattr(); store it by name instead, so the allow-list stays tiny.
    def persistent_id(self, obj):
        return ("zone", obj.key) if isinstance(obj, ZoneInfo) else None


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "zone" and isinstance(pid[1], str):
            return ZoneInfo(pid[1])
        raise pickle.UnpicklingError("unknown persistent id in the cache")


def _dumps(value) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _loads(data: bytes):
    return _SafeUnpickler(io.BytesIO(data)).load()


class BuildCache:
    def __init__(self, site_dir: Path, warn=None):
        self.dir = site_dir / CACHE_DIR
        self.path = self.dir / "cache.sqlite"
        self.warn = warn or (lambda msg: None)
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        self.dir.mkdir(exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
        if not self.path.exists():
            return self._recreate()
        try:
            db = self._connect()
            row = db.execute("SELECT v FROM meta WHERE k = 'schema'").fetchone()
            if row is None or row[0] != SCHEMA:
                raise sqlite3.DatabaseError("written by another version")
            return db
        except sqlite3.DatabaseError as e:
            if self.path.exists():
                self.warn(f"warning: {self.path}: the build cache is unusable ({e}); rebuilding it")
            return self._recreate()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _recreate(self) -> sqlite3.Connection:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)
        db = self._connect()
        db.executescript("""
            CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
            CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL);
            CREATE TABLE html (key TEXT PRIMARY KEY, html TEXT NOT NULL);
        """)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
        return db

    # Parsed records: {rel path: (mtime_ns, size, record)}, stored as one blob because every build needs all.
    def load_records(self) -> dict:
        records = self.get_blob("records")
        return records if isinstance(records, dict) else {}

    def save_records(self, records: dict) -> None:
        self.put_blob("records", records)

    def get_blob(self, name: str):
        row = self.db.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        try:
            return _loads(row[0]) if row else None
        except Exception as e:  # noqa: BLE001 - any damage means: compute it again
            self.warn(f"warning: {self.path}: the cached {name} could not be read ({e}); rebuilding it")
            return None

    def put_blob(self, name: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?)", (name, _dumps(value)))

    def html_keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM html")}

    def get_html(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(f"SELECT key, html FROM html WHERE key IN ({marks})", chunk))
        return found

    def put_html(self, items: dict[str, str]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", items.items())
        self.db.execute("COMMIT")

    def prune_html(self, live_keys: set[str]) -> None:
        """Forget HTML no current post or comment uses, so the cache does not grow for ever."""
        stale = [k for (k,) in self.db.execute("SELECT key FROM html") if k not in live_keys]
        if stale:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM html WHERE key = ?", ((k,) for k in stale))
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
