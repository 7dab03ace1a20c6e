"""Configuration findings: no testpaths, folders that should not be collected, python_files too broad."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Suite, run_ssot


def test_configuration_findings(writable_suite: Suite, tmp_path: Path) -> None:
    root, _ = writable_suite
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n'
        'python_files = ["test_*.py", "*_helpers.py"]\nnorecursedirs = [".*", "build"]\n',
        encoding="utf-8",
    )
    (root / "node_modules" / "tool").mkdir(parents=True)
    (root / "node_modules" / "tool" / "test_vendored.py").write_text("def test_v():\n    pass\n", encoding="utf-8")
    out = tmp_path / "p.json"
    proc = run_ssot("collect", "--json", str(out), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    m, diagnoses = data["measurement"], data["analysis"]["diagnoses"]
    by_rule: dict[str, list[dict]] = {}
    for d in diagnoses:
        by_rule.setdefault(d["rule"], []).append(d)

    (no_tp,) = by_rule["no-testpaths"]
    assert 'testpaths = ["tests"]' in no_tp["fix"]

    folders = {d["paths"][0]: d for d in by_rule["unwanted-folder"]}
    assert set(folders) == {"backups/", "node_modules/"}
    backup_files = [f for f in m["files"] if f["path"].startswith("backups/")]
    assert backup_files and folders["backups/"]["title"].endswith("a backup folder")
    assert f"pytest imports {len(backup_files)} files" in folders["backups/"]["detail"]
    assert folders["backups/"]["warnings"] == sum(1 for w in m["warnings"] if w["path"].startswith("backups/")) > 0
    assert "norecursedirs" in folders["node_modules/"]["fix"]

    (broad,) = by_rule["broad-python-files"]
    assert broad["title"] == "python_files pattern '*_helpers.py' selects 1 module without tests"
    assert broad["paths"] == ["tests/e2e/helpers/ws_helpers.py"]
    assert "'test_*.py'" in broad["fix"]
