"""Hidden suite for the ``dockerfile`` exercise (catalogue section 14, seed Q13).

The submission is a text file, ``Dockerfile``, read from the working directory.
It is parsed here as Docker's own parser reads it, without building anything:
parser directives (``# escape=``), comment lines (also inside a continued
instruction), line continuations, case-insensitive instructions, JSON (exec)
and shell forms, heredocs, ``ARG`` substitution in ``FROM`` and multi-stage
builds. What is judged is the final image: the last stage together with the
stages it is built ``FROM``.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

KNOWN_INSTRUCTIONS = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}
# Accounts that exist in the Debian base image of python:*-slim (besides root).
DEBIAN_SYSTEM_USERS = {
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "_apt",
    "nobody",
}
PYTHON_VERSION_TAG = re.compile(r"3\.\d+(\.\d+)?((a|b|rc)\d+)?-")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
REQUIREMENTS_FILE = re.compile(r"(requirements|constraints)[\w.*-]*\.(txt|in)", re.IGNORECASE)
SHELL_SEPARATORS = re.compile(r"&&|\|\||;|\||\n")
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::?-([^}]*))?\}|(\w+))")


# --------------------------------------------------------------------------- parsing


@dataclass
class Instruction:
    keyword: str  # upper case
    args: str  # everything after the keyword, continuation lines joined
    line: int  # 1-based line of the keyword

    def __str__(self):
        return f"line {self.line}: {self.keyword} {self.args}"


@dataclass
class Stage:
    index: int
    base: str  # image reference after ARG substitution
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str]
    problems: list[str]

    def stage_named(self, ref: str, before: int) -> Stage | None:
        """The stage called ``ref`` (a name or an index) defined before stage ``before``."""
        ref = ref.lower()
        for stage in self.stages[:before]:
            if stage.name == ref or str(stage.index) == ref:
                return stage
        return None

    def chain(self, stage: Stage) -> list[Stage]:
        """``stage`` and the stages it is built FROM, the root stage first."""
        chain = [stage]
        while True:
            parent = self.stage_named(chain[-1].base, chain[-1].index)
            if parent is None or parent in chain:
                return chain[::-1]
            chain.append(parent)

    def effective(self, stage: Stage) -> list[Instruction]:
        """Every instruction that shaped the image of ``stage``, in build order."""
        return [ins for st in self.chain(stage) for ins in st.instructions]

    def root_base(self, stage: Stage) -> str:
        return self.chain(stage)[0].base


def substitute(text: str, variables: dict[str, str]) -> str:
    """Expand ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` as Docker does."""

    def repl(match):
        name = match.group(1) or match.group(3)
        value = variables.get(name, "")
        if not value and match.group(2) is not None:
            value = match.group(2)
        return value

    return VARIABLE.sub(repl, text)


def parse_dockerfile(text: str) -> Dockerfile:
    lines = text.lstrip("\ufeff").splitlines()
    escape = "\\"
    first_content = 0
    for i, line in enumerate(lines):  # parser directives come first
        m = re.fullmatch(r"\s*#\s*([A-Za-z]+)\s*=\s*(\S*)\s*", line)
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
            escape = m.group(2)
        first_content = i + 1

    instructions: list[Instruction] = []
    buffer: list[str] | None = None
    start = 0
    i = first_content
    while i < len(lines):
        line = lines[i]
        i += 1
        stripped = line.strip()
        if buffer is None:
            if not stripped or stripped.startswith("#"):
                continue
            buffer, start = [], i
        elif not stripped or stripped.startswith("#"):
            continue  # comments and blank lines inside a continued instruction are dropped
        body = line.rstrip()
        if body.endswith(escape):
            buffer.append(body[: -len(escape)])
            continue
        buffer.append(body)
        joined = " ".join(part.strip() for part in buffer)
        buffer = None
        keyword, _, args = joined.replace("\t", " ").partition(" ")
        args = args.strip()
        for m in re.finditer(r"<<(-?)([\"']?)(\w+)\2", args):  # heredocs
            if keyword.upper() not in ("RUN", "COPY", "ADD"):
                break
            strip_tabs, delimiter = m.group(1), m.group(3)
            doc = []
            while i < len(lines):
                candidate = lines[i].lstrip("\t") if strip_tabs else lines[i]
                i += 1
                if candidate.strip() == delimiter:
                    break
                doc.append(lines[i - 1])
            args += "\n" + "\n".join(doc)
        instructions.append(Instruction(keyword.upper(), args, start))
    if buffer:
        joined = " ".join(part.strip() for part in buffer)
        keyword, _, args = joined.replace("\t", " ").partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))

    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    problems: list[str] = []
    for ins in instructions:
        if ins.keyword not in KNOWN_INSTRUCTIONS:
            problems.append(f"unknown instruction {ins.keyword!r} at line {ins.line}")
        if ins.keyword == "FROM":
            tokens = [t for t in ins.args.split() if not t.startswith("--")]
            if not tokens:
                problems.append(f"FROM without an image at line {ins.line}")
                continue
            name = tokens[2].lower() if len(tokens) >= 3 and tokens[1].lower() == "as" else None
            base = substitute(tokens[0], global_args)
            stages.append(Stage(len(stages), base, name, ins.line))
        elif not stages:
            if ins.keyword == "ARG":
                for key, value in parse_assignments(ins.args, arg=True).items():
                    global_args[key] = value
            else:
                problems.append(f"{ins.keyword} at line {ins.line} comes before the first FROM")
        else:
            stages[-1].instructions.append(ins)
    return Dockerfile(instructions, stages, global_args, problems)


def split_words(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        return text.split()


def parse_assignments(args: str, *, arg: bool = False) -> dict[str, str]:
    """``KEY=value ...`` pairs of ENV/ARG (and the legacy ``ENV KEY value`` form)."""
    words = split_words(args)
    if not words:
        return {}
    if not arg and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    out = {}
    for word in words:
        key, sep, value = word.partition("=")
        out[key] = value if sep else ""
    return out


def variables_before(instructions: list[Instruction], stop: Instruction, defaults: dict[str, str]):
    """ARG/ENV values in effect at instruction ``stop``."""
    variables = dict(defaults)
    for ins in instructions:
        if ins is stop:
            break
        if ins.keyword == "ENV":
            variables.update(parse_assignments(ins.args))
        elif ins.keyword == "ARG":
            for key, value in parse_assignments(ins.args, arg=True).items():
                variables[key] = value or variables.get(key, "")
    return variables


def exec_form(args: str) -> list[str] | None:
    """The JSON array of an exec-form instruction, or None for the shell form."""
    text = args.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def leading_flags(args: str) -> tuple[dict[str, str], str]:
    """Split ``--flag=value`` options (COPY --from, RUN --mount, ...) from the rest."""
    flags: dict[str, str] = {}
    rest = args.strip()
    while rest.startswith("--"):
        token, _, rest = rest.partition(" ")
        key, _, value = token[2:].partition("=")
        key = key.lower()
        flags[key] = f"{flags[key]},{value}" if key in flags else value  # RUN may repeat --mount
        rest = rest.strip()
    return flags, rest


def copy_sources(ins: Instruction) -> tuple[list[str], str | None]:
    """Sources of a COPY/ADD and its ``--from`` stage (None: the build context)."""
    flags, rest = leading_flags(ins.args)
    words = exec_form(rest)
    if words is None:
        if "\n" in rest:  # heredoc: inline content, not files from the context
            return [], flags.get("from")
        words = split_words(rest)
    return words[:-1], flags.get("from")


def is_requirements_file(path: str) -> bool:
    """requirements*.txt / constraints*.txt, or anything in a ``requirements/`` folder."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts:
        return False
    return REQUIREMENTS_FILE.fullmatch(parts[-1]) is not None or parts[0].lower() == "requirements"


def run_command(ins: Instruction) -> tuple[dict[str, str], str]:
    flags, rest = leading_flags(ins.args)
    words = exec_form(rest)
    return flags, " ".join(words) if words is not None else rest


@dataclass
class PipCall:
    words: list[str]  # the words after pip
    instruction: Instruction

    @property
    def subcommand(self) -> str | None:
        for word in self.words:
            if not word.startswith("-"):
                return word
        return None

    @property
    def requirement_files(self) -> list[str]:
        files = []
        for k, word in enumerate(self.words):
            if word in ("-r", "--requirement") and k + 1 < len(self.words):
                files.append(self.words[k + 1])
            elif word.startswith("--requirement="):
                files.append(word.split("=", 1)[1])
            elif word.startswith("-r") and len(word) > 2 and not word.startswith("--"):
                files.append(word[2:])
        return files


def pip_calls(ins: Instruction) -> list[PipCall]:
    """Every pip invocation in a RUN instruction."""
    if ins.keyword != "RUN":
        return []
    _, command = run_command(ins)
    calls = []
    for segment in SHELL_SEPARATORS.split(command):
        words = split_words(segment)
        for k, word in enumerate(words):
            name = word.rsplit("/", 1)[-1]
            if re.fullmatch(r"pip3?(\.\d+)?", name):
                calls.append(PipCall(words[k + 1 :], ins))
                break
            if re.fullmatch(r"python3?(\.\d+)?", name) and words[k + 1 : k + 3] == ["-m", "pip"]:
                calls.append(PipCall(words[k + 3 :], ins))
                break
    return calls


def installs_requirements(ins: Instruction) -> bool:
    return any(
        call.subcommand in ("install", "wheel", "download") and call.requirement_files
        for call in pip_calls(ins)
    )


def mounts_requirements(ins: Instruction) -> bool:
    flags, _ = run_command(ins)
    mount = flags.get("mount", "")
    return any(
        is_requirements_file(part.split("=", 1)[1])
        for part in mount.split(",")
        if part.startswith(("source=", "src="))
    )


def mounted_stages(df: Dockerfile, stage: Stage, ins: Instruction) -> list[Stage]:
    """The build stages a ``RUN --mount=...,from=<stage>`` mounts."""
    flags, _ = run_command(ins)
    found = []
    for part in flags.get("mount", "").split(","):
        key, _, value = part.partition("=")
        other = df.stage_named(value, stage.index) if key == "from" else None
        if other is not None:
            found.append(other)
    return found


def pip_installs(ins: Instruction) -> bool:
    return any(call.subcommand == "install" for call in pip_calls(ins))


class DependencyOrderError(Exception):
    pass


def check_dependency_order(df: Dockerfile, stage: Stage, seen=()) -> bool:
    """Raise DependencyOrderError unless requirements are copied, then installed, then code copied.

    Returns True when application code is copied from the build context after
    the dependencies were installed.
    """
    requirements_copied = False
    installed = False
    code_after = False
    for ins in df.effective(stage):
        if ins.keyword in ("COPY", "ADD"):
            sources, source_stage = copy_sources(ins)
            if source_stage is not None:
                other = df.stage_named(source_stage, stage.index)
                if other is None or other in seen:
                    continue  # another image, or a loop
                if any(is_requirements_file(s) for s in sources):
                    requirements_copied = True  # e.g. COPY --from=builder /app/requirements.txt .
                if stage_installs(df, other):
                    check_dependency_order(df, other, (*seen, stage))
                    installed = True
                continue
            sources = [s for s in sources if not re.match(r"(https?|git)://|git@", s)]
            if not sources:  # heredoc content or remote URLs: nothing from the build context
                continue
            if all(is_requirements_file(s) for s in sources):
                requirements_copied = True
                continue
            if not installed:
                raise DependencyOrderError(
                    f"{ins} copies application code before the requirements are installed "
                    "(every code change would reinstall all dependencies)"
                )
            code_after = True
        elif ins.keyword == "RUN" and not installs_requirements(ins):
            # RUN --mount=type=bind,from=builder,source=/wheels,... pip install /wheels/*:
            # installs what a builder stage prepared, like a COPY --from would.
            for other in mounted_stages(df, stage, ins):
                if other not in seen and stage_installs(df, other) and pip_installs(ins):
                    check_dependency_order(df, other, (*seen, stage))
                    installed = True
        elif ins.keyword == "RUN":
            if not (requirements_copied or mounts_requirements(ins)):
                raise DependencyOrderError(
                    f"{ins} installs requirements before a requirements file was copied"
                )
            installed = True
    if not installed:
        raise DependencyOrderError(
            "no 'pip install -r requirements.txt' step (after copying the requirements file) "
            "was found for the final image"
        )
    return code_after


def stage_installs(df: Dockerfile, stage: Stage) -> bool:
    return any(installs_requirements(ins) for ins in df.effective(stage))


# --------------------------------------------------------------------------- fixtures


def read_dockerfile() -> str:
    # The grader runs the suite with the submission folder as the working
    # directory (and first on sys.path); the sys.path fallback lets the suite
    # run from a checkout with PYTHONPATH pointing at a submission folder.
    for folder in [Path.cwd(), *(Path(p) for p in sys.path if p)]:
        candidate = folder / "Dockerfile"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8", errors="replace")
    pytest.fail("expected a file named Dockerfile in the submission, found none")


@pytest.fixture
def df() -> Dockerfile:
    return parse_dockerfile(read_dockerfile())


def final_stage(df: Dockerfile) -> Stage:
    """The stage that makes the image; every rule is about it, so a file without one fails all."""
    if not df.stages:
        pytest.fail("expected at least one FROM instruction, found none")
    stage = df.stages[-1]
    # An image built on scratch holds no Python to run the service: not an attempt at it,
    # so not even its hygiene rules (well-formed, pinned) earn points.
    if df.root_base(stage).lower() == "scratch":
        pytest.fail(
            f"expected the final image to be built on a Python base image, got FROM scratch "
            f"(line {stage.line}): nothing in it can run the service"
        )
    return stage


def last(instructions: list[Instruction], keyword: str) -> Instruction | None:
    found = [ins for ins in instructions if ins.keyword == keyword]
    return found[-1] if found else None


def image_parts(ref: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    name, tag = ref, None
    if ref.rfind(":") > ref.rfind("/"):
        name, tag = ref.rsplit(":", 1)
    return name.lower(), tag, digest


def is_official_python(name: str) -> bool:
    parts = name.split("/")
    return parts[-1] == "python" and (
        len(parts) == 1 or parts[-2] == "library" or name == "docker.io/python"
    )


# --------------------------------------------------------------------------- tests


@pytest.mark.points(1)
def test_dockerfile_is_well_formed(df):
    """The Dockerfile starts with FROM (only ARG may come before it) and uses only real instructions."""
    final_stage(df)
    assert not df.problems, "expected a well-formed Dockerfile, found: " + "; ".join(df.problems)


@pytest.mark.points(3)
def test_base_image_is_pinned_slim_python(df):
    """The final image is based on the official python image with a pinned slim tag (e.g. python:3.11-slim)."""
    stage = final_stage(df)
    ref = df.root_base(stage)
    name, tag, digest = image_parts(ref)
    assert is_official_python(name), f"expected the official python image, got {ref!r}"
    assert tag is not None, f"expected a tag such as python:3.11-slim, got the untagged {ref!r}"
    assert tag.lower() != "latest", f"expected a pinned version tag, got {ref!r}"
    assert "slim" in tag.lower().split("-"), (
        f"expected a slim variant such as python:3.11-slim, got {ref!r}"
    )
    pinned = PYTHON_VERSION_TAG.match(tag) is not None or (
        digest is not None and DIGEST.fullmatch(digest) is not None
    )
    assert pinned, (
        f"expected the Python version pinned in the tag (3.X-slim or 3.X.Y-slim...) "
        f"or a sha256 digest, got {ref!r}"
    )


@pytest.mark.points(1)
def test_every_base_image_is_pinned(df):
    """Every FROM (build stages too) names a tag other than latest or a digest, never an untagged image."""
    final_stage(df)
    for stage in df.stages:
        if df.stage_named(stage.base, stage.index) is not None or stage.base.lower() == "scratch":
            continue
        _, tag, digest = image_parts(stage.base)
        assert digest is not None or (tag is not None and tag.lower() != "latest"), (
            f"expected a pinned image at line {stage.line}, got {stage.base!r}"
        )


@pytest.mark.points(3)
def test_requirements_installed_before_code_is_copied(df):
    """requirements.txt is copied alone and pip-installed before any application code is copied."""
    stage = final_stage(df)
    try:
        check_dependency_order(df, stage)
    except DependencyOrderError as exc:
        pytest.fail(f"expected requirements copied and installed before the code: {exc}")


@pytest.mark.points(1)
def test_application_code_copied_after_dependencies(df):
    """The final image copies the application code from the build context after installing dependencies."""
    stage = final_stage(df)
    try:
        code_after = check_dependency_order(df, stage)
    except DependencyOrderError as exc:
        pytest.fail(f"expected dependencies installed first: {exc}")
    assert code_after, (
        "expected a COPY of the application code (e.g. COPY serving.py .) after the "
        "dependencies are installed, found none"
    )


@pytest.mark.points(2)
def test_pip_install_uses_no_cache_dir(df):
    """Every pip install runs with --no-cache-dir, so pip's download cache is not baked into the image."""
    final_stage(df)
    calls = [c for ins in df.instructions for c in pip_calls(ins) if c.subcommand == "install"]
    assert calls, "expected at least one RUN pip install, found none"
    for call in calls:
        assert "--no-cache-dir" in call.words, (
            f"expected --no-cache-dir on every pip install, got {call.instruction}"
        )


@pytest.mark.points(2)
def test_final_stage_runs_as_non_root_user(df):
    """The final image switches to a non-root USER (not root, not UID 0)."""
    stage = final_stage(df)
    instructions = df.effective(stage)
    user = last(instructions, "USER")
    assert user is not None, "expected a USER instruction in the final stage, found none"
    value = substitute(user.args.strip(), variables_before(instructions, user, df.global_args))
    name = value.split(":", 1)[0].strip()
    assert name, f"expected a user name or UID, got {user}"
    is_root = name.lower() == "root" or (name.isdigit() and int(name) == 0)
    assert not is_root, f"expected a non-root user, got {user}"


@pytest.mark.points(1)
def test_non_root_user_exists(df):
    """A USER given by name is created (useradd/adduser) in the image first, or is a numeric UID."""
    stage = final_stage(df)
    instructions = df.effective(stage)
    user = last(instructions, "USER")
    assert user is not None, "expected a USER instruction in the final stage, found none"
    value = substitute(user.args.strip(), variables_before(instructions, user, df.global_args))
    name = value.split(":", 1)[0].strip()
    if name.isdigit():
        assert int(name) != 0, f"expected a non-root UID, got {user}"
        return
    assert name and name.lower() != "root", f"expected a non-root user, got {user}"
    if name in DEBIAN_SYSTEM_USERS:
        return
    for ins in instructions:
        if ins is user:
            break
        if ins.keyword != "RUN":
            continue
        _, command = run_command(ins)
        command = substitute(command, variables_before(instructions, ins, df.global_args))
        for segment in SHELL_SEPARATORS.split(command):
            words = split_words(segment)
            tools = {w.rsplit("/", 1)[-1] for w in words}
            if tools & {"useradd", "adduser"} and name in words:
                return
    pytest.fail(
        f"expected user {name!r} to be created with useradd/adduser before {user}; "
        "the container would fail to start with 'unable to find user'"
    )


@pytest.mark.points(1)
def test_exposes_a_port(df):
    """The final image EXPOSEs a valid TCP port (1-65535), such as 8000."""
    stage = final_stage(df)
    instructions = df.effective(stage)
    ports = []
    for ins in instructions:
        if ins.keyword == "EXPOSE":
            text = substitute(ins.args, variables_before(instructions, ins, df.global_args))
            for word in text.split():
                m = re.fullmatch(r"(\d+)(/tcp)?", word, re.IGNORECASE)
                if m and 1 <= int(m.group(1)) <= 65535:
                    ports.append(int(m.group(1)))
    assert ports, "expected EXPOSE with a TCP port number such as EXPOSE 8000, found none"


def installed_packages(command: str) -> set[str]:
    """The words of a RUN command, apt's version/release/arch pins dropped (curl=7.88.1-10)."""
    return {re.split(r"[=/:]", w, maxsplit=1)[0] for w in re.split(r"[\s;&|\\]+", command)}


def healthcheck_command(df: Dockerfile) -> tuple[Instruction, str]:
    stage = final_stage(df)
    check = last(df.effective(stage), "HEALTHCHECK")
    assert check is not None, "expected a HEALTHCHECK instruction in the final image, found none"
    _, rest = leading_flags(check.args)
    keyword, _, command = rest.partition(" ")
    assert keyword.upper() == "CMD" and command.strip(), (
        f"expected HEALTHCHECK [OPTIONS] CMD <command>, got {check}"
    )
    words = exec_form(command)
    return check, " ".join(words) if words is not None else command


@pytest.mark.points(2)
def test_healthcheck_probes_health_endpoint(df):
    """The final image has a HEALTHCHECK ... CMD that requests the service's /health endpoint."""
    check, command = healthcheck_command(df)
    assert "/health" in command, f"expected the health check to request /health, got {check}"


@pytest.mark.points(1)
def test_healthcheck_tool_is_installed(df):
    """The HEALTHCHECK uses a tool the slim image has (python), or installs curl/wget first."""
    check, command = healthcheck_command(df)
    assert "/health" in command, f"expected the health check to request /health, got {check}"
    words = {w.rsplit("/", 1)[-1] for w in re.split(r"[\s;&|()'\"]+", command)}
    stage = final_stage(df)
    for tool in ("curl", "wget"):
        if tool not in words:
            continue
        installed = any(
            ins.keyword == "RUN"
            and "install" in ins.args
            and tool in installed_packages(run_command(ins)[1])
            for ins in df.effective(stage)
        )
        assert installed, (
            f"expected {tool} to be installed in the final image (python:*-slim has no {tool}), "
            f"but {check} uses it and no RUN installs it"
        )


@pytest.mark.points(2)
def test_cmd_is_exec_form(df):
    """The final image's CMD is in exec (JSON array) form, and so is ENTRYPOINT if there is one."""
    stage = final_stage(df)
    instructions = df.effective(stage)
    cmd = last(instructions, "CMD")
    assert cmd is not None, "expected a CMD instruction in the final image, found none"
    words = exec_form(cmd.args)
    assert words is not None and words[0].strip(), (
        f'expected CMD in exec form such as CMD ["python", "app.py"], got {cmd}'
    )
    entrypoint = last(instructions, "ENTRYPOINT")
    if entrypoint is not None:
        assert exec_form(entrypoint.args) is not None, (
            f"expected ENTRYPOINT in exec form (a shell-form ENTRYPOINT ignores CMD), got {entrypoint}"
        )
