"""Writing the new site's files: front matter documents, never overwriting, or only saying so (--dry-run)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path, PurePosixPath

import yaml

from ..errors import BlogError


# The C emitter, where libyaml is there, is several times faster over thousands of posts.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    pass


# Dates as plain ISO 8601 with the 'T' and offset (2014-02-24T17:04:00+11:00), which YAML reads back as a
# timestamp; safe_dump's own form puts a space instead of the 'T'.
_Dumper.add_representer(datetime, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:timestamp", value.isoformat()))


def dump_yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1_000_000)


def document(front_matter: dict, body: str) -> str:
    return "---\n" + dump_yaml(front_matter) + "---\n" + body


class Writer:
    """Every file goes inside the new site, through folders that are not symlinks, and is created new:
    O_EXCL|O_NOFOLLOW, so a symlink planted at a path (or a race) can never send a write elsewhere."""

    def __init__(self, site: Path, *, dry_run: bool, out, report):
        self.site, self.dry_run, self.out, self.report = site, dry_run, out, report
        self.root = site.resolve() if site.exists() else site.absolute()

    def create(self, relpath: str, text: str | bytes) -> bool:
        """Write a new file; an existing one is kept and reported. True if written (or would be)."""
        path = self.site / relpath
        if path.exists() or path.is_symlink():
            self.report.skip(path, "already in the new site: kept as it was", kind="already in the new site")
            return False
        if self.dry_run:
            self.out(f"would write {path}")
            return True
        data = text.encode("utf-8") if isinstance(text, str) else text
        self._write(relpath, data, os.O_EXCL)
        return True

    def replace(self, relpath: str, text: str) -> None:
        """(Re)write a file the importer owns, atomically: a new temporary file renamed over it."""
        path = self.site / relpath
        if self.dry_run:
            self.out(f"would write {path}")
            return
        temp = f"{relpath}.{os.getpid()}.tmp"
        self._write(temp, text.encode("utf-8"), os.O_EXCL)
        os.replace(self.site / temp, path)

    def _write(self, relpath: str, data: bytes, flags: int) -> None:
        path = self._folder_for(relpath) / PurePosixPath(relpath).name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | flags, 0o644)
        except OSError as e:
            raise BlogError(f"cannot create this file ({e.strerror}); the import writes only new files in the "
                            f"new site, never through a symlink", path) from None
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    def _folder_for(self, relpath: str) -> Path:
        """The file's folder, made one level at a time; each level must be a real folder inside the site."""
        folder = self.root
        folder.mkdir(parents=True, exist_ok=True)
        for part in PurePosixPath(relpath).parent.parts:
            if part in ("..", "/") or "\0" in part:
                raise BlogError("this path leaves the new site; nothing is written there", self.site / relpath)
            folder = folder / part
            try:
                os.mkdir(folder)
            except FileExistsError:
                pass
            except OSError as e:
                raise BlogError(f"cannot make this folder ({e.strerror})", folder) from None
            if folder.is_symlink() or not folder.is_dir():
                raise BlogError("a symlink or a file where the import needs a folder of the new site: move it "
                                "away, nothing is written through it", folder)
        return folder
