"""The only code that writes to output/.

Three steps, so a failed build publishes nothing: `stage()` renders every page whose key changed into a staging
folder on output/'s file system; `publish()` first plans every move (a file where a folder must go, a folder
where a file must go, a file blog did not write, a folder it may not write) and stages the manifest and the
list of files it replaces, so that a full disk, a permission or a clash fails while output/ is untouched; only
then does it rename: the list first (publish/manifest.py), each changed file into place, files of pages that no
longer exist removed, the manifest last, and the list is removed. A page whose file exists is staged in a spare
file instead and swapped with it (publish/spares.py): as atomic as a rename, and no file made or freed.
Only files whose bytes change are replaced, so unchanged files keep their modification time and rsync moves
only what changed. The manifest (output/.blog-manifest.json) records every file the generator wrote and the key
it was made from; a file it did not write is never replaced or removed (unless the build is told to adopt it).
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BlogError
from ..parallel import in_background
from ..pages import Page
from .manifest import (damaged_files, file_size, manifest_bytes, manifest_digest, pending_bytes,
                       read_manifest)
from .plan import (MANIFEST, PENDING, TEMP_PREFIX, check_files_and_folders, every_folder, plan_moves,
                   unknown_files)
from .spares import Spares, spare_folder, write_spare
from .staging import (cannot_stage, flat_path, is_real_folder, move_folder, move_staged_file,
                      open_staging, remove_empty_parents, remove_recorded)

@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    staged: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)   # every page render() ran for, staged or not
    keyed: list[str] = field(default_factory=list)      # every page whose key was computed (pages/changes.py)


class OutputWriter:
    def __init__(self, output_dir: Path, cache_dir: Path, warn, adopt: bool = False,
                 manifest_written: bytes | None = None):
        self.output = output_dir
        self.cache_dir = cache_dir
        self.warn = warn
        self.adopt = adopt
        if os.path.lexists(output_dir) and not output_dir.is_dir():
            raise BlogError("the output folder is a file, not a folder; move it away or give another --output",
                            output_dir)
        # manifest_written: the digest of the manifest the last build wrote; self.manifest_digest: of the one in
        # output/ now, then of the one this build leaves there (for the next build's cache).
        self.old, self.old_inputs, self.manifest_digest = read_manifest(output_dir, warn, manifest_written)
        # Which files the last build wrote are no longer as it left them: stat()s of every one of them (272,000
        # at 100,000 posts), in a process of its own while this one reads the content.
        self._damage = in_background(lambda: damaged_files(self.output, self.old))
        self.new: dict[str, list] = {}
        self.stats = WriteStats()
        self.sources: dict[str, str] = {}
        self.present: set[str] = set()   # staged or kept paths whose file already exists in output/
        self._made: set[str] = set()
        self._folder_in_output: dict[str, bool] = {}
        self._flat: dict[str, str] = {}   # path -> where it is staged, when by flat_path or in a spare
        self._spared: set[str] = set()    # the paths staged in spares (publish/spares.py)
        self._spares: Spares | None = None   # the spares a build may use
        self._slots = 0                   # the spares given out so far: each page staged gets the next
        self._order: list[str] = []
        self._created_output = False
        self.published_first: set[str] = set()   # the pages publish_first() rendered: done for this build
        self._first_build = not self.old
        self.staging = cache_dir / "staging"

    def up_to_date(self, inputs: str) -> bool:
        """True when the last build was made from these very inputs and every file it wrote is still there."""
        if inputs != self.old_inputs or self.damaged(self.old):
            return False
        self.stats.unchanged = len(self.old)
        return True

    def damaged(self, paths) -> list[str]:
        """Of `paths`, those the last build did not write, or whose file is no longer as it left it."""
        if not isinstance(self._damage, set):
            self._damage = self._damage()
        damage, old = self._damage, self.old
        return [path for path in paths if path in damage or path not in old]

    def changed(self, items: list[Page | str]) -> list[Page]:
        """The pages whose key differs from the one their file was made from (or whose file is gone).
        A path among `items` is a file the last build wrote that stays as it is (pages/changes.py: its caller
        has checked it with damaged())."""
        seen: dict[str, str] = {}
        pages = []
        new, old, kept = self.new, self.old, 0   # locals: 272,000 items at 100,000 posts, most of them kept paths
        for page in items:
            if page.__class__ is str:
                if page in seen:   # a page of this build claims it: the same clash a full build would find
                    raise BlogError(f"two things map to one URL /{page}: {seen[page]} and a page of the last build; "
                                    "rename one of them")
                seen[page] = "a page of the last build"
                new[page] = old[page]
                kept += 1
                continue
            if page.path in seen:
                # Name a content file first where one of the two is a file: that is what the blogger renames.
                files = [s for s in (page.source, seen[page.path]) if s.startswith("content/")]
                raise BlogError(f"two things map to one URL /{page.path}: {seen[page.path]} and {page.source}; "
                                "rename one of them", files[0] if files else None)
            seen[page.path] = page.source
            if page.path not in self.published_first:   # else rendered ahead of the rest: self.new has it
                pages.append(page)
        self.stats.unchanged += kept
        check_files_and_folders(seen)
        self.stats.keyed = [page.path for page in pages]
        self.sources = seen
        self._order = list(seen)   # the manifest lists files in page order: deterministic, and no sort
        todo = []
        for page in pages:
            if self.is_current(page):
                self.new[page.path] = self.old[page.path]
                self.stats.unchanged += 1
            else:
                todo.append(page)
        return todo

    def in_place(self, pages: list[Page]) -> list[Page]:
        """changed() for a build that makes no page but `pages`, each replacing a file the last build wrote, and
        keeps every other file (a body patch): the manifest's paths and their order stay the last build's, so
        nothing can clash and there is nothing to check."""
        self.new = dict(self.old)
        self._order = list(self.old)
        self.sources = {page.path: page.source for page in pages}
        self.stats.keyed = [page.path for page in pages]
        self.stats.unchanged += len(self.old) - len(pages)
        return pages

    def is_current(self, page: Page) -> bool:
        """The page's file is the one the last build made from this very key, still there at its size."""
        recorded = self.old.get(page.path)
        return bool(recorded) and recorded[0] == page.key and file_size(f"{self.output}/{page.path}") == recorded[1]

    def stage(self, todo: list[Page], render_many=None) -> None:
        """Render `todo` into the staging folder; `render_many(fn, pages)` may spread the work over processes."""
        self._open_staging()
        start, self._slots = self._slots, self._slots + len(todo)   # no spare is given twice in a build
        results = (render_many or _serial)(self._stage_one, list(enumerate(todo, start)))
        self.stats.rendered.extend(page.path for page in todo)
        self._flat.update((page.path, result[3]) for page, result in zip(todo, results) if result[3])
        self._spared.update(page.path for page, result in zip(todo, results) if result[4])
        for page, (size, staged, exists, _, _) in zip(todo, results):
            self.new[page.path] = [page.key, size]
            if exists:
                self.present.add(page.path)
            if staged:
                self.stats.staged.append(page.path)
            else:
                self.stats.unchanged += 1

    def _open_staging(self) -> None:
        self.staging, created = open_staging(self.output, self.cache_dir)
        self._created_output |= created
        self._made.clear()               # a fresh staging folder: none of its folders exist yet
        self._folder_in_output.clear()   # publish_first may have added some to output/
        self._spares = spare_folder(self.cache_dir, self.staging, len(self.old))

    def publish_first(self, todo: list[Page]) -> list[str]:
        """`serve --watch`: stage `todo` (the pages open in the browser) and move the changed ones into place now,
        under a manifest recording them with an empty key (as publish() does), so a build killed after this is
        repaired by the next; return their paths. `stage()` and `publish()` then do the rest as usual."""
        self.stage(todo)
        paths = {page.path for page in todo}
        self.published_first.update(paths)
        moved = [path for path in self.stats.staged if path in paths]
        if not moved:
            return []
        plan_moves(self.output, moved, self.present & paths, self.old, self.sources, [], self.adopt)
        os.replace(self._stage_pending(moved), self.output / PENDING)
        self.old = {**self.old, **{path: ["", -1] for path in moved}}   # blog's files now: publish() may replace them
        self._move_staged(moved)
        return moved

    def _stage_one(self, job: tuple[int, Page]) -> tuple[int, bool, bool, str | None, bool]:
        """Render one page; stage it unless the file in output/ already has these bytes. Runs in workers.
        `job`: the page and the spare it may use. Returns (size, staged, a file or folder is already at its path,
        where it is staged if its folder is in output/, whether that is a spare)."""
        slot, page = job
        try:
            data = page.render()
        except OSError as e:   # a static file that cannot be read
            raise BlogError(f"cannot read this file ({e.strerror}); fix its permissions", page.source) from None
        target = os.path.join(self.output, page.path)
        same, exists, is_file = _compare(target, data)
        if same:
            return len(data), False, True, None, False
        spares = self._spares
        if is_file and spares and slot < spares.count:
            spare = f"{spares.folder}/{slot}"
            try:
                if write_spare(spare, data, spares.mode):
                    return len(data), True, True, spare, True
            except OSError as e:
                raise cannot_stage(e, page) from None
        out_folder = os.path.dirname(target)
        if out_folder not in self._folder_in_output:   # per process, like _made
            self._folder_in_output[out_folder] = is_real_folder(out_folder)
        flat = flat_path(self.staging, page.path) if self._folder_in_output[out_folder] else None
        staged = flat or os.path.join(self.staging, page.path)
        folder = os.path.dirname(staged)
        try:
            if folder not in self._made:   # per process: workers each keep their own
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            with open(staged, "wb") as f:
                f.write(data)
        except OSError as e:
            raise cannot_stage(e, page) from None
        return len(data), True, exists, flat, False

    def publish(self, inputs: str | None = None) -> WriteStats:
        removed = sorted(self.old.keys() - self.new.keys())
        manifest = manifest_bytes({path: self.new[path] for path in self._order}, inputs)   # in page order
        in_place = _same_bytes(self.output / MANIFEST, manifest)   # read once: 24 MB at 100,000 posts
        if not self.stats.staged and not removed and not self.present - self.old.keys() and in_place:
            self.discard(keep_output=True)
            _remove_pending(self.output)   # a stopped build's, whose files this build found as they should be
            return self.stats
        if not self.output.is_dir() or not self.staging.is_dir():
            self._open_staging()   # nothing was staged (only removals, or a manifest to write)
        plan_moves(self.output, self.stats.staged, self.present, self.old, self.sources, removed, self.adopt)
        final = self._stage_manifest(manifest, in_place)
        # Until the last file is in place, the manifest must not vouch for any file being replaced: the pending
        # list names them, so a build killed half way is repaired by the next, whatever the content is by then.
        pending = self._stage_pending(self.stats.staged) if self.stats.staged else None
        # From here on, only renames and removals: nothing can run out of space or permission.
        if pending:
            os.replace(pending, self.output / PENDING)
        # Those publish_first() staged are in place already.
        self._move_staged([path for path in self.stats.staged if path not in self.published_first])
        real_output = os.path.realpath(self.output)
        for path in removed:
            target = self.output / path
            if os.path.realpath(target.parent) != os.path.join(real_output, *path.split("/")[:-1]):
                continue   # a folder on the way was replaced by a link: what it points at is not blog's
            if target.is_file() and not target.is_symlink():
                target.unlink()
                self.stats.removed += 1
                remove_empty_parents(target.parent, self.output)
        if final:
            os.replace(final, self.output / MANIFEST)
        _remove_pending(self.output)
        self.discard(keep_output=True)
        if self._first_build:
            self._warn_unknown_files(every_folder(self.output))   # a first build: output/ may hold an older site
        elif self.stats.removed:
            # When files go, a file the generator did not write (and so leaves in place) keeps its folder: said
            # for the folders files went from and the folders above them, not by walking all of output/.
            folders = {""}
            for path in removed:
                parts = path.split("/")[:-1]
                folders.update("/".join(parts[:n]) for n in range(1, len(parts) + 1))
            self._warn_unknown_files(sorted(folders))
        return self.stats

    def _stage_manifest(self, data: bytes, in_place: bool) -> Path | None:
        """The new manifest, staged; None when output/ has it already (`in_place`)."""
        self.manifest_digest = manifest_digest(data)
        return None if in_place else self._stage_own("manifest", data)

    def _stage_pending(self, paths: list[str]) -> Path:
        """The list of `paths`, and of the files a stopped build's list named (their entries read with no key):
        until this build's manifest is in place, the old one still vouches for those too."""
        carried = [path for path, (key, _) in self.old.items() if not key]
        return self._stage_own("manifest-pending", pending_bytes(sorted({*paths, *carried})))

    def _stage_own(self, name: str, data: bytes) -> Path:
        """One of blog's own files for output/, staged."""
        path = self.staging / f"{TEMP_PREFIX}{name}"
        try:
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
        except OSError as e:
            raise cannot_stage(e, None) from None
        return path

    def _move_staged(self, paths: list[str]) -> None:
        """Each staged file of `paths` into place. A folder that output/ lacks altogether (every folder, on a first
        build) is moved whole with one rename: on many file systems a mkdir and a rename per file cost more than
        rendering the file did."""
        output, staging = str(self.output), str(self.staging)
        exists: dict[str, bool] = {"": True}
        moved: set[str] = set()
        for path in paths:
            parts = [] if path in self._flat else path.split("/")[:-1]   # flat: its folder is in output/
            folder = ""
            for part in parts:
                folder = f"{folder}/{part}" if folder else part
                if folder in moved:
                    break
                if folder not in exists:
                    exists[folder] = os.path.lexists(os.path.join(output, folder))
                if not exists[folder]:
                    if move_folder(os.path.join(staging, folder), os.path.join(output, folder)):
                        moved.add(folder)
                        break
                    exists[folder] = True   # could not be moved whole (another file system): made instead
                    os.makedirs(os.path.join(output, folder), exist_ok=True)
            else:
                move_staged_file(staging, output, path, self._flat.get(path), path in self._spared)
            self.stats.written += 1

    def _warn_unknown_files(self, folders: list[str]) -> None:
        """Files in output/ the generator did not write are left alone, but said once per build."""
        unknown = unknown_files(self.output, folders, self.new.keys() | {MANIFEST, PENDING})
        if unknown:
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            self.warn(f"warning: {self.output}: {len(unknown)} file(s) not made by blog, left alone: {shown}")

    def discard(self, keep_output: bool = False) -> None:
        """Remove this build's staging folder (and output/, if this build made it and it stayed empty)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        remove_recorded(self.output, self.cache_dir)
        if self._created_output and not keep_output:
            try:
                self.output.rmdir()
            except OSError:
                pass


def _remove_pending(output: Path) -> None:
    try:
        os.unlink(output / PENDING)
    except FileNotFoundError:
        pass


def _serial(fn, items):
    return [fn(item) for item in items]


def _compare(path: str, data: bytes) -> tuple[bool, bool, bool]:
    """(the file at `path` has exactly these bytes, something is at `path`, a plain file is), from one lstat."""
    try:
        st = os.lstat(path)
    except OSError:
        return False, False, False
    if not stat.S_ISREG(st.st_mode):
        return False, True, False
    if st.st_size != len(data):
        return False, True, True
    try:
        with open(path, "rb") as f:
            return f.read() == data, True, True
    except OSError:
        return False, True, True


def _same_bytes(path, data: bytes) -> bool:
    return _compare(path, data)[0]
