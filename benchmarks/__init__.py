"""FactBot benchmarks: retrieval against the naive scan, the event loop, end to end.

Run them with `make bench` (or `make bench-quick`); see benchmarks/README.md.
"""
