"""``python -m analytics.sample_large --scale large --out DIR``."""

import sys

from analytics.sample_large.cli import main

if __name__ == "__main__":
    # the program name of the usage line, as when this was the module analytics/sample_large.py
    sys.exit(main(prog="sample_large.py"))
