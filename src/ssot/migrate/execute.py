"""Carry a :class:`~ssot.migrate.plan.Plan` out: batch by batch, journaled, validated.

For each batch, in phase order: every file of the batch is read once, checked
against the hash the plan saw, rewritten (one LibCST parse), and the canonical
module / ``conftest.py`` gets the definitions that batch needs.  All writes go
through :class:`~ssot.migrate.journal.Journal` (original bytes recorded first,
atomic replace), then the chosen validation runs; a failing batch is rolled
back at once.  ``dry_run`` computes the same bytes against an in-memory
overlay and writes nothing.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import multiprocessing
import os
import posixpath
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import libcst as cst

from ssot.errors import SsotError
from ssot.exitcodes import FOUND, INTERNAL_ERROR, INTERRUPTED
from ssot.migrate import gitutil
from ssot.migrate.home import import_base, pytest_sys_path
from ssot.migrate.importgraph import ImportGraph
from ssot.migrate.journal import ABSENT, FileChangedError, FileWrite, Journal
from ssot.migrate.plan import Batch, Plan, Step, Target
from ssot.migrate.preflight import MODULE_DOC, canonical_def
from ssot.migrate.testhooks import KillHook
from ssot.migrate.validate import Validator, check_imports
from ssot.pytest_config import load_pytest_config
from ssot.rewrite.canonical import CanonicalDef, build_module, extract_definition
from ssot.rewrite.member_file import CopyEdit, FileRewrite, RewriteError, rewrite_file
from ssot.scope import load_scope

CONFTEST_DOC = "Shared fixtures (moved here from the test files by `ssot migrate`)."


@dataclass(slots=True)
class ExecOptions:
    dry_run: bool = False
    diff_dir: Path | None = None
    validate: str = "tests"
    keep_going: bool = False
    allow_dirty: bool = False
    commit: bool = False
    timeout: float = 600.0
    accept_broken_baseline: bool = False


@dataclass(slots=True)
class BatchResult:
    number: int
    label: str
    status: Literal["ok", "rolled_back", "failed", "dry_run", "skipped"]
    files: list[str] = field(default_factory=list)  # files written (or that would be)
    lines_removed: int = 0
    warnings_removed: int = 0
    failing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files left alone, and why
    validation_seconds: float = 0.0
    commit: str | None = None
    retried: list[BatchResult] = field(default_factory=list)  # the batch again, without failing families
    excluded: list[str] = field(default_factory=list)  # families taken out of it

    def standing(self) -> list[BatchResult]:
        """This batch and its retries that stand (written and validated, or a dry run)."""
        return [b for b in (self, *self.retried) if b.status in ("ok", "dry_run")]


@dataclass(slots=True)
class RunResult:
    run_id: str | None
    batches: list[BatchResult] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    rewrite_seconds: float = 0.0  # reading, parsing, rewriting and writing: no pytest
    rewritten_files: int = 0
    pytest_seconds: float = 0.0
    stopped: bool = False
    failed_families: set[str] = field(default_factory=set)
    unchecked: list[str] = field(default_factory=list)  # what a broken baseline kept from being checked

    @property
    def ok(self) -> bool:
        return all(b.status in ("ok", "dry_run") for b in self.batches)

    def _standing(self) -> list[BatchResult]:
        return [s for b in self.batches for s in b.standing()]

    @property
    def files_changed(self) -> list[str]:
        return sorted({f for b in self._standing() for f in b.files})

    @property
    def lines_removed(self) -> int:
        return sum(b.lines_removed for b in self._standing())

    @property
    def warnings_removed(self) -> int:
        return sum(b.warnings_removed for b in self._standing())


class _BatchFailed(Exception):
    def __init__(self, failing: list[str]) -> None:
        super().__init__("; ".join(failing[:3]))
        self.failing = failing


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like SIGINT's KeyboardInterrupt."""


class MigrationStopped(SsotError):
    """The run stopped inside a batch (an exception, pytest not starting, SIGINT, SIGTERM); the batch
    in flight was restored before this was raised, and the message says so."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @classmethod
    def after(cls, exc: BaseException, batch: Batch, restored: list[str], result: RunResult,
              run_id: str) -> MigrationStopped:
        if isinstance(exc, KeyboardInterrupt):
            what, code = "interrupted (SIGINT)", INTERRUPTED
        elif isinstance(exc, _Terminated):
            what, code = "terminated (SIGTERM)", INTERRUPTED
        elif isinstance(exc, SsotError):
            what, code = f"stopped: {exc}", FOUND
        else:
            what, code = f"stopped by an error: {type(exc).__name__}: {exc}", INTERNAL_ERROR
        done = [b for b in result.batches if b.standing() and b.number != batch.number]
        kept = (f"; {len(done)} earlier batch(es) stay applied (`ssot rollback {run_id}` undoes them)"
                if done else "; the tree is as it was before the run")
        return cls(f"{what} during batch {batch.label}: its {len(restored)} changed file(s) were restored "
                   f"byte for byte{kept}", code)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (they land when the block ends): a journal group is written,
    or a batch restored, whole."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """While a run writes, SIGTERM raises (so the batch in flight is restored) instead of killing us."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(_signum: int, _frame: object) -> None:
        raise _Terminated()

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@dataclass(frozen=True, slots=True)
class _Job:
    """One file to rewrite.  Workers get its path and read it themselves (``data`` only when a
    dry run's earlier batch changed it in memory), and send back only the new bytes."""

    root: str
    rel: str
    expected: str | None  # sha256 the plan saw
    edits: list[CopyEdit]
    spans: list[tuple[int, int]] | None
    anchor: str
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class _Done:
    rel: str
    rewrite: FileRewrite | None = None
    unchanged: bool = False
    skipped: str | None = None  # why the file is left alone


MAX_RETRIES = 4  # a failing batch is tried again at most this many times with families taken out
PARALLEL_MIN_FILES = 24  # below this, starting worker processes costs more than it saves


def _worker_init(parent: int) -> None:
    """Workers hold none of the parent's output pipes and die with it (even on SIGKILL)."""
    gc.freeze()  # the parent's objects (scan, plan) are never collected here: do not walk them
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


_HOOK: KillHook | None = None


def _rewrite_job(job: _Job) -> _Done:
    global _HOOK
    if _HOOK is None:
        _HOOK = KillHook()
    _HOOK("rewrite")
    data = job.data
    if data is None:
        try:
            data = (Path(job.root) / job.rel).read_bytes()
        except OSError:
            data = None
    if data is None or sha256(data) != job.expected:
        return _Done(job.rel, skipped=f"{job.rel}: changed since the plan was made; left untouched")
    try:
        out = rewrite_file(data, job.edits, job.rel, commented_spans=job.spans, anchor_module=job.anchor)
    except RewriteError as exc:
        return _Done(job.rel, skipped=str(exc))
    if out.new == data:
        return _Done(job.rel, FileRewrite(b"", out.removed_lines), unchanged=True)
    return _Done(job.rel, out)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Tree:
    """The files as the run sees them: the disk, overlaid by what a dry run would have written."""

    def __init__(self, root: Path, dry_run: bool) -> None:
        self.root = root
        self.dry_run = dry_run
        self.overlay: dict[str, bytes] = {}

    def read(self, rel: str) -> bytes | None:
        if rel in self.overlay:
            return self.overlay[rel]
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None


def _package_inits(plan: Plan, module_path: str) -> list[str]:
    """The ``__init__.py`` files the home's package needs created above ``module_path`` (never one in a
    folder that exists: that would change how pytest imports the files there)."""
    return [i for i in plan.new_inits if module_path.startswith(i[: -len("__init__.py")])]


def _warns(step: Step) -> bool:
    d = step.definition
    return d.kind == "class" and d.collected and not d.nested and d.name.startswith("Test") and d.has_init


def unified_diff(rel: str, old: bytes | None, new: bytes) -> str:
    a = (old or b"").decode("utf-8", "replace").splitlines(keepends=True)
    b = new.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, "/dev/null" if old is None else f"a/{rel}", f"b/{rel}"))


class Executor:
    def __init__(self, plan: Plan, options: ExecOptions,
                 on_progress: Callable[[Batch, int, int], None] | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.plan = plan
        self.options = options
        self.root = Path(plan.root)
        self.tree = _Tree(self.root, options.dry_run)
        self.on_progress = on_progress
        self._nodes: dict[int, cst.BaseStatement] = {}
        self._pytest = load_pytest_config(self.root)
        scope = load_scope(self.root, pytest_config=self._pytest)
        # a test module pytest imports when given its path (testpaths only decide what a bare run finds)
        self._collects = lambda rel: (scope.is_test_code(rel) and self._pytest._file_pattern.match(
            posixpath.basename(rel)) is not None and self._pytest._folder_collected(posixpath.dirname(rel)))
        self.log = log
        self._hook = KillHook()
        self._import_graph: ImportGraph | None = None
        self._journal_batches = 0
        self._import_broken: set[str] = set()
        self.result = RunResult(None)
        self._pool: ProcessPoolExecutor | None = None
        self._shared: set[str] | None = None

    # ------------------------------------------------------------ preparation

    def _all_paths(self) -> list[str]:
        paths = {f for b in self.plan.batches for f in b.files}
        for t in {id(s.target): s.target for s in self.plan.steps}.values():
            paths.add(t.path)
            if t.module:
                paths.update(_package_inits(self.plan, t.path))
        return sorted(paths)

    def _check_dirty(self) -> None:
        if self.options.allow_dirty or self.options.dry_run or not gitutil.is_git_repo(self.root):
            return
        existing = [p for p in self._all_paths() if (self.root / p).exists()]
        dirty = gitutil.dirty_files(self.root, existing)
        if dirty:
            shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            raise SsotError(f"uncommitted changes in {len(dirty)} file(s) the migration would touch: "
                            f"{shown}; commit or stash them, or pass --allow-dirty")

    def _extract_targets(self) -> None:
        """Take each canonical definition's source now, before any batch rewrites its file."""
        by_file: dict[str, list[Target]] = {}
        for t in {id(s.target): s.target for s in self.plan.steps}.values():
            if not t.present:
                by_file.setdefault(t.source.path, []).append(t)
        for rel, targets in by_file.items():
            data = self.tree.read(rel)
            if data is None or sha256(data) != self.plan.hashes.get(rel):
                raise SsotError(f"{rel}: changed since the plan was made (it holds the copy that becomes "
                                "canonical); make the plan again")
            module = cst.parse_module(data)
            for t in targets:
                self._nodes[id(t)] = extract_definition(module, self._canonical_def(t))

    @staticmethod
    def _canonical_def(t: Target) -> CanonicalDef:
        return canonical_def(t)

    # ------------------------------------------------------------ one batch

    def _submit(self, batch: Batch) -> Iterator[_Done] | list[_Job]:
        """Start rewriting the files of ``batch``: on the worker processes when there are enough
        of them (the results are collected later, so this can run ahead), else later in-process."""
        steps_by_file: dict[str, list[Step]] = {}
        for s in batch.steps:
            steps_by_file.setdefault(s.definition.path, []).append(s)
        spans_by_file: dict[str, list[tuple[int, int]]] = {}
        for c in batch.commented:
            spans_by_file.setdefault(c.path, []).append((c.line, c.end_line))
        anchor = self.plan.canonical_dotted or self.plan.canonical_package.replace("/", ".")
        jobs = [
            _Job(str(self.root), rel, self.plan.hashes.get(rel), [
                CopyEdit(s.definition.qualname, s.definition.name, s.definition.line,
                         s.action, s.target.module, s.target.name)
                for s in steps_by_file.get(rel, [])
            ], spans_by_file.get(rel), anchor, self.tree.overlay.get(rel))
            for rel in batch.files
        ]
        if len(jobs) < PARALLEL_MIN_FILES or (os.cpu_count() or 1) < 2:
            return jobs
        pool = self._start_pool()
        chunk = max(1, len(jobs) // ((os.cpu_count() or 2) * 4))
        return pool.map(_rewrite_job, jobs, chunksize=chunk)  # submits every job now

    def _batch_writes(self, batch: Batch, br: BatchResult, started: Iterator[_Done] | list[_Job]) \
            -> list[tuple[str, bytes, str]]:
        """(path, new bytes, expected sha256 or ABSENT) for every file the batch changes."""
        writes: list[tuple[str, bytes, str]] = []
        steps_by_file: dict[str, list[Step]] = {}
        for s in batch.steps:
            steps_by_file.setdefault(s.definition.path, []).append(s)
        applied: list[Step] = []
        results = (_rewrite_job(j) for j in started) if isinstance(started, list) else started
        for done in results:
            if done.skipped is not None or done.rewrite is None:
                br.skipped.append(done.skipped or f"{done.rel}: not rewritten")
                continue
            steps = steps_by_file.get(done.rel, [])
            if not done.unchanged:
                expected = self.plan.hashes[done.rel]  # the worker read exactly these bytes
                writes.append((done.rel, done.rewrite.new, expected))
                br.lines_removed += done.rewrite.removed_lines
                br.warnings_removed += sum(_warns(s) for s in steps)
            applied.extend(steps)
        # canonical modules and conftests: the definitions this batch's copies need
        by_path: dict[str, list[Target]] = {}
        for s in applied:
            if not s.target.present and s.target not in by_path.setdefault(s.target.path, []):
                by_path[s.target.path].append(s.target)
        front: list[tuple[str, bytes, str]] = []
        for path, targets in by_path.items():
            existing = self.tree.read(path)
            fixture = targets[0].kind == "fixture"
            doc = CONFTEST_DOC if fixture else MODULE_DOC.format(name=targets[0].family_id)
            defs = [(self._canonical_def(t), self._nodes[id(t)]) for t in targets]
            new = build_module(existing, defs, doc)
            if new != existing:
                front.append((path, new, ABSENT if existing is None else sha256(existing)))
            if not fixture:
                for init in _package_inits(self.plan, path):
                    if self.tree.read(init) is None and not any(w[0] == init for w in front):
                        front.append((init, b"", ABSENT))
        return front + writes

    def _can_run_ahead(self, batch: Batch) -> bool:
        """Whether ``batch`` can be rewritten before the batches ahead of it are written: none of
        its files is one they may write (a canonical module, a conftest, a package ``__init__``)."""
        if self._shared is None:
            shared: set[str] = set()
            for t in self.plan.targets():
                shared.add(t.path)
                if t.module:
                    shared.update(_package_inits(self.plan, t.path))
            self._shared = shared
        return not self._shared.intersection(batch.files)

    def _start_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self._pool = ProcessPoolExecutor(max_workers=min(os.cpu_count() or 2, 8), mp_context=ctx,
                                             initializer=_worker_init, initargs=(os.getpid(),))
            # start the workers now (fork happens on first submit)
            list(self._pool.map(int, range(min(os.cpu_count() or 2, 8))))
        return self._pool

    def _test_files(self, batch: Batch, written: list[str]) -> list[str]:
        """Every test module the batch can affect: the touched ones, those importing a touched module
        (directly or through others), and those under a touched ``conftest.py``."""
        touched = set(written) | {s.definition.path for s in batch.steps}
        affected = self._graph().importing(touched)
        folders = [posixpath.dirname(f) for f in touched if posixpath.basename(f) == "conftest.py"]
        tests = self._all_test_modules()
        out = {f for f in tests if f in affected}
        for folder in folders:
            out.update(f for f in tests if not folder or f.startswith(folder + "/"))
        return sorted(out)

    def _graph(self) -> ImportGraph:
        if self._import_graph is None:
            self._import_graph = ImportGraph(self.root)
        return self._import_graph

    def _all_test_modules(self) -> list[str]:
        return [f for f in self._graph().files if self._collects(f)]

    def _say(self, text: str) -> None:
        if self.log is not None:
            self.log(text)

    def _journal_number(self) -> int:
        self._journal_batches += 1
        return self._journal_batches

    def _culprits(self, batch: Batch, failing: list[str]) -> set[str]:
        """The families a failing batch's failures point at (all of them when they point nowhere)."""
        families = {s.target.family_id for s in batch.steps}
        by_file: dict[str, set[str]] = {}
        for s in batch.steps:
            by_file.setdefault(s.definition.path, set()).add(s.target.family_id)
            by_file.setdefault(s.target.path, set()).add(s.target.family_id)
        out: set[str] = set()
        for line in failing:
            path = line.split("::", 1)[0].split(": ", 1)[0]
            hit = by_file.get(path)
            if hit is None:
                return families
            out |= hit
        return out or families

    @staticmethod
    def _without(batch: Batch, families: set[str], label: str) -> Batch:
        steps = [s for s in batch.steps if s.target.family_id not in families]
        keep = {s.definition.path for s in steps} | {c.path for c in batch.commented}
        return Batch(batch.number, batch.phase, [f for f in batch.files if f in keep], steps,
                     list(batch.commented), label)

    def _apply(self, batch: Batch, br: BatchResult, journal: Journal, validator: Validator,
               started: Iterator[_Done] | list[_Job]) -> bool:
        """Write one batch and validate it; on any failure (or exception, or signal) restore it.

        Returns whether the batch stands.  An exception or signal is re-raised after the restore,
        as :class:`MigrationStopped` saying what was restored."""
        opts = self.options
        t0 = time.perf_counter()
        number = self._journal_number()
        opened = False
        try:
            self._say(f"batch {batch.label}: rewriting {len(batch.files)} files")
            writes = self._batch_writes(batch, br, started)
            br.files = [w[0] for w in writes]
            journal.begin_batch(number, batch.label, br.files)
            opened = True
            if self.on_progress:
                self.on_progress(batch, 0, len(writes))
            with _signals_held():  # a group is written whole; a signal lands once it is
                try:
                    journal.write_many([FileWrite(rel, new, expected) for rel, new, expected in writes])
                except FileChangedError as exc:
                    raise _BatchFailed([str(exc)]) from None
            if self.on_progress:
                self.on_progress(batch, len(writes), len(writes))
            self.result.rewrite_seconds += time.perf_counter() - t0
            self.result.rewritten_files += len(writes)
            tests = self._test_files(batch, br.files)
            self._say(f"batch {batch.label}: {len(writes)} files written; validating "
                      f"({opts.validate}, {len(tests)} test modules)")
            self._hook("validate")
            verdict = validator.check(br.files, tests, self._import_checks(br.files))
            br.validation_seconds = verdict.seconds
            if not verdict.ok:
                raise _BatchFailed(verdict.failing)
        except _BatchFailed as failed:
            br.failing = failed.failing
            br.status = "rolled_back"
            restored = self._restore(journal, number, opened)
            self._say(f"batch {batch.label}: failed validation; {len(restored)} files restored")
            return False
        except BaseException as exc:
            br.status = "rolled_back"
            restored = self._restore(journal, number, opened)
            raise MigrationStopped.after(exc, batch, restored, self.result, journal.run_id) from exc
        journal.end_batch(number, "ok")
        self._say(f"batch {batch.label}: ok ({len(br.files)} files, validation {br.validation_seconds:.1f}s)")
        if opts.commit and br.files and gitutil.is_git_repo(self.root):
            br.commit = gitutil.commit(self.root, br.files,
                                       f"ssot migrate: batch {batch.number} ({batch.phase}), "
                                       f"{len(batch.steps)} copies consolidated")
        return True

    def _restore(self, journal: Journal, number: int, opened: bool) -> list[str]:
        if not opened:
            return []
        with _signals_held():
            restored = journal.rollback_batch(number)
            journal.end_batch(number, "rolled_back")
        return restored

    def _import_checks(self, written: list[str]) -> list[tuple[str, str, list[str]]]:
        """(file, module name, sys.path folders) of each written module pytest does not import itself."""
        out: list[tuple[str, str, list[str]]] = []
        homes = {t.path: t.module for t in self.plan.targets() if t.module}
        for rel in written:
            if rel in self._import_broken:
                continue
            if not rel.endswith(".py") or self._collects(rel) or posixpath.basename(rel) in ("conftest.py",
                                                                                         "__init__.py"):
                continue
            folders = sorted(pytest_sys_path(self.root, rel, self._pytest))
            if rel in homes:
                out.append((rel, homes[rel], folders))
                continue
            base = import_base(self.root, posixpath.dirname(rel))
            name = (rel[len(base) + 1:] if base else rel)[:-3].replace("/", ".")
            out.append((rel, name, sorted({*folders, base})))
        return out

    def _dry_run(self, batch: Batch, br: BatchResult, started: Iterator[_Done] | list[_Job]) -> None:
        t0 = time.perf_counter()
        writes = self._batch_writes(batch, br, started)
        br.files = [w[0] for w in writes]
        for rel, new, _exp in writes:
            self.result.diffs[rel] = self.result.diffs.get(rel, "") + unified_diff(rel, self.tree.read(rel), new)
            self.tree.overlay[rel] = new
        br.status = "dry_run"
        self.result.rewrite_seconds += time.perf_counter() - t0
        self.result.rewritten_files += len(writes)
        if self.on_progress:
            self.on_progress(batch, len(writes), len(writes))
        self._say(f"batch {batch.label}: would change {len(writes)} files")

    def run(self, journal_meta: dict[str, object] | None = None) -> RunResult:
        opts = self.options
        self._check_dirty()
        started = time.perf_counter()
        self._extract_targets()
        self.result.rewrite_seconds += time.perf_counter() - started
        validator = Validator(self.root, "none" if opts.dry_run else opts.validate, opts.timeout,
                              accept_broken=opts.accept_broken_baseline)
        with _terminate_as_exception():
            try:
                if not opts.dry_run and validator.mode in ("collect", "tests"):
                    baseline = sorted({f for b in self.plan.batches
                                       for f in self._test_files(b, [s.target.path for s in b.steps])})
                    self._say(f"baseline: pytest ({opts.validate}) on {len(baseline)} test modules")
                    validator.record_baseline(baseline)
                    assert validator.baseline is not None
                    self._say(f"baseline: {len(validator.baseline.collected)} tests collected, "
                              f"{validator.baseline.seconds:.1f}s")
                    self.result.unchecked = list(validator.unchecked)
                    helpers = self._import_checks(sorted({f for b in self.plan.batches for f in b.files}))
                    if helpers:  # a helper that does not import on its own now is not ours to judge
                        before = check_imports(self.root, helpers, opts.timeout)
                        self._import_broken = {line.split(": ", 1)[0] for line in before.failing}
                return self._run_batches(validator, journal_meta)
            except (KeyboardInterrupt, _Terminated) as exc:  # outside a batch: nothing in flight
                what = "interrupted (SIGINT)" if isinstance(exc, KeyboardInterrupt) else "terminated (SIGTERM)"
                done = [b for b in self.result.batches if b.standing()]
                kept = (f"{len(done)} batch(es) stay applied (`ssot rollback {self.result.run_id}` undoes them)"
                        if done else "nothing was written")
                raise MigrationStopped(f"{what} outside a batch: {kept}", INTERRUPTED) from None
            finally:
                self.result.pytest_seconds = validator.pytest_seconds
                validator.close()
                if self._pool is not None:
                    self._pool.shutdown(cancel_futures=True)

    def _run_batches(self, validator: Validator, journal_meta: dict[str, object] | None) -> RunResult:
        opts = self.options
        if sum(len(b.files) for b in self.plan.batches) >= PARALLEL_MIN_FILES:
            self._start_pool()  # before the journal opens its lock files: workers must not inherit them
        journal = None if opts.dry_run else Journal.begin(self.root, "migrate", meta=journal_meta or {})
        if journal is not None:
            self.result.run_id = journal.run_id
        try:
            batches = self.plan.batches
            ahead: dict[int, Iterator[_Done] | list[_Job]] = {}
            for k, batch in enumerate(batches):
                br = BatchResult(batch.number, batch.label, "ok")
                self.result.batches.append(br)
                if self.result.stopped:
                    br.status = "skipped"
                    continue
                if self.result.failed_families:
                    batch = self._without(batch, self.result.failed_families, batch.label)
                started = ahead.pop(k) if k in ahead and not self.result.failed_families else self._submit(batch)
                nxt = batches[k + 1] if k + 1 < len(batches) else None
                if nxt is not None and self._can_run_ahead(nxt) and not self.result.failed_families:
                    # the workers rewrite the next batch while this one is written and validated
                    ahead[k + 1] = self._submit(nxt)
                if opts.dry_run:
                    self._dry_run(batch, br, started)
                    continue
                assert journal is not None
                if not self._apply(batch, br, journal, validator, started):
                    self._retry(batch, br, journal, validator)
        except BaseException:
            if journal is not None and journal.status is None:
                journal.finish("failed")
            raise
        if journal is not None:
            journal.finish("complete" if self.result.ok else "failed")
        if opts.diff_dir is not None and self.result.diffs:
            for rel, text in self.result.diffs.items():
                out = opts.diff_dir / (rel + ".diff")
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text, encoding="utf-8")
        return self.result

    def _retry(self, batch: Batch, br: BatchResult, journal: Journal, validator: Validator) -> None:
        """A batch failed: take the families its failures point at out of it and run the rest again
        (again and again, as long as the failures point at some families only); when they point at
        every family left, try those one at a time."""
        failed: set[str] = set()
        current, failing = batch, br.failing
        for _attempt in range(MAX_RETRIES):
            families = {s.target.family_id for s in current.steps}
            culprits = self._culprits(current, failing)
            if culprits >= families:
                if len(families) > 1:  # nothing points at one of them: each on its own
                    everyone = {s.target.family_id for s in batch.steps}
                    for fam in sorted(families):
                        sr = self._attempt(batch, everyone - {fam}, br, journal, validator)
                        if sr is not None and sr.status != "ok":
                            failed.add(fam)
                else:
                    failed |= families
                break
            failed |= culprits
            sr = self._attempt(batch, failed, br, journal, validator)
            if sr is None:
                break
            if sr.status == "ok":
                break
            current, failing = self._without(batch, failed, sr.label), sr.failing
        self.result.failed_families |= failed
        br.excluded = sorted(failed)
        if not any(r.status == "ok" for r in br.retried):
            self.result.stopped = not self.options.keep_going and bool(failed)

    def _attempt(self, batch: Batch, left_out: set[str], br: BatchResult, journal: Journal,
                 validator: Validator) -> BatchResult | None:
        """Run ``batch`` again without the families ``left_out``; None when nothing is left of it."""
        sub = self._without(batch, left_out, f"{batch.label} without {', '.join(sorted(left_out))}")
        if not sub.steps:
            return None
        sr = BatchResult(batch.number, sub.label, "ok")
        br.retried.append(sr)
        self._apply(sub, sr, journal, validator, self._submit(sub))
        return sr



def execute(plan: Plan, options: ExecOptions, on_progress: Callable[[Batch, int, int], None] | None = None,
            meta: dict[str, object] | None = None, log: Callable[[str], None] | None = None) -> RunResult:
    return Executor(plan, options, on_progress, log).run(meta)
