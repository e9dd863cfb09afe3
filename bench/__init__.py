"""Benchmarks: seed N contacts, start the real server, drive load from another process.

Run `python -m bench --help`; README section: "Benchmarks (`bench/`)".
"""
