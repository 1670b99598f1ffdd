"""The import's last step: would the new site build? Every post and comment in content/ is read as the build
reads it (so every bad file is named at once, not one per run), then the site is built into a temporary
folder with the real build."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

from ..errors import BlogError


def trial_build(site: Path, report) -> None:
    from ..build import BuildOptions, build
    from ..config import load_config
    from ..content.reader import read_comment, read_post
    try:
        tz = load_config(site).tz
    except BlogError as e:
        report.error(e.path or site, e.message, kind="config.yaml does not load")
        return
    bad = 0
    content = site / "content"
    for path in sorted(content.rglob("*.md")):      # what --merge found there too
        rel = PurePosixPath(path.relative_to(content).as_posix())
        relpath = f"content/{rel}"
        if rel.parts[0] == "static" or any(p.startswith(".") for p in rel.parts):
            continue
        reader = read_comment if rel.parent.name.endswith(".comments") else read_post
        try:
            reader(rel, (site / relpath).read_bytes(), tz)
        except BlogError as e:
            bad += 1
            report.error(site / relpath, f"{e}", kind="a post or comment that does not build")
    if bad:
        return
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="blog-import-trial-") as output:
        try:
            build(BuildOptions(site_dir=site, output_dir=Path(output), future=True, drafts=True),
                  warn=warnings.append)
        except BlogError as e:
            report.error(e.path or site, e.message, kind="the new site does not build")
    for warning in warnings:
        report.warn(site, warning, kind="warning of the trial build")
