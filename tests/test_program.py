"""The real __main__.py, evaluated offline for the committed stacks and variants of them."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from offline import Evaluation, RecordedResource, evaluate
from offline.stack_config import SECRET_PLACEHOLDER_PREFIX, secret_placeholder
from tests.conftest import container_definitions, evaluate_ok, policy_statements

SECRET_NAMES = {
    "DATABASE_URL",
    "NEXTAUTH_SECRET",
    "REDIS_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AZURE_OPENAI_KEY",
}
AWS_SERVICE_PRINCIPAL = "ecs-tasks.amazonaws.com"


def task_security_group(result: Evaluation) -> RecordedResource:
    return next(r for r in result.of_type("aws:ec2/securityGroup:SecurityGroup") if r.name == "service-sg")


def managed_secret_arns(result: Evaluation) -> dict[str, str]:
    return {
        r.inputs["name"].rsplit("/", 1)[1]: r.state["arn"] for r in result.of_type("aws:secretsmanager/secret:Secret")
    }


def register_task_definition_request(result: Evaluation) -> dict[str, Any]:
    """The task definition as the RegisterTaskDefinition API call would carry it."""
    task = result.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    return {
        "family": task["family"],
        "taskRoleArn": task["taskRoleArn"],
        "executionRoleArn": task["executionRoleArn"],
        "networkMode": task["networkMode"],
        "containerDefinitions": json.loads(task["containerDefinitions"]),
        "requiresCompatibilities": task["requiresCompatibilities"],
        "cpu": task["cpu"],
        "memory": task["memory"],
        "runtimePlatform": task["runtimePlatform"],
    }


# --- the task definition -------------------------------------------------------------------


def test_task_definition_is_a_valid_register_task_definition_request(stack: Evaluation) -> None:
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(register_task_definition_request(stack), shape)
    assert not report.has_errors(), report.generate_report()


@pytest.mark.parametrize(("stack_name", "cpu", "memory"), [("dev", "256", "512"), ("prod", "512", "1024")])
def test_task_size_and_platform_come_from_the_stack(stack_name: str, cpu: str, memory: str) -> None:
    task = evaluate_ok(stack_name).one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (task["cpu"], task["memory"]) == (cpu, memory)
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert task["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}


def test_container_health_check_is_the_designs(stack: Evaluation) -> None:
    (container,) = container_definitions(stack)
    assert container["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -f http://localhost:3000/api/health || exit 1"],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 60,
    }
    assert container["linuxParameters"] == {"initProcessEnabled": True}
    assert container["portMappings"] == [{"containerPort": 3000, "hostPort": 3000, "protocol": "tcp"}]


def test_health_check_follows_port_and_path_settings() -> None:
    result = evaluate_ok("dev", **{"diagramai:containerPort": 8080, "diagramai:healthCheckPath": "/healthz"})
    (container,) = container_definitions(result)
    assert container["healthCheck"]["command"][1] == "curl -f http://localhost:8080/healthz || exit 1"
    assert container["portMappings"][0]["containerPort"] == 8080


def test_logs_go_to_the_stacks_log_group(stack: Evaluation) -> None:
    (container,) = container_definitions(stack)
    log_group = stack.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["name"] == f"/ecs/diagramai-{stack.stack}"
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": log_group.inputs["name"],
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs",
        },
    }
    assert log_group.inputs["retentionInDays"] == {"dev": 7, "prod": 90}[stack.stack]


def test_image_is_pinned_by_the_pushed_digest(stack: Evaluation) -> None:
    (container,) = container_definitions(stack)
    pushed = stack.one("docker:index/image:Image")
    assert container["image"] == pushed.state["repoDigest"]
    assert "@sha256:" in container["image"]
    repository = stack.one("aws:ecr/repository:Repository")
    assert pushed.inputs["imageName"].startswith(repository.state["repositoryUrl"] + ":")
    assert pushed.inputs["registry"]["server"].endswith(repository.state["repositoryUrl"].split("/")[0])
    assert stack.outputs["imageRef"] == container["image"]


def test_plain_environment_is_the_stacks_and_holds_no_secret_names(stack: Evaluation) -> None:
    (container,) = container_definitions(stack)
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["PORT"] == "3000" and env["HOSTNAME"] == "0.0.0.0" and env["NODE_ENV"] == "production"
    assert not SECRET_NAMES & set(env)


# --- secrets and least privilege -------------------------------------------------------------


def test_every_secret_is_a_managed_secrets_manager_reference(stack: Evaluation) -> None:
    (container,) = container_definitions(stack)
    arns = managed_secret_arns(stack)
    assert set(arns) == SECRET_NAMES
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == arns
    for secret in stack.of_type("aws:secretsmanager/secret:Secret"):
        assert secret.inputs["name"] == f"diagramai/{stack.stack}/{secret.inputs['name'].rsplit('/', 1)[1]}"
        assert secret.inputs["recoveryWindowInDays"] == {"dev": 0, "prod": 30}[stack.stack]
    assert stack.outputs["secretArns"] == arns


def test_execution_role_reads_exactly_the_services_secrets(stack: Evaluation) -> None:
    statements = policy_statements(stack, "service-execution-policy")
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert len(reads) == 1
    assert sorted(reads[0]["Resource"]) == sorted(managed_secret_arns(stack).values())


def test_no_wildcard_resource_except_where_aws_allows_no_scoping(stack: Evaluation) -> None:
    unscopable = {"ecr:GetAuthorizationToken", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                  "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}  # fmt: skip
    for policy in stack.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            assert "*" not in statement["Action"]
            if statement["Resource"] == "*":
                assert set(statement["Action"]) <= unscopable, (policy.name, statement)


def test_execution_role_pulls_only_from_the_stacks_repository_and_writes_only_its_log_group(stack: Evaluation) -> None:
    by_sid = {s["Sid"]: s for s in policy_statements(stack, "service-execution-policy")}
    assert by_sid["EcrPull"]["Resource"] == [stack.one("aws:ecr/repository:Repository").state["arn"]]
    log_arn = stack.one("aws:cloudwatch/logGroup:LogGroup").state["arn"]
    assert by_sid["Logs"]["Resource"] == [log_arn, f"{log_arn}:*"]
    assert "DecryptServiceSecrets" not in by_sid


def test_roles_trust_only_ecs_tasks_and_are_separate(stack: Evaluation) -> None:
    roles = {r.name: r for r in stack.of_type("aws:iam/role:Role")}
    assert set(roles) == {"service-execution-role", "service-task-role"}
    for role in roles.values():
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": AWS_SERVICE_PRINCIPAL}
        assert statement["Action"] == "sts:AssumeRole"
    task = stack.one("aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["executionRoleArn"] == roles["service-execution-role"].state["arn"]
    assert task["taskRoleArn"] == roles["service-task-role"].state["arn"]
    assert task["executionRoleArn"] != task["taskRoleArn"]


def test_task_role_has_no_permissions_unless_configured(prod: Evaluation) -> None:
    task_role_urn = next(r.urn for r in prod.of_type("aws:iam/role:Role") if r.name == "service-task-role")
    attached = [
        r for r in prod.resources if r.type.startswith("aws:iam/rolePolicy") and task_role_urn in r.dependencies
    ]
    assert attached == []


def test_task_role_gets_only_the_configured_policy_arns() -> None:
    arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    result = evaluate_ok("prod", **{"diagramai:taskRolePolicyArns": [arn]})
    (attachment,) = result.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    task_role = next(r for r in result.of_type("aws:iam/role:Role") if r.name == "service-task-role")
    assert attachment.inputs == {"policyArn": arn, "role": task_role.state["name"]}


def test_ecs_exec_is_on_in_dev_and_off_in_prod(dev: Evaluation, prod: Evaluation) -> None:
    assert dev.one("aws:ecs/service:Service").inputs["enableExecuteCommand"] is True
    assert [s["Sid"] for s in policy_statements(dev, "service-task-exec-policy")] == ["EcsExec"]
    assert prod.one("aws:ecs/service:Service").inputs["enableExecuteCommand"] is False
    assert all(r.name != "service-task-exec-policy" for r in prod.resources)


def test_operator_supplied_secret_values_become_secret_versions_and_nothing_else() -> None:
    overrides = {"diagramai:secretValues": {"DATABASE_URL": {"secure": "v1:offline"}}}
    result = evaluate_ok("dev", **overrides)
    placeholder = secret_placeholder("diagramai:secretValues.DATABASE_URL")
    (version,) = result.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == placeholder
    database_url = next(
        s for s in result.of_type("aws:secretsmanager/secret:Secret") if s.name.endswith("database-url")
    )
    assert version.inputs["secretId"] == database_url.id
    # The value appears nowhere else: not in other resources, not in outputs.
    elsewhere = [r.name for r in result.resources if r is not version and placeholder in json.dumps(r.inputs)]
    assert elsewhere == []
    assert SECRET_PLACEHOLDER_PREFIX not in json.dumps(result.outputs)


def test_an_existing_secret_with_a_json_key_is_referenced_and_readable() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared/openai-AbCdEf"
    secrets = ["DATABASE_URL", {"name": "OPENAI_API_KEY", "arn": arn, "jsonKey": "apiKey"}]
    result = evaluate_ok("dev", **{"diagramai:secrets": secrets})
    (container,) = container_definitions(result)
    value_from = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert value_from["OPENAI_API_KEY"] == f"{arn}:apiKey::"
    assert len(result.of_type("aws:secretsmanager/secret:Secret")) == 1
    reads = next(s for s in policy_statements(result, "service-execution-policy") if s["Sid"] == "ReadServiceSecrets")
    assert sorted(reads["Resource"]) == sorted([arn, value_from["DATABASE_URL"]])


def test_a_customer_managed_key_encrypts_everything_and_is_decryptable_by_the_execution_role() -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    result = evaluate_ok("prod", **{"diagramai:kmsKeyArn": key})
    assert result.one("aws:ecr/repository:Repository").inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": key}
    ]
    assert result.one("aws:cloudwatch/logGroup:LogGroup").inputs["kmsKeyId"] == key
    assert {s.inputs["kmsKeyId"] for s in result.of_type("aws:secretsmanager/secret:Secret")} == {key}
    decrypt = next(
        s for s in policy_statements(result, "service-execution-policy") if s["Sid"] == "DecryptServiceSecrets"
    )
    assert decrypt == {"Sid": "DecryptServiceSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key]}


# --- registry ----------------------------------------------------------------------------------


def test_registry_settings_per_stack(dev: Evaluation, prod: Evaluation) -> None:
    for result, mutability, force_delete in ((dev, "MUTABLE", True), (prod, "IMMUTABLE", False)):
        repo = result.one("aws:ecr/repository:Repository").inputs
        assert repo["imageTagMutability"] == mutability
        assert repo["forceDelete"] is force_delete
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo["encryptionConfigurations"] == [{"encryptionType": "AES256"}]


def test_lifecycle_policy_expires_untagged_and_keeps_the_last_tagged(stack: Evaluation) -> None:
    lifecycle = stack.one("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert lifecycle.inputs["repository"] == stack.one("aws:ecr/repository:Repository").state["name"]
    untagged, tagged = json.loads(lifecycle.inputs["policy"])["rules"]
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert tagged["selection"]["countType"] == "imageCountMoreThan" and tagged["selection"]["countNumber"] == 30
    assert untagged["action"] == tagged["action"] == {"type": "expire"}


# --- service, network -------------------------------------------------------------------------


def test_service_rolls_back_failed_deployments_and_keeps_capacity(stack: Evaluation) -> None:
    service = stack.one("aws:ecs/service:Service").inputs
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service["deploymentMinimumHealthyPercent"], service["deploymentMaximumPercent"]) == (100, 200)
    assert service["launchType"] == "FARGATE"
    assert service["propagateTags"] == "SERVICE"
    assert service["desiredCount"] == {"dev": 1, "prod": 3}[stack.stack]
    assert service["taskDefinition"] == stack.one("aws:ecs/taskDefinition:TaskDefinition").state["arn"]
    cluster = stack.one("aws:ecs/cluster:Cluster")
    assert service["cluster"] == cluster.state["arn"]
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_dev_gets_a_public_ip_in_the_default_vpc(dev: Evaluation) -> None:
    network = dev.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    assert network["assignPublicIp"] is True
    subnets = next(i for i in dev.invokes if i.token == "aws:ec2/getSubnets:getSubnets")
    assert {"name": "default-for-az", "values": ["true"]} in subnets.args["filters"]
    assert network["subnets"] == dev.outputs["taskSubnetIds"]
    assert network["securityGroups"] == [task_security_group(dev).id]


def test_prod_tasks_are_private_in_the_configured_subnets(prod: Evaluation) -> None:
    network = prod.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    assert network["assignPublicIp"] is False
    assert network["subnets"] == prod.outputs["privateSubnetIds"] == prod.outputs["taskSubnetIds"]
    assert len(network["subnets"]) == 3
    assert task_security_group(prod).inputs["vpcId"] == prod.one("aws:ec2/vpc:Vpc").id


def test_task_security_group_admits_only_the_load_balancer_on_the_container_port(stack: Evaluation) -> None:
    tasks = task_security_group(stack)
    rules = [
        r.inputs
        for r in stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == tasks.id
    ]
    load_balancer = next(r for r in stack.of_type("aws:ec2/securityGroup:SecurityGroup") if r is not tasks)
    assert [(r.get("referencedSecurityGroupId"), r.get("cidrIpv4"), r["fromPort"], r["toPort"]) for r in rules] == [
        (load_balancer.id, None, 3000, 3000)
    ]
    egress = [
        r
        for r in stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.inputs["securityGroupId"] == tasks.id
    ]
    assert len(egress) == 1


def test_ingress_cidrs_open_only_the_container_port() -> None:
    result = evaluate_ok(
        "dev",
        **{
            "diagramai:network": {"assignPublicIp": True, "ingressCidrs": ["203.0.113.0/24"]},
            "diagramai:loadBalancer": {"enabled": False},
        },
    )
    (rule,) = result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert {k: rule.inputs[k] for k in ("cidrIpv4", "fromPort", "toPort", "ipProtocol")} == {
        "cidrIpv4": "203.0.113.0/24", "fromPort": 3000, "toPort": 3000, "ipProtocol": "tcp",
    }  # fmt: skip


def test_private_tasks_in_the_default_vpc_are_warned_about() -> None:
    result = evaluate_ok("dev", **{"diagramai:network": {"assignPublicIp": False}})
    assert any("NAT gateway or VPC endpoints" in w for w in result.warnings)


def test_an_existing_cluster_is_used_by_name() -> None:
    result = evaluate_ok("dev", **{"diagramai:clusterName": "shared"})
    assert result.of_type("aws:ecs/cluster:Cluster") == []
    assert result.one("aws:ecs/service:Service").inputs["cluster"].endswith(":cluster/shared")
    assert result.outputs["clusterName"] == "shared"


# --- prebuilt images ----------------------------------------------------------------------------


def test_a_prebuilt_ecr_tag_is_resolved_to_its_digest_and_pull_is_scoped_to_that_repository() -> None:
    uri = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.4.2"
    result = evaluate_ok("dev", **{"diagramai:image": {"uri": uri}})
    lookup = next(i for i in result.invokes if i.token == "aws:ecr/getImage:getImage")
    assert lookup.args == {
        "registryId": "210987654321",
        "repositoryName": "team/app",
        "imageTag": "1.4.2",
        "region": "eu-west-1",
    }
    (container,) = container_definitions(result)
    assert container["image"].startswith("210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:")
    pull = next(s for s in policy_statements(result, "service-execution-policy") if s["Sid"] == "EcrPull")
    assert pull["Resource"] == ["arn:aws:ecr:eu-west-1:210987654321:repository/team/app"]
    assert result.of_type("docker:index/image:Image") == []


def test_a_digest_is_used_as_given_and_other_registries_need_no_ecr_permissions() -> None:
    uri = "ghcr.io/acme/diagramai@sha256:" + "b" * 64
    result = evaluate_ok("dev", **{"diagramai:image": {"uri": uri}})
    (container,) = container_definitions(result)
    assert container["image"] == uri
    sids = [s["Sid"] for s in policy_statements(result, "service-execution-policy")]
    assert "EcrPull" not in sids and "EcrAuth" not in sids


# --- tags, protection, outputs ------------------------------------------------------------------


def test_every_aws_resource_uses_the_tagged_provider(stack: Evaluation) -> None:
    provider = stack.one("pulumi:providers:aws")
    assert json.loads(provider.inputs["defaultTags"]) == {
        "tags": {"Project": "diagramai", "Environment": stack.stack, "ManagedBy": "pulumi"}
    }
    assert provider.inputs["region"] == "us-east-1"
    aws_resources = [r for r in stack.resources if r.custom and r.type.startswith("aws:")]
    assert aws_resources
    assert {r.provider.rsplit("::", 1)[0] for r in aws_resources} == {provider.urn}


def test_prod_protects_registry_logs_and_secrets(prod: Evaluation, dev: Evaluation) -> None:
    precious = {"aws:ecr/repository:Repository", "aws:cloudwatch/logGroup:LogGroup", "aws:secretsmanager/secret:Secret"}
    assert {r.type for r in prod.resources if r.protect} == precious
    assert [r.name for r in dev.resources if r.protect] == []


def test_outputs_are_the_documented_contract(stack: Evaluation) -> None:
    assert {
        "repositoryUrl", "imageRef", "clusterName", "clusterArn", "serviceName", "taskDefinitionArn", "logGroupName",
        "executionRoleArn", "taskRoleArn", "securityGroupId", "secretArns", "vpcId", "taskSubnetIds", "awsRegion",
    } <= set(stack.outputs)  # fmt: skip
    service = stack.one("aws:ecs/service:Service")
    assert stack.outputs["serviceName"] == service.inputs["name"]
    assert stack.outputs["taskDefinitionArn"] == stack.one("aws:ecs/taskDefinition:TaskDefinition").state["arn"]
    assert stack.outputs["securityGroupId"] == task_security_group(stack).id


# --- bad input stops the program before anything is registered -------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"diagramai:memory": 4096}, "diagramai:memory = 4096"),
        ({"diagramai:logRetentionDays": 10}, "diagramai:logRetentionDays = 10"),
        ({"diagramai:desiredCount": -1}, "diagramai:desiredCount = -1"),
        ({"diagramai:containerPort": 70000}, "diagramai:containerPort = 70000"),
        ({"diagramai:image": {"dockerfile": "Dockerfile"}}, "diagramai:image = "),
        ({"diagramai:secrets": ["not-a-name"]}, "diagramai:secrets[0].name = 'not-a-name'"),
        ({"diagramai:kubernetes": {"enabled": "maybe"}}, "diagramai:kubernetes.enabled = 'maybe'"),
        ({"diagramai:secretValues": {"DATABASE_URL": "plaintext"}}, "diagramai:secretValues = '<plaintext>'"),
    ],
)
def test_bad_config_fails_before_any_resource_is_registered(overrides: dict[str, Any], expected: str) -> None:
    result = evaluate("dev", overrides=overrides)
    assert result.error is not None and expected in result.error
    assert "Traceback" not in result.error
    assert result.resources == []
