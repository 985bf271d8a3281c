"""`python -m tests.faults`: the fault corpus (tests/faults/corpus.py)."""

import sys

from tests.faults.corpus import main

sys.exit(main())
