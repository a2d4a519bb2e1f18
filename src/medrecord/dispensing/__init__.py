"""Dispensings (effektueringer): a pharmacy hands out one iteration of a prescription.

A dispensing never exceeds what remains, respects the iteration interval, may substitute only
within the substitution group when substitution is allowed, and completes the prescription with
its last iteration. Retries carry the same Idempotency-Key and get the first answer back. The
same pharmacy may undo a dispensing within 7 days, with a reason; that restores the iteration."""
