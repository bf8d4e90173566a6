"""Benchmark scripts: they print figures and assert nothing."""
