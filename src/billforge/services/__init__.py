"""Use cases. Each takes keyword-only arguments, owns its transaction, calls the domain and the
database, and returns plain values or raises errors from ``billforge.errors``."""
