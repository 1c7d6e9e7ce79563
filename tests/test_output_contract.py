"""The stack outputs are a published interface: schemas/stack-outputs.schema.json is its contract.

Both stacks are evaluated offline and their outputs validated against the schema, which forbids
unknown outputs and requires every stable one, so renaming, removing or retyping an output fails
here until the schema (and its consumers) are updated on purpose.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from offline import Evaluation
from tests.conftest import evaluate_ok

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schemas" / "stack-outputs.schema.json"
DELIVERY_DOC = ROOT / "docs" / "delivery.md"

# Every configuration whose outputs the contract covers; together they produce every output in
# the schema. An output that only exists with some setting needs that setting here.
KUBERNETES = {"enabled": True, "context": "kind-diagramai", "existingSecretName": "diagramai-env"}
CONFIGURATIONS: list[tuple[str, dict[str, Any]]] = [
    ("dev", {}),
    ("prod", {}),
    ("dev", {"diagramai:publishOutputs": True}),
    ("prod", {"diagramai:kubernetes": KUBERNETES}),
    ("prod", {"diagramai:kubernetes": KUBERNETES, "diagramai:ecs": {"enabled": False}}),
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def evaluations() -> list[Evaluation]:
    return [evaluate_ok(stack, **overrides) for stack, overrides in CONFIGURATIONS]


def errors(validator: jsonschema.Draft202012Validator, outputs: dict[str, Any]) -> list[str]:
    found = validator.iter_errors(outputs)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found)


def test_every_output_is_described_with_type_meaning_and_stability(schema: dict[str, Any]) -> None:
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    for name, spec in schema["properties"].items():
        assert re.fullmatch(r"[a-z][A-Za-z0-9]*", name), f"{name}: outputs are camelCase"
        types = spec.get("type") if isinstance(spec.get("type"), list) else [spec.get("type")]
        assert set(types) <= {"string", "integer", "number", "boolean", "array", "object", "null"}, name
        assert len(spec.get("description", "")) >= 10, f"{name}: say what it means"
        assert spec.get("x-stability") in {"stable", "experimental"}, name


def test_exactly_the_stable_outputs_are_required_always_or_with_their_feature(schema: dict[str, Any]) -> None:
    stable = {n for n, spec in schema["properties"].items() if spec["x-stability"] == "stable"}
    with_feature = {n for key, names in schema["dependentRequired"].items() for n in (key, *names)}
    conditional = {"alarmTopicArn", "outputsParameterPath"}  # present only when their setting is given
    assert set(schema["required"]) | (with_feature & stable) | conditional >= stable
    assert set(schema["required"]) <= stable


def test_the_committed_stacks_export_the_ecs_and_load_balancer_outputs(evaluations: list[Evaluation]) -> None:
    for result in evaluations[:2]:
        assert {"clusterArn", "loadBalancerArn"} <= set(result.outputs), result.stack


@pytest.mark.parametrize("index", range(len(CONFIGURATIONS)), ids=[f"{s}{o or ''}" for s, o in CONFIGURATIONS])
def test_the_stack_outputs_match_the_contract(
    index: int, evaluations: list[Evaluation], validator: jsonschema.Draft202012Validator
) -> None:
    assert errors(validator, evaluations[index].outputs) == []


def test_secret_outputs_are_exactly_those_the_contract_marks_secret(
    schema: dict[str, Any], evaluations: list[Evaluation]
) -> None:
    marked = {n for n, spec in schema["properties"].items() if spec.get("x-secret") is True}
    for result in evaluations:
        assert set(result.secret_outputs) == marked & set(result.outputs), result.stack


def test_the_contract_describes_no_output_the_program_never_exports(
    schema: dict[str, Any], evaluations: list[Evaluation]
) -> None:
    exported = set().union(*(result.outputs for result in evaluations))
    assert set(schema["properties"]) == exported


def test_renaming_or_removing_an_output_breaks_the_contract(
    evaluations: list[Evaluation], validator: jsonschema.Draft202012Validator
) -> None:
    outputs = dict(evaluations[1].outputs)
    outputs["repoUrl"] = outputs.pop("repositoryUrl")
    found = errors(validator, outputs)
    assert any("'repoUrl' was unexpected" in e for e in found)
    assert any("'repositoryUrl' is a required property" in e for e in found)


def test_changing_an_outputs_type_breaks_the_contract(
    evaluations: list[Evaluation], validator: jsonschema.Draft202012Validator
) -> None:
    outputs = dict(evaluations[1].outputs, taskSubnetIds=",".join(evaluations[1].outputs["taskSubnetIds"]))
    assert any(e.startswith("taskSubnetIds:") for e in errors(validator, outputs))


def test_every_output_is_listed_in_the_consumer_documentation(schema: dict[str, Any]) -> None:
    doc = DELIVERY_DOC.read_text()
    missing = sorted(name for name in schema["properties"] if f"| `{name}` |" not in doc)
    assert not missing, f"docs/delivery.md 'Consuming our outputs' does not list {missing}"
