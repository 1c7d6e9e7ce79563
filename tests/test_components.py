"""Each component on its own, with arguments DiagramAI does not use: they are reusable as they are."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import evaluate_program

PRELUDE = """
import pulumi
import pulumi_aws as aws
provider = aws.Provider("aws", region="eu-central-1")
opts = pulumi.ResourceOptions(providers={"aws": provider})
"""

DIGEST_IMAGE = "ghcr.io/acme/billing@sha256:" + "c" * 64


def test_fargate_service_for_another_service(tmp_path: Path) -> None:
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + f"""
from components.fargate_service import CpuArchitecture, FargateService, FargateServiceArgs, http_health_check
FargateService("billing", FargateServiceArgs(
    service_name="billing-api", image="{DIGEST_IMAGE}", vpc_id="vpc-0123456789abcdef0",
    subnet_ids=["subnet-0123456789abcdef0"], log_group_name="/ecs/billing",
    log_group_arn="arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/billing", region="eu-central-1",
    container_name="api", container_port=8080, cpu=1024, memory=3072, cpu_architecture=CpuArchitecture.ARM64,
    health_check=http_health_check(8080, "/ready"), desired_count=2,
    ingress_security_group_ids=["sg-0123456789abcdef0"]), opts=opts)
""",
    )
    assert result.error is None, result.error
    assert {r.name.split("-")[0] for r in result.resources if r.parent and "FargateService" in r.parent} == {"billing"}
    task = result.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (task["family"], task["cpu"], task["memory"]) == ("billing-api", "1024", "3072")
    assert task["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    (container,) = json.loads(task["containerDefinitions"])
    assert container["name"] == "api" and container["image"] == DIGEST_IMAGE
    assert container["healthCheck"]["command"][1] == "curl -f http://localhost:8080/ready || exit 1"
    assert container["secrets"] == []
    # No secrets, no ECR image: the execution role may only write its logs.
    policy = result.one("aws:iam/rolePolicy:RolePolicy")
    assert [s["Sid"] for s in json.loads(policy.inputs["policy"])["Statement"]] == ["Logs"]
    (rule,) = result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.inputs["referencedSecurityGroupId"] == "sg-0123456789abcdef0"
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (8080, 8080)
    assert result.one("aws:ecs/service:Service").inputs["networkConfiguration"]["assignPublicIp"] is False


def test_fargate_service_refuses_a_task_size_fargate_does_not_offer(tmp_path: Path) -> None:
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + """
from components.fargate_service import FargateService, FargateServiceArgs
FargateService("x", FargateServiceArgs(service_name="x", image="a/b@sha256:" + "0" * 64, vpc_id="vpc-1",
    subnet_ids=[], log_group_name="g", log_group_arn="arn", region="eu-central-1", cpu=256, memory=8192), opts=opts)
""",
    )
    assert result.error is not None and "Fargate does not offer cpu=256 with memory=8192" in result.error
    assert [r.type for r in result.resources if r.custom] == ["pulumi:providers:aws"]


def test_registry_with_kms_and_protection(tmp_path: Path) -> None:
    key = "arn:aws:kms:eu-central-1:123456789012:key/abcd"
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + f"""
from components.registry import ContainerRegistry, ContainerRegistryArgs
ContainerRegistry("images", ContainerRegistryArgs(repository_name="billing", immutable_tags=False,
    untagged_expiry_days=2, keep_tagged_images=5, kms_key_arn="{key}", protect=True), opts=opts)
""",
    )
    assert result.error is None, result.error
    repo = result.one("aws:ecr/repository:Repository")
    assert repo.name == "images-repository" and repo.protect
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key}]
    assert repo.inputs["imageTagMutability"] == "MUTABLE"
    rules = json.loads(result.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs["policy"])["rules"]
    assert [r["selection"]["countNumber"] for r in rules] == [2, 5]


def test_service_secrets_hand_out_exactly_what_they_manage_and_reference(tmp_path: Path) -> None:
    existing = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:shared-AbCdEf"
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + f"""
from components.secrets import SecretSpec, ServiceSecrets, ServiceSecretsArgs
s = ServiceSecrets("billing-secrets", ServiceSecretsArgs(name_prefix="billing/qa",
    secrets=[SecretSpec("STRIPE_KEY"), SecretSpec("SHARED", arn="{existing}", json_key="token")],
    values={{"STRIPE_KEY": pulumi.Output.secret("sk_test")}}, recovery_window_days=7), opts=opts)
pulumi.export("arns", s.arns)
pulumi.export("valueFrom", s.value_from)
pulumi.export("readable", s.readable_arns)
""",
    )
    assert result.error is None, result.error
    (secret,) = result.of_type("aws:secretsmanager/secret:Secret")
    assert secret.inputs["name"] == "billing/qa/STRIPE_KEY" and secret.inputs["recoveryWindowInDays"] == 7
    (version,) = result.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == "sk_test"
    assert result.outputs["arns"] == {"STRIPE_KEY": secret.state["arn"], "SHARED": existing}
    assert result.outputs["valueFrom"]["SHARED"] == f"{existing}:token::"
    assert sorted(result.outputs["readable"]) == sorted([secret.state["arn"], existing])


def test_service_secrets_refuse_values_for_secrets_they_do_not_manage(tmp_path: Path) -> None:
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + """
from components.secrets import SecretSpec, ServiceSecrets, ServiceSecretsArgs
ServiceSecrets("s", ServiceSecretsArgs(name_prefix="p", secrets=[SecretSpec("A")], values={"B": "x"}), opts=opts)
""",
    )
    assert result.error is not None and "does not manage: ['B']" in result.error


def test_network_with_existing_ids_looks_up_only_that_vpc(tmp_path: Path) -> None:
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + """
from components.network import ServiceNetwork, ServiceNetworkArgs
n = ServiceNetwork("net", ServiceNetworkArgs(vpc_id="vpc-0123456789abcdef0",
    public_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1"], private_subnet_ids=["subnet-0bbbbbbbbbbbbbbb1"]), opts=opts)
pulumi.export("subnets", n.task_subnet_ids)
""",
    )
    assert result.error is None, result.error
    # Only the given VPC is read (for its CIDR); no default-VPC or subnet discovery.
    assert [(i.token, i.args) for i in result.invokes] == [("aws:ec2/getVpc:getVpc", {"id": "vpc-0123456789abcdef0"})]
    assert result.outputs["subnets"] == ["subnet-0bbbbbbbbbbbbbbb1"]


def test_log_group_retention_and_name(tmp_path: Path) -> None:
    result = evaluate_program(
        tmp_path,
        PRELUDE
        + """
from components.log_group import LogGroup, LogGroupArgs
LogGroup("audit", LogGroupArgs(log_group_name="/svc/audit", retention_days=365, protect=True), opts=opts)
""",
    )
    group = result.one("aws:cloudwatch/logGroup:LogGroup")
    assert (group.inputs["name"], group.inputs["retentionInDays"], group.protect) == ("/svc/audit", 365, True)
