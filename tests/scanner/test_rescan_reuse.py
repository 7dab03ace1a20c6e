"""What a rescan takes from the last scan instead of computing it again, and that it is the same.

* The grouping of digests into families (:class:`ssot.scanner.families.GroupMemo`): reused when the
  definitions have the same digests, as many times each; computed again when one changed.
* The files to scan: from the last discovery while its folders' stamp holds
  (:func:`ssot.scanner.unchanged.scan_files`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ssot import config as config_mod
from ssot.report import render
from ssot.scanner import families as families_mod
from ssot.scanner import unchanged
from ssot.scanner.cache import ScanCache
from ssot.scanner.engine import scan
from testkit import CLIENT, write_tree

HELPER = CLIENT

VARIANT = HELPER + '''
    def close(self):
        self.sent.clear()
        return self.url
'''


def _tree(root: Path) -> Path:
    return write_tree(root, {
        "pyproject.toml": "[tool.ssot]\nmin_tokens = 1\n",
        "tests/test_a.py": HELPER + "\ndef test_a():\n    assert Client('a').send('x') == 1\n",
        "tests/test_b.py": HELPER + "\ndef test_b():\n    assert Client('b').send('y') == 1\n",
        "tests/test_c.py": VARIANT + "\ndef test_c():\n    assert Client('c').close() == 'c'\n",
    })


def _json(root: Path, use_cache: bool) -> str:
    result = scan(root=root, config=config_mod.load(root), jobs=1, use_cache=use_cache)
    data = render(result, "json")
    return data[:data.index('"stats"')] + data[data.index("}", data.index('"stats"')):]


class _Counted:
    """``ShapeIndex`` that counts how often it is built (the grouping's costly part)."""

    built = 0

    def __init__(self, real: type) -> None:
        self.real = real

    def __call__(self, *args: object, **kwargs: object) -> object:
        _Counted.built += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[_Counted]:
    _Counted.built = 0
    monkeypatch.setattr(families_mod, "ShapeIndex", _Counted(families_mod.ShapeIndex))
    return _Counted


def test_a_rescan_whose_digests_are_the_same_groups_without_comparing(tmp_path: Path,
                                                                     counted: type[_Counted]) -> None:
    root = _tree(tmp_path)
    first = _json(root, use_cache=True)
    assert counted.built == 2  # helpers and tests, each an index
    assert "Client" in first
    kept = ScanCache.load(config_mod.load(root).cache_path).grouping
    assert kept is not None and kept[1]
    # the definitions moved down two lines: assembled again (their places changed), with the same digests,
    # as many times each
    (root / "tests" / "test_b.py").write_text("LIMIT = 3\n\n" + (root / "tests" / "test_b.py").read_text())
    counted.built = 0
    again = _json(root, use_cache=True)
    assert counted.built == 0
    assert again == _json(root, use_cache=False) != first


@pytest.mark.parametrize("edit", ["variant", "copy", "removed"])
def test_a_rescan_whose_digests_changed_groups_again(tmp_path: Path, counted: type[_Counted], edit: str) -> None:
    root = _tree(tmp_path)
    _json(root, use_cache=True)
    b = root / "tests" / "test_b.py"
    if edit == "variant":  # one copy becomes a variant: a digest gone, a new one
        b.write_text(b.read_text().replace("return len(self.sent)", "return len(self.sent) + 0"))
    elif edit == "copy":  # a third copy: a digest counted once more (the representative may change)
        (root / "tests" / "test_d.py").write_text(VARIANT)
    else:  # a copy deleted
        b.write_text("def test_b():\n    assert True\n")
    counted.built = 0
    again = _json(root, use_cache=True)
    assert counted.built == 2
    assert again == _json(root, use_cache=False)


def test_the_files_come_from_the_last_discovery_while_its_stamp_holds(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    cfg = config_mod.load(root)
    scan(root=root, config=cfg, jobs=1)  # creates the cache's folder (which changes the root's time)
    old = time.time() - 10  # (a stamp taken right after a change is not trusted: set the folders back)
    for folder in (root, root / "tests"):
        os.utime(folder, (old, old))
    scan(root=root, config=cfg, jobs=1)  # discovers, and keeps the stamp
    calls: list[object] = []
    real = unchanged.discovered

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(unchanged, "discovered", counting)
    (root / "tests" / "test_a.py").write_text((root / "tests" / "test_a.py").read_text() + "\nLIMIT = 3\n")
    result = scan(root=root, config=cfg, jobs=1)
    assert calls == []  # a file edited: the folders are as they were
    assert result.stats.parsed == 1
    (root / "tests" / "test_e.py").write_text(HELPER)  # a file added: its folder's time moved
    result = scan(root=root, config=cfg, jobs=1)
    assert len(calls) == 1
    assert any(m.path == "tests/test_e.py" for f in result.families for m in f.members)


def test_a_rescan_after_an_edit_does_not_read_the_last_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last result (a large part of the cache) is read only when nothing it was assembled from changed;
    the sources it showed are kept apart, by place and file digest, for the rescan that assembles again."""
    root = _tree(tmp_path)
    _json(root, use_cache=True)
    kept = ScanCache.load(config_mod.load(root).cache_path)
    assert kept.result is None and kept.result_key  # (not read by loading the cache)
    # one source per class shown: the copy of test_a.py stands for A, test_c.py's variant is B
    assert sorted(path for path, _, _ in kept.sources) == ["tests/test_a.py", "tests/test_c.py"]
    calls: list[str] = []
    real = ScanCache.load_last

    def counting(directory: Path, key: str) -> object:
        calls.append(key)
        return real(directory, key)

    monkeypatch.setattr(ScanCache, "load_last", staticmethod(counting))
    read: list[str] = []
    import ssot.scanner.inputs as inputs_mod  # (where the shown copies' sources are read)

    real_read = inputs_mod.read_source

    def reading(path: Path, max_bytes: int) -> object:
        read.append(path.name)
        return real_read(path, max_bytes)

    monkeypatch.setattr(inputs_mod, "read_source", reading)
    c = root / "tests" / "test_c.py"
    c.write_text("LIMIT = 3\n" + c.read_text())  # its definitions move: assembled again (ssot.scanner.inputs)
    again = _json(root, use_cache=True)
    assert calls == []
    assert "test_a.py" not in read  # its class's source came from the kept sources (test_a.py is unchanged)
    assert again == _json(root, use_cache=False)
    os.utime(c)  # touched, the same content: the last result as it is
    read.clear()
    assert _json(root, use_cache=True) == again
    assert len(calls) == 1
