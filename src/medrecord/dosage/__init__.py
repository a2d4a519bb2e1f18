"""Dosage (FMK: dosering): the structure a prescriber states, its rules and derived values, and
the Danish and English texts a patient and a label read."""
