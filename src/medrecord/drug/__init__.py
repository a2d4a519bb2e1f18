"""The drug catalogue: drugs (name, form, strength, ATC code, substitution group) and their
packages (6-digit package numbers). Reference data, imported by admins; read by everyone."""
