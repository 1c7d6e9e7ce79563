"""The desired state as reviewable files (`python -m offline STACK --out DIR`), like `cdk synth`.

Each renderer turns the recorded resources of one type into files, keyed by resource type in RENDERERS
(plus every `kubernetes:` type), so a branch that adds resources adds a renderer next to the others.
Output is stable: keys sorted, integral numbers written as integers, names from the program (never
random), no timestamps; a PR diff of DIR shows exactly what the change does. Secret values never
appear: everything passes through offline.redact, and writing refuses a file that still holds one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from offline.engine import Evaluation, RecordedResource
from offline.manifests import is_kubernetes_object, manifest, whole_numbers
from offline.redact import contains_placeholder, safe_inputs

# Lists every file of the last render, so a re-render removes files of resources that are gone.
MANIFEST = "files.txt"

Files = dict[str, str]


def to_json(value: Any) -> str:
    return json.dumps(whole_numbers(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse_json(value: Any) -> Any:
    """A policy or definition given as a JSON string, parsed; anything else unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def file_name(text: str) -> str:
    """A readable, portable file name part."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "unnamed"


@dataclass
class RenderContext:
    result: Evaluation
    files: Files = field(default_factory=dict)

    def add(self, path: str, content: str) -> None:
        if path in self.files:
            raise ValueError(f"two resources render to {path}; give them distinct names")
        self.files[path] = content

    def inputs(self, resource: RecordedResource) -> dict[str, Any]:
        return whole_numbers(safe_inputs(resource))

    def referring_to(self, type_: str, prop: str, target: RecordedResource) -> list[RecordedResource]:
        """Resources of `type_` whose `prop` names `target` by ID, name or ARN."""
        handles = {h for h in (target.id, target.state.get("name"), target.state.get("arn")) if h}
        return [r for r in self.result.of_type(type_) if r.inputs.get(prop) in handles]


Renderer = Callable[[RenderContext, RecordedResource], None]


# -- ECS ------------------------------------------------------------------------------------

# Pulumi TaskDefinition inputs that RegisterTaskDefinition takes under the same name and shape.
_TASK_DEFINITION_FIELDS = (
    "family",
    "cpu",
    "memory",
    "networkMode",
    "requiresCompatibilities",
    "runtimePlatform",
    "executionRoleArn",
    "taskRoleArn",
    "ephemeralStorage",
    "pidMode",
    "ipcMode",
    "placementConstraints",
    "volumes",
)


def register_task_definition_request(inputs: dict[str, Any]) -> dict[str, Any]:
    """The RegisterTaskDefinition request body for a TaskDefinition's inputs (tags left out:
    the provider merges its default tags in at deploy time)."""
    request = {k: inputs[k] for k in _TASK_DEFINITION_FIELDS if inputs.get(k) not in (None, [], {})}
    if "volumes" in request:
        request["volumes"] = [_ecs_volume(v) for v in request["volumes"]]
    if "ephemeralStorage" in request:
        # Pulumi spells it sizeInGib, the ECS API sizeInGiB.
        request["ephemeralStorage"] = {"sizeInGiB": request["ephemeralStorage"].get("sizeInGib")}
    request["containerDefinitions"] = parse_json(inputs.get("containerDefinitions", "[]"))
    return whole_numbers(request)


def _ecs_volume(volume: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's `hostPath` string is the API's `host.sourcePath`; the other volume fields match the API."""
    converted = {k: v for k, v in volume.items() if k != "hostPath"}
    if volume.get("hostPath"):
        converted["host"] = {"sourcePath": volume["hostPath"]}
    return converted


def render_task_definition(ctx: RenderContext, r: RecordedResource) -> None:
    request = register_task_definition_request(ctx.inputs(r))
    ctx.add(f"task-definitions/{file_name(request.get('family') or r.name)}.json", to_json(request))


# -- IAM ------------------------------------------------------------------------------------


def render_role(ctx: RenderContext, r: RecordedResource) -> None:
    inputs = ctx.inputs(r)
    inline = {p["name"]: parse_json(p.get("policy")) for p in inputs.get("inlinePolicies") or [] if p.get("name")}
    for policy in ctx.referring_to("aws:iam/rolePolicy:RolePolicy", "role", r):
        policy_inputs = ctx.inputs(policy)
        inline[policy_inputs.get("name") or policy.name] = parse_json(policy_inputs.get("policy"))
    attached = set(inputs.get("managedPolicyArns") or [])
    attached |= {
        a.inputs.get("policyArn")
        for a in ctx.referring_to("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role", r)
    }
    managed = {p.state.get("arn"): p for p in ctx.result.of_type("aws:iam/policy:Policy")}
    document = {
        "roleName": r.state.get("name", r.name),
        "description": inputs.get("description"),
        "path": inputs.get("path"),
        "permissionsBoundary": inputs.get("permissionsBoundary"),
        "maxSessionDuration": inputs.get("maxSessionDuration"),
        "assumeRolePolicy": parse_json(inputs.get("assumeRolePolicy")),
        "inlinePolicies": inline,
        "attachedPolicies": [
            {
                "policyArn": arn,
                "document": parse_json(ctx.inputs(managed[arn]).get("policy")) if arn in managed else None,
            }
            for arn in sorted(a for a in attached if a)
        ],
    }
    ctx.add(f"iam/{file_name(r.name)}.json", to_json({k: v for k, v in document.items() if v is not None}))


# -- ECR ------------------------------------------------------------------------------------


def render_lifecycle_policy(ctx: RenderContext, r: RecordedResource) -> None:
    inputs = ctx.inputs(r)
    ctx.add(
        f"ecr/{file_name(str(inputs.get('repository') or r.name))}-lifecycle.json",
        to_json(parse_json(inputs.get("policy"))),
    )


def render_repository_policy(ctx: RenderContext, r: RecordedResource) -> None:
    inputs = ctx.inputs(r)
    ctx.add(
        f"ecr/{file_name(str(inputs.get('repository') or r.name))}-policy.json",
        to_json(parse_json(inputs.get("policy"))),
    )


# -- Security groups ------------------------------------------------------------------------

_RULE_TYPES = {
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "ingress",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "egress",
}


def _rule(ctx: RenderContext, rule: RecordedResource) -> dict[str, Any]:
    inputs = {k: v for k, v in ctx.inputs(rule).items() if k not in ("securityGroupId", "tags")}
    return {"resource": rule.name, **inputs}


def render_security_group(ctx: RenderContext, r: RecordedResource) -> None:
    inputs = ctx.inputs(r)
    rules: dict[str, list[dict[str, Any]]] = {"ingress": [], "egress": []}
    for type_, direction in _RULE_TYPES.items():
        rules[direction] += [_rule(ctx, x) for x in ctx.referring_to(type_, "securityGroupId", r)]
    for x in ctx.referring_to("aws:ec2/securityGroupRule:SecurityGroupRule", "securityGroupId", r):
        rules["egress" if x.inputs.get("type") == "egress" else "ingress"].append(_rule(ctx, x))
    for direction in ("ingress", "egress"):
        # Rules written inline on the group itself.
        rules[direction] += [{"resource": f"{r.name} (inline)", **x} for x in inputs.get(direction) or []]
        rules[direction].sort(key=lambda x: json.dumps(x, sort_keys=True))
    document = {
        "groupName": inputs.get("name") or r.name,
        "description": inputs.get("description"),
        "vpcId": inputs.get("vpcId"),
        **rules,
    }
    ctx.add(f"security-groups/{file_name(r.name)}.json", to_json(document))


# -- CloudWatch -----------------------------------------------------------------------------


def render_dashboard(ctx: RenderContext, r: RecordedResource) -> None:
    inputs = ctx.inputs(r)
    name = inputs.get("dashboardName") or r.name
    ctx.add(f"cloudwatch/dashboards/{file_name(name)}.json", to_json(parse_json(inputs.get("dashboardBody"))))


# -- Kubernetes -----------------------------------------------------------------------------

# Apply order for kinds (as in Helm's install order): what others refer to comes first.
_KIND_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)


def render_kubernetes(ctx: RenderContext, objects: list[RecordedResource]) -> None:
    manifests = [manifest(r, ctx.inputs(r)) for r in objects]
    for obj in manifests:
        if obj["kind"] == "Secret" and "data" in obj:
            # `data` must be base64; the masked values are not, so they move to `stringData`.
            obj["stringData"] = {**obj.pop("data"), **obj.get("stringData", {})}
    names: dict[tuple[str, str], int] = {}
    for obj in manifests:
        key = (obj["kind"], obj["metadata"]["name"])
        names[key] = names.get(key, 0) + 1
    for obj in manifests:
        kind, meta = obj["kind"], obj["metadata"]
        rank = _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
        name = meta["name"]
        if names[(kind, name)] > 1:
            name = f"{meta.get('namespace', 'default')}-{name}"
        text = yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, allow_unicode=True)
        ctx.add(f"kubernetes/{rank:02d}-{file_name(kind.lower())}-{file_name(name)}.yaml", text)


RENDERERS: dict[str, Renderer] = {
    "aws:ecs/taskDefinition:TaskDefinition": render_task_definition,
    "aws:iam/role:Role": render_role,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": render_lifecycle_policy,
    "aws:ecr/repositoryPolicy:RepositoryPolicy": render_repository_policy,
    "aws:ec2/securityGroup:SecurityGroup": render_security_group,
    "aws:cloudwatch/dashboard:Dashboard": render_dashboard,
}


def render_files(result: Evaluation) -> Files:
    """Every artifact of an evaluation, path (relative, `/`-separated) -> content."""
    ctx = RenderContext(result)
    for r in sorted(result.resources, key=lambda x: x.urn):
        renderer = RENDERERS.get(r.type)
        if renderer is not None:
            renderer(ctx, r)
    render_kubernetes(ctx, sorted((r for r in result.resources if is_kubernetes_object(r)), key=lambda x: x.urn))
    return ctx.files


def write_files(files: Files, out_dir: Path) -> list[Path]:
    """Write `files` under `out_dir`, removing files of the previous render that are no longer produced."""
    leaked = sorted(path for path, content in files.items() if contains_placeholder(content))
    if leaked:
        raise ValueError(f"refusing to write secret values into {', '.join(leaked)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        for old in manifest.read_text().splitlines():
            stale = (out_dir / old).resolve()
            if old and old not in files and stale.is_relative_to(out_dir.resolve()) and stale.is_file():
                stale.unlink()
    written = []
    for path in sorted(files):
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[path])
        written.append(target)
    manifest.write_text("".join(f"{p}\n" for p in sorted(files)))
    return written
