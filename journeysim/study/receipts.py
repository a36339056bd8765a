"""Till receipts: read and check a receipts CSV (one line per receipt), before anything is fitted.

Columns (a header line names them; the order is free, other columns are ignored):
`timestamp` (date and time the receipt was printed, ISO 8601, e.g. 2026-03-02 08:15:03), `items`
(whole number from 1 to 10,000), `amount` (number from 0 to 1,000,000, above 0 on some receipt),
`payment` (card or cash), and optionally `lane` (the till; ids starting with S, like S1, are
self-checkouts), `customer_id` (a loyalty card; empty for shoppers without one), `scan_start` and
`scan_end` (date and time scanning began and ended at the till; both or neither, and not after
the receipt's timestamp).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from journeysim.scenario.errors import ScenarioError
from journeysim.scenario.fields import MAX_LANES, MAX_WEEKEND_FACTOR
from journeysim.study.csv_rows import read_rows

REQUIRED = ("timestamp", "items", "amount", "payment")
OPTIONAL = ("lane", "customer_id", "scan_start", "scan_end")
PAYMENTS = ("card", "cash")
# Sane ranges of a receipt's cells, as every number of a scenario has one: a receipt beyond them
# is a typing or export error, and sums and squares over the receipts stay far from overflowing.
ITEMS_RANGE = (1, 10_000)
AMOUNT_RANGE = (0, 1_000_000)  # PLN


class ReceiptsError(ScenarioError):
    """A receipts file that cannot be read: file, line, column and what was expected."""


@dataclass(frozen=True)
class Receipts:
    """A checked receipts file: `table` has the typed columns (timestamp, items, amount,
    payment, lane, customer_id, scan_start, scan_end; absent optional ones are missing, empty
    customer ids and lanes are NaN), one row per receipt in time order; `ignored` lists
    the columns of the file that are not used."""

    source: str
    table: pd.DataFrame
    ignored: tuple[str, ...]

    def has(self, column: str) -> bool:
        return column in self.table and bool(self.table[column].notna().any())


def read_receipts(path: str | os.PathLike[str]) -> Receipts:
    """The receipts of a CSV file; raises ReceiptsError at the first problem."""
    source = str(path)
    header, rows, lines = _rows(Path(path))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ReceiptsError(
            f"{source}: line 1: missing column {', '.join(missing)} (expected columns "
            f"{', '.join(REQUIRED)}; optional {', '.join(OPTIONAL)})"
        )
    raw = pd.DataFrame(rows, columns=header).apply(lambda column: column.str.strip())
    line = np.asarray(lines)
    table = pd.DataFrame(
        {
            "timestamp": _times(raw["timestamp"], line, source, "timestamp", required=True),
            "items": _numbers(raw["items"], line, source, "items", ITEMS_RANGE, whole=True),
            "amount": _numbers(raw["amount"], line, source, "amount", AMOUNT_RANGE, whole=False),
            "payment": _payments(raw["payment"], line, source),
        }
    )
    if not (table["amount"] > 0).any():  # prices are amounts per item
        raise ReceiptsError(
            f"{source}: column amount: expected an amount above 0 on some receipt (got 0 on "
            "every one)"
        )
    for name in ("lane", "customer_id"):
        if name in raw:
            table[name] = raw[name].mask(raw[name] == "")  # empty: none
    if "lane" in table:
        _lanes(table["lane"], source)
    if ("scan_start" in raw) != ("scan_end" in raw):
        given = "scan_start" if "scan_start" in raw else "scan_end"
        raise ReceiptsError(f"{source}: line 1: column {given} needs scan_start and scan_end both")
    if "scan_start" in raw:
        _scans(raw, table, line, source)
    _weekend_factor(table["timestamp"], source)
    ignored = tuple(name for name in header if name not in REQUIRED + OPTIONAL)
    table = table.sort_values("timestamp", kind="stable").reset_index(drop=True)
    return Receipts(source, table, ignored)


def _rows(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header (in lower case), rows of the same length and the line each row starts on."""
    names, rows, lines = read_rows(path, "a header line naming the columns", ReceiptsError)
    header = [name.lower() for name in names]
    if not rows:
        raise ReceiptsError(f"{path}: no receipts (expected a header line and a line per receipt)")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ReceiptsError(f"{path}: line 1: column {duplicated[0]} appears twice")
    return header, rows, lines


def _fail(source: str, line: int, column: str, expected: str, got: str) -> ReceiptsError:
    """The error of one cell; `got` is the cell as written (empty: nothing)."""
    shown = got if got else "nothing"
    return ReceiptsError(
        f"{source}: line {line}, column {column}: expected {expected} (got {shown})"
    )


# A time's UTC offset (2026-03-02 08:15:03+01:00, ...Z): dropped, so that times read as the
# store's clock showed them, also across a change to summer time (pandas refuses mixed offsets).
_OFFSET = re.compile(r"^(.*\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")


def _times(
    text: pd.Series, line: np.ndarray, source: str, column: str, required: bool
) -> pd.Series:
    """A column of times as the store's clock showed them; an unreadable one is named."""
    local = text.str.replace(_OFFSET, r"\1", regex=True)
    values = pd.to_datetime(local, format="ISO8601", errors="coerce")
    bad = values.isna() if required else values.isna() & (text != "")
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        expected = "a date and time like 2026-03-02 08:15:03"
        raise _fail(source, int(line[i]), column, expected, text.iloc[i])
    return values


def _numbers(
    text: pd.Series,
    line: np.ndarray,
    source: str,
    column: str,
    bounds: tuple[int, int],
    whole: bool,
) -> pd.Series:
    """A column of numbers within `bounds`, whole ones if `whole`; the first other is named."""
    least, most = bounds
    values = pd.to_numeric(text, errors="coerce")
    bad = ~values.between(least, most)  # also what is not a number
    if whole:
        bad |= values != values.round()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        kind = "a whole number" if whole else "a number"
        expected = f"{kind} from {least:,} to {most:,}"
        raise _fail(source, int(line[i]), column, expected, text.iloc[i])
    return values.astype(int) if whole else values.astype(float)


def _payments(text: pd.Series, line: np.ndarray, source: str) -> pd.Series:
    values = text.str.lower()
    bad = ~values.isin(PAYMENTS)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise _fail(source, int(line[i]), "payment", "card or cash", text.iloc[i])
    return values


def self_lanes(lane: pd.Series) -> np.ndarray:
    """Which lanes (ids, NaN for none) are self-checkouts: ids starting with S, like S1."""
    return lane.fillna("").str.upper().str.startswith("S").to_numpy()


def lane_counts(lane: pd.Series) -> tuple[int, int]:
    """The different staffed lanes and self-checkouts seen in a column of lane ids."""
    lanes = lane.dropna().drop_duplicates()
    self_checkouts = int(self_lanes(lanes).sum())
    return len(lanes) - self_checkouts, self_checkouts


def _lanes(lane: pd.Series, source: str) -> None:
    """Refuse more different lanes than a scenario has, as the fit counts them: its
    checkout.cashiers and checkout.self_checkouts."""
    for count, what, key in zip(
        lane_counts(lane),
        ("staffed lanes", "self-checkouts (lanes S...)"),
        ("checkout.cashiers", "checkout.self_checkouts"),
    ):
        if count > MAX_LANES:
            raise ReceiptsError(
                f"{source}: column lane: expected at most {MAX_LANES} different {what}, as "
                f"{key} allows (got {count:,})"
            )


def weekend_factor(
    receipts: pd.Series, weekend: pd.Series | np.ndarray
) -> tuple[float, float, float] | None:
    """hours.weekend_factor as the fit takes it from `receipts` per date: a weekend day's mean
    over a weekday's, to 0.001, with the weekend day's and the weekday's means; None without
    dates of both kinds."""
    weekend = np.asarray(weekend, dtype=bool)
    if weekend.all() or not weekend.any():
        return None
    weekend_day, weekday = receipts[weekend].mean(), receipts[~weekend].mean()
    return round(float(weekend_day / weekday), 3), float(weekend_day), float(weekday)


def _weekend_factor(time: pd.Series, source: str) -> None:
    """Refuse receipts a weekend day (a date's mean) out of proportion to a weekday's beyond
    what a scenario takes, as the fit turns them into hours.weekend_factor (`weekend_factor`)."""
    per_date = time.groupby(time.dt.normalize()).size()
    fitted = weekend_factor(per_date, per_date.index.dayofweek >= 5)
    if fitted is None:
        return  # not fitted
    factor, weekend_day, weekday = fitted
    if not 0 < factor <= MAX_WEEKEND_FACTOR:
        raise ReceiptsError(
            f"{source}: column timestamp: expected from 0.001 to {MAX_WEEKEND_FACTOR:g} times as "
            "many receipts a weekend day as a weekday, as hours.weekend_factor allows (got "
            f"{weekend_day:,.1f} a weekend day against {weekday:,.1f} a weekday)"
        )


def _scans(raw: pd.DataFrame, table: pd.DataFrame, line: np.ndarray, source: str) -> None:
    """scan_start and scan_end: both or neither per receipt, the end not before the start nor
    after the receipt's timestamp."""
    start = _times(raw["scan_start"], line, source, "scan_start", required=False)
    end = _times(raw["scan_end"], line, source, "scan_end", required=False)
    for column, mine, other, name in (
        ("scan_end", end, start, "scan_start"),
        ("scan_start", start, end, "scan_end"),
    ):
        lonely = mine.isna() & other.notna()
        if lonely.any():
            i = int(np.argmax(lonely.to_numpy()))
            expected = f"a date and time, as the receipt has a {name}"
            raise _fail(source, int(line[i]), column, expected, "")
    for later, earlier, name, column in (
        (end, start, "scan_start", "scan_end"),
        (table["timestamp"], end, "scan_end", "timestamp"),  # printed when scanning is done
    ):
        backwards = later < earlier
        if backwards.any():
            i = int(np.argmax(backwards.to_numpy()))
            got = f"{raw[column].iloc[i]}, before {name} {raw[name].iloc[i]}"
            raise _fail(source, int(line[i]), column, f"a time not before {name}", got)
    table["scan_start"], table["scan_end"] = start, end
