"""Run `blog build` on synthetic blogs: a cold build, then one build after each kind of edit.

Every build is its own process (`python -m generator build --site DIR --timings`), so nothing is shared between
builds but what the generator keeps on disk (output/ and .blog-cache/), as for a blogger running it by hand.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import synth

REPO = Path(__file__).resolve().parent.parent
THEME_BASE_CANDIDATES = (
    REPO / "generator" / "themes" / "default" / "templates" / "base.html",
    REPO / "themes" / "default" / "templates" / "base.html",
)
SUMMARY_RE = re.compile(r"(\d+) files? written, (\d+) unchanged, (\d+) removed")
# Since issue 17 the summary also says what was rendered; a version before says nothing (shown as '?').
RENDERED_RE = re.compile(r"\((\d+) pages, (\d+) post blocks and entries rendered(?:; (\d+) pages keyed)?\)")
STAGE_RE = re.compile(r"^\s+([\w+-]+)\s+([0-9.]+) s$")   # matched line by line
MiB = 1024 * 1024


class BenchError(Exception):
    """Something the benchmark cannot go on from: a failed build, a missing theme."""


@dataclass
class CaseResult:
    case: str
    wall_s: float
    user_s: float                 # CPU time of the build and the children it waited for (its worker pool)
    sys_s: float
    peak_rss_mib: float           # ru_maxrss from wait4: the largest single process in the build's tree
    tree_pss_mib: float | None    # sampled peak of the summed PSS of the build's process tree
    sampler_cpu_s: float          # what the sampling itself cost, on our side
    files_written: int | None
    unchanged: int | None
    removed: int | None
    pages_rendered: int | None = None   # pages whose render() ran (written or found unchanged)
    parts_rendered: int | None = None   # post blocks and archive entries rendered (not from the cache)
    pages_keyed: int | None = None      # pages whose key was computed (the rest were kept unkeyed)
    stages: dict[str, float] = field(default_factory=dict)


# --- the machine ---

def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "memory_gib": mem, "python": platform.python_version(),
            "platform": platform.platform()}


def git_commit(repo: Path = REPO) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return out or None
    except (OSError, subprocess.CalledProcessError):
        return None


# --- memory of the whole process tree, sampled ---

class TreeSampler(threading.Thread):
    """Polls the build's process tree and keeps the peak of its summed PSS (RSS where PSS is unavailable).

    ru_maxrss only gives the largest single process; with a worker pool the tree's total is what the machine
    needs. PSS shares copy-on-write pages fairly between forked workers, so the sum does not double count.
    Sampling can miss a short peak."""

    INTERVAL = 0.2

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = pid
        self.peak_kib = 0
        self.cpu_s = 0.0
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _tree(self) -> list[int]:
        parents: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            parents.setdefault(ppid, []).append(int(name))
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(parents.get(pid, ()))
        return tree

    @staticmethod
    def _memory_kib(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            return 0

    def run(self) -> None:
        start = time.thread_time()
        while not self._done.is_set():
            try:
                total = sum(self._memory_kib(pid) for pid in self._tree())
            except OSError:
                total = 0
            self.peak_kib = max(self.peak_kib, total)
            self._done.wait(self.INTERVAL)
        self.cpu_s = time.thread_time() - start


# --- one build ---

def build(site: Path, case: str, repo: Path = REPO) -> CaseResult:
    """One build of `site` by the generator in the checkout `repo` (another for `--compare`)."""
    cmd = [sys.executable, "-m", "generator", "build", "--site", str(site), "--timings"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo), env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=site, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            sampler.stop()
            raise
        wall = time.perf_counter() - start
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise BenchError(f"build failed in case '{case}' (exit {proc.returncode}): {' '.join(cmd)}\n"
                         f"--- stderr ---\n{stderr.rstrip()}\n--- stdout ---\n{stdout.rstrip()}")
    summary = SUMMARY_RE.search(stdout) or SUMMARY_RE.search(stderr)
    stages: dict[str, float] = {}
    for line in (stdout + "\n" + stderr).splitlines():
        if m := STAGE_RE.match(line):
            stages[m[1]] = round(stages.get(m[1], 0.0) + float(m[2]), 4)
    if summary is None:
        print(f"warning: no 'N files written, N unchanged, N removed' line in the output of case '{case}'",
              file=sys.stderr)
    written, unchanged, removed = (int(g) for g in summary.groups()) if summary else (None, None, None)
    rendered = RENDERED_RE.search(stdout)
    pages, parts, keyed = (int(g) if g else None for g in rendered.groups()) if rendered else (None, None, None)
    return CaseResult(
        case=case, wall_s=round(wall, 4), user_s=round(usage.ru_utime, 3), sys_s=round(usage.ru_stime, 3),
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),     # KiB on Linux
        tree_pss_mib=round(sampler.peak_kib / 1024, 1) if sampler.peak_kib else None,
        sampler_cpu_s=round(sampler.cpu_s, 3),
        files_written=written, unchanged=unchanged, removed=removed, pages_rendered=pages,
        parts_rendered=parts, pages_keyed=keyed, stages=stages)


# --- the edits between builds ---

def post_files(site: Path) -> list[Path]:
    content = site / "content"
    return sorted(p for p in content.rglob("*.md") if not p.parent.name.endswith(".comments"))


def theme_base(repo: Path = REPO) -> Path:
    """The default theme's base.html in the checkout `repo` (each checkout's own, for --compare)."""
    for path in (p if repo == REPO else repo / p.relative_to(REPO) for p in THEME_BASE_CANDIDATES):
        if path.is_file():
            return path
    raise BenchError("cannot find the default theme's base.html; looked at "
                     + ", ".join(str(p.relative_to(REPO)) for p in THEME_BASE_CANDIDATES))


class Edits:
    """The edits, chosen by the seed from the posts on disk, each touching a different post."""

    def __init__(self, site: Path, seed: int, repo: Path = REPO):
        self.repo = repo
        self.site = site
        self.editor = synth.Editor(seed)
        posts = post_files(site)
        picks = random.Random(f"pick-{seed}").sample(range(len(posts)), k=min(3, len(posts)))
        self.body_target, self.tags_target, self.delete_target = (posts[i] for i in picks)
        self.notes: dict[str, str] = {}

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.site))

    def cold(self) -> None:
        for name in ("output", ".blog-cache"):
            if (self.site / name).exists():
                shutil.rmtree(self.site / name)

    def no_change(self) -> None:
        pass

    def edit_body(self) -> None:
        path = self.body_target
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n" + self.editor.paragraph() + "\n")
        self.notes["edit-body"] = self.rel(path)

    def edit_tags(self) -> None:
        path = self.tags_target
        path.write_text(self.editor.replace_tag(path.read_text(encoding="utf-8")), encoding="utf-8")
        self.notes["edit-tags"] = self.rel(path)

    def add_post(self) -> None:
        folder = self.site / "content" / "diary"
        slug, text = self.editor.post(synth.END + timedelta(hours=9, minutes=30))
        path = folder / f"{slug}.md"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{slug}-{n}.md"
        path.write_text(text, encoding="utf-8")
        self.notes["add-post"] = self.rel(path)

    def delete_post(self) -> None:
        path = self.delete_target
        path.unlink()
        comments = path.with_suffix(".comments")
        if comments.is_dir():
            shutil.rmtree(comments)
        self.notes["delete-post"] = self.rel(path)

    def edit_template(self) -> None:
        source = theme_base(self.repo)
        target = self.site / "templates" / "base.html"
        target.parent.mkdir(exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8") + "\n<!-- bench: a harmless site override -->\n",
                          encoding="utf-8")
        self.notes["edit-template"] = f"{self.rel(target)} (copy of {source.relative_to(self.repo)})"


# The loader's "racy git" window (generator/loader.py RACY_SECONDS).
RACY_SECONDS = 2.1

CASES = ("cold", "no-change", "edit-body", "edit-tags", "add-post", "delete-post", "edit-template")


def content_stats(site: Path) -> dict:
    files = size = 0
    for folder, _, names in os.walk(site / "content"):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(folder, name))
    return {"content_files": files, "content_mib": round(size / MiB, 1)}


def run_size(posts: int, seed: int, keep: Path | None) -> dict:
    if keep is not None:
        site = keep / f"posts-{posts}"
        if site.exists() and any(site.iterdir()):
            raise BenchError(f"{site} already exists and is not empty; remove it or --keep somewhere else")
        workdir = None
    else:
        workdir = Path(tempfile.mkdtemp(prefix=f"blog-bench-{posts}-"))
        site = workdir / "site"
    try:
        start = time.perf_counter()
        synth.make_blog(site, posts, seed)
        generated = time.perf_counter() - start
        theme_base()                  # fail before the builds, not after six of them
        edits = Edits(site, seed)
        results = []
        for case in CASES:
            getattr(edits, case.replace("-", "_"))()
            # The generator does not trust the stat of a file changed in the last 2 s (it could change again
            # within one clock tick): wait that out, as a blogger's files are older than that by the next build.
            time.sleep(RACY_SECONDS)
            results.append(build(site, case))
            r = results[-1]
            print(f"  {case:<14} {r.wall_s:8.2f} s  {_fmt(r.pages_keyed, 'd')} pages keyed, "
                  f"{_fmt(r.pages_rendered, 'd')} pages and {_fmt(r.parts_rendered, 'd')} blocks rendered, "
                  f"{_fmt(r.files_written, 'd')} files written",
                  file=sys.stderr, flush=True)
        return {"posts": posts, "seed": seed, "site": str(site) if keep else None,
                "generate_s": round(generated, 3), **content_stats(site), "edited": edits.notes,
                "cases": [asdict(r) for r in results]}
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


# --- reporting ---

def _fmt(value, spec: str) -> str:
    return "?" if value is None else format(value, spec)


def print_report(report: dict, file=sys.stdout) -> None:
    m = report["machine"]
    print(f"\nmachine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB; Python {m['python']}; "
          f"generator at {report['commit'] or '?'}", file=file)
    for size in report["sizes"]:
        print(f"\n{size['posts']} posts ({size['content_files']} content files, {size['content_mib']} MiB, "
              f"generated in {size['generate_s']:.1f} s, seed {size['seed']})", file=file)
        header = (f"{'case':<14} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13} {'tree MiB':>9} "
                  f"{'pages keyed':>12} {'pages rendered':>15} {'blocks rendered':>16} {'files written':>14}")
        print(header, file=file)
        print("-" * len(header), file=file)
        for c in size["cases"]:
            cpu = c["user_s"] + c["sys_s"]
            print(f"{c['case']:<14} {c['wall_s']:8.2f} {cpu:8.2f} {c['peak_rss_mib']:13.1f} "
                  f"{_fmt(c['tree_pss_mib'], '9.1f'):>9} {_fmt(c.get('pages_keyed'), 'd'):>12} "
                  f"{_fmt(c.get('pages_rendered'), 'd'):>15} "
                  f"{_fmt(c.get('parts_rendered'), 'd'):>16} {_fmt(c['files_written'], 'd'):>14}", file=file)
        cold = size["cases"][0]
        if cold["stages"]:
            print("cold build stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in cold["stages"].items()), file=file)
        else:
            print("cold build stages: (the build printed no --timings lines)", file=file)
    print("\ncpu s: user + sys of the build and its worker processes. peak RSS: the largest single process "
          "(wait4).\ntree MiB: sampled peak of the summed PSS of the whole process tree (PSS shares libraries and "
          "copy-on-write pages,\nso one process's PSS is below its RSS; the sum is the footprint of the pool).\npages keyed: pages "
          "whose key was computed (groups of pages showing nothing that changed are kept unkeyed).\npages rendered: pages whose "
          "template ran (written or found byte-identical); blocks rendered: post blocks and archive entries\n"
          "rendered rather than taken from the cache.", file=file)


def main(sizes: list[int], seed: int, json_path: Path, keep: Path | None) -> int:
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "commit": git_commit(), "command": [sys.executable, "-m", "generator", "build", "--site", "DIR",
                                                  "--timings"], "sizes": []}
    return measure_sizes(report, sizes, lambda posts: run_size(posts, seed, keep), print_report, json_path)


def measure_sizes(report: dict, sizes: list[int], measure, show, json_path: Path) -> int:
    """Fill report["sizes"] with measure(posts) for each size, show the report, and write it as JSON."""
    try:
        for posts in sizes:
            print(f"{posts} posts:", file=sys.stderr, flush=True)
            report["sizes"].append(measure(posts))
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    show(report)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {json_path}")
    return 0
