"""`python -m bench --compare OTHER_CHECKOUT`: this checkout against another, on one machine in one run.

A shared machine's speed drifts by a third within an hour, so two versions are only comparable when timed side
by side. One synthetic blog is copied twice; before each case the same edit is made to both copies (each has
its own seeded editor, so the edits are identical), then each checkout builds its copy, alternating which goes
first from case to case. The ratio is this checkout's wall time over the other's.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from dataclasses import asdict
from pathlib import Path

from . import run, synth


def run_pair(posts: int, seed: int, other: Path) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"blog-compare-{posts}-"))
    try:
        sites = {"this": workdir / "this", "other": workdir / "other"}
        synth.make_blog(sites["this"], posts, seed)
        shutil.copytree(sites["this"], sites["other"], symlinks=True)
        repos = {"this": run.REPO, "other": other}
        # Each copy gets its own checkout's base.html for the template edit: themes differ between versions.
        edits = {label: run.Edits(site, seed, repos[label]) for label, site in sites.items()}
        for repo in repos.values():
            run.theme_base(repo)   # fail before the builds, not after six of them
        results: dict[str, list] = {"this": [], "other": []}
        for i, case in enumerate(run.CASES):
            for label in sites:
                getattr(edits[label], case.replace("-", "_"))()
            time.sleep(run.RACY_SECONDS)
            order = ["this", "other"] if i % 2 == 0 else ["other", "this"]
            for label in order:
                results[label].append(run.build(sites[label], case, repos[label]))
            a, b = results["this"][-1], results["other"][-1]
            print(f"  {case:<14} this {a.wall_s:7.2f} s  other {b.wall_s:7.2f} s  ratio {a.wall_s / b.wall_s:5.2f}",
                  file=sys.stderr, flush=True)
        return {"posts": posts, "seed": seed, **run.content_stats(sites["this"]),
                "cases": {label: [asdict(r) for r in rs] for label, rs in results.items()}}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_pair(report: dict, file=sys.stdout) -> None:
    m = report["machine"]
    print(f"\nmachine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB; Python {m['python']}; "
          f"this checkout at {report['commit'] or '?'}, other ({report['other']}) at {report['other_commit'] or '?'}",
          file=file)
    for size in report["sizes"]:
        print(f"\n{size['posts']} posts, seed {size['seed']}", file=file)
        header = (f"{'case':<14} {'this s':>8} {'other s':>8} {'ratio':>6} {'this MiB':>9} {'other MiB':>10} "
                  f"{'keyed':>7} {'pages':>7} {'blocks':>7} {'written':>8} {'other written':>14}")
        print(header, file=file)
        print("-" * len(header), file=file)
        for a, b in zip(size["cases"]["this"], size["cases"]["other"]):
            print(f"{a['case']:<14} {a['wall_s']:8.2f} {b['wall_s']:8.2f} {a['wall_s'] / b['wall_s']:6.2f} "
                  f"{a['peak_rss_mib']:9.1f} {b['peak_rss_mib']:10.1f} {run._fmt(a.get('pages_keyed'), 'd'):>7} "
                  f"{run._fmt(a['pages_rendered'], 'd'):>7} "
                  f"{run._fmt(a['parts_rendered'], 'd'):>7} {run._fmt(a['files_written'], 'd'):>8} "
                  f"{run._fmt(b['files_written'], 'd'):>14}", file=file)
    print("\nratio: this checkout's wall time over the other's (below 1: this one is faster). pages/blocks: what "
          "this checkout rendered; keyed: pages whose key it computed (the rest it kept unkeyed).", file=file)


def main(sizes: list[int], seed: int, json_path: Path, other: Path) -> int:
    other = other.resolve()
    if not (other / "generator" / "__main__.py").is_file():
        print(f"bench: {other} is not a checkout of blog (no generator/__main__.py)", file=sys.stderr)
        return 1
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": run.machine(),
              "commit": run.git_commit(), "other": str(other), "other_commit": run.git_commit(other), "sizes": []}
    return run.measure_sizes(report, sizes, lambda posts: run_pair(posts, seed, other), print_pair, json_path)
