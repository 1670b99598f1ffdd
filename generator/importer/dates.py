"""When each old entry was published, as PyBlosxom saw it: in the old server's local time.

Three sources, strongest first: `<datadir>/.mtimes.yaml` (a plugin that kept dates apart from the files),
a date in the file name (the pyfilenamemtime plugin), else the file's mtime.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import UsageError

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


class EntryDates:
    def __init__(self, datadir: Path, tz: ZoneInfo, config_datadir: str | None, warn):
        self.tz = tz
        self.by_relpath = _read_mtimes(datadir, config_datadir, tz, warn)

    def of(self, path: Path, relpath: str) -> datetime:
        when = self.by_relpath.get(relpath) or _from_name(path.name, self.tz)
        if when is None:
            when = datetime.fromtimestamp(path.stat().st_mtime, self.tz)
        return when.replace(microsecond=0)


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
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        # A naive time is local time on the old server; an aware one is moved into the zone.
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return None
