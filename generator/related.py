"""Related posts from an inverted index (tag -> posts), built once and queried per post.

Knows nothing of pages (like Hugo's related/): it indexes items that have an id, keywords, a date and a title.
Ranking, fully deterministic: most shared keywords; then rarer shared keywords first (the sum of each one's
rarity, -ln(items with it): like inverse document frequency among equal counts of shared keywords, but not
depending on how many items there are); then newest; then title; then id. An item sharing nothing gets nothing.
So an item's answer can change only when an item sharing a keyword with it changes: `update()` recomputes those.

Never all pairs: a candidate sharing two or more keywords with an item must appear in one of the item's posting
lists other than its longest, so only those shorter lists are walked, and the longest is consulted by set
membership. Places left for one-keyword matches are filled from the rarest lists, which are kept in rank order,
reading each only as far as it can still place a post.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations
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
        self.members: dict[str, set[str]] = {}   # keyword -> its posting list as a set, made when first asked
        self.rarity = {k: -math.log(len(v)) for k, v in postings.items()}   # rarity: see the module's docstring
        self.ignore = ignore

    def _contains(self, keyword: str, item_id: str) -> bool:
        return item_id in self._members(keyword)

    def query(self, item_id: str, count: int) -> tuple[str, ...]:
        # Rarest first; ties on the keyword itself, so every sum is taken in one order every time.
        keywords = sorted(self.keywords.get(item_id, ()), key=lambda k: (len(self.postings[k]), k))
        if not keywords or count <= 0:
            return ()
        if len(keywords) >= 2:
            everything = self._sharing_everything(item_id, keywords, count)
            if everything is not None:
                return everything
        *short, longest = keywords
        # Shared-keyword counts, counted in C by Counter.update; the longest list by set intersection.
        hits: Counter[str] = Counter()
        for k in short:
            hits.update(self.postings[k])
        hits.pop(item_id, None)
        if short:
            hits.update(self._members(longest).intersection(hits))
        best = self._best_sharing_several(hits, keywords, count)
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
                        pool.append((self.rank[other], other))
                        taken += 1
                        if taken >= needed:
                            break
            best.extend(o for _, o in sorted(set(pool))[:needed])
        return tuple(best)

    def _sharing_everything(self, item_id: str, keywords: list[str], count: int) -> tuple[str, ...] | None:
        """The common case on big blogs, answered early: when `count` posts share *all* the keywords, they
        are the answer (no one can share more, or rarer ones), newest first. They are all in the rarest list,
        which is in rank order, so it is read only until they are found. None when they are not there early."""
        first, *rest = keywords
        sets = [self._members(k) for k in rest]
        postings = self.postings[first]
        limit = max(64, len(postings) // 8)   # reading further would cost more than the general way
        found = []
        for other in postings[:limit]:
            if other != item_id and all(other in s for s in sets):
                found.append(other)
                if len(found) == count:
                    return tuple(found)
        return None

    def _best_sharing_several(self, hits: Counter, keywords: list[str], count: int) -> list[str]:
        """Up to `count` candidates sharing two or more keywords, best first: more shared keywords, then rarer
        ones (rarity summed in `keywords` order, so equal sets give equal sums), then rank."""
        tiers: dict[int, list[str]] = {}
        for other, n in hits.items():
            if n >= 2:
                tiers.setdefault(n, []).append(other)
        best: list[str] = []
        for n in sorted(tiers, reverse=True):
            needed = count - len(best)
            if needed <= 0:
                break
            best.extend(self._rank_tier(tiers[n], n, keywords, needed))
        return best

    def _rank_tier(self, tier: list[str], n: int, keywords: list[str], needed: int) -> list[str]:
        rarity, rank = self.rarity, self.rank
        if len(tier) <= 32:
            return sorted(tier, key=lambda o: (
                -round(sum(rarity[k] for k in keywords if self._contains(k, o)), 9), rank[o]))[:needed]
        # A big tier (popular keywords): everyone in it shares exactly n keywords, so take the keyword sets of
        # size n from the rarest down and find their members by set intersection, not one by one.
        by_weight: dict[float, list[tuple[str, ...]]] = {}
        for subset in combinations(keywords, n):
            by_weight.setdefault(round(sum(rarity[k] for k in subset), 9), []).append(subset)
        pool, ranked = set(tier), []
        for weight in sorted(by_weight, reverse=True):
            found: set[str] = set()
            for subset in by_weight[weight]:
                found |= pool.intersection(*(self._members(k) for k in subset))
            ranked.extend(sorted(found, key=rank.__getitem__))
            if len(ranked) >= needed:
                break
        return ranked[:needed]

    def _members(self, keyword: str) -> set[str]:
        members = self.members.get(keyword)
        if members is None:
            members = self.members[keyword] = set(self.postings[keyword])
        return members

    def all(self, count: int) -> dict[str, tuple[str, ...]]:
        return {item_id: self.query(item_id, count) for item_id in self.keywords}

    def update(self, previous: dict[str, tuple[str, ...]], changed: dict[str, tuple[str, ...]],
               count: int) -> dict[str, tuple[str, ...]]:
        """What all() answers, from `previous`: the answers of an index that differed from this one only in the
        items `changed` ({id: its keywords there, () if it was not there}; added, removed or edited). Only an
        item sharing a keyword, old or new, with a changed item can rank differently; the rest keep theirs."""
        touched = {i for i in changed if i in self.keywords}
        for item_id, old_keywords in changed.items():
            for k in set(old_keywords).union(self.keywords.get(item_id, ())):
                if k not in self.ignore:
                    touched.update(self.postings.get(k, ()))
        return {item_id: previous[item_id] if item_id not in touched and item_id in previous
                else self.query(item_id, count) for item_id in self.keywords}
