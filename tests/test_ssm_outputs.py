"""publishOutputs: the main non-secret outputs as SSM String parameters under /<project>/<stack>/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from offline import Evaluation
from offline.stack_config import SECRET_PLACEHOLDER_PREFIX
from settings import ConfigError, parse_settings
from tests.conftest import evaluate_ok

ROOT = Path(__file__).resolve().parent.parent
PARAMETER = "aws:ssm/parameter:Parameter"
COMPONENT = "diagramai:ssm_outputs:SsmOutputs"
# Evaluates the program given as argv[1] and prints [error, [published values]] as JSON.
SECRET_PROBE = """
import json, sys
import json
import subprocess
import sys
from pathlib import Path
from offline import evaluate
result = evaluate("dev", program=Path(sys.argv[1]))
values = [p.inputs.get("insecureValue") for p in result.of_type("aws:ssm/parameter:Parameter")]
print(json.dumps([result.error, values]))
"""


def parameters(result: Evaluation) -> dict[str, dict[str, Any]]:
    """Parameter name -> its inputs."""
    return {p.inputs["name"]: p.inputs for p in result.of_type(PARAMETER)}


def publishable(result: Evaluation) -> dict[str, str]:
    """The outputs that should be published: every plain-string, non-secret stack output."""
    return {
        name: value
        for name, value in result.outputs.items()
        if isinstance(value, str) and name not in result.secret_outputs and name != "outputsParameterPath"
    }


@pytest.fixture(scope="module")
def dev_published() -> Evaluation:
    return evaluate_ok("dev", **{"diagramai:publishOutputs": True})


def test_prod_publishes_every_plain_output_under_its_own_path(prod: Evaluation) -> None:
    expected = {f"/diagramai/prod/{name}": value for name, value in publishable(prod).items()}
    published = {name: inputs["insecureValue"] for name, inputs in parameters(prod).items()}
    assert published == expected
    assert prod.outputs["outputsParameterPath"] == "/diagramai/prod/"


def test_the_path_follows_the_stack(dev_published: Evaluation) -> None:
    assert set(parameters(dev_published)) == {f"/diagramai/dev/{name}" for name in publishable(dev_published)}


def test_publishing_is_off_by_default(dev: Evaluation) -> None:
    assert dev.of_type(PARAMETER) == []
    assert "outputsParameterPath" not in dev.outputs


def test_parameters_are_plain_strings_never_secure_strings_or_secret_values(prod: Evaluation) -> None:
    for name, inputs in parameters(prod).items():
        assert inputs["type"] == "String", name
        # `value` is the provider's secret-marked field; published values use insecureValue.
        assert "value" not in inputs, name
        assert SECRET_PLACEHOLDER_PREFIX not in inputs["insecureValue"], name


def test_nothing_secret_or_structured_is_published(prod: Evaluation) -> None:
    published = {name.rsplit("/", 1)[1] for name in parameters(prod)}
    assert not published & prod.secret_outputs
    # Lists and maps (subnets, the secrets' ARNs) are not "main outputs" consumers read from SSM.
    assert not {n for n in published if not isinstance(prod.outputs[n], str)}
    assert "secretArns" not in published


def test_parameters_belong_to_the_component_and_its_tagged_provider(prod: Evaluation) -> None:
    component = prod.one(COMPONENT)
    aws_provider = next(r for r in prod.resources if r.type == "pulumi:providers:aws")
    for parameter in prod.of_type(PARAMETER):
        assert parameter.parent == component.urn
        assert parameter.provider and parameter.provider.startswith(aws_provider.urn)


def test_each_parameter_is_a_valid_ssm_put_parameter_request(prod: Evaluation) -> None:
    # AWS's own API model (botocore) as the contract for names, types, tiers and lengths.
    model = botocore.session.get_session().get_service_model("ssm").operation_model("PutParameter").input_shape
    for inputs in parameters(prod).values():
        request = {
            "Name": inputs["name"],
            "Value": inputs["insecureValue"],
            "Type": inputs["type"],
            "Description": inputs["description"],
            "Tier": inputs["tier"],
        }
        report = ParamValidator().validate(request, model)
        assert not report.has_errors(), report.generate_report()
        assert len(inputs["description"]) <= 1024 and len(inputs["insecureValue"].encode()) <= 4096


def test_a_secret_value_is_refused_not_published(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(
        "import pulumi\n"
        "import pulumi_aws as aws\n"
        "from components.ssm_outputs import SsmOutputs, SsmOutputsArgs\n"
        "provider = aws.Provider('aws', region='us-east-1')\n"
        "SsmOutputs('published', SsmOutputsArgs(path='/app/dev', values={\n"
        "    'plain': 'visible', 'token': pulumi.Output.secret('hunter2')}),\n"
        "    opts=pulumi.ResourceOptions(providers={'aws': provider}))\n"
    )
    # A program failing in the middle of its resource registrations leaves the Pulumi runtime's
    # global state unusable for the next evaluation in the same process, so this one runs apart.
    report = subprocess.run(
        [sys.executable, "-c", SECRET_PROBE, str(program)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert report.returncode == 0, report.stderr
    error, published = json.loads(report.stdout.splitlines()[-1])
    assert error is not None and "stack output 'token' is a secret" in error
    assert "hunter2" not in published and "visible" in published


def test_publish_outputs_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings(
            {"aws:region": "us-east-1", "diagramai:image": '{"uri": "nginx:1.27"}', "diagramai:publishOutputs": "yes"},
            stack="dev",
        )
    assert [p for p in raised.value.problems if p.startswith("diagramai:publishOutputs")]


@pytest.mark.parametrize("path", ["diagramai/prod", "/diagramai/prod/", "/diagramai prod"])
def test_the_component_rejects_a_malformed_path(path: str) -> None:
    from components.ssm_outputs import SsmOutputsArgs, _validate

    with pytest.raises(ValueError, match="path"):
        _validate(SsmOutputsArgs(path=path, values={"x": "y"}))
