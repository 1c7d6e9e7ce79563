"""`python -m offline`: unchanged default text, colors only on a terminal, JSON that matches its schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from offline import Evaluation, evaluate
from offline import __main__ as cli
from offline.redact import SECRET_MARK
from offline.report import json_report
from policy import findings
from tests.conftest import evaluate_ok

SCHEMA = json.loads(Path("schemas/offline-preview.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_json_output_validates_against_the_schema(stack: Evaluation, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([stack.stack, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    VALIDATOR.validate(document)
    assert document["ok"] is True
    assert document["policyFindings"] == findings(stack, stack.stack)
    assert all(f["level"] == "advisory" for f in document["policyFindings"])
    assert {r["urn"] for r in document["resources"]} == {r.urn for r in stack.resources}
    assert document["cost"]["total"] > 0


def test_config_error_as_json_validates_and_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["no-such-stack", "--format", "json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    VALIDATOR.validate(document)
    assert document["ok"] is False and "Pulumi.no-such-stack.yaml" in document["error"]
    assert "error:" in captured.err


def test_invalid_config_exits_non_zero_with_the_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "evaluate", lambda stack, **kw: evaluate(stack, overrides={"diagramai:cpu": 300}, **kw))
    assert cli.main(["dev"]) == 1
    captured = capsys.readouterr()
    assert "diagramai:cpu" in captured.err and captured.out == ""


def test_secret_outputs_and_inputs_are_masked_in_json() -> None:
    result = evaluate_ok("dev", **{"diagramai:secretValues": {"DATABASE_URL": {"secure": "AAABAKZ1"}}})
    result.secret_outputs = frozenset({"repositoryUrl"})  # as if the program exported a secret
    document = json_report(result)
    VALIDATOR.validate(document)
    assert document["outputs"]["repositoryUrl"] == SECRET_MARK
    version = next(r for r in document["resources"] if r["type"].endswith("SecretVersion"))
    assert version["inputs"]["secretString"] == SECRET_MARK


def test_default_text_output_is_plain_when_piped(dev: Evaluation) -> None:
    done = subprocess.run([sys.executable, "-m", "offline", "dev"], capture_output=True, text=True, check=True)
    assert "\033[" not in done.stdout
    assert done.stdout == cli.render_text(dev) + "\n\n" + cli.render_policy_findings(findings(dev, "dev")) + "\n"
    assert "Estimated monthly cost" not in done.stdout


def test_colors_only_when_asked_or_on_a_terminal(
    dev: Evaluation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "evaluate", lambda stack, **kw: dev)
    cli.main(["dev", "--color", "always"])
    assert "\033[1m" in capsys.readouterr().out

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli.use_color(Terminal()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli.use_color(Terminal()) is False


def test_cost_flag_prints_the_table(dev: Evaluation, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(cli, "evaluate", lambda stack, **kw: dev)
    assert cli.main(["dev", "--cost"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(cli.render_text(dev)) and "Estimated monthly cost" in out


def test_json_output_is_identical_between_runs(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for _ in range(2):
        assert cli.main(["prod", "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
