"""The build cache in .blog-cache/ beside config.yaml: a SQLite file, safe to delete at any time.

It holds parsed content records (keyed by each file's path, mtime and size; every record carries the hash of the
bytes it came from), rendered HTML of post and comment bodies (keyed by the body's hash and the renderer's
fingerprint) and each post's rendered block and archive entry (keyed by what they show and their templates).
A cache from another generator version, a damaged file or a record that will not load is dropped and rebuilt,
never trusted: every blob, body and part carries a checksum (a part's is checked where a page joins it), damage
SQLite finds in any query rebuilds the cache, and records are unpickled with an allow-list of the few classes
they may contain.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import lz4.block
from lz4.block import LZ4BlockError

from .. import __version__

CACHE_DIR = ".blog-cache"
RECORDS = "records 2"   # 2: a post's record holds its front matter's hash
SCHEMA = "blog-cache 8 " + __version__   # 7: parts in LZ4; 8: records share their tags' strings

_ALLOWED = {
    ("generator.content.model", "Post"), ("generator.content.model", "Comment"),
    ("generator.content.model", "Attachment"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "tuple"), ("builtins", "list"),
    ("builtins", "dict"), ("generator.publish.cache", "zone"),
}


def zone(key: str) -> ZoneInfo:
    """How a cached record's time zone is restored: by its name."""
    return ZoneInfo(key)


class _Pickler(pickle.Pickler):
    # A ZoneInfo pickles through getattr(); store it by name instead, so the allow-list stays tiny. A dispatch
    # table is consulted only for that type, so the other 600,000 objects of a big blog pickle at C speed.
    dispatch_table = {ZoneInfo: lambda z: (zone, (z.key,))}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")
        return super().find_class(module, name)


def _dumps(value) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _loads(data: bytes):
    return _SafeUnpickler(io.BytesIO(data)).load()


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


def _survives_damage(miss):
    """SQLite checks a file's structure when it opens it, not every page: a damaged page shows only when a query
    reads it. Then the cache is rebuilt and the query answers `miss()`, as if the cache had never held it."""
    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as e:   # OperationalError too (text that is not UTF-8)
                self._damaged(str(e))
                return miss()
        return run
    return wrap


def cache_folder(folder: Path, warn) -> Path:
    """`folder` (.blog-cache or a folder in it) as a folder: whatever else has its name is the cache's own, broken,
    and is removed first."""
    if os.path.lexists(folder) and not folder.is_dir():   # a link to a folder (a faster disk) is fine
        warn(f"warning: {folder}: not a folder; the build cache is rebuilt")
        _clear(folder)
    folder.mkdir(exist_ok=True)
    return folder


def _clear(path: Path) -> None:
    """Remove whatever is at `path` in the cache: a file, a link (not what it points at) or a folder."""
    if path.is_dir() and not path.is_symlink():
        import shutil
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


class BuildCache:
    def __init__(self, site_dir: Path, warn=None):
        self.dir = site_dir / CACHE_DIR
        self.path = self.dir / "cache.sqlite"
        self.warn = warn or (lambda msg: None)
        self.pid = os.getpid()
        self._db = self._open()
        self._pid = os.getpid()
        self._said_part_damage = False   # get_parts says it once per process
        self._in_transaction = False

    def _open(self) -> sqlite3.Connection:
        cache_folder(self.dir, self.warn)
        ignore = self.dir / ".gitignore"
        if not ignore.is_file() or ignore.is_symlink():
            _clear(ignore)
            ignore.write_text("*\n")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if os.path.lexists(part) and (part.is_symlink() or not part.is_file()):
                self.warn(f"warning: {part}: not a file; the build cache is rebuilt")
                _clear(part)
        if not self.path.exists():
            return self._recreate()
        db = None
        try:
            db = self._connect()
            row = db.execute("SELECT v FROM meta WHERE k = 'schema'").fetchone()
            if row is None or row[0] != SCHEMA:
                raise sqlite3.DatabaseError("written by another version")
            return db
        except sqlite3.DatabaseError as e:
            if db is not None:
                db.close()   # before its files are removed, or its WAL would outlive them
            self.warn(f"warning: {self.path}: the build cache is unusable ({e}); rebuilding it")
            return self._recreate()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _recreate(self) -> sqlite3.Connection:
        for suffix in ("", "-wal", "-shm"):
            _clear(Path(str(self.path) + suffix))
        db = self._connect()
        db.executescript("""
            CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
            CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL, sum BLOB NOT NULL);
            CREATE TABLE html (key TEXT PRIMARY KEY, html TEXT NOT NULL, sum BLOB NOT NULL);
            CREATE TABLE parts (key TEXT PRIMARY KEY, html BLOB NOT NULL, sum BLOB NOT NULL);
        """)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
        return db

    def _damaged(self, what: str) -> None:
        """Damage found while reading: warn, and start again with an empty cache. A forked worker only misses;
        the file belongs to the build's own process."""
        self.warn(f"warning: {self.path}: the build cache is damaged ({what}); rebuilding it")
        self._in_transaction = False
        if os.getpid() != self.pid:
            return
        try:
            self.db.close()
        except sqlite3.Error:
            pass
        self.db = self._recreate()

    # A dict every build reads whole and an edit changes a little of (the content records, the related posts):
    # stored as one blob of it as it was, plus a small blob of what changed since, so an edit rewrites a few
    # entries, not 100,000. None marks a removed entry (no value stored this way is None).
    def load_layered(self, name: str) -> tuple[dict, dict]:
        """(the dict, the base blob it was read from: save_layered() writes what changed since it); ({}, {})
        when none is stored."""
        base = self.get_blob(name)
        changes = self.get_blob(name + "-changes") if isinstance(base, dict) else None
        base = base if isinstance(base, dict) else {}
        merged = dict(base)
        if isinstance(changes, dict):
            for key, value in changes.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
        return merged, base

    def save_layered(self, name: str, value: dict, base: dict) -> None:
        changes = {key: entry for key, entry in value.items() if base.get(key) != entry}
        changes.update((key, None) for key in base.keys() - value.keys())
        # The base is written when there is none (changes alone are not read), and again once the changes pass a
        # twentieth of it (or a handful, on a small blog).
        self._write_layered(name, value, changes, not base or len(changes) * 20 > len(value) + 100)

    @_survives_damage(lambda: None)
    def _write_layered(self, name: str, value: dict, changes: dict, rewrite: bool) -> None:
        data = _dumps(value if rewrite else changes)
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)",
                            (name if rewrite else name + "-changes", data, _checksum(data)))
            if rewrite:
                self.db.execute("DELETE FROM blobs WHERE name = ?", (name + "-changes",))

    # Parsed records: {rel path: (mtime_ns, size, tz, record)}. RECORDS names their shape: records of another
    # are not read (every file is read again, once) and are dropped with the first save.
    def load_records(self) -> tuple[dict, dict]:
        """(the records, the base blob they were read from: save_records() writes what changed since it)."""
        return self.load_layered(RECORDS)

    def save_records(self, records: dict, base: dict) -> None:
        self.save_layered(RECORDS, records, base)
        if not base:
            self._drop_old_records()

    @_survives_damage(lambda: None)
    def _drop_old_records(self) -> None:
        self.db.execute("DELETE FROM blobs WHERE name LIKE 'records%' AND name NOT LIKE ?", (RECORDS + "%",))

    @contextmanager
    def transaction(self):
        """The writes inside are stored together or not at all (a build stopped half way leaves the last
        build's); one inside another is part of it. Damage found inside (_damaged) ends it: the cache is new."""
        if self._in_transaction:
            yield
            return
        db = self.db
        db.execute("BEGIN")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            if self.db is db:
                self._in_transaction = False
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise
        if self.db is db:
            self._in_transaction = False
            db.execute("COMMIT")

    @_survives_damage(lambda: None)
    def get_blob(self, name: str):
        row = self.db.execute("SELECT data, sum FROM blobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        if _checksum(row[0]) != row[1]:
            self._damaged(f"the cached {name} does not match its checksum")
            return None
        try:
            return _loads(row[0])
        except Exception as e:  # noqa: BLE001 - any damage means: compute it again
            self.warn(f"warning: {self.path}: the cached {name} could not be read ({e}); rebuilding it")
            return None

    @_survives_damage(lambda: None)
    def put_blob(self, name: str, value) -> None:
        data = _dumps(value)
        self.db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)", (name, data, _checksum(data)))

    # Rendered HTML by key, in two tables of one shape: `html` (Markdown bodies, by body hash) and `parts` (each
    # post's block and archive entry, by everything they show and their template: pages/parts.py). Parts are
    # stored compressed with LZ4: a block holds its body's HTML again, and a page joining ten decompresses ten.
    # zlib's fastest level made parts half their size, but at 30 us a part, decompressing was a quarter of a
    # listing page's render; LZ4 is 6 us (and 10 us, not 74, to compress), for parts three quarters their size.
    @_survives_damage(set)
    def html_keys(self, table: str = "html") -> set[str]:
        return {k for (k,) in self.db.execute(f"SELECT key FROM {_table(table)}")}

    @_survives_damage(dict)
    def get_html(self, keys: list[str]) -> dict[str, str]:
        """The Markdown HTML of those keys the cache holds intact; a key it lost is simply missing."""
        found: dict[str, str] = {}
        damaged = 0
        for key, html, check in self._rows(keys, "html"):
            try:
                if _checksum(html.encode()) != check:
                    raise ValueError(key)
                found[key] = html
            except ValueError:   # UnicodeDecodeError is a ValueError
                damaged += 1
        if damaged:
            self._damaged(f"{damaged} rendered bodies do not match their checksums")
        return found

    @_survives_damage(set)
    def part_keys(self, keys: list[str]) -> set[str]:
        """Which of these parts the cache holds: their keys only, from the index, no part read. Each part is
        checked where a page joins it (get_parts): at 100,000 posts reading and checking all 110,000 parts a new
        post's pages join took this process 1 s, and the workers read them all again."""
        return {key for (key,) in self._rows(keys, "parts", "key")}

    @_survives_damage(dict)
    def get_parts(self, keys: list[str]) -> dict[str, str]:
        """The HTML of those parts the cache holds intact, read where a page joins them (a worker, which opens
        its own connection), one query a page: a new post shifts every listing page of a big blog, and 100,000
        parts held by the build's process were 450 MB more of it. A part the cache lost is missing; a damaged
        one is said once per process and dropped, so the next build renders and stores it again, and is
        missing too: the caller renders it now."""
        found: dict[str, str] = {}
        for key, data, check in self._rows(keys, "parts"):
            try:
                if _checksum(data) != check:
                    raise ValueError(key)
                found[key] = decompress_part(data)
            except (ValueError, LZ4BlockError):
                if not self._said_part_damage:
                    self._said_part_damage = True
                    self.warn(f"warning: {self.path}: a rendered part in the build cache is damaged; "
                              "it is rendered again")
                self.db.execute("DELETE FROM parts WHERE key = ?", (key,))
        return found

    def keep_part(self, key: str, html: str) -> None:
        """Store a part a page had to render because the cache lost it (pages/context.py), where the page is
        rendered (a worker, on its own connection): later builds find it again. A part of a post whose key is
        unchanged is not looked for before pages join it. Best effort: a busy or damaged cache keeps it not. Not
        put_html(): there, a database locked by the other worker would count as damaged and the cache be made new."""
        data = compress_part(html)
        try:
            self.db.execute("INSERT OR REPLACE INTO parts VALUES (?, ?, ?)", (key, data, _checksum(data)))
        except sqlite3.Error:
            pass

    def _rows(self, keys: list[str], table: str, columns: str = "key, html, sum"):
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(f"SELECT {columns} FROM {_table(table)} WHERE key IN ({marks})", chunk)

    @_survives_damage(lambda: False)
    def put_html(self, items: dict[str, str | bytes], table: str = "html") -> bool:
        """True when they are stored (False: the cache was found damaged, and is rebuilt). Parts come
        compressed (compress_part), by the worker that rendered them (pages/parts.py)."""
        self.db.execute("BEGIN")
        if table == "parts":
            rows = ((k, data, _checksum(data)) for k, data in items.items())
        else:
            rows = ((k, html, _checksum(html.encode())) for k, html in items.items())
        self.db.executemany(f"INSERT OR REPLACE INTO {_table(table)} VALUES (?, ?, ?)", rows)
        self.db.execute("COMMIT")
        return True

    @_survives_damage(lambda: 0)
    def html_count(self, table: str = "html") -> int:
        return self.db.execute(f"SELECT count(*) FROM {_table(table)}").fetchone()[0]

    @_survives_damage(lambda: None)
    def prune_html(self, live_keys: set[str], table: str = "html") -> None:
        """Forget HTML no current post or comment uses, so the cache does not grow for ever."""
        stale = [k for (k,) in self.db.execute(f"SELECT key FROM {_table(table)}") if k not in live_keys]
        if stale:
            self.db.execute("BEGIN")
            self.db.executemany(f"DELETE FROM {_table(table)} WHERE key = ?", ((k,) for k in stale))
            self.db.execute("COMMIT")

    @property
    def db(self) -> sqlite3.Connection:
        """The connection; a forked worker opens its own (SQLite connections must not cross a fork)."""
        if os.getpid() != self._pid:
            self._db, self._pid = self._connect(), os.getpid()
        return self._db

    @db.setter
    def db(self, connection: sqlite3.Connection) -> None:
        self._db, self._pid = connection, os.getpid()

    def close(self) -> None:
        self.db.close()


def compress_part(html: str) -> bytes:
    """How a part is stored: an LZ4 block, its size first."""
    return lz4.block.compress(html.encode())


def decompress_part(data: bytes) -> str:
    return lz4.block.decompress(data).decode()


def _table(name: str) -> str:
    if name not in ("html", "parts"):   # table names cannot be bound parameters: only these two are ever used
        raise ValueError(name)
    return name
