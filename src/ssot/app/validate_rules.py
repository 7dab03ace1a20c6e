"""The rule ids ``ssot validate`` reports (``--select``/``--ignore`` take these)."""

from ssot.app.canonical import NON_CANONICAL_RULE, STAR_RULE

RULES: dict[str, str] = {
    NON_CANONICAL_RULE: "A consolidated name imported from a module other than its canonical one.",
    STAR_RULE: "A consolidated name that reaches a file only through `import *`.",
}
