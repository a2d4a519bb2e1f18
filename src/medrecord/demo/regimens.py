"""What a Danish general practice prescribes, as data: each regimen names the drug, the
indication, the dosage, who it fits (age range by sex), its therapeutic class (one per
citizen: one statin, one anticoagulant or platelet inhibitor), its typical co-medication and
what it is not combined with. The demo seed draws each adult's treatments from here; the
clinical sense lives in the table, not in the seed's code.

The dosages are given as a prescriber sends them (``medrecord.dosage``); amounts are in the
dosage's unit. ``units_per_day`` states the expected use where the dosage does not (as-needed
and free-text dosages), so that a pack can be chosen to last.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from medrecord.dosage.examples import JSON, SHAPES, daily
from medrecord.dosage.schemas import Dosage, Period, StructuredDosage

Sex = Literal["F", "M"]
AgeRange = tuple[int, int]


def both(youngest: int, oldest: int = 120) -> Mapping[Sex, AgeRange]:
    return MappingProxyType({"F": (youngest, oldest), "M": (youngest, oldest)})


def women(youngest: int, oldest: int = 120) -> Mapping[Sex, AgeRange]:
    return MappingProxyType({"F": (youngest, oldest)})


def men(youngest: int, oldest: int = 120) -> Mapping[Sex, AgeRange]:
    return MappingProxyType({"M": (youngest, oldest)})


@dataclass(frozen=True)
class Regimen:
    key: str
    drug: str  # name and strength as in medrecord.demo.catalogue
    strength: str
    indication_code: str  # ICD-10
    indication_text: str
    dosage: JSON
    ages: Mapping[Sex, AgeRange]  # who it fits; a sex not named: never
    kind: str  # therapeutic class: at most one regimen of a kind per citizen
    comedication: tuple[str, ...] = ()  # regimens usually prescribed with it, by key
    avoid: tuple[str, ...] = ()  # kinds it is not combined with
    weight: int = 1  # how common among the regimens a citizen fits; 0: only as co-medication
    route: str = "oral"
    units_per_day: Decimal | None = None  # expected use where the dosage does not say
    private: bool = False  # marked private on every other card it is on

    def fits(self, age: int, sex: Sex) -> bool:
        youngest, oldest = self.ages.get(sex, (1, 0))
        return youngest <= age <= oldest


def _as_needed(unit: str, note: str | None = None, **limits: float) -> JSON:
    dosage: JSON = {"unit": unit, "periods": [{"as_needed": limits}]}
    return dosage | ({"note": note} if note else {})


def _course(unit: str, days: int, **by_time: float) -> JSON:
    doses = [{"at": at, "quantity": q} for at, q in by_time.items()]
    return {"unit": unit, "periods": [{"length_days": days, "days": [{"day": 1, "doses": doses}]}]}


_WEEKLY_INJECTION: JSON = {
    "unit": "injection",
    "periods": [{"cycle_days": 7, "days": [{"weekday": "monday", "doses": [{"quantity": 1}]}]}],
}

# Treatments that go on for years.
CHRONIC: list[Regimen] = [
    # Heart and circulation
    Regimen("hypertension-amlodipine", 'Amlodipin "Teva"', "5 mg", "I10", "High blood pressure",
            daily(morning=1), both(35), "calcium-channel-blocker", weight=4),
    Regimen("hypertension-losartan", 'Losartan "Krka"', "50 mg", "I10", "High blood pressure",
            daily(morning=1), both(35), "renin-angiotensin", weight=3),
    Regimen("hypertension-ramipril", 'Ramipril "Actavis"', "5 mg", "I10", "High blood pressure",
            daily("capsule", morning=1), both(40), "renin-angiotensin", weight=2),
    Regimen("hypertension-thiazide", 'Bendroflumethiazid "Alternova"', "2.5 mg", "I10",
            "High blood pressure", daily(morning=1), both(50), "thiazide",
            avoid=("loop-diuretic",), weight=2),
    Regimen("cholesterol-atorvastatin", 'Atorvastatin "Krka"', "20 mg", "E78.0",
            "High cholesterol", daily(evening=1), both(40), "statin", weight=5),
    Regimen("cholesterol-simvastatin", 'Simvastatin "Actavis"', "40 mg", "E78.0",
            "High cholesterol", daily(evening=1), both(45), "statin", weight=2),
    Regimen("angina-aspirin", "Hjertemagnyl", "75 mg", "I25.1",
            "Ischaemic heart disease: prevention of blood clots", daily(morning=1), both(50),
            "antithrombotic", ("cholesterol-atorvastatin", "angina-metoprolol"), weight=4),
    Regimen("angina-metoprolol", "Selo-Zok", "50 mg", "I25.1", "Ischaemic heart disease (angina)",
            daily(morning=1), both(50), "beta-blocker", weight=2),
    Regimen("stroke-clopidogrel", 'Clopidogrel "Krka"', "75 mg", "I63.9",
            "After stroke: prevention of blood clots", daily(morning=1), both(55),
            "antithrombotic", ("cholesterol-atorvastatin",)),
    Regimen("heart-failure-furosemide", "Furix", "40 mg", "I50.0", "Heart failure: fluid",
            daily(morning=1), both(60), "loop-diuretic",
            ("heart-failure-bisoprolol", "heart-failure-ramipril", "heart-failure-spironolactone"),
            weight=2),
    Regimen("heart-failure-bisoprolol", 'Bisoprolol "Teva"', "5 mg", "I50.0", "Heart failure",
            daily(morning=1), both(60), "beta-blocker", weight=0),
    Regimen("heart-failure-ramipril", 'Ramipril "Actavis"', "5 mg", "I50.0", "Heart failure",
            daily("capsule", morning=1), both(60), "renin-angiotensin", weight=0),
    Regimen("heart-failure-spironolactone", "Spiron", "25 mg", "I50.0", "Heart failure",
            daily(morning=1), both(60), "aldosterone-antagonist", avoid=("potassium",), weight=0),
    Regimen("oedema-furosemide", 'Furosemid "Hexal"', "40 mg", "R60.0", "Swollen legs (oedema)",
            daily(morning=1), both(70), "loop-diuretic", ("low-potassium",)),
    Regimen("low-potassium", "Kaleorid", "750 mg", "E87.6", "Low potassium (with a diuretic)",
            daily(morning=1, evening=1), both(60), "potassium",
            avoid=("aldosterone-antagonist", "renin-angiotensin"), weight=0),
    Regimen("atrial-fibrillation-apixaban", "Eliquis", "5 mg", "I48.9",
            "Atrial fibrillation: prevention of stroke", daily(morning=1, evening=1), both(60),
            "antithrombotic", ("atrial-fibrillation-bisoprolol",), weight=4),
    Regimen("atrial-fibrillation-rivaroxaban", "Xarelto", "20 mg", "I48.9",
            "Atrial fibrillation: prevention of stroke", daily(evening=1, note="med aftensmaden"),
            both(60), "antithrombotic", ("atrial-fibrillation-bisoprolol",), weight=2),
    Regimen("atrial-fibrillation-warfarin", "Marevan", "2.5 mg", "I48.9",
            "Atrial fibrillation: prevention of stroke",
            {"free_text": "Efter INR-skema fra antikoagulationsklinikken"}, both(65),
            "antithrombotic", ("atrial-fibrillation-bisoprolol",), units_per_day=Decimal(2)),
    Regimen("atrial-fibrillation-bisoprolol", 'Bisoprolol "Teva"', "5 mg", "I48.9",
            "Atrial fibrillation: heart rate", daily(morning=1), both(60), "beta-blocker",
            weight=0),
    # Diabetes and metabolism
    Regimen("diabetes-metformin", 'Metformin "Actavis"', "500 mg", "E11.9", "Type 2 diabetes",
            daily(morning=1, evening=1), both(35), "metformin", ("cholesterol-atorvastatin",),
            weight=4),
    Regimen("diabetes-empagliflozin", "Jardiance", "10 mg", "E11.9", "Type 2 diabetes",
            daily(morning=1), both(40, 85), "sglt2-inhibitor"),
    Regimen("diabetes-semaglutide", "Ozempic", "1 mg", "E11.9", "Type 2 diabetes",
            _WEEKLY_INJECTION, both(35, 80), "glp1-agonist", route="subcutaneous"),
    Regimen("hypothyroidism", "Eltroxin", "50 microgram", "E03.9",
            "Low metabolism (hypothyroidism)", daily(morning=1, note="fastende"), both(20),
            "thyroid", weight=2),
    Regimen("gout", 'Allopurinol "Accord"', "100 mg", "M10.9", "Gout", daily(morning=1),
            MappingProxyType({"M": (40, 120), "F": (60, 120)}), "gout"),
    # Bones, joints and pain
    Regimen("osteoporosis-alendronate", 'Alendronat "Aurobindo"', "70 mg", "M81.0",
            "Osteoporosis", SHAPES["weekly"].dosage,
            MappingProxyType({"F": (55, 120), "M": (70, 120)}), "bisphosphonate",
            ("osteoporosis-calcium",), weight=3),
    Regimen("osteoporosis-calcium", "Unikalk Forte", "400 mg + 19 microgram", "M81.0",
            "Osteoporosis: calcium and vitamin D", daily(morning=1, evening=1),
            MappingProxyType({"F": (55, 120), "M": (70, 120)}), "calcium"),
    Regimen("arthritis-paracetamol", "Pinex", "500 mg", "M19.9", "Osteoarthritis pain",
            daily(morning=2, noon=2, evening=2), both(55), "paracetamol", weight=3),
    Regimen("pain-paracetamol", "Panodil", "500 mg", "R52.9", "Pain",
            SHAPES["as_needed"].dosage, both(18), "paracetamol", units_per_day=Decimal(3)),
    Regimen("back-pain-tramadol", 'Tramadol "Actavis"', "50 mg", "M54.5",
            "Back pain, not eased by paracetamol", daily("capsule", morning=1, evening=1),
            both(50), "opioid", ("constipation-movicol",), avoid=("antidepressant",)),
    Regimen("back-pain-ibuprofen", 'Ibuprofen "Orifarm"', "400 mg", "M54.5", "Back pain",
            _as_needed("tablet", "med mad", quantity=1, max_times_per_day=3), both(18, 65),
            "nsaid", avoid=("antithrombotic", "loop-diuretic", "renin-angiotensin"),
            units_per_day=Decimal(2)),
    Regimen("nerve-pain-gabapentin", 'Gabapentin "Teva"', "300 mg", "G62.9", "Nerve pain",
            daily("capsule", morning=1, noon=1, evening=1), both(45), "neuropathic-pain"),
    Regimen("constipation-movicol", "Movicol", "13.8 g", "K59.0", "Constipation",
            daily("sachet", morning=1), both(50), "laxative", weight=2),
    Regimen("constipation-magnesia", 'Magnesia "DAK"', "500 mg", "K59.0", "Constipation",
            daily(evening=2), both(60), "laxative", weight=2),
    # Stomach
    Regimen("reflux-omeprazole", 'Omeprazol "Actavis"', "20 mg", "K21.9",
            "Heartburn (reflux)", daily("capsule", morning=1), both(25), "proton-pump-inhibitor",
            weight=3),
    Regimen("reflux-pantoprazole", 'Pantoprazol "Teva"', "40 mg", "K21.9", "Heartburn (reflux)",
            daily(morning=1), both(25), "proton-pump-inhibitor"),
    # Mind and sleep
    Regimen("depression-sertraline", 'Sertralin "Actavis"', "50 mg", "F32.1", "Depression",
            daily(morning=1), both(18), "antidepressant", weight=2, private=True),
    Regimen("anxiety-escitalopram", 'Escitalopram "Krka"', "10 mg", "F41.1", "Anxiety",
            daily(morning=1), both(18, 75), "antidepressant", private=True),
    Regimen("depression-mirtazapine", 'Mirtazapin "Orion"', "15 mg", "F32.1",
            "Depression with poor sleep", daily(evening=1), both(65), "antidepressant"),
    Regimen("sleep-zopiclone", 'Zopiclon "Actavis"', "7.5 mg", "G47.0", "Sleep problems",
            _as_needed("tablet", "til natten", quantity=1, max_times_per_day=1), both(30),
            "hypnotic", units_per_day=Decimal("0.5")),
    Regimen("dementia-donepezil", 'Donepezil "Teva"', "10 mg", "G30.9", "Alzheimer's disease",
            daily(evening=1), both(70), "dementia"),
    # Lungs, allergy, eyes, prostate
    Regimen("copd-tiotropium", "Spiriva Respimat", "2.5 microgram/dose", "J44.9", "COPD",
            daily("puff", morning=2), both(50), "long-acting-bronchodilator",
            ("copd-salbutamol",), route="inhalation"),
    Regimen("copd-salbutamol", "Ventoline", "0.1 mg/dose", "J44.9", "COPD: when breathless",
            _as_needed("puff", "ved åndenød", min=1, max=2, max_times_per_day=4), both(50),
            "reliever", route="inhalation", units_per_day=Decimal(2), weight=0),
    Regimen("asthma-seretide", "Seretide Diskus", "50/250 microgram/dose", "J45.9", "Asthma",
            daily("puff", morning=1, evening=1), both(18, 70), "inhaled-steroid",
            ("asthma-salbutamol",), route="inhalation"),
    Regimen("asthma-salbutamol", "Ventoline", "0.1 mg/dose", "J45.9", "Asthma: when breathless",
            _as_needed("puff", "ved anfald", min=1, max=2, max_times_per_day=4), both(6, 70),
            "reliever", route="inhalation", units_per_day=Decimal(2)),
    Regimen("hay-fever-cetirizine", 'Cetirizin "Sandoz"', "10 mg", "J30.1", "Hay fever",
            daily(morning=1), both(12, 70), "antihistamine"),
    Regimen("glaucoma-latanoprost", "Xalatan", "50 microgram/ml", "H40.1", "Glaucoma",
            SHAPES["eye_drops"].dosage, both(50), "glaucoma", route="ocular"),
    Regimen("prostate-tamsulosin", 'Tamsulosin "Sandoz"', "0.4 mg", "N40",
            "Enlarged prostate", daily("capsule", morning=1), men(55), "alpha-blocker",
            ("prostate-finasteride",), weight=2),
    Regimen("prostate-finasteride", 'Finasterid "Teva"', "5 mg", "N40", "Enlarged prostate",
            daily(morning=1), men(60), "5-alpha-reductase-inhibitor"),
]  # fmt: skip

# Treatments that end by themselves (a course), and the showcase regimens: each shows a shape
# of the dosage model, or a kind of treatment a demo must have.
SPECIAL: list[Regimen] = [
    Regimen("pneumonia-amoxicillin", 'Amoxicillin "Sandoz"', "500 mg", "J18.9", "Pneumonia",
            SHAPES["course"].dosage, both(18), "antibiotic"),
    Regimen("cystitis-pivmecillinam", "Selexid", "400 mg", "N30.0", "Cystitis",
            _course("tablet", 3, morning=1, noon=1, evening=1), women(16), "antibiotic"),
    Regimen("pyelonephritis-ciprofloxacin", 'Ciprofloxacin "Bluefish"', "500 mg", "N10",
            "Kidney infection", _course("tablet", 7, morning=1, evening=1), both(18),
            "antibiotic"),
    Regimen("copd-exacerbation-prednisolone", 'Prednisolon "DAK"', "5 mg", "J44.1",
            "COPD exacerbation", SHAPES["taper"].dosage, both(40), "steroid"),
    Regimen("ear-infection-amoxicillin", "Imadrax", "50 mg/ml", "H66.9", "Ear infection",
            SHAPES["child_suspension"].dosage, both(1, 12), "antibiotic"),
    Regimen("strep-throat-penicillin", "Primcillin", "50 mg/ml", "J02.0", "Strep throat",
            _course("ml", 7, morning=5, noon=5, evening=5), both(1, 12), "antibiotic"),
    Regimen("asthma-budesonide-formoterol", "Symbicort Turbuhaler", "160/4.5 microgram/dose",
            "J45.9", "Asthma", SHAPES["combined"].dosage, both(12), "inhaled-steroid",
            route="inhalation", units_per_day=Decimal(4)),
    Regimen("insulin-glargine", "Lantus", "100 units/ml", "E11.9", "Type 2 diabetes, on insulin",
            SHAPES["clock_time"].dosage, both(18), "basal-insulin", route="subcutaneous"),
    Regimen("insulin-aspart", "NovoRapid FlexPen", "100 units/ml", "E11.9",
            "Type 2 diabetes, on insulin", SHAPES["range"].dosage, both(18), "meal-insulin",
            route="subcutaneous"),
    Regimen("cancer-pain-fentanyl", 'Fentanyl "Sandoz"', "25 microgram/hour", "C61",
            "Pain from prostate cancer", SHAPES["every_third_day"].dosage, men(50), "opioid",
            route="transdermal"),
    Regimen("breakthrough-pain-oxycodone", "OxyNorm", "5 mg", "C61",
            "Breakthrough pain from prostate cancer",
            _as_needed("capsule", "ved gennembrudssmerter", quantity=1, max_times_per_day=4),
            men(50), "opioid-as-needed", units_per_day=Decimal(1)),
]  # fmt: skip

BY_KEY: Mapping[str, Regimen] = MappingProxyType({r.key: r for r in (*CHRONIC, *SPECIAL)})

# How many treatments an adult of an age has at once: (youngest, oldest, fewest, most).
TREATMENTS_BY_AGE: list[tuple[int, int, int, int]] = [
    (18, 39, 1, 2),
    (40, 64, 2, 4),
    (65, 79, 4, 7),
    (80, 120, 8, 12),
]

# A dosage counted in another unit than its package: units of the dose per unit of the package.
DOSES_PER_PACKAGE_UNIT: Mapping[tuple[str, str], Decimal] = MappingProxyType(
    {
        ("Lantus", "100 units/ml"): Decimal(100),  # 100 units per ml
        ("NovoRapid FlexPen", "100 units/ml"): Decimal(100),
        ("Ozempic", "1 mg"): Decimal(4) / Decimal(3),  # a 3 ml pen holds 4 weekly doses
        ("Xalatan", "50 microgram/ml"): Decimal(32),  # 2.5 ml is about 80 drops
    }
)


def treatment_count(rng: random.Random, age: int) -> tuple[int, int]:
    """How many treatments to aim for at ``age``, and the most there may be."""
    for youngest, oldest, fewest, most in TREATMENTS_BY_AGE:
        if youngest <= age <= oldest:
            return rng.randint(fewest, most), most
    return 0, 0  # a child: only what it is being treated for now


def choose_chronic(
    rng: random.Random,
    *,
    age: int,
    sex: Sex,
    given: list[Regimen],
    current: int,
    wanted: int,
    most: int,
) -> list[Regimen]:
    """Regimens for a citizen who has had ``given`` (``current`` of them still running): drawn
    by weight among those that fit age and sex, each with its usual co-medication, never two of
    a kind nor a kind another one avoids, until ``wanted`` run at once (co-medication may take
    it up to ``most``)."""
    chosen: list[Regimen] = []

    def allowed(regimen: Regimen) -> bool:
        taken = [*given, *chosen]
        kinds = {r.kind for r in taken}
        avoided = {k for r in taken for k in r.avoid}
        return (
            regimen.fits(age, sex)
            and regimen.kind not in kinds | avoided
            and not kinds.intersection(regimen.avoid)
        )

    while current + len(chosen) < wanted:
        candidates = [r for r in CHRONIC if r.weight > 0 and allowed(r)]
        if not candidates:
            break
        first = rng.choices(candidates, weights=[r.weight for r in candidates])[0]
        chosen.append(first)
        for key in first.comedication:
            if current + len(chosen) < most and allowed(BY_KEY[key]):
                chosen.append(BY_KEY[key])
    return chosen


def youngest(regimen: Regimen, sex: Sex) -> int:
    """The age from which the regimen fits ``sex``."""
    return regimen.ages.get(sex, (0, 0))[0]


State = Literal["active", "course", "ended", "paused", "pause-scheduled", "withdrawn"]
# States after which the treatment is no longer on the list a clinician works from.
PAST_STATES: frozenset[State] = frozenset({"ended", "withdrawn"})


@dataclass(frozen=True)
class Case:
    """A treatment a demo citizen must have: ``course`` runs now, ``ended`` is a course that
    ended, ``paused`` holds now, ``pause-scheduled`` starts next week."""

    regimen: str  # a key of BY_KEY
    state: State = "active"
    reason: str | None = None  # why it was withdrawn


# The kinds of treatment a demo must show, each on a citizen it fits (checked by the seed).
CASES: Mapping[str, tuple[Case, ...]] = MappingProxyType(
    {
        "citizen.anna": (
            Case("copd-exacerbation-prednisolone", "course"),
            Case("copd-tiotropium"),
        ),
        "citizen.bent": (Case("insulin-glargine"), Case("insulin-aspart")),
        "citizen.camilla": (
            Case("depression-sertraline"),
            Case("cystitis-pivmecillinam", "ended"),
        ),
        "citizen.dorthe": (
            # Paused for two days around a planned cataract operation
            Case("atrial-fibrillation-apixaban", "pause-scheduled"),
            Case("pneumonia-amoxicillin", "course"),
        ),
        "citizen.erik": (
            Case("cancer-pain-fentanyl"),
            Case("breakthrough-pain-oxycodone"),
        ),
        "citizen.frederik": (
            Case("hypertension-amlodipine", "withdrawn", "Side effects: swollen ankles"),
            Case("hypertension-losartan"),
        ),
        "citizen.grethe": (Case("atrial-fibrillation-warfarin"),),
        "citizen.hans": (Case("cholesterol-atorvastatin", "paused"),),  # muscle pain: a break
        "citizen.inge": (
            Case("osteoporosis-alendronate"),
            Case("pyelonephritis-ciprofloxacin", "ended"),
        ),
        "citizen.jakob": (Case("asthma-budesonide-formoterol"),),
        "citizen.kirsten": (Case("glaucoma-latanoprost"),),
        "citizen.lene": (Case("hypothyroidism"),),
        "citizen.mads": (Case("hay-fever-cetirizine"),),
        "citizen.nina": (Case("cystitis-pivmecillinam", "course"),),
        "citizen.ole": (
            Case("dementia-donepezil"),
            Case("depression-mirtazapine", "withdrawn", "No longer needed"),
        ),
        "citizen.oliver": (
            Case("ear-infection-amoxicillin", "course"),
            Case("strep-throat-penicillin", "ended"),
        ),
        "citizen.torben": (Case("atrial-fibrillation-rivaroxaban"),),
    }
)


def daily_need(regimen: Regimen, dosage: Dosage) -> Decimal:
    """Units of the dose a day of the open-ended (last) period takes: the fixed doses and the
    most the as-needed dose allows, unless the regimen states the expected use."""
    if regimen.units_per_day is not None:
        return regimen.units_per_day
    if not isinstance(dosage, StructuredDosage):
        raise ValueError(f"regimen {regimen.key}: a free-text dosage needs units_per_day")
    return _period_need(dosage.periods[-1])


def course_need(dosage: Dosage) -> Decimal:
    """Units of the dose a dosage that ends takes in all."""
    if not isinstance(dosage, StructuredDosage):
        return Decimal(0)
    return sum((_period_need(p) * (p.length_days or 0) for p in dosage.periods), Decimal(0))


def _period_need(period: Period) -> Decimal:
    fixed = sum((dose.most for day in period.days for dose in day.doses), Decimal(0))
    need = fixed / period.cycle_days
    if (as_needed := period.as_needed) is not None:
        times = as_needed.max_times_per_day or 1
        need += as_needed.max_quantity_per_day or as_needed.most * times
    return need


def doses_in(regimen: Regimen, package_size: Decimal) -> Decimal:
    """Units of the dose a package holds (a 3 ml insulin pen: 300 units), to the hundredth."""
    per_unit = DOSES_PER_PACKAGE_UNIT.get((regimen.drug, regimen.strength), Decimal(1))
    return (package_size * per_unit).quantize(Decimal("0.01"))
