"""When two distinct pieces of code are variants of one another.

Two fingerprints belong to one family when their statement shapes mostly
agree (near-miss edits: an added method, a changed statement, renamed
attributes keep most shapes) and they use enough of the same identifiers and
literals (a look-alike that only shares a structure, or only a name, does
not).  Candidate pairs come from prefix filtering on the shape features, so
the cost stays near-linear on trees with many distinct definitions.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from ssot.model import Fingerprint

SHAPE_MIN = 0.6  # multiset Jaccard of statement shapes
TOKENS_MIN = 0.4  # Jaccard of identifiers and literals
SCORE_MIN = 0.65  # mean of the two
# tests: alike only when nearly the same (a suite's tests share their shapes by design)
STRICT_SHAPE_MIN = 0.9
STRICT_TOKENS_MIN = 0.75


def multiset_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    if not a and not b:
        return 1.0
    ca, cb = Counter(a), Counter(b)
    inter = sum((ca & cb).values())
    return inter / (len(a) + len(b) - inter)


def set_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def alike(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether ``a`` and ``b`` are variants of one piece of code (tests only when nearly the same)."""
    if a.kind != b.kind:
        return False
    strict = a.kind == "test"
    shape = multiset_jaccard(a.shape, b.shape)
    if shape < (STRICT_SHAPE_MIN if strict else SHAPE_MIN):
        return False
    tokens = set_jaccard(a.tokens, b.tokens)
    if strict:
        return tokens >= STRICT_TOKENS_MIN
    return tokens >= TOKENS_MIN and (shape + tokens) / 2 >= SCORE_MIN


def contained(part: Fingerprint, whole: Fingerprint) -> bool:
    """Whether ``part`` is mostly a piece of ``whole`` (a truncated commented-out copy, say)."""
    if part.kind != whole.kind or not part.shape:
        return False
    inter = sum((Counter(part.shape) & Counter(whole.shape)).values())
    tokens = len(part.tokens & whole.tokens) / max(1, len(part.tokens))
    return inter / len(part.shape) >= 0.8 and tokens >= 0.6


def shape_items(fp: Fingerprint) -> list[tuple[int, int]]:
    """The shape multiset as a set: (feature, occurrence number)."""
    seen: Counter[int] = Counter()
    out = []
    for f in fp.shape:
        out.append((f, seen[f]))
        seen[f] += 1
    return out


def similar_pairs(fps: Sequence[Fingerprint], strict: bool = False) -> Iterable[tuple[int, int]]:
    """Index pairs ``(i, j)`` of ``fps`` that are alike (prefix filtering, then verification).

    The shape multisets become sets of ``(feature, occurrence)`` once, so that each verification is
    a C-level set intersection; pairs whose sizes alone rule them out are never verified.
    """
    shape_min, tokens_min = (STRICT_SHAPE_MIN, STRICT_TOKENS_MIN) if strict else (SHAPE_MIN, TOKENS_MIN)
    items = [shape_items(fp) for fp in fps]
    sets = [frozenset(it) for it in items]
    df: Counter[tuple[int, int]] = Counter(x for it in items for x in it)
    index: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        it.sort(key=lambda x: (df[x], x))
        prefix = len(it) - math.ceil(shape_min * len(it)) + 1
        for x in it[:prefix]:
            index[x].append(i)
    seen: set[tuple[int, int]] = set()
    sizes = [len(x) for x in sets]
    for ids in index.values():
        ids.sort(key=sizes.__getitem__)  # by size: the length filter ends each inner loop early
        for p in range(len(ids)):
            i = ids[p]
            a, ni = sets[i], sizes[i]
            for q in range(p + 1, len(ids)):
                j = ids[q]
                nj = sizes[j]
                if ni < shape_min * nj:
                    break  # every later one is larger still
                pair = (i, j) if i < j else (j, i)
                if pair in seen:
                    continue
                seen.add(pair)
                if fps[i].kind != fps[j].kind:
                    continue
                inter = len(a & sets[j])
                shape = inter / (ni + nj - inter) if ni + nj else 1.0
                if shape < shape_min:
                    continue
                tokens = set_jaccard(fps[i].tokens, fps[j].tokens)
                if tokens >= tokens_min and (shape + tokens) / 2 >= SCORE_MIN:
                    yield pair
