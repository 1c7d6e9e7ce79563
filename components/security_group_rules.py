"""The one shape of inbound rule the components use: one TCP port, from a CIDR or a security group."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def tcp_ingress_rule(
    name: str,
    security_group_id: pulumi.Input[str],
    port: int,
    description: str,
    opts: pulumi.ResourceOptions,
    *,
    cidr_ipv4: pulumi.Input[str] | None = None,
    referenced_security_group_id: pulumi.Input[str] | None = None,
) -> aws.vpc.SecurityGroupIngressRule:
    if (cidr_ipv4 is None) == (referenced_security_group_id is None):
        raise ValueError("an ingress rule admits either a CIDR or a security group")
    return aws.vpc.SecurityGroupIngressRule(
        name,
        security_group_id=security_group_id,
        description=description,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        cidr_ipv4=cidr_ipv4,
        referenced_security_group_id=referenced_security_group_id,
        opts=opts,
    )
