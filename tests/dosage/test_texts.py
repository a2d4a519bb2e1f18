"""The texts, type and daily dose derived from each shape of dosage: a specification.

The Danish follows FMK's Dosis-til-tekst; a `# FMK:` comment gives the official converter's
text where it says otherwise for the same structure (start 2026-12-01 when ours is unknown)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from pydantic import TypeAdapter

from medrecord.dosage.derive import derive
from medrecord.dosage.rules import contradictions
from medrecord.dosage.schemas import DailyDose, Dosage

START = date(2026, 12, 1)  # a Tuesday

Number = int | float
Daily = Number | tuple[Number, Number] | None


class Row(NamedTuple):
    id: str
    dosage: dict[str, Any]
    start: date | None
    da_short: str | None
    da_long: str
    en_short: str | None
    en_long: str
    type: str
    temporary: bool
    daily: list[Daily]


ROWS = [
    # --- daily, day parts
    Row(
        "parts-1-tablet-morning",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}],
        },
        START,
        da_short="1 tablet morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver morgen",
        en_short="1 tablet in the morning",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every morning",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "parts-2-tablets-evening",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "evening", "quantity": 2}]}]}],
        },
        START,
        da_short="2 tabletter aften",
        da_long="Dosering fra d. 1. dec. 2026:\n2 tabletter hver aften",
        en_short="2 tablets in the evening",
        en_long="Dosage from 1 Dec 2026:\n2 tablets every evening",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "parts-1-tablet-night",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "night", "quantity": 1}]}]}],
        },
        START,
        da_short="1 tablet nat",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver nat",
        en_short="1 tablet at night",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every night",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "parts-1-capsule-noon",
        {
            "unit": "capsule",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "noon", "quantity": 1}]}]}],
        },
        START,
        da_short="1 kapsel middag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 kapsel hver middag",
        en_short="1 capsule at noon",
        en_long="Dosage from 1 Dec 2026:\n1 capsule every day at noon",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "parts-morning-and-evening-equal",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1 tablet morgen og aften",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet morgen og 1 tablet aften - hver dag",
        en_short="1 tablet in the morning and in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning and 1 tablet in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "parts-three-equal",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "noon", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1 tablet morgen, middag og aften",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet morgen, 1 tablet middag og 1 tablet aften - hver dag"
        ),
        en_short="1 tablet in the morning, at noon and in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning, 1 tablet at noon and 1 tablet in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    Row(
        "parts-four-equal",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "noon", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                                {"at": "night", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1 tablet morgen, middag, aften og nat",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet morgen, 1 tablet middag, 1 tablet aften og 1 tablet nat - hver dag"
        ),
        en_short="1 tablet in the morning, at noon, in the evening and at night",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning, 1 tablet at noon, 1 tablet in the evening and 1 tablet "
            "at night - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[4],
    ),
    Row(
        "parts-morning-1-evening-2",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 2},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1 tablet morgen og 2 tabletter aften",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet morgen og 2 tabletter aften - hver dag",
        en_short="1 tablet in the morning and 2 tablets in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning and 2 tablets in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    Row(
        "parts-four-different",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 2},
                                {"at": "noon", "quantity": 1},
                                {"at": "evening", "quantity": 2},
                                {"at": "night", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="2 tabletter morgen, 1 tablet middag, 2 tabletter aften og 1 tablet nat",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "2 tabletter morgen, 1 tablet middag, 2 tabletter aften og 1 tablet nat - hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "2 tablets in the morning, 1 tablet at noon, 2 tablets in the evening and 1 tablet "
            "at night - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[6],
    ),
    Row(
        "parts-given-out-of-order",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "evening", "quantity": 2},
                                {"at": "morning", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1 tablet morgen og 2 tabletter aften",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet morgen og 2 tabletter aften - hver dag",
        en_short="1 tablet in the morning and 2 tablets in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning and 2 tablets in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    Row(
        "parts-half-tablet-morning",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 0.5}]}]}],
        },
        START,
        da_short="0,5 tablet morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n0,5 tablet hver morgen",
        en_short="0.5 tablet in the morning",
        en_long="Dosage from 1 Dec 2026:\n0.5 tablet every morning",
        type="fixed",
        temporary=False,
        daily=[0.5],
    ),
    Row(
        "parts-one-and-a-half-tablets",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1.5}]}]}],
        },
        START,
        da_short="1,5 tabletter morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n1,5 tabletter hver morgen",
        en_short="1.5 tablets in the morning",
        en_long="Dosage from 1 Dec 2026:\n1.5 tablets every morning",
        type="fixed",
        temporary=False,
        daily=[1.5],
    ),
    Row(
        "parts-quarter-tablet-evening",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "evening", "quantity": 0.25}]}]}],
        },
        START,
        da_short="0,25 tablet aften",
        da_long="Dosering fra d. 1. dec. 2026:\n0,25 tablet hver aften",
        en_short="0.25 tablet in the evening",
        en_long="Dosage from 1 Dec 2026:\n0.25 tablet every evening",
        type="fixed",
        temporary=False,
        daily=[0.25],
    ),
    Row(
        "parts-half-morning-and-evening",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 0.5},
                                {"at": "evening", "quantity": 0.5},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="0,5 tablet morgen og aften",
        da_long="Dosering fra d. 1. dec. 2026:\n0,5 tablet morgen og 0,5 tablet aften - hver dag",
        en_short="0.5 tablet in the morning and in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "0.5 tablet in the morning and 0.5 tablet in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "parts-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        None,
        da_short="1 tablet morgen og aften",
        da_long="Dosering:\n1 tablet morgen og 1 tablet aften - hver dag",
        en_short="1 tablet in the morning and in the evening",
        en_long="Dosage:\n1 tablet in the morning and 1 tablet in the evening - every day",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    # --- daily, unspecified times
    Row(
        "plain-1-tablet-once",
        {"unit": "tablet", "periods": [{"days": [{"day": 1, "doses": [{"quantity": 1}]}]}]},
        START,
        da_short="1 tablet daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver dag",
        en_short="1 tablet daily",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every day",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "plain-2-tablets-once",
        {"unit": "tablet", "periods": [{"days": [{"day": 1, "doses": [{"quantity": 2}]}]}]},
        START,
        da_short="2 tabletter 1 gang daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n2 tabletter hver dag",
        en_short="2 tablets once daily",
        en_long="Dosage from 1 Dec 2026:\n2 tablets every day",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "plain-1-tablet-3-times",
        {
            "unit": "tablet",
            "periods": [
                {"days": [{"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}, {"quantity": 1}]}]}
            ],
        },
        START,
        da_short="1 tablet 3 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet 3 gange hver dag",
        en_short="1 tablet 3 times daily",
        en_long="Dosage from 1 Dec 2026:\n1 tablet 3 times every day",
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    Row(
        "plain-2-capsules-2-times",
        {
            "unit": "capsule",
            "periods": [{"days": [{"day": 1, "doses": [{"quantity": 2}, {"quantity": 2}]}]}],
        },
        START,
        da_short="2 kapsler 2 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n2 kapsler 2 gange hver dag",
        en_short="2 capsules twice daily",
        en_long="Dosage from 1 Dec 2026:\n2 capsules twice every day",
        type="fixed",
        temporary=False,
        daily=[4],
    ),
    Row(
        "plain-different-sizes",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"quantity": 1}, {"quantity": 2}]}]}],
        },
        START,
        da_short=None,
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet og 2 tabletter hver dag",
        en_short=None,
        en_long="Dosage from 1 Dec 2026:\n1 tablet and 2 tablets every day",
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    Row(
        "plain-start-unknown",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}]}]}],
        },
        None,
        da_short="1 tablet 2 gange daglig",
        da_long="Dosering:\n1 tablet 2 gange hver dag",
        en_short="1 tablet twice daily",
        en_long="Dosage:\n1 tablet twice every day",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    # --- clock times
    Row(
        "clock-24-units-22",
        {
            "unit": "unit",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "22:00", "quantity": 24}]}]}],
        },
        START,
        da_short="24 enheder kl. 22:00 daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n24 enheder kl. 22:00 - hver dag",
        en_short="24 units at 22:00 daily",
        en_long="Dosage from 1 Dec 2026:\n24 units at 22:00 - every day",
        type="fixed",
        temporary=False,
        daily=[24],
    ),
    Row(
        "clock-1-unit-22",
        {
            "unit": "unit",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "22:00", "quantity": 1}]}]}],
        },
        START,
        da_short="1 enhed kl. 22:00 daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 enhed kl. 22:00 - hver dag",
        en_short="1 unit at 22:00 daily",
        en_long="Dosage from 1 Dec 2026:\n1 unit at 22:00 - every day",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "clock-1-tablet-08",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "08:00", "quantity": 1}]}]}],
        },
        START,
        da_short="1 tablet kl. 8:00 daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet kl. 8:00 - hver dag",
        en_short="1 tablet at 08:00 daily",
        en_long="Dosage from 1 Dec 2026:\n1 tablet at 08:00 - every day",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "clock-08-and-20",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "08:00", "quantity": 1},
                                {"at": "20:00", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n1 tablet kl. 8:00 og 1 tablet kl. 20:00 - hver dag"
        ),
        en_short=None,
        en_long="Dosage from 1 Dec 2026:\n1 tablet at 08:00 and 1 tablet at 20:00 - every day",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "clock-three-different",
        {
            "unit": "unit",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "08:00", "quantity": 10},
                                {"at": "12:00", "quantity": 8},
                                {"at": "18:00", "quantity": 6},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "10 enheder kl. 8:00, 8 enheder kl. 12:00 og 6 enheder kl. 18:00 - hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "10 units at 08:00, 8 units at 12:00 and 6 units at 18:00 - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[24],
    ),
    Row(
        "clock-mixed-with-morning",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "12:30", "quantity": 2},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n1 tablet morgen og 2 tabletter kl. 12:30 - hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n1 tablet in the morning and 2 tablets at 12:30 - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    Row(
        "clock-unsorted",
        {
            "unit": "capsule",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "20:00", "quantity": 1},
                                {"at": "08:00", "quantity": 2},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n2 kapsler kl. 8:00 og 1 kapsel kl. 20:00 - hver dag"
        ),
        en_short=None,
        en_long="Dosage from 1 Dec 2026:\n2 capsules at 08:00 and 1 capsule at 20:00 - every day",
        type="fixed",
        temporary=False,
        daily=[3],
    ),
    # --- ranges, fixed
    Row(
        "range-morning-and-evening",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "min": 1, "max": 2},
                                {"at": "evening", "min": 1, "max": 2},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1-2 tabletter morgen og aften",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n1-2 tabletter morgen og 1-2 tabletter aften - hver dag"
        ),
        en_short="1-2 tablets in the morning and in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1-2 tablets in the morning and 1-2 tablets in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[(2, 4)],
    ),
    Row(
        "range-3-times",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"min": 1, "max": 2},
                                {"min": 1, "max": 2},
                                {"min": 1, "max": 2},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="1-2 tabletter 3 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1-2 tabletter 3 gange hver dag",
        en_short="1-2 tablets 3 times daily",
        en_long="Dosage from 1 Dec 2026:\n1-2 tablets 3 times every day",
        type="fixed",
        temporary=False,
        daily=[(3, 6)],
    ),
    Row(
        "range-half-to-1-evening",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "evening", "min": 0.5, "max": 1}]}]}],
        },
        START,
        da_short="0,5-1 tablet aften",
        da_long="Dosering fra d. 1. dec. 2026:\n0,5-1 tablet hver aften",
        en_short="0.5-1 tablet in the evening",
        en_long="Dosage from 1 Dec 2026:\n0.5-1 tablet every evening",
        type="fixed",
        temporary=False,
        daily=[(0.5, 1)],
    ),
    Row(
        "range-from-zero-night",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "night", "min": 0, "max": 1}]}]}],
        },
        START,
        da_short="0-1 tablet nat",
        da_long="Dosering fra d. 1. dec. 2026:\n0-1 tablet hver nat",
        en_short="0-1 tablet at night",
        en_long="Dosage from 1 Dec 2026:\n0-1 tablet every night",
        type="fixed",
        temporary=False,
        daily=[(0, 1)],
    ),
    Row(
        "range-units-at-clock",
        {
            "unit": "unit",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "08:00", "min": 4, "max": 8}]}]}],
        },
        START,
        da_short="4-8 enheder kl. 8:00 daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n4-8 enheder kl. 8:00 - hver dag",
        en_short="4-8 units at 08:00 daily",
        en_long="Dosage from 1 Dec 2026:\n4-8 units at 08:00 - every day",
        type="fixed",
        temporary=False,
        daily=[(4, 8)],
    ),
    # --- as needed
    Row(
        "prn-no-limit",
        {"unit": "tablet", "periods": [{"as_needed": {"quantity": 1}}]},
        START,
        da_short="1 tablet efter behov",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet efter behov",
        en_short="1 tablet as needed",
        en_long="Dosage from 1 Dec 2026:\n1 tablet as needed",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-max-4-times",
        {"unit": "tablet", "periods": [{"as_needed": {"quantity": 2, "max_times_per_day": 4}}]},
        START,
        da_short="2 tabletter efter behov, højst 4 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n2 tabletter efter behov, højst 4 gange dagligt",
        en_short="2 tablets as needed, at most 4 times a day",
        en_long="Dosage from 1 Dec 2026:\n2 tablets as needed, at most 4 times a day",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-max-once",
        {"unit": "tablet", "periods": [{"as_needed": {"quantity": 1, "max_times_per_day": 1}}]},
        START,
        da_short="1 tablet efter behov, højst 1 gang dagligt",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet efter behov, højst 1 gang dagligt",
        en_short="1 tablet as needed, at most once a day",
        en_long="Dosage from 1 Dec 2026:\n1 tablet as needed, at most once a day",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-range-max-3-times",
        {
            "unit": "tablet",
            "periods": [{"as_needed": {"min": 1, "max": 2, "max_times_per_day": 3}}],
        },
        START,
        da_short="1-2 tabletter efter behov, højst 3 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1-2 tabletter efter behov, højst 3 gange dagligt",
        en_short="1-2 tablets as needed, at most 3 times a day",
        en_long="Dosage from 1 Dec 2026:\n1-2 tablets as needed, at most 3 times a day",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-range-ml-no-limit",
        {"unit": "ml", "periods": [{"as_needed": {"min": 5, "max": 10}}]},
        START,
        da_short="5-10 ml efter behov",
        da_long="Dosering fra d. 1. dec. 2026:\n5-10 ml efter behov",
        en_short="5-10 ml as needed",
        en_long="Dosage from 1 Dec 2026:\n5-10 ml as needed",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-max-quantity-only",
        {"unit": "tablet", "periods": [{"as_needed": {"quantity": 1, "max_quantity_per_day": 4}}]},
        START,
        # FMK (has no maximum a day): "1 tablet efter behov"
        da_short="1 tablet efter behov, højst 4 tabletter i døgnet",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet efter behov, højst 4 tabletter i døgnet",
        en_short="1 tablet as needed, at most 4 tablets a day",
        en_long="Dosage from 1 Dec 2026:\n1 tablet as needed, at most 4 tablets a day",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-max-times-and-quantity",
        {
            "unit": "tablet",
            "periods": [
                {"as_needed": {"quantity": 2, "max_times_per_day": 4, "max_quantity_per_day": 6}}
            ],
        },
        START,
        # FMK (has no maximum a day): "2 tabletter efter behov, højst 4 gange daglig"
        # FMK: "2 tabletter efter behov, højst 4 gange daglig"
        da_short="2 tabletter efter behov, højst 4 gange og 6 tabletter i døgnet",
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "2 tabletter efter behov, højst 4 gange dagligt"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "2 tabletter efter behov, højst 4 gange og 6 tabletter i døgnet"
        ),
        en_short="2 tablets as needed, at most 4 times and 6 tablets a day",
        en_long=(
            "Dosage from 1 Dec 2026:\n2 tablets as needed, at most 4 times and 6 tablets a day"
        ),
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-range-with-both-limits",
        {
            "unit": "tablet",
            "periods": [
                {
                    "as_needed": {
                        "min": 1,
                        "max": 2,
                        "max_times_per_day": 3,
                        "max_quantity_per_day": 4,
                    }
                }
            ],
        },
        START,
        # FMK (has no maximum a day): "1-2 tabletter efter behov, højst 3 gange daglig"
        # FMK: "1-2 tabletter efter behov, højst 3 gange daglig"
        da_short="1-2 tabletter efter behov, højst 3 gange og 4 tabletter i døgnet",
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1-2 tabletter efter behov, højst 3 gange dagligt"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1-2 tabletter efter behov, højst 3 gange og 4 tabletter i døgnet"
        ),
        en_short="1-2 tablets as needed, at most 3 times and 4 tablets a day",
        en_long=(
            "Dosage from 1 Dec 2026:\n1-2 tablets as needed, at most 3 times and 4 tablets a day"
        ),
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-puff-with-note",
        {
            "unit": "puff",
            "periods": [{"as_needed": {"quantity": 1, "max_times_per_day": 3}}],
            "note": "ved anfald",
        },
        START,
        da_short="1 pust efter behov, højst 3 gange daglig.\nBemærk: ved anfald",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 pust efter behov, højst 3 gange dagligt\n"
            "Bemærk: ved anfald"
        ),
        en_short="1 puff as needed, at most 3 times a day.\nNote: ved anfald",
        en_long=(
            "Dosage from 1 Dec 2026:\n1 puff as needed, at most 3 times a day\nNote: ved anfald"
        ),
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-for-14-days",
        {
            "unit": "tablet",
            "periods": [{"length_days": 14, "as_needed": {"quantity": 1, "max_times_per_day": 3}}],
        },
        START,
        da_short="1 tablet efter behov, højst 3 gange daglig",
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 14. dec. 2026:\n"
            "1 tablet efter behov, højst 3 gange dagligt"
        ),
        en_short="1 tablet as needed, at most 3 times a day",
        en_long=(
            "Dosage from 1 Dec 2026 to 14 Dec 2026:\n1 tablet as needed, at most 3 times a day"
        ),
        type="as_needed",
        temporary=True,
        daily=[None],
    ),
    Row(
        "prn-start-unknown",
        {"unit": "tablet", "periods": [{"as_needed": {"quantity": 1, "max_times_per_day": 3}}]},
        None,
        da_short="1 tablet efter behov, højst 3 gange daglig",
        da_long="Dosering:\n1 tablet efter behov, højst 3 gange dagligt",
        en_short="1 tablet as needed, at most 3 times a day",
        en_long="Dosage:\n1 tablet as needed, at most 3 times a day",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "prn-one-day",
        {
            "unit": "tablet",
            "periods": [{"length_days": 1, "as_needed": {"quantity": 1, "max_times_per_day": 2}}],
        },
        START,
        # FMK: "1 tablet efter behov 2 gange"
        da_short="1 tablet efter behov, højst 2 gange daglig",
        da_long="Dosering kun d. 1. dec. 2026:\n1 tablet efter behov, højst 2 gange dagligt",
        en_short="1 tablet as needed, at most twice a day",
        en_long="Dosage on 1 Dec 2026 only:\n1 tablet as needed, at most twice a day",
        type="as_needed",
        temporary=True,
        daily=[None],
    ),
    # --- combined fixed + as needed in one period
    Row(
        "combined-morning-plus-prn",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}],
                    "as_needed": {"quantity": 1, "max_times_per_day": 2},
                }
            ],
        },
        START,
        da_short="1 tablet morgen, samt 1 tablet efter behov, højst 2 gange daglig",
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1 tablet morgen og 1 tablet efter behov, højst 2 gange dagligt - hver dag"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet hver morgen\n"
            "1 tablet efter behov, højst 2 gange dagligt"
        ),
        en_short="1 tablet in the morning, plus 1 tablet as needed, at most twice a day",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet every morning\n"
            "1 tablet as needed, at most twice a day"
        ),
        type="combined",
        temporary=False,
        daily=[1],
    ),
    Row(
        "combined-inhaler-1-puff",
        {
            "unit": "puff",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ],
                    "as_needed": {"quantity": 1, "max_times_per_day": 4},
                }
            ],
        },
        START,
        da_short="1 pust morgen og aften, samt 1 pust efter behov, højst 4 gange daglig",
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1 pust efter behov, 1 pust efter behov, 1 pust efter behov, 1 pust efter behov, 1 "
        #       "pust morgen og 1 pust aften - hver dag"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 pust morgen og 1 pust aften - hver dag\n"
            "1 pust efter behov, højst 4 gange dagligt"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 puff in the morning and 1 puff in the evening - every day\n"
            "1 puff as needed, at most 4 times a day"
        ),
        type="combined",
        temporary=False,
        daily=[2],
    ),
    Row(
        "combined-inhaler-2-puffs-range",
        {
            "unit": "puff",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 2},
                                {"at": "evening", "quantity": 2},
                            ],
                        }
                    ],
                    "as_needed": {"min": 1, "max": 2, "max_times_per_day": 4},
                }
            ],
        },
        START,
        da_short=None,
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1-2 pust efter behov, 1-2 pust efter behov, 1-2 pust efter behov, 1-2 pust efter "
        #       "behov, 2 pust morgen og 2 pust aften - hver dag"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "2 pust morgen og 2 pust aften - hver dag\n"
            "1-2 pust efter behov, højst 4 gange dagligt"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "2 puffs in the morning and 2 puffs in the evening - every day\n"
            "1-2 puffs as needed, at most 4 times a day"
        ),
        type="combined",
        temporary=False,
        daily=[4],
    ),
    Row(
        "combined-clock-plus-prn",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [{"day": 1, "doses": [{"at": "08:00", "quantity": 1}]}],
                    "as_needed": {"quantity": 1, "max_times_per_day": 1},
                }
            ],
        },
        START,
        da_short=None,
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1 tablet efter behov og 1 tablet kl. 8:00 - hver dag"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet kl. 8:00 - hver dag\n"
            "1 tablet efter behov, højst 1 gang dagligt"
        ),
        en_short="1 tablet at 08:00 daily, plus 1 tablet as needed, at most once a day",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet at 08:00 - every day\n"
            "1 tablet as needed, at most once a day"
        ),
        type="combined",
        temporary=False,
        daily=[1],
    ),
    Row(
        "combined-plain-plus-prn-no-limit",
        {
            "unit": "tablet",
            "periods": [
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}], "as_needed": {"quantity": 1}}
            ],
        },
        START,
        # FMK: "1 tablet 1-2 gange daglig" (a PN dose on day 1 of a daily cycle: at most once)
        da_short="1 tablet daglig, samt 1 tablet efter behov",
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1 tablet og 1 tablet efter behov hver dag"
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver dag\n1 tablet efter behov",
        en_short="1 tablet daily, plus 1 tablet as needed",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every day\n1 tablet as needed",
        type="combined",
        temporary=False,
        daily=[1],
    ),
    Row(
        "combined-units-clock-plus-range-prn",
        {
            "unit": "unit",
            "periods": [
                {
                    "days": [{"day": 1, "doses": [{"at": "22:00", "quantity": 24}]}],
                    "as_needed": {"min": 2, "max": 6, "max_times_per_day": 3},
                }
            ],
        },
        START,
        da_short=None,
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "24 enheder kl. 22:00 og 2-6 enheder efter behov, højst 3 gange dagligt - hver dag"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "24 enheder kl. 22:00 - hver dag\n"
            "2-6 enheder efter behov, højst 3 gange dagligt"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "24 units at 22:00 - every day\n"
            "2-6 units as needed, at most 3 times a day"
        ),
        type="combined",
        temporary=False,
        daily=[24],
    ),
    Row(
        "combined-fixed-then-prn-period",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 7,
                    "days": [
                        {"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}, {"quantity": 1}]}
                    ],
                },
                {"as_needed": {"quantity": 1, "max_times_per_day": 3}},
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 7. dec. 2026:\n"
            "1 tablet 3 gange hver dag\n\n"
            "Dosering fra d. 8. dec. 2026:\n"
            "1 tablet efter behov, højst 3 gange dagligt"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 7 Dec 2026:\n"
            "1 tablet 3 times every day\n\n"
            "Dosage from 8 Dec 2026:\n"
            "1 tablet as needed, at most 3 times a day"
        ),
        type="combined",
        temporary=False,
        daily=[3, None],
    ),
    Row(
        "combined-every-2nd-day-plus-prn",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 2,
                    "days": [{"day": 1, "doses": [{"quantity": 1}]}],
                    "as_needed": {"quantity": 1, "max_times_per_day": 2},
                }
            ],
        },
        START,
        # FMK: None
        da_short="1 tablet hver 2. dag, samt 1 tablet efter behov, højst 2 gange daglig",
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "1 tablet og 1 tablet efter behov, højst 2 gange dagligt - hver 2. dag"
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet hver 2. dag\n"
            "1 tablet efter behov, højst 2 gange dagligt"
        ),
        en_short="1 tablet every 2 days, plus 1 tablet as needed, at most twice a day",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet every 2 days\n"
            "1 tablet as needed, at most twice a day"
        ),
        type="combined",
        temporary=False,
        daily=[0.5],
    ),
    # --- every n-th day
    Row(
        "every-2nd-day-1-tablet",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 2, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        da_short="1 tablet hver 2. dag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver 2. dag",
        en_short="1 tablet every 2 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every 2 days",
        type="fixed",
        temporary=False,
        daily=[0.5],
    ),
    Row(
        "every-2nd-day-morning",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 2, "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}
            ],
        },
        START,
        da_short="1 tablet morgen hver 2. dag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet morgen hver 2. dag",
        en_short="1 tablet in the morning every 2 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet in the morning every 2 days",
        type="fixed",
        temporary=False,
        daily=[0.5],
    ),
    Row(
        "every-2nd-day-2-times",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 2, "days": [{"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}]}]}
            ],
        },
        START,
        da_short="1 tablet 2 gange samme dag hver 2. dag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet 2 gange - hver 2. dag",
        en_short="1 tablet twice a day every 2 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet twice - every 2 days",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "every-2nd-day-morning-and-evening",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 2,
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ],
                }
            ],
        },
        START,
        da_short=None,
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet morgen og 1 tablet aften - hver 2. dag",
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning and 1 tablet in the evening - every 2 days"
        ),
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "every-2nd-day-alternating",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 2,
                    "days": [
                        {"day": 1, "doses": [{"at": "morning", "quantity": 1}]},
                        {"day": 2, "doses": [{"at": "morning", "quantity": 0.5}]},
                    ],
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver 2. dag:\n"
            "Dag 1: 1 tablet morgen\n"
            "Dag 2: 0,5 tablet morgen"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every 2 days:\n"
            "Day 1: 1 tablet in the morning\n"
            "Day 2: 0.5 tablet in the morning"
        ),
        type="fixed",
        temporary=False,
        daily=[0.75],
    ),
    Row(
        "every-3rd-day-1-tablet",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 3, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        da_short="1 tablet hver 3. dag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver 3. dag",
        en_short="1 tablet every 3 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every 3 days",
        type="fixed",
        temporary=False,
        daily=[0.333333333],
    ),
    Row(
        "every-3rd-day-at-08",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 3, "days": [{"day": 1, "doses": [{"at": "08:00", "quantity": 1}]}]}
            ],
        },
        START,
        da_short="1 tablet kl. 8:00 hver 3. dag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet kl. 8:00 hver 3. dag",
        en_short="1 tablet at 08:00 every 3 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet at 08:00 every 3 days",
        type="fixed",
        temporary=False,
        daily=[0.333333333],
    ),
    Row(
        "every-3rd-day-patch",
        {
            "unit": "patch",
            "periods": [{"cycle_days": 3, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        da_short="1 plaster hver 3. dag",
        da_long="Dosering fra d. 1. dec. 2026:\n1 plaster hver 3. dag",
        en_short="1 patch every 3 days",
        en_long="Dosage from 1 Dec 2026:\n1 patch every 3 days",
        type="fixed",
        temporary=False,
        daily=[0.333333333],
    ),
    Row(
        "every-3rd-day-days-1-and-2",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 3,
                    "days": [
                        {"day": 1, "doses": [{"quantity": 2}]},
                        {"day": 2, "doses": [{"quantity": 1}]},
                    ],
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver 3. dag:\n"
            "Dag 1: 2 tabletter\n"
            "Dag 2: 1 tablet"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every 3 days:\nDay 1: 2 tablets\nDay 2: 1 tablet"
        ),
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "every-2nd-day-start-unknown",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 2, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        None,
        da_short="1 tablet hver 2. dag",
        da_long="Dosering:\n1 tablet hver 2. dag",
        en_short="1 tablet every 2 days",
        en_long="Dosage:\n1 tablet every 2 days",
        type="fixed",
        temporary=False,
        daily=[0.5],
    ),
    Row(
        "every-2nd-day-second-day",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 2, "days": [{"day": 2, "doses": [{"quantity": 1}]}]}],
        },
        START,
        # FMK: "1 tablet hver 2. dag"
        da_short=None,
        # FMK: "Dosering fra d. 1. dec. 2026:\n"
        #       "Dag 2: 1 tablet hver 2. dag"
        da_long="Dosering fra d. 1. dec. 2026 - gentages hver 2. dag:\nDag 2: 1 tablet",
        en_short=None,
        en_long="Dosage from 1 Dec 2026 - repeated every 2 days:\nDay 2: 1 tablet",
        type="fixed",
        temporary=False,
        daily=[0.5],
    ),
    # --- weekly
    Row(
        "weekly-tuesday",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 7, "days": [{"weekday": "tuesday", "doses": [{"quantity": 1}]}]}
            ],
        },
        START,
        da_short="1 tablet tirsdag hver uge",
        da_long="Dosering fra d. 1. dec. 2026 - gentages hver uge:\nTirsdag: 1 tablet",
        en_short="1 tablet every Tuesday",
        en_long="Dosage from 1 Dec 2026 - repeated every week:\nTuesday: 1 tablet",
        type="fixed",
        temporary=False,
        daily=[0.142857143],
    ),
    Row(
        "weekly-friday-methotrexate",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 7, "days": [{"weekday": "friday", "doses": [{"quantity": 6}]}]}
            ],
            "note": "methotrexat - kun 1 gang om ugen",
        },
        START,
        da_short="6 tabletter fredag hver uge.\nBemærk: methotrexat - kun 1 gang om ugen",
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
            "Fredag: 6 tabletter\n"
            "Bemærk: methotrexat - kun 1 gang om ugen"
        ),
        en_short="6 tablets every Friday.\nNote: methotrexat - kun 1 gang om ugen",
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\n"
            "Friday: 6 tablets\n"
            "Note: methotrexat - kun 1 gang om ugen"
        ),
        type="fixed",
        temporary=False,
        daily=[0.857142857],
    ),
    Row(
        "weekly-monday-morning-alendronate",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 7,
                    "days": [{"weekday": "monday", "doses": [{"at": "morning", "quantity": 1}]}],
                }
            ],
            "note": "tages fastende med et glas vand",
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
            "Mandag: 1 tablet morgen\n"
            "Bemærk: tages fastende med et glas vand"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\n"
            "Monday: 1 tablet in the morning\n"
            "Note: tages fastende med et glas vand"
        ),
        type="fixed",
        temporary=False,
        daily=[0.142857143],
    ),
    Row(
        "weekly-tuesday-and-friday",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 7,
                    "days": [
                        {"weekday": "tuesday", "doses": [{"quantity": 1}]},
                        {"weekday": "friday", "doses": [{"quantity": 1}]},
                    ],
                }
            ],
        },
        START,
        da_short="1 tablet tirsdag og fredag hver uge",
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\nTirsdag: 1 tablet\nFredag: 1 tablet"
        ),
        en_short="1 tablet every Tuesday and Friday",
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\nTuesday: 1 tablet\nFriday: 1 tablet"
        ),
        type="fixed",
        temporary=False,
        daily=[0.285714286],
    ),
    Row(
        "weekly-three-weekdays",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 7,
                    "days": [
                        {"weekday": "monday", "doses": [{"quantity": 1}]},
                        {"weekday": "wednesday", "doses": [{"quantity": 1}]},
                        {"weekday": "friday", "doses": [{"quantity": 1}]},
                    ],
                }
            ],
        },
        START,
        da_short="1 tablet mandag, onsdag og fredag hver uge",
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
            "Mandag: 1 tablet\n"
            "Onsdag: 1 tablet\n"
            "Fredag: 1 tablet"
        ),
        en_short="1 tablet every Monday, Wednesday and Friday",
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\n"
            "Monday: 1 tablet\n"
            "Wednesday: 1 tablet\n"
            "Friday: 1 tablet"
        ),
        type="fixed",
        temporary=False,
        daily=[0.428571429],
    ),
    Row(
        "weekly-different-amounts",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 7,
                    "days": [
                        {"weekday": "wednesday", "doses": [{"quantity": 1}]},
                        {"weekday": "sunday", "doses": [{"quantity": 2}]},
                    ],
                }
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
            "Onsdag: 1 tablet\n"
            "Søndag: 2 tabletter"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\nWednesday: 1 tablet\nSunday: 2 tablets"
        ),
        type="fixed",
        temporary=False,
        daily=[0.428571429],
    ),
    Row(
        "weekly-patches-unsorted",
        {
            "unit": "patch",
            "periods": [
                {
                    "cycle_days": 7,
                    "days": [
                        {"weekday": "thursday", "doses": [{"quantity": 2}]},
                        {"weekday": "monday", "doses": [{"quantity": 2}]},
                    ],
                }
            ],
        },
        START,
        da_short="2 plastre mandag og torsdag hver uge",
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
            "Mandag: 2 plastre\n"
            "Torsdag: 2 plastre"
        ),
        en_short="2 patches every Monday and Thursday",
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\nMonday: 2 patches\nThursday: 2 patches"
        ),
        type="fixed",
        temporary=False,
        daily=[0.571428571],
    ),
    Row(
        "weekly-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {"cycle_days": 7, "days": [{"weekday": "monday", "doses": [{"quantity": 1}]}]}
            ],
        },
        None,
        da_short="1 tablet mandag hver uge",
        da_long="Dosering - gentages hver uge:\nMandag: 1 tablet",
        en_short="1 tablet every Monday",
        en_long="Dosage - repeated every week:\nMonday: 1 tablet",
        type="fixed",
        temporary=False,
        daily=[0.142857143],
    ),
    Row(
        "weekly-for-4-weeks",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 28,
                    "cycle_days": 7,
                    "days": [{"weekday": "tuesday", "doses": [{"quantity": 1}]}],
                }
            ],
        },
        START,
        da_short="1 tablet tirsdag hver uge",
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 28. dec. 2026 - gentages hver uge:\n"
            "Tirsdag: 1 tablet"
        ),
        en_short="1 tablet every Tuesday",
        en_long="Dosage from 1 Dec 2026 to 28 Dec 2026 - repeated every week:\nTuesday: 1 tablet",
        type="fixed",
        temporary=True,
        daily=[0.142857143],
    ),
    # --- longer cycles
    Row(
        "cycle-14-days",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 14, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        # FMK: "1 tablet tirsdag hver 2. uge"
        da_short="1 tablet hver 14. dag",
        # FMK: "Dosering fra d. 1. dec. 2026 - gentages hver 14. dag:\n"
        #       "Hver 2. tirsdag: 1 tablet"
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver 14. dag",
        en_short="1 tablet every 14 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every 14 days",
        type="fixed",
        temporary=False,
        daily=[0.071428571],
    ),
    Row(
        "cycle-28-days-21-on-7-off",
        {
            "unit": "tablet",
            "periods": [
                {
                    "cycle_days": 28,
                    "days": [
                        {"day": 1, "doses": [{"quantity": 1}]},
                        {"day": 2, "doses": [{"quantity": 1}]},
                        {"day": 3, "doses": [{"quantity": 1}]},
                        {"day": 4, "doses": [{"quantity": 1}]},
                        {"day": 5, "doses": [{"quantity": 1}]},
                        {"day": 6, "doses": [{"quantity": 1}]},
                        {"day": 7, "doses": [{"quantity": 1}]},
                        {"day": 8, "doses": [{"quantity": 1}]},
                        {"day": 9, "doses": [{"quantity": 1}]},
                        {"day": 10, "doses": [{"quantity": 1}]},
                        {"day": 11, "doses": [{"quantity": 1}]},
                        {"day": 12, "doses": [{"quantity": 1}]},
                        {"day": 13, "doses": [{"quantity": 1}]},
                        {"day": 14, "doses": [{"quantity": 1}]},
                        {"day": 15, "doses": [{"quantity": 1}]},
                        {"day": 16, "doses": [{"quantity": 1}]},
                        {"day": 17, "doses": [{"quantity": 1}]},
                        {"day": 18, "doses": [{"quantity": 1}]},
                        {"day": 19, "doses": [{"quantity": 1}]},
                        {"day": 20, "doses": [{"quantity": 1}]},
                        {"day": 21, "doses": [{"quantity": 1}]},
                    ],
                }
            ],
        },
        START,
        # FMK: "1 tablet daglig i 3 uger, herefter en uges pause"
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver 28. dag:\n"
            "Dag 1: 1 tablet\n"
            "Dag 2: 1 tablet\n"
            "Dag 3: 1 tablet\n"
            "Dag 4: 1 tablet\n"
            "Dag 5: 1 tablet\n"
            "Dag 6: 1 tablet\n"
            "Dag 7: 1 tablet\n"
            "Dag 8: 1 tablet\n"
            "Dag 9: 1 tablet\n"
            "Dag 10: 1 tablet\n"
            "Dag 11: 1 tablet\n"
            "Dag 12: 1 tablet\n"
            "Dag 13: 1 tablet\n"
            "Dag 14: 1 tablet\n"
            "Dag 15: 1 tablet\n"
            "Dag 16: 1 tablet\n"
            "Dag 17: 1 tablet\n"
            "Dag 18: 1 tablet\n"
            "Dag 19: 1 tablet\n"
            "Dag 20: 1 tablet\n"
            "Dag 21: 1 tablet"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every 28 days:\n"
            "Day 1: 1 tablet\n"
            "Day 2: 1 tablet\n"
            "Day 3: 1 tablet\n"
            "Day 4: 1 tablet\n"
            "Day 5: 1 tablet\n"
            "Day 6: 1 tablet\n"
            "Day 7: 1 tablet\n"
            "Day 8: 1 tablet\n"
            "Day 9: 1 tablet\n"
            "Day 10: 1 tablet\n"
            "Day 11: 1 tablet\n"
            "Day 12: 1 tablet\n"
            "Day 13: 1 tablet\n"
            "Day 14: 1 tablet\n"
            "Day 15: 1 tablet\n"
            "Day 16: 1 tablet\n"
            "Day 17: 1 tablet\n"
            "Day 18: 1 tablet\n"
            "Day 19: 1 tablet\n"
            "Day 20: 1 tablet\n"
            "Day 21: 1 tablet"
        ),
        type="fixed",
        temporary=False,
        daily=[0.75],
    ),
    Row(
        "cycle-28-days-one-injection",
        {
            "unit": "injection",
            "periods": [{"cycle_days": 28, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        # FMK: "1 injektion tirsdag hver 4. uge"
        da_short="1 injektion hver 28. dag",
        # FMK: "Dosering fra d. 1. dec. 2026 - gentages hver 28. dag:\n"
        #       "Hver 4. tirsdag: 1 injektion"
        da_long="Dosering fra d. 1. dec. 2026:\n1 injektion hver 28. dag",
        en_short="1 injection every 28 days",
        en_long="Dosage from 1 Dec 2026:\n1 injection every 28 days",
        type="fixed",
        temporary=False,
        daily=[0.035714286],
    ),
    Row(
        "cycle-30-days",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 30, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        da_short="1 tablet 1 gang om måneden",
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver 30. dag",
        en_short="1 tablet once a month",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every 30 days",
        type="fixed",
        temporary=False,
        daily=[0.033333333],
    ),
    Row(
        "cycle-90-days-injection",
        {
            "unit": "injection",
            "periods": [{"cycle_days": 90, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        da_short="1 injektion hver 3. måned",
        da_long="Dosering fra d. 1. dec. 2026:\n1 injektion hver 90. dag",
        en_short="1 injection every 3 months",
        en_long="Dosage from 1 Dec 2026:\n1 injection every 90 days",
        type="fixed",
        temporary=False,
        daily=[0.011111111],
    ),
    Row(
        "cycle-7-day-numbers",
        {
            "unit": "tablet",
            "periods": [{"cycle_days": 7, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        # FMK: "1 tablet tirsdag hver uge"
        da_short="1 tablet hver 7. dag",
        # FMK: "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
        #       "Tirsdag: 1 tablet"
        da_long="Dosering fra d. 1. dec. 2026:\n1 tablet hver 7. dag",
        en_short="1 tablet every 7 days",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every 7 days",
        type="fixed",
        temporary=False,
        daily=[0.142857143],
    ),
    # --- one-day periods
    Row(
        "one-day-4-tablets",
        {
            "unit": "tablet",
            "periods": [{"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 4}]}]}],
        },
        START,
        da_short="4 tabletter",
        da_long="Dosering kun d. 1. dec. 2026:\n4 tabletter",
        en_short="4 tablets",
        en_long="Dosage on 1 Dec 2026 only:\n4 tablets",
        type="fixed",
        temporary=True,
        daily=[4],
    ),
    Row(
        "one-day-2-tablets-morning",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 1,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}],
                }
            ],
        },
        START,
        # FMK: "2 tabletter morgen i 1 dag"
        da_short="2 tabletter morgen 1 gang",
        da_long="Dosering kun d. 1. dec. 2026:\n2 tabletter morgen",
        en_short="2 tablets in the morning once",
        en_long="Dosage on 1 Dec 2026 only:\n2 tablets in the morning",
        type="fixed",
        temporary=True,
        daily=[2],
    ),
    Row(
        "one-day-with-note",
        {
            "unit": "tablet",
            "periods": [{"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
            "note": "1 time før indgrebet",
        },
        START,
        da_short="1 tablet.\nBemærk: 1 time før indgrebet",
        da_long="Dosering kun d. 1. dec. 2026:\n1 tablet\nBemærk: 1 time før indgrebet",
        en_short="1 tablet.\nNote: 1 time før indgrebet",
        en_long="Dosage on 1 Dec 2026 only:\n1 tablet\nNote: 1 time før indgrebet",
        type="fixed",
        temporary=True,
        daily=[1],
    ),
    Row(
        "one-day-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 1,
                    "days": [{"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}]}],
                }
            ],
        },
        None,
        da_short="1 tablet 2 gange",
        da_long="Dosering kun dag 1:\n1 tablet 2 gange",
        en_short="1 tablet twice",
        en_long="Dosage on day 1 only:\n1 tablet twice",
        type="fixed",
        temporary=True,
        daily=[2],
    ),
    # --- finite single periods (courses)
    Row(
        "course-5-days",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 5,
                    "days": [{"day": 1, "doses": [{"quantity": 2}, {"quantity": 2}]}],
                }
            ],
        },
        START,
        # FMK: "2 tabletter 2 gange daglig" (iterated daily; as explicit days: as ours)
        da_short="2 tabletter 2 gange daglig i 5 dage",
        da_long="Dosering fra d. 1. dec. 2026 til d. 5. dec. 2026:\n2 tabletter 2 gange hver dag",
        en_short="2 tablets twice daily for 5 days",
        en_long="Dosage from 1 Dec 2026 to 5 Dec 2026:\n2 tablets twice every day",
        type="fixed",
        temporary=True,
        daily=[4],
    ),
    Row(
        "course-7-days",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 7,
                    "days": [
                        {"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}, {"quantity": 1}]}
                    ],
                }
            ],
        },
        START,
        # FMK: "1 tablet 3 gange daglig" (iterated daily; as explicit days: as ours)
        da_short="1 tablet 3 gange daglig i 1 uge",
        da_long="Dosering fra d. 1. dec. 2026 til d. 7. dec. 2026:\n1 tablet 3 gange hver dag",
        en_short="1 tablet 3 times daily for 1 week",
        en_long="Dosage from 1 Dec 2026 to 7 Dec 2026:\n1 tablet 3 times every day",
        type="fixed",
        temporary=True,
        daily=[3],
    ),
    Row(
        "course-14-days",
        {
            "unit": "capsule",
            "periods": [
                {
                    "length_days": 14,
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ],
                }
            ],
        },
        START,
        # FMK: "1 kapsel morgen og aften"
        # FMK: "1 kapsel morgen og aften i 14 dage" (as explicit days)
        da_short="1 kapsel morgen og aften i 2 uger",
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 14. dec. 2026:\n"
            "1 kapsel morgen og 1 kapsel aften - hver dag"
        ),
        en_short="1 capsule in the morning and in the evening for 2 weeks",
        en_long=(
            "Dosage from 1 Dec 2026 to 14 Dec 2026:\n"
            "1 capsule in the morning and 1 capsule in the evening - every day"
        ),
        type="fixed",
        temporary=True,
        daily=[2],
    ),
    Row(
        "course-30-days-morning",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 30,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}],
                }
            ],
        },
        START,
        # FMK: "1 tablet morgen" (iterated daily; as explicit days: as ours)
        da_short="1 tablet morgen i 30 dage",
        da_long="Dosering fra d. 1. dec. 2026 til d. 30. dec. 2026:\n1 tablet hver morgen",
        en_short="1 tablet in the morning for 30 days",
        en_long="Dosage from 1 Dec 2026 to 30 Dec 2026:\n1 tablet every morning",
        type="fixed",
        temporary=True,
        daily=[1],
    ),
    Row(
        "course-5-days-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 5,
                    "days": [{"day": 1, "doses": [{"quantity": 2}, {"quantity": 2}]}],
                }
            ],
        },
        None,
        # FMK: "2 tabletter 2 gange daglig" (iterated daily; as explicit days: as ours)
        da_short="2 tabletter 2 gange daglig i 5 dage",
        da_long="Dosering fra dag 1 til dag 5:\n2 tabletter 2 gange hver dag",
        en_short="2 tablets twice daily for 5 days",
        en_long="Dosage from day 1 to day 5:\n2 tablets twice every day",
        type="fixed",
        temporary=True,
        daily=[4],
    ),
    Row(
        "course-5-days-1-tablet-once",
        {
            "unit": "tablet",
            "periods": [{"length_days": 5, "days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        # FMK: "1 tablet daglig"
        # FMK: "1 tablet 1 gang daglig i 5 dage" (as explicit days)
        da_short="1 tablet daglig i 5 dage",
        da_long="Dosering fra d. 1. dec. 2026 til d. 5. dec. 2026:\n1 tablet hver dag",
        en_short="1 tablet daily for 5 days",
        en_long="Dosage from 1 Dec 2026 to 5 Dec 2026:\n1 tablet every day",
        type="fixed",
        temporary=True,
        daily=[1],
    ),
    # --- two periods: first day, loading dose, then
    Row(
        "first-day-2-then-1-daily",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        START,
        da_short="Første dag 2 tabletter, herefter 1 tablet daglig",
        da_long=(
            "Dosering kun d. 1. dec. 2026:\n"
            "2 tabletter\n\n"
            "Dosering fra d. 2. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short="First day 2 tablets, then 1 tablet daily",
        en_long=(
            "Dosage on 1 Dec 2026 only:\n2 tablets\n\nDosage from 2 Dec 2026:\n1 tablet every day"
        ),
        type="fixed",
        temporary=False,
        daily=[2, 1],
    ),
    Row(
        "first-day-2-morning-then-1-morning",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 1,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}],
                },
                {"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]},
            ],
        },
        START,
        # FMK: "Første dag 2 tabletter morgen i 1 dag, herefter 1 tablet morgen"
        da_short="Første dag 2 tabletter morgen, herefter 1 tablet morgen",
        da_long=(
            "Dosering kun d. 1. dec. 2026:\n"
            "2 tabletter morgen\n\n"
            "Dosering fra d. 2. dec. 2026:\n"
            "1 tablet hver morgen"
        ),
        en_short="First day 2 tablets in the morning, then 1 tablet in the morning",
        en_long=(
            "Dosage on 1 Dec 2026 only:\n"
            "2 tablets in the morning\n\n"
            "Dosage from 2 Dec 2026:\n"
            "1 tablet every morning"
        ),
        type="fixed",
        temporary=False,
        daily=[2, 1],
    ),
    Row(
        "first-day-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        None,
        da_short="Første dag 2 tabletter, herefter 1 tablet daglig",
        da_long="Dosering kun dag 1:\n2 tabletter\n\nDosering fra dag 2:\n1 tablet hver dag",
        en_short="First day 2 tablets, then 1 tablet daily",
        en_long="Dosage on day 1 only:\n2 tablets\n\nDosage from day 2:\n1 tablet every day",
        type="fixed",
        temporary=False,
        daily=[2, 1],
    ),
    Row(
        "loading-3-days-then-maintenance",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}],
                },
                {"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]},
            ],
        },
        START,
        # FMK: None (iterated daily; as explicit days: as ours)
        da_short="2 tabletter morgen i 3 dage, herefter 1 tablet morgen",
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 3. dec. 2026:\n"
            "2 tabletter hver morgen\n\n"
            "Dosering fra d. 4. dec. 2026:\n"
            "1 tablet hver morgen"
        ),
        en_short="2 tablets in the morning for 3 days, then 1 tablet in the morning",
        en_long=(
            "Dosage from 1 Dec 2026 to 3 Dec 2026:\n"
            "2 tablets every morning\n\n"
            "Dosage from 4 Dec 2026:\n"
            "1 tablet every morning"
        ),
        type="fixed",
        temporary=False,
        daily=[2, 1],
    ),
    Row(
        "loading-7-days-then-maintenance",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 7,
                    "days": [{"day": 1, "doses": [{"quantity": 1}, {"quantity": 1}]}],
                },
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        START,
        # FMK: None (iterated daily; as explicit days: as ours)
        da_short="1 tablet 2 gange daglig i 1 uge, herefter 1 tablet daglig",
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 7. dec. 2026:\n"
            "1 tablet 2 gange hver dag\n\n"
            "Dosering fra d. 8. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short="1 tablet twice daily for 1 week, then 1 tablet daily",
        en_long=(
            "Dosage from 1 Dec 2026 to 7 Dec 2026:\n"
            "1 tablet twice every day\n\n"
            "Dosage from 8 Dec 2026:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=False,
        daily=[2, 1],
    ),
    Row(
        "two-finite-periods",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 3, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"length_days": 3, "days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 3. dec. 2026:\n"
            "2 tabletter hver dag\n\n"
            "Dosering fra d. 4. dec. 2026 til d. 6. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 3 Dec 2026:\n"
            "2 tablets every day\n\n"
            "Dosage from 4 Dec 2026 to 6 Dec 2026:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=True,
        daily=[2, 1],
    ),
    Row(
        "first-day-then-finite-period",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"length_days": 4, "days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        START,
        # FMK: "Første dag 2 tabletter, herefter 1 tablet daglig"
        # FMK: "Første dag 2 tabletter, herefter 1 tablet 1 gang daglig i 4 dage" (as explicit days)
        da_short=None,
        da_long=(
            "Dosering kun d. 1. dec. 2026:\n"
            "2 tabletter\n\n"
            "Dosering fra d. 2. dec. 2026 til d. 5. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage on 1 Dec 2026 only:\n"
            "2 tablets\n\n"
            "Dosage from 2 Dec 2026 to 5 Dec 2026:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=True,
        daily=[2, 1],
    ),
    Row(
        "every-2nd-day-for-4-days-then-daily",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 4,
                    "cycle_days": 2,
                    "days": [{"day": 1, "doses": [{"quantity": 1}]}],
                },
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 4. dec. 2026:\n"
            "1 tablet hver 2. dag\n\n"
            "Dosering fra d. 5. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 4 Dec 2026:\n"
            "1 tablet every 2 days\n\n"
            "Dosage from 5 Dec 2026:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=False,
        daily=[0.5, 1],
    ),
    Row(
        "weekly-for-2-weeks-then-daily",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 14,
                    "cycle_days": 7,
                    "days": [{"weekday": "monday", "doses": [{"quantity": 1}]}],
                },
                {"days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 14. dec. 2026 - gentages hver uge:\n"
            "Mandag: 1 tablet\n\n"
            "Dosering fra d. 15. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 14 Dec 2026 - repeated every week:\n"
            "Monday: 1 tablet\n\n"
            "Dosage from 15 Dec 2026:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=False,
        daily=[0.142857143, 1],
    ),
    # --- tapers and breaks
    Row(
        "taper-3-periods",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 6}]}],
                },
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 4}]}],
                },
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}],
                },
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 3. dec. 2026:\n"
            "6 tabletter hver morgen\n\n"
            "Dosering fra d. 4. dec. 2026 til d. 6. dec. 2026:\n"
            "4 tabletter hver morgen\n\n"
            "Dosering fra d. 7. dec. 2026 til d. 9. dec. 2026:\n"
            "2 tabletter hver morgen"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 3 Dec 2026:\n"
            "6 tablets every morning\n\n"
            "Dosage from 4 Dec 2026 to 6 Dec 2026:\n"
            "4 tablets every morning\n\n"
            "Dosage from 7 Dec 2026 to 9 Dec 2026:\n"
            "2 tablets every morning"
        ),
        type="fixed",
        temporary=True,
        daily=[6, 4, 2],
    ),
    Row(
        "taper-4-periods-open",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 6}]}],
                },
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 4}]}],
                },
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}],
                },
                {"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]},
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 3. dec. 2026:\n"
            "6 tabletter hver morgen\n\n"
            "Dosering fra d. 4. dec. 2026 til d. 6. dec. 2026:\n"
            "4 tabletter hver morgen\n\n"
            "Dosering fra d. 7. dec. 2026 til d. 9. dec. 2026:\n"
            "2 tabletter hver morgen\n\n"
            "Dosering fra d. 10. dec. 2026:\n"
            "1 tablet hver morgen"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 3 Dec 2026:\n"
            "6 tablets every morning\n\n"
            "Dosage from 4 Dec 2026 to 6 Dec 2026:\n"
            "4 tablets every morning\n\n"
            "Dosage from 7 Dec 2026 to 9 Dec 2026:\n"
            "2 tablets every morning\n\n"
            "Dosage from 10 Dec 2026:\n"
            "1 tablet every morning"
        ),
        type="fixed",
        temporary=False,
        daily=[6, 4, 2, 1],
    ),
    Row(
        "taper-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 6}]}],
                },
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 4}]}],
                },
                {
                    "length_days": 3,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}],
                },
            ],
        },
        None,
        da_short=None,
        da_long=(
            "Dosering fra dag 1 til dag 3:\n"
            "6 tabletter hver morgen\n\n"
            "Dosering fra dag 4 til dag 6:\n"
            "4 tabletter hver morgen\n\n"
            "Dosering fra dag 7 til dag 9:\n"
            "2 tabletter hver morgen"
        ),
        en_short=None,
        en_long=(
            "Dosage from day 1 to day 3:\n"
            "6 tablets every morning\n\n"
            "Dosage from day 4 to day 6:\n"
            "4 tablets every morning\n\n"
            "Dosage from day 7 to day 9:\n"
            "2 tablets every morning"
        ),
        type="fixed",
        temporary=True,
        daily=[6, 4, 2],
    ),
    Row(
        "break-week-on-week-off",
        {
            "unit": "tablet",
            "periods": [
                {
                    "length_days": 7,
                    "days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}],
                },
                {"length_days": 7},
                {"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]},
            ],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 7. dec. 2026:\n"
            "1 tablet hver morgen\n\n"
            "Dosering fra d. 8. dec. 2026 til d. 14. dec. 2026:\n"
            "Bemærk: skal ikke anvendes i denne periode!\n\n"
            "Dosering fra d. 15. dec. 2026:\n"
            "1 tablet hver morgen"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 7 Dec 2026:\n"
            "1 tablet every morning\n\n"
            "Dosage from 8 Dec 2026 to 14 Dec 2026:\n"
            "Note: do not use in this period!\n\n"
            "Dosage from 15 Dec 2026:\n"
            "1 tablet every morning"
        ),
        type="fixed",
        temporary=False,
        daily=[1, None, 1],
    ),
    Row(
        "break-start-unknown",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 21, "days": [{"day": 1, "doses": [{"quantity": 1}]}]},
                {"length_days": 7},
                {"length_days": 21, "days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
        },
        None,
        da_short=None,
        da_long=(
            "Dosering fra dag 1 til dag 21:\n"
            "1 tablet hver dag\n\n"
            "Dosering fra dag 22 til dag 28:\n"
            "Bemærk: skal ikke anvendes i denne periode!\n\n"
            "Dosering fra dag 29 til dag 49:\n"
            "1 tablet hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from day 1 to day 21:\n"
            "1 tablet every day\n\n"
            "Dosage from day 22 to day 28:\n"
            "Note: do not use in this period!\n\n"
            "Dosage from day 29 to day 49:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=True,
        daily=[1, None, 1],
    ),
    Row(
        "break-first-then-daily",
        {
            "unit": "tablet",
            "periods": [{"length_days": 7}, {"days": [{"day": 1, "doses": [{"quantity": 1}]}]}],
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 7. dec. 2026:\n"
            "Bemærk: skal ikke anvendes i denne periode!\n\n"
            "Dosering fra d. 8. dec. 2026:\n"
            "1 tablet hver dag"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 7 Dec 2026:\n"
            "Note: do not use in this period!\n\n"
            "Dosage from 8 Dec 2026:\n"
            "1 tablet every day"
        ),
        type="fixed",
        temporary=False,
        daily=[None, 1],
    ),
    # --- free text
    Row(
        "free-text",
        {"free_text": "Efter skriftlig anvisning"},
        START,
        da_short="Efter skriftlig anvisning",
        da_long='Dosering fra d. 1. dec. 2026:\n"Efter skriftlig anvisning"',
        en_short="Efter skriftlig anvisning",
        en_long='Dosage from 1 Dec 2026:\n"Efter skriftlig anvisning"',
        type="unspecified",
        temporary=False,
        daily=[],
    ),
    Row(
        "free-text-start-unknown",
        {"free_text": "1 tablet dagligt i december"},
        None,
        da_short="1 tablet dagligt i december",
        da_long='Dosering:\n"1 tablet dagligt i december"',
        en_short="1 tablet dagligt i december",
        en_long='Dosage:\n"1 tablet dagligt i december"',
        type="unspecified",
        temporary=False,
        daily=[],
    ),
    # --- notes
    Row(
        "note-short",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}],
            "note": "tages med rigeligt vand",
        },
        START,
        da_short="1 tablet morgen.\nBemærk: tages med rigeligt vand",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n1 tablet hver morgen\nBemærk: tages med rigeligt vand"
        ),
        en_short="1 tablet in the morning.\nNote: tages med rigeligt vand",
        en_long="Dosage from 1 Dec 2026:\n1 tablet every morning\nNote: tages med rigeligt vand",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "note-leading-comma",
        {
            "unit": "tablet",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 1},
                                {"at": "evening", "quantity": 1},
                            ],
                        }
                    ]
                }
            ],
            "note": ", tages med mad",
        },
        START,
        da_short="1 tablet morgen og aften.\nBemærk: tages med mad",
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet morgen og 1 tablet aften - hver dag\n"
            "Bemærk: tages med mad"
        ),
        en_short="1 tablet in the morning and in the evening.\nNote: tages med mad",
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet in the morning and 1 tablet in the evening - every day\n"
            "Note: tages med mad"
        ),
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "note-too-long",
        {
            "unit": "tablet",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}],
            "note": (
                "tages mindst en halv time før morgenmaden med et stort glas "
                "vand, stående eller siddende"
            ),
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026:\n"
            "1 tablet hver morgen\n"
            "Bemærk: tages mindst en halv time før morgenmaden med et stort glas vand, stående "
            "eller siddende"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026:\n"
            "1 tablet every morning\n"
            "Note: tages mindst en halv time før morgenmaden med et stort glas vand, stående "
            "eller siddende"
        ),
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "note-on-two-periods",
        {
            "unit": "tablet",
            "periods": [
                {"length_days": 3, "days": [{"day": 1, "doses": [{"quantity": 2}]}]},
                {"length_days": 3, "days": [{"day": 1, "doses": [{"quantity": 1}]}]},
            ],
            "note": "tages med mad",
        },
        START,
        da_short=None,
        da_long=(
            "Dosering fra d. 1. dec. 2026 til d. 3. dec. 2026:\n"
            "2 tabletter hver dag\n\n"
            "Dosering fra d. 4. dec. 2026 til d. 6. dec. 2026:\n"
            "1 tablet hver dag\n"
            "Bemærk: tages med mad"
        ),
        en_short=None,
        en_long=(
            "Dosage from 1 Dec 2026 to 3 Dec 2026:\n"
            "2 tablets every day\n\n"
            "Dosage from 4 Dec 2026 to 6 Dec 2026:\n"
            "1 tablet every day\n"
            "Note: tages med mad"
        ),
        type="fixed",
        temporary=True,
        daily=[2, 1],
    ),
    # --- units, singular and plural
    Row(
        "unit-ml-singular",
        {
            "unit": "ml",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}],
        },
        START,
        da_short="1 ml morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n1 ml hver morgen",
        en_short="1 ml in the morning",
        en_long="Dosage from 1 Dec 2026:\n1 ml every morning",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "unit-ml-plural",
        {
            "unit": "ml",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 2.5},
                                {"at": "evening", "quantity": 2.5},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="2,5 ml morgen og aften",
        da_long="Dosering fra d. 1. dec. 2026:\n2,5 ml morgen og 2,5 ml aften - hver dag",
        en_short="2.5 ml in the morning and in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n2.5 ml in the morning and 2.5 ml in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[5],
    ),
    Row(
        "unit-drop-singular",
        {
            "unit": "drop",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "evening", "quantity": 1}]}]}],
        },
        START,
        da_short="1 dråbe aften",
        da_long="Dosering fra d. 1. dec. 2026:\n1 dråbe hver aften",
        en_short="1 drop in the evening",
        en_long="Dosage from 1 Dec 2026:\n1 drop every evening",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "unit-drop-plural",
        {
            "unit": "drop",
            "periods": [
                {"days": [{"day": 1, "doses": [{"quantity": 2}, {"quantity": 2}, {"quantity": 2}]}]}
            ],
        },
        START,
        da_short="2 dråber 3 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n2 dråber 3 gange hver dag",
        en_short="2 drops 3 times daily",
        en_long="Dosage from 1 Dec 2026:\n2 drops 3 times every day",
        type="fixed",
        temporary=False,
        daily=[6],
    ),
    Row(
        "unit-puff-singular",
        {
            "unit": "puff",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}],
        },
        START,
        da_short="1 pust morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n1 pust hver morgen",
        en_short="1 puff in the morning",
        en_long="Dosage from 1 Dec 2026:\n1 puff every morning",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "unit-puff-plural",
        {
            "unit": "puff",
            "periods": [
                {
                    "days": [
                        {
                            "day": 1,
                            "doses": [
                                {"at": "morning", "quantity": 2},
                                {"at": "evening", "quantity": 2},
                            ],
                        }
                    ]
                }
            ],
        },
        START,
        da_short="2 pust morgen og aften",
        da_long="Dosering fra d. 1. dec. 2026:\n2 pust morgen og 2 pust aften - hver dag",
        en_short="2 puffs in the morning and in the evening",
        en_long=(
            "Dosage from 1 Dec 2026:\n2 puffs in the morning and 2 puffs in the evening - every day"
        ),
        type="fixed",
        temporary=False,
        daily=[4],
    ),
    Row(
        "unit-dose-singular",
        {"unit": "dose", "periods": [{"days": [{"day": 1, "doses": [{"quantity": 1}]}]}]},
        START,
        da_short="1 dosis daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 dosis hver dag",
        en_short="1 dose daily",
        en_long="Dosage from 1 Dec 2026:\n1 dose every day",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "unit-dose-plural",
        {
            "unit": "dose",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 2}]}]}],
        },
        START,
        da_short="2 doser morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n2 doser hver morgen",
        en_short="2 doses in the morning",
        en_long="Dosage from 1 Dec 2026:\n2 doses every morning",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "unit-patch-singular",
        {
            "unit": "patch",
            "periods": [
                {
                    "cycle_days": 7,
                    "days": [
                        {"weekday": "monday", "doses": [{"quantity": 1}]},
                        {"weekday": "thursday", "doses": [{"quantity": 1}]},
                    ],
                }
            ],
        },
        START,
        da_short="1 plaster mandag og torsdag hver uge",
        da_long=(
            "Dosering fra d. 1. dec. 2026 - gentages hver uge:\n"
            "Mandag: 1 plaster\n"
            "Torsdag: 1 plaster"
        ),
        en_short="1 patch every Monday and Thursday",
        en_long=(
            "Dosage from 1 Dec 2026 - repeated every week:\nMonday: 1 patch\nThursday: 1 patch"
        ),
        type="fixed",
        temporary=False,
        daily=[0.285714286],
    ),
    Row(
        "unit-patch-plural",
        {"unit": "patch", "periods": [{"days": [{"day": 1, "doses": [{"quantity": 2}]}]}]},
        START,
        da_short="2 plastre 1 gang daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n2 plastre hver dag",
        en_short="2 patches once daily",
        en_long="Dosage from 1 Dec 2026:\n2 patches every day",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "unit-injection-singular",
        {
            "unit": "injection",
            "periods": [
                {"cycle_days": 7, "days": [{"weekday": "wednesday", "doses": [{"quantity": 1}]}]}
            ],
        },
        START,
        da_short="1 injektion onsdag hver uge",
        da_long="Dosering fra d. 1. dec. 2026 - gentages hver uge:\nOnsdag: 1 injektion",
        en_short="1 injection every Wednesday",
        en_long="Dosage from 1 Dec 2026 - repeated every week:\nWednesday: 1 injection",
        type="fixed",
        temporary=False,
        daily=[0.142857143],
    ),
    Row(
        "unit-injection-plural",
        {
            "unit": "injection",
            "periods": [{"length_days": 1, "days": [{"day": 1, "doses": [{"quantity": 2}]}]}],
        },
        START,
        da_short="2 injektioner",
        da_long="Dosering kun d. 1. dec. 2026:\n2 injektioner",
        en_short="2 injections",
        en_long="Dosage on 1 Dec 2026 only:\n2 injections",
        type="fixed",
        temporary=True,
        daily=[2],
    ),
    Row(
        "unit-suppository-singular",
        {
            "unit": "suppository",
            "periods": [{"as_needed": {"quantity": 1, "max_times_per_day": 2}}],
        },
        START,
        da_short="1 stikpille efter behov, højst 2 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 stikpille efter behov, højst 2 gange dagligt",
        en_short="1 suppository as needed, at most twice a day",
        en_long="Dosage from 1 Dec 2026:\n1 suppository as needed, at most twice a day",
        type="as_needed",
        temporary=False,
        daily=[None],
    ),
    Row(
        "unit-suppository-plural",
        {
            "unit": "suppository",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "night", "quantity": 2}]}]}],
        },
        START,
        da_short="2 stikpiller nat",
        da_long="Dosering fra d. 1. dec. 2026:\n2 stikpiller hver nat",
        en_short="2 suppositories at night",
        en_long="Dosage from 1 Dec 2026:\n2 suppositories every night",
        type="fixed",
        temporary=False,
        daily=[2],
    ),
    Row(
        "unit-sachet-singular",
        {"unit": "sachet", "periods": [{"days": [{"day": 1, "doses": [{"quantity": 1}]}]}]},
        START,
        da_short="1 brev daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n1 brev hver dag",
        en_short="1 sachet daily",
        en_long="Dosage from 1 Dec 2026:\n1 sachet every day",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "unit-sachet-plural",
        {
            "unit": "sachet",
            "periods": [{"days": [{"day": 1, "doses": [{"quantity": 2}, {"quantity": 2}]}]}],
        },
        START,
        da_short="2 breve 2 gange daglig",
        da_long="Dosering fra d. 1. dec. 2026:\n2 breve 2 gange hver dag",
        en_short="2 sachets twice daily",
        en_long="Dosage from 1 Dec 2026:\n2 sachets twice every day",
        type="fixed",
        temporary=False,
        daily=[4],
    ),
    Row(
        "unit-mg-singular",
        {
            "unit": "mg",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 1}]}]}],
        },
        START,
        da_short="1 mg morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n1 mg hver morgen",
        en_short="1 mg in the morning",
        en_long="Dosage from 1 Dec 2026:\n1 mg every morning",
        type="fixed",
        temporary=False,
        daily=[1],
    ),
    Row(
        "unit-mg-plural",
        {
            "unit": "mg",
            "periods": [{"days": [{"day": 1, "doses": [{"at": "morning", "quantity": 20}]}]}],
        },
        START,
        da_short="20 mg morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n20 mg hver morgen",
        en_short="20 mg in the morning",
        en_long="Dosage from 1 Dec 2026:\n20 mg every morning",
        type="fixed",
        temporary=False,
        daily=[20],
    ),
    Row(
        "unit-tablet-half-plural-range",
        {
            "unit": "tablet",
            "periods": [
                {"days": [{"day": 1, "doses": [{"at": "morning", "min": 0.5, "max": 1.5}]}]}
            ],
        },
        START,
        da_short="0,5-1,5 tabletter morgen",
        da_long="Dosering fra d. 1. dec. 2026:\n0,5-1,5 tabletter hver morgen",
        en_short="0.5-1.5 tablets in the morning",
        en_long="Dosage from 1 Dec 2026:\n0.5-1.5 tablets every morning",
        type="fixed",
        temporary=False,
        daily=[(0.5, 1.5)],
    ),
]

ADAPTER: TypeAdapter[Dosage] = TypeAdapter(Dosage)


def _daily(value: Daily) -> DailyDose | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return DailyDose(min=Decimal(str(value[0])), max=Decimal(str(value[1])))
    return DailyDose(quantity=Decimal(str(value)))


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in ROWS])
def test_texts_type_and_daily_dose(row: Row) -> None:
    dosage = ADAPTER.validate_python(row.dosage)
    assert contradictions(dosage, start=row.start) == []

    derived = derive(dosage, start=row.start)

    assert derived.texts["da"].short == row.da_short
    assert derived.texts["da"].long == row.da_long
    assert derived.texts["en"].short == row.en_short
    assert derived.texts["en"].long == row.en_long
    assert derived.type == row.type
    assert derived.temporary is row.temporary
    assert derived.daily_doses == [_daily(value) for value in row.daily]


def test_the_table_covers_enough_shapes_with_distinct_ids() -> None:
    assert len(ROWS) >= 70
    assert len({row.id for row in ROWS}) == len(ROWS)
