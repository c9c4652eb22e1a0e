"""Rewrite the committed bundles: python -m evals.synth [case ...]."""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = {  # module -> target directory
    "case_conn_pool": "fixtures/conn-pool-exhaustion",
    "case_config_push": "fixtures/edge-config-push",
    "case_cert_expiry": "fixtures/mtls-cert-expiry",
    "case_dependency": "fixtures/fraud-vendor-timeouts",
    "dev_kinesis": "evals/datasets/dev/aws-kinesis-2020",
    "dev_reddit": "evals/datasets/dev/reddit-pi-day-2023",
    "dev_joyent": "evals/datasets/dev/joyent-reboot-2014",
    "dev_teams": "evals/datasets/dev/teams-cert-2020",
    "dev_spotify": "evals/datasets/dev/spotify-login-2022",
    "dev_gcp_network": "evals/datasets/dev/gcp-network-2019",
}


def main(argv: list[str]) -> None:
    wanted = [c for c in CASES if not argv or any(a in c for a in argv)]
    for mod_name in wanted:
        target = ROOT / CASES[mod_name]
        if target.exists():
            shutil.rmtree(target)
        importlib.import_module(f"evals.synth.{mod_name}").build(target)
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        print(f"{CASES[mod_name]}: {size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
