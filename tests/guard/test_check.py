"""``ssot check``: the baseline, what counts as new, whole tree and file mode, and the reporting options."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from testkit import HELPER, OTHER, cli_env, git, module_text, write_tree

from .conftest import ssot, validate_sarif


def rules_at(run_json: dict) -> set[tuple[str, str]]:
    return {(f["rule"], f["locations"][0]["path"]) for f in run_json["findings"]}


def test_no_baseline_reports_everything_and_update_accepts_it(project: Path) -> None:
    first = ssot("check", "--format", "json", cwd=project)
    assert first.code == 1
    found = rules_at(first.json())
    assert ("new-family", "tests/test_a.py") in found  # nothing accepted yet: the families are new
    assert ("pytest-uncollectable-class", "tests/test_a.py") not in found  # the copy's finding says it all
    assert "no baseline" in ssot("check", cwd=project).stdout

    written = ssot("check", "--update-baseline", cwd=project)
    assert written.code == 0, written.stderr
    baseline = json.loads((project / ".ssot-baseline.json").read_text())
    assert baseline["schema"] == "ssot-baseline"
    keys = {(e["rule"], e["path"], e["key"]) for e in baseline["findings"]}
    assert ("family-member", "tests/test_c.py", "class:TestWebSocketConnection") in keys
    assert ("family-member", "tests/test_a.py", "function:make_message") in keys
    again = ssot("check", cwd=project)
    assert again.code == 0, again.stdout
    assert "no new findings" in again.stdout


def test_moved_lines_and_reformatting_keep_the_baseline(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    a = project / "tests/test_a.py"
    text = a.read_text()
    # lines moved (a block of code above), the helper reformatted: quotes, blank lines, a comment, spacing
    reformatted = text.replace('"closed"', "'closed'").replace("self.sent = []", "self.sent  =  [ ]  # kept")
    reformatted = reformatted.replace("    async def close(self):", "\n\n    async def close( self ):")
    a.write_text("import os\n\n\nCONSTANT = {\n    'a': 1,\n    'b': 2,\n}\n\n" + reformatted)
    run = ssot("check", "-v", cwd=project)
    assert run.code == 0, run.stdout
    files = ssot("check", "tests/test_a.py", cwd=project)
    assert files.code == 0, files.stdout


def test_a_new_copy_is_named_and_nothing_else(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    (project / "tests/test_d.py").write_text(module_text(4, HELPER))
    run = ssot("check", "--format", "json", cwd=project)
    assert run.code == 1
    assert rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}
    files = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert files.code == 1
    assert rules_at(files.json()) == {("duplicate-copy", "tests/test_d.py")}
    assert files.json()["figures"]["mode"] == "files"
    # a file checked that holds only accepted findings passes, whatever the rest of the tree holds
    assert ssot("check", "tests/test_a.py", cwd=project).code == 0


def test_a_new_family_and_the_size_threshold(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    helper = "\ndef build_payload(user, items):\n    data = {'user': user}\n    data['items'] = list(items)\n" \
             "    data['count'] = len(items)\n    return data\n"
    (project / "tests/test_d.py").write_text(module_text(4, helper))
    (project / "tests/test_e.py").write_text(module_text(5, helper))
    run = ssot("check", "--format", "json", cwd=project)
    assert run.code == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "new-family"
    assert {loc["path"] for loc in finding["locations"]} == {"tests/test_d.py", "tests/test_e.py"}
    assert ssot("check", "--family-lines", "50", cwd=project).code == 0
    both = ssot("check", "tests/test_d.py", "tests/test_e.py", "--format", "json", cwd=project)
    assert [f["rule"] for f in both.json()["findings"]] == ["new-family"]


def test_a_changed_file_of_the_index_is_read_again(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    # test_d.py now imports nothing new, but test_c.py (not named) lost its copy: the index is stale there
    (project / "tests/test_c.py").write_text(module_text(3))
    (project / "tests/test_d.py").write_text(module_text(4, HELPER))
    run = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert run.json()["figures"]["index_files_reread"] == 1
    # the copy in test_d.py takes the place test_c.py's copy had: a new copy all the same (new path)
    assert rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}


def test_select_ignore_and_unknown_rules(project: Path) -> None:
    assert ssot("check", "--select", "non-canonical", cwd=project).code == 0
    assert ssot("check", "--ignore", "new-family,pytest-uncollectable", cwd=project).code == 0
    # ignoring the copies does not hide what else is wrong with them
    assert "pytest-uncollectable-class" in ssot("check", "--ignore", "new-family", cwd=project).stdout
    assert ssot("check", "--select", "new", cwd=project).code == 1
    bad = ssot("check", "--select", "no-such-rule", cwd=project)
    assert bad.code == 2
    assert "no-such-rule: no such rule" in bad.stderr and "copy-of-consolidated" in bad.stderr


def test_exit_zero_and_formats(project: Path) -> None:
    assert ssot("check", "--exit-zero", cwd=project).code == 0
    sarif = ssot("check", "--format", "sarif", cwd=project)
    log = json.loads(sarif.stdout)
    validate_sarif(log)
    results = log["runs"][0]["results"]
    assert results and all(r["partialFingerprints"]["ssotFindingHash/v1"] for r in results)
    md = ssot("check", "--format", "markdown", cwd=project)
    assert md.stdout.startswith("## ssot check") and "| `new-family` |" in md.stdout


def test_sarif_fingerprints_survive_moved_lines(project: Path) -> None:
    before = json.loads(ssot("check", "--format", "sarif", cwd=project).stdout)["runs"][0]["results"]
    a = project / "tests/test_a.py"
    a.write_text("\n\n\n# moved down\n" + a.read_text())
    after = json.loads(ssot("check", "--format", "sarif", cwd=project).stdout)["runs"][0]["results"]

    def ids(results: list) -> dict[str, int]:
        return {r["partialFingerprints"]["ssotFindingHash/v1"]: r["locations"][0]["physicalLocation"]["region"]
                ["startLine"] for r in results}

    assert set(ids(before)) == set(ids(after))
    assert ids(before) != ids(after)  # the lines did move


def test_output_file_gets_the_umask_mode(project: Path) -> None:
    for umask, mode in ((0o022, 0o644), (0o027, 0o640)):
        out = project / f"report-{umask:o}.json"
        proc = subprocess.run(f"umask {umask:o}; {sys.executable} -m ssot check --format json -o {out}", shell=True,
                              cwd=project, env=cli_env(), capture_output=True, text=True, check=False)
        assert proc.returncode == 1, proc.stderr
        assert stat.S_IMODE(out.stat().st_mode) == mode
        assert json.loads(out.read_text())["schema"] == "ssot-findings"


def test_color_flags(project: Path) -> None:
    assert "\033[" in ssot("check", "--color", "always", cwd=project).stdout
    assert "\033[" not in ssot("check", cwd=project).stdout  # a pipe: no colour
    assert "\033[" not in ssot("check", "--color", "never", cwd=project).stdout


def test_quiet_and_verbose(project: Path) -> None:
    quiet = ssot("check", "-q", cwd=project).stdout
    assert "ssot check:" not in quiet and "new-family" in quiet
    verbose = ssot("check", "-v", cwd=project).stdout
    assert "    fix: " in verbose and "    see tests/" in verbose


def test_a_closed_pipe_keeps_the_exit_code(tmp_path: Path) -> None:
    files = {"pyproject.toml": "[tool.ssot]\n"}
    for i in range(400):  # enough findings to fill a pipe's buffer
        files[f"tests/test_{i:03}.py"] = module_text(i, HELPER.replace("TestWebSocketConnection", f"Conn{i}"), HELPER)
    root = write_tree(tmp_path / "many", files)
    proc = subprocess.Popen([sys.executable, "-m", "ssot", "check", "-v"], cwd=root, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert "Traceback" not in err and "Broken pipe" not in err, err


def test_diff_base(project: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    git(project, "add", "-A")
    git(project, "commit", "-qm", "base")
    git(project, "checkout", "-qb", "feature")
    (project / "tests/test_d.py").write_text(module_text(4, HELPER))
    run = ssot("check", "--diff-base", "main", "--format", "json", cwd=project)
    assert rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}
    assert run.json()["figures"]["files"] == 1
    bad = ssot("check", "--diff-base", "no-such-branch", cwd=project)
    assert bad.code == 2 and "--diff-base no-such-branch" in bad.stderr


def test_bad_baseline_is_a_clear_error(project: Path) -> None:
    (project / ".ssot-baseline.json").write_text("{not json")
    run = ssot("check", cwd=project)
    assert run.code == 2
    assert ".ssot-baseline.json: not a valid ssot baseline" in run.stderr and "--update-baseline" in run.stderr


def test_uncollectable_helper_and_nested_tests_are_new_findings(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    (project / "tests/test_d.py").write_text(
        "class TestSupport:\n    def __init__(self):\n        self.x = 1\n\n    def helper(self):\n"
        "        return self.x + 1\n\n    def more(self):\n        return self.x + 2\n\n\n"
        "def test_outer():\n    def test_inner():\n        assert False\n    assert True\n")
    run = ssot("check", "--format", "json", cwd=project)
    assert rules_at(run.json()) == {("pytest-uncollectable-class", "tests/test_d.py"),
                                    ("tests-never-run", "tests/test_d.py")}
    files = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert rules_at(files.json()) == rules_at(run.json())
    assert os.path.exists(project / ".ssot_cache" / "check-index.sqlite")


def test_a_crafted_or_damaged_index_is_never_trusted(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    index = project / ".ssot_cache" / "check-index.sqlite"
    good = index.read_bytes()
    marker = project / "pwned"
    evil = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."  # runs code in a plain unpickler
    index.write_bytes(evil)  # not a database
    (project / "tests/test_d.py").write_text(module_text(4, HELPER))
    run = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert not marker.exists()
    assert rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}
    assert run.json()["figures"]["mode"] == "files (index built)"  # checked whole, index written again
    index.write_bytes(good[: len(good) // 2])  # torn
    run = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert run.code == 1 and rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}
    # a well-formed index whose fingerprints would run code: refused when the file check reads one (a variant
    # of the helper is looked up among them)
    assert ssot("check", "tests/test_d.py", cwd=project).code == 1  # a good index again
    with sqlite3.connect(index) as db:
        assert db.execute("UPDATE fingerprints SET shape = ?, tokens = ?", (evil, evil)).rowcount > 0
    db.close()
    variant = HELPER.replace("self.sent.append(message)", "self.sent.append(message)\n        self.count = 1")
    (project / "tests/test_d.py").write_text(module_text(4, variant))
    run = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert not marker.exists()
    assert run.json()["figures"]["mode"] == "files (index built)"
    assert rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}


def test_a_helper_defined_once_and_copied_is_found_on_the_named_file(project: Path) -> None:
    helper = "\ndef build_payload(user, items):\n    data = {'user': user}\n    data['items'] = list(items)\n" \
             "    data['count'] = len(items)\n    return data\n"
    (project / "tests/test_d.py").write_text(module_text(4, helper))  # defined once: no family yet
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    (project / "tests/test_e.py").write_text(module_text(5, helper))  # pasted into a new file
    run = ssot("check", "tests/test_e.py", "--format", "json", cwd=project)
    assert run.code == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "new-family" and "none of them in the baseline" in finding["message"]
    assert [loc["path"] for loc in finding["locations"]] == ["tests/test_e.py", "tests/test_d.py"]
    assert run.json()["figures"]["mode"] == "files"


def test_a_nested_function_the_test_uses_is_not_a_hidden_test(project: Path) -> None:
    # django's pattern: a decorated inner `test` the outer test calls, and an admin action named test_action
    (project / "tests/test_d.py").write_text(
        "def deco(f):\n    return f\n\n\ndef test_outer(self=None):\n    @deco\n    def test(self):\n"
        "        assert True\n\n    test(self)\n\n\ndef test_actions():\n    def test_action():\n        pass\n\n"
        "    register(test_action)\n\n\ndef register(f):\n    return f\n")
    run = ssot("check", "tests/test_d.py", "--select", "tests-never-run", cwd=project)
    assert run.code == 0, run.stdout


def test_many_files_are_checked_on_the_whole_tree(project: Path) -> None:
    from ssot.app.check import MAX_FILES_ON_INDEX

    assert ssot("check", "--update-baseline", cwd=project).code == 0
    (project / "tests/test_d.py").write_text(module_text(4, HELPER))
    names = [f"tests/test_z{i:03}.py" for i in range(MAX_FILES_ON_INDEX)]
    write_tree(project, dict.fromkeys(names, "X = 1\n"))
    run = ssot("check", "tests/test_d.py", *names, "--format", "json", cwd=project)
    assert run.json()["figures"]["mode"] == "files (whole tree scanned)"
    assert rules_at(run.json()) == {("duplicate-copy", "tests/test_d.py")}


def test_an_edited_copy_pasted_into_a_named_file_joins_its_family(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    edited = HELPER.replace("self.sent = []", "self.sent = []\n        self.log = []").replace('"closed"', '"gone"')
    (project / "tests/test_d.py").write_text(module_text(4, edited))
    whole = ssot("check", "--format", "json", cwd=project)
    files = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert files.json()["figures"]["mode"] == "files"
    assert rules_at(files.json()) == rules_at(whole.json()) == {("duplicate-copy", "tests/test_d.py")}


def test_only_the_files_a_file_check_uses_are_looked_at_again(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    # test_a.py changed (its make_message copy is gone) but the named file shares nothing with it
    (project / "tests/test_a.py").write_text(module_text(1, HELPER))
    (project / "tests/test_d.py").write_text(module_text(4, "\ndef lonely(x):\n    y = x + 1\n    return y * 2\n"))
    run = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert run.code == 0 and run.json()["figures"]["index_files_reread"] == 0
    # a copy of make_message in the named file: test_a.py holds a row of that family, so it is read again
    (project / "tests/test_d.py").write_text(module_text(4, OTHER))
    run = ssot("check", "tests/test_d.py", "--format", "json", cwd=project)
    assert run.json()["figures"]["index_files_reread"] == 1
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "duplicate-copy" and finding["locations"][1]["path"] == "tests/test_b.py"


def test_a_copy_of_a_local_helper_is_not_told_to_import_it(project: Path) -> None:
    local = "\n\ndef test_local_{0}():\n    class Payload:\n        def build(self, user, items):\n" \
            "            data = {{'user': user}}\n            data['items'] = list(items)\n" \
            "            data['count'] = len(items)\n            return data\n    assert Payload().build({0}, [])\n"
    (project / "tests/test_d.py").write_text(module_text(4) + local.format("one"))
    (project / "tests/test_e.py").write_text(module_text(5) + local.format("two") + "    assert not []\n")
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    pasted = "\n\nclass Payload:\n    def build(self, user, items):\n        data = {'user': user}\n" \
             "        data['items'] = list(items)\n        data['count'] = len(items)\n        return data\n"
    (project / "tests/test_f.py").write_text(module_text(6) + pasted)
    (finding,) = ssot("check", "tests/test_f.py", "--format", "json", cwd=project).json()["findings"]
    assert finding["rule"] == "duplicate-copy"
    assert "local to a function" in finding["fix"] and "import the existing one" not in finding["fix"]


def test_a_named_file_that_cannot_be_read_exits_3_as_in_the_whole_tree(project: Path) -> None:
    # a file check used to pass over an unreadable named file in silence (exit 0), where the whole tree
    # says so and exits 3 when nothing is new
    assert ssot("check", "--update-baseline", "-q", cwd=project).code == 0
    (project / "tests" / "test_undecodable.py").write_bytes(b"x = '\xff\xfe\xfa'\n")
    for args in (["tests/test_undecodable.py", "tests/test_d.py"], []):
        run = ssot("check", *args, cwd=project)
        assert run.code == 3 and "1 file could not be read or parsed" in run.stdout + run.stderr, (args, run.stdout)


def test_a_copied_folder_is_new_as_its_files(project: Path) -> None:
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    helper = ("def pick_rows(rows, key):\n    picked = [row for row in rows if row.get(key) is not None]\n"
              "    picked.sort(key=lambda row: row[key])\n    return {row[key]: row for row in picked}\n")
    for pkg in ("tests/pkg_a", "tests/pkg_b"):  # a package of its own, pasted beside itself
        write_tree(project, {f"{pkg}/helpers.py": helper, f"{pkg}/test_pkg.py": module_text(9, OTHER)})
    run = ssot("check", "--format", "json", cwd=project)
    assert run.code == 1
    found = rules_at(run.json())
    assert ("duplicate-file", "tests/pkg_b/helpers.py") in found  # pick_rows: copied with its folder only
    assert ("duplicate-file", "tests/pkg_b/test_pkg.py") in found
    assert ("duplicate-copy", "tests/pkg_b/test_pkg.py") in found  # make_message: copied elsewhere too
    assert not {f for f in found if f[1].startswith("tests/pkg_a/") and f[0] == "duplicate-file"}
    assert not {f for f in found if f[1].endswith("helpers.py") and f[0] != "duplicate-file"}
    assert ssot("check", "--update-baseline", cwd=project).code == 0
    assert ssot("check", cwd=project).code == 0
