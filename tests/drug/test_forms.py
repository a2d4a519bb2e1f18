"""Which dosage units a pharmaceutical form allows (pure) and the demo catalogue's units."""

from __future__ import annotations

import pytest

from medrecord.demo import catalogue
from medrecord.dosage.units import Unit
from medrecord.drug.forms import FORM_UNITS, units_for_form


@pytest.mark.parametrize(
    ("form", "units"),
    [
        ("tablet", (Unit.tablet,)),
        ("film-coated tablet", (Unit.tablet,)),
        ("prolonged-release tablet", (Unit.tablet,)),
        ("gastro-resistant capsule", (Unit.capsule,)),
        ("oral solution", (Unit.ml,)),
        ("powder for oral suspension", (Unit.ml,)),
        ("oral drops", (Unit.drop, Unit.ml)),
        ("eye drops", (Unit.drop,)),
        ("ear drops", (Unit.drop,)),
        ("pressurised inhalation", (Unit.puff,)),
        ("inhalation powder", (Unit.puff,)),
        ("transdermal patch", (Unit.patch,)),
        ("solution for injection in pre-filled pen", (Unit.unit,)),
        ("solution for injection", (Unit.ml, Unit.injection)),
        ("suppository", (Unit.suppository,)),
        ("granules in sachet", (Unit.sachet,)),
    ],
)
def test_the_form_decides_the_dosage_units(form: str, units: tuple[Unit, ...]) -> None:
    assert units_for_form(form) == units


def test_forms_are_matched_ignoring_case_and_spaces() -> None:
    assert units_for_form("  Film-Coated   TABLET ") == (Unit.tablet,)
    assert units_for_form("Eye drops\t") == (Unit.drop,)


@pytest.mark.parametrize("form", ["cream", "", "tablets", "eye"])
def test_an_unknown_form_has_no_units(form: str) -> None:
    assert units_for_form(form) is None


def test_every_form_in_the_table_is_normalised_and_has_units() -> None:
    for form, units in FORM_UNITS.items():
        assert form == " ".join(form.lower().split()), form
        assert units and len(set(units)) == len(units), form
        assert all(isinstance(u, Unit) for u in units), form


def test_every_demo_drug_has_dosage_units_that_fit_its_packages() -> None:
    for name, form, strength, _, _, packages in catalogue.DRUGS:
        units = catalogue.dosage_units(name, form, strength)
        assert units, name
        assert all(u in set(Unit) for u in units), name
        for _, package_unit, _ in packages:
            # A package counted in a dosing unit (tablets, patches …) is dosed in that unit; one
            # in ml or doses may be dosed in ml, drops, puffs, units or injections.
            if package_unit not in (Unit.ml, Unit.dose):
                assert package_unit in units, (name, strength, package_unit, units)


def test_demo_pens_insulin_in_units_and_ozempic_by_override() -> None:
    by_name = {(row[0], row[2]): row for row in catalogue.DRUGS}

    def units(name: str, strength: str) -> list[str]:
        return catalogue.dosage_units(*by_name[(name, strength)][:3])

    assert units("Lantus", "100 units/ml") == ["unit"]
    assert units("NovoRapid FlexPen", "100 units/ml") == ["unit"]
    assert units("Ozempic", "1 mg") == ["injection"]
    assert units("Symbicort Turbuhaler", "160/4.5 microgram/dose") == ["puff"]
    assert units("Xalatan", "50 microgram/ml") == ["drop"]
    assert units('Fentanyl "Sandoz"', "25 microgram/hour") == ["patch"]


def test_an_unknown_demo_form_fails_loudly() -> None:
    with pytest.raises(ValueError, match="no dosage units for form 'cream'"):
        catalogue.dosage_units("Zzcream", "cream", "1 %")
