"""Writing the new site's files: front matter documents, never overwriting, or only saying so (--dry-run)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml


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
    def __init__(self, site: Path, *, dry_run: bool, out, report):
        self.site, self.dry_run, self.out, self.report = site, dry_run, out, report

    def create(self, relpath: str, text: str) -> bool:
        """Write a new file; an existing one is kept and reported. True if written (or would be)."""
        path = self.site / relpath
        if path.exists() or path.is_symlink():
            self.report.skip(path, "already in the new site: kept as it was")
            return False
        if self.dry_run:
            self.out(f"would write {path}")
            return True
        path.parent.mkdir(parents=True, exist_ok=True)
        # 'x' fails rather than overwrite, should something appear between the check and the write.
        with open(path, "x", encoding="utf-8", newline="") as f:
            f.write(text)
        return True

    def replace(self, relpath: str, text: str) -> None:
        """(Re)write a file the importer owns, atomically."""
        path = self.site / relpath
        if self.dry_run:
            self.out(f"would write {path}")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
