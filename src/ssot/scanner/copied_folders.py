"""Copied folders: two folders holding the same files (same names, same bytes) at every level below.

A folder copied whole (a vendored package twice, a tree duplicated beside itself) is one act of
copying: its files are reported as whole-file blocks, and the definitions in them are not families
of their own, nor candidates for being there (the candidate pass counts the first copy only).  A
file copied on its own (a conftest pasted into a sibling folder, ``test_x_0.py`` ... ``test_x_2.py``)
is not a copied folder: its definitions stay families, each a consolidation target.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Container, Hashable, Mapping
from dataclasses import dataclass, field

from ssot.model import CopiedFolder


@dataclass(frozen=True, slots=True)
class FolderCopies:
    """The files of copied folders, each mapped to the same file of the first copy (in path order), and
    the copied folders themselves, the top-most of each copy only (a folder inside a copied folder is
    a copy too)."""

    files: dict[str, str] = field(default_factory=dict)
    folders: list[CopiedFolder] = field(default_factory=list)


def folder_copies(files: Mapping[str, Hashable], worth: Container[str] | None = None) -> FolderCopies:
    """The copied folders of ``files``: every file's path (``/``-separated) and what makes two files the
    same (their bytes, and whatever else must agree).  Two folders are copies when their files and
    subfolders are, by name.  ``worth``: the files that hold something to report (default: all); a
    copied folder holding none (only empty ``__init__.py`` files, say) is not listed.  Most files first."""
    children: dict[str, list[str]] = defaultdict(list)  # folder -> "name\0token" of its files and folders
    for rel, same in files.items():
        folder, _, name = rel.rpartition("/")
        children[folder].append(f"f{name}\0{same!r}")
    digest: dict[str, str] = {}
    depth = max((f.count("/") + 1 for f in children if f), default=0)
    for level in range(depth, 0, -1):  # deepest first: a folder's digest needs its subfolders'
        for folder in [f for f in children if f and f.count("/") + 1 == level]:
            items = sorted(children[folder])
            digest[folder] = hashlib.blake2b("\n".join(items).encode("utf-8", "surrogateescape"),
                                             digest_size=16).hexdigest()
            parent, _, name = folder.rpartition("/")
            children[parent].append(f"d{name}\0{digest[folder]}")
    groups: dict[str, list[str]] = defaultdict(list)
    for folder, d in digest.items():
        groups[d].append(folder)
    first: dict[str, str] = {}  # folder -> the first folder of its copies
    for folders in groups.values():
        if len(folders) > 1:
            folders.sort()
            for f in folders[1:]:
                first[f] = folders[0]
    out = FolderCopies()
    below: dict[str, int] = defaultdict(int)  # files below each top-most copy
    listed: set[str] = set()  # the top-most copies holding a file worth it
    for rel in files:
        folder, _, name = rel.rpartition("/")
        rep = first.get(folder)
        if rep is not None:
            out.files[rel] = f"{rep}/{name}"
        top = None
        while folder:
            if folder in first and folder.rpartition("/")[0] not in first:
                top = folder  # (a folder in a copy of its parent is that copy's)
            folder = folder.rpartition("/")[0]
        if top is not None:
            below[top] += 1
            if worth is None or rel in worth:
                listed.add(top)
    out.folders.extend(CopiedFolder(f, first[f], n) for f, n in sorted(below.items(), key=lambda x: (-x[1], x[0]))
                       if f in listed)
    return out
