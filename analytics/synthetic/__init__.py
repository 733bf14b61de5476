"""Generators of synthetic data: the bundled sample (sample) and the large benchmark data
(large)."""
