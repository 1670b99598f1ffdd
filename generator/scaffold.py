"""Commands whose job is to create content: `blog init` and `blog new`. They never overwrite a file."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import yaml

from .config import CONFIG_NAME, load_config
from .errors import BlogError

CONFIG_TEMPLATE = """\
# Site settings. The lines starting with '#' are the other settings at their defaults: remove the '#' to change
# one. A key not listed here is an error; a theme's own settings go under theme_settings.
title: My blog
tagline: Notes, diary and book reviews
author: Your Name
base_url: http://localhost:8000/    # where the site is published: feeds and the sitemap link from it
timezone: UTC                       # an IANA name, such as Australia/Sydney

# language: en                      # the lang of pages and feeds
# posts_per_page: 10                # whole posts on each page of the front page and the category pages
# feed_size: 20                     # posts in each RSS and Atom feed
# recent_comments: 50               # comments on /comments/ and in its feed
# related:
#   count: 6                        # related posts under each post
#   ignore_tags: []                 # tags that never make posts related, such as [diary]
# theme: default                    # themes/<name>/ beside this file, or one shipped with blog
# date_format: "%a, %d %b %Y"       # day headings (Mon, 24 Feb 2014), as Python strftime
# time_format: "%H:%M"              # the "posted at" time
# pyblosxom_urls: false             # also answer a PyBlosxom blog's old URL shapes
# theme_settings: {}                # the theme's own settings, handed to its templates as 'settings'
# comments:                         # readers' comments (blog comments serve --help tells the rest)
#   form_url: ""                    # the receiver's address; set, every post ends with a comment form
#   close_after_days: null          # a post older than this takes no more comments; null: never
"""

FIRST_POST = """\
---
title: Hello, world
date: {date}
tags: [meta, diary]
---
This is the first post of a new blog. Posts are Markdown files under `content/`; the folder a post sits in
is its category path, so this one is in `/diary`.

Write the next one with `blog new "A title" --path diary --tags "one two"`: it starts as a draft, so delete its
`draft: true` line when it is ready, then run `blog build`.
"""


def init_site(site_dir: Path) -> None:
    if (site_dir / CONFIG_NAME).exists():
        raise BlogError(f"{site_dir / CONFIG_NAME} already exists; choose an empty folder", site_dir / CONFIG_NAME)
    (site_dir / "content" / "diary").mkdir(parents=True, exist_ok=True)
    (site_dir / "templates").mkdir(exist_ok=True)
    (site_dir / CONFIG_NAME).write_text(CONFIG_TEMPLATE, encoding="utf-8")
    first = site_dir / "content" / "diary" / "hello-world.md"
    if not first.exists():
        first.write_text(FIRST_POST.format(date=datetime.now().strftime("%Y-%m-%d %H:%M")), encoding="utf-8")
    gitignore = site_dir / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("output/\n.blog-cache/\n", encoding="utf-8")


def slugify_title(title: str) -> str:
    """'Live Free or Die!' -> 'live-free-or-die'; '' when the title has no letters or digits."""
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-_")


def new_post(site_dir: Path, title: str, category: str, tags: str, publish: bool = False) -> Path:
    """A post file dated now; a draft unless `publish`, so a cron build never publishes it half-written."""
    config = load_config(site_dir)
    if not slugify_title(title):
        raise BlogError(f"the title {title!r} has no letters or digits to name the file after; "
                        "give the post a title with words in it", None)
    parts = [p for p in category.strip("/").split("/") if p]
    if any(p in (".", "..") or p.startswith(".") or p.endswith(".comments") for p in parts):
        raise BlogError(f"'{category}' is not a category path; use something like openstack/havana", None)
    folder = site_dir / "content" / Path(*parts) if parts else site_dir / "content"
    path = folder / (slugify_title(title) + ".md")
    if path.exists():
        raise BlogError("a post with this name already exists; choose another title", path)
    front = {"title": title, "date": datetime.now(config.tz).strftime("%Y-%m-%d %H:%M"),
             "tags": tags.split()}
    if not publish:
        front["draft"] = True
    folder.mkdir(parents=True, exist_ok=True)
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n"
    with open(path, "x", encoding="utf-8") as f:   # 'x': never overwrite, even in a race
        f.write(text)
    return path
