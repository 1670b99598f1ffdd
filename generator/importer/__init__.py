"""Importers of other blogs' data. `blog import pyblosxom` is wired in cli.py with add_arguments and run."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `blog import pyblosxom`."""
    parser.add_argument("old", type=Path, metavar="OLD", help="the PyBlosxom data folder (py['datadir'])")
    parser.add_argument("new", type=Path, metavar="NEW", help="the new site's folder; its content/ must be empty")
    parser.add_argument("--config", type=Path, dest="config_py", metavar="CONFIG_PY",
                        help="the old blog's config.py (default: beside or inside OLD, if there)")
    parser.add_argument("--timezone", metavar="ZONE",
                        help="the old server's timezone, such as Australia/Sydney (default: this machine's)")
    parser.add_argument("--comments", type=Path, dest="comments_dir", metavar="DIR",
                        help="the old comments folder (default: py['comment_dir'], else OLD/comments)")
    parser.add_argument("--base-url", metavar="URL",
                        help="the address the blog is published at (default: base_url in config.py)")
    parser.add_argument("--dates-from", type=Path, metavar="FILE",
                        help="dates for entries, lines 'path<TAB>date' (path relative to OLD): for blogs whose "
                             "file times were lost")
    parser.add_argument("--dry-run", action="store_true", help="write nothing; say what would be written")
    parser.add_argument("--merge", action="store_true",
                        help="add to a non-empty content/ (an existing file is never overwritten)")


def run(args: argparse.Namespace) -> int:
    """Run the import; a BlogError propagates to the CLI, which prints it as one line."""
    from .pyblosxom import import_pyblosxom   # here: every `blog` command builds this parser, few import
    report = import_pyblosxom(args.old, args.new, config_py=args.config_py, timezone=args.timezone,
                              comments_dir=args.comments_dir, dry_run=args.dry_run, merge=args.merge,
                              base_url=args.base_url, dates_from=args.dates_from)
    return 1 if report.errors else 0      # the trial build failed: the summary named every error
