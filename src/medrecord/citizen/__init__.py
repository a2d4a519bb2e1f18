"""Citizens: people with a CPR number, each with one medication card and a GP practice.

Registered by admins; a citizen's ``id`` is the shard key of everything they own."""
