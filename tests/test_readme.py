"""The README's references match the code: every setting and every output is documented there."""

from __future__ import annotations

import json
from pathlib import Path

from settings import KNOWN_KEYS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_in_the_configuration_reference() -> None:
    table = section("Configuration reference")
    assert [key for key in KNOWN_KEYS if f"`{key}`" not in table] == []


def test_every_output_is_in_the_outputs_reference() -> None:
    outputs = json.loads((ROOT / "schemas" / "stack-outputs.schema.json").read_text())["properties"]
    table = section("Outputs reference")
    assert [name for name in outputs if f"`{name}`" not in table] == []


def test_the_two_commands_are_the_makefile_targets_ci_runs() -> None:
    commands = section("Two commands")
    assert "make preview" in commands and "make test" in commands
    assert "make test" in (ROOT / ".ci" / "run").read_text()
