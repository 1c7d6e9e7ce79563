"""The Kubernetes target, evaluated offline with the real program and checked against Kubernetes' own schemas."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from components.kubernetes_service import cpu_cores, memory_bytes, secret_checksum
from offline import Evaluation, RecordedResource, evaluate
from offline.artifacts import render_files, write_files
from offline.engine import PROJECT_DIR
from offline.manifests import kubernetes_manifests
from offline.stack_config import SECRET_PLACEHOLDER_PREFIX, secret_placeholder
from tests.conftest import evaluate_ok

K8S = "kubernetes:"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SECRET = "kubernetes:core/v1:Secret"
SERVICE = "kubernetes:core/v1:Service"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
PROVIDER = "pulumi:providers:kubernetes"
# An older and the newest Kubernetes release the installed kubernetes-validate ships schemas for.
SCHEMA_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
ON = {"enabled": True, "context": "kind-diagramai"}


def stack_secret_names(stack: str) -> list[str]:
    """The secret variables a committed stack declares (all managed by the program)."""
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    return [s if isinstance(s, str) else s["name"] for s in config["diagramai:secrets"]]


def secret_values(stack: str) -> dict[str, Any]:
    """Every secret variable with a value, marked `secure` the way `pulumi config set --secret` writes it."""
    return {"diagramai:secretValues": {name: {"secure": f"v1:{name}"} for name in stack_secret_names(stack)}}


def with_kubernetes(stack: str, ecs: bool = True, **kubernetes: Any) -> Evaluation:
    overrides: dict[str, Any] = {"diagramai:kubernetes": {**ON, **kubernetes}, **secret_values(stack)}
    if not ecs:
        overrides["diagramai:ecs"] = {"enabled": False}
    return evaluate_ok(stack, **overrides)


@pytest.fixture(params=["dev", "prod"], scope="module")
def k8s(request: pytest.FixtureRequest) -> Evaluation:
    return with_kubernetes(request.param)


@pytest.fixture(scope="module")
def k8s_only() -> Evaluation:
    return with_kubernetes("prod", ecs=False)


@pytest.fixture(scope="module")
def existing_secret() -> Evaluation:
    return evaluate_ok("prod", **{"diagramai:kubernetes": {**ON, "existingSecretName": "diagramai-env"}})


@pytest.fixture(scope="module")
def variants(k8s: Evaluation, k8s_only: Evaluation, existing_secret: Evaluation) -> list[Evaluation]:
    cluster_ip = with_kubernetes("dev", serviceType="ClusterIP", autoscaling=False, networkPolicy=False, replicas=2)
    pull = with_kubernetes("dev", imagePullSecrets=["regcred"], imagePullPolicy="Always")
    return [k8s, k8s_only, existing_secret, cluster_ip, pull]


def pod_spec(result: Evaluation) -> dict[str, Any]:
    return result.one(DEPLOYMENT).inputs["spec"]["template"]["spec"]


def container(result: Evaluation) -> dict[str, Any]:
    (only,) = pod_spec(result)["containers"]
    return only


def name_of(resource: RecordedResource) -> str:
    return (resource.inputs["metadata"].get("name")) or resource.state["metadata"]["name"]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk_strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk_strings(v, f"{path}[{i}]")


# -- provider and wiring -------------------------------------------------------------------------


def test_committed_stacks_have_no_kubernetes_objects(stack: Evaluation) -> None:
    assert not [r for r in stack.resources if r.package == "kubernetes"]
    assert not [k for k in stack.outputs if k.startswith("kubernetes")]


def test_every_object_goes_through_the_configured_provider(k8s: Evaluation) -> None:
    (provider,) = [r for r in k8s.resources if r.type == PROVIDER]
    assert provider.inputs["context"] == ON["context"]
    objects = [r for r in k8s.resources if r.custom and r.type.startswith(K8S)]
    assert {r.type for r in objects} == {
        DEPLOYMENT,
        SECRET,
        SERVICE,
        HPA,
        PDB,
        NETWORK_POLICY,
        NAMESPACE,
        SERVICE_ACCOUNT,
    }
    assert {r.provider.split("::")[-2] for r in objects} == {provider.name}


def test_kubeconfig_and_render_only_mode_reach_the_provider() -> None:
    from_file = with_kubernetes("dev", context=None, kubeconfig="~/.kube/eks-prod")
    assert from_file.one(PROVIDER).inputs == {"kubeconfig": "~/.kube/eks-prod"}
    rendered = evaluate_ok(
        "dev", **{"diagramai:kubernetes": {"enabled": True, "renderDir": "rendered", "existingSecretName": "env"}}
    )
    assert rendered.one(PROVIDER).inputs == {"renderYamlToDirectory": "rendered"}


def test_namespace_is_the_stacks_own_and_enforces_the_restricted_profile(k8s: Evaluation) -> None:
    namespace = k8s.one(NAMESPACE).inputs["metadata"]
    assert namespace["name"] == f"diagramai-{k8s.stack}"
    for mode in ("enforce", "audit", "warn"):
        assert namespace["labels"][f"pod-security.kubernetes.io/{mode}"] == "restricted"
    namespaced = [r for r in k8s.resources if r.custom and r.type.startswith(K8S) and r.type != NAMESPACE]
    assert {r.inputs["metadata"]["namespace"] for r in namespaced} == {namespace["name"]}


def test_service_account_has_no_api_token(k8s: Evaluation) -> None:
    account = k8s.one(SERVICE_ACCOUNT)
    assert account.inputs["automountServiceAccountToken"] is False
    assert pod_spec(k8s)["serviceAccountName"] == name_of(account)
    assert pod_spec(k8s)["automountServiceAccountToken"] is False


def test_outputs_name_the_objects(k8s: Evaluation) -> None:
    service = k8s.one(SERVICE)
    assert k8s.outputs["kubernetesNamespace"] == name_of(k8s.one(NAMESPACE))
    assert k8s.outputs["kubernetesDeploymentName"] == name_of(k8s.one(DEPLOYMENT))
    assert k8s.outputs["kubernetesServiceName"] == name_of(service)
    assert k8s.outputs["kubernetesServiceAddress"] == service.state["status"]["loadBalancer"]["ingress"][0]["hostname"]


def test_kubernetes_only_stack_skips_ecs_but_keeps_image_and_secrets(k8s_only: Evaluation) -> None:
    types = {r.type for r in k8s_only.resources}
    assert not any(t.startswith(("aws:ecs/", "aws:cloudwatch/", "aws:ec2/")) for t in types)
    assert {"aws:ecr/repository:Repository", "aws:secretsmanager/secret:Secret", DEPLOYMENT} <= types
    assert not {"clusterName", "serviceName", "taskDefinitionArn", "logGroupName", "vpcId"} & set(k8s_only.outputs)
    assert {"imageRef", "repositoryUrl", "kubernetesDeploymentName", "kubernetesServiceAddress"} <= set(
        k8s_only.outputs
    )


def test_both_targets_run_the_same_image(k8s: Evaluation) -> None:
    task = json.loads(k8s.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert container(k8s)["image"] == task[0]["image"] == k8s.outputs["imageRef"]
    assert "@sha256:" in container(k8s)["image"]


# -- the Deployment ---------------------------------------------------------------------------------


def test_probes_check_the_health_path_on_the_container_port(k8s: Evaluation) -> None:
    main = container(k8s)
    (port,) = main["ports"]
    assert port["containerPort"] == 3000
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        check = main[probe]["httpGet"]
        assert check["path"] == "/api/health"
        assert check["port"] in (port["name"], port["containerPort"])
    # The startup probe must outlast a slow start that liveness would otherwise kill.
    startup = main["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60


def test_health_path_follows_the_stack_setting() -> None:
    result = evaluate_ok(
        "dev",
        **{"diagramai:kubernetes": ON, "diagramai:healthCheckPath": "/healthz", **secret_values("dev")},
    )
    assert {container(result)[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")} == {
        "/healthz"
    }


def test_resources_default_to_the_design(k8s: Evaluation) -> None:
    assert container(k8s)["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }


def test_resources_follow_config() -> None:
    result = with_kubernetes(
        "prod", resources={"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": 2, "memory": "2Gi"}}
    )
    assert container(result)["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    partial = with_kubernetes("dev", resources={"limits": {"cpu": "1500m"}})
    assert container(partial)["resources"]["limits"] == {"cpu": "1500m", "memory": "512Mi"}
    assert container(partial)["resources"]["requests"] == {"cpu": "250m", "memory": "256Mi"}


def test_rollouts_never_take_a_ready_pod_away(k8s: Evaluation) -> None:
    strategy = k8s.one(DEPLOYMENT).inputs["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    assert strategy["rollingUpdate"]["maxSurge"] >= 1


def test_pod_meets_the_restricted_pod_security_standard(k8s: Evaluation) -> None:
    """Every control of the "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards)."""
    spec = pod_spec(k8s)
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == pod["runAsGroup"] == pod["fsGroup"] == 1001
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not any(spec.get(k) for k in ("hostNetwork", "hostPID", "hostIPC", "hostUsers"))
    ctx = container(k8s)["securityContext"]
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx.get("privileged") is not True
    assert ctx["capabilities"]["drop"] == ["ALL"]
    assert set(ctx["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}
    assert ctx["runAsNonRoot"] is True and ctx["runAsUser"] != 0
    assert ctx["seccompProfile"]["type"] in ("RuntimeDefault", "Localhost")
    assert ctx["readOnlyRootFilesystem"] is True
    assert not any(p.get("hostPort") for p in container(k8s)["ports"])
    # The restricted profile allows only these volume types.
    allowed = {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
    for volume in spec["volumes"]:
        assert set(volume) - {"name"} <= allowed


def test_writable_paths_are_empty_dirs(k8s: Evaluation) -> None:
    volumes = {v["name"]: v for v in pod_spec(k8s)["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container(k8s)["volumeMounts"]}
    assert set(mounts) == {"/tmp", "/app/.next/cache"}
    for name in mounts.values():
        assert "emptyDir" in volumes[name]
        assert volumes[name]["emptyDir"].get("sizeLimit")


def test_pods_spread_over_nodes_and_zones(k8s: Evaluation) -> None:
    constraints = pod_spec(k8s)["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in constraints} == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    labels = k8s.one(DEPLOYMENT).inputs["spec"]["template"]["metadata"]["labels"]
    assert all(matches(c["labelSelector"]["matchLabels"], labels) for c in constraints)


def test_plain_environment_is_passed_as_values(k8s: Evaluation) -> None:
    env = {e["name"]: e for e in container(k8s)["env"]}
    assert env["NODE_ENV"] == {"name": "NODE_ENV", "value": "production"}


# -- secrets ---------------------------------------------------------------------------------------


def test_every_secret_variable_reads_a_key_that_the_secret_holds(k8s: Evaluation) -> None:
    secret = k8s.one(SECRET)
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container(k8s)["env"] if "valueFrom" in e}
    assert set(refs) == set(stack_secret_names(k8s.stack))
    for ref in refs.values():
        assert ref["name"] == name_of(secret)
        assert ref["key"] in secret.inputs["stringData"]


def test_secret_holds_the_config_values(k8s: Evaluation) -> None:
    data = k8s.one(SECRET).inputs["stringData"]
    assert data == {
        name: secret_placeholder(f"diagramai:secretValues.{name}") for name in stack_secret_names(k8s.stack)
    }


def test_no_secret_value_anywhere_but_the_secret(variants: list[Evaluation]) -> None:
    for result in variants:
        leaks = []
        for r in result.resources:
            for part, props in (("inputs", r.inputs), ("state", r.state)):
                for path, text in walk_strings(props):
                    in_secret_data = r.type == SECRET and path.startswith((".stringData", ".data"))
                    # The ECS target's own store of the same values.
                    in_secrets_manager = r.type == "aws:secretsmanager/secretVersion:SecretVersion"
                    if SECRET_PLACEHOLDER_PREFIX in text and not (in_secret_data or in_secrets_manager):
                        leaks.append(f"{r.type} {r.name} {part}{path}")
        leaks += [f"output {k}" for k, v in result.outputs.items() if SECRET_PLACEHOLDER_PREFIX in json.dumps(v)]
        assert not leaks, leaks


def test_pods_roll_when_the_secret_changes(k8s: Evaluation) -> None:
    annotations = k8s.one(DEPLOYMENT).inputs["spec"]["template"]["metadata"]["annotations"]
    checksum = annotations["diagramai.dev/secret-checksum"]
    assert checksum == secret_checksum(k8s.one(SECRET).inputs["stringData"])
    for value in k8s.one(SECRET).inputs["stringData"].values():
        assert value not in checksum and hashlib.sha256(value.encode()).hexdigest() != checksum


def test_secret_checksum_changes_with_any_value_and_reveals_none() -> None:
    base = {"A": "one", "B": "two"}
    assert secret_checksum(base) == secret_checksum(dict(reversed(base.items())))
    assert secret_checksum(base) != secret_checksum({**base, "B": "three"})
    assert secret_checksum(base) != secret_checksum({**base, "C": "x"})
    assert "one" not in secret_checksum(base)


def test_existing_secret_is_read_instead_of_a_managed_one(existing_secret: Evaluation) -> None:
    assert not existing_secret.of_type(SECRET)
    refs = [e["valueFrom"]["secretKeyRef"] for e in container(existing_secret)["env"] if "valueFrom" in e]
    assert {r["name"] for r in refs} == {"diagramai-env"}
    assert {r["key"] for r in refs} == set(stack_secret_names("prod"))
    assert not existing_secret.one(DEPLOYMENT).inputs["spec"]["template"]["metadata"].get("annotations")


# -- Service, autoscaling, disruption budget, network policy ----------------------------------


def test_selectors_match_the_pod_labels(k8s: Evaluation) -> None:
    deployment = k8s.one(DEPLOYMENT).inputs
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "diagramai"
    assert labels["app.kubernetes.io/instance"] == f"diagramai-{k8s.stack}"
    assert labels["app.kubernetes.io/managed-by"] == "pulumi"
    assert matches(deployment["spec"]["selector"]["matchLabels"], labels)
    assert matches(k8s.one(SERVICE).inputs["spec"]["selector"], labels)
    assert matches(k8s.one(PDB).inputs["spec"]["selector"]["matchLabels"], labels)
    assert matches(k8s.one(NETWORK_POLICY).inputs["spec"]["podSelector"]["matchLabels"], labels)


def test_service_maps_port_80_to_the_container_port(k8s: Evaluation) -> None:
    spec = k8s.one(SERVICE).inputs["spec"]
    assert spec["type"] == "LoadBalancer"
    (port,) = spec["ports"]
    assert port["port"] == 80
    (container_port,) = container(k8s)["ports"]
    assert port["targetPort"] in (container_port["name"], container_port["containerPort"])


def test_autoscaler_targets_the_deployment_and_owns_the_replica_count(k8s: Evaluation) -> None:
    spec = k8s.one(HPA).inputs["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name_of(k8s.one(DEPLOYMENT)),
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 10)
    metrics = {m["resource"]["name"]: m["resource"]["target"] for m in spec["metrics"]}
    assert set(metrics) == {"cpu", "memory"}
    assert all(t["type"] == "Utilization" and 0 < t["averageUtilization"] <= 100 for t in metrics.values())
    assert "replicas" not in k8s.one(DEPLOYMENT).inputs["spec"]


def test_replica_settings_reach_the_autoscaler_and_the_deployment() -> None:
    scaled = with_kubernetes("dev", replicas=2, maxReplicas=4)
    assert (scaled.one(HPA).inputs["spec"]["minReplicas"], scaled.one(HPA).inputs["spec"]["maxReplicas"]) == (2, 4)
    fixed = with_kubernetes("dev", replicas=2, autoscaling=False)
    assert not fixed.of_type(HPA)
    assert fixed.one(DEPLOYMENT).inputs["spec"]["replicas"] == 2


def test_disruption_budget_lets_one_pod_go_at_a_time(k8s: Evaluation) -> None:
    spec = k8s.one(PDB).inputs["spec"]
    assert spec["maxUnavailable"] == 1 and "minAvailable" not in spec


def test_network_policy_admits_only_the_container_port(k8s: Evaluation) -> None:
    spec = k8s.one(NETWORK_POLICY).inputs["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert rule["ports"] == [{"port": 3000, "protocol": "TCP"}]


def test_cluster_ip_variant_has_no_address_and_optional_parts_can_go() -> None:
    result = with_kubernetes("dev", serviceType="ClusterIP", networkPolicy=False)
    assert result.one(SERVICE).inputs["spec"]["type"] == "ClusterIP"
    assert result.outputs["kubernetesServiceAddress"] is None
    assert not result.of_type(NETWORK_POLICY)


def test_image_pull_settings(variants: list[Evaluation]) -> None:
    pull = variants[-1]
    assert pod_spec(pull)["imagePullSecrets"] == [{"name": "regcred"}]
    assert container(pull)["imagePullPolicy"] == "Always"
    assert container(variants[0])["imagePullPolicy"] == "IfNotPresent"
    assert "imagePullSecrets" not in pod_spec(variants[0])


# -- Kubernetes' own contract -------------------------------------------------------------------------


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_every_object_is_valid_against_the_kubernetes_openapi_schema(variants: list[Evaluation], version: str) -> None:
    kinds = set()
    for result in variants:
        for manifest in kubernetes_manifests(result):
            kinds.add(manifest["kind"])
            try:
                kubernetes_validate.validate(manifest, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                pytest.fail(f"{manifest['kind']} {manifest['metadata']['name']} ({result.stack}): {e.message}")
    assert kinds == {
        "Namespace", "ServiceAccount", "Secret", "Deployment", "Service",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
    }  # fmt: skip


def test_schema_validation_catches_a_broken_object(k8s: Evaluation) -> None:
    (deployment,) = [m for m in kubernetes_manifests(k8s) if m["kind"] == "Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRot"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, SCHEMA_VERSIONS[-1], strict=True)


def test_written_manifests_are_valid_and_hold_no_secret(k8s: Evaluation, tmp_path: Path) -> None:
    write_files(render_files(k8s), tmp_path)
    written = sorted((tmp_path / "kubernetes").glob("*.yaml"))
    assert len(written) == len(kubernetes_manifests(k8s))
    for path in written:
        text = path.read_text()
        assert SECRET_PLACEHOLDER_PREFIX not in text
        manifest = yaml.safe_load(text)
        kubernetes_validate.validate(manifest, SCHEMA_VERSIONS[-1], strict=True)
        if manifest["kind"] == "Secret":
            assert "data" not in manifest
            assert set(manifest["stringData"]) == set(stack_secret_names(k8s.stack))
            assert all(SECRET_PLACEHOLDER_PREFIX not in v for v in manifest["stringData"].values())


# -- bad configuration -----------------------------------------------------------------------------


def problems(stack: str = "dev", **overrides: Any) -> list[str]:
    """The problems a ConfigError lists for the stack with these overrides, from the real program."""
    result = evaluate(stack, overrides=overrides)
    assert result.error is not None and result.error.startswith(f"Invalid configuration for stack '{stack}'")
    # The program stops before registering anything.
    assert not result.resources
    return [line[4:] for line in result.error.splitlines() if line.startswith("  - ")]


def test_every_bad_kubernetes_setting_is_named_in_one_error() -> None:
    found = problems(
        **{
            "diagramai:kubernetes": {
                "enabled": "yes",
                "namespace": "default",
                "replicas": 0,
                "minReplicas": 5,
                "maxReplicas": 2,
                "serviceType": "NodePort",
                "imagePullPolicy": "Sometimes",
                "imagePullSecrets": ["Reg_Cred"],
                "existingSecretName": "Bad Name",
                "networkPolicy": "on",
                "replica": 3,
                "resources": {
                    "requests": {"cpu": "fast", "memory": "256MB", "gpu": 1},
                    "limit": {},
                },
            }
        }
    )
    text = "\n".join(found)
    for key in (
        "kubernetes.enabled", "kubernetes.namespace", "kubernetes.replicas ", "kubernetes.minReplicas",
        "kubernetes.serviceType", "kubernetes.imagePullPolicy", "kubernetes.imagePullSecrets[0]",
        "kubernetes.existingSecretName", "kubernetes.networkPolicy", "kubernetes.replica ",
        "kubernetes.resources.requests.cpu", "kubernetes.resources.requests.memory",
        "kubernetes.resources.requests.gpu", "kubernetes.resources.limit ",
    ):  # fmt: skip
        assert f"diagramai:{key}" in text, key


@pytest.mark.parametrize(
    ("kubernetes", "key", "says"),
    [
        ({"namespace": "DiagramAI"}, "kubernetes.namespace", "DNS-1123"),
        ({"namespace": "kube-system"}, "kubernetes.namespace", "not one of"),
        ({"namespace": "a" * 64}, "kubernetes.namespace", "63"),
        ({"resources": {"requests": {"cpu": "2"}}}, "kubernetes.resources.requests.cpu", "limits.cpu"),
        ({"resources": {"limits": {"memory": "128Mi"}}}, "kubernetes.resources.requests.memory", "limits.memory"),
        ({"resources": {"limits": {"memory": 512}}}, "kubernetes.resources.limits.memory", "unit"),
        ({"resources": {"requests": {"cpu": "0m"}}}, "kubernetes.resources.requests.cpu", "positive"),
        ({"replicas": 5, "maxReplicas": 4}, "kubernetes.minReplicas", "maxReplicas"),
        ({"context": None}, "kubernetes", "name the cluster"),
        ({"renderDir": "out", "existingSecretName": "env"}, "kubernetes.renderDir", "remove kubernetes.kubeconfig"),
        ({"context": None, "renderDir": "out"}, "kubernetes.renderDir", "unencrypted"),
        ({"kubeconfig": "apiVersion: v1\nkind: Config\n"}, "kubernetes.kubeconfig", "secret"),
    ],
)
def test_bad_kubernetes_value_is_explained(kubernetes: dict[str, Any], key: str, says: str) -> None:
    settings = {k: v for k, v in {**ON, **kubernetes}.items() if v is not None}
    found = problems("dev", **{"diagramai:kubernetes": settings, **secret_values("dev")})
    assert any(p.startswith(f"diagramai:{key} ") and says in p for p in found), found


def test_secret_variables_without_a_value_are_named() -> None:
    found = problems("dev", **{"diagramai:kubernetes": ON})
    (problem,) = [p for p in found if p.startswith("diagramai:kubernetes.existingSecretName")]
    for name in stack_secret_names("dev"):
        assert name in problem
    assert SECRET_PLACEHOLDER_PREFIX not in "\n".join(found)


def test_kubeconfig_content_is_accepted_as_a_secret() -> None:
    content = {"secure": "v1:encrypted-kubeconfig"}
    result = with_kubernetes("dev", context=None, kubeconfig=content)
    assert result.one(PROVIDER).inputs["kubeconfig"].startswith(SECRET_PLACEHOLDER_PREFIX)


def test_a_stack_must_run_something() -> None:
    found = problems("dev", **{"diagramai:ecs": {"enabled": False}})
    assert any(p.startswith("diagramai:ecs.enabled ") for p in found), found
    assert any(p.startswith("diagramai:ecs.region ") for p in problems("dev", **{"diagramai:ecs": {"region": "x"}}))


def test_bad_config_registers_nothing() -> None:
    found = problems("prod", **{"diagramai:kubernetes": {"enabled": True, "namespace": "default"}})
    assert any(p.startswith("diagramai:kubernetes.namespace ") for p in found)


def test_namespaced_objects_wait_for_the_namespace(k8s: Evaluation) -> None:
    namespace = k8s.one(NAMESPACE).urn
    for r in k8s.resources:
        if r.custom and r.type.startswith(K8S) and r.type != NAMESPACE:
            assert namespace in r.dependencies, r.type


@pytest.mark.parametrize(
    ("quantity", "cores"),
    [("250m", "0.25"), ("0.5", "0.5"), ("2", "2"), ("1500m", "1.5"), ("fast", None), ("1Gi", None)],
)
def test_cpu_quantities(quantity: str, cores: str | None) -> None:
    assert cpu_cores(quantity) == (Decimal(cores) if cores else None)


@pytest.mark.parametrize(
    ("quantity", "size"),
    [("256Mi", 256 * 2**20), ("1Gi", 2**30), ("512M", 512 * 10**6), ("1048576", 2**20), ("256MB", None), ("Mi", None)],
)
def test_memory_quantities(quantity: str, size: int | None) -> None:
    assert memory_bytes(quantity) == size
