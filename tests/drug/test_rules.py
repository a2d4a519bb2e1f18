"""Catalogue rules (pure): what a dispensing group allows, and what a search text asks for."""

from __future__ import annotations

import pytest

from medrecord.drug import rules
from medrecord.models.drug import DispensingGroup


@pytest.mark.parametrize("group", list(DispensingGroup))
def test_over_the_counter_is_exactly_the_h_groups(group: DispensingGroup) -> None:
    assert rules.is_over_the_counter(group) == (group in {"HA", "HF", "HX"})


@pytest.mark.parametrize("group", list(DispensingGroup))
def test_only_a4_groups_are_dispensed_once(group: DispensingGroup) -> None:
    assert rules.dispensed_once(group) == (group in {"A§4", "A§4 NA"})


def test_an_otc_flag_must_agree_with_the_group() -> None:
    assert rules.otc_problem(True, "HF") is None
    assert rules.otc_problem(False, "A§4") is None
    assert rules.otc_problem(True, "A") == (
        "true, but dispensing group A needs a prescription (over the counter is HA, HF or HX)"
    )
    assert rules.otc_problem(False, "HX") == "false, but dispensing group HX is over the counter"


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("N02BE01", "N02BE01"),
        ("n02be", "N02BE"),
        (" b01a ", "B01A"),
        ("N02", "N02"),
        ("N02BE0", "N02BE0"),
        ("N", None),  # one letter is a word, not a code
        ("N0", None),
        ("N02BE012", None),
        ("panodil", None),
        ("N02 BE", None),
    ],
)
def test_a_search_text_is_an_atc_prefix_only_when_shaped_like_one(
    text: str, prefix: str | None
) -> None:
    assert rules.atc_prefix(text) == prefix


def test_substances_are_compared_in_lower_case_with_single_spaces() -> None:
    assert rules.normalise_substance("  Acetylsalicylic   ACID ") == "acetylsalicylic acid"
