"""``python -m analytics`` is the same as the ``devops-analytics`` command."""

import sys

from analytics.cli import main

sys.exit(main())
