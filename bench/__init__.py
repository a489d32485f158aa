"""District-scale benchmarks: each operation timed against the bare library doing the same work."""
