"""``python -m analytics.synthetic.large --scale large --out DIR``."""

import sys

from analytics.synthetic.large.cli import main

if __name__ == "__main__":
    # the program name of the usage line, as when this was the module analytics/synthetic/large.py
    sys.exit(main(prog="sample_large.py"))
