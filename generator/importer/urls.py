"""Every URL the old blog answered that we can derive from its entries, so the new site can keep them alive.

Site-relative, without base_url's path. Tag text is written as it was linked: not URL-encoded.
"""

from __future__ import annotations

from collections import Counter

from .entries import OldEntry

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def old_urls(entries: list[OldEntry], config: dict) -> list[str]:
    per_page = config.get("num_entries", 10)
    # num_entries = 0 showed everything on one page: there were no _pageN pages.
    per_page = per_page if isinstance(per_page, int) and per_page >= 0 else 10
    first_page = config.get("paginate_count_from", 0)
    first_page = first_page if isinstance(first_page, int) else 0
    tag_trigger = str(config.get("tags_trigger", "tag")).strip("/")
    plugins = config.get("load_plugins")
    if isinstance(plugins, (list, tuple)) and not any(str(p).endswith("paginate") for p in plugins):
        per_page = 0             # no paginate plugin: the old blog had no _pageN pages

    urls = {"/index.rss", "/index.atom"} | _pages("/index", len(entries), per_page, first_page)
    in_category: Counter = Counter()
    for entry in entries:
        base = f"/{entry.id}"
        urls |= {base, base + ".html", base + ".rss", base + ".atom"}
        for category in categories_of(entry):
            in_category[category] += 1
        year, month, day, mon = entry.date.year, f"{entry.date.month:02d}", f"{entry.date.day:02d}", \
            MONTHS[entry.date.month - 1]
        urls |= {f"/{year}", f"/{year}/{month}", f"/{year}/{mon}", f"/{year}/{month}/{day}", f"/{year}/{mon}/{day}"}
        for tag in entry.tags:
            urls |= {f"/{tag_trigger}/{tag}", f"/{tag_trigger}/{tag}.rss"}
    for category, count in in_category.items():
        c = f"/{category}"
        urls |= {c, c + "/", c + "/index.rss", c + "/index.atom"} | _pages(c + "/index", count, per_page, first_page)
    return sorted(urls)


def categories_of(entry: OldEntry) -> list[str]:
    """'a/b' -> ['a', 'a/b']: a category page also listed its sub-categories' entries."""
    parts = entry.category.split("/") if entry.category else []
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _pages(base: str, count: int, per_page: int, first: int) -> set[str]:
    """The paginate plugin's static pages after the first: <base>_page<N>.html."""
    pages = (count - 1) // per_page + 1 if count and per_page else 0
    return {f"{base}_page{n}.html" for n in range(first + 1, first + pages)}
