"""Score ``ask`` against the evaluation sets (every tests/eval/*.yaml): a question passes when its intent
(treatment pathway) or topic (the rest of the disease) matches, its scope matches, the answer contains every
``must_contain`` text, none of its ``must_not_contain`` texts as current advice, and, with ``lead``, one of
the lead texts in its first line (the summary). Also: citation coverage, pass rate per topic, per audience
and per split, the share answered "not covered", and median words per audience. Used by
benchmarks/eval_ask.py and tests/test_answer_eval.py; latency is measured by the benchmark only.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from nephroguide.answer.model import Answer

TODAY = dt.date(2026, 11, 21)   # the evaluation is dated, so answers do not drift with the clock


@dataclass
class Case:
    id: str
    question: str
    intent: str | None
    scope: str
    audience: str
    must_contain: list[str]
    must_not_contain: list[str]
    before: list[str]
    split: str = "dev"
    topic: str | None = None
    lead: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def group(self) -> str:
        """What the question is about, for per-topic figures: its topic, its intent, or 'not covered'."""
        if self.scope == "not_covered":
            return "(not covered)"
        return self.topic or self.intent or "?"


@dataclass
class Result:
    case: Case
    answer: Answer
    intent_ok: bool
    scope_ok: bool
    missing: list[str]
    violations: list[str]
    statements: int
    cited: int
    lead_ok: bool = True
    topic_ok: bool = True
    words: int = 0

    @property
    def passed(self) -> bool:
        return self.intent_ok and self.topic_ok and self.scope_ok and self.lead_ok and not self.missing \
            and not self.violations

    @property
    def content_passed(self) -> bool:
        """What the answer says is right (scope, lead line, must / must-not contain), whatever topic or intent
        label the answer files itself under: the labels of a blind set and of the pack's 37 topics differ at
        their borders (a grapefruit-and-tacrolimus answer is 'adverse effects' in the pack, 'diet' in a set)."""
        return self.scope_ok and self.lead_ok and not self.missing and not self.violations


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def split(self, name: str) -> Report:
        return Report([r for r in self.results if r.case.split == name])

    def where(self, pred: Any) -> Report:
        return Report([r for r in self.results if pred(r)])

    @property
    def pass_rate(self) -> float:
        return sum(r.passed for r in self.results) / self.n if self.n else 0.0

    @property
    def not_covered_share(self) -> float:
        return sum(r.answer.scope == "not_covered" for r in self.results) / self.n if self.n else 0.0

    def median_words(self, audience: str) -> float:
        import statistics

        words = [r.words for r in self.results if r.case.audience == audience and r.answer.scope != "not_covered"]
        return float(statistics.median(words)) if words else 0.0

    def by(self, key: Any) -> dict[str, Report]:
        out: dict[str, Report] = {}
        for r in self.results:
            out.setdefault(str(key(r)), Report()).results.append(r)
        return dict(sorted(out.items()))

    @property
    def n(self) -> int:
        return len(self.results)

    @property
    def intent_accuracy(self) -> float:
        return sum(r.intent_ok for r in self.results) / self.n if self.n else 0.0

    @property
    def scope_accuracy(self) -> float:
        return sum(r.scope_ok for r in self.results) / self.n if self.n else 0.0

    @property
    def recall(self) -> float:
        wanted = sum(len(r.case.must_contain) for r in self.results)
        found = wanted - sum(len(r.missing) for r in self.results)
        return found / wanted if wanted else 1.0

    @property
    def violations(self) -> list[tuple[str, str]]:
        return [(r.case.id, v) for r in self.results for v in r.violations]

    @property
    def citation_coverage(self) -> float:
        total = sum(r.statements for r in self.results)
        return sum(r.cited for r in self.results) / total if total else 1.0

    def summary(self) -> dict[str, Any]:
        return {"questions": self.n, "pass_rate": round(self.pass_rate, 3),
                "content_pass_rate": round(sum(r.content_passed for r in self.results) / self.n, 3) if self.n else 0.0,
                "not_covered_share": round(self.not_covered_share, 3),
                "lead_accuracy": round(sum(r.lead_ok for r in self.results) / self.n, 3) if self.n else 0.0,
                "topic_accuracy": round(sum(r.topic_ok for r in self.results) / self.n, 3) if self.n else 0.0,
                "intent_accuracy": round(self.intent_accuracy, 3),
                "scope_accuracy": round(self.scope_accuracy, 3), "must_contain_recall": round(self.recall, 3),
                "must_not_violations": len(self.violations), "citation_coverage": round(self.citation_coverage, 4),
                "statements": sum(r.statements for r in self.results)}


def load_cases(path: str | Path) -> list[Case]:
    """The cases of one evaluation file, or of every ``*.yaml`` file of a folder (ids unique across files)."""
    import yaml

    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    out: list[Case] = []
    seen: set[str] = set()
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for q in data["questions"]:
            cid = str(q["id"])
            if cid in seen:
                raise ValueError(f"{file.name}: duplicate question id {cid!r}")
            seen.add(cid)
            out.append(Case(id=cid, question=str(q["q"]), intent=q.get("intent"),
                            scope=str(q.get("scope", "covered")), audience=str(q.get("audience", "clinician")),
                            must_contain=[str(x) for x in q.get("must_contain") or []],
                            must_not_contain=[str(x) for x in q.get("must_not_contain") or []],
                            before=[str(x) for x in q.get("before") or []], split=str(q.get("split", "dev")),
                            topic=q.get("topic"), lead=[str(x) for x in q.get("lead") or []], source=file.name))
    return out


def _norm(text: str) -> str:
    return " ".join(text.replace("–", "-").replace("—", "-").casefold().split())


def current_text(a: Answer) -> str:
    """Everything the answer says as current advice: title, summary, scope note, sections except
    'what changed' (which quotes superseded positions on purpose), notes and glossary."""
    parts = [a.title, a.summary_text, a.scope_note, " ".join(a.closest_topics)]
    for s in a.sections:
        if s.key == "changes":
            continue
        parts.append(s.title)
        for i in s.items:
            parts.append(i.statement.text)
            parts.append(i.note)
    if a.glossary:
        parts.append("Terms")
        parts.extend(f"{g.term} {g.meaning}" for g in a.glossary)
    parts.append(a.disclaimer)
    return _norm(" ".join(p for p in parts if p))


def ask_case(case: Case, home: Path, detail: str = "brief") -> Answer:
    from nephroguide.api import ask

    session = None
    if case.before:
        first = ask(case.before[0], audience=case.audience, session="new", today=TODAY, home=home)
        session = first.session
        for q in case.before[1:]:
            ask(q, audience=case.audience, session=session, today=TODAY, home=home)
    return ask(case.question, audience=case.audience, session=session, today=TODAY, home=home, detail=detail)


@cache
def neighbour_topics() -> frozenset[frozenset[str | None]]:
    """Declared pairs of neighbouring topics (data/evaluation.yaml) the topic check accepts either way."""
    import yaml

    data = yaml.safe_load((Path(__file__).with_name("data") / "evaluation.yaml").read_text(encoding="utf-8"))
    return frozenset(frozenset(pair) for pair in data["neighbour_topics"])


def score(case: Case, a: Answer) -> Result:
    text = current_text(a)
    missing = [m for m in case.must_contain if _norm(m) not in text]
    violations = [m for m in case.must_not_contain if _norm(m) in text]
    if case.topic is not None:
        intent_ok = True
        # a message that asks several things is answered on each: any of the answered topics counts
        topic_ok = any(t == case.topic or frozenset((t, case.topic)) in neighbour_topics()
                       for t in (a.topic, *a.also_topics))
    else:
        intent_ok = (a.intent == case.intent) if case.intent is not None else (a.scope == "not_covered")
        topic_ok = True
    first_line = _norm(a.summary_text.splitlines()[0] if a.summary_text else "")
    lead_ok = not case.lead or any(_norm(x) in first_line for x in case.lead)
    statements = a.statements()
    cited = sum(1 for s in statements if s.refs)
    summary_cited = bool(a.summary_refs) or a.scope == "not_covered"
    return Result(case=case, answer=a, intent_ok=intent_ok, scope_ok=a.scope == case.scope, missing=missing,
                  violations=violations, statements=len(statements) + 1, cited=cited + summary_cited,
                  lead_ok=lead_ok, topic_ok=topic_ok, words=len(a.markdown.split()))


def run(path: str | Path, home: str | Path | None = None, detail: str = "brief") -> Report:
    """Answer every case of a file or of a folder of files (sessions in a throw-away home) and score it."""
    report = Report()
    with tempfile.TemporaryDirectory(prefix="nephroguide-eval-") as tmp:
        base = Path(home) if home else Path(tmp)
        for case in load_cases(path):
            report.results.append(score(case, ask_case(case, base, detail)))
    return report
