"""The findings of a scan: what a reviewer or CI acts on, one per location."""

from __future__ import annotations

from ssot.model import CommentedCopy, Definition, Family, Finding


def findings_for(families: list[Family], defs: list[Definition], commented: list[CommentedCopy]) -> list[Finding]:
    out: list[Finding] = []
    for fam in families:
        total = len(fam.members)
        for cls in fam.classes:
            keep = cls.representative
            for d in cls.members:
                if d.in_backup:
                    out.append(Finding("backup-copy", d.path, d.line,
                                       f"stale copy of {fam.name} under a backup folder (family {fam.id})",
                                       fam.id, "note"))
                elif d is not keep:
                    out.append(Finding("duplicate-copy", d.path, d.line,
                                       f"{d.qualname} is one of {total} copies of {fam.name} "
                                       f"(family {fam.id}, class {cls.id}, kept copy {keep.location}); "
                                       f"import it from the canonical module instead", fam.id))
        for c in fam.commented:
            out.append(Finding("commented-out-copy", c.path, c.line,
                               f"commented-out copy of {fam.name} (family {fam.id}); delete it", fam.id, "note"))
    for d in defs:
        if d.pytest_warning:
            out.append(Finding("pytest-uncollectable-class", d.path, d.line,
                               f"pytest cannot collect {d.qualname} because it has a __init__ constructor "
                               "and warns on every run; add `__test__ = False` or run "
                               "`ssot fix collection-warnings`", None))
    out.sort(key=lambda f: (f.path, f.line, f.rule))
    return out
