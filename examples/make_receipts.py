"""Make examples/receipts.csv: simulate the store of examples/store.yaml for four weeks and print
the till receipts of its visits (see docs/calibration.md, "Calibrate to your store").

    python examples/make_receipts.py [--out examples/receipts.csv]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from journeysim.files import write_text
from journeysim.scenario.loader import load_scenario
from journeysim.simulation.replication import simulate
from journeysim.study.receipts_export import receipts_from_visits

HERE = Path(__file__).resolve().parent
FIRST_MONDAY = dt.date(2026, 3, 2)
CARD_SHARE = 0.6  # customers with a loyalty card


def make_receipts(out: Path, store: Path = HERE / "store.yaml") -> int:
    """Write the store's receipts to `out`; return how many."""
    scenario = load_scenario(store)
    visits = simulate(scenario, 0).visits
    receipts = receipts_from_visits(visits, scenario, FIRST_MONDAY, CARD_SHARE, scenario.seed)
    write_text(out, receipts.to_csv(index=False, lineterminator="\n"))
    return len(receipts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "receipts.csv")
    args = parser.parse_args()
    print(f"{make_receipts(args.out):,} receipts in {args.out}")


if __name__ == "__main__":
    main()
