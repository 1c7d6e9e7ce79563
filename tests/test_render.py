"""`--out DIR`: rendered artifacts are stable, focused, free of secrets and valid for their APIs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import botocore.session
import kubernetes_validate
import pytest
import yaml
from botocore.validate import ParamValidator

from offline import Evaluation, evaluate
from offline.__main__ import main
from offline.artifacts import register_task_definition_request, render_files, write_files
from offline.diagram import diagram_files
from offline.report import json_report
from offline.stack_config import SECRET_PLACEHOLDER_PREFIX
from tests.conftest import evaluate_ok


def all_files(result: Evaluation) -> dict[str, str]:
    return {**render_files(result), **diagram_files(result)}


def read_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def task_definition_file(files: dict[str, str], family: str) -> dict:
    return json.loads(files[f"task-definitions/{family}.json"])


def test_the_out_directory_is_byte_identical_across_two_runs(tmp_path: Path) -> None:
    assert main(["prod", "--out", str(tmp_path / "a")]) == 0
    assert main(["prod", "--out", str(tmp_path / "b")]) == 0
    first, second = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert first == second
    assert {"task-definitions/diagramai-prod.json", "stack.mmd", "stack.dot", "files.txt"} <= set(first)


def test_expected_artifacts_exist_for_each_stack(stack: Evaluation) -> None:
    files = render_files(stack)
    name = f"diagramai-{stack.stack}"
    assert set(files) >= {
        f"task-definitions/{name}.json",
        "iam/service-execution-role.json",
        "iam/service-task-role.json",
        f"ecr/{name}-lifecycle.json",
        "security-groups/service-sg.json",
        "security-groups/web-sg.json",
        f"cloudwatch/dashboards/{name}.json",
    }
    # Only renderers' files, no stray output for types without a renderer.
    assert all(p.split("/")[0] in {"task-definitions", "iam", "ecr", "security-groups", "cloudwatch"} for p in files)


def test_one_config_change_changes_only_the_task_definition(dev: Evaluation) -> None:
    before = all_files(dev)
    after = all_files(evaluate_ok("dev", **{"diagramai:cpu": 512, "diagramai:memory": 1024}))
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert changed == {"task-definitions/diagramai-dev.json"}
    rendered = task_definition_file(after, "diagramai-dev")
    assert (rendered["cpu"], rendered["memory"]) == ("512", "1024")


def test_a_stale_file_is_removed_on_re_render(tmp_path: Path, dev: Evaluation) -> None:
    files = render_files(dev)
    write_files({**files, "iam/removed-role.json": "{}\n"}, tmp_path)
    write_files(files, tmp_path)
    assert not (tmp_path / "iam/removed-role.json").exists()
    assert (tmp_path / "iam/service-task-role.json").read_text() == files["iam/service-task-role.json"]


def _dev_with_secret_values() -> Evaluation:
    secret = {"DATABASE_URL": {"secure": "AAABAKZ1"}, "NEXTAUTH_SECRET": {"secure": "AAABAKZ2"}}
    return evaluate_ok("dev", **{"diagramai:secretValues": secret})


def test_no_secret_value_in_any_written_file_or_json(tmp_path: Path) -> None:
    result = _dev_with_secret_values()
    versions = result.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    # The evaluation does carry the stand-ins, so the check below is not vacuous.
    assert len(versions) == 2
    assert all(v.inputs["secretString"].startswith(SECRET_PLACEHOLDER_PREFIX) for v in versions)
    write_files(all_files(result), tmp_path)
    for path, content in read_tree(tmp_path).items():
        assert SECRET_PLACEHOLDER_PREFIX.encode() not in content, path
    document = json.dumps(json_report(result))
    assert SECRET_PLACEHOLDER_PREFIX not in document
    assert "offline-ecr-password" not in document


def test_writing_refuses_a_file_with_a_secret_value(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="secret"):
        write_files({"iam/leak.json": f'{{"x": "{SECRET_PLACEHOLDER_PREFIX}0123456789abcdef"}}\n'}, tmp_path)
    assert not (tmp_path / "iam/leak.json").exists()


@pytest.fixture(scope="module")
def ecs_validator():
    model = botocore.session.get_session().get_service_model("ecs")
    return ParamValidator(), model.operation_model("RegisterTaskDefinition").input_shape


def test_task_definition_is_a_valid_register_task_definition_request(stack: Evaluation, ecs_validator) -> None:
    validator, shape = ecs_validator
    request = task_definition_file(render_files(stack), f"diagramai-{stack.stack}")
    report = validator.validate(request, shape)
    assert not report.has_errors(), report.generate_report()
    task = stack.one("aws:ecs/taskDefinition:TaskDefinition")
    assert request["containerDefinitions"] == json.loads(task.inputs["containerDefinitions"])
    roles = {r.name: r.state["arn"] for r in stack.of_type("aws:iam/role:Role")}
    assert (request["executionRoleArn"], request["taskRoleArn"]) == (
        roles["service-execution-role"],
        roles["service-task-role"],
    )
    assert request["runtimePlatform"] == {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}


ARM_DEV = {
    "diagramai:cpuArchitecture": "ARM64",
    "diagramai:image": {"context": "../diagramai", "dockerfile": "../diagramai/Dockerfile", "platform": "linux/arm64"},
}


def test_optional_task_definition_fields_map_to_the_api_shape(ecs_validator) -> None:
    validator, shape = ecs_validator
    inputs = {
        "family": "f",
        "containerDefinitions": '[{"name": "app", "image": "nginx", "memory": 512.0}]',
        "volumes": [
            {"name": "scratch", "hostPath": "/tmp"},
            {"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"}},
        ],
        "ephemeralStorage": {"sizeInGib": 30.0},
        "tags": {"team": "x"},
    }
    request = register_task_definition_request(inputs)
    report = validator.validate(request, shape)
    assert not report.has_errors(), report.generate_report()
    assert request["volumes"][0] == {"name": "scratch", "host": {"sourcePath": "/tmp"}}
    assert request["containerDefinitions"][0]["memory"] == 512 and "tags" not in request


def test_arm_changes_the_rendered_runtime_platform() -> None:
    files = render_files(evaluate_ok("dev", **ARM_DEV))
    assert task_definition_file(files, "diagramai-dev")["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_roles_carry_trust_policy_inline_and_attached_policies() -> None:
    arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    files = render_files(evaluate_ok("dev", **{"diagramai:taskRolePolicyArns": [arn]}))
    execution = json.loads(files["iam/service-execution-role.json"])
    task = json.loads(files["iam/service-task-role.json"])
    assert execution["assumeRolePolicy"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    sids = {s["Sid"] for s in execution["inlinePolicies"]["service-execution-policy"]["Statement"]}
    assert {"EcrPull", "Logs", "ReadServiceSecrets"} <= sids
    # dev enables ECS Exec, whose channel permissions live on the task role.
    assert set(task["inlinePolicies"]) == {"service-task-exec-policy"}
    assert task["attachedPolicies"] == [{"policyArn": arn, "document": None}]
    assert execution["attachedPolicies"] == []


def test_security_group_lists_its_rules() -> None:
    network = {"assignPublicIp": True, "ingressCidrs": ["10.0.0.0/16"]}
    files = render_files(
        evaluate_ok("dev", **{"diagramai:network": network, "diagramai:loadBalancer": {"enabled": False}})
    )
    group = json.loads(files["security-groups/service-sg.json"])
    assert [(r["cidrIpv4"], r["fromPort"], r["toPort"]) for r in group["ingress"]] == [("10.0.0.0/16", 3000, 3000)]
    assert [r["ipProtocol"] for r in group["egress"]] == ["-1"]


def test_lifecycle_policy_is_the_parsed_document(prod: Evaluation) -> None:
    policy = json.loads(render_files(prod)["ecr/diagramai-prod-lifecycle.json"])
    assert [r["rulePriority"] for r in policy["rules"]] == [1, 2]


KUBERNETES_PROGRAM = """
import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

k8s_provider = k8s.Provider("k8s", kubeconfig="{}")
aws_provider = aws.Provider("aws", region="us-east-1")
opts = pulumi.ResourceOptions(provider=k8s_provider)
ns = k8s.core.v1.Namespace("ns", metadata={"name": "diagramai"}, opts=opts)
secret = k8s.core.v1.Secret(
    "app-secret",
    metadata={"name": "app", "namespace": "diagramai"},
    string_data={"DATABASE_URL": pulumi.Config().require_secret("dbUrl")},
    opts=opts,
)
k8s.apps.v1.Deployment(
    "app",
    metadata={"name": "app", "namespace": "diagramai"},
    spec={
        "replicas": 2,
        "selector": {"matchLabels": {"app": "app"}},
        "template": {
            "metadata": {"labels": {"app": "app"}},
            "spec": {
                "containers": [{"name": "app", "image": "nginx:1.27", "envFrom": [{"secretRef": {"name": "app"}}]}]
            },
        },
    },
    opts=opts,
)
k8s.core.v1.Service(
    "app-svc",
    metadata={"namespace": "diagramai"},
    spec={"selector": {"app": "app"}, "ports": [{"port": 80, "targetPort": 3000}]},
    opts=opts,
)
aws.cloudwatch.Dashboard(
    "dash",
    dashboard_name="diagramai",
    dashboard_body=json.dumps(
        {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "hi"}}]}
    ),
    opts=pulumi.ResourceOptions(provider=aws_provider),
)
"""


@pytest.fixture(scope="module")
def kubernetes_result(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    program = tmp_path_factory.mktemp("k8s") / "__main__.py"
    program.write_text(textwrap.dedent(KUBERNETES_PROGRAM))
    result = evaluate("dev", program=program, overrides={"diagramai:dbUrl": {"secure": "AAABAK8s"}})
    assert result.ok, result.error or result.findings
    return result


def test_kubernetes_objects_one_file_each_in_apply_order(kubernetes_result: Evaluation) -> None:
    files = {p: c for p, c in render_files(kubernetes_result).items() if p.startswith("kubernetes/")}
    # The Service is auto-named: its file carries the name the provider gave it.
    service = kubernetes_result.one("kubernetes:core/v1:Service").state["metadata"]["name"]
    assert service.startswith("app-svc-")
    assert sorted(files) == [
        "kubernetes/00-namespace-diagramai.yaml",
        "kubernetes/07-secret-app.yaml",
        f"kubernetes/22-service-{service}.yaml",
        "kubernetes/27-deployment-app.yaml",
    ]
    for path, text in files.items():
        obj = yaml.safe_load(text)
        kubernetes_validate.validate(obj, kubernetes_validate.latest_version(), strict=True)
        assert SECRET_PLACEHOLDER_PREFIX not in text, path
    secret = yaml.safe_load(files["kubernetes/07-secret-app.yaml"])
    assert secret["stringData"] == {"DATABASE_URL": "[secret]"}
    deployment = yaml.safe_load(files["kubernetes/27-deployment-app.yaml"])
    assert (deployment["apiVersion"], deployment["spec"]["replicas"]) == ("apps/v1", 2)


def test_dashboard_body_is_rendered(kubernetes_result: Evaluation) -> None:
    body = json.loads(render_files(kubernetes_result)["cloudwatch/dashboards/diagramai.json"])
    assert body["widgets"][0]["properties"] == {"markdown": "hi"}


def test_evaluation_restores_the_sdk_source_position_hook(dev: Evaluation) -> None:
    import pulumi.runtime.resource as sdk

    before = sdk._get_stack_trace
    evaluate_ok("dev")
    assert sdk._get_stack_trace is before
    assert before.__module__ == "pulumi.runtime.resource"
