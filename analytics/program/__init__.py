"""Judging a program: before/after impact (impact), targets (scorecard), DORA bands (dora) and
their published data (dora_published), and the CAICT continuous-delivery levels the data
supports (caict, with its figures in caict_facts and the model's text in caict_model)."""
