"""Related posts from an inverted index (tag -> posts), built once and queried per post.

Knows nothing of pages (like Hugo's related/): it indexes items that have an id, keywords, a date and a title.
Ranking, fully deterministic: most shared keywords; then rarer shared keywords first (the sum of each one's
rarity, -ln(items with it): like inverse document frequency among equal counts of shared keywords, but not
depending on how many items there are); then newest; then title; then id. An item sharing nothing gets nothing.
So an item's answer can change only when an item sharing a keyword with it changes: `update()` recomputes those.

Never all pairs, and no counting over long lists: each keyword's posting list is also a bitmask over the items
in rank order (a Python int). Adding an item's masks bit-sliced, like a binary counter, gives in a few dozen
big-int operations the mask of the items sharing exactly c keywords, for every c. Tiers are then read from the
most shared down; within a tier, the few members are scored one by one, or a big tier is split by which c
keywords they share (each subset's members have the same rarity), and its lowest bits are the best ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from math import comb


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
        self.masks: dict[str, int] = {}          # keyword -> its posting list as bits by rank, made when asked
        self.order = [it.id for it in order]
        self.rarity = {k: -math.log(len(v)) for k, v in postings.items()}   # rarity: see the module's docstring
        self.ignore = ignore

    def query(self, item_id: str, count: int) -> tuple[str, ...]:
        # Rarest first; ties on the keyword itself, so every sum is taken in one order every time.
        keywords = sorted(self.keywords.get(item_id, ()), key=lambda k: (len(self.postings[k]), k))
        if not keywords or count <= 0:
            return ()
        masks = [self._mask(k) for k in keywords]
        others = ~(1 << self.rank[item_id])
        planes = _count_planes(masks)
        best: list[str] = []
        for shared in range(min(len(keywords), (1 << len(planes)) - 1), 0, -1):
            tier = _exactly(planes, shared) & others
            if tier:
                best.extend(self._rank_tier(tier, shared, keywords, masks, count - len(best)))
                if len(best) >= count:
                    break
        return tuple(best)

    def _rank_tier(self, tier: int, shared: int, keywords: list[str], masks: list[int], needed: int) -> list[str]:
        """The best `needed` of the items in `tier` (each shares exactly `shared` keywords): higher summed rarity
        of the shared keywords first (summed in `keywords` order, so equal sets give equal sums), then rank."""
        rarity, order = self.rarity, self.order
        size = tier.bit_count()
        subsets = comb(len(keywords), shared)
        if size <= 2 * shared * subsets:
            # Each keyword's rarity beside its members, looked up once a tier, not once a member and keyword;
            # summed in `keywords` order as before.
            held = [(rarity[k], self._members(k)) for k in keywords]
            scored = []
            for position in _positions(tier):
                item_id = order[position]
                weight = sum([weight for weight, members in held if item_id in members])
                scored.append((-round(weight, 9), position))
            return [order[position] for _, position in sorted(scored)[:needed]]
        # A big tier (popular keywords): its members sharing the same `shared` keywords have the same weight.
        by_weight: dict[float, int] = {}
        for subset in combinations(range(len(keywords)), shared):
            found = tier
            for i in subset:
                found &= masks[i]
                if not found:
                    break
            if found:
                weight = round(sum(rarity[keywords[i]] for i in subset), 9)
                by_weight[weight] = by_weight.get(weight, 0) | found
        ranked: list[str] = []
        for weight in sorted(by_weight, reverse=True):
            ranked.extend(order[p] for p in _positions(by_weight[weight], needed - len(ranked)))
            if len(ranked) >= needed:
                break
        return ranked

    def _mask(self, keyword: str) -> int:
        mask = self.masks.get(keyword)
        if mask is None:
            bits = bytearray((len(self.order) + 7) // 8)
            rank = self.rank
            for item_id in self.postings[keyword]:
                n = rank[item_id]
                bits[n >> 3] |= 1 << (n & 7)
            mask = self.masks[keyword] = int.from_bytes(bits, "little")
        return mask

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
        items `changed` ({id: its keywords there, () if it was not there}; added, removed or edited)."""
        asked = self.answers(self.asked_again(previous, changed), count)
        return {item_id: asked[item_id] if item_id in asked else previous[item_id] for item_id in self.keywords}

    def asked_again(self, previous: dict[str, tuple[str, ...]], changed: dict[str, tuple[str, ...]]) -> list[str]:
        """The items whose answers update() asks again, sorted: only an item sharing a keyword, old or new, with a
        changed item can rank differently, and an item `previous` lacks has no answer yet; the rest keep theirs."""
        touched = {i for i in changed if i in self.keywords}
        for item_id, old_keywords in changed.items():
            for k in set(old_keywords).union(self.keywords.get(item_id, ())):
                if k not in self.ignore:
                    touched.update(self.postings.get(k, ()))
        touched.update(item_id for item_id in self.keywords if item_id not in previous)
        return sorted(touched)

    def answers(self, item_ids: list[str], count: int) -> dict[str, tuple[str, ...]]:
        return {item_id: self.query(item_id, count) for item_id in item_ids}


_NONZERO_TO_ONE = bytes([0] + [1] * 255)


def _count_planes(masks: list[int]) -> list[int]:
    """How many of `masks` each item is set in, as binary digits: planes[i] holds the items whose count has
    bit i set. Added like a binary counter, a carry rippling up, so it costs a few operations per mask."""
    planes: list[int] = []
    for mask in masks:
        carry = mask
        for i, plane in enumerate(planes):
            planes[i], carry = plane ^ carry, plane & carry
            if not carry:
                break
        else:
            if carry:
                planes.append(carry)
    return planes


def _exactly(planes: list[int], count: int) -> int:
    """The mask of the items counted exactly `count` (at least 1) times."""
    found = -1
    for i, plane in enumerate(planes):
        found &= plane if count >> i & 1 else ~plane
    return found


def _positions(mask: int, limit: int | None = None) -> list[int]:
    """The set bits of a non-negative mask, lowest first (best ranked first), at most `limit` of them. Its
    non-zero bytes are found with bytes.find (memchr) over a translated copy: a tier is sparse, and a loop
    over 100,000 bits in Python is not."""
    data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    flags = data.translate(_NONZERO_TO_ONE)
    found: list[int] = []
    at = flags.find(1)
    while at >= 0:
        byte = data[at]
        for bit in range(8):
            if byte >> bit & 1:
                found.append(at * 8 + bit)
                if limit is not None and len(found) >= limit:
                    return found
        at = flags.find(1, at + 1)
    return found
