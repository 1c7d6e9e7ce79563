"""Keep secret values out of everything the offline runner prints or writes.

Three layers, because any one of them alone can miss something:
- input properties the program marked secret are masked whole when they are plain values. The SDK
  marks a whole top-level property secret when anything inside it is (a Deployment's `spec` holding
  a checksum of secret values): structured ones keep their structure, and the third layer below
  removes every secret config value from them; offline, no other real secret value exists;
- properties that are secret by their resource type's contract are masked even when the program forgot
  to mark them (a Kubernetes Secret's data, a SecretVersion's string, a registry password);
- any stand-in for a `secure:` config value (see stack_config.SECRET_PLACEHOLDER_PREFIX) left anywhere
  in a string is replaced, so a secret that leaked into plain text still never reaches a file.
"""

from __future__ import annotations

import re
from typing import Any

from offline.engine import RecordedResource
from offline.stack_config import SECRET_PLACEHOLDER_PREFIX

SECRET_MARK = "[secret]"

_PLACEHOLDER = re.compile(re.escape(SECRET_PLACEHOLDER_PREFIX) + r"[0-9a-f]{16}")

# Resource type -> top-level input properties whose whole value is secret.
SECRET_PROPERTIES: dict[str, frozenset[str]] = {
    "aws:secretsmanager/secretVersion:SecretVersion": frozenset({"secretString", "secretBinary"}),
    "docker:index/image:Image": frozenset({"registry"}),
    "aws:rds/instance:Instance": frozenset({"password"}),
    "aws:rds/cluster:Cluster": frozenset({"masterPassword"}),
}
# Resource type -> properties that are maps of secret values (keys are kept, values masked).
SECRET_MAPS: dict[str, frozenset[str]] = {
    "kubernetes:core/v1:Secret": frozenset({"data", "stringData"}),
}


def scrub(value: Any) -> Any:
    """`value` with every secret-config stand-in inside strings replaced by SECRET_MARK."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(SECRET_MARK, value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def contains_placeholder(text: str) -> bool:
    return SECRET_PLACEHOLDER_PREFIX in text


def safe_inputs(resource: RecordedResource) -> dict[str, Any]:
    """The resource's inputs with secret properties masked and secret stand-ins scrubbed."""
    by_type = SECRET_PROPERTIES.get(resource.type, frozenset())
    marked = {k for k in resource.secret_inputs if not isinstance(resource.inputs.get(k), (dict, list))}
    whole = by_type | marked
    maps = SECRET_MAPS.get(resource.type, frozenset())
    masked: dict[str, Any] = {}
    for key, value in resource.inputs.items():
        if key in maps and isinstance(value, dict):
            # Keep the keys (they say what the object holds), never the values.
            masked[key] = dict.fromkeys(value, SECRET_MARK)
        elif key in whole:
            masked[key] = SECRET_MARK
        else:
            masked[key] = value
    return scrub(masked)
