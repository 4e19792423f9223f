"""Hypothesis in the grading child: repeatable settings, constants from the answer only."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import hypothesis
from hypothesis import Phase

from grader.judge.hypothesis_setup import configure_hypothesis

# Loads a "local" module before sealing and another after, the way the fork server
# loads mlgrade's own modules and a child the candidate's, then prints which of their
# literals hypothesis would mix into generated examples.
SEALING = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    import early_module
    from hypothesis.internal.conjecture import providers
    from grader.judge.hypothesis_setup import seal_hypothesis_constants
    before = 918273645 in providers._get_local_constants().integers
    seal_hypothesis_constants()
    import answer_module
    found = providers._get_local_constants().integers
    print(before, 918273645 in found, 564738291 in found)
    """
)


def test_examples_draw_on_the_answers_literals_not_on_modules_loaded_before(tmp_path):
    (tmp_path / "early_module.py").write_text("MAGIC = 918273645\n", encoding="utf-8")
    (tmp_path / "answer_module.py").write_text("MAGIC = 564738291\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", SEALING, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    # Hypothesis did collect the early module, the seal dropped it, the answer counts.
    assert run.stdout.split() == ["True", "False", "True"]


def test_settings_are_repeatable_and_shrinking_is_optional():
    previous = hypothesis.settings.default
    try:
        configure_hypothesis(shrink=True)
        full = hypothesis.settings.default
        configure_hypothesis(shrink=False)
        verdict = hypothesis.settings.default
    finally:
        hypothesis.settings.register_profile("restored", previous)
        hypothesis.settings.load_profile("restored")
    for chosen in (full, verdict):
        assert chosen.derandomize and chosen.database is None and chosen.deadline is None
        assert Phase.generate in chosen.phases
    assert Phase.shrink in full.phases and full.report_multiple_bugs
    assert Phase.shrink not in verdict.phases and not verdict.report_multiple_bugs


# In a fresh interpreter (it changes hypothesis for the whole process): the digest a
# property's seed comes from is hypothesis' own, worked out once per function and
# parametrization.
DIGESTS = textwrap.dedent(
    """
    from hypothesis import core
    from hypothesis.internal import reflection
    from grader.judge.hypothesis_setup import remember_function_digests

    cleaned = []
    clean_source = reflection._clean_source
    reflection._clean_source = lambda source: cleaned.append(1) or clean_source(source)

    def test_one(x):
        return x + 1

    def test_two(x):
        return x - 1

    expected = [reflection.function_digest(f) for f in (test_one, test_two)]
    cleaned.clear()
    remember_function_digests()
    remember_function_digests()  # a second install keeps the first
    found = [core.function_digest(f) for f in (test_one, test_two, test_one, test_two)]
    cleaned_once = len(cleaned)
    test_one._hypothesis_internal_add_digest = b"case 2"
    case_two = core.function_digest(test_one)
    print(
        found == expected * 2 and expected[0] != expected[1],
        cleaned_once,
        case_two == reflection.function_digest(test_one) and case_two != expected[0],
    )
    """
)


def test_a_property_digest_is_hypothesis_own_and_worked_out_once(tmp_path):
    # From a file: hypothesis digests a function's source, which `-c` code has none of.
    script = tmp_path / "digests.py"
    script.write_text(DIGESTS, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "2", "True"]
