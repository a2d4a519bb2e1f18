"""The demo catalogue: real substances and dispensing groups, the drugs a Danish practice list
needs, pack sizes the dispensing tests split, and ids and package numbers that never move."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medrecord.demo import catalogue
from medrecord.drug.rules import dispensed_once, is_over_the_counter
from medrecord.models.drug import DispensingGroup

ROWS = {(row[0], row[2]): (index, row) for index, row in enumerate(catalogue.DRUGS)}


def sizes(name: str, strength: str) -> list[Decimal]:
    _, row = ROWS[(name, strength)]
    return [Decimal(size) for size, _, _ in row[5]]


def substances(name: str, strength: str) -> list[str]:
    _, row = ROWS[(name, strength)]
    return catalogue.active_substances(row[3])


def test_every_demo_drug_states_its_substances_in_lower_case() -> None:
    for name, _, strength, atc, _, _ in catalogue.DRUGS:
        found = catalogue.active_substances(atc)
        assert found, (name, strength)
        assert all(s == s.lower().strip() and "  " not in s for s in found), found


def test_drugs_of_one_substitution_group_share_substances_and_group() -> None:
    groups: dict[str, set[tuple[tuple[str, ...], DispensingGroup]]] = {}
    for name, _, strength, atc, group, _ in catalogue.DRUGS:
        if group:
            kind = (
                tuple(catalogue.active_substances(atc)),
                catalogue.dispensing_group(name, strength),
            )
            groups.setdefault(group, set()).add(kind)
    assert {g: len(kinds) for g, kinds in groups.items() if len(kinds) > 1} == {}


def test_every_classified_drug_is_in_the_catalogue() -> None:
    assert set(catalogue.DISPENSING_GROUPS) <= set(ROWS)
    assert set(catalogue.SUBSTANCES) == {row[3] for row in catalogue.DRUGS}


@pytest.mark.parametrize(
    ("name", "strength", "substance"),
    [
        ("OxyNorm", "5 mg", "oxycodone"),
        ('Fentanyl "Sandoz"', "25 microgram/hour", "fentanyl"),
        ("Contalgin", "10 mg", "morphine"),
        ('Tramadol "Actavis"', "50 mg", "tramadol"),
    ],
)
def test_opioids_are_a4_and_dispensed_once(name: str, strength: str, substance: str) -> None:
    assert substances(name, strength) == [substance]
    assert catalogue.dispensing_group(name, strength) == DispensingGroup.A4
    assert dispensed_once(catalogue.dispensing_group(name, strength))


def test_over_the_counter_drugs_are_h_groups_and_large_paracetamol_packs_need_a_prescription() -> (
    None
):
    otc = {key for key in ROWS if catalogue.over_the_counter(*key)}

    assert all(is_over_the_counter(catalogue.dispensing_group(*key)) for key in otc)
    assert {("Hjertemagnyl", "75 mg"), ('Paracetamol "Orifarm"', "250 mg")} <= otc
    assert ("Unikalk Forte", "400 mg + 19 microgram") in otc
    # Denmark: more than 20 tablets of paracetamol need a prescription (since 30 Sept 2013).
    for key in (("Pinex", "500 mg"), ("Panodil", "500 mg"), ("Pamol", "500 mg")):
        assert min(sizes(*key)) > 20 and key not in otc


@pytest.mark.parametrize(
    ("name", "strength", "expected"),
    [
        ("Xarelto", "20 mg", ["rivaroxaban"]),
        ("Eliquis", "5 mg", ["apixaban"]),
        ("Marevan", "2.5 mg", ["warfarin"]),
        ('Ramipril "Actavis"', "5 mg", ["ramipril"]),
        ('Bisoprolol "Teva"', "5 mg", ["bisoprolol"]),
        ("Spiron", "25 mg", ["spironolactone"]),
        ("Unikalk Forte", "400 mg + 19 microgram", ["calcium carbonate", "colecalciferol"]),
        ('Mirtazapin "Orion"', "15 mg", ["mirtazapine"]),
        ('Donepezil "Teva"', "10 mg", ["donepezil"]),
        ("Kaleorid", "750 mg", ["potassium chloride"]),
        ("Selexid", "400 mg", ["pivmecillinam"]),
        ("Primcillin", "50 mg/ml", ["phenoxymethylpenicillin"]),
        ("Hjertemagnyl", "75 mg", ["acetylsalicylic acid"]),
        ("Selo-Zok", "50 mg", ["metoprolol"]),
        ('Atorvastatin "Krka"', "20 mg", ["atorvastatin"]),
        ('Simvastatin "Actavis"', "40 mg", ["simvastatin"]),
        ('Tramadol "Actavis"', "50 mg", ["tramadol"]),
    ],
)
def test_the_catalogue_holds_what_a_practice_list_needs(
    name: str, strength: str, expected: list[str]
) -> None:
    assert substances(name, strength) == expected


def test_pack_sizes_that_splitting_and_substitution_need() -> None:
    assert sorted(sizes("Pinex", "500 mg")) == [50, 100, 300]
    assert sorted(sizes("Panodil", "500 mg")) == [50, 100, 300]
    assert ROWS[("Pinex", "500 mg")][1][4] == ROWS[("Panodil", "500 mg")][1][4] == "PARA-500-T"
    # A course of 3 capsules a day for 7 days fits in one pack.
    assert max(sizes('Amoxicillin "Sandoz"', "500 mg")) >= 21
    assert ROWS[("Primcillin", "50 mg/ml")][1][1] == "powder for oral suspension"


def test_ids_and_package_numbers_are_unique_and_the_old_ones_stay() -> None:
    numbers = [
        catalogue.package_number(i, p)
        for i, row in enumerate(catalogue.DRUGS)
        for p in range(len(row[5]))
    ]
    ids = [catalogue.drug_id(i) for i in range(len(catalogue.DRUGS))]

    assert len(set(numbers)) == len(numbers) and all(len(n) == 6 for n in numbers)
    assert len(set(ids)) == len(ids)
    # Named by tests, the demo data and the catalogue migration: never renumbered.
    assert catalogue.drug_id(ROWS[("Pinex", "500 mg")][0]) == "28100000000"
    assert catalogue.package_number(ROWS[("Pinex", "500 mg")][0], 1) == "100008"
    assert catalogue.drug_id(ROWS[("OxyNorm", "5 mg")][0]) == "28100380112"
    assert catalogue.drug_id(ROWS[("Eliquis", "5 mg")][0]) == "28100245489"
