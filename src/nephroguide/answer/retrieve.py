"""Statement-level retrieval over the knowledge pack: which facts, direct answers, recommendations,
cautions and definitions a question is about.

An in-memory tantivy index (BM25 over the fields ``asks``, ``title``, ``body`` and ``drug``, English
stemming) is built once per pack version and kept for the process. Texts are read the way questions
are (normalised, abbreviations and brand names replaced by their lexicon form), so ``SRNS`` in the
pack and ``steroid resistant nephrotic syndrome`` in a question meet. On top of BM25, a direct
answer's *match* is the share of the question's subject terms its text covers and the share of one of
its phrasings found in the question (both weighted by inverse document frequency): this decides
whether the pack holds an answer to *this* question, and which subject words it holds nothing on.
Tunables live in ``data/retrieval.yaml``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("data") / "retrieval.yaml"
_WORD = re.compile(r"[a-z0-9][a-z0-9']*[a-z0-9]|[a-z]")
# Dipstick grades are words here ("3+" -> "3plus"), so "3+ for 3 days" and "2+ this morning" meet the statements
# about that very reading instead of losing the number.
_GRADE = re.compile(r"(?<![\w+])([1-4])\s*\+(?!\+)|\b(one|two|three|four) plus\b|(?<![\w+])(\+{2,4})(?!\+)", re.I)
_GRADE_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4"}


_SPAN = re.compile(r"\b([1-9])\s*(?:consecutive\s+|more\s+|straight\s+)?(days?|weeks?|months?|mornings?)\b", re.I)
_SPAN_WORDS = re.compile(r"\b(two|three|four|five|six)\s+(?:consecutive\s+|more\s+|straight\s+)?(days?|weeks?|months?|mornings?)\b",
                         re.I)
_NUMBER = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}


_VALUE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def grades(text: str) -> str:
    """Dipstick grades and short spans as words: "3+", "three plus" and "+++" become "3plus"; "for 2 days" also
    gives "2day", so "3+ for 2 days" and "3+ for 3 days" are told apart."""
    def unit(u: str) -> str:
        u = u.lower().rstrip("s")
        return "day" if u in ("morning", "night") else u   # "3+ for three mornings" is three days

    spans = [f"{m.group(1)}{unit(m.group(2))}" for m in _SPAN.finditer(text)]
    spans += [f"{_NUMBER[m.group(1).lower()]}{unit(m.group(2))}" for m in _SPAN_WORDS.finditer(text)]
    if spans:
        text = f"{text} {' '.join(spans)}"
    if "+" not in text and "plus" not in text.lower():
        return text

    def word(m: re.Match[str]) -> str:
        n = m.group(1) or _GRADE_WORDS.get((m.group(2) or "").lower()) or str(len(m.group(3) or ""))
        return f" {n}plus "

    return _GRADE.sub(word, text)


@cache
def settings() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load(DATA_FILE.read_text(encoding="utf-8"), Loader=loader)
    return data


@dataclass(frozen=True)
class Doc:
    id: str
    kind: str                          # answer | fact | recommendation | caution | definition
    topic: str
    drugs: frozenset[str]
    text: str                          # every field, as indexed (term sets are computed when first needed)
    ask_texts: tuple[str, ...]         # each phrasing (direct answers)


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    topic: str
    score: float          # BM25 (tantivy)
    match: float = 0.0    # share of the question's subject covered (0-1)
    cover_q: float = 0.0  # share of the question's subject terms in the entry's text (idf-weighted)
    cover_a: float = 0.0  # best share of one of its phrasings found in the question (direct answers)


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found for one question."""

    terms: tuple[str, ...]                 # the question's subject terms (stems)
    words: dict[str, str]                  # stem -> the word as typed
    hits: tuple[Hit, ...]                  # best first
    answer: Hit | None                     # the best direct answer, with its match
    unknown: tuple[str, ...]               # subject words the pack never uses (as typed)

    def rank(self) -> dict[str, int]:
        return {h.id: i for i, h in enumerate(self.hits)}

    def scores(self) -> dict[str, float]:
        return {h.id: h.score for h in self.hits}


class Index:
    """The pack's statements in a tantivy RAM index, plus term statistics for the match score."""

    def __init__(self, pack: Any) -> None:
        import tantivy

        self.analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
            tantivy.Filter.lowercase()).filter(tantivy.Filter.stemmer("english")).build()
        cfg = settings()
        self.stop = frozenset(cfg["stopwords"])
        self.stop_stems = frozenset(s for w in self.stop for s in self.analyzer.analyze(w)) | self.stop
        # built once per pack version and kept on disk (nephroguide/cache.py): a fresh process opens it in milliseconds
        from nephroguide import cache as disk
        from nephroguide.answer.understand import DATA_FILE as UNDERSTANDING_FILE
        from nephroguide.knowledge.lexicon import LEXICON_FILE

        entry = disk.key("index", pack.version, str(pack.directory), DATA_FILE.read_bytes(),
                         disk.file_bytes(LEXICON_FILE), disk.file_bytes(UNDERSTANDING_FILE),
                         str(getattr(tantivy, "__version__", "")))
        self.docs: dict[str, Doc] = {}
        self.exact: dict[str, str] = {}   # a direct answer's own phrasings (normalised) -> its id
        found = disk.load_dir("index", entry) or disk.store_dir("index", entry, lambda path: self._build(pack, path))
        try:
            if found is not None:
                path, (self.docs, self.exact) = found
                self.index = tantivy.Index.open(str(path))
        except Exception:   # tantivy cannot open the stored index: build it again below
            found = None
        if found is None:   # no usable cache directory: in memory, as before
            self._build(pack, None)
        self.searcher = self.index.searcher()
        self.n = len(self.docs)
        self._terms: dict[str, frozenset[str]] = {}
        self._asks: dict[str, tuple[frozenset[str], ...]] = {}
        self._df: dict[str, int] = {}
        self._ask_weights: dict[str, tuple[tuple[frozenset[str], float, frozenset[str]], ...]] = {}
        self._ask_postings: dict[str, dict[str, tuple[int, ...]]] = {}
        # (one question reads the same part text several times while its parts are matched and checked: about one
        # retrieval in five repeats one made moments before; a small memo, emptied when full, spares them)
        self.memo: dict[tuple[str, tuple[str, ...], int, bool], Retrieval] = {}

    def _build(self, pack: Any, path: Path | None) -> tuple[dict[str, Doc], dict[str, str]]:
        """Index the pack's statements (in ``path``, or in memory); returns the entries and exact phrasings."""
        import tantivy

        from nephroguide.knowledge.lexicon import fold, load_lexicon, term_key

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in ("asks", "title", "body", "all"):   # "all": document frequencies for the match score
            sb.add_text_field(name, stored=False, tokenizer_name="en_stem")
        sb.add_text_field("drug", stored=False, tokenizer_name="raw")
        self.index = tantivy.Index(sb.build(), path=str(path) if path is not None else None)
        writer = self.index.writer(15_000_000, 1)
        self.docs = {}

        # one-word abbreviations, spellings and drug names -> their lexicon form, added to the text (the
        # question side is canonicalised by the understanding; this is the cheap equivalent for the pack)
        expand: dict[str, str] = {}
        for g in load_lexicon().groups():
            canonical = g.id.split(":", 1)[1].replace("_", " ") if g.kind == "drug" else fold(g.canonical)
            for term in g.all_terms():
                key = term_key(term)
                if len(key) == 1 and key[0] not in canonical.split():
                    expand.setdefault(key[0], canonical.replace("-", " "))

        def read(text: str) -> str:
            if not text:
                return ""
            low = grades(text.lower() if text.isascii() else fold(text))
            extra = []
            for w in _WORD.findall(low):
                hit = expand.get(w) or (expand.get(w[:-1]) if w[-1] == "s" else None)
                if hit:
                    extra.append(hit)
            return f"{low} {' '.join(dict.fromkeys(extra))}" if extra else low

        def add(kb_id: str, kind: str, topic: str, drugs: Iterable[str], asks: Sequence[str], title: Sequence[str],
                body: Sequence[str]) -> None:
            asks_n = [read(a) for a in asks]
            title_n = " ".join(read(t) for t in title if t)
            body_n = " ".join(read(t) for t in body if t)
            drug_ids = sorted(set(drugs))
            everything = " ".join([*asks_n, title_n, body_n, *(d.replace("_", " ") for d in drug_ids)])
            doc = tantivy.Document(id=kb_id, asks=" . ".join(asks_n), title=title_n, body=body_n, all=everything)
            for d in drug_ids:
                doc.add_text("drug", d)
            writer.add_document(doc)
            self.docs[kb_id] = Doc(kb_id, kind, topic, frozenset(drug_ids), everything, tuple(asks_n))

        from nephroguide.answer.understand import normalise

        self.exact = {}
        for a in pack.answers.values():
            add(a.id, "answer", a.topic, _answer_drugs(pack, a), a.asks, _support_words(pack, a),
                [a.answer, a.family_answer])
            for ask in a.asks:
                self.exact.setdefault(normalise(ask).rstrip(" ?."), a.id)
        for f in pack.facts.values():
            add(f.id, "fact", f.topic, f.drugs, [], [f.title, f.subject, " ".join(f.keywords)], [f.text, f.family_text])
        for r in pack.recommendations.values():
            if r.status == "current":
                add(r.id, "recommendation", r.topic, r.drugs, [], [r.title], [r.text, r.family_text])
        for c in pack.cautions.values():
            add(c.id, "caution", "", c.drugs, [], [c.title], [c.text, c.family_text])
        for st in pack.studies.values():
            add(st.id, "study", "", st.drugs, [], [st.title], [st.intervention, st.comparator or "", st.population,
                                                             st.outcomes, *(r.text for r in st.results)])
        for d in pack.definitions.values():
            add(d.id, "definition", "definitions", [], [], [d.term], [d.text, d.family_text])
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        return self.docs, self.exact

    def terms(self, kb_id: str) -> frozenset[str]:
        """The stems of an entry's text (computed once, when the entry is first retrieved)."""
        out = self._terms.get(kb_id)
        if out is None:
            out = self._terms[kb_id] = frozenset(self.stems(self.docs[kb_id].text))
        return out

    def asks(self, kb_id: str) -> tuple[frozenset[str], ...]:
        out = self._asks.get(kb_id)
        if out is None:
            out = self._asks[kb_id] = tuple(frozenset(self.stems(a)) for a in self.docs[kb_id].ask_texts)
        return out

    def ask_weights(self, kb_id: str) -> tuple[tuple[frozenset[str], float, frozenset[str]], ...]:
        """Each phrasing's stems, their summed weight and the numbers it states ("tacrolimus level 3 is that too
        low": a phrasing about a value), computed once per entry."""
        out = self._ask_weights.get(kb_id)
        if out is None:
            out = self._ask_weights[kb_id] = tuple(
                (a, sum(self.idf(t) for t in a), frozenset(_VALUE.findall(text)))
                for a, text in zip(self.asks(kb_id), self.docs[kb_id].ask_texts, strict=True))
        return out

    def ask_postings(self, kb_id: str) -> dict[str, tuple[int, ...]]:
        """For each stem of an entry's phrasings, which phrasings use it (so that a question visits only the
        phrasings it shares a word with), computed once per entry."""
        out = self._ask_postings.get(kb_id)
        if out is None:
            post: dict[str, list[int]] = {}
            for i, (stems, w, _) in enumerate(self.ask_weights(kb_id)):
                if w:
                    for t in stems:
                        post.setdefault(t, []).append(i)
            out = self._ask_postings[kb_id] = {t: tuple(v) for t, v in post.items()}
        return out

    def df(self, stem: str) -> int:
        """How many entries use a stem (tantivy's document frequency of the "all" field)."""
        n = self._df.get(stem)
        if n is None:
            n = self._df[stem] = int(self.searcher.doc_freq("all", stem))
        return n

    def stems(self, text: str) -> list[str]:
        """Subject terms of a text: words that are not stopwords, stemmed (one tokenizer pass)."""
        return [s for s in self.analyzer.analyze(text) if s not in self.stop_stems and not s.isdigit()]

    def idf(self, stem: str) -> float:
        return math.log(1 + (self.n + 1) / (self.df(stem) + 0.5))

    def search(self, words: Sequence[str], drugs: Sequence[str], limit: int) -> list[tuple[str, float]]:
        import tantivy

        if not words and not drugs:
            return []
        boosts = settings()["boosts"]
        safe = [w for w in words if re.fullmatch(r"[a-z0-9]+", w)]
        parts = [*safe, *(f"drug:{d}" for d in drugs if re.fullmatch(r"[a-z0-9_]+", d))]
        try:
            query = self.index.parse_query(" ".join(parts), ["asks", "title", "body"],
                                           field_boosts={k: float(v) for k, v in boosts.items() if k != "drug"})
        except ValueError:
            return []
        if drugs:
            drug_q = tantivy.Query.boolean_query([
                (tantivy.Occur.Should, tantivy.Query.boost_query(
                    tantivy.Query.term_query(self.index.schema, "drug", d), float(boosts["drug"])))
                for d in drugs])
            query = tantivy.Query.boolean_query([(tantivy.Occur.Should, query), (tantivy.Occur.Should, drug_q)])
        result = self.searcher.search(query, limit)
        return [(self.searcher.doc(addr)["id"][0], float(score)) for score, addr in result.hits]


def _answer_drugs(pack: Any, a: Any) -> list[str]:
    out: list[str] = []
    for sid in a.support:
        entry = pack.facts.get(sid) or pack.recommendations.get(sid) or pack.cautions.get(sid)
        out.extend(getattr(entry, "drugs", []) or [])
    return out[:6]


def _support_words(pack: Any, a: Any) -> list[str]:
    """The subjects and keywords of the facts a direct answer rests on (people ask with those words too)."""
    out: list[str] = []
    for sid in a.support[:4]:
        f = pack.facts.get(sid)
        if f is not None:
            out.extend([f.subject, " ".join(f.keywords)])
    return out


_INDEX: dict[str, Index] = {}


def index() -> Index:
    """The index of the loaded pack (built on first use, once per pack version)."""
    from nephroguide.knowledge.pack import load_pack

    pack = load_pack()
    key = f"{pack.version}:{id(pack)}"
    idx = _INDEX.get(key)
    if idx is None:
        _INDEX.clear()
        idx = _INDEX[key] = Index(pack)
    return idx


def _query(idx: Index, text: str) -> tuple[list[str], dict[str, str]]:
    """A question's words (stopwords and bare numbers out) and its subject stems, each with the word as typed."""
    words = [w for w in _WORD.findall(grades(text)) if w not in idx.stop and not w.isdigit()]
    stem_of: dict[str, str] = {}
    for w in words:
        for s in idx.analyzer.analyze(w):
            if s not in idx.stop_stems:   # as for the pack's texts: "boys", "children" are stopwords too
                stem_of.setdefault(s, w)
    return words, stem_of


def query_terms(text: str) -> tuple[str, ...]:
    """The subject stems retrieval reads in a text (no search)."""
    return tuple(_query(index(), text)[1])


_MEMO_SIZE = 256   # retrievals kept per index (Index.memo)


def retrieve(text: str, drugs: Sequence[str] = (), limit: int = 60, *, one_question: bool = False) -> Retrieval:
    """Rank the pack's statements for a question (``text``: the understanding's normalised text). With
    ``one_question`` (a message that asks one thing), a phrasing that is only a small part of it counts for less."""
    idx = index()
    key = (text, tuple(drugs), limit, one_question)
    found = idx.memo.get(key)
    if found is not None:
        return found
    if len(idx.memo) >= _MEMO_SIZE:
        idx.memo.clear()
    found = idx.memo[key] = _retrieve(idx, text, drugs, limit, one_question)
    return found


def _retrieve(idx: Index, text: str, drugs: Sequence[str], limit: int, one_question: bool) -> Retrieval:
    from nephroguide.answer.audience import is_easy_word

    cfg = settings()["direct"]
    words, stem_of = _query(idx, text)
    terms = tuple(stem_of)
    raw = idx.search(words, [d for d in drugs if d], limit)
    # (a word the pack never uses that reads as an adverb, typed right or wrong - "actualy", "usualy" - names no
    # subject: it weighs nothing in how much of the question an entry covers)
    weight = {t: 0.0 if idx.df(t) == 0 and stem_of[t].lower().endswith("ly") else idx.idf(t) for t in terms}
    q_weight = sum(weight.values())
    qset = set(terms)
    numbers = frozenset(_VALUE.findall(text))
    number_miss = float(cfg["ask_number_miss"])
    floor = float(cfg["ask_part_floor"])
    weight_question, weight_ask = float(cfg["weight_question"]), float(cfg["weight_ask"])
    hits: list[Hit] = []
    best: Hit | None = None
    for kb_id, score in raw:
        doc = idx.docs.get(kb_id)
        if doc is None:
            continue
        doc_terms = idx.terms(kb_id)
        # (set intersections, not a scan of every term: this loop runs for every phrasing of 60 hits, several
        # times per question)
        cover_q = sum(weight[t] for t in qset.intersection(doc_terms)) / q_weight if q_weight else 0.0
        cover_a = 0.0
        phrasings = idx.ask_weights(kb_id)
        postings = idx.ask_postings(kb_id)
        shares: dict[int, float] = {}
        for t in qset:   # the weight each phrasing shares with the question, from the phrasings that use each word
            p = postings.get(t)
            if p:
                wt = weight[t]
                for i in p:
                    shares[i] = shares.get(i, 0.0) + wt
        for i, found in shares.items():
            _, w, stated = phrasings[i]
            if w:
                # a phrasing that is only a small part of the question ("school" in "can she have the flu spray
                # they give at school") counts for less than one that is most of it
                part = min(1.0, found / q_weight) if q_weight and one_question else 1.0
                # a phrasing about a value ("tac level 3 too low?") fits a question that does not state it less
                value = number_miss if stated and not stated & numbers else 1.0
                cover_a = max(cover_a, found / w * (floor + (1 - floor) * part) * value)
        if doc.kind == "answer":
            match = weight_question * cover_q + weight_ask * cover_a
        else:
            match = cover_q
        hit = Hit(kb_id, doc.kind, doc.topic, score, round(match, 4), round(cover_q, 4), round(cover_a, 4))
        hits.append(hit)
        if doc.kind == "answer" and (best is None or (hit.match, hit.score) > (best.match, best.score)):
            best = hit
    unknown = tuple(stem_of[t] for t in terms if idx.df(t) == 0 and len(stem_of[t]) >= 4
                    and not any(c.isdigit() for c in stem_of[t])   # "18kg", "35mg": a size or a dose, no subject
                    and not is_easy_word(stem_of[t]) and not stem_of[t].lower().endswith("ly"))
    return Retrieval(terms=terms, words=stem_of, hits=tuple(hits), answer=best, unknown=unknown)


__all__ = ["Hit", "Index", "Retrieval", "index", "retrieve", "settings"]
