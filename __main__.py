"""DiagramAI on AWS: read the stack's settings, wire the components, export the outputs."""

import pulumi
import pulumi_aws as aws

from components.autoscaling import ServiceAutoscaling, ServiceAutoscalingArgs
from components.fargate_service import (
    ContainerHealthCheck,
    FargateService,
    FargateServiceArgs,
    LoadBalancerAttachment,
    http_health_check,
)
from components.image import ContainerImage, ContainerImageArgs
from components.kubernetes_service import ClusterConnection, KubernetesService, KubernetesServiceArgs
from components.load_balancer import AccessLogs, LoadBalancer, LoadBalancerArgs, TargetHealthCheck
from components.log_group import LogGroup, LogGroupArgs
from components.monitoring import ServiceMonitoring, ServiceMonitoringArgs
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

# What publishOutputs writes to SSM: the plain-string outputs (no lists, maps or secrets).
published: dict[str, pulumi.Input[str]] = {}


def export(name: str, value: pulumi.Input, *, publish: bool = True) -> None:
    pulumi.export(name, value)
    if publish:
        published[name] = value


export("awsRegion", settings.region)
export("repositoryUrl", registry.repository_url)
export("imageRef", image.image_ref)
export("secretArns", secrets.arns, publish=False)

# ECS Fargate, unless the stack runs on Kubernetes only (`ecs.enabled: false`).
if settings.ecs.enabled:
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
            mode=settings.network.mode,
            layout=settings.network.create,
            region=settings.region,
        ),
        opts=with_aws,
    )

    load_balancer = None
    if settings.load_balancer.enabled:
        lb = settings.load_balancer
        if settings.certificate_is_placeholder:
            pulumi.log.warn(
                "certificateArn is the committed placeholder; `pulumi up` fails at the HTTPS listener until it is "
                "replaced with your ACM certificate: pulumi config set certificateArn arn:aws:acm:..."
            )
        load_balancer = LoadBalancer(
            "web",
            LoadBalancerArgs(
                vpc_id=network.vpc_id,
                subnet_ids=network.public_subnet_ids,
                vpc_cidr=network.vpc_cidr,
                target_port=settings.container_port,
                health_check=TargetHealthCheck(
                    path=settings.health_check_path,
                    interval=lb.health_check_interval,
                    healthy_threshold=lb.healthy_threshold,
                    unhealthy_threshold=lb.unhealthy_threshold,
                ),
                ingress_cidrs=lb.ingress_cidrs,
                certificate_arn=settings.certificate_arn,
                deregistration_delay=lb.deregistration_delay,
                idle_timeout=lb.idle_timeout,
                deletion_protection=lb.deletion_protection,
                access_logs=AccessLogs(lb.access_logs_bucket, lb.access_logs_prefix) if lb.access_logs_bucket else None,
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
            load_balancer=(
                LoadBalancerAttachment(
                    target_group_arn=load_balancer.target_group_arn,
                    security_group_id=load_balancer.security_group_id,
                    health_check_grace_period=settings.load_balancer.health_check_grace_period,
                    depends_on=load_balancer.listeners,
                )
                if load_balancer
                else None
            ),
            autoscaled=settings.autoscaling.enabled,
        ),
        opts=with_aws,
    )

    if settings.autoscaling.enabled:
        scaling = settings.autoscaling
        ServiceAutoscaling(
            "scaling",
            ServiceAutoscalingArgs(
                cluster_name=service.cluster_name,
                service_name=service.service_name,
                min_capacity=scaling.min_capacity,
                max_capacity=scaling.max_capacity,
                cpu_target=scaling.cpu_target,
                memory_target=scaling.memory_target,
                requests_per_target=scaling.requests_per_target if load_balancer else None,
                load_balancer_arn_suffix=load_balancer.arn_suffix if load_balancer else None,
                target_group_arn_suffix=load_balancer.target_group_arn_suffix if load_balancer else None,
                scale_out_cooldown=scaling.scale_out_cooldown,
                scale_in_cooldown=scaling.scale_in_cooldown,
            ),
            opts=with_aws,
        )

    alarms = settings.alarms
    monitoring = ServiceMonitoring(
        "monitoring",
        ServiceMonitoringArgs(
            cluster_name=service.cluster_name,
            service_name=service.service_name,
            region=settings.region,
            dashboard_name=app,
            load_balancer_arn_suffix=load_balancer.arn_suffix if load_balancer else None,
            target_group_arn_suffix=load_balancer.target_group_arn_suffix if load_balancer else None,
            alarms_enabled=alarms.enabled,
            thresholds=alarms.thresholds,
            alarm_email=alarms.email,
            topic_kms_key_id=settings.kms_key_arn,
        ),
        opts=with_aws,
    )

    export("clusterName", service.cluster_name)
    export("clusterArn", service.cluster_arn)
    export("serviceName", service.service_name)
    export("taskDefinitionArn", service.task_definition_arn)
    export("logGroupName", logs.name)
    export("executionRoleArn", service.execution_role_arn)
    export("taskRoleArn", service.task_role_arn)
    export("securityGroupId", service.security_group_id)
    export("vpcId", network.vpc_id)
    export("taskSubnetIds", network.task_subnet_ids, publish=False)
    export("publicSubnetIds", network.public_subnet_ids, publish=False)
    export("privateSubnetIds", network.private_subnet_ids, publish=False)
    export("dashboardName", monitoring.dashboard_name)
    if monitoring.topic_arn is not None:
        export("alarmTopicArn", monitoring.topic_arn)
    if load_balancer is not None:
        export("serviceUrl", load_balancer.url)
        export("loadBalancerDnsName", load_balancer.dns_name)
        export("loadBalancerArn", load_balancer.arn)
        export("targetGroupArn", load_balancer.target_group_arn)

# The same image and settings on a Kubernetes cluster (`kubernetes.enabled: true`).
if settings.kubernetes.enabled:
    k8s_settings = settings.kubernetes
    workload = KubernetesService(
        "kubernetes",
        KubernetesServiceArgs(
            app_name=settings.project,
            namespace=k8s_settings.namespace,
            instance=app,
            image=image.image_ref,
            connection=ClusterConnection(
                kubeconfig=k8s_settings.kubeconfig, context=k8s_settings.context, render_dir=k8s_settings.render_dir
            ),
            container_port=settings.container_port,
            service_type=k8s_settings.service_type,
            health_check_path=settings.health_check_path,
            environment=settings.environment,
            # An existing Secret replaces the managed one; its keys are the variable names.
            secret_values={} if k8s_settings.existing_secret_name else settings.secret_values,
            existing_secret_name=k8s_settings.existing_secret_name,
            existing_secret_keys=[s.name for s in settings.secrets],
            replicas=k8s_settings.replicas,
            autoscaling=k8s_settings.autoscaling,
            min_replicas=k8s_settings.min_replicas,
            max_replicas=k8s_settings.max_replicas,
            resources=k8s_settings.resources,
            image_pull_policy=k8s_settings.image_pull_policy,
            image_pull_secrets=k8s_settings.image_pull_secrets,
            network_policy=k8s_settings.network_policy,
        ),
    )
    export("kubernetesNamespace", workload.namespace)
    export("kubernetesDeploymentName", workload.deployment_name)
    export("kubernetesServiceName", workload.service_name)
    export("kubernetesServiceAddress", workload.service_address, publish=False)

# The main non-secret outputs, also in SSM Parameter Store (publishOutputs) for consumers
# without Pulumi access: /<project>/<stack>/<outputName>. Lists, maps and secrets stay out.
if settings.publish_outputs:
    SsmOutputs(
        "published-outputs",
        SsmOutputsArgs(path=f"/{settings.project}/{settings.stack}", values=published),
        opts=with_aws,
    )
    export("outputsParameterPath", f"/{settings.project}/{settings.stack}/", publish=False)
