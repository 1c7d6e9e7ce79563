"""Typed, validated stack settings for the DiagramAI program.

The stack's `pulumi.Config` is parsed exactly once, here. Every problem found is
collected and reported in one `ConfigError` (a `pulumi.RunError`, so the CLI exits
cleanly without a traceback) before any resource is registered.

`parse_settings` is a pure function of the raw config strings, so it is tested
without any Pulumi runtime; `load_settings` feeds it from the running stack.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.fargate_service import CpuArchitecture, fargate_memory_options
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
    "taskRolePolicyArns", "allowedAccountIds", "kubernetes", "publishOutputs",
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


@dataclass(frozen=True)
class KubernetesSettings:
    enabled: bool = False


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
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    # Publish the main non-secret outputs as SSM parameters under /<project>/<stack>/.
    publish_outputs: bool = False

    @property
    def app_name(self) -> str:
        return f"{self.project}-{self.stack}"


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
        return self._integer_value(key, self.value(key), default, check)

    def _integer_value(self, key: str, value: Any, default: int, check: Callable[[int], str | None] | None) -> int:
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
        return self._boolean_value(key, self.value(key), default)

    def _boolean_value(self, key: str, value: Any, default: bool) -> bool:
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
    if uri and any(image.get(k) for k in ("dockerfile", "platform", "tag")):
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
        "network", frozenset({"vpcId", "publicSubnetIds", "privateSubnetIds", "assignPublicIp", "ingressCidrs"})
    )
    vpc_id = net.get("vpcId")
    if vpc_id is not None and (not isinstance(vpc_id, str) or not VPC_ID.match(vpc_id)):
        r.fail("network.vpcId", vpc_id, "a VPC ID such as vpc-0abc1234")
        vpc_id = None
    subnet_rule = "subnet IDs such as subnet-0abc1234"
    public = r.string_list("network.publicSubnetIds", SUBNET_ID, subnet_rule, net.get("publicSubnetIds"))
    private = r.string_list("network.privateSubnetIds", SUBNET_ID, subnet_rule, net.get("privateSubnetIds"))
    assign_public_ip = r._boolean_value("network.assignPublicIp", net.get("assignPublicIp"), False)
    cidrs = r.string_list("network.ingressCidrs", None, "IPv4 CIDR blocks such as 10.0.0.0/16", net.get("ingressCidrs"))
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            r.fail(f"network.ingressCidrs[{i}]", cidr, "an IPv4 CIDR block such as 10.0.0.0/16")
            continue
        if cidr.endswith("/0") and is_prod:
            r.fail(f"network.ingressCidrs[{i}]", cidr, "prod tasks must not be open to the whole internet")
    if vpc_id is None and (public or private):
        r.fail("network.vpcId", vpc_id, "required when subnet IDs are given")
    if vpc_id is not None:
        chosen, key = (public, "publicSubnetIds") if assign_public_ip else (private, "privateSubnetIds")
        if not chosen:
            r.fail(
                f"network.{key}",
                [],
                "at least one subnet is required for tasks with assignPublicIp="
                f"{str(assign_public_ip).lower()} in network.vpcId",
            )
    if is_prod and assign_public_ip:
        r.fail("network.assignPublicIp", True, "prod tasks run in private subnets without a public IP")
    return NetworkSettings(vpc_id, public, private, assign_public_ip, cidrs)


def _kubernetes(r: _Reader) -> KubernetesSettings:
    k8s = r.mapping("kubernetes")
    enabled = r._boolean_value("kubernetes.enabled", k8s.get("enabled"), False)
    if enabled:
        r.fail("kubernetes.enabled", True, "the Kubernetes target is not available yet; set it to false")
    return KubernetesSettings(enabled=enabled)


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

    settings = Settings(
        project=project,
        stack=stack,
        region=region or "",
        is_prod=is_prod,
        cpu=cpu,
        memory=memory,
        cpu_architecture=arch,
        desired_count=r.integer("desiredCount", 1, _in_range(0, 1000)),
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
        secret_values=_secret_values(r, secrets, f"{project}:secretValues" in secret_keys),
        network=_network(r, is_prod),
        protect=r.boolean("protect", True),
        immutable_tags=r.boolean("immutableTags", is_prod),
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
        allowed_account_ids=r.string_list("allowedAccountIds", ACCOUNT_ID, "12-digit AWS account IDs"),
        kubernetes=_kubernetes(r),
        publish_outputs=r.boolean("publishOutputs", False),
    )
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
