"""postmortem.json (the whole model) and its published JSON Schema (schemas/postmortem.schema.json)."""

from __future__ import annotations

import json

from agent.models import Postmortem


def render(pm: Postmortem) -> str:
    return pm.model_dump_json(indent=2) + "\n"


def schema_text() -> str:
    """The JSON Schema of ``Postmortem``, as committed in schemas/postmortem.schema.json."""
    return json.dumps(Postmortem.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # regenerate: python -m agent.render.jsonout > schemas/postmortem.schema.json
    import sys

    sys.stdout.write(schema_text())
