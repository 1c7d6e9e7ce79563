"""Where a service's tasks run: the account's default VPC, or VPC and subnet IDs given."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


class NetworkMode(enum.Enum):
    DEFAULT_VPC = "defaultVpc"
    EXISTING = "existing"


@dataclass(frozen=True)
class ServiceNetworkArgs:
    # No vpc_id means the account's default VPC and its default subnets.
    vpc_id: pulumi.Input[str] | None = None
    public_subnet_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    private_subnet_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    assign_public_ip: bool = False

    @property
    def mode(self) -> NetworkMode:
        return NetworkMode.DEFAULT_VPC if self.vpc_id is None else NetworkMode.EXISTING


PRIVATE_IN_DEFAULT_VPC = (
    "Tasks without a public IP in the default VPC cannot reach ECR, Secrets Manager or "
    "CloudWatch Logs unless the VPC has a NAT gateway or VPC endpoints for them; they will "
    "fail to start otherwise. Set network.assignPublicIp=true, or give network.vpcId and "
    "network.privateSubnetIds of a VPC with a route out."
)


class ServiceNetwork(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    # The subnets the tasks are placed in.
    task_subnet_ids: pulumi.Output[list[str]]
    mode: NetworkMode

    def __init__(self, name: str, args: ServiceNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:network:ServiceNetwork", name, None, opts)
        self.mode = args.mode
        if args.mode is NetworkMode.DEFAULT_VPC:
            self.vpc_id, self.task_subnet_ids = self._default_vpc()
            if not args.assign_public_ip:
                pulumi.log.warn(PRIVATE_IN_DEFAULT_VPC, resource=self)
        else:
            chosen = args.public_subnet_ids if args.assign_public_ip else args.private_subnet_ids
            if not chosen:
                raise ValueError("no subnets for the tasks: give the subnets matching assign_public_ip")
            self.vpc_id = pulumi.Output.from_input(args.vpc_id)
            self.task_subnet_ids = pulumi.Output.all(*chosen)
        self.register_outputs({"vpcId": self.vpc_id, "taskSubnetIds": self.task_subnet_ids})

    def _default_vpc(self) -> tuple[pulumi.Output[str], pulumi.Output[list[str]]]:
        invoke = pulumi.InvokeOutputOptions(parent=self)
        vpc = aws.ec2.get_vpc_output(default=True, opts=invoke)
        subnets = aws.ec2.get_subnets_output(
            filters=[
                {"name": "vpc-id", "values": [vpc.id]},
                {"name": "default-for-az", "values": ["true"]},
            ],
            opts=invoke,
        )
        # Sorted so that a reordering by the API does not look like a change.
        return vpc.id, subnets.ids.apply(sorted)
