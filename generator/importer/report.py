"""What an import did: counts, and problems grouped by kind (a count and up to three examples each), worst
first, so one harmless message repeated 470 times does not bury the one that matters."""

from __future__ import annotations

from dataclasses import dataclass, field

EXAMPLES = 3
# Worst first: the site would not build; something was not imported; imported, but check it.
ERROR, SKIPPED, WARNING, NOTE = 3, 2, 1, 0
_HEADINGS = {ERROR: "would stop the build", SKIPPED: "not imported", WARNING: "imported; check",
             NOTE: "for information"}


@dataclass
class Problem:
    severity: int
    kind: str
    path: str
    detail: str


@dataclass
class ImportReport:
    entries: int = 0
    categories: int = 0
    tags: int = 0
    comments: int = 0
    pending_comments: int = 0
    files_copied: int = 0
    renamed: int = 0
    date_sources: dict[str, int] = field(default_factory=dict)    # 'metadata' / 'file name' / 'file time' ...
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)             # said loudly, after everything else
    dry_run: bool = False

    def skip(self, path, reason: str, kind: str | None = None) -> None:
        self.problems.append(Problem(SKIPPED, kind or reason, str(path), reason))

    def warn(self, path, note: str, kind: str | None = None) -> None:
        self.problems.append(Problem(WARNING, kind or note, str(path), note))

    def note(self, path, text: str, kind: str) -> None:
        """Seldom matters: settings of the old config.py the new site has no use for, say."""
        self.problems.append(Problem(NOTE, kind, str(path), text))

    def error(self, path, message: str, kind: str | None = None) -> None:
        self.problems.append(Problem(ERROR, kind or message, str(path), message))

    def notice(self, text: str) -> None:
        self.notices.append(text)

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return [(p.path, p.detail) for p in self.problems if p.severity == SKIPPED]

    @property
    def warnings(self) -> list[tuple[str, str]]:
        return [(p.path, p.detail) for p in self.problems if p.severity == WARNING]

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(p.path, p.detail) for p in self.problems if p.severity == ERROR]

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        lines = [f"{verb}: {self.entries} entries in {self.categories} categories, {self.tags} tags, "
                 f"{self.comments} comments, {self.pending_comments} pending comments, "
                 f"{self.files_copied} other files copied"]
        if self.date_sources:
            lines.append("dates from: " + ", ".join(f"{source} {count}" for source, count in
                                                     sorted(self.date_sources.items(), key=lambda i: -i[1])))
        if self.renamed:
            lines.append(f"renamed so that they build: {self.renamed} (the old URLs redirect)")
        groups: dict[tuple[int, str], list[Problem]] = {}
        for problem in self.problems:
            groups.setdefault((problem.severity, problem.kind), []).append(problem)
        if groups:
            lines.append(f"{len(self.problems)} problems of {len(groups)} kinds, worst first:")
        for (severity, kind), found in sorted(groups.items(), key=lambda g: (-g[0][0], -len(g[1]), g[0][1])):
            lines.append(f"  [{_HEADINGS[severity]}] {kind}: {len(found)}")
            for problem in found[:EXAMPLES]:
                detail = "" if problem.detail == kind else f": {problem.detail}"
                lines.append(f"      {problem.path}{detail}")
            if len(found) > EXAMPLES:
                lines.append(f"      ... and {len(found) - EXAMPLES} more")
        lines += self.notices
        return "\n".join(lines)
