"""Who lives in the synthetic Denmark: ages by Denmark's pyramid, sexes, Danish names, and CPR
numbers that agree with the birth date (the 7th digit's century rule) and are never repeated."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import accumulate

# Share of the population by 5-year age band, per cent (0-4, 5-9, ..., 95-99, 100+).
# Statistics Denmark, FOLK1A, approximate (1 January 2024).
AGE_BANDS: tuple[float, ...] = (
    5.3, 5.5, 5.8, 5.9, 6.4, 7.0, 6.6, 6.1, 5.9, 6.3,
    7.0, 6.9, 6.2, 5.6, 5.2, 4.6, 2.9, 1.5, 0.6, 0.15, 0.02,
)  # fmt: skip
_CUMULATIVE = tuple(accumulate(AGE_BANDS))

FIRST_NAMES_F = (
    "Anne", "Kirsten", "Mette", "Hanne", "Anna", "Helle", "Susanne", "Lene", "Maria", "Marianne",
    "Inge", "Karen", "Lone", "Bente", "Camilla", "Pia", "Louise", "Ida", "Emma", "Sofie",
    "Freja", "Clara", "Alma", "Ella", "Julie", "Caroline", "Birgit", "Grethe", "Tove", "Nina",
)  # fmt: skip
FIRST_NAMES_M = (
    "Peter", "Jens", "Michael", "Lars", "Henrik", "Thomas", "Søren", "Jan", "Niels", "Christian",
    "Martin", "Rasmus", "Jesper", "Anders", "Morten", "Mads", "Frederik", "William", "Oscar",
    "Noah", "Carl", "Lucas", "Emil", "Victor", "Magnus", "Ole", "Bent", "Erik", "Hans", "Poul",
)  # fmt: skip
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen", "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund", "Holm", "Schmidt",
)  # fmt: skip


def below(rng: random.Random, n: int) -> int:
    """``below(rng, n)`` in a fifth of the time (millions of draws; n < 2**40, so the float
    has bits to spare)."""
    return int(rng.random() * n)


def between(rng: random.Random, a: int, b: int) -> int:
    """``rng.randint(a, b)``, as fast as ``below``."""
    return a + int(rng.random() * (b - a + 1))


def draw_age(rng: random.Random) -> int:
    """An age in whole years: a band by its share, then a year within it (100+: up to 104)."""
    x = rng.random() * _CUMULATIVE[-1]
    band = 0
    for c in _CUMULATIVE:
        if x <= c:
            break
        band += 1
    return min(band, len(AGE_BANDS) - 1) * 5 + below(rng, 5)


def birth_date(rng: random.Random, age: int, today: date) -> date:
    """A birth date at which someone is ``age`` on ``today``."""
    latest = _years_before(today, age)  # the last day one can be born and be age today
    return latest - timedelta(days=below(rng, 365))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def name(rng: random.Random, sex: str) -> str:
    first = rng.choice(FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M)
    return f"{first} {rng.choice(SURNAMES)}"


def _seventh_digits(born: date) -> tuple[int, ...]:
    """The 7th digits that put ``born``'s two-digit year in its century (citizen.rules)."""
    yy = born.year % 100
    if 1900 <= born.year <= 1999:
        return (0, 1, 2, 3) + ((4, 9) if yy > 36 else ())
    if 2000 <= born.year <= 2036:
        return (4, 9, 5, 6, 7, 8)
    if 2037 <= born.year <= 2057:
        return (5, 6, 7, 8)
    if 1858 <= born.year <= 1899:
        return (5, 6, 7, 8)
    raise ValueError(f"no CPR century for {born.year}")


class CprAllocator:
    """Hands out distinct CPR numbers per birth date and sex (the last digit is odd for men),
    in an order shuffled once per seed, so numbers look random yet never repeat."""

    def __init__(self, seed: int) -> None:
        self._taken: dict[tuple[date, str], int] = {}
        self._orders: dict[tuple[tuple[int, ...], str], list[str]] = {}
        # Synthetic data, not secrets: a seeded generator is the point.
        self._rng = random.Random(f"cpr:{seed}")  # noqa: S311

    def next(self, born: date, sex: str) -> str:
        digits = _seventh_digits(born)
        order = self._orders.get((digits, sex))
        if order is None:
            odd = 1 if sex == "M" else 0
            order = [f"{d}{n:03d}" for d in digits for n in range(1000) if n % 2 == odd]
            self._rng.shuffle(order)
            self._orders[(digits, sex)] = order
        k = self._taken.get((born, sex), 0)
        if k >= len(order):
            raise ValueError(f"no CPR number left for {born} ({sex})")
        self._taken[(born, sex)] = k + 1
        serial = order[(k + born.toordinal() * 7919) % len(order)]
        return f"{born:%d%m}{born.year % 100:02d}{serial}"
