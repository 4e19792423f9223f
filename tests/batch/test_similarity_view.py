"""The similar-code section of summary.html: one collapsed box per pair, each function
side by side with its matched lines highlighted, small enough at 50 candidates."""

from __future__ import annotations

import re

from grader.batch.gradebook import render_summary
from grader.batch.roster import BatchResult
from grader.batch.similar_functions import function_of_lines
from grader.batch.similarity import Source, find_similar

PROGRAM = """
def {load}(path, size):
    rows = []
    with open(path) as handle:
        for line in handle:
            rows.append(line.strip().split(","))
            if len(rows) == size:
                yield rows
                rows = []
    if rows:
        yield rows


def {scale}(values):
    low = min(values)
    high = max(values)
    if high == low:
        return [0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def {count}(words):
    seen = {{}}
    for word in words:
        seen[word] = seen.get(word, 0) + 1
    best = sorted(seen.items(), key=lambda item: (-item[1], item[0]))
    return best[:{top}]  # {comment}
"""


def _candidate(i: int) -> str:
    return PROGRAM.format(
        load="load_chunks", scale="min_max", count="top_words", top=i % 7 + 1, comment="x" * i
    )


def _summary(tmp_path, engine_kit, sources) -> tuple[BatchResult, str]:
    exercise = engine_kit.get("adder")
    pairs = find_similar(sources, [exercise], threshold=0.5)
    batch = BatchResult(
        out_dir=tmp_path, exercises=(exercise,), rows=(), pairs=pairs, threshold=0.5
    )
    return batch, render_summary(batch)


def test_fifty_candidates_give_a_readable_page_under_a_megabyte(tmp_path, engine_kit):
    sources = [Source(f"cand{i:02d}", "adder", _candidate(i)) for i in range(50)]
    batch, html = _summary(tmp_path, engine_kit, sources)
    assert len(batch.pairs) == 100  # the most similar pairs, as many as a page lists
    assert len(html.encode("utf-8")) < 1_000_000
    section = html[html.index('id="similarity"') :]
    # One collapsed box per pair; inside it one side-by-side view per shared function.
    assert section.count('<details class="pair"') == len(batch.pairs)
    assert "<details open" not in section
    for pair in batch.pairs:
        names = [view.name for view in pair.views]
        assert names == ["load_chunks", "min_max", "top_words"]
        for view in pair.views:
            assert all(line.matched for line in view.left if line.text.strip())
    assert section.count('<div class="fn">') == 3 * len(batch.pairs)
    assert "<mark>" in section
    # Long lines wrap instead of widening the page.
    assert re.search(r"\.sides pre \{[^}]*white-space: pre-wrap", html)


def test_only_functions_of_the_same_name_are_paired(tmp_path, engine_kit):
    ann = _candidate(1)
    ben = _candidate(1).replace("load_chunks", "stream_rows")
    pairs = find_similar(
        [Source("ann", "adder", ann), Source("ben", "adder", ben)],
        [engine_kit.get("adder")],
        threshold=0.0,
    )
    [pair] = pairs
    assert [view.name for view in pair.views] == ["min_max", "top_words"]
    shown = {line.number for view in pair.views for line in view.left}
    owner = function_of_lines(ann)
    assert not any(owner.get(n) == "load_chunks" for n in shown)
    # And no matched region of the report spans one's load_chunks against the other's.
    for match in pair.matches:
        left = {owner.get(n) for n in range(match.left.first, match.left.last + 1)}
        assert left != {"load_chunks"}


def test_function_of_lines_names_methods_and_nested_functions():
    source = "x = 1\n\nclass A:\n    def f(self):\n        def g():\n            return 1\n        return g\n"
    owner = function_of_lines(source)
    assert 1 not in owner and 3 not in owner
    assert owner[4] == "A.f" and owner[5] == owner[6] == "A.f.g" and owner[7] == "A.f"
    assert function_of_lines("def broken(:\n") == {}


def test_long_files_still_keep_the_page_under_a_megabyte(tmp_path, engine_kit):
    # Ten copies of the program, functions renamed per copy: ~250 lines per candidate.
    def long_candidate(i: int) -> str:
        return "".join(
            PROGRAM.format(
                load=f"load_{n}", scale=f"scale_{n}", count=f"count_{n}", top=i % 5 + 1, comment=i
            )
            for n in range(10)
        )

    sources = [Source(f"cand{i:02d}", "adder", long_candidate(i)) for i in range(50)]
    batch, html = _summary(tmp_path, engine_kit, sources)
    assert len(html.encode("utf-8")) < 1_000_000
    section = html[html.index('id="similarity"') :]
    assert section.count('<details class="pair"') == len(batch.pairs) == 100
    # The most similar pairs keep their code; the rest say where to look.
    assert section.index('<div class="fn">') < section.index("Code not shown")
