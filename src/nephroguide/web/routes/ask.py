"""``POST /api/v1/ask``: a question in, the cited article out (501 until the answerer is installed)."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import time
from collections import OrderedDict
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from nephroguide.web.body import read_json_object
from nephroguide.web.problems import ProblemError
from nephroguide.web.routes.common import ERROR_RESPONSES, json_result, off_loop, validate_model
from nephroguide.web.stages import ask_function

router = APIRouter(tags=["ask"])

MAX_QUESTION = 20_000
CACHE_SIZE = 512
_cache: OrderedDict[tuple[str, str, str], tuple[float, bytes]] = OrderedDict()


class AskRequest(BaseModel):
    """The body of ``POST /api/v1/ask`` (only ``question`` is required)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    audience: Literal["clinician", "family", "student"] = "clinician"
    patient: dict[str, Any] | None = Field(None, description="a patient record v1")
    session: str | None = Field(None, max_length=200, description="'new' to start a conversation, or the session id "
                                                                  "of an earlier answer (follow-up context)")
    detail: Literal["brief", "full"] = Field("brief", description="brief: the answer and its key points; "
                                                                 "full: the whole article")


def answer(question: str, *, audience: str = "clinician", patient: dict[str, Any] | None = None,
           session: str | None = None, home: Any = None, detail: str = "brief") -> Any:
    """Call ``nephroguide.api.ask`` with the arguments it accepts; 501 problem when it is not installed."""
    fn = ask_function()
    if fn is None:
        raise ProblemError(501, "Not implemented", "the question answerer (nephroguide.ask) is not installed in "
                                                   "this build; the plan, dose and knowledge endpoints work")
    kwargs: dict[str, Any] = {"audience": audience, "patient": patient, "session": session, "home": home}
    if detail != "brief":
        kwargs["detail"] = detail
    params = inspect.signature(fn).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params and (v is not None or k == "audience")}
    else:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
    return fn(question, **kwargs)


@router.post("/ask", summary="Answer a question with a cited, graded article",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": AskRequest.model_json_schema()}}}},
             responses={**ERROR_RESPONSES, 501: {"description": "the answerer is not installed"}})
async def ask(request: Request) -> Response:
    body = validate_model(AskRequest, await read_json_object(request, "question"))
    settings = request.app.state.settings
    if body.patient is not None or body.session is not None or settings.answer_cache_ttl_s <= 0:
        # answering is CPU work: in the thread pool, so /healthz and other requests are never held up
        result = await off_loop(answer, body.question, audience=body.audience, patient=body.patient,
                                session=body.session, home=settings.home, detail=body.detail)
        return await off_loop(json_result, result)
    # A stateless question is deterministic (same question, audience and day -> same bytes): serve it from a
    # small cache for a short time (Settings.answer_cache_ttl_s, so a review decision shows up quickly).
    key = (body.question, f"{body.audience}:{body.detail}", dt.date.today().isoformat())
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        _cache.move_to_end(key)
        return Response(hit[1], media_type="application/json")
    result = await off_loop(answer, body.question, audience=body.audience, home=settings.home, detail=body.detail)
    data = await off_loop(lambda: json.dumps(result.to_json(), ensure_ascii=False, allow_nan=False,
                                             separators=(",", ":")).encode())
    _cache[key] = (now + settings.answer_cache_ttl_s, data)
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return Response(data, media_type="application/json")
