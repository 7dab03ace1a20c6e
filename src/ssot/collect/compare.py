"""Before/after: the delta of every figure of two profiles, and whether collection regressed.

A regression is collection slower than ``collect_slowdown`` (wall time ratio)
or fewer tests collected; ``ssot collect --compare`` exits FOUND (1) on one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ssot.collect.profile import Profile

# key -> (label, unit); unit s = seconds, b = bytes, n = count
Figure = tuple[str, str, float | None]


def figures(p: Profile) -> dict[str, Figure]:
    m, a = p.measurement, p.analysis
    out: dict[str, Figure] = {
        "wall": ("wall time", "s", m.wall_seconds),
        "cpu": ("CPU time", "s", m.cpu_seconds),
        "rss": ("peak RSS", "b", float(m.peak_rss_bytes) if m.peak_rss_bytes is not None else None),
        "tests": ("tests collected", "n", float(m.tests)),
        "deselected": ("tests deselected", "n", float(m.deselected)),
        "files": ("files collected", "n", float(len(m.files))),
        "errors": ("collection errors", "n", float(len(m.errors))),
        "warnings": ("warnings", "n", float(len(m.warnings))),
        "skipped": ("skipped modules", "n", float(len(m.skipped))),
        "imports": ("modules imported", "n", float(len(m.imports))),
    }
    if a is not None:
        out["never_run"] = ("tests that never run", "n", float(len(a.never_run)))
        out["empty_modules"] = ("test modules collecting nothing", "n", float(len(a.empty_modules)))
        for e in a.breakdown:
            out[f"time:{e.key}"] = (f"time: {e.label.split(':')[0]}", "s", e.seconds)
        for c in a.warning_causes:
            label = c.template if len(c.template) < 60 else c.template[:57] + "..."
            out[f"warnings:{c.id}"] = (f"warnings: {c.kind} ({label})", "n", float(c.count))
    return out


def _top_changes(before: dict[str, float], after: dict[str, float], n: int) -> list[str]:
    """The ``n`` keys that moved most; among equal moves, the biggest figures first."""
    keys = set(before) | set(after)

    def order(k: str) -> tuple[float, float, str]:
        b, a = before.get(k, 0.0), after.get(k, 0.0)
        return (-abs(a - b), -max(a, b), k)

    return sorted(keys, key=order)[:n]


@dataclass
class Delta:
    key: str
    label: str
    unit: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def ratio(self) -> float | None:
        if self.before in (None, 0) or self.after is None:
            return None
        return self.after / self.before

    def fmt(self, v: float | None) -> str:
        if v is None:
            return "-"
        if self.unit == "s":
            return f"{v * 1000:.0f} ms" if abs(v) < 1 else f"{v:.2f} s"
        if self.unit == "b":
            return f"{v / 1_048_576:.1f} MB"
        return f"{v:.0f}"

    def fmt_delta(self) -> str:
        d = self.delta
        if d is None:
            return "new" if self.before is None else "gone"
        if d == 0:
            return "="
        text = self.fmt(abs(d))
        return ("+" if d > 0 else "-") + text

    def fmt_ratio(self) -> str:
        r = self.ratio
        return "" if r is None else f"{r:.2f}x"

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "before": self.before,
            "after": self.after,
            "delta": self.delta,
            "ratio": self.ratio,
        }


@dataclass
class Comparison:
    rows: list[Delta]
    threshold: float
    wall_ratio: float | None
    tests_lost: int
    files_losing_tests: list[tuple[str, int, int]] = field(default_factory=list)  # path, before, after
    reasons: list[str] = field(default_factory=list)

    @property
    def slower(self) -> bool:
        return self.wall_ratio is not None and self.wall_ratio > self.threshold

    @property
    def regressed(self) -> bool:
        return self.slower or self.tests_lost > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "wall_ratio": self.wall_ratio,
            "slower": self.slower,
            "tests_lost": self.tests_lost,
            "regressed": self.regressed,
            "reasons": self.reasons,
            "files_losing_tests": [{"path": p, "before": b, "after": a} for p, b, a in self.files_losing_tests],
            "rows": [r.to_dict() for r in self.rows],
        }


def compare(before: Profile, after: Profile, threshold: float, *, top: int = 10) -> Comparison:
    fb, fa = figures(before), figures(after)
    rows = []
    for key in list(fb) + [k for k in fa if k not in fb]:
        label, unit, _ = fa.get(key) or fb[key]
        rows.append(Delta(key, label, unit, fb[key][2] if key in fb else None, fa[key][2] if key in fa else None))
    # the largest moves among imports and files (every one of them would drown the table)
    ib = {c.module: c.seconds for c in (before.analysis.imports if before.analysis else [])}
    ia = {c.module: c.seconds for c in (after.analysis.imports if after.analysis else [])}
    for mod in _top_changes(ib, ia, top):
        rows.append(Delta(f"import:{mod}", f"import {mod}", "s", ib.get(mod), ia.get(mod)))
    files_b = {f.path: f for f in before.measurement.files}
    files_a = {f.path: f for f in after.measurement.files}
    for path in _top_changes(
        {k: f.seconds for k, f in files_b.items()}, {k: f.seconds for k, f in files_a.items()}, top
    ):
        rows.append(
            Delta(
                f"file:{path}",
                f"file {path}",
                "s",
                files_b[path].seconds if path in files_b else None,
                files_a[path].seconds if path in files_a else None,
            )
        )
    wb, wa = before.measurement.wall_seconds, after.measurement.wall_seconds
    ratio = wa / wb if wb > 0 else None
    lost = max(0, before.measurement.tests - after.measurement.tests)
    losing = sorted(
        (p, f.tests, files_a[p].tests if p in files_a else 0)
        for p, f in files_b.items()
        if (files_a[p].tests if p in files_a else 0) < f.tests
    )
    cmp = Comparison(rows=rows, threshold=threshold, wall_ratio=ratio, tests_lost=lost, files_losing_tests=losing)
    if cmp.slower:
        cmp.reasons.append(f"collection is {ratio:.2f}x slower ({wb:.2f} s -> {wa:.2f} s; threshold {threshold:.2f}x)")
    if lost:
        where = ", ".join(f"{p} ({b} -> {a})" for p, b, a in losing[:5])
        cmp.reasons.append(
            f"{lost} fewer tests collected ({before.measurement.tests} -> {after.measurement.tests})"
            + (f": {where}" if where else "")
        )
    return cmp
