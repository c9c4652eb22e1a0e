"""The typer app. Each command lives in agent/commands/<name>.py and registers itself here;
commands parse, call the API, and print or write. Errors become exit codes only here:
0 ok, 1 internal, 2 bad input or usage, 3 check failed under --strict."""

from __future__ import annotations

import sys

import typer

from agent.commands import check, draft, library, lint, logs
from agent.commands import eval as eval_cmd
from agent.errors import PostmortemError

app = typer.Typer(
    name="postmortem",
    help="Draft cited, blameless incident postmortems from the data an incident leaves behind.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in (draft, logs, lint, check, eval_cmd, library):
    _module.register(app)


def main() -> None:
    """Console entry point: run the app and translate typed errors into exit codes."""
    try:
        app(standalone_mode=True)
    except PostmortemError as exc:
        print(f"postmortem: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # an internal failure: one line, exit 1
        print(f"postmortem: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
