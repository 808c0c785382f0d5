"""The evidence library: ingest papers and guidelines, search their passages, show where a quote comes from.

Public API (all take ``home=``: the state directory; default ``$NEPHROGUIDE_HOME`` or the user
data directory):

* ``ingest(paths, home=None, *, max_bytes=None) -> IngestReport``
* ``search(query, k=10, home=None) -> SearchResult`` (``.to_json()`` is the ``nephroguide.search/1`` record)
* ``list_documents(home=None) -> list[dict]``
* ``show_document(doc_id, home=None) -> dict`` (metadata, sections, page offsets, passages)
* ``remove_document(doc_id, home=None) -> dict`` (the removed document's summary)

Stages, one module each: ``readers`` (PDF, text, JATS, PubMed; clean-up; metadata), ``sections``,
``passages``, ``index`` (SQLite FTS5 in the store: the source of truth), ``tantivy_index`` (the
derived tantivy index, the default search backend), ``search``, ``ingest``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

# The submodules ``ingest`` and ``search`` share their names with the functions below. Importing them
# first (they are light: heavy imports happen inside their functions) means the functions defined
# afterwards keep the package attributes ``nephroguide.library.search`` / ``.ingest``; a later
# ``from nephroguide.library.search import ...`` finds the module in sys.modules and rebinds nothing.
from nephroguide.library import ingest as _ingest_module  # noqa: F401
from nephroguide.library import search as _search_module  # noqa: F401

if TYPE_CHECKING:
    from nephroguide.library.ingest import IngestReport
    from nephroguide.library.search import SearchResult

__all__ = ["ingest", "list_documents", "remove_document", "search", "show_document"]


def ingest(paths: Any, home: str | Path | None = None, *, max_bytes: int | None = None) -> IngestReport:
    """Add files/directories to the library (see ``nephroguide.library.ingest``)."""
    from nephroguide.library.ingest import ingest as _ingest

    return _ingest(paths, home, max_bytes=max_bytes)


def search(query: str, k: int = 10, home: str | Path | None = None) -> SearchResult:
    """The k best passages for a query (see ``nephroguide.library.search``)."""
    from nephroguide.library.search import search as _search

    return _search(query, k, home)


def list_documents(home: str | Path | None = None) -> list[dict[str, Any]]:
    """Summaries of the documents in the library (newest year first). Writes nothing."""
    from nephroguide.library.index import list_all, open_library

    conn = open_library(home, create=False)
    if conn is None:
        return []
    try:
        return list_all(conn)
    finally:
        conn.close()


def show_document(doc_id: str, home: str | Path | None = None) -> dict[str, Any]:
    """One document: metadata, sections, page offsets and passages (id or unique id prefix)."""
    from nephroguide.errors import UnknownNameError
    from nephroguide.library.index import document_detail, open_library

    conn = open_library(home, create=False)
    if conn is None:
        raise UnknownNameError(f"no document {doc_id!r}: the library is empty", field="doc_id")
    try:
        return document_detail(conn, doc_id)
    finally:
        conn.close()


def remove_document(doc_id: str, home: str | Path | None = None) -> dict[str, Any]:
    """Delete a document and its passages from the library; returns what was removed."""
    from nephroguide.errors import UnknownNameError
    from nephroguide.library.index import open_library, remove
    from nephroguide.library.tantivy_index import after_write

    conn = open_library(home, create=False)
    if conn is None:
        raise UnknownNameError(f"no document {doc_id!r}: the library is empty", field="doc_id")
    try:
        removed = remove(conn, doc_id)
        after_write(conn)
        return removed
    finally:
        conn.close()
