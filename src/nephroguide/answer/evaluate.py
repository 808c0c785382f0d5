"""Score ``ask`` against an evaluation set (tests/eval/questions.yaml): intent accuracy, scope accuracy,
must-contain recall, must-not violations and citation coverage. Used by benchmarks/eval_ask.py and
tests/test_answer_eval.py; latency is measured by the benchmark only.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
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


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def split(self, name: str) -> Report:
        return Report([r for r in self.results if r.case.split == name])

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
        return {"questions": self.n, "intent_accuracy": round(self.intent_accuracy, 3),
                "scope_accuracy": round(self.scope_accuracy, 3), "must_contain_recall": round(self.recall, 3),
                "must_not_violations": len(self.violations), "citation_coverage": round(self.citation_coverage, 4),
                "statements": sum(r.statements for r in self.results)}


def load_cases(path: str | Path) -> list[Case]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for q in data["questions"]:
        out.append(Case(id=str(q["id"]), question=str(q["q"]), intent=q.get("intent"),
                        scope=str(q.get("scope", "covered")), audience=str(q.get("audience", "clinician")),
                        must_contain=[str(x) for x in q.get("must_contain") or []],
                        must_not_contain=[str(x) for x in q.get("must_not_contain") or []],
                        before=[str(x) for x in q.get("before") or []], split=str(q.get("split", "dev"))))
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


def ask_case(case: Case, home: Path) -> Answer:
    from nephroguide.api import ask

    session = None
    if case.before:
        first = ask(case.before[0], audience=case.audience, session="new", today=TODAY, home=home)
        session = first.session
        for q in case.before[1:]:
            ask(q, audience=case.audience, session=session, today=TODAY, home=home)
    return ask(case.question, audience=case.audience, session=session, today=TODAY, home=home)


def score(case: Case, a: Answer) -> Result:
    text = current_text(a)
    missing = [m for m in case.must_contain if _norm(m) not in text]
    violations = [m for m in case.must_not_contain if _norm(m) in text]
    intent_ok = (a.intent == case.intent) if case.intent is not None else (a.scope == "not_covered")
    statements = a.statements()
    cited = sum(1 for s in statements if s.refs)
    return Result(case=case, answer=a, intent_ok=intent_ok, scope_ok=a.scope == case.scope, missing=missing,
                  violations=violations, statements=len(statements), cited=cited)


def run(path: str | Path, home: str | Path | None = None) -> Report:
    """Answer every case (sessions in a throw-away home) and score it."""
    report = Report()
    with tempfile.TemporaryDirectory(prefix="nephroguide-eval-") as tmp:
        base = Path(home) if home else Path(tmp)
        for case in load_cases(path):
            report.results.append(score(case, ask_case(case, base)))
    return report
