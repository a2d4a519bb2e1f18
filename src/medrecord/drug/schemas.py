from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from medrecord.dosage.units import Unit


class DrugSummary(BaseModel):
    """The drug as shown with a medication, prescription or dispensing."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    form: str
    strength: str
    atc_code: str


class PackageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    package_number: str = Field(examples=["100008"])
    size: Decimal = Field(examples=[100])
    unit: str = Field(examples=["tablet"])
    price_dkk: Decimal | None = Field(examples=["45.00"])


class DrugRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(examples=["28100007919"])
    name: str = Field(examples=["Panodil"])
    form: str = Field(examples=["film-coated tablet"])
    dosage_units: list[str] = Field(
        description="The units a dose of this drug is stated in (decided by its form), the "
        "usual one first: " + ", ".join(Unit) + ".",
        examples=[["tablet"]],
    )
    strength: str = Field(examples=["500 mg"])
    atc_code: str = Field(examples=["N02BE01"])
    substitution_group: str | None = Field(examples=["PARA-500-T"])
    packages: list[PackageRead]


class DrugDetail(DrugRead):
    substitutes: list[DrugRead] = Field(
        description="Other drugs of the same substitution group, cheapest package first."
    )


class CatalogueRow(BaseModel):
    """One row of a catalogue import: a package and the drug it belongs to."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    drug_id: str = Field(pattern=r"^[0-9]{1,20}$")
    name: str = Field(min_length=1, max_length=200)
    form: str = Field(min_length=1, max_length=100)
    strength: str = Field(min_length=1, max_length=100)
    atc_code: str = Field(pattern=r"^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$")
    substitution_group: str | None = Field(default=None, max_length=40)
    package_number: str = Field(pattern=r"^[0-9]{6}$")
    package_size: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    package_unit: str = Field(min_length=1, max_length=40)
    price_dkk: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    dosage_units: list[Unit] | None = Field(
        default=None,
        description="Overrides the units the form gives: a list, or one string separated by "
        "semicolons (`unit;ml`). Empty: from the form.",
    )

    @field_validator("dosage_units", mode="before")
    @classmethod
    def _split_units(cls, value: object) -> object:
        """``"unit; ml"`` or ``["unit", "ml"]`` → ``[unit, ml]``, each a known unit (case and
        spaces ignored, repeats dropped); nothing given → None (the form decides)."""
        if value is None:
            return None
        items = value.split(";") if isinstance(value, str) else value
        if not isinstance(items, list):
            return value  # pydantic names the wrong type
        units: list[Unit] = []
        for item in items:
            text = item.strip().lower() if isinstance(item, str) else ""
            if isinstance(item, str) and text == "":
                continue
            if text not in _UNIT_VALUES:
                message = f"'{str(item)[:40]}' is not a dosage unit (valid: {', '.join(Unit)})"
                raise PydanticCustomError("dosage_unit", "{message}", {"message": message})
            if Unit(text) not in units:
                units.append(Unit(text))
        return units or None


_UNIT_VALUES = frozenset(Unit)
