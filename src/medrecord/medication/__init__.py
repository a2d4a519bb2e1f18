"""Medications: treatments on the citizen's card (FMK: lægemiddelordination).

Life cycle: created active → paused ↔ resumed → withdrawn (final, with reason; cancels open
prescriptions). Every change replaces the whole medication, bumps its version and the card's,
and appends a version row. Private marking hides it from all but the citizen and the marking
organisation."""
