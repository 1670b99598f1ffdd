"""python -m bench --posts 1000 10000 [--seed 1] [--json FILE] [--keep DIR | --compare CHECKOUT] | --only-generate DIR"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import compare, run, synth


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark 'blog build' on synthetic blogs: a cold build, a no-change rebuild, and a "
                    "rebuild after each kind of edit.")
    parser.add_argument("--posts", type=int, nargs="+", default=[1000], metavar="N",
                        help="blog sizes in posts, one run each (default: 1000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic blog and edits (default: 1)")
    parser.add_argument("--json", type=Path, default=run.REPO / "bench" / "results" / "latest.json",
                        metavar="FILE", help="where to write all figures (default: bench/results/latest.json)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the blogs in DIR/posts-N and keep them, instead of temporary folders")
    parser.add_argument("--only-generate", type=Path, metavar="DIR",
                        help="only write one synthetic blog (of the single --posts size) into DIR, then stop")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also build every case with the generator in CHECKOUT (another git worktree), "
                             "interleaved, and print both times and their ratio")
    args = parser.parse_args(argv)
    if args.compare and args.keep:
        parser.error("--compare keeps no blogs: leave out --keep")
    if any(n < 3 for n in args.posts):
        parser.error("--posts: each size must be 3 or more")
    if args.only_generate and len(args.posts) != 1:
        parser.error("--only-generate takes a single --posts size")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.only_generate:
        dest = args.only_generate
        if dest.exists() and any(dest.iterdir()):
            print(f"bench: {dest} already exists and is not empty", file=sys.stderr)
            return 1
        start = time.perf_counter()
        synth.make_blog(dest, args.posts[0], args.seed)
        print(f"wrote a {args.posts[0]}-post blog (seed {args.seed}) to {dest} "
              f"in {time.perf_counter() - start:.1f} s")
        return 0
    if args.compare:
        return compare.main(args.posts, args.seed, args.json, args.compare)
    return run.main(args.posts, args.seed, args.json, args.keep)


if __name__ == "__main__":
    sys.exit(main())
