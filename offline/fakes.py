"""Deterministic stand-ins for what AWS, Docker and Kubernetes would compute.

Every fake value is derived from names (hashes, never random numbers or clocks), so two
offline runs of the same program produce the same IDs, ARNs and digests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

FAKE_ACCOUNT_ID = "123456789012"


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fake_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class FakeCloud:
    """Computed properties for resources and answers for provider functions (invokes)."""

    def __init__(self, region: str, account: str = FAKE_ACCOUNT_ID) -> None:
        self.region = region
        self.account = account

    # -- resources --------------------------------------------------------------------

    def physical_name(self, type_: str, name: str, inputs: dict[str, Any]) -> str:
        given = inputs.get("name")
        if isinstance(given, str) and given:
            return given
        # Pulumi auto-naming appends a random suffix; a hash keeps it stable here.
        return f"{name}-{short_hash(type_ + name, 7)}"

    def resource_id(self, type_: str, name: str, physical: str) -> str:
        prefix = _ID_PREFIXES.get(type_)
        if prefix:
            return f"{prefix}-{short_hash(type_ + name, 17)}"
        return physical

    def computed(self, type_: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        physical = self.physical_name(type_, name, inputs)
        rid = self.resource_id(type_, name, physical)
        state = dict(inputs)
        if type_ in _NAMED_TYPES:
            state.setdefault("name", physical)
        handler = _COMPUTE.get(type_)
        if handler is not None:
            state.update(handler(self, name, physical, inputs))
        elif type_.startswith("aws:") and "arn" not in state:
            service = type_.split(":")[1].split("/")[0]
            state["arn"] = (
                f"arn:aws:{service}:{self.region}:{self.account}:{type_.rsplit(':', 1)[1].lower()}/{physical}"
            )
        return rid, state

    # -- invokes -----------------------------------------------------------------------

    def call(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = _INVOKES.get(token)
        if handler is None:
            raise KeyError(f"the offline runner has no fake for provider function {token}")
        return handler(self, args)

    @property
    def registry_host(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"


_NAMED_TYPES = {
    "aws:ecr/repository:Repository",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:iam/role:Role",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/service:Service",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:sns/topic:Topic",
}
_ID_PREFIXES = {
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/route:Route": "r-rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
}

Compute = Callable[[FakeCloud, str, str, dict[str, Any]], dict[str, Any]]


def _ecr_repository(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "arn": f"arn:aws:ecr:{c.region}:{c.account}:repository/{physical}",
        "repositoryUrl": f"{c.registry_host}/{physical}",
        "registryId": c.account,
    }


def _log_group(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:logs:{c.region}:{c.account}:log-group:{physical}"}


def _secret(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # Secrets Manager appends six random characters to every secret ARN.
    return {"arn": f"arn:aws:secretsmanager:{c.region}:{c.account}:secret:{physical}-{short_hash(physical, 6)}"}


def _secret_version(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"versionId": short_hash(name, 32), "arn": inputs.get("secretId", "")}


def _role(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:iam::{c.account}:role/{physical}", "uniqueId": "AROA" + short_hash(physical, 17).upper()}


def _cluster(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:ecs:{c.region}:{c.account}:cluster/{physical}"}


def _task_definition(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    family = inputs.get("family", physical)
    base = f"arn:aws:ecs:{c.region}:{c.account}:task-definition/{family}"
    return {"arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1}


def _service(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    cluster = str(inputs.get("cluster", "")).rsplit("/", 1)[-1]
    return {"arn": f"arn:aws:ecs:{c.region}:{c.account}:service/{cluster}/{physical}"}


def _security_group(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    sg_id = c.resource_id("aws:ec2/securityGroup:SecurityGroup", name, physical)
    return {"arn": f"arn:aws:ec2:{c.region}:{c.account}:security-group/{sg_id}", "ownerId": c.account}


def _elb_suffix(kind: str, physical: str) -> str:
    """An ELBv2 ARN suffix (what CloudWatch dimensions and scaling resource labels use)."""
    return f"{kind}/{physical}/{short_hash(kind + physical, 16)}"


def _load_balancer(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    suffix = _elb_suffix("app", physical)
    return {
        "arn": f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:loadbalancer/{suffix}",
        "arnSuffix": suffix,
        "dnsName": f"{physical}-{int(short_hash(physical, 8), 16)}.{c.region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def _target_group(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    suffix = _elb_suffix("targetgroup", physical)
    return {"arn": f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:{suffix}", "arnSuffix": suffix}


def _listener(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    lb_suffix = str(inputs.get("loadBalancerArn", "")).split(":loadbalancer/", 1)[-1]
    return {"arn": f"arn:aws:elasticloadbalancing:{c.region}:{c.account}:listener/{lb_suffix}/{short_hash(name, 16)}"}


def _vpc(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    vpc_id = c.resource_id("aws:ec2/vpc:Vpc", name, physical)
    return {"arn": f"arn:aws:ec2:{c.region}:{c.account}:vpc/{vpc_id}", "defaultRouteTableId": "rtb-" + short_hash(name)}


def _topic(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:sns:{c.region}:{c.account}:{physical}"}


def _ssm_parameter(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # A hierarchical name "/a/b" has the ARN ".../parameter/a/b" (no doubled slash).
    return {
        "arn": f"arn:aws:ssm:{c.region}:{c.account}:parameter/{physical.lstrip('/')}",
        "version": 1,
        "dataType": inputs.get("dataType", "text"),
    }


def _docker_image(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    image_name = str(inputs.get("imageName", physical))
    repository = image_name.rsplit(":", 1)[0] if ":" in image_name.rsplit("/", 1)[-1] else image_name
    return {
        "repoDigest": f"{repository}@{fake_digest(image_name)}",
        "baseImageName": image_name,
        "registryServer": repository.split("/", 1)[0],
    }


def _kubernetes_object(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # pulumi-kubernetes auto-names an object without metadata.name: the resource name plus a random suffix.
    metadata = dict(inputs.get("metadata") or {})
    metadata.setdefault("name", f"{name}-{short_hash(name, 8)}")
    metadata.setdefault("uid", short_hash(f"uid/{name}", 32))
    return {"metadata": metadata}


def _kubernetes_service(c: FakeCloud, name: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
    state = _kubernetes_object(c, name, physical, inputs)
    spec = dict(inputs.get("spec") or {})
    spec.setdefault("clusterIP", f"10.96.{int(short_hash(name, 2), 16)}.{int(short_hash(name[::-1], 2), 16) % 254 + 1}")
    state["spec"] = spec
    if spec.get("type") == "LoadBalancer":
        # What the AWS load balancer controller reports on EKS; other clouds report an `ip`.
        hostname = f"a{short_hash(name, 31)}-{short_hash(name, 9)}.elb.{c.region}.amazonaws.com"
        state["status"] = {"loadBalancer": {"ingress": [{"hostname": hostname}]}}
    else:
        state["status"] = {"loadBalancer": {}}
    return state


_KUBERNETES_TYPES = (
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:core/v1:Secret",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
)

_COMPUTE: dict[str, Compute] = {
    **dict.fromkeys(_KUBERNETES_TYPES, _kubernetes_object),
    "kubernetes:core/v1:Service": _kubernetes_service,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:iam/role:Role": _role,
    "aws:ecs/cluster:Cluster": _cluster,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _service,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "docker:index/image:Image": _docker_image,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:sns/topic:Topic": _topic,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
}

Invoke = Callable[[FakeCloud, dict[str, Any]], dict[str, Any]]


def _auth_token(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "authorizationToken": "b2ZmbGluZTpvZmZsaW5l",
        "proxyEndpoint": f"https://{c.registry_host}",
        "userName": "AWS",
        "password": "offline-ecr-password",
        "expiresAt": "2000-01-01T00:00:00Z",
        "id": c.region,
    }


def _default_vpc(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("id"):
        # An existing VPC looked up by ID.
        return {"id": args["id"], "cidrBlock": "10.20.0.0/16", "default": False}
    return {"id": "vpc-0defa017" + short_hash("vpc", 9), "cidrBlock": "172.31.0.0/16", "default": True}


def _subnets(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {"ids": [f"subnet-0defa017{short_hash(az, 9)}" for az in ("a", "b", "c")], "id": c.region}


def _availability_zones(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    letters = "abcdef"
    return {
        "names": [f"{c.region}{x}" for x in letters],
        "zoneIds": [f"use1-az{i + 1}" for i in range(len(letters))],
        "groupNames": [c.region] * len(letters),
        "id": c.region,
    }


def _caller_identity(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "accountId": c.account,
        "arn": f"arn:aws:iam::{c.account}:user/offline",
        "userId": "OFFLINE",
        "id": c.account,
    }


def _ecs_cluster(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    name = args["clusterName"]
    return {
        "clusterName": name,
        "arn": f"arn:aws:ecs:{c.region}:{c.account}:cluster/{name}",
        "status": "ACTIVE",
        "id": name,
    }


def _ecr_image(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    key = f"{args.get('registryId')}/{args.get('repositoryName')}:{args.get('imageTag')}"
    return {"imageDigest": fake_digest(key), "imageTags": [args.get("imageTag")], "id": key}


def _registry_image(c: FakeCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {"sha256Digest": fake_digest(args["name"]), "name": args["name"], "id": args["name"]}


_INVOKES: dict[str, Invoke] = {
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _auth_token,
    "aws:ec2/getVpc:getVpc": _default_vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:ecs/getCluster:getCluster": _ecs_cluster,
    "aws:ecr/getImage:getImage": _ecr_image,
    "docker:index/getRegistryImage:getRegistryImage": _registry_image,
}
