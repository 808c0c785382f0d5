"""Knowledge entries as reviewable content: kinds, canonical JSON, content hashes, YAML, diffs, validation.

An entry's *content* is its pack model dumped to JSON (``by_alias``, defaults left out), so the same
knowledge always has the same canonical form whichever way an editor wrote it. Its *hash* is the
sha256 of the canonical JSON (keys sorted, no spaces, UTF-8). Proposals are validated with the
pack's pydantic models (field named on error) and then cross-checked as a whole pack, so an
approved set of entries always exports to a pack that ``kb validate`` accepts.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from nephroguide.errors import InputError, KnowledgeError

# pack table -> model class name in nephroguide.knowledge.models (imported lazily: pydantic is heavy)
KINDS: dict[str, str] = {
    "grade_scales": "GradeScale", "sources": "Source", "drugs": "DrugEntry",
    "recommendations": "Recommendation", "dose_rules": "DoseRule", "cautions": "Caution",
    "conflicts": "Conflict", "studies": "StudyEvidence", "definitions": "Definition",
    "facts": "Fact", "answers": "DirectAnswer", "definition_sets": "DefinitionSet",
}
# Tables in the order pack files list them (knowledge.pack._TABLES) — the export writes this order.
FILE_TABLE_ORDER = ("grade_scales", "sources", "drugs", "recommendations", "dose_rules", "cautions",
                    "conflicts", "studies", "definitions", "facts", "answers")
DEFAULT_FILE = {"grade_scales": "grading.yaml", "sources": "sources.yaml", "drugs": "drugs.yaml",
                "recommendations": "recommendations.yaml", "dose_rules": "dose_rules.yaml",
                "cautions": "cautions.yaml", "conflicts": "conflicts.yaml", "studies": "studies.yaml",
                "definitions": "definitions.yaml", "facts": "topics/facts.yaml", "answers": "topics/answers.yaml"}
OWN_NAMESPACE = ("grade_scales", "sources", "drugs", "definition_sets")
_SINGULAR = {"grade_scale": "grade_scales", "source": "sources", "drug": "drugs", "recommendation": "recommendations",
             "dose_rule": "dose_rules", "caution": "cautions", "conflict": "conflicts", "study": "studies",
             "definition": "definitions", "definition_set": "definition_sets", "fact": "facts",
             "answer": "answers"}
_FILE = re.compile(r"^(?:[a-z0-9_\-]+/)*[a-z0-9_\-]+\.yaml$")


def kind_name(kind: str) -> str:
    """A kind as the pack's table name (``dose_rule`` and ``dose-rules`` are accepted)."""
    k = kind.strip().lower().replace("-", "_")
    k = _SINGULAR.get(k, k)
    if k not in KINDS:
        raise InputError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
    return k


def entry_key(kind: str, kb_id: str) -> str:
    """The store key of an entry: the id, or ``kind:id`` for kinds with their own id space (as the pack does)."""
    return f"{kind}:{kb_id}" if kind in OWN_NAMESPACE else kb_id


def split_key(key: str) -> tuple[str | None, str]:
    """``sources:kdigo2025`` -> ("sources", "kdigo2025"); ``srns.cni.first_line`` -> (None, it)."""
    if ":" in key:
        kind, _, kb_id = key.partition(":")
        return kind_name(kind), kb_id
    return None, key


def check_file(kind: str, kb_id: str, file: str | None) -> str:
    """The pack file a new entry goes to (relative, ``.yaml``, definition sets under ``definition_sets/``)."""
    if kind == "definition_sets":
        want = f"definition_sets/{kb_id}.yaml"
        if file not in (None, "", want):
            raise InputError(f"a definition set lives in its own file {want}", field="file")
        return want
    path = (file or DEFAULT_FILE[kind]).strip()
    if not _FILE.match(path) or path.startswith("definition_sets/"):
        raise InputError(f"{path!r} is not a pack file name (lowercase relative path ending in .yaml, not under "
                         "definition_sets/)", field="file")
    return path


def model_class(kind: str) -> Any:
    from nephroguide.knowledge import models

    return getattr(models, KINDS[kind])


def _loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_content(kind: str, kb_id: str, data: Any) -> Any:
    """The entry as its pack model; InputError naming the field (``content.bases[0].value``) otherwise."""
    from pydantic import ValidationError

    if not isinstance(data, Mapping):
        raise InputError(f"the entry must be a mapping of fields (got {type(data).__name__})", field="content")
    try:
        model = model_class(kind).model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = _loc(err["loc"])
        msg = f"unknown key {err['loc'][-1]!r}" if err["type"] == "extra_forbidden" else str(err["msg"])
        raise InputError(msg, field=f"content.{loc}" if loc else "content") from None
    if model.id != kb_id:
        raise InputError(f"the entry's id {model.id!r} is not {kb_id!r} (ids never change; retire and add instead)",
                         field="content.id")
    return model


def canonical(model: Any) -> dict[str, Any]:
    """The entry's content: JSON types, aliases (``not``), defaults left out, the model's field order."""
    data = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    assert isinstance(data, dict)
    return data


def canonical_json(data: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 characters as themselves."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_text(data: Mapping[str, Any]) -> str:
    """How the store keeps content: compact JSON in the model's field order (hashes use :func:`canonical_json`)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_hash(content: Mapping[str, Any], *, retired: bool = False) -> str:
    """sha256 of the canonical JSON (a retirement hashes differently from the content it retires)."""
    text = ("retired\n" if retired else "") + canonical_json(content)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_yaml(content: Mapping[str, Any] | None) -> str:
    """The content as readable YAML (field order kept) for diffs and the proposal form."""
    import yaml

    if content is None:
        return ""
    return str(yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True, default_flow_style=False,
                              width=100))


def unified_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *, key: str, old_label: str,
                 new_label: str) -> str:
    """Unified diff of the canonical YAML of two versions ('' when they are the same)."""
    lines = difflib.unified_diff(to_yaml(old).splitlines(keepends=True), to_yaml(new).splitlines(keepends=True),
                                 fromfile=f"{key} ({old_label})", tofile=f"{key} ({new_label})", n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def parse_text(text: str, *, field: str = "content") -> Any:
    """A proposal's content written as YAML or JSON (JSON is YAML); InputError with the line on a syntax error."""
    import yaml

    from nephroguide.intake.safeload import refuse_aliases
    from nephroguide.knowledge.pack import load_yaml_text

    refuse_aliases(text, field=field, what="a proposal's content")  # no alias bombs, bounded nesting
    try:
        return load_yaml_text(text)   # as the pack loads it: a key given twice is an error, not last-wins
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InputError(f"not valid YAML or JSON{where}: {getattr(exc, 'problem', None) or exc}",
                         field=field) from None


def check_pack(entries: Iterable[tuple[str, str, Any]]) -> None:
    """Cross-check a whole set of entries (kind, file, model) as the loader does: references must resolve.

    Raises KnowledgeError naming the file, id and field (exit 2 / HTTP 422).
    """
    from pathlib import Path

    from nephroguide.knowledge import pack as packmod

    kp = packmod.KnowledgePack(version="candidate", directory=Path("."))
    for kind, file, model in entries:
        getattr(kp, kind)[model.id] = model
        kp.origin[packmod.origin_key(kind, model.id)] = file
    for kind in KINDS:  # every kind the loader needs must be present (a pack without sources is no pack)
        if kind in ("grade_scales", "sources", "drugs") and not getattr(kp, kind):
            raise KnowledgeError(f"the pack would have no {kind}")
    packmod._cross_check(kp)  # the loader's own cross-check: one definition of a valid pack
