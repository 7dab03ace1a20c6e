"""Group definitions into equivalence classes and families, and describe them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from ssot.model import CommentedCopy, Definition, EquivalenceClass, Family, Fingerprint
from ssot.scanner.describe import differences, is_superset
from ssot.scanner.similarity import alike, contained, similar_pairs


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def build_families(defs: Iterable[Definition], fingerprints: dict[str, Fingerprint]) -> list[Family]:
    """Families of two or more copies, largest (by duplicated lines) first, with stable ids."""
    by_digest: dict[str, list[Definition]] = defaultdict(list)
    for d in defs:
        by_digest[d.fingerprint].append(d)
    digests = sorted(by_digest)
    uf = _UnionFind(len(digests))
    for i, j in similar_pairs([fingerprints[d] for d in digests]):
        uf.union(i, j)
    groups: dict[int, list[str]] = defaultdict(list)
    for i, d in enumerate(digests):
        groups[uf.find(i)].append(d)

    families: list[Family] = []
    for group in groups.values():
        if sum(len(by_digest[d]) for d in group) < 2:
            continue
        group.sort(key=lambda d: (-len(by_digest[d]), d))
        members = [m for d in group for m in by_digest[d]]
        names = Counter(m.name for m in members if not m.in_backup) or Counter(m.name for m in members)
        name = min(names, key=lambda n: (-names[n], n))
        classes = [
            EquivalenceClass(id="", fingerprint=d, members=sorted(by_digest[d], key=lambda m: (m.path, m.line)))
            for d in group
        ]
        families.append(Family(id="", name=name, kind=fingerprints[group[0]].kind, classes=classes))

    # ids by size (every copy, backups included), so that a family keeps its id once consolidated
    # (its live copies gone, a smaller same-named family must not take its name); shown by duplicated lines
    families.sort(key=lambda f: (-len(f.members), f.name, f.members[0].location))
    used: Counter[str] = Counter()
    for fam in families:
        used[fam.name] += 1
        fam.id = fam.name if used[fam.name] == 1 else f"{fam.name}-{used[fam.name]}"
        for k, cls in enumerate(fam.classes):
            cls.id = f"{fam.id}/{_letters(k)}"
        _describe(fam, fingerprints)
    families.sort(key=lambda f: (-f.duplicated_lines, -len(f.members), f.id))
    return families


def _describe(fam: Family, fingerprints: dict[str, Fingerprint]) -> None:
    base = fingerprints[fam.classes[0].fingerprint]
    for cls in fam.classes[1:]:
        cls.differences = differences(base, fingerprints[cls.fingerprint])
    if fam.kind == "class" and len(fam.classes) > 1:
        for big in fam.classes:
            big.superset_of = [
                small.id for small in fam.classes
                if small is not big and is_superset(fingerprints[big.fingerprint], fingerprints[small.fingerprint])
            ]


def link_commented(families: list[Family], commented: list[CommentedCopy],
                   fingerprints: dict[str, Fingerprint]) -> None:
    """Attach each commented-out copy to the family it copies, if any.

    Exact copies first, then variants, then partial copies (commenting out often keeps only a part).
    """
    exact = {c.fingerprint: f for f in families for c in f.classes}
    memo: dict[str, Family | None] = {}
    for copy in commented:
        fam = exact.get(copy.fingerprint)
        if fam is None:
            if copy.fingerprint not in memo:
                fp = fingerprints[copy.fingerprint]
                memo[copy.fingerprint] = next(
                    (f for f in families for c in f.classes if alike(fingerprints[c.fingerprint], fp)), None
                ) or next(
                    (f for f in families for c in f.classes if contained(fp, fingerprints[c.fingerprint])), None
                )
            fam = memo[copy.fingerprint]
        if fam is not None:
            copy.family = fam.id
            fam.commented.append(copy)


def link_look_alikes(families: list[Family], defs: Iterable[Definition]) -> None:
    """Record, per family, the same-named definitions kept out of it (the traps avoided).

    Members of a larger family with the same name are not listed: that family is the main
    one, this one its look-alike, and it lists this family's members instead.
    """
    by_name: dict[str, list[Family]] = defaultdict(list)
    for f in families:
        by_name[f.name].append(f)
    size = {f.id: len(f.members) for f in families}
    member_of = {(d.path, d.line): f for f in families for d in f.members}
    for d in defs:
        home = member_of.get((d.path, d.line))
        for f in by_name.get(d.name, ()):
            if home is not f and (home is None or size[home.id] <= size[f.id]):
                f.look_alikes.append(d)
