"""A monthly cost estimate from the recorded resources, priced from offline/prices.json.

It answers "what will this stack cost?" before anything is deployed. Only what the resources
determine is priced (task sizes and counts, load balancers, NAT gateways, secrets); usage that
the program cannot know (log volume, NAT traffic, image sizes) comes from the stated assumptions
in the price file. Resource types are priced when present, whichever component created them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from offline.artifacts import parse_json
from offline.engine import Evaluation, RecordedResource

PRICES_FILE = Path(__file__).with_name("prices.json")

LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
NAT_GATEWAY_TYPE = "aws:ec2/natGateway:NatGateway"
ELASTIC_IP_TYPE = "aws:ec2/eip:Eip"


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    return json.loads(path.read_text())


@dataclass(frozen=True)
class CostLine:
    item: str
    resource: str
    quantity: str
    monthly: float


@dataclass
class CostEstimate:
    region: str
    currency: str
    as_of: str
    hours_per_month: float
    lines: list[CostLine] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    not_priced: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "currency": self.currency,
            "asOf": self.as_of,
            "hoursPerMonth": self.hours_per_month,
            "lines": [asdict(line) for line in self.lines],
            "total": self.total,
            "assumptions": self.assumptions,
            "notPriced": self.not_priced,
            "sources": self.sources,
        }


def _task_units(value: Any, per_unit: int) -> float:
    """ECS task cpu/memory ("512", 512, "0.5 vCPU", "1 GB") in vCPUs or GB."""
    text = str(value).strip()
    number = float(re.match(r"[\d.]+", text).group()) if re.match(r"[\d.]+", text) else 0.0
    return number if re.search(r"[A-Za-z]", text) else number / per_unit


def _tasks(count: float) -> str:
    return f"{count:g} task" + ("" if count == 1 else "s")


def _services_with_tasks(result: Evaluation) -> list[tuple[RecordedResource, RecordedResource]]:
    definitions = {t.state.get("arn"): t for t in result.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    pairs = []
    for service in result.of_type("aws:ecs/service:Service"):
        task = definitions.get(service.inputs.get("taskDefinition"))
        if task is not None:
            pairs.append((service, task))
    return pairs


def _is_fargate(service: RecordedResource) -> bool:
    if service.inputs.get("launchType") == "FARGATE":
        return True
    strategy = service.inputs.get("capacityProviderStrategies") or []
    return any(s.get("capacityProvider") == "FARGATE" for s in strategy)


def _fargate(result: Evaluation, prices: dict[str, Any], estimate: CostEstimate) -> float:
    """Price every Fargate service; return the number of running tasks."""
    hours = estimate.hours_per_month
    tasks = 0.0
    for service, task in _services_with_tasks(result):
        if not _is_fargate(service):
            estimate.not_priced.append(f"ECS service {service.name}: not on the FARGATE launch type/capacity provider")
            continue
        count = float(service.inputs.get("desiredCount") or 0)
        tasks += count
        arch = (task.inputs.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64"
        rate = prices["fargate"][arch]
        vcpu = _task_units(task.inputs.get("cpu", 0), 1024)
        gb = _task_units(task.inputs.get("memory", 0), 1024)
        estimate.lines.append(
            CostLine(
                f"Fargate vCPU ({arch})",
                service.name,
                f"{_tasks(count)} x {vcpu:g} vCPU x {hours:g} h @ ${rate['vcpuHour']}/vCPU-h",
                count * vcpu * hours * rate["vcpuHour"],
            )
        )
        estimate.lines.append(
            CostLine(
                f"Fargate memory ({arch})",
                service.name,
                f"{_tasks(count)} x {gb:g} GB x {hours:g} h @ ${rate['gbHour']}/GB-h",
                count * gb * hours * rate["gbHour"],
            )
        )
        if (service.inputs.get("networkConfiguration") or {}).get("assignPublicIp"):
            ip = prices["publicIpv4"]["hour"]
            estimate.lines.append(
                CostLine(
                    "Public IPv4 addresses",
                    service.name,
                    f"{count:g} IPv4 x {hours:g} h @ ${ip}/h",
                    count * hours * ip,
                )
            )
    return tasks


def _load_balancers(
    result: Evaluation, prices: dict[str, Any], assumed: dict[str, Any], estimate: CostEstimate
) -> None:
    hours = estimate.hours_per_month
    units = assumed["loadBalancerCapacityUnits"]
    for lb in (r for t in LOAD_BALANCER_TYPES for r in result.of_type(t)):
        kind = lb.inputs.get("loadBalancerType") or "application"
        rate = prices["loadBalancer"].get(kind)
        if rate is None:
            estimate.not_priced.append(f"load balancer {lb.name}: type {kind}")
            continue
        estimate.lines.append(
            CostLine(f"Load balancer ({kind}) hours", lb.name, f"{hours:g} h @ ${rate['hour']}/h", hours * rate["hour"])
        )
        estimate.lines.append(
            CostLine(
                f"Load balancer ({kind}) capacity units",
                lb.name,
                f"{units:g} LCU x {hours:g} h @ ${rate['capacityUnitHour']}/LCU-h",
                units * hours * rate["capacityUnitHour"],
            )
        )


def _public_addresses(result: Evaluation, prices: dict[str, Any], estimate: CostEstimate) -> None:
    """AWS charges for every public IPv4 address: an internet-facing ALB has one per subnet, an EIP one."""
    hours, rate = estimate.hours_per_month, prices["publicIpv4"]["hour"]
    holders = [
        (lb.name, len(lb.inputs.get("subnets") or []))
        for t in LOAD_BALANCER_TYPES
        for lb in result.of_type(t)
        if not lb.inputs.get("internal")
    ]
    holders += [(eip.name, 1) for eip in result.of_type(ELASTIC_IP_TYPE)]
    for name, count in holders:
        if count:
            estimate.lines.append(
                CostLine("Public IPv4 addresses", name, f"{count} IPv4 x {hours:g} h @ ${rate}/h", count * hours * rate)
            )


def _nat_gateways(result: Evaluation, prices: dict[str, Any], assumed: dict[str, Any], estimate: CostEstimate) -> None:
    hours = estimate.hours_per_month
    rate = prices["natGateway"]
    gb = assumed["natGbProcessedPerMonth"]
    for nat in result.of_type(NAT_GATEWAY_TYPE):
        estimate.lines.append(
            CostLine("NAT gateway hours", nat.name, f"{hours:g} h @ ${rate['hour']}/h", hours * rate["hour"])
        )
        estimate.lines.append(
            CostLine(
                "NAT gateway data processed",
                nat.name,
                f"{gb:g} GB @ ${rate['gbProcessed']}/GB",
                gb * rate["gbProcessed"],
            )
        )


def _logs(
    result: Evaluation, prices: dict[str, Any], assumed: dict[str, Any], tasks: float, estimate: CostEstimate
) -> None:
    groups = result.of_type("aws:cloudwatch/logGroup:LogGroup")
    if not groups:
        return
    gb = tasks * assumed["logIngestGbPerTaskMonth"]
    rate = prices["cloudwatchLogs"]["ingestGb"]
    names = ", ".join(sorted(g.name for g in groups))
    estimate.lines.append(CostLine("CloudWatch Logs ingestion", names, f"{gb:g} GB @ ${rate}/GB", gb * rate))


def _secrets(result: Evaluation, prices: dict[str, Any], estimate: CostEstimate) -> None:
    secrets = result.of_type("aws:secretsmanager/secret:Secret")
    if secrets:
        rate = prices["secretsManager"]["secretMonth"]
        estimate.lines.append(
            CostLine(
                "Secrets Manager secrets",
                f"{len(secrets)} secrets",
                f"{len(secrets)} x ${rate}/month",
                len(secrets) * rate,
            )
        )


def _kept_images(result: Evaluation, repository: RecordedResource, default: int) -> int:
    """Tagged images an ECR lifecycle policy keeps (its imageCountMoreThan rule), else the assumption."""
    names = {repository.id, repository.state.get("name")}
    for policy in result.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        if policy.inputs.get("repository") not in names:
            continue
        rules = (parse_json(policy.inputs.get("policy")) or {}).get("rules", [])
        counts = [
            r["selection"]["countNumber"]
            for r in rules
            if r.get("selection", {}).get("countType") == "imageCountMoreThan"
        ]
        if counts:
            return int(max(counts))
    return default


def _ecr(result: Evaluation, prices: dict[str, Any], assumed: dict[str, Any], estimate: CostEstimate) -> None:
    rate = prices["ecr"]["storageGbMonth"]
    for repository in result.of_type("aws:ecr/repository:Repository"):
        images = _kept_images(result, repository, assumed["ecrImagesWithoutLifecycle"])
        gb = images * assumed["ecrImageGb"]
        estimate.lines.append(
            CostLine(
                "ECR storage",
                repository.name,
                f"{images} images x {assumed['ecrImageGb']:g} GB @ ${rate}/GB-month",
                gb * rate,
            )
        )


def estimate_cost(result: Evaluation, prices: dict[str, Any] | None = None) -> CostEstimate:
    table = prices or load_prices()
    p, assumed = table["prices"], table["assumptions"]
    estimate = CostEstimate(table["region"], table["currency"], table["asOf"], table["hoursPerMonth"])
    region = result.config.values.get("aws:region") if result.config else None
    if region and region != table["region"]:
        estimate.assumptions.append(f"stack region is {region}; priced with {table['region']} list prices")
    tasks = _fargate(result, p, estimate)
    _load_balancers(result, p, assumed, estimate)
    _nat_gateways(result, p, assumed, estimate)
    _public_addresses(result, p, estimate)
    _logs(result, p, assumed, tasks, estimate)
    _secrets(result, p, estimate)
    _ecr(result, p, assumed, estimate)
    estimate.assumptions += [
        f"{table['hoursPerMonth']:g} hours per month, tasks always at the desired count (no autoscaling)",
        f"{assumed['logIngestGbPerTaskMonth']:g} GB of logs ingested per running task per month",
        f"ECR: {assumed['ecrImageGb']:g} GB per image; images kept = the lifecycle policy's tagged-image count "
        f"({assumed['ecrImagesWithoutLifecycle']} without one)",
        f"load balancers: {assumed['loadBalancerCapacityUnits']:g} capacity unit (LCU) around the clock",
        f"NAT gateways: {assumed['natGbProcessedPerMonth']:g} GB processed per month each",
        table["note"],
    ]
    estimate.not_priced += [
        "data transfer out to the internet and between AZs",
        "CloudWatch Logs storage and Container Insights metrics",
        "Secrets Manager and KMS API calls, customer-managed KMS keys",
        "the VPC, subnets and any NAT or VPC endpoints that the stack does not create",
    ]
    estimate.sources = sorted({v["source"] for v in p.values()})
    return estimate


def format_cost(estimate: CostEstimate) -> list[str]:
    rows = [(line.item, line.resource, line.quantity, f"{line.monthly:,.2f}") for line in estimate.lines]
    header = ("Item", "Resource", "Quantity", f"{estimate.currency}/month")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]

    def fmt(row: tuple[str, str, str, str]) -> str:
        return "  " + "  ".join(
            c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    rule = "  " + "  ".join("-" * w for w in widths)
    lines = [f"Estimated monthly cost ({estimate.region} list prices as of {estimate.as_of}):", fmt(header), rule]
    lines += [fmt(row) for row in rows]
    lines += [rule, fmt(("Total", "", "", f"{estimate.total:,.2f}")), "", "Assumptions:"]
    lines += [f"  - {a}" for a in estimate.assumptions]
    lines += ["Not priced:", *(f"  - {n}" for n in estimate.not_priced)]
    lines += ["Prices from:", *(f"  - {s}" for s in estimate.sources)]
    return lines
