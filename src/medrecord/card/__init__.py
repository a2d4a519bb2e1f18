"""The medication card (FMK: medicinkort): one per citizen, the composition of everything on it.

Its ``version`` bumps with every change to anything on it (medications, prescriptions, orders,
dispensings) and is its ETag; a doctor's review (ajourføring) records who stated it current and
when. The card read is the service's hot path: one SQL statement builds the whole document."""
