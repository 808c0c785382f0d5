"""Server-rendered pages: Ask, Planner, Dose, Knowledge browser, Library, API docs.

Usable without JavaScript (there is none). Each page renders the JSON of its endpoint (the same
``to_json()``), so what a person reads is what the API returns. POST forms carry the CSRF token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from nephroguide.errors import InputError, NephroguideError
from nephroguide.web import csrf, forms, kb_index
from nephroguide.web.problems import ProblemError
from nephroguide.web.render import render
from nephroguide.web.routes.common import off_loop  # CPU work in the thread pool: never stalls the event loop

router = APIRouter(include_in_schema=False)

AUDIENCES = (("clinician", "Clinician"), ("family", "Parent or family member"), ("student", "Student"))
SESSION_COOKIE = "ng_ask_session"


_warm_started = False


def _warm_answerer(request: Request) -> None:
    """Load the question answerer in the background the first time a question box is shown, so that the first
    answer does not wait for its imports and index (about a second on a cold process). Stateless: writes nothing."""
    global _warm_started
    if _warm_started or not request.app.state.stages["ask"]:
        return
    _warm_started = True
    import threading

    from nephroguide.web.stages import ask_function

    home = request.app.state.settings.home

    def warm() -> None:
        try:
            fn = ask_function()
            if fn is not None:
                fn("What is nephrotic syndrome?", audience="clinician", home=home)
        except Exception:  # a warm-up that fails only means the first answer is slower
            pass

    threading.Thread(target=warm, name="nephroguide-warm-ask", daemon=True).start()


@router.get("/")
async def home(request: Request) -> Response:
    _warm_answerer(request)
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.web.article import suggested_questions

    return render(request, "home.html", {"title": "nephroguide", "counts": load_pack().counts(),
                                         "pack_version": load_pack().version, "audiences": AUDIENCES,
                                         "audience": "clinician", "suggestions": suggested_questions()})


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


# ----------------------------------------------------------------------------------------- ask

def _ask_context(request: Request, question: str = "", audience: str = "clinician",
                 answer: dict[str, Any] | None = None, history: list[str] | None = None) -> dict[str, Any]:
    from nephroguide.web.article import suggested_questions, view

    return {"title": "Ask" if not answer else answer.get("title") or "Answer", "question": question,
            "audience": audience, "audiences": AUDIENCES, "answer": answer, "history": history or [],
            "view": view(answer) if answer else None, "suggestions": suggested_questions()}


def _audience(value: str | None) -> str:
    value = (value or "clinician").strip().lower()
    if value not in {a for a, _ in AUDIENCES}:
        raise InputError(f"audience {value!r} is not one of clinician, family, student", field="audience")
    return value


def _run_ask(request: Request, question: str, audience: str, session: str | None) -> dict[str, Any]:
    from nephroguide.errors import UnknownNameError
    from nephroguide.web.routes.ask import answer

    request.state.form_page = ("ask.html", _ask_context(request, question, audience))
    if not question.strip():
        raise InputError("type a question", field="question")
    home = request.app.state.settings.home
    try:
        result = _answer_full(answer, question, audience, session, home)
    except UnknownNameError as exc:
        if exc.field != "session" or session in (None, "new"):
            raise
        result = _answer_full(answer, question, audience, "new", home)  # the old conversation is gone
    return result.to_json() if hasattr(result, "to_json") else dict(result)


def _answer_full(answer: Any, question: str, audience: str, session: str | None, home: Any) -> Any:
    """The whole article (``detail="full"``) when the answerer offers it: the page shows the direct answer and
    key points first and the rest in sections that open on click."""
    import inspect

    from nephroguide.web.stages import ask_function

    fn = ask_function()
    if fn is not None and "detail" in inspect.signature(fn).parameters:
        kwargs: dict[str, Any] = {"audience": audience, "home": home, "detail": "full"}
        if session is not None:
            kwargs["session"] = session
        return fn(question, **kwargs)
    return answer(question, audience=audience, session=session, home=home)


@router.get("/ask")
async def ask_page(request: Request, q: str | None = Query(None, max_length=20_000),
                   audience: str | None = Query(None, max_length=20)) -> Response:
    aud = _audience(audience)
    if not request.app.state.stages["ask"]:
        return render(request, "ask.html", {**_ask_context(request, q or "", aud), "unavailable": True})
    if not q:
        _warm_answerer(request)
        return render(request, "ask.html", _ask_context(request, "", aud))
    data = await off_loop(_run_ask, request, q, aud, None)   # GET writes nothing: links (follow-ups, audience) are stateless
    return render(request, "ask.html", _ask_context(request, q, aud, data))


@router.post("/ask")
async def ask_submit(request: Request) -> Response:
    await csrf.check(request)
    form = await request.form()
    question = str(form.get("question") or "").strip()
    aud = _audience(str(form.get("audience") or "clinician"))
    if not request.app.state.stages["ask"]:
        return render(request, "ask.html", {**_ask_context(request, question, aud), "unavailable": True})
    follow_up = form.get("follow_up") == "1"
    # A new question starts a conversation; the follow-up box continues it (context kept in the store).
    session = (request.cookies.get(SESSION_COOKIE) or "new") if follow_up else "new"
    data = await off_loop(_run_ask, request, question, aud, session)
    history = [str(h) for h in form.getlist("history") if isinstance(h, str)][-10:] if follow_up else []
    response = render(request, "ask.html", _ask_context(request, question, aud, data, [*history, question]))
    sid = data.get("session")
    if isinstance(sid, str) and sid:
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax",
                            secure=request.app.state.settings.secure_cookies, path="/")
    return response


# ----------------------------------------------------------------------------------------- planner

def _planner_context(request: Request, values: dict[str, str] | None = None, plan: dict[str, Any] | None = None,
                     lab_rows: int = forms.LAB_ROWS, med_rows: int = forms.MED_ROWS, source: str = "") -> dict[str, Any]:
    from nephroguide.intake.types import CANONICAL_UNITS, CATEGORICAL_TESTS
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    return {"title": "Planner" if plan is None else "Plan", "values": values or {}, "plan": plan,
            "lab_rows": lab_rows, "med_rows": med_rows, "source": source,
            "tests": [*CANONICAL_UNITS, *CATEGORICAL_TESTS], "canonical_units": CANONICAL_UNITS,
            "definition_sets": sorted(pack.definition_sets), "drugs": sorted(pack.drugs),
            "frequencies": ["daily", "bid", "tid", "qid", "alternate_days", "weekly", "monthly", "once"],
            "histologies": ["mcd", "fsgs", "mespgn", "c1q", "igm", "mcd_variant", "other", "not_done"],
            "genetic_statuses": ["not_done", "pending", "no_variant", "vus", "pathogenic"]}


async def _uploaded_record(upload: Any) -> tuple[Any, str]:
    """A patient record from an uploaded JSON or YAML file (format by extension, else sniffed), with its
    name; every error names the upload field."""
    from nephroguide.intake.record import parse_record_text, read_record_file

    raw = await upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the uploaded file is not UTF-8 text", field="patient_file") from None
    name = str(upload.filename)[:120]
    lower = name.lower()
    fmt = "json" if lower.endswith(".json") else "yaml" if lower.endswith((".yaml", ".yml")) else None
    try:
        record = parse_record_text(text, name, fmt) if fmt else read_record_file(text, name=name)
    except InputError as exc:
        raise InputError(exc.message, field="patient_file") from None
    return record, name


@router.get("/planner")
async def planner_page(request: Request, labs: int = Query(forms.LAB_ROWS, ge=1, le=forms.MAX_ROWS),
                       meds: int = Query(forms.MED_ROWS, ge=1, le=forms.MAX_ROWS)) -> Response:
    return render(request, "planner.html", _planner_context(request, lab_rows=labs, med_rows=meds))


@router.post("/planner")
async def planner_submit(request: Request) -> Response:
    from nephroguide import api
    from nephroguide.web.routes.common import definition_set_name

    await csrf.check(request)
    form = await request.form()
    values = forms.values(form)
    values.pop(csrf.FIELD, None)
    lab_rows = max(forms.row_count(form, "labs", forms.LAB_ROWS), 1)
    med_rows = max(forms.row_count(form, "medications", forms.MED_ROWS), 1)
    if form.get("more_rows") == "1":
        return render(request, "planner.html", _planner_context(request, values, None, lab_rows + 3, med_rows + 2))
    context = _planner_context(request, values, None, lab_rows, med_rows)
    request.state.form_page = ("planner.html", context)
    upload = form.get("patient_file")
    source = ""
    rows: dict[str, list[int]] = {}
    if upload is not None and not isinstance(upload, str) and upload.filename:
        record, name = await _uploaded_record(upload)
        source = name
        if isinstance(record, dict):   # every problem in the file at once, named by its path in the file
            found = await off_loop(_all_intake_errors, record,
                                   {"labs": list(range(len(record.get("labs") or []))),
                                    "medications": list(range(len(record.get("medications") or [])))},
                                   definition_set_name(str(form.get("definitions") or "current")))
            if len(found) > 1:
                raise InputError(f"in {name}: " + "; ".join(f"{f}: {m}" for f, m in found.items()),
                                 field="patient_file")
    else:
        form_errors: dict[str, str] = {}
        record = forms.record_from_form(form, form_errors)
        rows = record.pop("_rows")
        definitions = definition_set_name(str(form.get("definitions") or "current"))
        errors = {**form_errors, **(await off_loop(_all_intake_errors, record, rows, definitions))}
        if errors:   # every field that needs a change, at once (not one per submit)
            n = len(errors)
            body = {"title": "Invalid input", "status": 422,
                    "detail": f"{n} field{'s' if n != 1 else ''} need{'s' if n == 1 else ''} a change: "
                              + "; ".join(f"{forms.field_label(f)}: {m}" for f, m in errors.items()),
                    "errors": [{"field": f, "message": m} for f, m in errors.items()]}
            return render(request, "planner.html", {**context, "problem": body, "field_errors": errors,
                                                    "error_list": list(errors.items())}, status_code=422)
    definitions = definition_set_name(str(form.get("definitions") or "current"))
    try:
        plan = await off_loop(api.plan, record, definitions=definitions)
    except NephroguideError as exc:
        if rows and exc.field:
            exc.field = forms.form_field(exc.field, rows)
        elif source and exc.field:
            exc.message = f"in {source}: {exc.field}: {exc.message}"
            exc.field = "patient_file"
        raise
    return render(request, "planner.html",
                  {**context, "plan": plan.to_json(), "title": "Plan", "source": source})


def _all_intake_errors(record: dict[str, Any], rows: dict[str, list[int]], definitions: str,
                       limit: int = 40) -> dict[str, str]:
    """Every input error the record has, by form field: validate, set aside what was wrong (the row or the field),
    validate again (bounded: at most ``limit`` passes; each is one intake of a small record)."""
    import copy
    import re

    from nephroguide import api

    rec = copy.deepcopy(record)
    order = {k: list(v) for k, v in rows.items()}
    errors: dict[str, str] = {}
    for _ in range(limit):
        try:
            api.plan(rec, definitions=definitions)
            return errors
        except InputError as exc:
            if not exc.field:
                raise
            field = forms.form_field(exc.field, order)
            if field in errors:
                return errors
            errors[field] = exc.message
            m = re.match(r"^(labs|medications)\[(\d+)\]", exc.field)
            top = re.split(r"[.\[]", exc.field, maxsplit=1)[0]
            if m and int(m.group(2)) < len(rec.get(m.group(1), [])):
                del rec[m.group(1)][int(m.group(2))]
                del order[m.group(1)][int(m.group(2))]
            elif top in rec and top not in ("labs", "medications"):
                del rec[top]
            else:
                return errors
    return errors


@router.get("/plan/view/{token}")
async def plan_view(request: Request, token: str) -> Response:
    from nephroguide import api
    from nephroguide.web import store

    record = store.load_plan_link(request.app.state.settings.home, token[:100])
    if record is None:
        raise ProblemError(404, "Not found", "this plan link is unknown or has expired (links last 24 hours); "
                                             "open the chart again to get a new one")
    plan = await off_loop(api.plan, record)
    return render(request, "plan_view.html", {"title": "Plan", "plan": plan.to_json()})


# ----------------------------------------------------------------------------------------- dose

@router.get("/dose")
async def dose_page(request: Request, drug: str | None = Query(None, max_length=100),
                    weight: str | None = Query(None, max_length=20), height: str | None = Query(None, max_length=20),
                    indication: str | None = Query(None, max_length=40)) -> Response:
    from nephroguide.knowledge.pack import load_pack
    from nephroguide.web.routes.dose import compute

    pack = load_pack()
    values = {"drug": drug or "", "weight": weight or "", "height": height or "", "indication": indication or ""}
    context: dict[str, Any] = {"title": "Dose", "values": values, "drugs": sorted({r.drug for r in pack.dose_rules.values()}),
                               "indications": sorted({r.indication for r in pack.dose_rules.values()}), "dose": None}
    request.state.form_page = ("dose.html", context)
    if drug:
        w = _float_or_error(weight, "weight", required=True)
        h = _float_or_error(height, "height", required=False)
        assert w is not None
        result = await off_loop(compute, drug, w, h, indication or None)
        context["dose"] = result.to_json()
    return render(request, "dose.html", context)


def _float_or_error(text: str | None, field: str, *, required: bool) -> float | None:
    if not text:
        if required:
            raise InputError("is required", field=field)
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"must be a number, got {text!r}", field=field) from None


# ----------------------------------------------------------------------------------------- knowledge

@router.get("/kb")
async def kb_home(request: Request, q: str | None = Query(None, max_length=200)) -> Response:
    if q:
        results = [(kind, title, kb_index.rows(kind, q)) for kind, title in kb_index.KINDS.items()]
        return render(request, "kb_search.html", {"title": f"Knowledge: {q}", "q": q, "results": results})
    return render(request, "kb.html", {"title": "Knowledge", "summary": kb_index.summary()})


@router.get("/kb/entry/{kb_id}")
async def kb_entry_page(request: Request, kb_id: str) -> Response:
    data = kb_index.entry(kb_id[:120])
    return render(request, "kb_entry.html", {"title": data.get("title", kb_id), "e": data})


@router.get("/kb/{kind}")
async def kb_kind_page(request: Request, kind: str, q: str | None = Query(None, max_length=200)) -> Response:
    data = kb_index.listing(kind[:40], q)
    return render(request, "kb_kind.html", {"title": data["title"], "data": data, "q": q or ""})


# ----------------------------------------------------------------------------------------- library

@router.get("/library")
async def library_page(request: Request, q: str | None = Query(None, max_length=1000),
                       k: int = Query(10, ge=1, le=200)) -> Response:
    from nephroguide.web.routes.search import run_search

    context: dict[str, Any] = {"title": "Library", "q": q or "", "k": k, "result": None}
    if not request.app.state.stages["library"]:
        return render(request, "library.html", {**context, "unavailable": True})
    request.state.form_page = ("library.html", context)
    if q:
        context["result"] = (await off_loop(run_search, request, q, k)).to_json()
    return render(request, "library.html", context)


# ----------------------------------------------------------------------------------------- API docs

@router.get("/api/v1/docs")
async def api_docs(request: Request) -> Response:
    schema = request.app.openapi()
    endpoints = []
    for path, ops in sorted(schema.get("paths", {}).items()):
        for method, op in ops.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "description": p.get("description", "")} for p in op.get("parameters", [])]
            body = list(op.get("requestBody", {}).get("content", {}))
            endpoints.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                              "params": params, "body": body})
    return render(request, "api_docs.html", {"title": "API", "endpoints": endpoints, "version": schema["info"]["version"]})


@router.get("/docs")
async def docs_redirect() -> Response:
    return RedirectResponse("/api/v1/docs", status_code=307)


# ----------------------------------------------------------------------------------------- cohort

INDEX_FROM = ("auto", "first", "last")


def _cohort_context(values: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    from nephroguide.knowledge.pack import load_pack

    return {"title": "Cohort outcomes", "values": values or {}, "definition_sets": sorted(load_pack().definition_sets),
            "index_froms": INDEX_FROM, **extra}


@router.get("/cohort")
async def cohort_page(request: Request) -> Response:
    context = _cohort_context()
    if not request.app.state.stages["cohort"]:
        context["unavailable"] = True
    return render(request, "cohort.html", context)


async def _upload(form: Any, name: str, required: bool) -> tuple[bytes | None, str]:
    part = form.get(name)
    if part is None or isinstance(part, str) or not part.filename:
        if required:
            raise InputError("choose a CSV file", field=name)
        return None, ""
    raw = await part.read()
    if not raw.strip():
        raise InputError(f"{part.filename} is empty", field=name)
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{part.filename} is not UTF-8 text (byte {exc.start})", field=name) from None
    return raw, str(part.filename)[:120]


async def _posted_form(request: Request, template: str, context_of: Any) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """A posted form page: CSRF checked, the form, its values (without the CSRF field) and the page context, which
    is also what an error re-renders (``request.state.form_page``)."""
    await csrf.check(request)
    form = await request.form()
    values = {k: v for k, v in forms.values(form).items() if k != csrf.FIELD}
    context = context_of(values)
    request.state.form_page = (template, context)
    return form, values, context


@router.post("/cohort")
async def cohort_submit(request: Request) -> Response:
    import asyncio

    from starlette.concurrency import run_in_threadpool

    from nephroguide.cohort.csvio import read_cohort
    from nephroguide.web.jobs import Busy, jobs
    from nephroguide.web.routes.common import definition_set_name

    form, values, context = await _posted_form(request, "cohort.html", _cohort_context)
    if not request.app.state.stages["cohort"]:
        return render(request, "cohort.html", {**context, "unavailable": True})
    definitions = [definition_set_name(values.get("definitions") or "current")]
    if values.get("compare"):
        other = definition_set_name(values["compare"])
        if other == definitions[0]:
            raise InputError("choose a different set to compare with (or none)", field="compare")
        definitions.append(other)
    index_from = values.get("index_from") or "auto"
    if index_from not in INDEX_FROM:
        raise InputError(f"must be one of {', '.join(INDEX_FROM)}", field="index_from")
    labs, labs_name = await _upload(form, "labs", True)
    patients, patients_name = await _upload(form, "patients", False)
    assert labs is not None
    try:   # parse and validate now, so that a wrong file is named next to its field at once
        data = await run_in_threadpool(read_cohort, labs, patients, labs_name=labs_name,
                                       patients_name=patients_name or "patients.csv")   # up to 1 MB: off the loop
    except InputError as exc:
        msg = exc.message
        raise InputError(msg, field="patients" if patients_name and patients_name in msg.split(" ")[0] else "labs") \
            from None
    event = (values.get("index_event") or "").strip().lower() or None
    if event is not None and event not in data.event_names():
        names = ", ".join(data.event_names()) or "none"
        raise InputError(f"no patient in {labs_name} has the event {event!r} (events in the file: {names})",
                         field="index_event")
    try:
        job = jobs().submit(f"{labs_name} under {' and '.join(definitions)}",
                            lambda: _cohort_work(data, definitions, event, index_from), n_patients=len(data.patients))
    except Busy as exc:
        raise ProblemError(503, "Busy", f"{exc}; try again in a minute") from None
    # most cohorts take well under a second: wait a little so the result page comes straight away
    await asyncio.wait([asyncio.wrap_future(job.future)], timeout=3)
    return RedirectResponse(f"/cohort/job/{job.id}", status_code=303)


def _cohort_work(data: Any, definitions: list[str], event: str | None, index_from: str) -> dict[str, Any]:
    """The analysis (run in the job thread): results, CSV, JSON and one PNG figure per definition set."""
    import json

    from nephroguide.cohort import analyse
    from nephroguide.cohort.figure import render as render_figure
    from nephroguide.cohort.summary import CohortComparison

    results = [analyse(data, d, index_event=event, index_from=index_from) for d in definitions]
    doc: Any = CohortComparison(results[0], results[1]) if len(results) == 2 else results[0]
    return {"results": [r.to_json() for r in results], "comparison": doc.to_json() if len(results) == 2 else None,
            "csv": doc.to_csv(), "json": json.dumps(doc.to_json(), ensure_ascii=False, indent=1),
            "figures": [render_figure(r, "png") for r in results]}


def _job_or_404(job_id: str) -> Any:
    from nephroguide.web.jobs import jobs

    job = jobs().get(job_id[:64])
    if job is None:
        raise ProblemError(404, "Not found", "this analysis is unknown or has expired (results are kept for an hour, "
                                             "in the server process that ran them); upload the files again")
    return job


@router.get("/cohort/job/{job_id}")
async def cohort_job(request: Request, job_id: str) -> Response:
    job = _job_or_404(job_id)
    context = _cohort_context(job=job, job_id=job.id, title="Cohort outcomes")
    if not job.done:
        return render(request, "cohort.html", {**context, "working": True, "elapsed": int(job.elapsed())})
    exc = job.future.exception()
    if exc is not None:
        if isinstance(exc, NephroguideError) and exc.http_status < 500:
            return render(request, "cohort.html", {**context, "problem": {"title": exc.title, "detail": exc.one_line()}},
                          status_code=exc.http_status)
        raise exc
    result = job.future.result()
    if not (isinstance(result, dict) and result.get("results")):
        result = None                     # nothing to show: the form again
    first = result["results"][0] if result else {}
    cited = first.get("references") or []
    return render(request, "cohort.html", {**context, "result": result,
                                           "ref_numbers": {r.get("id"): n for n, r in enumerate(cited, start=1)}})


@router.get("/cohort/job/{job_id}/{name}")
async def cohort_download(job_id: str, name: str) -> Response:
    job = _job_or_404(job_id)
    if not job.done or job.future.exception() is not None:
        raise ProblemError(404, "Not found", "the analysis has no result yet")
    result = job.future.result()
    if name == "cohort.csv":
        return Response(result["csv"], media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="cohort.csv"'})
    if name == "cohort.json":
        return Response(result["json"], media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="cohort.json"'})
    for n, png in enumerate(result["figures"], start=1):
        if name == f"figure-{n}.png":
            return Response(png, media_type="image/png")
    raise ProblemError(404, "Not found", f"no file {name[:40]!r} in this analysis")


# ----------------------------------------------------------------------------------------- remission

@router.get("/remission")
async def remission_page(request: Request) -> Response:
    return render(request, "remission.html", _remission_context())


def _remission_context(values: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    from nephroguide.knowledge.pack import load_pack

    return {"title": "Remission timeline", "values": values or {},
            "definition_sets": sorted(load_pack().definition_sets), **extra}


@router.post("/remission")
async def remission_submit(request: Request) -> Response:
    from nephroguide import api
    from nephroguide.web.routes.common import definition_set_name
    from nephroguide.web.timeline_chart import chart

    form, values, context = await _posted_form(request, "remission.html", _remission_context)
    upload = form.get("patient_file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise InputError("choose a patient record file (JSON or YAML)", field="patient_file")
    record, name = await _uploaded_record(upload)
    as_of = (values.get("as_of") or "").strip() or None
    definitions = definition_set_name(values.get("definitions") or "current")
    try:
        timeline = (await off_loop(api.remission, record, as_of=as_of, definitions=definitions)).to_json()
    except NephroguideError as exc:
        if exc.field and exc.field != "as_of":
            exc.message = f"in {name}: {exc.field}: {exc.message}"
            exc.field = "patient_file"
        raise
    from nephroguide.engine.plan import references
    from nephroguide.knowledge.pack import load_pack

    ids = [*(timeline.get("refs") or []), *(r for e in timeline.get("episodes") or [] for r in e.get("refs") or [])]
    cited = [r.to_json() for r in references(load_pack(), ids)]
    return render(request, "remission.html", {**context, "timeline": timeline, "source": name,
                                              "chart": chart(timeline), "references_list": cited,
                                              "ref_numbers": {r["id"]: n for n, r in enumerate(cited, start=1)}})
