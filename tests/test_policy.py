"""The CrossGuard policy pack on the real program's resources, offline.

Each rule runs on what the offline runner records for the committed stacks (inputs as the
engine sends them, camelCase, JSON documents as strings). Both stacks pass with no mandatory
violation; for every rule, one mutated resource makes exactly that rule report a violation
carrying its remediation hint. ALB and Kubernetes resources are hand-built in the shape of
the pulumi-aws / pulumi-kubernetes inputs and added to an evaluation.
"""

from __future__ import annotations

import copy
import json
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import jsonschema
import pulumi_policy
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from offline import Evaluation, RecordedResource, evaluate
from offline import __main__ as offline_main
from policy import findings, load_config
from policy.rules import (
    ECS_TASKS_PRINCIPAL,
    RULES,
    RULES_BY_NAME,
    ResourceRule,
    StackRule,
    policies,
)
from policy.runner import CONFIG_DIR, rule_config

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
REPOSITORY = "aws:ecr/repository:Repository"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
EXECUTION_POLICY = "service-execution-policy"


# ---------------------------------------------------------------------------------------------
# Helpers: mutate a copy of an evaluation the way a changed stack file or component would.


def resource(evaluation: Evaluation, name: str) -> RecordedResource:
    found = [r for r in evaluation.resources if r.name == name]
    assert len(found) == 1, name
    return found[0]


def of_type(evaluation: Evaluation, type_: str) -> RecordedResource:
    return evaluation.one(type_)


def set_prop(r: RecordedResource, key: str, value: Any) -> None:
    """Change an input; the engine's state (what stack policies see) follows it."""
    for props in (r.inputs, r.state):
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value


def edit_json(r: RecordedResource, key: str, edit: Callable[[Any], None]) -> None:
    document = json.loads(r.inputs[key])
    edit(document)
    set_prop(r, key, json.dumps(document))


def edit_container(evaluation: Evaluation, edit: Callable[[dict[str, Any]], None]) -> None:
    edit_json(of_type(evaluation, TASK), "containerDefinitions", lambda containers: edit(containers[0]))


def edit_statement(evaluation: Evaluation, sid: str, edit: Callable[[dict[str, Any]], None]) -> None:
    def change(document: dict[str, Any]) -> None:
        edit(next(s for s in document["Statement"] if s.get("Sid") == sid))

    edit_json(resource(evaluation, EXECUTION_POLICY), "policy", change)


def add_resource(
    evaluation: Evaluation, type_: str, name: str, props: dict[str, Any], **extra: Any
) -> RecordedResource:
    """A hand-built resource on the stack's explicit aws provider, shaped like the provider's inputs."""
    provider = of_type(evaluation, "pulumi:providers:aws")
    stack_urn = provider.parent
    r = RecordedResource(
        urn=f"urn:pulumi:{evaluation.stack}::diagramai::{type_}::{name}",
        type=type_,
        name=name,
        parent=stack_urn,
        custom=True,
        inputs=copy.deepcopy(props),
        state=copy.deepcopy(props),
        id=props.get("id", f"{name}-id"),
        provider=extra.get("provider", f"{provider.urn}::aws-provider-id"),
        protect=False,
        dependencies=extra.get("dependencies", []),
    )
    evaluation.resources.append(r)
    return r


def new_findings(before: Evaluation, after: Evaluation, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Findings of `after` that `before` did not have."""
    old = {(f["policy"], f["urn"], f["message"]) for f in findings(before, config=config)}
    return [f for f in findings(after, config=config) if (f["policy"], f["urn"], f["message"]) not in old]


# ---------------------------------------------------------------------------------------------
# Hand-built ALB and Kubernetes resources (issues 4 and 3 add them to the program).

ALB_SG_ID = "sg-0a1b0a1b0a1b0a1b0"
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/diagramai/0123456789abcdef"
CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"


def add_alb(evaluation: Evaluation) -> None:
    """An ALB set that every rule accepts: 80/443 open on its own group, HTTPS with TLS 1.2+, HTTP redirects."""
    sg = add_resource(
        evaluation,
        "aws:ec2/securityGroup:SecurityGroup",
        "alb-sg",
        {"id": ALB_SG_ID, "description": "load balancer", "vpcId": "vpc-0a1b2c3d4e5f67890"},
    )
    for port in (80, 443):
        add_resource(
            evaluation,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"alb-ingress-{port}",
            {
                "securityGroupId": ALB_SG_ID,
                "cidrIpv4": "0.0.0.0/0",
                "ipProtocol": "tcp",
                "fromPort": port,
                "toPort": port,
            },
            dependencies=[sg.urn],
        )
    add_resource(
        evaluation,
        "aws:lb/loadBalancer:LoadBalancer",
        "alb",
        {
            "arn": LB_ARN,
            "loadBalancerType": "application",
            "internal": False,
            "securityGroups": [ALB_SG_ID],
            "subnets": ["subnet-0a1b2c3d4e5f67891"],
            "dropInvalidHeaderFields": True,
        },
        dependencies=[sg.urn],
    )
    add_resource(
        evaluation,
        "aws:lb/listener:Listener",
        "alb-https",
        {
            "loadBalancerArn": LB_ARN,
            "port": 443,
            "protocol": "HTTPS",
            "certificateArn": CERT_ARN,
            "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "defaultActions": [{"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:tg"}],
        },
    )
    add_resource(
        evaluation,
        "aws:lb/listener:Listener",
        "alb-http",
        {
            "loadBalancerArn": LB_ARN,
            "port": 80,
            "protocol": "HTTP",
            "defaultActions": [
                {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
            ],
        },
    )


DIGEST = "sha256:" + "ab" * 32


def deployment_props() -> dict[str, Any]:
    """A Deployment as pulumi-kubernetes sends it, meeting every Kubernetes rule."""
    container = {
        "name": "diagramai",
        "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/diagramai-dev@{DIGEST}",
        "ports": [{"containerPort": 3000}],
        "env": [
            {"name": "NODE_ENV", "value": "production"},
            {"name": "NEXTAUTH_SECRET", "valueFrom": {"secretKeyRef": {"name": "diagramai", "key": "NEXTAUTH_SECRET"}}},
        ],
        "livenessProbe": {"httpGet": {"path": "/api/health", "port": 3000}},
        "readinessProbe": {"httpGet": {"path": "/api/health", "port": 3000}},
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "diagramai", "namespace": "diagramai"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "diagramai"}},
            "template": {
                "metadata": {"labels": {"app": "diagramai"}},
                "spec": {
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 1001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                },
            },
        },
    }


def add_deployment(evaluation: Evaluation, edit: Callable[[dict[str, Any]], None] | None = None) -> None:
    props = deployment_props()
    if edit is not None:
        edit(props)
    add_resource(evaluation, "kubernetes:apps/v1:Deployment", "diagramai-deployment", props, provider=None)


def k8s_container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


# ---------------------------------------------------------------------------------------------
# Mutations: rule name -> (stack, change). Each must make exactly that rule fire.


def _without_lifecycle(e: Evaluation) -> None:
    e.resources[:] = [r for r in e.resources if r.type != "aws:ecr/lifecyclePolicy:LifecyclePolicy"]


def _drop_first_secret_arn(e: Evaluation) -> None:
    edit_statement(e, "ReadServiceSecrets", lambda s: s.update(Resource=s["Resource"][1:]))


def _open_execution_role_trust(e: Evaluation) -> None:
    def change(document: dict[str, Any]) -> None:
        document["Statement"][0]["Principal"] = {"Service": ECS_TASKS_PRINCIPAL, "AWS": "*"}

    edit_json(resource(e, "service-execution-role"), "assumeRolePolicy", change)


def _public_ingress_to_tasks(e: Evaluation) -> None:
    sg = resource(e, "service-sg")
    add_resource(
        e,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "service-ingress-world",
        {"securityGroupId": sg.id, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 3000, "toPort": 3000},
        dependencies=[sg.urn],
    )


def _untagged_provider(e: Evaluation) -> None:
    provider = of_type(e, "pulumi:providers:aws")
    tags = {"tags": {"Project": "diagramai", "ManagedBy": "pulumi"}}
    set_prop(provider, "defaultTags", json.dumps(tags))


def _k8s(edit: Callable[[dict[str, Any]], None]) -> Callable[[Evaluation], None]:
    return lambda e: add_deployment(e, edit)


MUTATIONS: dict[str, tuple[str, Callable[[Evaluation], None]]] = {
    "ecr-scan-on-push": ("prod", lambda e: set_prop(of_type(e, REPOSITORY), "imageScanningConfiguration", None)),
    "ecr-immutable-tags": ("prod", lambda e: set_prop(of_type(e, REPOSITORY), "imageTagMutability", "MUTABLE")),
    "ecr-lifecycle-policy": ("prod", _without_lifecycle),
    "ecr-encryption": ("dev", lambda e: set_prop(of_type(e, REPOSITORY), "encryptionConfigurations", None)),
    "ecs-task-logging": ("dev", lambda e: edit_container(e, lambda c: c.pop("logConfiguration"))),
    "ecs-task-no-privileged": ("dev", lambda e: edit_container(e, lambda c: c.update(privileged=True))),
    "ecs-task-no-host-namespaces": ("prod", lambda e: set_prop(of_type(e, TASK), "pidMode", "host")),
    "ecs-task-non-root-user": ("prod", lambda e: edit_container(e, lambda c: c.update(user="root"))),
    "ecs-task-no-plain-env-secrets": (
        "prod",
        lambda e: edit_container(e, lambda c: c["environment"].append({"name": "STRIPE_SECRET", "value": "sk_x"})),
    ),
    "ecs-task-health-check": ("dev", lambda e: edit_container(e, lambda c: c.pop("healthCheck"))),
    "ecs-task-distinct-roles": (
        "prod",
        lambda e: set_prop(of_type(e, TASK), "taskRoleArn", of_type(e, TASK).inputs["executionRoleArn"]),
    ),
    "ecs-service-circuit-breaker": (
        "dev",
        lambda e: set_prop(of_type(e, SERVICE), "deploymentCircuitBreaker", {"enable": True, "rollback": False}),
    ),
    "ecs-service-no-public-ip": (
        "prod",
        lambda e: of_type(e, SERVICE).inputs["networkConfiguration"].update(assignPublicIp=True),
    ),
    "ecs-service-no-exec": ("prod", lambda e: set_prop(of_type(e, SERVICE), "enableExecuteCommand", True)),
    "ecs-cluster-container-insights": (
        "dev",
        lambda e: set_prop(of_type(e, "aws:ecs/cluster:Cluster"), "settings", []),
    ),
    "iam-ecs-role-trust": ("prod", _open_execution_role_trust),
    "iam-no-wildcard-actions": (
        "dev",
        lambda e: edit_statement(e, "Logs", lambda s: s["Action"].append("s3:*")),
    ),
    "iam-secret-reads-scoped": (
        "prod",
        lambda e: edit_statement(e, "ReadServiceSecrets", lambda s: s.update(Resource="*")),
    ),
    "ecs-execution-role-reads-task-secrets": ("prod", _drop_first_secret_arn),
    "cloudwatch-log-retention-set": ("prod", lambda e: set_prop(of_type(e, LOG_GROUP), "retentionInDays", None)),
    "cloudwatch-log-retention-minimum": ("prod", lambda e: set_prop(of_type(e, LOG_GROUP), "retentionInDays", 14)),
    "ec2-no-public-ingress": ("prod", _public_ingress_to_tasks),
    "alb-http-redirects-to-https": (
        "prod",
        lambda e: set_prop(resource(e, "alb-http"), "defaultActions", [{"type": "forward", "targetGroupArn": "tg"}]),
    ),
    "alb-tls12-policy": (
        "prod",
        lambda e: set_prop(resource(e, "alb-https"), "sslPolicy", "ELBSecurityPolicy-2016-08"),
    ),
    "alb-drop-invalid-headers": ("prod", lambda e: set_prop(resource(e, "alb"), "dropInvalidHeaderFields", False)),
    "k8s-restricted-pod-security": (
        "dev",
        _k8s(lambda d: k8s_container(d)["securityContext"].update(allowPrivilegeEscalation=True)),
    ),
    "k8s-probes": ("dev", _k8s(lambda d: k8s_container(d).pop("readinessProbe"))),
    "k8s-resources": ("dev", _k8s(lambda d: k8s_container(d)["resources"].pop("limits"))),
    "k8s-image-digest": ("dev", _k8s(lambda d: k8s_container(d).update(image="ghcr.io/example/diagramai:latest"))),
    "k8s-not-default-namespace": ("dev", _k8s(lambda d: d["metadata"].update(namespace="default"))),
    "k8s-no-plain-env-secrets": (
        "dev",
        _k8s(lambda d: k8s_container(d)["env"].append({"name": "DATABASE_PASSWORD", "value": "hunter2"})),
    ),
    "aws-environment-tag": ("dev", _untagged_provider),
}
# Rules whose committed-stack finding is advisory by design; tested by switching the finding off instead.
INVERSE = {"ecs-task-read-only-root-filesystem"}
NEEDS_ALB = {"ec2-no-public-ingress", "alb-http-redirects-to-https", "alb-tls12-policy", "alb-drop-invalid-headers"}


@pytest.fixture(scope="session")
def committed(dev: Evaluation, prod: Evaluation) -> dict[str, Evaluation]:
    return {"dev": dev, "prod": prod}


def baseline(committed: dict[str, Evaluation], stack: str, with_alb: bool = False) -> Evaluation:
    evaluation = copy.deepcopy(committed[stack])
    if with_alb:
        add_alb(evaluation)
    return evaluation


# ---------------------------------------------------------------------------------------------
# The committed stacks


def test_committed_stacks_have_no_mandatory_violation(stack: Evaluation) -> None:
    found = findings(stack, stack.stack)
    assert [f for f in found if f["level"] == "mandatory"] == []


def test_dev_config_relaxes_only_what_dev_deliberately_does_differently(dev: Evaluation) -> None:
    strict = {f["policy"] for f in findings(dev, config={}) if f["level"] == "mandatory"}
    relaxed = set(load_config("dev"))
    # Without its config, dev's public IP, ECS Exec, mutable tags and 7-day logs fail, and the
    # container without `user` needs its documented exception.
    assert strict == {
        "ecs-service-no-public-ip",
        "ecs-service-no-exec",
        "ecr-immutable-tags",
        "cloudwatch-log-retention-minimum",
        "ecs-task-non-root-user",
    }
    assert strict <= relaxed


def test_prod_config_keeps_every_rule_at_its_default_level() -> None:
    config = load_config("prod")
    for rule in RULES:
        assert rule_config(rule, config).level is rule.enforcement_level, rule.name


def test_policy_config_files_name_only_real_rules() -> None:
    for path in sorted(CONFIG_DIR.glob("*.json")):
        config = json.loads(path.read_text())
        assert set(config) <= set(RULES_BY_NAME) | {"all"}, path.name
        for name, value in config.items():
            if isinstance(value, dict):
                schema = RULES_BY_NAME[name].config_schema
                extra = set(value) - {"enforcementLevel"}
                assert schema is not None and extra <= set(schema.properties), (path.name, name)
                # The CLI validates a policy's config against its schema before the pack runs.
                properties = {k: v for k, v in value.items() if k != "enforcementLevel"}
                jsonschema.validate(properties, {"type": "object", "properties": schema.properties})


def test_the_read_only_root_filesystem_advisory_goes_away_when_enabled(committed: dict[str, Evaluation]) -> None:
    rule = RULES_BY_NAME["ecs-task-read-only-root-filesystem"]
    before = baseline(committed, "prod")
    found = [f for f in findings(before) if f["policy"] == rule.name]
    assert [f["level"] for f in found] == ["advisory"]
    assert rule.remediation in found[0]["message"]
    edit_container(before, lambda c: c.update(readonlyRootFilesystem=True))
    assert [f for f in findings(before) if f["policy"] == rule.name] == []
    # A stack can make it mandatory through its policy config.
    strict = {rule.name: "mandatory"}
    assert rule_config(rule, strict).level is pulumi_policy.EnforcementLevel.MANDATORY


# ---------------------------------------------------------------------------------------------
# Each rule fires on its mutation, alone, with its remediation


def test_every_rule_has_a_mutation_test() -> None:
    assert set(MUTATIONS) | INVERSE == set(RULES_BY_NAME)


@pytest.mark.parametrize("rule_name", sorted(MUTATIONS))
def test_mutation_makes_exactly_its_rule_fire(committed: dict[str, Evaluation], rule_name: str) -> None:
    stack, mutate = MUTATIONS[rule_name]
    rule = RULES_BY_NAME[rule_name]
    before = baseline(committed, stack, with_alb=rule_name in NEEDS_ALB)
    if rule_name.startswith("k8s-"):
        good = copy.deepcopy(before)
        add_deployment(good)
        assert new_findings(before, good) == [], "the hand-built Deployment must pass every rule"
    after = copy.deepcopy(before)
    mutate(after)
    fired = new_findings(before, after)
    assert fired, f"{rule_name} did not fire"
    assert {f["policy"] for f in fired} == {rule_name}
    assert all(rule.remediation in f["message"] for f in fired)


def test_the_hand_built_alb_passes_every_rule(committed: dict[str, Evaluation]) -> None:
    before = baseline(committed, "prod")
    assert new_findings(before, baseline(committed, "prod", with_alb=True)) == []


def test_a_world_open_port_other_than_80_443_on_the_alb_group_is_reported(committed: dict[str, Evaluation]) -> None:
    before = baseline(committed, "prod", with_alb=True)
    after = copy.deepcopy(before)
    set_prop(resource(after, "alb-ingress-80"), "fromPort", 22)
    set_prop(resource(after, "alb-ingress-80"), "toPort", 22)
    assert {f["policy"] for f in new_findings(before, after)} == {"ec2-no-public-ingress"}


def test_http_without_a_certificate_may_serve_plain_http(committed: dict[str, Evaluation]) -> None:
    before = baseline(committed, "prod")
    after = baseline(committed, "prod", with_alb=True)
    after.resources[:] = [r for r in after.resources if r.name != "alb-https"]
    set_prop(resource(after, "alb-http"), "defaultActions", [{"type": "forward", "targetGroupArn": "tg"}])
    assert new_findings(before, after) == []


def test_missing_user_without_documented_exception_is_reported(committed: dict[str, Evaluation]) -> None:
    rule = RULES_BY_NAME["ecs-task-non-root-user"]
    found = [f for f in findings(committed["prod"], config={}) if f["policy"] == rule.name]
    assert len(found) == 1 and "no documented exception" in found[0]["message"]
    edit = baseline(committed, "prod")
    edit_container(edit, lambda c: c.update(user="1001:1001"))
    assert [f for f in findings(edit, config={}) if f["policy"] == rule.name] == []


def test_aws_credentials_in_plain_environment_are_reported(committed: dict[str, Evaluation]) -> None:
    before = baseline(committed, "prod")
    after = copy.deepcopy(before)
    edit_container(after, lambda c: c["environment"].append({"name": "AWS_ACCESS_KEY_ID", "value": "AKIA" + "A" * 16}))
    edit_container(after, lambda c: c["environment"].append({"name": "UPSTREAM", "value": "AKIA" + "B" * 16}))
    fired = new_findings(before, after)
    assert [f["policy"] for f in fired] == ["ecs-task-no-plain-env-secrets"] * 2


def test_own_environment_tag_counts_without_provider_default_tags(committed: dict[str, Evaluation]) -> None:
    before = baseline(committed, "dev")
    after = copy.deepcopy(before)
    _untagged_provider(after)
    for r in after.resources:
        if r.type.startswith("aws:"):
            set_prop(r, "tags", {"Environment": "dev"})
    assert new_findings(before, after) == []


# Settings the program accepts but the policy does not: the pack guards the defaults against
# stack files, not only against code changes.
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
CONFIG_OVERRIDES = [
    ("dev", {"diagramai:environment": {"STRIPE_SECRET": "sk_live_x"}}, "ecs-task-no-plain-env-secrets"),
    (
        "dev",
        {
            "diagramai:network": {"assignPublicIp": True, "ingressCidrs": ["0.0.0.0/0"]},
            "diagramai:loadBalancer": {"enabled": False},
        },
        "ec2-no-public-ingress",
    ),
    ("prod", {"diagramai:logRetentionDays": 14}, "cloudwatch-log-retention-minimum"),
    ("prod", {"diagramai:taskRolePolicyArns": [ADMIN]}, "iam-no-wildcard-actions"),
]


@pytest.mark.parametrize(("stack_name", "overrides", "rule_name"), CONFIG_OVERRIDES)
def test_a_stack_file_that_weakens_a_default_is_blocked(
    committed: dict[str, Evaluation], stack_name: str, overrides: dict[str, Any], rule_name: str
) -> None:
    weakened = evaluate(stack_name, overrides=overrides)
    assert weakened.error is None, weakened.error
    fired = new_findings(committed[stack_name], weakened, config=load_config(stack_name))
    assert {(f["policy"], f["level"]) for f in fired} == {(rule_name, "mandatory")}
    assert all(RULES_BY_NAME[rule_name].remediation in f["message"] for f in fired)


# ---------------------------------------------------------------------------------------------
# The pack as the Pulumi CLI runs it


def test_the_docs_list_every_rule() -> None:
    docs = (POLICY_DIR.parent / "docs" / "policy.md").read_text()
    missing = [rule.name for rule in RULES if f"| `{rule.name}` |" not in docs]
    assert missing == []


def test_rules_are_well_formed() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.controls and rule.remediation and rule.summary
        assert rule.controls in rule.description
        assert isinstance(rule, (ResourceRule, StackRule))


def test_pack_entry_point_builds_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    built: dict[str, Any] = {}

    def fake_pack(**kwargs: Any) -> None:
        built.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", fake_pack)
    # The CLI runs the directory (runpy.run_path), which puts policy/ first on sys.path.
    monkeypatch.syspath_prepend(str(POLICY_DIR))
    monkeypatch.delitem(__import__("sys").modules, "rules", raising=False)
    runpy.run_path(str(POLICY_DIR), run_name="__main__")
    assert [p.name for p in built["policies"]] == [r.name for r in RULES]
    assert built["enforcement_level"] is pulumi_policy.EnforcementLevel.MANDATORY


def test_the_pack_serves_its_policies_over_grpc_as_the_cli_starts_it() -> None:
    """`python -m pulumi.policy <engine> policy` is how the CLI's analyzer plugin starts a Python pack."""
    pack = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(POLICY_DIR)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = pack.stdout.readline().strip() if pack.stdout else ""
        assert port.isdigit(), pack.stderr.read() if pack.stderr else ""
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    finally:
        pack.kill()
        pack.communicate(timeout=30)
    assert info.name == "diagramai-policy"
    served = {p.name: p for p in info.policies}
    assert list(served) == [r.name for r in RULES]
    for rule in RULES:
        assert served[rule.name].remediation_steps == rule.remediation
        expected = (
            proto.ADVISORY if rule.enforcement_level is pulumi_policy.EnforcementLevel.ADVISORY else proto.MANDATORY
        )
        assert served[rule.name].enforcementLevel == expected


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


def _servicer(config: dict[str, Any]) -> _PolicyAnalyzerServicer:
    servicer = _PolicyAnalyzerServicer(
        "diagramai-policy", "0.1.0", policies(), pulumi_policy.EnforcementLevel.MANDATORY
    )
    request = proto.ConfigureAnalyzerRequest()
    for rule in RULES:
        settings = rule_config(rule, config)
        level = {"advisory": proto.ADVISORY, "mandatory": proto.MANDATORY, "disabled": proto.DISABLED}
        request.policyConfig[rule.name].CopyFrom(
            proto.PolicyConfig(
                enforcementLevel=level[settings.level.value], properties=_struct(dict(settings.properties))
            )
        )
    servicer.Configure(request, None)
    return servicer


def _analyze(servicer: _PolicyAnalyzerServicer, evaluation: Evaluation, r: RecordedResource) -> Any:
    request = proto.AnalyzeRequest(type=r.type, properties=_struct(r.inputs), urn=r.urn, name=r.name)
    _set_provider(request, evaluation, r)
    return servicer.Analyze(request, None)


def _set_provider(request: Any, evaluation: Evaluation, r: RecordedResource) -> None:
    if r.provider:
        provider = evaluation.by_urn(r.provider.rsplit("::", 1)[0])
        request.provider.CopyFrom(
            proto.AnalyzerProviderResource(
                type=provider.type, properties=_struct(provider.inputs), urn=provider.urn, name=provider.name
            )
        )


def _analyze_stack(servicer: _PolicyAnalyzerServicer, evaluation: Evaluation) -> Any:
    request = proto.AnalyzeStackRequest()
    for r in evaluation.resources:
        resource = proto.AnalyzerResource(
            type=r.type,
            properties=_struct(r.state),
            urn=r.urn,
            name=r.name,
            parent=r.parent or "",
            dependencies=r.dependencies,
        )
        _set_provider(resource, evaluation, r)
        request.resources.append(resource)
    return servicer.AnalyzeStack(request, None)


def test_the_engine_protocol_reports_what_the_offline_findings_report(stack: Evaluation) -> None:
    """Through pulumi_policy's own analyzer servicer: same (policy, level) pairs, nothing mandatory."""
    servicer = _servicer(load_config(stack.stack))
    diagnostics = [d for r in stack.resources for d in _analyze(servicer, stack, r).diagnostics]
    diagnostics += list(_analyze_stack(servicer, stack).diagnostics)
    via_engine = sorted(
        (d.policyName, "mandatory" if d.enforcementLevel == proto.MANDATORY else "advisory") for d in diagnostics
    )
    assert via_engine == sorted((f["policy"], f["level"]) for f in findings(stack, stack.stack))
    assert all(d.enforcementLevel != proto.MANDATORY for d in diagnostics)


def test_the_engine_protocol_blocks_a_privileged_container(prod: Evaluation) -> None:
    mutated = copy.deepcopy(prod)
    edit_container(mutated, lambda c: c.update(privileged=True))
    servicer = _servicer(load_config("prod"))
    response = _analyze(servicer, mutated, of_type(mutated, TASK))
    mandatory = [d for d in response.diagnostics if d.enforcementLevel == proto.MANDATORY]
    assert [d.policyName for d in mandatory] == ["ecs-task-no-privileged"]
    assert RULES_BY_NAME["ecs-task-no-privileged"].remediation in mandatory[0].message


def test_unknown_container_definitions_during_preview_defer_the_rule(prod: Evaluation) -> None:
    """On a first preview the JSON depends on unknown ARNs: the CLI says the rule cannot run yet."""
    mutated = copy.deepcopy(prod)
    set_prop(of_type(mutated, TASK), "containerDefinitions", UNKNOWN_STRING_VALUE)
    response = _analyze(_servicer(load_config("prod")), mutated, of_type(mutated, TASK))
    assert response.diagnostics
    assert all("can't run policy" in d.message and d.enforcementLevel == proto.ADVISORY for d in response.diagnostics)


# ---------------------------------------------------------------------------------------------
# The offline preview shows the findings


def test_offline_preview_prints_policy_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert offline_main.main(["dev"]) == 0
    out = capsys.readouterr().out
    section = out.split("Policy findings", 1)[1]
    assert "0 mandatory" in section
    assert "[advisory] ecs-service-no-public-ip" in section
