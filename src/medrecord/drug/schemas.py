from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from medrecord.dosage.units import Unit
from medrecord.drug.rules import normalise_substance
from medrecord.models.drug import DispensingGroup


class DrugSummary(BaseModel):
    """The drug as shown with a medication, prescription or dispensing."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    form: str
    strength: str
    atc_code: str
    active_substances: list[str] = Field(examples=[["apixaban"]])
    substitution_group: str | None
    dispensing_group: str = Field(examples=["A"], description="A, A§4, A§4 NA, B, HA, HF, HX")


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
    active_substances: list[str] = Field(
        description="Active substances, lower-case English INN names; empty when the "
        "catalogue does not state them.",
        examples=[["paracetamol"]],
    )
    dispensing_group: DispensingGroup = Field(
        description="Who may sell it and how often (Danish udleveringsgruppe): A prescription "
        "only; A§4 and A§4 NA prescription only, dispensed once (no iterations); B prescription "
        "only, once unless the prescription states repeats; HA over the counter at pharmacies; "
        "HF also outside pharmacies; HX outside pharmacies in limited amounts.",
        examples=["A"],
    )
    otc: bool = Field(
        description="Over the counter (no prescription needed): exactly the H groups.",
        examples=[False],
    )
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
    atc_code: str = Field(pattern=r"^[A-Z][0-9]{2}[A-Z]{2}([0-9]{2})?$")
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
    # The three below, left empty, keep what the catalogue has for a known drug (a price update
    # must not turn an A§4 opioid into an A drug); a new drug gets no substances, the
    # prescription-only group A and the flag of its group.
    active_substances: list[str] | None = Field(
        default=None,
        description="A list, or one string separated by semicolons (`calcium carbonate; "
        "colecalciferol`); stored in lower case.",
    )
    dispensing_group: DispensingGroup | None = Field(
        default=None, description="One of " + ", ".join(DispensingGroup) + "."
    )
    otc: bool | None = Field(
        default=None,
        description="true/false (also ja/nej, yes/no, 1/0); must agree with the group: over "
        "the counter is an H group.",
    )

    @field_validator("active_substances", mode="before")
    @classmethod
    def _split_substances(cls, value: object) -> object:
        """``"Calcium carbonate; colecalciferol"`` → ``["calcium carbonate", "colecalciferol"]``
        (blanks and repeats dropped); nothing given → None."""
        if value is None:
            return None
        items = value.split(";") if isinstance(value, str) else value
        if not isinstance(items, list):
            return value  # pydantic names the wrong type
        substances: list[object] = []
        for item in items:
            if not isinstance(item, str):
                substances.append(item)  # pydantic names the wrong type
            elif (name := normalise_substance(item)) and name not in substances:
                if len(name) > 100:
                    raise PydanticCustomError(
                        "substance_too_long", "a substance name has at most 100 characters"
                    )
                substances.append(name)
        return substances or None

    @field_validator("dispensing_group", mode="before")
    @classmethod
    def _group(cls, value: object) -> object:
        """``a§4`` or ``A§4  NA`` → the catalogue's spelling; anything else is refused with the
        valid groups named."""
        if not isinstance(value, str):
            return value
        spelled = " ".join(value.split()).upper()
        if spelled not in _GROUP_VALUES:
            message = (
                f"'{value[:20]}' is not a dispensing group (valid: {', '.join(DispensingGroup)})"
            )
            raise PydanticCustomError("dispensing_group", "{message}", {"message": message})
        return spelled

    @field_validator("otc", mode="before")
    @classmethod
    def _danish_booleans(cls, value: object) -> object:
        if isinstance(value, str):
            return _DANISH_BOOLEANS.get(value.strip().lower(), value)
        return value

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
_GROUP_VALUES = frozenset(DispensingGroup)
_DANISH_BOOLEANS = {"ja": "true", "nej": "false"}
