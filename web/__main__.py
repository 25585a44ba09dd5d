"""``python -m web serve|token``."""

import sys

from .cli import main

sys.exit(main())
