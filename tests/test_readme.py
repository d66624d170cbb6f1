"""The README agrees with the code: its Python API examples run, its command list is the parsers' one.

* Every ```python block of the section "Python API" runs on its own (fresh namespace, empty folder) and asserts.
* The usage block of "Command line": every subcommand and option it shows exists in
  :func:`gdssm.cli.parser.build_parser`, every option of the parser is shown, an option outside brackets is one
  the parser requires (or a form's selector: ``derive --optimal-eta``, ``check --weights``), and listed
  alternatives (``json|latex|text``) are the parser's choices or the registry's names.
* The "Defaults" paragraph gives every default the parser has, and the same value.
* The registry's claim ids and routes are named in the README and in docs/DESIGN.md; nothing cites the
  reference folder outside the repository.
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gdssm.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DESIGN = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
OPTION = re.compile(r"^-{1,2}[a-z][a-z0-9-]*$")
SELECTORS = {("derive", "--optimal-eta"), ("check", "--weights"), ("verify", "--construction-file")}
"""Options that pick one form of a subcommand: shown outside brackets on that form's line, yet optional."""
ALL = "COMMAND"
"""In a usage line or a 'Defaults' span: every subcommand."""


def section(title: str) -> str:
    """The README text under ``## title`` up to the next ``## `` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end >= 0 else len(README)]


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", section("Python API"), flags=re.S)


# --- Python API ----------------------------------------------------------------------------------------------


def test_the_python_api_section_has_examples() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 4, "expected examples: derive, run against GD, property test, weights file"
    for block in blocks:
        assert re.search(r"^\s*assert ", block, flags=re.M), f"an example must assert something:\n{block}"


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_api_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = compile(python_blocks()[index], f"README.md (Python API, example {index + 1})", "exec")
    exec(code, {"__name__": f"readme_example_{index + 1}"})


# --- the command list ----------------------------------------------------------------------------------------


@dataclass
class Shown:
    """What the README's usage lines show for one subcommand (``""``: the top-level program)."""

    options: set[str] = field(default_factory=set)
    unbracketed: set[str] = field(default_factory=set)
    alternatives: dict[str, set[str]] = field(default_factory=dict)


def usage_lines() -> list[str]:
    block = re.search(r"```\n(gdssm .*?)```", section("Command line"), flags=re.S)
    assert block, "no usage block under 'Command line'"
    lines: list[str] = []
    for line in block.group(1).splitlines():
        if line.startswith("gdssm "):
            lines.append(line)
        elif line.strip():
            lines[-1] += " " + line.strip()
    return lines


def shown() -> dict[str, Shown]:
    """Per subcommand what the usage lines show; a line ``gdssm COMMAND ...`` shows options of every subcommand."""
    out: dict[str, Shown] = {}
    for line in usage_lines():
        tokens = line.split()[1:]
        command = tokens[0] if not tokens[0].startswith(("[", "-")) else ""
        entry = out.setdefault(command, Shown())
        depth = 0
        for i, raw in enumerate(tokens):
            token = raw.strip("[]")
            if OPTION.match(token):
                entry.options.add(token)
                if depth == 0 and not raw.startswith("["):
                    entry.unbracketed.add(token)
                value = tokens[i + 1].strip("[]") if i + 1 < len(tokens) else ""
                if "|" in value and not OPTION.match(value):
                    entry.alternatives.setdefault(token, set()).update(v for v in value.split("|") if v)
            depth += raw.count("[") - raw.count("]")
    every = out.pop(ALL, Shown())
    for command, entry in out.items():
        if command:
            entry.options |= every.options
            entry.unbracketed |= every.unbracketed
            for option, values in every.alternatives.items():
                entry.alternatives.setdefault(option, set()).update(values)
    return out


def parsers() -> dict[str, argparse.ArgumentParser]:
    top = build_parser()
    (sub,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return {"": top, **sub.choices}


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The parser's options, without --help and the subcommand slot."""
    return [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]


def test_every_subcommand_is_shown_and_exists() -> None:
    assert set(shown()) == set(parsers())


@pytest.mark.parametrize("command", sorted(parsers()))
def test_the_readme_shows_exactly_the_parsers_options(command: str) -> None:
    parser, entry = parsers()[command], shown()[command]
    known = {s for a in options(parser) for s in a.option_strings}
    assert not entry.options - known, f"README shows options that 'gdssm {command}' lacks: {entry.options - known}"
    missing = [a.option_strings for a in options(parser) if not set(a.option_strings) & entry.options]
    assert not missing, f"options of 'gdssm {command}' missing from the README: {missing}"
    for action in options(parser):
        names = set(action.option_strings)
        if action.required:
            assert names & entry.unbracketed, f"'gdssm {command}' requires {action.option_strings}; show it unbracketed"
        elif names & entry.unbracketed:
            assert any((command, n) in SELECTORS for n in names), \
                f"README shows optional {action.option_strings} of 'gdssm {command}' as required"


def registry_names() -> dict[tuple[str, str], set[str]]:
    """Alternatives that come from the code's registries, not from argparse choices."""
    from gdssm.numeric.formats import EXPORTABLE
    from gdssm.numeric.train import PRESETS
    from gdssm.numeric.train_nonlinear import NonlinearPreset
    from gdssm.proofs.claims import ROUTES
    from gdssm.symbolic.constructions import CONSTRUCTIONS
    from gdssm.symbolic.layouts import LAYOUTS
    from gdssm.symbolic.reference import VARIANTS
    from gdssm.symbolic.stepsize import law_names

    return {("derive", "--construction"): set(CONSTRUCTIONS), ("derive", "--layout"): set(LAYOUTS),
            ("export", "--layout"): set(LAYOUTS), ("derive", "--law"): set(law_names()),
            ("derive", "--variant"): set(VARIANTS), ("export", "--construction"): set(EXPORTABLE),
            ("verify", "--route"): set(ROUTES), ("train", "--preset"): set(PRESETS) | {NonlinearPreset.name}}


def test_listed_alternatives_are_the_codes() -> None:
    registries = registry_names()
    for command, entry in shown().items():
        actions = {s: a for a in options(parsers()[command]) for s in a.option_strings}
        for option, values in entry.alternatives.items():
            choices = actions[option].choices
            if choices is not None:
                assert values == set(choices), f"gdssm {command} {option}: README {values}, parser {set(choices)}"
            elif (command, option) in registries:
                assert values == registries[command, option], f"gdssm {command} {option}: README {values}"
    for command, option in registries:
        assert option in shown()[command].alternatives, f"README lists no values for gdssm {command} {option}"


def documented_defaults() -> dict[str, dict[str, str]]:
    """Per subcommand the option -> value pairs of the 'Defaults' paragraph (``COMMAND ...``: every subcommand)."""
    paragraph = section("Command line").split("\nDefaults", 1)[1].split("\n\n", 1)[0]
    out: dict[str, dict[str, str]] = {}
    for span in re.findall(r"`([^`]*)`", paragraph.replace("\n", " ")):
        words = span.split()
        if not words or (words[0] not in parsers() and words[0] != ALL) or len(words) % 2 != 1:
            continue
        pairs = dict(zip(words[1::2], words[2::2], strict=True))
        if all(OPTION.match(o) for o in pairs):
            for command in ([c for c in parsers() if c] if words[0] == ALL else [words[0]]):
                out.setdefault(command, {}).update(pairs)
    return out


def same_value(text: str, action: argparse.Action) -> bool:
    """Whether the README's ``text`` is the option's default: literally, or once both are parsed by its type;
    for an option whose parser default is None ("not given"), the default its help text names."""
    if action.default is None:
        return re.search(rf"default:? {re.escape(text)}(?![\w/-])", action.help or "") is not None
    if text == str(action.default):
        return True
    if not callable(action.type):
        return False
    default = action.type(action.default) if isinstance(action.default, str) else action.default
    try:
        return bool(action.type(text) == default)
    except (argparse.ArgumentTypeError, ValueError):
        return False


@pytest.mark.parametrize("command", sorted(set(parsers()) - {""}))
def test_the_readme_gives_every_default(command: str) -> None:
    given = documented_defaults().get(command, {})
    for action in options(parsers()[command]):
        if action.default is None or isinstance(action.default, bool) or action.default == argparse.SUPPRESS:
            continue
        (name,) = [s for s in action.option_strings if s.startswith("--")] or action.option_strings[:1]
        assert name in given, f"README 'Defaults' lacks 'gdssm {command} {name}' (default {action.default})"
        assert same_value(given[name], action), \
            f"gdssm {command} {name}: README says {given[name]}, the parser's default is {action.default}"
    actions = {s: a for a in options(parsers()[command]) for s in a.option_strings}
    assert set(given) <= set(actions), f"README gives defaults of unknown options: {set(given) - set(actions)}"
    for name, value in given.items():
        assert same_value(value, actions[name]), \
            f"gdssm {command} {name}: README says the default is {value}; --help says: {actions[name].help}"


# --- the rest of the documentation ---------------------------------------------------------------------------


def test_readme_and_design_name_every_claim_and_route() -> None:
    from gdssm.proofs.claims import CLAIMS, ROUTES

    for claim in CLAIMS:
        assert f"`{claim.id}`" in README, f"the README does not name claim {claim.id}"
    for route in ROUTES:
        assert f"`{route}`" in README and f"`{route}`" in DESIGN, f"route {route} undocumented"


def test_design_names_every_subpackage() -> None:
    for name in ("core", "cli", "symbolic", "proofs", "numeric", "reports"):
        assert (ROOT / "gdssm" / name).exists()
        assert f"gdssm.{name}" in DESIGN, f"docs/DESIGN.md never names gdssm.{name}"


def test_nothing_cites_the_reference_folder_outside_the_repository() -> None:
    outside = "../" + "shared"
    suffixes = {".py", ".md", ".toml", ".tex", ".j2", ".json", ".cfg", ".txt", ".sh", ".v", ""}
    skip = {".git", ".venv", "out", "build", "dist", "__pycache__", "node_modules"}
    found = []
    for folder, subfolders, files in os.walk(ROOT):  # links (gdssm/symbolic -> ../symbolic) are not followed
        subfolders[:] = [d for d in subfolders if d not in skip and not d.endswith(("_cache", ".egg-info"))]
        for name in files:
            path = Path(folder) / name
            if path.suffix in suffixes and outside in path.read_text(encoding="utf-8", errors="replace"):
                found.append(str(path.relative_to(ROOT)))
    assert not found, f"files citing {outside}: {found}"
