"""Group definitions into equivalence classes and families, and describe them.

* An **equivalence class** is copies with one digest whose free names resolve
  to the same things (:mod:`ssot.scanner.bindings`): the same text bound to
  different imports is two classes, and says so.
* A **family** is a representative (the most copied variant) and the variants
  alike *it*: families never chain through a member alike some other member.
* Copies are **maximal**: a definition is never in a family with its own
  nested definitions, and a family whose every copy lies inside copies of one
  enclosing family is that family's business, not a finding of its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from ssot.model import CommentedCopy, Definition, EquivalenceClass, Family, Fingerprint
from ssot.scanner.describe import differences, forget_trees, is_superset
from ssot.scanner.similarity import TOKENS_MIN, ShapeIndex, alike, contained, set_jaccard

_MAX_SUPERSET_CLASSES = 30  # superset checks are pairwise: only for families of few classes
_MAX_LOOK_ALIKES = 20
_THIN = 0.8  # a definition this much of whose code is one nested definition is a wrapper around it

BindingKey = tuple[tuple[str, str], ...]


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


Grouping = tuple[dict[str, int], list[list[str]]]  # the copies of each digest, and the groups they made


def _representatives(digests: list[str], fingerprints: dict[str, Fingerprint],
                     count: dict[str, int], last: Grouping | None = None) -> list[list[str]]:
    """Groups of digests: each a representative and the unassigned digests alike it (no chaining).

    The groups depend on the digests and their counts alone (alike is decided by the fingerprints
    that the digests name): when those are the ones of ``last``, so are the groups.  When only some
    are, the grouping is replayed (:class:`_Replay`): a representative of last time takes again what
    it took then and is still free, without asking the index, whenever nothing it could not have
    been compared with then is free now.
    """
    if last is not None and last[0] == count:
        return last[1]
    # helpers: near-miss variants; tests: near-miss tests are how a suite is written, so only tests
    # that are the same but for a name or a literal or two are one family
    where: dict[int, tuple[ShapeIndex, list[int], int]] = {}  # digest -> its index, the index's digests, position
    for strict in (False, True):
        variable = [i for i, d in enumerate(digests) if (fingerprints[d].kind == "test") == strict]
        index = ShapeIndex([fingerprints[digests[i]] for i in variable], strict=strict)
        where.update((i, (index, variable, k)) for k, i in enumerate(variable))
    replay = _Replay(digests, last, where) if last is not None else None
    order = sorted(range(len(digests)), key=lambda i: (-count[digests[i]], digests[i]))
    groups: list[list[str]] = []
    for i in order:
        index, variable, k = where[i]
        if index.taken[k]:
            continue
        index.take(k)
        if replay is not None:
            replay.take(i)
        again = replay.again(i) if replay is not None else None
        alike = [j for j in again if not where[j][0].taken[where[j][2]]] if again is not None \
            else [variable[j] for j in index.alike_to(k)]
        group = sorted(alike, key=lambda j: (-count[digests[j]], digests[j]))
        for j in group:
            index.take(where[j][2])
            if replay is not None:
                replay.take(j)
        groups.append([digests[m] for m in [i, *group]])
    return groups


class _Replay:
    """What the last grouping tells of this one (exact: ``alike`` is fixed per pair of digests).

    Last time, representative ``r`` (the ``t``-th group) took every digest alike it that was free then:
    those of the groups after its own.  So a digest of a group after ``t`` is alike ``r`` exactly when
    it was in ``r``'s group.  Of a digest of a group before ``t`` that is free now (one whose count
    changed, or whose group did, comes later), nothing is known: each is compared with ``r`` (when
    there are few; else the index is asked).  The new digests were asked about once, before anything
    was taken: what each is alike is known.
    """

    _FEW = 64  # free digests of earlier groups compared one by one; more, and the index is asked

    def __init__(self, digests: list[str], last: Grouping, where: dict[int, tuple[ShapeIndex, list[int], int]]) \
            -> None:
        number = {d: i for i, d in enumerate(digests)}
        self.where = where
        self.rank: dict[int, int] = {}  # digest -> the group it was in last time
        self.old: dict[int, list[int]] = {}  # representative last time -> the rest of its group (still here)
        self.members: list[list[int]] = []  # per group of last time, its digests still here
        for t, group in enumerate(last[1]):
            here = [number[d] for d in group if d in number]
            self.members.append(here)
            for i in here:
                self.rank[i] = t
            if group[0] in number:
                self.old[number[group[0]]] = here[1:]
        self.taken: set[int] = set()
        self.frontier = 0  # the groups before it have been passed: their free digests are lagging
        self.lagging: set[int] = set()
        self.new_alike: dict[int, list[int]] = defaultdict(list)  # digest of last time -> new ones alike it
        for n in range(len(digests)):
            if n not in self.rank:
                index, variable, k = where[n]
                for j in index.alike_to(k):
                    self.new_alike[variable[j]].append(n)

    def take(self, i: int) -> None:
        self.taken.add(i)
        self.lagging.discard(i)

    def again(self, i: int) -> list[int] | None:
        """What ``i`` takes (free digests alike it), when the last grouping tells; else None."""
        rest = self.old.get(i)
        if rest is None:
            return None
        t = self.rank[i]
        while self.frontier < t:
            self.lagging.update(x for x in self.members[self.frontier] if x not in self.taken)
            self.frontier += 1
        unknown = [x for x in self.lagging if self.rank[x] < t]
        if len(unknown) > self._FEW:
            return None
        index, _, k = self.where[i]
        found = [j for j in rest if j not in self.taken]
        if unknown:
            mine = [(x, self.where[x][2]) for x in unknown if self.where[x][0] is index]
            alike = set(index.verified(k, {kx for _, kx in mine}))
            found += [x for x, kx in mine if kx in alike]
        found += [n for n in self.new_alike.get(i, ()) if n not in self.taken]
        return found


def _without_nesting(members: list[Definition]) -> list[Definition]:
    """Drop members nested in another member of the same family (the outer one is the copy)."""
    if all("." not in m.qualname for m in members):
        return members
    where = {(m.path, m.qualname) for m in members}
    out = []
    for m in members:
        q = m.qualname
        # an enclosing member's qualname is a prefix of this one's, up to a dot
        if "." in q and any(c == "." and (m.path, q[:k]) in where for k, c in enumerate(q)):
            continue
        out.append(m)
    return out


class GroupMemo:
    """The grouping of the last :func:`build_families` (kept by the scan cache): a rescan whose
    definitions have the same digests, as many times each, groups them without comparing any."""

    __slots__ = ("last",)

    def __init__(self, last: Grouping | None = None) -> None:
        self.last = last


def build_families(defs: Iterable[Definition], fingerprints: dict[str, Fingerprint],
                   bindings: dict[tuple[str, str], BindingKey] | None = None,
                   memo: GroupMemo | None = None, copies: Mapping[str, str] | None = None) -> list[Family]:
    """Families of two or more copies, largest (by duplicated lines) first, with stable ids.

    ``bindings`` maps ``(path, qualname)`` to what the definition's free names resolve to; ``memo``
    holds the last grouping, and then this one.  ``copies`` maps each file of a copied folder to the
    first copy's (:mod:`~ssot.scanner.copied_folders`): a definition copied only with its folder
    (every copy the same definition of one file's copies) is no family, each whole-file block is
    the finding; nor do such copies of an enclosing definition make the definitions nested in it
    part of its copy (:func:`_maximal`).
    """
    bindings = bindings or {}
    copies = copies or {}
    defs = sorted(defs, key=lambda d: (d.path, d.line))  # so every class's members come in this order
    by_digest: dict[str, list[Definition]] = defaultdict(list)
    for d in defs:
        by_digest[d.fingerprint].append(d)
    digests = sorted(by_digest)
    count = {d: len(ms) for d, ms in by_digest.items()}

    families: list[Family] = []
    groups = _representatives(digests, fingerprints, count, memo.last if memo is not None else None)
    if memo is not None:
        memo.last = (count, groups)
    for group in groups:
        every = [m for d in group for m in by_digest[d]]
        members = _without_nesting(every)
        if len(members) < 2:
            continue
        keep = None if members is every else {(m.path, m.line) for m in members}
        names = Counter(m.name for m in members if not m.in_backup) or Counter(m.name for m in members)
        name = min(names, key=lambda n: (-names[n], n))
        classes: list[EquivalenceClass] = []
        for digest in group:
            split: dict[BindingKey, list[Definition]] = defaultdict(list)
            for m in by_digest[digest]:
                if keep is None or (m.path, m.line) in keep:
                    split[bindings.get((m.path, m.qualname), ())].append(m)
            for key, ms in sorted(split.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                classes.append(EquivalenceClass(id="", fingerprint=digest, members=ms, bindings=dict(key)))
        kind = fingerprints[group[0]].kind
        category = "test" if kind == "test" or (kind == "class" and name.startswith("Test")
                                                 and any(m.test_methods for m in members)) else "helper"
        if copies and len({(copies.get(m.path, m.path), m.line) for m in members}) == 1:
            continue  # copied only with its folder
        families.append(Family(id="", name=name, kind=kind, classes=classes, category=category))  # type: ignore[arg-type]
    families = _maximal(families, defs, copies)
    # a family must have something to remove: duplicated live lines, variants to merge, or stale copies
    lines = {id(f): f.duplicated_lines for f in families}
    size = {id(f): sum(len(c.members) for c in f.classes) for f in families}
    families = [f for f in families if lines[id(f)] > 0 or len(f.classes) > 1
                or any(m.in_backup for c in f.classes for m in c.members)]

    # ids: the name when no other family has it (the largest keeps it), else the name and a short digest of
    # the representative's code: typeable, and the same on every rescan while that code is unchanged
    families.sort(key=lambda f: (-size[id(f)], f.name, f.classes[0].members[0].location))
    taken: set[str] = set()
    for fam in families:
        fam.id = fam.name
        if fam.id in taken:
            digest = fam.classes[0].fingerprint
            n = 4
            while f"{fam.name}-{digest[:n]}" in taken and n < len(digest):
                n += 2
            fam.id = f"{fam.name}-{digest[:n]}"
        taken.add(fam.id)
        for k, cls in enumerate(fam.classes):
            cls.id = f"{fam.id}/{_letters(k)}"
    families.sort(key=lambda f: (-lines[id(f)], -size[id(f)], f.id))
    return families


def _maximal(families: list[Family], defs: list[Definition], copies: Mapping[str, str]) -> list[Family]:
    """Drop families whose every copy lies inside copies of one other family (that family is the copy);
    ``copies``: as :func:`build_families` takes them."""
    members = [f.members for f in families]
    home: dict[tuple[str, str], int] = {}
    for k, ms in enumerate(members):
        for m in ms:
            home[(m.path, m.qualname)] = k
    parent_of = {(d.path, d.qualname): d.parent for d in defs if d.parent}
    # an enclosing copy that is itself copied exactly (its equivalence class has two members or more,
    # not counting the copies of copied folders)
    copied = {(m.path, m.qualname) for f in families for c in f.classes
              if len({(copies.get(m.path, m.path), m.line) for m in c.members}) > 1 for m in c.members}
    dropped: set[int] = set()
    for k, ms in enumerate(members):
        outer: set[int] = set()
        for m in ms:
            p = m.parent
            hit = None
            while p:
                hit = home.get((m.path, p))
                if hit is not None and hit != k:
                    break
                hit = None
                p = parent_of.get((m.path, p), "")
            # inside a one-off variant of an enclosing family, the exact copy is this one's own finding
            if hit is None or (m.path, p) not in copied:
                outer = set()
                break
            outer.add(hit)
            if len(outer) > 1:
                break
        else:
            if len(outer) == 1:
                dropped.add(k)
    # a thin wrapper (a fixture returning an instance of a class copied elsewhere too) is the inner
    # family's business: report the class, not each wrapper around it
    inner_of: dict[tuple[str, str], list[Definition]] = defaultdict(list)
    for ms in members:
        for m in ms:
            if m.parent:
                inner_of[(m.path, m.parent)].append(m)
    for k, f in enumerate(families):
        if k in dropped or f.kind == "class":  # a class pasted whole is the copy, however small
            continue
        wrapped: set[int] = set()
        inside = 0
        for m in members[k]:
            big = [c for c in inner_of.get((m.path, m.qualname), ()) if c.tokens >= _THIN * m.tokens]
            if len(big) != 1:
                break
            wrapped.add(home[(m.path, big[0].qualname)])
            inside += 1
        if len(wrapped) == 1 and inside == len(members[k]):
            [g] = wrapped
            if g not in dropped and g != k and len(members[g]) > len(members[k]):
                dropped.add(k)
    return [f for k, f in enumerate(families) if k not in dropped]


def describe(fam: Family, fingerprints: dict[str, Fingerprint]) -> None:
    """Fill in how each class differs from class A (needs the fingerprints' sources)."""
    base = fingerprints[fam.classes[0].fingerprint]
    first = fam.classes[0]
    for cls in fam.classes[1:]:
        if cls.fingerprint == first.fingerprint:
            cls.differences = _binding_differences(first.bindings, cls.bindings)
        else:
            cls.differences = differences(base, fingerprints[cls.fingerprint])
    for cls in fam.classes:
        if len({m.cosmetic for m in cls.members}) > 1:
            cls.cosmetic = ["annotations or marks differ between its copies (no change in behaviour)"]
    if fam.kind == "class" and 1 < len(fam.classes) <= _MAX_SUPERSET_CLASSES:
        for big in fam.classes:
            big.superset_of = [
                small.id for small in fam.classes
                if small is not big and is_superset(fingerprints[big.fingerprint], fingerprints[small.fingerprint])
            ]
    forget_trees()


def _bound_words(what: str | None) -> str:
    if what is None:
        return "not read"
    if what.startswith("def:"):
        return "the module's own definition"
    if what.startswith("="):
        return "the module's own assignment"
    if what == "?":
        return "not bound in the module (a star import?)"
    return what


def _binding_differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x == y:
            continue
        here, there = _bound_words(y), _bound_words(x)
        if here == there:  # both the module's own, with different code or values
            here, there = f"{here} ({(y or '')[-6:]})", f"{there} ({(x or '')[-6:]})"
        out.append(f"same code, but {name} is {here} here, not {there}")
    return out or ["same code, bound differently"]


def link_commented(families: list[Family], commented: list[CommentedCopy],
                   fingerprints: dict[str, Fingerprint]) -> None:
    """Attach each commented-out copy to the family it copies, if any.

    Exact copies first, then variants, then partial copies (commenting out often keeps only a part).
    """
    exact = {c.fingerprint: f for f in families for c in f.classes}
    by_kind: dict[str, list[tuple[Family, Fingerprint]]] = defaultdict(list)
    for f in families:
        for c in f.classes:
            fp = fingerprints[c.fingerprint]
            by_kind[fp.kind].append((f, fp))
    memo: dict[str, Family | None] = {}
    for copy in commented:
        fam = exact.get(copy.fingerprint)
        if fam is None:
            if copy.fingerprint not in memo:
                memo[copy.fingerprint] = _commented_home(fingerprints[copy.fingerprint], copy.name,
                                                         by_kind.get(fingerprints[copy.fingerprint].kind, []))
            fam = memo[copy.fingerprint]
        if fam is not None:
            copy.family = fam.id
            fam.commented.append(copy)


def _commented_home(fp: Fingerprint, name: str, pool: list[tuple[Family, Fingerprint]]) -> Family | None:
    """The family a commented-out copy is a variant of, else one it is a part of (same name first).

    Cheap tests first: the identifiers and literals (a set intersection), and the sizes, rule out
    most families before the statement shapes are compared.
    """
    ordered = sorted(pool, key=lambda x: x[0].name != name)  # stable: same-named families first
    n = len(fp.shape)
    for f, other in ordered:
        m = len(other.shape)
        if m and 0.5 * m <= n <= 2 * m and set_jaccard(fp.tokens, other.tokens) >= TOKENS_MIN \
                and alike(other, fp):
            return f
    own = max(1, len(fp.tokens))
    for f, other in ordered:
        if 0.8 * len(fp.shape) <= len(other.shape) and len(fp.tokens & other.tokens) >= 0.6 * own \
                and contained(fp, other):
            return f
    return None


def link_look_alikes(families: list[Family], defs: Iterable[Definition]) -> None:
    """Record, per family, same-named definitions of its kind kept out of it (the traps avoided).

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
            if home is not f and f.kind == d.kind and (home is None or size[home.id] <= size[f.id]) \
                    and len(f.look_alikes) < _MAX_LOOK_ALIKES:
                f.look_alikes.append(d)
