"""Where a service's tasks run: the account's default VPC, VPC and subnet IDs given, or a VPC created here.

The created VPC spreads public and private subnets over 2-3 availability zones. Public subnets
hold the load balancer and the NAT gateways; private subnets hold the tasks. Private subnets
reach the internet through NAT gateways (none, one shared, or one per AZ) and AWS services
through VPC endpoints: an S3 gateway endpoint always (free; ECR image layers live in S3) and,
optionally, interface endpoints for ECR, Secrets Manager and CloudWatch Logs, which let
tasks start without any NAT gateway.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


class NetworkMode(enum.Enum):
    DEFAULT_VPC = "defaultVpc"
    EXISTING = "existing"
    CREATE = "create"


class NatGateways(enum.Enum):
    NONE = "none"
    # One NAT gateway shared by all AZs: cheaper, but an AZ outage cuts the others' egress.
    SINGLE = "single"
    PER_AZ = "perAz"


# Interface endpoints a Fargate task needs to start without a route to the internet:
# image manifests (ecr.api, ecr.dkr), secrets injection, and the awslogs driver.
TASK_START_ENDPOINTS = ("ecr.api", "ecr.dkr", "secretsmanager", "logs")


@dataclass(frozen=True)
class VpcLayout:
    """The VPC that `NetworkMode.CREATE` builds."""

    cidr: str = "10.0.0.0/16"
    az_count: int = 2
    nat_gateways: NatGateways = NatGateways.SINGLE
    interface_endpoints: bool = False


def subnet_cidrs(cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """Public and private subnet blocks: the VPC split in 16, public from the first half, private from the second.

    Fixed positions (not "next free block") keep a subnet's CIDR stable when az_count grows.
    """
    blocks = list(ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=4))
    return [str(b) for b in blocks[:az_count]], [str(b) for b in blocks[8 : 8 + az_count]]


@dataclass(frozen=True)
class ServiceNetworkArgs:
    # No vpc_id and no mode means the account's default VPC and its default subnets.
    vpc_id: pulumi.Input[str] | None = None
    public_subnet_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    private_subnet_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    assign_public_ip: bool = False
    mode: NetworkMode | None = None
    # Only for NetworkMode.CREATE.
    layout: VpcLayout = field(default_factory=VpcLayout)
    # The region's endpoint service names (com.amazonaws.<region>.s3) need it; only for NetworkMode.CREATE.
    region: str | None = None

    @property
    def resolved_mode(self) -> NetworkMode:
        if self.mode is not None:
            return self.mode
        return NetworkMode.DEFAULT_VPC if self.vpc_id is None else NetworkMode.EXISTING


PRIVATE_IN_DEFAULT_VPC = (
    "Tasks without a public IP in the default VPC cannot reach ECR, Secrets Manager or "
    "CloudWatch Logs unless the VPC has a NAT gateway or VPC endpoints for them; they will "
    "fail to start otherwise. Set network.assignPublicIp=true, or give network.vpcId and "
    "network.privateSubnetIds of a VPC with a route out, or use network.mode=create."
)


class ServiceNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    # The subnets the tasks are placed in.
    task_subnet_ids: pulumi.Output[list[str]]
    # Internet-facing subnets (for a load balancer); private ones (empty in the default VPC).
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    mode: NetworkMode

    def __init__(self, name: str, args: ServiceNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:network:ServiceNetwork", name, None, opts)
        self.mode = args.resolved_mode
        if self.mode is NetworkMode.DEFAULT_VPC:
            self._default_vpc()
            if not args.assign_public_ip:
                pulumi.log.warn(PRIVATE_IN_DEFAULT_VPC, resource=self)
            # The default VPC has only public subnets; tasks go there with or without a public IP.
            self.task_subnet_ids = self.public_subnet_ids
        else:
            if self.mode is NetworkMode.EXISTING:
                self._existing(args)
            else:
                self._create(name, args)
            self.task_subnet_ids = self.public_subnet_ids if args.assign_public_ip else self.private_subnet_ids
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "vpcCidr": self.vpc_cidr,
                "taskSubnetIds": self.task_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
            }
        )

    # -- default VPC and existing IDs --------------------------------------------------

    def _default_vpc(self) -> None:
        invoke = pulumi.InvokeOutputOptions(parent=self)
        vpc = aws.ec2.get_vpc_output(default=True, opts=invoke)
        subnets = aws.ec2.get_subnets_output(
            filters=[
                {"name": "vpc-id", "values": [vpc.id]},
                {"name": "default-for-az", "values": ["true"]},
            ],
            opts=invoke,
        )
        self.vpc_id, self.vpc_cidr = vpc.id, vpc.cidr_block
        # Default subnets are public (they route to the internet gateway). Sorted so that a
        # reordering by the API does not look like a change.
        self.public_subnet_ids = subnets.ids.apply(sorted)
        self.private_subnet_ids = pulumi.Output.from_input([])

    def _existing(self, args: ServiceNetworkArgs) -> None:
        chosen = args.public_subnet_ids if args.assign_public_ip else args.private_subnet_ids
        if not chosen:
            raise ValueError("no subnets for the tasks: give the subnets matching assign_public_ip")
        self.vpc_id = pulumi.Output.from_input(args.vpc_id)
        # The load balancer's security group admits return traffic from the VPC's range only.
        self.vpc_cidr = aws.ec2.get_vpc_output(id=self.vpc_id, opts=pulumi.InvokeOutputOptions(parent=self)).cidr_block
        self.public_subnet_ids = pulumi.Output.all(*args.public_subnet_ids)
        self.private_subnet_ids = pulumi.Output.all(*args.private_subnet_ids)

    # -- a VPC of our own ----------------------------------------------------------------

    def _create(self, name: str, args: ServiceNetworkArgs) -> None:
        layout = args.layout
        if not 2 <= layout.az_count <= 3:
            raise ValueError("a created VPC spans 2 or 3 availability zones")
        if args.region is None:
            raise ValueError("region is required to create a VPC (endpoint service names)")
        if layout.nat_gateways is NatGateways.NONE and not layout.interface_endpoints and not args.assign_public_ip:
            raise ValueError("private tasks need NAT gateways or interface endpoints to pull images and read secrets")
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones_output(
            state="available",
            # Local Zones and Wavelength Zones are opt-in and lack Fargate and ALB support.
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=layout.cidr,
            # Interface endpoints with private DNS need both.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name},
            opts=child,
        )
        self.vpc_id, self.vpc_cidr = vpc.id, vpc.cidr_block
        public_cidrs, private_cidrs = subnet_cidrs(layout.cidr, layout.az_count)
        public = [self._subnet(name, "public", i, cidr, vpc, zones, child) for i, cidr in enumerate(public_cidrs)]
        private = [self._subnet(name, "private", i, cidr, vpc, zones, child) for i, cidr in enumerate(private_cidrs)]
        gateway = self._public_routes(name, vpc, public, child)
        private_tables = self._private_routes(name, vpc, public, private, layout.nat_gateways, gateway, child)
        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_tables],
            tags={"Name": f"{name}-s3"},
            opts=child,
        )
        if layout.interface_endpoints:
            self._interface_endpoints(name, args.region, vpc, private, child)
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])

    def _subnet(
        self,
        name: str,
        tier: str,
        index: int,
        cidr: str,
        vpc: aws.ec2.Vpc,
        zones: pulumi.Output[aws.GetAvailabilityZonesResult],
        child: pulumi.ResourceOptions,
    ) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{name}-{tier}-{index}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zones.names.apply(lambda names: names[index]),
            # Nothing gets a public IP implicitly; the ALB and NAT gateways bring their own.
            map_public_ip_on_launch=False,
            tags={"Name": f"{name}-{tier}-{index}", "Tier": tier},
            opts=child,
        )

    def _public_routes(
        self, name: str, vpc: aws.ec2.Vpc, public: list[aws.ec2.Subnet], child: pulumi.ResourceOptions
    ) -> aws.ec2.InternetGateway:
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=child)
        table = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc.id, tags={"Name": f"{name}-public"}, opts=child)
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=child,
        )
        for i, subnet in enumerate(public):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{i}", route_table_id=table.id, subnet_id=subnet.id, opts=child
            )
        return gateway

    def _private_routes(
        self,
        name: str,
        vpc: aws.ec2.Vpc,
        public: list[aws.ec2.Subnet],
        private: list[aws.ec2.Subnet],
        nat: NatGateways,
        internet_gateway: aws.ec2.InternetGateway,
        child: pulumi.ResourceOptions,
    ) -> list[aws.ec2.RouteTable]:
        nat_count = {NatGateways.NONE: 0, NatGateways.SINGLE: 1, NatGateways.PER_AZ: len(public)}[nat]
        gateways = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(f"{name}-nat-eip-{i}", domain="vpc", tags={"Name": f"{name}-nat-{i}"}, opts=child)
            gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=public[i].id,
                    connectivity_type="public",
                    tags={"Name": f"{name}-nat-{i}"},
                    # A public NAT gateway needs the VPC's internet gateway attached first.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[internet_gateway]),
                )
            )
        # One table per AZ, so that per-AZ NAT keeps each AZ's egress inside the AZ.
        tables = []
        for i, subnet in enumerate(private):
            table = aws.ec2.RouteTable(
                f"{name}-private-rt-{i}", vpc_id=vpc.id, tags={"Name": f"{name}-private-{i}"}, opts=child
            )
            if gateways:
                aws.ec2.Route(
                    f"{name}-private-default-{i}",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=gateways[i % len(gateways)].id,
                    opts=child,
                )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-rta-{i}", route_table_id=table.id, subnet_id=subnet.id, opts=child
            )
            tables.append(table)
        return tables

    def _interface_endpoints(
        self, name: str, region: str, vpc: aws.ec2.Vpc, private: list[aws.ec2.Subnet], child: pulumi.ResourceOptions
    ) -> None:
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            description="VPC interface endpoints: HTTPS from inside the VPC",
            vpc_id=vpc.id,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=group.id,
            description="HTTPS from the VPC",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=vpc.cidr_block,
            opts=child,
        )
        for service in TASK_START_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}-endpoint",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in private],
                security_group_ids=[group.id],
                tags={"Name": f"{name}-{service}"},
                opts=child,
            )
