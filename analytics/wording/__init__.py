"""Numbers, durations, targets and verdicts in words (no matplotlib needed)."""
