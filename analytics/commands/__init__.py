"""Sub-commands of ``devops-analytics``, one module each (see analytics/cli.py)."""
