"""Issue 14: the web app does the whole job, on a phone too (Debian's chromium driven by Playwright).

Every test runs at desktop (1366x900) and phone (390x844) width against ``nephroguide serve`` on a fresh home
(no ``NEPHROGUIDE_SECRET_KEY``): the front page's question box answers, the answer page's sections open, a cohort
upload gives Table 1 and the figure, the remission page draws its chart, review login works out of the box, the
planner puts the upload first and the plan's first step on the first screen, shows every field error at once and
no snake_case code; nothing is wider than the viewport. Screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser.support import ARTIFACTS, chromium, cli, require_chromium, serving

VIEWPORTS = {"desktop": (1366, 900), "phone": (390, 844)}
ADMIN_PASSWORD = "a long enough test password 7"
HOME: dict[str, Path] = {}


require_chromium()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("fresh-home")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEPHROGUIDE_SECRET_KEY", "NEPHROGUIDE_DEV", "NEPHROGUIDE_DATABASE_URL", "NEPHROGUIDE_USER",
                        "NEPHROGUIDE_TOKEN")}
    env["NEPHROGUIDE_HOME"] = str(home)
    HOME["path"] = home
    # a new install: the first admin, password from a pipe (no prompt), then serve
    boot = subprocess.run([*cli(), "users", "add", "admin", "--role", "admin", "--password-stdin"], env=env,
                          input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert boot.returncode == 0, boot.stderr
    with serving(env) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: object) -> Iterator[object]:
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.viewport = request.param  # the name, for screenshots
    yield pg
    context.close()


def shot(pg: object, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"issue14_{name}_{pg.viewport}.png"), full_page=True)  # type: ignore[attr-defined]


OVERFLOW_JS = """() => {
  const W = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.table-wrap') && !el.classList.contains('table-wrap')) continue;  // scrolls inside its box
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width === 0 || cs.visibility === 'hidden' || cs.position === 'absolute' && r.width <= 1) continue;
    if (r.right > W + 1 || r.width > W + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.width)}px`);
  }
  return {viewport: W, scroll: document.documentElement.scrollWidth, wide: out.slice(0, 10)};
}"""


def assert_fits(pg: object) -> None:
    """Nothing is wider than the viewport (element widths measured; tables scroll inside their own box)."""
    got = pg.evaluate(OVERFLOW_JS)  # type: ignore[attr-defined]
    assert got["scroll"] <= got["viewport"] and not got["wide"], got


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


# --------------------------------------------------------------------------------------------- ask

def test_front_page_question_box_answers(server: str, page: object) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    pg.goto(server + "/")
    expect(pg.locator("h1")).to_have_count(1)
    expect(pg.get_by_role("group", name="Which best describes you?")).to_be_visible()
    expect(pg.locator("a.suggested-q").first).to_be_visible()
    assert_fits(pg)
    shot(pg, "01_home")
    pg.get_by_label("Your question").fill("Is nephrotic syndrome contagious?")
    pg.get_by_label("Parent or family member").check()
    pg.get_by_role("button", name="Ask").click()
    expect(pg.locator("article.answer")).to_have_attribute("data-audience", "family")
    expect(pg.locator(".direct-answer p")).not_to_be_empty()
    expect(pg.locator("article.answer h1")).to_have_count(1)
    # a family page: no grade codes, no statistics, no internal codes
    article = pg.locator("article.answer")
    expect(article.locator(".grade")).to_have_count(0)
    text = article.inner_text()
    assert not re.search(r"\b[12][A-D]\b|\d+(\.\d+)? ?%|\bRR\b|95% CI", text), text[:500]
    assert not SNAKE.search(text), SNAKE.findall(text)
    assert_fits(pg)
    shot(pg, "02_answer_family")
    # a suggested question is a link that answers too
    pg.goto(server + "/")
    pg.locator("a.suggested-q").first.click()
    expect(pg.locator("article.answer h1")).to_be_visible()


def test_answer_page_sections_open(server: str, page: object) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    pg.goto(server + "/ask?q=How+is+tacrolimus+dosed+in+steroid+resistant+nephrotic+syndrome%3F&audience=clinician")
    expect(pg.locator("article.answer h1")).to_have_count(1)
    expect(pg.locator(".direct-answer p")).not_to_be_empty()
    expect(pg.locator(".key-points li.item").first).to_be_visible()
    # one page-level pending-review notice, quiet marks, no badges
    expect(pg.locator(".pending-notice")).to_have_count(1)
    expect(pg.locator("article.answer .pending")).to_have_count(0)
    # bold item titles; grades as people read them
    assert pg.locator("article.answer strong.item-title").count() > 3
    grade = pg.locator(".key-points .grade").first.inner_text()
    assert re.search(r"(strong|weak) recommendation|not graded|practice point", grade), grade
    assert "recommendation, " in pg.locator("article.answer").inner_text()
    # the follow-up box comes right after the key points, before the full article
    follow = pg.locator("section.followup-box").bounding_box()
    parts = pg.locator("details.part")
    assert parts.count() >= 3
    assert follow["y"] < parts.first.bounding_box()["y"]
    expect(pg.locator("nav.toc a")).to_have_count(parts.count())
    # sections open on click (and start closed)
    for i in range(parts.count()):
        expect(parts.nth(i)).not_to_have_attribute("open", "")
    evidence = pg.locator("details#s-evidence")
    items = evidence.locator("ul.items > li")
    expect(items.first).to_be_hidden()
    evidence.locator("summary").click()
    expect(evidence).to_have_attribute("open", "")
    expect(items.first).to_be_visible()
    # study results sit under their study, not as orphan lines
    assert evidence.locator("ul.items > li.kind-evidence > ul.sub > li").count() >= 2
    assert all(t.strip() for t in evidence.locator("ul.items > li > strong.item-title").all_inner_texts())
    pg.locator("details#s-main summary").click()
    expect(pg.locator("details#s-main ul.items > li").first).to_be_visible()
    text = pg.locator("article.answer").inner_text()
    assert not SNAKE.search(text), SNAKE.findall(text)
    assert "Intent" not in text
    assert_fits(pg)
    shot(pg, "03_answer_clinician_open")
    # the follow-up box answers and keeps the conversation
    pg.get_by_label("Your follow-up question").fill("What if tacrolimus does not work?")
    pg.locator("section.followup-box button").click()
    expect(pg.locator("article.answer h1")).to_be_visible()
    expect(pg.locator(".followup-box details summary")).to_contain_text("Earlier in this conversation")


# --------------------------------------------------------------------------------------------- cohort

LABS = """patient_id,date,test,value,unit
A,2020-01-01,event,ctx_infusion,
A,2020-01-01,upcr,5.0,mg/mg
A,2020-01-01,albumin,1.8,g/dL
A,2020-02-01,upcr,0.1,mg/mg
A,2020-02-01,albumin,3.8,g/dL
A,2020-02-08,upcr,0.1,mg/mg
A,2020-02-08,albumin,3.9,g/dL
A,2020-02-15,upcr,0.1,mg/mg
A,2020-02-15,albumin,4.0,g/dL
B,2020-03-01,event,ctx_infusion,
B,2020-03-01,upcr,6.0,mg/mg
B,2020-03-01,albumin,1.5,g/dL
B,2020-05-01,upcr,4.5,mg/mg
B,2020-05-01,albumin,1.9,g/dL
C,2020-04-01,event,ctx_infusion,
C,2020-04-01,upcr,4.0,mg/mg
C,2020-04-01,albumin,2.0,g/dL
C,2020-06-01,upcr,0.8,mg/mg
C,2020-06-01,albumin,3.0,g/dL
"""
PATIENTS = """patient_id,birth_date,sex,histology
A,2014-05-01,F,MCD
B,2012-01-15,M,FSGS
C,2016-09-30,M,
"""


def test_cohort_upload_gives_table_and_figure(server: str, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    (tmp_path / "labs.csv").write_text(LABS)
    (tmp_path / "patients.csv").write_text(PATIENTS)
    pg.goto(server + "/cohort")
    assert_fits(pg)
    pg.get_by_label("Lab results (CSV) *").set_input_files(str(tmp_path / "labs.csv"))
    pg.get_by_label("Patients (CSV, optional)").set_input_files(str(tmp_path / "patients.csv"))
    pg.get_by_label("Compare with (optional)").select_option("kdigo2012")
    pg.get_by_label("Index event (time zero)").fill("ctx_infusion")
    pg.get_by_role("button", name="Analyse").click()
    expect(pg.locator("h3", has_text="Table 1")).to_be_visible()
    expect(pg.locator("table.table1 tbody tr")).to_have_count(3)
    expect(pg.locator("table.table1")).to_contain_text("FSGS")
    expect(pg.locator("h2", has_text="Side by side")).to_be_visible()
    figure = pg.locator(".cohort-figure img").first
    expect(figure).to_be_visible()
    pg.wait_for_function("() => [...document.querySelectorAll('.cohort-figure img')].every(i => i.complete)")
    assert figure.evaluate("img => img.naturalWidth") > 300
    for name, kind in (("cohort.csv", "text/csv"), ("cohort.json", "application/json"), ("figure-1.png", "image/png")):
        href = pg.locator(f"a[href$='/{name}']").first.get_attribute("href")
        resp = pg.request.get(server + href)
        assert resp.ok and resp.headers["content-type"].startswith(kind), (name, resp.status)
    assert "patient_id" in pg.request.get(server + pg.locator("a[href$='/cohort.csv']").get_attribute("href")).text()
    text = pg.locator("main").inner_text()
    assert "complete_remission" not in text and "no_response" not in text
    assert_fits(pg)
    shot(pg, "04_cohort_result")
    # a wrong index event is named next to its field, on the form, with the files' events listed
    pg.goto(server + "/cohort")
    pg.get_by_label("Lab results (CSV) *").set_input_files(str(tmp_path / "labs.csv"))
    pg.get_by_label("Index event (time zero)").fill("rituximab_infusion")
    pg.get_by_role("button", name="Analyse").click()
    expect(pg.locator("#err-index_event")).to_contain_text("ctx_infusion")


PATIENT_YAML = """age_years: 7
sex: female
weight_kg: 24
height_cm: 122
as_of: 2026-06-01
onset_date: 2025-09-01
labs:
  - {date: 2025-09-01, test: upcr, value: 6.1, unit: mg/mg}
  - {date: 2025-09-01, test: albumin, value: 1.6, unit: g/dL}
  - {date: 2025-10-01, test: upcr, value: 0.1, unit: mg/mg}
  - {date: 2025-10-02, test: upcr, value: 0.1, unit: mg/mg}
  - {date: 2025-10-03, test: upcr, value: 0.1, unit: mg/mg}
  - {date: 2026-03-01, test: dipstick, value: 3+}
  - {date: 2026-03-02, test: dipstick, value: 3+}
  - {date: 2026-03-03, test: dipstick, value: 4+}
medications:
  - {drug: prednisolone, start: 2025-09-01, end: 2025-12-01, dose: 60, dose_unit: mg/m2/day}
"""


def test_remission_timeline_with_chart(server: str, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    (tmp_path / "child.yaml").write_text(PATIENT_YAML)
    pg.goto(server + "/remission")
    pg.get_by_label("Patient record (JSON or YAML)").set_input_files(str(tmp_path / "child.yaml"))
    pg.get_by_role("button", name="Show the timeline").click()
    chart = pg.locator("svg.timeline-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(pg.locator("table.kb tbody tr").count())
    expect(pg.locator("ol.episodes")).to_contain_text("Complete remission")
    expect(pg.locator("ol.episodes")).to_contain_text("Relapse")
    assert not SNAKE.search(pg.locator("main").inner_text())
    assert_fits(pg)
    shot(pg, "05_remission")


# --------------------------------------------------------------------------------------------- review

def test_review_login_works_on_a_fresh_home(server: str, page: object) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    pg.goto(server + "/")
    pg.get_by_role("link", name="Review").click()
    expect(pg.get_by_label("Account")).to_be_visible()   # the login page, not a 503
    pg.get_by_label("Account").fill("admin")
    pg.get_by_label("Password").fill(ADMIN_PASSWORD)
    pg.get_by_role("button", name="Log in").click()
    expect(pg.locator("main")).to_contain_text("admin")
    assert "/login" not in pg.url
    secret = HOME["path"] / "secret_key"     # generated on first use, private to the owner
    assert secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_text().strip()) >= 32
    assert_fits(pg)
    shot(pg, "06_review_dashboard")


# --------------------------------------------------------------------------------------------- planner

def _fill_srns_child(pg: object) -> None:
    pg.get_by_label("Age (years) *").fill("6.5")  # type: ignore[attr-defined]
    pg.get_by_label("Sex").select_option("male")  # type: ignore[attr-defined]
    pg.get_by_label("Weight (kg)").fill("21")  # type: ignore[attr-defined]
    pg.get_by_label("Height (cm)").fill("118")  # type: ignore[attr-defined]
    pg.get_by_label("As of (date)").fill("2026-11-21")  # type: ignore[attr-defined]
    pg.get_by_label("Onset of nephrotic syndrome").fill("2026-08-01")  # type: ignore[attr-defined]
    rows = [("2026-08-01", "upcr", "6.2", "mg/mg"), ("2026-08-01", "albumin", "1.6", "g/dL"),
            ("2026-08-29", "upcr", "4.8", "mg/mg"), ("2026-08-29", "albumin", "1.9", "g/dL")]
    for i, (day, test, value, unit) in enumerate(rows):
        pg.get_by_label(f"Lab {i + 1} date").fill(day)  # type: ignore[attr-defined]
        pg.get_by_label(f"Lab {i + 1} test").select_option(test)  # type: ignore[attr-defined]
        pg.get_by_label(f"Lab {i + 1} value").fill(value)  # type: ignore[attr-defined]
        pg.get_by_label(f"Lab {i + 1} unit").fill(unit)  # type: ignore[attr-defined]
    pg.get_by_label("Medication 1 drug").fill("prednisolone")  # type: ignore[attr-defined]
    pg.get_by_label("Medication 1 start").fill("2026-08-01")  # type: ignore[attr-defined]
    pg.get_by_label("Medication 1 dose", exact=True).fill("60")  # type: ignore[attr-defined]
    pg.get_by_label("Medication 1 dose unit").fill("mg/m2/day")  # type: ignore[attr-defined]


def test_planner_phone_first_and_plain_words(server: str, page: object) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    _width, height = VIEWPORTS[pg.viewport]
    pg.goto(server + "/planner")
    upload = pg.get_by_label("Patient record (JSON or YAML)")
    assert upload.bounding_box()["y"] < pg.get_by_label("Age (years) *").bounding_box()["y"]   # upload first
    assert upload.bounding_box()["y"] < height
    if pg.viewport == "phone":   # each row's inputs carry their own visible label
        expect(pg.locator("label[for='f-labs[0].unit']")).to_be_visible()
        expect(pg.locator("label[for='f-medications[0].dose_unit']")).to_be_visible()
    assert_fits(pg)
    shot(pg, "07_planner_form")
    _fill_srns_child(pg)
    pg.get_by_role("button", name="Make the plan", exact=True).click()
    expect(pg.locator("article.plan")).to_be_visible()
    first = pg.locator(".first-step")
    expect(first).to_contain_text("Creatinine and eGFR")
    assert first.bounding_box()["y"] + 40 < height        # the plan's first step is on the first screen
    expect(pg.locator("ul.labels")).to_contain_text("Steroid-resistant nephrotic syndrome (SRNS)")
    text = pg.locator("article.plan").inner_text()
    assert not SNAKE.search(text), sorted(set(SNAKE.findall(text)))
    assert "derived by nephroguide" not in text and "applies because: srns" not in text
    expect(pg.locator("li.rec").nth(1).locator(".dose-amount[data-drug='tacrolimus']").first).to_have_text("1.05 mg")
    assert_fits(pg)
    shot(pg, "08_plan")


def test_planner_shows_every_field_error_at_once(server: str, page: object) -> None:
    from playwright.sync_api import expect

    pg = page  # type: ignore[assignment]
    pg.goto(server + "/planner")
    pg.get_by_label("Age (years) *").fill("6")
    pg.get_by_label("Weight (kg)").fill("heavy")
    pg.get_by_label("Lab 1 date").fill("2026-08-01")
    pg.get_by_label("Lab 1 test").select_option("upcr")
    pg.get_by_label("Lab 1 value").fill("4.8")
    pg.get_by_label("Lab 1 unit").fill("mg/dL")
    pg.get_by_label("Lab 2 date").fill("2026-08-02")
    pg.get_by_label("Lab 2 test").select_option("albumin")
    pg.get_by_label("Lab 2 value").fill("1.9")
    pg.get_by_label("Lab 2 unit").fill("furlongs")
    pg.get_by_role("button", name="Make the plan", exact=True).click()
    summary = pg.locator(".error-summary li")
    expect(summary).to_have_count(3)
    for field in ("weight_kg", "labs-0-unit", "labs-1-unit"):
        expect(pg.locator(f"#err-{field}")).to_be_visible()
    expect(pg.get_by_label("Lab 2 unit")).to_have_attribute("aria-invalid", "true")
    assert_fits(pg)
    shot(pg, "09_planner_errors")


@pytest.mark.parametrize("path", ["/kb", "/kb/recommendations?q=tacrolimus", "/kb/entry/srns.cni.first_line",
                                  "/kb/dose_rules", "/library?q=tacrolimus", "/api/v1/docs", "/login", "/cohort",
                                  "/remission", "/dose?drug=prednisolone&weight=20&height=110", "/no-such-page"])
def test_every_other_page_fits(server: str, page: object, path: str) -> None:
    pg = page  # type: ignore[assignment]
    pg.goto(server + path)
    assert pg.locator("h1").count() == 1
    assert pg.locator("main").count() == 1 and pg.locator("header nav").count() == 1
    assert_fits(pg)
