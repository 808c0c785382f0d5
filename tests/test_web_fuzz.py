"""Fuzzing (issue 12): every API operation from the OpenAPI document (schemathesis) and the patient record
reader, CLI and API (hypothesis), with bounded example counts.

Asserted for every request or input: no 5xx, an exit code in {0, 2, 3}, no traceback, every 4xx is
problem+json whose ``errors`` name a field, and the work done is bounded: the unit parser and the drug
matcher never see a string longer than their limits, whatever was sent (input sizes are counted, never the
clock). Figures (requests, failures) are printed at the end of the module (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import threading
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from nephroguide.errors import InputError  # noqa: E402
from nephroguide.intake import units  # noqa: E402
from nephroguide.intake.record import MAX_DRUG, MAX_UNIT, load_patient, read_record_bytes  # noqa: E402

# Bounded counts so the file runs in well under a minute on 2 cores; NEPHROGUIDE_FUZZ_SCALE=10 for a deeper run.
SCALE = max(1, int(os.environ.get("NEPHROGUIDE_FUZZ_SCALE", "1") or 1))
API_EXAMPLES = 12 * SCALE   # schema-valid requests per operation (27 operations)
API_NEGATIVE = 6 * SCALE    # schema-invalid requests per operation
RECORD_EXAMPLES = 150 * SCALE
CLI_EXAMPLES = 60 * SCALE
FIGURES: Counter[str] = Counter()


# ------------------------------------------------------------------------------------------------ work counters

class Sizes:
    """The longest string the unit parser and the drug matcher were given (work grows with these)."""

    def __init__(self) -> None:
        self.unit = 0
        self.drug = 0


@pytest.fixture(scope="module")
def sizes() -> Iterator[Sizes]:
    from nephroguide.intake import drugs

    seen = Sizes()
    clean, norm = units.clean_unit, drugs.normalise_name

    def counted_clean(text: str) -> str:
        seen.unit = max(seen.unit, len(text))
        return clean(text)

    def counted_norm(name: str) -> str:
        seen.drug = max(seen.drug, len(name))
        return norm(name)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(units, "clean_unit", counted_clean)
        mp.setattr(drugs, "normalise_name", counted_norm)
        yield seen
    assert seen.unit <= units.MAX_UNIT_CHARS and seen.drug <= drugs.MAX_DRUG_NAME


# ------------------------------------------------------------------------------------------------ the app

@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzzhome")


@pytest.fixture(scope="module")
def app(fuzz_home: Path) -> Any:
    from nephroguide.review.db import open_store
    from nephroguide.review.service import Review
    from nephroguide.web.app import create_app
    from nephroguide.web.settings import Settings

    review = Review(open_store(f"sqlite:///{fuzz_home / 'nephroguide.sqlite3'}"), home=fuzz_home, auto_export=False)
    admin = review.add_user(None, "admin", "admin", "admin-password-1")
    review.add_user(admin, "rita", "reviewer", "rita-password-1")
    app = create_app(Settings(home=fuzz_home, max_body_bytes=200_000))
    app.state.fuzz_token = review.create_token(admin, "admin", "fuzz")
    return app


@pytest.fixture(scope="module")
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def _problem_names_a_field(response: Any) -> None:
    status = response.status_code
    assert status < 500, f"{status}: {response.text[:300]}"
    assert "Traceback" not in response.text and 'File "' not in response.text
    if 400 <= status < 500:
        ctype = response.headers.get("content-type") or response.headers.get("Content-Type")
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        assert ctype and ctype.startswith("application/problem+json"), response.headers
        body = response.json()
        assert body["status"] == status and body["detail"]
        assert len(body["detail"]) <= 2000, "an error message echoes an unbounded value"
        assert body.get("errors") and all(e.get("field") for e in body["errors"]), body


def _fuzz_run(strategy: Any, examples: int, headers: dict[str, str] | None, checks: list[Any]) -> Any:
    @given(strategy)
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        FIGURES["api requests"] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
            _problem_names_a_field(response)
        except BaseException:
            FIGURES["api failures"] += 1
            raise

    return run


def test_every_api_operation_answers_without_5xx_and_names_the_field(api_schema: Any, app: Any,
                                                                      sizes: Sizes) -> None:
    """Every operation of the OpenAPI document, with schema-valid (positive) and schema-invalid (negative)
    requests: no 5xx, the status and content type the document lists, 4xx problem+json naming a field."""
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    token = app.state.fuzz_token
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        headers = {"Authorization": f"Bearer {token}"} if "/review/" in operation.path else None
        for mode, examples in ((GenerationMode.POSITIVE, API_EXAMPLES), (GenerationMode.NEGATIVE, API_NEGATIVE)):
            checks = [not_a_server_error] + ([status_code_conformance, content_type_conformance,
                                              response_schema_conformance]
                                             if mode is GenerationMode.POSITIVE else [])

            run = _fuzz_run(operation.as_strategy(generation_mode=mode), examples, headers, checks)
            FIGURES["api operations"] += mode is GenerationMode.POSITIVE
            try:
                run()
            except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label


def test_openapi_documents_every_post_body_and_problem_responses(app: Any) -> None:
    doc = TestClient(app).get("/api/v1/openapi.json").json()
    operations = [(p, m, op) for p, ops in doc["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 25
    for path, method, op in operations:
        for code, response in op["responses"].items():
            if code.startswith("4"):
                assert list(response["content"]) == ["application/problem+json"], (path, code)
        if method == "post" and not path.endswith("/export"):
            assert op.get("requestBody", {}).get("content"), (path, "request body not documented")
            assert {"400", "413", "415", "422"} <= set(op["responses"]), path
    review = [op for p, _m, op in operations if "/review/" in p]
    assert all({"401", "403", "404", "409"} <= set(op["responses"]) for op in review)
    as_of = next(p for p in doc["paths"]["/api/v1/plan"]["post"]["parameters"] if p["name"] == "as_of")

    pattern = next(s["pattern"] for s in as_of["schema"]["anyOf"] if "pattern" in s)
    assert not re.search(pattern, "0000-00-00") and not re.search(pattern, "2026-13-01")
    assert re.search(pattern, "2026-11-21")


# ------------------------------------------------------------------------------------------------ records

NASTY_SCALARS = ["1:20", "025", "0x15", "0o17", "2_1", "yes", "no", "on", "off", "y", "~", ".5", "+1", "1e400",
                 ".inf", ".nan", "2026-13-45", "2026-11-21T10:00", "!!python/object:os.system", "&a x", "*a",
                 "<<: *a", "'", '"', "[", "{", "- -", "? x", "%TAG", "|", ">", "@", "`", "mg/" * 30, "ü" * 50]

FIELDS = ["age_years", "weight_kg", "height_cm", "as_of", "birth_date", "sex", "edema", "id", "onset_date"]
LAB_FIELDS = ["date", "test", "value", "unit"]
MED_FIELDS = ["drug", "start", "end", "dose", "dose_unit", "frequency", "route"]

BASE = {"as_of": "2026-11-21", "age_years": 6.5, "weight_kg": 21, "height_cm": 118,
        "labs": [{"date": "2026-11-01", "test": "upcr", "value": 4.2, "unit": "mg/mmol"}],
        "medications": [{"drug": "prednisolone", "start": "2026-10-01", "dose": 60, "dose_unit": "mg/m2/day"}]}

values = st.one_of(
    st.sampled_from(NASTY_SCALARS),
    st.integers(min_value=-(10**450), max_value=10**450),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.text(min_size=5_000, max_size=60_000, alphabet="mg/ Lµ²"),
    st.booleans(),
    st.none(),
    st.recursive(st.integers(0, 3), lambda c: st.lists(c, max_size=2) | st.dictionaries(st.text(max_size=3), c,
                                                                                           max_size=2), max_leaves=6),
)


@st.composite
def mutated_records(draw: Any) -> dict[str, Any]:
    rec = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "lab", "med"]))
        if where == "top":
            rec[draw(st.sampled_from(FIELDS))] = draw(values)
        elif where == "lab":
            rec["labs"][0][draw(st.sampled_from(LAB_FIELDS))] = draw(values)
        else:
            rec["medications"][0][draw(st.sampled_from(MED_FIELDS))] = draw(values)
    return rec


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str) and value in NASTY_SCALARS:
        return value if value not in ("'", '"', "[", "{", "- -", "? x", "%TAG", "|", ">", "@", "`", "<<: *a") \
            else json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _to_yaml(rec: dict[str, Any]) -> str:
    """Block YAML, with the nasty scalars written plain (as a person would type them)."""
    lines = []
    for key, value in rec.items():
        if key in ("labs", "medications") and isinstance(value, list):
            lines.append(f"{key}:")
            for item in value:
                first = True
                for k, v in item.items():
                    lines.append(("  - " if first else "    ") + f"{k}: {_yaml_scalar(v)}")
                    first = False
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        patient = fn()
    except InputError as exc:
        assert exc.field, exc.message
        assert "\n" not in exc.one_line() and len(exc.one_line()) <= 600, exc.one_line()[:200]
        return "error", exc.field
    return "ok", (patient.weight_kg, patient.age_years, len(patient.labs), len(patient.medications))


@given(rec=mutated_records())
@settings(max_examples=RECORD_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_record_reader_json_and_json_as_yaml_agree_and_errors_name_the_field(rec: dict[str, Any],
                                                                             sizes: Sizes) -> None:
    FIGURES["records"] += 1
    as_json = json.dumps(rec, ensure_ascii=False).encode()
    from_json = _outcome(lambda: load_patient(read_record_bytes(as_json, "r.json", "json")))
    # JSON is YAML: the same record written as JSON text read as YAML gives the same result or the same error
    # (same field). YAML allows fewer raw characters (no DEL, C1 controls), so those are written escaped.
    as_yaml = re.sub("[\x7f-\x84\x86-\x9f\ufffe\uffff]", lambda m: f"\\u{ord(m.group()):04x}",
                     json.dumps(rec, ensure_ascii=False)).encode()
    from_yaml_flow = _outcome(lambda: load_patient(read_record_bytes(as_yaml, "r.yaml", "yaml")))
    assert from_json == from_yaml_flow
    # block YAML with plain scalars: a number YAML 1.1 would invent (1:20, 025, 0x15, yes) is refused, never used
    text = _to_yaml(rec)
    kind, detail = _outcome(lambda: load_patient(read_record_bytes(text.encode(), "r.yaml", "yaml")))
    if kind == "ok":
        assert detail[0] in (None, 21, 21.0) or isinstance(rec.get("weight_kg"), int | float)


# ------------------------------------------------------------------------------------------------ the CLI

@contextlib.contextmanager
def _stdin(data: bytes) -> Iterator[None]:
    import sys

    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = old


def run_cli(argv: list[str], data: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from nephroguide.cli import main

    capsys.readouterr()
    with _stdin(data):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


cli_inputs = st.one_of(
    st.binary(max_size=300),
    mutated_records().map(lambda r: json.dumps(r).encode()),
    mutated_records().map(lambda r: _to_yaml(r).encode()),
    st.integers(1, 3000).map(lambda n: (b'{"a":' * n) + b"1" + b"}" * n),
    st.sampled_from([b"a: &x [1]\nb: [*x, *x]\n", b"\xff\xfe\x00", b"weight_kg: 21\nweight_kg: 210\nage_years: 6\n",
                     b"age_years: 6\nweight_kg: " + b"9" * 400 + b"\n"]),
)


@given(data=cli_inputs)
@settings(max_examples=CLI_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_cli_plan_from_stdin_exits_0_2_or_3_with_one_line_and_no_traceback(data: bytes, sizes: Sizes,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    FIGURES["cli runs"] += 1
    code, _out, err = run_cli(["plan", "-", "--as-of", "2026-11-21", "--format", "json"], data, capsys)
    assert code in (0, 2, 3), (code, err[:300])
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1 and len(err) <= 700, err[:300]


# ------------------------------------------------------------------------------------------------ one per item

def test_50kb_unit_string_is_refused_by_its_length_before_parsing(sizes: Sizes) -> None:
    rec = json.loads(json.dumps(BASE))
    rec["labs"][0]["unit"] = "mg/" * 17_000  # 51 kB
    before = sizes.unit
    with pytest.raises(InputError) as info:
        load_patient(rec)
    assert info.value.field == "labs[0].unit" and "too long" in info.value.message
    assert len(info.value.one_line()) < 300
    assert sizes.unit == before  # the unit parser never saw it
    with pytest.raises(InputError) as info:
        units.normalise_unit("upcr", "mg/" * 17_000, field="unit")
    assert sizes.unit <= MAX_UNIT and "too long" in info.value.message


def test_10mb_drug_name_gives_a_short_message_naming_the_field(sizes: Sizes) -> None:
    rec = json.loads(json.dumps(BASE))
    rec["medications"][0]["drug"] = "x" * 10_000_000
    with pytest.raises(InputError) as info:
        load_patient(rec)
    assert info.value.field == "medications[0].drug" and len(info.value.one_line()) < 300
    assert sizes.drug <= MAX_DRUG


def test_alias_bomb_yaml_is_refused_before_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    assert len(bomb.encode()) < 500
    with pytest.raises(InputError) as info:
        read_record_bytes(bomb.encode(), "bomb.yaml")
    assert "anchors and aliases" in info.value.message and info.value.field == "a"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_duplicate_weight_kg_is_refused_naming_the_field_not_dosed_at_210_kg(fmt: str) -> None:
    text = ("age_years: 6\nweight_kg: 21\nweight_kg: 210\n" if fmt == "yaml"
            else '{"age_years": 6, "weight_kg": 21, "weight_kg": 210}')
    with pytest.raises(InputError) as info:
        read_record_bytes(text.encode(), f"r.{fmt}", fmt)
    assert info.value.field == "weight_kg" and "duplicate key 'weight_kg'" in info.value.message
    nested = ('labs:\n  - {date: 2026-11-01, test: upcr, value: 1, unit: mg/mg, unit: g/g}\n' if fmt == "yaml"
              else '{"labs": [{"date": "2026-11-01", "test": "upcr", "value": 1, "unit": "mg/mg", "unit": "g/g"}]}')
    with pytest.raises(InputError) as info:
        read_record_bytes(nested.encode(), f"r.{fmt}", fmt)
    assert info.value.field == "labs[0].unit"


@pytest.mark.parametrize(("typed", "field"), [("weight_kg: 1:20", "weight_kg"), ("weight_kg: 025", "weight_kg"),
                                              ("weight_kg: 0x15", "weight_kg"), ("weight_kg: 2_1", "weight_kg"),
                                              ("edema: yes", "edema"), ("edema: on", "edema")])
def test_yaml_11_numbers_and_booleans_are_errors_naming_the_field(typed: str, field: str) -> None:
    text = f"as_of: 2026-11-21\nage_years: 6\n{typed}\n"
    with pytest.raises(InputError) as info:
        load_patient(read_record_bytes(text.encode(), "r.yaml", "yaml"))
    assert info.value.field == field


def test_1000_level_nesting_is_exit_2_and_http_400(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    deep = (b'{"labs":' + b"[" * 1000 + b"]" * 1000 + b"}")
    code, _out, err = run_cli(["plan", "-"], deep, capsys)
    assert code == 2 and "nested" in err and "Traceback" not in err
    client = TestClient(app, raise_server_exceptions=False)
    for body in (deep, b"[" * 100_000 + b"]" * 100_000):
        resp = client.post("/api/v1/plan", content=body, headers={"content-type": "application/json"})
        assert resp.status_code == 400 and resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["errors"][0]["field"]


def test_400_digit_integer_is_a_clean_error_in_cli_and_api(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    big = "9" * 400
    record = ('{"as_of": "2026-11-21", "age_years": 6, "weight_kg": 21, "labs": [{"date": "2026-11-01", '
              f'"test": "upcr", "value": {big}, "unit": "mg/mg"}}]}}')
    code, _out, err = run_cli(["plan", "-"], record.encode(), capsys)
    assert code == 2 and err.startswith("error: labs[0].value:") and big not in err
    resp = TestClient(app, raise_server_exceptions=False).post(
        "/api/v1/plan", content=record.encode(), headers={"content-type": "application/json"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "labs[0].value"
    resp = TestClient(app, raise_server_exceptions=False).post(
        "/api/v1/plan", content=('{"age_years": 6, "weight_kg": ' + big + "}").encode(),
        headers={"content-type": "application/json"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "weight_kg"


def test_non_utf8_stdin_is_exit_2_naming_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(["plan", "-"], b"age_years: 6\nsex: \xff\xfe\n", capsys)
    assert code == 2 and "not UTF-8" in err and err.startswith("error: patient:")


def test_audit_before_out_of_range_is_4xx_in_api_and_exit_2_in_cli(app: Any, fuzz_home: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    h = {"Authorization": f"Bearer {app.state.fuzz_token}"}
    resp = client.get("/api/v1/review/audit", params={"before": "9223372036854775808"}, headers=h)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "before"
    ok = client.get("/api/v1/review/audit", params={"before": str(2**31)}, headers=h)
    assert ok.status_code == 200 and ok.json()["rows"]  # beyond any seq: every row, not a database error
    monkeypatch.setenv("NEPHROGUIDE_HOME", str(fuzz_home))
    monkeypatch.setenv("NEPHROGUIDE_TOKEN", app.state.fuzz_token)
    code, _out, err = run_cli(["audit", "list", "--before", "9223372036854775808"], b"", capsys)
    assert code == 2 and "before" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------------ the event loop

def test_healthz_answers_while_a_heavy_plan_is_being_computed(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan blocked in its worker thread must not block /healthz: the plan only finishes after /healthz has
    answered. If plan ran on the event loop, /healthz could not answer until the plan gave up waiting."""
    from nephroguide import api

    started, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def heavy_plan(*_args: Any, **_kwargs: Any) -> Any:
        started.set()
        outcome["released"] = release.wait(60)  # a safety net, not a measurement
        return {"record": "nephroguide.plan/1"}

    monkeypatch.setattr(api, "plan", heavy_plan)
    with TestClient(app, raise_server_exceptions=False) as client:  # one event loop for both requests
        worker = threading.Thread(target=lambda: outcome.setdefault(
            "plan", client.post("/api/v1/plan", json={"age_years": 6}).status_code))
        worker.start()
        assert started.wait(60)
        health = client.get("/healthz")
        outcome["health_before_release"] = health.status_code
        release.set()
        worker.join(60)
    assert outcome["health_before_release"] == 200
    assert outcome["released"] is True       # the plan was still waiting when /healthz answered
    assert outcome["plan"] == 200


def test_zz_print_fuzz_figures() -> None:
    print(f"\nfuzz figures: {dict(sorted(FIGURES.items()))}")
    if not FIGURES["api requests"]:
        pytest.skip("the API fuzz test was not selected")
    assert FIGURES["api failures"] == 0


@pytest.mark.parametrize("digits", [31, 400, 5000])
def test_long_integer_id_is_the_same_error_in_json_and_yaml(digits: int) -> None:
    number = "9" * digits
    outcomes = set()
    for fmt, text in (("json", '{"age_years": 6, "id": ' + number + "}"), ("yaml", f"age_years: 6\nid: {number}\n")):
        with pytest.raises(InputError) as info:
            load_patient(read_record_bytes(text.encode(), f"r.{fmt}", fmt))
        outcomes.add((info.value.field, info.value.message))
        assert number not in info.value.message
    assert len(outcomes) == 1 and next(iter(outcomes))[0] == "id"


def test_cds_hooks_ehr_units_of_50kb_are_refused_by_length_before_pint(sizes: Sizes) -> None:
    """The unauthenticated CDS Hooks path converts EHR (FHIR) units: a 50 KB unit never reaches the parser."""
    from nephroguide.web.cds import fhir

    huge = "mg/" * 17_000
    before = sizes.unit
    with pytest.raises(ValueError):
        fhir._size("weight", 21.0, huge)
    with pytest.raises(InputError) as info:
        fhir.lab_value("creatinine", 1.0, huge)
    assert "too long" in info.value.message and len(info.value.one_line()) < 300
    assert sizes.unit == before
