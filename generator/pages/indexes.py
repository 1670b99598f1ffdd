"""The pages that lead to every archive: /archives/ (years, each with its months and post counts, newest first)
and /categories/ (the category tree with counts). Both are linked from every page's header, so no date archive
or category page is an orphan. Their keys are the counts they show, so a new post in an existing month changes
one number, and an edit that keeps the dates and folders changes neither page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import Page
from .context import RenderContext, category_url
from .feeds import site_feeds

ARCHIVES_URL = "/archives/"
CATEGORIES_URL = "/categories/"


@dataclass(frozen=True)
class Entry:
    """One line of an index: a link, its post count, and (for the category tree) its depth."""
    name: str
    url: str
    count: int
    depth: int = 0


@dataclass(frozen=True)
class Year:
    entry: Entry
    months: list[Entry]


def month_name(year: int, month: int) -> str:
    return date(year, month, 1).strftime("%B %Y")


def years_with_months(ctx: RenderContext) -> list[Year]:
    """Every year with posts, newest first, each with its months, newest first."""
    site = ctx.site
    months: dict[int, list[Entry]] = {}
    for (year, month), posts in sorted(site.months.items(), reverse=True):
        months.setdefault(year, []).append(
            Entry(date(year, month, 1).strftime("%B"), f"/{year:04d}/{month:02d}/", len(posts)))
    return [Year(Entry(str(year), f"/{year:04d}/", len(site.years[year])), months[year])
            for year in sorted(site.years, reverse=True)]


def category_tree(ctx: RenderContext) -> list[Entry]:
    """Every category but the root, parents before their children, each with the posts under it."""
    return [Entry(category.rsplit("/", 1)[-1], category_url(category), len(posts), category.count("/") - 1)
            for category, posts in sorted(ctx.site.categories.items()) if category != "/"]


def archives_page(ctx: RenderContext):
    years = years_with_months(ctx)
    shown = [(y.entry.url, y.entry.count, [(m.url, m.count) for m in y.months]) for y in years]

    def render():
        return ctx.render_page("archive_index.html", {
            "title": "Archives", "years": years, "feeds": site_feeds(ctx), "canonical": ARCHIVES_URL})

    yield Page("archives/index.html", ctx.templates_key(("archive_index.html",), "archives", shown), render, "the archive index")


def categories_page(ctx: RenderContext):
    tree = category_tree(ctx)
    shown = [(c.url, c.count) for c in tree]

    def render():
        return ctx.render_page("categories.html", {
            "title": "Categories", "categories": tree, "feeds": site_feeds(ctx), "canonical": CATEGORIES_URL})

    yield Page("categories/index.html", ctx.templates_key(("categories.html",), "categories", shown), render, "the category list")


def index_pages(ctx: RenderContext):
    yield from archives_page(ctx)
    yield from categories_page(ctx)
