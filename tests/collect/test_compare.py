"""``--compare``: a delta for every figure, and exit 1 when collection got slower or lost tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ssot.collect.compare import compare, figures
from ssot.collect.profile import Profile

from .conftest import run_ssot


def variant(
    data: dict[str, Any],
    tmp_path: Path,
    name: str,
    *,
    slower: float = 1.0,
    drop_file: bool = False,
    fewer_warnings: int = 0,
) -> Path:
    d = copy.deepcopy(data)
    m = d["measurement"]
    m["wall_seconds"] *= slower
    if drop_file:
        lost = max(m["files"], key=lambda f: f["tests"])
        m["tests"] -= lost["tests"]
        lost["tests"] = 0
    if fewer_warnings:
        m["warnings"] = m["warnings"][fewer_warnings:]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def test_every_figure_has_a_row(small_profile: dict[str, Any]) -> None:
    p = Profile.from_dict(small_profile["data"])
    cmp = compare(p, p, 1.10)
    keys = {r.key for r in cmp.rows}
    assert set(figures(p)) <= keys
    assert {
        "wall",
        "cpu",
        "rss",
        "tests",
        "warnings",
        "errors",
        "never_run",
        "time:startup",
        "time:items",
        "time:imports:app",
        "warnings:PytestCollectionWarning:helper-class:__init__",
    } <= keys
    assert any(k.startswith("import:app.backend") for k in keys) and any(k.startswith("file:") for k in keys)
    assert not cmp.regressed and cmp.wall_ratio == 1.0
    assert all(r.delta in (0, None) for r in cmp.rows)


def test_same_profile_exits_0(small_profile: dict[str, Any], tmp_path: Path) -> None:
    base = small_profile["path"]
    proc = run_ssot("collect", "--load", str(base), "--compare", str(base), cwd=small_profile["root"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Compared with the baseline" in proc.stdout and "no regression" in proc.stdout


def test_slower_than_the_threshold_exits_1(small_profile: dict[str, Any], tmp_path: Path) -> None:
    base = small_profile["path"]
    slow = variant(small_profile["data"], tmp_path, "slow", slower=1.25)
    proc = run_ssot("collect", "--load", str(slow), "--compare", str(base), cwd=small_profile["root"])
    assert proc.returncode == 1
    assert "regression: collection is 1.25x slower" in proc.stdout
    ok = run_ssot(
        "collect", "--load", str(slow), "--compare", str(base), "--slowdown", "1.3", cwd=small_profile["root"]
    )
    assert ok.returncode == 0, ok.stdout
    slightly = variant(small_profile["data"], tmp_path, "slightly", slower=1.05)
    assert (
        run_ssot("collect", "--load", str(slightly), "--compare", str(base), cwd=small_profile["root"]).returncode == 0
    )


def test_lost_tests_exit_1_and_name_the_file(small_profile: dict[str, Any], tmp_path: Path) -> None:
    base = small_profile["path"]
    lost = variant(small_profile["data"], tmp_path, "lost", drop_file=True, fewer_warnings=5)
    proc = run_ssot("collect", "--load", str(lost), "--compare", str(base), cwd=small_profile["root"])
    assert proc.returncode == 1
    before = Profile.load(base)
    after = Profile.load(lost)
    cmp = compare(before, after, 1.10)
    assert cmp.tests_lost > 0 and not cmp.slower
    (path, b, a) = cmp.files_losing_tests[0]
    assert a == 0 and b == cmp.tests_lost and path in proc.stdout
    row = {r.key: r for r in cmp.rows}
    assert row["warnings"].delta == -5 and row["tests"].delta == -cmp.tests_lost
