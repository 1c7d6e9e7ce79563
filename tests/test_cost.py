"""The monthly cost estimate matches a hand calculation from the price table."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from offline import Evaluation, evaluate
from offline.cost import estimate_cost, format_cost, load_prices
from tests.conftest import evaluate_ok
from tests.test_render import ARM_DEV

PRICES = load_prices()
P, A, HOURS = PRICES["prices"], PRICES["assumptions"], PRICES["hoursPerMonth"]
SECRETS = 6  # DATABASE_URL, NEXTAUTH_SECRET, REDIS_URL, OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_KEY
KEPT_IMAGES = 30  # the default keepTaggedImages of the ECR lifecycle policy


def shared_costs(tasks: int) -> float:
    logs = tasks * A["logIngestGbPerTaskMonth"] * P["cloudwatchLogs"]["ingestGb"]
    secrets = SECRETS * P["secretsManager"]["secretMonth"]
    ecr = KEPT_IMAGES * A["ecrImageGb"] * P["ecr"]["storageGbMonth"]
    return logs + secrets + ecr


def application_load_balancer(public_subnets: int) -> float:
    lb = P["loadBalancer"]["application"]
    return HOURS * (
        lb["hour"] + A["loadBalancerCapacityUnits"] * lb["capacityUnitHour"] + public_subnets * P["publicIpv4"]["hour"]
    )


def test_dev_cost_by_hand(dev: Evaluation) -> None:
    fargate = P["fargate"]["X86_64"]
    # dev: 1 task of 256 CPU units (0.25 vCPU) and 512 MiB (0.5 GB), with a public IPv4 address,
    # behind an internet-facing ALB in the default VPC's subnets (one public IPv4 address each).
    tasks = 1 * HOURS * (0.25 * fargate["vcpuHour"] + 0.5 * fargate["gbHour"])
    public_ip = 1 * HOURS * P["publicIpv4"]["hour"]
    alb = application_load_balancer(len(dev.outputs["publicSubnetIds"]))
    expected = tasks + public_ip + alb + shared_costs(1)
    assert estimate_cost(dev).total == pytest.approx(expected, abs=0.01)


def test_prod_cost_by_hand(prod: Evaluation) -> None:
    fargate = P["fargate"]["X86_64"]
    # prod: 3 tasks of 512 CPU units (0.5 vCPU) and 1024 MiB (1 GB), private subnets (no public IP),
    # an ALB in 3 public subnets, and one NAT gateway (with its Elastic IP) per AZ.
    tasks = 3 * HOURS * (0.5 * fargate["vcpuHour"] + 1 * fargate["gbHour"])
    nat = P["natGateway"]
    nats = 3 * (HOURS * (nat["hour"] + P["publicIpv4"]["hour"]) + A["natGbProcessedPerMonth"] * nat["gbProcessed"])
    expected = tasks + application_load_balancer(3) + nats + shared_costs(3)
    estimate = estimate_cost(prod)
    assert estimate.total == pytest.approx(expected, abs=0.01)
    assert not any(line.resource == "service-service" and "Public IPv4" in line.item for line in estimate.lines)


def test_arm_is_priced_at_arm_rates() -> None:
    estimate = estimate_cost(evaluate_ok("dev", **ARM_DEV))
    fargate = P["fargate"]["ARM64"]
    vcpu = next(line for line in estimate.lines if line.item == "Fargate vCPU (ARM64)")
    assert vcpu.monthly == pytest.approx(HOURS * 0.25 * fargate["vcpuHour"])


def test_desired_count_scales_fargate_linearly(dev: Evaluation) -> None:
    one = sum(line.monthly for line in estimate_cost(dev).lines if line.item.startswith("Fargate"))
    four = estimate_cost(evaluate_ok("dev", **{"diagramai:desiredCount": 4}))
    assert sum(line.monthly for line in four.lines if line.item.startswith("Fargate")) == pytest.approx(4 * one)


LOAD_BALANCER_AND_NAT = """
import pulumi
import pulumi_aws as aws

provider = aws.Provider("aws", region="us-east-1")
opts = pulumi.ResourceOptions(provider=provider)
aws.lb.LoadBalancer("alb", load_balancer_type="application", subnets=["subnet-a", "subnet-b"], opts=opts)
aws.ec2.NatGateway("nat-a", subnet_id="subnet-a", allocation_id="eipalloc-a", opts=opts)
aws.ec2.NatGateway("nat-b", subnet_id="subnet-b", allocation_id="eipalloc-b", opts=opts)
"""


def test_load_balancers_and_nat_gateways_are_priced_when_present(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(textwrap.dedent(LOAD_BALANCER_AND_NAT))
    result = evaluate("dev", program=program)
    assert result.ok, result.error or result.findings
    nat = P["natGateway"]
    expected_alb = application_load_balancer(public_subnets=2)
    expected_nat = 2 * (HOURS * nat["hour"] + A["natGbProcessedPerMonth"] * nat["gbProcessed"])
    assert estimate_cost(result).total == pytest.approx(expected_alb + expected_nat, abs=0.01)


def test_cost_table_states_prices_date_and_assumptions(prod: Evaluation) -> None:
    text = "\n".join(format_cost(estimate_cost(prod)))
    assert f"{PRICES['region']} list prices as of {PRICES['asOf']}" in text
    assert f"{estimate_cost(prod).total:,.2f}" in text
    assert "Assumptions:" in text and "https://aws.amazon.com/fargate/pricing/" in text
