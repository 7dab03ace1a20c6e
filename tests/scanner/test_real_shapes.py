"""The shapes real trees have and the generated suite does not (issue 7).

Methods and tests as units, maximal copies, blocks, bindings, no chaining, links, generated and
vendored files, the test-code scope.
"""

from __future__ import annotations

import os
from pathlib import Path

from ssot.model import ScanResult
from testkit import write_tree

from .conftest import scan_tree

METHOD = '''\
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        source = self._task.args.get("src", None)
        if source is None:
            result["failed"] = True
            result["msg"] = "src is required"
        return result
'''


def families(result: ScanResult) -> dict[str, list[tuple[str, str]]]:
    return {f.id: sorted((m.path, m.qualname) for m in f.members) for f in result.families}


def test_the_same_method_in_three_classes_is_a_method_family(tmp_path: Path) -> None:
    own = [  # the classes differ in everything else: only the method is copied
        "    def check(self):\n        return self.validate(strict=True, depth=3) and not self.errors\n",
        "    def describe(self, verbose):\n        print(self.name, verbose)\n        return {'k': self.kind}\n",
        "    async def fetch(self, url, retries=3):\n        async with self.session.get(url) as r:\n"
        "            return await r.json(content_type=None)\n",
    ]
    files = {f"tests/plugins/p{i}.py": f"class Action{i}(Base{i}):\n{own[i]}\n" + METHOD for i in range(3)}
    result = scan_tree(tmp_path, files)
    [fam] = result.families
    assert fam.kind == "method" and fam.category == "helper"
    assert sorted(m.qualname for m in fam.members) == ["Action0.run", "Action1.run", "Action2.run"]


def test_a_whole_copied_class_is_reported_not_its_methods(tmp_path: Path) -> None:
    cls = "class Action(Base):\n    name = 1\n\n" + METHOD + "\n" + METHOD.replace("def run", "def walk")
    result = scan_tree(tmp_path, {"tests/a.py": cls, "tests/b.py": cls})
    assert families(result) == {"Action": [("tests/a.py", "Action"), ("tests/b.py", "Action")]}


def test_decorator_factories_are_reported_whole_not_as_their_inner_wrap(tmp_path: Path) -> None:
    factory = '''\
        def retry(times):
            def wrap(func):
                def inner(*args, **kwargs):
                    for attempt in range(times):
                        try:
                            return func(*args, **kwargs)
                        except OSError:
                            if attempt == times - 1:
                                raise
                return inner
            return wrap
        '''
    result = scan_tree(tmp_path, {"tests/a.py": factory, "tests/b.py": factory})
    assert families(result) == {"retry": [("tests/a.py", "retry"), ("tests/b.py", "retry")]}


def test_a_definition_is_never_in_a_family_with_its_own_nested_definition(tmp_path: Path) -> None:
    src = '''\
        def outer(x):
            total = x + 1
            value = total * 2
            return value

            def outer(x):
                total = x + 1
                value = total * 2
                return value
        '''
    result = scan_tree(tmp_path, {"tests/a.py": src})
    assert all(len({m.path for m in f.members}) > 1 or len(f.members) < 2 for f in result.families)
    for f in result.families:
        quals = [m.qualname for m in f.members]
        assert not any(q.startswith(p + ".") for q in quals for p in quals)


def test_duplicated_tests_are_their_own_category_and_a_run_of_them_is_one_block(tmp_path: Path) -> None:
    tests = "".join(f'''
def test_case_{i}():
    value = compute({i}, "alpha", key="k{i}")
    assert value == expected({i})
    assert str(value).startswith("v")
''' for i in range(5))
    result = scan_tree(tmp_path, {"tests/test_a.py": "from m import compute, expected\n" + tests,
                                  "tests/test_b.py": "from m import compute, expected\n" + tests})
    assert result.families == []  # the five test families are the block's business
    [block] = result.blocks
    assert block.units == 5 and block.whole_file
    assert [c.path for c in block.copies] == ["tests/test_a.py", "tests/test_b.py"]


def test_a_duplicated_test_is_worded_as_a_test_run_twice_not_a_helper_to_import(tmp_path: Path) -> None:
    test = (
        "\n\ndef test_round_trip():\n    value = compute(7, 'alpha', key='k7')\n"
        "    assert value == expected(7)\n    assert str(value).startswith('v')\n"
    )
    helper = (
        "\n\ndef make_message(kind, payload=None):\n    message = {'kind': kind, 'payload': payload or {}}\n"
        "    message['size'] = len(str(message['payload']))\n    return message\n"
    )
    result = scan_tree(tmp_path, {"tests/test_a.py": "from m import compute, expected\n" + test + helper,
                                  "tests/test_b.py": "from m import compute, expected\nx = 1\n" + helper + test})
    by_category = {f.category: f for f in result.families}
    assert set(by_category) == {"test", "helper"}
    words = {f.family: f for f in result.findings if f.rule == "duplicate-copy"}
    on_test = words[by_category["test"].id]
    assert "copies of the test test_round_trip" in on_test.message and "runs 2 times" in on_test.message
    assert on_test.fix.startswith("delete this copy") and "import" not in on_test.message
    on_helper = words[by_category["helper"].id]
    assert "import it from the canonical module" in on_helper.message and "migrate" in on_helper.fix


def test_same_text_bound_to_different_imports_is_two_equivalence_classes(tmp_path: Path) -> None:
    body = (
        "\n\ndef make_insert(table, values):\n    statement = Insert(table)\n"
        "    statement = statement.values(**values)\n    return statement.returning(table.c.id)\n"
    )
    result = scan_tree(tmp_path, {
        "tests/mysql/helpers.py": "from pkg.mysql import Insert\n" + body,
        "tests/postgres/helpers.py": "from pkg.postgres import Insert\n" + body,
        "tests/postgres/more.py": "from pkg.postgres import Insert\n" + body,
    })
    [fam] = result.families
    assert [len(c.members) for c in fam.classes] == [2, 1]
    assert fam.classes[0].bindings == {"Insert": "pkg.postgres.Insert"}
    assert fam.classes[1].differences == [
        "same code, but Insert is pkg.mysql.Insert here, not pkg.postgres.Insert"]


def test_relative_imports_resolve_from_the_module_s_package(tmp_path: Path) -> None:
    body = "\n\ndef build(x):\n    node = Node(x, parent=None)\n    node.check()\n    return node.finish(strict=True)\n"
    result = scan_tree(tmp_path, {
        "tests/a/helpers.py": "from .nodes import Node\n" + body,
        "tests/b/helpers.py": "from .nodes import Node\n" + body,
        "tests/b/test_b.py": "def test_b():\n    assert True\n",  # (else tests/b is a copy of tests/a)
    })
    [fam] = result.families
    assert len(fam.classes) == 2  # tests.a.nodes.Node is not tests.b.nodes.Node


def test_bodies_that_are_only_a_docstring_or_pass_are_never_copies(tmp_path: Path) -> None:
    src = '''\
        class ParseError(Exception):
            """Raised when the input cannot be parsed, with the line and the reason."""


        class Marker:
            pass


        def todo(a, b, c):
            """Not written yet: returns None for every argument it is given."""
            ...
        '''
    result = scan_tree(tmp_path, {"tests/a.py": src, "tests/b.py": src.replace("ParseError", "LexError")})
    assert result.families == [] and result.definitions == 0


def test_distinct_exception_classes_are_never_interchangeable(tmp_path: Path) -> None:
    src = '''\
        class ParseError(ValueError):
            code = 3

            def __str__(self):
                return f"{self.code}: {self.args[0]} at line {self.args[1]}"
        '''
    result = scan_tree(tmp_path, {"tests/a.py": src, "tests/b.py": src.replace("ParseError", "LexError"),
                                  "tests/c.py": src})
    exact = [c for f in result.families for c in f.classes if f.kind == "class"]
    assert all(len({m.name for m in c.members}) == 1 for c in exact)


def test_annotations_are_cosmetic_and_do_not_split_a_class(tmp_path: Path) -> None:
    a = "from typing import Dict\n\n\ndef merge(a: Dict, b: Dict) -> Dict:\n    out = dict(a)\n    out.update(b)\n" \
        "    out['merged'] = True\n    return out\n"
    b = a.replace("Dict", "dict").replace("from typing import dict\n", "")
    result = scan_tree(tmp_path, {"tests/a.py": a, "tests/b.py": b})
    [fam] = result.families
    [cls] = fam.classes
    assert len(cls.members) == 2 and cls.cosmetic


def test_families_never_chain_through_a_member(tmp_path: Path) -> None:
    """Each member is alike the representative: a chain of small edits is not one family."""
    lines = [f"    step_{k} = source.read_{k}(offset={k})\n" for k in range(10)]
    files = {}
    for i in range(8):  # each variant replaces two more lines than the one before
        body = [ln if k >= 2 * i else f"    other_{i}_{k} = sink.write_{i}_{k}({k}, flag={i})\n"
                for k, ln in enumerate(lines)]
        files[f"tests/t{i}.py"] = "def helper(source, sink):\n" + "".join(body) + "    return step_9\n"
    files["tests/u0.py"] = files["tests/t0.py"]
    result = scan_tree(tmp_path, files)
    assert result.families
    for fam in result.families:
        rep = fam.classes[0].members[0]
        far = {m.path for m in fam.members} & {f"tests/t{i}.py" for i in range(4, 8)}
        assert rep.path not in ("tests/t0.py", "tests/u0.py") or not far, (fam.id, sorted(far))


def test_hard_and_symbolic_links_are_scanned_once(tmp_path: Path) -> None:
    body = METHOD.replace("    ", "", 1)
    src = "class Action(Base):\n    name = 1\n\n" + METHOD
    write_tree(tmp_path, {"pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n", "tests/a.py": src})
    os.link(tmp_path / "tests/a.py", tmp_path / "tests/hard.py")
    os.symlink(tmp_path / "tests/a.py", tmp_path / "tests/soft.py")
    result = scan_tree(tmp_path)
    assert result.families == [] and result.stats.files == 1, body


def test_a_tree_of_hard_links_to_folders_outside_it_is_scanned_as_usual(tmp_path: Path) -> None:
    src = "class Action(Base):\n    name = 1\n\n" + METHOD
    outside = write_tree(tmp_path / "projects", {"p/tests/a.py": src, "p/tests/b.py": src})
    mono = tmp_path / "mono"
    for rel in ("tests/a.py", "tests/b.py"):
        (mono / "p" / rel).parent.mkdir(parents=True, exist_ok=True)
        os.link(outside / "p" / rel, mono / "p" / rel)
    result = scan_tree(mono)
    assert [len(f.members) for f in result.families] == [2]


def test_generated_and_vendored_files_are_not_copies(tmp_path: Path) -> None:
    src = "class Action(Base):\n    name = 1\n\n" + METHOD
    result = scan_tree(tmp_path, {
        "tests/a.py": src,
        "tests/a_pb2.py": "# Generated by the protocol buffer compiler.  DO NOT EDIT!\n" + src,
        "tests/_vendor/lib.py": src,
        "tests/third_party/lib.py": src,
    })
    assert result.families == []


def test_by_default_only_test_code_is_scanned_and_all_marks_library_code(tmp_path: Path) -> None:
    from ssot import config
    from ssot.scanner.engine import scan

    src = "class Action(Base):\n    name = 1\n\n" + METHOD
    files = {"pkg/core.py": src, "pkg/more.py": src, "tests/test_x.py": src}
    result = scan_tree(tmp_path, files)
    assert result.families == []  # one copy in the tests; the library is out of scope
    cfg = config.load(tmp_path).with_overrides(all=True)
    result = scan(config=cfg, use_cache=False, jobs=1)
    [fam] = result.families
    assert {(m.path, m.library) for m in fam.members} == {
        ("pkg/core.py", True), ("pkg/more.py", True), ("tests/test_x.py", False)}


def test_a_helper_module_only_tests_import_is_in_scope(tmp_path: Path) -> None:
    src = "class Action(Base):\n    name = 1\n\n" + METHOD
    result = scan_tree(tmp_path, {
        "support/fakes.py": src,
        "tests/test_x.py": "from support.fakes import Action\n\n\n" + src,
    })
    assert [sorted(m.path for m in f.members) for f in result.families] == [["support/fakes.py", "tests/test_x.py"]]


def test_min_tokens_drops_small_definitions(tmp_path: Path) -> None:
    from ssot import config
    from ssot.scanner.engine import scan

    small = "def tiny(a, b):\n    c = a + b\n    d = c * 2\n    return d - 1\n"
    result = scan_tree(tmp_path, {"tests/test_a.py": small, "tests/test_b.py": small})
    assert len(result.families) == 1
    cfg = config.load(tmp_path).with_overrides(min_tokens=30)
    assert scan(config=cfg, use_cache=False, jobs=1).families == []


def test_a_rescan_with_nothing_changed_returns_the_same_result(tmp_path: Path) -> None:
    from ssot.scanner.engine import scan

    src = "class Action(Base):\n    name = 1\n\n" + METHOD
    scan_tree(tmp_path, {"tests/a.py": src, "tests/b.py": src}, use_cache=True)
    again = scan(root=tmp_path, jobs=1)
    assert again.stats.cached == 2 and again.stats.parsed == 0
    assert [len(f.members) for f in again.families] == [2]
    (tmp_path / "tests/b.py").write_text(src.replace("src is required", "no source"), encoding="utf-8")
    changed = scan(root=tmp_path, jobs=1)
    assert changed.stats.parsed == 1
    assert [len(f.classes) for f in changed.families if f.name == "Action"] == [2]


def test_adds_attribute_only_for_assigned_attributes(tmp_path: Path) -> None:
    base = '''\
        class Point:
            def __init__(self, x, y):
                self.x = x
                self.y = y

            def same(self, other):
                return self.x == other.x and self.y == other.y
        '''
    variant = base.replace("return self.x == other.x and self.y == other.y",
                           "return self.x == other.x and self.y == other.y or self.__eq__(other)")
    result = scan_tree(tmp_path, {"tests/a.py": base, "tests/b.py": base, "tests/c.py": variant})
    [fam] = result.families
    words = " ".join(fam.classes[1].differences)
    assert "attribute" not in words and "same" in words, words
