"""Code similarity: normalisation invariants, winnowing, scores, stub and reference handling."""

from __future__ import annotations

import io
import keyword
import subprocess
import sys
import tokenize
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.batch import similarity as similarity_module
from grader.batch.fingerprints import (
    fingerprints,
    kgrams,
    normalise,
    similarity,
    stub_hashes,
    winnow,
)
from grader.batch.similar_functions import function_of_lines
from grader.batch.similarity import REFERENCE, LineRange, Source, compare, find_similar, merge_lines
from tests.conftest import FIXTURES

BATCH = FIXTURES / "batch" / "submissions"

# Unrelated answers to different problems, each long enough to fingerprint.
PROGRAMS = {
    "batches": '''
def batches(items, size, drop_last=False):
    """Yield lists of `size` items."""
    if size <= 0:
        raise ValueError("size must be positive")
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk and not drop_last:
        yield chunk
''',
    "variance": """
import math


def variance(values, ddof=0):
    n = len(values)
    if n - ddof <= 0:
        return math.nan
    mu = sum(values) / n
    return sum((v - mu) ** 2 for v in values) / (n - ddof)
""",
    "registry": '''
class Registry:
    """Named factories."""

    def __init__(self):
        self._items = {}

    def register(self, name):
        def decorate(factory):
            if name in self._items:
                raise KeyError(f"{name} already registered")
            self._items[name] = factory
            return factory
        return decorate

    def create(self, name, *args, **kwargs):
        return self._items[name](*args, **kwargs)
''',
    "retry": """
import time
import functools


def retry(times=3, delay=0.1, exceptions=(Exception,)):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            last = None
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except exceptions as exc:
                    last = exc
                    time.sleep(delay * 2 ** attempt)
            raise last
        return inner
    return wrap
""",
}

identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s)
)


def _hashes(source: str) -> list[int]:
    return [f.hash for f in fingerprints(source)]


def _rewrite(source: str, draw) -> str:
    """Rename every identifier consistently and replace every literal by one of its type."""
    names: dict[str, str] = {}
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if tok.type == tokenize.NAME and not keyword.iskeyword(text):
            if text not in names:
                names[text] = draw(identifiers)
            text = names[text]
        elif tok.type == tokenize.NUMBER:
            if any(c in text for c in ".eE"):
                text = repr(draw(st.floats(0, 1e6, allow_nan=False, allow_infinity=False)))
            else:
                text = str(draw(st.integers(0, 10**6)))
        elif tok.type == tokenize.STRING and not text.startswith(("f", "'''", '"""')):
            text = repr(draw(st.text(max_size=12)))
        out.append((tok.type, text))
    return tokenize.untokenize(out)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(PROGRAMS)), st.data())
def test_renaming_identifiers_and_changing_literals_keeps_fingerprints(name, data):
    source = PROGRAMS[name]
    rewritten = _rewrite(source, data.draw)
    assert _hashes(rewritten) == _hashes(source)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(PROGRAMS)),
    st.lists(
        st.tuples(
            st.integers(0, 40),
            st.text(
                st.characters(exclude_characters="\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
            ),
        ),
        max_size=6,
    ),
    st.booleans(),
)
def test_comments_blank_lines_and_docstrings_do_not_change_fingerprints(name, comments, docstring):
    lines = PROGRAMS[name].split("\n")
    for where, text in sorted(comments, reverse=True):
        at = min(where, len(lines))
        lines.insert(at, f"# {text}" if text else "")
    changed = "\n".join(lines)
    if docstring:
        changed = '"""A module docstring\nover two lines."""\n' + changed
    assert _hashes(changed) == _hashes(PROGRAMS[name])


@given(st.sampled_from(sorted(PROGRAMS)))
def test_code_is_fully_similar_to_itself(name):
    prints = fingerprints(PROGRAMS[name])
    assert prints and similarity(prints, prints) == 1.0


@given(st.sampled_from(sorted(PROGRAMS)), st.sampled_from(sorted(PROGRAMS)))
def test_similarity_is_symmetric(a, b):
    left, right = fingerprints(PROGRAMS[a]), fingerprints(PROGRAMS[b])
    assert similarity(left, right) == similarity(right, left)
    there = compare("x", Source("a", "x", PROGRAMS[a]), Source("b", "x", PROGRAMS[b]), left, right)
    back = compare("x", Source("b", "x", PROGRAMS[b]), Source("a", "x", PROGRAMS[a]), right, left)
    assert (there.score, there.shared) == (back.score, back.shared)
    assert (there.left_ranges, there.right_ranges) == (back.right_ranges, back.left_ranges)


def test_unrelated_code_scores_low():
    names = sorted(PROGRAMS)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert similarity(fingerprints(PROGRAMS[a]), fingerprints(PROGRAMS[b])) < 0.3, (a, b)


def test_normalise_abstracts_names_and_literals_and_drops_comments_and_docstrings():
    source = 'def f(x):\n    """Doc."""\n    return x + 1.5 * len("s")  # why\n'
    assert [t.text for t in normalise(source)] == [
        "def", "<id>", "(", "<id>", ")", ":", "<newline>",
        "<indent>", "return", "<id>", "+", "<float>", "*", "<id>", "(", "<str>", ")",
        "<newline>", "<dedent>",
    ]  # fmt: skip
    assert [t.line for t in normalise(source)][9:13] == [3, 3, 3, 3]


def test_broken_code_is_still_compared_up_to_the_error():
    assert normalise("def f(:\n    return (1,\n")  # no exception, some tokens
    assert normalise("") == ()


def test_hashes_are_stable_across_processes():
    code = "import sys; from grader.batch.fingerprints import fingerprints; " + (
        "print([f.hash for f in fingerprints(sys.stdin.read())])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            input=PROGRAMS["retry"],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
            cwd=FIXTURES.parents[1],
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {f"{_hashes(PROGRAMS['retry'])}\n"}


def test_winnowing_keeps_every_window_minimum():
    grams = kgrams(normalise(PROGRAMS["retry"]))
    chosen = {f.hash for f in winnow(grams, 4)}
    for start in range(len(grams) - 3):
        assert min(g.hash for g in grams[start : start + 4]) in chosen
    assert len(chosen) < len(grams)


def test_code_shorter_than_k_tokens_has_no_fingerprints():
    assert fingerprints("x = 1\n") == ()


def test_merge_lines():
    assert merge_lines([5, 1, 2, 2, 3, 9, 10]) == (
        LineRange(1, 3),
        LineRange(5, 5),
        LineRange(9, 10),
    )
    assert merge_lines([]) == ()


def test_stub_text_never_counts(engine_kit):
    exercise = engine_kit.get("adder")
    stub = exercise.stub_path.read_text()
    assert fingerprints(stub, exclude=stub_hashes(stub)) == ()
    sources = [Source("ann", "adder", stub), Source("ben", "adder", stub)]
    assert find_similar(sources, [exercise], threshold=0.0) == ()
    # Own code after the stub is compared; the stub's part never is.
    excluded = stub_hashes(stub)
    own = fingerprints(stub + PROGRAMS["retry"], exclude=excluded)
    assert own and not {f.hash for f in own} & excluded
    assert similarity(own, fingerprints(PROGRAMS["retry"])) >= 0.8
    other = stub + PROGRAMS["variance"]
    assert (
        find_similar(
            [Source("ann", "adder", stub + PROGRAMS["retry"]), Source("ben", "adder", other)],
            [exercise],
        )
        == ()
    )


def test_copy_is_found_with_matching_regions_and_unrelated_pairs_are_not(engine_kit):
    exercise = engine_kit.get("adder")
    sources = [
        Source(name, "adder", (BATCH / name / "adder.py").read_text())
        for name in ("alice", "bob", "carol")
    ]
    pairs = find_similar(sources, [exercise])
    assert [(p.left, p.right) for p in pairs] == [("alice", "bob")]
    pair = pairs[0]
    assert pair.score >= 0.9
    assert pair.left_ranges and pair.right_ranges
    assert "def mean(values):" in pair.matches[0].left_text
    assert "def mean(numbers):" in pair.matches[0].right_text
    # Same inputs, same report.
    assert find_similar(list(reversed(sources)), [exercise]) == pairs


def test_reference_solution_takes_part(engine_kit, tmp_path):
    exercise = engine_kit.get("adder")
    (tmp_path / "adder.py").write_text((BATCH / "bob" / "adder.py").read_text())
    sources = [Source("alice", "adder", (BATCH / "alice" / "adder.py").read_text())]
    pairs = find_similar(sources, [exercise], solutions=tmp_path)
    assert [(p.left, p.right) for p in pairs] == [("alice", REFERENCE)]
    assert find_similar(sources, [exercise]) == ()


def test_pairs_are_sorted_by_score_then_names(engine_kit):
    exercise = engine_kit.get("adder")
    base = PROGRAMS["retry"]
    partial = base + PROGRAMS["registry"] + PROGRAMS["batches"]
    sources = [
        Source("c", "adder", base),
        Source("a", "adder", base),
        Source("b", "adder", partial + PROGRAMS["variance"]),
    ]
    pairs = find_similar(sources, [exercise], threshold=0.1)
    keys = [(-p.score, p.left, p.right) for p in pairs]
    assert keys == sorted(keys) and len(pairs) == 3
    assert next(p.score for p in pairs if (p.left, p.right) == ("a", "c")) == 1.0


def test_each_source_is_parsed_once_however_many_pairs_it_is_in(engine_kit, monkeypatch):
    exercise = engine_kit.get("adder")
    base = PROGRAMS["retry"] + PROGRAMS["registry"]
    sources = [Source(name, "adder", base + "\n" * n) for n, name in enumerate("abcd")]
    expected = find_similar(sources, [exercise])
    parsed = []

    def counted(text):
        parsed.append(text)
        return function_of_lines(text)

    monkeypatch.setattr(similarity_module, "function_of_lines", counted)
    assert find_similar(sources, [exercise]) == expected
    assert len(expected) == 6  # every pair of the four
    assert sorted(parsed) == sorted(source.text for source in sources)


def test_text_artifacts_are_skipped(engine_kit):
    dockerfile = replace(engine_kit.get("adder"), id="docker", artifact="Dockerfile")
    assert dockerfile.module is None
    text = "FROM python:3.11-slim\nCOPY . /app\nRUN pip install -r requirements.txt\n" * 5
    sources = [Source("a", "docker", text), Source("b", "docker", text)]
    assert find_similar(sources, [dockerfile], threshold=0.0) == ()


def test_many_identical_submissions_list_only_the_most_similar_pairs(engine_kit):
    exercise = engine_kit.get("adder")
    text = (BATCH / "alice" / "adder.py").read_text()
    sources = [Source(f"c{i:02d}", "adder", text) for i in range(30)]  # 435 identical pairs
    pairs = find_similar(sources, [exercise], limit=20)
    assert len(pairs) == 20
    assert all(p.score == 1.0 for p in pairs)
    assert [(p.left, p.right) for p in pairs] == sorted((p.left, p.right) for p in pairs)


def test_source_too_deep_to_parse_is_still_fingerprinted():
    # The parser gives up (docstrings then stay in); the tokenizer does not recurse.
    deep = "def f(a):\n    return a + 1\n\nx = " + "-" * 20_000 + "1\n"
    assert fingerprints(deep)
    assert fingerprints(deep) == fingerprints(deep.replace("(a)", "(b)"))


def test_a_long_run_of_one_token_in_two_sources_is_one_match_not_quadratic(engine_kit):
    # 30,000 `-` give ~30,000 fingerprints of one hash on each side: paired every way,
    # that is 9 * 10**8 pairs; paired in order, one matching region.
    deep = "x = " + "-" * 30_000 + "1\n"
    pairs = find_similar(
        [Source("ann", "adder", deep), Source("ben", "adder", deep)], [engine_kit.get("adder")]
    )
    assert [(p.left, p.right, p.score) for p in pairs] == [("ann", "ben", 1.0)]
    assert [(m.left.first, m.left.last) for m in pairs[0].matches] == [(1, 1)]
