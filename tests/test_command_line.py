"""The commands in Korean: help, usage errors, the library's errors, and what each command
prints and writes; English stays the default."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.notebook import HANDOUT_NAME
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

KIT = str(FIXTURES / "kit")
HANGUL = "\uac00-\ud7a3"


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


def has_hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


@pytest.mark.parametrize(
    "args",
    [
        ["--lang", "ko", "--help"],
        ["--help", "--lang", "ko"],
        ["grade", "--help", "--lang", "ko"],
        ["--lang=ko", "ci", "init", "--help"],
    ],
)
def test_help_is_korean_wherever_lang_is_given(args):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("사용법: ")
    assert "옵션:" in result.output and "Show this message" not in result.output
    assert "이 도움말을 보여 주고 끝냅니다." in result.output


def test_the_commands_listed_by_the_top_help_are_described_in_korean():
    output = invoke("--lang", "ko", "--help").output
    listing = output[output.index("명령:") :]
    for name in cli.commands:
        row = next(line for line in listing.splitlines() if line.strip().startswith(name))
        assert has_hangul(row), row


@pytest.mark.parametrize(
    "env",
    [{"MLGRADE_LANG": "ko"}, {"MLGRADE_LANG": "", "LANG": "ko_KR.UTF-8"}],
)
def test_the_environment_chooses_korean_when_no_lang_is_given(env):
    assert invoke("grade", "--help", env=env).output.startswith("사용법:")
    assert invoke("grade", "--help", "--lang", "en", env=env).output.startswith("Usage:")


def test_english_stays_the_default():
    result = invoke("--help", env={"MLGRADE_LANG": "", "LANG": "C.UTF-8", "LC_ALL": ""})
    assert result.output.startswith("Usage: ") and not has_hangul(result.output)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["grade"], "인자 'SUBMISSION'이(가) 빠졌습니다"),
        (["grade", "sub", "--bogus"], "없는 옵션입니다: --bogus"),
        (["grade", "sub", "--jobs", "0"], "'--jobs' / '-j'의 값이 올바르지 않습니다"),
        (["no-such-command"], "없는 명령입니다: no-such-command"),
        (["list", "a", "b"], "예상하지 못한 인자가 더 있습니다: a b"),
        (["grade", "--jobs"], "옵션 --jobs에는 값이 필요합니다"),
    ],
)
def test_usage_errors_are_one_korean_line_with_exit_2(args, expected):
    result = invoke("--lang", "ko", *args)
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("mlgrade: 오류: ") and expected in line
    assert line.endswith("--help` 참고)")


def test_an_unknown_language_is_a_one_line_usage_error():
    result = invoke("--lang", "fr", "list")
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert "--lang" in line and "'fr' is not one of 'en', 'ko'" in line
    result = invoke("list", env={"MLGRADE_LANG": "xx"})
    assert result.exit_code == 2 and "MLGRADE_LANG='xx'" in result.output


def test_the_library_s_errors_are_said_in_korean(tmp_path):
    result = invoke("grade", str(tmp_path / "nowhere"), "--kit", KIT, "--lang", "ko")
    assert result.exit_code == 2
    assert result.output.strip() == f"mlgrade: 오류: 제출물이 없습니다: {tmp_path / 'nowhere'}"
    result = invoke("grade", str(ENGINE_SUBMISSIONS / "half"), "-e", "nope", "--kit", KIT)
    assert "unknown exercise 'nope' (known: adder)" in result.output
    result = invoke("start", "-e", "nope", "--kit", KIT, "--dir", str(tmp_path), "--lang", "ko")
    assert "없는 문제입니다: 'nope' (있는 문제: adder)" in result.output


def test_start_in_korean_writes_the_korean_prompt_without_its_translation_note(tmp_path):
    workspace = tmp_path / "ws"
    result = invoke("start", "--dir", str(workspace), "--kit", KIT, "--lang", "ko")
    assert result.exit_code == 0, result.output
    assert f"작업 공간 {workspace}: 파일 4개를 만들었습니다" in result.output
    prompt = (workspace / "prompts" / "adder.md").read_text(encoding="utf-8")
    assert prompt.startswith("# 덧셈기\n") and "translation of prompt.md" not in prompt
    assert "# mlgrade 작업 공간" in (workspace / "README.md").read_text(encoding="utf-8")
    stub = (workspace / "adder.py").read_text(encoding="utf-8")
    assert stub == (FIXTURES / "kit" / "adder" / "adder.py").read_text(encoding="utf-8")


def test_start_in_english_copies_the_english_prompt(tmp_path):
    invoke("start", "--dir", str(tmp_path), "--kit", KIT)
    prompt = (tmp_path / "prompts" / "adder.md").read_text(encoding="utf-8")
    assert prompt == (FIXTURES / "kit" / "adder" / "prompt.md").read_text(encoding="utf-8")


def test_the_korean_handout_notebook_has_korean_prompts_and_the_same_answer_cells(tmp_path):
    for lang in ("en", "ko"):
        result = invoke(
            "start", "--notebook", "--dir", str(tmp_path / lang), "--kit", KIT, "--lang", lang
        )
        assert result.exit_code == 0, result.output
    english, korean = (
        json.loads((tmp_path / lang / HANDOUT_NAME).read_text(encoding="utf-8"))["cells"]
        for lang in ("en", "ko")
    )
    assert [c["cell_type"] for c in english] == [c["cell_type"] for c in korean]
    answers = [c for c in english if c["cell_type"] == "code"]
    assert answers == [c for c in korean if c["cell_type"] == "code"]
    markdown = "".join("".join(c["source"]) for c in korean if c["cell_type"] == "markdown")
    assert "# mlgrade 과제 노트북" in markdown and "# 덧셈기" in markdown
    assert "*답안 (6점): 아래 코드 셀이 여러분의 `adder.py`입니다.*" in markdown


def test_run_in_korean_prints_korean_rows_and_writes_a_korean_report(tmp_path):
    workspace = tmp_path / "ws"
    invoke("start", "--dir", str(workspace), "--kit", KIT)
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", workspace / "adder.py")
    result = invoke("run", "--dir", str(workspace), "--kit", KIT, env={"MLGRADE_LANG": "ko"})
    assert result.exit_code == 0, result.output
    assert "채점 완료" in result.output and "합계" in result.output
    assert "mean([])은 ValueError를 발생시킵니다." in result.output  # the failed test, described
    assert f"피드백: {workspace / 'feedback.html'}" in result.output
    html = (workspace / "feedback.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "점수를 잃은 테스트" in html


def test_grade_in_korean_keeps_the_json_in_english(tmp_path):
    out = {lang: tmp_path / f"{lang}.json" for lang in ("en", "ko")}
    for lang, path in out.items():
        invoke(
            "grade",
            str(ENGINE_SUBMISSIONS / "half"),
            "--kit",
            KIT,
            "--json",
            str(path),
            "--lang",
            lang,
        )
    english, korean = (json.loads(out[lang].read_text()) for lang in ("en", "ko"))
    for data in (english, korean):
        data.pop("duration_s", None)
        for ex in data["exercises"]:
            ex.pop("duration_s", None)
            for test in ex["tests"]:
                test.pop("duration_s", None)
    assert english == korean


def test_grade_batch_in_korean_writes_a_korean_summary(tmp_path):
    submissions = tmp_path / "subs"
    for name in ("half", "correct"):
        shutil.copytree(ENGINE_SUBMISSIONS / name, submissions / name)
    result = invoke(
        "grade-batch",
        str(submissions),
        "--out",
        str(tmp_path / "out"),
        "--kit",
        KIT,
        "--lang",
        "ko",
    )
    assert result.exit_code == 0, result.output
    assert "제출물 2개: 2개 채점" in result.output
    summary = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in summary and "가장 어려웠던 테스트" in summary
    assert "mean([])은 ValueError를 발생시킵니다." in summary
    assert "점수를 잃은 테스트" in (tmp_path / "out" / "half.html").read_text(encoding="utf-8")


def test_list_in_korean_shows_korean_titles():
    result = invoke("list", "--kit", KIT, "--lang", "ko")
    assert "덧셈기" in result.output and "배점" in result.output
