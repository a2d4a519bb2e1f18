"""Which dosage units fit a pharmaceutical form (SPEC §2, Drug): a tablet is dosed in tablets,
an oral solution in ml, an inhaler in puffs, an insulin pen in units. Pure, no I/O.

Forms are the catalogue's: English, lower case (the EDQM standard terms). A form missing here
is not an error in itself: the catalogue import then needs the drug's units stated explicitly.
The first unit of each entry is the usual one.
"""

from __future__ import annotations

from types import MappingProxyType

from medrecord.dosage.units import Unit

_TABLET = (Unit.tablet,)
_CAPSULE = (Unit.capsule,)
_ML = (Unit.ml,)
_DROP = (Unit.drop,)
_PUFF = (Unit.puff,)

FORM_UNITS: MappingProxyType[str, tuple[Unit, ...]] = MappingProxyType(
    {
        # Tablets
        "tablet": _TABLET,
        "film-coated tablet": _TABLET,
        "coated tablet": _TABLET,
        "prolonged-release tablet": _TABLET,
        "modified-release tablet": _TABLET,
        "gastro-resistant tablet": _TABLET,
        "effervescent tablet": _TABLET,
        "dispersible tablet": _TABLET,
        "orodispersible tablet": _TABLET,
        "chewable tablet": _TABLET,
        "sublingual tablet": _TABLET,
        "vaginal tablet": _TABLET,
        # Capsules
        "capsule": _CAPSULE,
        "hard capsule": _CAPSULE,
        "soft capsule": _CAPSULE,
        "gastro-resistant capsule": _CAPSULE,
        "prolonged-release capsule": _CAPSULE,
        "modified-release capsule": _CAPSULE,
        # Liquids by mouth
        "oral solution": _ML,
        "oral suspension": _ML,
        "powder for oral suspension": _ML,
        "granules for oral suspension": _ML,
        "syrup": _ML,
        "oral drops": (Unit.drop, Unit.ml),
        "oral drops, solution": (Unit.drop, Unit.ml),
        # Drops in the eye, ear and nose
        "eye drops": _DROP,
        "eye drops, solution": _DROP,
        "eye drops, suspension": _DROP,
        "ear drops": _DROP,
        "ear drops, solution": _DROP,
        "nasal drops": _DROP,
        # Inhalers and sprays (FMK: "pust")
        "pressurised inhalation": _PUFF,
        "pressurised inhalation, solution": _PUFF,
        "pressurised inhalation, suspension": _PUFF,
        "inhalation powder": _PUFF,
        "inhalation solution": _PUFF,
        "nasal spray": _PUFF,
        "nasal spray, solution": _PUFF,
        "nasal spray, suspension": _PUFF,
        "nebuliser solution": _ML,
        # Patches
        "transdermal patch": (Unit.patch,),
        "medicated plaster": (Unit.patch,),
        # Injections; insulin pens are dosed in international units
        "solution for injection": (Unit.ml, Unit.injection),
        "suspension for injection": (Unit.ml, Unit.injection),
        "solution for injection in pre-filled syringe": (Unit.injection, Unit.ml),
        "solution for injection in pre-filled pen": (Unit.unit,),
        "suspension for injection in pre-filled pen": (Unit.unit,),
        # Rectal and sachets
        "suppository": (Unit.suppository,),
        "granules in sachet": (Unit.sachet,),
        "powder for oral solution in sachet": (Unit.sachet,),
        "oral powder in sachet": (Unit.sachet,),
    }
)


def normalise_form(form: str) -> str:
    """The form as the table spells it: trimmed, lower case, inner spaces single."""
    return " ".join(form.split()).lower()


def units_for_form(form: str) -> tuple[Unit, ...] | None:
    """The dosage units that fit ``form``, or None when the form is not known."""
    return FORM_UNITS.get(normalise_form(form))
