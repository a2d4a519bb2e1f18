"""The pharmacist's day at the counter, in a real browser against a real server."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.support.ui_server import (
    CounterCase,
    Server,
    make_counter_case,
    remaining_iterations,
)

SHOTS = os.environ.get("MEDRECORD_SCREENSHOTS")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def unlabelled_fields(page: Any) -> list[str]:
    """Visible form fields that no <label> names (screen readers would announce nothing)."""
    result: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(f => !(f.labels && f.labels.length) && !f.getAttribute('aria-label'))
              .map(f => f.name || f.id)"""
    )
    return result


def csrf_of(page: Any) -> str:
    token: str = page.locator("input[name=csrf_token]").first.input_value()
    return token


def sign_in(page: Any, server: Server, who: str = "Camilla Madsen") -> None:
    page.goto(server.base + "/ui")
    expect(page).to_have_url(re.compile(r"/ui/login"))
    shot(page, "01-login")
    page.get_by_role("button", name=re.compile(f"Sign in as {who}")).click()
    expect(page.get_by_role("heading", name="Find citizen")).to_be_visible()


def find(page: Any, cpr: str) -> None:
    page.get_by_label("CPR number").fill(f"{cpr[:6]}-{cpr[6:]}")
    page.get_by_role("button", name="Find").click()


def test_claim_dispense_reload_and_undo(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)
    shot(page, "02-find-citizen")
    assert unlabelled_fields(page) == []
    find(page, counter_case.cpr)

    expect(page.get_by_role("heading", name=counter_case.name)).to_be_visible()
    born = f"{counter_case.cpr[:2]}-{counter_case.cpr[2:4]}-"
    expect(page.locator(".identity")).to_contain_text(born)
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("status")).to_contain_text("claimed by your pharmacy")
    expect(page.locator("tbody tr").first).to_contain_text("Nørrebro Apotek (you)")
    shot(page, "03-citizen-prescriptions")

    page.get_by_role("link", name="Dispense…").click()
    expect(page.get_by_role("heading", name=re.compile("Dispense Pinex"))).to_be_visible()
    shot(page, "04-dispense-form")
    assert unlabelled_fields(page) == []
    page.get_by_role("button", name="Dispense").click()

    expect(page.get_by_role("heading", name="Dispensed")).to_be_visible()
    expect(page.locator("#remaining")).to_contain_text("2 iteration(s)")
    shot(page, "05-dispensed")
    assert remaining_iterations(ui_server, counter_case) == 2

    page.reload()
    expect(page.get_by_role("heading", name="Dispensed")).to_be_visible()
    assert remaining_iterations(ui_server, counter_case) == 2

    page.get_by_label("Reason").fill("Handed to the wrong customer")
    page.get_by_role("button", name="Undo dispensing").click()
    expect(page.get_by_role("heading", name="Dispensing undone")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("undone")
    assert remaining_iterations(ui_server, counter_case) == 3


def test_double_click_and_resubmitting_the_same_form_dispense_once(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)
    find(page, counter_case.cpr)
    page.get_by_role("link", name="Dispense…").click()
    form = {
        name: page.locator(f"input[name={name}]").first.input_value()
        for name in ("csrf_token", "idempotency_key", "package_number")
    }

    page.get_by_role("button", name="Dispense").dblclick()
    expect(page.get_by_role("heading", name="Dispensed")).to_be_visible()
    first_url = page.url
    again = page.request.post(
        ui_server.base + f"/ui/citizen/prescriptions/{counter_case.prescription_id}/dispense",
        form={**form, "package_quantity": "1"},
    )

    assert again.url == first_url  # the same dispensing, replayed
    assert remaining_iterations(ui_server, counter_case) == 2


def test_domain_errors_are_shown_in_plain_words_next_to_the_form(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)
    find(page, counter_case.cpr)
    page.get_by_role("link", name="Dispense…").click()
    page.get_by_role("button", name="Dispense").click()
    page.get_by_role("link", name=re.compile("Back to the citizen")).click()

    page.get_by_role("link", name="Dispense…").click()
    page.get_by_role("button", name="Dispense").click()

    expect(page.get_by_role("alert")).to_contain_text("Too early")
    expect(page.get_by_role("button", name="Dispense")).to_be_visible()
    shot(page, "06-too-early")
    assert remaining_iterations(ui_server, counter_case) == 2


def test_second_pharmacy_sees_claimed_by_and_cannot_dispense(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    norrebro = new_page()
    sign_in(norrebro, ui_server)
    find(norrebro, counter_case.cpr)
    norrebro.get_by_role("button", name="Claim").click()

    vesterbro = new_page()
    sign_in(vesterbro, ui_server, who="Ida Thomsen")
    find(vesterbro, counter_case.cpr)

    row = vesterbro.locator("tbody tr").first
    expect(row).to_contain_text("Nørrebro Apotek")
    expect(row.get_by_role("link", name="Dispense…")).to_have_count(0)
    expect(row.get_by_role("button", name="Claim")).to_have_count(0)
    response = vesterbro.request.get(
        ui_server.base + f"/ui/citizen/prescriptions/{counter_case.prescription_id}/dispense"
    )
    assert response.status == 200
    vesterbro.goto(response.url)
    dispense = vesterbro.get_by_role("button", name="Dispense")
    dispense.click()
    expect(vesterbro.get_by_role("alert")).to_contain_text("claimed by Nørrebro Apotek")
    assert remaining_iterations(ui_server, counter_case) == 3


def test_forms_without_the_csrf_token_are_refused(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)

    forged = page.request.post(
        ui_server.base + "/ui/find", form={"cpr": counter_case.cpr, "csrf_token": "forged"}
    )
    forged_login = page.request.post(
        ui_server.base + "/ui/login/dev", form={"username": "pharm.madsen", "login_csrf": "x"}
    )

    assert forged.status == 403
    assert "expired or did not come from this site" in forged.text()
    assert forged_login.status == 403


def test_invalid_and_unknown_cpr_numbers_get_clear_messages(
    new_page: Callable[[], Any], ui_server: Server
) -> None:
    page = new_page()
    sign_in(page, ui_server)

    page.get_by_label("CPR number").fill("320199-1234")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("alert")).to_contain_text("not a valid CPR number")
    page.get_by_label("CPR number").fill("0101010000")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("alert")).to_contain_text("No citizen has this CPR number")


def test_full_card_only_after_ticking_consent(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)
    find(page, counter_case.cpr)

    assert unlabelled_fields(page) == []
    page.get_by_role("button", name="Show full medication card").click()
    expect(page.get_by_role("alert")).to_contain_text("consents")
    page.get_by_label(re.compile("The citizen consents")).check()
    page.get_by_role("button", name="Show full medication card").click()

    expect(page.get_by_role("heading", name=re.compile("Medication card"))).to_be_visible()
    expect(page.locator("table")).to_contain_text("Pinex")
    # The dosage in the page's language (English), derived from the structure.
    expect(page.locator("td.dosage")).to_contain_text(
        "1-2 tablets as needed, at most 4 times and 8 tablets a day"
    )
    shot(page, "07-full-card")
    with ui_server.api("admin.knudsen") as admin:
        log = admin.get(f"/citizens/{counter_case.cpr}/access-log").json()
    assert any(
        e["purpose"] == "consent" and e["actor_name"] == "Camilla Madsen" for e in log["entries"]
    )


def test_keyboard_only_from_search_to_dispensing(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)

    page.keyboard.type(counter_case.cpr)  # the CPR field has focus on arrival
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=counter_case.name)).to_be_visible()
    page.get_by_role("link", name="Dispense…").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Dispense").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Dispensed")).to_be_visible()
    outline = page.evaluate(
        "() => { const a = document.querySelector('a[href=\"/ui/citizen\"]'); a.focus();"
        " return getComputedStyle(a).outlineStyle; }"
    )
    assert outline != "none"


def test_todays_dispensings_list_this_pharmacy(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server)
    find(page, counter_case.cpr)
    page.get_by_role("link", name="Dispense…").click()
    page.get_by_role("button", name="Dispense").click()

    page.get_by_role("link", name="Today's dispensings").click()

    expect(page.locator("table")).to_contain_text(counter_case.name)
    expect(page.locator("table")).to_contain_text(f"{counter_case.cpr[:6]}-xxxx")
    expect(page.locator("table")).to_contain_text(re.compile(r"\d\d-\d\d-\d{4} \d\d:\d\d"))
    shot(page, "08-today")


def test_a_private_prescription_is_dispensed_at_the_counter(
    new_page: Callable[[], Any], ui_server: Server
) -> None:
    """Issue 10, point 9: the counter sent no purpose, so a private prescription was hidden."""
    case = make_counter_case(ui_server, private=True)
    page = new_page()
    sign_in(page, ui_server)
    find(page, case.cpr)

    page.get_by_role("link", name="Dispense…").click()
    page.get_by_role("button", name="Dispense").click()

    expect(page.get_by_role("heading", name="Dispensed")).to_be_visible()
    assert remaining_iterations(ui_server, case) == 2


def test_sign_out_ends_the_session(new_page: Callable[[], Any], ui_server: Server) -> None:
    page = new_page()
    sign_in(page, ui_server)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("signed out")
    page.goto(ui_server.base + "/ui")
    expect(page).to_have_url(re.compile(r"/ui/login"))


def test_session_expires_after_the_idle_timeout(
    new_page: Callable[[], Any], short_session_server: Server
) -> None:
    page = new_page()
    sign_in(page, short_session_server)
    cookie = next(c for c in page.context.cookies() if c["name"] == "medrecord_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    time.sleep(2.5)
    page.reload()

    expect(page).to_have_url(re.compile(r"/ui/login"))
    expect(page.get_by_role("status")).to_contain_text("session has ended")


def test_assistants_are_not_offered_the_full_card(
    new_page: Callable[[], Any], ui_server: Server, counter_case: CounterCase
) -> None:
    page = new_page()
    sign_in(page, ui_server, who="Jonas Olsen")
    find(page, counter_case.cpr)

    expect(page.get_by_role("heading", name=counter_case.name)).to_be_visible()
    expect(page.get_by_role("button", name="Show full medication card")).to_have_count(0)
    refused = page.request.post(
        ui_server.base + "/ui/citizen/card", form={"consent": "yes", "csrf_token": csrf_of(page)}
    )
    assert refused.status == 403
