"""Properties of every accepted dosage: it has a text in both languages, its daily dose is the sum
over a cycle divided by the cycle's length, and it comes back from the API as it was sent."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from medrecord.dosage.derive import derive
from medrecord.dosage.examples import parse
from medrecord.dosage.rules import contradictions
from medrecord.dosage.schemas import DAY_PARTS, WEEKDAYS
from medrecord.dosage.text import SHORT_TEXT_LIMIT
from medrecord.dosage.units import Unit
from medrecord.models import Citizen
from tests.support.factories import make_drug
from tests.support.http import base, medication_body

quarters = st.integers(min_value=1, max_value=80).map(lambda n: n / 4)  # 0.25 .. 20
clock_times = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 30])
)
times = st.one_of(st.none(), st.sampled_from([str(p) for p in DAY_PARTS]), clock_times)


@st.composite
def amounts(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"quantity": draw(quarters)}
    low, high = sorted(draw(st.lists(quarters, min_size=2, max_size=2, unique=True)))
    return {"min": low, "max": high}


@st.composite
def dose_days(draw: st.DrawFn, *, cycle: int, length: int | None) -> list[dict[str, Any]]:
    if cycle == 7 and draw(st.booleans()):
        keys = draw(
            st.lists(
                st.sampled_from([str(w) for w in WEEKDAYS]), min_size=1, max_size=3, unique=True
            )
        )
        field = "weekday"
    else:
        last = min(cycle, length or cycle)
        numbers = st.lists(st.integers(1, last), min_size=1, max_size=min(3, last), unique=True)
        keys = [str(n) for n in draw(numbers)]
        field = "day"
    days: list[dict[str, Any]] = []
    for key in keys:
        at = draw(st.lists(times, min_size=1, max_size=4))
        doses: list[dict[str, Any]] = []
        for time in at:
            if time is not None and any(d.get("at") == time for d in doses):
                continue
            doses.append(({"at": time} if time else {}) | draw(amounts()))
        days.append({field: int(key) if field == "day" else key, "doses": doses})
    return days


@st.composite
def periods(draw: st.DrawFn, *, last: bool) -> dict[str, Any]:
    period: dict[str, Any] = {}
    length = draw(st.none() if last and draw(st.booleans()) else st.integers(1, 30))
    if length is not None:
        period["length_days"] = length
    fixed, as_needed = draw(
        st.sampled_from([(True, False), (False, True), (True, True), (False, False)])
    )
    if length is None and not (fixed or as_needed):
        fixed = True  # an open-ended period needs doses
    # A cycle fits in its period and needs doses on its days.
    cycles = [c for c in (1, 1, 2, 3, 7, 14, 30) if (length is None or c <= length) and fixed]
    cycle = draw(st.sampled_from(cycles or [1]))
    if cycle != 1 or draw(st.booleans()):
        period["cycle_days"] = cycle
    if fixed:
        period["days"] = draw(dose_days(cycle=cycle, length=length))
    if as_needed:
        limits = draw(amounts())
        if draw(st.booleans()):
            limits["max_times_per_day"] = draw(st.integers(1, 6))
        if draw(st.booleans()):
            limits["max_quantity_per_day"] = (
                max(limits.get("quantity", 0), limits.get("max", 0)) * 4
            )
        period["as_needed"] = limits
    return period


@st.composite
def dosages(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 9)) == 0:
        letters = st.characters(categories=("L", "N", "Zs"))
        return {"free_text": draw(st.text(letters, min_size=1, max_size=80).filter(str.strip))}
    count = draw(st.integers(1, 4))
    dosage: dict[str, Any] = {
        "unit": draw(st.sampled_from([str(u) for u in Unit])),
        "periods": [draw(periods(last=i == count - 1)) for i in range(count)],
    }
    if draw(st.booleans()):
        dosage["note"] = draw(st.sampled_from(["tages med mad", "ved smerter", "i begge øjne"]))
    return dosage


def accepted(dosage: dict[str, Any]) -> Any:
    parsed = parse(dosage)
    assume(contradictions(parsed) == [])
    return parsed


@settings(max_examples=300, deadline=None)
@given(dosages(), st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2035, 12, 31))))
def test_every_accepted_dosage_has_texts_in_both_languages(
    dosage: dict[str, Any], start: date | None
) -> None:
    derived = derive(accepted(dosage), start=start)

    for language in ("da", "en"):
        texts = derived.texts[language]
        assert texts.long.strip()
        assert texts.short is None or 0 < len(texts.short) <= SHORT_TEXT_LIMIT


@settings(max_examples=300, deadline=None)
@given(dosages())
def test_the_daily_dose_is_the_sum_over_a_cycle_divided_by_its_length(
    dosage: dict[str, Any],
) -> None:
    derived = derive(accepted(dosage), start=None)

    for period, daily in zip(dosage.get("periods", []), derived.daily_doses, strict=True):
        doses = [d for day in period.get("days", []) for d in day["doses"]]
        if not doses:
            assert daily is None
            continue
        cycle = period.get("cycle_days", 1)
        least = sum(Fraction(str(d.get("quantity", d.get("min")))) for d in doses) / cycle
        most = sum(Fraction(str(d.get("quantity", d.get("max")))) for d in doses) / cycle
        assert daily is not None
        low = daily.quantity if daily.quantity is not None else daily.min
        high = daily.quantity if daily.quantity is not None else daily.max
        assert low is not None and high is not None
        assert abs(Fraction(low) - least) <= Fraction(1, 10**9)
        assert abs(Fraction(high) - most) <= Fraction(1, 10**9)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dosage=dosages())
def test_an_accepted_dosage_round_trips_through_the_api_unchanged(
    client: TestClient,
    db: Session,
    citizen: Citizen,
    doctor: dict[str, str],
    dosage: dict[str, Any],
) -> None:
    accepted(dosage)
    drug = make_drug(db, form="test form", dosage_units=[str(u) for u in Unit])
    body = medication_body(drug.id, dosage=dosage, start_date="2026-12-01", end_date=None)

    response = client.post(f"{base(citizen)}/medications", headers=doctor, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["dosage"] == dosage
    read = client.get(f"{base(citizen)}/medications/{created['id']}", headers=doctor).json()
    assert read["dosage"] == dosage
    assert read["dosage_derived"] == created["dosage_derived"]
    assert read["dosage_text"]
