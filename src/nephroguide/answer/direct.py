"""Answer the question that was asked, first: route a question and compose direct answers.

:func:`route` decides, from the understanding (treatment-pathway intents and stages) and the
statement-level retrieval (``retrieve.py``), which kind of answer a question gets:

* ``answer``: the pack holds a curated direct answer to this question (``answers`` of the topic
  files): its ``answer`` / ``family_answer`` is the first line, its ``support`` entries are the key
  points, related statements follow in the full answer;
* ``facts``: no direct answer, but facts or recommendations on the question's subject: the most
  relevant statement leads, the others follow;
* ``pathway``: a treatment-pathway article (compose.py), whose summary is chosen by relevance;
* ``not_covered``: the pack holds nothing on the subject; the answer names the subject and offers
  the closest questions it can answer (exit 3), never an article on another topic.

Thresholds are data (``data/retrieval.yaml``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nephroguide.answer.model import Answer, Item, Section
from nephroguide.answer.retrieve import Hit, Retrieval, retrieve, settings
from nephroguide.answer.understand import Understanding, percentage_asked, vocabulary

PATHWAY_INTENTS = frozenset({"first_episode_treatment", "relapse_treatment", "frns_sdns_treatment", "srns_next_step",
                             "cni_resistant_next_step", "dosing", "evidence", "workup", "biopsy", "genetics",
                             "definition", "monitoring"})


@dataclass(frozen=True)
class Route:
    kind: str                        # answer | facts | pathway | not_covered
    answer: Hit | None = None        # the direct answer chosen
    facts: tuple[Hit, ...] = ()      # the statements chosen for a facts answer
    subject: str = ""                # what is not covered (not_covered, or partly covered)
    confidence: float = 0.0
    asked: str = ""                  # the question of the message the answer was chosen for, when one of several
    danger: bool = False             # a danger sign leads (red_flags): nothing else takes its place
    keep_parts: bool = False         # ... and a family's other questions still get their answers (an exposure, not an
    #                                  acute illness: "chickenpox going round her class ... can she keep swimming?")
    leads: bool = False              # a finding in the message leads (a drug level off target), whatever it asks first;
    #                                  its other questions keep their answers


def retrieval_for(u: Understanding, context_text: str = "") -> Retrieval:
    """Retrieval for the question's canonical text plus the words as typed (so 'SRNS' meets 'SRNS'), and the
    session's subject for an elliptic follow-up."""
    from nephroguide.answer.understand import canonicalise, normalise

    typed = normalise(u.question)
    for wrong, right in u.corrections:   # as typed, but not misspelt ("cholestrol" is no unknown subject)
        typed = re.sub(rf"\b{re.escape(wrong)}\b", right, typed)
    text = u.text if typed == u.text else f"{u.text} {typed}"
    if context_text:
        text = f"{text} {canonicalise(normalise(context_text))[0]}"
    level = " ".join(x for x in (level_words(u), *value_words(u.question)) if x)
    if level:
        text = f"{text} {level}"
    parts = [p for p in _PARTS.split(u.question) if p and len(re.findall(r"[A-Za-z]{3,}", p)) >= 2]
    # (the whole message reads further down the ranking than one of its parts: the article's evidence and cautions
    # sections come from these hits, and a study near the cut-off must not vanish when the pack grows)
    return retrieve(text, [*u.drugs, *(d for d, _ in u.patient_drugs)], int(settings()["direct"]["message_hits"]),
                    one_question=len(parts) <= 1)


# (the words between "trough" and its number never name another measurement: "at therapeutic troughs, still UPCR
# 350" quotes a UPCR, not a trough of 350)
# (not a list number after it: "when do I take the level? (3) which bloods")
_LEVEL = re.compile(r"\b(?:levels?|troughs?)\b(?:(?!\b(?:u?pcr|uacr|acr|creat\w*|cr|albumin|alb|bp|egfr|gfr|weight|wt|"
                    r"protein\w*|dipstick|cholesterol|ldl|hb|platelets?|potassium|glucose|sugar)\b)\D){0,25}?"
                    r"(?<![A-Za-z\d.])(?<!\?\s\()(?<!\?\()(\d+(?:\.\d+)?)|(?<![A-Za-z\d.])(\d+(?:\.\d+)?)\s*(?:ng/ml|ng per ml)?\s*"
                    r"(?:tacrolimus |tac |ciclosporin |cyclosporine? )?(?:level|trough)\b", re.I)


def quotes_level(question: str) -> bool:
    """The question quotes a drug level or trough ("trough today 12.8 ng/mL")."""
    return _LEVEL.search(question) is not None


def value_words(question: str) -> list[str]:
    """Words for measurements the question quotes (data: ``quoted_values`` in retrieval.yaml), e.g. a
    temperature of 38.9 -> "fever"."""
    out = []
    for q in settings().get("quoted_values") or []:
        m = re.search(str(q["pattern"]), question, re.I)
        if m is not None and float(q["min"]) <= float(m.group(1)) <= float(q["max"]):
            out.append(str(q["words"]))
    return out


def level_route(u: Understanding, ret: Retrieval) -> Route | None:
    """A drug level the question quotes above (or below) every target: the pack's answer on such a level leads, the
    one that fits the question best (data ``level_answers``), before any dose worked out."""
    words = settings()["level_words"]
    said = level_words(u)
    side = next((k for k in ("high", "low") if said and said == words[k]), None)
    if side is None:
        return None
    named = settings()["level_answers"][side]
    scored = [(c, h) for c, h in _answer_confidences(u, ret) if h.id in named]
    if not scored:
        return None
    conf, hit = scored[0]
    # (it leads like a danger sign, whatever question the message asks first, and the others keep their answers:
    # "C0 trough 185 ... what do I do with the ciclosporin dose, should I switch to tacrolimus?")
    return Route("answer", answer=hit, confidence=max(conf, float(settings()["direct"]["enough"])), leads=True)


def level_words(u: Understanding) -> str:
    """A drug level the question quotes ("her tacrolimus level came back 14"), read against the pack's trough
    targets for that medicine: words for above or below every target, nothing when in range or unclear."""
    from nephroguide.knowledge.pack import load_pack

    m = _LEVEL.search(u.question)
    drugs = {*u.drugs, *(d for d, _ in u.patient_drugs)}
    if m is None or not drugs:
        return ""
    value = float(m.group(1) or m.group(2))
    targets = [r.target for r in load_pack().dose_rules.values() if r.drug in drugs and r.target is not None]
    if not targets:
        return ""
    words = settings()["level_words"]
    if all(t.high is not None and value > t.high for t in targets):
        return str(words["high"])
    if all(value < t.low for t in targets):
        return str(words["low"])
    if all(t.low <= value <= (t.high if t.high is not None else value) for t in targets):
        return str(words["in_range"])
    return ""


def _answer_confidence(u: Understanding, ret: Retrieval, by_match: bool = True,
                       message: str | None = None) -> tuple[Hit | None, float]:
    """The best direct answer: subject-term match, closeness of the wording to one of its phrasings
    (rapidfuzz, so that "why" and "how common" questions meet their own answers) and BM25."""
    scored = _answer_confidences(u, ret, by_match, message=message)
    return (scored[0][1], scored[0][0]) if scored else (None, 0.0)


def _answer_confidences(u: Understanding, ret: Retrieval, by_match: bool = True,
                        asked_already: str | None = None, message: str | None = None) -> list[tuple[float, Hit]]:
    """Each candidate direct answer with its confidence (see :func:`_answer_confidence`), best first."""
    from rapidfuzz import fuzz, process

    from nephroguide.answer.understand import normalise
    from nephroguide.knowledge.pack import load_pack

    answers = [h for h in ret.hits if h.kind == "answer"]
    if not answers:
        return []
    w = settings()["direct"]["weights"]
    pack = load_pack()
    asked = normalise(u.question)
    # (BM25 is scaled by the best answer that could be given: one the question's situation rules out - its not_for -
    # never sets the scale: "identical twins aged 5" beside the answer written for twins under 1)
    top = next((h.score for h in sorted(answers, key=lambda h: -h.score)
                if (da := pack.answers.get(h.id)) is None or not not_written_for(u, da)), 0.0) or 1.0
    #   (best first, so that usually one answer is checked)
    scored = []

    named = {pack.drugs[d].equivalent_to or d for d in u.drugs if d in pack.drugs and d.replace("_", " ") in u.text}
    named |= {pack.drugs[d].equivalent_to or d for w, ds in settings()["medicine_words"].items()
              if _names_any(u.question, [w]) for d in ds if d in pack.drugs}   # ("will the steroids affect ...")
    from nephroguide.answer.understand import vocabulary

    no_drug = not u.drugs and not u.patient_drugs and not vocabulary().drug_pattern.search(u.text)
    # a "Because ..." answer answers a why, never a what/which/when/how question ("what to check before
    # rituximab?"); beside a yes/no question its Yes is implied ("... only a few tests. Is that ok?")
    why = bool(_WHY.search(u.question) or _YES_NO_SENTENCE.search(u.question))
    # a message that is one yes/no question ("can we go on holiday to Spain while he is on prednisolone?") is
    # answered a little more readily by an answer that opens with its Yes or No
    one = _message_parts(u.question)   # ("albumin 18, should we give him albumin?": one question after a value)
    yes_no = len(one) == 1 and _form(one[0]) == "yn"
    # ... and a message that is one why question ("why do children with NS get blood clots?") by an answer asked why
    # (not "can children get blood clots?", whose answer is how often)
    why_only = len(one) == 1 and bool(_WHY_OPENS.match(one[0]))
    # the best by BM25, and the best by subject match: a medicine's name repeated in a question ("HPV vaccine on
    # MMF?") fills the first with that medicine's answers and would leave the vaccine answer out
    # (an answer whose subject the question does not ask - its asked_when unmatched - can never be given, so it takes
    # no place among the candidates: "UPCR 420 ... what now?" is no question of what a UPCR is for; except the answer
    # the whole message was given, asked there with its story)
    answers = [h for h in answers if h.id == asked_already or (da := pack.answers.get(h.id)) is None
               or not da.asked_when or _pattern(da.asked_when).search(u.question)]
    if not answers:
        return []
    pool = answers[:int(settings()["direct"]["candidates"])]
    best_match = max(h.match for h in pool)
    margin = float(settings()["direct"]["candidates_match_margin"])
    pool += [h for h in sorted(answers, key=lambda h: (-h.match, h.id))[:int(settings()["direct"]["candidates_by_match"])]
             if by_match and h not in pool
             and (h.match >= best_match + margin or h.match >= float(settings()["direct"]["candidates_exact_match"]))
             and (len(ret.terms) >= 3 or (len(ret.terms) == 2 and h.match >= float(settings()["direct"]["candidates_short_match"])))]
    #         (a phrasing matching nearly word for word is always scored: "can she have the chickenpox vaccine on
    #         pred" beside a dozen chickenpox answers ranked higher by BM25)
    #         (a whole message of a few subject words, not one part: "what next?" matches any "what next" phrasing;
    #         two subject words only when a phrasing says nearly all of them: "can my daughter have children one
    #         day?" beside a dozen cyclophosphamide-fertility answers ranked higher by BM25)
    for h in pool:
        da = pack.answers.get(h.id)
        if da is not None and not_written_for(u, da):
            continue   # written for another situation than the one the question states
        about = _asked_drugs(pack, h.id)
        if named and about and not named & about and _ask_drugs(pack, h.id)[2] \
                and not (about <= set(settings()["also_a_lab_value"]) and da is not None and da.asked_when
                         and _pattern(da.asked_when).search(u.question)) \
                and not (da is not None and da.asked_when and about <= set(u.drugs)
                         and _pattern(da.asked_when).search(u.question)):
            continue   # an answer about another medicine ("mycophenolate in pregnancy" for tacrolimus): never
            #            (unless that "medicine" is also a blood test and the answer is written for what the question
            #            names: "lab lost the albumin" is the blood level; nor one written for the subject the question
            #            names, about a medicine the message names: "on mycophenolate and enalapril ... nose pierced
            #            ... is it allowed")
        if about and u.drugs and _about_a_combination(pack, h.id) \
                and not about <= {pack.drugs[d].equivalent_to or d for d in u.drugs if d in pack.drugs}:
            continue   # ... nor one about two medicines together when it names only one ("MMF ..., how long do we
            #            continue it?" is not "MMF after rituximab: how long?")
        if no_drug and _only_about_a_drug(pack, h.id):
            continue   # ... nor one only about a medicine the question never names ("sore throat": not levamisole's)
        if da is not None and not why and _BECAUSE.match(da.answer):
            continue   # "Because ..." answers a why ("thromboprophylaxis in CNS?" is not one)
        if da is not None and _ruled_out_by_story(da, message or u.question):
            continue   # the message's story rules it out, whichever of its questions asks
        # (the closest phrasing by rapidfuzz's own loop over them)
        closest = process.extractOne(asked, _normalised_asks(pack, h.id), scorer=fuzz.token_sort_ratio) if da else None
        like = closest[1] / 100 if closest else 0.0
        conf = float(w["match"]) * h.match + float(w["wording"]) * like + float(w["bm25"]) * h.score / top
        if u.explicit_intent and u.intent and answer_intent(h) == u.intent:
            conf += float(w["same_intent"])   # "MMR booster ... on prednisolone": the vaccination answers first
        rank = conf + (float(w["yes_no_form"]) if yes_no and da is not None and _answers_yes_no(da.family_answer or da.answer)
                       else 0.0)   # (orders the candidates only: how well an answer fits is left as it is)
        rank += float(w["why_form"]) if why_only and da is not None and _asked_why(h.id) else 0.0
        scored.append((conf, rank, h))
    scored.sort(key=lambda x: (-x[1], x[2].id))
    return [(c, h) for c, _, h in scored]


_FACTS: dict[Understanding, Any] = {}


def question_facts(u: Understanding) -> Any:
    """What the question states about the child (stage, medicines, age ...) as engine facts, for the answers'
    ``not_for`` conditions; None when its details are not usable."""
    out = _FACTS.get(u)
    if out is None and u not in _FACTS:
        from nephroguide.answer.compose import engine_context
        from nephroguide.errors import InputError

        try:
            out = engine_context(u, patient=None, today=dt.date.today(), default_stage=[]).facts
        except InputError:
            out = None
        if len(_FACTS) > 256:
            _FACTS.clear()
        _FACTS[u] = out
    return out


def stated_otherwise(u: Understanding, not_for: Any) -> bool:
    """The question states a situation an answer is not written for (its ``not_for`` holds)."""
    from nephroguide.engine.criteria import holds

    facts = question_facts(u)
    return facts is not None and holds(not_for, facts)


@functools.lru_cache(maxsize=1)
def _topic_not_for() -> dict[str, Any]:
    from nephroguide.knowledge.models import Condition

    return {t: Condition.model_validate(c) for t, c in (settings().get("topic_not_for") or {}).items()}


def not_written_for(u: Understanding, da: Any) -> bool:
    """The question states a situation a direct answer, or its whole topic, is not written for (``not_for``;
    retrieval.yaml ``topic_not_for``)."""
    if da.not_for is not None and stated_otherwise(u, da.not_for):
        return True
    topic = _topic_not_for().get(da.topic)
    return topic is not None and stated_otherwise(u, topic)


def best_confidence(u: Understanding, ret: Retrieval) -> float:
    return _answer_confidence(u, ret)[1]


_ASKED_DRUGS: dict[str, tuple[frozenset[str], bool, bool]] = {}
_NORMALISED_ASKS: dict[str, tuple[str, ...]] = {}


def _normalised_asks(pack: Any, kb_id: str) -> tuple[str, ...]:
    """A direct answer's phrasings, normalised like questions (read once per pack)."""
    key = f"{pack.version}:{kb_id}"
    out = _NORMALISED_ASKS.get(key)
    if out is None:
        from nephroguide.answer.understand import normalise

        da = pack.answers.get(kb_id)
        out = _NORMALISED_ASKS[key] = tuple(normalise(a) for a in (da.asks if da is not None else []))
    return out


def _ask_drugs(pack: Any, kb_id: str) -> tuple[frozenset[str], bool, bool]:
    """The medicines a direct answer's own phrasings name (its question is about them), whether every one
    of its phrasings names one ("sore throat on levamisole", "levamisole fever": only about that medicine), and
    whether at least half do (its question is about a medicine, not one it may be asked beside: "can she swim on
    prednisolone?" is one way of asking about swimming)."""
    key = f"{pack.version}:{kb_id}"
    out = _ASKED_DRUGS.get(key)
    if out is None:
        from nephroguide.answer.understand import canonicalise, normalise, vocabulary

        voc = vocabulary()
        da = pack.answers.get(kb_id)
        read = [canonicalise(normalise(a))[0] for a in (da.asks if da is not None else [])]
        ids = {voc.drug_names.get(m.group(1), "") for t in read for m in voc.drug_pattern.finditer(t)}
        naming = sum(bool(voc.drug_pattern.search(t)) for t in read)
        out = _ASKED_DRUGS[key] = (frozenset(pack.drugs[d].equivalent_to or d for d in ids if d in pack.drugs),
                                   bool(read) and naming == len(read), 2 * naming >= len(read) > 0)
        each = [frozenset(pack.drugs[d].equivalent_to or d for d in
                          (voc.drug_names.get(m.group(1), "") for m in voc.drug_pattern.finditer(t)) if d in pack.drugs)
                for t in read]
        _COMBINED[key] = len(out[0]) >= 2 and all(e == out[0] for e in each)
    return out


_COMBINED: dict[str, bool] = {}


def _about_a_combination(pack: Any, kb_id: str) -> bool:
    """Every phrasing of a direct answer names the same two or more medicines ("MMF after rituximab - how
    long?"): it answers a question about them together, never one about only one of them."""
    _ask_drugs(pack, kb_id)
    return _COMBINED.get(f"{pack.version}:{kb_id}", False)


def _asked_drugs(pack: Any, kb_id: str) -> frozenset[str]:
    """The medicines a direct answer's own phrasings name (its question is about them)."""
    return _ask_drugs(pack, kb_id)[0]


def _only_about_a_drug(pack: Any, kb_id: str) -> bool:
    """Every phrasing of a direct answer names a medicine: it answers a question about that medicine only."""
    return _ask_drugs(pack, kb_id)[1]


CORE_PATHWAY = frozenset({"first_episode_treatment", "relapse_treatment", "frns_sdns_treatment", "srns_next_step",
                          "cni_resistant_next_step", "dosing", "evidence"})


def exact_answer(u: Understanding, ret: Retrieval) -> Route | None:
    """The question is one of a direct answer's own phrasings (e.g. a follow-up nephroguide offered)."""
    from nephroguide.answer.understand import normalise

    kb_id = _exact_keys().get(_bare(normalise(u.question)))
    if kb_id is None or _not_for_this(u, kb_id):
        return None   # (an answer written for another situation than the one stated is never given)
    hit = next((h for h in ret.hits if h.id == kb_id), None) or Hit(kb_id, "answer", "", 0.0, 1.0, 1.0, 1.0)
    return Route("answer", answer=hit, confidence=1.0)


def _not_for_this(u: Understanding, kb_id: str) -> bool:
    """The question states a situation the direct answer is not written for (its ``not_for``), or its message
    tells a story that rules it out (its ``not_when``)."""
    from nephroguide.knowledge.pack import load_pack

    da = load_pack().answers.get(kb_id)
    return da is not None and (not_written_for(u, da) or _ruled_out_by_story(da, u.question))


def _ruled_out_by_story(da: Any, message: str) -> bool:
    """The whole message, story included, matches the answer's ``not_when``."""
    return bool(da.not_when and _pattern(da.not_when).search(message))


def _bare(text: str) -> str:
    """A phrasing without its punctuation: "she cant sleep since the diagnosis, is that ..." is the same question
    with or without the comma."""
    return " ".join(re.findall(r"[a-z0-9+']+", text.lower()))


_EXACT: dict[int, dict[str, str]] = {}


def _exact_keys() -> dict[str, str]:
    from nephroguide.answer.retrieve import index

    idx = index()
    keys = _EXACT.get(id(idx))
    if keys is None:
        _EXACT.clear()
        keys = _EXACT[id(idx)] = {}
        for k, v in idx.exact.items():
            keys.setdefault(_bare(k), v)
    return keys


@functools.lru_cache(maxsize=1)
def _red_flags() -> tuple[tuple[dict[str, Any], tuple[re.Pattern[str], ...]], ...]:
    """The red flags with their patterns compiled once (re's own cache of 512 patterns is churned by the
    patterns built from each message, and recompiling these cost milliseconds per question)."""
    return tuple((flag, tuple(re.compile(p) for p in flag["all"])) for flag in settings().get("red_flags") or [])


def red_flag_route(u: Understanding, ret: Retrieval) -> Route | None:
    """Danger signs in the question (fever with abdominal pain in a nephrotic child: peritonitis until proven
    otherwise) put the answer on that danger first, whatever else the question names (data: ``red_flags``)."""
    from nephroguide.knowledge.pack import load_pack

    answers = load_pack().answers
    text = f"{u.question.lower()} {u.text}"
    for flag, patterns in _red_flags():
        if all(p.search(text) for p in patterns):
            # (an answer whose own not_when the message matches is not given: "... switch to ciclosporin?" is the
            # CNI-choice answer's, not "how to manage it")
            named = [a for a in flag.get("answers") or [] if a in answers and not _ruled_out_by_story(answers[a], u.question)
                     and not (answers[a].asked_when and not _pattern(answers[a].asked_when).search(u.question))]
            #        (nor one whose subject the message does not name: the sibling's exposure needs a sibling)
            if named:   # the danger's own answers, in order: a later one only when it fits the question clearly better
                found = sorted((h for h in ret.hits if h.id in named), key=lambda h: named.index(h.id))
                # (with prefer_first, the rule's first answer, when written for a situation the message names - its
                # asked_when matched - is the more specific: "chickenpox at nursery ... off all his meds since March")
                if flag.get("prefer_first"):
                    found = [h for h in found if h.id == named[0] and answers[h.id].asked_when] or found
                hit = found[0] if found else None
                if flag.get("pick") == "best" and found:   # none first by default: the one that fits best
                    hit = max(found, key=lambda h: (h.match, -named.index(h.id)))
                for h in found[1:]:   # (clearly better: by more than the margin, never by a rounding hair)
                    if hit is not None and h.match > hit.match + float(settings()["direct"]["flag_margin"]) + 0.005:
                        hit = h
                return Route("answer", answer=hit or Hit(id=named[0], kind="answer", topic=answers[named[0]].topic,
                                                         score=0.0),
                             confidence=float(flag["confidence"]), danger=True, keep_parts=bool(flag.get("keep_parts")))
            for topic in flag.get("topics") or []:   # in the order given: the likeliest danger first
                wanted = [h for h in ret.hits if h.kind == "answer" and h.topic == topic
                          and h.match >= float(flag["min_match"])]
                if wanted:
                    best = max(wanted, key=lambda h: (h.match, h.score))
                    return Route("answer", answer=best, confidence=max(best.match, float(flag["confidence"])),
                                 danger=True)
    return None


def _distinct_named(best: Hit | None, conf: float, second: float) -> bool:
    """The best direct answer is written for a subject the message names (its ``asked_when`` pattern matches) and
    fits the whole message fairly and well ahead of the next (data: ``direct.distinct_named``)."""
    from nephroguide.knowledge.pack import load_pack

    cfg = settings()["direct"]["distinct_named"]
    if best is None or conf < float(cfg["fit"]):
        return False
    da = load_pack().answers.get(best.id)
    return da is not None and bool(da.asked_when) and conf - second >= float(cfg["margin"])


def leads_article(u: Understanding, hit: Hit | None, *, has_patient: bool) -> bool:
    """A curated answer to a treatment question about the same step of the pathway ("what is the next step in
    SRNS?") leads that step's article rather than replacing it: the article keeps the steps in clinical order and
    the doses (worked out for the child when a record is given)."""
    if hit is None or u.intent not in CORE_PATHWAY or u.intent in ("dosing", "evidence"):
        return False
    treatment = u.explicit_intent or has_patient or bool(u.stage) or \
        treatment_cue_weight(u) >= int(settings()["treatment_cue_weight"])
    return treatment and answer_intent(hit) == u.intent


def treatment_cue_weight(u: Understanding) -> int:
    """How strongly the question's words ask for treatment (understanding.yaml ``treatment_cues``)."""
    from nephroguide.answer.understand import rules

    return sum(w for p, w in rules().treatment_cues if p.search(u.text))


def answer_intent(hit: Hit) -> str | None:
    """The pathway step a direct answer answers: its own ``intent``, else its topic's."""
    from nephroguide.knowledge.pack import load_pack

    da = load_pack().answers.get(hit.id)
    return (da.intent if da is not None else None) or settings()["topic_intent"].get(hit.topic)


# definitions named as the yardstick of a question, not asked for ("Using IPNA 2023 / KDIGO 2025 definitions, which is
# the best description?")
_USING_DEFINITIONS = re.compile(r"\b(?:using|according to|per|under|by|with)\b[^,?.]{0,40}\b(?:definitions?|criteria)\b", re.I)


def route(u: Understanding, ret: Retrieval, *, has_patient: bool, from_session: bool) -> Route:
    from nephroguide.knowledge.pack import load_pack

    cfg = settings()
    flagged = red_flag_route(u, ret)
    if flagged is not None:
        return flagged
    if not has_patient and proteinuria_line(u) is not None:
        # a 24-hour urine protein with the child's height and weight: the nephrotic-range answer, which the amount
        # worked out per m2 opens ("20 kg, 115 cm, 24-h urine protein 1.2 g. nephrotic range?")
        first = settings()["proteinuria_line"]["remission_answers" if remission_asked(u) else "answers"][0]
        da = load_pack().answers[first]
        return Route("answer", answer=Hit(id=first, kind="answer", topic=da.topic, score=0.0), confidence=1.0)
    own = exact_answer(u, ret)
    if own is not None and leads_article(u, own.answer, has_patient=has_patient):
        return Route("pathway", answer=own.answer, confidence=own.confidence)
    if own is not None and not u.dose_asked:
        return own
    ranked = _answer_confidences(u, ret)   # (ranked once: the distinct-named rule compares the first two)
    best, conf = (ranked[0][1], ranked[0][0]) if ranked else (None, 0.0)
    second = ranked[1][0] if len(ranked) > 1 else 0.0
    strong = float(cfg["direct"]["strong"])
    off_target = level_route(u, ret) if not has_patient else None
    if off_target is not None:
        return off_target
    if u.intent == "definition" and u.explicit_intent and len(u.definitions) >= 2 and not has_patient \
            and not (own is not None and own.answer is not None) \
            and (re.search(r"\b(?:defin\w*|what (?:is|are|does|do)|mean\w*|differen\w*|criteria)\b",
                           _USING_DEFINITIONS.sub(" ", u.question), re.I)
                 or not (best is not None and conf >= strong)):
        # "define complete remission, relapse and FRNS": the definitions article defines each term asked
        return Route("pathway", confidence=conf)
    cue_weight = treatment_cue_weight(u)
    # one weak word ("stop", "start", "medicine") does not make a treatment question of "can we just stop them?"
    asked_treatment = u.explicit_intent or has_patient or cue_weight >= int(cfg["treatment_cue_weight"])
    enough = float(cfg["direct"]["enough"])
    exact_at = float(cfg["direct"]["exact"])
    same = best is not None and answer_intent(best) == u.intent
    dosing = u.intent == "dosing" and u.dose_asked
    sized = any(u.detail(k) is not None for k in ("weight_kg", "height_cm"))
    if dosing and not sized and not has_patient and best is not None and conf >= strong \
            and (not (u.drugs or u.patient_drugs or from_session) or best.cover_a >= exact_at
                 or (best.topic in cfg["side_effect_topics"] and any(re.search(c, u.text) for c in cfg["toxicity_cues"]))):
        # "safe cumulative cyclophosphamide dose for the gonads?" asks about harm, not a dose to give
        # "how much protein", "steroid dose threshold for live vaccines": dose words but no medicine to dose;
        # a direct answer that fits is the answer to this question, not a dosing article
        return Route("answer", answer=best, confidence=conf)
    other = _dose_of_other(u) if dosing and not has_patient else None
    if other:
        # "... on tac + enalapril ... Start IVIG? dose and how often?": the dose asked is the other medicine's,
        # answered by what the sources say of it, never the story's medicine's dosing article; with nothing on it
        # ("Oseltamivir PEP? dose, duration?"), said to be not covered
        if best is not None and conf >= enough:
            return Route("answer", answer=best, confidence=conf)
        return Route("not_covered", subject=other, confidence=conf)
    pack = load_pack()
    if dosing and u.drugs and best is not None and conf >= enough \
            and not any(r.drug in u.drugs for r in pack.dose_rules.values()) \
            and set(u.drugs) & _asked_drugs(pack, best.id) and any(_DOSE_ASKED.search(a) for a in pack.answers[best.id].asks):
        # a dose asked for a medicine the pack has no dose rule for ("enalapril dose 20 kg SRNS"): its answer says
        # what the sources give (no mg dose: titrate to the maximum tolerated), not an article of other statements
        return Route("answer", answer=best, confidence=conf)
    if dosing and not has_patient and not u.drugs and best is not None and conf >= strong \
            and names_other_medicine(u.question) and not _medicines_in(u.question):
        # a dose asked of a medicine outside the pack's dose rules ("12 kg ... relapse ... penicillin prophylaxis?
        # dose?"): its answer, which says what the sources give, not a prednisolone dosing article
        return Route("answer", answer=best, confidence=conf)
    implied = not (u.explicit_intent or u.stage or has_patient or from_session)   # intent read from a drug name
    if implied and not cue_weight and u.drugs and best is not None and conf >= float(cfg["direct"]["drug_only"]) \
            and _subject_cover(ret, best) >= float(cfg["direct"]["drug_only_subject"]):
        # an intent read only from a medicine's name ("purpuric rash on levamisole") is not a treatment
        # question: a direct answer about that medicine that fits fairly wins over the treatment article
        return Route("answer", answer=best, confidence=conf)
    if implied and u.drugs and best is not None and conf >= float(cfg["direct"]["drug_only"]) \
            and best.topic in cfg["side_effect_topics"] and set(u.drugs) & _asked_drugs(load_pack(), best.id) \
            and _subject_cover(ret, best) >= float(cfg["direct"]["drug_effect_subject"]) \
            and not _missed_key_term(ret, best):
        # "his gums are growing on cyclosporine ... should we stop it?": a side effect of the medicine named,
        # answered by that medicine's side-effect answer, not the treatment article the medicine's name implies
        return Route("answer", answer=best, confidence=conf)
    if implied and u.drugs and best is not None and conf >= strong and best.cover_a >= exact_at:
        # the medicines a message names ("he's on tacrolimus and pred ... what if he relapses while we're away?")
        # do not make it a treatment question when one of the pack's own questions is all there in it
        return Route("answer", answer=best, confidence=conf)
    other_step = best is not None and answer_intent(best) in CORE_PATHWAY and answer_intent(best) != u.intent \
        and not (u.intent == "evidence" and answer_intent(best) in _stage_intents(u.stage))
    #   (the evidence on an agent of the very stage named is no other step: "compare how effective cyclophosphamide
    #   is in frequently relapsing versus steroid-dependent NS")
    decisive = best is not None and conf >= float(cfg["direct"]["decisive"]) and not (dosing and sized) \
        and not (u.stage and other_step)
    if u.intent in CORE_PATHWAY and asked_treatment and not u.explicit_intent and not has_patient \
            and _elsewhere(ret, best, conf, u.question):
        # "what now?" about a rising creatinine on a CNI: the subject is the monitoring answer's, not treatment
        return Route("answer", answer=best, confidence=conf)
    if u.intent in CORE_PATHWAY and asked_treatment and decisive and not leads_article(u, best, has_patient=has_patient):
        # "does haematuria change management in new onset NS?": a curated answer this close is the answer
        return Route("answer", answer=best, confidence=conf)
    if u.intent in CORE_PATHWAY and asked_treatment and decisive and not has_patient and not dosing:
        # ... and one of this very step's own: it leads the step's article ("FRNS ... cataracts found, does this change
        # my management?": "Yes: ... steroid-sparing agent", then the article)
        return Route("pathway", answer=best, confidence=conf)
    if u.intent == "evidence" and not u.stage and not has_patient and not from_session and best is not None \
            and conf >= enough and not dosing and not names_a_study(u):
        # the evidence on something the pathway of no stage names ("daily prednisolone during a cold to prevent
        # relapse, evidence?"): the curated answer on it, not the evidence section of a stage nobody named
        return Route("answer", answer=best, confidence=conf)
    if (u.intent in CORE_PATHWAY or u.intent in PATHWAY_INTENTS) and not has_patient \
            and _distinct_named(best, conf, second):
        # a subject of its own named in a long message about a treatment (levamisole read about as a cattle wormer,
        # TB in a grandmother, fluconazole beside tacrolimus): the answer written for that subject, far ahead of any
        # other, answers it; the treatment article would answer another question
        if leads_article(u, best, has_patient=has_patient):
            return Route("pathway", answer=best, confidence=conf)
        return Route("answer", answer=best, confidence=conf)
    lead_cfg = cfg["direct"]["implied_lead"]
    if u.intent in CORE_PATHWAY and asked_treatment and not (u.explicit_intent or u.stage or has_patient or from_session) \
            and best is not None and conf >= float(lead_cfg["fit"]) and conf - second >= float(lead_cfg["margin"]) \
            and answer_intent(best) not in CORE_PATHWAY:
        # a treatment intent read only from a word or two ("finished her steroids in june") beside one answer far
        # ahead of every other on another subject ("... bedtime 2+, morning negative, which one do I go by?"): that
        # answer, not the treatment article (data: ``direct.implied_lead``)
        return Route("answer", answer=best, confidence=conf)
    if u.intent in CORE_PATHWAY and asked_treatment:
        # a treatment question: the pathway article, unless a direct answer fits this very question
        exact = best is not None and best.cover_a >= exact_at and best.cover_q >= float(cfg["direct"]["exact_question"])
        if best is not None and conf >= strong and not dosing and (exact or (same and best.cover_q >= exact_at)) \
                and not (u.stage and other_step and not same):
            if leads_article(u, best, has_patient=has_patient):
                return Route("pathway", answer=best, confidence=conf)   # the article, led by the curated answer
            return Route("answer", answer=best, confidence=conf)
        if best is not None and conf >= strong and same and not dosing and not has_patient \
                and _non_steroids(u.drugs) & _asked_drugs(load_pack(), best.id) \
                and len(_asked_parts(_message_parts(u.question), _marked_questions(u.question))) <= 1 \
                and leads_article(u, best, has_patient=has_patient):
            # a curated answer of this very step about the medicine the question names, that fits strongly though not
            # word for word ("SDNS, 3 courses of rituximab, relapses every time CD19 comes back - what next?"): it
            # leads the step's article, whose first line would otherwise be the step's general rule
            return Route("pathway", answer=best, confidence=conf)
        failed = _non_steroids(u.failed)
        lead_cfg = cfg["direct"]["failed_lead"]
        left = next((h for c, h in ranked if c >= float(lead_cfg["fit"]) and h.id in lead_cfg["answers"]
                     and failed <= _asked_drugs(pack, h.id)), None) if dosing and len(failed) >= 2 else None
        if left is not None and not has_patient:
            # doses asked after two medicines failed ("relapsed on levamisole, then on MMF ... RTX or tac, and
            # doses?"): the curated answer about what is left leads the dosing article, so the reader meets "not
            # the ones that failed" before any dose
            return Route("pathway", answer=left, confidence=conf)
        read = {i for i, n in u.intent_scores if n > 0}
        if u.failed and best is not None and conf >= strong and not dosing and answer_intent(best) in read:
            # medicines that failed ("had levamisole and MMF, still relapsing - which next?"): the step's article
            # would open with every option; the curated answer about what is left leads it
            return Route("pathway", answer=best, confidence=conf)
        return Route("pathway", confidence=conf)
    if u.intent in PATHWAY_INTENTS and u.explicit_intent:
        # definitions, tests, biopsy, genetics, monitoring: a direct answer on the same subject, else the article
        answer_first = u.intent in cfg["answer_first_intents"] and conf >= float(cfg["direct"]["beyond_pathway"]) \
            and not (best is not None and u.drugs and _missed_key_term(ret, best))
        if best is not None and ((same and conf >= enough) or conf >= strong or _elsewhere(ret, best, conf, u.question)
                                 or answer_first):
            return Route("answer", answer=best, confidence=conf)
        return Route("pathway", confidence=conf)
    if u.intent in CORE_PATHWAY and u.stage and not asked_treatment and not has_patient and best is not None \
            and best.topic in cfg["side_effect_topics"] and set(u.drugs) & _asked_drugs(load_pack(), best.id) \
            and conf >= float(cfg["direct"]["drug_only"]) and conf - second >= float(cfg["direct"]["staged_effect_margin"]):
        # a side effect of the medicine the message names, far ahead of any other answer, beside a stage told only as
        # background ("15 ... on tacrolimus since march for steroid dependent ns. my hair is coming out loads ... is
        # it the tacro??"): that side effect's answer, not the stage's treatment article
        return Route("answer", answer=best, confidence=conf)
    if u.intent in CORE_PATHWAY and u.stage and not (best is not None and conf >= float(cfg["direct"]["staged"])) \
            and not _elsewhere(ret, best, conf, u.question):
        return Route("pathway", confidence=conf)   # a stage of the course named, and no close direct answer
    if u.intent in CORE_PATHWAY and u.stage and best is not None and other_step and not (
            best.cover_a >= exact_at and best.cover_q >= float(cfg["direct"]["exact_question"])):
        # a stage named, and the closest curated answer is about another step of the pathway ("IV cyclophosphamide
        # after tacrolimus failure" is not "tacrolimus or cyclophosphamide first"): the stage's own article
        return Route("pathway", confidence=conf)
    if u.intent in CORE_PATHWAY and u.stage and best is not None and conf >= float(cfg["direct"]["staged"]) \
            and leads_article(u, best, has_patient=has_patient):
        return Route("pathway", answer=best, confidence=conf)   # that stage's article, led by the curated answer
    missed = _missed_key_term(ret, best) if best is not None and u.drugs and conf < strong else ""
    if missed:
        # the best direct answer misses the point of a short question about a medicine ("Is tacrolimus safe in
        # pregnancy?" is not answered by tacrolimus and food): the statements that speak of both, else say so
        both = _said_with(ret, missed, u.drugs)
        if both:
            return Route("facts", facts=tuple(both[:6]), confidence=both[0].match)
        return Route("not_covered", subject=f"{ret.words.get(missed, missed)} with {' or '.join(d.replace('_', ' ') for d in u.drugs)}",
                     confidence=conf)
    strange = _strange_words(ret) if ret.unknown and conf < strong else []
    if strange and _share(ret, strange) >= float(cfg["direct"]["unknown_share"]) \
            and not (conf >= enough and len(_asked_parts([x for p in _message_parts(u.question) for x in _two_verbs(p)],
                                                          _marked_questions(u.question))) > 1):
        # (a message of several questions with a fair answer: the part naming the strange word is said to be not
        # covered in the first lines, the rest answered - "tac trough in FRNS? flag clarithro, fluconazole?")
        # the question's subject is a word no pack entry uses and that is no typo of one ("homeopathy"): say so,
        # rather than answer the rest of the sentence
        return Route("not_covered", subject=" ".join(strange[:3]), confidence=conf)
    if best is not None and conf >= enough and conf < strong and best.id in load_pack().answers \
            and _opener(load_pack().answers[best.id].family_answer) \
            and _speaks_of_none(u.question, load_pack().answers[best.id]) and not u.stage:
        # the closest answer, a Yes or No, speaks of nothing the question asks ("can I crush the prednisolone
        # tablets and put them in yoghurt?" -> 'Yes. Prednisolone makes children hungry'): its Yes would answer
        # this question; say what is not covered instead
        return Route("not_covered", subject=subject_of(u, ret), confidence=conf)
    if best is not None and conf >= enough:
        # a thing the question names that no pack entry speaks of ("can he eat sushi?"): answered as far as the
        # pack goes, and said to be not covered
        named = [w for w in _strange_words(ret, float(cfg["direct"]["named_thing_zipf"]))
                 if _share(ret, [w]) >= 0.3 and not re.search(r"(?:ed|ing|ly)$", w)]
        return Route("answer", answer=best, confidence=conf, subject=" ".join(named[:2]))
    if u.intent is not None and u.intent not in PATHWAY_INTENTS and best is not None \
            and conf >= float(cfg["direct"]["beyond_pathway"]) and not _missed_key_term(ret, best):
        # complications, supportive care, vaccination, prognosis, daily life: the intent's article is a general
        # list; a direct answer that fits fairly is the better answer to this question
        return Route("answer", answer=best, confidence=conf)
    statements = [h for h in ret.hits if h.kind in ("fact", "recommendation") and h.match >= float(cfg["facts_enough"])]
    asked_for = set(u.drugs) | {d for w, ds in cfg["medicine_words"].items() if _names_any(u.question, [w]) for d in ds}
    if asked_for:
        # a statement about another medicine never answers a question about the child's ("can steroids make her
        # hair fall out?" is not answered by hair loss on cyclophosphamide)
        from nephroguide.answer.retrieve import index

        docs = index().docs
        statements = [h for h in statements if not docs[h.id].drugs or asked_for & docs[h.id].drugs]
    if not statements and u.drugs:
        # a question about a medicine the pack knows: its statements that name it
        from nephroguide.answer.retrieve import index

        docs = index().docs
        statements = [h for h in ret.hits if h.kind in ("fact", "recommendation", "caution")
                      and set(u.drugs) & docs[h.id].drugs]
    pathway = u.intent is not None and (u.explicit_intent or bool(u.stage) or bool(u.drugs) or has_patient
                                        or from_session)
    # an intent read only from a medicine's name ("rash on levamisole") is not a treatment question: the
    # statements on the question's subject answer it, the pathway article only when there are none
    drug_only = not (u.explicit_intent or u.stage or has_patient or from_session)
    if pathway and u.intent in PATHWAY_INTENTS and not (drug_only and statements and not ret.unknown):
        return Route("pathway", confidence=conf)
    if statements and not ret.unknown:
        return Route("facts", facts=tuple(statements[:6]), confidence=statements[0].match)
    if pathway:
        return Route("pathway", confidence=conf)
    if statements:
        return Route("facts", facts=tuple(statements[:6]), confidence=statements[0].match,
                     subject=", ".join(ret.unknown[:3]))
    return Route("not_covered", subject=subject_of(u, ret))


def _stage_intents(stage: Sequence[str]) -> set[str]:
    """The pathway steps of the stages of the course named (understanding.yaml ``stage_intent``)."""
    from nephroguide.answer.understand import rules

    return {str(x["intent"]) for x in rules().raw["stage_intent"] if x["label"] in stage}


def _asked_stems(question: str) -> set[str] | None:
    """The stems of the sentences that ask (end with "?"), when a message also tells ("His eyes are puffy. What
    treatment will he get?"); None for a message of one sentence or with no question mark."""
    from nephroguide.answer.retrieve import index
    from nephroguide.answer.understand import canonicalise, normalise

    sentences = [x for x in re.split(r"(?<=[.!?])\s+", question.strip()) if x]
    asking = [x for x in sentences if x.rstrip().endswith("?")]
    if len(sentences) < 2 or not asking or len(asking) == len(sentences):
        return None
    text = " ".join(asking)
    if re.search(r"\b(?:this|that|it|these|those|they|them)\b", text, re.I):
        return None   # "Is this from the medicine?": the subject is in the sentences before
    stems = set(index().stems(f"{normalise(text)} {canonicalise(normalise(text))[0]}"))
    if not stems - set(settings()["frame_words"]) - _stems_in(" ".join(settings()["frame_words"])):
        return None   # "... trough now 16, creatinine up 35%. what to do?": no subject of its own, the story's
    return stems


def _alias(word: str, drugs: re.Pattern[str]) -> bool:
    """A word the lexicon writes another way ("creat" -> creatinine, "pred" -> prednisolone): the question's terms
    hold its full form too, so it is not counted twice; a medicine's name is never the subject either."""
    from nephroguide.answer.understand import canonicalise

    full = canonicalise(word)[0]
    return full.lower() != word.lower() or bool(drugs.fullmatch(full))


def _subject_cover(ret: Retrieval, hit: Hit, asked: set[str] | None = None) -> float:
    """The share (idf-weighted) of the question's subject terms other than medicine names and words of the
    course of the illness (relapse, SRNS, steroid-resistant ...) that an entry's text holds: "rash on levamisole"
    is about the rash, "statin in SRNS" about the statin. -1 when the question has no such term."""
    from nephroguide.answer.retrieve import index
    from nephroguide.answer.understand import vocabulary

    idx = index()
    names = vocabulary().drug_names
    pattern = vocabulary().drug_pattern
    course = _course_stems()
    terms = [t for t in ret.terms if ret.words.get(t, t) not in names and t.replace(" ", "_") not in names.values()
             and t not in course and (asked is None or t in asked)
             and not t[:1].isdigit()   # "2yo", "18kg": the child's age or size, not the subject
             and not _alias(ret.words.get(t, t), pattern)]   # "pred", "creat": counted in their full form
    total = sum(idx.idf(t) for t in terms)
    if not total:
        return -1.0   # nothing but the medicine's name
    have = idx.terms(hit.id)
    return sum(idx.idf(t) for t in terms if t in have) / total


_COURSE: set[str] = set()


def _course_stems() -> set[str]:
    if not _COURSE:
        from nephroguide.answer.retrieve import index

        idx = index()
        for w in settings()["course_words"]:
            _COURSE.update(idx.analyzer.analyze(str(w)))
    return _COURSE


def _elsewhere(ret: Retrieval, best: Hit | None, conf: float, question: str = "") -> bool:
    """The question names a stage or a medicine, but its subject is another topic (a clot, a statin, the thyroid,
    a side effect, a vaccine): a fitting direct answer from that topic answers it, not the treatment article."""
    cfg = settings()["direct"]
    if best is None or conf < float(cfg["elsewhere"]):
        return False
    if settings()["topic_intent"].get(best.topic) in CORE_PATHWAY:
        return False
    return _subject_cover(ret, best, _asked_stems(question)) >= float(cfg["elsewhere_subject"])


def _strange_words(ret: Retrieval, common: float | None = None) -> list[str]:
    """The question's words no pack entry uses that name a thing: not a typo of a word nephroguide knows, and
    not an everyday English word (wordfreq: "handled", "Ohio" are common; "homeopathy", "lice", "deflazacort"
    are not; ``common``: the Zipf frequency from which a word counts as everyday)."""
    from wordfreq import zipf_frequency

    common = float(settings()["direct"]["common_word_zipf"]) if common is None else common
    return [w for w in ret.unknown if zipf_frequency(w, "en") < common and not _known_or_typo(w.lower())]


def _known_or_typo(word: str) -> bool:
    """A word nephroguide knows, a typo of one ("docter"), or the stem of a known name ("nphs" of NPHS1)."""
    from rapidfuzz import fuzz, process

    from nephroguide.answer.understand import vocabulary

    known = vocabulary().known
    return word in known or any(k.startswith(word) for k in known if len(k) <= len(word) + 2) or \
        process.extractOne(word, known, scorer=fuzz.ratio, score_cutoff=80) is not None


def _share(ret: Retrieval, words: Sequence[str]) -> float:
    """The share (idf-weighted) of the question's subject terms made by these words."""
    from nephroguide.answer.retrieve import index

    idx = index()
    total = sum(idx.idf(t) for t in ret.terms)
    low = {w.lower() for w in words}
    return sum(idx.idf(t) for t in ret.terms if ret.words.get(t, t).lower() in low) / total if total else 0.0


def names_a_study(u: Understanding) -> bool:
    """The question names one of the pack's studies (first author or acronym: "Haddad 2021", "FSGS-CT"): its
    evidence section answers it."""
    from nephroguide.answer.understand import vocabulary

    return bool(vocabulary().study_pattern.search(u.text))


def _missed_key_term(ret: Retrieval, hit: Hit) -> str:
    """The question's most specific subject term (the rarest in the pack) when the answer says nothing of it:
    "Is tacrolimus safe in pregnancy?" is not answered by tacrolimus and food. Empty otherwise."""
    from nephroguide.answer.audience import is_easy_word
    from nephroguide.answer.retrieve import index

    idx = index()
    from nephroguide.answer.understand import canonicalise, vocabulary

    drug_names = vocabulary().drug_names
    pattern = vocabulary().drug_pattern
    known = [t for t in ret.terms if ret.words.get(t, t) not in drug_names
             and t.replace(" ", "_") not in drug_names.values() and len(ret.words.get(t, t)) >= 4
             and not pattern.fullmatch(canonicalise(ret.words.get(t, t))[0])]   # "pred", "tac": a medicine's short name
    subject = [t for t in known if not is_easy_word(ret.words.get(t, t))]   # not "tips", "right", "safe"
    if len(known) > 2 or not subject:   # a short question beside the medicine: each subject word is its point
        return ""
    key = max(subject, key=lambda t: (idx.idf(t), t))
    return "" if key in idx.terms(hit.id) else key


def _said_with(ret: Retrieval, term: str, drugs: Sequence[str]) -> list[Hit]:
    """The retrieved statements (not direct answers, which were weighed already) that hold the term and name
    one of the medicines, best first."""
    from nephroguide.answer.retrieve import index

    idx = index()
    return [h for h in ret.hits if h.kind in ("fact", "recommendation", "caution") and term in idx.terms(h.id)
            and set(drugs) & idx.docs[h.id].drugs]


def uncovered_conditions(u: Understanding, r: Route) -> list[str]:
    """Other diseases the question names that the chosen answer does not speak of."""
    from nephroguide.answer.retrieve import index

    idx = index()
    chosen = r.answer.id if r.answer is not None else (r.facts[0].id if r.facts else None)
    if chosen is None:
        return list(u.off_topic)
    terms = idx.terms(chosen)
    out = []
    for name in u.off_topic:
        if not set(idx.stems(name.lower())) <= terms:
            out.append(name)
    return out


def fallback_route(u: Understanding, ret: Retrieval) -> Route | None:
    """When the intent's article has nothing: the best direct answer, if it is at least a fair match."""
    best, conf = _answer_confidence(u, ret)
    if best is not None and conf >= float(settings()["direct"]["fallback"]):
        return Route("answer", answer=best, confidence=conf)
    return None


def off_topic_named(u: Understanding) -> str:
    """The other conditions a question names, as the reader typed them with the group they belong to
    ("eczema (skin disease)", "HUS (hemolytic uremic syndrome)")."""
    from nephroguide.answer.understand import rules

    r = rules()
    out = [_named_as_typed(u.question, name, patterns) for name, patterns in [*r.off_diseases, *r.off_other]
           if name in u.off_topic]
    return ", ".join(out[:2]) or ", ".join(u.off_topic[:2])


def off_topic_subject(u: Understanding) -> str:
    """What a question about another condition asks, named for the not-covered line: the medicine it asks about
    with the condition, and whom ("statins for heart attack (heart disease) in adults"), so the reader sees the very
    subject that is not covered."""
    named = off_topic_named(u)
    pattern = re.compile(settings()["unknown_medicine"], re.I)
    medicine = next((w for w in re.findall(r"[A-Za-z]{4,}", u.question) if pattern.search(w.rstrip("s"))), None)
    medicine = medicine or next(iter(_medicines_in(u.question)), None)
    subject = f"{medicine.lower()} for {named}" if medicine and named else named
    if (u.adult or grown_up_patient(u)) and "adult" not in subject.lower():
        subject = f"{subject} in adults"
    return subject


def _with_story_condition(question: str, named: str) -> str:
    """A part's uncovered subject with the condition the message's story names in the same group, as typed
    ("steroid cream (skin disease)" asked about "terrible eczema": "steroid cream for eczema (skin disease)")."""
    from nephroguide.answer.understand import rules

    r = rules()
    for name, patterns in [*r.off_diseases, *r.off_other]:
        if f"({name})" not in named:
            continue
        whole = _named_as_typed(question, name, patterns)
        typed = whole.split(" (")[0]
        if typed and typed != name and typed.lower() not in named.lower():
            return named.replace(f" ({name})", f" for {whole}")
    return named


def _named_as_typed(question: str, name: str, patterns: Sequence[re.Pattern[str]]) -> str:
    """Another condition as the reader typed it, with the group it belongs to ("eczema (skin disease)"); the group
    alone when the words typed are not found or already say it."""
    from nephroguide.answer.understand import normalise

    text = normalise(question)
    m = next((m for p in patterns for m in [p.search(text)] if m), None)
    typed = question[m.start():m.end()] if m is not None and len(text) == len(question) else \
        (m.group(0) if m is not None else "")
    return f"{typed} ({name})" if typed and typed.lower() not in name.lower() else name


_NOT_A_NOUN = frozenset(["a", "an", "the", "my", "his", "her", "their", "our", "your", "its", "get", "gets", "got",
                         "getting", "have", "has", "having", "had", "be", "been", "being", "is", "are", "was", "were",
                         "go", "going", "do", "does", "did", "can", "could", "will", "would", "should", "to", "of",
                         "for", "and", "or", "not", "no"])


def _with_its_noun(question: str, word: str) -> str:
    """An unknown verb form with the noun before it, as typed ("ears pierced", "ear piercing", "hair dyed"), so
    the not-covered line names a subject rather than a participle."""
    if not re.search(r"(?:ed|ing)$", word, re.I):
        return word
    m = re.search(rf"\b([a-z]{{3,}})\s+{re.escape(word)}\b", question, re.I)
    return f"{m.group(1)} {word}" if m and m.group(1).lower() not in _NOT_A_NOUN else word


def subject_of(u: Understanding, ret: Retrieval) -> str:
    """The question's subject the pack holds nothing on: other diseases named, else words it never uses,
    else its rarest words."""
    if u.off_topic:
        return off_topic_named(u)
    if ret.unknown:
        return " ".join(_with_its_noun(u.question, w) for w in ret.unknown[:3])
    from nephroguide.answer.audience import is_easy_word
    from nephroguide.answer.retrieve import index
    from nephroguide.answer.understand import vocabulary

    idx = index()
    voc = vocabulary()
    medicine = [ret.words[t] for t in ret.terms if voc.drug_pattern.fullmatch(ret.words[t].lower())
                or _names_any(ret.words[t], list(settings()["medicine_words"]))]
    rest = [t for t in ret.terms if ret.words[t] not in medicine]
    # (an everyday reading added to the words typed is not named: "capital of France" is not "abroad france")
    from nephroguide.answer.understand import rules as understanding_rules

    added = set(understanding_rules().raw["normalise"].get("not_domain_readings") or ())
    rest = [t for t in rest if ret.words[t].lower() not in added] or rest
    terms = [t for t in rest if not is_easy_word(ret.words[t])] or rest or list(ret.terms)
    ranked = sorted(terms, key=lambda t: (-idx.idf(t), t))
    words = [ret.words[t] for t in ranked[:2]]
    ordered = [ret.words[t] for t in ret.terms if ret.words[t] in words]
    if medicine and rest:   # "hair fall with steroids", not "steroids": the pack speaks of the medicine
        return f"{' '.join(ordered)} with {medicine[0]}"
    return " ".join(ordered)


_DOSE_PLUS = re.compile(r"(?<=\bdose)\s*[+&]\s*(?=(?:monitoring|duration|side effects|adverse effects|how long|blood tests)\b)",
                        re.I)
_PARTS = re.compile(r"\?[?!]*\s*|!+\s+|;\s*|,\s*(?:and\s+)?|"
                    r"(?:(?<=\beffects)|(?<=\brisks))\s+(?=(?:what|which|how)\s)|"   # ("levamisole side effects what monitoring")
                    r"\s+but\s+(?=(?:i|we)\s+(?:don'?t|do not|dont)\s+(?:really\s+|quite\s+)?(?:understand|know|get)\s+(?:why|what|how)\b)|(?:\s+and|:)\s+(?=(?:can|could|does|do|did|is|are|should|will|would|how|"
                    r"what|which|when|why|who)\b)|"
                    r"\s+[-–—]\s+(?=(?:what|which|how|when|why)\s+\w+\s*\??\s*$)|"   # ("... vomiting - what imaging?")
                    # ... and a question of its own after a dash ("... cold peripheries - how do I distinguish
                    # hypovolaemia from overload, and ...?")
                    r"\s+[-–—]\s+(?=(?:how|what|which|when|why) (?:do|does|should|can|is|are) (?:i|we|you|it|he|she|they)\b)|"
                    # ... and a yes/no question after a dash ("... ciclosporin 20 mg tds - is tds ok at this age?")
                    # (not "should we ...?" after a question of its own: "Is that gonadotoxic - should we offer sperm
                    # banking?" asks one thing)
                    r"\s+[-–—]\s+(?=(?:is|are|can|could|does|do|will|would) (?:it|this|that|he|she|they|i|we|"
                    r"tds|bd|the|his|her|a|an)\b[^-–—]*\?)|"
                    r"(?:(?<=\bsteps)|(?<=\bthings)|(?<=\bquestions)|(?<=\bplan)|(?<=\boptions))\s*:\s+(?=[\w-]+(?:\s[\w-]+){0,2}\s*\?)|"
                    #   ("next steps: biopsy? genetics?": the first of a list of short questions)
                    # a numbered list ("Four things: 1) can she ... 2) ..."), not an age in brackets ("my grandson (7)
                    # has ...")
                    r"(?:^|\s|:)" + "".join(rf"(?<!\b{w} )" for w in ("son", "daughter", "grandson", "granddaughter", "boy",
                                                                       "girl", "child", "kid", "brother", "sister",
                                                                       "baby", "he", "she", "nephew", "niece"))
                    + r"\s*\(?\d{1,2}\)\s+", re.I)


def off_parts(u: Understanding) -> tuple[str, list[str], list[PartLine]] | None:
    """A message that asks several things, some about another condition or about adults: the other parts (as one
    text), what the set-aside parts are about, and each set-aside part with its line for the summary. None when
    the message is one question, or every part (or none) is elsewhere."""
    from nephroguide.answer.understand import canonicalise, normalise, rules

    # (a bracket about the person asking is one piece: "should I (his dad, 50, with angina) take one too?"; not a
    # list of what is asked about: "which interactions matter (clarithromycin, fluconazole, grapefruit)?")
    question = re.sub(r"\((?=\s*(?:(?:his|her|my|their|our|the)\s+(?:dad|mum|mom|mother|father|brother|sister|wife|"
                      r"husband|partner|grand\w*|uncle|aunt|cousin)|i am|i'm|im|me)\b)[^()]*\)",
                      lambda m: m.group(0).replace(",", " ").replace(";", " "), u.question, flags=re.I)
    parts = [p.strip() for p in _PARTS.split(question) if p and len(re.findall(r"[A-Za-z]{3,}", p)) >= 2]
    if len(parts) < 2:
        return None
    names: list[str] = []
    keep: list[str] = []
    aside: list[PartLine] = []
    medicines = _drug_words(question)
    for part in parts:
        # ("... started mycophenolate ... the leaflet says it can cause cancer, is that true?": what "it" causes is
        # the named medicine's side effect, not another condition)
        found = _part_elsewhere(_IT_CAUSES.sub(medicines[-1], part) if medicines else part)
        if found:
            names.extend(n for n in found if n not in names)
            if _ASKING.match(part) or re.search(re.escape(part) + r"\s*\?", question):
                # (asked with its question mark, in any words: "derm wants to start isotretinoin for acne. ok?")
                aside.append(PartLine(part, "", None, tuple(found)))
        else:
            keep.append(part)
    # a story about the other condition, with nephrotic syndrome named only in a question ("... his wee is dark like
    # cola, the GP said maybe post strep something. is this the same thing as nephrotic syndrome? what is the
    # treatment?"): every question is about that condition
    told = [p for p in parts if not _ASKING.match(p)]
    if any(_part_elsewhere(p) for p in told) and \
            not any(c.search(canonicalise(normalise(p))[0]) for p in told for c in rules().ins_cues):
        return None
    # a question comparing the other condition with nephrotic syndrome is about the other condition ("my son has IgA
    # nephropathy ... does he need steroids like the nephrotic kids?")
    likened = [p for p in keep if names and _ASKING.match(p) and _LIKENED.search(p)]
    keep = [p for p in keep if p not in likened]
    aside.extend(PartLine(p, "", None, tuple(names)) for p in likened)
    if not keep or not names or all(_TELLING.match(p) for p in keep):
        return None   # ... or every question asked is elsewhere ("im 16 and on tacrolimus, can i get a tattoo?")
    if aside and all(_leans_on_story(p) and not _own_subject(p) and _POINTING.search(p) for p in keep):
        return None   # ... or the rest only points back at what was set aside ("... terrible eczema, which steroid
        #               cream is best and how often do i put it on?")
    rest = question
    for part in parts:
        if part not in keep:   # the rest of the message as written, so short pieces ("relapse, 30 kg") stay
            rest = re.sub(r"(?:[,;]\s*|\s+)?(?:\band\s+)?" + re.escape(part) + r"\s*\??", " ", rest, count=1)
    rest = re.sub(r"\s+", " ", re.sub(r"\?\s*[,;]", "?", rest)).strip(" ,;")
    return (rest if rest.endswith("?") else f"{rest}?"), names, aside


# what someone wants to do or give, told as a statement, is asked about ("mum wants ibuprofen for fever", "my husband
# wants to cut the dose down himself")
# (not the team's plan told: "They want to start levamisole.", "the consultant wants to stop the tacrolimus")
_REQUEST = re.compile(r"(?<!\bthey )(?<!\bdoctors )(?<!\bdoctor )(?<!\bteam )(?<!\bconsultant )(?<!\bnephrologist )"
                      r"(?<!\bhospital )(?<!\bspecialist )(?<!\bpaediatrician )(?<!\bpediatrician )(?<!\bgp )(?<!\bdr )"
                      r"(?<!\bdietitian )(?<!\bdietician )(?<!\bnurse )(?<!\bpharmacist )"
                      r"\b(?:wants?|wanting|would like|keeps? asking|is asking|are asking|asks)\s+(?:to\s+)?(?:\w+\s+){0,2}?"
                      # (not "me and my bf want to start having sex": a plan of their own, told)
                      r"(?:give|giving|start(?!\s+(?:having|a family|trying|dating|school|nursery|uni\w*|college|work|a job)\b)|"
                      r"stop|cut|lower|reduce|change|skip|miss|try|use|buy|ibuprofen|nurofen|"
                      r"paracetamol|calpol|antibiotics?|vaccin\w*|jabs?|homeopath\w*|herbal)\b|"
                      r"\b(?:asks?|asking|wants to know|wondering)\s+(?:for\s+(?:\w+\s+){1,4}?and\s+)?(?:if|whether)\b|"
                      # ("her parents have asked me to find out whether this is a known effect ...")
                      r"\basked (?:me|us|him|her|them) to (?:find out|check|ask)\s+(?:if|whether|what|how|why)\b|"   # ("the nurse asks if MMR can go ahead"; "school is asking for a letter and whether ...")
                      # ... and what the reader says they do not understand ("I don't really understand why")
                      r"\b(?:(?:do not|don'?t|dont) (?:really |quite |fully )?(?:understand|know|get)|(?:am |i'?m |im )?not (?:really )?sure)\s+(?:why|what|how|when|whether|if)\b|"
                      # a subject asked in shorthand after a dash ("on rituximab for SDNS - hypogammaglobulinaemia monitoring,
                      # PJP prophylaxis needed?")
                      r"\s[-–:]\s*[^-–:?]{0,40}\b(?:monitoring|timing|work-?up|mx|plan)\s*$|"
                      # ... and a dose or level asked in a list before the message's question ("tacrolimus for SDNS
                      # 8yo - usual starting dose, target trough, and which interactions matter?"); not one told ("on a
                      # low dose", "his dose")
                      r"^(?:(?!\b(?:on|is|was|are|were|takes|taking|given|gets|at|after|with|within|above|below|no)\b).)*?(?<!\blow )(?<!\bhigh )(?<!\bfull )(?<!\bsame )"
                      r"(?<!\bthat )(?<!\bthis )(?<!\bher )(?<!\bhis )(?<!\btheir )"
                      r"\b(?:(?:usual|starting|initial|target|max(?:imum)?|daily|loading) )?(?:dose|dosing|trough|level)s?"
                      r"(?:\s+(?:target|range|goal)s?)?(?:\s+(?:in|for)\s+(?:srns|ssns|frns|sdns|ns|relapse|children|kids|infants?))?\s*$|"   # ("tac trough target in SRNS")
                      # a complaint told beside the questions ("... he also says his tummy hurts after tablets")
                      # (an added complaint only: "he says his tummy really hurts" is the story of a danger sign)
                      r"\balso\s+(?:says|said|complains?|complaining|keeps saying)\b[^.?]{0,30}\b(?:hurts?|aches?|pain\w*|sore)\b|"
                      r"^\s*[\w-]+(?:\s[\w-]+)?\s+(?:or|vs\.?|versus)\s+[\w-]+(?:\s[\w-]+){0,3}\s*$", re.I)   # ("tac or CsA first line")

_LIKENED = re.compile(r"\b(?:like|as with|as for|as in|same as|same thing as|the same as|similar to)\s+(?:the\s+|other\s+|children with\s+|kids with\s+)?"
                     r"(?:nephrotic|ns\b|minimal change)", re.I)


def likens_to_ns(question: str) -> bool:
    """The message names nephrotic syndrome only to compare another condition with it."""
    return bool(_LIKENED.search(question))


def grown_up_patient(u: Understanding) -> bool:
    """A patient stated grown up (``adult_age_years`` or older) in a message that names no child ("adult 45M
    membranous ...", "45yo adult with new MCD"): the children's rules are not the answer."""
    return (u.detail("age_years") or 0) >= float(settings()["adult_age_years"]) and names_no_child(u.question)


def names_no_child(question: str) -> bool:
    return not re.search(settings()["child_words"], question, re.I)


# a part that tells about the child or the asker ("im 16 and on tacrolimus", "my son is 4")
_TELLING = re.compile(r"^\s*(?:hi\W+)?(?:i|im|i'm|i am|ive|i've|my|our|he|she|we|his|her|he's|she's)\b(?!.*\?$)", re.I)


_LIKENED_OTHER = re.compile(r"\b(?:like|as with|the way)\s+(?:(?:the|other|most)\s+)?(?:\w+\s+){1,2}?"
                            r"(?:patients?|people|sufferers|kids|children)\b(?:\s+(?:do|get|have|are))?", re.I)


def _other_conditions(part: str, *, diseases_only: bool = False) -> list[str]:
    """The other conditions one part of a message names (understanding.yaml ``off_topic_diseases``, and unless
    ``diseases_only`` its other subjects), as typed with their group; not one named only to liken the child to it
    ("... be sick like cancer patients?"), nor, among the other subjects, one asked as an effect of the child's
    medicine ("... on the steroids or will it give her diabetes")."""
    from nephroguide.answer.understand import canonicalise, medicine_effect_asked, normalise, rules

    r = rules()
    text = _LIKENED_OTHER.sub(" ", canonicalise(normalise(part))[0])
    others = [] if diseases_only or medicine_effect_asked(text) else r.off_other
    return [_named_as_typed(part, name, ps) for name, ps in [*r.off_diseases, *others] if any(p.search(text) for p in ps)]


def _other_disease_dosed(part: str, asked: str) -> str:
    """A dose asked for another condition the part names ("if it's lupus nephritis, what doses?"): that condition,
    as typed; empty otherwise."""
    if not (_DOSE_ASKED.search(asked) or _DOSE_WORDS.search(asked)):
        return ""
    return next(iter(_other_conditions(part, diseases_only=True)), "")


def _part_elsewhere(part: str) -> list[str]:
    """What one part of a message is about when that is outside the pack: another condition, adults (not a child
    with nephrotic syndrome), or something no pack entry speaks of; empty when the part is about the pack's subject."""
    from nephroguide.answer.understand import canonicalise, normalise, rules, vocabulary

    r = rules()
    text = _LIKENED_OTHER.sub(" ", canonicalise(normalise(part))[0])
    found = _other_conditions(part)
    about_ns = any(p.search(text) for p in r.ins_cues) or bool(vocabulary().drug_pattern.search(text))
    if not found and any(p.search(text) for p in r.adult) and not about_ns:
        found = ["the part about adults"]   # "how are adults treated?", but not "24 year old with childhood SSNS relapsing"
    if not found and not about_ns and _ASKING.match(part):
        found = _unknown_subject(part)   # "and can I swap to deflazacort?": nothing in the pack speaks of it
    return found


_ASKING = re.compile(r"^(?!\s*which\s+(?:\w+ed|made|makes|scares|worries|upsets|frightens)\s+(?:me|us|him|her|them)\b)"
                    # (a relative clause is no question: "... maybe a biopsy, which terrified me")
                    r"(?!\s*(?:(?:and|also|plus|or|but|so)\s+)*(?:are|were)\s+(?:starting|stopping|giving|sending|trying|"
                    r"planning|waiting|hoping|thinking|worried)\b)"   # ("... want to do a biopsy and are starting tacrolimus")
                    r"\s*(?:(?:and|also|plus|or|but|so)\s+)*(?:(?:with|using) (?:what|which)\b|"
                    # ("Any pediatric SRNS data for repository corticotropin")
                    r"any\s+(?:[\w-]+\s+){0,3}?(?:data|evidence|experience|studies|trials?|role|place)\s+(?:for|on|with|of|in|about)\b|"
                    # ("every time he relapses does he have to go back into hospital")
                    r"(?:every time|each time|whenever)\s+(?:[\w']+\s+){1,5}?(?:does|do|will|should|can|is|are|must|"
                    r"has|have)\s+(?:he|she|they|it|we|i|you)\b|"
                    # ("in steroid resistant NS what proportion is genetic")
                    r"(?:in|for|among|amongst)\s+(?:[\w-]+\s+){1,4}?(?:what|which|how)\s+(?:proportion|percentage|"
                    r"percent|share|fraction|many|much|often|common|is|are|do|does)\b|(?:at|by|from|for|in|to|with|after|until|over) (?:what|which|how)\s+"
                    r"(?:\w+\s+)?(?:point|stage|time|age|level|number|reading|day|week|dose|much|many|long)\b|"
                    r"can|could|is|are|am(?=\s+i\s+(?:doing|making|wrong|right|overreacting|worrying|being)\b)|"
                    r"was(?=\s+(?:it|that|this)\s+(?:our|my|his|her|their|something|anything|because|the)\b)|should|will|would|does|do|did|what|whats|which|who|where|"
                    r"how|when|why|may|might|must|(?:has|have)(?!\s+(?:a|an|no|some|had|got|his|her|their|steroid\w*|nephrotic|ns|ssns|srns|frns|sdns|been)\b)|explain|describe|compare|contrast|summari[sz]e|outline|discuss)\b"
                    # ... not a clause that goes on telling ("... and is on full dose pred again", "has been 3+")
                    r"(?!\s+(?:on|in|at|off|been|now|still|back|being|having|taking|doing|getting|going|feeling|"
                    r"constantly|always|really|very|quite|never|also|becoming|(?:my|his|her|our|their) own)\b)"
                    # ... nor one that says what the child cannot do ("and can't concentrate on the steroids"), unlike
                    # "can't he go?"
                    r"(?!['’]?t\s+(?!(?:i|we|he|she|they|you|it)\b))",
                    re.I)   # ("im 13 and do my own dipsticks": telling, not asking)


# a question about whether what the story told will change ("will it stop when the dose comes down?", "will this go
# away?"): its subject is the story's, whatever else it names
_CHANGE_BACK = re.compile(r"^\s*(?:and\s+|so\s+)?(?:how long\s+)?(?:will|does|do|would|can|could|is|are)\s+(?:it|this|that|these|they|"
                          r"those|all this|all that)\s+(?:\w+\s+)?(?:stop|go away|go back|settle|wear off|get better|"
                          r"improve|pass|ease|calm|disappear|last)\b", re.I)
# question words among a part's subject terms: "when to start?" has one subject word, and leans on its story
_ASKING_TERMS = frozenset({"when", "what", "how", "which", "who", "where"})
# what a question asks to have or give is what the message told just before ("The school is doing the nasal spray
# flu vaccine next week. Can my daughter have it while shes on prednisolone?")
_APPLIED = re.compile(r"\b(?:put|rub|apply|use|spray|give)\s+(?:it|them)\b|\bapply\b", re.I)
_POINTING = re.compile(r"\b(?:it|them|this|that|these|those)\b", re.I)
# a question whose "them" or "it" is the subject of the question just before ("will it stop me joining the army? do
# i have to tell them")
# the question before asked again of a brother or sister ("... nasal flu vaccine next week - can he have it? And his
# younger sister?"): the same question, of her - never whether she will get nephrotic syndrome
_SAME_QUESTION_OF_SIBLING = re.compile(
    r"^\s*(?:and|what about|how about|and what about|also)\s+(?:(?:his|her|their|my|our|the)\s+)?(?:(?:younger|older|little|"
    r"big|baby|twin)\s+)?(?:sister|brother|sibling|siblings|sis|bro|twin|brothers and sisters)s?\s*\??\s*$", re.I)
# ... a vaccine, as a question before names it (the nasal spray too)
_SIBLING_VACCINE = re.compile(r"\b(?:\w+\s+){0,2}(?:mmr|vaccin\w*|jabs?|booster|immunis\w*|immuniz\w*|bcg|(?:nasal|flu)\s+spray)\b", re.I)
_ASKED_OF_QUESTION_BEFORE = re.compile(
    r"\b(?:tell|inform|warn)\s+(?:them|him|her)\b|\b(?:declare|disclose|mention)\s+it\b|"
    # ("... does he need the pneumococcal jab? is it safe on steroids, and won't it set off a relapse?": the jab)
    r"^\s*(?:and\s+)?(?:won'?t|will|would|does|doesn'?t|can|could|might)\s+(?:it|that|this)\s+"
    r"(?:\w+\s+)?(?:set off|cause|trigger|bring on|start)\b|"
    # ("does starting that young mean its genetic? And does it make it less likely she'll grow out of it?": starting young)
    r"^\s*(?:and\s+)?(?:does|doesn'?t|will|would|could|might)\s+(?:it|that|this)\s+make\s+(?:it|her|him|them)\s+"
    r"(?:less|more)\s+likely\b|" + _SAME_QUESTION_OF_SIBLING.pattern, re.I)
_OBJECT_PRONOUN = re.compile(r"\b(?:have|get|give)\s+(?:it|them|this one|that one)\b", re.I)
# a plan the story told, pointed at ("... wants IV dexamethasone pulses + oral cyclo. What is the evidence for that
# protocol?")
_THAT_PLAN = re.compile(r"\b(?:that|this|these|those|such an?|the same)\s+(?:protocols?|regimens?|plans?|approach|options?|"
                        r"ideas?|combination|combo|schedules?|suggestions?|proposals?|strategy)\b", re.I)
# a question that asks what a term means or how it is defined
_TERM_ASKED = re.compile(r"\bwhat (?:is|are|does|do|'s)\b|\bdefin\w*|\bmeaning\b|\bstands? for\b|\bcriteria\b|"
                         r"\bcounts? as\b|\bclassif\w*|\b(?:is|does) (?:this|it|that|he|she) (?:\w+ )?(?:count|called)\b", re.I)
# an exam question that points at its stem ("Which statement is correct?", "which is the best description?")
_SBA_ASK = re.compile(r"^\s*(?:so\s+)?which\s+(?:one\s+|of the following\s+)?(?:(?:statement|option|answer|interpretation|"
                      r"description)\s+)?(?:is|would be|best)\s+(?:the\s+)?(?:correct|true|best|most (?:likely|accurate|"
                      r"appropriate)|right|false|incorrect)\b", re.I)
# "it" as what causes or gives something ("the leaflet says it can cause cancer")
_IT_CAUSES = re.compile(r"\b(?:it|they)\b(?=\s+(?:(?:can|could|may|might|will|would|does|do)\s+)?(?:cause|give)s?\b)", re.I)
# a medicine taken or given, by pronoun ("can he take it with breakfast?")
_TAKEN_PRONOUN = re.compile(r"\b(?:take|give|have)\s+(?:it|them)\b", re.I)
# a statement about "it" ("the leaflet says it can cause cancer")
_IT_SAID = re.compile(r"\b(?:says?|said|told|reads?)\b.*\b(?:it|they)\s+(?:can|could|may|might|will|does|do|causes?|gives?)\b",
                      re.I)


# what someone else said, even with a question mark ("the optician said I have the start of a cataract??"): told
_REPORTED = re.compile(r"^(?!.*\b(?:but|so|and)\s+(?:is|isnt|isn't|are|aren't|can|does|doesn't|do|should|will|would|what|"
                       r"why|how)\b)\s*(?:the|my|our|his|her)\s+\w+\s+(?:said|says|told|thinks|thought|reckons)\b", re.I)
# a question asked in shorthand, its question words last ("continue how long", "taper when")
_SHORTHAND_ASK = re.compile(r"^\s*[\w/-]+(?:\s+[\w/-]+){0,2}\s+(?:for )?(?:how long|how often|how much|when|what dose|which dose)"
                            r"\s*\??\s*$", re.I)
# a question that checks what the message just told ("is that true?", "is it right?")
_MONITORING_ASKED = re.compile(r"\b(?:bloods?|blood tests?|monitoring|monitor|checks?)\b", re.I)


def _proposed_medicine(story: Sequence[str]) -> str | None:
    """The medicine the story last proposes to start ("the consultant is considering oral cyclophosphamide")."""
    return next((m for m in (_proposed_in(x) for x in reversed(story)) if m is not None), None)


_GOING_ASKED = re.compile(r"\b(?:go|come|attend|stay over|join in)\s*\??\s*$", re.I)
_CLAIM_CHECK = re.compile(r"^\s*(?:(?:and|but|so)\s+)?(?:is|was|are) (?:that|it|this|she|he|they|the (?:nurse|doctor|gp|school)) "
                          r"(?:really |actually )?(?:true|right|correct|so|wrong|out of date)\b", re.I)
# a dose forgotten, missed or thrown up ("what if I forget a dose?") asks what to do, not how much
_MISSED_DOSE = re.compile(r"\b(?:forg[eo]t\w*|miss(?:ed|es|ing)?|skip\w*|sick up|vomit\w*|threw up|throws? up)\b[^?.]{0,25}"
                          r"\bdos(?:e|es)\b", re.I)
_VACCINE_ASKED = re.compile(r"\b(?:mmr|vaccin\w*|jabs?|booster|immunis\w*|immuniz\w*|bcg)\b", re.I)
# ... with the words before it that name which ("the pneumococcal vaccine")
_NAMED_VACCINE = re.compile(r"\b(?:\w+\s+){0,2}" + _VACCINE_ASKED.pattern, re.I)
# a statement going on after "and", in a message whose questions are marked ("my son is 16 and is moving to the adult
# clinic next year. what actually changes for him?"): told, not asked
_STATEMENT_GOES_ON = re.compile(r"^\s*(?:is|are|was|were)\s+(?:\w+ing|going|been|now)\b(?!.*\?)", re.I)
# a vaccine a question names only as "the vaccine" (typed "vacine" too), and the one a story names
_THE_VACCINE = re.compile(r"\b(?:the|that|this|his|her|their) (?:vac+c?ines?|jabs?|boosters?|shots?)\b", re.I)
_WHICH_VACCINE = re.compile(r"\b(mmr|bcg|(?:varicella|chicken ?pox|nasal (?:spray )?flu|flu|pneumococcal|hpv|meningococcal|"
                            r"yellow fever|rotavirus|polio|typhoid)(?=\s+(?:vaccines?|vaccinations?|jabs?|boosters?|drops|shots?|"
                            r"injections?|sprays?)\b))\b", re.I)   # (a vaccine named as one: "had chickenpox last year" is no jab)


# a choice between two things, asked without a yes/no verb ("Biopsy or genetics first?", "tac or CsA?")
_CHOICE_ASKED = re.compile(r"^\s*[\w+/-]+(?:\s[\w+/-]+)?\s+or\s+[\w+/-]+(?:\s[\w+/-]+)?\s*(?:first|next|better|now)?\s*\??\s*$", re.I)


def _subject_terms(part: str) -> frozenset[str]:
    """A part's subject terms, its question words and the words that frame a question ("what", "happen") aside."""
    return _part_terms(part) - _ASKING_TERMS - set(settings()["frame_words"])


@functools.lru_cache(maxsize=256)
def _leans_on_story(part: str) -> bool:
    """A question of no subject word of its own, question and frame words and words that need a subject aside ("how
    common is it?", "what are the signs I should look out for?", "when to start?"): it leans on what the message told
    before it."""
    return not (_subject_terms(part) - set(settings()["story_subject_words"]) - _medicine_stems()) \
        and not re.search(settings()["own_subject_people"], part, re.I)   # ("... first steps? pred?")


# whether a choice the story told was right ("... ive read this drug can cause infertility ... Am I doing the wrong
# thing agreeing to it"): about what was told just before
_RIGHT_THING = re.compile(r"^\s*(?:am|are|was|were)\s+(?:i|we)\s+(?:doing\s+)?(?:the\s+)?(?:right|wrong)\b|"
                          r"^\s*(?:did|have)\s+(?:i|we)\s+(?:do(?:ne)?|make|made)\s+(?:the\s+)?(?:right|wrong)\b", re.I)
_GIVE_MORE = re.compile(r"\b(?:give|giving|take|taking)\b[^.?]{0,25}\b(?:extra|more|another|double|again)\b|"
                        r"\b(?:extra|double|another)\s+(?:dose|tablet)", re.I)
_PAST_MEDICINE = re.compile(r"\b(?:was on|were on|used to (?:be on|take)|stopped|came off|come off|been off|"
                            r"off everything|till|until|previously)\b", re.I)
_TIME_WORDS = frozenset({"point", "time", "stage", "day", "soon", "later", "ever"})
_YES_OR_NO = re.compile(r"\s+(?:y/n|yes/no|yes or no)\b\s*\??", re.I)
_INTERJECTION = re.compile(r"\s*\b(?:lol|lmao|haha+|hehe)\b(?=\s+(?:is|are|can|could|will|would|does|do|should)\s)", re.I)
# whether what was just told goes with the medicines taken ("... want me to go on the pill, is that ok with my meds or
# does the mmf stop it working?"): about what was told, however many words of its own the question has
_OK_WITH_MEDICINES = re.compile(r"^\s*(?:and\s+)?(?:is|would|will)\s+(?:that|this|it)\s+(?:be\s+)?(?:ok|okay|alright|safe|fine)\s+"
                                r"(?:with|on|alongside)\s+(?:my|his|her|their|the|your)\s+(?:meds|medicines?|medications?|tablets?|drugs)\b",
                                re.I)
_VERSUS = re.compile(r"^[^.]{0,60}\b(?:vs\.?|versus)\s+\S", re.I)   # a comparison in shorthand is a question
# instead of the medicine the story named ("... on ciclosporin ... hair on her arms ... Is there something else she
# could take instead?"): read with the story, whatever words of its own it has
_SOMETHING_ELSE = re.compile(r"^\s*(?:and\s+|so\s+)?(?:is there |are there )?(?:something|anything|any\w*) else (?:\w+\s+){0,4}?"
                             r"(?:take|have|try|use|go on)(?:\s+instead)?\s*\??\s*$", re.I)
_REFERRING = re.compile(r"^\s*(?:and\s+|so\s+)?(?:(?:\w+\s+){0,2}(?:this|that|it|these|those|they|them)\b|how long (?:does|will|do) (?:this|that|it) (?:last|go on)\b|"
                        r"(?:is there |are there )?(?:something|anything|any\w*) else (?:\w+\s+){0,4}?(?:take|have|try|use|go on)"
                        r"(?:\s+instead)?\s*\??\s*$|"
                        r"which one(?=\s+and\b|\s*\??\s*$)|"   # ("should I start a statin, which one and dose?": which
                        #                                     statin; "which one is safer?" asks its own question)
                        r"(?:should|do|must|shall)\s+(?:i|we)\s+(?:be\s+)?(?:worr(?:y|ied)|concerned|panic)\b)", re.I)


def _unknown_subject(part: str) -> list[str]:
    """Words of one part of a message that no pack entry uses and that name a thing (a medicine, a vaccine, a
    substance: 5+ letters, or an acronym typed in capitals), as typed; easy everyday words do not count."""
    from nephroguide.answer.audience import is_easy_word
    from nephroguide.answer.retrieve import index

    idx = index()
    frame = set(settings()["not_subjects"])
    out = []
    for m in re.finditer(r"[A-Za-z][A-Za-z'-]+", part):
        word = m.group()
        acronym = word.isupper() and len(word) >= 3
        if not acronym and (len(word) < 5 or is_easy_word(word.lower()) or word.lower().endswith("ly")
                            or word.lower() in frame):
            continue   # (an adverb, however typed, names no subject: "what can he actualy eat")
        stems = idx.stems(word.lower())
        if not stems or any(idx.df(t) > 0 for t in stems) or word in out or _known_or_typo(word.lower()):
            continue
        before, after = part[:m.start()], part[m.end():]
        if word.istitle() and (_PERSON_AFTER.match(after) or _KIN_BEFORE.search(before)
                               or (_GIVER_BEFORE.search(before) and _GIVEN_SOMETHING.match(after))):
            continue   # a person's name ("the grandmother of Arjun", "give Arjun the powder", "Sophie is 7"), no subject
        out.append(word)
    return out


# a person's name by the words around it: kin ("the grandmother of Arjun", "our son Finley"), or given something
# ("give Arjun the powder"; "give Deflazacort instead?" names a thing), or an age after it ("Sophie is 7")
_KIN_BEFORE = re.compile(r"\b(?:of|son|daughter|grandson|granddaughter|grandchild|nephew|niece|brother|sister|called|"
                         r"named)\s+$", re.I)
_GIVER_BEFORE = re.compile(r"\b(?:give|gave|giving|tell|told|help|helping|ask|asked)\s+$", re.I)
_GIVEN_SOMETHING = re.compile(r"\s+(?:the|a|an|his|her|their|some|this|that|it)\b", re.I)
_PERSON_AFTER = re.compile(r"(?:'s|,)?\s+(?:is|was|turned|has been)\s+(?:\d|nearly|almost|only|just)", re.I)


def names_other_medicine(question: str) -> bool:
    """The message names a medicine that is not a nephrotic-syndrome treatment (retrieval.yaml ``other_medicines``:
    paracetamol, antibiotics, co-trimoxazole ...)."""
    return _names_any(question, settings()["other_medicines"])


def unknown_medicine_asked(u: Understanding) -> str | None:
    """A message that asks one question, about a medicine or drug class the pack never names ("can he take SGLT2
    inhibitors?", "is methylphenidate safe with his prednisolone?"): that medicine, so that the reader is told it
    is not covered rather than given an answer about the medicines nephroguide knows; None otherwise."""
    pattern = re.compile(settings()["unknown_medicine"], re.I)
    if not any(pattern.search(w) for w in re.findall(r"[A-Za-z]{5,}", u.question)) and \
            not re.search(r"\b(?:inhibitors?|blockers?|antagonists?|agonists?)\b", u.question, re.I):
        return None   # (no word that looks like a medicine's name: the common case, answered quickly)
    asked = _asked_parts([x for p in _message_parts(u.question) for x in _two_verbs(p)], _marked_questions(u.question))
    if len(asked) != 1:
        return None
    part = asked[0][1]
    # in the question itself, or in what it points back to ("... wants to start methylphenidate. is it safe to take
    # with his prednisolone?"), not only in the story ("he's on montelukast for asthma. when can he have his flu jab?")
    where = u.question if re.search(r"\b(?:it|this|that|these|them|they)\b", part, re.I) else part
    found = []
    for w in _unknown_subject(where):
        cls = re.search(re.escape(w) + r"\d*\s+(?:inhibitors?|blockers?|antagonists?|agonists?)\b", where, re.I)
        if cls is not None:
            found.append(cls.group())   # "SGLT2 inhibitors", as typed
        elif pattern.search(w):
            found.append(w)
    return ", ".join(found) if found else None


@dataclasses.dataclass(frozen=True)
class PartLine:
    """One more question of a message that asks several, as the reader asked it, and its line in the summary:
    a close direct answer's first sentence, or (``answer`` None) what nephroguide has no guidance on."""

    part: str
    text: str
    answer: Any = None
    uncovered: tuple[str, ...] = ()
    leads: bool = False   # the part the answer given answers, when it is not the message's first question
    refs: tuple[str, ...] = ()   # the sources of a line that is no direct answer (a dose rule's)
    fit: float = 0.0             # how closely its answer fits the part
    of_story: bool = False       # a short question the answer given, about the story it leans on, does not answer
    loose: bool = False          # named as not answered though an answer fits it loosely (not the message's subject)


_WH = re.compile(r"^\s*(?:(?:and|also|plus|or|but|so)\s+)*(?:what|which|when|where|why|how|who)\b", re.I)


def _form(text: str) -> str | None:
    """The form of a question: 'yn' (can/should/is ...), 'wh' (what/when/how ...) or None."""
    if _YES_NO.match(re.sub(r"^\s*(?:(?:and|also|plus|or|but|so)\s+)+", "", text)):
        return "yn"
    if re.match(r"^\s*(?:(?:and|also|so|but)\s+)*(?:what|how) about\b", text, re.I):
        return None   # "and what about the MMR?": answered yes or no as well as otherwise
    return "wh" if _WH.match(text) else None


def _fits_form(part: str, da: Any, first: str, drugs: Sequence[str]) -> bool:
    """A part's answer must be an answer of the kind asked: a what/when/how part is never answered by a bare
    Yes/No, a yes/no part only by an answer to a yes/no question (or one that opens with yes/no/not), and a part
    that asks how long or how much by a sentence that gives it ("When is it safe? Yes: ..." is a mis-pair)."""
    form = _form(part)
    if form == "wh" and (re.match(r"^\s*(?:yes|no)\s*[,.:;!]", first, re.I)
                         or re.match(r"^\s*(?:sometimes|usually|often|probably|possibly),?\s+(?:yes|no|not)\b", first, re.I)):
        return False
    if _BECAUSE.match(first) and not _WHY.search(part):
        return False   # "Because ..." answers a why ("what to check before rituximab?" is not one)
    if form == "yn" and not _YES_NO_OPENS.match(first) and not any(_form(a) == "yn" for a in da.asks):
        return False
    if _ACTION_ASKED.match(part) and all(_EXPLAINS.match(a) for a in da.asks):
        return False   # "stop diuretic?" asks whether to do it: what furosemide is and how it works is no answer
    if _WHY.search(part):   # "why does he need omeprazole and for how long?": the why is answered; the scope note
        part = re.sub(r"\s+and\s+(?:for\s+)?how long\b.*$", "", part, flags=re.I)   # says how long is missing
    if gap_asked_in(da, part):
        return True   # what it asks that no source gives is the answer's own gap, named in its scope note ("do I
        #               start levothyroxine and at what dose?": yes, and no stored source gives the dose)
    return not missing_kinds(part, first, drugs)


# a shorthand question of what to do with a treatment ("stop diuretic?", "add ACEi?") ...
# "how often?" on its own, after a dose asked: how many doses a day
_HOW_OFTEN = re.compile(r"^\s*(?:(?:and|also|so)\s+)*(?:how often|how many times(?: a day)?)\s*\??\s*$", re.I)
_ACTION_ASKED = re.compile(r"^\s*(?:(?:and|also|so|but|or)\s+)*(?:stop|start|hold|withhold|continue|restart|add|give|"
                           r"increase|reduce|wean|switch|change|what (?:do|should|shall|can) (?:i|we) do with|"
                           r"what to do with|how (?:do|should) (?:i|we) (?:manage|handle|adjust))\b", re.I)
# ... and an answer whose every phrasing asks what something is or how or why it works
_EXPLAINS = re.compile(r"^\s*(?:what (?:is|are|does|do)|what (?:kind|type|class) of|mechanism of|how (?:does|do) \w+ work|"
                       r"why is|why does|why do|explain)\b",
                       re.I)


def part_lines(u: Understanding, chosen: str | None, audience: str, *, skip_intent: str | None = None,
               said: str = "") -> list[PartLine]:
    """See :func:`_part_lines` (one reading per message, answer and audience: routing asks it too)."""
    return list(_part_lines_cached(u, chosen, audience, skip_intent, said))


@functools.lru_cache(maxsize=16)
def _part_lines_cached(u: Understanding, chosen: str | None, audience: str, skip_intent: str | None,
                       said: str) -> tuple[PartLine, ...]:
    return tuple(_part_lines(u, chosen, audience, skip_intent=skip_intent, said=said))


def _part_lines(u: Understanding, chosen: str | None, audience: str, *, skip_intent: str | None = None,
                said: str = "") -> list[PartLine]:
    """The other questions of a message that asks several ("can she swim, does she need to avoid salt, and ...?"):
    each part with a close direct answer of its own (besides the one chosen, and not one of the article's own step
    ``skip_intent``), and each part that names something no pack entry speaks of ("and can he take ibuprofen?"),
    so that no part of the message goes unanswered without saying so."""
    from nephroguide.answer.audience import sentences
    from nephroguide.answer.retrieve import query_terms
    from nephroguide.answer.understand import vocabulary
    from nephroguide.knowledge.pack import load_pack

    parts = [x for p in _message_parts(u.question) for x in _two_verbs(p)]
    if len(parts) < 2:
        return []
    # the questions of the message, not what it tells; a question about what it told ("she's eating everything in
    # sight, is that normal?") is read with what it points back to, unless it names its own subject ("is this
    # kidney failure?")
    asked = _asked_parts(parts, _marked_questions(u.question))
    asked_as = dict(asked)   # each part as read -> as the reader asked it

    def shown(part: str) -> str:   # a part under the reader's own words ("why?" with what it asks about)
        q = asked_as.get(part, part)
        told = re.search(r"\b(?:saying|says|said|told us|tells us|that)\s+(?P<what>[^,]{8,}), why$", part, re.I)
        if told is not None and len(part.split()) > 12:
            return f"{told.group('what')}, why"   # ("... the doctor keeps saying we need blood levels checked, why")
        if len(q.split()) == 1 and q.lower() in _ASKING_TERMS and part != q and part.endswith(q) \
                and len(part.split()) <= 5:
            return re.sub(r"^\s*\(?\d{1,2}[).]\s*", "", part)   # ("2) statin y/n, which?" as "statin, which", not "which")
        # ("doctor gave us penicillin too, why?" under its own words; a why read with its story under the question)
        return part if q.startswith("why ") and not part.lower().startswith("why") and q not in part else q

    parts = [p for p, _ in asked]
    if len(parts) == 1 and parts[0] != asked_as[parts[0]]:
        bare = asked_as[parts[0]]
        own = set(query_terms(_read(bare)))
        words = ret_words(_read(bare))
        given = load_pack().answers.get(chosen) if chosen is not None else None
        if given is not None and _QUESTION.match(bare) and _hard_subject(own, words) \
                and not own <= _stems_in(_answer_words(given)):
            # "... headache and vomiting - what imaging?": the answer given, about the story, says nothing of the
            # one thing asked; say so in the first lines
            subject = " ".join(words.get(t, t) for t in own)
            note = settings()["not_covered"]["subject_family" if audience == "family" else "subject"]
            return [PartLine(bare, note.format(subject=subject), None, (subject,), of_story=True)]
        if chosen is None and skip_intent == "dosing" and not _DOSE_WORDS.search(bare):
            # beside a dosing article, a question of its own after the dose asked in shorthand ("MMF dose 1.0 m2
            # SDNS, and which bloods?"): its close answer's first sentence, as for any other question of a message
            need = float(settings()["direct"]["part_one_word"])
            if _WHICH_IS_RIGHT.match(bare):   # ("... letter says X, the guideline says Y, which is right"): the story
                need = float(settings()["direct"]["part"])   # names the subject, which the bare words do not
            hit, fit = _part_answer(u, parts[0], need, bare=bare)
            da = load_pack().answers.get(hit.id) if hit is not None else None
            if da is not None and fit >= need and audience in da.audiences:
                said_of = sentences(" ".join((da.family_answer if audience == "family" else da.answer).split()))
                return [PartLine(bare, said_of[0] if said_of else da.answer, da, fit=fit)]
        return []   # the message's one question leans on its story ("... what next?"): the answer given is its
    if len(parts) == 1 and chosen is not None and not _part_elsewhere(parts[0]):
        # one question after a story, which the answer given fits: that is its answer (never a second, other one)
        near = [h.id for h in retrieve(_read(parts[0]), list(u.drugs), one_question=True).hits
                if h.kind == "answer"][:5]
        if chosen in near:
            own_hit, fit = _part_answer(u, parts[0], 1.0)
            if not (own_hit is not None and own_hit.id != chosen and fit >= float(settings()["direct"]["part_own"])):
                return []   # (unless the question has a close answer of its own: the story named something else)
    pack = load_pack()
    cfg = settings()
    enough = float(cfg["direct"]["part"])   # a part answered in the first line must fit it closely
    seen = {chosen} if chosen is not None else set()
    family = audience == "family"
    given = pack.answers.get(chosen) if chosen is not None else None
    chosen_text = _answer_words(given) if given is not None else ""
    lead = _lead_terms(chosen, family) if chosen is not None else frozenset()
    out: list[PartLine] = []
    first_is_chosen = False
    before = ""   # the part asked just before this one, as the reader asked it
    for part in parts[:int(settings()["direct"]["max_parts"])]:
        text = _read(part)
        before, asked_before = asked_as[part], before
        # "what can we do?", "what dose?": a part of one word or none needs the rest of the message, so its answer
        # must fit it more closely to be given on its own
        own = set(query_terms(text))
        own_terms = len(own)
        if own_terms == 0:
            continue
        need = enough if own_terms > 1 else float(cfg["direct"]["part_one_word"])
        bare_terms = _subject_terms(asked_as[part])
        if _named_in_lead(asked_as[part], lead) or (chosen is not None and _timed_in_lead(asked_as[part], lead,
                                                                                        chosen, family)) \
                or (given is not None and _BARE_HOW_LONG.fullmatch(asked_as[part]) is not None
                    and bool(_DURATION.search(" ".join(sentences(" ".join((given.family_answer if family
                                                                          else given.answer).split()))[:3])))):
            # ("... do we keep doing the dipsticks every morning, how long for?" beside "... for at least 6 months
            # after prednisolone stops": a bare "how long for?" is the answer given's own duration)
            first_is_chosen = first_is_chosen or part is parts[0]   # (and so opens the summary as it is)
            continue   # the answer given answers it in its first sentence
        if given is not None and first_is_chosen and part is not parts[0] and _form(asked_as[part]) == "yn" \
                and part == asked_as[part] \
                and len(one := _subject_terms(asked_as[part]) - set(cfg["frame_words"]) - _TIME_WORDS) == 1 \
                and one <= lead and re.search(r"\b(?:need|have|get)\b", asked_as[part], re.I):
            continue   # "... on tacrolimus for 2.5 yrs ... Does he need a biopsy at some point?" beside "... after 2-3
            #            years a biopsy or stopping the CNI is considered": its first sentence says when
        if part != asked_as[part] and len(bare_terms) <= 1 and not _REFERRING.match(asked_as[part]) \
                and not _hard_subject(bare_terms, ret_words(_read(asked_as[part]))):
            need = float(cfg["direct"]["unanswered"])   # ("... can get blood clots. what are the signs?"): read with
            #                                            its story, which dilutes how closely any answer fits it
        if given is not None and _TRIAL_DOSE.search(asked_as[part]) and re.search(r"\d\s*mg", given.answer):
            continue   # "... Korean multicentre RCT ...? What were the numbers, and what dosing did they use?": the
            #            trial's answer gives its dosing (never this child's dose of the medicine the story names)
        if u.doses and _asks_stated_dose(u, asked_as[part]):
            from nephroguide.answer.compose import stated_dose_check

            if stated_dose_check(u, audience) is not None:
                continue   # "... says prednisolone 30mg a day. hes 8 now and 27kg ... do we still give 30 or should it
                #            be more??": the check of the stated dose, which opens the summary, answers it
        later = _said_later(asked_as[part], given, family) if given is not None else None
        if later:
            # a question the answer given speaks to in full, further on ("why did cyclophosphamide replace
            # chlorambucil? ... how does relapse-free survival relate to the cumulative dose?"): its own sentence,
            # never another answer's (nor a dose rule's)
            out.append(PartLine(shown(part), later, given))
            continue
        drugs = [str(m.group()) for m in vocabulary().drug_pattern.finditer(text)]
        if skip_intent in ("dosing", None) and _MAX_ASKED.search(asked_as[part]) \
                and ("cumulative" if _CUMULATIVE.search(asked_as[part]) else "maximum") not in said.lower() \
                and not _other_drug(text, said):
            cap = _cap_line(u, asked_as[part])   # "max dose?" beside doses worked out below their cap
            if cap is not None:
                out.append(PartLine(shown(part), cap[0], None, refs=cap[1]))
                continue
        if skip_intent == "dosing" and _CUMULATIVE.search(asked_as[part]) and not _MAX_ASKED.search(asked_as[part]) \
                and "course total:" in said.lower() and not _other_drug(text, said):
            continue   # "... and the total course dose?" beside the course totals worked out above it
        if given is not None and _OK_TO_DO_THAT.match(asked_as[part]):
            continue   # "... I'd like to start it today alongside the pred. OK to do that?": the answer given, about
            #            the plan the story told, answers it (never another answer under its words)
        if given is not None and _given_answers_it(u, part, asked_as[part], given, family):
            first_is_chosen = first_is_chosen or part is parts[0]   # (and so opens the summary as it is)
            continue
        if given is not None and _WHAT_IS_THIS.match(asked_as[part]):
            continue   # "... neutrophils 0.2, fever 39.2. What is this and how do I manage it?": the answer given,
            #            about the story told, names it (never a second answer about fever in general)
        if _GENERIC_TREATMENT.match(asked_as[part]) and (skip_intent in CORE_PATHWAY or (
                given is not None and (given.intent or settings()["topic_intent"].get(given.topic)) in CORE_PATHWAY)):
            continue   # "... secondary steroid resistance? biopsy, genetics, what treatment?" beside the stage's
            #            treatment article: the article is its answer (never the first-episode prednisolone answer)
        if skip_intent == "dosing" and (_DOSE_WORDS.search(asked_as[part]) or _HOW_LONG.search(asked_as[part])
                                        or _HOW_OFTEN.match(asked_as[part])) \
                and not _other_drug(_read(asked_as[part]) if len(asked_as[part].split()) <= 3 else text, said) \
                and not _TIME_TO.search(asked_as[part]) \
                and not (len(asked_as) > 1 and _own_close_answer(u, part, asked_as[part], chosen, "dosing")
                         and not (len(asked_as[part].split()) <= 3 and ("duration:" in said.lower()
                                                                         or _HOW_OFTEN.match(asked_as[part])))):
            continue   # "... dose? how long after remission? how often?" beside a dosing article: its phases say it
        if given is not None and _DOSE_ASKED.search(asked_as[part]) and _says_dose_of_nearest(u, asked_as[part], given):
            continue   # "... furosemide alone, what dose?" beside "Furosemide: 1-2 mg/kg/day orally ...": answered
        if given is not None and given.gap and given.gap_asked and re.search(given.gap_asked, asked_as[part], re.I):
            continue   # the answer given says this part is not in the sources (its gap), never another's answer
            #            nor another medicine's dose ("aciclovir? oral or IV, what dose?" is not prednisolone's):
            #            "will they change my treatment?" beside "... the sources do not say whether it will change"
        other_disease = _other_disease_dosed(part, asked_as[part])
        if other_disease:
            # "... and if it's class IV lupus nephritis, induction with MMF or IV cyclo - what doses?": the doses of
            # another condition's treatment are not nephrotic syndrome's (never its prednisolone or MMF rule)
            note = cfg["not_covered"]["subject_family" if family else "subject"].format(
                subject=f"treatment doses for {other_disease}")
            out.append(PartLine(shown(part), note, None, (other_disease,)))
            continue
        dose = _dose_line(u, asked_as[part], family=family, given=given) if (skip_intent is None or _other_drug(text, said)
                                                 or not re.search(r"\d\s*mg\b", said)) \
            and _DOSE_ASKED.search(asked_as[part]) and _form(asked_as[part]) != "yn" \
            and not _VACCINE_ASKED.search(asked_as[part]) and not _ACTION_ASKED.match(asked_as[part]) \
            and not _MISSED_DOSE.search(asked_as[part]) \
            and not _supplement_dose(asked_as[part], asked_before) \
            and not (names_other_medicine(part) and not _medicines_in(part)) \
            and (len(set(_medicines_in(asked_as[part]))) < 2 or u.detail("weight_kg") or u.detail("bsa_m2")) \
            and not re.search(settings()["time_zone_asked"], u.question, re.I) \
            and not set(u.stage) & set(settings()["no_dose_lines"]) else None
        #      (nor the dose of a medicine outside the pack asked just before: "start prophylactic enoxaparin?
        #      dose?" is never prednisolone's)
        #      (nor, for a child of no stated size, a dose of two medicines given together: "what dose of albumin
        #      and furosemide?" is the regimen's answer, not one medicine's dose rule)
        #      ("should I still give her dose?" asks whether, not how much; "can he get MMR booster once on low
        #      alt-day dose?" asks about the vaccine)
        if dose is not None:   # "MMF dose for FRNS? and monitoring": the dose as the pack's rule gives it
            out.append(PartLine(shown(part), dose[0], None, refs=dose[1]))
            continue
        best, conf = _part_answer(u, part, need, bare=asked_as[part], prefer=chosen)
        # the answer given is this part's too when it is the part's best, even if only loosely ("... is that normal?")
        loose = best is not None and best.id == chosen and conf >= float(cfg["direct"]["unanswered"])
        da = pack.answers.get(best.id) if best is not None and (conf >= need or loose) else None
        if da is None and best is not None and best.id != chosen and _REFERRING.match(asked_as[part]) \
                and _form(asked_as[part]) == "yn" and conf >= float(cfg["direct"]["asked_part"]["agreed"]) \
                and best.id in pack.answers and _YES_NO_OPENS.match(
                    " ".join((pack.answers[best.id].family_answer if family else pack.answers[best.id].answer).split())):
            # a yes/no question about what the message told ("... he missed saturday and sunday. is that
            # dangerous?"), read with its story, whose best answer says Yes, No or "It can be" to it: that answer,
            # although the story dilutes how closely it fits
            da = pack.answers[best.id]
        if da is None and best is not None and best.id != chosen and part != asked_as[part] \
                and _REFERRING.match(asked_as[part]) and conf >= float(cfg["direct"]["asked_part"]["agreed"]) \
                and best.id in pack.answers and pack.answers[best.id].asked_when \
                and _pattern(pack.answers[best.id].asked_when).search(part):
            # ... and one written for the very subject the story told just before ("... i really want my nose pierced
            # ... is it allowed?" -> the piercing answer): its subject is named, however the story dilutes the fit
            da = pack.answers[best.id]
        if da is not None and da.id != chosen and _DOSE_ASKED.search(asked_as[part]) \
                and not _medicines_in(asked_as[part]) and _asked_drugs(pack, da.id) \
                and not _asked_drugs(pack, da.id) & set(_medicines_in(u.question)) \
                and ((given is not None and re.search(r"\bdos(?:e|es|ing)\b", given.answer, re.I))
                     or (names_other_medicine(u.question) and not _medicines_in(u.question))
                     or (names_other_medicine(part) and not _medicines_in(part))):
            continue   # a bare "what dose?" beside an answer that speaks of the dose of what the message asks about:
            #            never another medicine's dose ("start ACEi anyway? which drug, what dose?" is not prednisolone)
        if part is parts[0] and da is not None and da.id == chosen:
            first_is_chosen = True   # the answer given answers the first question: it opens the summary as it is
        if da is not None and da.id == chosen and part == asked_as[part] and _QUESTION.match(part) \
                and _half_unspoken(asked_as[part], da):
            da = None   # the answer given speaks of half or less of what it asks: not "already answered" by it
            #             (named below only as any other part without a close answer is)
        if da is not None and da.id in seen:
            if da.id == chosen and part is not parts[0] and not any(p.leads for p in out) and not first_is_chosen:
                out.append(PartLine(shown(part), "", None, leads=True))   # its answer opens the summary, under its words
            continue   # the answer already given answers this part
        # (the medicines the part names as asked, not those of the story it is read with)
        named_here = set(_medicines_in(asked_as[part]))
        if da is not None and len(named_here) >= 2 and not named_here <= _asked_drugs(pack, da.id) \
                and _asked_drugs(pack, da.id) and re.search(r"\b(?:or|vs\.?|versus|than)\b", asked_as[part], re.I):
            da = None   # a choice between two medicines answered only by a choice between others ("cyclophosphamide or
            #             rituximab?" is not "MMF or rituximab: either")
        if da is not None and da.id != chosen and _speaks_of_none(asked_as[part], da, 1 if _one_word(asked_as[part]) else 2):
            da = None   # an answer about nothing the part asks ("why is he so hungry and angry on prednisolone?"
            #             -> what prednisolone is): no answer rather than another question's
        elsewhere = tuple(_part_elsewhere(asked_as[part]))   # as asked: not the medicine its story names
        if elsewhere and da is not None and _own_medicine(part) and not rules_adult(part):
            elsewhere = ()   # "will the steroids give her diabetes?": a side effect of her medicine, answered here
        if elsewhere:   # another condition, adults, or nothing the pack speaks of: say so in the first lines
            note = cfg["not_covered"]["subject_family" if family else "subject"].format(subject=", ".join(elsewhere))
            out.append(PartLine(shown(part), note, None, elsewhere))
            continue
        if da is not None and audience in da.audiences:
            reply = same_polarity(asked_as[part], da.asks, " ".join((da.family_answer if family else da.answer).split()),
                                  _other_way(da, family), da.asked_way)
            if part != asked_as[part] and _REFERRING.match(asked_as[part]) \
                    and not any(_POINTS_BACK.search(a) for a in da.asks):
                # reached only with the story ("he has a runny nose, is this a relapse?" -> the colds answer): its
                # Yes/No answers its own question, not this one, and is left out
                rest = re.sub(r"^\s*(?:yes|no)\b[,.:;]?\s*(?:it (?:can|does|is|will|may)\b[,.:;]?\s*)?", "", reply,
                              flags=re.I)
                reply = rest[:1].upper() + rest[1:] if rest and rest != reply else reply
            said_of = sentences(reply)
            first = said_of[0] if said_of else reply
            if _form(asked_as[part]) != "yn" and _CHOICE_ASKED.match(asked_as[part]):
                # a choice ("biopsy or genetics first?") is not answered Yes or No: the answer after it stands
                bare_first = re.sub(r"^\s*(?:yes|no)\s*[:,.;]\s*", "", first, flags=re.I)
                first = bare_first[:1].upper() + bare_first[1:]
            if len(said_of) > 1 and (len(first.split()) <= 6 or _HEDGED.match(first)):
                # a bare "No, not yet." says what it says next; so does a hedged "It can be: ...", whose next sentence
                # says what to do ("Is that dangerous? It can be: ... Give today's dose ... call the team today")
                first = f"{first} {said_of[1]}"
            if _form(asked_as[part]) == "wh" and re.match(r"^\s*yes\s*[,.:;!]\s*\S", first, re.I) \
                    and (len(said_of) > 1 or len(first.split()) >= 8):
                # a what/when question answered by a yes/no answer's next sentence ("when will my face go back to
                # normal?" -> "The round face ... usually goes away 3 to 6 months after the last dose"), or by the
                # rest of its one sentence ("what do I tell the family about fertility?" -> "It can, mainly in boys:
                # ...")
                rest = re.sub(r"^\s*yes\s*[,.:;!]\s*", "", first, flags=re.I)
                first = rest[:1].upper() + rest[1:]
            if given is not None and _form(asked_as[part]) == "yn" and 0 < len(bare_terms) <= 3 \
                    and bare_terms <= lead and _opposite(first, given.family_answer if family else given.answer):
                continue   # "... UPCR 150. Is this a relapse and do I restart prednisolone?" beside "No, not on this
                #            result, and do not restart prednisolone": the answer given already says No about every
                #            word it asks; a second answer's Yes would contradict it
            if _it_is_another_medicine(u.question, part, da):
                continue   # "... sent us home with penicillin ... how long does he have to take it?": "it" is the
                #            penicillin (answered with its own line), never prednisolone's course
            intent = da.intent or cfg["topic_intent"].get(da.topic)
            # an answer of the article's own step is left to the article, unless the summary does not say it yet
            # ("define FRNS and SDNS": the SDNS line)
            told = skip_intent is not None and intent == skip_intent and \
                (not said or len(_stems_in(first) - _stems_in(said)) <= len(_stems_in(first)) // 3)
            # (the summary says it already; not a yes/no question's own answer, which no other answer gave: "is
            # that dangerous? It can be: ..." beside a vomited-dose answer that speaks of the same adrenal risk)
            told = told or (bool(said) and _mostly_said(first, said)
                            and not (_form(asked_as[part]) == "yn" and _ANSWER_WORD.match(first)
                                     and not _ANSWER_WORD.match(said)))
            # ... and beside a dosing article that works the doses out in mg, a general per-kg or per-m2 rule says it
            # again in other units ("... pred dose for relapse - mg per day, ... then the alternate day part?")
            told = told or (skip_intent == "dosing" and not re.search(r"\bor\b", asked_as[part])
                            and intent in cfg["direct"]["regimen_intents"]
                            and bool(re.search(r"\d\s*mg/(?:m2|m²|kg)\b", first))
                            and bool(re.search(r"\d\s*mg\b(?!/)", said)) and not _other_drug(text, said))
            if told:
                continue
            if not _fits_form(asked_as[part], da, first, drugs) and missing_kinds(asked_as[part], first, drugs):
                # the kind asked ("how long ...?") said a sentence or two further on ("Yes. Keep testing ... every
                # day. Do this for at least 6 months after prednisolone stops."): up to that sentence
                more = first
                for sentence in [x for x in said_of if x not in first and not re.fullmatch(r"\s*(?:yes|no)\W*", x, re.I)
                                 and said_of.index(x) > 0][:2]:
                    more = f"{more} {sentence}"
                    if _fits_form(asked_as[part], da, more, drugs):
                        first = more
                        break
            if _fits_form(asked_as[part], da, first, drugs):
                seen.add(da.id)
                out.append(PartLine(shown(part), first, da, fit=conf))
                continue
            # (an answer not of the kind asked is no answer: the part is named as not answered below)
        loose = conf >= float(cfg["direct"]["unanswered"])
        spoken = own & _stems_in(chosen_text)
        #   (an answer fits it loosely: named only when the answer given speaks of less than half of what it asks,
        #   "how many days of protein before it's a relapse?" beside "3+ for 3 days in a row is a relapse")
        if chosen_text and (own_terms > 1 or _hard_subject(own, ret_words(text))) \
                and part == asked_as[part] and _QUESTION.match(part) \
                and not (own <= spoken or (loose and 2 * len(spoken) >= len(own))) \
                and later is None \
                and not (best is not None and best.id == chosen and conf >= need):
            # (nor one the answer given's first sentence speaks to in full: "what did Latta show?"; nor one whose own
            # close answer is the answer given: "... play football and go on the school trip abroad?" beside the trip)
            # (one subject word is enough when it is no everyday word: "... headache and vomiting - what imaging?")
            # nothing in the pack fits this question and the answer given does not speak of it: say so in the
            # first lines rather than leave it out ("... and can he have cake?")
            out.append(PartLine(shown(part), cfg["not_covered"]["part_family" if family else "part"], None,
                                loose=loose))
    return out


# whether the plan the story told may go ahead ("OK to do that?", "is that ok?", "can we do that?")
_OK_TO_DO_THAT = re.compile(r"^\s*(?:(?:and|so|but)\s+)*(?:(?:is\s+)?(?:it|that|this)\s+)?(?:ok|okay|alright|all right|safe|fine|"
                            r"reasonable|acceptable)\s+to\s+(?:do|go ahead with|try)\s+(?:that|this|it)\s*\??\s*$|"
                            r"^\s*(?:(?:and|so|but)\s+)*(?:can|could|should|shall|may)\s+(?:i|we)\s+(?:do|go ahead with|try)\s+"
                            r"(?:that|this|it)\s*\??\s*$", re.I)
# a question of what the story told is, naming nothing of its own ("what is this?", "what could it be?")
_WHAT_IS_THIS = re.compile(r"^\s*(?:(?:and|so|but)\s+)*(?:what\s+(?:is|could|might|can)\s+(?:this|that|it)(?:\s+be)?|"
                           r"what(?:'s|\s+is)\s+(?:going on|happening)|"
                           r"who\s+(?:do|should|can)\s+(?:i|we)\s+(?:call|ring|phone|contact|speak to|talk to))\s*\??\s*$",
                           re.I)
# the dose a trial used ("what dosing did they use?", "what dose was given in the study?")
_TRIAL_DOSE = re.compile(r"\b(?:what|which)\s+(?:dose|doses|dosing|regimen)\s+(?:did (?:they|it|the (?:trial|study|rct|authors)) "
                         r"use|(?:was|were) (?:used|given) in (?:the|that|this) (?:trial|study|rct))\b", re.I)


def _asks_stated_dose(u: Understanding, asked: str) -> bool:
    """A question about a dose the message states: it names that amount ("do we still give 30?") or asks whether
    the dose is right ("should it be more?", "is the dose ok?")."""
    amounts = {f"{v:g}" for _, v, _ in u.doses}
    # (the amount as an amount: "give 30", "still 30", "30 mg", "is 40 right" - not "day 40 of the course")
    named = any(re.search(rf"\b(?:give|giving|still|dose of|on|is|keep(?: giving)?)\s+{re.escape(a)}(?![\d.])|"
                          rf"(?<![\d.]){re.escape(a)}\s*mg\b", asked, re.I) for a in amounts)
    return named or bool(_DOSE_RIGHT.search(asked))


_DOSE_RIGHT = re.compile(r"\b(?:dose|amount)\b[^?]{0,30}\b(?:right|correct|ok|okay|enough|too (?:much|little|high|low))\b|"
                         r"\bshould (?:it|the dose|we give) (?:be )?(?:more|less|higher|lower|increased|changed)\b", re.I)


# which of two things the story set side by side is right ("which is right?", "which do we follow?")
_WHICH_IS_RIGHT = re.compile(r"^\s*(?:(?:and|so|but)\s+)*which (?:one )?(?:is|'s) (?:right|correct)|"
                             r"^\s*(?:(?:and|so|but)\s+)*which (?:one )?(?:do|should) (?:i|we) (?:follow|go with|believe)", re.I)
def _given_answers_it(u: Understanding, part: str, asked: str, given: Any, family: bool) -> bool:
    """A question that leans on the answer given, which answers it ("the answer given says"), never another answer
    under its words:
    - whether to keep giving the medicine, beside an answer whose first lines say to give, keep giving or stop it
      ("... purple toes on levamisole ... Should I just keep giving it until her clinic appointment?" beside "Call the
      kidney team today and do not give more levamisole");
    - whether what the story told comes from the medicine, beside an answer about that very thing that names a
      medicine ("... no signs of puberty ... Is this the steroids?" beside "Possibly. Long or repeated prednisolone
      courses can slow growth"; not "... runny poo ... is it the mycophenolate?" beside the cancer answer);
    - whether a child can catch "it" from someone, beside an infection or vaccination answer ("... sister had her
      chickenpox jab and now has spots ... can he catch it off her?": never "Nobody can catch nephrotic syndrome");
    - what can be done, asked after the story the answer given is about ("... no signs of puberty at all ... Is there
      anything that can be done?")."""
    from nephroguide.answer.audience import sentences

    said = " ".join((given.family_answer if family else given.answer).split())
    if _KEEP_GIVING.match(asked):
        return bool(_GIVE_OR_STOP_SAID.search(" ".join(sentences(said)[:2])))
    medicine = _IS_IT_THE_MEDICINE.match(asked)
    if medicine is not None:
        words = settings()["direct"]["story_medicine"]
        lead = " ".join(said.split()[:40])
        return bool(re.fullmatch(words["asked"], medicine.group("what"), re.I)) and _tells_of(u, asked, given.id) \
            and bool(re.search(words["answer"], lead, re.I))
    if _CATCH_IT.match(asked):
        return given.topic in settings()["direct"]["catch_it_topics"]
    return part != asked and bool(_ANYTHING_TO_DO.match(asked))


def _tells_of(u: Understanding, asked: str, answer_id: str) -> bool:
    """The answer given speaks of something specific the message told before this question ("no signs of puberty"
    beside the delayed-puberty answer), not only of the medicine it names (data: ``direct.told_idf``)."""
    from nephroguide.answer.retrieve import index

    at = u.question.lower().find(asked.lower())
    told = _subject_terms(u.question[:at] if at > 0 else u.question) - _medicine_stems() \
        - {t for d in u.drugs for w in d.split("_") for t in _stems_in(w)}
    idx = index()
    return any(idx.idf(t) >= float(settings()["direct"]["told_idf"]) for t in told & _answer_stems(answer_id))


# whether a child can catch "it" from someone the story named ("can he catch it off her?")
_CATCH_IT = re.compile(r"^\s*(?:(?:and|so|but)\s+)*(?:can|could|will|might|would)\s+(?:he|she|they|i|we|my \w+)\s+"
                       r"(?:catch|get)\s+(?:it|this|that)\s+(?:off|from)\b", re.I)
# whether what the story told comes from the medicine ("is this the steroids?", "could it be the tacrolimus?")
# (the medicine as one word: retrieval.yaml direct.story_medicine.asked)
_IS_IT_THE_MEDICINE = re.compile(r"^\s*(?:(?:and|so|but)\s+)*(?:is|could|can|might|would)\s+(?:this|that|it|these|those)\s+"
                                 r"(?:be\s+)?(?:from\s+|because of\s+|due to\s+|caused by\s+)?(?:the|his|her|their)?\s*"
                                 r"(?P<what>[a-z]+)\s*\??\s*$", re.I)
# whether to go on giving the medicine the story named ("should I just keep giving it until clinic?")
_KEEP_GIVING = re.compile(r"^\s*(?:(?:and|so|but)\s+)*(?:should|do|can|shall) (?:i|we) (?:just )?(?:keep|carry on|continue|go on)"
                          r"(?: (?:giving|with|taking))?(?: (?:it|them|this|that|her|his|the (?:medicine|tablets?|dose)))?\b|"
                          # ... or to give a dose brought up again ("do I give her another 30 mg or will that be too much?")
                          r"^\s*(?:(?:and|so|but)\s+)*(?:should|do|can|shall) (?:i|we) (?:re-?give|repeat|give)(?: (?:him|her|them))? "
                          r"(?:another|the same|a second|it again|the dose again|(?:the|her|his) dose again)\b", re.I)
# ... which an answer's first lines already answer when they say to give, keep giving or stop it
_GIVE_OR_STOP_SAID = re.compile(r"\b(?:do not|don't|never|keep|stop|continue|carry on)\s+(?:giving|give|taking|take)\b|"
                                r"\bstop\s+(?:the|it|this)\b|\bno more\b|\bdo not give more\b|"
                                r"\b(?:give|repeat) (?:the same dose|it|the dose|another dose) again\b|\b(?:do not|don't) give (?:another|it again)\b",
                                re.I)
# what can be done about what the story told, naming nothing of its own ("is there anything that can be done?")
_ANYTHING_TO_DO = re.compile(r"^\s*(?:(?:and|so|but)\s+)*(?:is there (?:anything|something)(?: (?:that|else))? (?:can|could|we can|"
                             r"we could|i can|you can|they can) (?:be )?do(?:ne)?|what (?:else )?can (?:be done|we do|i do)|"
                             r"can (?:anything|something) be done)(?: about (?:it|this|that))?\s*\??\s*$", re.I)
# a treatment question that names nothing of its own ("what treatment?", "how do we treat it?", "management?")
_GENERIC_TREATMENT = re.compile(r"^\s*(?:(?:and|also|so|then)\s+)*(?:(?:what|which)\s+(?:is\s+the\s+|are\s+the\s+)?"
                                r"(?:treatments?|therapy|therapies|management|options?)(?:\s+now|\s+next)?|"
                                r"how\s+(?:do|should|would)\s+(?:i|we|you)\s+(?:treat|manage)(?:\s+(?:it|this|him|her))?|"
                                r"treatment|management|what\s+next|next\s+steps?|"
                                r"what\s+(?:should|do|shall|would|can)\s+(?:we|i|you)\s+(?:start|give|use|try)(?:\s+(?:now|next|him|her))?)"
                                r"\s*\??\s*$", re.I)
_HEDGED = re.compile(r"^\s*it (?:can|may|might|could) be\b", re.I)
# an answer's opening word to a yes/no question ("Yes", "No", "Not yet", "It can be: ..."), and with a qualifier
_ANSWER_WORD = re.compile(r"^\s*(?:yes|no|not|it (?:can|may|might|could) be)\b", re.I)
_YES_NO_OPENS = re.compile(r"^\s*(?:(?:usually|probably|mostly|generally)\s+)?(?:yes|no|not|it (?:can|may|might|could) be)\b",
                           re.I)


# an answer asked as a question about what the reader told ("... is that the steroids?"): its Yes/No answers a part
# that points back too
_POINTS_BACK = re.compile(r"\b(?:is|are|was|could|can|does) (?:this|that|it|these|those)\b", re.I)


def _said_later(asked: str, given: Any, family: bool) -> str | None:
    """The sentence of the answer given that names most of what a long question asks (at least 3 of its subject
    words, and more than half of them): "" when that is its first sentence (already read), None when no sentence
    does (data: ``direct.said_later``)."""
    from nephroguide.answer.audience import sentences

    terms = _subject_terms(asked) - set(settings()["frame_words"])
    cfg = settings()["direct"]["said_later"]
    if len(terms) < int(cfg["min_terms"]):
        return None
    said = sentences(" ".join((given.family_answer if family else given.answer).split()))
    best, share, at = "", 0.0, -1
    for i, sentence in enumerate(said):
        hits = len(terms & _stems_in(sentence))
        if hits >= int(cfg["min_terms"]) - 1 and hits / len(terms) > share:
            best, share, at = sentence, hits / len(terms), i
    if share < float(cfg["share"]):
        return None
    # (the first two sentences when the first is short, "Yes. Buy travel insurance ...": the summary reads both)
    return "" if at == 0 or (at == 1 and len(said[0]) < 100) else best


def _own_close_answer(u: Understanding, part: str, bare: str, chosen: str | None, intent: str) -> bool:
    """A part has a close answer of its own, not of the article's step ("how long before calling it SRNS?" beside the
    first-episode dosing article is not a question of how long the prednisolone phases last)."""
    from nephroguide.knowledge.pack import load_pack

    cfg = settings()
    best, conf = _part_answer(u, part, float(cfg["direct"]["part"]), bare=bare, prefer=chosen)
    da = load_pack().answers.get(best.id) if best is not None else None
    return da is not None and conf >= float(cfg["direct"]["part_own"]) \
        and (da.intent or cfg["topic_intent"].get(da.topic)) != intent


def ret_words(text: str) -> dict[str, str]:
    """Each query term of the text -> the word it came from."""
    from nephroguide.answer.retrieve import query_terms

    words: dict[str, str] = {}
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        for t in query_terms(w):
            words.setdefault(t, w)
    return words


def _hard_subject(own: set[str] | frozenset[str], words: dict[str, str]) -> bool:
    """A part's one subject term is a specific word the pack rarely uses ("imaging", "ultrasound"), not an everyday
    one ("one", "now") nor one the pack speaks of often ("monitor", "emergency")."""
    from nephroguide.answer.audience import is_easy_word
    from nephroguide.answer.retrieve import index

    rare = float(settings()["direct"]["rare_subject_idf"])
    return len(own) == 1 and all(len(words.get(t, t)) >= 5 and not is_easy_word(words.get(t, t))
                                 and index().idf(t) >= rare for t in own)


_SIZE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:kg|kgs|kilos?|yo|y/o|yrs?|years? old|mo|months? old|cm|m2|m²)\b|"
                   r"\(\s*(?:currently|now|on)?\s*\d+(?:\.\d+)?\s*mg\b[^()]{0,20}\)", re.I)
#   (and a dose the part states in brackets: "what do I do with her pred (currently 55 mg od)" asks what to do)
# a question of frame words only, pointing back ("is that normal?", "will it go away?", "what does that mean?")
_FRAME_ONLY = re.compile(r"^(?!.*\b(?:come|comes|coming) back\b)"   # ("will it come back?" asks about relapses)
                         r"\s*(?:and\s+|so\s+)?(?:is|are|was|will|does|do|can|could|should|what|why|how)\s+"
                         r"(?:\w+\s+){0,2}?(?:this|that|it|these|those|they|them)\s+(?:\w+\s*){0,3}\??$", re.I)
# a part that asks for a dose ("MMF dose for FRNS?", "what dose will she take?"), not one that names a dose
# ("will it stop when the dose goes down?")
_DOSE_ASKED = re.compile(r"\b(?:what|which|how much|how many mg|usual|right|correct)\b[^?]{0,30}\bdos(?:e|es|ing|age)\b|"
                         r"\bdos(?:e|ing|age)\s*(?:(?:for|of|and|in|per)\b|[+&/])|\bdos(?:e|ing|age)\s*\??\s*$|"
                         # (not "how much creatinine rise is too much?": a change, not an amount to give)
                         r"\bhow much\b(?!(?:\s+\w+){0,3}\s+(?:rise|rises|rising|increase|increases|fall|falls|drop|drops|change|changes)\b)|"
                         r"\bregimen\b|\b(?:starting|initial) dos(?:e|ing|age)\b|\bdos(?:e|ing|age)\s+(?:in\s+)?mg\b|"
                         r"\bdos(?:e|ing|age)\s+(?:if|when|once)\s+(?:i|we)\b", re.I)
#                          ("pred starting dose mg/m2 and max?", "MMF dose if I choose it?")
_BECAUSE = re.compile(r"^\s*because\b", re.I)
_YES_NO_SENTENCE = re.compile(r"(?:^|[.?!,]\s*)(?:(?:and|so|but)\s+)?(?:is|are|was|can|could|should|will|would|does|do|did|"
                              r"has|have|may|must)\s+(?:it|he|she|they|we|i|you|this|that|there|my|his|her|our|the)\b",
                              re.I)
_WHY = re.compile(r"\bwhy\b|\bhow come\b|\bwhat for\b|\breason", re.I)
_WHY_OPENS = re.compile(r"^\s*(?:(?:and|so|but)\s+)?(?:why|how come)\b", re.I)


@functools.lru_cache(maxsize=4096)
def _asked_why(kb_id: str) -> bool:
    """A direct answer with a phrasing that asks why (``why ...``)."""
    from nephroguide.knowledge.pack import load_pack

    return any(_WHY_OPENS.match(a) for a in load_pack().answers[kb_id].asks)
_CUMULATIVE = re.compile(r"\b(?:cumulative|lifetime|total)\b", re.I)
_MAX_ASKED = re.compile(r"\bmax(?:imum)?\b|\bcap(?:ped)?\b|\bupper limit\b|\btop dose\b|\bceiling\b", re.I)
# "how long to expect remission?", "how long does it take to work?": a time to a response, not the course's length
_TIME_TO = re.compile(r"\b(?:expect|take[sn]? (?:to|for)|until (?:remission|it works)|to (?:respond|work|get into|"
                      r"go into|reach|achieve))\b", re.I)
_HOW_LONG = re.compile(r"\bhow long\b|\bfor how many (?:days|weeks|months)\b|\bduration\b", re.I)
_DOSE_WORDS = re.compile(r"\b(?:doses?|dosing|dosage|how much|how many mg|mg/kg)\b", re.I)


def asked_text(question: str) -> str:
    """What a message asks, without what it tells ("relapse on alt day pred, dose?" asks "dose"): its questions'
    words, or the whole message when none is found."""
    asked = _asked_parts([x for p in _message_parts(question) for x in _two_verbs(p)], _marked_questions(question))
    return " ".join(q for _, q in asked) or question


def dose_asked_drugs(question: str) -> set[str]:
    """The medicines named in the parts of a message that ask for a dose ("... which first? MMF dose?": MMF), else
    the medicine it proposes to change to ("switch to tacrolimus? what dose?"), else the one named just before the
    dose asked."""
    from nephroguide.answer.understand import vocabulary

    voc = vocabulary()
    parts = [x for p in _message_parts(question) for x in _two_verbs(p)]
    named = {voc.drug_names.get(m.group(1), "") for p in parts if _DOSE_ASKED.search(p)
             for m in voc.drug_pattern.finditer(_read(p))} - {""}
    if not named and any(_DOSE_ASKED.search(p) for p in parts):
        named = set(switch_target(question))
    if not named:   # ... else the one named just before the dose asked ("We want to start mycophenolate mofetil.
        #             What dose in mg?")
        asked = next((p for p in parts if _DOSE_ASKED.search(p)), None)
        named = set(_named_just_before(question, asked)) if asked is not None else set()
    return named


def switch_target(question: str) -> list[str]:
    """The medicines a message proposes to change to ("switch to tacrolimus?"), in order (retrieval.yaml
    ``switch_to``)."""
    from nephroguide.answer.understand import vocabulary

    voc = vocabulary()
    read = _read(question)
    out: list[str] = []
    for m in re.finditer(settings()["switch_to"], read, re.I):
        d = voc.drug_pattern.match(read, m.end())
        if d is not None and voc.drug_names.get(d.group(1)):
            out.append(voc.drug_names[d.group(1)])
    return list(dict.fromkeys(out))


def _dose_of_other(u: Understanding) -> str | None:
    """A message about a child on pack medicines whose questions name a medicine outside the pack's dose rules
    (retrieval.yaml other_medicines, or a word shaped like a medicine's name the pack does not know) while no part of
    it asks a pack medicine's dose ("... on tac + enalapril ... Start IVIG? dose and how often?"): that medicine, as
    typed; None otherwise."""
    if not u.drugs:
        return None
    parts = [x for p in _message_parts(u.question) for x in _two_verbs(p)]
    asked = [q for _, q in _asked_parts(parts, _marked_questions(u.question))]
    unknown = _pattern(settings()["unknown_medicine"])
    other_words = settings()["other_medicines"]
    named = None
    for q in asked:
        if _medicines_in(q):
            continue
        found = next((w for w in other_words if _names_any(q, [w])), None) or \
            next((w for w in re.findall(r"[A-Za-z]{6,}", q) if unknown.search(w.lower())), None)
        if found:
            named = found
            break
    if named is None:
        return None
    # (no part of the message, asked or told in shorthand, wants a pack medicine's dose: "pred dose 20 kg relapse,
    # also can he take paracetamol?")
    if any(_medicines_in(q) for q in [*asked, *parts] if _DOSE_ASKED.search(q) or _DOSE_WORDS.search(q)):
        return None
    return named


def _supplement_dose(part: str, before: str) -> bool:
    """A dose asked of a supplement, not of a medicine the pack doses ("Mg 0.52 ... oral Mg dose?", "routine calcium
    + vit D alongside? if so what dose?"): in the part, or in the question just before a part that names nothing
    ("if so what dose?"). Never answered with the dose of the message's medicine (retrieval.yaml
    ``supplement_words``)."""
    words = _pattern(settings()["supplement_words"])
    if words.search(part):
        return not _medicines_in(part)
    return bool(before) and not _medicines_in(part) and bool(words.search(before)) and not _medicines_in(before)


def _other_drug(text: str, said: str) -> bool:
    """A part names a medicine the summary so far does not ("MMF dose?" beside a prednisolone dose)."""
    from nephroguide.answer.understand import canonicalise, normalise, vocabulary

    voc = vocabulary()
    named = {voc.drug_names.get(m.group(1), "") for m in voc.drug_pattern.finditer(text)} - {""}
    told = {voc.drug_names.get(m.group(1), "") for m in voc.drug_pattern.finditer(canonicalise(normalise(said))[0])}
    return bool(named - told)


def stated_indications(u: Understanding) -> set[str]:
    """The dose-rule indications of the course a question states (retrieval.yaml ``dose_check.indications``)."""
    return {i for x in u.stage for i in settings()["dose_check"]["indications"].get(x, [])}


def _dose_line(u: Understanding, part: str, *, family: bool = False,
               given: Any = None) -> tuple[str, tuple[str, ...]] | None:
    """A dose asked in one part of a message about a medicine it (or the message) names: the pack's preferred
    oral rule for the stated course (else the medicine's usual indication), first phase, as written, with its
    sources; None when no medicine or rule is found. Beside a direct answer (``given``) whose own statements carry a
    dose rule for that medicine, that rule: "daily pred at a cold? if so what dose?" asks the cold's 3 daily doses,
    never a relapse course."""
    from nephroguide.answer.compose import rule_text
    from nephroguide.engine.dosing import compute_dose, range_text
    from nephroguide.errors import InputError
    from nephroguide.knowledge.pack import load_pack

    rules = _course_rules(u, part)
    own = _answer_dose_rules(given)
    if own and rules and any(r.drug == rules[0].drug for r in own):
        rules = [r for r in own if r.drug == rules[0].drug]
    if not rules:
        return None
    weight, bsa, height = u.detail("weight_kg"), u.detail("bsa_m2"), u.detail("height_cm")
    named = _medicines_in(part)
    if len(named) >= 2 and (weight is not None or bsa is not None):
        # two medicines asked together ("albumin / frusemide dose?"): the first phase of each
        rules = [r for d in named for r in _course_rules(u, d)[:1]]
    choice = _medicines_in(u.question)
    if not named and len(choice) >= 2 and re.search(r"\b(?:or|vs\.?|versus)\b", u.question, re.I):
        # "tacrolimus or ciclosporin first, and what starting dose?": the dose of each medicine of the choice
        both = [r for d in choice[:2] for r in _course_rules(u, d)[:1]]
        rules = both if len(both) == 2 else rules
    if weight is not None or bsa is not None:
        # the child's size is stated ("... regimen for 20kg"): the course worked out, phase by phase
        pack = load_pack()
        lines: list[str] = []
        for rule in rules[:2]:
            try:
                res = compute_dose(rule, pack, weight, height, None, bsa_m2=bsa)
            except InputError:
                break
            name = pack.drugs[rule.drug].generic
            said = res.display
            if res.mg_per_dose_range:   # a range is never shown as its low end alone ("albumin 7.5 g IV per dose")
                said += f" (low end of the range; range {range_text(rule, res.mg_per_dose_range, res.mg_per_day_range, res.unit)})"
            if family and rule.family_text:   # in a family's words: the amount, then how it is given
                lines.append(family_dose_text(rule, said, len(lines)))
                continue
            if not res.phase and rule.duration:   # a course of its own ("for 3 days, from the start of the infection")
                said += f", for {rule.duration}"
            if not res.phase and len({r.drug for r in rules[:2]}) == 1 and len(rules[:2]) > 1:
                # two guidelines' rules for one medicine ("Cyclosporine for FRNS/SDNS (IPNA 2023)", "(KDIGO 2025)"):
                # each under its own title, so the reader sees whose dose is whose
                lines.append(f"{rule.title}: {name} {said}.")
                continue
            lines.append(f"{res.phase}: {name} {said}." if res.phase else f"{name[:1].upper()}{name[1:]} {said}.")
        if lines:
            return " ".join(lines), tuple(dict.fromkeys(c.source for r in rules[:len(lines)] for c in r.citations))
    # the child's size is not stated: each phase of the course as written (never the first alone: a family told
    # only "daily until remission" might stop there), in plain words for a family
    shown = rules[:2]
    text = " ".join(family_rule_text(r, i) if family and r.family_text else rule_text(r) for i, r in enumerate(shown))
    return text, tuple(dict.fromkeys(c.source for r in shown for c in r.citations))


def family_rule_text(rule: Any, index: int) -> str:
    """A dose rule in a family's words: the amount as written, with its cap, then how it is given."""
    unit = "g" if rule.bases[0].basis.startswith("g/") else "mg"
    amount = " or ".join((f"{b.value:g}" + (f"-{b.high:g}" if b.high else "") + f" {b.basis.replace('/dose', '')}")
                         .replace("/day", " a day") for b in rule.bases)
    cap = rule.max_mg_per_dose or rule.max_mg_per_day
    amount += f" (no more than {cap:g} {unit})" if cap else ""
    return family_dose_text(rule, amount, index)


def family_dose_text(rule: Any, amount: str, index: int) -> str:
    """One phase of a course in a family's words: the medicine and amount (the first phase), or "Then" and the
    amount (a later one), then how it is given ("Prednisolone 28 mg once daily: one dose by mouth every day until
    the urine has been clear for 3 days. Then 21 mg ...")."""
    from nephroguide.knowledge.pack import load_pack

    name = load_pack().drugs[rule.drug].generic
    lead = f"{name[:1].upper()}{name[1:]} {amount}" if index == 0 else f"Then {amount}"
    how = rule.family_text.rstrip(".")
    return f"{lead}: {how[:1].lower()}{how[1:]}."


def _named_just_before(question: str, part: str) -> list[str]:
    """The medicine named last before a part in the same sentence; else the one the message last proposes to start
    or give before it ("We want to start mycophenolate mofetil. What dose in mg?"); none otherwise."""
    at = question.find(part)
    if at <= 0:
        return []
    sentence = re.split(r"[.?!]\s", question[:at])[-1]
    here = list(_medicines_in(sentence))[-1:]
    if here:
        return here
    proposed = _proposed_in(question[:at])
    return [proposed] if proposed is not None else []


def _proposed_in(text: str) -> str | None:
    """The medicine a text last proposes to start or give, from the few words after the proposal ("the consultant
    is considering oral cyclophosphamide")."""
    for m in reversed(list(_STARTING.finditer(text))):
        named = _medicines_in(re.split(r"[.,;:?!]", text[m.start(1):m.start(1) + 40])[0])
        if named:
            return named[0]
    return None


# a medicine a message proposes to start or give ("we want to start mycophenolate mofetil", "planning oral
# cyclophosphamide")
_STARTING = re.compile(r"\b(?:start|starting|begin|beginning|commence|commencing|give|giving|switch(?:ing)? to|"
                       r"change to|try|trying|trial of|add|adding|planning|plan to (?:start|give)|considering|"
                       r"thinking (?:of|about)|suggest(?:s|ed|ing)?|propos(?:es|ed|ing))\s+"
                       r"((?:[\w-]+\s+){0,3}?[\w-]+)(?=[\s.,;:?!-]|$)", re.I)


def _half_unspoken(part: str, da: Any) -> bool:
    """A part of two or more subject terms, half or more of which the answer never speaks of."""
    subject = _subject_terms(part) - _medicine_stems()
    missing = subject - _answer_stems(da.id)   # (as read: "eGFR" is also the words a question's "eGFR" is read into)
    return len(subject) >= 2 and 2 * len(missing) >= len(subject)


def _says_dose_of_nearest(u: Understanding, part: str, da: Any) -> bool:
    """A dose question that names no medicine ("what dose?"), beside an answer that gives a per-kg or per-m2 dose
    of the medicine the message named last before it: that answer says the dose asked."""
    if _medicines_in(part):
        return False
    nearest = _named_just_before(u.question, part)
    said = _read(" ".join(da.answer.split()))
    return bool(nearest) and bool(re.search(rf"\b{re.escape(nearest[0].replace('_', ' '))}\b", said)) \
        and bool(re.search(r"\d\s*(?:mg|g)/(?:kg|m2)", da.answer))


def _cap_line(u: Understanding, part: str) -> tuple[str, tuple[str, ...]] | None:
    """The maximum of each phase of the course's dose rule ("max dose?" beside a dose worked out below its cap),
    with its sources; None when the rules set none."""
    from nephroguide.engine import wording

    rules = _course_rules(u, part)
    if _CUMULATIVE.search(part):   # "what's the max cumulative dose?": the course's total, for the stated weight
        weight = u.detail("weight_kg")
        if not any(r.cumulative_max_mg_per_kg for r in rules):
            # ... of the medicine the message names that has one ("... oral cyclophosphamide ... pred ... total
            # course dose vs the cumulative max?"), never the prednisolone's daily caps
            rules = [r for d in _medicines_in(u.question) for r in _course_rules(u, d) if r.cumulative_max_mg_per_kg]
            if not rules:
                return None
        totals = [f"Maximum cumulative dose: {wording.num(r.cumulative_max_mg_per_kg)} mg/kg"
                  + (f" (= {wording.num(r.cumulative_max_mg_per_kg * weight)} mg for {wording.num(weight)} kg)"
                     if weight else "") for r in rules if r.cumulative_max_mg_per_kg]
        if totals:
            return "; ".join(dict.fromkeys(totals)) + ".", \
                tuple(dict.fromkeys(c.source for r in rules if r.cumulative_max_mg_per_kg for c in r.citations))
    caps = [f"{r.phase or 'each day'}: at most "
            + (f"{wording.num(r.max_mg_per_day)} mg a day" if r.max_mg_per_day
               else f"{wording.num(r.max_mg_per_dose or 0)} mg a dose")
            for r in rules if r.max_mg_per_day or r.max_mg_per_dose]
    if not caps:
        return None
    return "; ".join(caps) + ".", tuple(dict.fromkeys(c.source for r in rules for c in r.citations))


@functools.lru_cache(maxsize=64)
def _understand_part(part: str) -> Understanding:
    """One part of a message read on its own (the course it states)."""
    from nephroguide.answer.understand import understand

    return understand(part)


def _answer_dose_rules(da: Any) -> list[Any]:
    """The dose rules of a direct answer's own supporting recommendations, in order."""
    from nephroguide.knowledge.pack import load_pack

    if da is None:
        return []
    pack = load_pack()
    ids = [r for kb_id in da.support if kb_id in pack.recommendations for r in pack.recommendations[kb_id].dose_rules]
    return [pack.dose_rules[r] for r in dict.fromkeys(ids) if r in pack.dose_rules]


def _course_rules(u: Understanding, part: str) -> list[Any]:
    """The phases of the pack's preferred oral dose rule for a medicine a part (or the message) names, for the
    stated course (else the medicine's usual indication), in order."""
    from nephroguide.answer.understand import canonicalise, normalise
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    read = canonicalise(normalise(part))[0]
    named = list(_medicines_in(part))   # (never one named only as passed over: "refuses ciclosporin - tac dose?")
    classes = _classes_named(read)
    if classes and not named:
        # a class named ("CNI dose?"): its medicines the message names, never another medicine of the message
        named = [d for d in u.drugs if d in pack.drugs and pack.drugs[d].drug_class in classes] or \
            [d for d in pack.drugs if pack.drugs[d].drug_class in classes][:1]
        drugs = named
    else:
        # (not a medicine named only in the message's other questions: "relapse - what dose? ... already on
        # levamisole, what next?" asks the relapse course's dose, prednisolone's, not levamisole's)
        course = settings()["course_medicine"]
        own_course = [] if named else \
            [course[i] for i in sorted(stated_indications(_understand_part(part))) if i in course][:1]
        others = _drugs_of_other_questions(u.question, part) if not named else frozenset()
        # ("switch to tacrolimus? what dose?": the medicine changed to, not the one taken now)
        target = [] if named else [d for d in switch_target(u.question) if d in pack.drugs]
        # ... else the medicine named last before it in its sentence ("we want to avoid albumin - furosemide alone,
        # what dose?")
        nearest = [] if named else _named_just_before(u.question, part)
        drugs = own_course or [d for d in (*named, *target, *nearest, *u.drugs)
                               if d in pack.drugs and (d not in others or d in target)]
    if not drugs:
        return []
    drug = drugs[0]
    usual = pack.drugs[drug].default_indication
    wanted = stated_indications(u) or ({str(usual)} if usual else set())
    usable = [r for r in pack.dose_rules.values() if r.drug == drug and r.preferred and not r.ceiling]
    rules = sorted((r for r in usable if r.indication in wanted), key=lambda r: (r.phase_order, r.id)) or \
        sorted(usable, key=lambda r: (r.route != "oral", r.phase_order, r.id))   # (its rule for another course)
    return [r for r in rules if (r.regimen or r.id) == (rules[0].regimen or rules[0].id)] if rules else []


def _marked_questions(question: str) -> set[str]:
    return set(_marked_questions_cached(question))


@functools.lru_cache(maxsize=256)
def _marked_questions_cached(question: str) -> frozenset[str]:
    """The parts of a message typed with a question mark after them, in shorthand too ("pred dose?", "levamisole
    20 kg: dose and monitoring?"), each piece of one that asks two things included."""
    out: set[str] = set()
    question = _listed_questions(question)
    parts = _message_parts(question)
    for p in parts:
        if _asked_in(p, question):
            out.update(_two_verbs(p))
    if out:   # (beside questions typed as such, a "when ..." sentence ended by a full stop tells: _TOLD_WHEN)
        out.update(f"\0{p}" for p in parts if _TOLD_WHEN.match(p) and re.search(re.escape(p) + r"\s*[.!]", question))
    return frozenset(out)


# a sentence of when something happens, ended by a full stop in a message whose questions are marked ("When I've got
# basketball tournaments at the weekend I sometimes forget my evening dose till the next morning. Is that a big
# deal?"): told, not asked (kept in the marked set as "\0" + the part)
_TOLD_WHEN = re.compile(r"^\s*when\s+(?:i|i['’]ve|ive|i['’]m|im|we|we['’]re|he|she|they)\s+"
                        r"(?!(?:do|does|did|should|can|could|will|would|is|are|am|must)\b)", re.I)


# an "it" that points at nothing: "is it ok for him to go back to nursery?" asks about going back to nursery, not
# about something the message told
_DUMMY_IT = re.compile(r"^\s*(?:(?:and|also|so|but)\s+)*is it (?:ok(?:ay)?|safe|alright|all right|fine|allowed|possible)\s+"
                       r"(?:for (?:him|her|them|my \w+|our \w+|a child|children|kids) )?to\s+\w+|"
                       # ("is it something we did": whether the family caused the illness, a question of its own)
                       r"^\s*(?:(?:and|also|so|but)\s+)*is it (?:something|anything) (?:we|i) (?:did|have done|gave|fed)\b|"
                       r"^\s*(?:(?:and|also|so|but)\s+)*is it (?:my|our) fault\b", re.I)


def _asked_parts(parts: Sequence[str], marked: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    return list(_asked_parts_cached(tuple(parts), frozenset(marked)))


@functools.lru_cache(maxsize=256)
def _asked_parts_cached(parts: tuple[str, ...], marked: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The questions among a message's parts, each as it is read and as it was asked: a question that only points
    back at what the message told ("is that normal?", "will it go away?") is read together with what was told just
    before it (the last statement, unless it names a medicine) and the medicines named in the last two statements,
    which give it its subject; one with nothing told before it (in the message, or for the question before it) is
    left out."""
    from nephroguide.answer.understand import canonicalise, normalise, vocabulary

    out: list[tuple[str, str]] = []
    told: list[str] = []
    before: list[str] = []   # what the last question pointing back was read with ("what is it? how often ...it?")
    story: list[str] = []    # all the message told ("they said my baby has congenital NS ... why remove the kidneys??
    #                          is it because of something we did": the story, after another question)
    for p in parts:
        if _ENDS_WHY.search(p):   # "doctor gave us penicillin too, why?": why that
            out.append((p, "why " + _ENDS_WHY.sub("", p)))
            told, before = [], []
            continue
        if (marked and p not in marked and (_STATEMENT_GOES_ON.match(p) or f"\0{p}" in marked)) \
                or (not _ASKING.match(p) and not _SHORTHAND_ASK.match(p) and (p not in marked or _REPORTED.match(p)) \
                and not ((p is parts[-1] or _SHORTHAND_DOSE.match(p)) and _dose_request(p)) \
                and not _REQUEST.search(p) and not _VERSUS.search(p)):   # ("single 375 mg/m2 vs 2 doses vs 750 mg/m2" asks)
            if _leans_on_story(p) and told:
                continue   # a heading of no subject ("... no remission. next steps: biopsy? genetics?") tells nothing
            told.append(p)   # (a message ending in shorthand for a dose asks it: "... relapse pred regimen for 20kg")
            story.append(p)
            continue
        if _ASKED_OF_QUESTION_BEFORE.search(p) and not told and out:
            # "will it stop me joining the army? do i have to tell them": those to be told are the question before's
            # (the army), not the story's; so is the "it" of "... is it safe on steroids, and won't it set off a
            # relapse?" (the jab, named as the story named it: a long story would drown the question)
            jab = _NAMED_VACCINE.search(out[-1][0])
            given_to = _SIBLING_VACCINE.search(out[-1][0])
            if _SAME_QUESTION_OF_SIBLING.match(p) and given_to is not None:
                # (of the sister: "can his younger sister have the nasal flu vaccine", without the child's medicines;
                # only a vaccine question - "does he need the antibody injection? and his sister?" is not hers to have)
                who = re.sub(r"^\s*(?:and what about|what about|how about|and|also)\s+|\s*\??\s*$", "", p, flags=re.I)
                out.append((f"can {who} have {given_to.group()}", p))
                continue
            out.append((f"{jab.group()}, {p}" if jab is not None and re.search(r"\brelapse", p, re.I)
                        else f"{out[-1][0]}, {p}", p))
            continue
        named_jab = next((m.group(1) for x in reversed(story) if (m := _WHICH_VACCINE.search(x))), None) \
            if _THE_VACCINE.search(p) and not _WHICH_VACCINE.search(p) else None
        if named_jab is not None:
            # "... the nurse won't give his MMR booster ... when can he have the vaccine?": the vaccine the story named
            out.append((f"{p} ({named_jab})", p))
            told = []
            continue
        if not told and out and _TAKEN_PRONOUN.search(p) and not _medicines_in(p) and _medicines_in(out[-1][1]):
            # "is it the mycophenolate? can he take it with his breakfast?": the medicine the question just before
            # named is the one taken, not the story's symptoms
            out.append((f"{p} ({_drug_words(out[-1][1])[-1]})", p))
            continue
        referring = (bool(_REFERRING.match(p)) and not _DUMMY_IT.match(p)
                     and (not _own_subject(p) or bool(_CHANGE_BACK.match(p)) or bool(_OK_WITH_MEDICINES.match(p))
                          or bool(_SOMETHING_ELSE.match(p)))) \
            or (bool(_OBJECT_PRONOUN.search(p)) and bool(told or story)) \
            or (bool(_THAT_PLAN.search(p)) and bool(told)) \
            or (bool(_SBA_ASK.match(p)) and bool(told or story)) \
            or (bool(_RIGHT_THING.match(p)) and bool(told or story)) \
            or (bool(_CLAIM_CHECK.match(p)) and bool(told))   # ("mum says I cant have live vaccines. is that true
        #                                                        or are any of these dangerous for her?")
        bare = _leans_on_story(p)
        if referring or bare or len(_part_terms(p)) == 1:
            # ... and so is a question of one subject word or none ("what do we take?", "what if he relapses
            # there?"), which leans on the story for the rest
            follow_on = bool(out) and not referring and len(_part_terms(p)) <= 1 \
                and bool(re.search(settings()["follow_on_words"], p, re.I))
            # (a bare question right after questions that name a medicine is about that one, not the story's: "We
            # want to start mycophenolate mofetil. What dose in mg and how often, ... what monitoring?")
            asked_med = next((q for _, q in reversed(out) if _medicines_in(q)), None) if not told and out else None
            if (not story or (not told and _APPLIED.search(p) and marked and out and out[-1][1] not in marked)) \
                    and not before and out and out[-1][0] == out[-1][1] and _QUESTION.match(out[-1][1]) \
                    and (_own_subject(out[-1][1]) or bool(_medicines_in(out[-1][1]))) and _POINTING.search(p):
                # with no story told, a pronoun right after another question points at that question's subject: one
                # question, asked in two ("whats levamisole and how is it different from the steroids", "what is a
                # kidney biopsy like, does it hurt"), never left out for want of a story; so, after a story, is one
                # that puts on or uses the thing the question before it ran on about ("... eczema on his legs,
                # which steroid cream is best and how often do i put it on?")
                out[-1] = (f"{out[-1][0]}, {p}", f"{out[-1][1]}, {p}")
                told = []
                continue
            proposed = _proposed_medicine(story) if _MONITORING_ASKED.search(p) and len(_part_terms(p)) <= 2 else None
            if proposed is not None and not _medicines_in(p):
                # "... the consultant is considering oral cyclophosphamide ... what bloods do we need?": the bloods
                # of the medicine proposed, not of the one a question before it named ("does the pred carry on?")
                out.append((f"{p} ({proposed})", p))
                told = []
                continue
            context = told[-3:] or before or ([out[-1][1]] if follow_on and bare else []) \
                or ([asked_med] if asked_med and bare and not referring else []) \
                or (story[-2:] if referring or bare else []) or ([out[-1][1]] if follow_on or (bare and out and not referring) else [])
            #   (a question of one follow-on word right after another question is about that one's subject: "Start
            #   a statin? what monitoring?")
            if context:
                # what it points back to: the medicine the story names ("... need rituximab ... what is it?"),
                # else the story itself
                read = {x: canonicalise(normalise(x))[0] for x in context}
                last = [x for x in context if not vocabulary().drug_pattern.search(read[x])][-2:]
                if re.search(r"\b(?:go back to normal|go away|wear off|settle)\b", p, re.I):
                    last = context[-2:]   # a change it asks about may be the medicine's effect the story told ("... on
                    #                       pred and my face is all round ... will it go back to normal when i stop?")
                if re.search(r"\b(?:is|could|can|might|would)\s+(?:that|this|it|these|those)\s+(?:be\s+)?(?:from\s+|due to\s+|"
                             r"caused by\s+|because of\s+)?(?:the|his|her|their|a)\s+(?:medicines?|medications?|meds|drugs?|"
                             r"tablets?|pills?|side effects?)\b", p, re.I):
                    last = context[-2:]   # whether what the story tells comes from its medicine ("... on mycophenolate
                    #                       ... tummy hurts ... loose poos. Is that the medicine?"): the story, medicine and all
                if _MEANING_ASKED.search(p) and _COURSE_TOLD.search(" ".join(context[-1:])):
                    last = context[-1:]   # what a word of the illness the story told means ("... told us today our
                    #                       daughter is steroid resistant after 4 weeks of pred. what does that mean"),
                    #                       the medicine it names notwithstanding
                if _GOING_ASKED.search(p):
                    # "is it ok for her to go?" is about where the story said she is going ("... invited to her first
                    # sleepover on friday ... shes in remission ... is it ok for her to go?"), however far back
                    going = next((x for x in reversed(story) if _pattern(settings()["going_to"]).search(x)), None)
                    if going is not None:
                        last = [going]
                if _SBA_ASK.match(p) and (told or story):
                    last = (told or story)[-2:]   # an exam question's stem, medicines and all ("In the PREDNOS 2
                    #                               trial, ... daily prednisolone or placebo. Which statement is correct?")
                if _THAT_PLAN.search(p) and told:
                    last = told[-1:]   # the plan just told, medicines and all ("... wants IV dexamethasone pulses +
                    #                    oral cyclo. What is the evidence for that protocol?")
                if _CLAIM_CHECK.match(p) and (told or story):
                    # the claim checked is what someone was told to have said ("... she says children with kidney
                    # conditions cant have live vaccines ... is she right?"), else the last thing told
                    said = [x for x in (told or story) if re.search(r"\b(?:says?|said|told|tells|thinks?|reckons?)\b", x, re.I)]
                    last = (said or told or story)[-1:]   # "is that true?" checks the claim just told ("my friend said mmf is bad if u
                    #                    get pregnant, is that true??"), medicine and all
                if not last and bare and not referring:
                    last = context[-2:]   # a question of no subject ("what do we do?") after a story that names a
                    #                       medicine on the way ("... on prednisolone and her friend has chickenpox")
                if not last and out and out[-1][0] == out[-1][1]:
                    # all it was told names a medicine ("the nurse says its the steroids"): the question before
                    # gives the subject ("why is her blood pressure high? ... will it go back to normal?")
                    last = [out[-1][1]]
                if not last and re.search(r"\b(?:stop|go away|get better|last|settle|wear off|improve|pass)\b", p, re.I):
                    last = context[-1:]   # ... a change it asks about is the story's ("since he started pred he wakes
                    #                       at 3am ... will it stop?"; "... need rituximab. is it dangerous?" is the
                    #                       medicine's)
                named = list(dict.fromkeys(m.group().lower() for x in context if not _PAST_MEDICINE.search(x)
                                           for m in vocabulary().drug_pattern.finditer(read[x])))
                #   (not the medicines of a statement that says they were taken once: "was on tacrolimus and
                #   mycophenolate till 15 ... can I get pregnant ok?")
                if _THAT_PLAN.search(p) and told:
                    named = []   # (the plan's own medicines are in it: not those of the story before it)
                if not named and _IT_SAID.search(" ".join(last)):
                    # "... the leaflet says it can cause cancer, is that true?": what "it" is, the medicine the
                    # message named last (in its story or in a question before), when it named one
                    named = next((w[-1:] for w in (_drug_words(x) for x in reversed([*story, *(q for _, q in out)]))
                                  if w), [])
                out.append((", ".join([*last, p]) + (f" ({', '.join(named)})" if named else ""), p))
                before = context
            elif not referring or not out:
                out.append((p, p))   # ... the message's first question ("is it genetic?") is about the illness
        else:
            out.append((p, p))
            before = []
        told = []
    return tuple(out)


_MEANING_ASKED = re.compile(r"\bwhat (?:does|do|did) (?:that|this|it|they|those) (?:\w+ )?mean\b|\bwhat(?:'s| is) that\b",
                            re.I)
_COURSE_TOLD = re.compile(r"\b(?:steroid[- ]?(?:resistant|dependent|sensitive)|srns|ssns|frns|sdns|frequently relapsing|"
                          r"minimal change|fsgs|partial remission)\b", re.I)


def _mostly_said(text: str, said: str) -> bool:
    """A sentence the summary already says in other words: at most a quarter of its subject stems are new,
    its references in brackets and UK/US spellings aside ("A relapse is a dipstick of 3+ ... (IPNA 2023 Table 1)"
    after "Relapse: ... dipstick ≥3+ ...")."""
    from nephroguide.answer.understand import canonicalise, normalise

    def stems(x: str) -> set[str]:
        return _stems_in(canonicalise(normalise(re.sub(r"\([^()]*\d{4}[^()]*\)", " ", x)))[0])

    own = stems(text)
    return len(own) >= 4 and len(own - stems(said)) <= len(own) // 4


# a dose asked in shorthand at the start of a part ("MMF dose for a 1.1 m2 child with SDNS, and how long ...?")
_SHORTHAND_DOSE = re.compile(r"^\s*[\w-]+\s+dos(?:e|ing|age)\s+(?:for|in)\b", re.I)


def _dose_request(part: str) -> bool:
    """A part that asks for a named medicine's dose without a question mark ("standard relapse pred regimen for
    20kg")."""
    from nephroguide.answer.understand import vocabulary

    return bool(_DOSE_ASKED.search(part)) and bool(vocabulary().drug_pattern.search(_read(part)))


def unanswered_question(u: Understanding, chosen: str, audience: str) -> str | None:
    """A message whose every question nothing in the pack fits, and which the answer it reached (through what it
    tells: "... the school sent a letter") does not speak of ("how do I get rid of head lice?"): that question's
    subject, so that the reader is told it is not covered rather than given an answer to something else; None
    otherwise."""
    asked = _asked_parts([x for p in _message_parts(u.question) for x in _two_verbs(p)], _marked_questions(u.question))
    if not asked:
        return None
    lines = part_lines(u, chosen, audience)
    open_ = [p for p in lines if p.answer is None and not p.refs and not p.leads and not p.loose]   # (a dose line answers)
    if len(open_) != len(asked) or len(lines) != len(asked):
        return None
    if open_[0].of_story:   # "suspected CSVT ... - what imaging?": the story's answer stands, the question is named
        return None
    if open_[0].uncovered:   # "can I get a tattoo?": the subject no pack entry speaks of
        return _with_story_condition(u.question, ", ".join(open_[0].uncovered))
    return subject_of(u, retrieve(_read(asked[0][0]), list(u.drugs), one_question=True))


def _part_answer(u: Understanding, part: str, need: float, bare: str | None = None,
                 prefer: str | None = None) -> tuple[Hit | None, float]:
    """See :func:`_part_answer_of` (read once per message: routing, part lines and scope all ask)."""
    return _part_answer_cached(u, part, need, bare, prefer)


@functools.lru_cache(maxsize=48)   # (a few messages: a benchmark's repeated questions are not served from it)
def _part_answer_cached(u: Understanding, part: str, need: float, bare: str | None,
                        prefer: str | None) -> tuple[Hit | None, float]:
    return _part_answer_of(u, part, need, bare, prefer)


def _part_answer_of(u: Understanding, part: str, need: float, bare: str | None = None,
                    prefer: str | None = None) -> tuple[Hit | None, float]:
    """The best direct answer to one question of a message, read with the medicines the message names ("he is
    starting tacrolimus ... what blood tests will he need?") and, when that does not fit as well as ``need``, with
    the stage it states ("steroid resistant ... will he need dialysis?"). A short question read with the story
    before it (``part``) is also read as asked (``bare``), unless it only points back ("is that normal?"): the
    reading that fits better counts."""
    if bare is not None and bare != part and _DUMMY_IT.match(bare):
        from nephroguide.answer.understand import normalise

        own = _exact_keys().get(_bare(normalise(bare)))
        if own is not None and not _not_for_this(u, own):   # "is it something we did": one of the pack's own
            return Hit(own, "answer", "", 0.0, 1.0, 1.0, 1.0), 1.0
    if bare is not None and bare != part and _SAME_QUESTION_OF_SIBLING.match(bare) and _SIBLING_VACCINE.search(part):
        # (asked of the brother or sister, who takes none of the child's medicines)
        return _part_answer(dataclasses.replace(u, drugs=(), patient_drugs=()), part, need, prefer=prefer)
    if bare is not None and bare != part and not _REFERRING.match(bare):
        best, conf = _part_answer(u, bare, need, prefer=prefer)
        hit, fit = _part_answer(u, part, need, prefer=prefer)
        if hit is not None and fit >= float(settings()["direct"]["unanswered"]) and _leans_on_story(bare):
            if u.drugs and best is not None and fit < float(settings()["direct"]["part"]) <= conf \
                    and re.search(r"\b(?:risks?|side effects?|dangers?|dangerous)\b", bare, re.I):
                return best, conf   # ... unless it asks a medicine's risks, and the message's medicine gives it its
                #                     subject and fits better ("... wants to give rituximab bc she keeps relapsing
                #                     ... what are the risks")
            return hit, fit   # a question of one subject word ("what are the signs?" after "... can get blood clots"):
            #                   its story's reading, when that fits (not the signs of nephrotic syndrome)
        if best is not None and hit is not None and best.id != hit.id and conf >= need \
                and _speaks_of_little(bare, hit.id):
            return best, conf   # a question with a subject of its own ("... a gene test, could our next baby have it
            #                     too?"): not the story's answer, which speaks of little of what it asks
        return (hit, fit) if fit > conf else (best, conf)   # the reading that fits better
    if bare is not None and bare != part and _part_terms(bare) - set(settings()["frame_words"]) - _medicine_stems() \
            and not _FRAME_ONLY.match(bare) and not _CHANGE_BACK.match(bare) and not _leans_on_story(bare):
        # (not one that only leans on its story: "... residential trip ... Is it safe for her to go?" is the trip's
        # question, not tacrolimus's side effects)
        # a question pointing back that names its own subject ("is this a relapse?" after "he has a runny nose"):
        # as asked too, when that fits closely and better
        best, conf = _part_answer(u, bare, need, prefer=prefer)
        hit, fit = _part_answer(u, part, need, prefer=prefer)
        return (best, conf) if conf >= need and conf > fit else (hit, fit)
    from nephroguide.answer.understand import normalise
    from nephroguide.knowledge.pack import load_pack

    own = _exact_keys().get(_bare(normalise(part)))
    if own is not None and not _not_for_this(u, own):   # one of the pack's own phrasings ("what is mycophenolate")
        return Hit(own, "answer", "", 0.0, 1.0, 1.0, 1.0), 1.0
    text = _SIZE.sub(" ", _read(part))   # "cyclophosphamide 18 kg: FBC frequency": the size is not the question
    typed = _typed_words(part, text)
    if typed:   # (and the words as typed, as the whole message is read: "side effects" meets "side effects", not
        text = f"{text} {typed}"   # only its reading "adverse event")
    stage = _stage_words(u, text)
    asked_only = _drugs_of_other_questions(u.question, part)
    # (a part that names a drug class of its own is not read with the story's medicines: "... starting tacrolimus
    # ... can I add an ARB as well?")
    # (nor is a part that names a medicine of its own, or has one from its story: "what monitoring (levamisole)" in a
    # message that also says the family cannot afford MMF or tacrolimus)
    own_medicine = bool(_medicines_in(part)) or _names_a_class(part)
    text = " ".join([text, *(d for d in u.drugs if d not in text and d not in asked_only and not own_medicine)])
    # (each reading with the part as the question: a "Because ..." answer only for a why)
    scored = _answer_confidences(dataclasses.replace(u, question=part, text=text),
                                 retrieve(text, list(u.drugs), one_question=True), by_match=False, asked_already=prefer,
                                 message=u.question)
    best, conf = (scored[0][1], scored[0][0]) if scored else (None, 0.0)
    given = next(((c, h) for c, h in scored if h.id == prefer), None)
    given_da = load_pack().answers.get(prefer) if prefer is not None else None
    best_da = load_pack().answers.get(best.id) if best is not None else None
    if given is not None and given_da is not None and best_da is not None and best_da.id != given_da.id \
            and _form(part) == "yn" and not re.search(r"\bor\b", part, re.I) \
            and _answers_yes_no(best_da.family_answer or best_da.answer) \
            and not _answers_yes_no(given_da.family_answer or given_da.answer):
        given = None   # a yes/no question answered Yes or No by its own best, not by the answer given to another
        #                question of the message ("Is it ok to go on holiday to Spain ...? What should we pack?");
        #                not an either-or one, which no Yes or No answers ("start the pred myself or ring the team?")
    if given is not None and given[0] >= conf - float(settings()["direct"]["part_given_margin"]) \
            and not (given_da is not None and _speaks_of_none(part, given_da, 1) and _hard_subject(
                _subject_terms(part), ret_words(_read(part)))):
        # (not when the part names a specific subject of its own that the answer given never speaks of: "... and
        # does she need thromboprophylaxis?" beside "hold both" answers)
        return given[1], given[0]   # the answer given fits this question about as well: it is its answer
    if stage and (conf < need or prefer is not None):
        staged = " ".join([text, *stage])
        hit, fit = _answer_confidence(dataclasses.replace(u, question=part, text=staged),
                                      retrieve(staged, list(u.drugs), one_question=True), by_match=False,
                                      message=u.question)
        answers = load_pack().answers

        def asks_dose(kb_id: str | None) -> bool:
            return kb_id in answers and any(_DOSE_ASKED.search(a) for a in answers[kb_id].asks)

        dose_of_best = best is not None and bool(_DOSE_ASKED.search(part)) and asks_dose(best.id) and not asks_dose(prefer)
        if (conf < need and fit > conf) or (hit is not None and hit.id == prefer and fit >= need and not dose_of_best
                                             and fit >= conf - float(settings()["direct"]["part_given_margin"])):
            # (read with the stage the message states, the answer given fits about as well as the best: it is this
            # part's too, unless the part asks a dose that only the best speaks of ("... thromboprophylaxis, what
            # dose": the LMWH dose answer, not the low-albumin one): "she relapsed again ... should I keep her off school?" in a relapse, not with a cold)
            best, conf = hit, fit
    plain = _read(part)
    other = _names_any(part, settings()["other_medicines"])
    named = bool(vocabulary().drug_pattern.search(plain))   # (a part naming its own medicine, "... 20% albumin?")
    if conf < need and plain != text and (other or named or not _own_medicine(part)):
        # ... and, still not enough, as asked: a part about another medicine ("... how much pred? and can he take
        # ibuprofen?") is not about the ones the message names (their situations still rule answers out); nor is
        # one that names none when, read so, it fits an answer very closely ("... can she still go swimming?")
        hit, fit = _answer_confidence(dataclasses.replace(u, question=part, text=plain),
                                      retrieve(plain, [], one_question=True), by_match=False,
                                      message=u.question)
        # (the medicines may also have pulled in an answer that speaks of nothing the part asks: "... on
        # levamisole. Can he do football?" -> how long levamisole is taken)
        known = load_pack().answers.get(best.id) if best is not None else None
        subject = _part_terms(part) - set(settings()["frame_words"])
        pulled = known is not None and bool(subject) and not subject & _stems_in(_answer_words(known))
        far = fit >= need and fit - conf >= float(settings()["direct"]["part_plain_gap"])   # (the medicines only blurred it:
        #     "... day 3 of relapse pred ... should he get 20% albumin")
        if fit > conf and (other or fit >= float(settings()["direct"]["part_plain"]) or far or (pulled and fit >= need)):
            best, conf = hit, fit
    return best, conf


# a question as written: a question word, or an auxiliary then its subject ("and is really swollen" is not one)
_QUESTION = re.compile(r"^\s*(?:(?:and|also|so|but|plus)\s+)*(?:(?:what|whats|which|when|where|why|how|who)\b|"
                       r"(?:can|could|should|will|would|is|are|was|does|do|did|may|might|must|has|have)\s+"
                       r"(?:it|he|she|they|we|i|you|there|this|that|these|those|my|his|her|our|their|your|the|a|an)\b)",
                       re.I)


@functools.lru_cache(maxsize=64)
def _drugs_of_other_questions(question: str, part: str) -> frozenset[str]:
    """Medicines the message names only in its later questions (or, for a part that names its own, in its other
    questions), not in what it tells, in this part nor before it: they are not read with this part ("... 3rd relapse in 8 months on alt day pred. is this FRNS? next agent - levamisole vs
    MMF vs cyclo?": "is this FRNS?" is not about cyclophosphamide)."""
    def named(text: str) -> set[str]:
        return set(_medicines_in(text))

    parts = _message_parts(question)
    marked = _marked_questions(question)
    asked = [bare for _, bare in _asked_parts(parts, marked)]
    here = named(part)
    at = next((i for i, p in enumerate(asked) if p == part or p in part), None)
    if at is None:
        return frozenset()
    told = set().union(*(named(p) for p in parts if p not in asked)) if parts else set()
    # (a question leans on what came before it, an earlier question too: "can my son get his MMR booster ... while
    # hes on prednisolone? ... isnt flu spray live?")
    later = set().union(*(named(p) for p in asked[at + 1:])) if asked[at + 1:] else set()
    before = set().union(*(named(p) for p in asked[:at])) if asked[:at] else set()
    if here or _names_a_class(part):   # a question that names its own medicine (or class: "can I add an ARB?")
        #        does not lean on an earlier one's ("rituximab vs MMF vs tacrolimus? What do I check before
        #        rituximab?": the checks before rituximab)
        return frozenset((later | before) - told - here)
    return frozenset(later - told - here - before)


def _classes_named(read: str) -> list[str]:
    """The drug classes other than steroids a text as read names ("ARB", "calcineurin inhibitor"): understanding.yaml
    ``class_words``, compiled once."""
    from nephroguide.answer.understand import rules as reading_rules

    return [c for c, pat in reading_rules().class_words if c != "glucocorticoid" and pat.search(read)]


def _names_a_class(part: str) -> bool:
    """The part names a drug class other than steroids."""
    return bool(_classes_named(_read(part)))


@functools.lru_cache(maxsize=256)   # (a message's parts: a benchmark's repeated questions are not served from it)
def medicines_in(part: str) -> tuple[str, ...]:
    """The pack's medicines a part of a message names (see :func:`_medicines_in`)."""
    return _medicines_in(part)


def _medicines_in(part: str) -> tuple[str, ...]:
    """The pack's medicines a part of a message names (their ids), in the order named."""
    from nephroguide.answer.understand import passed_over, vocabulary

    voc = vocabulary()
    read = _read(part)
    # (not one named only as the one passed over: "she refuses ciclosporin (hair) - tac mg per dose?")
    return tuple(dict.fromkeys(voc.drug_names[m.group(1)] for m in voc.drug_pattern.finditer(read)
                               if m.group(1) in voc.drug_names
                               and not passed_over(read, m.start())))


def _drug_words(part: str) -> list[str]:
    """The medicine names a part of a message uses, as the retrieval reads them, in the order named."""
    from nephroguide.answer.understand import vocabulary

    return list(dict.fromkeys(m.group().lower() for m in vocabulary().drug_pattern.finditer(_read(part))))


def _typed_words(part: str, read: str) -> str:
    """The words of a part as typed that its reading replaced, for the readings that lose what the pack's phrasings
    say ("side effects" read as "adverse event"; data: ``part_typed_readings``), else ""."""
    from nephroguide.answer.understand import normalise

    if not any(x in read for x in settings()["part_typed_readings"]):
        return ""
    typed = normalise(part)
    gone = [w for w in re.findall(r"[a-z][a-z'-]+", typed) if w not in read.split()]
    return " ".join(gone) if gone and typed != read else ""


def read_part(part: str) -> str:
    """See :func:`_read` (for the composer: what a message asks, read as the retrieval reads it)."""
    return _read(part)


@functools.lru_cache(maxsize=256)   # (a message's parts: a benchmark's repeated questions are not served from it)
def _read(part: str) -> str:
    """One part of a message as the retrieval reads it: normalised, typos corrected, terms canonical."""
    from nephroguide.answer.understand import canonicalise, correct_spelling, normalise

    return canonicalise(correct_spelling(normalise(part))[0])[0]


@functools.lru_cache(maxsize=256)   # (a message's parts: a benchmark's repeated questions are not served from it)
def _part_terms(part: str) -> frozenset[str]:
    """The subject terms of one part of a message read on its own."""
    from nephroguide.answer.retrieve import query_terms

    return frozenset(query_terms(_read(part)))


def _own_subject(part: str) -> bool:
    """A question that points back ("is this ...?") but names a subject of two words or more of its own."""
    return len(_part_terms(part) - (set(settings()["frame_words"]) - {"whi"}) - _medicine_stems()) >= 2   # ("why do these children
    #                                                                                       get oedema?" asks its own)


def _stems_in(text: str) -> set[str]:
    from nephroguide.answer.retrieve import index

    idx = index()
    return {t for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text.lower()) for t in idx.stems(w)}


def asked_part_route(u: Understanding, r: Route) -> Route:
    """A message that tells a story and then asks ("3yo, periorbital oedema, dip 4+, BP nl. which bloods at
    presentation?"): when the whole message fits its best direct answer only loosely, the question it asks, read
    on its own, may fit one closely (data: ``direct.asked_part``); then that answer is the one given."""

    cfg = settings()["direct"]
    if r.leads:
        return r
    if r.kind == "answer" and r.answer is not None:
        story = _story_answer_route(u, r)
        if story is not r or r.confidence >= float(cfg["asked_part"]["below"]):
            return story
    if r.kind != "pathway" and r.confidence >= float(cfg["asked_part"]["below"]):
        return r
    if u.adult or u.off_topic:
        return r   # the story is about an adult or another condition: the question asked is about them too
    parts = _message_parts(u.question)
    if r.kind == "pathway" and u.dose_asked and u.intent == "dosing" \
            and any(u.detail(k) is not None for k in ("weight_kg", "height_cm", "bsa_m2")) \
            and not _no_dose_asked(parts, _marked_questions(u.question)) \
            and not (names_other_medicine(u.question) and not _medicines_in(u.question)) \
            and not (u.drugs and set(u.drugs) <= set(u.failed)):
        return r   # "relapse, 24 kg, how much pred?": the dosing article works the doses out for this child (not
        #            "... on 36 mg ... will it stop when the dose comes down?", which asks no dose; nor "12 kg ...
        #            penicillin prophylaxis? dose?", whose dose is another medicine's; nor "... CNI-resistant (tac 7 mo)
        #            ... Acthar Gel ... the right dose?", whose every medicine named has failed)
    asking = [p for p in parts if _ASKING.match(p)]
    if not asking or len(parts) == 1:
        return r
    several = len(asking) > 1
    if several:
        # several questions, and the whole message reached a treatment article: the first question with a close
        # answer of its own leads (part_lines answers the others), unless the whole message's answer is the close
        # answer of one of them
        if r.kind not in ("pathway", "not_covered"):
            return r   # (nothing fitting the whole message: its questions may each have an answer, "Florida ...")
        asked = _asked_parts(parts)
        asked_as = dict(asked)
        asking = [p for p, _ in asked]
        whole = r.answer.id if r.answer is not None else None
        if whole is not None and any(whole in [h.id for h in retrieve(_read(p), list(u.drugs), one_question=True).hits
                                               if h.kind == "answer"][:3] for p in asking):
            return r
    best_route = r
    # an answer among the whole message's best few that a question, read with its story, also reaches is agreed on
    # by both readings: it needs a less close fit ("1+ monday, 2+ yesterday, 3+ this morning ... is this a relapse
    # already??" -> "No, not yet")
    agreed = {h.id for _, h in _answer_confidences(u, retrieval_for(u))[:3]} if several else set()
    for part in asking:   # the first question that has a close answer leads; part_lines answers the others
        if best_route is not r:
            break
        # the part read with the medicines the message names ("on day 6 of prednisolone ... how long does it take")
        if several:   # read as part_lines reads each question, so that the answer it leads with is that one's
            best, conf = _part_answer(u, part, float(cfg["asked_part"]["fit"]), bare=asked_as.get(part, part))
        else:
            if _REFERRING.match(part) and not _own_subject(part):
                continue   # "... he missed saturday and sunday ... is that dangerous": about the story, not alone
            if _GOING_ASKED.search(part) and _leans_on_story(part):
                continue   # "... school residential trip is in week 5 ... can she still go?": where the story said she
                #            is going, never read alone with the story's medicine ("cyclophosphamide ... still")
            if re.search(r"\bstill (?:work|working|effective|doing (?:its|their) job)\b", part, re.I):
                continue   # "... runny poos since saturday ... does the tacro still work?": whether the story
                #            changes the medicine, not what the medicine is
            text = _read(part)
            text = " ".join([text, *(d for d in u.drugs if d not in text), *_stage_words(u, text)])
            ranked = _answer_confidences(dataclasses.replace(u, question=part, text=text),
                                         retrieve(text, list(u.drugs), one_question=True), by_match=False,
                                         message=u.question)   # (an answer the story rules out is never given)
            conf, best = ranked[0] if ranked else (0.0, None)
            if best is not None and best.topic == "definitions" and not _TERM_ASKED.search(part):
                continue   # "does that mean he is going to keep relapsing?" asks what will happen, not a definition
            distinct = best is not None and conf >= float(cfg["asked_part"]["agreed"]) \
                and conf - (ranked[1][0] if len(ranked) > 1 else 0.0) >= float(cfg["asked_part"]["distinct"])
            if distinct and best is not None and r.kind == "pathway" and r.answer is None \
                    and answer_intent(best) == u.intent \
                    and not any(_ASKS_INSIDE.search(p) for p in parts if p != part):
                # ... and it is one of the very step's own: it leads the step's article ("FRNS on levamisole ...
                # out of stock for 2 weeks, is it ok to just miss it?")
                return Route("pathway", answer=best, confidence=conf)
            if distinct and best is not None and answer_intent(best) not in PATHWAY_INTENTS:
                # the question read alone points at one answer far ahead of any other ("... plan oral
                # cyclophosphamide ... should we offer sperm banking before starting?"), and one off the treatment
                # pathway the story named: both readings agree enough
                agreed = {best.id}
        both = best is not None and best.id in agreed
        if best is not None and conf >= float(cfg["asked_part"]["agreed" if both else "fit"]) \
                and (both or conf >= best_route.confidence + float(cfg["asked_part"]["margin"])):
            # (the question it answers goes with it, so that a choice is never answered "Yes": "Biopsy or genetics
            # first?")
            best_route = Route("answer", answer=best, confidence=conf,
                               asked=asked_as.get(part, part) if several and _CHOICE_ASKED.match(asked_as.get(part, part))
                               else "")
    return best_route


# a question inside a part that tells the story first ("creat drifting 45 -> 62 - how long do I keep the tac going")
_ASKS_INSIDE = re.compile(r"\b(?:how|what|which|when|why|whether)\b|\b(?:should|can|could|do|does|is|are|will)\s+"
                          r"(?:i|we|he|she|they|it|you)\b", re.I)


def _no_dose_asked(parts: Sequence[str], marked: set[str]) -> bool:
    """Every question of the message is typed as one ("?") and none asks for a dose or regimen ("... on 36 mg every
    day ... Is this from the steroids? Will it stop when the dose comes down?")."""
    asked = _asked_parts(parts, marked)
    # (a question written out with its question word counts as typed as one: "What would IPNA/KDIGO call this, and do
    # I switch or extend?" has its "?" only at the end)
    return bool(asked) and all((q in marked or (bool(marked) and bool(_QUESTION.match(q)))) and not _asks_a_dose(q)
                               and (q in marked or not (_DOSE_ASKED.search(p) or _dose_request(p)))
                               for p, q in asked) \
        and not any(_asks_a_dose(m) for m in marked)   # ("... What next - RTX or tac, and doses?")


def _asks_a_dose(question: str) -> bool:
    """A question that asks for a dose or regimen, or whether an amount is right."""
    return bool(_DOSE_ASKED.search(question) or _dose_request(question) or _AMOUNT_ASKED.search(question))


# whether an amount is right ("is he getting too little?", "is that enough?"): a dose question in other words
_AMOUNT_ASKED = re.compile(r"\b(?:dose|mg|amount|medicine|tablets?|pred\w*|steroids?)\b[^.?]{0,20}\btoo (?:little|much|low|high|small|big)\b|"
                           r"\bgetting too (?:little|much)\b|\b(?:dose|mg|amount)\b[^.?]{0,20}\benough\b|\bis (?:that|it|this) enough\b|"
                           r"\bright (?:dose|amount)\b|"
                           r"^\s*(?:and\s+)?(?:the\s+)?(?:doses?|dosing|dosage|mg)\s*\??\s*$", re.I)


def _story_answer_route(u: Understanding, r: Route) -> Route:
    """A message whose answer was reached through its story ("our baby has congenital NS ...") while each of its
    questions ("is it genetic? will our next baby have it?") has a close answer of its own that is not that one:
    the first question's own answer leads (part_lines answers the others)."""
    from nephroguide.knowledge.pack import load_pack

    assert r.answer is not None
    cfg = settings()["direct"]
    if u.adult or u.off_topic or r.danger:
        return r   # (a danger sign leads whatever else the message asks)
    parts = [x for p in _message_parts(u.question) for x in _two_verbs(p)]
    asked = _asked_parts(parts, _marked_questions(u.question))
    if len(parts) < 2 or len(asked) < 2 or asked[0][0] != asked[0][1]:
        return r   # one question, or one leaning on the story ("... what next?"): the story's answer is its
    fit = float(cfg["asked_part"]["fit"])
    # (as part_lines reads each; a later question read with the story is read as asked too: "... his eyes are so
    # puffy ... how long will he take it and will it come back??")
    own = [_part_answer(u, p, fit, prefer=r.answer.id) if p == q else _part_answer(u, p, fit, bare=q)
           for p, q in asked]
    if own[0][0] is None or own[0][1] < fit or any(h is not None and h.id == r.answer.id for h, _ in own):
        return r   # the answer given is one question's own, or the first question has no close answer: keep it
    lead = _lead_terms(r.answer.id)
    if any(_named_in_lead(q, lead) for _, q in asked):
        return r   # ... or its first sentence names what a short question asks
    if r.confidence >= float(cfg["asked_part"]["story_below"]) and not all(c > r.confidence for _, c in own):
        return r   # an answer that fits the whole message closely is its answer ("tac dose and trough: SRNS vs SSNS?"),
        #            unless each question fits its own answer more closely still
    da = load_pack().answers.get(r.answer.id)
    if da is not None and da.asked_when and _pattern(da.asked_when).search(u.question) \
            and r.confidence >= float(cfg["distinct_named"]["fit"]):
        return r   # ... and so is one written for what the story names ("... older bro had SRNS/FSGS -> transplant ...
        #            workup at presentation?": the family history changes the work-up, so its answer leads)
    best, conf = own[0]
    return Route("answer", answer=best, confidence=conf, asked=asked[0][1])


def _lead_terms(answer_id: str, family: bool = False) -> frozenset[str]:
    """The subject terms of a direct answer's first sentence, as the reader gets it."""
    from nephroguide.answer.audience import sentences
    from nephroguide.answer.retrieve import query_terms
    from nephroguide.knowledge.pack import load_pack

    da = load_pack().answers.get(answer_id)
    said = sentences(" ".join((da.family_answer if family else da.answer).split())) if da is not None else []
    return frozenset(query_terms(said[0])) if said else frozenset()


def _named_in_lead(question: str, lead: frozenset[str]) -> bool:
    """A short question (one or two subject words, not written out with a question word, or asking what to do)
    whose every subject word an answer's first sentence names: that answer answers it ("... still 3+ after 4 weeks.
    next steps - biopsy? genetics? CNI?" beside "Treat it as secondary SRNS: biopsy, yes; genetic testing, yes; then
    a calcineurin inhibitor."; "what do I do with the dose?" beside "Reduce the dose: ...")."""
    terms = _subject_terms(question)
    if _HOW_LAST.search(question):
        return False   # "anticoagulate how?": naming it ("anticoagulate if confirmed") does not say how
    return 0 < len(terms) <= 2 and terms <= lead and (not _QUESTION.match(question)
                                                      or bool(_ACTION_ASKED.match(question)))


def _timed_in_lead(question: str, lead: frozenset[str], answer_id: str, family: bool) -> bool:
    """A "how long after ...?" question whose subject words an answer's first sentence names, with a time ("... wait
    at least 1 month after it stopped before MMR" answers "how long after stopping pred?")."""
    from nephroguide.answer.audience import sentences
    from nephroguide.knowledge.pack import load_pack

    if not _HOW_LONG_AFTER.search(question):
        return False
    terms = _subject_terms(question) - {"long", "after", "since", "from", "mani", "day", "week", "month"}
    if not 0 < len(terms) <= 2 or not terms <= lead:
        return False
    da = load_pack().answers.get(answer_id)
    said = sentences(" ".join((da.family_answer if family else da.answer).split())) if da is not None else []
    return bool(said) and bool(_DURATION.search(said[0]))


_BARE_HOW_LONG = re.compile(r"\s*(?:and\s+)?(?:for\s+)?how long(?:\s+for)?\s*\??\s*", re.I)
_HOW_LONG_AFTER = re.compile(r"^\W*(?:and\s+)?(?:how long|how many (?:days|weeks|months)) (?:after|since|from)\b", re.I)
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:to|-|or)?\s*\d*\s*(?:days?|weeks?|months?|years?)\b", re.I)


_HOW_LAST = re.compile(r"\b(?:how|which|what dose|how long|how much|what with)\s*\??\s*$", re.I)


def _stage_words(u: Understanding, text: str) -> list[str]:
    """The course of the illness the message states, in words, for reading one of its questions on its own ("he
    is steroid resistant ... is he going to need dialysis?"); nothing when the part already names a stage."""
    from nephroguide.answer.understand import rules

    names = rules().raw["stage_names"]
    if not u.stage or any(re.search(rf"\b{re.escape(str(n).lower())}\b", text) for n in names.values()):
        return []
    named = next((names[x] for x in u.stage if x in names), None)
    return [str(named).lower()] if named else []


_TWO_VERBS = re.compile(r"^(?P<ask>(?:(?:and|also|so|but)\s+)*(?:can|could|should|may|will|would|is it ok(?:ay)? for|is it safe for)"
                        r"\s+(?:he|she|they|we|i|my \w+|our \w+|the \w+|your \w+))\s+(?P<one>.+?)\s+and\s+"
                        r"(?P<two>(?:go|have|take|eat|play|swim|travel|fly|get|drink|visit|stay|keep|do|join|see|wait|watch|leave)\b.*)$", re.I)


_LISTED = re.compile(r"(?:(?<=^)|(?<=[.:;?!]\s))\s*((?:[A-Za-z][\w/+-]*(?:\s+[\w/+-]+){0,2},\s*){2,}(?:and\s+)?"
                     r"[A-Za-z][\w/+-]*(?:\s+[\w/+-]+){0,2})\s*\?")


# an item of such a list that tells the story rather than naming a thing to tell ("on levamisole", "relapsed again")
_TOLD_ITEM = re.compile(r"^(?:on|off|in|after|since|now|still|was|is|has|had|no|not|relapsed|started|stopped|failed)\b", re.I)


# ... and such a list that ends in a question of its own ("... in remission. Dose, duration, monitoring, and what do I
# tell the family about fertility?"): each item asked, then that question
_LISTED_THEN = re.compile(r"(?:(?<=^)|(?<=[.:;?!]\s))\s*((?:[A-Za-z][\w/+-]*(?:\s+[\w/+-]+){0,2},\s*){2,})(?:and\s+)?"
                          r"(?=(?:what|how|which|when|why|who|is|are|do|does|should|can|could|will)\b)", re.I)


# ... and a heading that asks for a topic's facts, then a list ("epidemiology of childhood NS: incidence, typical age,
# sex ratio, what % relapse ...")
_HEADED_LIST = re.compile(r"^(?P<head>[^:?.]*\b(?:epidemiology|overview|summary|summari[sz]e|features|explain|describe|"
                          r"outline|discuss|key facts|tell me about|what about|facts about|give me)\b[^:?.\d]*):\s*"
                          r"(?P<items>(?:[A-Za-z][A-Za-z/+-]*(?:\s+[A-Za-z/+-]+){0,2},\s*){2,})", re.I)


def _listed_questions(question: str) -> str:
    """A sentence that lists short things to tell ("... 20 kg 6yo. dose, duration, cumulative max, monitoring?") asks
    each: written as one question each ("dose? duration? cumulative max? monitoring?")."""
    m = _HEADED_LIST.match(question)
    if m is not None:   # ("epidemiology of NS: incidence, typical age, sex ratio, ...": each item of the head's topic)
        items = [x.strip() for x in m.group("items").split(",") if x.strip()]
        question = f"{m.group('head')}. " + " ".join(f"{x}?" for x in items) + " " + question[m.end():]
    def then(m: re.Match[str]) -> str:
        items = [x.strip() for x in m.group(1).split(",") if x.strip()]
        if any(_TOLD_ITEM.match(x) for x in items):
            return m.group()   # a story told in shorthand, then its one question ("on levamisole, relapsed again, what next?")
        return " " + " ".join(f"{x}?" for x in items) + " "

    def each(m: re.Match[str]) -> str:
        items = [x.strip() for x in re.split(r",\s*(?:and\s+)?", m.group(1))]
        if any(_TOLD_ITEM.match(x) for x in items[:-1]) and _ASKING.match(items[-1]):
            return m.group()
        return " " + "? ".join(items) + "?"

    return _LISTED.sub(each, _LISTED_THEN.sub(then, question))


_UNSURE_WHY = re.compile(r"^\s*(?:(?:but|and)\s+)?(?:i|we)\s+(?:don'?t|do not|dont)\s+(?:really\s+|quite\s+|fully\s+)?"
                         r"(?:understand|know|get)\s+why\b[\s,]*(?:(?:or|and)\s+)?(?P<rest>.*)$", re.I)


_TOLD_AFTER_DASH = re.compile(r"^(?P<q>(?:is|was|did|could|can|should|does|do|will|would)\b[^-–?]{3,50}?)\s+[-–]\s+"
                              r"(?P<rest>(?:he|she|they|we|i|my|his|her|our)\b.{10,})$", re.I)
_WORD_LIST = re.compile(r"\b[A-Za-z]+(?: [A-Za-z]+)?(?:,\s*[A-Za-z]+(?: [A-Za-z]+)?){2,},?\s+(?:or|and)\s+[A-Za-z]+(?=\s*[,.;!]|\s*$)")


def _message_parts(question: str) -> list[str]:
    return list(_message_parts_cached(question))


@functools.lru_cache(maxsize=256)
def _message_parts_cached(question: str) -> tuple[str, ...]:
    """The sentences and clauses of a message ("Its been 3 years. Is he cured? Can we stop the dipsticks?"),
    without fragments too short to ask anything ("30 kg"); "Is it my fault" counts."""
    out: list[str] = []
    question = _listed_questions(question)
    question = _INTERJECTION.sub("", question)   # ("... lol is it allowed": the question, not the laugh)
    question = _YES_OR_NO.sub("?", question)   # ("2) statin y/n, which?": a question of its own)
    # (who asks, before a dash, is no part of the question: "gen paeds - do kids who've only had ...")
    question = _pattern(settings()["asker_role"]).sub("", question, count=1)
    question = percentage_asked(question)   # ("what % are steroid sensitive": read as the words say it)
    defining = False   # the parts after "definitions of ..." are its terms
    # a list in brackets is one part ("what to check before (hep B, IgG)?")
    # (and its closing bracket is not a list number: "my son (he is 4) and now ..."; "(1) can she ..." still is one)
    kept = re.sub(r"\((?!\s*\d{1,2}\s*\))[^()]*\)", lambda m: m.group().replace(",", "\x1f")[:-1] + "\x1e", question)
    # ... and so is a list of what is compared ("the difference between SSNS, SDNS and FRNS?")
    kept = re.sub(r"\b(?:between|compare|comparing)\s+[^?.;:]*?\band\b[^?.;:]*", lambda m: m.group().replace(",", "\x1f"),
                  kept, flags=re.I)
    # "dose + monitoring" / "dose & monitoring" are two asks of one medicine, read as "dose and monitoring"
    # ("levamisole dose + monitoring?", "MMF dose & monitoring")
    kept = _DOSE_PLUS.sub(" and ", kept)
    # ... and a list of things of a word or two each ("a diet sheet that says no bananas, potatoes, tomatoes or
    # chocolate, limit milk"): "tomatoes or chocolate" is no question of its own
    kept = _WORD_LIST.sub(lambda m: m.group().replace(",", "\x1f"), kept)
    # (never after an abbreviation's full stop: "What did Kapur et al. (2009) find ...?", "e.g. MMF")
    for x in re.split(r"(?<!\bet al)(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<=[a-z0-9+%)\x1e\"'])\.\s+", kept, flags=re.I):
        for p in _PARTS.split(x):
            p = p.replace("\x1f", ",").replace("\x1e", ")")
            defining = bool(out) and (bool(_DEFINE_LIST.match(out[-1])) or defining)
            asked = bool(p.strip()) and _asked_in(p.strip(), x)
            unsure = _UNSURE_WHY.match(p) if out and p else None
            if unsure is not None:
                # "... we need blood levels checked but I don't really understand why or what we should watch for":
                # the why of what it told, then the rest as its own question
                out[-1] = f"{out[-1]}, why"
                rest = unsure.group("rest").strip(" .")
                if len(re.findall(r"[A-Za-z]{3,}", rest)) >= 2:
                    out.append(rest)
            elif out and p and (_BARE_WHY.match(p) or _OR_ONLY.match(p)):
                out[-1] = f"{out[-1]}, {p.strip()}"   # "the doctor gave us penicillin too, why??"; "... for every kid
                #                                       on pred, or only FR/SD?"
            elif p and (len(re.findall(r"[A-Za-z]{3,}", p)) >= 2 or len(re.findall(r"[A-Za-z]{2,}", p)) >= 3
                        or (asked and re.search(r"[A-Za-z]{3,}", p))   # ("... - PPI? calcium? vitamin D?")
                        or (defining and re.search(r"[A-Za-z]{3,}", p))   # ("definitions of remission, relapse, ...")
                        or (asked and re.fullmatch(r"\s*(?:ok|okay|ok to give|safe|alright|fine)\s*", p, re.I))):
                #   ("GP wants to start clarithromycin for a chest infection. ok?")
                run_on = None if _ASKING.match(p) else _RUN_ON.search(p)
                told_after = _TOLD_AFTER_DASH.match(p.strip())
                if told_after is not None:
                    # a short question, then what happened after a dash ("is it something we did - he had a bad cold
                    # 2 weeks ago and i gave him calpol"): the question, then the story it asks about
                    out.extend([told_after.group("q").strip(), told_after.group("rest").strip()])
                elif run_on is not None and len(re.findall(r"[A-Za-z]{3,}", p[:run_on.start()])) >= 2:
                    # a question run on after a statement, unpunctuated ("hes so misrable can i just stop the tablets")
                    out.extend([p[:run_on.start()].strip(), p[run_on.start():].strip()])
                else:
                    out.append(p.strip())
    return tuple(_defined_terms(out))


# ("define A, B and C" has its own reading: the definitions answer lists them)
_DEFINE_LIST = re.compile(r"^\s*(?:what (?:are|is) the |give the |list the )?(?:definitions?|meanings?) of\s+(?P<first>.+)$",
                          re.I)


def _defined_terms(parts: list[str]) -> list[str]:
    """A list of terms to define ("what are the definitions of remission, relapse, frequently relapsing and
    steroid dependent nephrotic syndrome (with the numbers)?"): each term its own "what is ..." question."""
    out: list[str] = []
    asking = False
    for p in parts:
        m = _DEFINE_LIST.match(p)
        if m is not None:
            asking = True
            out.append(p)
            continue
        short = re.sub(r"\([^()]*\)", "", p).strip()
        if asking and not _ASKING.match(p) and 0 < len(short.split()) <= 8:
            terms = re.split(r"\s+and\s+", short, maxsplit=1) if len(short.split()) >= 3 else [short]
            out.extend(f"what is {'a ' if len(t.split()) == 1 else ''}{t.strip()}" for t in terms if t.strip())
            continue
        asking = False
        out.append(p)
    return out


_RUN_ON = re.compile(r"(?<!\bhow)(?<!\bwhat)(?<!\bwhen)(?<!\bwhere)(?<!\bwhy)(?<!\bwho)(?<!\bwhich)(?<!\band)(?<!\bor)"
                     r"(?<!\bbut)(?<!\bso)(?<!\bthat)(?<!\bif)(?<!\bwhether)\s+(?=(?:can|could|should|may|shall) (?:i|we|he|she|they)\b|"
                     r"(?:does|do|is|will|would) (?:that|this|it) (?:matter|make a difference|count|affect)\b|"
                     # ("his hands shake a bit is that the medicine")
                     r"(?:is|could|can) (?:that|this|it) (?:be )?(?:the|from the|from his|from her|a side effect)\b|"
                     # ("my mum says ask the kidney people first lol is it allowed")
                     r"is (?:that|this|it) (?:allowed|ok|okay|alright|safe)\s*[?!.]*\s*$)",   # ("lol" is dropped first)
                     re.I)


# the other half of a choice, with no question of its own ("..., or only FR/SD?", "..., or just in relapse?")
_OR_ONLY = re.compile(r"^\s*or\s+(?!(?:can|could|should|shall|do|does|did|is|are|was|will|would|may|must|how|what|when|where|which|who|why)\b)"
                      r"(?:\S+\s*){1,6}[?!.]*\s*$", re.I)


# a question of one word about what was just said ("..., why??"), and a part ending with it
_BARE_WHY = re.compile(r"^\s*(?:but\s+)?(?:why|how come|what for)\s*[?!.]*\s*$", re.I)
_ENDS_WHY = re.compile(r"(?:,|\s[-–—:])\s*(?:but\s+)?(?:why|how come|what for)\s*[?!.]*\s*$", re.I)


_TWO_TERMS = re.compile(r"^(?P<ask>define|what (?:is|are|does|do)(?! the difference)(?: the)?)\s+(?P<one>[\w-]+(?:\s[\w-]+)?)"
                        r"\s+and\s+(?P<two>[\w-]+(?:\s(?!mean\b)[\w-]+)?)(?:\s+(?P<mean>mean))?\s*\??$", re.I)


_TWO_OBJECTS = re.compile(r"^(?P<ask>(?:(?:and|also|so|but)\s+)*(?:can|could|should|may|will|would|is it (?:ok|okay|safe) for|"
                          r"why (?:does|do|did))"
                          r"\s+(?:he|she|they|we|i|my \w+|our \w+)\s+(?:(?:still|also|now|safely|even|then)\s+)?"
                          r"(?:have|get|take|eat|drink|go to|go on|do|play|need))"
                          r"\s+(?P<one>(?:the |a |an |his |her |their |some )?[\w-]+(?: [\w-]+)?)\s+and\s+"
                          r"(?P<two>(?:the |a |an |his |her |their |some )?[\w-]+"
                          r"(?: (?!(?:while|when|on|during|with|if|at|after|before)\b)[\w-]+)?)"
                          r"(?P<rest>\s+(?:while|when|on|during)\b.*)?"
                          r"(?P<tail>\s+and\s+(?:for\s+)?how long\b.*)?"
                          r"(?:\s+(?:that'?s|thats|which is|that is|they'?re|theyre) (?:due|booked|next)\b.*)?$", re.I)


# (a word that qualifies the dose goes with it, not with the other question: "starting dose and target trough")
_DOSE_AND = re.compile(r"^(?P<pre>.*?\b)(?P<one>(?:(?:starting|initial|usual|maintenance|loading|max(?:imum)?)\s+)?"
                       r"(?:doses?|dosing|dosage))\s+and\s+(?P<two>(?!(?:duration|how long|for how long)\b)"
                       r"[A-Za-z].*)$", re.I)


# a part about the child's own medicine ("will the steroids give her diabetes?")
def _own_medicine(part: str) -> bool:
    """A part about the child's own medicine ("will the steroids give her diabetes?"): one the pack doses, or the
    words for them (retrieval.yaml ``own_medicine_words``)."""
    from nephroguide.answer.understand import vocabulary

    part = _STAGE_NAMED.sub(" ", part)   # ("can steroid resistant nephrotic syndrome go away?" names a stage, no medicine)
    return bool(vocabulary().drug_pattern.search(_read(part))) or _names_any(part, settings()["own_medicine_words"])


_STAGE_NAMED = re.compile(r"\b(?:steroids?|pred(?:nisolone|nisone)?)[- ](?:resistant|resistance|sensitive|sensitivity|"
                          r"dependent|dependence|dependency|responsive)\b", re.I)


def names_own_medicine(text: str) -> bool:
    """The text names one of the child's own medicines, by name or as "the steroids", "her medicine"."""
    return _own_medicine(text)


def _opposite(first: str, given: str) -> bool:
    """One text opens Yes and the other No (or Not)."""
    a, b = _opener(first), _opener(given)
    return a is not None and b is not None and a != b


def _non_steroids(drugs: Sequence[str]) -> set[str]:
    """The medicines named other than glucocorticoids (the pack's drug classes): what a question about a course is
    about when the steroid is only its background."""
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    return {d for d in drugs if d in pack.drugs and pack.drugs[d].drug_class != "glucocorticoid"}


@functools.lru_cache(maxsize=1)
def _other_medicines_pattern() -> re.Pattern[str]:
    """One pattern for every medicine outside the pack's (retrieval.yaml ``other_medicines``), compiled once."""
    words = sorted(settings()["other_medicines"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")s?\b", re.I)


def _it_is_another_medicine(question: str, part: str, da: Any) -> bool:
    """A part that points back with "it" ("how long does he have to take it?") when the medicine named last before it
    is one outside the pack's (penicillin, an antihistamine) and the answer found is about a pack medicine."""
    if not re.search(r"\b(?:take|taking|give|giving|have|on|stop|use)\s+(?:it|them)\b", part, re.I):
        return False
    at = question.find(part.split(",")[-1].strip()[:30]) if part else -1
    before = question[:at] if at > 0 else ""
    others = list(_other_medicines_pattern().finditer(before))
    ours = list(vocabulary().drug_pattern.finditer(before))
    if not others:
        return False
    last_other = max(m.start() for m in others)
    last_ours = max((m.start() for m in ours), default=-1)
    from nephroguide.knowledge.pack import load_pack

    return last_other > last_ours and bool(_asked_drugs(load_pack(), da.id))


def _names_any(text: str, words: Sequence[str]) -> bool:
    """The text names one of the words (whole words, a final plural "s" allowed)."""
    return any(_word_pattern(w).search(text) for w in words)


def gap_first(u: Understanding, da: Any, summary: str, family: bool) -> str:
    """A message of one what/how question that asks exactly what the answer's sources do not give (its gap, named by
    ``gap_asked``: "describe the mechanism of action of levamisole"): the first line says so, before what is known,
    unless the answer already says it."""
    if not da.gap or not da.gap_asked:
        return summary
    parts = [x for p in _message_parts(u.question) for x in _two_verbs(p)]
    asked = _asked_parts(parts, _marked_questions(u.question))
    # (a question alone, not one after a story: "suspected CSVT ... - what imaging?" names its own gap beside it)
    if len(parts) != 1 or len(asked) != 1 or not (_form(asked[0][1]) == "wh" or _TASK.match(asked[0][1])) \
            or not gap_asked_in(da, asked[0][1]) or _SECOND_TASK.search(asked[0][1]):
        return summary   # (nor one that asks two things, the answer giving the other: "describe the filtration
        #                  barrier's structure and explain how podocyte injury leads to proteinuria")
    if _pattern(settings()["gap_said"]).search(summary):
        return summary
    note = settings()["not_covered"]["gap_first_family" if family else "gap_first"]
    return f"{note.format(subject=da.gap)} {summary}"


_SECOND_TASK = re.compile(r"\b(?:and|then)\s+(?:explain|describe|how|why|what|which|list|outline|discuss|compare)\b", re.I)
_TASK = re.compile(r"^\s*(?:describe|explain|list|outline|define|discuss|summari[sz]e|compare)\b", re.I)


def gap_asked_in(da: Any, text: str) -> bool:
    """The direct answer has a gap (what its sources do not give) and the text asks for it (its ``gap_asked``
    pattern, or any question when it has none)."""
    gap, asked = getattr(da, "gap", None), getattr(da, "gap_asked", None)
    return bool(gap) and (not asked or _pattern(asked).search(text) is not None)


@functools.lru_cache(maxsize=2048)
def _pattern(pattern: str, flags: int = re.I) -> re.Pattern[str]:
    """A pattern from the data (an answer's not_when, gap_asked, asked_when; a settings list), compiled once: re's
    own cache is churned by the patterns built from each message."""
    return re.compile(pattern, flags)


@functools.lru_cache(maxsize=2048)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}s?\b", re.I)


def _asked_in(part: str, text: str) -> bool:
    """The part stands in the text followed by a question mark ("is he cured ?"), as the reader typed it."""
    start = text.find(part)
    while start >= 0:
        if text[start + len(part):].lstrip().startswith("?"):
            return True
        start = text.find(part, start + 1)
    return False


def rules_adult(part: str) -> bool:
    """A part about adults ("how are adults treated?")."""
    from nephroguide.answer.understand import canonicalise, normalise, rules

    text = canonicalise(normalise(part))[0]
    return any(p.search(text) for p in rules().adult)


def _two_verbs(part: str) -> list[str]:
    return list(_two_verbs_cached(part))


@functools.lru_cache(maxsize=256)
def _two_verbs_cached(part: str) -> list[str]:   # (callers get a copy)
    """One question asking two things with one subject ("can my son still play football and go on the school
    trip abroad?", "define FRNS and SDNS"): the two questions ("can my son still play football", "can my son go
    on the school trip abroad"); otherwise the part itself."""
    if re.search(r"\bwait and see\b", part, re.I):
        return [part]   # one idiom, one question ("should I wait and see how he is tomorrow?")
    terms = _TWO_TERMS.match(part)
    if terms is not None and terms.group("mean"):   # "what do remission and relapse mean?"
        return [f"what does {terms.group('one')} mean", f"what does {terms.group('two')} mean"]
    m = _TWO_VERBS.match(part) or terms
    if m is not None:
        return [f"{m.group('ask')} {m.group('one')}", f"{m.group('ask')} {m.group('two')}"]
    m = _DOSE_AND.match(part)   # "rituximab for SDNS: dose and monitoring CD19?"
    if m is not None and len(_part_terms(m.group("two"))) >= 1:
        pre = m.group("pre").rstrip(" :-")
        return [f"{pre} {m.group('one')}".strip(), f"{pre} {m.group('two')}".strip()]
    m = _TWO_OBJECTS.match(part)   # "can he have the flu jab and the MMR while on pred?"
    if m is not None:   # ("why does he need penicillin and omeprazole and for how long?": each, and how long)
        rest = (m.group("rest") or "") + (m.group("tail") or "")
        return [f"{m.group('ask')} {m.group('one')}{rest}", f"{m.group('ask')} {m.group('two')}{rest}"]
    return [part]


def scope_with_parts(lines: Sequence[PartLine], scope: str, note: str) -> tuple[str, str]:
    """A covered answer to a message with a part nephroguide has nothing on is partly covered, and says which."""
    uncovered = list(dict.fromkeys(w for p in lines for w in p.uncovered))
    if not uncovered or scope != "covered":
        return scope, note
    return "partly_covered", settings()["not_covered"]["partly"].format(subject=", ".join(uncovered))


def scope_with_unanswered(lines: Sequence[PartLine], scope: str, note: str) -> tuple[str, str]:
    """A covered answer whose first lines say a question of the message is not answered here (the lines as shown)
    is partly covered, and names that question."""
    cfg = settings()["not_covered"]
    unanswered = [re.sub(r"^\s*(?:(?:and|also|so|but|or)\s+)+", "", p.part, flags=re.I) for p in lines
                  if p.answer is None and not p.refs and p.text in (cfg["part"], cfg["part_family"])]
    if not unanswered or scope != "covered":
        return scope, note
    return "partly_covered", cfg["parts_unanswered"].format(parts='"; "'.join(unanswered))


def answers_every_question(u: Understanding, lines: Sequence[PartLine]) -> bool:
    """Each question of the message has a line of its own, with an answer (none only said to be not covered, none
    leading the summary): then a general article's summary answers none of them."""
    asked = _asked_parts([x for p in _message_parts(u.question) for x in _two_verbs(p)],
                         _marked_questions(u.question))
    answered = [p for p in lines if (p.answer is not None or p.refs) and not p.leads]
    return bool(asked) and len(answered) == len(lines) == len(asked)


def asked_before_the_dose(question: str, line: PartLine) -> bool:
    """A part of the message asked before its dose question ("do i start the pred myself or wait? how much do i
    give"): whether to act is answered before how much."""
    at = question.lower().find(line.part.lower())
    dose = _DOSE_ASKED.search(question)
    return line.answer is not None and not line.leads and at >= 0 and dose is not None and at < dose.start()


def with_parts(summary: str, lines: Sequence[PartLine], question: str | None = None) -> str:
    """The summary followed by each other part of the message, as the reader asked it, and its line; with the
    ``question``, a part asked before the one the summary answers under its words comes first, in the reader's
    order ("Can he go back to school ...? And what should I do if there is chickenpox ...?")."""
    def asked(part: str) -> str:   # "and also can i ..." -> "Can I ...?"
        return question_form(re.sub(r"^\s*(?:(?:and|also|plus|or|but|so)\s+)+", "", part, flags=re.I))

    def said(part: str, text: str) -> str:   # "can I play football or do I have to stop? Yes." answers neither
        return _without_yes_no(text) if _EITHER_OR.search(part) else text

    lead = next((p for p in lines if p.leads), None)
    if lead is not None:
        summary = said(lead.part, summary)
    # (not under a question of no subject of its own: "What do we do? Chickenpox can be serious ..." says it twice)
    # (a Yes or No keeps its question: "Is that normal? Yes." never reads as "yes, it is your fault")
    bare_lead = lead is not None and _leans_on_story(lead.part) and _opener(summary) is None
    head = f"{asked(lead.part)} {summary}" if lead is not None and not bare_lead else summary
    rest = [p for p in lines if not p.leads]
    before: list[PartLine] = []
    if question is not None and lead is not None and not bare_lead:
        at = question.lower().find(lead.part.lower())
        before = [p for p in rest if (p.answer is not None or p.refs) and 0 <= question.lower().find(p.part.lower()) < at]
    return " ".join([*(f"{asked(p.part)} {said(p.part, p.text)}" for p in before), head,
                     *(f"{asked(p.part)} {said(p.part, p.text)}" for p in rest if p not in before)])


# a question between two courses of action ("can I play football or do I have to stop?"): a bare Yes or No answers
# neither, so the sentence after it stands alone
_CHOICE = re.compile(r"\bor (?:both|neither|either|something else)\b", re.I)
_EITHER_OR = re.compile(r"\bor\s+(?:do|does|should|must|will|can|could|would|might|may|shall|is|are)\s+"
                        r"(?:i|we|he|she|they|you|it|this|that)\b", re.I)


def closest_questions(ret: Retrieval, exclude: Sequence[str] = (), limit: int = 3) -> list[str]:
    """Questions the pack answers directly that are nearest to this one (their first phrasing)."""
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    out: list[str] = []
    for h in sorted((h for h in ret.hits if h.kind == "answer"), key=lambda h: (-h.match, -h.score, h.id)):
        if h.id in exclude or h.id not in pack.answers:
            continue
        q = title_of(pack.answers[h.id])
        if q not in out:
            out.append(q)
        if len(out) == limit:
            break
    return out


_CONTRACTED = {"whats": "what's", "hows": "how's", "whos": "who's", "wheres": "where's", "im": "I'm", "i": "I",
               "dont": "don't", "doesnt": "doesn't", "cant": "can't", "wont": "won't", "isnt": "isn't"}
_CONTRACTED_WORD = re.compile(r"\b(?:" + "|".join(_CONTRACTED) + r")\b", re.I)


def question_form(ask: str) -> str:
    """A part of a message as a question under which its answer is given: as the reader asked it, with its
    apostrophes back ("whats levamisole" -> "What's levamisole?")."""
    text = " ".join(ask.split()).rstrip(" ?.")
    text = _CONTRACTED_WORD.sub(lambda m: _CONTRACTED[m.group().lower()], text)
    return text[:1].upper() + text[1:] + "?"


_OTHER_SEX = {"female": re.compile(r"\b(?:he|his|him|he's|son|sons|boy|boys)\b", re.I),
              "male": re.compile(r"\b(?:she|her|hers|she's|daughter|daughters|girl|girls)\b", re.I)}


# a child's age, weight or vital sign as a message states it ("I'm 15", "4 yo", "22 kg", "heart rate 130", "88/50")
_CHILD_DETAIL = re.compile(r"\b(?:i'?m|im|aged?)\s+(\d+)\b|\b(\d+)\s*(?:yo|y/o|years?|yrs?|year-old|months?|kg|bpm)\b|"
                           r"\b(\d+/\d+)\b|\b(?:heart rate|hr|pulse|bp|sats?|temp(?:erature)?)\s*(?:of\s+)?(\d+)\b", re.I)


def title_of(da: Any, sex: str | None = None, asked: str | None = None) -> str:
    """A direct answer's question as a title: its first phrasing, or, when the message says the child is a girl or
    a boy, its first phrasing that does not speak of the other ("Can my son go on ...?" to a parent of a girl);
    with the message given, its first phrasing that names no medicine the message does not
    ("yellow fever ... on prednisolone" is no title for a child on mycophenolate)."""
    other = _OTHER_SEX.get(sex or "")
    fit = [a for a in da.asks if other is None or not other.search(a)] or list(da.asks)
    if asked is not None:
        drugs = set(_medicines_named(asked))
        fit = [a for a in fit if set(_phrasing_medicines(a)) <= drugs] or fit
        # ... and no number the message does not state: a title never gives the child an age, a heart rate or a
        # blood pressure of another message ("I'm 15 ..." to a 14-year-old; "heart rate 130 and BP 88/50?")
        numbers = set(_CHILD_DETAIL.findall(asked))
        fit = [a for a in fit if set(_CHILD_DETAIL.findall(a)) <= numbers] or fit
        # a first phrasing that shares far less of the message's subject than another gives way to the nearest one
        # (most of its subject words, then fewest others): a chickenpox-vaccine question is not headed "Can the MMR
        # 2nd dose go ahead?"
        from nephroguide.answer.retrieve import index, query_terms

        idx = index()
        words = set(query_terms(asked))

        def nearness(a: str) -> tuple[float, float]:
            terms = _phrasing_terms(a)   # (summed in a fixed order: a float sum over a set would tie-break by
            #                                the hash seed, so the same question could get another title)
            return (-sum(idx.idf(t) for t in sorted(terms & words)), sum(idx.idf(t) for t in sorted(terms - words)))

        nearest = min(fit, key=nearness)
        if -nearness(nearest)[0] > 1.5 * -nearness(fit[0])[0]:
            fit = [nearest]   # the first phrasing, unless another shares far more of the message's subject
    return question_form(fit[0])


@functools.lru_cache(maxsize=16384)   # (the pack's own phrasings: a fixed set, read once each)
def _phrasing_medicines(ask: str) -> tuple[str, ...]:
    return _medicines_named(ask)


@functools.lru_cache(maxsize=16384)   # (the pack's own phrasings: a fixed set, read once each)
def _phrasing_terms(ask: str) -> frozenset[str]:
    from nephroguide.answer.retrieve import query_terms

    return frozenset(query_terms(ask))


def _medicines_named(part: str) -> tuple[str, ...]:
    """The medicines a part names, a class word counted ("steroids": prednisolone, data ``medicine_words``)."""
    return tuple(dict.fromkeys([*_medicines_in(part), *(d for w, ds in settings()["medicine_words"].items()
                                                        if _names_any(part, [w]) for d in ds[:1])]))


# ----------------------------------------------------------------------------------------- compose

def egfr_line(u: Understanding) -> str | None:
    """The bedside Schwartz estimate for the height and the one creatinine a message states ("120 cm, creat 38
    umol/L" -> about 115 mL/min/1.73 m2), or None (data: ``egfr_line``)."""
    from nephroguide.intake.derive import schwartz_egfr

    cfg = settings()["egfr_line"]
    height = u.detail("height_cm")
    found = list(_pattern(cfg["creatinine"]).finditer(u.question))
    if height is None or len(found) != 1:
        return None
    value, unit = float(found[0].group("n")), (found[0].group("unit") or "").lower()
    mg_dl = value if unit.startswith("mg") or (not unit and value < 5) else value / 88.4
    if not 0.05 <= mg_dl <= 15:
        return None
    egfr = schwartz_egfr(height, mg_dl)
    return str(cfg["text"]).format(height=height, creatinine=f"{value:g}", unit=unit or ("mg/dL" if value < 5 else
                                   "micromol/L"), egfr=round(egfr))


def proteinuria_line(u: Understanding) -> str | None:
    """A 24-hour urine protein the message states, with the child's height and weight, worked out per m2 of body
    surface (Mosteller) per day and per hour and set against the current and the older nephrotic-range thresholds
    (data: ``proteinuria_line``); None unless exactly one such amount, a height and a weight are stated."""
    from nephroguide.intake.derive import bsa_mosteller

    height, weight, stated = u.detail("height_cm"), u.detail("weight_kg"), u.detail("bsa_m2")
    if (height is None or weight is None) and stated is None:
        return None   # (the common case, checked in route() for every question: no pattern run)
    cfg = settings()["proteinuria_line"]
    found = list(_pattern(cfg["amount"]).finditer(u.question))
    if len(found) != 1:
        return None
    value, unit = float(found[0].group("n")), found[0].group("unit").lower()
    mg = value * 1000 if unit.startswith("g") else value
    bsa = float(stated) if stated is not None else bsa_mosteller(float(height), float(weight))   # (a stated BSA is used as given)
    if not float(cfg["bsa_range"][0]) <= bsa <= float(cfg["bsa_range"][1]):
        return None   # (an impossible surface area is left to the size checks, which say so; never divided by)
    size = f"BSA {bsa:.2f} m2, as stated" if stated is not None else \
        f"{height:g} cm and {weight:g} kg (BSA {bsa:.2f} m2, Mosteller)"
    per_day, per_hour = mg / bsa, mg / bsa / 24
    day_cut, hour_cut = float(cfg["per_day_threshold"]), float(cfg["per_hour_threshold"])
    if remission_asked(u):
        # "... 24h urine protein 95 mg, BSA 0.85 m2 - counts as complete remission?": against the remission cut-off
        cut = float(cfg["remission_threshold"])
        shown = round(per_day)   # (judged on the figure shown: "100 mg/m2/day" is never called below 100)
        return str(cfg["remission_text"]).format(amount=f"{value:g} {unit}", size=size, per_day=f"{shown:,}",
                                                 verdict="complete remission" if shown < cut else "not complete remission",
                                                 cut=f"{cut:g}")

    def verdict(met: bool) -> str:
        return "nephrotic range" if met else "below the nephrotic range"

    return str(cfg["text"]).format(amount=f"{value:g} {unit}", size=size,
                                   per_day=f"{per_day:,.0f}", per_hour=f"{per_hour:.0f}",
                                   day_verdict=verdict(per_day >= day_cut), hour_verdict=verdict(per_hour > hour_cut),
                                   day_cut=f"{day_cut:,.0f}", hour_cut=f"{hour_cut:g}")


def course_told(question: str, kind: str) -> bool:
    """The message asks for another course of a one-course medicine (``kind`` "asked"), or tells of an earlier course
    ("earlier": "had 12 weeks of cyclophosphamide 2 years ago") (data: ``direct.second_course``)."""
    return bool(_pattern(settings()["direct"]["second_course"][kind]).search(question))


def one_course_answer(pack: Any, drugs: Sequence[str], question: str) -> tuple[str, tuple[str, ...]] | None:
    """For a second course asked of a medicine given once only, the line saying so (data: ``direct.second_course``,
    its cumulative maximum from the medicine's dose rule) with the sources of the pack's answer on it; None otherwise."""
    cfg = settings()["direct"]["second_course"]
    drug = next((d for d in drugs if d in cfg["answers"]), None)
    if drug is None or not course_told(question, "asked"):
        return None
    limit = next((r.cumulative_max_mg_per_kg for r in pack.dose_rules.values()
                  if r.drug == drug and r.cumulative_max_mg_per_kg), None)
    if limit is None:
        return None
    said = str(cfg["text"]).format(name=pack.drugs[drug].generic, limit=f"{limit:g}")
    return said, tuple(dict.fromkeys(c.source for c in pack.answers[cfg["answers"][drug]].citations))


def remission_asked(u: Understanding) -> bool:
    """The message asks whether an amount is remission (data: ``proteinuria_line.remission_asked``)."""
    return bool(_pattern(settings()["proteinuria_line"]["remission_asked"]).search(u.question))


def volume_line(question: str, family: bool) -> str | None:
    """The volume of a liquid of the strength a message states for the dose it states ("new bottle says 10mg/ml ...
    she's on 20mg" -> 2 mL), or None unless the message gives exactly one dose in mg and one strength (or one strength
    it calls new): never guessed (data: ``volume_line``)."""
    cfg = settings()["volume_line"]
    found = list(_pattern(cfg["strength"]).finditer(question))
    strengths = found
    if not found:
        return None
    if len(strengths) > 1:
        new = [m for m in strengths if _pattern(cfg["new_strength"]).search(question[max(0, m.start() - 60):m.start()])
               and not _pattern(cfg["old_strength"]).search(question[max(0, m.start() - 25):m.start()])]
        if len(new) != 1:
            return None
        strengths = new
    strength = strengths[0]
    taken = [(m.start(), m.end()) for m in found]
    doses = {float(m.group("mg")) for m in _pattern(cfg["dose"]).finditer(question)
             if not any(a <= m.start() < b for a, b in taken)}
    if len(doses) != 1:
        return None
    dose = doses.pop()
    mg, ml = float(strength.group("mg")), float(strength.group("ml") or 1)
    if mg <= 0 or ml <= 0:
        return None
    volume = round(dose * ml / mg, 2)
    if not 0.05 <= volume <= 100:
        return None
    return str(cfg["family" if family else "text"]).format(dose=dose, mg=mg, ml=ml, volume=volume)


def compose_direct(u: Understanding, ret: Retrieval, r: Route, *, audience: str, patient: dict[str, Any] | None,
                   today: dt.date, session: str | None, from_session: bool, detail: str, scope: str = "covered",
                   scope_note: str = "") -> Answer:
    """The answer for a direct-answer or facts route."""
    from nephroguide.answer import compose as c
    from nephroguide.answer.audience import sentences
    from nephroguide.engine.plan import references
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    cfg = settings()
    ctx = c.engine_context(u, patient=patient, today=today, default_stage=[])
    b = c.Build(ctx)
    da = pack.answers.get(r.answer.id) if r.answer is not None else None
    ids: list[str] = []
    topic: str
    if da is not None:
        ids.extend(da.support)
        topic = da.topic
    else:
        lead_hit = next((h for h in r.facts if h.kind == "fact"), r.facts[0] if r.facts else None)
        topic = lead_hit.topic if lead_hit is not None else "definitions"
        topic = str(cfg["recommendation_topic"].get(topic, topic))
    # related statements: retrieved facts and recommendations that share the question's subject
    related_limit = int(cfg["brief"]["related_full"])
    related = [h.id for h in ret.hits if h.kind in ("fact", "recommendation", "caution", "definition")
               and h.match >= 0.5 and h.id not in ids][:related_limit]
    if da is None:
        ids = [h.id for h in r.facts] + [x for x in related if x not in {h.id for h in r.facts}]
        related = []
    key_n = int(cfg["brief"]["key_points"][audience])
    rel_n = int(cfg["brief"]["related_full"])
    family = audience == "family"
    shown = 0
    lines_of_parts = part_lines(u, r.answer.id if r.answer is not None else None, audience) if da is not None else []
    if r.leads:   # beside a finding that leads with what to do ("Reduce the dose: ..."), a question of what to do with
        #           the treatment is answered by it ("what do I do with the ciclosporin dose?")
        lines_of_parts = [p for p in lines_of_parts if not (_ACTION_ASKED.match(p.part) and _medicines_spoken_of(p.part, da))]
    # (beside a danger answer, not a question of no subject of its own: "what am I worried about?" after a fit asks
    # about the danger, never the answer to some other worry)
    others = [(p.part, p.answer) for p in lines_of_parts if p.answer is not None
              and not (r.danger and da is not None and p.answer.topic != da.topic and not r.keep_parts
                       and not (_subject_terms(p.part) - set(cfg["story_subject_words"]) - set(cfg["danger_generic_words"])))]
    if da is not None:
        # (nor, among the key points, another answer's opposite Yes/No on the same subject, left out of the summary
        # below for the same reason: "Should I start an ACE inhibitor?" beside "Not yet: ...")
        given_opener = _opener(" ".join((da.family_answer if family else da.answer).split()))
        contrary = {(p.part, p.answer.id) for p in lines_of_parts
                    if p.answer is not None and p.answer.topic == da.topic and given_opener and _opener(p.text)
                    and _opener(p.text) != given_opener}
        others = [(q, a) for q, a in others if (q, a.id) not in contrary]
    scope, scope_note = scope_with_parts(lines_of_parts, scope, scope_note)
    gaps = list(dict.fromkeys(a.gap for q, a in [(u.question, da), *others] if a is not None and gap_asked_in(a, q)))
    if gaps and scope == "covered":   # the answer says what its sources do not give: so does its scope
        scope, scope_note = "partly_covered", cfg["not_covered"]["gap"].format(subject="; ".join(gaps))
    for asked, other in others:
        # another question of the same message, answered first among the key points under the reader's own words
        # (not another phrasing of the pack's: "My mum says we should cut out salt ...?"), and never a "Usually not"
        # under a danger answer's "Go to hospital now"
        said = " ".join((other.family_answer if family else other.answer).split())
        # (its Yes/No the way round this question asks it: "will the weight ever come off?" beside "is it permanent?")
        said = same_polarity(asked, other.asks, said, _other_way(other, family), other.asked_way)
        # (a No to giving more of a medicine stands: "... should i give him an extra furosemide?" -> "No. Do not give
        # extra furosemide")
        gives_more = bool(_GIVE_MORE.search(asked)) and bool(_medicines_in(asked))
        if r.danger and ((_opener(said) == "no" and not gives_more) or (_opener(said) == "yes"
                                                   and re.search(settings()["wait_asked"], _sentence_of(u.question, asked),
                                                                 re.I))):
            continue   # (... nor a Yes to a question of waiting: "should I just give paracetamol and wait? Yes.")
        title = question_form(asked)
        text = f"{title} {said}"
        st = c._stmt(pack, text, other.citations, other.id)
        if b.add(c.Entry("key", "fact", other.id, st, text, text, title=title, reviewed=other.last_reviewed)):
            shown += 1
    for kb_id in ids:
        section = "key" if shown < key_n else "more"
        if _add_entry(b, pack, kb_id, section, family=family):
            shown += 1
    for kb_id in related[:rel_n]:
        _add_entry(b, pack, kb_id, "more", family=family)
    # the summary: the direct answer, or the lead statement
    if da is not None:
        summary = " ".join((da.family_answer if family else da.answer).split())
        summary_refs = tuple(dict.fromkeys(x.source for x in da.citations))
        title = title_of(da, u.detail('sex'), f"{u.question} {u.text}")
    else:
        lead = next((e for e in b.entries if e.section == "key"), None)
        if lead is None:
            return c._not_covered(u, audience, pack, about="", session=session, from_session=from_session,
                                  subject=subject_of(u, ret), ret=ret)
        text = lead.family if family and lead.family else lead.statement.text
        first = sentences(text)
        summary = " ".join(first[:2]) if len(first) > 1 and len(first[0]) < 100 else " ".join(first[:1])
        summary_refs = tuple(lead.statement.refs)
        subject = pack.facts[lead.kb_id].subject if lead.kb_id in pack.facts else lead.title
        title = f"{_topic_name(topic).capitalize()}: {subject}" if subject else _topic_name(topic).capitalize()
    if da is None:   # a curated answer already opens with its yes/no; only a statement chosen as the lead gains one
        summary = yes_no_first(u, summary)
    else:
        asking = [p for p in _message_parts(u.question) if _ASKING.match(p)]
        # (the question the answer given answers: the first asked, not the whole message, whose later question may
        # be asked the other way round: "Can he go swimming ...? And does he need to sit out PE?")
        summary = same_polarity(r.asked or (asking[0] if len(asking) > 1 else u.question), da.asks, summary,
                                _other_way(da, family), da.asked_way)
        if r.asked or not any(_form(p) == "yn" for p in asking):   # (a Yes/No may answer any yes/no question asked)
            said_first = r.asked or next(iter(asking), u.question)
            summary = no_bare_yes_no(said_first, summary, _yes_no_after(u.question, said_first, da))
        elif asking and _form(asking[0]) == "wh" and not any(p.leads for p in lines_of_parts):
            # the answer given answers the first question, a what/how one ("what are the risks and will he need it
            # again?"): its Yes/No answers nothing asked
            summary = no_bare_yes_no(asking[0], summary, _yes_no_after(u.question, asking[0], da))
        if len(asking) == 1 and _EITHER_OR.search(asking[0]):
            summary = _without_yes_no(summary)   # "can she go to school or should she stay home?": answers neither
        if r.asked and _CHOICE_ASKED.match(r.asked):
            summary = _without_yes_no(summary)   # "Biopsy or genetics first?": a choice, answered by what comes next
        if _TASK.match(u.question) and not any(_form(p) == "yn" for p in asking):
            summary = _without_yes_no(summary)   # "Summarise the immunisation recommendations ...": no Yes or No
        summary = gap_first(u, da, summary, family)
        egfr = egfr_line(u) if da.id in settings()["egfr_line"]["answers"] else None
        if egfr is not None:   # "7yo, 120 cm, creat 38 umol/L": the estimate worked out, first
            summary = f"{egfr} {summary}"
        protein = proteinuria_line(u) if da.id in (*settings()["proteinuria_line"]["answers"],
                                                   *settings()["proteinuria_line"]["remission_answers"]) else None
        if protein is not None:   # "20 kg, 115 cm, 24-h urine protein 1.2 g": per m2 per day and per hour, first
            summary = f"{protein} {summary}"
        volume = volume_line(u.question, family) if da.id in settings()["volume_line"]["answers"] else None
        if volume is not None:   # "new bottle says 10mg/ml ... on 20mg": 2 mL, worked out, first
            summary = f"{volume} {summary}"
            # ... and it answers "how much do I give now?" (never a course's dose rule beside it)
            lines_of_parts = [p for p in lines_of_parts if not (p.answer is None and _DOSE_ASKED.search(p.part))]
    if da is not None:
        # a line for another question that says the opposite Yes/No on the same subject is left out: the reader
        # would get "No, not yet ... Yes" ("2+ today, do I restart the prednisolone?")
        opener = _opener(summary)
        lines_of_parts = [p for p in lines_of_parts if p.answer is None or p.answer.topic != da.topic
                          or not opener or not _opener(p.text) or _opener(p.text) == opener
                          or _shared_subject(p.part, da) or p.fit >= float(cfg["direct"]["part_own"])]
        if re.search(cfg["urgent_answer"], summary, re.I):
            # a question of waiting that nothing else answers, beside an answer that says be seen today or now:
            # its answer is No, never "not answered here" ("... red hot patch on her shin, temp 38. can it wait till
            # clinic on thursday?" beside "See a doctor urgently, today")
            wait = re.compile(cfg["wait_asked"], re.I)
            lines_of_parts = [dataclasses.replace(p, text=cfg["wait_answer_family" if family else "wait_answer"])
                              if p.answer is None and not p.refs and not p.uncovered and not p.leads
                              and wait.search(p.part) else p for p in lines_of_parts]
        if r.danger:   # a danger answer says go now: nothing beside it says "Usually not" ("... should we go to hospital?"),
            #             and only a part's own close answer stands beside it ("is she in danger?" is the danger's)
            #             (a "No" to a question about something else stands: "can he have the chickenpox jab
            #             on steroids? No, not while the dose is high" beside the chickenpox contact)
            urgency = re.compile(settings()["urgency_asked"], re.I)
            #             (a question of what to do besides, not of the danger, keeps its answer: "?SBP ... do I
            #             stop the pred? should he get 20% albumin?")
            # ... nor a general answer about a medicine the danger answer itself speaks of ("CRT 4s, cold peripheries
            # ... Albumin infusion? furosemide with it?": the oedema answers would contradict "restore volume first,
            # without furosemide")
            lines_of_parts = [p for p in lines_of_parts if not _medicines_spoken_of(p.part, da)]
            # ... nor "not answered" beside it for a question with a loose answer elsewhere: the danger answer says
            # what to do ("... should I give calpol and wait till morning or go to A&E now?")
            lines_of_parts = [p for p in lines_of_parts if not p.loose]
            # ... nor "not answered" for a question of how urgent it is: the danger answer is its answer ("should i
            # be worried or wait for the clinic on friday?" beside "Get your child seen urgently today")
            lines_of_parts = [p for p in lines_of_parts if p.answer is not None or p.refs or not urgency.search(p.part)]
            # ... nor a Yes to a question of waiting ("can i just give calpol and recheck in the morning? Yes.")
            wait = re.compile(settings()["wait_asked"], re.I)
            lines_of_parts = [p for p in lines_of_parts
                              if not (wait.search(_sentence_of(u.question, p.part)) and _opener(p.text) == "yes")]
            # ... nor a question of no subject of its own ("what is the most likely diagnosis? what is the
            # treatment?"): it asks about the danger the answer names
            lines_of_parts = [p for p in lines_of_parts if p.answer is None or p.answer.topic == da.topic or r.keep_parts
                              or _subject_terms(p.part) - set(cfg["story_subject_words"])
                              - set(cfg["danger_generic_words"])]
            lines_of_parts = [p for p in lines_of_parts if (_opener(p.text) != "no" or not urgency.search(p.part))
                              and (p.answer is None or p.answer.topic == da.topic
                                   or p.fit >= float(cfg["direct"]["part_own"])
                                   or ((audience != "family" or r.keep_parts) and not urgency.search(p.part)))]
        if len(lines_of_parts) == 1 and not lines_of_parts[0].leads and opener and _opener(lines_of_parts[0].text) \
                and _opener(lines_of_parts[0].text) != opener and lines_of_parts[0].fit < float(cfg["direct"]["part_own"]) \
                and len(_asked_parts([x for p in _message_parts(u.question) for x in _two_verbs(p)],
                                     _marked_questions(u.question))) == 1:
            # the message's one question, answered No by the answer given and Yes by a looser neighbour ("2+ today,
            # is it the same as a relapse? No, not yet ... Usually yes: each relapse is treated ..."): the answer given
            lines_of_parts = []
    scope, scope_note = scope_with_unanswered(lines_of_parts, scope, scope_note)
    if da is not None and lines_of_parts:
        # several questions in one message: each answered in the first lines, under the part as the reader asked it
        first_part = next((p.part for p in lines_of_parts if p.leads),
                          next((p for p in _PARTS.split(u.question) if p and p.strip()), u.question))
        main = same_polarity(first_part, da.asks, summary, _other_way(da, family), da.asked_way) \
            if _polarity(first_part) else summary
        said_of = sentences(main)
        # its first sentence, and the next when that is a short instruction ("Go to hospital now.")
        keep = said_of[:2] if len(said_of) > 1 and (len(said_of[1].split()) <= 6 or len(said_of[0].split()) <= 8 or
                                                    len(said_of[0].split()) + len(said_of[1].split()) <= 35) \
            else said_of[:1]   # ... or the next when both are short ("... this is a relapse. Start prednisolone as ...")
        asked_here = _subject_terms(first_part) - set(cfg["frame_words"])
        if not asked_here and family and len(lines_of_parts) == 1 and lines_of_parts[0].leads and len(main.split()) <= 100:
            # the question it answers names nothing of its own ("will it ever actually go away?"): which sentence
            # answers it cannot be told, so a family's short curated answer is kept whole
            keep = said_of
        if asked_here and not asked_here & _stems_in(" ".join(keep)):
            # ... and the first sentence that speaks of what its question asks, when those do not ("what does the
            # gene test mean for us?": not only "It means prednisolone has not stopped the protein leak")
            #   (never one a part's line says again: "A relapse is 3+ ... What number of days counts as a relapse?")
            parts_say = " ".join(p.text for p in lines_of_parts)
            keep = [*keep, *[x for x in said_of[len(keep):] if asked_here & _stems_in(x)
                             and not _mostly_said(x, parts_say)][:1]]
        summary = with_parts(" ".join(keep) or main, lines_of_parts, None if r.danger else u.question)
        summary_refs = tuple(dict.fromkeys([*summary_refs, *(x.source for _, o in others for x in o.citations),
                                            *(ref for p in lines_of_parts for ref in p.refs)]))
    titles = cfg["sections"]
    sections_all: list[Section] = []
    for key in ("key", "related", "more", "changes"):
        entries = b.in_section(key)
        items = tuple(i for i in (c._item(e, audience, u.dose_asked) for e in entries) if i is not None)
        if items:
            sections_all.append(Section(key=key, title=titles[key][audience], items=items))
    if not sections_all and da is not None:   # nothing else for this reader: the direct answer, as a statement
        st = c._stmt(pack, summary, da.citations, da.id)
        sections_all.append(Section(key="key", title=titles["key"][audience], items=(Item(statement=st, kind="fact"),)))
    sections = tuple(s for s in sections_all if detail == "full" or s.key not in ("more", "changes"))
    if not sections and sections_all:
        sections = (dataclasses.replace(sections_all[0], key="key", title=titles["key"][audience]),)
    more = sum(len(s.items) for s in sections_all) - sum(len(s.items) for s in sections)
    cited = [*summary_refs, *(ref for s in sections for i in s.items for ref in i.statement.refs)]
    reviewed = [e.reviewed for e in b.entries if e.reviewed is not None]
    if da is not None:
        reviewed.append(da.last_reviewed)
    # on the treatment pathway, the intent is what was asked when the question says it ("max pred dose" is a
    # dosing question, whichever step holds its answer); otherwise the answer topic's
    intent = (da.intent if da is not None else None) or cfg["topic_intent"].get(topic)
    if u.explicit_intent and u.intent in PATHWAY_INTENTS and intent in PATHWAY_INTENTS \
            and not (intent == "evidence" and dict(u.intent_scores).get("evidence", 0) > 0):
        # (an evidence answer to a question that asks for the evidence stays one: "does a longer first course
        # prevent relapses? what did PREDNOS find")
        intent = u.intent
    if u.intent in (cfg["later_steps"].get(intent) or ()):
        intent = u.intent   # an SRNS answer to a question about a child whose calcineurin inhibitor has failed
    amount = next((gives for kind, _, gives, _ in _answer_types() if kind == "amount"), None)
    asked_kind = answer_kind(u.question)
    if u.dose_asked and u.drugs and da is not None and amount is not None and amount.search(summary) \
            and (asked_kind is None or asked_kind[0] == "amount"):   # "how long daily?" asks a duration
        intent = "dosing"   # "albumin infusion dose?" answered with the dose: a dosing answer, whatever its topic
    if r.kind == "answer" and r.subject and da is not None and not lines_of_parts:
        # a thing the question names that nothing speaks of ("can he eat sushi?"): said first, then what is known
        rest = summary[:1].lower() + summary[1:] if summary[1:2].islower() else summary
        summary = cfg["not_covered"]["named_first_family" if family else "named_first"].format(subject=r.subject) \
            + " " + rest
    drugs = list(dict.fromkeys([*u.drugs, *(d for e in b.entries for d in e.drugs)]))[:4]
    follow = closest_questions(ret, exclude=[da.id] if da is not None else [])
    if len(follow) < 3:
        follow += [q for q in c.rules().raw["topic_questions"].values() if q not in follow]
    context = {"stage": sorted(ctx.labels & c.COURSE_LABELS), "stated_stage": sorted(ctx.stated),
               "assumed_stage": False, "drugs": drugs, "patient": ctx.patient_json, "from_session": from_session}
    readability = None
    if family:
        from nephroguide.answer.audience import reading_grade

        body = " ".join(i.statement.text for s in sections for i in s.items)
        target = c.rules().raw["audiences"]["family"]["reading_grade"]
        readability = {"summary_grade": reading_grade(summary), "article_grade": reading_grade(body),
                       "target_grades": list(target), "method": "Flesch-Kincaid grade level (textstat)"}
    glossary: tuple[Any, ...] = ()
    if audience == "student":   # (the student disclaimer says terms are explained below the answer)
        from nephroguide.answer.audience import glossary as terms_of

        glossary = terms_of([summary, *(i.statement.text for s in sections for i in s.items if s.key != "changes")],
                            [], pack)
    answer = Answer(
        question=u.question, intent=intent, context=context, scope=scope, audience=audience, title=title,
        summary_text=summary, summary_refs=summary_refs, sections=sections, follow_ups=tuple(follow[:3]),
        glossary=glossary,
        references=references(pack, cited), review_status=c.REVIEW_STATUS,
        last_updated=max(reviewed).isoformat() if reviewed else None,
        disclaimer=c._clean(c.rules().raw["audiences"][audience]["disclaimer"]), scope_note=scope_note,
        readability=readability, understanding={**u.to_json(), "route": r.kind, "confidence": round(r.confidence, 3)},
        session=session, pack_version=pack.version, topic=topic, detail=detail, more=more,
        direct_answer=da.id if da is not None else None,
        also_topics=tuple(dict.fromkeys(o.topic for _, o in others if o.topic != topic)))
    return c._with_markdown(answer)


def _topic_name(topic: str) -> str:
    return str(settings()["topic_names"].get(topic, topic.replace("_", " ")))


def _add_entry(b: Any, pack: Any, kb_id: str, section: str, *, family: bool) -> bool:
    """One supporting pack entry as an article entry; False when it adds nothing for this audience."""
    from nephroguide.answer import compose as c

    before = len(b.entries)
    if kb_id in pack.facts:
        f = pack.facts[kb_id]
        if family and f.statistic:
            return False
        st = c._stmt(pack, c._clean(f.text), f.citations, f.id)
        student = c._clean(f.text) + (f" {c._clean(f.student_note)}" if f.student_note else "")
        b.add(c.Entry(section, "fact", f.id, st, c._clean(f.family_text), student, title=f.title,
                      reviewed=f.last_reviewed, drugs=tuple(f.drugs)))
    elif kb_id in pack.recommendations:
        rec = pack.recommendations[kb_id]
        c._rec_entries(b, rec, section, general=False, dose_rules=False, extras=False)
    elif kb_id in pack.cautions:
        c._caution_entry(b, pack.cautions[kb_id], section)
    elif kb_id in pack.definitions:
        c._definition_entry(b, pack.definitions[kb_id], section)
        for e in b.entries[before:]:
            if not e.current:   # a superseded definition: with the older advice (full answer), never as current
                e.section = "changes"
    elif kb_id in pack.conflicts:
        c._conflict_entries(b, pack.conflicts[kb_id], section)
        for e in b.entries[before:]:
            if not e.current:   # the positions nephroguide does not use: with the older advice, full answer only
                e.section, e.level = "changes", 0
    elif kb_id in pack.studies:
        if family:
            return False
        c._study_entries(b, pack.studies[kb_id], section, full=False)
    return len(b.entries) > before


_YES_NO = re.compile(r"^\s*(?:and\s+)?(?:should|shall|can|could|is|are|was|does|do|did|will|would|may|might|must|"
                     r"has|have)\b", re.I)


def yes_no_first(u: Understanding, summary: str) -> str:
    """For a yes/no question, a summary that states a negative position starts with "No:" (data: the
    negative cues in retrieval.yaml); one that already opens with its answer (yes, no, not, possibly, usually ...)
    is left alone ("Possibly, but ..." never becomes "No: possibly")."""
    cfg = settings()["yes_no"]
    if not _YES_NO.match(u.question) or re.match(str(cfg["answered"]), summary, re.I) or _CHOICE.search(u.question):
        return summary   # (nor a choice: "is this frequently relapsing, steroid-dependent, or both?" is no yes/no)
    head = re.split(r"(?<=[.;:])\s", summary, maxsplit=1)[0].lower()
    if any(re.search(p, head) for p in cfg["negative"]):
        return f"No: {summary[:1].lower() + summary[1:] if not summary[:2].isupper() else summary}"
    return summary


def _polarity(text: str) -> int:
    """-1 for a question asked the negative way round ("is it dangerous", "should he avoid"), +1 for the positive
    way ("is it safe", "can he"), 0 when neither (data: ``polarity`` in retrieval.yaml)."""
    cfg = settings()["polarity"]
    low = text.lower()
    if any(_pattern(p, 0).search(low) for p in cfg["negative"]):
        return -1
    if any(_pattern(p, 0).search(low) for p in cfg["positive"]):
        return 1
    return 0


def _medicines_spoken_of(part: str, da: Any) -> bool:
    """The part names medicines, and the answer given names each of them (a class word counts: "Steroids?" names
    prednisolone, data ``medicine_words``)."""
    # (a class word counts only as the whole question, "Steroids?": "can he have the chickenpox jab while hes on the
    # steroids?" asks about the jab)
    named = _medicines_named(part) if len(part.split()) <= 3 else _medicines_in(part)
    said = _read(" ".join(f"{da.answer} {da.family_answer}".split()))
    if not named:   # ... or everyday medicines it names ("should I give calpol?" beside "You can give paracetamol
        #             (Calpol) for the pain, but do not let it delay going")
        others = [w for w in settings()["other_medicines"] if _names_any(part, [w])]
        said_all = f"{da.answer} {da.family_answer}".lower()
        return bool(others) and all(re.search(rf"\b{re.escape(w)}\b", said_all) for w in others)
    return all(re.search(rf"\b{re.escape(n.replace('_', ' '))}\b", said) for n in named)


def _shared_subject(part: str, da: Any) -> bool:
    """The part names a subject of its own that the answer given does not speak of ("the flu jab" beside an answer
    about the MMR): then its Yes beside that answer's No is no contradiction."""
    return bool(_part_terms(part) - _stems_in(_answer_words(da)))


@functools.lru_cache(maxsize=2048)
def _answer_stems(kb_id: str) -> frozenset[str]:
    """The stems of what a direct answer says and answers, read like a question (lexicon terms canonical)."""
    from nephroguide.answer.retrieve import query_terms
    from nephroguide.answer.understand import canonicalise, normalise
    from nephroguide.knowledge.pack import load_pack

    da = load_pack().answers[kb_id]
    text = _answer_words(da)
    read = canonicalise(normalise(text))[0]
    return frozenset(_stems_in(text) | _stems_in(read) | set(query_terms(read)))


@functools.lru_cache(maxsize=1)
def _medicine_stems() -> frozenset[str]:
    """The stems of the words for medicines that name none ("steroids", "medicine", "tablets")."""
    return frozenset(_stems_in(" ".join([*settings()["own_medicine_words"], *settings()["medicine_words"]])))


def _one_word(part: str) -> bool:
    """A question of one word ("PPI?", "options?", "label?")."""
    return len(re.findall(r"[A-Za-z]{2,}", part)) == 1


def _speaks_of_none(part: str, da: Any, least: int = 2) -> bool:
    """The part names subjects of its own (not its medicines, not frame words) and the answer speaks of none."""
    from nephroguide.answer.understand import vocabulary

    drugs = {s for m in vocabulary().drug_pattern.finditer(_read(part)) for s in _stems_in(m.group())}
    drugs |= _stems_in(" ".join([*settings()["own_medicine_words"], *settings()["medicine_words"]]))
    subject = _part_terms(part) - set(settings()["frame_words"]) - drugs
    return len(subject) >= least and not subject & _answer_stems(da.id)


def _speaks_of_little(part: str, answer_id: str) -> bool:
    """A direct answer speaks of less than half of what a part asks, by the weight (idf) of its subject terms."""
    from nephroguide.answer.retrieve import index
    from nephroguide.knowledge.pack import load_pack

    people = settings()["own_subject_people"]
    da = load_pack().answers.get(answer_id)
    if re.search(people, part, re.I) and da is not None and not re.search(people, _answer_words(da), re.I):
        return True   # a question about someone else in the family ("could our next baby have it too?")
    own = _subject_terms(part) - set(settings()["frame_words"])
    said = own & _answer_stems(answer_id)
    return bool(own) and 2 * sum(map(index().idf, said)) < sum(map(index().idf, own))


def _answer_words(da: Any) -> str:
    """What a direct answer says and answers, for checking whether it speaks of a subject."""
    return f"{da.answer} {da.family_answer} {' '.join(da.asks)}"



def _without_yes_no(text: str) -> str:
    """A text without the bare Yes or No that opens it ("Yes. A child in remission ..." -> "A child in remission ...")."""
    rest = re.sub(r"^\s*(?:yes|no)\s*[,.:;!]\s*", "", text, flags=re.I)
    return rest[:1].upper() + rest[1:] if rest else text


def _sentence_of(message: str, part: str) -> str:
    """The sentence of a message a part of it comes from ("should I just give paracetamol" -> "... and wait?")."""
    head = part.strip()[:24].lower()
    return next((x for x in re.split(r"(?<=[.?!])\s+", message) if head and head in x.lower()), part)


def _answers_yes_no(text: str) -> bool:
    """An answer that opens with its Yes or No, or with a hedged yes ("It can affect fertility, mainly in boys, but it
    does not always")."""
    return _opener(text) is not None or re.match(r"^\s*(?:it|they) (?:can|may|might|could)\b(?! not\b)", text, re.I) is not None


def _opener(text: str) -> str | None:
    """'yes' or 'no' when a text opens with its answer that way ("Not yet", "No:", "Yes,", "Usually yes"), else
    None."""
    m = re.match(r"^\s*(?:(?:usually|probably|mostly|generally|often)\s*,?\s*)?(yes|no|not)\b", text, re.I)
    return None if m is None else ("yes" if m.group(1).lower() == "yes" else "no")


_AND_YES_NO = re.compile(r"\b(?:and|but)\s+(?:does|do|is|are|can|could|should|will|would|must|has|have)\s+"
                         r"(?:he|she|they|it|my|our|his|her|their|the|i|we|you|this|that)\b", re.I)


def _yes_no_after(message: str, part: str, da: Any) -> str | None:
    """The sentence of ``part`` when it goes on with a yes/no question that the answer given is written for
    ("what is a steroid card and does my son need to carry one?" beside "does my child need to carry a steroid
    card"), else None ("what are the risks and will he need it again?" beside "is rituximab safe": its Yes answers
    neither)."""
    from rapidfuzz import fuzz

    from nephroguide.answer.understand import normalise

    sentence = _sentence_of(message, part)
    m = _AND_YES_NO.search(sentence)
    if m is None:
        return None
    clause = normalise(re.sub(r"^\s*(?:and|but)\s+", "", sentence[m.start():], flags=re.I))
    fits = max((fuzz.token_set_ratio(clause, normalise(a)) for a in da.asks), default=0.0)
    return sentence if fits >= 75 else None


def no_bare_yes_no(question: str, summary: str, sentence: str | None = None) -> str:
    """A bare Yes/No opening a curated answer reached by a what/when/why/how question ("when do I start the
    ACE inhibitor?" -> "Yes. A medicine such as enalapril ...") answers nothing: it is left out, the rest stands;
    unless the question's sentence goes on with a yes/no question of its own, which the Yes answers (``sentence``)."""
    m = re.match(r"^\s*(?:(?:mostly|usually|probably|generally)\s+)?(?:yes|no)\s*[,.:;!]\s*", summary, re.I)
    question = re.sub(r"^[^-–—:?]{1,40}?\s*[-–—:]\s+", "", question)   # "SRNS - when do I ...?"
    if m is None or _form(question) != "wh" or _AND_YES_NO.search(sentence or question):
        return summary   # (a what question with a yes/no one after it keeps its Yes: "what is a steroid card and
        #                  does my son need to carry one?" -> "Yes. A steroid card tells ...")
    rest = re.sub(r"^but\s+", "", summary[m.end():], flags=re.I)   # ("Yes, but it is uncommon: ..." -> "It is uncommon")
    return rest[:1].upper() + rest[1:] if rest else summary


def _other_way(da: Any, family: bool) -> str | None:
    """A direct answer's first line for its question asked the other way round, when the pack gives one."""
    if da.other_way is None:
        return None
    return " ".join((da.other_way.family_answer if family else da.other_way.answer).split())


def same_polarity(question: str, asks: Sequence[str], summary: str, other_way: str | None = None,
                  asked_way: str | None = None) -> str:
    """A curated yes/no answer reached by a question asked the other way round from the one its Yes/No answers
    ("can he be around other kids?" reaching "does he need to avoid other children? No. ..."): the Yes/No would
    say the opposite, so the answer's line for the other way round is given (``other_way``) or, without one, the
    Yes/No is left out and the rest stands. The answer's own way round is ``asked_way`` when the pack sets it, else
    that of its first phrasing that has one."""
    # only a Yes/No that answers ("No, ...", "Yes in FRNS: ..."), not a "No" opening a noun phrase ("No exact
    # number: ...", "No grapefruit"), which would read as its opposite without it
    # (and a hedged one: "Usually not. The extra weight ... goes 3 to 6 months after the last dose")
    m = re.match(r"^\s*(?:(?:usually|probably|mostly|generally)\s+(?:yes|no|not)|yes|no)"
                 r"(?:\s*[,.:;!]\s*|\s+(?=(?:in|for|when|if|during|while|until|unless|with|after|"
                 r"before|once|but)\b))", summary, re.I)
    if m is None or not asks:
        return summary
    q = _polarity(question)
    a = {"positive": 1, "negative": -1}.get(asked_way or "") or next((p for p in (_polarity(x) for x in asks) if p), 0)
    if q == 0 or a == 0 or q == a:
        return summary
    if other_way:
        return other_way
    rest = summary[m.end():]
    return rest[:1].upper() + rest[1:] if rest else summary


def shorten(sections: Sequence[Section], relevance: dict[str, float], per_section: dict[str, int],
            children: int, min_relevance: dict[str, float] | None = None) -> tuple[tuple[Section, ...], int]:
    """A brief article: per section, the statements most relevant to the question (then the first ones), in
    their original order, each with at most ``children`` sub-statements; and how many were left out."""
    kept: list[Section] = []
    left = 0
    for s in sections:
        cap = per_section.get(s.key, 2)
        groups: list[list[Item]] = []
        for item in s.items:
            if item.level == 0 or not groups:
                groups.append([item])
            else:
                groups[-1].append(item)
        order = sorted(range(len(groups)), key=lambda i: (-relevance.get(groups[i][0].statement.kb_id, 0.0), i))
        floor = (min_relevance or {}).get(s.key)
        if floor is not None:
            order = [i for i in order if relevance.get(groups[i][0].statement.kb_id, 0.0) >= floor]
        chosen = sorted(order[:cap], key=lambda i: (relevance.get(groups[i][0].statement.kb_id, 0.0) < 99, i))
        items: list[Item] = []
        for i in chosen:
            items.extend(groups[i][:1 + children])
        left += sum(len(g) for g in groups) - len(items)
        if items:
            kept.append(dataclasses.replace(s, items=tuple(items)))
    return tuple(kept), left


def answer_kind(question: str) -> tuple[str, Any] | None:
    """The kind of answer a question asks for (duration, count, amount, time) and the pattern of a statement
    that gives it (data: ``answer_types`` in retrieval.yaml); None for other questions."""
    for kind, asks, gives, _ in _answer_types():
        if any(p.search(question) for p in asks):
            return kind, gives
    return None


def missing_kinds(question: str, text: str, drugs: Sequence[str] | None = None) -> list[str]:
    """What the question asks for (a duration, a dose) that the answer's text never gives, named for the reader
    ("how long to give it"); empty when the answer gives each. A dose is asked for only when a medicine is named
    ("how much salt?" is not a dose); ``drugs`` None: not known, any dose counts."""
    return [missing for kind, asks, gives, missing in _answer_types()
            if missing and (kind != "amount" or drugs is None or drugs) and any(p.search(question) for p in asks)
            and not gives.search(text)]


def with_kind_sentence(question: str, summary: str, sentences_: Sequence[str]) -> str:
    """A summary that does not give the kind of answer asked for ("which agent?" with no medicine named) gains
    the lead statement's first sentence that does."""
    kind = answer_kind(question)
    if kind is None or kind[1].search(summary):
        return summary
    extra = next((x for x in sentences_ if x not in summary and kind[1].search(x)), None)
    return f"{summary} {extra}" if extra else summary


_TYPES: list[tuple[str, list[Any], Any, str]] = []


def _answer_types() -> list[tuple[str, list[Any], Any, str]]:
    """(kind, question patterns, answer pattern, what to call it when missing) from retrieval.yaml, compiled once."""
    if not _TYPES:
        for t in settings().get("answer_types") or []:
            _TYPES.append((str(t["kind"]), [re.compile(a, re.I) for a in t["asks"]], re.compile(str(t["gives"]), re.I),
                           str(t.get("missing", ""))))
    return _TYPES


def lead_for_kind(question: str, texts: Sequence[str], relevance: Sequence[float], floor: float) -> int | None:
    """Index of the statement to lead with for a question that asks for a duration, count, amount or time:
    the most relevant statement (at least ``floor``) that gives that kind of answer, when the first does not."""
    kind = answer_kind(question)
    if kind is None or not texts or kind[1].search(texts[0]):
        return None
    giving = [i for i, t in enumerate(texts) if kind[1].search(t) and relevance[i] >= floor]
    return max(giving, key=lambda i: (relevance[i], -i)) if giving else None


__all__ = ["PATHWAY_INTENTS", "Route", "closest_questions", "compose_direct", "retrieval_for", "route", "shorten",
           "subject_of", "yes_no_first"]
