"""A stateless HTTP service on any Kubernetes cluster.

Namespace (Pod Security "restricted" enforced), ServiceAccount without a token,
Secret (or an existing one), Deployment, Service, HorizontalPodAutoscaler,
PodDisruptionBudget and an optional ingress NetworkPolicy, all through one explicit
`kubernetes.Provider`: a stack never deploys to whatever kubeconfig context happens to
be current, and in render-only mode the provider writes the manifests to a directory
instead of talking to a cluster.

Secure by default: the pod meets the Pod Security Standards "restricted" profile
(non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp,
read-only root filesystem with `emptyDir` volumes for the writable paths), secret
values stay Pulumi secrets until they reach the Secret and are read with
`secretKeyRef`, and the image is whatever pinned reference it is given.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pulumi
import pulumi_kubernetes as k8s

# ---------------------------------------------------------------------------
# Kubernetes names and resource quantities (checked here so that settings and the
# component agree on what Kubernetes accepts).

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# The namespaces a workload must never land in: `default` (shared by everything that
# forgets to pick one) and the `kube-` system namespaces.
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})

_CPU = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<suffix>m?)$")
_MEMORY = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
_MEMORY_FACTORS = {
    None: 1,
    **{s: 1024 ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{s: 1000 ** (i + 1) for i, s in enumerate(("k", "M", "G", "T", "P", "E"))},
}


def is_dns1123_label(name: str) -> bool:
    return len(name) <= 63 and bool(DNS1123_LABEL.match(name))


def is_dns1123_subdomain(name: str) -> bool:
    return len(name) <= 253 and bool(DNS1123_SUBDOMAIN.match(name))


def cpu_cores(quantity: str) -> Decimal | None:
    """A CPU quantity ("250m", "0.5", "2") in cores, or None if Kubernetes would reject it."""
    match = _CPU.match(quantity)
    if match is None:
        return None
    try:
        value = Decimal(match["number"])
    except InvalidOperation:
        return None
    return value / 1000 if match["suffix"] == "m" else value


def memory_bytes(quantity: str) -> Decimal | None:
    """A memory quantity ("256Mi", "1Gi", "512M") in bytes, or None if it is not one."""
    match = _MEMORY.match(quantity)
    if match is None:
        return None
    return Decimal(match["number"]) * _MEMORY_FACTORS[match["suffix"]]


class ServiceType(enum.Enum):
    LOAD_BALANCER = "LoadBalancer"
    CLUSTER_IP = "ClusterIP"


class ImagePullPolicy(enum.Enum):
    # A digest-pinned image never changes, so a node's cached copy is always the right one.
    IF_NOT_PRESENT = "IfNotPresent"
    ALWAYS = "Always"


@dataclass(frozen=True)
class ResourceQuantities:
    """Container requests and limits (the design's defaults: 250m/256Mi requested, 500m/512Mi limit)."""

    cpu_request: str = "250m"
    memory_request: str = "256Mi"
    cpu_limit: str = "500m"
    memory_limit: str = "512Mi"


@dataclass(frozen=True)
class ClusterConnection:
    """Where the provider deploys: a kubeconfig (path or content) and context, or a render directory."""

    kubeconfig: pulumi.Input[str] | None = None
    context: str | None = None
    # Render-only: write YAML manifests here instead of applying them to a cluster.
    render_dir: str | None = None


@dataclass(frozen=True)
class KubernetesServiceArgs:
    # Required: the app's name (Deployment, Service, container), its namespace and image.
    app_name: str
    namespace: str
    image: pulumi.Input[str]
    connection: ClusterConnection = field(default_factory=ClusterConnection)
    # app.kubernetes.io/instance, e.g. "diagramai-prod"; defaults to the namespace.
    instance: str | None = None
    container_port: int = 3000
    service_port: int = 80
    service_type: ServiceType = ServiceType.LOAD_BALANCER
    health_check_path: str = "/"
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Secret variables held in a Secret this component creates (values must be Pulumi secrets)...
    secret_values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # ...or read from an existing Secret: its name and the variables (keys) to read from it.
    existing_secret_name: str | None = None
    existing_secret_keys: Sequence[str] = ()
    replicas: int = 3
    # With autoscaling the HPA owns the replica count and the Deployment leaves it unset.
    autoscaling: bool = True
    min_replicas: int = 3
    max_replicas: int = 10
    target_cpu_utilization: int = 70
    target_memory_utilization: int = 80
    resources: ResourceQuantities = field(default_factory=ResourceQuantities)
    image_pull_policy: ImagePullPolicy = ImagePullPolicy.IF_NOT_PRESENT
    image_pull_secrets: Sequence[str] = ()
    network_policy: bool = True
    # The image's non-root user and group (UID/GID 1001 in the design's Dockerfile).
    run_as_user: int = 1001
    # Writable directories on an otherwise read-only root filesystem: volume name -> mount path.
    writable_paths: Mapping[str, str] = field(default_factory=lambda: {"tmp": "/tmp", "next-cache": "/app/.next/cache"})
    writable_size_limit: str = "256Mi"


def _check_args(args: KubernetesServiceArgs) -> None:
    if not is_dns1123_label(args.namespace) or args.namespace in RESERVED_NAMESPACES:
        reserved = ", ".join(sorted(RESERVED_NAMESPACES))
        raise ValueError(f"namespace {args.namespace!r} must be a DNS-1123 label other than {reserved}")
    if args.secret_values and args.existing_secret_name:
        raise ValueError("give either secret_values (a managed Secret) or existing_secret_name, not both")
    if args.autoscaling and not 1 <= args.min_replicas <= args.max_replicas:
        raise ValueError("autoscaling needs 1 <= min_replicas <= max_replicas")
    if args.connection.render_dir and args.secret_values:
        raise ValueError("render-only mode would write secret values to disk; use existing_secret_name")


def secret_checksum(values: Mapping[str, str]) -> str:
    """A digest of a Secret's data: changes whenever a value does, reveals none of them."""
    return hashlib.sha256(json.dumps(dict(values), sort_keys=True).encode()).hexdigest()


class KubernetesService(pulumi.ComponentResource):
    k8s_provider: k8s.Provider
    namespace: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    # The Secret the pods read (the managed one, or the existing one named in the args).
    secret_name: pulumi.Output[str] | None
    # The LoadBalancer's hostname or IP once the cloud has assigned it; None for ClusterIP.
    service_address: pulumi.Output[str | None]

    def __init__(self, name: str, args: KubernetesServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:kubernetes_service:KubernetesService", name, None, opts)
        _check_args(args)
        self._base = name
        self._spec = args
        self.k8s_provider = self._cluster_provider()
        self.labels = self._labels()
        self.selector = {k: self.labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}

        self.namespace = self._namespace().metadata.apply(lambda m: m.name)
        account = self._service_account()
        secret_name, checksum = self._secret()
        self.secret_name = secret_name
        deployment = self._deployment(account, secret_name, checksum)
        self.deployment_name = deployment.metadata.apply(lambda m: m.name)
        service = self._service()
        self.service_name = service.metadata.apply(lambda m: m.name)
        self.service_address = (
            service.status.apply(_load_balancer_address)
            if args.service_type is ServiceType.LOAD_BALANCER
            else pulumi.Output.from_input(None)
        )
        if args.autoscaling:
            self._autoscaler(deployment)
        self._disruption_budget()
        if args.network_policy:
            self._network_policy()
        self.register_outputs(
            {
                "namespace": self.namespace,
                "deploymentName": self.deployment_name,
                "serviceName": self.service_name,
                "serviceAddress": self.service_address,
            }
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=self.k8s_provider)

    def _metadata(self) -> k8s.meta.v1.ObjectMetaArgs:
        return k8s.meta.v1.ObjectMetaArgs(
            name=self._spec.app_name,
            # The Namespace's output, so every object waits for the Namespace to exist.
            namespace=self.namespace,
            labels=self.labels,
        )

    def _labels(self) -> dict[str, str]:
        # The recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels).
        return {
            "app.kubernetes.io/name": self._spec.app_name,
            "app.kubernetes.io/instance": self._spec.instance or self._spec.namespace,
            "app.kubernetes.io/component": "web",
            "app.kubernetes.io/managed-by": "pulumi",
        }

    def _cluster_provider(self) -> k8s.Provider:
        conn = self._spec.connection
        if conn.render_dir:
            return k8s.Provider(
                f"{self._base}-provider",
                render_yaml_to_directory=conn.render_dir,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return k8s.Provider(
            f"{self._base}-provider",
            # Kubeconfig content carries credentials; keep it encrypted in the state.
            kubeconfig=pulumi.Output.secret(conn.kubeconfig) if conn.kubeconfig is not None else None,
            context=conn.context,
            opts=pulumi.ResourceOptions(parent=self),
        )

    # -- objects ----------------------------------------------------------------------------

    def _namespace(self) -> k8s.core.v1.Namespace:
        # Pod Security Admission rejects any pod in this namespace that breaks the restricted profile.
        enforce = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}
        return k8s.core.v1.Namespace(
            f"{self._base}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=self._spec.namespace, labels={**self.labels, **enforce}),
            opts=self._opts(),
        )

    def _service_account(self) -> k8s.core.v1.ServiceAccount:
        # The app never calls the Kubernetes API, so its pods get no API token.
        return k8s.core.v1.ServiceAccount(
            f"{self._base}-service-account",
            metadata=self._metadata(),
            automount_service_account_token=False,
            opts=self._opts(),
        )

    def _secret(self) -> tuple[pulumi.Output[str] | None, pulumi.Output[str] | None]:
        """The Secret's name and a checksum of its data (None when there is nothing to hold)."""
        args = self._spec
        if args.existing_secret_name:
            return pulumi.Output.from_input(args.existing_secret_name), None
        if not args.secret_values:
            return None, None
        values = {k: pulumi.Output.secret(v) for k, v in args.secret_values.items()}
        secret = k8s.core.v1.Secret(
            f"{self._base}-secret",
            # No name: Pulumi names it with a random suffix, so a replacement Secret is created
            # before the old one is deleted and pods starting meanwhile always find one.
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=self.namespace, labels=self.labels),
            type="Opaque",
            string_data=values,
            opts=self._opts(),
        )
        # Derived from secrets, so the checksum stays a secret too; it only serves to roll the pods.
        checksum = pulumi.Output.all(**values).apply(secret_checksum)
        return secret.metadata.apply(lambda m: m.name), checksum

    def _secret_keys(self) -> list[str]:
        args = self._spec
        return sorted(args.existing_secret_keys if args.existing_secret_name else args.secret_values)

    def _env(self, secret_name: pulumi.Output[str] | None) -> list[k8s.core.v1.EnvVarArgs]:
        env = [k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in sorted(self._spec.environment.items())]
        if secret_name is not None:
            env += [
                k8s.core.v1.EnvVarArgs(
                    name=key,
                    value_from=k8s.core.v1.EnvVarSourceArgs(
                        secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=secret_name, key=key)
                    ),
                )
                for key in self._secret_keys()
            ]
        return env

    def _probe(self, period: int, failures: int) -> k8s.core.v1.ProbeArgs:
        return k8s.core.v1.ProbeArgs(
            http_get=k8s.core.v1.HTTPGetActionArgs(path=self._spec.health_check_path, port="http"),
            period_seconds=period,
            timeout_seconds=3,
            failure_threshold=failures,
        )

    def _container(self, secret_name: pulumi.Output[str] | None) -> k8s.core.v1.ContainerArgs:
        args = self._spec
        res = args.resources
        return k8s.core.v1.ContainerArgs(
            name=args.app_name,
            image=args.image,
            image_pull_policy=args.image_pull_policy.value,
            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=args.container_port, protocol="TCP")],
            env=self._env(secret_name),
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": res.cpu_request, "memory": res.memory_request},
                limits={"cpu": res.cpu_limit, "memory": res.memory_limit},
            ),
            # The startup probe gives a cold start up to 150 s; liveness and readiness only begin after it.
            startup_probe=self._probe(period=5, failures=30),
            liveness_probe=self._probe(period=10, failures=3),
            readiness_probe=self._probe(period=5, failures=3),
            security_context=k8s.core.v1.SecurityContextArgs(
                run_as_non_root=True,
                run_as_user=args.run_as_user,
                run_as_group=args.run_as_user,
                allow_privilege_escalation=False,
                privileged=False,
                read_only_root_filesystem=True,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            ),
            volume_mounts=[
                k8s.core.v1.VolumeMountArgs(name=volume, mount_path=path)
                for volume, path in sorted(args.writable_paths.items())
            ],
        )

    def _pod_spec(
        self, account: k8s.core.v1.ServiceAccount, secret_name: pulumi.Output[str] | None
    ) -> k8s.core.v1.PodSpecArgs:
        args = self._spec
        return k8s.core.v1.PodSpecArgs(
            service_account_name=account.metadata.apply(lambda m: m.name),
            automount_service_account_token=False,
            # No *_SERVICE_HOST variables for every Service in the namespace.
            enable_service_links=False,
            termination_grace_period_seconds=30,
            security_context=k8s.core.v1.PodSecurityContextArgs(
                run_as_non_root=True,
                run_as_user=args.run_as_user,
                run_as_group=args.run_as_user,
                fs_group=args.run_as_user,
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            ),
            image_pull_secrets=[k8s.core.v1.LocalObjectReferenceArgs(name=n) for n in args.image_pull_secrets] or None,
            containers=[self._container(secret_name)],
            volumes=[
                k8s.core.v1.VolumeArgs(
                    name=volume, empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=args.writable_size_limit)
                )
                for volume in sorted(args.writable_paths)
            ],
            topology_spread_constraints=[
                # Soft spreading: clusters without zone labels (kind, a single node) still schedule.
                k8s.core.v1.TopologySpreadConstraintArgs(
                    max_skew=1,
                    topology_key=key,
                    when_unsatisfiable="ScheduleAnyway",
                    label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=self.selector),
                    # Count only pods of the same revision, so a rollout does not skew the spread.
                    match_label_keys=["pod-template-hash"],
                )
                for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
            ],
        )

    def _deployment(
        self,
        account: k8s.core.v1.ServiceAccount,
        secret_name: pulumi.Output[str] | None,
        checksum: pulumi.Output[str] | None,
    ) -> k8s.apps.v1.Deployment:
        args = self._spec
        # A changed Secret does not restart pods by itself; a changed pod template does.
        annotations = {"diagramai.dev/secret-checksum": checksum} if checksum is not None else None
        return k8s.apps.v1.Deployment(
            f"{self._base}-deployment",
            metadata=self._metadata(),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # With an HPA the replica count is left to it (Kubernetes' advice): a count here would
                # reset the autoscaler's choice on every update.
                replicas=None if args.autoscaling else args.replicas,
                revision_history_limit=5,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=self.selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    # Never fewer ready pods than wanted during a rollout.
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1),
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=self.labels, annotations=annotations),
                    spec=self._pod_spec(account, secret_name),
                ),
            ),
            opts=self._opts(),
        )

    def _service(self) -> k8s.core.v1.Service:
        args = self._spec
        return k8s.core.v1.Service(
            f"{self._base}-service",
            metadata=self._metadata(),
            spec=k8s.core.v1.ServiceSpecArgs(
                type=args.service_type.value,
                selector=self.selector,
                ports=[
                    k8s.core.v1.ServicePortArgs(name="http", port=args.service_port, target_port="http", protocol="TCP")
                ],
            ),
            opts=self._opts(),
        )

    def _target(self, deployment: k8s.apps.v1.Deployment) -> k8s.autoscaling.v2.CrossVersionObjectReferenceArgs:
        return k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="Deployment", name=deployment.metadata.apply(lambda m: m.name)
        )

    def _autoscaler(self, deployment: k8s.apps.v1.Deployment) -> k8s.autoscaling.v2.HorizontalPodAutoscaler:
        args = self._spec

        def utilization(resource: str, percent: int) -> k8s.autoscaling.v2.MetricSpecArgs:
            return k8s.autoscaling.v2.MetricSpecArgs(
                type="Resource",
                resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                    name=resource,
                    target=k8s.autoscaling.v2.MetricTargetArgs(type="Utilization", average_utilization=percent),
                ),
            )

        return k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{self._base}-autoscaler",
            metadata=self._metadata(),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=self._target(deployment),
                min_replicas=args.min_replicas,
                max_replicas=args.max_replicas,
                metrics=[
                    utilization("cpu", args.target_cpu_utilization),
                    utilization("memory", args.target_memory_utilization),
                ],
            ),
            opts=self._opts(),
        )

    def _disruption_budget(self) -> k8s.policy.v1.PodDisruptionBudget:
        # One pod at a time may be evicted by a node drain, whatever the replica count
        # (`minAvailable` equal to a count of 1 would block drains for good).
        return k8s.policy.v1.PodDisruptionBudget(
            f"{self._base}-disruption-budget",
            metadata=self._metadata(),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=self.selector),
            ),
            opts=self._opts(),
        )

    def _network_policy(self) -> k8s.networking.v1.NetworkPolicy:
        # Admits traffic from anywhere, but only to the app's port; egress stays open
        # (the app calls its database and AI providers).
        return k8s.networking.v1.NetworkPolicy(
            f"{self._base}-network-policy",
            metadata=self._metadata(),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=self.selector),
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=self._spec.container_port, protocol="TCP")]
                    )
                ],
            ),
            opts=self._opts(),
        )


def _load_balancer_address(status: object) -> str | None:
    """The first ingress hostname (AWS ELB) or IP (most other clouds) of a LoadBalancer Service."""
    load_balancer = getattr(status, "load_balancer", None) if status is not None else None
    for ingress in getattr(load_balancer, "ingress", None) or []:
        address = getattr(ingress, "hostname", None) or getattr(ingress, "ip", None)
        if address:
            return address
    return None
