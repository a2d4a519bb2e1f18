from __future__ import annotations

from datetime import date

import pytest

from medrecord.citizen.rules import birth_date_of, mask_cprs_in, normalise_cpr
from medrecord.errors import RuleViolation


@pytest.mark.parametrize("raw", ["070354-1234", "0703541234", "070354 1234"])
def test_cpr_is_accepted_in_the_three_forms_of_the_spec(raw: str) -> None:
    assert normalise_cpr(raw) == "0703541234"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "07035412345",
        "070354_1234",
        "abcdefghij",
        "320154-1234",
        "290223-1234",
        "071354-1234",
        " 070354-1234 ",
        "070354-1234\n",
        "\u00a00703541234",
        "\uff10703541234",  # a full-width digit
    ],
)
def test_malformed_cpr_is_refused(raw: str) -> None:
    with pytest.raises(RuleViolation):
        normalise_cpr(raw)


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("0703541234", date(1954, 3, 7)),
        ("2304024579", date(2002, 4, 23)),
        ("2103964913", date(1996, 3, 21)),
        ("0101105000", date(2010, 1, 1)),
        ("0101605000", date(1860, 1, 1)),
        ("2902004000", date(2000, 2, 29)),
    ],
)
def test_birth_date_follows_the_cpr_century_rule(cpr: str, born: date) -> None:
    assert birth_date_of(cpr) == born


def test_cpr_numbers_in_text_are_masked() -> None:
    text = "GET /api/v1/citizens/070354-1234/card and 0703541234 but not 12345678901"
    assert mask_cprs_in(text) == (
        "GET /api/v1/citizens/070354-xxxx/card and 070354-xxxx but not 12345678901"
    )
