"""Catalogue rules: what a dispensing group means, and what a search text asks for. Pure."""

from __future__ import annotations

import re

from medrecord.models.drug import DispensingGroup

# An ATC code or a prefix of one down to the therapeutic subgroup (N02, N02B, N02BE, N02BE01);
# a single letter is a word, not a code.
_ATC_PREFIX = re.compile(r"[A-Z][0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{1,2})?)?)?")


def is_over_the_counter(group: str) -> bool:
    """Over the counter (håndkøb) is exactly the H groups: HA, HF, HX."""
    return group.startswith("H")


def dispensed_once(group: str) -> bool:
    """A§4 drugs (opioids and other addictive drugs) go out once per prescription: no
    iterations (the Danish prescription order, § 6, stk. 2)."""
    return group in (DispensingGroup.A4, DispensingGroup.A4_NA)


def otc_problem(otc: bool, group: str) -> str | None:
    """Why an over-the-counter flag cannot go with ``group``, or None when it fits."""
    if otc == is_over_the_counter(group):
        return None
    if otc:
        return (
            f"true, but dispensing group {group} needs a prescription "
            "(over the counter is HA, HF or HX)"
        )
    return f"false, but dispensing group {group} is over the counter"


def normalise_substance(name: str) -> str:
    """A substance as the catalogue stores it: lower case, single spaces."""
    return " ".join(name.split()).lower()


def atc_prefix(text: str) -> str | None:
    """The ATC prefix a search text is, upper-cased, or None when it is not one."""
    candidate = text.strip().upper()
    return candidate if _ATC_PREFIX.fullmatch(candidate) else None
