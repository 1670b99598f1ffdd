"""Settings of the old blog that the import carries, or explains: base_url, feed ids, pagination, and the
end-of-import notices about dates."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from .dates import EntryDates, plugin_names
from .entries import OldEntry

# Pagination plugins whose page URLs the new site does not answer (paginate's index_pageN.html it does).
_PAGERS = {"wbgpager": "?page=N", "eg_pager": "?page=N", "pager": "?page=N"}


def base_url(given: str | None, config: dict, config_py: Path | None, report) -> str | None:
    """--base-url, else config.py's; without either, the end of the import says what that means."""
    if given is not None:
        if not given.startswith(("http://", "https://")):
            raise UsageError(f"--base-url {given!r}: give the blog's address, such as https://blog.example.org/")
        return given
    configured = str(config.get("base_url", ""))
    if configured.startswith(("http://", "https://")):
        return configured
    report.notice("NO BASE URL: the old config.py has no base_url (PyBlosxom took it from each request), so the "
                  "feeds and links of the new site would point at http://localhost:8000/. Set base_url in "
                  "config.yaml, or import again with --base-url https://your.blog/")
    report.warn(config_py or "config.py", "no base_url: feeds and canonical links need one (--base-url)",
                kind="no base_url")
    return None


def keep_feed_ids(entry: OldEntry, base: str | None) -> None:
    """The ids the old feeds gave the entry, kept in front matter so readers do not see it as new: RSS 2.0's
    guid was the file path (`news/hello`), Atom's id base_url/YYYY/MM/DD/<file name>; a #guid line wins."""
    if "guid" in entry.fields:
        return
    entry.fields["guid"] = entry.id
    if base:
        d = entry.date
        entry.fields["atom_id"] = f"{base.rstrip('/')}/{d.year}/{d.month:02d}/{d.day:02d}/{entry.slug}"


def note_settings(config: dict, config_py: Path | None, report) -> None:
    where = config_py or "config.py"
    if config.get("paginate_count_from", 0) not in (0, None):
        report.warn(where, "paginate_count_from is not 0: the new site sends index_pageN.html to page N+1, "
                           "as when counting from 0, so old page links land one page off", kind="pagination")
    if config.get("num_entries") == 0:
        report.warn(where, "num_entries = 0 showed every entry on one page; the new site shows posts_per_page "
                           "(10) a page with links to older pages: set posts_per_page in config.yaml to change it",
                    kind="num_entries = 0 (show all)")
    for name in plugin_names(config) or []:
        if name in _PAGERS:
            report.warn(where, f"the {name} plugin's page URLs ({_PAGERS[name]}) are not carried: such links "
                               f"land on the first page", kind="a pagination plugin not carried")


def date_notices(dates: EntryDates, report) -> None:
    for plugin, paths in sorted(dates.unread.items()):
        report.warn(paths[0], f"{len(paths)} entries carry {plugin}'s date metadata, but config.py does not load "
                              f"{plugin}: dated by file time, as the old blog showed them (add it to "
                              f"load_plugins in a copy of config.py to use those dates)",
                    kind=f"date metadata of a plugin not loaded ({plugin})")
    shared = dates.shared_file_time()
    if shared:
        count, when = shared
        report.notice(f"DATES LOST? {count} of {len(dates.file_times)} entries dated by file time share one time, "
                      f"{when:%a, %d %b %Y %H:%M}: the copy you imported from (a git checkout?) did not keep "
                      f"the times. Import from a copy that did (cp -a, rsync -t), or give the dates with "
                      f"--dates-from FILE (lines 'path<TAB>YYYY-MM-DD HH:MM:SS').")
