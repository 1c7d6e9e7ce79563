"""The CrossGuard rules of the DiagramAI policy pack, importable without the Pulumi CLI.

Every rule is a `pulumi_policy` ResourceValidationPolicy or StackValidationPolicy. Its
description names the control it implements (AWS Security Hub control IDs, Checkov IDs
where an equivalent check exists) and every violation message ends with a remediation
hint naming the stack config key or component argument to change.

Rules read resources as the engine sends them: camelCase input properties, JSON documents
(container definitions, IAM policies) as strings. Reading a value that is unknown during a
preview raises pulumi_policy's UnknownValueError, and the CLI then reports that the rule
could not run yet (it runs again with the real values during `pulumi up`).

This module imports nothing from the project, so the pack (`policy/__main__.py`, run by
the CLI with `policy/` on sys.path) and the tests (`policy.rules`) share it unchanged.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# Resource type tokens (pulumi-aws 7.x, pulumi-kubernetes 4.x).
ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
K8S_WORKLOADS = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
)
ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"
ENVIRONMENT_TAG = "Environment"
# Environment variable names that look like credentials (ECS.8, CKV_K8S_35's idea).
SECRET_NAME = re.compile(r"(_KEY$|_SECRET$|PASSWORD|TOKEN|^AWS_ACCESS_KEY_ID$|^AWS_SECRET_ACCESS_KEY$)", re.IGNORECASE)
AWS_ACCESS_KEY_VALUE = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
# AWS managed policies that allow every action (PowerUserAccess: all but IAM and Organizations).
ADMIN_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(AdministratorAccess|PowerUserAccess)$")
# Load balancer security policies whose minimum protocol is TLS 1.2 (ELBSecurityPolicy-TLS13-1-2-2021-06, ...).
TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)")
# AWS resource types without tags (default tags cannot reach them, so the tag rule skips them).
UNTAGGABLE_AWS_TYPES = frozenset(
    {
        ECR_LIFECYCLE_POLICY,
        IAM_ROLE_POLICY,
        IAM_ROLE_POLICY_ATTACHMENT,
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:secretsmanager/secretVersion:SecretVersion",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        "aws:lb/listenerCertificate:ListenerCertificate",
        SECURITY_GROUP_RULE,
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/route:Route",
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
        "aws:acm/certificateValidation:CertificateValidation",
        "aws:route53/record:Record",
        "aws:appautoscaling/target:Target",
        "aws:appautoscaling/policy:Policy",
    }
)

Problems = Iterable[str]
ResourceCheck = Callable[[Mapping[str, Any], Mapping[str, Any], ResourceValidationArgs], Problems]
StackCheck = Callable[[Sequence[PolicyResource], Mapping[str, Any]], Iterable[tuple[str, str | None]]]


@dataclass(frozen=True)
class Rule:
    """What every rule states besides its check: for the pack, the docs and the offline findings."""

    name: str
    summary: str
    controls: str
    remediation: str
    enforcement_level: EnforcementLevel = MANDATORY

    @property
    def description(self) -> str:
        return f"{self.summary} [{self.controls}]"

    def message(self, problem: str) -> str:
        return f"{problem} Remediation: {self.remediation}"


# ---------------------------------------------------------------------------------------------
# Reading properties


def as_document(value: Any) -> Any:
    """A JSON document as the engine sends it: a string (json_dumps output) or already parsed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    return list(value)


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def container_definitions(props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    containers = as_document(props.get("containerDefinitions"))
    return [c for c in as_list(containers) if isinstance(c, Mapping)]


def policy_statements(document: Any) -> list[Mapping[str, Any]]:
    parsed = as_document(document)
    if not isinstance(parsed, Mapping):
        return []
    return [s for s in as_list(parsed.get("Statement")) if isinstance(s, Mapping)]


def allow_statements(document: Any) -> list[Mapping[str, Any]]:
    return [s for s in policy_statements(document) if s.get("Effect", "Allow") == "Allow"]


def documents_of(resource_type: str, props: Mapping[str, Any]) -> list[Any]:
    """The identity-policy documents a resource carries (role inline policies, role policies, policies)."""
    if resource_type in (IAM_ROLE_POLICY, IAM_POLICY):
        return [props.get("policy")]
    if resource_type == IAM_ROLE:
        return [p.get("policy") for p in as_list(props.get("inlinePolicies")) if isinstance(p, Mapping)]
    return []


def actions_match(patterns: Iterable[str], action: str) -> bool:
    """Whether an IAM Action list grants `action` (IAM matches case-insensitively, with * and ?)."""
    return any(fnmatch.fnmatchcase(action.lower(), str(p).lower()) for p in patterns)


def secret_base_arn(value_from: str) -> str:
    """`arn:...:secret:name-AbCdEf[:jsonKey:stage:version]` without the ECS json-key suffix."""
    return ":".join(value_from.split(":")[:7])


# ---------------------------------------------------------------------------------------------
# ECR


def check_ecr_scan_on_push(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    scanning = props.get("imageScanningConfiguration") or {}
    if not is_true(scanning.get("scanOnPush")):
        yield "The repository does not scan images on push."


def check_ecr_immutable_tags(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    mutability = props.get("imageTagMutability") or "MUTABLE"
    if not str(mutability).startswith("IMMUTABLE"):
        yield f"imageTagMutability is {mutability}: a pushed tag can be overwritten with a different image."


def check_ecr_encryption(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    configs = [c for c in as_list(props.get("encryptionConfigurations")) if isinstance(c, Mapping)]
    if not configs:
        yield "No explicit encryptionConfigurations."
        return
    for c in configs:
        kind = c.get("encryptionType") or "AES256"
        if kind not in ("AES256", "KMS", "KMS_DSSE"):
            yield f"Unknown encryptionType {kind}."
        elif config.get("requireKms") and kind == "AES256":
            yield "The repository is encrypted with AES256, but this stack's policy config requires a KMS key."


# ---------------------------------------------------------------------------------------------
# ECS task definitions


def _name(container: Mapping[str, Any]) -> str:
    return str(container.get("name", "?"))


def check_task_logging(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    for c in container_definitions(props):
        log = c.get("logConfiguration") or {}
        if not log.get("logDriver"):
            yield f"Container '{_name(c)}' has no logConfiguration.logDriver: its output is lost."


def check_task_privileged(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    for c in container_definitions(props):
        if is_true(c.get("privileged")):
            yield f"Container '{_name(c)}' is privileged (root on the host)."


def check_task_host_namespaces(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    if props.get("networkMode") == "host":
        yield "networkMode is host: tasks share the host's network stack."
    if props.get("pidMode") == "host":
        yield "pidMode is host: tasks see every process on the host."
    if props.get("ipcMode") == "host":
        yield "ipcMode is host: tasks share the host's IPC namespace."


def _is_root_user(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0")


def check_task_non_root(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    exceptions = config.get("exceptions") or {}
    for c in container_definitions(props):
        user = c.get("user")
        if isinstance(user, str) and user.strip():
            if _is_root_user(user):
                yield f"Container '{_name(c)}' runs as user '{user}' (root)."
        elif not str(exceptions.get(_name(c), "")).strip():
            yield (
                f"Container '{_name(c)}' sets no `user`, so it runs as whatever the image says (root unless "
                "its Dockerfile has USER), and no documented exception names it."
            )


def _plain_secret_problem(name: str, value: Any, allowed: Iterable[str]) -> str | None:
    if name in allowed:
        return None
    if SECRET_NAME.search(name):
        return f"'{name}' looks like a credential but is a plain environment variable."
    if isinstance(value, str) and AWS_ACCESS_KEY_VALUE.search(value):
        return f"'{name}' holds what looks like an AWS access key ID."
    return None


def check_task_plain_env_secrets(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    allowed = [str(n) for n in as_list(config.get("allowedNames"))]
    for c in container_definitions(props):
        for variable in as_list(c.get("environment")):
            if not isinstance(variable, Mapping):
                continue
            problem = _plain_secret_problem(str(variable.get("name", "")), variable.get("value"), allowed)
            if problem:
                yield f"Container '{_name(c)}': {problem}"


def check_task_read_only_root(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    for c in container_definitions(props):
        if not is_true(c.get("readonlyRootFilesystem")):
            yield f"Container '{_name(c)}' can write to its root filesystem."


def check_task_health_check(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    for c in container_definitions(props):
        if c.get("essential", True) is False:
            continue
        health = c.get("healthCheck") or {}
        if not as_list(health.get("command")):
            yield f"Essential container '{_name(c)}' has no healthCheck: ECS cannot replace it when it hangs."


def check_task_distinct_roles(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    execution, task = props.get("executionRoleArn"), props.get("taskRoleArn")
    if execution and task and execution == task:
        yield "executionRoleArn and taskRoleArn are the same role: the application can read every startup secret."


# ---------------------------------------------------------------------------------------------
# ECS services and clusters


def check_service_circuit_breaker(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    controller = (props.get("deploymentController") or {}).get("type", "ECS")
    if controller != "ECS":
        return
    breaker = props.get("deploymentCircuitBreaker") or {}
    if not (is_true(breaker.get("enable")) and is_true(breaker.get("rollback"))):
        yield "deploymentCircuitBreaker is not {enable: true, rollback: true}: a broken release stays broken."


def check_service_public_ip(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    network = props.get("networkConfiguration") or {}
    if is_true(network.get("assignPublicIp")):
        yield "Tasks get a public IP address (networkConfiguration.assignPublicIp = true)."


def check_service_exec(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    if is_true(props.get("enableExecuteCommand")):
        yield "ECS Exec is enabled: anyone allowed ecs:ExecuteCommand gets a shell in the running tasks."


def check_cluster_container_insights(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    settings = {s.get("name"): s.get("value") for s in as_list(props.get("settings")) if isinstance(s, Mapping)}
    if settings.get("containerInsights") not in ("enabled", "enhanced"):
        yield "Container Insights is not enabled on the cluster."


# ---------------------------------------------------------------------------------------------
# IAM


def check_iam_wildcard_actions(
    props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs
) -> Problems:
    if args.resource_type == IAM_ROLE_POLICY_ATTACHMENT:
        arn = str(props.get("policyArn", ""))
        if ADMIN_MANAGED_POLICY.match(arn):
            yield f"Attaches {arn}, which allows (nearly) every action."
        return
    for document in documents_of(args.resource_type, props):
        for statement in allow_statements(document):
            if "NotAction" in statement:
                yield f"Statement {statement.get('Sid', '')!r} allows everything except NotAction."
            for action in as_list(statement.get("Action")):
                if str(action) == "*" or str(action).endswith(":*"):
                    yield f"Statement {statement.get('Sid', '')!r} allows Action {action!r}."


def _unscoped_secret_resource(resource: str) -> bool:
    # `...:secret:name-??????` (the random suffix) is scoped; "*" or `...:secret:*` is not.
    return resource == "*" or resource.endswith(":secret:*") or resource.endswith(":*:*")


def check_iam_secret_reads_scoped(
    props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs
) -> Problems:
    for document in documents_of(args.resource_type, props):
        for statement in allow_statements(document):
            actions = [str(a) for a in as_list(statement.get("Action"))]
            if not actions_match(actions, "secretsmanager:GetSecretValue"):
                continue
            if "NotResource" in statement:
                yield f"Statement {statement.get('Sid', '')!r} reads secrets with NotResource."
            for resource in as_list(statement.get("Resource")):
                if _unscoped_secret_resource(str(resource)):
                    yield f"Statement {statement.get('Sid', '')!r} reads secrets on Resource {resource!r}."


# ---------------------------------------------------------------------------------------------
# CloudWatch Logs


def check_log_retention_set(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    days = number(props.get("retentionInDays"))
    if not days or days <= 0:
        yield "retentionInDays is not set: CloudWatch keeps (and bills) these logs forever."


def check_log_retention_minimum(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    days = number(props.get("retentionInDays"))
    minimum = number(config.get("minimumDays")) or 30
    if days and 0 < days < minimum:
        yield f"retentionInDays is {days:g}, below this stack's minimum of {minimum:g} days."


# ---------------------------------------------------------------------------------------------
# Load balancers


def _is_application_lb(props: Mapping[str, Any]) -> bool:
    return (props.get("loadBalancerType") or "application") == "application"


def check_lb_drop_invalid_headers(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    if _is_application_lb(props) and not is_true(props.get("dropInvalidHeaderFields")):
        yield "dropInvalidHeaderFields is not true: malformed HTTP headers reach the targets."


def check_listener_tls_policy(props: Mapping[str, Any], config: Mapping[str, Any], _: Any) -> Problems:
    if str(props.get("protocol", "")).upper() not in ("HTTPS", "TLS"):
        return
    policy = props.get("sslPolicy")
    if not policy:
        yield "sslPolicy is unset, so AWS applies ELBSecurityPolicy-2016-08, which accepts TLS 1.0."
    elif not TLS12_POLICY.match(str(policy)):
        yield f"sslPolicy {policy} accepts protocols older than TLS 1.2."


# ---------------------------------------------------------------------------------------------
# Kubernetes


def pod_spec(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = props.get("spec") or {}
    if resource_type.endswith(":Pod"):
        return spec
    if resource_type.endswith(":CronJob"):
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def _containers(spec: Mapping[str, Any], with_init: bool = True) -> list[Mapping[str, Any]]:
    keys = ("initContainers", "containers") if with_init else ("containers",)
    return [c for key in keys for c in as_list(spec.get(key)) if isinstance(c, Mapping)]


def check_k8s_restricted(props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs) -> Problems:
    spec = pod_spec(args.resource_type, props)
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if is_true(spec.get(host)):
            yield f"{host} is true."
    pod_context = spec.get("securityContext") or {}
    pod_non_root = is_true(pod_context.get("runAsNonRoot"))
    pod_seccomp = (pod_context.get("seccompProfile") or {}).get("type")
    for c in _containers(spec):
        name = c.get("name", "?")
        context = c.get("securityContext") or {}
        if is_true(context.get("privileged")):
            yield f"Container '{name}' is privileged."
        if context.get("allowPrivilegeEscalation") is not False:
            yield f"Container '{name}' does not set allowPrivilegeEscalation: false."
        if not (is_true(context.get("runAsNonRoot")) or (pod_non_root and context.get("runAsNonRoot") is None)):
            yield f"Container '{name}' does not run with runAsNonRoot: true."
        if number(context.get("runAsUser", pod_context.get("runAsUser"))) == 0:
            yield f"Container '{name}' runs as UID 0."
        capabilities = context.get("capabilities") or {}
        if "ALL" not in [str(d) for d in as_list(capabilities.get("drop"))]:
            yield f"Container '{name}' does not drop ALL capabilities."
        added = [str(a) for a in as_list(capabilities.get("add")) if str(a) != "NET_BIND_SERVICE"]
        if added:
            yield f"Container '{name}' adds capabilities {added}."
        seccomp = (context.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"Container '{name}' has no RuntimeDefault/Localhost seccompProfile."


def check_k8s_probes(props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs) -> Problems:
    if args.resource_type.endswith(("Job", "CronJob")):
        return
    for c in _containers(pod_spec(args.resource_type, props), with_init=False):
        for probe in ("livenessProbe", "readinessProbe"):
            if not c.get(probe):
                yield f"Container '{c.get('name', '?')}' has no {probe}."


def check_k8s_resources(props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs) -> Problems:
    for c in _containers(pod_spec(args.resource_type, props)):
        resources = c.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        missing = [f"requests.{k}" for k in ("cpu", "memory") if not requests.get(k)]
        missing += ["limits.memory"] if not limits.get("memory") else []
        if missing:
            yield f"Container '{c.get('name', '?')}' has no {', '.join(missing)}."


def check_k8s_image_digest(
    props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs
) -> Problems:
    for c in _containers(pod_spec(args.resource_type, props)):
        image = str(c.get("image", ""))
        if not re.search(r"@sha256:[0-9a-f]{64}$", image):
            yield f"Container '{c.get('name', '?')}' image {image!r} is not pinned by digest."


def check_k8s_namespace(props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs) -> Problems:
    namespace = (props.get("metadata") or {}).get("namespace")
    if not namespace and args.provider is not None:
        namespace = args.provider.props.get("namespace")
    if not namespace or namespace == "default":
        yield "The workload is in the default namespace."


def check_k8s_plain_env_secrets(
    props: Mapping[str, Any], config: Mapping[str, Any], args: ResourceValidationArgs
) -> Problems:
    allowed = [str(n) for n in as_list(config.get("allowedNames"))]
    for c in _containers(pod_spec(args.resource_type, props)):
        for variable in as_list(c.get("env")):
            if not isinstance(variable, Mapping) or "value" not in variable:
                continue  # valueFrom (secretKeyRef) is how secrets should arrive
            problem = _plain_secret_problem(str(variable.get("name", "")), variable.get("value"), allowed)
            if problem:
                yield f"Container '{c.get('name', '?')}': {problem}"


# ---------------------------------------------------------------------------------------------
# Stack-level helpers


def resources_of(resources: Sequence[PolicyResource], *types: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in types]


def _identifiers(resource: PolicyResource) -> set[str]:
    """The values other resources use to refer to this one (ARN, id, name)."""
    values = set()
    for key in ("arn", "id", "name"):
        value = resource.props.get(key)
        if isinstance(value, str) and value:
            values.add(value)
    return values


def refers_to(resource: PolicyResource, target: PolicyResource, *keys: str) -> bool:
    """Whether `resource` points at `target` through one of `keys` (by value) or depends on it."""
    ids = _identifiers(target)
    for key in keys:
        if any(isinstance(v, str) and v in ids for v in as_list(resource.props.get(key))):
            return True
    return any(d.urn == target.urn for d in resource.dependencies)


def find_by_arn(resources: Sequence[PolicyResource], type_: str, arn: Any) -> PolicyResource | None:
    for r in resources_of(resources, type_):
        if isinstance(arn, str) and r.props.get("arn") == arn:
            return r
    return None


def role_documents(resources: Sequence[PolicyResource], role: PolicyResource) -> list[Any]:
    """Every identity-policy document in the stack that applies to `role`."""
    documents = documents_of(IAM_ROLE, role.props)
    documents += [p.props.get("policy") for p in resources_of(resources, IAM_ROLE_POLICY) if _role_of(p, role)]
    for attachment in resources_of(resources, IAM_ROLE_POLICY_ATTACHMENT):
        if not _role_of(attachment, role):
            continue
        policy = find_by_arn(resources, IAM_POLICY, attachment.props.get("policyArn"))
        if policy is not None:
            documents.append(policy.props.get("policy"))
    return documents


def _role_of(resource: PolicyResource, role: PolicyResource) -> bool:
    ids = _identifiers(role)
    value = resource.props.get("role")
    if isinstance(value, str):
        return value in ids
    return any(d.urn == role.urn for d in resource.dependencies)


def grants(documents: Iterable[Any], action: str, resource_arn: str) -> bool:
    for document in documents:
        for statement in allow_statements(document):
            actions = [str(a) for a in as_list(statement.get("Action"))]
            if not actions_match(actions, action):
                continue
            if any(fnmatch.fnmatchcase(resource_arn, str(r)) for r in as_list(statement.get("Resource"))):
                return True
    return False


def _provider_tags(resource: PolicyResource) -> Mapping[str, Any]:
    if resource.provider is None:
        return {}
    default_tags = as_document(resource.provider.props.get("defaultTags")) or {}
    tags = default_tags.get("tags") if isinstance(default_tags, Mapping) else None
    return tags if isinstance(tags, Mapping) else {}


# ---------------------------------------------------------------------------------------------
# Stack-level checks


def check_ecr_lifecycle(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    policies = resources_of(resources, ECR_LIFECYCLE_POLICY)
    for repository in resources_of(resources, ECR_REPOSITORY):
        if not any(refers_to(p, repository, "repository") for p in policies):
            yield f"Repository '{repository.name}' has no lifecycle policy: old images pile up.", repository.urn


def check_execution_role_reads_secrets(
    resources: Sequence[PolicyResource], config: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    for task in resources_of(resources, ECS_TASK_DEFINITION):
        references = [
            (_name(c), s.get("name"), str(s.get("valueFrom", "")))
            for c in container_definitions(task.props)
            for s in as_list(c.get("secrets"))
            if isinstance(s, Mapping)
        ]
        if not references:
            continue
        role = find_by_arn(resources, IAM_ROLE, task.props.get("executionRoleArn"))
        if role is None:
            yield (
                f"Task definition '{task.name}' references secrets but its execution role is not in this stack, "
                "so nothing shows it may read them.",
                task.urn,
            )
            continue
        documents = role_documents(resources, role)
        for container, variable, value_from in references:
            if ":ssm:" in value_from:
                ok = grants(documents, "ssm:GetParameters", value_from)
            else:
                ok = grants(documents, "secretsmanager:GetSecretValue", secret_base_arn(value_from))
            if not ok:
                yield (
                    f"Container '{container}' of '{task.name}' reads {variable} from {value_from}, which execution "
                    f"role '{role.name}' may not read: the task would fail to start.",
                    task.urn,
                )


def _trust_problems(role: PolicyResource) -> list[str]:
    problems = []
    for statement in allow_statements(role.props.get("assumeRolePolicy")):
        principal = statement.get("Principal")
        services = as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        others = [k for k in principal if k != "Service"] if isinstance(principal, Mapping) else [principal]
        if others or any(s != ECS_TASKS_PRINCIPAL for s in services):
            problems.append(f"trusts {json.dumps(principal)}")
        if any(str(a) not in ("sts:AssumeRole", "sts:TagSession") for a in as_list(statement.get("Action"))):
            problems.append(f"allows {statement.get('Action')}")
    return problems


def check_ecs_role_trust(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for task in resources_of(resources, ECS_TASK_DEFINITION):
        for key in ("executionRoleArn", "taskRoleArn"):
            role = find_by_arn(resources, IAM_ROLE, task.props.get(key))
            if role is None or role.urn in seen:
                continue
            seen.add(role.urn)
            for problem in _trust_problems(role):
                yield f"Role '{role.name}' ({key} of '{task.name}') {problem}; only {ECS_TASKS_PRINCIPAL}.", role.urn


def _open_to_world(cidrs: Iterable[Any]) -> bool:
    return any(str(c) in ("0.0.0.0/0", "::/0") for c in cidrs)


def _web_ports_only(props: Mapping[str, Any], protocol_key: str) -> bool:
    if str(props.get(protocol_key, "")).lower() not in ("tcp", "6"):
        return False
    low, high = number(props.get("fromPort")), number(props.get("toPort"))
    return low is not None and low == high and low in (80, 443)


def _public_ingress(resources: Sequence[PolicyResource]) -> Iterator[tuple[PolicyResource, Mapping[str, Any], str]]:
    """(resource, rule props, protocol key) for every ingress rule open to 0.0.0.0/0 or ::/0."""
    for rule in resources_of(resources, INGRESS_RULE):
        if _open_to_world([rule.props.get("cidrIpv4"), rule.props.get("cidrIpv6")]):
            yield rule, rule.props, "ipProtocol"
    for rule in resources_of(resources, SECURITY_GROUP_RULE):
        cidrs = as_list(rule.props.get("cidrBlocks")) + as_list(rule.props.get("ipv6CidrBlocks"))
        if rule.props.get("type") == "ingress" and _open_to_world(cidrs):
            yield rule, rule.props, "protocol"
    for group in resources_of(resources, SECURITY_GROUP):
        for inline in as_list(group.props.get("ingress")):
            if isinstance(inline, Mapping):
                cidrs = as_list(inline.get("cidrBlocks")) + as_list(inline.get("ipv6CidrBlocks"))
                if _open_to_world(cidrs):
                    yield group, inline, "protocol"


def check_public_ingress(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    groups = resources_of(resources, SECURITY_GROUP)
    balancers = resources_of(resources, *LOAD_BALANCERS)
    lb_groups = [g for g in groups if any(refers_to(lb, g, "securityGroups") for lb in balancers)]
    for resource, rule, protocol_key in _public_ingress(resources):
        on_lb = resource in lb_groups or any(refers_to(resource, g, "securityGroupId") for g in lb_groups)
        if on_lb and _web_ports_only(rule, protocol_key):
            continue
        where = "a load balancer's security group" if on_lb else "a security group that is not a load balancer's"
        ports = f"{rule.get('fromPort')}-{rule.get('toPort')}/{rule.get(protocol_key)}"
        yield f"'{resource.name}' admits the whole internet on {ports} to {where}.", resource.urn


def _redirects_to_https(listener: PolicyResource) -> bool:
    for action in as_list(listener.props.get("defaultActions")):
        if (
            isinstance(action, Mapping)
            and action.get("type") == "redirect"
            and str((action.get("redirect") or {}).get("protocol", "")).upper() == "HTTPS"
        ):
            return True
    return False


def check_http_redirect(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    listeners = resources_of(resources, *LISTENERS)
    for balancer in resources_of(resources, *LOAD_BALANCERS):
        own = [li for li in listeners if refers_to(li, balancer, "loadBalancerArn")]
        has_certificate = any(li.props.get("certificateArn") for li in own)
        if not has_certificate:
            continue
        for listener in own:
            if str(listener.props.get("protocol", "")).upper() == "HTTP" and not _redirects_to_https(listener):
                yield (
                    f"Listener '{listener.name}' serves plain HTTP although '{balancer.name}' has a certificate.",
                    listener.urn,
                )


def check_environment_tag(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for r in resources:
        if not r.resource_type.startswith("aws:") or r.resource_type in UNTAGGABLE_AWS_TYPES:
            continue
        own = r.props.get("tags") if isinstance(r.props.get("tags"), Mapping) else {}
        if not (own.get(ENVIRONMENT_TAG) or _provider_tags(r).get(ENVIRONMENT_TAG)):
            yield f"'{r.name}' ({r.resource_type}) has no {ENVIRONMENT_TAG} tag.", r.urn


# ---------------------------------------------------------------------------------------------
# The rules


@dataclass(frozen=True)
class ResourceRule(Rule):
    types: tuple[str, ...] = ()
    check: ResourceCheck | None = None
    config_schema: PolicyConfigSchema | None = None

    def validate(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in self.types or self.check is None:
            return
        for problem in self.check(args.props, args.get_config(), args):
            report_violation(self.message(problem), None)

    def policy(self) -> ResourceValidationPolicy:
        return ResourceValidationPolicy(
            name=self.name,
            description=self.description,
            validate=self.validate,
            enforcement_level=self.enforcement_level,
            config_schema=self.config_schema,
            remediation_steps=self.remediation,
        )


@dataclass(frozen=True)
class StackRule(Rule):
    check: StackCheck | None = None
    config_schema: PolicyConfigSchema | None = None

    def validate(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        if self.check is None:
            return
        for problem, urn in self.check(args.resources, args.get_config()):
            report_violation(self.message(problem), urn)

    def policy(self) -> StackValidationPolicy:
        return StackValidationPolicy(
            name=self.name,
            description=self.description,
            validate=self.validate,
            enforcement_level=self.enforcement_level,
            config_schema=self.config_schema,
            remediation_steps=self.remediation,
        )


ALLOWED_NAMES_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedNames": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Variable names that look secret but are not (e.g. a public key's ID).",
        }
    }
)

RULES: tuple[ResourceRule | StackRule, ...] = (
    # --- ECR ---
    ResourceRule(
        name="ecr-scan-on-push",
        summary="ECR repositories scan every pushed image for vulnerabilities.",
        controls="Security Hub ECR.1; Checkov CKV_AWS_163",
        remediation="keep ContainerRegistry's image_scanning_configuration scan_on_push=True (components/registry.py).",
        types=(ECR_REPOSITORY,),
        check=check_ecr_scan_on_push,
    ),
    ResourceRule(
        name="ecr-immutable-tags",
        summary="ECR image tags are immutable, so a tag always means the same image.",
        controls="Security Hub ECR.2; Checkov CKV_AWS_51",
        remediation="set `diagramai:immutableTags: true` (ContainerRegistryArgs.immutable_tags) and give every "
        "build its own `diagramai:image.tag`.",
        types=(ECR_REPOSITORY,),
        check=check_ecr_immutable_tags,
    ),
    StackRule(
        name="ecr-lifecycle-policy",
        summary="Every ECR repository has a lifecycle policy.",
        controls="Security Hub ECR.3",
        remediation="create repositories with the ContainerRegistry component (it adds the lifecycle policy); tune "
        "`diagramai:keepTaggedImages` and `diagramai:untaggedImageExpiryDays`.",
        check=check_ecr_lifecycle,
    ),
    ResourceRule(
        name="ecr-encryption",
        summary="ECR repositories declare their encryption at rest (AES256, or KMS when the stack requires it).",
        controls="Checkov CKV_AWS_136 when requireKms is set",
        remediation="set `diagramai:kmsKeyArn` for a customer-managed key (ContainerRegistryArgs.kms_key_arn); the "
        "component sets encryption_configurations.",
        types=(ECR_REPOSITORY,),
        check=check_ecr_encryption,
        config_schema=PolicyConfigSchema(
            properties={"requireKms": {"type": "boolean", "description": "Require KMS instead of AES256."}}
        ),
    ),
    # --- ECS task definitions ---
    ResourceRule(
        name="ecs-task-logging",
        summary="Every container of an ECS task definition has a log configuration.",
        controls="Security Hub ECS.9",
        remediation="pass FargateServiceArgs.log_group_name (the LogGroup component's name); container_definition() "
        "adds the awslogs driver.",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_logging,
    ),
    ResourceRule(
        name="ecs-task-no-privileged",
        summary="ECS containers do not run privileged.",
        controls="Security Hub ECS.4",
        remediation="remove `privileged` from the container definition (components/fargate_service.py "
        "container_definition); Fargate rejects it anyway.",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_privileged,
    ),
    ResourceRule(
        name="ecs-task-no-host-namespaces",
        summary="ECS task definitions use neither the host's network nor its process or IPC namespace.",
        controls="Security Hub ECS.17 (host network), ECS.3 (host PID); Checkov CKV_AWS_335",
        remediation="keep network_mode='awsvpc' and no pid_mode/ipc_mode on the TaskDefinition "
        "(components/fargate_service.py).",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_host_namespaces,
    ),
    ResourceRule(
        name="ecs-task-non-root-user",
        summary="ECS containers run as a non-root `user`, or are named in a documented exception.",
        controls="Security Hub ECS.20",
        remediation="set the container's `user` to a non-root UID in container_definition() "
        "(components/fargate_service.py), or, when the image's Dockerfile sets a non-root USER, document it in "
        'the stack\'s policy config: {"ecs-task-non-root-user": {"exceptions": {"<container>": "<why>"}}}.',
        types=(ECS_TASK_DEFINITION,),
        check=check_task_non_root,
        config_schema=PolicyConfigSchema(
            properties={
                "exceptions": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "minLength": 1},
                    "description": "Container name -> why running without an explicit `user` is safe.",
                }
            }
        ),
    ),
    ResourceRule(
        name="ecs-task-no-plain-env-secrets",
        summary="No AWS credentials or secret-looking variables (*_KEY, *_SECRET, *PASSWORD*, *TOKEN*) in a "
        "container's plain `environment`.",
        controls="Security Hub ECS.8",
        remediation="move the variable from `diagramai:environment` to `diagramai:secrets` (a Secrets Manager "
        "secret the task reads at start); use the task role, never access keys, for AWS access.",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_plain_env_secrets,
        config_schema=ALLOWED_NAMES_SCHEMA,
    ),
    ResourceRule(
        name="ecs-task-read-only-root-filesystem",
        summary="ECS containers have a read-only root filesystem (advisory unless a stack makes it mandatory).",
        controls="Security Hub ECS.5; Checkov CKV_AWS_336",
        remediation="set readonlyRootFilesystem=True in container_definition() (components/fargate_service.py) once "
        "the application writes only to mounted volumes (Next.js writes .next/cache).",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_read_only_root,
        enforcement_level=ADVISORY,
    ),
    ResourceRule(
        name="ecs-task-health-check",
        summary="Every essential ECS container has a container health check.",
        controls="reliability default; no Security Hub control",
        remediation="set `diagramai:healthCheckPath` or `diagramai:healthCheckCommand` "
        "(FargateServiceArgs.health_check).",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_health_check,
    ),
    ResourceRule(
        name="ecs-task-distinct-roles",
        summary="An ECS task's execution role and task role are different roles.",
        controls="Checkov CKV_AWS_249",
        remediation="let FargateService create both roles; grant the application's permissions with "
        "`diagramai:taskRolePolicyArns` on the task role only.",
        types=(ECS_TASK_DEFINITION,),
        check=check_task_distinct_roles,
    ),
    # --- ECS services and clusters ---
    ResourceRule(
        name="ecs-service-circuit-breaker",
        summary="ECS services roll back a failing deployment (deployment circuit breaker with rollback).",
        controls="reliability default; no Security Hub control",
        remediation="keep deployment_circuit_breaker={'enable': True, 'rollback': True} on the Service "
        "(components/fargate_service.py).",
        types=(ECS_SERVICE,),
        check=check_service_circuit_breaker,
    ),
    ResourceRule(
        name="ecs-service-no-public-ip",
        summary="ECS services do not assign public IP addresses to tasks (mandatory in prod, advisory in dev).",
        controls="Security Hub ECS.2; Checkov CKV_AWS_333",
        remediation="set `diagramai:network.assignPublicIp: false` with `network.vpcId` and "
        "`network.privateSubnetIds` of subnets that have a NAT gateway or VPC endpoints.",
        types=(ECS_SERVICE,),
        check=check_service_public_ip,
    ),
    ResourceRule(
        name="ecs-service-no-exec",
        summary="ECS Exec (a shell into running tasks) is off (mandatory in prod, advisory in dev).",
        controls="least privilege; no Security Hub control",
        remediation="set `diagramai:enableExecuteCommand: false`.",
        types=(ECS_SERVICE,),
        check=check_service_exec,
    ),
    ResourceRule(
        name="ecs-cluster-container-insights",
        summary="ECS clusters have Container Insights enabled.",
        controls="Security Hub ECS.12; Checkov CKV_AWS_65",
        remediation="leave `diagramai:clusterName` empty so FargateService creates the cluster with "
        "containerInsights=enabled, or enable it on the existing cluster.",
        types=(ECS_CLUSTER,),
        check=check_cluster_container_insights,
    ),
    # --- IAM ---
    StackRule(
        name="iam-ecs-role-trust",
        summary="ECS task and execution roles trust only ecs-tasks.amazonaws.com (sts:AssumeRole).",
        controls="least privilege; IAM trust policy",
        remediation="build the roles' assume_role_policy with trust_policy(ECS_TASKS_PRINCIPAL) "
        "(components/fargate_service.py); never add other principals.",
        check=check_ecs_role_trust,
    ),
    ResourceRule(
        name="iam-no-wildcard-actions",
        summary='IAM policies allow no Action "*" or "service:*" (no Allow with NotAction, no '
        "AdministratorAccess or PowerUserAccess attachment).",
        controls="Security Hub IAM.1 (full admin); Checkov CKV_AWS_63",
        remediation="list the exact actions in the statement (execution_policy_statements() in "
        "components/fargate_service.py; your own policies in `diagramai:taskRolePolicyArns`).",
        types=(IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE, IAM_ROLE_POLICY_ATTACHMENT),
        check=check_iam_wildcard_actions,
    ),
    ResourceRule(
        name="iam-secret-reads-scoped",
        summary='secretsmanager:GetSecretValue is granted on explicit secret ARNs, never on Resource "*".',
        controls="least privilege; IAM resource scoping",
        remediation="grant reads on the ARNs of the service's secrets only (FargateServiceArgs.secret_arns = "
        "ServiceSecrets.readable_arns; existing secrets via `diagramai:secrets[].arn`).",
        types=(IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE),
        check=check_iam_secret_reads_scoped,
    ),
    StackRule(
        name="ecs-execution-role-reads-task-secrets",
        summary="Every secret a task definition references is readable by that task's execution role.",
        controls="deployment correctness; least privilege",
        remediation="declare every secret in `diagramai:secrets` (not only in a task definition) so that "
        "FargateServiceArgs.secret_arns and the execution role policy include it.",
        check=check_execution_role_reads_secrets,
    ),
    # --- Logs ---
    ResourceRule(
        name="cloudwatch-log-retention-set",
        summary="CloudWatch log groups have an explicit retention period.",
        controls="Security Hub CloudWatch.16 (retention); Checkov CKV_AWS_66",
        remediation="set `diagramai:logRetentionDays` (LogGroupArgs.retention_days).",
        types=(LOG_GROUP,),
        check=check_log_retention_set,
    ),
    ResourceRule(
        name="cloudwatch-log-retention-minimum",
        summary="CloudWatch log groups keep logs at least `minimumDays` (30 by default; mandatory in prod).",
        controls="Security Hub CloudWatch.16-style retention minimum",
        remediation="raise `diagramai:logRetentionDays` to at least the stack's minimum (30, 60, 90, ... days).",
        types=(LOG_GROUP,),
        check=check_log_retention_minimum,
        config_schema=PolicyConfigSchema(
            properties={"minimumDays": {"type": "integer", "minimum": 1, "default": 30}},
        ),
    ),
    # --- Network and load balancers ---
    StackRule(
        name="ec2-no-public-ingress",
        summary="No security group admits 0.0.0.0/0 or ::/0, except TCP 80/443 on a load balancer's group.",
        controls="Security Hub EC2.18 (unrestricted ingress only on authorized ports 80/443)",
        remediation="keep `diagramai:network.ingressCidrs` to private ranges and let traffic reach tasks through the "
        "load balancer (FargateServiceArgs.ingress_security_group_ids).",
        check=check_public_ingress,
    ),
    StackRule(
        name="alb-http-redirects-to-https",
        summary="When a load balancer has a certificate, its HTTP listeners only redirect to HTTPS.",
        controls="Security Hub ELB.1; Checkov CKV2_AWS_20",
        remediation="give the HTTP listener a single default action "
        "{type: redirect, redirect: {protocol: HTTPS, port: 443, statusCode: HTTP_301}}.",
        check=check_http_redirect,
    ),
    ResourceRule(
        name="alb-tls12-policy",
        summary="HTTPS/TLS listeners use a security policy whose minimum is TLS 1.2.",
        controls="Checkov CKV_AWS_103",
        remediation="set the listener's ssl_policy to ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS 1.2+ "
        "policy).",
        types=LISTENERS,
        check=check_listener_tls_policy,
    ),
    ResourceRule(
        name="alb-drop-invalid-headers",
        summary="Application load balancers drop invalid HTTP header fields.",
        controls="Security Hub ELB.4; Checkov CKV_AWS_131",
        remediation="set drop_invalid_header_fields=True on the LoadBalancer.",
        types=LOAD_BALANCERS,
        check=check_lb_drop_invalid_headers,
    ),
    # --- Kubernetes ---
    ResourceRule(
        name="k8s-restricted-pod-security",
        summary='Workloads meet the Pod Security Standard "restricted" (non-root, no privilege escalation, '
        "capabilities dropped, seccomp RuntimeDefault, no host namespaces).",
        controls="Kubernetes PSS restricted; Checkov CKV_K8S_20, CKV_K8S_23",
        remediation="set the pod securityContext {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}} and "
        "each container's {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}} in the Kubernetes target.",
        types=K8S_WORKLOADS,
        check=check_k8s_restricted,
    ),
    ResourceRule(
        name="k8s-probes",
        summary="Long-running containers have liveness and readiness probes.",
        controls="Checkov CKV_K8S_8, CKV_K8S_9",
        remediation="set `diagramai:healthCheckPath`; the Kubernetes target derives both probes from it.",
        types=K8S_WORKLOADS,
        check=check_k8s_probes,
    ),
    ResourceRule(
        name="k8s-resources",
        summary="Containers request CPU and memory and limit memory.",
        controls="Checkov CKV_K8S_10, CKV_K8S_12, CKV_K8S_13",
        remediation="set `diagramai:cpu` and `diagramai:memory`; the Kubernetes target turns them into "
        "requests and a memory limit.",
        types=K8S_WORKLOADS,
        check=check_k8s_resources,
    ),
    ResourceRule(
        name="k8s-image-digest",
        summary="Container images are pinned by digest.",
        controls="Checkov CKV_K8S_43",
        remediation="use the ContainerImage component's image_ref (registry/repo@sha256:...) or a "
        "`diagramai:image.uri` with @sha256.",
        types=K8S_WORKLOADS,
        check=check_k8s_image_digest,
    ),
    ResourceRule(
        name="k8s-not-default-namespace",
        summary="Workloads run in their own namespace, not `default`.",
        controls="Checkov CKV_K8S_21",
        remediation="set metadata.namespace to the application's namespace (the Kubernetes target creates one).",
        types=K8S_WORKLOADS,
        check=check_k8s_namespace,
    ),
    ResourceRule(
        name="k8s-no-plain-env-secrets",
        summary="No secret-looking values in a container's plain `env`; they come from a Secret (secretKeyRef).",
        controls="Kubernetes secrets good practice (cf. ECS.8)",
        remediation="move the variable to `diagramai:secrets`; the Kubernetes target mounts it from a Secret "
        "with valueFrom.secretKeyRef.",
        types=K8S_WORKLOADS,
        check=check_k8s_plain_env_secrets,
        config_schema=ALLOWED_NAMES_SCHEMA,
    ),
    # --- Whole stack ---
    StackRule(
        name="aws-environment-tag",
        summary="Every taggable AWS resource carries the Environment tag (own tags or the provider's defaultTags).",
        controls="Security Hub ECS.13, ECS.14, ECS.15 (ECS resources tagged)",
        remediation="create AWS resources with `opts=with_aws` (the explicit provider whose default_tags carry "
        "Environment) or set tags={'Environment': <stack>}.",
        check=check_environment_tag,
    ),
)

RULES_BY_NAME = {rule.name: rule for rule in RULES}


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [rule.policy() for rule in RULES]
