"""Issue 13 items 3-5: FHIR as EHRs send it, identity and scope checks, one bad order among good ones.

Request fixtures: tests/fixtures/cds/patient_view_ehr_shapes.json (partial birthDate, [lb_av]/[in_i],
LOINC by OID, mg/mmol{creat}, mg/dL and mmol/L, a '>' bound, one page of a longer UPCR history) and
order_sign_mixed_shapes.json (an order in an older FHIR shape next to an R4 tacrolimus overdose).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fhir.resources")

from cds_support import OS, PV, client, fixture


@pytest.fixture(scope="module")
def c(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return client(tmp_path_factory.mktemp("home"))


def _cards(resp: Any) -> list[dict[str, Any]]:
    assert resp.status_code == 200, resp.text
    cards: list[dict[str, Any]] = resp.json()["cards"]
    return cards


def _plan(cards: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in cards if c["summary"].startswith("Next step"))


# ----------------------------------------------------------------------------------------- item 3

def test_ehr_shapes_are_read_right(c: Any) -> None:
    cards = _cards(c.post(PV, json=fixture("patient_view_ehr_shapes")))
    plan = _plan(cards)
    # 46.3 [lb_av] = 21.0 kg, 46.5 [in_i] = 118.1 cm, LOINC named by OID: the dose is the 21 kg child's
    assert "tacrolimus 1.05 mg" in plan["summary"]
    # SI UPCR with the {creat} annotation read as mg/mmol; the course is classified from it
    assert "srns" in plan["detail"] and "701 mg/mmol" in plan["detail"]
    # partial birthDate: an age with its uncertainty, said on the cards
    assert "birth date given only as 2019-03" in plan["detail"] and "between 7.6 and 7.7" in plan["detail"]
    # one page of a longer history is reported as incomplete, not read as the whole history
    assert "prefetch.upcr is incomplete: the EHR sent 4 of 7 results" in plan["detail"]
    notes = next(x for x in cards if "not used by nephroguide" in x["summary"])
    assert "incomplete" in notes["summary"]
    # the '>' result is carried as a bound, never as the value
    assert "Observation/upcr-2 (upcr, 2026-07-31): > 1130 mg/mmol is a bound" in notes["detail"]
    assert "1130" not in plan["detail"]
    # creatinine in mg/dL and mmol/L both used (nothing left out for them)
    assert "Observation/cr-" not in notes["detail"]


def test_ehr_units_become_the_record_nephroguide_plans_from() -> None:
    from cds_support import TODAY
    from nephroguide.web.cds import hooks

    mapped = hooks.mapped_patient(fixture("patient_view_ehr_shapes")["prefetch"], TODAY, "pat-1042")
    record = mapped.record
    assert record["weight_kg"] == pytest.approx(46.3 * 0.45359237, abs=0.001)   # [lb_av]
    assert record["height_cm"] == pytest.approx(46.5 * 2.54, abs=0.001)         # [in_i]
    assert record["age_years"] == pytest.approx(7.66, abs=0.05) and "birth_date" not in record
    labs = {(lab["test"], lab["date"]): (lab["value"], lab["unit"]) for lab in record["labs"]}
    assert labs[("upcr", "2026-08-01")] == (701, "mg/mmol")                      # mg/mmol{creat}
    assert labs[("creatinine", "2026-08-01")] == (0.35, "mg/dL")
    value, unit = labs[("creatinine", "2026-08-29")]                              # mmol/L -> umol/L
    assert unit == "umol/L" and value == pytest.approx(31.0)
    assert ("upcr", "2026-07-31") not in labs                                      # the '>' bound


@pytest.mark.parametrize(("test", "value", "unit", "expected"), [
    ("creatinine", 0.031, "mmol/L", (31.0, "umol/L")), ("creatinine", 0.35, "mg/dL", (0.35, "mg/dL")),
    ("albumin", 1600, "mg/dL", (1.6, "g/dL")), ("upcr", 250, "mg/mmol", (250, "mg/mmol")),
])
def test_lab_units_are_converted_within_their_quantity(test: str, value: float, unit: str,
                                                       expected: tuple[float, str]) -> None:
    from nephroguide.web.cds.fhir import lab_value

    got = lab_value(test, value, unit)
    assert got[1] == expected[1] and got[0] == pytest.approx(expected[0])


def test_a_unit_of_another_quantity_is_never_converted() -> None:
    from nephroguide.errors import InputError
    from nephroguide.web.cds.fhir import lab_value

    with pytest.raises(InputError):
        lab_value("creatinine", 31, "mmol/mol")   # not a concentration: no guess


@pytest.mark.parametrize(("birth", "note"), [("2019", "between 6.9 and 7.9"), ("2019-03", "between 7.6 and 7.7")])
def test_partial_birth_dates_never_500(c: Any, birth: str, note: str) -> None:
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["patient"]["birthDate"] = birth
    plan = _plan(_cards(c.post(PV, json=req)))
    assert f"birth date given only as {birth}" in plan["detail"] and note in plan["detail"]


def test_a_partial_birth_date_across_an_age_limit_is_flagged(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["patient"]["birthDate"] = "2025"   # 0.89 to 1.89 years on 2026-11-21
    plan = _plan(_cards(c.post(PV, json=req)))
    assert "the possible ages change the course labels (at 0.89 years: also infant)" in plan["detail"]
    # adult by the middle of the range but possibly 17.98: cards (with the caveat), not silence
    req["prefetch"]["patient"]["birthDate"] = "2008-11"
    cards = _cards(c.post(PV, json=req))
    assert cards and any("at 17.98 years: not out of scope age" in x.get("detail", "") for x in cards)
    req["prefetch"]["patient"]["birthDate"] = "2007"   # an adult at any age in the range: no cards
    assert _cards(c.post(PV, json=req)) == []


def test_link_next_alone_marks_the_prefetch_incomplete(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    del req["prefetch"]["upcr"]["total"]
    plan = _plan(_cards(c.post(PV, json=req)))
    assert "prefetch.upcr is incomplete: the EHR sent one page of 4 results and a link to more" in plan["detail"]


def test_every_value_left_out_is_listed_with_why(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    alb = req["prefetch"]["albumin"]["entry"]
    no_unit = copy.deepcopy(alb[0])
    no_unit["resource"]["id"] = "alb-nounit"
    del no_unit["resource"]["valueQuantity"]["unit"], no_unit["resource"]["valueQuantity"]["code"]
    wrong_unit = copy.deepcopy(alb[0])
    wrong_unit["resource"]["id"] = "alb-mmol"
    wrong_unit["resource"]["valueQuantity"].update(unit="mmol/L", code="mmol/L")
    less_than = copy.deepcopy(alb[0])
    less_than["resource"]["id"] = "alb-lt"
    less_than["resource"]["valueQuantity"].update(comparator="<", value=10)
    other_code = copy.deepcopy(alb[0])
    other_code["resource"]["id"] = "prot-24h"
    other_code["resource"]["code"]["coding"][0].update(code="2889-4", display="Protein [Mass/time] in 24 hour Urine")
    alb += [no_unit, wrong_unit, less_than, other_code]
    meds = req["prefetch"]["medications"]["entry"]
    stopped = copy.deepcopy(meds[0])
    stopped["resource"].update(id="medrx-err", status="entered-in-error")
    unknown = copy.deepcopy(meds[0])
    unknown["resource"].update(id="medrx-unk", medicationCodeableConcept={"text": "zinc sulfate 10 mg/mL syrup"})
    meds += [stopped, unknown]
    notes = next(x for x in _cards(c.post(PV, json=req)) if "not used by nephroguide" in x["summary"])
    assert notes["summary"].startswith("7 chart entries were not used")
    assert "Observation/prot-24h: code 2889-4 is not one nephroguide reads; not used" in notes["detail"]
    assert "MedicationRequest/medrx-err (prednisoLONE 5 MG Oral Tablet): status entered-in-error" in notes["detail"]
    assert "MedicationRequest/medrx-unk (zinc sulfate 10 mg/mL syrup): not a drug nephroguide knows" in notes["detail"]
    assert "Observation/alb-nounit (albumin, 2026-08-29) has no unit" in notes["detail"]
    assert "Observation/alb-mmol (albumin, 2026-08-29): unit 'mmol/L' is not accepted for albumin" in notes["detail"]
    assert "Observation/alb-lt (albumin, 2026-08-29): < 10 g/L is a bound" in notes["detail"]


# ----------------------------------------------------------------------------------------- item 4

def test_prefetch_patient_of_another_patient_is_not_used(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["patient"]["id"] = "pat-2001"
    cards = _cards(c.post(PV, json=req))
    assert len(cards) == 1 and cards[0]["indicator"] == "info"
    assert cards[0]["summary"] == "Chart not read: the prefetch is about another patient"
    assert "Patient/pat-2001 is not the patient in context (Patient/pat-1042); not used" in cards[0]["detail"]


def test_observation_and_draft_order_of_another_patient_are_not_used(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["weight"]["entry"][0]["resource"]["subject"]["reference"] = \
        "https://ehr.example.net/fhir/Patient/pat-2001/_history/4"
    cards = _cards(c.post(PV, json=req))
    notes = next(x for x in cards if "not used by nephroguide" in x["summary"])
    assert "Observation/wt-9 (weight): its subject is Patient/pat-2001, not the patient in context" in notes["detail"]
    assert "tacrolimus 1.05 mg" not in _plan(cards)["summary"]   # no weight: no weight-based dose
    order = fixture("order_sign_mixed_shapes")
    order["context"]["draftOrders"]["entry"][1]["resource"]["subject"]["reference"] = "Patient/pat-2001"
    cards = _cards(c.post(OS, json=order))
    assert not any(x["indicator"] == "critical" for x in cards)
    skipped = next(x for x in cards if "MedicationRequest/draft-tac-7" in x.get("detail", ""))
    assert skipped["indicator"] == "info" and "its subject is Patient/pat-2001" in skipped["detail"]


@pytest.mark.parametrize("path", [PV, OS])
def test_no_context_patient_id_is_400(c: Any, path: str) -> None:
    req = fixture("patient_view_ehr_shapes" if path == PV else "order_sign_mixed_shapes")
    del req["context"]["patientId"]
    resp = c.post(path, json=req)
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "context.patientId"


@pytest.mark.parametrize("path", [PV, OS])
def test_adult_gets_no_cards(c: Any, path: str) -> None:
    req = fixture("patient_view_ehr_shapes" if path == PV else "order_sign_mixed_shapes")
    req["prefetch"]["patient"]["birthDate"] = "1990-02-11"
    assert _cards(c.post(path, json=req)) == []


def test_operation_outcome_instead_of_patient_is_412(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["patient"] = {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "not-found", "diagnostics": "Patient/pat-1042 is not known"}]}
    resp = c.post(PV, json=req)
    assert resp.status_code == 412 and resp.json()["errors"][0]["field"] == "prefetch.patient"
    assert "OperationOutcome" in resp.json()["detail"]


def test_operation_outcome_for_a_lab_is_listed_not_fatal(c: Any) -> None:
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["albumin"] = {"resourceType": "OperationOutcome",
                                  "issue": [{"severity": "error", "code": "timeout"}]}
    notes = next(x for x in _cards(c.post(PV, json=req)) if "not used by nephroguide" in x["summary"])
    assert "prefetch.albumin: the EHR sent an OperationOutcome" in notes["detail"]


def test_weight_null_and_empty_bundle_behave_the_same(c: Any) -> None:
    answers = []
    for weight in (None, {"resourceType": "Bundle", "type": "searchset", "total": 0}):
        req = fixture("order_sign_mixed_shapes")
        req["prefetch"]["weight"] = weight
        cards = _cards(c.post(OS, json=req))
        answers.append([(x["indicator"], x["summary"]) for x in cards])
        assert any("no body weight" in x.get("detail", "") for x in cards)
    assert answers[0] == answers[1]
    req = fixture("order_sign_mixed_shapes")
    del req["prefetch"]["weight"]   # absent (not sent at all) is still 412 for order-sign
    assert c.post(OS, json=req).status_code == 412


# ----------------------------------------------------------------------------------------- item 5

def test_one_bad_order_does_not_silence_the_overdose(c: Any) -> None:
    cards = _cards(c.post(OS, json=fixture("order_sign_mixed_shapes")))
    skipped = next(x for x in cards if "order not checked" in x["summary"])
    assert skipped["indicator"] == "info" and skipped["summary"].startswith("prednisolone 5 mg tablet")
    assert "context.draftOrders.entry[0].resource.dosageInstruction.0.doseQuantity" in skipped["detail"]
    assert "not valid FHIR R4" in skipped["detail"]
    crit = next(x for x in cards if x["indicator"] == "critical" and "maximum" in x["summary"])
    assert crit["summary"].startswith("tacrolimus 12 mg per day is above the maximum 4.2 mg")
    action = crit["suggestions"][0]["actions"][0]
    assert action["type"] == "update" and action["resource"]["id"] == "draft-tac-7"
    # a single draft order in the old shape (not in a Bundle) is skipped the same way, never a 400
    single = fixture("order_sign_mixed_shapes")
    single["context"]["draftOrders"] = single["context"]["draftOrders"]["entry"][0]["resource"]
    only = _cards(c.post(OS, json=single))
    assert any("order not checked" in x["summary"] for x in only)
    assert not any(x["indicator"] == "critical" for x in only)


def test_fixture_requests_are_valid_json_in_spec_shape() -> None:
    for name in ("patient_view_ehr_shapes", "order_sign_mixed_shapes"):
        req = fixture(name)
        assert req["hook"] in ("patient-view", "order-sign") and req["hookInstance"]
        assert req["context"]["patientId"] == "pat-1042"
        assert Path(__file__).parent.joinpath("fixtures", "cds", f"{name}.json").exists()


def test_warm_up_builds_what_the_first_request_needs() -> None:
    from nephroguide.web.cds import fhir, hooks

    hooks.warm_up()
    assert fhir._drug_index.cache_info().currsize == 1
    assert fhir._model("Observation") is not None and fhir._model("MedicationRequest") is not None


def test_validated_resources_are_reused_but_errors_never_cached(c: Any) -> None:
    from nephroguide.web.cds import fhir

    value = {"resourceType": "Bundle", "type": "searchset",
             "entry": [{"resource": fixture("patient_view_ehr_shapes")["prefetch"]["albumin"]["entry"][0]["resource"]}]}
    first = fhir.resources(value, "prefetch.albumin")[0]
    assert fhir.resources(value, "prefetch.albumin")[0] is first   # the same JSON: the model validated before
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["albumin"]["entry"][0]["resource"]["valueQuantity"]["value"] = "nineteen"
    for _ in range(2):
        resp = c.post(PV, json=req)
        assert resp.status_code == 400
        assert resp.json()["errors"][0]["field"] == "prefetch.albumin.entry[0].resource.valueQuantity.value"


def test_card_summary_uses_the_engine_dose_wording(c: Any) -> None:
    """Issue 13 item 7 (wording from the dose-safety work, not changed here): amount per dose and frequency
    first, then the daily total, on the card summary an EHR shows in its list."""
    req = fixture("patient_view_ehr_shapes")
    req["prefetch"]["weight"]["entry"][0]["resource"]["valueQuantity"].update(value=23, unit="kg", code="kg")
    summary = _plan(_cards(c.post(PV, json=req)))["summary"]
    assert "tacrolimus 1.15 mg twice daily" in summary and len(summary) < 140
    assert summary.index("1.15 mg twice daily") < summary.index("2.3 mg/day")
