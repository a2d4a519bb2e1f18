from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, false, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medrecord.models.base import Base, one_of


class DispensingGroup(StrEnum):
    """Who may sell a drug and how often (the Danish "udleveringsgruppe", SPEC §2)."""

    A = "A"  # prescription only
    A4 = "A§4"  # prescription only, addictive (opioids): dispensed once per prescription
    A4_NA = "A§4 NA"  # A§4 with a further restriction; dispensed once like A§4
    B = "B"  # prescription only, once unless the prescriber states repeats
    HA = "HA"  # over the counter, pharmacies only
    HF = "HF"  # over the counter, also sold outside pharmacies
    HX = "HX"  # over the counter outside pharmacies in limited amounts (one pack a day)


class Drug(Base):
    """A medicinal product of the catalogue (reference data, imported by admins)."""

    __tablename__ = "drug"
    __table_args__ = (
        # Level 5 (a substance, N02BE01) or level 4 (A12AX: combinations WHO gives no level 5)
        CheckConstraint("atc_code ~ '^[A-Z][0-9]{2}[A-Z]{2}([0-9]{2})?$'", name="atc_code_format"),
        CheckConstraint("cardinality(dosage_units) >= 1", name="dosage_units_not_empty"),
        CheckConstraint(
            one_of("dispensing_group", tuple(DispensingGroup)), name="dispensing_group"
        ),
        # Over the counter means an H group, by definition: the flag can never disagree.
        CheckConstraint("otc = (dispensing_group LIKE 'H%')", name="otc_matches_dispensing_group"),
        Index("ix_drug_atc_code", "atc_code"),
        # ATC prefix search (LIKE 'N02BE%') under any collation, not only "C".
        Index(
            "ix_drug_atc_code_prefix",
            "atc_code",
            postgresql_ops={"atc_code": "varchar_pattern_ops"},
        ),
        Index("ix_drug_active_substances", "active_substances", postgresql_using="gin"),
        Index("ix_drug_substitution_group", "substitution_group"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(100))
    # The units a dose may be stated in (medrecord.dosage.units.Unit values), the usual first;
    # the import derives them from the form (drug.forms) unless a row states them.
    dosage_units: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    strength: Mapped[str] = mapped_column(String(100))
    atc_code: Mapped[str] = mapped_column(String(7))
    substitution_group: Mapped[str | None] = mapped_column(String(40))
    # Lower-case English INN names (paracetamol, acetylsalicylic acid); empty: not stated (drugs
    # imported before the catalogue had substances).
    active_substances: Mapped[list[str]] = mapped_column(
        ARRAY(String(100)), server_default=text("'{}'")
    )
    # A server default so that rows written without one get the safe, prescription-only group.
    dispensing_group: Mapped[str] = mapped_column(
        String(10), server_default=DispensingGroup.A.value
    )
    otc: Mapped[bool] = mapped_column(server_default=false())

    packages: Mapped[list[DrugPackage]] = relationship(
        back_populates="drug", lazy="raise", order_by="DrugPackage.package_number"
    )


class DrugPackage(Base):
    """A package of a drug, identified by its 6-digit package number (varenummer)."""

    __tablename__ = "drug_package"
    __table_args__ = (
        CheckConstraint("package_number ~ '^[0-9]{6}$'", name="package_number_format"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("price_dkk IS NULL OR price_dkk >= 0", name="price_not_negative"),
        Index("ix_drug_package_drug_id", "drug_id"),
    )

    package_number: Mapped[str] = mapped_column(String(6), primary_key=True)
    drug_id: Mapped[str] = mapped_column(ForeignKey("drug.id"))
    size: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit: Mapped[str] = mapped_column(String(40))
    price_dkk: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    drug: Mapped[Drug] = relationship(back_populates="packages", lazy="raise")
