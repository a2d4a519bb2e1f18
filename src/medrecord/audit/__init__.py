"""Audit: an append-only row for every access to a citizen's data, written in the same
transaction as the use case it records, so no citizen data leaves without its row."""
