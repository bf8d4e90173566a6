"""Files shipped inside the package: the demo fleet and the sample policy."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_FLEET = DATA_DIR / "demo-fleet.yaml"
SAMPLE_POLICY = DATA_DIR / "sample-policy.yaml"
