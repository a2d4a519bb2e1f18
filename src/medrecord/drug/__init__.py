"""The drug catalogue: drugs (name, form, strength, ATC code, active substances, substitution
group, dispensing group and over-the-counter flag) and their packages (6-digit package numbers).
Reference data, imported by admins; read by everyone. See docs/design/catalogue.md."""
