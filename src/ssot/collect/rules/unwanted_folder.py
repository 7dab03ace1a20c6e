"""unwanted-folder: pytest collects a virtual environment, installed packages, node_modules or a backup."""

from __future__ import annotations

import os
from collections import Counter

from ssot.collect.context import RuleInput, is_venv, ms, n
from ssot.collect.rules.base import finding
from ssot.files import gitignore_spec
from ssot.model import Cost, Finding, Severity
from ssot.pytest_config import DEFAULT_NORECURSE


def unwanted_folders(inp: RuleInput) -> dict[str, str]:
    """Each collected folder that should not be, with what it is."""
    spec = gitignore_spec(inp.backup_globs)
    offenders: dict[str, str] = {}
    for f in inp.m.files:
        if os.path.isabs(f.path):
            continue
        parts = f.path.split("/")[:-1]
        for i, part in enumerate(parts):
            folder = "/".join(parts[: i + 1])
            reason = None
            if part == "node_modules":
                reason = "JavaScript packages (node_modules)"
            elif part in ("site-packages", "dist-packages"):
                reason = f"installed Python packages ({part})"
            elif is_venv(os.path.join(inp.ctx.root, folder)):
                reason = "a virtual environment"
            elif spec.match_file(folder + "/"):
                reason = "a backup folder"
            if reason:
                offenders.setdefault(folder, reason)
                break
    return offenders


class UnwantedFolder:
    id = "unwanted-folder"
    severity: Severity = "warning"

    def check(self, inp: RuleInput) -> list[Finding]:
        m = inp.m
        files = [f for f in m.files if not os.path.isabs(f.path)]
        ini_name = os.path.basename(m.inifile or "pytest.ini")
        warnings_by_path = Counter(w.path for w in m.warnings)
        out = []
        for folder, reason in sorted(unwanted_folders(inp).items()):
            inside = [f for f in files if f.path.startswith(folder + "/")]
            seconds = sum(f.seconds for f in inside)
            tests = sum(f.tests for f in inside)
            warns = sum(k for p, k in warnings_by_path.items() if p and p.startswith(folder + "/"))
            name = folder.rsplit("/", 1)[-1]
            current = list(m.ini.get("norecursedirs") or DEFAULT_NORECURSE)
            wanted = current + ([name] if name not in current else [])
            snippet = "norecursedirs = [" + ", ".join(f'"{d}"' for d in wanted) + "]"
            out.append(finding(
                self.id, self.severity, f"{folder}/ is collected: {reason}",
                detail=(
                    f"pytest imports {n(len(inside), 'file')} from it ({n(tests, 'test')}, "
                    f"{n(warns, 'warning')}, {ms(seconds)})"
                ),
                fix=(
                    f"set {snippet} in {ini_name} (the current list plus '{name}'), or set testpaths to the "
                    "folders that hold the real tests"
                ),
                paths=[folder + "/"],
                key=folder,
                cost=Cost(seconds=seconds, share_of_time=seconds / inp.ctx.wall, warnings=warns,
                          share_of_warnings=warns / len(m.warnings) if m.warnings else 0.0),
            ))
        return out
