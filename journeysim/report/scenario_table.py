"""The reports' scenario table: each scenario's key settings in words, side by side, and
every setting that differs between them (a single scenario's: from the schema's defaults)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from journeysim.report.html_blocks import paragraph, table
from journeysim.report.trace import day_label
from journeysim.scenario.loader import flat
from journeysim.scenario.schema import Outage, Scenario
from journeysim.simulation.burn_in import burn_in_scenario, history_source
from journeysim.words import plural
from journeysim.world.staff import Roster


def checkout_settings(scenario: Scenario) -> str:
    """Lanes and self-checkouts, the lane plan's range and the policy, in a line."""
    checkout = scenario.checkout
    text = plural(checkout.cashiers, "staffed lane")
    planned = checkout.lanes.weekday + checkout.lanes.weekend
    if planned:
        text += f" ({min(planned)} to {max(planned)} open by the hourly plan)"
    text += f", {checkout.self_checkouts} self-checkouts"
    if checkout.single_queue:
        text += ", one snake queue"
    never = [
        what
        for what, allowed in (
            ("balk at a long queue", checkout.balking),
            ("leave a queue they joined", checkout.reneging),
        )
        if not allowed
    ]
    if never:
        text += f"; shoppers never {' or '.join(never)}"
    policy = checkout.policy
    if policy.active:
        text += (
            f"; one more lane when more than {policy.open_above} wait, staffed by a "
            f"{policy.from_role.replace('_', ' ')} from the floor"
        )
    return text


def customers_settings(scenario: Scenario) -> str:
    """Where the customers come from, in a line: in customer-base mode the founders and the
    newcomers the scenario sets, which are not the KPIs' active and new customers (the history
    and word of mouth move both)."""
    arrivals, burn_in = scenario.arrivals, scenario.horizon.burn_in_days
    if arrivals.mode == "open":
        return f"open: one-off shoppers, {arrivals.rate_per_hour:g} an hour"
    start = f"{burn_in} days before day 0 (the store's history)" if burn_in else "on day 0"
    return (
        f"customer base: {arrivals.base_customers:,} founders {start}; "
        f"{arrivals.new_per_day:.3g} newcomers a day before word of mouth and the rating"
    )


def cash_carried(scenario: Scenario) -> float:
    """Share of shoppers with cash on hand: each segment's own share (else
    payment.cash_share), weighted by the segments' shares."""
    default = scenario.payment.cash_share
    segments = scenario.segments.values()
    carried = sum(s.share * (default if s.cash_share is None else s.cash_share) for s in segments)
    return carried / sum(s.share for s in segments)


def outage_text(outage: Outage) -> str:
    """A scheduled outage in a line, terminals numbered as traces number them (from 1)."""
    if outage.terminals == "all":
        which = "all terminals"
    else:
        many = len(outage.terminals) > 1
        which = (
            f"terminal{'s' if many else ''} {', '.join(str(t + 1) for t in outage.terminals)} "
            f"(ind{'ices' if many else 'ex'} {', '.join(map(str, outage.terminals))})"
        )
    if outage.every_day:
        when = "every day from"
    elif outage.weekdays:
        when = f"on {', '.join(day.capitalize() for day in outage.weekdays)} from"
    else:
        when = "on"
    return f"{which} {when} {day_label(outage.day)}, {outage.start} for {outage.duration_min:g} min"


def leavers(scenario: Scenario, reference: Scenario) -> list[str]:
    """Who leaves at each scheduled departure (by day), named as traces name them ("cashier
    #1"): the roster hired as a run hires it, on the history of `reference` (a comparison's
    first scenario; see burn_in.history_source), through the departures before. Empty with
    random turnover, which may replace anyone first."""
    if scenario.staff.turnover_per_year > 0:
        return []
    source = history_source(scenario, reference)
    rng = np.random.default_rng(0)  # the qualities drawn do not matter, only the ids
    past = Roster.hire_all(burn_in_scenario(source), rng).state() if source else ()
    roster = Roster.hire_all(scenario, rng, past)
    turnover = sorted(scenario.staff.turnover, key=lambda t: t.day)
    return [roster.replace(t.role, t.index, t.day)[0].name for t in turnover]


def departures_text(scenario: Scenario, reference: Scenario) -> str:
    """Scheduled departures, each leaver named as in traces with the post the scenario file
    gives (a cashier's post by its lane, numbered from 1 as traces do), and random turnover."""
    names = leavers(scenario, reference)
    parts = []
    for i, t in enumerate(sorted(scenario.staff.turnover, key=lambda t: t.day)):
        count = scenario.posts_per_shift(t.role)
        shift = "morning" if t.index < count else "evening"
        place = f"lane {t.index % count + 1}, {shift}" if t.role == "cashier" else shift
        who = names[i] if names else f"the {t.role.replace('_', ' ')}"
        parts.append(f"{who} (post {t.index}: {place} shift) leaves on {day_label(t.day)}")
    if scenario.staff.turnover_per_year:
        parts.append(f"at random, {scenario.staff.turnover_per_year:g} a year per staff member")
    return "; ".join(parts) or "none"


def settings(
    scenario: Scenario, reference: Scenario | None = None, replications: str | None = None
) -> list[tuple[str, str]]:
    """The scenario's key settings as (name, value) text pairs; `reference` is the scenario
    whose history the run starts from (a comparison's first; default: itself); `replications`
    says what the results hold in place of the scenario's count (a sweep's table: "2 to 4")."""
    s = scenario
    roles = ", ".join(
        f"{role.replace('_', ' ')} {r.count}"  # a cashier's count is checkout.cashiers
        for role, r in s.staff.roles.items()
    )
    segments = ", ".join(
        f"{name.replace('_', ' ')} {seg.share:g}" for name, seg in s.segments.items()
    )
    payment, rounds = s.payment, s.shelves.restock_rounds_per_stocker
    failures = (
        f"terminals fail every {payment.terminal_mtbf_hours:g} h, repaired in "
        f"{payment.terminal_mttr_min:g} min"
        if payment.random_failures
        else "terminals never fail at random"
    )
    return [
        ("Scenario", s.name),
        ("Description", s.description or "-"),
        (
            "Replications x days",
            f"{replications or s.replications} x {s.horizon.days} (after "
            f"{s.horizon.warmup_days} warm-up days), seed {s.seed}",
        ),
        ("Opening hours", f"{s.hours.open}-{s.hours.close}"),
        ("Customers", customers_settings(s)),
        ("Segments (share)", segments),
        ("Zones", ", ".join(zone.name for zone in s.zones)),
        ("Checkout", checkout_settings(s)),
        ("Staff per shift", roles),
        ("Carts", f"{s.carts.pool} in the pool, {s.carts.worn_share:.0%} worn"),
        (
            "Stock-outs",
            f"{s.shelves.stockout_prob:.0%} of items looked for; "
            f"{rounds:g} refill round{'' if rounds == 1 else 's'} a day per stocker",
        ),
        ("Payment", f"{cash_carried(s):.0%} carry cash; {failures}"),
        ("Scheduled outages", "; ".join(map(outage_text, payment.outages)) or "none"),
        ("Staff departures", departures_text(s, reference or s)),
    ]


# Keys with rows of their own in every scenario table.
OWN_ROWS = frozenset({"name", "description", "seed", "replications"})
# Keys set from another, which the table lists instead: the cashiers' posts, checkout.cashiers.
FOLLOWING = frozenset({"staff.roles.cashier.count"})
_MISSING = object()


def setting_value(value: object) -> str:
    """A setting as a scenario file writes it: `4`, `0.0012`, `123456`, `false`, `[sat]`
    (to 12 significant digits, so that a sum of money is whole and float noise is not shown)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, list):
        return f"[{', '.join(map(setting_value, value))}]"
    if isinstance(value, dict):
        return f"{{{', '.join(f'{k}: {setting_value(v)}' for k, v in value.items())}}}"
    return str(value)


def differing_settings(scenarios: Sequence[Scenario]) -> list[list[str]]:
    """[dotted key, value per scenario] for every setting whose resolved value differs
    between `scenarios` (but those of OWN_ROWS and FOLLOWING), in the schema's order; "-"
    where a scenario has no such key (a segment of its own)."""
    flats = [flat(s.model_dump()) for s in scenarios]
    rows = []
    for key in dict.fromkeys(key for keys in flats for key in keys):
        values = [keys.get(key, _MISSING) for keys in flats]
        shown = key not in OWN_ROWS and key not in FOLLOWING
        if shown and any(v != values[0] for v in values[1:]):
            rows.append([key, *("-" if v is _MISSING else setting_value(v) for v in values)])
    return rows


def settings_table(scenarios: Sequence[Scenario], replications: str | None = None) -> str:
    """The scenarios' key settings side by side, then every setting that differs between
    them (a single scenario's: every one that differs from the schema's default);
    `replications` as `settings` takes it."""
    columns = [settings(s, scenarios[0], replications) for s in scenarios]
    rows = [[name, *(col[i][1] for col in columns)] for i, (name, _) in enumerate(columns[0])]
    if len(scenarios) > 1:
        header = ["Setting", *(s.name for s in scenarios)]
        differ = differing_settings(scenarios)
        note = "Settings that differ, by their keys in the scenario files:"
        same = "No other setting differs between the scenarios."
    else:
        header = ["Setting", ""]
        differ = differing_settings([scenarios[0], Scenario()])
        note = "Settings other than the defaults (journeysim schema), by their scenario-file keys:"
        same = "Every other setting is the default (journeysim schema)."
    if not differ:
        return table(header, rows, id="settings") + paragraph(same)
    differ_header = ["Key", *header[1:]] if len(scenarios) > 1 else ["Key", "value", "default"]
    return (
        table(header, rows, id="settings")
        + paragraph(note)
        + table(differ_header, differ, id="settings-differ")
    )
