"""The findings of a scan: what a reviewer or CI acts on, one per location.

Each finding carries a ``key`` that names it inside its file without line
numbers (the qualified name of the definition), so its fingerprint survives
moved lines and reformatting; ``fix`` says what to do in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ssot.model import CommentedCopy, Definition, Family, Finding, Location

DUPLICATE_FILE = "duplicate-file"
UNCOLLECTABLE_FIX = "add `__test__ = False` to the class, or run `ssot fix collection-warnings`"


def definition_key(d: Definition) -> str:
    """What identifies a definition inside its file, whatever its line: kind and qualified name."""
    return f"{d.kind}:{d.qualname}"


def findings_for(families: list[Family], defs: list[Definition], commented: list[CommentedCopy],
                 same_files: Sequence[Sequence[tuple[str, int, int]]] = (),
                 copies: Mapping[str, str] | None = None) -> list[Finding]:
    """The findings of a scan.  ``same_files``: groups of copies of one whole file, as ``(path, lines,
    module-level definitions)``; ``copies``: the files of copied folders, each mapped to the first copy's
    (their definitions are in no family: each such file is a finding of its own)."""
    out: list[Finding] = []
    for group in same_files if copies else ():
        first = group[0]
        for path, lines, _ in group:
            rep = copies.get(path) if copies else None
            if rep is None:
                continue
            folder, rep_folder = path.rpartition("/")[0] or ".", rep.rpartition("/")[0] or "."
            out.append(Finding(DUPLICATE_FILE, path, 1,
                               f"{path} has the same bytes as {rep}: the folder {folder} holds the same Python "
                               f"files as {rep_folder} ({first[2]} definition{'' if first[2] == 1 else 's'} at "
                               "module level; those copied nowhere else are not reported one by one)", None,
                               end_line=lines, key="file",
                               related=(Location(rep, 1, lines, "copy kept"),),
                               fix=f"keep one copy of the folder: delete {folder}, or make it from {rep_folder}"))
    for fam in families:
        total = len(fam.members)
        for cls in fam.classes:
            keep = cls.representative
            runs = sum(not m.in_backup for m in cls.members)
            kept = (Location(keep.path, keep.line, keep.end_line, f"copy kept: {keep.qualname}"),)
            for d in cls.members:
                if d.in_backup:
                    out.append(Finding("backup-copy", d.path, d.line,
                                       f"stale copy of {fam.name} under a backup folder (family {fam.id})",
                                       fam.id, "note", end_line=d.end_line, key=definition_key(d),
                                       fix="delete the backup copy", related=kept))
                elif d is not keep:
                    if fam.category == "test":  # a duplicated test is imported from nowhere: it runs twice
                        what, do = f"the test {fam.name}", f"the same test runs {runs} times"
                        fix = "delete this copy, or parametrize the copies into one test"
                    else:
                        what, do = fam.name, "import it from the canonical module instead"
                        fix = f"run `ssot migrate --family {fam.id}`, or import the kept copy"
                    out.append(Finding("duplicate-copy", d.path, d.line,
                                       f"{d.qualname} is one of {total} copies of {what} "
                                       f"(family {fam.id}, class {cls.id}, kept copy {keep.location}); {do}",
                                       fam.id, end_line=d.end_line, key=definition_key(d), fix=fix,
                                       related=kept))
        for c in fam.commented:
            out.append(Finding("commented-out-copy", c.path, c.line,
                               f"commented-out copy of {fam.name} (family {fam.id}); delete it", fam.id, "note",
                               end_line=c.end_line, key=f"{c.kind}:{c.name}:{c.fingerprint}",
                               fix="delete the commented-out lines"))
    for d in defs:
        if d.pytest_warning:
            out.append(Finding("pytest-uncollectable-class", d.path, d.line,
                               f"pytest cannot collect {d.qualname} because it has a __init__ constructor "
                               "and warns on every run; add `__test__ = False` or run "
                               "`ssot fix collection-warnings`", None, end_line=d.end_line,
                               key=definition_key(d), fix=UNCOLLECTABLE_FIX))
    out.sort(key=lambda f: (f.path, f.line, f.rule))
    return out
