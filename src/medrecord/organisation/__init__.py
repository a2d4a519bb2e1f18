"""Organisations: GP practices, hospitals, pharmacies and municipalities, by SOR-style code.
Reference data registered by admins; tokens name the caller's organisation."""
