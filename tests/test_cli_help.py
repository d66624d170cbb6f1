"""Every subcommand and every option of ``gdssm`` has a help text, and ``--help`` shows each option's default."""

from __future__ import annotations

import argparse

import pytest

from gdssm.cli.parser import build_parser


def parsers() -> dict[str, argparse.ArgumentParser]:
    top = build_parser()
    (sub,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return {"gdssm": top, **{f"gdssm {name}": p for name, p in sub.choices.items()}}


def test_every_subcommand_has_help() -> None:
    top = build_parser()
    (sub,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    helped = {choice.dest: choice.help for choice in sub._choices_actions}
    assert set(helped) == set(sub.choices)
    assert all(text and text.strip() for text in helped.values()), helped


@pytest.mark.parametrize("name", sorted(parsers()))
def test_every_option_has_help_and_shows_its_default(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # no line breaks inside a default such as one-step
    parser = parsers()[name]
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        assert action.help and action.help.strip() and action.help != argparse.SUPPRESS, \
            f"{name} {'/'.join(action.option_strings)} has no help"
        if action.default not in (None, False, argparse.SUPPRESS):
            assert f"(default: {action.default})" in text, f"{name} --help does not show {action.dest}'s default"
