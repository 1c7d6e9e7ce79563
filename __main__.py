"""DiagramAI on AWS: read the stack's settings, wire the components, export the outputs."""

import pulumi
import pulumi_aws as aws

from components.fargate_service import (
    ContainerHealthCheck,
    FargateService,
    FargateServiceArgs,
    http_health_check,
)
from components.image import ContainerImage, ContainerImageArgs
from components.log_group import LogGroup, LogGroupArgs
from components.network import ServiceNetwork, ServiceNetworkArgs
from components.registry import ContainerRegistry, ContainerRegistryArgs
from components.secrets import ServiceSecrets, ServiceSecretsArgs
from components.ssm_outputs import SsmOutputs, SsmOutputsArgs
from settings import load_settings

settings = load_settings()
app = settings.app_name

# One explicit provider carries the region and the tags every AWS resource gets;
# Pulumi.yaml disables the default provider so nothing can slip past it.
aws_provider = aws.Provider(
    "aws",
    region=settings.region,
    allowed_account_ids=list(settings.allowed_account_ids) or None,
    default_tags={"tags": {"Project": settings.project, "Environment": settings.stack, "ManagedBy": "pulumi"}},
)
with_aws = pulumi.ResourceOptions(providers={"aws": aws_provider})

registry = ContainerRegistry(
    "registry",
    ContainerRegistryArgs(
        repository_name=app,
        immutable_tags=settings.immutable_tags,
        untagged_expiry_days=settings.untagged_image_expiry_days,
        keep_tagged_images=settings.keep_tagged_images,
        kms_key_arn=settings.kms_key_arn,
        force_delete=not settings.is_prod,
        protect=settings.protect,
    ),
    opts=with_aws,
)

image = ContainerImage(
    "image",
    ContainerImageArgs(
        uri=settings.image.uri,
        repository_url=registry.repository_url,
        repository_arn=registry.repository_arn,
        context=settings.image.context,
        dockerfile=settings.image.dockerfile,
        platform=settings.image.platform,
        tag=settings.image.tag or settings.stack,
    ),
    opts=with_aws,
)

secrets = ServiceSecrets(
    "secrets",
    ServiceSecretsArgs(
        name_prefix=f"{settings.project}/{settings.stack}",
        secrets=settings.secrets,
        values=settings.secret_values,
        recovery_window_days=30 if settings.is_prod else 0,
        kms_key_arn=settings.kms_key_arn,
        protect=settings.protect,
    ),
    opts=with_aws,
)

logs = LogGroup(
    "logs",
    LogGroupArgs(
        log_group_name=f"/ecs/{app}",
        retention_days=settings.log_retention_days,
        kms_key_arn=settings.kms_key_arn,
        protect=settings.protect,
    ),
    opts=with_aws,
)

network = ServiceNetwork(
    "network",
    ServiceNetworkArgs(
        vpc_id=settings.network.vpc_id,
        public_subnet_ids=settings.network.public_subnet_ids,
        private_subnet_ids=settings.network.private_subnet_ids,
        assign_public_ip=settings.network.assign_public_ip,
    ),
    opts=with_aws,
)

health_check = (
    ContainerHealthCheck(command=settings.health_check_command)
    if settings.health_check_command
    else http_health_check(settings.container_port, settings.health_check_path)
)

service = FargateService(
    "service",
    FargateServiceArgs(
        service_name=app,
        image=image.image_ref,
        vpc_id=network.vpc_id,
        subnet_ids=network.task_subnet_ids,
        log_group_name=logs.name,
        log_group_arn=logs.arn,
        region=settings.region,
        container_name=settings.project,
        container_port=settings.container_port,
        cpu=settings.cpu,
        memory=settings.memory,
        cpu_architecture=settings.cpu_architecture,
        environment=settings.environment,
        secrets=secrets.value_from,
        secret_arns=secrets.readable_arns,
        kms_key_arn=settings.kms_key_arn,
        ecr_repository_arns=image.ecr_repository_arns,
        health_check=health_check,
        desired_count=settings.desired_count,
        assign_public_ip=settings.network.assign_public_ip,
        ingress_cidrs=settings.network.ingress_cidrs,
        min_healthy_percent=settings.min_healthy_percent,
        max_percent=settings.max_percent,
        enable_execute_command=settings.enable_execute_command,
        cluster_name=settings.cluster_name,
        task_role_policy_arns=settings.task_role_policy_arns,
    ),
    opts=with_aws,
)

pulumi.export("awsRegion", settings.region)
pulumi.export("repositoryUrl", registry.repository_url)
pulumi.export("imageRef", image.image_ref)
pulumi.export("clusterName", service.cluster_name)
pulumi.export("clusterArn", service.cluster_arn)
pulumi.export("serviceName", service.service_name)
pulumi.export("taskDefinitionArn", service.task_definition_arn)
pulumi.export("logGroupName", logs.name)
pulumi.export("executionRoleArn", service.execution_role_arn)
pulumi.export("taskRoleArn", service.task_role_arn)
pulumi.export("securityGroupId", service.security_group_id)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("taskSubnetIds", network.task_subnet_ids)
pulumi.export("secretArns", secrets.arns)

# The main non-secret outputs, also in SSM Parameter Store (publishOutputs) for consumers
# without Pulumi access: /<project>/<stack>/<outputName>. Lists, maps and secrets stay out.
if settings.publish_outputs:
    SsmOutputs(
        "published-outputs",
        SsmOutputsArgs(
            path=f"/{settings.project}/{settings.stack}",
            values={
                "awsRegion": settings.region,
                "repositoryUrl": registry.repository_url,
                "imageRef": image.image_ref,
                "clusterName": service.cluster_name,
                "clusterArn": service.cluster_arn,
                "serviceName": service.service_name,
                "taskDefinitionArn": service.task_definition_arn,
                "logGroupName": logs.name,
                "executionRoleArn": service.execution_role_arn,
                "taskRoleArn": service.task_role_arn,
                "securityGroupId": service.security_group_id,
                "vpcId": network.vpc_id,
            },
        ),
        opts=with_aws,
    )
    pulumi.export("outputsParameterPath", f"/{settings.project}/{settings.stack}/")
