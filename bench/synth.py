"""Seeded synthetic blogs for the benchmark: same seed, same bytes.

The shape follows a long-lived personal blog: ~40 category paths up to three deep, a long tail of ~2,000 tags
(the most common on about a tenth of the posts), 300-900 words of Markdown per post with lists, links, fenced
Python code and the odd table, about three posts a day going back from 2025-06-01, and comments on about a
fifth of the posts. All text is made up here from syllables; no external data.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

END = datetime(2025, 6, 1, 0, 0)
POSTS_PER_DAY = 3.0
TAG_COUNT = 2000
COMMENT_SHARE = 0.2

CONFIG_YAML = """\
title: Synthetic blog
tagline: Benchmark blog
author: Bench
base_url: https://bench.example.org/
timezone: UTC
posts_per_page: 10
"""

# Category paths with a relative weight (how many posts file there). Parents hold posts of their own too.
CATEGORIES: list[tuple[str, float]] = [
    ("diary", 14), ("diary/travel", 3), ("diary/travel/japan", 1), ("diary/travel/europe", 1),
    ("diary/family", 3), ("diary/garden", 2),
    ("book", 4), ("book/John_Ringo", 2), ("book/Terry_Pratchett", 2), ("book/Ursula_Le_Guin", 1),
    ("book/Iain_M_Banks", 1), ("book/Lois_McMaster_Bujold", 1), ("book/non-fiction", 2),
    ("openstack", 5), ("openstack/havana", 2), ("openstack/havana/nova", 2), ("openstack/havana/neutron", 1),
    ("openstack/icehouse", 2), ("openstack/icehouse/nova", 1), ("openstack/juno/keystone", 1),
    ("openstack/summit", 1),
    ("python", 6), ("python/packaging", 1), ("python/asyncio", 1), ("python/testing", 1),
    ("linux", 4), ("linux/kernel", 1), ("linux/debian", 2), ("linux/ubuntu/server", 1),
    ("cooking", 2), ("cooking/bread", 1), ("running", 2), ("running/marathon", 1),
    ("photography", 2), ("photography/film", 1), ("music", 2), ("music/guitar", 1),
    ("work", 3), ("work/interviews", 1), ("politics", 1),
]

_SYLLABLES = (
    "ka ri to na me lo sa vi du pe ra mo ti ne ga bu ze li fa ho "
    "an en in on un ar er or ur al el il ol "
    "bar cor dan fel gor han jin kel lum mar nor pol quin ros sem tal ven wil yor zan "
    "tra pre sto gla bri cla dro fle gri plu"
).split()

# Real words for rhythm; the rest of the vocabulary is made of syllables.
_FUNCTION_WORDS = (
    "the of and to a in is it that for was on with as be at by this had not are but from have "
    "they which one you were all we when there can an said if do will each about how up out them "
    "then she many some so these would other into has more her two like him see time could no make "
    "than first been its who now people my made over did down only way find use may long little very "
    "after words called just where most know get through back much before go good new write our used "
    "me man too any day same right look think also around another came come work three must because "
    "does part even place well such here take why things help put years different away again off went "
    "old number great tell men say small every found still between name should home big give air line "
    "set own under read last never us left end along while might next sound below saw something thought "
    "both few those always looked show large often together asked house don't world going want school "
    "important until form food keep children feet land side without boy once animals life enough took "
    "sometimes four head above kind began almost live page got earth need far hand high year mother light "
    "parts country father let night following picture being study second eyes soon times story boys since "
    "white days ever paper hard near sentence better best across during today others however sure means "
    "knew it's try told young miles sun ways thing whole hear example heard several change answer room sea "
    "against top turned learn point city play toward five using himself usually server release patch "
    "review build test deploy python code bug fix book chapter author garden bread run race camera film"
).split()

_UNICODE_WORDS = ["café", "naïve", "façade", "résumé", "über", "jalapeño", "smörgåsbord", "Zürich", "crème"]

_YAML_UNSAFE = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "none", "nan", "inf"}


@lru_cache(maxsize=None)
def vocabulary() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(words, tags, authors). Fixed for every seed, so blogs of different seeds share names."""
    rng = random.Random(0x5EED)
    made: dict[str, None] = {}
    while len(made) < 4000:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4))))
        if len(word) > 2 and word not in _YAML_UNSAFE:
            made[word] = None
    words = tuple(made)
    tag_names: dict[str, None] = {}
    topical = ["openstack", "nova", "python", "linux", "debian", "kernel", "book", "review", "sf",
               "military-sf", "garden", "bread", "marathon", "film", "guitar", "travel", "japan",
               "family", "work", "conference", "security", "testing", "packaging", "asyncio"]
    for t in topical:
        tag_names[t] = None
    while len(tag_names) < TAG_COUNT:
        n = rng.choice((1, 1, 1, 2, 2, 3))
        tag = "-".join(rng.choice(words) for _ in range(n))
        if len(tag) <= 30:
            tag_names[tag] = None
    tags = list(tag_names)
    rng.shuffle(tags)
    first = [w.capitalize() for w in words[:300]]
    authors = tuple(f"{first[i]} {rng.choice(words).capitalize()}" for i in range(len(first)))
    return words, tuple(tags), authors


@lru_cache(maxsize=None)
def tag_cum_weights() -> tuple[float, ...]:
    """Zipf-like: weight 1/(rank + 5). With ~3.5 tags a post the top tag lands on about 10% of posts."""
    return tuple(itertools.accumulate(1.0 / (i + 5) for i in range(TAG_COUNT)))


class TextPools:
    """Pools made once per blog: a Zipf-distributed word stream, sentences and paragraphs drawn from it.
    Bodies are assembled from the pools, which keeps 100,000 posts fast."""

    STREAM = 100_000
    SENTENCES = 6_000
    PARAGRAPHS = 12_000

    def __init__(self, rng: random.Random):
        words, _, _ = vocabulary()
        self.rng = rng
        # Zipf-like word frequencies: function words most common, then the made-up words.
        pool = list(_FUNCTION_WORDS) + list(words) + _UNICODE_WORDS
        cum = list(itertools.accumulate(1.0 / (i + 3) ** 0.9 for i in range(len(pool))))
        self.stream = rng.choices(pool, cum_weights=cum, k=self.STREAM)
        sentences: list[tuple[str, int]] = []
        for _ in range(self.SENTENCES):
            n = rng.randint(5, 22)
            ws = self.words(n)
            ws[0] = ws[0].capitalize()
            if n > 9 and rng.random() < 0.3:
                ws[n // 2] += ","
            r = rng.random()
            if r < 0.08:
                i = rng.randrange(1, n)
                if ws[i].isalpha():
                    ws[i] = f"*{ws[i]}*"
            elif r < 0.13 and ws[-1].isalpha():
                ws[-1] = f"`{ws[-1]}`"
            sentences.append((" ".join(ws) + rng.choice(".....?!"), n))
        self.paragraphs: list[tuple[str, int]] = []
        for _ in range(self.PARAGRAPHS):
            picked = [sentences[int(rng.random() * self.SENTENCES)] for _ in range(rng.randint(2, 7))]
            parts = [s for s, _ in picked]
            count = sum(n for _, n in picked)
            if rng.random() < 0.4:
                anchor = " ".join(self.words(rng.randint(1, 4)))
                host = rng.choice(("example.org", "example.com", "docs.example.net", "wiki.example.org"))
                path = "/".join(slugify(w) for w in self.words(rng.randint(1, 3)))
                parts.insert(rng.randrange(len(parts) + 1), f"See [{anchor}](https://{host}/{path}) for more.")
                count += len(anchor.split()) + 3
            self.paragraphs.append((" ".join(parts), count))
        self.lists = [_list_block(rng, self) for _ in range(3000)]
        self.codes = [_code_block(rng, self) for _ in range(1000)]
        self.tables = [_table_block(rng, self) for _ in range(300)]
        self.headings = ["## " + " ".join(self.words(rng.randint(2, 5))).capitalize() for _ in range(2000)]

    def words(self, k: int) -> list[str]:
        i = int(self.rng.random() * (self.STREAM - k))
        return self.stream[i:i + k]

    def paragraph(self) -> tuple[str, int]:
        return self.paragraphs[int(self.rng.random() * self.PARAGRAPHS)]

    def pick(self, pool: list):
        return pool[int(self.rng.random() * len(pool))]


_PY_TEMPLATES = [
    "def {a}({b}, {c}=None):\n    \"\"\"{doc}\"\"\"\n    if {c} is None:\n        {c} = []\n"
    "    for item in {b}:\n        {c}.append(item * {n})\n    return {c}\n",
    "import os\nimport sys\n\n\nclass {A}:\n    def __init__(self, {b}):\n        self.{b} = {b}\n\n"
    "    def {a}(self):\n        return os.path.join(self.{b}, \"{c}.txt\")\n\n\n"
    "if __name__ == \"__main__\":\n    print({A}(sys.argv[1]).{a}())\n",
    "with open(\"{a}.log\") as f:\n    counts = {{}}\n    for line in f:\n"
    "        key = line.split()[{n}]\n        counts[key] = counts.get(key, 0) + 1\n"
    "print(sorted(counts.items(), key=lambda kv: -kv[1])[:{n}])\n",
    "async def {a}(session, {b}):\n    # {doc}\n    async with session.get({b}) as resp:\n"
    "        data = await resp.json()\n    return [x[\"{c}\"] for x in data if x.get(\"{c}\")]\n",
    "{a} = {{\n    \"{b}\": {n},\n    \"{c}\": [{n}, {n2}, {n3}],\n    \"enabled\": True,\n}}\n"
    "for k, v in sorted({a}.items()):\n    print(f\"{{k}} = {{v!r}}\")\n",
]


def _ident(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.lower()) or "value"


def _code_block(rng: random.Random, text: TextPools) -> tuple[str, int]:
    w = [_ident(x) for x in text.words(4)]
    code = rng.choice(_PY_TEMPLATES).format(
        a=w[0] + "_" + w[1], A=w[0].capitalize() + w[2].capitalize(), b=w[2], c=w[3] + "s",
        doc=" ".join(text.words(6)).capitalize() + ".", n=rng.randint(1, 9), n2=rng.randint(10, 99),
        n3=rng.randint(100, 999))
    return f"```python\n{code}```", len(code.split())


def _list_block(rng: random.Random, text: TextPools) -> tuple[str, int]:
    items = []
    count = 0
    numbered = rng.random() < 0.3
    for i in range(rng.randint(3, 6)):
        ws = text.words(rng.randint(2, 10))
        count += len(ws)
        marker = f"{i + 1}." if numbered else rng.choice("-*")
        items.append(f"{marker} {' '.join(ws)}")
    return "\n".join(items), count


def _table_block(rng: random.Random, text: TextPools) -> tuple[str, int]:
    cols = rng.randint(2, 4)
    head = [w.capitalize() for w in text.words(cols)]
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    count = cols
    for _ in range(rng.randint(2, 6)):
        cells = [" ".join(text.words(rng.randint(1, 3))) if c else str(rng.randint(1, 5000))
                 for c in range(cols)]
        count += sum(len(c.split()) for c in cells)
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows), count


def make_body(rng: random.Random, text: TextPools) -> str:
    """300 to 900 words of Markdown: paragraphs (some with links), lists, headings, fenced Python, tables."""
    target = 300 + int(rng.random() * 601)
    blocks: list[str] = []
    count = 0
    random_ = rng.random
    has_code = random_() < 0.35
    has_table = random_() < 0.05
    while count < target:
        r = random_()
        if blocks and r < 0.12:
            block, n = text.pick(text.lists)
        elif blocks and r < 0.17:
            block, n = text.pick(text.headings), 0
        elif blocks and has_code and r < 0.27:
            block, n = text.pick(text.codes)
            has_code = random_() < 0.3
        elif blocks and has_table and r < 0.32:
            block, n = text.pick(text.tables)
            has_table = False
        else:
            block, n = text.paragraph()
        blocks.append(block)
        count += n
    return "\n\n".join(blocks) + "\n"


def slugify(title: str) -> str:
    s = title.lower()
    s = s.translate(_ASCII_FOLD)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "post"


_ASCII_FOLD = str.maketrans({"é": "e", "è": "e", "ï": "i", "ç": "c", "ü": "u", "ñ": "n", "ö": "o", "å": "a"})


def _title(rng: random.Random, text: TextPools) -> str:
    ws = text.words(rng.randint(3, 7))
    return " ".join(w.capitalize() if i == 0 or len(w) > 3 else w for i, w in enumerate(ws))


def _pick_tags(rng: random.Random, tags: tuple[str, ...], cum: tuple[float, ...]) -> list[str]:
    want = rng.randint(1, 6)
    total = cum[-1]
    chosen: list[str] = []
    while len(chosen) < want:
        t = tags[bisect.bisect_right(cum, rng.random() * total)]
        if t not in chosen:
            chosen.append(t)
    return chosen


def _comment(rng: random.Random, text: TextPools, authors: tuple[str, ...], when: datetime) -> tuple[str, str]:
    author = rng.choice(authors)
    paras = [text.paragraph()[0] for _ in range(rng.randint(1, 3))]
    lines = ["---", f"author: {author}", f"date: {when:%Y-%m-%d %H:%M}"]
    if rng.random() < 0.4:
        lines.append(f"url: https://{slugify(author)}.example.net/")
    lines.append("---")
    return slugify(author), "\n".join(lines) + "\n" + "\n\n".join(paras) + "\n"


def post_text(title: str, when: datetime, tags: list[str], body: str) -> str:
    return f"---\ntitle: {title}\ndate: {when:%Y-%m-%d %H:%M}\ntags: [{', '.join(tags)}]\n---\n{body}"


def _write(path: str, text: str) -> None:
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))


def make_blog(dest: Path, posts: int, seed: int = 1) -> None:
    """Write dest/config.yaml and dest/content/<category>/<slug>.md (plus <slug>.comments/ folders)."""
    dest = Path(dest)
    rng = random.Random(seed)
    text = TextPools(random.Random(f"text-{seed}"))
    _, tags, authors = vocabulary()
    cum = tag_cum_weights()
    content = dest / "content"
    content.mkdir(parents=True, exist_ok=True)
    _write(str(dest / "config.yaml"), CONFIG_YAML)

    cat_paths = [c for c, _ in CATEGORIES]
    cat_cum = list(itertools.accumulate(w for _, w in CATEGORIES))
    cat_dirs = {}
    for c in cat_paths:
        (content / c).mkdir(parents=True, exist_ok=True)
        cat_dirs[c] = str(content / c) + "/"
    used: dict[str, set[str]] = {c: set() for c in cat_paths}
    rate = POSTS_PER_DAY / (24 * 60)        # posts per minute
    when = END
    for _ in range(posts):
        # Going back in time: exponential gaps make bursty days and quiet ones, at any time of day.
        when -= timedelta(minutes=max(1, round(rng.expovariate(rate))))
        cat = rng.choices(cat_paths, cum_weights=cat_cum)[0]
        title = _title(rng, text)
        base = slugify(title)[:60].strip("-") or "post"
        slug, n = base, 1
        while slug in used[cat]:
            n += 1
            slug = f"{base}-{n}"
        used[cat].add(slug)
        body = make_body(rng, text)
        post_tags = _pick_tags(rng, tags, cum)
        _write(f"{cat_dirs[cat]}{slug}.md", post_text(title, when, post_tags, body))
        if rng.random() < COMMENT_SHARE:
            folder = f"{cat_dirs[cat]}{slug}.comments/"
            os.mkdir(folder)
            cwhen = when
            for i in range(rng.randint(1, 3)):
                cwhen += timedelta(minutes=rng.randint(5, 60 * 24 * 14))
                name, data = _comment(rng, text, authors, cwhen)
                _write(f"{folder}{cwhen:%Y%m%d-%H%M}-{i}-{name}.md", data)


class Editor:
    """Seeded edits for the incremental cases: a new paragraph, a new post, a replacement tag."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(f"edit-{seed}")
        self.text = TextPools(random.Random(f"text-{seed}"))

    def paragraph(self) -> str:
        return self.text.paragraph()[0]

    def post(self, when: datetime) -> tuple[str, str]:
        """(slug, file text) of a new post dated `when`."""
        title = _title(self.rng, self.text)
        tags = _pick_tags(self.rng, vocabulary()[1], tag_cum_weights())
        return slugify(title)[:60].strip("-") or "post", post_text(title, when, tags, make_body(self.rng, self.text))

    def replace_tag(self, text: str) -> str:
        """Replace the first tag in a post's 'tags: [...]' line with a common tag the post does not have."""
        head, sep, rest = text.partition("\ntags: [")
        if not sep:
            raise ValueError("no 'tags: [...]' line")
        inside, close, tail = rest.partition("]")
        current = [t.strip() for t in inside.split(",") if t.strip()]
        common = [t for t in vocabulary()[1][:50] if t not in current]
        current[0:1] = [self.rng.choice(common)]
        return head + sep + ", ".join(current) + close + tail
