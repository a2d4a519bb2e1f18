"""The web UI answers failures with its own pages, mapped by the same statuses as the API."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medrecord.models import Citizen, Organisation
from tests.support.factories import make_citizen, make_organisation


@pytest.fixture
def counter(app: FastAPI, db: Session) -> Iterator[tuple[TestClient, Citizen]]:
    """A signed-in demo pharmacist with a citizen at the counter."""
    if db.get(Organisation, "380301000016006") is None:
        db.add(Organisation(id="380301000016006", name="Nørrebro Apotek", kind="pharmacy"))
        db.flush()
    citizen = make_citizen(db, gp=make_organisation(db, kind="gp_practice"))
    with TestClient(app, follow_redirects=False) as client:
        login = client.get("/ui/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', login.text)
        assert token is not None
        signed_in = client.post(
            "/ui/login/dev", data={"username": "pharm.madsen", "login_csrf": token.group(1)}
        )
        assert signed_in.status_code == 303
        page = client.get("/ui")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        found = client.post("/ui/find", data={"cpr": citizen.cpr, "csrf_token": csrf.group(1)})
        assert found.status_code == 303 and found.headers["location"] == "/ui/citizen"
        yield client, citizen


def test_an_unknown_dispensing_is_a_404_page_not_a_conflict(
    counter: tuple[TestClient, Citizen],
) -> None:
    client, _ = counter

    response = client.get(f"/ui/citizen/dispensings/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "The citizen has no such dispensing." in response.text


def test_a_wrong_ui_address_is_a_page_not_json(counter: tuple[TestClient, Citizen]) -> None:
    client, _ = counter

    response = client.get("/ui/no-such-page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no such page." in response.text


def test_the_bare_ui_address_is_the_counter(counter: tuple[TestClient, Citizen]) -> None:
    client, _ = counter

    assert client.get("/ui").status_code == 200
    assert client.get("/ui/").status_code == 200


def test_api_errors_stay_problem_json_beside_the_ui(
    counter: tuple[TestClient, Citizen],
) -> None:
    client, citizen = counter

    response = client.get(f"/api/v1/citizens/{citizen.cpr}/medication-card")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_ui_pages_are_labelled_with_their_ui_route_in_metrics(
    counter: tuple[TestClient, Citizen],
) -> None:
    client, _ = counter
    client.get("/ui/citizen")

    metrics = client.get("/metrics").text

    assert 'route="/ui/citizen"' in metrics
    assert 'route="/citizen"' not in metrics


def test_a_crash_on_a_ui_page_is_an_html_error_page(
    app: FastAPI, counter: tuple[TestClient, Citizen], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("medrecord.web.counter.prescription_service.dispensary_view", broken)
    with TestClient(app, raise_server_exceptions=False, cookies=counter[0].cookies) as client:
        response = client.get("/ui/citizen")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong on our side." in response.text
    assert "boom" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"]
