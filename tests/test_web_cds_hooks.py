"""CDS Hooks 2.0: discovery, patient-view cards, order-sign checks, 412, invalid FHIR, feedback.

Example requests are JSON fixtures in tests/corpus/cds/. "Today" is fixed through Settings.today.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fhir.resources")

with warnings.catch_warnings():  # starlette >= 1.x nags about httpx; the test client works the same
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from nephroguide.web.app import create_app
from nephroguide.web.settings import Settings

CORPUS = Path(__file__).parent / "corpus" / "cds"
PV = "/cds-services/nephroguide-patient-view"
OS = "/cds-services/nephroguide-order-sign"
TODAY = dt.date(2026, 11, 21)


def load(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def client(home: Path) -> TestClient:
    return TestClient(create_app(Settings(home=home, today=TODAY)), raise_server_exceptions=False)


def _no_nulls(value: Any, path: str = "") -> None:
    """The specification's JSON rule: optional fields are omitted, never null or empty."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert v is not None and v != [] and v != {} and v != "", f"{path}.{k} is empty"
            _no_nulls(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_nulls(v, f"{path}[{i}]")


def check_card(card: dict[str, Any]) -> None:
    assert card["summary"] and len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    assert card["source"]["label"]
    if "suggestions" in card:
        assert card["selectionBehavior"] in ("at-most-one", "any")
        for s in card["suggestions"]:
            assert s["label"] and s["actions"]
    for link in card.get("links", []):
        assert link["type"] in ("absolute", "smart") and link["url"].startswith("http")
    _no_nulls(card)


def test_discovery(client: TestClient) -> None:
    resp = client.get("/cds-services")
    assert resp.status_code == 200
    services = {s["id"]: s for s in resp.json()["services"]}
    pv = services["nephroguide-patient-view"]
    assert pv["hook"] == "patient-view" and pv["description"] and pv["title"]
    prefetch = pv["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    for code in ("29463-7", "8302-2", "2890-2", "13801-3", "1751-7", "2160-0"):
        assert any(code in q for q in prefetch.values()), code
    assert any(q.startswith("MedicationRequest?") for q in prefetch.values())
    assert any(q.startswith("Condition?") for q in prefetch.values())
    assert services["nephroguide-order-sign"]["hook"] == "order-sign"
    _no_nulls(resp.json())


def test_patient_view_srns_child(client: TestClient) -> None:
    resp = client.post(PV, json=load("patient_view_srns"))
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    for c in cards:
        check_card(c)
    main = next(c for c in cards if c["source"].get("topic", {}).get("code") == "srns.cni.first_line")
    assert main["indicator"] == "info"
    assert "calcineurin" in main["summary"].lower()
    assert "srns" in main["detail"] and "1.05 mg" in main["detail"] and "grade" in main["detail"]
    assert main["source"]["url"].startswith("https://")
    link = main["links"][0]["url"]
    # the link opens the full plan page, with the same child
    page = client.get(link.replace("http://testserver", ""))
    assert page.status_code == 200 and 'data-kb-id="srns.cni.first_line"' in page.text
    # the albumin without a unit and the unknown drug are left out, and said so
    notes = next(c for c in cards if "not used" in c["summary"])
    assert "Observation/a3" in notes["detail"] and "no unit" in notes["detail"]
    assert "amoxicillin" in notes["detail"]
    # deterministic: the same request gives the same cards (links aside)
    again = client.post(PV, json=load("patient_view_srns")).json()["cards"]
    strip = [{k: v for k, v in c.items() if k != "links"} for c in cards]
    assert strip == [{k: v for k, v in c.items() if k != "links"} for c in again]


def test_patient_view_without_nephrotic_syndrome_gives_no_cards(client: TestClient) -> None:
    req = load("patient_view_srns")
    for key in ("upcr", "albumin", "medications", "conditions"):
        req["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset"}
    resp = client.post(PV, json=req)
    assert resp.status_code == 200 and resp.json() == {"cards": []}


def test_patient_view_units_converted_and_implausible_values_left_out(client: TestClient) -> None:
    req = load("patient_view_srns")
    weight = req["prefetch"]["weight"]["entry"][0]["resource"]["valueQuantity"]
    weight.update(value=21000, unit="g", code="g")
    impossible = copy.deepcopy(req["prefetch"]["upcr"]["entry"][1])
    impossible["resource"].update(id="u3", effectiveDateTime="2026-09-05")
    impossible["resource"]["valueQuantity"].update(value=4000)   # not a possible UPCR: left out with a note
    req["prefetch"]["upcr"]["entry"].append(impossible)
    cards = client.post(PV, json=req).json()["cards"]
    notes = next(c for c in cards if "not used" in c["summary"])
    assert "Observation/u3" in notes["detail"] and "impossible value" in notes["detail"]
    main = next(c for c in cards if c["source"].get("topic", {}).get("code") == "srns.cni.first_line")
    assert "1.05 mg" in main["summary"]   # 21000 g read as 21 kg


def test_order_sign_over_max_tacrolimus_is_critical_with_corrected_dose(client: TestClient) -> None:
    from fhir.resources.R4B.medicationrequest import MedicationRequest

    resp = client.post(OS, json=load("order_sign_tacrolimus_over_max"))
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    for c in cards:
        check_card(c)
    crit = next(c for c in cards if c["indicator"] == "critical" and "maximum" in c["summary"])
    assert "tacrolimus" in crit["summary"] and "10 mg" in crit["summary"] and "4.2 mg" in crit["summary"]
    suggestion = crit["suggestions"][0]
    action = suggestion["actions"][0]
    assert action["type"] == "update"
    resource = MedicationRequest.model_validate(action["resource"])  # valid FHIR R4
    dose = resource.dosageInstruction[0].doseAndRate[0].doseQuantity
    assert float(dose.value) == 2.1 and dose.unit == "mg"
    assert resource.dosageInstruction[0].timing.repeat.frequency == 2
    assert resource.id == "draft-tac"
    assert crit["overrideReasons"]
    # the pack's cautions for tacrolimus come too (live vaccines)
    assert any("live vaccines" in c["summary"].lower() for c in cards)


def test_order_sign_dose_within_range_gives_no_dose_card(client: TestClient) -> None:
    req = load("order_sign_tacrolimus_over_max")
    order = req["context"]["draftOrders"]["entry"][0]["resource"]
    order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 1
    cards = client.post(OS, json=req).json()["cards"]
    assert not any("maximum" in c["summary"] for c in cards)


def test_order_sign_egfr_below_30_blocks_cni(client: TestClient) -> None:
    req = load("order_sign_tacrolimus_over_max")
    creat = req["prefetch"]["creatinine"]["entry"][0]["resource"]
    creat["valueQuantity"].update(value=2.0)
    creat["effectiveDateTime"] = "2026-11-20"
    cards = client.post(OS, json=req).json()["cards"]
    egfr = [c for c in cards if c["indicator"] == "critical" and "egfr" in c["summary"].lower()]
    assert egfr, [c["summary"] for c in cards]


def test_order_sign_cumulative_cyclophosphamide(client: TestClient) -> None:
    resp = client.post(OS, json=load("order_sign_cyclophosphamide_cumulative"))
    assert resp.status_code == 200, resp.text
    cards = resp.json()["cards"]
    for c in cards:
        check_card(c)
    cum = next(c for c in cards if "cumulative" in c["summary"])
    assert cum["indicator"] == "critical" and "168 mg/kg" in cum["summary"]
    assert "160.0 mg/kg" in cum["detail"]
    action = cum["suggestions"][0]["actions"][0]
    assert action["type"] in ("update", "delete")


def test_order_sign_live_vaccine_on_immunosuppression(client: TestClient) -> None:
    req = load("order_sign_tacrolimus_over_max")
    tac = copy.deepcopy(req["context"]["draftOrders"]["entry"][0]["resource"])
    tac.update(id="mr-tac-current", status="active", authoredOn="2026-10-01")
    tac["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 1
    req["prefetch"]["medications"]["entry"].append({"resource": tac})
    vaccine = {"resourceType": "MedicationRequest", "id": "draft-mmr", "status": "draft", "intent": "order",
               "medicationCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "03",
                                                         "display": "MMR"}], "text": "measles, mumps and rubella vaccine"},
               "subject": {"reference": "Patient/child-srns"}}
    req["context"]["draftOrders"]["entry"] = [{"resource": vaccine}]
    cards = client.post(OS, json=req).json()["cards"]
    vac = next(c for c in cards if c["summary"].startswith("Vaccine order"))
    assert vac["indicator"] == "warning" and "live" in vac["detail"].lower()


def test_order_sign_without_weight_prefetch_is_412(client: TestClient) -> None:
    req = load("order_sign_tacrolimus_over_max")
    del req["prefetch"]["weight"]
    resp = client.post(OS, json=req)
    assert resp.status_code == 412
    assert resp.json()["errors"][0]["field"] == "prefetch.weight"


def test_missing_patient_prefetch_is_412(client: TestClient) -> None:
    resp = client.post(PV, json=load("patient_view_missing_prefetch"))
    assert resp.status_code == 412
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["errors"] == [{"field": "prefetch.patient", "message": "required"}]
    req = load("patient_view_missing_prefetch")
    req["fhirServer"] = "https://ehr.example.org/fhir"   # not on the allow-list: still 412
    assert client.post(PV, json=req).status_code == 412


def test_missing_prefetch_is_fetched_from_an_allowed_fhir_server(home: Path) -> None:
    import httpx

    full = load("patient_view_srns")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        assert request.headers["authorization"] == "Bearer t0k3n"
        if request.url.path.endswith("/Patient/child-srns"):
            return httpx.Response(200, json=full["prefetch"]["patient"])
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

    app = create_app(Settings(home=home, today=TODAY, fhir_servers=("https://ehr.example.org/fhir",)))
    app.state.fhir_transport = httpx.MockTransport(handler)
    c = TestClient(app, raise_server_exceptions=False)
    req = load("patient_view_missing_prefetch")
    req.update(fhirServer="https://ehr.example.org/fhir",
               fhirAuthorization={"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 300,
                                  "scope": "patient/*.read", "subject": "nephroguide"})
    resp = c.post(PV, json=req)
    assert resp.status_code == 200, resp.text
    assert "/fhir/Patient/child-srns" in seen


def test_invalid_fhir_is_400_naming_resource_and_field(client: TestClient) -> None:
    resp = client.post(PV, json=load("patient_view_invalid_fhir"))
    assert resp.status_code == 400
    body = resp.json()
    assert body["errors"][0]["field"] == "prefetch.weight.entry[0].resource.valueQuantity.value"
    assert "Observation/w1" in body["errors"][0]["message"]
    req = load("patient_view_srns")
    req["prefetch"]["patient"] = {"resourceType": "Patient", "gender": "boy", "birthDate": "2020-13-45"}
    bad = client.post(PV, json=req)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"].startswith("prefetch.patient")
    req["prefetch"]["patient"] = {"resourceType": "Spaceship"}
    assert client.post(PV, json=req).json()["errors"][0]["field"] == "prefetch.patient.resourceType"


def test_bad_requests(client: TestClient) -> None:
    req = load("patient_view_srns")
    assert client.post("/cds-services/unknown", json=req).status_code == 404
    wrong_hook = dict(req, hook="order-sign")
    assert client.post(PV, json=wrong_hook).json()["errors"][0]["field"] == "hook"
    no_instance = {k: v for k, v in req.items() if k != "hookInstance"}
    assert client.post(PV, json=no_instance).json()["errors"][0]["field"] == "hookInstance"
    assert client.post(PV, content=b"{", headers={"content-type": "application/json"}).status_code == 400
    assert client.post(PV, content=b"{}", headers={"content-type": "text/plain"}).status_code == 415
    os_req = load("order_sign_tacrolimus_over_max")
    del os_req["context"]["draftOrders"]
    assert client.post(OS, json=os_req).json()["errors"][0]["field"] == "context.draftOrders"


def test_feedback_is_stored(client: TestClient, home: Path) -> None:
    from nephroguide.web import store

    cards = client.post(OS, json=load("order_sign_tacrolimus_over_max")).json()["cards"]
    crit = next(c for c in cards if c["indicator"] == "critical")
    other = next(c for c in cards if c is not crit)
    fb = load("feedback")
    fb["feedback"][0]["card"] = crit["uuid"]
    fb["feedback"][0]["acceptedSuggestions"] = [{"id": crit["suggestions"][0]["uuid"]}]
    fb["feedback"][1]["card"] = other["uuid"]
    resp = client.post(OS + "/feedback", json=fb)
    assert resp.status_code == 200 and resp.json() == {"stored": 2}
    rows = store.list_feedback(home, "nephroguide-order-sign")
    assert [r["outcome"] for r in rows[-2:]] == ["accepted", "overridden"]
    assert rows[-2]["card"] == crit["uuid"] and rows[-1]["overrideReason"]["userComment"] == "trough-guided"
    bad = client.post(OS + "/feedback", json={"feedback": [{"card": "x", "outcome": "ignored",
                                                            "outcomeTimestamp": "2026-11-21T10:00:00Z"}]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "feedback[0].card"
