"""The dosage a prescriber states (FMK: dosering), as JSON in and out of the API.

A dosage is free text or structured: a unit and 1-10 periods, each a repeat cycle with doses on
numbered days or weekdays, and/or an as-needed dose with daily limits. This module only checks
the shape of each part; contradictions between parts are `dosage.rules`, so that each is refused
with the field it concerns. Type, daily dose and texts are derived (`dosage.derive`,
`dosage.text`), never sent by a client."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    Tag,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from medrecord.dosage.units import Unit

MAX_PERIODS = 10
MAX_CYCLE_DAYS = 365


def _number(value: Decimal) -> int | float:
    # Doses are numbers in JSON ("quantity": 1), not strings.
    return int(value) if value == value.to_integral_value() else float(value)


# Documented as the JSON numbers clients send (pydantic would document any string, though
# only decimal strings parse), with the three decimals allowed as multipleOf.
Quantity = Annotated[
    Decimal,
    Field(gt=0, le=10000, max_digits=9, decimal_places=3),
    PlainSerializer(_number, when_used="json"),
    WithJsonSchema(
        {"type": "number", "exclusiveMinimum": 0, "maximum": 10000, "multipleOf": 0.001},
        mode="validation",
    ),
]
# The lower end of a range may be 0 ("0-1 tablet"), as FMK allows.
RangeMinimum = Annotated[
    Decimal,
    Field(ge=0, le=10000, max_digits=9, decimal_places=3),
    PlainSerializer(_number, when_used="json"),
    WithJsonSchema(
        {"type": "number", "minimum": 0, "maximum": 10000, "multipleOf": 0.001},
        mode="validation",
    ),
]


class DayPart(StrEnum):
    morning = "morning"
    noon = "noon"
    evening = "evening"
    night = "night"


class Weekday(StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"


WEEKDAYS = tuple(Weekday)
DAY_PARTS = tuple(DayPart)
_AT_PATTERN = r"^(morning|noon|evening|night|([01]\d|2[0-3]):[0-5]\d)$"


class Sent(BaseModel):
    """A part of a dosage as the client sent it: it serialises only the fields that were given,
    so a dosage round-trips through the API and the database unchanged."""

    model_config = ConfigDict(extra="forbid", json_schema_mode_override="validation")

    @model_serializer(mode="wrap")
    def _as_sent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if key in self.model_fields_set}


class Amount(Sent):
    """A quantity, or a range from `min` to `max` (FMK: minimal/maximal dose quantity)."""

    quantity: Quantity | None = Field(default=None, examples=[1])
    min: RangeMinimum | None = Field(default=None, description="Range: the least.")
    max: Quantity | None = Field(default=None, description="Range: the most.")

    @model_validator(mode="after")
    def _quantity_or_range(self) -> Amount:
        ranged = self.min is not None or self.max is not None
        if self.quantity is not None and ranged:
            raise ValueError("give quantity, or min and max; not both")
        if self.quantity is None and (self.min is None or self.max is None):
            raise ValueError("give quantity, or both min and max")
        return self

    @property
    def least(self) -> Decimal:
        return self.quantity if self.quantity is not None else self.min  # type: ignore[return-value]

    @property
    def most(self) -> Decimal:
        return self.quantity if self.quantity is not None else self.max  # type: ignore[return-value]


class Dose(Amount):
    """One dose at a time of day, a clock time, or (omitted) at an unspecified time."""

    at: str | None = Field(
        default=None,
        pattern=_AT_PATTERN,
        description="morning, noon, evening, night, a clock time HH:MM, or omitted.",
        examples=["morning", "22:00"],
    )


class DoseDay(Sent):
    """The doses of one day of the cycle: a day number (1 = the period's first day) or a
    weekday (weekly cycles)."""

    day: int | None = Field(default=None, ge=1, le=MAX_CYCLE_DAYS, examples=[1])
    weekday: Weekday | None = None
    doses: list[Dose] = Field(min_length=1, max_length=24)

    @model_validator(mode="after")
    def _day_or_weekday(self) -> DoseDay:
        if (self.day is None) == (self.weekday is None):
            raise ValueError("give day (a number) or weekday, one of them")
        return self


class AsNeeded(Amount):
    """As needed (FMK: efter behov): the dose per time and the limits of one day."""

    max_times_per_day: int | None = Field(default=None, ge=1, le=24, examples=[4])
    max_quantity_per_day: Quantity | None = Field(default=None, examples=[8])


class Period(Sent):
    """A stretch of the dosage (FMK: struktur). No days and no as-needed dose: a break."""

    length_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Days the period lasts; omitted on the last period: open-ended.",
        examples=[3],
    )
    cycle_days: int = Field(
        default=1,
        ge=1,
        le=MAX_CYCLE_DAYS,
        description="The doses repeat every N days: 1 daily, 2 every other day, 7 weekly.",
    )
    days: list[DoseDay] = Field(default_factory=list, max_length=MAX_CYCLE_DAYS)
    as_needed: AsNeeded | None = None


class StructuredDosage(Sent):
    unit: Unit = Field(description="The unit doses are counted in; must fit the drug's form.")
    periods: list[Period] = Field(min_length=1, max_length=MAX_PERIODS)
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Supplementary instruction (FMK: supplerende tekst).",
        examples=["tages med et glas vand"],
    )


class FreeTextDosage(Sent):
    """An unstructured dosage ("efter skriftlig anvisning"): allowed, but nothing can be
    computed from it."""

    free_text: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",  # not blank: a label needs a text
        examples=["Efter skriftlig anvisning"],
    )


def _kind(value: Any) -> str:
    if isinstance(value, FreeTextDosage) or (isinstance(value, dict) and "free_text" in value):
        return "free_text"
    return "structured"


Dosage = Annotated[
    Annotated[StructuredDosage, Tag("structured")] | Annotated[FreeTextDosage, Tag("free_text")],
    Discriminator(_kind),
]


class DosageType(StrEnum):
    fixed = "fixed"
    as_needed = "as_needed"
    combined = "combined"
    unspecified = "unspecified"  # free text: FMK's "ikke angivet"


Number = Annotated[Decimal, PlainSerializer(_number, when_used="json")]


class DailyDose(BaseModel):
    """The average daily dose of a period's fixed doses: a quantity, or a range."""

    model_config = ConfigDict(extra="forbid")

    quantity: Number | None = None
    min: Number | None = None
    max: Number | None = None


class DosageTexts(BaseModel):
    short: str | None = Field(
        default=None,
        description="For a label: at most 70 characters; null when no short text fits, as FMK.",
    )
    long: str = Field(description="For the card: every period with its dates.")


class DerivedDosage(BaseModel):
    """What the server derives from a dosage: never sent by a client."""

    type: DosageType
    temporary: bool = Field(description="The last period ends: the dosage stops by itself.")
    daily_doses: list[DailyDose | None] = Field(
        description="Per period, the average daily dose of the fixed part (null: none)."
    )
    texts: dict[Literal["da", "en"], DosageTexts]
