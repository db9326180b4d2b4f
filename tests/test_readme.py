"""README.md is the users' manual: the commands, options and problem codes it names are the program's own."""

from __future__ import annotations

import re
from pathlib import Path

from lyreport.catalogue import CATALOGUE
from lyreport.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
NOT_CODES = {"lyreport-demo", "lyreport-mail"}  # a folder and a credential name, written like codes


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n## ", start)
    return README[start:end]


def test_every_problem_code_the_readme_names_is_in_the_catalogue() -> None:
    named = set(re.findall(r"`([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`", README)) - NOT_CODES
    assert named, "the README names problem codes"
    assert sorted(named - CATALOGUE.keys()) == []


def test_every_option_of_every_command_is_in_the_command_list() -> None:
    listed = _section("### 命令一览")
    for name, command in main.commands.items():
        assert f"`lyreport {name}" in listed, name
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in listed, f"lyreport {name} {option}"
