"""The words of the dosage texts, per language: Danish as FMK's Dosis-til-tekst writes them,
English as a patient label would."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")


@dataclass(frozen=True)
class Wording:
    decimal: str
    and_: str
    parts: tuple[str, str, str, str]  # morning, noon, evening, night
    every_part: tuple[str, str, str, str]
    weekdays: tuple[str, ...]  # as inside a sentence
    months: str  # twelve abbreviations, space-separated
    daily: str
    times: str  # {n}
    times_words: dict[int, str]  # "once", "twice" where a language has a word for them
    times_same_day: str  # {times}
    every_day: str
    every_nth_day: str  # {n}
    weekly: str  # {amount} {days}
    once_a_month: str
    every_nth_month: str  # {n}
    as_needed: str
    at_most_once_short: str
    at_most_times_short: str  # {times}
    at_most_times: str  # {times}
    at_most_quantity: str  # {amount}
    at_most_both: str  # {times} {amount}
    plus: str
    first_day: str  # {first} {then}
    then: str  # {first} {then}
    for_days: str  # {n}
    for_one_day: str
    for_weeks: str  # {n}
    for_one_week: str
    clock: str  # {hour} {minute} {hh}
    note: str  # {text}
    break_note: str
    from_date: str  # {date}
    to_date: str  # {date}
    only_on_date: str  # {date}
    from_day: str  # {n}
    to_day: str  # {n}
    only_on_day: str  # {n}
    plain_header: str
    repeated_weekly: str
    repeated_every: str  # {n}
    day_line: str  # {n}
    date: str  # {day} {month} {year}

    def count(self, n: int) -> str:
        """ "2 gange", "twice"."""
        return self.times_words.get(n) or self.times.format(n=n)

    def number(self, value: Decimal) -> str:
        text = format(value.normalize(), "f")
        return text.replace(".", self.decimal)


DANISH = Wording(
    decimal=",",
    and_=" og ",
    parts=("morgen", "middag", "aften", "nat"),
    every_part=("hver morgen", "hver middag", "hver aften", "hver nat"),
    weekdays=("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    months="jan. feb. mar. apr. maj juni juli aug. sep. okt. nov. dec.",
    daily="daglig",
    times="{n} gange",
    times_words={1: "1 gang"},
    times_same_day="{times} samme dag",
    every_day="hver dag",
    every_nth_day="hver {n}. dag",
    weekly="{amount} {days} hver uge",
    once_a_month="1 gang om måneden",
    every_nth_month="hver {n}. måned",
    as_needed="efter behov",
    # FMK writes "højst 1 gang dagligt" but "højst 4 gange daglig" in the short text.
    at_most_once_short="højst 1 gang dagligt",
    at_most_times_short="højst {times} daglig",
    at_most_times="højst {times} dagligt",
    at_most_quantity="højst {amount} i døgnet",
    at_most_both="højst {times} og {amount} i døgnet",
    plus=", samt ",
    first_day="Første dag {first}, herefter {then}",
    then="{first}, herefter {then}",
    for_days="i {n} dage",
    for_one_day="i 1 dag",
    for_weeks="i {n} uger",
    for_one_week="i 1 uge",
    clock="kl. {hour}:{minute}",
    note="Bemærk: {text}",
    break_note="Bemærk: skal ikke anvendes i denne periode!",
    from_date="Dosering fra d. {date}",
    to_date=" til d. {date}",
    only_on_date="Dosering kun d. {date}",
    from_day="Dosering fra dag {n}",
    to_day=" til dag {n}",
    only_on_day="Dosering kun dag {n}",
    plain_header="Dosering",
    repeated_weekly=" - gentages hver uge",
    repeated_every=" - gentages hver {n}. dag",
    day_line="Dag {n}",
    date="{day}. {month} {year}",
)

ENGLISH = Wording(
    decimal=".",
    and_=" and ",
    parts=("in the morning", "at noon", "in the evening", "at night"),
    every_part=("every morning", "every day at noon", "every evening", "every night"),
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months="Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    daily="daily",
    times="{n} times",
    times_words={1: "once", 2: "twice"},
    times_same_day="{times} a day",
    every_day="every day",
    every_nth_day="every {n} days",
    weekly="{amount} every {days}",
    once_a_month="once a month",
    every_nth_month="every {n} months",
    as_needed="as needed",
    at_most_once_short="at most once a day",
    at_most_times_short="at most {times} a day",
    at_most_times="at most {times} a day",
    at_most_quantity="at most {amount} a day",
    at_most_both="at most {times} and {amount} a day",
    plus=", plus ",
    first_day="First day {first}, then {then}",
    then="{first}, then {then}",
    for_days="for {n} days",
    for_one_day="for 1 day",
    for_weeks="for {n} weeks",
    for_one_week="for 1 week",
    clock="at {hh}:{minute}",
    note="Note: {text}",
    break_note="Note: do not use in this period!",
    from_date="Dosage from {date}",
    to_date=" to {date}",
    only_on_date="Dosage on {date} only",
    from_day="Dosage from day {n}",
    to_day=" to day {n}",
    only_on_day="Dosage on day {n} only",
    plain_header="Dosage",
    repeated_weekly=" - repeated every week",
    repeated_every=" - repeated every {n} days",
    day_line="Day {n}",
    date="{day} {month} {year}",
)

WORDINGS: dict[Language, Wording] = {"da": DANISH, "en": ENGLISH}
