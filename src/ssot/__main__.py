"""``python -m ssot``: the same as the ``ssot`` command."""

import sys

from ssot.cli import main

sys.exit(main())
