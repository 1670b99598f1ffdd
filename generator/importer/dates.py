"""When each old entry was published, as PyBlosxom saw it: in the old server's local time.

The file's mtime, overridden by what the blog's date plugins read (metadata lines, the file name), by
`<datadir>/.mtimes.yaml` (a plugin that kept dates apart from the files), and by --dates-from above all.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import BlogError, UsageError

MTIMES_FILE = ".mtimes.yaml"

# pyfilenamemtime's pattern: the date (and optional hh-mm) sits just before the extension.
_NAME_DATE = re.compile(r"([0-9]{4})-([0-1][0-9])-([0-3][0-9])(-([0-2][0-9])-([0-5][0-9]))?\.\w+$")


def zone(name: str | None) -> tuple[ZoneInfo, str | None]:
    """The zone to read local times in, and its IANA name when known (for config.yaml)."""
    if name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown timezone '{name}'; use an IANA name such as Australia/Sydney") from None
    return _local_zone()


def _local_zone() -> tuple[ZoneInfo, str | None]:
    """This machine's zone: PyBlosxom used the server's local time, and by default we assume this is it."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    link = os.path.realpath("/etc/localtime")
    if "/zoneinfo/" in link:
        candidates.append(link.split("/zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name), name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    try:
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f), None
    except OSError:
        return ZoneInfo("UTC"), "UTC"


# What each date plugin read, by the name it is loaded under (the last part of a load_plugins item).
# Each takes (file name, whole text, metadata, tz) and gives a naive-local datetime or None.
def _published(name, text, meta, tz):
    # published_date (pyblosxom-web, douglas): a line starting '#published' anywhere in the file.
    for line in text.splitlines():
        if line.startswith("#published"):
            return _parse_local(line.partition(" ")[2].strip(), tz)
    return None


def _postdate(name, text, meta, tz):
    # metadate: '#postdate YYYY-MM-DD HH-MM' (or a #published line, in its later form).
    value = meta.get("postdate")
    if value:
        return _parse_local(value.strip().replace("-", ":", 3).replace(":", "-", 2), tz)
    return _published(name, text, meta, tz)


_ANY_DATE = re.compile(r"([0-9]{4})-([0-1][0-9])-([0-3][0-9])(.([0-2][0-9]):([0-5][0-9]):([0-5][0-9]))?")
_META_DATE = re.compile(r"""\[\[!meta date=["']([^"'\]]+)["']\]\]""")


def _first_date(name, text, meta, tz):
    # pymetadate (l4x.org): the first YYYY-MM-DD[ hh:mm:ss] anywhere in the file, title included, seconds
    # dropped; it is meant for [[!meta date="..."]] lines, but any earlier date in the text wins.
    match = _ANY_DATE.search(text)
    if not match:
        return None
    hour, minute = (int(match[5]), int(match[6])) if match[4] else (0, 0)
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), hour, minute, tzinfo=tz)
    except ValueError:
        return None


def _meta_date(name, text, meta, tz):
    # Without the blog's config.py: only the explicit [[!meta date="..."]] line.
    match = _META_DATE.search(text)
    return _parse_local(match[1], tz) if match else None


def _pubdate(name, text, meta, tz):
    # pymetatime: '#pubdate 2014-09-30' and '#pubtime 08:37:48' metadata lines.
    day = meta.get("pubdate")
    return _parse_local(f"{day.strip()} {meta.get('pubtime', '00:00').strip()}", tz) if day else None


def _name_date(name, text, meta, tz):
    return _from_name(name, tz)


PLUGIN_RULES = {"published_date": _published, "metadate": _postdate, "pymetadate": _first_date,
                "pymetatime": _pubdate, "pyfilenamemtime": _name_date}
# Used when no config.py says which plugins ran: only the unmistakable metadata forms.
_WITHOUT_CONFIG = [_pubdate, _published, _meta_date]
# Metadata that says a date plugin was meant, found in entries whose blog did not load it.
_SIGNS = {"pymetatime": re.compile(r"^#\s*pubdate ", re.M), "published_date": re.compile(r"^#published ", re.M),
          "pymetadate": _META_DATE, "metadate": re.compile(r"^#\s*postdate ", re.M)}


def plugin_names(config: dict) -> list[str] | None:
    """The names of the plugins config.py loads, or None when it says nothing."""
    plugins = config.get("load_plugins")
    if not isinstance(plugins, (list, tuple)):
        return None
    return [str(p).rsplit(".", 1)[-1] for p in plugins]


class EntryDates:
    """The date PyBlosxom showed for each entry: file time, overridden by the loaded date plugins in their
    load order (each one's cb_filestat replaced the time before it), and by --dates-from above all."""

    def __init__(self, datadir: Path, tz: ZoneInfo, config: dict, warn, dates_from: dict | None = None):
        self.tz, self.warn = tz, warn
        self.by_relpath = _read_mtimes(datadir, config.get("datadir"), tz, warn)
        self.given = dates_from or {}
        loaded = plugin_names(config)
        self.config_known = loaded is not None
        self.rules = ([PLUGIN_RULES[n] for n in loaded if n in PLUGIN_RULES] if loaded is not None
                      else _WITHOUT_CONFIG)
        self.unloaded = {n: rule for n, rule in _SIGNS.items() if loaded is not None and n not in loaded}
        self.strips_brackets = loaded is not None and "pymetadate" in loaded
        self.last_source = ""
        self.file_times: list[datetime] = []
        self.unread: dict[str, list[str]] = {}        # plugin -> entries with its metadata, not loaded

    def of(self, path: Path, relpath: str, text: str, meta: dict) -> datetime:
        when, source = None, ""
        for rule in self.rules:
            found = rule(path.name, text, meta, self.tz)
            if found is not None:
                when, source = found, "file name" if rule is _name_date else "metadata"
        if relpath in self.by_relpath:
            when, source = self.by_relpath[relpath], "metadata"
        if relpath in self.given:
            when, source = self.given[relpath], "--dates-from"
        if when is None:
            when, source = datetime.fromtimestamp(path.stat().st_mtime, self.tz), "file time"
            self.file_times.append(when)
            for name, sign in self.unloaded.items():
                if sign.search(text):
                    self.unread.setdefault(name, []).append(relpath)
        self.last_source = source
        return when.replace(microsecond=0)

    def shared_file_time(self) -> tuple[int, datetime] | None:
        """(count, time) when most entries dated by file time share one minute: a copy that lost them."""
        if len(self.file_times) < 3:
            return None
        minute, count = Counter(t.replace(second=0, microsecond=0) for t in self.file_times).most_common(1)[0]
        return (count, minute) if count * 2 > len(self.file_times) else None


def _parse_local(value: str, tz: ZoneInfo) -> datetime | None:
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), form).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def read_dates_file(path: Path, datadir: Path, tz: ZoneInfo) -> dict[str, datetime]:
    """--dates-from: lines 'path<TAB>date', the path relative to the data folder (or absolute in it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BlogError(f"cannot read the dates file ({e.__class__.__name__}); give a UTF-8 file of "
                        f"'path<TAB>date' lines", path) from None
    dates = {}
    root = str(datadir.absolute()).rstrip("/") + "/"
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        name, tab, value = line.partition("\t")
        when = _as_datetime(value, tz) if tab else None
        if when is None:
            raise BlogError("not 'path<TAB>date' (such as 'diary/hello.txt<TAB>2014-02-24 17:04:00')", path, number)
        name = name.strip()
        dates[name[len(root):] if name.startswith(root) else name.lstrip("./")] = when
    return dates


def _from_name(name: str, tz: ZoneInfo) -> datetime | None:
    match = _NAME_DATE.search(name)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    hour, minute = (int(match[5]), int(match[6])) if match[4] else (0, 0)
    try:
        return datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:      # 2013-02-31: PyBlosxom fell back to the mtime too
        return None


def _read_mtimes(datadir: Path, config_datadir: str | None, tz: ZoneInfo, warn) -> dict[str, datetime]:
    """{path relative to the data folder: date}. Keys were absolute paths on the old server, which may
    have kept the blog elsewhere, so they are matched against both this folder and config.py's datadir."""
    path = datadir / MTIMES_FILE
    if not path.is_file():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        warn(path, f"not readable YAML ({e.__class__.__name__}); file dates used instead")
        return {}
    if not isinstance(raw, dict):
        warn(path, "not a mapping of paths to dates; file dates used instead")
        return {}
    roots = [str(datadir.absolute()), str(datadir.resolve())] + ([config_datadir] if config_datadir else [])
    roots = [r.rstrip("/") + "/" for r in roots]
    result = {}
    for key, value in raw.items():
        rel = next((str(key)[len(r):] for r in roots if str(key).startswith(r)), None)
        when = _as_datetime(value, tz)
        if rel is None or when is None:
            warn(path, f"entry {key!r}: {'not under the data folder' if rel is None else 'not a date'}; ignored")
            continue
        result[rel] = when
    return result


def _as_datetime(value, tz: ZoneInfo) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
    if isinstance(value, datetime):
        # A naive time is local time on the old server; an aware one is moved into the zone.
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return None
