"""Test support shared by tests/ and benchmarks/: throwaway PostgreSQL, receipt fixtures, ESC/POS reader."""
