"""What an import did: counts, files skipped with the reason, and warnings worth a look."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    entries: int = 0
    categories: int = 0
    tags: int = 0
    comments: int = 0
    pending_comments: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)    # (path, reason): not imported
    warnings: list[tuple[str, str]] = field(default_factory=list)   # (path, note): imported, but check it
    dry_run: bool = False

    def skip(self, path, reason: str) -> None:
        self.skipped.append((str(path), reason))

    def warn(self, path, note: str) -> None:
        self.warnings.append((str(path), note))

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        lines = [f"{verb}: {self.entries} entries in {self.categories} categories, {self.tags} tags, "
                 f"{self.comments} comments, {self.pending_comments} pending comments"]
        if self.warnings:
            lines.append(f"{len(self.warnings)} warnings:")
            lines += [f"  {path}: {note}" for path, note in self.warnings]
        if self.skipped:
            lines.append(f"{len(self.skipped)} files skipped:")
            lines += [f"  {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)
