"""Issue 14, without a browser: the pages' structure, human names for every code, the planner's errors at once, the
cohort job (working page, result, downloads), the remission page and its chart, and the first admin bootstrap."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from nephroguide.web.app import create_app
from nephroguide.web.settings import Settings

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(Settings(home=tmp_path_factory.mktemp("home"))), raise_server_exceptions=False)


def visible_text(html: str) -> str:
    """The text a reader sees: no tags, attributes, scripts or hidden form values."""
    html = re.sub(r"<(script|style|datalist)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def token(client: TestClient, path: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert m
    return m.group(1)


# ------------------------------------------------------------------------------------ human names

def test_every_code_the_pages_show_has_a_human_name() -> None:
    from nephroguide.answer.understand import rules
    from nephroguide.intake.types import CANONICAL_UNITS, CATEGORICAL_TESTS
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.web.labels import names

    n = names()
    pack = load_pack()
    engine_labels = {"nephrotic", "first_episode", "on_initial_steroids", "confirmation_period", "steroid_sensitive",
                     "late_responder", "infrequently_relapsing", "frequently_relapsing", "steroid_dependent",
                     "in_relapse", "complete_remission", "partial_remission", "no_remission", "srns", "srns_initial",
                     "srns_secondary", "genetic_srns", "cni_responsive", "cni_resistant", "multidrug_resistant",
                     "ckd_egfr_below_30", "out_of_scope_age", "infant"}
    assert engine_labels <= set(n["labels"])
    assert set(rules().intents) <= set(n["intents"])
    assert {r.topic for r in pack.recommendations.values()} <= set(n["topics"])
    assert {c.topic for c in pack.conflicts.values()} <= set(n["topics"])
    assert {f.topic for f in getattr(pack, "facts", {}).values()} <= set(n["topics"])
    assert {r.indication for r in pack.dose_rules.values()} <= set(n["indications"])
    assert {d.drug_class for d in pack.drugs.values()} <= set(n["drug_classes"])
    assert {*CANONICAL_UNITS, *CATEGORICAL_TESTS} <= set(n["tests"])
    for kind, codes in n.items():   # names are words for people, never codes
        for code, text in codes.items():
            assert text.strip() and not SNAKE.search(text), (kind, code, text)


def test_why_a_recommendation_applies_reads_as_words() -> None:
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.web.labels import describe, grade

    for rec in load_pack().recommendations.values():
        text = describe(rec.applies_when)
        assert text and "_" not in text and "?" not in text and "(condition)" not in text, (rec.id, text)
    srns = describe(load_pack().recommendations["srns.cni.first_line"].applies_when)
    assert "Steroid-resistant nephrotic syndrome (SRNS)" in srns and "has never had a calcineurin inhibitor" in srns
    assert grade({"grade": "1B", "strength": "strong", "certainty": "moderate"}) == \
        "strong recommendation, moderate certainty (1B)"
    assert grade({"grade": "2C", "strength": "weak", "certainty": "low"}) == "weak recommendation, low certainty (2C)"
    assert "not graded" in grade({"grade": "figure", "strength": "ungraded", "certainty": "ungraded"})


def test_derived_fields_in_words() -> None:
    from nephroguide.web.labels import derived, derived_summary

    assert derived("medications[0].mg_per_day") == "medication 1: daily dose in mg"
    text = derived_summary(["bsa_m2", "medications[0].mg_per_day", "medications[0].mg_per_kg_day",
                            "medications[2].mg_per_m2_day"])
    assert text == "body surface area (from height and weight); the daily dose of medications 1 and 3 (in mg, mg/kg, mg/m²)"


# ------------------------------------------------------------------------------------ front page and answers

def test_front_page_has_the_question_box(client: TestClient) -> None:
    html = client.get("/").text
    assert html.count("<h1") == 1
    assert '<form method="get" action="/ask"' in html and "Which best describes you?" in html
    assert len(re.findall(r'class="suggested-q" href="/ask\?q=', html)) >= 9


def test_answer_page_structure(client: TestClient) -> None:
    r = client.get("/ask", params={"q": "How is tacrolimus dosed in steroid resistant nephrotic syndrome?"})
    assert r.status_code == 200
    html = r.text
    assert html.count("<h1") == 1
    order = [html.index(m) for m in ('class="headline direct-answer"', 'class="key-points"',
                                     'class="followup-box', 'class="toc"', '<details class="part"')]
    assert order == sorted(order)                         # answer, key points, follow-up, contents, parts
    assert html.count('class="pending-notice"') == 1 and 'class="pending"' not in html
    assert html.count('<strong class="item-title">') > 10
    assert "strong recommendation, low certainty (1C)" in html
    assert re.search(r'<li class="item kind-evidence"[^>]*>.*?<ul class="sub">', html, re.S)  # results under the study
    text = visible_text(html)
    assert not SNAKE.search(text), SNAKE.findall(text)[:10]
    for ref in set(re.findall(r'href="#ref-([^"]+)"', html)):   # numbered links land on the reference list
        assert f'id="ref-{ref}"' in html
    assert re.search(r'<a href="#ref-[^"]+" title="[^"]+">\d+</a>', html)


def test_family_answer_has_no_grades_or_statistics(client: TestClient) -> None:
    html = client.get("/ask", params={"q": "How is tacrolimus dosed in steroid resistant nephrotic syndrome?",
                                      "audience": "family"}).text
    article = html[html.index("<article"):html.index("</article>")]
    assert 'class="grade"' not in article and "kind-evidence" not in article
    text = visible_text(article)
    assert not re.search(r"\b[12][A-D]\b|\b95% CI\b|\bRR \d", text)


# ------------------------------------------------------------------------------------ planner

def test_planner_upload_first_and_all_errors_at_once(client: TestClient) -> None:
    html = client.get("/planner").text
    assert html.index('name="patient_file"') < html.index('name="age_years"')
    assert '<label class="cell-label" for="f-labs[0].date">' in html
    form = {"csrf_token": token(client, "/planner"), "age_years": "6", "weight_kg": "heavy", "height_cm": "1e999",
            "labs[0].date": "2026-08-01", "labs[0].test": "upcr", "labs[0].value": "4.8", "labs[0].unit": "mg/dL",
            "labs[1].date": "2026-08-01", "labs[1].test": "albumin", "labs[1].value": "", "labs[1].unit": "g/dL",
            "labs[2].date": "2026-08-02", "labs[2].test": "albumin", "labs[2].value": "1.9", "labs[2].unit": "furlongs",
            "medications[0].drug": "prednisolone", "medications[0].start": "2026-08-01",
            "medications[0].dose": "lots"}
    r = client.post("/planner", data=form)
    assert r.status_code == 422
    errors = re.findall(r'id="err-([^"]+)"', r.text)
    assert set(errors) == {"weight_kg", "height_cm", "labs-0-unit", "labs-1-value", "labs-2-unit",
                           "medications-0-dose"}, errors
    assert "6 fields need a change" in r.text
    assert 'href="#f-labs[2].unit">Lab 3 unit</a>' in r.text


def test_uploaded_file_errors_all_at_once(client: TestClient) -> None:
    bad = (b'{"age_years": 6, "weight_kg": -3, "labs": [{"date": "2026-08-01", "test": "upcr", "value": 4.8, '
           b'"unit": "mg/dL"}, {"date": "2026-08-01", "test": "albumin", "value": 1.9, "unit": "g/dL"}, '
           b'{"date": "2026-08-02", "test": "albumin", "value": 1.9, "unit": "furlongs"}]}')
    r = client.post("/planner", data={"csrf_token": token(client, "/planner")},
                    files={"patient_file": ("child.json", bad, "application/json")})
    assert r.status_code == 422 and 'id="err-patient_file"' in r.text
    error = re.search(r'id="err-patient_file"[^>]*>([^<]+)', r.text).group(1)
    assert error.startswith("in child.json: ")
    assert "weight_kg" in error and "labs[0].unit" in error and "labs[2].unit" in error, error


def test_plan_page_in_plain_words(client: TestClient) -> None:
    record = (Path(__file__).parent / "patients" / "05_srns_initial.yaml").read_bytes()
    r = client.post("/planner", data={"csrf_token": token(client, "/planner")},
                    files={"patient_file": ("child.yaml", record, "text/yaml")})
    assert r.status_code == 200
    html = r.text
    assert html.index('class="first-step"') < html.index('id="class-h"')
    text = visible_text(html[html.index("<article"):html.index("</article>")])
    assert not SNAKE.search(text), sorted(set(SNAKE.findall(text)))
    assert "Applies because: Steroid-resistant nephrotic syndrome (SRNS)" in text
    assert "derived by nephroguide" not in text and "bsa_m2" not in text
    for ref in set(re.findall(r'href="#ref-([^"]+)"', html)):
        assert f'id="ref-{ref}"' in html


# ------------------------------------------------------------------------------------ cohort and remission

LABS = "\n".join(["patient_id,date,test,value,unit",
                  *(f"{p},2021-0{m}-0{d},upcr,{v},mg/mg" for p, rows in
                    {"p1": [(1, 1, 5.0), (2, 1, 0.1), (2, 2, 0.1), (2, 3, 0.1)], "p2": [(1, 1, 6.0), (3, 1, 4.0)]}.items()
                    for m, d, v in rows),
                  "p1,2021-01-01,albumin,1.5,g/dL", "p1,2021-02-01,albumin,3.9,g/dL", "p2,2021-01-01,albumin,1.4,g/dL",
                  "p1,2021-01-01,event,cni_start,", "p2,2021-01-01,event,cni_start,"]) + "\n"


def test_cohort_page_job_result_and_downloads(client: TestClient) -> None:
    page = client.get("/cohort")
    assert page.status_code == 200 and 'name="labs"' in page.text and 'name="compare"' in page.text
    r = client.post("/cohort", data={"csrf_token": token(client, "/cohort"), "definitions": "current",
                                     "index_event": "cni_start"},
                    files={"labs": ("labs.csv", LABS.encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/cohort/job/")
    url = r.headers["location"]
    for _ in range(200):
        page = client.get(url)
        if 'http-equiv="refresh"' not in page.text:
            break
        assert "Working…" in page.text   # an honest working state, refreshed without JavaScript
        time.sleep(0.05)
    assert page.status_code == 200 and "Table 1" in page.text and "Summary" in page.text
    assert f'src="{url}/figure-1.png"' in page.text
    png = client.get(url + "/figure-1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    csv = client.get(url + "/cohort.csv")
    assert csv.status_code == 200 and csv.text.startswith("patient_id")
    assert client.get(url + "/cohort.json").json()["record"] == "nephroguide.cohort/1"
    assert client.get(url + "/nothing.txt").status_code == 404
    assert client.get("/cohort/job/unknown").status_code == 404
    # a wrong file or event is named next to its field at once
    bad = client.post("/cohort", data={"csrf_token": token(client, "/cohort"), "index_event": "ctx_infusion"},
                      files={"labs": ("labs.csv", LABS.encode(), "text/csv")})
    assert bad.status_code == 422 and 'id="err-index_event"' in bad.text and "cni_start" in bad.text
    bad = client.post("/cohort", data={"csrf_token": token(client, "/cohort")},
                      files={"labs": ("labs.csv", b"patient_id,date,test,value,unit\np1,2021-01-01,upcr,4,mg/l\n",
                                      "text/csv")})
    assert bad.status_code == 422 and 'id="err-labs"' in bad.text


def test_cohort_working_page_refreshes_without_javascript(client: TestClient) -> None:
    import threading

    from nephroguide.errors import InputError
    from nephroguide.web.jobs import jobs

    gate = threading.Event()
    job = jobs().submit("a slow cohort", gate.wait)
    page = client.get(f"/cohort/job/{job.id}")
    assert page.status_code == 200 and "Working…" in page.text and "a slow cohort" in page.text
    assert '<meta http-equiv="refresh" content="2">' in page.text and "<script" not in page.text
    gate.set()
    job.future.result(timeout=10)
    done = client.get(f"/cohort/job/{job.id}")
    assert done.status_code == 200 and 'http-equiv="refresh"' not in done.text

    def fails() -> None:
        raise InputError("labs.csv line 3, unit: not accepted", field="labs")

    bad = jobs().submit("a cohort that fails", fails)
    with pytest.raises(InputError):
        bad.future.result(timeout=10)
    page = client.get(f"/cohort/job/{bad.id}")
    assert page.status_code == 422 and "labs.csv line 3" in page.text


def test_cohort_jobs_are_bounded() -> None:
    import threading

    from nephroguide.web.jobs import MAX_PENDING, Busy, Jobs

    jobs, gate = Jobs(), threading.Event()
    held = [jobs.submit("wait", gate.wait) for _ in range(MAX_PENDING)]
    with pytest.raises(Busy):
        jobs.submit("one too many", gate.wait)
    gate.set()
    for job in held:
        job.future.result(timeout=10)
    assert jobs.submit("now there is room", lambda: 42).future.result(timeout=10) == 42


def test_remission_page_and_chart(client: TestClient) -> None:
    record = (Path(__file__).parent / "patients" / "14_srns_relapse_after_remission.yaml").read_bytes()
    r = client.post("/remission", data={"csrf_token": token(client, "/remission"), "definitions": "current"},
                    files={"patient_file": ("child.yaml", record, "text/yaml")})
    assert r.status_code == 200
    n_rows = len(re.findall(r"<tr><td>\d{4}-\d\d-\d\d</td>", r.text))
    assert n_rows > 2 and r.text.count("<circle ") == n_rows
    assert "In the relapse range" in r.text and "relapse_range" not in visible_text(r.text)
    for ref in re.findall(r'href="#ref-([^"]+)"', r.text):   # every citation link lands on a listed reference
        assert f'id="ref-{ref}"' in r.text
    missing = client.post("/remission", data={"csrf_token": token(client, "/remission")})
    assert missing.status_code == 422 and 'id="err-patient_file"' in missing.text


# ------------------------------------------------------------------------------------ review out of the box

def test_first_admin_from_a_pipe_needs_no_other_password(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NEPHROGUIDE_TOKEN", "NEPHROGUIDE_SECRET_KEY")}
    env.update({"NEPHROGUIDE_HOME": str(tmp_path), "NEPHROGUIDE_USER": "admin"})
    r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "users", "add", "admin", "--role", "admin",
                        "--password-stdin"], input="a long enough password 42\n", env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Password for" not in r.stderr and "added admin (admin)" in r.stderr
