"""The application layer (``ssot.app``) as the Python API: each use case called directly, no command line.

And the layering itself: ``ssot.app`` never imports ``ssot.commands`` (commands parse flags, call a use
case and render what it returns; a use case knows nothing of flags).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ssot import config
from ssot.app.baseline import baseline_text
from ssot.app.check import CheckRequest, accept_all, check
from ssot.app.fix import FixRequest, fix
from ssot.app.history import history_view, write_history_dashboard
from ssot.app.migrate import MigrateRequest, migrate, record_migration, run_plan
from ssot.app.plan import make_plan
from ssot.app.rollback import RollbackRequest, exit_code, roll_back
from ssot.app.runs import dismiss_run, show_runs
from ssot.app.validate import ValidateRequest, validate
from ssot.errors import SsotError
from ssot.exitcodes import FOUND, OK, PARTIAL
from ssot.migrate.plan import PlanOptions
from testkit import OTHER, SRC, module_text, run_cli, small_project, write_tree


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two families: a ``Test*`` helper class with ``__init__`` (pytest warns) in three files, a function in two."""
    return small_project(tmp_path / "proj")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not {".ssot", ".ssot_cache", "__pycache__"} & set(p.relative_to(root).parts)}


def imported_modules(path: Path, src: Path = SRC) -> set[str]:
    """Every module ``path`` (under ``src``) imports, at its top or in a function, relative imports resolved."""
    package = ".".join(path.relative_to(src).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module or ""]))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_app_layer_never_imports_the_commands() -> None:
    modules = sorted((SRC / "ssot" / "app").glob("*.py"))
    assert len(modules) >= 12  # scan, plan, collect, migrate, fix, rollback, runs, guard, ...
    wrong = {m.name: sorted(i for i in imported_modules(m) if i == "ssot.commands" or i.startswith("ssot.commands."))
             for m in modules}
    assert not {name: found for name, found in wrong.items() if found}


BELOW_THE_COMMANDS = ("app", "collect", "history", "migrate", "report", "rewrite", "scanner")


def test_nothing_below_the_commands_imports_them_or_the_cli() -> None:
    # layers: cli -> commands -> app -> everything else; a report writing its file through a command's
    # helper was the one edge upwards (write_output now lives in ssot.report.output)
    modules = [m for package in BELOW_THE_COMMANDS for m in sorted((SRC / "ssot" / package).rglob("*.py"))]
    modules += [m for m in sorted((SRC / "ssot").glob("*.py")) if m.name not in {"cli.py", "__main__.py"}]
    assert len(modules) > 100
    upward = ("ssot.commands", "ssot.cli")
    wrong = {str(m.relative_to(SRC)): sorted(i for i in imported_modules(m)
                                              if any(i == u or i.startswith(u + ".") for u in upward))
             for m in modules}
    assert not {name: found for name, found in wrong.items() if found}


def test_the_import_scan_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    # the check above would pass vacuously if the scan missed these spellings
    module = SRC / "ssot" / "app" / "scan.py"
    assert "ssot.scanner.engine.scan" in imported_modules(module)
    fix_module = SRC / "ssot" / "app" / "fix.py"
    assert "ssot.rewrite.collection_warnings.fix_collection_warnings" in imported_modules(fix_module)
    relative = write_tree(tmp_path, {"ssot/app/probe.py": "def f():\n    from ..commands import common\n"})
    assert "ssot.commands.common" in imported_modules(relative / "ssot/app/probe.py", tmp_path)


def test_migrate_dry_run_computes_every_diff_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    migration = migrate(config.load(project), PlanOptions(), MigrateRequest(dry_run=True))
    assert snapshot(project) == before
    assert migration.exit_code == OK and not migration.nothing
    assert [b.status for b in migration.result.batches] == ["dry_run"]
    assert {"tests/test_a.py", "tests/test_b.py", "tests/test_c.py"} <= set(migration.result.diffs)
    assert any(rel.startswith("tests/ssot_canonical/") for rel in migration.result.diffs)
    assert "-def make_message(kind, payload=None):" in migration.result.diffs["tests/test_b.py"]
    assert "-class TestWebSocketConnection:" in migration.result.diffs["tests/test_c.py"]


def test_run_plan_carries_out_the_plan_it_is_given(project: Path) -> None:
    cfg = config.load(project)
    planned = make_plan(cfg, PlanOptions())
    migration = run_plan(cfg, planned.plan, MigrateRequest(validate="syntax"))
    assert migration.plan is planned.plan
    assert migration.exit_code == OK and migration.result.run_id
    assert set(migration.result.files_changed) >= {"tests/test_a.py", "tests/test_b.py", "tests/test_c.py"}
    for rel in ("tests/test_a.py", "tests/test_b.py", "tests/test_c.py"):
        text = (project / rel).read_text(encoding="utf-8")
        assert "class TestWebSocketConnection" not in text and "TestWebSocketConnection" in text  # imported


def test_a_plan_with_nothing_to_migrate_says_why(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "lonely", {"pyproject.toml": "[tool.ssot]\n",
                                            "tests/test_a.py": module_text(1, OTHER)})
    migration = migrate(config.load(root), PlanOptions(), MigrateRequest())
    assert migration.nothing == "no families" and migration.exit_code == OK and not migration.result.batches


def test_a_migrate_request_that_cannot_run_names_the_flag(project: Path) -> None:
    with pytest.raises(SsotError, match="--diff-dir needs --dry-run"):
        migrate(config.load(project), PlanOptions(), MigrateRequest(diff_dir=project / "diffs"))


def test_runs_and_rollback_after_a_migration(project: Path) -> None:
    before = snapshot(project)
    run_id = migrate(config.load(project), PlanOptions(), MigrateRequest(validate="syntax")).result.run_id
    assert run_id and snapshot(project) != before

    view = show_runs(project)
    assert [(r.id, r.command, r.state) for r in view.runs] == [(run_id, "migrate", "complete")]
    assert not view.detail and show_runs(project, run_id[:12]).detail
    with pytest.raises(SsotError, match="no-such-run"):
        show_runs(project, "no-such-run")

    would = roll_back(project, RollbackRequest(dry_run=True))
    assert would.result is not None and would.result.dry_run and snapshot(project) != before
    done = roll_back(project, RollbackRequest())
    assert done.refused is None and exit_code(done) == OK
    assert snapshot(project) == before  # byte for byte, the canonical module gone
    again = roll_back(project, RollbackRequest())
    assert again.result is not None and again.result.scope == "none"


def test_a_rollback_refused_is_an_outcome_with_nothing_restored(project: Path) -> None:
    migrate(config.load(project), PlanOptions(), MigrateRequest(validate="syntax"))
    edited = project / "tests" / "test_b.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    after = snapshot(project)
    outcome = roll_back(project, RollbackRequest())
    assert outcome.refused is not None and exit_code(outcome) == 1
    assert "tests/test_b.py" in str(outcome.refused) and "--force" in str(outcome.refused)
    assert snapshot(project) == after


def test_dismiss_keeps_the_changes_and_rollback_skips_the_run(project: Path) -> None:
    run_id = migrate(config.load(project), PlanOptions(), MigrateRequest(validate="syntax")).result.run_id
    assert run_id
    migrated = snapshot(project)
    assert dismiss_run(project, run_id).id == run_id
    assert show_runs(project).runs[0].state == "dismissed"
    outcome = roll_back(project, RollbackRequest())
    assert outcome.result is not None and outcome.result.scope == "none"
    assert snapshot(project) == migrated


def test_fix_dry_run_then_apply_then_roll_back(project: Path) -> None:
    cfg = config.load(project)
    before = snapshot(project)
    dry = fix(cfg, FixRequest())
    assert dry.pending and not dry.result.written and snapshot(project) == before
    assert dry.exit_code() == FOUND and dry.exit_code(exit_zero=True) == OK
    assert [f.path for f in dry.result.changed] == ["tests/test_a.py", "tests/test_b.py", "tests/test_c.py"]

    applied = fix(cfg, FixRequest(apply=True, jobs=1))
    assert not applied.pending and applied.exit_code() == OK and applied.result.run_id
    assert "__test__ = False" in (project / "tests" / "test_c.py").read_text(encoding="utf-8")
    assert [(r.command, r.state) for r in show_runs(project).runs] == [("fix", "complete")]
    assert not fix(cfg, FixRequest()).result.changed  # nothing left to do

    roll_back(project, RollbackRequest(run=applied.result.run_id))
    assert snapshot(project) == before


def test_fix_paths_limit_it_and_unparsable_files_are_partial(project: Path) -> None:
    cfg = config.load(project)
    assert [f.path for f in fix(cfg, FixRequest(paths=["tests/test_b.py"])).result.changed] == ["tests/test_b.py"]
    (project / "tests" / "test_broken.py").write_text("class TestBroken:\n    def __init__(self:\n", encoding="utf-8")
    fixed = fix(cfg, FixRequest())
    assert [path for path, _why in fixed.result.skipped] == ["tests/test_broken.py"]
    assert len(fixed.result.changed) == 3
    assert fixed.exit_code() == PARTIAL


def test_fix_refuses_negative_jobs_and_unknown_fixes(project: Path) -> None:
    cfg = config.load(project)
    with pytest.raises(SsotError, match="--jobs -1: must be 0"):
        fix(cfg, FixRequest(jobs=-1))
    with pytest.raises(SsotError, match="the fixes are collection-warnings"):
        fix(cfg, FixRequest(what="unused-imports"))  # type: ignore[arg-type]


def test_migrate_scans_once_per_command(project: Path) -> None:
    # the plan `ssot migrate` shows is the plan it runs: one scan (the log says each), served by the cache
    run = run_cli("migrate", "--dry-run", "--no-progress", cwd=project)
    assert run.code == OK, run.stderr
    assert run.stderr.count(f"ssot migrate: scan: {project}\n") == 1, run.stderr
    assert run.stderr.count("; planning\n") == 1, run.stderr


def test_validate_measures_the_consolidation_and_a_copy_pasted_back(project: Path) -> None:
    cfg = config.load(project)
    before = validate(cfg, ValidateRequest(use_cache=False)).validation
    assert before.score.score is None and not any(f.consolidated for f in before.families)  # nothing consolidated
    migrate(cfg, PlanOptions(), MigrateRequest(validate="syntax"))
    after = validate(cfg, ValidateRequest()).validation
    assert after.score.score == 1.0 and not after.imports and not after.failed
    assert {f.name for f in after.families if f.consolidated} == {"TestWebSocketConnection", "make_message"}
    with (project / "tests" / "test_c.py").open("a", encoding="utf-8") as fh:
        fh.write(OTHER)  # a copy of a consolidated helper, pasted back
    pasted = validate(cfg, ValidateRequest()).validation
    assert pasted.score.score is not None and pasted.score.score < 1.0
    assert [(c.path, f.name) for f in pasted.families for c in f.copies] == [("tests/test_c.py", "make_message")]


def test_validate_keeps_only_the_import_rules_asked_for(project: Path) -> None:
    cfg = config.load(project)
    migrate(cfg, PlanOptions(), MigrateRequest(validate="syntax"))
    (project / "tests" / "test_d.py").write_text("from tests.test_a import make_message\n" + module_text(4),
                                                 encoding="utf-8")
    found = validate(cfg, ValidateRequest()).validation.imports
    assert [(f.rule, f.locations[0].path) for f in found] == [("non-canonical-import", "tests/test_d.py")]
    assert not validate(cfg, ValidateRequest(keep_rule=lambda rule: rule != "non-canonical-import")).validation.imports


def test_check_fails_only_on_what_is_new_since_the_baseline(project: Path) -> None:
    cfg = config.load(project)
    first = check(cfg, CheckRequest())
    assert first.baseline is None and first.findings and first.observation.mode == "tree"
    whole, entries = accept_all(cfg, CheckRequest())
    first.baseline_path.write_text(baseline_text(entries), encoding="utf-8")
    assert whole.mode == "tree" and whole.only is None
    assert not check(cfg, CheckRequest()).findings  # everything accepted

    (project / "tests" / "test_d.py").write_text(module_text(4, OTHER), encoding="utf-8")  # a third copy
    on_index = check(cfg, CheckRequest(files=["tests/test_d.py"]))
    assert on_index.observation.mode == "files"  # read against the index the tree check wrote
    assert [(f.rule, f.locations[0].path) for f in on_index.findings] == [("duplicate-copy", "tests/test_d.py")]
    tree = check(cfg, CheckRequest())
    assert [(f.rule, f.locations[0].path) for f in tree.findings] == [("duplicate-copy", "tests/test_d.py")]
    assert not check(cfg, CheckRequest(keep_rule=lambda rule: rule != "duplicate-copy")).findings
    with pytest.raises(SsotError, match="a baseline records the whole tree"):
        accept_all(cfg, CheckRequest(files=["tests/test_d.py"]))


def test_history_view_lists_what_the_use_cases_recorded(project: Path, tmp_path: Path) -> None:
    cfg = config.load(project)
    assert history_view(cfg).runs == []
    migration = migrate(cfg, PlanOptions(), MigrateRequest(validate="syntax"))
    record_migration(cfg, migration, migration.exit_code)
    view = history_view(cfg)
    assert [r.command for r in view.runs] == ["migrate"]
    assert history_view(cfg, "2999-01-01").runs == []
    page = write_history_dashboard(cfg, view, tmp_path / "dash")
    assert page.is_file() and "migrate" in page.read_text(encoding="utf-8")
    with pytest.raises(SsotError, match="no runs recorded yet"):
        write_history_dashboard(cfg, history_view(cfg, "2999-01-01"), tmp_path / "none")
    (project / "pyproject.toml").write_text("[tool.ssot]\nhistory = false\n", encoding="utf-8")
    with pytest.raises(SsotError, match="history = false"):
        history_view(config.load(project))
