"""``ssot migrate`` with default settings on real projects from PyPI, each on a copy, checked as their
maintainers would check it (issue 8's acceptance):

* no library file changed (every file ``ssot.scope`` calls library code, byte for byte);
* every public name of the package still its own object (names that were one object before may stay so);
* the package imports from outside its root (a fresh interpreter, another working folder);
* the outcome of every test node id identical before and after (pytest ``--junitxml`` of the whole suite);
* a second ``ssot migrate`` changes nothing.

    python benchmarks/realcode_migrate.py [--project attrs flask httpx] [--work DIR]

Each project gets a virtualenv under ``--work`` with ssot (this checkout) and the project's test
requirements, installed by pip once and reused.  The project itself is not installed: its tests run
against the copy (``src/`` on ``PYTHONPATH`` for a src layout).  Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from ssot.migrate.importgraph import python_files  # noqa: E402
from ssot.scope import load_scope  # noqa: E402


@dataclass(frozen=True)
class Project:
    name: str
    package: str  # the import name of the library
    sdist: str  # pip requirement of the sdist, or "" when it comes from /work/realcode
    local: str  # folder under /work/realcode, or ""
    deps: tuple[str, ...]
    src_layout: bool


PROJECTS = {
    "attrs": Project("attrs", "attr", "", "attrs", ("pytest", "hypothesis"), True),
    "flask": Project("flask", "flask", "flask==3.0.3", "",
                     ("pytest<8", "asgiref", "python-dotenv", "werkzeug>=3.0.0", "jinja2>=3.1.2",
                      "itsdangerous>=2.1.2", "click>=8.1.3", "blinker>=1.6.2"), True),
    "httpx": Project("httpx", "httpx", "httpx==0.27.0", "",
                     ("pytest", "uvicorn", "trustme", "cryptography", "chardet", "trio", "anyio", "certifi",
                      "httpcore==1.*", "idna", "sniffio", "brotli", "click==8.*", "pygments==2.*", "rich>=10,<14",
                      "h2>=3,<5", "socksio==1.*"), False),
}

PUBLIC_NAMES = r"""
import importlib, json, sys
pkg = importlib.import_module(sys.argv[1])
names = getattr(pkg, "__all__", None) or [n for n in dir(pkg) if not n.startswith("_")]
out = {}
for n in names:
    try:  # a context-local proxy (flask.request) raises outside its context: not a name we compare
        obj = getattr(pkg, n, None)
        if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__name__")):
            out[n] = [id(obj), getattr(obj, "__name__", ""), getattr(obj, "__module__", "")]
    except Exception:
        continue
print(json.dumps({"file": pkg.__file__, "names": out}))
"""


@dataclass
class Outcome:
    project: str
    library_files: int = 0
    library_changed: list[str] = field(default_factory=list)
    public_names: int = 0
    merged_names: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    imports_outside: bool = False
    tests: int = 0
    changed_outcomes: list[str] = field(default_factory=list)
    files_changed: int = 0
    lines_removed: int = 0
    migrate_rc: int = 0
    migrate_seconds: float = 0.0
    second_rc: int = 0
    second_changed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not self.library_changed and not self.merged_names and not self.renamed and self.imports_outside
                and not self.changed_outcomes and self.migrate_rc in (0, 1) and self.second_rc == 0
                and not self.second_changed and self.tests > 0)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 1800) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def venv_for(p: Project, work: Path) -> Path:
    venv = work / f"venv-{p.name}"
    python = venv / "bin" / "python"
    marker = venv / ".ssot-bench-ready"
    if marker.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-e", str(REPO)], check=True)
    subprocess.run([*pip, *p.deps], check=True)
    marker.write_text("ok\n")
    return python


def source_for(p: Project, work: Path) -> Path:
    if p.local:
        for base in (Path("/work/realcode"), work / "rc"):
            if (base / p.local).is_dir():
                return base / p.local
        subprocess.run([sys.executable, "/work/shared/realcode/fetch.py", str(work / "rc"), "--only", p.local],
                       check=True)
        return work / "rc" / p.local
    sdists = work / "sdists"
    name, _, version = p.sdist.partition("==")
    unpacked = sdists / f"{name}-{version}"
    if not unpacked.is_dir():
        sdists.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", p.sdist,
                        "-d", str(sdists)], check=True, capture_output=True)
        with tarfile.open(sdists / f"{name}-{version}.tar.gz") as tf:
            tf.extractall(sdists, filter="data")
    return unpacked


def tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not {".git", ".ssot", ".ssot_cache", "__pycache__"} & set(rel.split("/")):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def junit_outcomes(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        node = f"{case.get('classname')}::{case.get('name')}"
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                kind = child.tag
                break
        if out.get(node) in ("failure", "error"):
            continue  # a teardown error after a pass keeps the worse outcome
        out[node] = kind
    return out


def suite(python: Path, root: Path, env: dict[str, str], xml: Path) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        run([str(python), "-m", "pytest", "-q", "-rA", "-o", f"cache_dir={cache}", f"--junitxml={xml}",
             "-p", "no:randomly"], root, env)
    return junit_outcomes(xml) if xml.exists() else {}


def public_names(python: Path, p: Project, root: Path, env: dict[str, str]) -> tuple[dict, str]:
    """The package's public names, imported in a fresh interpreter from another working folder."""
    with tempfile.TemporaryDirectory(prefix="bench-outside-") as outside:
        proc = run([str(python), "-c", PUBLIC_NAMES, p.package], Path(outside), env)
    if proc.returncode != 0:
        return {}, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
    data = json.loads(proc.stdout)
    if not str(data["file"]).startswith(str(root)):
        return {}, f"imported {data['file']}, not the copy"
    return data["names"], ""


def identity_changes(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """Public names that became one object with another name, and those whose __name__ changed."""
    def groups(names: dict) -> dict[str, frozenset[str]]:
        by_id: dict[int, set[str]] = {}
        for n, (ident, _name, _mod) in names.items():
            by_id.setdefault(ident, set()).add(n)
        return {n: frozenset(by_id[v[0]]) for n, v in names.items()}

    g0, g1 = groups(before), groups(after)
    merged = sorted(f"{n} is now also {', '.join(sorted(g1[n] - g0.get(n, frozenset())))}"
                    for n in g1 if g1[n] - g0.get(n, frozenset()))
    renamed = sorted(f"{n}.__name__ {before[n][1]!r} -> {after[n][1]!r}" for n in after
                     if n in before and before[n][1] != after[n][1])
    return merged, renamed


def check(p: Project, work: Path, python: Path | None = None) -> Outcome:
    """Migrate a copy of ``p`` under ``work`` and check it; ``python``: an interpreter that has ssot and the
    project's test requirements already (default: a virtualenv made for it under ``work``)."""
    out = Outcome(p.name)
    python = python or venv_for(p, work)
    root = work / f"{p.name}-copy"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(source_for(p, work), root, symlinks=True)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=bench", "-c", "user.email=b@b", "commit", "-qm", "sdist"]):
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env["PYTHONPATH"] = str(root / "src") if p.src_layout else str(root)
    scope = load_scope(root)
    library = [f for f in python_files(root) if not scope.is_test_code(f)]
    out.library_files = len(library)
    names_before, why = public_names(python, p, root, env)
    out.public_names = len(names_before)
    if why:
        out.notes.append(f"public names before: {why}")
    tests_before = suite(python, root, env, work / f"{p.name}-before.xml")
    hashes_before = tree_hashes(root)
    ssot = [str(python), "-m", "ssot.cli", "migrate", "--no-cache", "--format", "json"]
    started = time.perf_counter()
    proc = run(ssot, root, env)
    out.migrate_seconds = time.perf_counter() - started
    out.migrate_rc = proc.returncode
    try:
        summary = json.loads(proc.stdout)
        out.files_changed = len(summary["files_changed"])
        out.lines_removed = summary["lines_removed"]
        if summary.get("failed_families"):
            out.notes.append(f"families rolled back by validation: {', '.join(summary['failed_families'])}")
    except (ValueError, KeyError):
        out.notes.append(f"migrate: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    hashes_after = tree_hashes(root)
    out.library_changed = [f for f in library if hashes_before.get(f) != hashes_after.get(f)]
    names_after, why = public_names(python, p, root, env)
    out.imports_outside = not why and bool(names_after)
    if why:
        out.notes.append(f"public names after: {why}")
    out.merged_names, out.renamed = identity_changes(names_before, names_after)
    tests_after = suite(python, root, env, work / f"{p.name}-after.xml")
    out.tests = len(tests_before)
    out.changed_outcomes = sorted(f"{n}: {tests_before.get(n, 'absent')} -> {tests_after.get(n, 'absent')}"
                                  for n in set(tests_before) | set(tests_after)
                                  if tests_before.get(n) != tests_after.get(n))
    ready = tree_hashes(root)  # after the suite ran (its own files, e.g. .hypothesis/, included)
    second = run([str(python), "-m", "ssot.cli", "migrate", "--no-cache"], root, env)
    out.second_rc = second.returncode
    if "nothing to migrate" not in second.stdout:
        out.notes.append(f"second migrate: {(second.stdout + second.stderr).strip().splitlines()[-1:]}")
    hashes_second = tree_hashes(root)
    out.second_changed = sorted(f for f in set(ready) | set(hashes_second) if ready.get(f) != hashes_second.get(f))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", nargs="+", choices=sorted(PROJECTS), default=sorted(PROJECTS))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ssot-realcode-migrate")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    outcomes = [check(PROJECTS[name], args.work) for name in args.project]
    if args.json:
        print(json.dumps([o.__dict__ | {"ok": o.ok} for o in outcomes], indent=2))
    else:
        print(f"ssot migrate (default settings) on real projects; load average {load:.2f} at start")
        print(f"{'project':8} {'tests':>6} {'changed':>8} {'lines-':>6} {'library':>8} {'lib changed':>11} "
              f"{'public':>6} {'merged':>6} {'renamed':>7} {'imports':>7} {'outcomes':>8} {'2nd run':>7} "
              f"{'secs':>6}  verdict")
        for o in outcomes:
            print(f"{o.project:8} {o.tests:6} {o.files_changed:8} {o.lines_removed:6} {o.library_files:8} "
                  f"{len(o.library_changed):11} {o.public_names:6} {len(o.merged_names):6} {len(o.renamed):7} "
                  f"{'yes' if o.imports_outside else 'NO':>7} {len(o.changed_outcomes):8} "
                  f"{'clean' if not o.second_changed and o.second_rc == 0 else 'CHANGED':>7} "
                  f"{o.migrate_seconds:6.1f}  {'ok' if o.ok else 'FAILED'}")
            for line in [*o.library_changed, *o.merged_names, *o.renamed, *o.changed_outcomes[:20],
                         *o.second_changed, *o.notes]:
                print(f"    {line}")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
