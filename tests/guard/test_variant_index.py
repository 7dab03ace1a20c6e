"""The index's variant lookup (prefix filtering) finds what comparing with every fingerprint finds."""

from __future__ import annotations

import random
from pathlib import Path

from ssot.app.check_index import IndexData, StoredIndex, write_store
from ssot.app.variant_index import VariantIndex, variant_index
from ssot.model import Fingerprint
from ssot.scanner.extract import Extractor
from ssot.scanner.similarity import alike

STATEMENTS = [
    "x = {a}", "y = x + {a}", "self.items.append({a})", "return x", "if x:\n        y = {a}",
    "for i in range(x):\n        total += i", "data['{a}'] = len(x)", "assert x == {a}", "z = str(y)",
    "self.closed = True", "raise RuntimeError('{a}')", "print(x, y)", "y = [v for v in x]",
]


def fingerprints(seed: int, n: int) -> list[Fingerprint]:
    """``n`` functions made of random picks among a few statements (many near variants of one another)."""
    rng = random.Random(seed)
    ex = Extractor()
    out: dict[str, Fingerprint] = {}
    for k in range(n):
        body = [rng.choice(STATEMENTS).format(a=rng.choice("abc")) for _ in range(rng.randint(2, 9))]
        text = f"def helper_{k}(x, y=0, total=0):\n" + "".join(f"    {s}\n" for s in body)
        for u in ex.extract(text).units:
            fp = ex.fingerprints.get(u.digest)
            if fp is not None:
                out[fp.digest] = fp
    return list(out.values())


def test_prefix_filtered_lookup_agrees_with_a_full_comparison(tmp_path: Path) -> None:
    indexed = fingerprints(1, 300)
    families = [f"fam{i}" for i in range(len(indexed))]
    rows = {fp.digest: (fp.kind, fp.shape, tuple(sorted(fp.tokens)), fp.statements) for fp in indexed}
    digest_family = {fp.digest: fam for fp, fam in zip(indexed, families, strict=True)}
    write_store(tmp_path / "index.sqlite",
                IndexData("/root", {}, {}, {}, digest_family, rows, variant_index(indexed), {}, {}))
    stored = StoredIndex.open(tmp_path / "index.sqlite")
    assert stored is not None
    fps = stored.fingerprints()
    index = VariantIndex(stored.variant_data(), fps, fps.families)  # read from the index, row by row
    queries = fingerprints(2, 300)
    found = 0
    for q in queries:
        brute = next((families[i] for i, fp in enumerate(indexed) if alike(q, fp)), None)
        assert index.family_of(q) == brute
        found += brute is not None
    assert found > 20  # the picks make many variants: the comparison is not vacuous
    assert sum(len(index.candidates(q)) for q in queries) < len(queries) * len(indexed) / 2  # and it filters
