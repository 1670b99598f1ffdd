"""Phase two: plain functions from the Site to pages, one module per output kind.

A Page is (path, key, render): the writer calls render() only when the key recorded for that path changed, so a
key must cover everything render() reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Page:
    path: str                      # relative to output/, e.g. 'openstack/havana/foo.html'
    key: str
    render: Callable[[], bytes]
    source: str = ""               # what it is made from, for messages about clashing URLs


def page_path(url: str) -> str:
    """Site-relative URL to output path: '/a/' -> 'a/index.html', '/a/b.html' -> 'a/b.html'."""
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def paged_url(base: str, number: int) -> str:
    """Page 1 of a listing is its folder; older pages are at base + 'page/N/'."""
    return base if number == 1 else f"{base}page/{number}/"


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
