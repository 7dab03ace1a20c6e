"""Score a scan of the real projects against the labelled cases in ``labels/*.toml``.

    python tests/realcode/score.py                       # every project, fetched into ~/.cache/ssot-realcode
    python tests/realcode/score.py --only sympy attrs    # some of them
    python tests/realcode/score.py --dest DIR --cache DIR

Prints the recall per category (cases found / cases, and members found / members) and every
must-not violation with its reason; exits 1 when recall is under 0.9 or any must-not is violated.

A case (one ``[[case]]`` table) says what a maintainer decided by reading the code:

* ``level = "family"``: ``kind = "must"``: one reported family holds every member
  (``path::qualname``), a family of category ``test`` when the case's category is ``test``
  (duplicated tests are their own finding); ``"must-not"``: no family holds two of them.
* ``level = "equivalence"``: ``"same-class"``: one equivalence class holds every member;
  ``"must-not"``: no equivalence class holds two of them.
* ``level = "block"``, ``"must"``: one :class:`~ssot.model.Block` has a copy covering each
  member range (``path:start-end``).
* ``level = "commented"``, ``"must"``: a commented-out copy is reported at ``path:line``.
* ``level = "not-code"``, ``"must-not"``: no commented-out copy overlaps ``path:start-end``.

``scope = "tests"`` (the default) is matched against the default scan, ``"all"`` against a scan
of every Python file (``paths=["."]``).  ``[[setup]]`` tables restore what the sdist lost
(``symlink = path``, ``target = what it points to``) before the scan.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from ssot.model import ScanResult

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels"
FETCH = HERE.parents[2] / "shared" / "realcode" / "fetch.py"  # ../shared beside the worktree
DEFAULT_CACHE = Path.home() / ".cache" / "ssot-realcode"
RECALL_TARGET = 0.9

LEVELS = {"family": {"must", "must-not"}, "equivalence": {"same-class", "must-not"}, "block": {"must"},
          "commented": {"must"}, "not-code": {"must-not"}}
SCOPES = {"tests", "all"}
CASE_KEYS = {"id", "category", "level", "kind", "members", "reason", "scope"}


class LabelError(ValueError):
    """A labels file that does not say what the scorer needs; the message names the file and case."""


@dataclass(frozen=True)
class Case:
    id: str
    project: str
    release: str
    category: str
    level: str
    kind: str
    members: tuple[str, ...]
    reason: str
    scope: str = "tests"

    @property
    def positive(self) -> bool:
        """Counts toward recall (as opposed to a must-not, which counts violations)."""
        return self.kind in ("must", "same-class")


@dataclass(frozen=True)
class Setup:
    project: str
    symlink: str
    target: str
    reason: str


@dataclass
class Labels:
    cases: list[Case] = field(default_factory=list)
    setups: list[Setup] = field(default_factory=list)

    def projects(self) -> list[str]:
        return sorted({c.project for c in self.cases})


def load_labels(folder: Path = LABELS, only: list[str] | None = None) -> Labels:
    out = Labels()
    seen: set[str] = set()
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        project, release = data.get("project"), data.get("release")
        if not isinstance(project, str) or not isinstance(release, str):
            raise LabelError(f"{path}: needs top-level 'project' and 'release' strings")
        if only and project not in only:
            continue
        for raw in data.get("setup", []):
            out.setups.append(Setup(project, raw["symlink"], raw["target"], raw.get("reason", "")))
        for raw in data.get("case", []):
            out.cases.append(_case(path, project, release, raw))
            if raw["id"] in seen:
                raise LabelError(f"{path}: case id {raw['id']!r} is used twice")
            seen.add(raw["id"])
    return out


def _case(path: Path, project: str, release: str, raw: dict) -> Case:
    where = f"{path}: case {raw.get('id', '?')!r}"
    unknown = set(raw) - CASE_KEYS
    missing = CASE_KEYS - {"scope"} - set(raw)
    if unknown or missing:
        raise LabelError(f"{where}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    level, kind, scope = raw["level"], raw["kind"], raw.get("scope", "tests")
    if level not in LEVELS or kind not in LEVELS[level]:
        raise LabelError(f"{where}: level {level!r} with kind {kind!r}; allowed: {LEVELS}")
    if scope not in SCOPES:
        raise LabelError(f"{where}: scope {scope!r}; allowed: {sorted(SCOPES)}")
    members = tuple(raw["members"])
    if not members or (kind == "must-not" and level in ("family", "equivalence") and len(members) < 2):
        raise LabelError(f"{where}: needs members (two or more for a must-not pair)")
    for m in members:
        parse_member(level, m, where)
    return Case(raw["id"], project, release, raw["category"], level, kind, members, raw["reason"], scope)


def parse_member(level: str, member: str, where: str = "") -> tuple[str, str | int, int]:
    """``(path, qualname, 0)`` for definitions, ``(path, start, end)`` for ranges and lines."""
    if level in ("family", "equivalence"):
        path, sep, qualname = member.partition("::")
        if not sep or not qualname:
            raise LabelError(f"{where}: member {member!r} is not 'path::qualname'")
        return path, qualname, 0
    path, sep, span = member.rpartition(":")
    try:
        start, _, end = span.partition("-")
        lo, hi = int(start), int(end or start)
    except ValueError:
        lo = hi = -1
    if not sep or lo < 1 or hi < lo:
        raise LabelError(f"{where}: member {member!r} is not 'path:line' or 'path:start-end'")
    return path, lo, hi


# ---------------------------------------------------------------- checking the labels themselves

def qualnames(source: str) -> dict[str, tuple[int, int]]:
    """``qualname -> (line of the def/class keyword, end line)`` of every definition in ``source``."""
    out: dict[str, tuple[int, int]] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                q = prefix + node.name
                out.setdefault(q, (node.lineno, node.end_lineno or node.lineno))
                walk(node.body, q + ("." if isinstance(node, ast.ClassDef) else ".<locals>."))
            else:
                for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
                    inner = getattr(node, attr, None)
                    if isinstance(inner, list):
                        walk([n for n in inner if isinstance(n, ast.AST)], prefix)  # type: ignore[misc]

    walk(ast.parse(source).body, "")
    return out


def stale_members(labels: Labels, roots: dict[str, Path]) -> list[str]:
    """Members that name no definition, file or line of the fetched project (a typo, or another release)."""
    problems: list[str] = []
    parsed: dict[Path, dict[str, tuple[int, int]]] = {}
    for case in labels.cases:
        root = roots.get(case.project)
        if root is None:
            continue
        for m in case.members:
            path, a, b = parse_member(case.level, m)
            file = root / path
            if not file.is_file():
                problems.append(f"{case.id}: {path} does not exist")
                continue
            if isinstance(a, str):
                if file not in parsed:
                    parsed[file] = qualnames(file.read_text(encoding="utf-8"))
                if a not in parsed[file]:
                    problems.append(f"{case.id}: {path} defines no {a}")
            else:
                lines = file.read_text(encoding="utf-8").count("\n") + 1
                if b > lines:
                    problems.append(f"{case.id}: {path} has {lines} lines, not {b}")
    return problems


# ---------------------------------------------------------------- fetching and scanning

def fetch(project: str, dest: Path, cache: Path) -> Path:
    """The project's sdist unpacked at ``dest/project`` (pip downloads it once into ``cache``)."""
    if not FETCH.is_file():
        raise RuntimeError(f"{FETCH} is missing: the labelled set needs ../shared/realcode beside the repository")
    proc = subprocess.run([sys.executable, str(FETCH), str(dest), "--only", project, "--cache", str(cache)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"fetching {project} failed (offline?): {tail[0]}")
    return dest / project


def apply_setups(labels: Labels, roots: dict[str, Path]) -> None:
    """Restore links the sdist materialised as copies (idempotent)."""
    for s in labels.setups:
        root = roots.get(s.project)
        if root is None:
            continue
        link = root / s.symlink
        if link.is_symlink() and os.readlink(link) == s.target:
            continue
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(s.target)


def scan_project(root: Path, scope: str, cache_dir: Path) -> ScanResult:
    """The default scan (``scope="tests"``) or a scan of every Python file (``"all"``)."""
    import ssot
    from ssot import config as config_mod
    from ssot.scanner.engine import scan

    # one cache per checkout of ssot: two branches scanning at once never share (or thrash) a cache
    checkout = hashlib.blake2b(str(Path(ssot.__file__).resolve().parent).encode(), digest_size=4).hexdigest()
    config = config_mod.load(root).with_overrides(cache_dir=str(cache_dir / checkout / f"{root.name}-{scope}"))
    return scan(paths=["."] if scope == "all" else None, root=root, config=config)


# ---------------------------------------------------------------- scoring

@dataclass
class Outcome:
    case: Case
    found: bool  # a positive case met, or a must-not case not violated
    members_found: int = 0  # positive cases: members in the best family/class/block
    detail: str = ""


@dataclass
class Score:
    outcomes: list[Outcome]

    def recall(self, category: str | None = None) -> tuple[float, float, int]:
        """(case recall, member recall, cases) over the positive cases of ``category`` (all if None)."""
        pos = [o for o in self.outcomes if o.case.positive and (category is None or o.case.category == category)]
        if not pos:
            return 1.0, 1.0, 0
        members = sum(len(o.case.members) for o in pos)
        return (sum(o.found for o in pos) / len(pos), sum(o.members_found for o in pos) / members, len(pos))

    @property
    def violations(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.positive and not o.found]

    @property
    def ok(self) -> bool:
        return self.recall()[0] >= RECALL_TARGET and not self.violations


def score(cases: list[Case], results: dict[tuple[str, str], ScanResult]) -> Score:
    """Match every case against the scan of its project and scope."""
    indexes: dict[tuple[str, str], _Index] = {}
    outcomes = []
    for case in cases:
        key = (case.project, case.scope)
        if key not in indexes:
            indexes[key] = _Index(results[key])
        outcomes.append(indexes[key].check(case))
    return Score(outcomes)


class _Index:
    def __init__(self, result: ScanResult) -> None:
        self.family_of: dict[tuple[str, str], str] = {}
        self.class_of: dict[tuple[str, str], str] = {}
        self.category = {fam.id: fam.category for fam in result.families}
        for fam in result.families:
            for cls in fam.classes:
                for d in cls.members:
                    self.family_of[(d.path, d.qualname)] = fam.id
                    self.class_of[(d.path, d.qualname)] = cls.id
        self.blocks = result.blocks
        self.commented: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for c in result.commented_out:
            self.commented[c.path].append((c.line, c.end_line))

    def check(self, case: Case) -> Outcome:
        parsed = [parse_member(case.level, m) for m in case.members]
        if case.level in ("family", "equivalence"):
            where = self.family_of if case.level == "family" else self.class_of
            groups = [where.get((p, q)) for p, q, _ in parsed]  # type: ignore[misc]
            counts: dict[str, int] = defaultdict(int)
            for g in groups:
                if g is not None:
                    counts[g] += 1
            best = max(counts.values(), default=0)
            if case.positive:
                found = best == len(parsed)
                text = _groups_text(case, groups)
                if found and case.level == "family" and case.category == "test":
                    # duplicated tests are their own finding, apart from helpers
                    family = max(counts, key=counts.__getitem__)
                    found = self.category[family] == "test"
                    text += "" if found else f" (family category {self.category[family]!r}, not 'test')"
                return Outcome(case, found, best, text)
            return Outcome(case, best < 2, 0, _groups_text(case, groups))
        if case.level == "block":
            best = 0
            for block in self.blocks:
                covered = sum(any(c.path == p and c.start_line <= lo and c.end_line >= hi for c in block.copies)
                              for p, lo, hi in parsed)  # type: ignore[misc]
                best = max(best, covered)
            return Outcome(case, best == len(parsed), best, f"{best}/{len(parsed)} ranges in one block")
        if case.level == "commented":
            hits = sum(any(line == lo for line, _ in self.commented.get(p, ())) for p, lo, _ in parsed)
            return Outcome(case, hits == len(parsed), hits, f"{hits}/{len(parsed)} reported")
        # not-code: no commented-out copy may overlap the range
        bad = [f"{p}:{line}-{end}" for p, lo, hi in parsed for line, end in self.commented.get(p, ())
               if line <= hi and end >= lo]  # type: ignore[operator]
        return Outcome(case, not bad, 0, "reported as commented-out code: " + ", ".join(bad) if bad else "")


def _groups_text(case: Case, groups: list[str | None]) -> str:
    return "; ".join(f"{m} -> {g or '-'}" for m, g in zip(case.members, groups, strict=True))


def report(result: Score) -> str:
    lines = []
    categories = sorted({o.case.category for o in result.outcomes if o.case.positive})
    lines.append(f"{'category':14s} {'cases':>6s} {'recall':>7s} {'members':>8s}")
    for cat in categories:
        r, m, n = result.recall(cat)
        lines.append(f"{cat:14s} {n:6d} {r:7.2f} {m:8.2f}")
    r, m, n = result.recall()
    lines.append(f"{'all':14s} {n:6d} {r:7.2f} {m:8.2f}")
    neg = [o for o in result.outcomes if not o.case.positive]
    lines.append(f"must-not cases: {len(neg)}, violated: {len(result.violations)}")
    for o in result.violations:
        lines.append(f"  VIOLATED {o.case.id} ({o.case.category}): {o.detail}")
        lines.append(f"           why not: {o.case.reason}")
    missed = [o for o in result.outcomes if o.case.positive and not o.found]
    if missed:
        lines.append(f"missed ({len(missed)}):")
        for o in missed:
            lines.append(f"  {o.case.id} ({o.case.category}): {o.detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", help="score only these projects")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="pip download cache (fetch.py --cache)")
    ap.add_argument("--dest", type=Path, default=None, help="where the projects are unpacked (default CACHE/trees)")
    args = ap.parse_args(argv)
    labels = load_labels(only=args.only)
    dest = args.dest or args.cache / "trees"
    roots = {p: fetch(p, dest, args.cache) for p in labels.projects()}
    stale = stale_members(labels, roots)
    if stale:
        print("labels that name no code of the fetched release:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 2
    apply_setups(labels, roots)
    results = {}
    for project, scope in sorted({(c.project, c.scope) for c in labels.cases}):
        results[(project, scope)] = scan_project(roots[project], scope, args.cache / "scan-cache")
    result = score(labels.cases, results)
    print(report(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
