"""Every command the README shows works as written, at least as a dry run.

A user copies commands from the README; one that fails (a PNG taken as a second --configfile,
a target the config does not produce) is a broken promise. This test reads every command out of
the README (fenced bash blocks and inline code), and for each:
- `snakemake ...`: a dry run (`-n`) of exactly its targets and config files. `--profile
  profiles/slurm` is replaced by `--cores 1` (the profile itself runs in tests/slurm, on a real
  SLURM cluster); `--cache` gets a temporary cache folder;
- `python -m deeprates <command>` / `deeprates <command>`: the command exists (`--help`), and
  `list` and the documented `check-config` error are run and compared;
- `./run.sh <what>`: `what` is one the script accepts (CI runs both commands for real).
A command of another shape fails the test, so a new README command cannot go untested.
"""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import REPO, python_cmd, run, snakemake_cmd

README = REPO / "README.md"
PROGRAMS = ("snakemake", "python -m deeprates", "deeprates", "./run.sh", "DEEPRATES_FULL_LOG=1")
# shown for what they do, not to be dry-run: their own tests cover them
COVERED_ELSEWHERE = {
    "snakemake --report report.html": "tests/test_report.py builds the report",
    "snakemake --lint": "tests/test_workflow.py::test_lint_and_format",
    "snakemake --unlock": "acts on a lock, nothing to dry-run",
    "DEEPRATES_FULL_LOG=1 snakemake ...": "tests/test_run_log.py",
    "python -m deeprates <command>": "a placeholder",
    "pytest": "this is the test suite",
}


def readme_commands() -> list[str]:
    """Commands in fenced bash blocks and in inline code that start with a known program."""
    cmds, block = [], None
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            block = None if block is not None else line[3:].strip()
            continue
        if block in ("bash", "sh"):
            cmd = line.split("  #")[0].strip()
            if cmd.startswith(PROGRAMS + ("pytest",)):
                cmds.append(cmd)
        elif block is None:
            for code in re.findall(r"`([^`\n]+)`", line):
                # a bare program name in prose (`./run.sh`, `snakemake`) names it, runs nothing
                if code.startswith(PROGRAMS + ("pytest",)) and code.strip() not in PROGRAMS:
                    cmds.append(code.strip())
    return list(dict.fromkeys(cmds))


COMMANDS = readme_commands()


def test_readme_shows_commands():
    # the two commands and the plain snakemake run are the README's first promise
    for c in ("./run.sh figures", "./run.sh test", "snakemake --cores all"):
        assert c in COMMANDS


def _dry_run_key(cmd: str) -> tuple:
    """(config files, targets, cache): what decides a dry run's outcome."""
    args = shlex.split(cmd)[1:]
    configs, targets, cache, i = [], [], False, 0
    while i < len(args):
        a = args[i]
        if a == "--configfile":
            i += 1
            # Snakemake's --configfile takes every following non-option word: a target written
            # after it becomes a config file (the README bug this test was written for)
            while i < len(args) and not args[i].startswith("-"):
                configs.append(args[i])
                i += 1
            continue
        if a in ("--cores", "--profile", "--cache"):  # each with one value (the README names the rule)
            cache = cache or a == "--cache"
            i += 2
            continue
        if a.startswith("-"):
            pytest.fail(f"README command {cmd!r}: option {a} is not known to this test; add it")
        targets.append(a)
        i += 1
    return tuple(configs), tuple(targets), cache


SNAKEMAKE = sorted({_dry_run_key(c) for c in COMMANDS
                    if c.startswith("snakemake") and c not in COVERED_ELSEWHERE})


def _key_id(key: tuple) -> str:
    configs, targets, cache = key
    return " ".join(configs + targets + (("--cache",) if cache else ())) or "default"


@pytest.mark.parametrize("key", SNAKEMAKE, ids=_key_id)
def test_snakemake_command_dry_runs(key, tmp_path, monkeypatch):
    configs, targets, cache = key
    args = ["-n", "--quiet", "rules", "--cores", "1", *targets]
    if configs:
        args += ["--configfile", *configs]
    if cache:
        args += ["--cache", "compute"]
        monkeypatch.setenv("SNAKEMAKE_OUTPUT_CACHE", str(tmp_path))
    res = run(snakemake_cmd(*args), cwd=REPO)
    out = res.stdout + res.stderr
    assert res.returncode == 0, f"snakemake {' '.join(args)}:\n{out[-3000:]}"


DEEPRATES = [c for c in COMMANDS if c.startswith(("python -m deeprates", "deeprates"))
             and c not in COVERED_ELSEWHERE]


def _subcommand(cmd: str) -> list[str]:
    """The command words: up to the first option, placeholder (CAPS) or file name."""
    words = shlex.split(cmd.removeprefix("python -m "))[1:]
    out = []
    for w in words:
        if w.startswith("-") or w.isupper() or "." in w:
            break
        out.append(w)
    return out


@pytest.mark.parametrize("cmd", DEEPRATES)
def test_deeprates_command_exists(cmd):
    sub = _subcommand(cmd)
    res = run(python_cmd("-m", "deeprates", *sub, "--help"), cwd=REPO)
    assert res.returncode == 0, f"{cmd!r}: `deeprates {' '.join(sub)} --help` failed:\n{res.stderr}"


def test_list_command_lists_every_figure():
    from deeprates import figures

    res = run(python_cmd("-m", "deeprates", "list"), cwd=REPO)
    assert res.returncode == 0, res.stderr
    for fig in figures.FIGURES:
        assert fig in res.stdout


def test_check_config_example_prints_what_the_readme_shows(tmp_path):
    """The README's example: a bad key's error names it, as printed there."""
    text = README.read_text()
    m = re.search(r"\$ python -m deeprates check-config my.yaml\n(.*?)```", text, re.S)
    assert m, "the README's check-config example is gone"
    shown = m.group(1).strip().splitlines()
    (tmp_path / "my.yaml").write_text("figures:\n  sawtooth-square:\n    m_max: -1\n")
    res = run(python_cmd("-m", "deeprates", "check-config", str(tmp_path / "my.yaml")), cwd=REPO)
    assert res.returncode != 0
    for line in shown:
        assert line.strip() in res.stderr + res.stdout, (line, res.stderr)


def test_run_sh_subcommands_are_accepted():
    usage = (REPO / "run.sh").read_text()
    accepted = re.search(r'case "\$what" in (.*?)\) ;;', usage).group(1).replace(" ", "").split("|")
    for cmd in COMMANDS:
        if cmd.startswith("./run.sh"):
            assert shlex.split(cmd)[1] in accepted, cmd


def test_every_command_is_covered():
    """A README command of a shape this file does not try fails here instead of going untested."""
    for cmd in COMMANDS:
        assert (cmd in COVERED_ELSEWHERE or cmd.startswith(("snakemake", "./run.sh"))
                or cmd in DEEPRATES), cmd
