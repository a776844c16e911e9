"""Benchmarks. Each writes its figures to bench/results/<name>.json, as absolute figures and as
ratios against a baseline measured in the same run (the machines are shared and noisy)."""
