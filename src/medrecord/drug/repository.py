from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from medrecord.drug import rules
from medrecord.models import Drug, DrugPackage


def search(
    session: Session, *, text: str | None, atc: str | None, limit: int, offset: int
) -> Sequence[Drug]:
    # The id last: pages stay stable where name and strength repeat.
    stmt = select(Drug).options(selectinload(Drug.packages))
    stmt = stmt.order_by(Drug.name, Drug.strength, Drug.id)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches = [
            Drug.name.ilike(pattern, escape="\\"),
            Drug.id == text,
            Drug.id.in_(select(DrugPackage.drug_id).where(DrugPackage.package_number == text)),
            # A whole substance name: array containment, answered by the GIN index.
            Drug.active_substances.contains([rules.normalise_substance(text)]),
        ]
        if prefix := rules.atc_prefix(text):
            matches.append(Drug.atc_code.startswith(prefix, autoescape=True))
        stmt = stmt.where(or_(*matches))
    if atc:
        stmt = stmt.where(Drug.atc_code.startswith(atc.upper(), autoescape=True))
    return session.scalars(stmt.limit(limit).offset(offset)).all()


def get(session: Session, drug_id: str) -> Drug | None:
    return session.scalars(
        select(Drug).options(selectinload(Drug.packages)).where(Drug.id == drug_id)
    ).one_or_none()


def substitutes(session: Session, drug: Drug) -> Sequence[Drug]:
    if drug.substitution_group is None:
        return []
    return session.scalars(
        select(Drug)
        .options(selectinload(Drug.packages))
        .where(Drug.substitution_group == drug.substitution_group, Drug.id != drug.id)
    ).all()


def get_drug(session: Session, drug_id: str) -> Drug | None:
    """The drug alone (often already in the session's identity map)."""
    return session.get(Drug, drug_id)


def get_package(session: Session, package_number: str) -> DrugPackage | None:
    return session.get(DrugPackage, package_number)


def add(session: Session, row: Drug | DrugPackage) -> None:
    session.add(row)
