"""Judging a program: before/after impact (impact), targets (scorecard), DORA bands (dora) and
their published data (dora_published)."""
