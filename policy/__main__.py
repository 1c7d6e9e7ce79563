"""Entry point the Pulumi CLI runs for `--policy-pack policy`: only builds the PolicyPack.

The CLI runs this directory with runpy, so `policy/` is on sys.path and the rules import as
`rules`; tests import the same module as `policy.rules`.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import policies

PolicyPack(
    name="diagramai-policy",
    # A rule's own level (advisory for the read-only root filesystem) wins over this default;
    # per-stack levels come from --policy-pack-config policy/config/<stack>.json.
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(),
)
