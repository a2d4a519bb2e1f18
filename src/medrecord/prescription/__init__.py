"""Prescriptions (recepter) and pharmacy orders (bestillinger).

A prescription is made from an active medication and records the medication version it came
from. Life cycle: open → completed (last iteration dispensed) | cancelled (with reason; also when
its medication is withdrawn); expiry is computed from ``valid_to`` and is never dispensable.
A pharmacy claims an open prescription with an order; at most one open order exists per
prescription, so one pharmacy holds it until it dispenses or cancels the order."""
