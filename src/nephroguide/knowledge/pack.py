"""Load, cross-check and index the knowledge pack.

``load_pack()`` reads every YAML file under ``knowledge/pack`` (or a directory an editor names),
validates each against the models, then checks references between entries (every citation names a
known source, every grade parses in that source's grading scale, every dose rule / caution /
conflict id a recommendation names exists). The result is cached per directory for the process.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from nephroguide.errors import KnowledgeError, UnknownNameError
from nephroguide.knowledge.models import (
    Caution,
    Citation,
    Conflict,
    Definition,
    DefinitionSet,
    DirectAnswer,
    DoseRule,
    DrugEntry,
    Fact,
    GradeScale,
    KnowledgeFile,
    Recommendation,
    Source,
    StudyEvidence,
)

PACK_DIR = Path(__file__).with_name("pack")
DEFINITION_SET_DIR = "definition_sets"

try:  # the C loader is ~10x faster; fall back quietly where libyaml is absent
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class GradeInfo:
    """A grade as written plus its mapped strength and certainty."""

    written: str
    strength: str
    certainty: str

    def as_dict(self) -> dict[str, str]:
        return {"grade": self.written, "strength": self.strength, "certainty": self.certainty}


@dataclass
class KnowledgePack:
    """All knowledge entries, indexed by id, plus the pack's content hash (its version)."""

    version: str
    directory: Path
    grade_scales: dict[str, GradeScale] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    drugs: dict[str, DrugEntry] = field(default_factory=dict)
    recommendations: dict[str, Recommendation] = field(default_factory=dict)
    dose_rules: dict[str, DoseRule] = field(default_factory=dict)
    cautions: dict[str, Caution] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    studies: dict[str, StudyEvidence] = field(default_factory=dict)
    definitions: dict[str, Definition] = field(default_factory=dict)
    definition_sets: dict[str, DefinitionSet] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    answers: dict[str, DirectAnswer] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # kb id -> file it came from
    complete: bool = True  # False: loaded with core_only, facts and answers left out (see build_pack)

    # ------------------------------------------------------------------ lookups
    def source(self, source_id: str) -> Source:
        """The source with this id."""
        try:
            return self.sources[source_id]
        except KeyError:
            raise UnknownNameError(f"unknown source {source_id!r}", field="source") from None

    def definition_set(self, name: str) -> DefinitionSet:
        """A definition set by name, or from a YAML/JSON file path a user gives."""
        if name in self.definition_sets:
            return self.definition_sets[name]
        path = Path(name)
        if path.suffix.lower() in {".yaml", ".yml", ".json"}:
            return load_definition_set_file(path, self)
        known = ", ".join(sorted(self.definition_sets))
        raise UnknownNameError(f"unknown definition set {name!r}; known: {known}, or a path to a .yaml file",
                               field="definitions")

    def grade(self, citation: Citation) -> GradeInfo:
        """Map a citation's written grade to strength and certainty using its source's scale."""
        src = self.sources[citation.source]
        return map_grade(citation.grade, self.grade_scales.get(src.grading or ""))

    def entry(self, kb_id: str) -> Any:
        """Any knowledge entry by id (recommendation, dose rule, caution, conflict, study, definition)."""
        for table in (self.recommendations, self.dose_rules, self.cautions, self.conflicts, self.studies,
                      self.definitions, self.facts, self.answers, self.definition_sets, self.sources):
            if kb_id in table:
                return table[kb_id]
        raise UnknownNameError(f"unknown knowledge id {kb_id!r}", field="kb_id")

    def counts(self) -> dict[str, int]:
        """How many entries of each kind the pack holds."""
        return {
            "sources": len(self.sources), "definitions": len(self.definitions),
            "definition_sets": len(self.definition_sets), "recommendations": len(self.recommendations),
            "dose_rules": len(self.dose_rules), "cautions": len(self.cautions),
            "conflicts": len(self.conflicts), "studies": len(self.studies), "drugs": len(self.drugs),
            "facts": len(self.facts), "answers": len(self.answers),
        }


_UNGRADED = {"not graded", "ungraded", "practice point", "pp", "figure", "narrative", "definition", ""}


def map_grade(written: str, scale: GradeScale | None) -> GradeInfo:
    """Map a grade as the source writes it to (strength, certainty) in the output vocabulary."""
    text = written.strip()
    low = text.lower()
    if scale is None or low in _UNGRADED or low in {u.lower() for u in scale.ungraded}:
        return GradeInfo(text or "not graded", "ungraded", "ungraded")
    m = re.fullmatch(scale.pattern, text, flags=re.IGNORECASE)
    if not m:
        raise ValueError(f"grade {written!r} does not fit the {scale.id} scale (pattern {scale.pattern})")
    groups = m.groupdict()
    strength = scale.strength.get((groups.get("strength") or "").lower(), "ungraded")
    certainty = scale.certainty.get((groups.get("certainty") or "").upper(), "ungraded")
    return GradeInfo(text, strength, certainty)


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Fallback(Exception):
    """The document uses something the fast path leaves to PyYAML's own constructor."""


def load_yaml_text(text: str) -> Any:
    """``yaml.load(text, Loader=CSafeLoader)``, with the same result, about 3x faster to construct.

    The same C parser and resolver build the node tree. Plain mappings, sequences and strings (nearly all
    of the pack) become Python objects in one tight recursive pass; every other scalar (int, float, bool,
    null, timestamp, ...) goes to PyYAML's safe constructor. A document with merge keys (``<<``), a tag
    on a collection or an unhashable key is handed whole to PyYAML's constructor, so behaviour (and any
    error) is exactly PyYAML's. tests/test_knowledge_pack.py checks both give equal results. Unlike PyYAML,
    a key given twice in one mapping is an error (a ConstructorError naming the key and its line).
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _construct(loader, node, {})
        except _Fallback:
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _construct(loader: Any, node: Any, memo: dict[int, Any]) -> Any:
    tag = node.tag
    if tag == _STR_TAG and type(node) is yaml.ScalarNode:
        return node.value
    key = id(node)
    if key in memo:  # an alias: share the object, as PyYAML does
        return memo[key]
    if type(node) is yaml.ScalarNode:
        return loader.construct_object(node)
    if tag == _MAP_TAG and type(node) is yaml.MappingNode:
        out: dict[Any, Any] = {}
        memo[key] = out
        for k, v in node.value:
            if k.tag == _MERGE_TAG:
                raise _Fallback
            kk = _construct(loader, k, memo)
            try:
                if kk in out:   # PyYAML keeps the last silently: a typo'd second "dose:" would win unseen
                    raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                            f"found duplicate key {kk!r}", k.start_mark)
                out[kk] = _construct(loader, v, memo)
            except TypeError:  # unhashable key: let PyYAML raise its own error
                raise _Fallback from None
        return out
    if tag == _SEQ_TAG and type(node) is yaml.SequenceNode:
        seq: list[Any] = []
        memo[key] = seq
        seq.extend(_construct(loader, v, memo) for v in node.value)
        return seq
    raise _Fallback


def _read_yaml(path: Path, raw: bytes | None = None) -> Any:
    try:
        if raw is None:
            raw = path.read_bytes()
        return load_yaml_text(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise KnowledgeError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    except UnicodeDecodeError:
        raise KnowledgeError("not UTF-8 text", file=str(path)) from None
    except OSError as exc:
        raise KnowledgeError(f"cannot read: {exc.strerror}", file=str(path)) from None


def _first_error(exc: ValidationError, file: str, data: Any) -> KnowledgeError:
    err = exc.errors()[0]
    loc = list(err["loc"])
    kb_id = None
    # Walk the location to find the id of the entry that failed, for a message an editor can act on.
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            kb_id = node["id"]
    field_path = ".".join(str(p) for p in loc)
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        msg = f"unknown key {loc[-1]!r}"
    return KnowledgeError(msg, file=file, kb_id=kb_id, field=field_path)


def _pack_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if p.is_file())


def load_definition_set_file(path: Path, pack: KnowledgePack | None = None) -> DefinitionSet:
    """Load a user's definition set from a YAML or JSON file, validated like the shipped ones."""
    if not path.is_file():
        raise UnknownNameError(f"definition set file {str(path)!r} not found", field="definitions")
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError("a definition set file must be a mapping", file=str(path))
    try:
        dset = DefinitionSet.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, str(path), data) from None
    if pack is not None:
        _check_citations(pack, dset.citations, str(path), dset.id)
    return dset


def _check_citations(pack: KnowledgePack, citations: Iterable[Citation], file: str, kb_id: str) -> None:
    for i, c in enumerate(citations):
        if c.source not in pack.sources:
            raise KnowledgeError(f"cites unknown source {c.source!r}", file=file, kb_id=kb_id,
                                 field=f"citations.{i}.source")
        try:
            pack.grade(c)
        except ValueError as exc:
            raise KnowledgeError(str(exc), file=file, kb_id=kb_id, field=f"citations.{i}.grade") from None


def _cross_check(pack: KnowledgePack) -> None:
    """References between entries must resolve."""
    for sid, src in pack.sources.items():
        if src.grading and src.grading not in pack.grade_scales:
            raise KnowledgeError(f"unknown grading scale {src.grading!r}", file=pack.origin[origin_key("sources", sid)],
                                 kb_id=sid, field="grading")
    for table in (pack.recommendations, pack.dose_rules, pack.cautions, pack.studies, pack.definitions,
                  pack.facts, pack.answers):
        for kb_id, entry in table.items():
            _check_citations(pack, entry.citations, pack.origin[kb_id], kb_id)
    for kb_id, conflict in pack.conflicts.items():
        for p in conflict.positions:
            _check_citations(pack, p.citations, pack.origin[kb_id], kb_id)
        if sum(p.current for p in conflict.positions) > 1:
            raise KnowledgeError("more than one position is marked current", file=pack.origin[kb_id],
                                 kb_id=kb_id, field="positions")
    for kb_id, dset in pack.definition_sets.items():
        file = pack.origin[origin_key("definition_sets", kb_id)]
        _check_citations(pack, dset.citations, file, kb_id)
        for d in dset.definitions:
            _check_citations(pack, d.citations, file, d.id)
    known_drugs = set(pack.drugs)
    regimens: dict[str, tuple[str, str, set[int]]] = {}
    for kb_id, rule in pack.dose_rules.items():
        if rule.drug not in known_drugs:
            raise KnowledgeError(f"unknown drug {rule.drug!r}", file=pack.origin[kb_id], kb_id=kb_id, field="drug")
        drug, indication, orders = regimens.setdefault(rule.regimen or kb_id, (rule.drug, rule.indication, set()))
        if (drug, indication) != (rule.drug, rule.indication) or rule.phase_order in orders:
            raise KnowledgeError("phases of one regimen must share drug and indication and have distinct phase_order",
                                 file=pack.origin[kb_id], kb_id=kb_id, field="regimen")
        orders.add(rule.phase_order)
    for kb_id, rec in pack.recommendations.items():
        file = pack.origin[kb_id]
        refs: tuple[tuple[str, list[str], dict[str, Any]], ...] = (
                                 ("dose_rules", rec.dose_rules, pack.dose_rules),
                                 ("cautions", rec.cautions, pack.cautions),
                                 ("monitoring", rec.monitoring, pack.cautions),
                                 ("conflicts", rec.conflicts, pack.conflicts),
                                 ("evidence", rec.evidence, pack.studies))
        for name, ids, table in refs:
            for ref in ids:
                if ref not in table:
                    raise KnowledgeError(f"refers to unknown {name[:-1] if name.endswith('s') else name} {ref!r}",
                                         file=file, kb_id=kb_id, field=name)
        for drug_id in rec.drugs:
            if drug_id not in known_drugs:
                raise KnowledgeError(f"unknown drug {drug_id!r}", file=file, kb_id=kb_id, field="drugs")
        if rec.superseded_by and rec.superseded_by not in pack.recommendations:
            raise KnowledgeError(f"superseded_by names unknown recommendation {rec.superseded_by!r}",
                                 file=file, kb_id=kb_id, field="superseded_by")
    for kb_id, fact in pack.facts.items():
        for drug_id in fact.drugs:
            if drug_id not in known_drugs:
                raise KnowledgeError(f"unknown drug {drug_id!r}", file=pack.origin[kb_id], kb_id=kb_id, field="drugs")
        for ref in fact.conflicts:
            if ref not in pack.conflicts:
                raise KnowledgeError(f"refers to unknown conflict {ref!r}", file=pack.origin[kb_id], kb_id=kb_id,
                                     field="conflicts")
    supportable = (pack.facts, pack.recommendations, pack.cautions, pack.definitions, pack.conflicts, pack.studies,
                   pack.dose_rules)
    for kb_id, ans in pack.answers.items():
        for i, ref in enumerate(ans.support):
            if not any(ref in table for table in supportable):
                raise KnowledgeError(f"support names unknown entry {ref!r}", file=pack.origin[kb_id], kb_id=kb_id,
                                     field=f"support.{i}")
    for kb_id, study in pack.studies.items():
        if study.source not in pack.sources:
            raise KnowledgeError(f"unknown source {study.source!r}", file=pack.origin[kb_id], kb_id=kb_id,
                                 field="source")


_TABLES = ("grade_scales", "sources", "drugs", "recommendations", "dose_rules", "cautions", "conflicts",
           "studies", "definitions", "facts", "answers")


# Files whose top-level keys are only these hold the question-answering content (facts and direct answers,
# with the sources and conflicts they cite). ``plan``/``dose``/``remission`` never read facts or answers.
_QUESTION_KEYS = frozenset({"schema_version", "facts", "answers", "sources", "conflicts"})
_TOP_KEY = re.compile(r"([a-z_]+):(?:[ \t]|$)")


def _question_only(text: str) -> bool:
    """Whether a pack file certainly holds only facts/answers (plus the sources and conflicts they cite).

    Conservative scan of the text: in block YAML every top-level key starts a line at column 0, so when
    every column-0 line (other than a comment) is ``<key>:`` with a key from :data:`_QUESTION_KEYS`, the
    file defines no recommendation, dose rule, caution, drug, study, definition or grading scale. Anything
    unusual at column 0 (flow style, quoted or complex keys, document markers, anchors, tabs, a BOM) makes
    the answer False, and the file is loaded as usual.
    """
    tables = False
    for line in text.splitlines():
        if not line or line[0] in " #":
            continue
        m = _TOP_KEY.match(line)
        if m is None or m.group(1) not in _QUESTION_KEYS:
            return False
        tables = tables or m.group(1) in ("facts", "answers")
    return tables


class _NotLoaded(dict[str, Any]):
    """Stands for the facts/answers tables of a pack loaded without its question files: any use is an error."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise KnowledgeError("facts and direct answers are not loaded in this process (core-only pack); "
                             "use load_pack() without core_only")

    __getitem__ = __iter__ = __len__ = __contains__ = get = keys = values = items = _fail


def build_pack(directory: Path, *, core_only: bool = False) -> KnowledgePack:
    """Read and validate every file of a pack directory (uncached).

    ``core_only``: skip parsing the files that hold only facts and direct answers (see :func:`_question_only`;
    their bytes still count in the version). Every entry that is loaded is validated and cross-checked as
    usual; if a loaded entry refers to something only a skipped file could define, the whole pack is loaded
    instead. The pack's ``facts`` and ``answers`` then raise on any use, and ``complete`` is False.
    """
    if not directory.is_dir():
        raise KnowledgeError("knowledge pack directory not found", file=str(directory))
    files = _pack_files(directory)
    digest = hashlib.sha256()
    pack = KnowledgePack(version="", directory=directory)
    skipped = False
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise KnowledgeError(f"cannot read: {exc.strerror}", file=str(path)) from None
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + raw)
        rel = path.relative_to(directory).as_posix()
        if core_only and path.parent.name != DEFINITION_SET_DIR:
            try:
                if _question_only(raw.decode("utf-8")):
                    skipped = True
                    continue
            except UnicodeDecodeError:
                pass  # _read_yaml reports it
        data = _read_yaml(path, raw)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise KnowledgeError("a pack file must be a mapping of entry kinds to lists", file=rel)
        if path.parent.name == DEFINITION_SET_DIR:
            try:
                dset = DefinitionSet.model_validate(data)
            except ValidationError as exc:
                raise _first_error(exc, rel, data) from None
            _add(pack, "definition_sets", dset.id, dset, rel)
            continue
        try:
            kf = KnowledgeFile.model_validate(data)
        except ValidationError as exc:
            raise _first_error(exc, rel, data) from None
        for table in _TABLES:
            for entry in getattr(kf, table):
                _add(pack, table, entry.id, entry, rel)
    pack.version = digest.hexdigest()[:12]
    if skipped:
        try:
            _cross_check(pack)
        except KnowledgeError:  # may refer to a source or conflict in a skipped file: load everything
            return build_pack(directory)
        pack.facts = _NotLoaded()
        pack.answers = _NotLoaded()
        pack.complete = False
        return pack
    _cross_check(pack)
    return pack


_OWN_NAMESPACE = ("grade_scales", "sources", "drugs", "definition_sets")


def origin_key(table: str, kb_id: str) -> str:
    """Sources, drugs, scales and definition sets have their own id spaces; entries share one."""
    return f"{table}:{kb_id}" if table in _OWN_NAMESPACE else kb_id


def _add(pack: KnowledgePack, table: str, kb_id: str, entry: Any, file: str) -> None:
    key = origin_key(table, kb_id)
    if key in pack.origin:
        raise KnowledgeError(f"duplicate id (also in {pack.origin[key]})", file=file, kb_id=kb_id, field="id")
    getattr(pack, table)[kb_id] = entry
    pack.origin[key] = file


_full: dict[str, KnowledgePack] = {}
_core: dict[str, KnowledgePack] = {}


def _cached(directory: str) -> KnowledgePack:
    pack = _full.get(directory)
    if pack is None:
        from nephroguide.cache import cached_pack  # a fresh process reads the validated pack back (cache.py)

        pack = _full.setdefault(directory, cached_pack(Path(directory), build_pack, _pack_files))
    return pack


_prefer_core: ContextVar[bool] = ContextVar("nephroguide_pack_core_only", default=False)


@contextmanager
def core_only_pack() -> Iterator[None]:
    """Within this block, :func:`load_pack` may leave out facts and direct answers.

    For commands that never answer questions (``nephroguide plan``, ``dose``, ``remission``): a fresh
    process then skips parsing the question files (about two thirds of the pack). Any use of ``facts`` or
    ``answers`` of such a pack raises :class:`KnowledgeError` rather than seeing an empty table.
    """
    token = _prefer_core.set(True)
    try:
        yield
    finally:
        _prefer_core.reset(token)


_pinned: ContextVar[KnowledgePack | None] = ContextVar("nephroguide_pack_pinned", default=None)


@contextmanager
def pinned_pack() -> Iterator[KnowledgePack]:
    """Within this block, :func:`load_pack` (active pack, full) returns the pack loaded on entry.

    One answer is composed from one pack: a new approved pack exported while it is being composed is used from
    the next question on, never for half of this one. It also spares the ``stat`` of the active-pack pointer
    that every other call costs (dozens per question).
    """
    pack = load_pack()
    token = _pinned.set(pack)
    try:
        yield pack
    finally:
        _pinned.reset(token)


def load_pack(directory: str | Path | None = None, *, core_only: bool | None = None) -> KnowledgePack:
    """The knowledge pack (by default the active one: see :func:`active_pack_dir`), loaded once per process.

    ``core_only=True`` (default: True inside :func:`core_only_pack`, else False) may leave out the facts and
    direct answers (see :func:`build_pack`); the full pack is returned when this process already has it.
    """
    if directory is None and not core_only:
        pinned = _pinned.get()
        if pinned is not None:
            return pinned
    if core_only is None:
        core_only = _prefer_core.get()
    key = str(Path(directory) if directory else active_pack_dir())
    if core_only and key not in _full:
        pack = _core.get(key)
        if pack is None:
            pack = _core.setdefault(key, build_pack(Path(key), core_only=True))
        return pack
    return _cached(key)


# The approved pack exported by the review workflow (``nephroguide kb export``, and every approval) lives in
# ``<home>/pack/<version>/``; ``<home>/pack/CURRENT`` names the version in use (replaced atomically).
HOME_PACK = "pack"
HOME_PACK_POINTER = "CURRENT"
_POINTER_NAME = re.compile(r"^[0-9a-f]{12,64}$")
_home_roots: dict[str, tuple[Path, str]] = {}
_active: dict[str, tuple[tuple[int, int, int], Path]] = {}


def active_pack_dir() -> Path:
    """The pack the engine serves: the review store's exported approved pack when the home has one, else
    the shipped pack. Costs one ``stat`` of ``<home>/pack/CURRENT`` (never a database query)."""
    import os

    env = os.environ.get("NEPHROGUIDE_HOME", "")
    found = _home_roots.get(env)
    if found is None:
        from nephroguide.store.paths import home_dir

        root = home_dir() / HOME_PACK
        found = _home_roots.setdefault(env, (root, str(root / HOME_PACK_POINTER)))
    root, pointer = found
    try:
        st = os.stat(pointer)
    except OSError:
        return PACK_DIR
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _active.get(pointer)
    if hit is not None and hit[0] == key:
        return hit[1]
    name = Path(pointer).read_text(encoding="utf-8").strip()
    if not _POINTER_NAME.match(name) or not (root / name).is_dir():
        raise KnowledgeError(f"names no exported pack ({name[:80]!r}); run `nephroguide kb export` again",
                             file=pointer)
    _active[pointer] = (key, root / name)
    return root / name
