"""The on-disk start-up cache (nephroguide/cache.py): a cached answer is the uncached answer, byte for byte;
corrupt, foreign or outdated entries are rebuilt; a pack change is a new entry; private file modes; concurrent
writers never leave a mixed entry; regular expressions survive the round trip."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nephroguide import cache

QUESTION = "What is the next step for a child with steroid-resistant nephrotic syndrome?"
PACK_DIR = Path(cache.__file__).parent / "knowledge" / "pack"


def run_ask(cache_dir: Path | str, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEPHROGUIDE_HOME": str(home), cache.ENV_CACHE_DIR: str(cache_dir)}
    env.pop("NEPHROGUIDE_DATABASE_URL", None)
    r = subprocess.run([sys.executable, "-m", "nephroguide.cli", "ask", QUESTION, "--format", "json", *extra],
                       capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    return r


def fresh(tmp_path: Path) -> tuple[Path, Path]:
    """An empty cache directory and a new frozen home (a retried test starts from nothing)."""
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
    shutil.rmtree(tmp_path / "home", ignore_errors=True)
    return tmp_path / "cache", frozen_home(tmp_path)


def frozen_home(tmp_path: Path) -> Path:
    """A home whose served pack is a copy of the shipped one (as `nephroguide kb export` leaves it), so the
    answers cannot change under the test while the shipped pack is edited."""
    home = tmp_path / "home"
    shutil.copytree(PACK_DIR, home / "pack" / "0123456789ab")
    (home / "pack" / "CURRENT").write_text("0123456789ab\n", encoding="utf-8")
    return home


def home_files(home: Path) -> list[str]:
    return sorted(p.relative_to(home).as_posix() for p in home.rglob("*"))


def source_digest() -> str:
    """The code every entry is keyed on (an edit while a test runs means new keys: the test is run again)."""
    import hashlib

    h = hashlib.sha256()
    for rel in sorted({"cache.py", *(f for files in cache.CODE.values() for f in files)}):
        h.update((Path(cache.__file__).parent / rel).read_bytes())
    return h.hexdigest()


def unless_code_edited(check):
    """Run a check; when it fails while the package's source was being edited (other work in this tree), again."""
    def run(*args, **kwargs):
        for _ in range(3):
            before = source_digest()
            try:
                return check(*args, **kwargs)
            except AssertionError:
                if source_digest() == before:
                    raise
        pytest.fail("the package's source kept changing while the test ran")
    run.__name__ = check.__name__
    return run


def files(root: Path) -> dict[str, int]:
    """Every file under the cache directory -> its inode (a rebuilt entry is a new file)."""
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(d))
    return d


def test_cached_answers_are_the_uncached_answers(tmp_path):
    unless_code_edited(_cached_answers_are_the_uncached_answers)(tmp_path)


def _cached_answers_are_the_uncached_answers(tmp_path):
    root, home = fresh(tmp_path)
    before = home_files(home)
    for audience in ("clinician", "family"):
        uncached = run_ask("off", home, "--audience", audience).stdout
        cold = run_ask(root, home, "--audience", audience).stdout   # builds and stores
        built = files(root)
        warm = run_ask(root, home, "--audience", audience).stdout   # reads everything back
        assert cold == uncached and warm == uncached
        assert files(root) == built, "a warm run reads the entries, it does not rebuild them"
    kinds = {name.split("-", 1)[0] for name in os.listdir(root)}
    assert {"pack", "understanding", "details", "vocabulary", "lexicon", "index", "hyphenation"} <= kinds, kinds
    assert home_files(home) == before, "the cache is not state: nothing is written to the home"


def test_cache_off_writes_nothing(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    run_ask("off", home)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"] and not any(home.iterdir())


def test_private_modes(tmp_path):
    root = tmp_path / "cache"
    run_ask(root, frozen_home(tmp_path))
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    paths = list(root.rglob("*"))
    assert paths
    for p in paths:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_corrupt_entries_are_rebuilt_and_answers_unchanged(tmp_path):
    unless_code_edited(_corrupt_entries_are_rebuilt_and_answers_unchanged)(tmp_path)


def _corrupt_entries_are_rebuilt_and_answers_unchanged(tmp_path):
    root, home = fresh(tmp_path)
    good = run_ask(root, home).stdout
    pack_entry = next(root.glob("pack-*.pickle"))
    data = bytearray(pack_entry.read_bytes())
    data[len(data) // 2] ^= 0xFF                     # one flipped byte in the middle
    pack_entry.write_bytes(bytes(data))
    next(root.glob("understanding-*.pickle")).write_bytes(b"")          # truncated to nothing
    next(root.glob("vocabulary-*.pickle")).write_bytes(b"not a pickle at all")
    segment = max((p for p in next(root.glob("index-*")).rglob("*") if p.suffix == ".idx"), key=lambda p: p.stat().st_size)
    segment.write_bytes(segment.read_bytes()[:100])   # a tantivy file cut short
    assert run_ask(root, home).stdout == good
    # every entry is whole again: a further run reads them all without rebuilding
    rebuilt = files(root)
    assert run_ask(root, home).stdout == good
    assert files(root) == rebuilt


def test_load_rejects_damage_and_foreign_files(cache_dir):
    assert cache.store("thing", "k1", {"a": [1, 2, 3]})
    assert cache.load("thing", "k1") == {"a": [1, 2, 3]}
    entry = cache_dir / "thing-k1.pickle"
    raw = entry.read_bytes()
    entry.write_bytes(raw[:-1])
    assert cache.load("thing", "k1") is None and not entry.exists(), "a bad entry is removed"
    assert cache.load("thing", "never-stored") is None
    cache.store("thing", "k2", "v")
    os.chmod(cache_dir / "thing-k2.pickle", 0o666)     # others could have written it: not read
    assert cache.load("thing", "k2") is None
    os.chmod(cache_dir / "thing-k2.pickle", 0o600)
    assert cache.load("thing", "k2") == "v"
    os.chmod(cache_dir, 0o777)                          # a directory others may write to: not used at all
    try:
        assert cache.load("thing", "k2") is None
        assert cache.store("thing", "k3", "v") is False
    finally:
        os.chmod(cache_dir, 0o700)


def test_cached_builds_once_and_off_builds_every_time(cache_dir, monkeypatch):
    calls = []

    def build() -> list[int]:
        calls.append(1)
        return [len(calls)]

    assert cache.cached("n", "key", build) == [1]
    assert cache.cached("n", "key", build) == [1] and len(calls) == 1
    monkeypatch.setenv(cache.ENV_CACHE_DIR, "off")
    assert cache.cached("n", "key", build) == [2]
    assert cache.cached("n", "key", build) == [3]


def test_pack_change_is_a_new_entry(cache_dir, tmp_path):
    from nephroguide.answer.retrieve import Index
    from nephroguide.knowledge.pack import _pack_files, build_pack

    pack_dir = tmp_path / "pack"
    shutil.copytree(PACK_DIR, pack_dir)
    first = cache.cached_pack(pack_dir, build_pack, _pack_files)
    again = cache.cached_pack(pack_dir, build_pack, _pack_files)   # read back from the cache
    assert again is not first and again.version == first.version
    assert again.answers == first.answers and again.facts == first.facts
    # a word added to one direct answer, where its text is written out in the file
    for answer_id, entry in sorted(first.answers.items()):
        path = pack_dir / first.origin[answer_id]
        text = path.read_text(encoding="utf-8")
        words = entry.answer.split()
        snippet = " ".join(words[:4])
        if len(words) > 4 and text.count(snippet) == 1:
            break
    else:
        pytest.fail("no direct answer whose first words are written on one line")
    path.write_text(text.replace(snippet, f"{snippet} zanzibarquux"), encoding="utf-8")
    changed = cache.cached_pack(pack_dir, build_pack, _pack_files)
    assert changed.version != first.version and "zanzibarquux" in changed.answers[answer_id].answer
    assert "zanzibarquux" not in first.answers[answer_id].answer
    assert len(list(cache_dir.glob("pack-*.pickle"))) == 2
    # the retrieval index follows the pack: the new word is found only in the changed pack's index
    old_index, new_index = Index(first), Index(changed)
    assert old_index.df("zanzibarquux") == 0 and new_index.df("zanzibarquux") == 1
    assert len(list(cache_dir.glob("index-*"))) == 2
    reread = Index(changed)   # from its cache entry
    assert reread.df("zanzibarquux") == 1 and reread.docs == new_index.docs and reread.exact == new_index.exact


def test_keys_follow_every_part():
    assert cache.key("pack", "a", b"b") == cache.key("pack", "a", b"b")
    assert cache.key("pack", "a", b"b") != cache.key("pack", "a", b"c")
    assert cache.key("pack", "ab", "") != cache.key("pack", "a", "b"), "parts are length-prefixed"
    assert cache.key("pack", "a") != cache.key("lexicon", "a"), "each kind has its own code stamp"
    assert cache.code_stamp("hyphenation") != cache.code_stamp("index")


@pytest.mark.parametrize("pattern, flags, text", [
    (r"\bfoo\s+bar\b", 0, "a foo  bar b"),
    (r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>kg|g)\b", re.I, "weight 20.5 KG"),
    (r"(?<=[a-z])-(?=[a-z0-9])|(?<=[0-9])-(?=[a-z])", 0, "steroid-resistant 3-fold"),
    (r"(?i)caf[eé]\w*", 0, "CAFÉS and cafe"),
    (rb"\x00+[a-z]{2,}", 0, b"..\x00\x00ab"),
])
def test_patterns_round_trip(cache_dir, pattern, flags, text):
    compiled = re.compile(pattern, flags)
    assert cache.store("re", "p", [compiled])
    [back] = cache.load("re", "p")
    assert back == compiled and back.pattern == compiled.pattern and back.flags == compiled.flags
    assert back.groupindex == compiled.groupindex
    assert [m.span() for m in back.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert [m.groups() for m in back.finditer(text)] == [m.groups() for m in compiled.finditer(text)]


WRITER = textwrap.dedent("""
    import sys
    from nephroguide import cache
    me = int(sys.argv[1])
    payload = bytes([me]) * 300_000
    for _ in range(40):
        assert cache.store("race", "same", payload)
        got = cache.load("race", "same")
        assert got is not None and len(got) == 300_000 and len(set(got)) == 1, "a mixed or partial entry"
""")

INDEXER = textwrap.dedent("""
    from nephroguide.answer.retrieve import Index
    from nephroguide.knowledge.pack import load_pack
    idx = Index(load_pack())
    print(len(idx.docs), idx.df("tacrolimus"))
""")


def test_concurrent_writers_never_mix(tmp_path):
    unless_code_edited(_concurrent_writers_never_mix)(tmp_path)


def _concurrent_writers_never_mix(tmp_path):
    root, home = fresh(tmp_path)
    env = {**os.environ, cache.ENV_CACHE_DIR: str(root), "NEPHROGUIDE_HOME": str(home)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(i)], env=env, stderr=subprocess.PIPE, text=True)
             for i in (1, 2, 3)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    got = (root / "race-same.pickle").read_bytes()
    assert len(set(cache._loads(got))) == 1
    assert not [p.name for p in root.iterdir() if p.name.endswith(".tmp")], "no temporary files left"
    # two processes building the same index directory at once: both answer, one entry remains and verifies
    procs = [subprocess.Popen([sys.executable, "-c", INDEXER], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(out)
    assert outs[0] == outs[1] and int(outs[0].split()[0]) > 100
    entries = [p for p in root.iterdir() if p.name.startswith("index-")]
    assert len(entries) == 1
    out = subprocess.run([sys.executable, "-c", INDEXER], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout == outs[0]


def test_embedded_cli_keeps_the_process_and_the_collector(tmp_path, capsys, monkeypatch):
    """Only the program itself (`nephroguide ask ...`) ends at once without the garbage collector; code that calls
    main(argv) keeps its process running and its collector on."""
    import gc

    from nephroguide.cli import main

    monkeypatch.setenv("NEPHROGUIDE_HOME", str(frozen_home(tmp_path)))
    assert gc.isenabled()
    main(["ask", QUESTION])
    assert capsys.readouterr().out.startswith("# ")
    assert gc.isenabled()
