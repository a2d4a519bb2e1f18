"""Demo drug catalogue: (name, form, strength, ATC, substitution group, packages).

Drugs that share a substitution group are interchangeable at the pharmacy (same substance,
strength and form), as in the Danish "substitutionsgruppe". Packages are (size, unit, price DKK).
A drug's dosage units come from its form (``drug.forms``) unless ``DOSAGE_UNITS`` says otherwise.
Its active substances come from its ATC code (``SUBSTANCES``), its dispensing group from
``DISPENSING_GROUPS`` (prescription-only ``A`` unless listed), as in the Danish medicine price
list (medicinpriser.dk); over the counter is an H group.

Drug ids and package numbers are derived from a row's index (and a package's index within its
row): add new drugs at the end and new packages at the end of their row, so that existing ids
and numbers never change (tests, the demo data and migrations name them).
"""

from __future__ import annotations

from decimal import Decimal

from medrecord.dosage.units import Unit
from medrecord.drug.forms import units_for_form
from medrecord.drug.rules import is_over_the_counter
from medrecord.models.drug import DispensingGroup

Package = tuple[int | str, str, str]
DrugRow = tuple[str, str, str, str, str | None, list[Package]]

T, FT, C = "tablet", "film-coated tablet", "capsule"
PEN = "solution for injection in pre-filled pen"

DRUGS: list[DrugRow] = [
    (
        "Pinex",
        T,
        "500 mg",
        "N02BE01",
        "PARA-500-T",
        [(100, "tablet", "39.95"), (300, "tablet", "89.50"), (50, "tablet", "24.95")],
    ),
    (
        "Panodil",
        FT,
        "500 mg",
        "N02BE01",
        "PARA-500-T",
        [(100, "tablet", "45.00"), (300, "tablet", "99.00"), (50, "tablet", "27.50")],
    ),
    ("Pamol", T, "500 mg", "N02BE01", "PARA-500-T", [(100, "tablet", "41.25")]),
    ("Panodil", FT, "1 g", "N02BE01", "PARA-1000-T", [(100, "tablet", "79.00")]),
    (
        'Ibuprofen "Orifarm"',
        FT,
        "400 mg",
        "M01AE01",
        "IBU-400-T",
        [(30, "tablet", "29.95"), (100, "tablet", "69.95")],
    ),
    ("Ipren", FT, "400 mg", "M01AE01", "IBU-400-T", [(30, "tablet", "34.50")]),
    ('Naproxen "Mylan"', T, "250 mg", "M01AE02", None, [(100, "tablet", "88.00")]),
    (
        'Metformin "Actavis"',
        FT,
        "500 mg",
        "A10BA02",
        "METF-500-T",
        [(100, "tablet", "32.10"), (300, "tablet", "75.00")],
    ),
    ("Glucophage", FT, "500 mg", "A10BA02", "METF-500-T", [(100, "tablet", "48.60")]),
    ('Metformin "Sandoz"', FT, "1000 mg", "A10BA02", None, [(100, "tablet", "55.30")]),
    (
        'Atorvastatin "Krka"',
        FT,
        "20 mg",
        "C10AA05",
        "ATOR-20-T",
        [(30, "tablet", "22.00"), (100, "tablet", "49.00")],
    ),
    ("Lipitor", FT, "20 mg", "C10AA05", "ATOR-20-T", [(100, "tablet", "145.00")]),
    ('Atorvastatin "Krka"', FT, "40 mg", "C10AA05", "ATOR-40-T", [(100, "tablet", "59.00")]),
    ('Simvastatin "Actavis"', FT, "40 mg", "C10AA01", "SIMV-40-T", [(100, "tablet", "39.00")]),
    ("Zocor", FT, "40 mg", "C10AA01", "SIMV-40-T", [(98, "tablet", "132.00")]),
    (
        'Amlodipin "Teva"',
        T,
        "5 mg",
        "C08CA01",
        "AMLO-5-T",
        [(30, "tablet", "19.95"), (100, "tablet", "42.00")],
    ),
    ("Norvasc", T, "5 mg", "C08CA01", "AMLO-5-T", [(100, "tablet", "118.00")]),
    ('Amlodipin "Teva"', T, "10 mg", "C08CA01", None, [(100, "tablet", "49.00")]),
    ('Losartan "Krka"', FT, "50 mg", "C09CA01", "LOSA-50-T", [(98, "tablet", "61.00")]),
    ("Cozaar", FT, "50 mg", "C09CA01", "LOSA-50-T", [(98, "tablet", "165.00")]),
    ('Enalapril "Alternova"', T, "10 mg", "C09AA02", None, [(100, "tablet", "45.00")]),
    ('Ramipril "Actavis"', C, "5 mg", "C09AA05", None, [(100, "capsule", "52.00")]),
    ('Bendroflumethiazid "Alternova"', T, "2.5 mg", "C03AA01", None, [(100, "tablet", "38.00")]),
    ("Furix", T, "40 mg", "C03CA01", "FURO-40-T", [(100, "tablet", "47.50")]),
    ('Furosemid "Hexal"', T, "40 mg", "C03CA01", "FURO-40-T", [(100, "tablet", "35.00")]),
    (
        "Selo-Zok",
        "prolonged-release tablet",
        "50 mg",
        "C07AB02",
        "METO-50-PR",
        [(100, "tablet", "98.00")],
    ),
    (
        'Metoprololsuccinat "Hexal"',
        "prolonged-release tablet",
        "50 mg",
        "C07AB02",
        "METO-50-PR",
        [(100, "tablet", "56.00")],
    ),
    ('Bisoprolol "Teva"', FT, "5 mg", "C07AB07", None, [(100, "tablet", "44.00")]),
    (
        "Hjertemagnyl",
        FT,
        "75 mg",
        "B01AC06",
        "ASA-75-T",
        [(100, "tablet", "25.00"), (300, "tablet", "55.00")],
    ),
    ('Acetylsalicylsyre "Teva"', T, "75 mg", "B01AC06", "ASA-75-T", [(100, "tablet", "19.00")]),
    ('Clopidogrel "Krka"', FT, "75 mg", "B01AC04", None, [(84, "tablet", "89.00")]),
    ("Eliquis", FT, "5 mg", "B01AF02", None, [(168, "tablet", "1495.00")]),
    ("Xarelto", FT, "20 mg", "B01AF01", None, [(98, "tablet", "1380.00")]),
    ("Marevan", T, "2.5 mg", "B01AA03", None, [(100, "tablet", "75.00")]),
    (
        'Omeprazol "Actavis"',
        "gastro-resistant capsule",
        "20 mg",
        "A02BC01",
        "OMEP-20-C",
        [(100, "capsule", "49.00")],
    ),
    (
        "Losec",
        "gastro-resistant capsule",
        "20 mg",
        "A02BC01",
        "OMEP-20-C",
        [(100, "capsule", "155.00")],
    ),
    (
        'Pantoprazol "Teva"',
        "gastro-resistant tablet",
        "40 mg",
        "A02BC02",
        None,
        [(100, "tablet", "58.00")],
    ),
    ("Eltroxin", T, "50 microgram", "H03AA01", "LEVO-50-T", [(100, "tablet", "42.00")]),
    ("Euthyrox", T, "50 microgram", "H03AA01", "LEVO-50-T", [(100, "tablet", "39.00")]),
    ('Sertralin "Actavis"', FT, "50 mg", "N06AB06", "SERT-50-T", [(98, "tablet", "45.00")]),
    ("Zoloft", FT, "50 mg", "N06AB06", "SERT-50-T", [(98, "tablet", "210.00")]),
    ('Citalopram "Teva"', FT, "20 mg", "N06AB04", None, [(100, "tablet", "37.00")]),
    ('Escitalopram "Krka"', FT, "10 mg", "N06AB10", "ESCI-10-T", [(98, "tablet", "41.00")]),
    ("Cipralex", FT, "10 mg", "N06AB10", "ESCI-10-T", [(98, "tablet", "259.00")]),
    ('Mirtazapin "Orion"', FT, "15 mg", "N06AX11", None, [(100, "tablet", "66.00")]),
    ('Zopiclon "Actavis"', FT, "7.5 mg", "N05CF01", "ZOPI-7.5-T", [(30, "tablet", "48.00")]),
    ("Imovane", FT, "7.5 mg", "N05CF01", "ZOPI-7.5-T", [(30, "tablet", "89.00")]),
    ('Tramadol "Actavis"', C, "50 mg", "N02AX02", None, [(100, "capsule", "72.00")]),
    ("OxyNorm", C, "5 mg", "N02AA05", None, [(28, "capsule", "95.00")]),
    ('Gabapentin "Teva"', C, "300 mg", "N03AX12", None, [(100, "capsule", "135.00")]),
    ('Pregabalin "Krka"', C, "75 mg", "N03AX16", None, [(56, "capsule", "62.00")]),
    (
        'Amoxicillin "Sandoz"',
        C,
        "500 mg",
        "J01CA04",
        "AMOX-500-C",
        [(20, "capsule", "35.00"), (30, "capsule", "45.00")],
    ),
    ("Imacillin", C, "500 mg", "J01CA04", "AMOX-500-C", [(20, "capsule", "49.00")]),
    ("Primcillin", FT, "1 MIU", "J01CE02", "PENV-1MIU-T", [(20, "tablet", "39.00")]),
    ("Vepicombin", FT, "1 MIU", "J01CE02", "PENV-1MIU-T", [(20, "tablet", "45.00")]),
    ("Selexid", FT, "200 mg", "J01CA08", None, [(20, "tablet", "65.00")]),
    ('Ciprofloxacin "Bluefish"', FT, "500 mg", "J01MA02", None, [(10, "tablet", "55.00")]),
    ('Prednisolon "DAK"', T, "5 mg", "H02AB06", None, [(100, "tablet", "52.00")]),
    (
        "Ventoline",
        "pressurised inhalation",
        "0.1 mg/dose",
        "R03AC02",
        None,
        [(200, "dose", "63.00")],
    ),
    (
        "Spiriva Respimat",
        "inhalation solution",
        "2.5 microgram/dose",
        "R03BB04",
        None,
        [(60, "dose", "385.00")],
    ),
    (
        "Seretide Diskus",
        "inhalation powder",
        "50/250 microgram/dose",
        "R03AK06",
        None,
        [(60, "dose", "310.00")],
    ),
    ('Allopurinol "Accord"', T, "100 mg", "M04AA01", None, [(100, "tablet", "38.00")]),
    ('Alendronat "Aurobindo"', T, "70 mg", "M05BA04", None, [(12, "tablet", "79.00")]),
    ("Kaleorid", "prolonged-release tablet", "750 mg", "A12BA01", None, [(100, "tablet", "68.00")]),
    ('Magnesia "DAK"', FT, "500 mg", "A06AD02", None, [(100, "tablet", "45.00")]),
    ("Lantus", PEN, "100 units/ml", "A10AE04", None, [(15, "ml", "560.00")]),
    ("NovoRapid FlexPen", PEN, "100 units/ml", "A10AB05", None, [(15, "ml", "540.00")]),
    ("Ozempic", PEN, "1 mg", "A10BJ06", None, [(3, "ml", "1025.00")]),
    ("Jardiance", FT, "10 mg", "A10BK03", None, [(90, "tablet", "760.00")]),
    ('Cetirizin "Sandoz"', FT, "10 mg", "R06AE07", None, [(100, "tablet", "40.00")]),
    ('Donepezil "Teva"', FT, "10 mg", "N06DA02", None, [(98, "tablet", "115.00")]),
    ('Quetiapin "Accord"', FT, "25 mg", "N05AH04", None, [(100, "tablet", "59.00")]),
    (
        'Tamsulosin "Sandoz"',
        "modified-release capsule",
        "0.4 mg",
        "G04CA02",
        None,
        [(100, "capsule", "84.00")],
    ),
    ('Finasterid "Teva"', FT, "5 mg", "G04CB01", None, [(98, "tablet", "91.00")]),
    # Forms dosed in other units than tablets and capsules
    (
        'Fentanyl "Sandoz"',
        "transdermal patch",
        "25 microgram/hour",
        "N02AB03",
        None,
        [(5, "patch", "165.00"), (10, "patch", "299.00")],
    ),
    ("Xalatan", "eye drops", "50 microgram/ml", "S01EE01", None, [("2.5", "ml", "119.00")]),
    (
        "Imadrax",
        "powder for oral suspension",
        "50 mg/ml",
        "J01CA04",
        None,
        [(100, "ml", "64.00")],
    ),
    (
        "Symbicort Turbuhaler",
        "inhalation powder",
        "160/4.5 microgram/dose",
        "R03AK07",
        None,
        [(120, "dose", "389.00")],
    ),
    ("Laxoberal", "oral drops", "7.5 mg/ml", "A06AB08", None, [(30, "ml", "52.00")]),
    (
        'Paracetamol "Orifarm"',
        "suppository",
        "250 mg",
        "N02BE01",
        None,
        [(10, "suppository", "34.00")],
    ),
    (
        "Movicol",
        "powder for oral solution in sachet",
        "13.8 g",
        "A06AD65",
        None,
        [(30, "sachet", "95.00")],
    ),
    # Added for issue 10: what a Danish practice list holds beside the above.
    ("Spiron", T, "25 mg", "C03DA01", None, [(100, "tablet", "54.00")]),
    ("Unikalk Forte", FT, "400 mg + 19 microgram", "A12AX", None, [(180, "tablet", "89.95")]),
    ("Selexid", FT, "400 mg", "J01CA08", None, [(10, "tablet", "79.00"), (20, "tablet", "139.00")]),
    (
        "Primcillin",
        "powder for oral suspension",
        "50 mg/ml",
        "J01CE02",
        None,
        [(100, "ml", "59.00"), (200, "ml", "98.00")],
    ),
    (
        "Contalgin",
        "prolonged-release tablet",
        "10 mg",
        "N02AA01",
        None,
        [(100, "tablet", "145.00")],
    ),
]

# Where the form alone does not decide, by (name, strength): a pen that is not insulin.
DOSAGE_UNITS: dict[tuple[str, str], tuple[Unit, ...]] = {
    ("Ozempic", "1 mg"): (Unit.injection,),
}


# Active substances by ATC code: lower-case English INN, as the catalogue stores them.
SUBSTANCES: dict[str, tuple[str, ...]] = {
    "A02BC01": ("omeprazole",),
    "A02BC02": ("pantoprazole",),
    "A06AB08": ("sodium picosulfate",),
    "A06AD02": ("magnesium oxide",),
    # Movicol: macrogol 3350 with the electrolytes that keep the solution isotonic
    "A06AD65": ("macrogol", "sodium chloride", "sodium hydrogen carbonate", "potassium chloride"),
    "A10AB05": ("insulin aspart",),
    "A10AE04": ("insulin glargine",),
    "A10BA02": ("metformin",),
    "A10BJ06": ("semaglutide",),
    "A10BK03": ("empagliflozin",),
    "A12AX": ("calcium carbonate", "colecalciferol"),
    "A12BA01": ("potassium chloride",),
    "B01AA03": ("warfarin",),
    "B01AC04": ("clopidogrel",),
    "B01AC06": ("acetylsalicylic acid",),
    "B01AF01": ("rivaroxaban",),
    "B01AF02": ("apixaban",),
    "C03AA01": ("bendroflumethiazide",),
    "C03CA01": ("furosemide",),
    "C03DA01": ("spironolactone",),
    "C07AB02": ("metoprolol",),
    "C07AB07": ("bisoprolol",),
    "C08CA01": ("amlodipine",),
    "C09AA02": ("enalapril",),
    "C09AA05": ("ramipril",),
    "C09CA01": ("losartan",),
    "C10AA01": ("simvastatin",),
    "C10AA05": ("atorvastatin",),
    "G04CA02": ("tamsulosin",),
    "G04CB01": ("finasteride",),
    "H02AB06": ("prednisolone",),
    "H03AA01": ("levothyroxine",),
    "J01CA04": ("amoxicillin",),
    "J01CA08": ("pivmecillinam",),
    "J01CE02": ("phenoxymethylpenicillin",),
    "J01MA02": ("ciprofloxacin",),
    "M01AE01": ("ibuprofen",),
    "M01AE02": ("naproxen",),
    "M04AA01": ("allopurinol",),
    "M05BA04": ("alendronic acid",),
    "N02AA01": ("morphine",),
    "N02AA05": ("oxycodone",),
    "N02AB03": ("fentanyl",),
    "N02AX02": ("tramadol",),
    "N02BE01": ("paracetamol",),
    "N03AX12": ("gabapentin",),
    "N03AX16": ("pregabalin",),
    "N05AH04": ("quetiapine",),
    "N05CF01": ("zopiclone",),
    "N06AB04": ("citalopram",),
    "N06AB06": ("sertraline",),
    "N06AB10": ("escitalopram",),
    "N06AX11": ("mirtazapine",),
    "N06DA02": ("donepezil",),
    "R03AC02": ("salbutamol",),
    "R03AK06": ("salmeterol", "fluticasone"),
    "R03AK07": ("budesonide", "formoterol"),
    "R03BB04": ("tiotropium",),
    "R06AE07": ("cetirizine",),
    "S01EE01": ("latanoprost",),
}

# Every drug not listed is prescription-only (A). Denmark sets the group per package: small packs
# of paracetamol 500 mg (at most 20 tablets) are over the counter, larger ones have needed a
# prescription since 30 September 2013. This catalogue keeps one group per drug and carries
# paracetamol tablets in packs of 50-300, so they are A; over the counter here are the products
# that are over the counter in every pack we carry.
DISPENSING_GROUPS: dict[tuple[str, str], DispensingGroup] = {
    # Opioids (euphoriant substances, list A/B): dispensed once per prescription
    ("OxyNorm", "5 mg"): DispensingGroup.A4,
    ('Fentanyl "Sandoz"', "25 microgram/hour"): DispensingGroup.A4,
    ('Tramadol "Actavis"', "50 mg"): DispensingGroup.A4,
    ("Contalgin", "10 mg"): DispensingGroup.A4,
    # Over the counter, at the pharmacy
    ("Hjertemagnyl", "75 mg"): DispensingGroup.HA,
    ('Acetylsalicylsyre "Teva"', "75 mg"): DispensingGroup.HA,
    ('Paracetamol "Orifarm"', "250 mg"): DispensingGroup.HA,
    ('Cetirizin "Sandoz"', "10 mg"): DispensingGroup.HA,
    ('Magnesia "DAK"', "500 mg"): DispensingGroup.HA,
    ("Laxoberal", "7.5 mg/ml"): DispensingGroup.HA,
    ("Movicol", "13.8 g"): DispensingGroup.HA,
    # Over the counter, also in supermarkets
    ("Unikalk Forte", "400 mg + 19 microgram"): DispensingGroup.HF,
}


def active_substances(atc_code: str) -> list[str]:
    """The demo drug's active substances (an ATC code missing here is a mistake in this file)."""
    if atc_code not in SUBSTANCES:
        raise ValueError(f"demo ATC code {atc_code}: no active substances")
    return list(SUBSTANCES[atc_code])


def dispensing_group(name: str, strength: str) -> DispensingGroup:
    return DISPENSING_GROUPS.get((name, strength), DispensingGroup.A)


def over_the_counter(name: str, strength: str) -> bool:
    return is_over_the_counter(dispensing_group(name, strength))


def dosage_units(name: str, form: str, strength: str) -> list[str]:
    """The demo drug's dosage units: its override, else its form's (a form the table does not
    know is a mistake in this file)."""
    units = DOSAGE_UNITS.get((name, strength)) or units_for_form(form)
    if not units:
        raise ValueError(f"demo drug {name} {strength}: no dosage units for form {form!r}")
    return [str(u) for u in units]


def drug_id(index: int) -> str:
    """Synthetic 11-digit drug id in the Danish format."""
    return f"28{100000000 + index * 7919:09d}"


def package_number(drug_index: int, package_index: int) -> str:
    return f"{100000 + drug_index * 37 + package_index * 7 + 1:06d}"


def price(text: str) -> Decimal:
    return Decimal(text)
