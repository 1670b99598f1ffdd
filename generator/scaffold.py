"""Commands whose job is to create content: `blog init` and `blog new`. They never overwrite a file."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import yaml

from .config import CONFIG_NAME, load_config
from .errors import BlogError

CONFIG_TEMPLATE = """\
# Site settings; every key is described in the README. Unknown keys are an error.
title: My blog
tagline: Notes, diary and book reviews
author: Your Name
base_url: http://localhost:8000/
timezone: UTC
posts_per_page: 10
related:
  count: 6
  ignore_tags: []
theme: default
"""

FIRST_POST = """\
---
title: Hello, world
date: {date}
tags: [meta, diary]
---
This is the first post of a new blog. Posts are Markdown files under `content/`; the folder a post sits in
is its category path, so this one is in `/diary`.

Write the next one with `blog new "A title" --path diary --tags "one two"`, then run `blog build`.
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
    slug = re.sub(r"[^\w]+", "-", title.lower()).strip("-")
    return slug or "post"


def new_post(site_dir: Path, title: str, category: str, tags: str) -> Path:
    config = load_config(site_dir)
    parts = [p for p in category.strip("/").split("/") if p]
    if any(p in (".", "..") or p.startswith(".") or p.endswith(".comments") for p in parts):
        raise BlogError(f"'{category}' is not a category path; use something like openstack/havana", None)
    folder = site_dir / "content" / Path(*parts) if parts else site_dir / "content"
    path = folder / (slugify_title(title) + ".md")
    if path.exists():
        raise BlogError("a post with this name already exists; choose another title", path)
    front = {"title": title, "date": datetime.now(config.tz).strftime("%Y-%m-%d %H:%M"),
             "tags": tags.split()}
    folder.mkdir(parents=True, exist_ok=True)
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n"
    with open(path, "x", encoding="utf-8") as f:   # 'x': never overwrite, even in a race
        f.write(text)
    return path
