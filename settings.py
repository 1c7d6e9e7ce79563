"""Typed, validated stack settings for the DiagramAI program.

The stack's `pulumi.Config` is parsed exactly once, here. Every problem found is
collected and reported in one `ConfigError` (a `pulumi.RunError`, so the CLI exits
cleanly without a traceback) before any resource is registered.

`parse_settings` is a pure function of the raw config strings, so it is tested
without any Pulumi runtime; `load_settings` feeds it from the running stack.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi

from components.fargate_service import CpuArchitecture, fargate_memory_options
from components.kubernetes_service import (
    RESERVED_NAMESPACES,
    ImagePullPolicy,
    ResourceQuantities,
    ServiceType,
    cpu_cores,
    is_dns1123_label,
    is_dns1123_subdomain,
    memory_bytes,
)
from components.monitoring import AlarmThresholds
from components.network import NatGateways, NetworkMode, VpcLayout
from components.secrets import SecretSpec

PROJECT = "diagramai"
PROD_STACKS = frozenset({"prod", "production"})

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy `Days`).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$")
IAM_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[A-Za-z0-9/+=,.@_-]+$")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
# An ACM certificate: arn:aws:acm:<region>:<account>:certificate/<uuid>; groups give region and account.
ACM_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
# The committed prod stack's stand-in: syntactically valid, recognisably not a real certificate.
PLACEHOLDER_CERTIFICATE_ID = "certificate/00000000-0000-0000-0000-000000000000"
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
# An image pinned by tag and/or digest: registry/repo:tag, registry/repo@sha256:..., or both.
IMAGE_URI = re.compile(
    r"^[a-z0-9.-]+(:\d+)?/[a-z0-9._/-]+(?::[A-Za-z0-9_.-]{1,128}(?:@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$"
)
# Every `diagramai:` key this program reads; anything else in a stack file is a typo.
KNOWN_KEYS = (
    "cpu", "memory", "cpuArchitecture", "desiredCount", "containerPort", "healthCheckPath",
    "healthCheckCommand", "logRetentionDays", "image", "environment", "secrets", "secretValues",
    "network", "protect", "immutableTags", "enableExecuteCommand", "minHealthyPercent",
    "maxPercent", "keepTaggedImages", "untaggedImageExpiryDays", "kmsKeyArn", "clusterName",
    "taskRolePolicyArns", "allowedAccountIds", "kubernetes", "ecs",
    "loadBalancer", "certificateArn", "autoscaling", "alarms", "publishOutputs",
)  # fmt: skip
DOCKER_PLATFORMS = {"linux/amd64": CpuArchitecture.X86_64, "linux/arm64": CpuArchitecture.ARM64}


class ConfigError(pulumi.RunError):
    """Every invalid stack setting, reported together."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"Invalid configuration for stack '{stack}' ({len(problems)} problem(s)):\n{lines}\n"
            "Fix them with `pulumi config set` (see README, 'Configuration reference')."
        )


@dataclass(frozen=True)
class ImageSettings:
    uri: str | None = None
    context: str | None = None
    dockerfile: str | None = None
    platform: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class NetworkSettings:
    vpc_id: str | None = None
    public_subnet_ids: tuple[str, ...] = ()
    private_subnet_ids: tuple[str, ...] = ()
    assign_public_ip: bool = False
    ingress_cidrs: tuple[str, ...] = ()
    mode: NetworkMode = NetworkMode.DEFAULT_VPC
    # Only used with mode=create.
    create: VpcLayout = field(default_factory=VpcLayout)


@dataclass(frozen=True)
class LoadBalancerSettings:
    enabled: bool = True
    ingress_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    deregistration_delay: int = 30
    idle_timeout: int = 60
    health_check_interval: int = 10
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    health_check_grace_period: int = 60
    deletion_protection: bool = False
    access_logs_bucket: str | None = None
    access_logs_prefix: str | None = None


@dataclass(frozen=True)
class AutoscalingSettings:
    enabled: bool = False
    min_capacity: int = 1
    max_capacity: int = 2
    cpu_target: float = 60
    memory_target: float = 75
    # ALB requests per task per minute; None without a load balancer.
    requests_per_target: int | None = None
    scale_out_cooldown: int = 60
    scale_in_cooldown: int = 300


@dataclass(frozen=True)
class AlarmSettings:
    enabled: bool = False
    email: str | None = None
    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)


@dataclass(frozen=True)
class KubernetesSettings:
    enabled: bool = False
    # "" until parsed: the default is the stack's app name, e.g. diagramai-dev.
    namespace: str = ""
    replicas: int = 3
    autoscaling: bool = True
    min_replicas: int = 3
    max_replicas: int = 10
    service_type: ServiceType = ServiceType.LOAD_BALANCER
    resources: ResourceQuantities = field(default_factory=ResourceQuantities)
    # A kubeconfig file path or its content (content only as a Pulumi secret).
    kubeconfig: str | None = None
    context: str | None = None
    render_dir: str | None = None
    existing_secret_name: str | None = None
    image_pull_secrets: tuple[str, ...] = ()
    image_pull_policy: ImagePullPolicy = ImagePullPolicy.IF_NOT_PRESENT
    network_policy: bool = True


@dataclass(frozen=True)
class EcsSettings:
    enabled: bool = True


@dataclass(frozen=True)
class Settings:
    project: str
    stack: str
    region: str
    is_prod: bool
    cpu: int
    memory: int
    cpu_architecture: CpuArchitecture
    desired_count: int
    container_port: int
    health_check_path: str
    health_check_command: str | None
    log_retention_days: int
    image: ImageSettings
    environment: Mapping[str, str]
    secrets: tuple[SecretSpec, ...]
    # Values stay pulumi secrets from config to the Secrets Manager SecretVersion.
    secret_values: Mapping[str, pulumi.Output[str]]
    network: NetworkSettings
    protect: bool
    immutable_tags: bool
    enable_execute_command: bool
    min_healthy_percent: int
    max_percent: int
    keep_tagged_images: int
    untagged_image_expiry_days: int
    kms_key_arn: str | None
    cluster_name: str | None
    task_role_policy_arns: tuple[str, ...]
    allowed_account_ids: tuple[str, ...]
    kubernetes: KubernetesSettings
    load_balancer: LoadBalancerSettings = field(default_factory=LoadBalancerSettings)
    certificate_arn: str | None = None
    autoscaling: AutoscalingSettings = field(default_factory=AutoscalingSettings)
    alarms: AlarmSettings = field(default_factory=AlarmSettings)
    ecs: EcsSettings = field(default_factory=EcsSettings)
    # Publish the main non-secret outputs as SSM parameters under /<project>/<stack>/.
    publish_outputs: bool = False

    @property
    def app_name(self) -> str:
        return f"{self.project}-{self.stack}"

    @property
    def certificate_is_placeholder(self) -> bool:
        return self.certificate_arn is not None and self.certificate_arn.endswith(PLACEHOLDER_CERTIFICATE_ID)


# ---------------------------------------------------------------------------
# Raw access. Values arrive as the CLI hands them over: strings, JSON for objects.


class _Reader:
    """Reads and type-checks raw config values, recording every problem instead of raising."""

    def __init__(self, raw: Mapping[str, str], namespace: str) -> None:
        self.raw = raw
        self.namespace = namespace
        self.problems: list[str] = []

    def fail(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{self.namespace}:{key} = {_show(value)} is invalid: {allowed}")

    def value(self, key: str) -> Any:
        """The value as YAML/JSON would give it (objects parsed), or None when unset."""
        text = self.raw.get(f"{self.namespace}:{key}")
        if text is None:
            return None
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            return text

    def integer(self, key: str, default: int, check: Callable[[int], str | None] | None = None) -> int:
        return self.integer_value(key, self.value(key), default, check)

    def integer_value(self, key: str, value: Any, default: int, check: Callable[[int], str | None] | None) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, value, "expected an integer")
            return default
        problem = check(value) if check else None
        if problem:
            self.fail(key, value, problem)
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        return self.boolean_value(key, self.value(key), default)

    def boolean_value(self, key: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, value, "expected true or false")
            return default
        return value

    def string(self, key: str, default: str | None = None) -> str | None:
        """A plain string; empty means unset (Pulumi.yaml declares optional strings with default "")."""
        value = self.raw.get(f"{self.namespace}:{key}")
        return value or default

    def mapping(self, key: str, allowed_keys: frozenset[str] | None = None) -> dict[str, Any]:
        value = self.value(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, value, "expected an object")
            return {}
        if allowed_keys is not None:
            for unknown in sorted(set(value) - allowed_keys):
                self.fail(
                    f"{key}.{unknown}", value[unknown], f"unknown key; allowed keys: {', '.join(sorted(allowed_keys))}"
                )
        return value

    def string_list(
        self, key: str, pattern: re.Pattern[str] | None, allowed: str, value: Any = None
    ) -> tuple[str, ...]:
        if value is None:
            value = self.value(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(key, value, f"expected a list; {allowed}")
            return ()
        items: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or (pattern is not None and not pattern.match(item)):
                self.fail(f"{key}[{i}]", item, allowed)
            else:
                items.append(item)
        return tuple(items)


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else repr(value)


def _in_range(low: int, high: int) -> Callable[[int], str | None]:
    return lambda v: None if low <= v <= high else f"must be between {low} and {high}"


# ---------------------------------------------------------------------------
# Sections


def _image(r: _Reader) -> ImageSettings:
    image = r.mapping("image", frozenset({"uri", "context", "dockerfile", "platform", "tag"}))
    for key, value in image.items():
        if not isinstance(value, str) or not value:
            r.fail(f"image.{key}", value, "expected a non-empty string")
    uri, context = image.get("uri"), image.get("context")
    if bool(uri) == bool(context):
        r.fail("image", image, "set exactly one of `image.uri` (a prebuilt image) or `image.context` (build and push)")
    if isinstance(uri, str) and uri and not IMAGE_URI.match(uri):
        r.fail(
            "image.uri",
            uri,
            "expected registry/repository:tag or registry/repository@sha256:<64 hex> (a tag is resolved to its digest)",
        )
    if uri and not context and any(image.get(k) for k in ("dockerfile", "platform", "tag")):
        r.fail("image", image, "`dockerfile`, `platform` and `tag` apply only to a build (`image.context`)")
    platform = image.get("platform")
    if platform is not None and platform not in DOCKER_PLATFORMS:
        r.fail("image.platform", platform, f"one of {', '.join(DOCKER_PLATFORMS)}")
    tag = image.get("tag")
    if isinstance(uri, str) and uri.endswith(":latest"):
        r.fail("image.uri", uri, "':latest' moves under you; use a version tag or a digest")
    if isinstance(tag, str) and (tag == "latest" or not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", tag)):
        r.fail("image.tag", tag, "a Docker tag (letters, digits, _ . -; at most 128) other than 'latest'")
    return ImageSettings(**{k: v for k, v in image.items() if isinstance(v, str)})


def _environment(r: _Reader) -> dict[str, str]:
    env = r.mapping("environment")
    result: dict[str, str] = {}
    for name, value in env.items():
        if not ENV_NAME.match(name):
            r.fail(f"environment.{name}", value, "variable names must match [A-Za-z_][A-Za-z0-9_]*")
        elif isinstance(value, (dict, list)) or value is None:
            r.fail(f"environment.{name}", value, "expected a string, number or boolean")
        else:
            result[name] = value if isinstance(value, str) else json.dumps(value)
    return result


def _secrets(r: _Reader) -> tuple[SecretSpec, ...]:
    raw = r.value("secrets")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.fail("secrets", raw, "expected a list of variable names or {name, arn, jsonKey} objects")
        return ()
    result: list[SecretSpec] = []
    for i, entry in enumerate(raw):
        key = f"secrets[{i}]"
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            r.fail(key, entry, "expected a variable name or a {name, arn, jsonKey} object")
            continue
        unknown = sorted(set(entry) - {"name", "arn", "jsonKey"})
        if unknown:
            r.fail(key, entry, f"unknown keys {unknown}; allowed keys: arn, jsonKey, name")
        name, arn, json_key = entry.get("name"), entry.get("arn"), entry.get("jsonKey")
        if not isinstance(name, str) or not ENV_NAME.match(name):
            r.fail(f"{key}.name", name, "an environment variable name matching [A-Za-z_][A-Za-z0-9_]*")
            continue
        if arn is not None and (not isinstance(arn, str) or not SECRET_ARN.match(arn)):
            r.fail(
                f"{key}.arn",
                arn,
                "the full ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
            )
            continue
        if json_key is not None and (arn is None or not isinstance(json_key, str) or not json_key):
            r.fail(f"{key}.jsonKey", json_key, "a non-empty string, only together with `arn`")
            continue
        result.append(SecretSpec(name=name, arn=arn, json_key=json_key))
    seen: set[str] = set()
    for secret in result:
        if secret.name in seen:
            r.fail("secrets", secret.name, "each secret name may appear only once")
        seen.add(secret.name)
    return tuple(result)


def _secret_values(r: _Reader, secrets: tuple[SecretSpec, ...], is_secret: bool) -> dict[str, pulumi.Output[str]]:
    values = r.mapping("secretValues")
    if values and not is_secret:
        r.fail(
            "secretValues",
            "<plaintext>",
            "secret values must be encrypted: `pulumi config set --secret --path 'secretValues.NAME' <value>`",
        )
        return {}
    managed = {s.name for s in secrets if s.arn is None}
    result: dict[str, pulumi.Output[str]] = {}
    for name, value in values.items():
        # Never echo a secret value in an error message.
        if name not in managed:
            r.fail(
                f"secretValues.{name}",
                "<secret>",
                f"no managed secret of that name in `secrets` (managed: {', '.join(sorted(managed)) or 'none'})",
            )
        elif not isinstance(value, str) or not value:
            r.fail(f"secretValues.{name}", "<secret>", "expected a non-empty string")
        else:
            result[name] = pulumi.Output.secret(value)
    return result


def _network(r: _Reader, is_prod: bool) -> NetworkSettings:
    net = r.mapping(
        "network",
        frozenset({"mode", "vpcId", "publicSubnetIds", "privateSubnetIds", "assignPublicIp", "ingressCidrs", "create"}),
    )
    vpc_id = net.get("vpcId")
    if vpc_id is not None and (not isinstance(vpc_id, str) or not VPC_ID.match(vpc_id)):
        r.fail("network.vpcId", vpc_id, "a VPC ID such as vpc-0abc1234")
        vpc_id = None
    subnet_rule = "subnet IDs such as subnet-0abc1234"
    public = r.string_list("network.publicSubnetIds", SUBNET_ID, subnet_rule, net.get("publicSubnetIds"))
    private = r.string_list("network.privateSubnetIds", SUBNET_ID, subnet_rule, net.get("privateSubnetIds"))
    assign_public_ip = r.boolean_value("network.assignPublicIp", net.get("assignPublicIp"), False)
    cidrs = r.string_list("network.ingressCidrs", None, "IPv4 CIDR blocks such as 10.0.0.0/16", net.get("ingressCidrs"))
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            r.fail(f"network.ingressCidrs[{i}]", cidr, "an IPv4 CIDR block such as 10.0.0.0/16")
            continue
        if cidr.endswith("/0") and is_prod:
            r.fail(f"network.ingressCidrs[{i}]", cidr, "prod tasks must not be open to the whole internet")
    mode = _network_mode(r, net.get("mode"), vpc_id)
    if mode is not NetworkMode.EXISTING:
        for key, given in (("vpcId", vpc_id), ("publicSubnetIds", public), ("privateSubnetIds", private)):
            if given:
                r.fail(f"network.{key}", given, f"applies only to network.mode=existing (mode is {mode.value})")
    if mode is NetworkMode.EXISTING and vpc_id is None:
        r.fail("network.vpcId", vpc_id, "required with network.mode=existing")
    if mode is NetworkMode.EXISTING and vpc_id is not None:
        chosen, key = (public, "publicSubnetIds") if assign_public_ip else (private, "privateSubnetIds")
        if not chosen:
            r.fail(
                f"network.{key}",
                [],
                "at least one subnet is required for tasks with assignPublicIp="
                f"{str(assign_public_ip).lower()} in network.vpcId",
            )
    if "create" in net and mode is not NetworkMode.CREATE:
        r.fail("network.create", net["create"], f"applies only to network.mode=create (mode is {mode.value})")
    layout = _vpc_layout(r, net.get("create"), assign_public_ip) if mode is NetworkMode.CREATE else VpcLayout()
    if is_prod and assign_public_ip:
        r.fail("network.assignPublicIp", True, "prod tasks run in private subnets without a public IP")
    if is_prod and mode is NetworkMode.DEFAULT_VPC:
        r.fail(
            "network.mode",
            mode.value,
            "prod tasks run in private subnets, which the default VPC does not have; use create or existing",
        )
    return NetworkSettings(vpc_id, public, private, assign_public_ip, cidrs, mode, layout)


def _network_mode(r: _Reader, raw: Any, vpc_id: str | None) -> NetworkMode:
    if raw is None:
        # Before `mode` existed, a vpcId alone meant "existing".
        return NetworkMode.EXISTING if vpc_id is not None else NetworkMode.DEFAULT_VPC
    try:
        return NetworkMode(raw)
    except ValueError:
        r.fail("network.mode", raw, f"one of {', '.join(m.value for m in NetworkMode)}")
        return NetworkMode.EXISTING if vpc_id is not None else NetworkMode.DEFAULT_VPC


def _vpc_layout(r: _Reader, raw: Any, assign_public_ip: bool) -> VpcLayout:
    allowed = frozenset({"cidr", "azCount", "natGateways", "interfaceEndpoints"})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        r.fail("network.create", raw, "expected an object with keys " + ", ".join(sorted(allowed)))
        return VpcLayout()
    for unknown in sorted(set(raw) - allowed):
        r.fail(f"network.create.{unknown}", raw[unknown], f"unknown key; allowed keys: {', '.join(sorted(allowed))}")
    default = VpcLayout()
    cidr = raw.get("cidr", default.cidr)
    if not _is_vpc_cidr(cidr):
        r.fail(
            "network.create.cidr",
            cidr,
            "a private IPv4 block from /16 to /20 (e.g. 10.0.0.0/16); it is split into 16 subnets, "
            "and a load balancer needs subnets of /27 or larger",
        )
        cidr = default.cidr
    az_count = r.integer_value("network.create.azCount", raw.get("azCount"), default.az_count, _in_range(2, 3))
    nat_raw = raw.get("natGateways", default.nat_gateways.value)
    try:
        nat = NatGateways(nat_raw)
    except ValueError:
        r.fail("network.create.natGateways", nat_raw, f"one of {', '.join(n.value for n in NatGateways)}")
        nat = default.nat_gateways
    endpoints = r.boolean_value("network.create.interfaceEndpoints", raw.get("interfaceEndpoints"), False)
    if nat is NatGateways.NONE and not endpoints and not assign_public_ip:
        r.fail(
            "network.create.natGateways",
            nat.value,
            "tasks in private subnets need a way to ECR, Secrets Manager and Logs: "
            "natGateways single/perAz, or interfaceEndpoints: true",
        )
    return VpcLayout(cidr=cidr, az_count=az_count, nat_gateways=nat, interface_endpoints=endpoints)


def _is_vpc_cidr(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        network = ipaddress.IPv4Network(value)
    except ValueError:
        return False
    return network.is_private and 16 <= network.prefixlen <= 20


def _cidr_list(r: _Reader, key: str, value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    cidrs = r.string_list(key, None, "IPv4 CIDR blocks such as 203.0.113.0/24", value)
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            r.fail(f"{key}[{i}]", cidr, "an IPv4 CIDR block such as 203.0.113.0/24")
    return cidrs


def _number_value(r: _Reader, key: str, value: Any, default: float, low: float, high: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        r.fail(key, value, f"a number between {low:g} and {high:g}")
        return default
    return value


def _load_balancer(r: _Reader, is_prod: bool) -> LoadBalancerSettings:
    lb = r.mapping(
        "loadBalancer",
        frozenset(
            {
                "enabled", "ingressCidrs", "deregistrationDelay", "idleTimeout", "healthCheckInterval",
                "healthyThreshold", "unhealthyThreshold", "healthCheckGracePeriod", "deletionProtection",
                "accessLogsBucket", "accessLogsPrefix",
            }
        ),
    )  # fmt: skip

    def integer(key: str, default: int, low: int, high: int) -> int:
        return r.integer_value(f"loadBalancer.{key}", lb.get(key), default, _in_range(low, high))

    enabled = r.boolean_value("loadBalancer.enabled", lb.get("enabled"), True)
    cidrs = _cidr_list(r, "loadBalancer.ingressCidrs", lb.get("ingressCidrs"), ("0.0.0.0/0",))
    if enabled and not cidrs:
        r.fail("loadBalancer.ingressCidrs", [], "at least one CIDR block may reach the load balancer")
    bucket, prefix = lb.get("accessLogsBucket"), lb.get("accessLogsPrefix")
    if bucket is not None and (not isinstance(bucket, str) or not S3_BUCKET.match(bucket)):
        r.fail("loadBalancer.accessLogsBucket", bucket, "an S3 bucket name (3-63 lowercase letters, digits, . and -)")
        bucket = None
    if prefix is not None and (
        bucket is None or not isinstance(prefix, str) or not prefix or prefix[0] == "/" or prefix[-1] == "/"
    ):
        r.fail("loadBalancer.accessLogsPrefix", prefix, "a key prefix without leading or trailing '/', with a bucket")
        prefix = None
    return LoadBalancerSettings(
        enabled=enabled,
        ingress_cidrs=cidrs,
        deregistration_delay=integer("deregistrationDelay", 30, 0, 3600),
        idle_timeout=integer("idleTimeout", 60, 1, 4000),
        # The target group's timeout is 5 s and must be shorter than the interval.
        health_check_interval=integer("healthCheckInterval", 10, 6, 300),
        healthy_threshold=integer("healthyThreshold", 2, 2, 10),
        unhealthy_threshold=integer("unhealthyThreshold", 3, 2, 10),
        health_check_grace_period=integer("healthCheckGracePeriod", 60, 0, 3600),
        deletion_protection=r.boolean_value("loadBalancer.deletionProtection", lb.get("deletionProtection"), is_prod),
        access_logs_bucket=bucket,
        access_logs_prefix=prefix,
    )


def _certificate(
    r: _Reader, region: str | None, accounts: tuple[str, ...], lb: LoadBalancerSettings, is_prod: bool
) -> str | None:
    arn = r.string("certificateArn")
    if arn is None:
        if is_prod and lb.enabled:
            r.fail("certificateArn", None, "prod serves HTTPS only: the ARN of an ACM certificate for its domain")
        return None
    match = ACM_CERTIFICATE_ARN.match(arn)
    if match is None:
        r.fail("certificateArn", arn, "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)")
        return None
    cert_region, cert_account = match.groups()
    if region and cert_region != region:
        r.fail("certificateArn", arn, f"an ALB can only use a certificate from its own region ({region})")
    if accounts and cert_account not in accounts:
        r.fail("certificateArn", arn, f"the certificate's account must be one of allowedAccountIds {list(accounts)}")
    if not lb.enabled:
        r.fail("certificateArn", arn, "terminates TLS at the load balancer; set loadBalancer.enabled: true")
    return arn


def _autoscaling(r: _Reader, desired_count: int, lb: LoadBalancerSettings) -> AutoscalingSettings:
    cfg = r.mapping(
        "autoscaling",
        frozenset(
            {
                "enabled", "minCapacity", "maxCapacity", "cpuTarget", "memoryTarget", "requestsPerTarget",
                "scaleInCooldown", "scaleOutCooldown",
            }
        ),
    )  # fmt: skip

    def integer(key: str, default: int, low: int, high: int) -> int:
        return r.integer_value(f"autoscaling.{key}", cfg.get(key), default, _in_range(low, high))

    enabled = r.boolean_value("autoscaling.enabled", cfg.get("enabled"), False)
    min_capacity = integer("minCapacity", desired_count, 0, 1000)
    max_capacity = integer("maxCapacity", max(2 * min_capacity, 1), 1, 1000)
    if enabled and min_capacity > max_capacity:
        r.fail("autoscaling.minCapacity", min_capacity, f"must not exceed autoscaling.maxCapacity ({max_capacity})")
    elif enabled and not min_capacity <= desired_count <= max_capacity:
        r.fail("desiredCount", desired_count, f"with autoscaling it must lie in {min_capacity}..{max_capacity}")
    requests = cfg.get("requestsPerTarget")
    if requests is not None and not lb.enabled:
        r.fail("autoscaling.requestsPerTarget", requests, "needs loadBalancer.enabled: true")
    requests_per_target = integer("requestsPerTarget", 1000, 1, 1_000_000) if lb.enabled else None
    scale_out = integer("scaleOutCooldown", 60, 0, 3600)
    scale_in = integer("scaleInCooldown", 300, 0, 3600)
    if scale_in <= scale_out:
        r.fail(
            "autoscaling.scaleInCooldown",
            scale_in,
            f"must be longer than scaleOutCooldown ({scale_out}): add capacity fast, remove it slowly",
        )
    return AutoscalingSettings(
        enabled=enabled,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        cpu_target=_number_value(r, "autoscaling.cpuTarget", cfg.get("cpuTarget"), 60, 10, 95),
        memory_target=_number_value(r, "autoscaling.memoryTarget", cfg.get("memoryTarget"), 75, 10, 95),
        requests_per_target=requests_per_target,
        scale_out_cooldown=scale_out,
        scale_in_cooldown=scale_in,
    )


def _alarms(r: _Reader, is_prod: bool, scaling: AutoscalingSettings) -> AlarmSettings:
    cfg = r.mapping(
        "alarms",
        frozenset(
            {"enabled", "email", "cpuPercent", "memoryPercent", "target5xxPerMinute", "unhealthyHosts",
             "evaluationMinutes"}
        ),
    )  # fmt: skip
    enabled = r.boolean_value("alarms.enabled", cfg.get("enabled"), is_prod)
    email = cfg.get("email")
    if email is not None and (not isinstance(email, str) or not EMAIL.match(email)):
        r.fail("alarms.email", email, "an email address for the alarm notifications")
        email = None
    default = AlarmThresholds()
    cpu = _number_value(r, "alarms.cpuPercent", cfg.get("cpuPercent"), default.cpu_percent, 1, 100)
    memory = _number_value(r, "alarms.memoryPercent", cfg.get("memoryPercent"), default.memory_percent, 1, 100)
    if enabled and scaling.enabled:
        # At or below the scaling target the alarm would fire in normal, scaled operation.
        for key, threshold, target, target_key in (
            ("cpuPercent", cpu, scaling.cpu_target, "cpuTarget"),
            ("memoryPercent", memory, scaling.memory_target, "memoryTarget"),
        ):
            if threshold <= target:
                r.fail(f"alarms.{key}", threshold, f"must exceed autoscaling.{target_key} ({target:g})")
    thresholds = AlarmThresholds(
        cpu_percent=cpu,
        memory_percent=memory,
        target_5xx_per_minute=r.integer_value(
            "alarms.target5xxPerMinute",
            cfg.get("target5xxPerMinute"),
            default.target_5xx_per_minute,
            _in_range(1, 100_000),
        ),
        unhealthy_hosts=r.integer_value(
            "alarms.unhealthyHosts", cfg.get("unhealthyHosts"), default.unhealthy_hosts, _in_range(0, 1000)
        ),
        evaluation_minutes=r.integer_value(
            "alarms.evaluationMinutes", cfg.get("evaluationMinutes"), default.evaluation_minutes, _in_range(1, 60)
        ),
    )
    return AlarmSettings(enabled=enabled, email=email, thresholds=thresholds)


def _traffic_rules(r: _Reader, network: NetworkSettings, lb: LoadBalancerSettings) -> None:
    """Cross-checks between the network and the load balancer."""
    if not lb.enabled:
        return
    if network.ingress_cidrs:
        r.fail(
            "network.ingressCidrs",
            list(network.ingress_cidrs),
            "with a load balancer the tasks admit only the load balancer; use loadBalancer.ingressCidrs",
        )
    if network.mode is NetworkMode.EXISTING and len(network.public_subnet_ids) < 2:
        r.fail(
            "network.publicSubnetIds",
            list(network.public_subnet_ids),
            "the load balancer needs public subnets in at least two availability zones",
        )


KUBERNETES_KEYS = frozenset(
    {
        "enabled", "namespace", "replicas", "autoscaling", "minReplicas", "maxReplicas", "serviceType",
        "resources", "kubeconfig", "context", "renderDir", "existingSecretName", "imagePullSecrets",
        "imagePullPolicy", "networkPolicy",
    }
)  # fmt: skip


def _k8s_string(r: _Reader, k8s: Mapping[str, Any], key: str) -> str | None:
    value = k8s.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        r.fail(f"kubernetes.{key}", value, "expected a non-empty string")
        return None
    return value


def _k8s_choice(r: _Reader, k8s: Mapping[str, Any], key: str, choices: type[enum.Enum], default: Any) -> Any:
    value = k8s.get(key)
    if value is None:
        return default
    try:
        return choices(value)
    except ValueError:
        r.fail(f"kubernetes.{key}", value, f"one of {', '.join(c.value for c in choices)}")
        return default


_QUANTITY_PARSERS = {"cpu": (cpu_cores, "250m or 0.5"), "memory": (memory_bytes, "256Mi or 1Gi")}


def _k8s_quantity(r: _Reader, key: str, resource: str, value: Any) -> str | None:
    """One request or limit as Kubernetes writes it, or None (recorded) when it is not a usable quantity."""
    parse, example = _QUANTITY_PARSERS[resource]
    # YAML turns `cpu: 1` into a number; Kubernetes reads it the same as "1".
    text = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    amount = parse(text) if isinstance(text, str) else None
    if amount is None or amount <= 0:
        r.fail(key, value, f"a positive Kubernetes quantity such as {example}")
        return None
    if resource == "memory" and amount < 4 * 1024**2:
        r.fail(key, value, "too small to run a container (at least 4Mi); did you forget a unit such as Mi?")
        return None
    return text


def _k8s_quantities(r: _Reader, k8s: Mapping[str, Any]) -> ResourceQuantities:
    """`resources: {requests: {cpu, memory}, limits: {cpu, memory}}`, each entry defaulting to the design's."""
    defaults = ResourceQuantities()
    raw = k8s.get("resources", {})
    if not isinstance(raw, dict):
        r.fail("kubernetes.resources", raw, "expected {requests: {cpu, memory}, limits: {cpu, memory}}")
        return defaults
    for unknown in sorted(set(raw) - {"requests", "limits"}):
        r.fail(f"kubernetes.resources.{unknown}", raw[unknown], "unknown key; allowed keys: limits, requests")
    chosen: dict[str, str] = {}
    invalid: set[str] = set()
    for side, field_suffix in (("requests", "request"), ("limits", "limit")):
        section = raw.get(side, {})
        if not isinstance(section, dict):
            r.fail(f"kubernetes.resources.{side}", section, "expected {cpu, memory}")
            continue
        for unknown in sorted(set(section) - set(_QUANTITY_PARSERS)):
            r.fail(f"kubernetes.resources.{side}.{unknown}", section[unknown], "unknown key; allowed keys: cpu, memory")
        for resource in _QUANTITY_PARSERS:
            if section.get(resource) is None:
                continue
            text = _k8s_quantity(r, f"kubernetes.resources.{side}.{resource}", resource, section[resource])
            if text is None:
                invalid.add(resource)
            else:
                chosen[f"{resource}_{field_suffix}"] = text
    quantities = replace(defaults, **chosen)
    for resource, (parse, _) in _QUANTITY_PARSERS.items():
        request, limit = getattr(quantities, f"{resource}_request"), getattr(quantities, f"{resource}_limit")
        # A bad entry already has its own message; comparing its default would only confuse.
        if resource not in invalid and parse(request) > parse(limit):  # type: ignore[operator]
            r.fail(
                f"kubernetes.resources.requests.{resource}",
                request,
                f"must not exceed kubernetes.resources.limits.{resource} ({limit})",
            )
    return quantities


def _k8s_namespace(r: _Reader, k8s: Mapping[str, Any], default: str) -> str:
    namespace = k8s.get("namespace", default)
    if not isinstance(namespace, str) or not is_dns1123_label(namespace):
        r.fail(
            "kubernetes.namespace",
            namespace,
            "a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, "
            "at most 63 characters",
        )
        return default
    if namespace in RESERVED_NAMESPACES:
        r.fail(
            "kubernetes.namespace",
            namespace,
            f"a namespace of its own, not one of {', '.join(sorted(RESERVED_NAMESPACES))}",
        )
        return default
    return namespace


def _k8s_replicas(r: _Reader, k8s: Mapping[str, Any]) -> tuple[int, int, int]:
    replicas = r.integer_value("kubernetes.replicas", k8s.get("replicas"), 3, _in_range(1, 1000))
    low = r.integer_value("kubernetes.minReplicas", k8s.get("minReplicas"), replicas, _in_range(1, 1000))
    high = r.integer_value("kubernetes.maxReplicas", k8s.get("maxReplicas"), max(10, low), _in_range(1, 1000))
    if low > high:
        r.fail("kubernetes.minReplicas", low, f"must not exceed kubernetes.maxReplicas ({high})")
    return replicas, low, high


def _k8s_connection(r: _Reader, settings: KubernetesSettings, kubeconfig_is_secret: bool) -> None:
    """The cluster must be named explicitly (or the manifests only rendered), never the ambient context."""
    connected = settings.kubeconfig is not None or settings.context is not None
    if settings.render_dir is not None and connected:
        r.fail(
            "kubernetes.renderDir",
            settings.render_dir,
            "render-only mode talks to no cluster; remove kubernetes.kubeconfig and kubernetes.context",
        )
    elif settings.render_dir is None and not connected:
        r.fail(
            "kubernetes",
            {"enabled": True},
            "name the cluster with kubernetes.context and/or kubernetes.kubeconfig (a path or, as a secret, "
            "the content), or set kubernetes.renderDir to only write manifests",
        )
    if settings.kubeconfig is not None and _is_kubeconfig_content(settings.kubeconfig) and not kubeconfig_is_secret:
        r.fail(
            "kubernetes.kubeconfig",
            "<kubeconfig content>",
            "kubeconfig content holds cluster credentials; set it as a secret: "
            '`pulumi config set --secret --path kubernetes.kubeconfig "$(cat kubeconfig)"`, or give a file path',
        )


def _is_kubeconfig_content(value: str) -> bool:
    """A kubeconfig itself (YAML or JSON) rather than the path of one."""
    return "\n" in value or "apiVersion" in value or value.lstrip().startswith("{")


def _k8s_secret_source(
    r: _Reader, settings: KubernetesSettings, secrets: tuple[SecretSpec, ...], values: Mapping[str, Any]
) -> None:
    """Every secret variable needs a value the cluster can read: secretValues, or an existing Secret."""
    if settings.existing_secret_name is not None or not secrets:
        return
    if settings.render_dir is not None:
        r.fail(
            "kubernetes.renderDir",
            settings.render_dir,
            "rendered manifests are plain files, so secret values would land on disk unencrypted; "
            "name a Secret you manage yourself (e.g. with Sealed Secrets or External Secrets) "
            "with kubernetes.existingSecretName",
        )
        return
    missing = [s.name for s in secrets if s.name not in values]
    if missing:
        r.fail(
            "kubernetes.existingSecretName",
            None,
            f"the Kubernetes Secret needs a value for every secret variable; {', '.join(missing)} have none. "
            "Set them with `pulumi config set --secret --path 'secretValues.NAME' <value>` (variables with an "
            "`arn` cannot be read by Kubernetes), or name an existing Secret holding these keys",
        )


def _kubernetes(
    r: _Reader, app_name: str, secrets: tuple[SecretSpec, ...], secret_values: Mapping[str, Any], is_secret: bool
) -> KubernetesSettings:
    k8s = r.mapping("kubernetes", KUBERNETES_KEYS)
    replicas, low, high = _k8s_replicas(r, k8s)
    existing = _k8s_string(r, k8s, "existingSecretName")
    if existing is not None and not is_dns1123_subdomain(existing):
        r.fail("kubernetes.existingSecretName", existing, "a Secret name (DNS-1123 subdomain, lower case)")
    pull_secrets = r.string_list(
        "kubernetes.imagePullSecrets",
        None,
        "names of Secrets of type kubernetes.io/dockerconfigjson in the namespace",
        k8s.get("imagePullSecrets", []),
    )
    for i, name in enumerate(pull_secrets):
        if not is_dns1123_subdomain(name):
            r.fail(f"kubernetes.imagePullSecrets[{i}]", name, "a Secret name (DNS-1123 subdomain, lower case)")
    settings = KubernetesSettings(
        enabled=r.boolean_value("kubernetes.enabled", k8s.get("enabled"), False),
        namespace=_k8s_namespace(r, k8s, app_name),
        replicas=replicas,
        autoscaling=r.boolean_value("kubernetes.autoscaling", k8s.get("autoscaling"), True),
        min_replicas=low,
        max_replicas=high,
        service_type=_k8s_choice(r, k8s, "serviceType", ServiceType, ServiceType.LOAD_BALANCER),
        resources=_k8s_quantities(r, k8s),
        kubeconfig=_k8s_string(r, k8s, "kubeconfig"),
        context=_k8s_string(r, k8s, "context"),
        render_dir=_k8s_string(r, k8s, "renderDir"),
        existing_secret_name=existing,
        image_pull_secrets=pull_secrets,
        image_pull_policy=_k8s_choice(r, k8s, "imagePullPolicy", ImagePullPolicy, ImagePullPolicy.IF_NOT_PRESENT),
        network_policy=r.boolean_value("kubernetes.networkPolicy", k8s.get("networkPolicy"), True),
    )
    if settings.enabled:
        _k8s_connection(r, settings, is_secret)
        _k8s_secret_source(r, settings, secrets, secret_values)
    return settings


def _ecs(r: _Reader) -> EcsSettings:
    ecs = r.mapping("ecs", frozenset({"enabled"}))
    return EcsSettings(enabled=r.boolean_value("ecs.enabled", ecs.get("enabled"), True))


def _cpu_memory(r: _Reader, cpu: int, memory: int) -> None:
    options = fargate_memory_options(cpu)
    if options is None:
        r.fail("cpu", cpu, "Fargate CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384")
    elif memory not in options:
        r.fail("memory", memory, f"with cpu={cpu} Fargate allows memory (MiB) {_describe_options(options)}")


def _describe_options(options: tuple[int, ...]) -> str:
    if len(options) <= 4:
        return ", ".join(map(str, options))
    step = options[1] - options[0]
    return f"{options[0]}..{options[-1]} in steps of {step}"


def _architecture(r: _Reader, image: ImageSettings) -> CpuArchitecture:
    raw = r.string("cpuArchitecture", CpuArchitecture.X86_64.value)
    try:
        arch = CpuArchitecture(raw)
    except ValueError:
        r.fail("cpuArchitecture", raw, f"one of {', '.join(a.value for a in CpuArchitecture)}")
        return CpuArchitecture.X86_64
    if image.platform in DOCKER_PLATFORMS and DOCKER_PLATFORMS[image.platform] is not arch:
        r.fail("image.platform", image.platform, f"must match cpuArchitecture={arch.value}")
    return arch


def parse_settings(
    raw: Mapping[str, str],
    *,
    stack: str,
    project: str = PROJECT,
    secret_keys: frozenset[str] = frozenset(),
) -> Settings:
    """Validate the raw config of one stack; raise ConfigError naming every bad key."""
    r = _Reader(raw, project)
    is_prod = stack in PROD_STACKS
    for key in sorted(raw):
        namespace, _, name = key.partition(":")
        if namespace == project and name not in KNOWN_KEYS:
            r.problems.append(
                f"{key} is not a setting of this program; known settings: {', '.join(sorted(KNOWN_KEYS))}"
            )

    region = raw.get("aws:region")
    if region is None or not REGION.match(region):
        r.problems.append(
            f"aws:region = {_show(region)} is invalid: "
            "set the AWS region, e.g. `pulumi config set aws:region us-east-1`"
        )

    cpu = r.integer("cpu", 256)
    memory = r.integer("memory", 512)
    _cpu_memory(r, cpu, memory)
    image = _image(r)
    arch = _architecture(r, image)
    secrets = _secrets(r)
    environment = _environment(r)
    for secret in secrets:
        if secret.name in environment:
            r.fail(
                f"environment.{secret.name}",
                environment[secret.name],
                "already declared in `secrets`; a variable is either plain or secret",
            )

    health_path = r.string("healthCheckPath", "/api/health") or ""
    if not health_path.startswith("/") or " " in health_path:
        r.fail("healthCheckPath", health_path, "an absolute URL path such as /api/health")
    min_healthy = r.integer("minHealthyPercent", 100, _in_range(0, 100))
    max_percent = r.integer("maxPercent", 200, _in_range(100, 200))

    kms_key_arn = r.string("kmsKeyArn")
    if kms_key_arn is not None and not KMS_KEY_ARN.match(kms_key_arn):
        r.fail("kmsKeyArn", kms_key_arn, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
    cluster_name = r.string("clusterName")
    if cluster_name is not None and not re.match(r"^[A-Za-z0-9_-]{1,255}$", cluster_name):
        r.fail("clusterName", cluster_name, "an existing ECS cluster name (letters, digits, - and _)")

    desired_count = r.integer("desiredCount", 1, _in_range(0, 1000))
    network = _network(r, is_prod)
    load_balancer = _load_balancer(r, is_prod)
    _traffic_rules(r, network, load_balancer)
    allowed_account_ids = r.string_list("allowedAccountIds", ACCOUNT_ID, "12-digit AWS account IDs")
    autoscaling = _autoscaling(r, desired_count, load_balancer)

    secret_values = _secret_values(r, secrets, f"{project}:secretValues" in secret_keys)
    settings = Settings(
        project=project,
        stack=stack,
        region=region or "",
        is_prod=is_prod,
        cpu=cpu,
        memory=memory,
        cpu_architecture=arch,
        desired_count=desired_count,
        container_port=r.integer("containerPort", 3000, _in_range(1, 65535)),
        health_check_path=health_path,
        health_check_command=r.string("healthCheckCommand"),
        log_retention_days=r.integer(
            "logRetentionDays",
            30,
            lambda v: (
                None
                if v in LOG_RETENTION_DAYS
                else f"CloudWatch Logs accepts {', '.join(map(str, LOG_RETENTION_DAYS))}"
            ),
        ),
        image=image,
        environment=environment,
        secrets=secrets,
        secret_values=secret_values,
        network=network,
        protect=r.boolean("protect", True),
        immutable_tags=r.boolean("immutableTags", True),
        enable_execute_command=r.boolean("enableExecuteCommand", False),
        min_healthy_percent=min_healthy,
        max_percent=max_percent,
        keep_tagged_images=r.integer("keepTaggedImages", 30, _in_range(1, 1000)),
        untagged_image_expiry_days=r.integer("untaggedImageExpiryDays", 7, _in_range(1, 365)),
        kms_key_arn=kms_key_arn,
        cluster_name=cluster_name,
        task_role_policy_arns=r.string_list(
            "taskRolePolicyArns", IAM_POLICY_ARN, "IAM policy ARNs (arn:aws:iam::<account|aws>:policy/<name>)"
        ),
        allowed_account_ids=allowed_account_ids,
        kubernetes=_kubernetes(r, f"{project}-{stack}", secrets, secret_values, f"{project}:kubernetes" in secret_keys),
        ecs=_ecs(r),
        load_balancer=load_balancer,
        certificate_arn=_certificate(r, region, allowed_account_ids, load_balancer, is_prod),
        autoscaling=autoscaling,
        alarms=_alarms(r, is_prod, autoscaling),
        publish_outputs=r.boolean("publishOutputs", False),
    )
    if not settings.ecs.enabled and not settings.kubernetes.enabled:
        r.fail("ecs.enabled", False, "with kubernetes.enabled false too, the stack would run nothing; enable one")
    if is_prod and settings.enable_execute_command:
        r.fail("enableExecuteCommand", True, "ECS Exec (a shell into running tasks) stays off in prod")
    if is_prod and not settings.immutable_tags:
        r.fail("immutableTags", False, "prod image tags must be immutable")
    if settings.immutable_tags and image.context and not image.tag:
        r.fail(
            "image.tag",
            None,
            "with immutable tags every build needs its own tag, e.g. the git SHA: "
            "`pulumi config set --path image.tag $(git rev-parse --short HEAD)`",
        )
    if min_healthy == 0 and settings.desired_count > 0 and is_prod:
        r.fail("minHealthyPercent", 0, "prod keeps serving during deploys; use 50..100")
    if r.problems:
        raise ConfigError(stack, r.problems)
    return settings


def load_settings() -> Settings:
    """Read the running stack's config (the CLI's or the offline runner's)."""
    stack = pulumi.get_stack()
    project = pulumi.get_project()
    keys = _present_config_keys() | {"aws:region"} | {f"{project}:{k}" for k in KNOWN_KEYS}
    relevant = {k for k in keys if k == "aws:region" or k.startswith(f"{project}:")}
    raw = {k: v for k in relevant if (v := pulumi.runtime.get_config(k)) is not None}
    secret = frozenset(k for k in relevant if pulumi.runtime.is_config_secret(k))
    return parse_settings(raw, stack=stack, project=project, secret_keys=secret)


def _present_config_keys() -> set[str]:
    """Every key the engine passed in, so that a misspelt key is reported, not ignored."""
    from pulumi.runtime.config import CONFIG

    return set(CONFIG.get()) | set(pulumi.runtime.get_config_env())
