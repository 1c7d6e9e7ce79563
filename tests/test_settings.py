"""The settings parser: every bad-input class is reported, by key, value and what is allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pulumi
import pytest
import yaml

from components.fargate_service import FARGATE_TASK_SIZES
from settings import KNOWN_KEYS, LOG_RETENTION_DAYS, ConfigError, parse_settings

ROOT = Path(__file__).resolve().parent.parent


def raw(**values: Any) -> dict[str, str]:
    """Config as the CLI passes it: strings as-is, everything else as JSON."""
    base: dict[str, Any] = {"aws:region": "us-east-1", "diagramai:image": {"uri": "ghcr.io/acme/app:1.2.3"}}
    for key, value in values.items():
        base[key if ":" in key else f"diagramai:{key}"] = value
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in base.items()}


def problems(stack: str = "dev", secret_keys: frozenset[str] = frozenset(), **values: Any) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_settings(raw(**values), stack=stack, secret_keys=secret_keys)
    assert isinstance(err.value, pulumi.RunError)
    return err.value.problems


def only_problem(**values: Any) -> str:
    found = problems(**values)
    assert len(found) == 1, found
    return found[0]


# --- contracts written by AWS -----------------------------------------------------------


def _botocore_doc(service: str, shape_path: tuple[str, ...]) -> str:
    model = botocore.session.get_session().get_service_model(service)
    if len(shape_path) == 1:
        return model.shape_for(shape_path[0]).documentation
    operation, member = shape_path
    return model.operation_model(operation).input_shape.members[member].documentation


def _fargate_table_from_botocore() -> dict[int, tuple[int, ...]]:
    """AWS's own list of Fargate cpu/memory pairs, from the ECS API model's `memory` documentation."""
    doc = _botocore_doc("ecs", ("RegisterTaskDefinition", "memory"))
    table: dict[int, tuple[int, ...]] = {}
    for item in re.findall(r"<li>(.*?)</li>", doc, flags=re.S):
        cpu = int(re.search(r"Available <code>cpu</code> values: (\d+)", item)[1])
        if m := re.search(r"Between (\d+) \(\d+ GB\) and (\d+) \(\d+ GB\) in increments of (\d+)", item):
            low, high, step = map(int, m.groups())
        elif m := re.search(r"Between (\d+) ?GB and (\d+) GB in (\d+) GB increments", item):
            low, high, step = (int(g) * 1024 for g in m.groups())
        else:
            memory = item.split("- Available")[0]
            table[cpu] = tuple(int(v) for v in re.findall(r"(\d+) \(", memory))
            continue
        table[cpu] = tuple(range(low, high + 1, step))
    return table


def test_fargate_table_matches_the_ecs_api_model() -> None:
    assert _fargate_table_from_botocore() == FARGATE_TASK_SIZES


def test_log_retention_values_match_the_cloudwatch_logs_api_model() -> None:
    doc = _botocore_doc("logs", ("Days",))
    allowed = doc.split("Possible values are:")[1].split(".")[0]
    assert tuple(int(v) for v in re.findall(r"\d+", allowed)) == LOG_RETENTION_DAYS


@pytest.mark.parametrize(("cpu", "memory"), [(c, m) for c, ms in FARGATE_TASK_SIZES.items() for m in ms])
def test_every_fargate_pair_is_accepted(cpu: int, memory: int) -> None:
    settings = parse_settings(raw(cpu=cpu, memory=memory), stack="dev")
    assert (settings.cpu, settings.memory) == (cpu, memory)


@pytest.mark.parametrize(("cpu", "memory"), [(256, 4096), (512, 512), (1024, 1024), (4096, 31744), (8192, 18432)])
def test_fargate_pairs_aws_does_not_offer_are_rejected(cpu: int, memory: int) -> None:
    problem = only_problem(cpu=cpu, memory=memory)
    assert problem.startswith(f"diagramai:memory = {memory} is invalid: with cpu={cpu} Fargate allows")


def test_unknown_cpu_lists_the_valid_units() -> None:
    assert "256, 512, 1024, 2048, 4096, 8192 or 16384" in only_problem(cpu=300)


# --- each bad-input class ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "key", "expected"),
    [
        ({"logRetentionDays": 10}, "diagramai:logRetentionDays = 10", "CloudWatch Logs accepts 1, 3, 5"),
        ({"logRetentionDays": 0}, "diagramai:logRetentionDays = 0", "CloudWatch Logs accepts"),
        ({"desiredCount": -1}, "diagramai:desiredCount = -1", "between 0 and 1000"),
        ({"containerPort": 0}, "diagramai:containerPort = 0", "between 1 and 65535"),
        ({"containerPort": 70000}, "diagramai:containerPort = 70000", "between 1 and 65535"),
        ({"cpu": "lots"}, "diagramai:cpu = 'lots'", "expected an integer"),
        ({"protect": "yes"}, "diagramai:protect = 'yes'", "expected true or false"),
        ({"kubernetes": {"enabled": "maybe"}}, "diagramai:kubernetes.enabled = 'maybe'", "expected true or false"),
        ({"image": {}}, "diagramai:image = {}", "set exactly one of `image.uri`"),
        (
            {"image": {"uri": "a/b:1", "context": ".", "tag": "t"}},
            "diagramai:image =",
            "set exactly one of `image.uri`",
        ),
        ({"image": {"uri": "ghcr.io/acme/app"}}, "diagramai:image.uri = 'ghcr.io/acme/app'", "tag is resolved"),
        ({"image": {"uri": "ghcr.io/acme/app:latest"}}, "diagramai:image.uri", "':latest' moves under you"),
        (
            {"image": {"context": ".", "tag": "t", "platform": "windows"}},
            "diagramai:image.platform = 'windows'",
            "linux/amd64",
        ),
        ({"secrets": ["DATABASE-URL"]}, "diagramai:secrets[0].name = 'DATABASE-URL'", "[A-Za-z_][A-Za-z0-9_]*"),
        ({"secrets": [{"name": "X", "arn": "nope"}]}, "diagramai:secrets[0].arn = 'nope'", "full ARN"),
        ({"secrets": "DATABASE_URL"}, "diagramai:secrets = 'DATABASE_URL'", "expected a list"),
        ({"environment": {"1BAD": "x"}}, "diagramai:environment.1BAD = 'x'", "variable names must match"),
        ({"network": {"vpcId": "vpc-123"}}, "diagramai:network.vpcId = 'vpc-123'", "a VPC ID"),
        (
            {"network": {"ingressCidrs": ["10.0.0.0/33"]}, "loadBalancer": {"enabled": False}},
            "diagramai:network.ingressCidrs[0]",
            "IPv4 CIDR",
        ),
        ({"network": {"speed": 1}}, "diagramai:network.speed = 1", "unknown key; allowed keys"),
        ({"cpuArchitecture": "RISCV"}, "diagramai:cpuArchitecture = 'RISCV'", "X86_64, ARM64"),
        ({"maxPercent": 300}, "diagramai:maxPercent = 300", "between 100 and 200"),
        ({"kmsKeyArn": "alias/x"}, "diagramai:kmsKeyArn = 'alias/x'", "a KMS key ARN"),
        ({"taskRolePolicyArns": ["AdministratorAccess"]}, "diagramai:taskRolePolicyArns[0]", "IAM policy ARNs"),
        ({"desiredcount": 2}, "diagramai:desiredcount is not a setting of this program", "desiredCount"),
        ({"aws:region": "mars-1"}, "aws:region = 'mars-1' is invalid", "pulumi config set aws:region"),
    ],
)
def test_each_bad_value_is_named_with_what_is_allowed(values: dict[str, Any], key: str, expected: str) -> None:
    problem = only_problem(**values)
    assert problem.startswith(key), problem
    assert expected in problem


def test_all_problems_are_reported_together_in_one_message() -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings(raw(cpu=256, memory=4096, logRetentionDays=10, containerPort=0, desiredCount=-2), stack="dev")
    message = str(err.value)
    assert "4 problem(s)" in message
    for key in ("memory", "logRetentionDays", "containerPort", "desiredCount"):
        assert f"diagramai:{key} = " in message


def test_prod_rules() -> None:
    found = problems(
        stack="prod",
        immutableTags=False,
        enableExecuteCommand=True,
        network={"assignPublicIp": True, "ingressCidrs": ["0.0.0.0/0"]},
    )
    joined = "\n".join(found)
    assert "diagramai:immutableTags = false" in joined
    assert "diagramai:enableExecuteCommand = true" in joined
    assert "diagramai:network.assignPublicIp = true" in joined
    assert "diagramai:network.ingressCidrs[0] = '0.0.0.0/0'" in joined


def test_immutable_tags_require_an_explicit_build_tag() -> None:
    problem = only_problem(immutableTags=True, image={"context": "../app"})
    assert problem.startswith("diagramai:image.tag = null") and "git rev-parse" in problem


def test_existing_vpc_needs_subnets_for_the_chosen_placement() -> None:
    problem = only_problem(
        network={"vpcId": "vpc-0123456789abcdef0", "publicSubnetIds": ["subnet-0123456789abcdef0"]},
        loadBalancer={"enabled": False},
    )
    assert problem.startswith("diagramai:network.privateSubnetIds = []")


# --- secrets ------------------------------------------------------------------------------


def test_plaintext_secret_values_are_refused_without_echoing_them() -> None:
    problem = only_problem(secrets=["DATABASE_URL"], secretValues={"DATABASE_URL": "postgres://user:hunter2@db"})
    assert "hunter2" not in problem
    assert "pulumi config set --secret --path" in problem


def test_secret_values_must_belong_to_a_managed_secret() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/db-AbCdEf"
    found = problems(
        secret_keys=frozenset({"diagramai:secretValues"}),
        secrets=["A", {"name": "B", "arn": arn}],
        secretValues={"B": "v", "C": "v"},
    )
    assert [p.split(" = ")[0] for p in found] == ["diagramai:secretValues.B", "diagramai:secretValues.C"]


def test_a_variable_cannot_be_both_plain_and_secret() -> None:
    problem = only_problem(secrets=["TOKEN"], environment={"TOKEN": "x"})
    assert problem.startswith("diagramai:environment.TOKEN")


def test_secret_values_stay_pulumi_secrets() -> None:
    settings = parse_settings(
        raw(secrets=["DATABASE_URL"], secretValues={"DATABASE_URL": "v"}),
        stack="dev",
        secret_keys=frozenset({"diagramai:secretValues"}),
    )
    assert set(settings.secret_values) == {"DATABASE_URL"}
    assert isinstance(settings.secret_values["DATABASE_URL"], pulumi.Output)


# --- Pulumi.yaml agrees with the parser -----------------------------------------------------


def test_pulumi_yaml_declares_typed_scalars_whose_defaults_are_the_parsers_defaults() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    declared = project["config"]
    assert set(declared) <= set(KNOWN_KEYS)
    for key, spec in declared.items():
        assert spec["type"] in {"string", "integer", "boolean", "array"}, key
        assert spec["description"], key
        assert "default" in spec, key
    # The same defaults with and without Pulumi.yaml's values passed in.
    from_yaml = raw(**{k: v["default"] for k, v in declared.items()})
    assert parse_settings(from_yaml, stack="dev") == parse_settings(raw(), stack="dev")


def test_pulumi_yaml_uses_a_python_venv_runtime() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "diagramai"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
