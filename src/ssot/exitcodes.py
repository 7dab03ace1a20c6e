"""Exit codes shared by every command (README.md, "Exit codes")."""

OK = 0  # clean: nothing found, or the command did what it was asked
FOUND = 1  # findings: duplicates found, check failed, collection got worse, validation failed
USAGE = 2  # usage or configuration error
PARTIAL = 3  # the work is incomplete: files skipped (unreadable, syntax errors), collection errors
INTERRUPTED = 130
INTERNAL_ERROR = 70  # a bug in ssot (EX_SOFTWARE)
