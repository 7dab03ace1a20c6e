"""Families, equivalence classes, how classes differ, supersets, look-alikes and member flags."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ssot.model import Family, ScanResult

from .conftest import scan_tree
from .test_commented import HELPER

IMPORTS = "import asyncio\n\nimport pytest\n\n\n"

SUPERSET = HELPER + '''
    async def receive_json(self) -> dict:
        return self.messages_sent.pop(0)
'''
SYNC_GET = HELPER.replace("    async def get_messages", "    def get_messages")
RENAMED = HELPER.replace("messages_sent", "sent").replace("is_connected", "connected")
LITERAL = HELPER.replace('"WebSocket is closed"', '"socket already closed"')
# the same behaviour: other name, docstring, comments, quotes, blank lines and line breaks
REFORMATTED = '''\
class MockWebSocketConnection:
    # copied from the websocket suite; keep in sync
    \'\'\'Minimal in-memory WebSocket connection.\'\'\'


    def __init__(self):
        self.messages_sent = []
        self.is_connected = True   # connected from the start
        self._closed = False


    async def send_json(self, message: dict):
        """Send JSON message."""
        if self._closed:
            raise RuntimeError('WebSocket is closed')
        self.messages_sent.append(
            message,
        )

    async def close(self, code: int = 1000):
        self._closed = True
        self.is_connected = False

    async def get_messages(self) -> list:
        return self.messages_sent.copy()
'''
NESTED = "@pytest.fixture\ndef ws():\n" + "".join(
    "    " + line if line.strip() else line for line in HELPER.splitlines(keepends=True)
) + "\n    return TestWebSocketConnection()\n"
REAL_TEST_CLASS = '''\
class TestWebSocketConnection:
    """Protocol-level checks of the connection double."""

    def test_starts_connected(self):
        assert {"open": True}["open"] is True

    def test_close_codes_are_ints(self):
        codes = [1000, 1001, 1011]
        assert all(isinstance(code, int) for code in codes)
'''
MAKE_MESSAGE = '''\
def make_message(kind: str, payload: dict | None = None) -> dict:
    """Build a protocol message."""
    message = {"type": kind, "payload": payload or {}}
    message["timestamp"] = 0.0
    message["version"] = 2
    return message
'''
MAKE_MESSAGE_TRAP = '''\
def make_message(text):
    """Wrap chat text; unrelated to the protocol helper of the same name."""
    text = text.strip()
    return {"role": "user", "content": text}
'''


def classes_by_path(family: Family) -> dict[str, set[str]]:
    return {c.id: {d.path for d in c.members} for c in family.classes}


def only_family(result: ScanResult, name: str) -> Family:
    [family] = [f for f in result.families if f.name == name]
    return family


def test_variants_form_one_family_with_one_class_each(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "tests/test_base_1.py": IMPORTS + HELPER,
        "tests/test_base_2.py": IMPORTS + HELPER + "\n\ndef test_it():\n    assert TestWebSocketConnection\n",
        "tests/test_base_3.py": IMPORTS + HELPER,
        "tests/test_superset_1.py": IMPORTS + SUPERSET,
        "tests/test_superset_2.py": IMPORTS + SUPERSET,
        "tests/test_sync.py": IMPORTS + SYNC_GET,
        "tests/test_renamed.py": IMPORTS + RENAMED,
        "tests/test_literal.py": IMPORTS + LITERAL,
    })
    [family] = [f for f in result.families if f.kind == "class"]
    # the methods copied exactly into the one-off variants (sync, renamed, literal) are findings of their
    # own: no exact copy of those classes holds them; copies inside the copied classes are not listed
    for other in result.families:
        if other is not family:
            assert other.kind == "method"
            assert {m.path for m in other.members} & {"tests/test_sync.py", "tests/test_renamed.py",
                                                      "tests/test_literal.py"}
    assert (family.id, family.name, family.kind) == ("TestWebSocketConnection",) * 2 + ("class",)
    # the largest class first, then by size: one class per distinct behaviour
    assert [len(c.members) for c in family.classes] == [3, 2, 1, 1, 1]
    by_files = {frozenset(d.path for d in c.members): c for c in family.classes}
    base = by_files[frozenset({"tests/test_base_1.py", "tests/test_base_2.py", "tests/test_base_3.py"})]
    superset = by_files[frozenset({"tests/test_superset_1.py", "tests/test_superset_2.py"})]
    sync = by_files[frozenset({"tests/test_sync.py"})]
    renamed = by_files[frozenset({"tests/test_renamed.py"})]
    literal = by_files[frozenset({"tests/test_literal.py"})]
    assert base is family.classes[0] and base.id == "TestWebSocketConnection/A"
    assert base.differences == []
    assert superset.differences == ["adds method receive_json"]
    assert sync.differences == ["get_messages is sync here"]
    assert renamed.differences == ["attribute messages_sent renamed to sent",
                                   "attribute is_connected renamed to connected"]
    assert literal.differences == ["literal 'WebSocket is closed' is 'socket already closed' here"]
    # only the superset can serve the base's users unchanged
    assert superset.superset_of == [base.id]
    assert base.superset_of == sync.superset_of == renamed.superset_of == literal.superset_of == []
    assert len({c.fingerprint for c in family.classes}) == 5


def test_copies_differing_only_in_presentation_are_one_class(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "tests/test_a.py": IMPORTS + HELPER,
        "tests/test_b.py": IMPORTS + REFORMATTED,
        "tests/test_c.py": IMPORTS + NESTED,
        "tests/test_d.py": IMPORTS + HELPER.replace('"', "'").replace("'''", '"""'),
    })
    [family] = result.families
    [cls] = family.classes
    assert {(d.path, d.qualname, d.nested) for d in cls.members} == {
        ("tests/test_a.py", "TestWebSocketConnection", False),
        ("tests/test_b.py", "MockWebSocketConnection", False),
        ("tests/test_c.py", "ws.<locals>.TestWebSocketConnection", True),
        ("tests/test_d.py", "TestWebSocketConnection", False),
    }
    assert cls.names == ["MockWebSocketConnection", "TestWebSocketConnection"]
    assert family.name == "TestWebSocketConnection"  # the most common name
    # the kept copy: module level before nested, then path order
    assert (cls.representative.path, cls.representative.line) == ("tests/test_a.py", 6)


def test_same_named_look_alike_is_kept_out_and_listed(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "tests/test_a.py": IMPORTS + HELPER,
        "tests/test_b.py": IMPORTS + HELPER,
        "tests/test_protocol.py": '"""Connection protocol tests."""\n\n\n' + REAL_TEST_CLASS,
        "tests/unit/test_messages.py": IMPORTS + MAKE_MESSAGE,
        "tests/unit/test_more.py": IMPORTS + MAKE_MESSAGE,
        "tests/unit/test_chat.py": IMPORTS + MAKE_MESSAGE_TRAP,
    })
    ws = only_family(result, "TestWebSocketConnection")
    assert {d.path for d in ws.members} == {"tests/test_a.py", "tests/test_b.py"}
    assert [(d.path, d.line) for d in ws.look_alikes] == [("tests/test_protocol.py", 4)]
    mm = only_family(result, "make_message")
    assert {d.path for d in mm.members} == {"tests/unit/test_messages.py", "tests/unit/test_more.py"}
    assert [(d.path, d.line) for d in mm.look_alikes] == [("tests/unit/test_chat.py", 6)]
    assert len(result.families) == 2


def test_a_copied_look_alike_is_a_family_of_its_own(tmp_path: Path) -> None:
    files = {f"tests/test_{i}.py": IMPORTS + HELPER for i in range(3)}
    files |= {f"tests/websocket/test_protocol_{i}.py": REAL_TEST_CLASS for i in range(2)}
    result = scan_tree(tmp_path, files)
    main, copied_tests = result.families
    # the second family's id: its name and a short digest of its code (typeable, stable over rescans)
    assert [(f.id, len(f.members)) for f in result.families] == [
        ("TestWebSocketConnection", 3), (f"TestWebSocketConnection-{copied_tests.classes[0].fingerprint[:4]}", 2)]
    assert {d.path for d in main.look_alikes} == {"tests/websocket/test_protocol_0.py",
                                                  "tests/websocket/test_protocol_1.py"}
    assert copied_tests.look_alikes == []
    assert result.family(copied_tests.id) is copied_tests
    assert result.family("TestWebSocketConnection") is main


def test_unrelated_definitions_sharing_a_name_are_not_a_family(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "tests/test_a.py": MAKE_MESSAGE,
        "tests/test_b.py": MAKE_MESSAGE_TRAP,
        "tests/test_c.py": HELPER,
        "tests/test_d.py": REAL_TEST_CLASS,
    })
    assert result.families == []
    # with a copy of make_message, the trap of the same name is read too, and kept out
    result = scan_tree(tmp_path, {"tests/test_e.py": MAKE_MESSAGE})
    [family] = result.families
    assert sorted(m.path for m in family.members) == ["tests/test_a.py", "tests/test_e.py"]
    assert [d.path for d in family.look_alikes] == ["tests/test_b.py"]


def test_function_and_fixture_families(tmp_path: Path) -> None:
    fixture = '''\
        @pytest.fixture
        def user_context():
            """Isolated user execution context."""
            context = {"user_id": "user-1", "thread_id": "thread-1"}
            context["permissions"] = ["read", "write"]
            return context
        '''
    fixture = textwrap.dedent(fixture)
    result = scan_tree(tmp_path, {
        "tests/test_a.py": IMPORTS + MAKE_MESSAGE + "\n\n" + fixture,
        "tests/test_b.py": IMPORTS + MAKE_MESSAGE.replace('"timestamp"', '"ts"') + "\n\n" + fixture,
        "tests/test_c.py": IMPORTS + MAKE_MESSAGE.replace("= 2", "= 3") + "\n\n" + fixture,
        "tests/test_d.py": IMPORTS + MAKE_MESSAGE,
        "tests/test_e.py": IMPORTS + MAKE_MESSAGE.replace('message["version"] = 2', 'payload["version"] = 3'),
    })
    mm = only_family(result, "make_message")
    assert mm.kind == "function"
    assert sorted(d.path for d in mm.classes[0].members) == ["tests/test_a.py", "tests/test_d.py"]
    differences = {c.members[0].path: c.differences for c in mm.classes[1:]}
    assert differences == {"tests/test_b.py": ["literal 'timestamp' is 'ts' here"],
                           "tests/test_c.py": ["literal 2 is 3 here"],
                           # not only a literal: a reviewer must look at the statement
                           "tests/test_e.py": ["body of it differs (1 statement(s))"]}
    uc = only_family(result, "user_context")
    assert uc.kind == "fixture" and len(uc.classes) == 1
    assert {(d.path, d.line, d.start_line) for d in uc.members} == {
        (f"tests/test_{x}.py", 15, 14) for x in "abc"}


def test_member_flags_collected_backup_and_pytest_warning(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "tests/test_a.py": IMPORTS + HELPER,
        "tests/test_nested.py": IMPORTS + NESTED,
        "tests/helpers/ws.py": IMPORTS + HELPER,
        "backups/issue_450/tests/test_a.py": IMPORTS + HELPER,
        "tests/old_backup/test_b.py": IMPORTS + HELPER,
    })
    [family] = result.families
    flags = {d.path: (d.collected, d.in_backup, d.pytest_warning) for d in family.members}
    assert flags == {
        "tests/test_a.py": (True, False, True),
        "tests/test_nested.py": (True, False, False),  # nested in a fixture: pytest never sees it
        "tests/helpers/ws.py": (False, False, False),  # not a test module
        "backups/issue_450/tests/test_a.py": (True, True, True),
        "tests/old_backup/test_b.py": (True, True, True),
    }
    assert family.pytest_warnings == 3
    warned = {(f.path, f.line) for f in result.findings if f.rule == "pytest-uncollectable-class"}
    assert warned == {("tests/test_a.py", 6), ("backups/issue_450/tests/test_a.py", 6),
                      ("tests/old_backup/test_b.py", 6)}
    # the stale copies are notes, the kept copy is live
    backup_notes = {(f.path, f.rule) for f in result.findings if f.rule == "backup-copy"}
    assert backup_notes == {("backups/issue_450/tests/test_a.py", "backup-copy"),
                            ("tests/old_backup/test_b.py", "backup-copy")}
    assert not family.classes[0].representative.in_backup


def test_pytest_config_decides_what_is_collected(tmp_path: Path) -> None:
    result = scan_tree(tmp_path, {
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npython_files = ["check_*.py"]\n',
        "tests/check_a.py": IMPORTS + HELPER,
        "tests/test_b.py": IMPORTS + HELPER,
        "other/check_c.py": IMPORTS + HELPER,
    })
    [family] = result.families
    assert {d.path: d.collected for d in family.members} == {
        "tests/check_a.py": True, "tests/test_b.py": False, "other/check_c.py": False}


def test_min_lines_drops_small_definitions(tmp_path: Path) -> None:
    small = "def tiny(a):\n    return a + 1\n"
    result = scan_tree(tmp_path, {"tests/test_a.py": small, "tests/test_b.py": small})
    assert result.families == [] and result.definitions == 0
    from ssot import config

    cfg = config.load(tmp_path).with_overrides(min_lines=2)
    from ssot.scanner.engine import scan

    result = scan(config=cfg, use_cache=False, jobs=1)
    assert [len(f.members) for f in result.families] == [2]
