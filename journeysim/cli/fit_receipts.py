"""The `fit-receipts` command: a till export in, a scenario of the store and its calibration
targets out."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from journeysim.cli.options import UsageError, name_text, output_path, writable_file, writing
from journeysim.files import name_problem, real_path, write_text
from journeysim.words import plural, signed_number, unsigned_zero


def default_base() -> Path:
    """scenarios/baseline.yaml: the copy an installed package ships beside its code (setup.py
    SHIPPED), else the one of the clone the package runs from."""
    package = Path(__file__).resolve().parents[1]
    shipped = package / "scenarios" / "baseline.yaml"
    return shipped if shipped.is_file() else package.parent / "scenarios" / "baseline.yaml"


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "fit-receipts",
        help="fit a scenario to a store's till receipts and write its calibration targets",
        description="Read a receipts CSV (columns timestamp, items, amount, payment card|cash; "
        "optional lane, customer_id, scan_start, scan_end; see docs/calibration.md) and write "
        "a scenario that extends BASE with what the receipts determine (hourly arrivals, "
        "traffic, baskets, cash, service times), and targets.yaml beside it with what only a "
        "calibration can match (return rate, visits and revenue per day). Prints what was "
        "fitted and what was not, and why. Runs four weeks of BASE, of the fitted store (to "
        "correct its traffic) and of the store as written (to print its till beside the "
        "receipts), to read their own tills.",
    )
    command.add_argument("receipts", type=Path, metavar="RECEIPTS.csv", help="the till export")
    command.add_argument(
        "--out",
        type=output_path,
        required=True,
        metavar="STORE.yaml",
        help="scenario file to write",
    )
    command.add_argument(
        "--extends",
        type=Path,
        metavar="BASE.yaml",
        help="scenario the fitted one starts from (default: a copy of the shipped "
        "scenarios/baseline.yaml written beside STORE.yaml)",
    )
    command.add_argument(
        "--name", type=name_text, help="name of the fitted scenario (default: the stem of --out)"
    )
    command.set_defaults(handler=_fit_receipts)


def _fit_receipts(args: argparse.Namespace) -> int:
    from journeysim.scenario.errors import ScenarioError
    from journeysim.scenario.loader import extends_chain, load_scenario
    from journeysim.simulation.replication import past
    from journeysim.study.receipt_fit import (
        fit_receipts,
        fitted_scenario,
        refine_traffic,
        scenario_layer,
        service_times,
        till_check,
    )
    from journeysim.study.receipt_reference import (
        REFERENCE_DAYS,
        SellsNothing,
        reference_run,
        reference_scenario,
    )
    from journeysim.study.receipts import ReceiptsError, read_receipts

    targets_path = args.out.parent / "targets.yaml"
    shipped = None if args.extends else default_base()
    base_path = args.extends or args.out.parent / "baseline.yaml"
    # --out's file last, so that an error says what it would replace
    written = {"the targets": targets_path, "the scenario": args.out}
    if shipped:
        written = {"the copy of the shipped baseline": base_path, **written}
    for path in written.values():
        writable_file(path)
    name = args.name or args.out.stem
    if problem := name_problem(name):  # a --name is checked as given (name_text)
        raise UsageError(f"the stem names the fitted scenario: {problem}; give --name", "--out")
    read = {"the receipts": args.receipts}
    if args.extends:
        read["the base (--extends)"] = args.extends
        chain = [args.extends]
        try:
            parents = extends_chain(args.extends)  # the fitted store extends them all
        except ScenarioError as error:
            raise UsageError(str(error), "--extends") from None
        for parent in parents:
            chain.append(parent)
            read[f"a file the base (--extends) extends ({' -> '.join(map(str, chain))})"] = parent
    _refuse_overwriting(read, written)
    if shipped and base_path.is_file() and base_path.read_bytes() != shipped.read_bytes():
        raise UsageError(
            f"{base_path} exists and is not the shipped baseline; give --extends {base_path} to "
            "fit over it, or move it away"
        )
    receipts = read_receipts(args.receipts)
    services = service_times(receipts)  # what needs no run of a store is refused before any
    base = load_scenario(shipped or base_path)
    try:
        reference = reference_run(base)
    except SellsNothing:
        raise ReceiptsError(
            f"{base_path}: sells nothing in a {REFERENCE_DAYS}-day run, so it has no till to "
            "read the receipts against (--extends)"
        ) from None
    fit = fit_receipts(receipts, base, reference, services)
    try:
        # The stores tried on the way are not what is written: only the last one's history
        # is worth a warning.
        own_till = refine_traffic(
            fit, receipts, lambda: reference_run(fitted_scenario(base, fit, name), warn=False)
        )
        fitted = fitted_scenario(base, fit, name)
        past(reference_scenario(fitted))  # its history, kept on disk: warns if too short
    except SellsNothing:
        facts = fit.facts
        raise ReceiptsError(
            f"{args.receipts}: the store fitted to {plural(facts['receipts'], 'receipt')} on "
            f"{plural(facts['days'], 'day')} sells nothing in a {REFERENCE_DAYS}-day run; too "
            "few receipts to fit a store: give a week or more"
        ) from None
    layer = {
        "extends": os.path.relpath(real_path(base_path), real_path(args.out).parent),
        "name": name,
        "description": f"Fitted to {args.receipts.name} by journeysim fit-receipts.",
        **scenario_layer(fitted, fit),
    }
    header = (
        f"# {name}: fitted to {args.receipts} over {base_path.name} (journeysim "
        "fit-receipts).\n# Values the receipts determine; everything else comes from the base. "
        "Calibration targets: targets.yaml.\n"
    )
    with writing(args.out.parent):
        if shipped:  # the store's folder holds its base: a newer journeysim leaves it as fitted
            write_text(base_path, shipped.read_text())
        write_text(args.out, header + _dump(layer))
        write_text(targets_path, _targets_text(args, fit))
    load_scenario(args.out)  # what was written loads back
    facts = fit.facts
    print(
        f"\n{args.receipts}: {plural(facts['receipts'], 'receipt')} on "
        f"{plural(facts['days'], 'day')} ({plural(facts['weekend_days'], 'weekend day')}), "
        f"{facts['card_receipts']:,} with a loyalty card of "
        f"{plural(facts['customers'], 'customer')}\n"
    )
    print("Fitted\n")
    for key, how in fit.fitted:
        print(f"  {key} = {_value(fit.settings, key)}\n      {how}")
    print("\nNot fitted\n")
    for what, why in fit.not_fitted:
        print(f"  {what}: {why}")
    print(f"\nCalibration targets ({targets_path})\n")
    for kpi, target in fit.targets.items():
        tolerance = target["tolerance"]
        spread = "" if tolerance is None else f" +- {tolerance:g}"
        print(f"  {kpi} = {target['value']:g}{spread}")
    hours = {kind: len(fit.hourly[kind]) for kind in ("weekday", "weekend") if kind in fit.hourly}
    if hours:
        print(
            "  hourly_receipts: mean receipts per opening hour from "
            f"{fit.hourly['open']}, " + " and ".join(f"{n} {k} hours" for k, n in hours.items())
        )
    gaps = fit.observed.get("inter_visit_days", {})
    if gaps.get("gaps"):
        print(
            f"  (observed only) days between a card's visits: mean {gaps['mean']:g}, median "
            f"{gaps['median']:g}, quartiles {gaps['q1']:g}-{gaps['q3']:g} over {gaps['gaps']:,} "
            "gaps"
        )
    _print_check(till_check(receipts, own_till), own_till.days)
    over = f" over {base_path}, a copy of the shipped baseline," if shipped else ""
    print(f"\nWrote {args.out}{over} and {targets_path}")
    return 0


def _refuse_overwriting(read: dict[str, Path], written: dict[str, Path]) -> None:
    """Refuse, before anything runs, a file to write (what -> path) over one read or one listed
    before it; paths compared resolved: ./r.csv and /abs/r.csv are one file."""
    files = {real_path(path): what for what, path in read.items()}
    for what, path in written.items():
        other = files.setdefault(real_path(path), what)
        if other != what:
            raise UsageError(f"cannot write {what} to {path}: it would replace {other}", "--out")


def _print_check(rows: list[tuple[str, float, float]], days: int) -> None:
    """The receipts against the fitted store's own till: how far the fit alone gets."""
    print(f"\nCheck: the receipts against the fitted store's own till ({days}-day run)\n")
    print(f"  {'':<26}{'observed':>10}{'fitted':>10}")
    for what, observed, simulated in rows:
        if what == "paid in cash":
            points = signed_number(100.0 * (simulated - observed), 1)  # never -0.0
            cells = f"{observed:>10.1%}{simulated:>10.1%}  {points} pts"
        else:
            relative = unsigned_zero(simulated / observed - 1.0, 2)  # never -0%
            cells = f"{observed:>10,.1f}{simulated:>10,.1f}  {relative:+.0%}"
        print(f"  {what:<26}{cells}")
    print(
        "  calibrate matches traffic and revenue to targets.yaml as it fits psyche and loyalty\n"
        "  (the base's until then): docs/calibration.md"
    )


class _Dumper(yaml.SafeDumper):
    """Block mappings, lists of numbers on one line, no anchors for repeated values."""

    def ignore_aliases(self, data) -> bool:
        return True


_Dumper.add_representer(
    list,
    lambda dumper, data: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", data, flow_style=all(isinstance(x, (int, float)) for x in data)
    ),
)


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _value(settings: dict, key: str) -> str:
    """A fitted value as printed; `segments.*.KEY` as each segment's value."""
    if "*" not in key:
        return _short(settings[key])
    head, _, tail = key.partition("*")
    return ", ".join(
        f"{name[len(head) :].removesuffix(tail)} {_short(value)}"
        for name, value in settings.items()
        if name.startswith(head) and name.endswith(tail)
    )


def _short(value) -> str:
    if not isinstance(value, (dict, list)):
        return str(value)
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10_000).strip()
    return text if len(text) <= 90 else text[:87] + "..."


def _targets_text(args: argparse.Namespace, fit) -> str:
    header = (
        f"# Calibration targets observed in {args.receipts} (journeysim fit-receipts).\n"
        "# targets: KPIs of the run summary (summary.csv `metric`), each with the observed value\n"
        "# and a tolerance, the 95% confidence half-width of the observation (return_rate:\n"
        "# clustered by customer; per day: over days, weekdays and weekend days weighted 5:2).\n"
        "# visits_per_day counts receipts: visits that bought something (the model's KPI also\n"
        "# counts the few who left without buying). hourly_receipts: mean receipts per opening\n"
        "# hour from `open`, by receipt time, each with its 95% half-width over the dates in\n"
        "# *_tolerance (calibrate targets them). observed: seen in the receipts, not a KPI.\n"
    )
    data = {
        "source": str(args.receipts),
        "scenario": str(args.out),
        "targets": fit.targets,
        "hourly_receipts": fit.hourly,
        "observed": fit.observed,
    }
    return header + _dump(data)
