"""Golden answers for canonical questions (Markdown). Regenerate after an intended change with
NEPHROGUIDE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_answer_golden.py, then review the diff."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from nephroguide.api import ask

GOLDEN = Path(__file__).parent / "golden" / "answers"
TODAY = dt.date(2026, 11, 21)
CASES = {
    "srns_next_step_clinician": ("What is the next step in treatment for pediatric patients with steroid-resistant "
                                 "nephrotic syndrome (SRNS) after failed steroid therapy?", "clinician"),
    "cni_resistant_clinician": ("10 yo boy with SRNS, 32 kg, 138 cm, no partial remission after 7 months of "
                                "tacrolimus at target levels. What next?", "clinician"),
    "first_episode_family": ("My 4 year old has just been diagnosed with nephrotic syndrome. What treatment will "
                             "she get?", "family"),
    "tacrolimus_dose_20kg": ("Tacrolimus dose for a 20 kg child with SRNS", "clinician"),
    "srns_definition_student": ("What is the definition of steroid-resistant nephrotic syndrome?", "student"),
    "frns_family": ("my daughter relapsed twice in 6 months, what can we do", "family"),
    "iga_not_covered": ("How is IgA nephropathy treated in adults?", "clinician"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_markdown(name):
    question, audience = CASES[name]
    got = ask(question, audience=audience, today=TODAY).markdown
    path = GOLDEN / f"{name}.md"
    if os.environ.get("NEPHROGUIDE_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), (
        f"{name}: the answer changed; if intended, regenerate with NEPHROGUIDE_UPDATE_GOLDEN=1 and review the diff")
