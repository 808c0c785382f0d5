"""Question understanding, offline: free text in, intent + stage + partial patient record out.

The pipeline is generic; every cue word, pattern and weight lives in ``data/understanding.yaml``:

1. **validate** the text (empty, too long, control characters or binary garbage -> InputError);
2. **normalise**: Unicode (NFKC, accents, quotes, dashes, ``m²``), case, contractions, hyphens;
3. **spelling**: each unknown word of 5+ letters is matched with rapidfuzz against the key
   vocabulary (drug names, lexicon terms, cue words) with a conservative cutoff and the same first
   letter; short words are never corrected, so ``tac`` or ``mmf`` cannot drift into another drug;
4. **lexicon**: abbreviations, spelling variants and brand names are replaced in place by their
   canonical form (``SRNS`` -> ``steroid resistant nephrotic syndrome``, ``Prograf`` -> ``tacrolimus``);
5. **details**: age, weight, height, sex, eGFR, histology, genetics, drugs the child takes with
   dose and duration;
6. **response, negation and time**: "not responding to tacrolimus", "failed steroids", "after 6
   months of tacrolimus", "relapsed twice in 6 months" -> stated assessment facts;
7. **stage** labels (the engine's classification labels) and **intent** by weighted cues;
8. **scope** signals: domain words, other diseases and organs, adults.

The result is an :class:`Understanding`; its :meth:`Understanding.record` is the partial patient
record (``assessment`` facts and the details above) that the composer feeds to the engine.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from nephroguide.errors import InputError

DATA_FILE = Path(__file__).with_name("data") / "understanding.yaml"
_WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_NUM_WORD = r"\d+(?:\.\d+)?"
# "steroid resistant", "steroid sparing": the agent word names a disease course, not a drug given
_DISEASE_WORD = re.compile(r"\s+(?:resistant|resistance|sensitive|sensitivity|dependent|dependence|sparing|toxicity)\b")


# ----------------------------------------------------------------------------------------- result

@dataclass(frozen=True)
class Understanding:
    """What a question says, in the engine's vocabulary."""

    question: str
    text: str                                   # normalised, corrected, canonicalised
    intent: str | None                          # None: nothing in the question points anywhere
    intent_scores: tuple[tuple[str, int], ...]  # best first
    explicit_intent: bool                       # an intent cue (not only a stage or drug) chose it
    stage: tuple[str, ...]                      # stated engine labels (sorted)
    drugs: tuple[str, ...]                      # drug ids mentioned, in order of first mention
    patient_drugs: tuple[tuple[str, bool], ...]  # (drug id, current) the child takes or took
    durations: tuple[tuple[str, float], ...]    # (drug id, months)
    doses: tuple[tuple[str, float, str], ...]   # (drug id, dose, unit)
    assessment: tuple[tuple[str, str], ...]     # stated assessment facts (engine ASSESSMENT keys)
    classes_ever: tuple[str, ...]
    classes_current: tuple[str, ...]
    details: tuple[tuple[str, Any], ...]        # age_years, weight_kg, height_cm, sex, egfr, histology, ...
    corrections: tuple[tuple[str, str], ...]    # (typed, corrected)
    expansions: tuple[tuple[str, str], ...]     # (typed, canonical)
    definitions: tuple[str, ...]                # definition ids the words point to
    off_topic: tuple[str, ...]                  # other diseases / organs named
    adult: bool
    domain_hits: int
    ins_cue: bool
    dose_asked: bool
    notes: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()                # drugs the question says did not work
    unknown_words: tuple[str, ...] = ()         # words of 5+ letters nephroguide does not know (not corrected)
    classes_named: tuple[str, ...] = ()         # drug classes the question names ("calcineurin inhibitor")

    def detail(self, key: str) -> Any:
        return dict(self.details).get(key)

    @property
    def has_patient_details(self) -> bool:
        """Details about a particular child (not just the stage of the course the question names)."""
        return bool([k for k, _ in self.details if k != "edema"] or self.patient_drugs)

    def record(self, as_of: dt.date, placeholder_age: float) -> dict[str, Any]:
        """The partial patient record (patient record v1) these details make.

        ``placeholder_age`` is used when the question gives no age (the record format needs one);
        the composer hides it from the engine's facts so no age-dependent rule fires on it.
        """
        d = dict(self.details)
        rec: dict[str, Any] = {"as_of": as_of.isoformat(), "age_years": d.get("age_years", placeholder_age)}
        for key in ("sex", "weight_kg", "height_cm", "bsa_m2", "edema"):
            if key in d:
                rec[key] = d[key]
        if "histology" in d:
            rec["biopsy"] = {"histology": d["histology"]}
        if "genetic_status" in d:
            rec["genetics"] = {"status": d["genetic_status"], "genes": list(d.get("genes", ()))}
        if "egfr" in d:
            rec["labs"] = [{"date": as_of.isoformat(), "test": "egfr", "value": d["egfr"], "unit": "mL/min/1.73m2"}]
        meds = []
        durations = dict(self.durations)
        doses = {drug: (dose, unit) for drug, dose, unit in self.doses}
        divided = {drug: freq for drug, freq, _ in d.get("divided_doses") or ()}
        for drug, current in self.patient_drugs:
            months = durations.get(drug)
            start = as_of - dt.timedelta(days=round(months * 30.4375)) if months else as_of
            med: dict[str, Any] = {"drug": drug, "start": start.isoformat(), "end": None}
            if not current:
                # stopped before today ("been off prednisolone for 3 months"): an end on today would still read as
                # taken today
                end = as_of - dt.timedelta(days=1)
                med["end"] = end.isoformat()
                med["start"] = min(start, end).isoformat()
            if drug in doses:
                dose, unit = doses[drug]
                if unit.endswith("/day"):
                    med.update({"dose": dose, "dose_unit": unit, "frequency": "daily"})
                elif drug in (d.get("alternate_day_doses") or ()):   # ("alternate-day prednisolone 15 mg")
                    med.update({"dose": dose, "dose_unit": unit, "frequency": "alternate_days"})
                elif drug in divided:   # ("tacrolimus 2 mg bd")
                    med.update({"dose": dose, "dose_unit": unit, "frequency": divided[drug]})
            meds.append(med)
        if meds:
            rec["medications"] = meds
        if self.assessment:
            rec["assessment"] = dict(self.assessment)
        return rec

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent, "explicit_intent": self.explicit_intent,
            "intent_scores": {k: v for k, v in self.intent_scores if v},
            "stage": list(self.stage), "drugs": list(self.drugs),
            "patient_drugs": [{"drug": d, "current": c} for d, c in self.patient_drugs],
            "durations_months": {d: round(m, 2) for d, m in self.durations},
            "doses": [{"drug": d, "dose": v, "unit": u} for d, v, u in self.doses],
            "assessment": dict(self.assessment), "details": dict(self.details),
            "corrections": [{"typed": a, "read_as": b} for a, b in self.corrections],
            "expansions": [{"typed": a, "read_as": b} for a, b in self.expansions],
            "failed": list(self.failed), "unknown_words": list(self.unknown_words), "off_topic": list(self.off_topic),
            "adult": self.adult,
            "normalised": self.text,
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------------------- rules

def _phrase_regex(cue: str) -> str:
    """A cue (plain phrase, 'word*' prefix, or 're:' regex) as regex source."""
    if cue.startswith("re:"):
        return cue[3:]
    star = cue.endswith("*")
    body = cue[:-1] if star else cue
    words = [re.escape(w) for w in body.split()]
    src = r"\s+".join(words)
    return r"\b" + src + (r"\w*" if star else r"\b")


def _compile(cue: str, subs: Mapping[str, str] | None = None) -> re.Pattern[str]:
    src = _phrase_regex(cue)
    for key, value in (subs or {}).items():
        src = src.replace(key, value)
    return re.compile(src)


@functools.lru_cache(maxsize=16)
def _detail_pattern(key: str) -> re.Pattern[str]:
    """One of understanding.yaml's single-pattern details ("edema", "worked_dose"), compiled once."""
    return _compile(rules().raw["details"][key])


class Cue:
    """A compiled cue that first checks a literal its regex needs (a plain phrase's first word): most questions
    lack most cues, and a substring test is far cheaper than the regex search it spares."""

    __slots__ = ("_needle", "_pattern")

    def __init__(self, cue: str, subs: Mapping[str, str] | None = None) -> None:
        self._pattern = _compile(cue, subs)
        plain = not cue.startswith("re:") and not any(k in cue for k in (subs or {}))
        words = cue.rstrip("*").split() if plain else []
        self._needle = words[0] if words else ""

    def search(self, text: str) -> re.Match[str] | None:
        if self._needle and self._needle not in text:
            return None
        return self._pattern.search(text)


@dataclass
class Rules:
    """understanding.yaml, compiled."""

    raw: dict[str, Any]
    max_chars: int
    min_letters: int
    chars: dict[str, str]
    contractions: re.Pattern[str]
    contraction_map: dict[str, str]
    replace_kinds: frozenset[str]
    drug_context: dict[str, re.Pattern[str]]
    numbers: dict[str, float]
    time_units: dict[str, float]
    weight_units: dict[str, float]
    num: str
    unit: str
    intents: dict[str, list[tuple[Cue, int]]]
    intent_order: list[str]
    treatment_cues: list[tuple[Cue, int]]
    stages: list[tuple[str, list[Cue]]]
    domain: list[re.Pattern[str]]
    ins_cues: list[re.Pattern[str]]
    off_diseases: list[tuple[str, list[re.Pattern[str]]]]
    off_other: list[tuple[str, list[re.Pattern[str]]]]
    adult: list[re.Pattern[str]]
    definition_words: list[tuple[re.Pattern[str], list[str]]]
    age: list[re.Pattern[str]]
    weight: list[re.Pattern[str]]
    dry_weight: list[re.Pattern[str]]
    height: list[re.Pattern[str]]
    egfr: list[re.Pattern[str]]
    bsa: list[re.Pattern[str]]
    sex: list[tuple[str, re.Pattern[str]]]
    histology: list[tuple[str, re.Pattern[str]]]
    genes: frozenset[str]
    genetic_status: list[tuple[str, re.Pattern[str]]]
    clause_split: re.Pattern[str]
    failure: list[re.Pattern[str]]
    failure_of: dict[str, dict[str, list[re.Pattern[str]]]]   # failure cues for one kind of agent, by where it stands
    success: list[re.Pattern[str]]
    agents: dict[str, list[str]]
    relapse_count: list[re.Pattern[str]]
    spelling: dict[str, Any]
    known_words: frozenset[str]
    cue_words: frozenset[str]
    class_words: list[tuple[str, re.Pattern[str]]]
    lab_names: frozenset[str]                   # medicines that are also blood tests ("albumin 16 g/L")
    lab_reading: re.Pattern[str]                # ... followed by a value
    lab_before: re.Pattern[str]                 # ... or named as the test ("serum albumin")
    alternate_day_dose: re.Pattern[str]         # a dose said to be given on alternate days
    divided_dose: list[tuple[str, int, re.Pattern[str]]]   # (frequency, doses a day, said right after a dose)


@cache
def rules() -> Rules:
    """The compiled rules (loaded once per process; kept in the on-disk cache, keyed by the file and the code)."""
    from nephroguide import cache as disk

    data = DATA_FILE.read_bytes()
    return disk.cached("understanding", disk.key("understanding", data), lambda: _build_rules(data.decode("utf-8")))


def _build_rules(text: str) -> Rules:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml: ~10x faster start-up
    raw = yaml.load(text, Loader=loader)
    numbers = {str(k): float(v) for k, v in raw["numbers"].items()}
    num = r"(?:" + _NUM_WORD + "|" + "|".join(sorted((re.escape(k) for k in numbers), key=len, reverse=True)) + ")"
    time_units = {str(k): float(v) for k, v in raw["time_units"].items()}
    unit = r"(?:" + "|".join(sorted((re.escape(k) for k in time_units), key=len, reverse=True)) + r")\b"
    ordinals = {str(k): float(v) for k, v in raw["ordinals"].items()}
    numbers.update(ordinals)   # read only where a pattern asks for ORDINAL
    subs = {"NUM": num, "UNIT": unit, "SINCE": raw["relapse_since"],
            "ORDINAL": r"(?:" + "|".join(sorted((re.escape(k) for k in ordinals), key=len, reverse=True)) + ")"}
    norm = raw["normalise"]
    cmap = {str(k).lower(): str(v) for k, v in norm["contractions"].items()}
    contractions = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in cmap), key=len, reverse=True)) + r")(?![\w'])")
    intents = {name: [(Cue(c), int(w)) for c, w in (spec.get("cues") or {}).items()]
               for name, spec in raw["intents"].items()}
    det = raw["details"]
    cue_words: set[str] = set()
    for section in (raw["intents"].values(),):
        for spec in section:
            for c in spec.get("cues") or {}:
                # a wildcard cue's stem ("anticoagula*") is a prefix, not a word: a word it begins is no typo of it
                if not c.startswith("re:") and not c.endswith("*"):
                    cue_words.update(_WORD.findall(c.lower()))
    for cues in raw["stages"].values():
        for c in cues:
            if not c.startswith("re:"):
                cue_words.update(_WORD.findall(c.lower()))
    for c in raw["scope"]["domain"]:
        if not c.startswith("re:") and not c.endswith("*"):
            cue_words.update(_WORD.findall(c.lower()))
    return Rules(
        raw=raw, max_chars=int(raw["limits"]["max_chars"]), min_letters=int(raw["limits"]["min_letters"]),
        chars={str(k): str(v) for k, v in norm["characters"].items()}, contractions=contractions, contraction_map=cmap,
        replace_kinds=frozenset(norm["lexicon_replace_kinds"]),
        drug_context={k: _compile(v) for k, v in (norm.get("drug_needs_context") or {}).items()},
        numbers=numbers, time_units=time_units,
        weight_units={str(k): float(v) for k, v in raw["weight_units"].items()}, num=num, unit=unit,
        intents=intents, intent_order=list(raw["intents"]),
        treatment_cues=[(Cue(c), int(w)) for c, w in raw["treatment_cues"].items()],
        stages=[(label, [Cue(c, subs) for c in cues]) for label, cues in raw["stages"].items()],
        domain=[_compile(c) for c in raw["scope"]["domain"]],
        ins_cues=[_compile(c) for c in raw["scope"]["ins_cues"]],
        off_diseases=[(name, [_compile(c) for c in cues]) for name, cues in raw["scope"]["off_topic_diseases"].items()],
        off_other=[(name, [_compile(c) for c in cues]) for name, cues in raw["scope"]["off_topic_other"].items()],
        adult=[_compile(c) for c in raw["scope"]["adult"]],
        definition_words=[(_compile(c), list(ids)) for c, ids in raw["definitions"]["by_word"].items()],
        age=[_compile(c, subs) for c in det["age_years"]], weight=[_compile(c, subs) for c in det["weight"]],
        dry_weight=[_compile(c, subs) for c in det.get("dry_weight") or []],
        height=[_compile(c, subs) for c in det["height_cm"]], egfr=[_compile(c, subs) for c in det["egfr"]],
        bsa=[_compile(c, subs) for c in det["bsa_m2"]],
        sex=[(k, _compile(v)) for k, v in det["sex"].items()],
        histology=[(k, _compile(v)) for k, v in det["histology"].items()],
        genes=frozenset(g.upper() for g in det["genetics"]["genes"]),
        genetic_status=[(k, _compile(v)) for k, v in det["genetics"]["status"].items()],
        clause_split=_compile(raw["response"]["clause_split"]),
        failure=[_compile(c) for c in raw["response"]["failure"]],
        failure_of={k: {side: [_compile(c) for c in cs] for side, cs in v.items()}
                    for k, v in raw["response"].get("failure_of", {}).items()},
        success=[_compile(c) for c in raw["response"]["success"]],
        agents={k: [str(x) for x in v] for k, v in raw["response"]["agents"].items()},
        relapse_count=[_compile(c, subs) for c in raw["relapse_count"]],
        spelling=dict(raw["spelling"]), known_words=frozenset(w.lower() for w in raw["spelling"]["known_words"]),
        cue_words=frozenset(cue_words),
        class_words=[(k, _compile(v)) for k, v in (raw.get("class_words") or {}).items()],
        lab_names=frozenset(raw["response"].get("lab_names") or ()),
        lab_reading=_compile(raw["response"]["lab_reading"]), lab_before=_compile(raw["response"]["lab_before"]),
        alternate_day_dose=_compile(raw["alternate_day_dose"]),
        divided_dose=[(k, int(raw["divided_dose_times"][k]), _compile(v)) for k, v in raw["divided_dose"].items()],
    )


# ----------------------------------------------------------------------------------------- vocabulary

@dataclass(frozen=True)
class Vocabulary:
    """Words nephroguide knows (never corrected) and the key terms typos are corrected into."""

    known: frozenset[str]
    targets: tuple[str, ...]
    drug_pattern: re.Pattern[str]          # generic drug names in the canonical text
    drug_names: dict[str, str]             # surface name -> drug id
    drug_classes: dict[str, str]           # drug id -> class
    drug_default_indication: dict[str, str]
    drug_equivalent: dict[str, str]
    study_pattern: re.Pattern[str]         # first authors and acronyms of the pack's studies


def _texts(pack: Any) -> Iterable[str]:
    for r in pack.recommendations.values():
        yield from (r.title, r.text, r.family_text, r.student_note, r.rationale)
    for c in pack.cautions.values():
        yield from (c.title, c.text, c.family_text)
    for d in pack.definitions.values():
        yield from (d.term, d.text, d.family_text, d.student_note)
    for c in pack.conflicts.values():
        yield c.note
        yield c.family_note
        for p in c.positions:
            yield p.text
    for s in pack.studies.values():
        yield from (s.title, s.design, s.population, s.intervention, s.comparator, s.outcomes, s.limitations)
        for res in s.results:
            yield res.text
    # the whole-disease facts and the curated answers: "sleep", "rugby", "weigh" are words nephroguide knows,
    # never typos nor unknown subjects (not the answers' phrasings: some keep a typo on purpose)
    for f in pack.facts.values():
        yield from (f.title, f.subject, f.text, f.family_text, " ".join(f.keywords))
    for a in pack.answers.values():
        yield from (a.answer, a.family_answer)


@cache
def vocabulary() -> Vocabulary:
    """Built once per process from the pack, the lexicon and the cue vocabulary (kept in the on-disk cache)."""
    from nephroguide import cache as disk
    from nephroguide.knowledge.lexicon import LEXICON_FILE
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    entry = disk.key("vocabulary", pack.version, str(pack.directory), disk.file_bytes(LEXICON_FILE),
                     DATA_FILE.read_bytes())
    return disk.cached("vocabulary", entry, lambda: _build_vocabulary(pack))


def _build_vocabulary(pack: Any) -> Vocabulary:
    from nephroguide.knowledge.lexicon import load_lexicon

    lex = load_lexicon()
    r = rules()
    min_target = int(r.spelling["target_min_length"])
    known: set[str] = set(r.known_words) | set(r.cue_words)
    for text in _texts(pack):
        known.update(_WORD.findall(_fold(text)))
    targets: set[str] = set(r.cue_words)
    for g in lex.groups():
        for term in g.all_terms():
            words = _WORD.findall(_fold(term))
            known.update(words)
            targets.update(words)
    names: dict[str, str] = {}
    for d in pack.drugs.values():
        for name in (d.id.replace("_", " "), d.generic, *d.aliases):
            key = " ".join(_WORD.findall(_fold(name)))
            if key:
                names.setdefault(key, d.id)
            targets.update(w for w in _WORD.findall(_fold(name)))
    canonical_names = {d.id.replace("_", " "): d.id for d in pack.drugs.values()}
    study_names: set[str] = set()
    for st in pack.studies.values():
        src = pack.sources[st.source]
        study_names.add(_fold(src.citation.split()[0].strip(",.")))
        for acr in re.findall(r"\(([A-Z][A-Za-z0-9-]{2,})\)", f"{src.title} {st.title}"):
            study_names.add(canonicalise(normalise(acr))[0])
    study_names = {n for n in study_names if len(n) >= 4}
    study_re = "|".join(re.escape(n) for n in sorted(study_names, key=len, reverse=True)) or "(?!x)x"
    alternation = "|".join(re.escape(n) for n in sorted(canonical_names, key=len, reverse=True))
    return Vocabulary(
        known=frozenset(known), targets=tuple(sorted(t for t in targets if len(t) >= min_target and t.isalpha())),
        drug_pattern=re.compile(r"\b(" + alternation + r")\b"), drug_names=canonical_names,
        drug_classes={d.id: d.drug_class for d in pack.drugs.values()},
        drug_default_indication={d.id: d.default_indication for d in pack.drugs.values() if d.default_indication},
        drug_equivalent={d.id: d.equivalent_to for d in pack.drugs.values() if d.equivalent_to},
        study_pattern=re.compile(r"\b(?:" + study_re + r")\b"),
    )


# ----------------------------------------------------------------------------------------- steps

def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()   # (nothing to strip: the common case, without a per-character walk)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def validate_question(question: Any) -> str:
    """The question, stripped, or an InputError naming what is wrong (empty, too long, binary)."""
    r = rules()
    if not isinstance(question, str):
        raise InputError(f"the question must be text, got {type(question).__name__}", field="question")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in question):
        raise InputError("the question is not valid text (undecodable bytes); type it as plain text", field="question")
    text = question.strip()
    if not text:
        raise InputError("the question is empty; type a question about nephrotic syndrome in children",
                         field="question")
    if len(text) > r.max_chars:
        raise InputError(f"the question has {len(text):,} characters; the limit is {r.max_chars:,} — ask one "
                         "question and put the child's data in --patient", field="question")
    bad = [ch for ch in text if (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r")
           or ch == "\ufffd"]
    if bad:
        raise InputError(f"the question contains {len(bad)} control or binary character(s) (first U+{ord(bad[0]):04X}); "
                         "type it as plain text", field="question")
    letters = sum(ch.isalpha() for ch in text)
    if letters < r.min_letters:
        raise InputError("the question has no words; type a question about nephrotic syndrome in children",
                         field="question")
    return text


_PERCENT_ASKED = re.compile(r"\b(what|which|how many|the)\s*%(?=\s|$)", re.I)


def percentage_asked(text: str) -> str:
    """ "what % are steroid sensitive" read as "what percentage ..." (a "%" after a number stays a value)."""
    return _PERCENT_ASKED.sub(r"\1 percentage", text)


@functools.lru_cache(maxsize=512)   # (one message's parts are normalised many times over while it is answered; 512
#                                     entries hold a message's, never a benchmark's whole question set)
def normalise(text: str) -> str:
    """Unicode, case, quotes, contractions and hyphens normalised; whitespace collapsed."""
    r = rules()
    text = unicodedata.normalize("NFKC", text)
    for a, b in r.chars.items():
        text = text.replace(a, b)
    text = _fold(text)
    text = r.contractions.sub(lambda m: r.contraction_map[m.group(1)], text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z0-9])|(?<=[0-9])-(?=[a-z])", " ", text)
    text = percentage_asked(text)
    # "5 hr time difference" is hours (not a hazard ratio); "39 hr 150" is a heart rate
    text = re.sub(r"\b(\d+(?:\.\d+)?)\s*hrs?\b(?!\s*(?:of|is|was|[:=])?\s*\d)", r"\1 hours", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text


def unknown_words(text: str) -> list[str]:
    """Words of 5+ letters that are neither known nor correctable (e.g. a drug outside the pack)."""
    r = rules()
    voc = vocabulary()
    min_len = int(r.spelling["min_length"])
    out = []
    for word in _WORD.findall(text):
        if len(word) < min_len or "'" in word or word in voc.known or word.rstrip("s") in voc.known:
            continue
        out.append(word)
    return list(dict.fromkeys(out))


def correct_spelling(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Replace unknown words by the closest key term (rapidfuzz), conservatively."""
    r = rules()
    voc = vocabulary()
    min_len = int(r.spelling["min_length"])
    out: list[str] = []
    fixes: list[tuple[str, str]] = []
    last = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if len(word) < min_len or word in voc.known or "'" in word:
            continue
        base = word[:-1] if word.endswith("s") and word[:-1] in voc.known else None
        if base:
            continue
        cutoff = r.spelling["cutoff_long"] if len(word) >= 7 else r.spelling["cutoff_short"]
        candidates = [t for t in voc.targets if t[0] == word[0] and abs(len(t) - len(word)) <= 3]
        from rapidfuzz import fuzz, process  # imported only when a word needs a look-up

        best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best is None:
            continue
        if word.endswith("in") and best[0] != f"{word}g":
            from wordfreq import zipf_frequency

            if zipf_frequency(f"{word}g", "en") >= float(r.spelling["common_zipf"]):
                continue   # a dropped g ("finishin", "goin") is that everyday word, never a key term ("finnish")
        if best[1] < float(r.spelling["sure_ratio"]):   # (wordfreq is slow to load: only when not near-certain)
            from wordfreq import zipf_frequency

            if zipf_frequency(word, "en") >= float(r.spelling["common_zipf"]):
                continue   # an everyday English word is no typo ("forever" is not "fever")
        out.append(text[last:m.start()])
        out.append(best[0])
        last = m.end()
        fixes.append((word, best[0]))
    out.append(text[last:])
    return "".join(out), fixes


def canonicalise(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Replace abbreviations, spelling variants and drug names by their canonical lexicon form."""
    read, expansions = _canonicalise(text)
    return read, list(expansions)


@functools.lru_cache(maxsize=512)   # (as normalise: a message's parts are read many times while it is answered)
def _canonicalise(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    from nephroguide.knowledge.lexicon import load_lexicon

    r = rules()
    lex = load_lexicon()
    pieces: list[str] = []
    expansions: list[tuple[str, str]] = []
    last = 0
    for m in lex.find(text):
        groups = [lex.group(g) for g in m.group_ids]
        drug = next((g for g in groups if g.kind == "drug"), None)
        kind_group = next((g for g in groups if g.kind in r.replace_kinds and g.kind != "drug"), None)
        if kind_group is not None and drug is not None and kind_group.kind == "abbreviation":
            target = _fold(kind_group.canonical)   # "IVMP" -> "intravenous methylprednisolone"
        elif drug is not None:
            target = drug.id.split(":", 1)[1].replace("_", " ")
        elif kind_group is not None:
            target = _fold(kind_group.canonical)
        else:
            continue
        target = re.sub(r"(?<=[a-z0-9])-(?=[a-z0-9])", " ", target)
        if target == m.text:
            continue
        pieces.append(text[last:m.char_start])
        pieces.append(target)
        last = m.char_end
        expansions.append((m.text, target))
    pieces.append(text[last:])
    return "".join(pieces), tuple(expansions)


def _number(r: Rules, token: str | None) -> float | None:
    if token is None:
        return None
    try:
        return float(token)
    except ValueError:
        return r.numbers.get(token.strip().lower())


def _months(r: Rules, n: str | None, unit: str | None) -> float | None:
    if unit is None:
        return None
    value = _number(r, n) if n else 1.0
    factor = r.time_units.get(unit.strip().lower())
    if value is None or factor is None:
        return None
    return value * factor


def _agent_regex(names: Iterable[str]) -> str:
    # longest first (a name never loses to a shorter one it starts with), then by name: the same source in every process
    return "(?P<agent>" + "|".join(re.escape(n) for n in sorted(set(names), key=lambda n: (-len(n), n))) + ")"


@cache
def _detail_patterns() -> dict[str, Any]:
    r = rules()
    voc = vocabulary()
    det = r.raw["details"]
    agent_names = list(voc.drug_names) + [a for names in r.agents.values() for a in names]
    agent = _agent_regex(agent_names)
    subs = {"NUM": r.num, "UNIT": r.unit, "AGENT": agent}
    cues = {"dose": det["drug_dose"], "duration": det["drug_duration"], "taken": det["drug_taken"],
            "past": det["drug_past"]}
    # every drug name is in each pattern (10-20 ms to compile): kept in the on-disk cache, keyed by the sources
    from nephroguide import cache as disk

    entry = disk.key("understanding", repr(sorted(subs.items())), repr(sorted(cues.items())))
    return disk.cached("details", entry, lambda: {k: [_compile(c, subs) for c in v] for k, v in cues.items()})


def _agent_drug(name: str) -> str | None:
    """A matched agent phrase -> drug id (None for a class phrase such as 'steroids')."""
    voc = vocabulary()
    return voc.drug_names.get(name)


def _agent_kind(name: str) -> str | None:
    r = rules()
    for kind, names in r.agents.items():
        if name in names:
            return kind
    drug = _agent_drug(name)
    if drug is None:
        return None
    cls = vocabulary().drug_classes.get(drug)
    if cls == "glucocorticoid":
        return "steroid"
    if cls == "calcineurin_inhibitor":
        return "cni"
    return "other"


# what comes just before a medicine named only as the one not chosen
# (a medicine named only as the one not chosen: "rather than ciclosporin", "she refuses ciclosporin (hair)")
_PASSED_OVER = re.compile(r"\b(?:rather than|instead of|refuses|refused|refusing|declines|declined|declining|won'?t take|"
                          r"will not take|does not want|doesn'?t want|do not want|don'?t want)\s+(?:the\s+)?$")


def passed_over(text: str, start: int) -> bool:
    """The medicine named at ``start`` of a canonical text is named only as the one not chosen (``_PASSED_OVER``)."""
    return bool(_PASSED_OVER.search(text[max(0, start - 20):start]))


def _drug_mentions(text: str) -> list[tuple[str, int, int]]:
    """(drug id, start, end) of drug names in the canonical text, with context checks for ambiguous names."""
    r = rules()
    voc = vocabulary()
    out = []
    for m in voc.drug_pattern.finditer(text):
        drug = voc.drug_names[m.group(1)]
        ctx = r.drug_context.get(drug)
        if ctx is not None:
            window = text[max(0, m.start() - 40):m.end() + 40]
            if not ctx.search(window):
                continue
        out.append((drug, m.start(), m.end()))
    return out


def _lab_result(text: str, m: re.Match[str]) -> bool:
    """A medicine's name that is a blood test's here ("albumin 16 g/L", "serum albumin"): understanding.yaml
    ``response.lab_names``."""
    r = rules()
    if m.group("agent") not in r.lab_names:
        return False
    return bool(r.lab_reading.match(text, m.end()) or r.lab_before.search(text[max(0, m.start() - 12):m.start()]))


def _response(text: str) -> tuple[dict[str, str], list[str], list[str]]:
    """Stated response to steroids / CNIs from failure or success cues near an agent, clause by clause."""
    r = rules()
    window = int(r.raw["response"]["window"])
    agent_names = [a for names in r.agents.values() for a in names] + list(vocabulary().drug_names)
    agent_re = re.compile(r"\b" + _agent_regex(agent_names) + r"\b")
    facts: dict[str, str] = {}
    failed: list[str] = []
    notes: list[str] = []
    spec = r.raw["response"]["assessment"]
    for clause in r.clause_split.split(text):
        agents = [(m.group("agent"), m.start(), m.end()) for m in agent_re.finditer(clause)
                  if not _DISEASE_WORD.match(clause, m.end()) and not _lab_result(clause, m)]
        if not agents:
            continue
        words = clause.split()
        if not words:
            continue
        for outcome, patterns in (("failure", r.failure), ("success", r.success)):
            # (a course named as what a medicine is for is no failure of it: "levamisole or MMF for FRNS?")
            hits = [m for p in patterns for m in p.finditer(clause)
                    if not (outcome == "failure" and _INDICATION_BEFORE.search(clause[:m.start()]))
                    and not (outcome == "success" and _HYPOTHETICAL_BEFORE.search(clause[:m.start()]))]
            own_found = False
            for name, a_start, a_end in agents:
                kind = _agent_kind(name)
                own = []
                if outcome == "failure":   # "levamisole and MMF, still relapsing" / "relapsing on levamisole"
                    sides = r.failure_of.get(kind or "", {})
                    # (the agent right before or right after the cue: "levamisole and MMF, still relapsing",
                    # "relapsing despite levamisole"; not "relapses while on steroids, the doctor mentioned X")
                    own = [m for p in sides.get("agent_before", []) for m in p.finditer(clause)
                           if m.start() >= a_end and len(clause[a_end:m.start()].split()) <= 3
                           and not _INDICATION_BEFORE.search(clause[:m.start()])] + \
                          [m for p in sides.get("agent_after", []) for m in p.finditer(clause)
                           if m.end() <= a_start and len(clause[m.end():a_start].split()) <= 1]
                near = any(_word_distance(clause, a_start, a_end, h.start(), h.end()) <= window for h in hits)
                near_own = any(_word_distance(clause, a_start, a_end, h.start(), h.end()) <= window for h in own)
                if not near and not near_own:
                    continue
                own_found = own_found or near_own
                if kind in spec and outcome in spec[kind]:
                    for k, v in spec[kind][outcome].items():
                        facts.setdefault(k, str(v))
                drug = _agent_drug(name)
                if outcome == "failure" and drug:
                    failed.append(drug)
            if outcome == "failure" and (hits or own_found):
                break   # "not in remission on X" is a failure, not also a success
    return facts, failed, notes


# (a success asked about or hoped for is not stated: "what are the chances the tacrolimus actually works?")
_HYPOTHETICAL_BEFORE = re.compile(r"\b(?:chances?|likel(?:y|ihood)|odds|whether|if|will|would|could|might|hope|hoping|"
                                  r"does|do)\b[^.?!]*$")
_INDICATION_BEFORE = re.compile(r"\b(?:for|in|treat|treating|indicated in|used in|licensed for)\s+(?:(?:frequently|steroid|steroid-?|often)[\s-]+)?$")


def _word_distance(text: str, a0: int, a1: int, b0: int, b1: int) -> int:
    if b0 >= a1:
        between = text[a1:b0]
    elif a0 >= b1:
        between = text[b1:a0]
    else:
        return 0
    return len(between.split())


# ----------------------------------------------------------------------------------------- main

# a condition asked as what a medicine does ("will the steroids give her diabetes?", "can tacrolimus cause diabetes")
_MEDICINE_WORD = re.compile(r"\b(?:steroids?|corticosteroids?|immunosuppressants?)\b", re.I)
_EFFECT_ASKED = re.compile(r"\b(?:give|gives|giving|cause|causes|causing|caused|lead to|leads to|bring on|brings on|"
                           r"side effects?|risk of|trigger|triggers)\b", re.I)



def medicine_effect_asked(text: str) -> bool:
    """The text names a medicine (the pack's, or "steroids") and asks what it causes or gives ("will the steroids
    give her diabetes?"): another condition named so is a side effect, not another subject."""
    return (vocabulary().drug_pattern.search(text) is not None or _MEDICINE_WORD.search(text) is not None) \
        and _EFFECT_ASKED.search(text) is not None


def understand(question: str, *, relapse_rule: Any = None) -> Understanding:
    """Read a question (already validated) into an :class:`Understanding`.

    ``relapse_rule``: the definition set's ``relapse_frequency`` rule, for reading relapse counts.
    """
    r = rules()
    voc = vocabulary()
    text = normalise(question)
    text, corrections = correct_spelling(text)
    text, expansions = canonicalise(text)
    text = re.sub(r"\s+", " ", text).strip()
    notes: list[str] = []

    # --- drugs named, and which ones the child takes
    mentions = _drug_mentions(text)
    # a medicine named only as the one not chosen ("the team has chosen ciclosporin rather than tac") is no medicine
    # of the child's
    chosen = {d for d, a, _ in mentions if not passed_over(text, a)}
    mentions = [x for x in mentions if x[0] in chosen]
    drugs = list(dict.fromkeys(d for d, _, _ in mentions))
    pats = _detail_patterns()
    taking: dict[str, bool] = {}
    taken_as = r.raw["response"].get("taken_as") or {}
    for p in pats["taken"]:
        for m in p.finditer(text):
            drug = _agent_drug(m.group("agent")) or taken_as.get(_agent_kind(m.group("agent")) or "")
            if drug:
                taking.setdefault(drug, True)
    for p in pats["past"]:
        for m in p.finditer(text):
            drug = _agent_drug(m.group("agent"))
            if drug:
                taking[drug] = False
    if re.search(r.raw["details"]["off_everything"], text, re.I):
        taking.update(dict.fromkeys(drugs, False))   # ("... have been off everything for 4 years")
    durations: dict[str, float] = {}
    for p in pats["duration"]:
        for m in p.finditer(text):
            drug = _agent_drug(m.group("agent"))
            months = _months(r, m.group("n"), m.group("unit"))
            if drug and months:
                durations.setdefault(drug, months)
                taking.setdefault(drug, True)
    doses: dict[str, tuple[float, str]] = {}
    alternate_doses: set[str] = set()
    divided: dict[str, tuple[str, int]] = {}   # ("tacrolimus 2 mg bd": one of two doses a day)
    for p in pats["dose"]:
        for m in p.finditer(text):
            drug = _agent_drug(m.group("agent"))
            if drug and drug not in doses:
                unit = m.group("unit").replace("/d", "/day") if m.group("unit").endswith("/d") else m.group("unit")
                amount = float(m.group("dose"))
                if unit == "g":   # ("methylpred 1 g"): 1000 mg
                    amount, unit = amount * 1000, "mg"
                doses[drug] = (amount, unit)
                taking.setdefault(drug, True)
                window = text[max(0, m.start() - 30):m.end() + 30]
                if unit == "mg" and r.alternate_day_dose.search(window):
                    alternate_doses.add(drug)   # ("on alternate-day prednisolone 15 mg": 15 mg every other day)
                elif unit == "mg":
                    after = text[m.end():m.end() + 30]
                    said = next(((freq, n) for freq, n, pat in r.divided_dose if pat.search(after)), None)
                    if said is not None:
                        divided[drug] = said

    # --- response to treatment (negation, failure, success)
    facts, failed, rnotes = _response(text)
    notes.extend(rnotes)
    for drug in failed:
        taking.setdefault(drug, True)
    # time on a drug without a stated response: nothing is assumed
    # --- stage cues
    stage: set[str] = set()
    for label, patterns in r.stages:
        if any(p.search(text) for p in patterns):
            stage.add(label)
    named = set(stage)
    opposite = r.raw.get("opposite_courses") or {}
    for key, value in facts.items():
        # a course read from a response ("in complete remission on tac ... pred already stopped") never contradicts
        # the course the question names ("9yo SRNS"): the named one stands
        stage.update(x for x in _labels_for_assessment(key, value)
                     if x in named or not any(x in (opposite.get(n) or ()) for n in named))
    # a response to a CNI read from the story ("on ciclosporin ... been in remission a year") makes no SRNS of a child
    # the message never calls steroid-resistant: CNIs are given in FRNS/SDNS too (blind probe 48)
    resistant_named = named & set(r.raw["opposite_courses"].get("steroid_sensitive") or ())
    if not resistant_named:
        stage.difference_update(set(r.raw["resistance_told_only"]) - named)
    count = _relapse_count(text)
    if count is not None and relapse_rule is not None:
        n, months = count
        at_most = months is None   # "3 relapses since March": a window of at most the any-window
        months = relapse_rule.any_window_months if months is None else months
        frequent = (months <= relapse_rule.first_window_months and n >= relapse_rule.first_window_min_relapses) or \
                   (months <= relapse_rule.any_window_months and n >= relapse_rule.any_window_min_relapses)
        if frequent or not at_most:   # fewer over an unknown window says nothing
            stage.add("frequently_relapsing" if frequent else "infrequently_relapsing")
            notes.append(f"read '{n:g} relapses in {'at most ' if at_most else ''}{months:g} months' against the "
                         f"current definition set ({'frequent' if frequent else 'infrequent'} relapses)")
    classes_ever: set[str] = set()
    classes_current: set[str] = set()
    implies = r.raw["stage_implies"]
    for label in sorted(stage):
        stage.update(implied_labels(implies.get(label) or {}, stage))
    for label in sorted(stage):
        spec = implies.get(label) or {}
        classes_ever.update(spec.get("classes_ever") or [])
        classes_current.update(spec.get("classes_current") or [])
    for label, removed in (r.raw.get("stage_excludes") or {}).items():
        if label in stage:
            stage.difference_update(x for x in removed if not _stated_directly(x, facts))
    # --- details
    details: dict[str, Any] = {}
    if alternate_doses:
        details["alternate_day_doses"] = tuple(sorted(alternate_doses))
    if divided:
        details["divided_doses"] = tuple(sorted((drug, freq, n) for drug, (freq, n) in divided.items()))
    age = _first_number(r.age, text, unit_default="years")
    if age is not None:
        details["age_years"] = age
        if age < 1:
            stage.add("infant")
    weight = _weight(text)
    dry = _weight(text, r.dry_weight)
    if dry is not None and weight is not None and dry != weight:
        # "19 kg today but 16 kg before he got puffy": the dose is worked out on the weight before the swelling
        details["weight_basis"] = f"the weight before the swelling ({dry:g} kg), not today's {weight:g} kg"
        details["weight_today_kg"] = weight
        notes.append(f"dosing weight {dry:g} kg (stated as before the swelling), not the {weight:g} kg stated first")
        weight = dry
    if weight is not None:
        details["weight_kg"] = weight
    height = _first_plain(r.height, text)
    if height is not None:
        details["height_cm"] = height
    egfr = _first_plain(r.egfr, text)
    if egfr is not None:
        details["egfr"] = egfr
    bsa = _first_plain(r.bsa, text)
    if bsa is not None:
        details["bsa_m2"] = bsa
    worked = _detail_pattern("worked_dose").search(text)
    if worked is not None:
        # "60 mg/m2 comes to 80 mg - do I give that?": the amount worked out is the dose stated, for the medicine
        # stated per kg or m2, else the stated course's own medicine (prednisolone in a first episode or relapse)
        per = float(worked.group("per"))
        drug = next((d for d, (v, unit) in doses.items() if unit != "mg" and v == per), None)
        if drug is None and not doses:
            drug = next((d for label, d in r.raw["details"]["worked_dose_course"].items() if label in stage), None)
        if drug is not None:
            doses[drug] = (float(worked.group("mg")), "mg")
    if _detail_pattern("edema").search(text) and not _detail_pattern("edema_negated").search(text):
        details["edema"] = True
    sex = [k for k, p in r.sex if p.search(text)]
    if len(sex) == 1:
        details["sex"] = sex[0]
    histology = next((k for k, p in r.histology if p.search(text)), None)
    if histology:
        details["histology"] = histology
    genes = sorted({g for g in re.findall(r"\b[a-z0-9]{2,8}\b", text) if g.upper() in r.genes})
    genetic_status = next((k for k, p in r.genetic_status if p.search(text)), None)
    if genes:
        details["genes"] = tuple(g.upper() for g in genes)
        genetic_status = genetic_status or "pathogenic"
    if genetic_status:
        details["genetic_status"] = genetic_status
        if genetic_status == "pathogenic":
            stage.add("genetic_srns")
            stage.add("srns")
    assessment: dict[str, str] = {}
    label_assessment = r.raw["label_assessment"]
    for label in sorted(stage):
        for k, v in (label_assessment.get(label) or {}).items():
            if k == "steroid_response" and assessment.get(k, "").startswith("resistant_"):
                continue
            if k == "steroid_response" and k in assessment and v == "resistant":
                continue
            assessment[k] = str(v)
    for k, v in facts.items():
        assessment.setdefault(k, v)
    for drug, current in taking.items():
        cls = voc.drug_classes.get(drug)
        if cls:
            classes_ever.add(cls)
            if current:
                classes_current.add(cls)
    # --- scope signals
    off = [name for name, patterns in r.off_diseases if any(p.search(text) for p in patterns)]
    ins = any(p.search(text) for p in r.ins_cues) or any(lbl in stage for lbl in ("srns", "steroid_sensitive",
                                                                                  "frequently_relapsing",
                                                                                  "steroid_dependent"))
    # (another condition asked as an effect of the child's own medicine is a side effect, not another subject:
    # "is she ok to have sweets on the steroids or will it give her diabetes")
    effect_of_medicine = medicine_effect_asked(text)
    if not ins and not effect_of_medicine:
        off += [name for name, patterns in r.off_other if any(p.search(text) for p in patterns)]
    adult = any(p.search(text) for p in r.adult) or (age is not None and age >= float(r.raw["scope"]["adult_age"]))
    # --- definitions the words point to
    definitions: list[str] = []
    for p, ids in r.definition_words:
        if p.search(text):
            definitions.extend(ids)
    not_domain = set(r.raw["normalise"].get("not_domain_readings") or ())
    domain_hits = sum(1 for p in r.domain if p.search(text)) + len(drugs) + len(stage) + \
        sum(1 for _, read in expansions if read not in not_domain) + \
        len(definitions) + (1 if voc.study_pattern.search(text) else 0)
    # --- intent
    # (a dose asked only if the answer is yes - "switch to daily pred at a cold? if so what dose?" - is not what the
    # message asks first: the yes-or-no question decides the intent, and the dose follows in its answer)
    asked = _detail_pattern("conditional_dose").sub(" ", text)
    scores, explicit = _intent_scores(asked, stage, drugs, list(taking))
    ranked = _ranked(scores, asked, stage)
    intent = ranked[0][0] if ranked and ranked[0][1] > 0 else None
    dose_asked = any(p.search(asked) for p, _ in r.intents["dosing"])
    return Understanding(
        question=question, text=text, intent=intent, intent_scores=tuple(ranked),
        explicit_intent=intent is not None and intent in explicit,
        stage=tuple(sorted(stage)), drugs=tuple(drugs),
        patient_drugs=tuple(sorted(taking.items())), durations=tuple(sorted(durations.items())),
        doses=tuple(sorted((d, v, u) for d, (v, u) in doses.items())), assessment=tuple(sorted(assessment.items())),
        classes_ever=tuple(sorted(classes_ever)), classes_current=tuple(sorted(classes_current)),
        details=tuple(sorted(details.items())), corrections=tuple(corrections), expansions=tuple(expansions),
        definitions=tuple(dict.fromkeys(definitions)), off_topic=tuple(dict.fromkeys(off)), adult=adult,
        domain_hits=domain_hits, ins_cue=ins, dose_asked=dose_asked, notes=tuple(notes),
        failed=tuple(dict.fromkeys(failed)), unknown_words=tuple(unknown_words(text)),
        classes_named=tuple(cls for cls, p in r.class_words if p.search(text)))


def _stated_directly(label: str, facts: Mapping[str, str]) -> bool:
    return label in {lbl for k, v in facts.items() for lbl in _labels_for_assessment(k, v)}


def _labels_for_assessment(key: str, value: str) -> set[str]:
    r = rules()
    out = set()
    for label, spec in r.raw["label_assessment"].items():
        if (spec or {}).get(key) == value:
            out.add(label)
    return out


def _relapse_count(text: str) -> tuple[float, float | None] | None:
    """(relapses, months) stated; months None for a window of at most a year ("since March", "this year")."""
    r = rules()
    for p in r.relapse_count:
        m = p.search(text)
        if not m:
            continue
        count = _number(r, m.group("count"))
        if "since" in m.groupdict():
            return (count, None) if count is not None else None
        months = _months(r, m.groupdict().get("n"), m.group("unit"))
        if count is not None and months:
            return count, months
    return None


def _first_number(patterns: list[re.Pattern[str]], text: str, unit_default: str) -> float | None:
    r = rules()
    for p in patterns:
        m = p.search(text)
        if not m:
            continue
        n = _number(r, m.group("n"))
        if n is None:
            continue
        unit = (m.groupdict().get("unit") or unit_default).lower()
        if unit.startswith(("month", "mo")):
            n = n / 12
        elif unit.startswith(("week", "wk")):
            n = n / 52.18
        return round(n, 2)
    return None


def _first_plain(patterns: list[re.Pattern[str]], text: str) -> float | None:
    for p in patterns:
        m = p.search(text)
        if m:
            return float(m.group("n"))
    return None


def implied_labels(spec: Mapping[str, Any], labels: set[str] | frozenset[str]) -> list[str]:
    """The labels a stage implies (understanding.yaml ``stage_implies``), unless the labels it names in ``unless``
    are already there (a CNI-responsive child stated steroid-dependent is not read as SRNS)."""
    return [] if set(spec.get("unless") or []) & labels else list(spec.get("labels") or [])


def _weight(text: str, patterns: list[re.Pattern[str]] | None = None) -> float | None:
    r = rules()
    for p in r.weight if patterns is None else patterns:
        m = p.search(text)
        if m:
            factor = r.weight_units.get(m.group("unit").lower())
            if factor is not None:
                return round(float(m.group("n")) * factor, 1)
    return None


def _ranked(scores: Mapping[str, int], text: str, stage: Iterable[str]) -> list[tuple[str, int]]:
    """Intents best first; a tie goes to the intent of the stage the question states when it asks for treatment
    ("... still nephrotic after 4 weeks of pred - secondary steroid resistance? biopsy, genetics, what treatment?"
    is a question about SRNS, not about genetic testing), else to the order of ``intents``."""
    r = rules()
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], r.intent_order.index(kv[0])))
    staged = set(stage)
    target = next((rule["intent"] for rule in r.raw["stage_intent"] if rule["label"] in staged), None)
    if target is None or len(ranked) < 2 or ranked[0][0] == target or not any(p.search(text) for p, _ in r.treatment_cues):
        return ranked
    tied = [kv for kv in ranked if kv[1] == ranked[0][1]]
    # (only when what the tie is with is part of that stage's own article - its evaluation: biopsy, genetics - not
    # another subject: "BP 126/84 on day 2 of a first episode, treat?" stays a blood-pressure question)
    own = set((r.raw["articles"].get(target) or {}).get("evaluation") or ())
    if any(k == target for k, _ in tied) and all(k == target or k in own for k, _ in tied):
        return [kv for kv in ranked if kv[0] == target] + [kv for kv in ranked if kv[0] != target]
    return ranked


def _intent_scores(text: str, stage: set[str], drugs: list[str],
                   patient_drugs: Iterable[str] = ()) -> tuple[dict[str, int], set[str]]:
    r = rules()
    voc = vocabulary()
    scores: dict[str, int] = dict.fromkeys(r.intent_order, 0)
    explicit: set[str] = set()
    for name, cues in r.intents.items():
        for pattern, weight in cues:
            if pattern.search(text):
                scores[name] += weight
        if scores[name] > 0:
            explicit.add(name)
    treatment = sum(w for p, w in r.treatment_cues if p.search(text))
    target = None
    for rule in r.raw["stage_intent"]:
        if rule["label"] in stage:
            target = rule["intent"]
            scores[target] += int(rule["weight"]) + treatment
            break
    if target is None:
        drug_intents = [r.raw["indication_intent"].get(voc.drug_default_indication.get(d, ""), None) for d in drugs]
        drug_intents = [i for i in drug_intents if i]
        strong_cue = max(scores.values(), default=0) >= 3
        if drug_intents and not strong_cue:
            scores[drug_intents[0]] += int(r.raw["drug_intent_weight"]) + treatment
        elif drug_intents:
            scores[drug_intents[0]] += treatment
        elif treatment and not drugs:
            # (a treatment word beside a medicine off the steroid pathway - "cough since starting lisinopril" - does
            # not make a question about treating a first episode)
            scores[r.raw["default_treatment_intent"]] += treatment
    if patient_drugs and target is None:
        for name, bonus in (r.raw.get("patient_drug_bonus") or {}).items():
            if scores.get(name):
                scores[name] += int(bonus)
    return scores, explicit


def with_context(u: Understanding, *, stage: Iterable[str], drugs: Iterable[str], details: Mapping[str, Any],
                 patient_drugs: Iterable[tuple[str, bool]] = (), assessment: Mapping[str, str] | None = None,
                 classes_ever: Iterable[str] = (), classes_current: Iterable[str] = (),
                 inherit_intent: str | None = None) -> Understanding:
    """The understanding with context added (from a session), its intent re-scored on the merged stage.

    ``inherit_intent`` is used when the question itself has no intent cue and no stage of its own
    ("and for a 30 kg child?")."""
    import dataclasses

    stage_set = set(stage)
    drug_list = list(dict.fromkeys(drugs))
    scores, explicit = _intent_scores(u.text, stage_set, drug_list, [d for d, _ in patient_drugs] or
                                      [d for d, _ in u.patient_drugs])
    ranked = _ranked(scores, u.text, stage_set)
    intent = ranked[0][0] if ranked and ranked[0][1] > 0 else None
    own_cue = bool(explicit) or bool(u.stage)
    if inherit_intent and not own_cue:
        intent = inherit_intent
    return dataclasses.replace(
        u, stage=tuple(sorted(stage_set)), drugs=tuple(drug_list), details=tuple(sorted(details.items())),
        patient_drugs=tuple(sorted(dict(patient_drugs).items())), assessment=tuple(sorted((assessment or {}).items())),
        classes_ever=tuple(sorted(set(classes_ever))), classes_current=tuple(sorted(set(classes_current))),
        intent=intent, intent_scores=tuple(ranked), explicit_intent=intent is not None and intent in explicit)


def closest_intents(text: str, limit: int = 3) -> list[str]:
    """Covered intents nearest to a question (for a not-covered answer): by cue score, then defaults."""
    r = rules()
    scores, _ = _intent_scores(normalise(text), set(), [])
    ranked = [k for k, v in sorted(scores.items(), key=lambda kv: (-kv[1], r.intent_order.index(kv[0]))) if v > 0]
    for k in r.raw["scope"]["closest_default"]:
        if k not in ranked:
            ranked.append(k)
    return ranked[:limit]


def is_finite_number(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


__all__ = ["Understanding", "canonicalise", "closest_intents", "correct_spelling", "normalise", "rules", "understand",
           "validate_question", "vocabulary", "with_context"]



