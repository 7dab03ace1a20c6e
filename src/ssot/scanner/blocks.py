"""Runs of consecutive duplicated definitions, reported once as a block.

153 test functions copied from one module into another are one finding, not
153 families; a wholly copied file is one block marked ``whole_file``.  Two
definitions are consecutive when they are siblings (the same enclosing
definition, or both at module level) with no other definition between them.
A family of duplicated test functions or methods whose every copy lies
inside wholly copied files is not listed on its own: the block says it.  Helper families stay
(each is a consolidation target of its own), the block lists where they
were copied together.  (A definition copied only with its folder is no family
at all: see :func:`~ssot.scanner.families.build_families`.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ssot.model import Block, BlockCopy, Definition, Family
from ssot.scanner.fingerprint import hex_digest

MIN_UNITS = 2  # a block is at least this many consecutive definitions
_MAX_SEED = 50  # a class copied more often than this does not start runs (pairs grow quadratically)

Run = tuple[tuple[str, ...], tuple[BlockCopy, ...]]


class Gap(NamedTuple):
    """A definition the scan did not fingerprint (no textual near-copy): it still breaks a run."""

    path: str
    parent: str
    line: int
    start_line: int
    end_line: int


def find_blocks(families: list[Family], defs: list[Definition],
                identical: Sequence[Sequence[tuple[str, int, int]]] = (),
                gaps: Sequence[Gap] = (), copies: Mapping[str, str] | None = None) \
        -> tuple[list[Block], list[Family]]:
    """The blocks, and the families left once those wholly inside blocks are taken out.

    ``identical``: groups of files of the same bytes, as ``(path, lines, module-level definitions)``:
    each is one whole-file block, whatever it holds.  ``gaps``: definitions known only from the text.
    ``copies``: the files of copied folders (:mod:`~ssot.scanner.copied_folders`).
    """
    twin: dict[str, int] = {}
    blocks: list[Block] = []
    for k, group in enumerate(identical):
        for path, _, _ in group:
            twin[path] = k
        digest = hex_digest("\0".join(p for p, _, _ in group), 4)
        blocks.append(Block(id=f"file-{digest}", copies=[BlockCopy(p, 1, n) for p, n, _ in group],
                            units=group[0][2], whole_file=True))
    cls_of: dict[tuple[str, int], str] = {}
    for f in families:  # by family: a near-miss copy in the middle does not break the run
        for m in f.members:
            cls_of[(m.path, m.line)] = f.id
    siblings: dict[tuple[str, str], list[Definition | Gap]] = defaultdict(list)
    for d in defs:
        siblings[(d.path, d.parent)].append(d)
    for g in gaps:
        if (g.path, g.parent) in siblings:
            siblings[(g.path, g.parent)].append(g)
    seqs: list[tuple[str, str, list[Definition | Gap], list[str | None]]] = []
    where: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (path, parent), ds in siblings.items():
        ds.sort(key=lambda d: d.line)
        keys = [cls_of.get((d.path, d.line)) for d in ds]
        if sum(k is not None for k in keys) < MIN_UNITS:
            continue
        s = len(seqs)
        seqs.append((path, parent, ds, keys))
        for i, fid in enumerate(keys):
            if fid is not None:
                where[fid].append((s, i))

    runs: dict[tuple[str, ...], set[BlockCopy]] = defaultdict(set)
    whole: dict[tuple[str, ...], bool] = {}
    for places in where.values():
        if len(places) > _MAX_SEED:
            continue
        for a in range(len(places)):
            sa, i = places[a]
            ka = seqs[sa][3]
            for b in range(a + 1, len(places)):
                sb, j = places[b]
                pa, pb = seqs[sa][0], seqs[sb][0]
                if sa == sb or (pa != pb and twin.get(pa, -1) == twin.get(pb, -2)):
                    continue  # the same run, or two identical files (one whole-file block already)
                kb = seqs[sb][3]
                if i > 0 and j > 0 and ka[i - 1] is not None and ka[i - 1] == kb[j - 1]:
                    continue  # not the start of the run
                n = 0
                while i + n < len(ka) and j + n < len(kb) and ka[i + n] is not None and ka[i + n] == kb[j + n]:
                    n += 1
                if n < MIN_UNITS:
                    continue
                key = tuple(k for k in ka[i:i + n] if k is not None)  # none is None: the run stops at one
                for s, start in ((sa, i), (sb, j)):
                    path, parent, ds, keys = seqs[s]
                    runs[key].add(BlockCopy(path, ds[start].start_line, ds[start + n - 1].end_line))
                    if not parent and n == len(keys):
                        whole.setdefault(key, True)
                    else:
                        whole[key] = False

    for key, run in runs.items():
        digest = hex_digest("\0".join(key), 4)
        blocks.append(Block(id=f"block-{digest}", copies=sorted(run, key=lambda c: (c.path, c.start_line)),
                            units=len(key), whole_file=whole.get(key, False)))
    blocks.sort(key=lambda b: (-b.units * len(b.copies), b.id))

    # duplicated test functions and methods inside whole copied files are the blocks' business; other
    # test families stay (each test is a finding: delete one copy), as do classes and helpers; decided as
    # if the copied folders were not there (their definitions are no family's: see build_families)
    copies = copies or {}
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for blk in blocks:
        if blk.whole_file:
            outside = [c for c in blk.copies if c.path not in copies]
            for c in outside if len(outside) > 1 else ():
                spans[c.path].append((c.start_line, c.end_line))

    def inside(m: Definition) -> bool:
        return any(a <= m.start_line and m.end_line <= z for a, z in spans.get(m.path, ()))

    kept = [f for f in families
            if f.kind != "test" or not all(inside(m) for m in f.members if m.path not in copies)]
    return blocks, kept
