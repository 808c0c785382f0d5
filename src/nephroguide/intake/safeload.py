"""Reading untrusted record text with bounded work: JSON and a safe YAML subset that mean the same thing.

* Size: a record is at most :data:`MAX_RECORD_CHARS` characters; nesting at most :data:`MAX_DEPTH`
  levels; a YAML document at most :data:`MAX_EVENTS` parser events. Checked while reading, before
  any value is built, so no input can make the reader (or a message about it) large or slow.
* YAML: anchors, aliases, tags and complex keys are refused (no alias bombs, no ``<<`` merges, no
  Python objects); a key given twice is an error naming its path. Plain scalars follow JSON's rules,
  YAML 1.2-style: ``null``/``~``/empty, ``true``/``false``, and JSON numbers are values; everything
  else (``1:20``, ``025``, ``0x15``, ``2_1``, ``yes``, ``on``, ``.5``, ``2024-01-10``) stays text, so a
  numeric field given such a value is an error naming that field, never a number nobody wrote.
* JSON: duplicate keys are found with their path (same message as YAML), ``NaN``/``Infinity`` are
  refused, and an integer longer than :data:`MAX_INT_DIGITS` digits becomes a float (infinite when
  it cannot be one), which the record's checks refuse as not finite or out of range, never an
  OverflowError deep inside.
* :func:`short` renders any value for a message from a bounded prefix: never ``repr()`` of a whole value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nephroguide.errors import InputError

MAX_RECORD_CHARS = 1_000_000     # the web API's body limit; a real record is a few kB
MAX_DEPTH = 32                   # a record nests 4 levels (record > labs > lab > value)
MAX_EVENTS = 400_000             # YAML parser events (a 1 MB record of short items stays below)
MAX_INT_DIGITS = 30              # longer integer literals are read as floats (and refused as implausible)
SHORT = 60                       # characters of a value shown in a message

_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


def short(value: Any, limit: int = SHORT) -> str:
    """A bounded rendering of ``value`` for an error message (a prefix of text, the size of containers)."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return repr(value[: max(limit - 3, 1)]) + f"... ({len(value)} characters)"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 3 * limit:
            return f"a {len(str(abs(value))) if value.bit_length() < 12_000 else 'very long'}-digit number"
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return f"a mapping of {len(value)} keys"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    name = type(value).__name__
    return f"a {name}"


def parse_int(text: str) -> int | float:
    """A JSON/YAML integer literal: an int, or a float when it is longer than MAX_INT_DIGITS digits."""
    digits = len(text) - text.startswith("-")
    if digits > MAX_INT_DIGITS:
        return float(text)  # inf beyond ~308 digits; refused later as not finite / out of range
    return int(text)


def _path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "patient"


def check_size(text: str, name: str) -> None:
    if len(text) > MAX_RECORD_CHARS:
        raise InputError(f"{name} is {len(text):,} characters; a patient record may have at most "
                         f"{MAX_RECORD_CHARS:,}", field="patient")


# ------------------------------------------------------------------------------------ JSON

class _Pairs(dict[str, Any]):
    """A JSON object whose text repeats a key (kept so the walk can name its path)."""

    duplicate: str = ""


def object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads`` hook: an object repeating a key is marked; :func:`check_tree` names its path."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            marked = _Pairs(out)
            marked.duplicate = key
            return marked
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def check_tree(data: Any) -> None:
    """Depth and duplicate keys of an already-parsed value, walked without recursion, in document order."""
    stack: list[tuple[Any, list[str | int]]] = [(data, [])]
    while stack:
        value, where = stack.pop()
        if len(where) > MAX_DEPTH:
            raise InputError(f"nested more than {MAX_DEPTH} levels deep; a patient record nests a few levels",
                             field=_path(where[:MAX_DEPTH]))
        if isinstance(value, dict):
            if isinstance(value, _Pairs):
                raise InputError(f"duplicate key {short(value.duplicate)}: a key may be given only once",
                                 field=_path([*where, value.duplicate]))
            stack.extend((v, [*where, str(k)]) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((v, [*where, i]) for i, v in reversed(list(enumerate(value))))


def load_json(text: str, name: str) -> Any:
    """Parse JSON record text; InputError (field ``patient`` or the path) for anything malformed."""
    check_size(text, name)
    try:
        data = json.loads(text, object_pairs_hook=object_pairs, parse_int=parse_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                         field="patient") from None
    except RecursionError:
        raise InputError(f"{name} is nested more than {MAX_DEPTH} levels deep", field="patient") from None
    except ValueError as exc:
        raise InputError(f"{name} is not valid JSON: {short(str(exc), 120)}", field="patient") from None
    check_tree(data)
    return data


# ------------------------------------------------------------------------------------ YAML

def _plain(value: str) -> Any:
    """A plain (unquoted) YAML scalar under JSON's rules; anything else is text."""
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT_RE.fullmatch(value):  # linear in the length, like JSON's own number parsing
        return parse_int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    return value


def _yaml_error(name: str, exc: Exception) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["syntax error"])[0]
    return InputError(f"{name} is not valid YAML: {short(str(problem), 120)[1:-1]}{where}", field="patient")


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML record text into plain dicts, lists and JSON scalars, refusing what JSON cannot say."""
    import yaml

    check_size(text, name)
    loader_cls: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    # A stack of open containers: [container, path, pending key (mappings), keys seen].
    stack: list[list[Any]] = []
    root: Any = None
    docs = 0
    events = 0

    def where(ev: Any) -> str:
        mark = getattr(ev, "start_mark", None)
        return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""

    def path_here() -> list[str | int]:
        if not stack:
            return []
        top = stack[-1]
        if isinstance(top[0], dict):
            return [*top[1], top[2]] if top[2] is not None else list(top[1])
        return [*top[1], len(top[0])]

    def add(value: Any, ev: Any) -> bool:
        """Put a finished value in its parent; True when it was a mapping key (waits for its value)."""
        nonlocal root
        if not stack:
            root = value
            return False
        top = stack[-1]
        if isinstance(top[0], list):
            top[0].append(value)
            return False
        if top[2] is None:  # a key
            if isinstance(value, dict | list):
                raise InputError(f"{name}: a mapping key must be plain text{where(ev)}", field=_path(top[1]))
            key = value if isinstance(value, str) else _key_text(value)
            if key in top[3]:
                raise InputError(f"duplicate key {short(key)}: a key may be given only once{where(ev)}",
                                 field=_path([*top[1], key]))
            top[3].add(key)
            top[2] = key
            return True
        top[0][top[2]] = value
        top[2] = None
        return False

    try:
        while loader.check_event():
            ev = loader.get_event()
            events += 1
            if events > MAX_EVENTS:
                raise InputError(f"{name} has too many YAML items (more than {MAX_EVENTS:,})", field="patient")
            if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None:
                raise InputError(f"{name}: YAML anchors and aliases (&, *) are not accepted in a patient record; "
                                 f"write each value out{where(ev)}", field=_path(path_here()))
            tag = getattr(ev, "tag", None)
            if isinstance(ev, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent) and tag not in \
                    (None, "!"):
                raise InputError(f"{name}: YAML tags such as {short(tag, 40)} are not accepted in a patient record"
                                 f"{where(ev)}", field=_path(path_here()))
            if isinstance(ev, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise InputError(f"{name} holds several YAML documents (---); give one patient record",
                                     field="patient")
            elif isinstance(ev, yaml.ScalarEvent):
                plain = ev.implicit[0] and ev.style in (None, "")
                add(_plain(ev.value) if plain else ev.value, ev)
            elif isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                here = path_here()
                if len(here) >= MAX_DEPTH:
                    raise InputError(f"{name} is nested more than {MAX_DEPTH} levels deep", field=_path(here))
                if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is None:
                    raise InputError(f"{name}: a mapping key must be plain text{where(ev)}",
                                     field=_path(stack[-1][1]))
                container: Any = {} if isinstance(ev, yaml.MappingStartEvent) else []
                stack.append([container, here, None, set()])
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                done = stack.pop()
                add(done[0], ev)
    except yaml.YAMLError as exc:
        raise _yaml_error(name, exc) from None
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
    return root


def _key_text(value: Any) -> str:
    """A non-text plain key (``1``, ``true``, ``null``) as the text JSON would have."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def refuse_aliases(text: str, *, field: str, what: str = "the text") -> None:
    """Scan YAML events (bounded in count and depth) and refuse anchors and aliases, before a YAML 1.1 loader
    builds anything: an alias bomb a few hundred bytes long expands to gigabytes once copied or dumped."""
    import yaml

    loader_cls: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    depth = events = 0
    try:
        while loader.check_event():
            ev = loader.get_event()
            events += 1
            if events > MAX_EVENTS:
                raise InputError(f"{what} has too many YAML items (more than {MAX_EVENTS:,})", field=field)
            if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None:
                mark = ev.start_mark
                raise InputError(f"YAML anchors and aliases (&, *) are not accepted in {what}; write each value "
                                 f"out (line {mark.line + 1}, column {mark.column + 1})", field=field)
            if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > 4 * MAX_DEPTH:
                    raise InputError(f"{what} is nested more than {4 * MAX_DEPTH} levels deep", field=field)
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the loader reports the syntax error with its line
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()
