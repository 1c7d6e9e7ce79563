"""An internet-facing Application Load Balancer in front of one IP-target service.

Its own security group admits HTTP (and HTTPS with a certificate) from the given CIDRs and
sends only to the VPC on the target port. With a certificate, port 80 only redirects to
HTTPS (TLS 1.2+); without one, port 80 forwards (development). The target group checks
health fast and drains quickly, so a rolling deploy takes about a minute, not several.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.security_group_rules import tcp_ingress_rule

# TLS 1.3 and 1.2 only, forward-secret ciphers; AWS's recommended policy for new listeners.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class TargetHealthCheck:
    """The target group's HTTP health check (seconds). AWS's defaults are 30 s / 5 healthy / 2 unhealthy."""

    path: str = "/"
    interval: int = 10
    timeout: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    # Redirects count as alive: an app may send / to a login page.
    matcher: str = "200-399"


@dataclass(frozen=True)
class AccessLogs:
    """An existing S3 bucket whose policy lets Elastic Load Balancing write to it."""

    bucket: str
    prefix: str | None = None


@dataclass(frozen=True)
class LoadBalancerArgs:
    vpc_id: pulumi.Input[str]
    # At least two, in different AZs (an ALB requirement).
    subnet_ids: pulumi.Input[Sequence[str]]
    # The load balancer may only send to this range (the VPC's) on the target port.
    vpc_cidr: pulumi.Input[str]
    target_port: int
    health_check: TargetHealthCheck = field(default_factory=TargetHealthCheck)
    ingress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    certificate_arn: str | None = None
    deregistration_delay: int = 30
    idle_timeout: int = 60
    deletion_protection: bool = False
    access_logs: AccessLogs | None = None


class LoadBalancer(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]
    url: pulumi.Output[str]
    # Resources a service must wait for: ECS rejects a target group that no listener uses yet.
    listeners: list[aws.lb.Listener]

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:load_balancer:LoadBalancer", name, None, opts)
        if args.health_check.timeout >= args.health_check.interval:
            raise ValueError("the health check timeout must be shorter than its interval")
        child = pulumi.ResourceOptions(parent=self)
        self._security_group(name, args, child)
        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=args.subnet_ids,
            security_groups=[self.security_group.id],
            idle_timeout=args.idle_timeout,
            # Malformed headers are a request-smuggling vector; drop them at the edge.
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            access_logs=(
                {"bucket": args.access_logs.bucket, "prefix": args.access_logs.prefix, "enabled": True}
                if args.access_logs
                else None
            ),
            opts=child,
        )
        hc = args.health_check
        self.target_group = aws.lb.TargetGroup(
            f"{name}-tg",
            # Fargate tasks (awsvpc) register by IP.
            target_type="ip",
            protocol="HTTP",
            port=args.target_port,
            vpc_id=args.vpc_id,
            deregistration_delay=args.deregistration_delay,
            health_check={
                "enabled": True,
                "protocol": "HTTP",
                "port": "traffic-port",
                "path": hc.path,
                "matcher": hc.matcher,
                "interval": hc.interval,
                "timeout": hc.timeout,
                "healthy_threshold": hc.healthy_threshold,
                "unhealthy_threshold": hc.unhealthy_threshold,
            },
            # No fixed name: a changed port or VPC replaces the group, and an auto-name lets the new
            # group exist before the old one goes.
            opts=child,
        )
        self.listeners = self._listeners(name, args, child)
        self.arn = self.load_balancer.arn
        self.arn_suffix = self.load_balancer.arn_suffix
        self.dns_name = self.load_balancer.dns_name
        self.security_group_id = self.security_group.id
        self.target_group_arn = self.target_group.arn
        self.target_group_arn_suffix = self.target_group.arn_suffix
        scheme = "https" if args.certificate_arn else "http"
        self.url = pulumi.Output.format("{0}://{1}", scheme, self.dns_name)
        self.register_outputs(
            {
                "arn": self.arn,
                "dnsName": self.dns_name,
                "url": self.url,
                "securityGroupId": self.security_group_id,
                "targetGroupArn": self.target_group_arn,
            }
        )

    def _security_group(self, name: str, args: LoadBalancerArgs, child: pulumi.ResourceOptions) -> None:
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", description="Application Load Balancer", vpc_id=args.vpc_id, opts=child
        )
        ports = [80, 443] if args.certificate_arn else [80]
        for port in ports:
            for i, cidr in enumerate(args.ingress_cidrs):
                tcp_ingress_rule(
                    f"{name}-ingress-{port}-{i}",
                    self.security_group.id,
                    port,
                    f"port {port} from {cidr}",
                    child,
                    cidr_ipv4=cidr,
                )
        # Only to the targets (and their health checks), never "all outbound".
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress-targets",
            security_group_id=self.security_group.id,
            description="target port inside the VPC",
            ip_protocol="tcp",
            from_port=args.target_port,
            to_port=args.target_port,
            cidr_ipv4=args.vpc_cidr,
            opts=child,
        )

    def _listeners(self, name: str, args: LoadBalancerArgs, child: pulumi.ResourceOptions) -> list[aws.lb.Listener]:
        forward = [{"type": "forward", "target_group_arn": self.target_group.arn}]
        redirect = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}]
        listeners = []
        if args.certificate_arn:
            listeners.append(
                aws.lb.Listener(
                    f"{name}-https",
                    load_balancer_arn=self.load_balancer.arn,
                    port=443,
                    protocol="HTTPS",
                    ssl_policy=TLS_POLICY,
                    certificate_arn=args.certificate_arn,
                    default_actions=forward,
                    opts=child,
                )
            )
        # Port 80 forwards without a certificate (dev) and redirects to HTTPS with one.
        listeners.append(
            aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.load_balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=redirect if args.certificate_arn else forward,
                opts=child,
            )
        )
        return listeners
