"""Related posts from an inverted index (tag -> posts), built once and queried per post.

Knows nothing of pages (like Hugo's related/): it indexes items that have an id, keywords, a date and a title.
Ranking, fully deterministic: most shared keywords; then rarer shared keywords first (sum of their inverse
document frequency); then newest; then title; then id. An item sharing nothing gets nothing.

Never all pairs: a candidate sharing two or more keywords with an item must appear in one of the item's posting
lists other than its longest, so only those shorter lists are walked, and the longest is consulted by set
membership. Places left for one-keyword matches are filled from the rarest lists, which are kept in rank order,
reading each only as far as it can still place a post.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    id: str
    keywords: tuple[str, ...]
    timestamp: float
    title: str


class RelatedIndex:
    def __init__(self, items: list[Item], ignore: set[str] = frozenset()):
        # Items in rank order among equals (newest, then title, then id): posting lists inherit that order.
        order = sorted(items, key=lambda it: (-it.timestamp, it.title, it.id))
        self.rank = {it.id: n for n, it in enumerate(order)}
        self.keywords = {it.id: tuple(sorted(set(k for k in it.keywords if k not in ignore))) for it in order}
        postings: dict[str, list[str]] = {}
        for it in order:
            for k in self.keywords[it.id]:
                postings.setdefault(k, []).append(it.id)
        self.postings = postings
        self.members = {k: set(v) for k, v in postings.items() if len(v) > 64}
        total = max(len(order), 1)
        self.idf = {k: math.log(total / len(v)) + 1.0 for k, v in postings.items()}

    def _contains(self, keyword: str, item_id: str) -> bool:
        members = self.members.get(keyword)
        return item_id in (members if members is not None else self.postings[keyword])

    def query(self, item_id: str, count: int) -> tuple[str, ...]:
        # Rarest first; ties on the keyword itself, so every sum is taken in one order every time.
        keywords = sorted(self.keywords.get(item_id, ()), key=lambda k: (len(self.postings[k]), k))
        if not keywords or count <= 0:
            return ()
        *short, longest = keywords
        # Shared-keyword count and idf sum per candidate, added in one keyword order so equal sets give
        # equal sums.
        hits: dict[str, int] = {}
        weight: dict[str, float] = {}
        idf = self.idf
        for k in short:
            w = idf[k]
            for other in self.postings[k]:
                hits[other] = hits.get(other, 0) + 1
                weight[other] = weight.get(other, 0.0) + w
        hits.pop(item_id, None)
        if short:
            members = self.members.get(longest) or set(self.postings[longest])
            w = idf[longest]
            for other in hits:
                if other in members:
                    hits[other] += 1
                    weight[other] += w
        rank = self.rank
        # Two or more shared keywords: few candidates, scored in full.
        several = [((-n, -round(weight[other], 9), rank[other]), other) for other, n in hits.items() if n >= 2]
        best = [o for _, o in heapq.nsmallest(count, several)]
        # One shared keyword: the score is that keyword's rarity, then newest first. Keywords of equal rarity
        # are merged in rank order; each list is read only as far as it can still place a post.
        groups: dict[int, list[str]] = {}
        for k in keywords:
            groups.setdefault(len(self.postings[k]), []).append(k)
        for size in sorted(groups):
            if len(best) >= count:
                break
            needed = count - len(best)
            pool = []
            for k in groups[size]:
                taken = 0
                for other in self.postings[k]:
                    if other != item_id and hits.get(other, 1) == 1:
                        pool.append((rank[other], other))
                        taken += 1
                        if taken >= needed:
                            break
            best.extend(o for _, o in sorted(set(pool))[:needed])
        return tuple(best)

    def all(self, count: int) -> dict[str, tuple[str, ...]]:
        return {item_id: self.query(item_id, count) for item_id in self.keywords}
