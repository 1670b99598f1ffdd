"""config.yaml: the site's settings, with defaults. An unknown key is an error that names it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
import re
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .comment_settings import CHECKS, RECEIVER_ONLY, CommentSettings
from .errors import BlogError

CONFIG_NAME = "config.yaml"


@dataclass(frozen=True)
class RelatedSettings:
    count: int = 6
    ignore_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageSettings:
    max_width: int | None = None   # a wider picture beside a post is published as a copy this wide


@dataclass(frozen=True)
class Config:
    title: str = "My blog"
    tagline: str = ""
    author: str = ""
    base_url: str = "http://localhost:8000/"
    timezone: str = "UTC"
    language: str = "en"
    posts_per_page: int = 10
    feed_size: int = 20
    recent_comments: int = 50
    related: RelatedSettings = field(default_factory=RelatedSettings)
    images: ImageSettings = field(default_factory=ImageSettings)
    theme: str = "default"
    date_format: str = "%a, %d %b %Y"
    time_format: str = "%H:%M"
    pyblosxom_urls: bool = False
    comments: CommentSettings = field(default_factory=CommentSettings)
    theme_settings: dict = field(default_factory=dict)   # the theme's own keys, handed to templates untouched

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url without its trailing slash: '' or '/blog'."""
        return urlsplit(self.base_url).path.rstrip("/")

    def absolute(self, url: str) -> str:
        """Site-relative '/a/b.html' to 'https://host/base/a/b.html'."""
        return self.base_url.rstrip("/") + url

    def link(self, url: str) -> str:
        """A site-relative URL made from file names, absolute and percent-encoded: for feeds and the sitemap."""
        return self.absolute(quote_path(url))

    def fingerprint(self) -> str:
        settings = asdict(self)
        settings["comments"] = {k: v for k, v in settings["comments"].items() if k not in RECEIVER_ONLY}
        # str for what YAML can hold but JSON cannot (a date in theme_settings); sets and tuples as lists.
        data = json.dumps(settings, sort_keys=True,
                          default=lambda v: sorted(v) if isinstance(v, (set, frozenset)) else str(v))
        return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What quote() leaves as it is, '%' aside: most URLs are only this, and a page asks for 30 or more of them.
_PLAIN = re.compile(r"[A-Za-z0-9/._~-]*")


def quote_path(url: str) -> str:
    """A URL path made from file names, percent-encoded (spaces, '#', '?', non-ASCII): '/a b/é.html' ->
    '/a%20b/%C3%A9.html'. An escape already there is kept, so quoting twice changes nothing."""
    if _PLAIN.fullmatch(url):
        return url
    return quote(_LONE_PERCENT.sub("%25", url), safe="/%:@!$&'()*+,;=~")


_TYPES = {
    "title": str, "tagline": str, "author": str, "base_url": str, "timezone": str, "language": str,
    "posts_per_page": int, "feed_size": int, "recent_comments": int, "theme": str,
    "date_format": str, "time_format": str, "pyblosxom_urls": bool,
}
_RELATED_KEYS = {"count": int, "ignore_tags": list}


def _check(value, kind, key, path):
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise BlogError(f"'{key}' must be a whole number of 1 or more, not {value!r}", path)
    if kind is str and not isinstance(value, str):
        raise BlogError(f"'{key}' must be text, not {value!r}", path)
    if kind is bool and not isinstance(value, bool):
        raise BlogError(f"'{key}' must be true or false, not {value!r}", path)
    if kind is list and not isinstance(value, list):
        raise BlogError(f"'{key}' must be a list, such as [tag-one, tag-two]", path)
    return value


def load_config(site_dir: Path) -> Config:
    path = site_dir / CONFIG_NAME
    if not path.is_file():
        raise BlogError(f"no {CONFIG_NAME} here; run 'blog init {site_dir}' to start a site", path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise BlogError(f"this is not valid YAML ({e.problem}); fix the syntax", path, line) from None
    except UnicodeDecodeError:
        raise BlogError("this file is not UTF-8 text; save it as UTF-8", path) from None
    if not isinstance(raw, dict):
        raise BlogError("the config must be a mapping of keys to values", path)
    return config_from_mapping(raw, path)


def config_from_mapping(raw: dict, path: Path | str = CONFIG_NAME) -> Config:
    values = {}
    for key, value in raw.items():
        if key == "related":
            values["related"] = _related(value, path)
        elif key == "comments":
            values["comments"] = _comments(value, path)
        elif key == "theme_settings":
            if value is not None and not isinstance(value, dict):
                raise BlogError("'theme_settings' must be a mapping of the theme's own keys to values", path)
            values["theme_settings"] = value or {}
        elif key == "images":
            values["images"] = _images(value, path)
        elif key in _TYPES:
            values[key] = _check(value, _TYPES[key], key, path)
        else:
            known = ", ".join(sorted([*_TYPES, "related", "comments", "theme_settings", "images"]))
            raise BlogError(f"unknown config key '{key}'; the keys are: {known}", path)
    config = Config(**values)
    try:
        config.tz
    except (ZoneInfoNotFoundError, ValueError):
        raise BlogError(f"unknown timezone '{config.timezone}'; use an IANA name such as "
                        "Australia/Sydney or UTC", path) from None
    scheme = urlsplit(config.base_url).scheme
    if scheme not in ("http", "https"):
        raise BlogError(f"base_url must start with http:// or https://, not {config.base_url!r}", path)
    if not config.base_url.endswith("/"):
        config = Config(**{**values, "base_url": config.base_url + "/"})
    return config


def _section(value, name: str, keys, shape: str, path, check) -> dict | None:
    """A mapping section of config.yaml (`related:`, `images:`, `comments:`): None when it is absent; else the
    mapping, each key known (an unknown one named, with the known ones) and each value passed to check(key, value)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BlogError(f"'{name}' must be a mapping{shape}", path)
    for key, item in value.items():
        if key not in keys:
            known = "the key is" if len(keys) == 1 else "the keys are"
            raise BlogError(f"unknown config key '{name}.{key}'; {known}: {', '.join(keys)}", path)
        check(key, item)
    return value


def _comments(value, path) -> CommentSettings:
    checked = {}

    def check(key, item):
        checked[key] = CHECKS[key](item, f"comments.{key}", path)

    _section(value, "comments", sorted(CHECKS), ", such as: comments: {form_url: https://.../comment}", path, check)
    return CommentSettings(**checked)


def _related(value, path) -> RelatedSettings:
    value = _section(value, "related", tuple(_RELATED_KEYS), " with 'count' and 'ignore_tags'", path,
                     lambda key, item: _check(item, _RELATED_KEYS[key], f"related.{key}", path))
    if value is None:
        return RelatedSettings()
    ignore = tuple(str(t) for t in value.get("ignore_tags", ()))
    return RelatedSettings(count=value.get("count", 6), ignore_tags=ignore)


def _images(value, path) -> ImageSettings:
    # max_width null: pictures are published as they are, the default
    value = _section(value, "images", ("max_width",), ", such as {max_width: 1600}", path,
                     lambda key, item: item is None or _check(item, int, "images.max_width", path))
    if value is None:
        return ImageSettings()
    return ImageSettings(max_width=value.get("max_width"))
