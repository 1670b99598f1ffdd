"""`blog import pyblosxom OLD NEW`: read a PyBlosxom data folder, write a new site's content.

Read everything first, then write, so a problem in the old blog is found before anything is written.
The old folder is only ever read.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..config import Config
from ..errors import BlogError
from .comments import OldComment, read_comments
from .dates import EntryDates, read_dates_file, zone
from .entries import OldEntry, find_entry_files, read_entry
from .pyconfig import read_config_py
from .renames import redirect_page, rename_unbuildable
from .report import ImportReport
from .settings import base_url as _base_url, date_notices as _date_notices, keep_feed_ids as _keep_feed_ids, \
    note_settings as _note_settings
from .trial import trial_build
from .urls import categories_of, old_urls
from .writer import Writer, document, dump_yaml

PENDING_DIR = "comments-pending"
OLD_URLS = "old-urls.txt"


def import_pyblosxom(old_datadir: Path, new_site: Path, *, config_py: Path | None = None,
                     timezone: str | None = None, comments_dir: Path | None = None, dry_run: bool = False,
                     merge: bool = False, tags_separator: str = ",", base_url: str | None = None,
                     dates_from: Path | None = None, trial: bool = True, out=print) -> ImportReport:
    old, new = Path(old_datadir), Path(new_site)
    _check_folders(old, new, merge)
    report = ImportReport(dry_run=dry_run)
    config_py = config_py or _find_config_py(old, out)
    config = _read_config(config_py, report)
    tz, tz_name = zone(timezone)
    if tz_name is None:
        report.warn(old, "this machine's time zone has no name, so config.yaml gets none and pages show UTC "
                         "times: import again with --timezone, such as Australia/Sydney", kind="no time zone name")
    base_url = _base_url(base_url, config, config_py, report)
    _note_settings(config, config_py, report)
    if tags_separator == ",":               # the default: config.py may say otherwise
        tags_separator = str(config.get("tags_separator", ","))
    comment_dir = _comment_dir(old, comments_dir, config)
    given = read_dates_file(dates_from, old, tz) if dates_from else None
    dates = EntryDates(old, tz, config, report.warn, given)
    entries, others = _read_entries(old, comment_dir, config, dates, tags_separator, report)
    by_category: dict[str, dict[str, OldEntry]] = {}
    for entry in entries:
        by_category.setdefault(entry.category, {})[entry.slug] = entry
    comments = []
    if comment_dir.is_dir():
        comment_ext = str(config.get("comment_ext", "cmt"))
        comments = read_comments(comment_dir, by_category, tz=tz, ext=comment_ext,
                                 draft_ext=str(config.get("comment_draft_ext", comment_ext)), report=report)

    for entry in entries:
        _keep_feed_ids(entry, base_url)              # from the old names, before any rename
    redirects = rename_unbuildable(entries, report)

    writer = Writer(new, dry_run=dry_run, out=out, report=report)
    _write_config_yaml(writer, config, config_py, tz_name, base_url, out)
    report.entries = sum(writer.create(f"content/{e.id}.md", _post(e))
                         for e in entries)
    report.categories = len({c for e in entries for c in categories_of(e)})
    report.tags = len({t for e in entries for t in e.tags})
    _write_comments(writer, comments, report)
    copied = _copy_files(writer, old, others, report)
    for old_url, target in sorted(redirects.items()):
        writer.create(f"content/static{old_url}", redirect_page(target, base_url or Config.base_url))
    _write_old_urls(writer, new / OLD_URLS, sorted(old_urls(entries, config) + copied + list(redirects)))
    report.date_sources = dict(Counter(e.date_source for e in entries))
    _date_notices(dates, report)
    if trial and not dry_run:
        trial_build(new, report)
    out(report.summary())
    return report


def _check_folders(old: Path, new: Path, merge: bool) -> None:
    if not old.is_dir():
        raise BlogError("no such folder: give the old blog's data folder (py['datadir'] in config.py)", old)
    old_r, new_r = old.resolve(), new.resolve()
    if new_r == old_r or new_r.is_relative_to(old_r):
        raise BlogError("the new site must be outside the old data folder, which is never modified", new)
    if old_r.is_relative_to(new_r / "content"):
        raise BlogError("the old data folder is inside the new site's content/; copy it elsewhere first", old)
    content = new / "content"
    if content.exists() and not content.is_dir():
        raise BlogError("content is a file; the import writes posts into a content/ folder", content)
    if content.is_dir() and any(content.iterdir()) and not merge:
        raise BlogError("content/ is not empty; import into a new folder, or add --merge to add to it "
                        "(no file is ever overwritten)", content)


def _find_config_py(old: Path, out) -> Path | None:
    """config.py usually sits beside the data folder (blog/config.py, blog/entries/)."""
    for candidate in (old.parent / "config.py", old / "config.py"):
        if candidate.is_file():
            out(f"reading settings from {candidate} (use --config to choose another)")
            return candidate
    return None


def _read_config(path: Path | None, report: ImportReport) -> dict:
    if path is None:
        return {}
    if not path.is_file():
        raise BlogError("no such file: give the old blog's config.py", path)
    config, notes = read_config_py(path)
    for note in notes:
        report.note(path, note, kind="config.py: a line not read")
    return config


def _comment_dir(old: Path, given: Path | None, config: dict) -> Path:
    if given is not None:
        if not given.is_dir():
            raise BlogError("no such folder: give the old blog's comments folder (py['comment_dir'])", given)
        return given
    configured = config.get("comment_dir")
    if isinstance(configured, str):
        path = Path(configured)
        # An absolute path on the old server: if it was inside the old datadir, find it inside this one.
        datadir = config.get("datadir")
        if not path.is_dir() and isinstance(datadir, str) and path.is_relative_to(datadir):
            path = old / path.relative_to(datadir)
        if path.is_dir():
            return path
    return old / "comments"


def _read_entries(old: Path, comment_dir: Path, config: dict, dates: EntryDates, tags_separator: str,
                  report: ImportReport) -> tuple[list[OldEntry], list[Path]]:
    entries: dict[str, OldEntry] = {}
    found, others = find_entry_files(old, skip_dirs={comment_dir.resolve()},
                                     ignore_directories=config.get("ignore_directories"), report=report)
    for path in found:
        entry = read_entry(path, old, dates=dates, config=config, tags_separator=tags_separator, report=report)
        if entry is None:
            continue
        if entry.slug.startswith("."):
            report.skip(path, "the new site ignores dot-files: rename it in a copy of the old blog and import "
                              "again", kind="a dot-file entry")
            continue
        if entry.id in entries:
            report.skip(path, f"same name as {entries[entry.id].source.name}, which is imported instead",
                        kind="two entries of one name")
            continue
        entries[entry.id] = entry
    return list(entries.values()), others


def _copy_files(writer: Writer, old: Path, others: list[Path], report: ImportReport) -> list[str]:
    """Files beside the entries (images, PDFs, source code) that filekicker and the like served at their
    path: copied to content/static/, which the site publishes at the same path. Returns their URLs."""
    urls = []
    for path in others:
        rel = path.relative_to(old).as_posix()
        if rel == ".mtimes.yaml" or path.suffix in (".cmt", ".pyc") or rel.endswith(".compacted"):
            continue
        if writer.create(f"content/static/{rel}", path.read_bytes()):
            report.files_copied += 1
            urls.append("/" + rel)
    return urls


def _post(entry: OldEntry) -> str:
    front = {"title": entry.title, "date": entry.date}
    if entry.tags:
        front["tags"] = entry.tags
    if entry.body_format == "html":
        front["format"] = "html"          # emitted verbatim: PyBlosxom showed this body as HTML
    front.update(entry.fields)
    return document(front, entry.body)


def _write_comments(writer: Writer, comments: list[OldComment], report: ImportReport) -> None:
    # Files are named by the comment's time; a counter tells apart comments in the same second.
    taken: Counter = Counter()
    for comment in sorted(comments, key=lambda c: (c.entry.id, c.epoch, str(c.source))):
        front = {"author": comment.author, "date": comment.date}
        if comment.url:
            front["url"] = comment.url
        if comment.email:
            front["email"] = comment.email
        front["format"] = "html"
        if comment.pending:
            front["post"] = "/" + comment.entry.id
            base = f"{PENDING_DIR}/{comment.entry.id.replace('/', '-')}-{int(comment.epoch)}"
        else:
            base = f"content/{comment.entry.id}.comments/{int(comment.epoch)}"
        taken[base] += 1
        if writer.create(f"{base}-{taken[base]}.md", document(front, comment.body)):
            if comment.pending:
                report.pending_comments += 1
            else:
                report.comments += 1


def _write_config_yaml(writer: Writer, config: dict, config_py: Path | None, tz_name: str | None,
                       base_url: str | None, out) -> None:
    if (writer.site / "config.yaml").exists():
        out(f"{writer.site / 'config.yaml'} exists: left as it is")
        return
    settings = {}
    for ours, theirs in (("title", "blog_title"), ("tagline", "blog_description"), ("author", "blog_author")):
        if config.get(theirs):
            settings[ours] = str(config[theirs])
    # Without one, a local address written out, so that every `blog build` warns until it is set.
    settings["base_url"] = base_url or Config.base_url
    if tz_name:
        settings["timezone"] = tz_name
    num_entries = config.get("num_entries")
    if isinstance(num_entries, int) and not isinstance(num_entries, bool) and num_entries > 0:
        settings["posts_per_page"] = num_entries
    settings["pyblosxom_urls"] = True       # the old URL shapes answer with redirect pages and feeds
    source = f"from {config_py}" if config_py else "(no config.py was found)"
    writer.create("config.yaml", f"# Written by 'blog import pyblosxom' {source}\n" + dump_yaml(settings))


def _write_old_urls(writer: Writer, path: Path, urls: list[str]) -> None:
    """A list of URLs to keep answering only ever grows: a second import adds to it."""
    if path.is_file() and not path.is_symlink():      # a planted link is replaced, never read
        urls = sorted(set(urls) | {u for u in path.read_text(encoding="utf-8").splitlines() if u})
    writer.replace(path.name, "".join(u + "\n" for u in urls))
