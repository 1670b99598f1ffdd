"""Old names the new site cannot build, and the new names they get.

PyBlosxom put an entry at `/<category>/<slug>.html` whatever the names; the new site has pages of its own at
some of those paths: `/index.html` and `/<cat>/index.html` (listings), `/tags/`, `/tag/` (old tag links),
`/comments/`, `/page/N/`, `/2014/` (date archives), `/404.html`, `content/static/` (files copied as they are), `content/pages/` (standalone pages), `/archives/`, `/categories/`,
and a folder `<slug>.comments` holds comments. An entry there is moved to a name that builds, and its old
`.html` URL gets a redirect page (an `index` entry was never reachable at its URL: PyBlosxom answered it with
the listing, as the new site does).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from .entries import OldEntry

# pages/ holds standalone pages, not posts; archives/ and categories/ are index pages of the new site.
_TOP_FOLDERS = {"tags", "tag", "comments", "page", "static", "pages", "archives", "categories"}
_YEAR = re.compile(r"[0-9]{4}")


def _folder(name: str, top: bool) -> str:
    if name.endswith(".comments"):
        return name[: -len(".comments")] + "-comments"
    if top and (name in _TOP_FOLDERS or _YEAR.fullmatch(name)):
        return name + "-posts"
    return name


def _slug(slug: str, top: bool) -> str:
    if slug == "index" or (top and slug == "404") or slug.endswith(".comments"):
        return slug.replace(".comments", "-comments") + ("-entry" if slug in ("index", "404") else "")
    return slug


def rename_unbuildable(entries: list[OldEntry], report) -> dict[str, str]:
    """Give each entry whose name would not build a new one, in place; return {old URL: new URL} of the
    old URLs that showed the entry (and now need a redirect)."""
    taken = {e.id for e in entries}
    redirects = {}
    for entry in entries:
        parts = entry.category.split("/") if entry.category else []
        category = "/".join(_folder(p, i == 0) for i, p in enumerate(parts))
        slug = _slug(entry.slug, not parts)
        if (category, slug) == (entry.category, entry.slug):
            continue
        new_id = f"{category}/{slug}" if category else slug
        number = 1
        while new_id in taken:
            number += 1
            new_id = f"{category}/{slug}-{number}" if category else f"{slug}-{number}"
        old_id, old_slug = entry.id, entry.slug
        taken.add(new_id)
        entry.category, _, entry.slug = new_id.rpartition("/")
        report.renamed += 1
        report.warn(entry.source, f"/{old_id}.html is a page of the new site's own; imported as /{new_id}.html",
                    kind="renamed: its name is a page of the new site (the old URL redirects)")
        if old_slug != "index":
            redirects[f"/{old_id}.html"] = f"/{new_id}.html"
    return redirects


def redirect_page(target: str, base_url: str) -> str:
    """A page that sends the reader to site-relative `target`: a meta refresh, a canonical link and a visible
    link, by absolute path under base_url's path, as the build's own redirect pages are."""
    parts = urlsplit(base_url)
    path = html.escape(parts.path.rstrip("/") + target, quote=True)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n<title>Moved</title>\n'
            f'<meta http-equiv="refresh" content="0; url={path}">\n'
            f'<link rel="canonical" href="{html.escape(parts.scheme + "://" + parts.netloc)}{path}">\n</head>\n'
            f'<body><p>Moved to <a href="{path}">{path}</a>.</p></body></html>\n')
