"""network.mode=create: a VPC over 2-3 AZs with public/private subnets, NAT by config, and endpoints."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from offline import Evaluation
from tests.conftest import evaluate_ok
from tests.traffic_helpers import INGRESS, named, problems_for

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
AZ_INVOKE = "aws:index/getAvailabilityZones:getAvailabilityZones"


def created(**layout: Any) -> Evaluation:
    """prod with its network replaced by a created VPC of the given layout."""
    return evaluate_ok("prod", **{"diagramai:network": {"mode": "create", "create": layout}})


def subnets(result: Evaluation, tier: str) -> list[Any]:
    return sorted((s for s in result.of_type(SUBNET) if s.inputs["tags"]["Tier"] == tier), key=lambda s: s.name)


def table_of(result: Evaluation, subnet_id: str) -> str:
    (table,) = [a.inputs["routeTableId"] for a in result.of_type(ASSOCIATION) if a.inputs["subnetId"] == subnet_id]
    return table


def default_route(result: Evaluation, table_id: str) -> dict[str, Any] | None:
    routes = [
        r.inputs
        for r in result.of_type(ROUTE)
        if r.inputs["routeTableId"] == table_id and r.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    ]
    assert len(routes) <= 1
    return routes[0] if routes else None


def test_prod_creates_a_vpc_with_public_and_private_subnets_in_three_zones(prod: Evaluation) -> None:
    vpc = prod.one("aws:ec2/vpc:Vpc").inputs
    assert vpc["cidrBlock"] == "10.40.0.0/16"
    assert vpc["enableDnsSupport"] is True and vpc["enableDnsHostnames"] is True
    (zones_call,) = [i for i in prod.invokes if i.token == AZ_INVOKE]
    zones = [f"us-east-1{x}" for x in "abcdef"]  # the offline fake's answer
    assert zones_call.args["state"] == "available"
    network = ipaddress.IPv4Network(vpc["cidrBlock"])
    blocks = []
    for tier in ("public", "private"):
        tier_subnets = subnets(prod, tier)
        assert [s.inputs["availabilityZone"] for s in tier_subnets] == zones[:3]
        assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in tier_subnets)
        blocks += [ipaddress.IPv4Network(s.inputs["cidrBlock"]) for s in tier_subnets]
    assert all(b.subnet_of(network) for b in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])
    assert prod.outputs["publicSubnetIds"] == [s.id for s in subnets(prod, "public")]
    assert prod.outputs["privateSubnetIds"] == [s.id for s in subnets(prod, "private")]
    assert prod.outputs["vpcId"] == prod.one("aws:ec2/vpc:Vpc").id


def test_prod_tasks_run_in_the_private_subnets_without_public_ips(prod: Evaluation) -> None:
    network = prod.one("aws:ecs/service:Service").inputs["networkConfiguration"]
    assert network["assignPublicIp"] is False
    assert network["subnets"] == prod.outputs["privateSubnetIds"] == prod.outputs["taskSubnetIds"]


def test_public_subnets_route_to_the_internet_gateway(prod: Evaluation) -> None:
    gateway = prod.one("aws:ec2/internetGateway:InternetGateway")
    for subnet in subnets(prod, "public"):
        assert default_route(prod, table_of(prod, subnet.id))["gatewayId"] == gateway.id


def test_per_az_nat_keeps_each_zone_on_its_own_gateway(prod: Evaluation) -> None:
    public = {s.id: s.inputs["availabilityZone"] for s in subnets(prod, "public")}
    gateways = {g.id: public[g.inputs["subnetId"]] for g in prod.of_type(NAT)}
    assert sorted(gateways.values()) == sorted(public.values())
    for subnet in subnets(prod, "private"):
        route = default_route(prod, table_of(prod, subnet.id))
        assert gateways[route["natGatewayId"]] == subnet.inputs["availabilityZone"]


def test_a_single_nat_gateway_serves_every_private_subnet() -> None:
    result = created(azCount=2, natGateways="single")
    (gateway,) = result.of_type(NAT)
    assert len(subnets(result, "private")) == 2
    for subnet in subnets(result, "private"):
        assert default_route(result, table_of(result, subnet.id))["natGatewayId"] == gateway.id


def test_without_nat_the_interface_endpoints_carry_the_task_start_traffic() -> None:
    result = created(natGateways="none", interfaceEndpoints=True)
    assert not result.of_type(NAT)
    private = subnets(result, "private")
    assert all(default_route(result, table_of(result, s.id)) is None for s in private)
    interface = [e.inputs for e in result.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e["serviceName"] for e in interface) == [
        f"com.amazonaws.us-east-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "secretsmanager")
    ]
    group = named(result, "network-endpoints-sg")
    for endpoint in interface:
        assert endpoint["privateDnsEnabled"] is True
        assert endpoint["subnetIds"] == [s.id for s in private]
        assert endpoint["securityGroupIds"] == [group.id]
    rules = [r.inputs for r in result.of_type(INGRESS) if r.inputs["securityGroupId"] == group.id]
    assert [(r["fromPort"], r["toPort"], r["cidrIpv4"]) for r in rules] == [(443, 443, "10.0.0.0/16")]


def test_the_s3_gateway_endpoint_serves_every_private_route_table(stack: Evaluation) -> None:
    result = stack if stack.stack == "prod" else created(natGateways="single")
    (s3,) = [e.inputs for e in result.of_type(ENDPOINT) if e.inputs["vpcEndpointType"] == "Gateway"]
    assert s3["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert sorted(s3["routeTableIds"]) == sorted(table_of(result, s.id) for s in subnets(result, "private"))


def test_dev_uses_the_default_vpc_and_creates_no_network(dev: Evaluation) -> None:
    assert not [
        r for r in dev.resources if r.type.startswith("aws:ec2/") and r.type != "aws:ec2/securityGroup:SecurityGroup"
    ]
    assert dev.one("aws:ecs/service:Service").inputs["networkConfiguration"]["assignPublicIp"] is True


def test_existing_mode_uses_the_given_ids() -> None:
    network = {
        "mode": "existing",
        "vpcId": "vpc-0a1b2c3d4e5f67890",
        "publicSubnetIds": ["subnet-0a1b2c3d4e5f67894", "subnet-0a1b2c3d4e5f67895"],
        "privateSubnetIds": ["subnet-0a1b2c3d4e5f67891", "subnet-0a1b2c3d4e5f67892"],
    }
    result = evaluate_ok("prod", **{"diagramai:network": network})
    assert not result.of_type("aws:ec2/vpc:Vpc")
    assert named(result, "web-alb").inputs["subnets"] == network["publicSubnetIds"]
    assert (
        result.one("aws:ecs/service:Service").inputs["networkConfiguration"]["subnets"] == network["privateSubnetIds"]
    )


@pytest.mark.parametrize(
    ("network", "key"),
    [
        ({"mode": "create", "vpcId": "vpc-0a1b2c3d4e5f67890"}, "network.vpcId"),
        ({"mode": "existing"}, "network.vpcId"),
        ({"mode": "sideways"}, "network.mode"),
        ({"mode": "create", "create": {"azCount": 4}}, "network.create.azCount"),
        ({"mode": "create", "create": {"cidr": "8.0.0.0/16"}}, "network.create.cidr"),
        ({"mode": "create", "create": {"cidr": "10.0.0.0/24"}}, "network.create.cidr"),
        ({"mode": "create", "create": {"natGateways": "two"}}, "network.create.natGateways"),
        ({"mode": "create", "create": {"natGateways": "none"}}, "network.create.natGateways"),
        ({"mode": "create", "create": {"subnets": 9}}, "network.create.subnets"),
        ({"mode": "defaultVpc"}, "network.mode"),
        (
            {"mode": "existing", "vpcId": "vpc-0a1b2c3d4e5f67890", "privateSubnetIds": ["subnet-0a1b2c3d4e5f67891"]},
            "network.publicSubnetIds",
        ),
    ],
)
def test_bad_network_settings_fail_naming_the_key(network: dict[str, Any], key: str) -> None:
    problems = problems_for("prod", **{"diagramai:network": network})
    assert any(p.startswith(f"diagramai:{key} ") for p in problems), problems


def test_create_settings_outside_create_mode_are_rejected() -> None:
    problems = problems_for("dev", **{"diagramai:network": {"assignPublicIp": True, "create": {"azCount": 2}}})
    assert any("network.create" in p and "only to network.mode=create" in p for p in problems), problems


def test_nat_gateways_wait_for_the_internet_gateway(prod: Evaluation) -> None:
    gateway = prod.one("aws:ec2/internetGateway:InternetGateway")
    assert all(gateway.urn in nat.dependencies for nat in prod.of_type(NAT))
