"""ssot.fsio: the one atomic writer every part of ssot uses."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssot import fsio


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umask_mode(tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "report.json"
    fsio.write_bytes_atomic(target, b"{}\n")
    assert target.read_bytes() == b"{}\n"
    assert mode(target) == 0o640


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "run.sh"
    target.write_bytes(b"old\n")
    target.chmod(0o751)
    fsio.write_text_atomic(target, "new\n")
    assert target.read_bytes() == b"new\n"
    assert mode(target) == 0o751


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    target = tmp_path / "x"
    target.write_bytes(b"old")
    fsio.write_bytes_atomic(target, b"new", mode=0o600)
    assert mode(target) == 0o600


def test_missing_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.txt"
    fsio.write_text_atomic(target, "hi\n")
    assert target.read_text() == "hi\n"


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "cache.pickle"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), fsio.atomic_open(target, durable=False) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("writer died")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.pickle"]


def test_no_temporary_file_after_success(tmp_path: Path) -> None:
    for i in range(3):
        fsio.write_json_atomic(tmp_path / "state.json", {"n": i})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert json.loads((tmp_path / "state.json").read_text()) == {"n": 2}


def test_json_is_sorted_and_ends_with_a_newline(tmp_path: Path) -> None:
    fsio.write_json_atomic(tmp_path / "a.json", {"b": 1, "a": [1, 2]})
    assert (tmp_path / "a.json").read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    fsio.write_json_atomic(tmp_path / "c.json", {"b": 1, "a": 2}, indent=None)
    assert (tmp_path / "c.json").read_text() == '{"a":2,"b":1}\n'


def test_surrogates_from_a_file_name_are_written_back_as_their_bytes(tmp_path: Path) -> None:
    name = b"caf\xe9.py".decode("utf-8", "surrogateescape")
    fsio.write_text_atomic(tmp_path / "out.txt", name, errors="surrogateescape")
    assert (tmp_path / "out.txt").read_bytes() == b"caf\xe9.py"
    with pytest.raises(UnicodeEncodeError):
        fsio.write_text_atomic(tmp_path / "strict.txt", name)
    assert not (tmp_path / "strict.txt").exists()


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root writes anywhere")
def test_an_unwritable_folder_raises_oserror_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            fsio.write_bytes_atomic(folder / "x", b"data")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_os_replace_is_called_in_one_place_only() -> None:
    src = Path(fsio.__file__).parent
    callers = [str(p.relative_to(src)) for p in src.rglob("*.py") if "os.replace(" in p.read_text()]
    assert callers == ["fsio.py"]
