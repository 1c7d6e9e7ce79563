"""An ECS Fargate service: cluster, IAM roles, security group, task definition, service.

Secure by default: the execution role can read exactly the secrets, log group and
ECR repositories it is given (never `Resource: "*"` where AWS allows scoping), the
task role starts with no permissions, the security group admits nothing unless told,
deployments roll back on failure, and tasks get no public IP unless asked.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.security_group_rules import tcp_ingress_rule

# Valid Fargate (Linux) task sizes: CPU units -> allowed memory in MiB.
# Source: AWS ECS Developer Guide, "Task CPU and memory".
FARGATE_TASK_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"


def fargate_memory_options(cpu: int) -> tuple[int, ...] | None:
    return FARGATE_TASK_SIZES.get(cpu)


class CpuArchitecture(enum.Enum):
    X86_64 = "X86_64"
    ARM64 = "ARM64"


@dataclass(frozen=True)
class ContainerHealthCheck:
    """The container health check ECS runs inside the task (seconds)."""

    command: str
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 60


def http_health_check(port: int, path: str) -> ContainerHealthCheck:
    return ContainerHealthCheck(command=f"curl -f http://localhost:{port}{path} || exit 1")


@dataclass(frozen=True)
class LoadBalancerAttachment:
    """Registers the service's container port with a target group (type `ip`)."""

    target_group_arn: pulumi.Input[str]
    # The load balancer's security group: the only source the tasks admit on the container port.
    security_group_id: pulumi.Input[str]
    # ECS ignores failing load balancer health checks this long after a task starts (app boot time).
    health_check_grace_period: int = 60
    # ECS rejects a target group that no listener forwards to yet; the service waits for these.
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


@dataclass(frozen=True)
class FargateServiceArgs:
    # Required wiring.
    service_name: str
    image: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    log_group_name: pulumi.Input[str]
    log_group_arn: pulumi.Input[str]
    region: str
    # The container.
    container_name: str = "app"
    container_port: int = 3000
    cpu: int = 256
    memory: int = 512
    cpu_architecture: CpuArchitecture = CpuArchitecture.X86_64
    environment: Mapping[str, str] = field(default_factory=dict)
    # Secret variables: name -> ECS `valueFrom`; and the secret ARNs behind them.
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secret_arns: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    kms_key_arn: pulumi.Input[str] | None = None
    ecr_repository_arns: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    health_check: ContainerHealthCheck | None = None
    stop_timeout: int = 30
    log_stream_prefix: str = "ecs"
    # The service.
    desired_count: int = 1
    assign_public_ip: bool = False
    ingress_cidrs: Sequence[str] = field(default_factory=tuple)
    ingress_security_group_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    min_healthy_percent: int = 100
    max_percent: int = 200
    enable_execute_command: bool = False
    # An existing cluster by name; otherwise one is created with Container Insights.
    cluster_name: str | None = None
    task_role_policy_arns: Sequence[str] = field(default_factory=tuple)
    load_balancer: LoadBalancerAttachment | None = None
    # Application Auto Scaling owns the task count: desired_count only sets the first deployment.
    autoscaled: bool = False


def trust_policy(principal: str, source_account: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": principal},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        # Confused-deputy protection: only tasks of this account may assume the role.
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [statement]})


def execution_policy_statements(args: FargateServiceArgs) -> list[dict[str, Any]]:
    """What ECS needs to start the task: pull the image, write logs, read the secrets."""
    statements: list[dict[str, Any]] = []
    if args.ecr_repository_arns:
        statements += [
            # GetAuthorizationToken has no resource-level permissions.
            {"Sid": "EcrAuth", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {
                "Sid": "EcrPull",
                "Effect": "Allow",
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Resource": list(args.ecr_repository_arns),
            },
        ]
    statements.append(
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [args.log_group_arn, pulumi.Output.format("{0}:*", args.log_group_arn)],
        }
    )
    if args.secret_arns:
        statements.append(
            {
                "Sid": "ReadServiceSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": list(args.secret_arns),
            }
        )
        if args.kms_key_arn is not None:
            statements.append(
                {
                    "Sid": "DecryptServiceSecrets",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": [args.kms_key_arn],
                }
            )
    return statements


# ECS Exec's SSM channels have no resource-level permissions (AWS documents Resource "*").
EXECUTE_COMMAND_STATEMENT = {
    "Sid": "EcsExec",
    "Effect": "Allow",
    "Action": [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ],
    "Resource": "*",
}


def container_definition(args: FargateServiceArgs) -> dict[str, Any]:
    """The container definition as RegisterTaskDefinition takes it (values may be Outputs)."""
    health = args.health_check or http_health_check(args.container_port, "/")
    definition: dict[str, Any] = {
        "name": args.container_name,
        "image": args.image,
        "essential": True,
        "portMappings": [{"containerPort": args.container_port, "hostPort": args.container_port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": args.environment[k]} for k in sorted(args.environment)],
        "secrets": [{"name": k, "valueFrom": args.secrets[k]} for k in sorted(args.secrets)],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": args.log_group_name,
                "awslogs-region": args.region,
                "awslogs-stream-prefix": args.log_stream_prefix,
            },
        },
        "healthCheck": {
            "command": ["CMD-SHELL", health.command],
            "interval": health.interval,
            "timeout": health.timeout,
            "retries": health.retries,
            "startPeriod": health.start_period,
        },
        # An init process reaps zombies and forwards signals; ECS Exec needs it too.
        "linuxParameters": {"initProcessEnabled": True},
        "stopTimeout": args.stop_timeout,
    }
    return definition


class FargateService(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:fargate_service:FargateService", name, None, opts)
        options = fargate_memory_options(args.cpu)
        if options is None or args.memory not in options:
            raise ValueError(f"Fargate does not offer cpu={args.cpu} with memory={args.memory}")
        child = pulumi.ResourceOptions(parent=self)
        self._cluster(name, args, child)
        self._roles(name, args, child)
        self._security_group(name, args, child)
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.service_name,
            cpu=str(args.cpu),
            memory=str(args.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": args.cpu_architecture.value},
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=pulumi.Output.json_dumps([container_definition(args)]),
            opts=child,
        )
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=self.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=args.desired_count,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration={
                "subnets": args.subnet_ids,
                "security_groups": [self.security_group.id],
                "assign_public_ip": args.assign_public_ip,
            },
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=args.min_healthy_percent,
            deployment_maximum_percent=args.max_percent,
            enable_execute_command=args.enable_execute_command,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            # `pulumi up` returns only when the new tasks are running, so a broken image fails the update.
            wait_for_steady_state=True,
            **_load_balancing(args),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.load_balancer.depends_on) if args.load_balancer else None,
                # Otherwise every `pulumi up` would reset the count the autoscaler chose.
                ignore_changes=["desired_count"] if args.autoscaled else None,
            ),
        )
        self.service_name = self.service.name
        self.task_definition_arn = self.task_definition.arn
        self.register_outputs(
            {
                "clusterArn": self.cluster_arn,
                "serviceName": self.service_name,
                "taskDefinitionArn": self.task_definition_arn,
                "securityGroupId": self.security_group_id,
            }
        )

    def _cluster(self, name: str, args: FargateServiceArgs, child: pulumi.ResourceOptions) -> None:
        if args.cluster_name is not None:
            existing = aws.ecs.get_cluster_output(
                cluster_name=args.cluster_name, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            self.cluster_name = existing.cluster_name
            self.cluster_arn = existing.arn
            return
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.service_name,
            settings=[{"name": "containerInsights", "value": "enabled"}],
            opts=child,
        )
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn

    def _roles(self, name: str, args: FargateServiceArgs, child: pulumi.ResourceOptions) -> None:
        self.execution_role = aws.iam.Role(
            f"{name}-execution-role",
            description=f"ECS starts {args.service_name} tasks with this role (image pull, logs, secrets)",
            assume_role_policy=trust_policy(ECS_TASKS_PRINCIPAL),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=self.execution_role.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": execution_policy_statements(args)}),
            opts=child,
        )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.task_role = aws.iam.Role(
            f"{name}-task-role",
            description=f"The {args.service_name} application runs with this role",
            assume_role_policy=trust_policy(ECS_TASKS_PRINCIPAL, source_account=account),
            opts=child,
        )
        for i, policy_arn in enumerate(args.task_role_policy_arns):
            aws.iam.RolePolicyAttachment(
                f"{name}-task-policy-{i}", role=self.task_role.name, policy_arn=policy_arn, opts=child
            )
        if args.enable_execute_command:
            aws.iam.RolePolicy(
                f"{name}-task-exec-policy",
                role=self.task_role.id,
                policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [EXECUTE_COMMAND_STATEMENT]}),
                opts=child,
            )
        self.execution_role_arn = self.execution_role.arn
        self.task_role_arn = self.task_role.arn

    def _security_group(self, name: str, args: FargateServiceArgs, child: pulumi.ResourceOptions) -> None:
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"{args.service_name} tasks",
            vpc_id=args.vpc_id,
            opts=child,
        )
        group, port = self.security_group.id, args.container_port
        for i, cidr in enumerate(args.ingress_cidrs):
            tcp_ingress_rule(
                f"{name}-ingress-cidr-{i}", group, port, f"container port from {cidr}", child, cidr_ipv4=cidr
            )
        if args.load_balancer is not None:
            tcp_ingress_rule(
                f"{name}-ingress-load-balancer",
                group,
                port,
                "container port from the load balancer",
                child,
                referenced_security_group_id=args.load_balancer.security_group_id,
            )
        for i, source in enumerate(args.ingress_security_group_ids):
            tcp_ingress_rule(
                f"{name}-ingress-sg-{i}",
                group,
                port,
                "container port from a trusted security group",
                child,
                referenced_security_group_id=source,
            )
        # Outbound: ECR, Secrets Manager, Logs and the app's own dependencies (database, AI APIs).
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress",
            security_group_id=self.security_group.id,
            description="all outbound",
            ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0",
            opts=child,
        )
        self.security_group_id = self.security_group.id


def _load_balancing(args: FargateServiceArgs) -> dict[str, Any]:
    if args.load_balancer is None:
        return {}
    return {
        "load_balancers": [
            {
                "target_group_arn": args.load_balancer.target_group_arn,
                "container_name": args.container_name,
                "container_port": args.container_port,
            }
        ],
        "health_check_grace_period_seconds": args.load_balancer.health_check_grace_period,
    }


__all__ = [
    "ContainerHealthCheck",
    "CpuArchitecture",
    "FargateService",
    "FargateServiceArgs",
    "LoadBalancerAttachment",
    "fargate_memory_options",
    "http_health_check",
]
