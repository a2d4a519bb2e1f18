"""Pure rules about organisations."""

from __future__ import annotations

from medrecord.models import Organisation, OrganisationKind
from medrecord.problems import NotAPharmacy


def require_pharmacy(organisation: Organisation | None) -> Organisation:
    """The caller's organisation, which must be a registered pharmacy to order or dispense."""
    if organisation is None or organisation.kind != OrganisationKind.pharmacy:
        raise NotAPharmacy()
    return organisation
