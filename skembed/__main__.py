"""Run the skembed command line: ``python -m skembed``."""

import sys

from ._cli import main

sys.exit(main())
