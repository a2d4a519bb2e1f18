"""Demo data: a small real-looking catalogue, organisations, staff and citizens with cards.

ATC codes, forms and strengths are public facts; drug ids, package numbers and prices are
synthetic (right format, not the real Danish numbers). CPR numbers are synthetic."""
