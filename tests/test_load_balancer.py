"""The load balancer: who may reach it and the tasks, listeners, target group, and the service's wiring."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore

from offline import Evaluation
from tests.conftest import container_definitions, evaluate_ok
from tests.traffic_helpers import EGRESS, INGRESS, alb_group_id, named, rules_of, task_group_id

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/1f2e3d4c-5b6a-4789-8abc-def012345678"
ELBV2_MODEL = Path(botocore.__file__).parent / "data" / "elbv2" / "2015-12-01" / "service-2.json.gz"


def has_certificate(result: Evaluation) -> bool:
    return bool(result.config and result.config.values.get("diagramai:certificateArn"))


def test_the_tasks_admit_only_the_load_balancer_on_the_container_port(stack: Evaluation) -> None:
    port = container_definitions(stack)[0]["portMappings"][0]["containerPort"]
    ingress = rules_of(stack, INGRESS, task_group_id(stack))
    assert [(r.get("referencedSecurityGroupId"), r["fromPort"], r["toPort"]) for r in ingress] == [
        (alb_group_id(stack), port, port)
    ]
    assert not any(r.get("cidrIpv4") or r.get("cidrIpv6") for r in ingress)


def test_the_load_balancer_admits_http_and_https_only_with_a_certificate(stack: Evaluation) -> None:
    ingress = rules_of(stack, INGRESS, alb_group_id(stack))
    expected_ports = {80, 443} if has_certificate(stack) else {80}
    assert {(r["fromPort"], r["toPort"]) for r in ingress} == {(p, p) for p in expected_ports}
    assert {r["cidrIpv4"] for r in ingress} == {"0.0.0.0/0"}


def test_the_load_balancer_sends_only_to_the_vpc_on_the_container_port(stack: Evaluation) -> None:
    port = container_definitions(stack)[0]["portMappings"][0]["containerPort"]
    egress = rules_of(stack, EGRESS, alb_group_id(stack))
    created = stack.of_type("aws:ec2/vpc:Vpc")
    # prod creates its VPC; dev's default VPC range comes from the (faked) lookup.
    vpc_cidr = created[0].inputs["cidrBlock"] if created else "172.31.0.0/16"
    assert [(r["ipProtocol"], r["fromPort"], r["toPort"], r["cidrIpv4"]) for r in egress] == [
        ("tcp", port, port, vpc_cidr)
    ]


def test_ingress_cidrs_of_the_load_balancer_are_configurable() -> None:
    result = evaluate_ok("dev", **{"diagramai:loadBalancer": {"ingressCidrs": ["203.0.113.0/24", "198.51.100.0/24"]}})
    ingress = rules_of(result, INGRESS, alb_group_id(result))
    assert sorted(r["cidrIpv4"] for r in ingress) == ["198.51.100.0/24", "203.0.113.0/24"]


def test_the_target_group_checks_the_health_path_fast_and_drains_in_30_seconds(stack: Evaluation) -> None:
    group = named(stack, "web-tg").inputs
    assert group["targetType"] == "ip"
    assert group["port"] == container_definitions(stack)[0]["portMappings"][0]["containerPort"]
    assert group["deregistrationDelay"] == 30
    check = group["healthCheck"]
    assert check["path"] == stack.config.values["diagramai:healthCheckPath"]
    assert check["matcher"] == "200-399"
    # Faster than AWS's defaults (30 s interval, 5 healthy checks) and the timeout fits the interval.
    assert check["interval"] <= 10 and check["healthyThreshold"] <= 2
    assert check["timeout"] < check["interval"]


def test_health_path_and_deregistration_delay_follow_the_config() -> None:
    result = evaluate_ok(
        "dev",
        **{"diagramai:healthCheckPath": "/healthz", "diagramai:loadBalancer": {"deregistrationDelay": 120}},
    )
    group = named(result, "web-tg").inputs
    assert group["healthCheck"]["path"] == "/healthz"
    assert group["deregistrationDelay"] == 120


def test_with_a_certificate_http_redirects_to_https_with_tls_1_2_or_later(prod: Evaluation) -> None:
    https, http = named(prod, "web-https").inputs, named(prod, "web-http").inputs
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificateArn"] == prod.config.values["diagramai:certificateArn"]
    assert https["defaultActions"] == [{"type": "forward", "targetGroupArn": named(prod, "web-tg").state["arn"]}]
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]


def test_without_a_certificate_http_forwards(dev: Evaluation) -> None:
    listeners = dev.of_type("aws:lb/listener:Listener")
    assert [(li.inputs["port"], li.inputs["protocol"]) for li in listeners] == [(80, "HTTP")]
    assert listeners[0].inputs["defaultActions"] == [
        {"type": "forward", "targetGroupArn": named(dev, "web-tg").state["arn"]}
    ]
    assert dev.outputs["serviceUrl"].startswith("http://")


def test_a_certificate_in_dev_switches_it_to_https() -> None:
    result = evaluate_ok("dev", **{"diagramai:certificateArn": CERTIFICATE})
    assert named(result, "web-https").inputs["certificateArn"] == CERTIFICATE
    assert result.outputs["serviceUrl"] == "https://" + result.outputs["loadBalancerDnsName"]


def test_listener_actions_match_the_elbv2_api_model(stack: Evaluation) -> None:
    model = json.loads(gzip.decompress(ELBV2_MODEL.read_bytes()))["shapes"]
    for listener in stack.of_type("aws:lb/listener:Listener"):
        assert listener.inputs["protocol"] in model["ProtocolEnum"]["enum"]
        for action in listener.inputs["defaultActions"]:
            assert action["type"] in model["ActionTypeEnum"]["enum"]
            if "redirect" in action:
                assert action["redirect"]["statusCode"] in model["RedirectActionStatusCodeEnum"]["enum"]
    assert named(stack, "web-tg").inputs["targetType"] in model["TargetTypeEnum"]["enum"]


def test_the_load_balancer_is_public_in_at_least_two_subnets_and_drops_invalid_headers(stack: Evaluation) -> None:
    alb = named(stack, "web-alb").inputs
    assert alb["loadBalancerType"] == "application" and alb["internal"] is False
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["securityGroups"] == [alb_group_id(stack)]
    assert alb["subnets"] == stack.outputs["publicSubnetIds"] and len(set(alb["subnets"])) >= 2
    assert alb["enableDeletionProtection"] is (stack.stack == "prod")


def test_access_logs_go_to_the_configured_bucket() -> None:
    result = evaluate_ok(
        "dev", **{"diagramai:loadBalancer": {"accessLogsBucket": "diagramai-alb-logs", "accessLogsPrefix": "dev"}}
    )
    assert named(result, "web-alb").inputs["accessLogs"] == {
        "bucket": "diagramai-alb-logs",
        "prefix": "dev",
        "enabled": True,
    }


def test_the_service_registers_its_container_with_the_target_group(stack: Evaluation) -> None:
    service = stack.one("aws:ecs/service:Service")
    container = container_definitions(stack)[0]
    assert service.inputs["loadBalancers"] == [
        {
            "targetGroupArn": named(stack, "web-tg").state["arn"],
            "containerName": container["name"],
            "containerPort": container["portMappings"][0]["containerPort"],
        }
    ]
    assert service.inputs["healthCheckGracePeriodSeconds"] == 60
    # ECS refuses a target group that is not attached to a load balancer yet.
    listener_urns = {li.urn for li in stack.of_type("aws:lb/listener:Listener")}
    assert listener_urns <= set(service.dependencies)


def test_rollouts_keep_full_capacity_and_roll_back(stack: Evaluation) -> None:
    service = stack.one("aws:ecs/service:Service").inputs
    assert service["deploymentMinimumHealthyPercent"] == 100
    assert service["deploymentMaximumPercent"] == 200
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_outputs_name_the_load_balancer_and_target_group(stack: Evaluation) -> None:
    alb, group = named(stack, "web-alb").state, named(stack, "web-tg").state
    assert stack.outputs["loadBalancerArn"] == alb["arn"]
    assert stack.outputs["loadBalancerDnsName"] == alb["dnsName"]
    assert stack.outputs["targetGroupArn"] == group["arn"]
    scheme = "https" if has_certificate(stack) else "http"
    assert stack.outputs["serviceUrl"] == f"{scheme}://{alb['dnsName']}"


def test_without_a_load_balancer_nothing_of_it_is_created() -> None:
    result = evaluate_ok("dev", **{"diagramai:loadBalancer": {"enabled": False}})
    assert not [r for r in result.resources if r.type.startswith("aws:lb/")]
    assert "loadBalancers" not in result.one("aws:ecs/service:Service").inputs
    assert "serviceUrl" not in result.outputs
