"""Records a visit leaves behind: one small immutable row per visit."""

from __future__ import annotations

import operator
import struct
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, get_type_hints

import numpy as np
import pandas as pd


class VisitRecord(NamedTuple):
    """One visit, from arrival to what the customer did afterwards. (`Aftercare.conclude`
    builds its fields as a plain tuple, a `Row`, one commented line per field: keep the two in
    the same order.)"""

    visit_id: int
    customer_id: int
    segment: str
    new_customer: bool
    day: int
    arrival_min: float  # minutes since midnight
    duration_min: float
    touchpoints: int
    peak: float
    end: float
    mean_valence: float
    remembered: float
    effort: float
    ces: float
    csat: float
    ltr: int
    expectation: float  # mean expectation over the visit's touchpoints
    disconfirmation: float  # mean quality minus expectation
    quality: float  # mean perceived quality over the visit's touchpoints
    strength_before: float
    strength_after: float
    return_chance: float  # chance of another visit within the return window
    share_of_wallet: float
    planned_items: int
    items: int
    revenue: float
    lost_revenue: float  # items lost to stock-outs
    lookups: int
    gaps: int
    bought_elsewhere: int
    switched_brand: int
    switched_size: int
    delayed: int
    skipped: int
    found_by_staff: int
    abandoned: str  # "", "balk", "renege" or "payment"
    checkout_wait_min: float  # from joining the queue to the start of service
    queue_time_min: float  # time in a checkout queue, also for those who reneged (NaN: balked)
    perceived_wait_min: float  # queue time as the shopper felt it
    service_start_min: float  # minutes since midnight when scanning began (NaN: not served)
    service_min: float  # scan and pack time at the till (NaN: not served)
    queue_seen: int  # shoppers waiting in the chosen line on reaching it (-1: never reached)
    lanes_open: int  # staffed lanes open then (-1: never reached the checkout)
    line: int  # the line chosen: staffed lanes from 0, then the self-checkouts (-1: none)
    till: int
    cashier_id: int
    cashier_familiarity: float
    asked_staff: bool
    has_cash: bool
    payment: str  # card, cash, cash after refusal, waited for repair, fetched cash, ...
    met_outage: bool  # tried to pay by card at a dead terminal
    dissatisfied: bool  # CSAT of the visit itself (before any recovery) in the bottom two boxes
    complained: bool
    prior_failures: int  # service failures the customer remembered before this visit
    recovery_quality: float
    service_interaction: bool
    review_stars: int  # 0 when no review
    told_positive: int
    told_negative: int
    switched_store: bool


Row = tuple[Any, ...]  # a VisitRecord's fields in order


@dataclass(slots=True)
class TouchTally:
    """What one kind of touchpoint added up to over many visits (the journey map)."""

    positive: float = 0.0  # felt emotion of the good moments
    negative: float = 0.0  # and of the bad ones
    effort: float = 0.0
    count: int = 0


# The values of the visits' fixed text columns, in the order of their categories ("" first: none).
ABANDONED: Final = ("", "balk", "renege", "payment")
PAYMENTS: Final = (
    "",
    "card",
    "cash",
    "cash after refusal",
    "waited, gave up",
    "waited for repair",
    "fetched cash",
    "left the cart",
)
LEFT_REASONS: Final = ("", "switched", "attrition")  # customers.left_reason


def categorical(values: Iterable[str], vocabulary: Sequence[str]) -> pd.Categorical:
    """Text as a pandas categorical whose categories are `vocabulary` (in its order) and then
    any other value met, in the order met: tables built with the same vocabulary stack (concat)
    into a categorical again, and Parquet stores the column as a dictionary."""
    texts = np.asarray(values if isinstance(values, (list, tuple)) else list(values), dtype=object)
    return pd.Categorical(texts, categories=_categories(vocabulary, pd.unique(texts)))


def _categories(vocabulary: Sequence[str], met: Iterable[str]) -> list[str]:
    """`vocabulary`, then the texts `met` (in their order) that it does not hold."""
    known = set(vocabulary)
    return [*vocabulary, *(text for text in met if text not in known)]


_NUMPY_TYPES = {int: np.int64, float: np.float64, bool: np.bool_, str: object}
_COLUMN_TYPES = [_NUMPY_TYPES[kind] for kind in get_type_hints(VisitRecord).values()]
# struct and array.array type codes of the numeric columns; text columns stay lists of
# (shared) strings.
_STRUCT_CODES = {np.int64: "q", np.float64: "d", np.bool_: "?"}
_ARRAY_CODES = {"q": "q", "d": "d", "?": "b"}
_NUMERIC = [i for i, kind in enumerate(_COLUMN_TYPES) if kind in _STRUCT_CODES]
_TEXT = [i for i, kind in enumerate(_COLUMN_TYPES) if kind not in _STRUCT_CODES]
_TEXT_NAMES: Final = [VisitRecord._fields[i] for i in _TEXT]  # segment, abandoned, payment
# The text columns' leading categories; segment's are the scenario's (VisitLog.table).
_VOCABULARIES: Final[dict[str, Sequence[str]]] = {"abandoned": ABANDONED, "payment": PAYMENTS}
_CODES = [_STRUCT_CODES[_COLUMN_TYPES[i]] for i in _NUMERIC]
_PACKED: Final = struct.Struct("=" + "".join(_CODES))  # standard sizes, no padding
_PACKED_DTYPE: Final = np.dtype([(f"f{i}", "=" + code) for i, code in zip(_NUMERIC, _CODES)])
_numbers: Final = operator.itemgetter(*_NUMERIC)
_texts: Final = operator.itemgetter(*_TEXT)

# Rows packed before they are moved into the columns: small enough to cost little memory
# (about 2 MB), large enough that moving them is a few calls per thousands of visits.
CHUNK_ROWS: Final = 4096


class VisitLog:
    """The visits of a run in typed columns. A row's numbers are packed at once into bytes (one
    C call, while they are fresh) and its text kept aside; a full chunk is moved into one
    growing `array.array` per numeric field (8 bytes a number, not a Python object and a
    pointer to it), which the table then uses without a copy, and its text into codes of two
    bytes (the few distinct texts numbered in the order met), which the table turns into
    categoricals: a million visits take about 0.4 GB."""

    def __init__(self) -> None:
        self._packed = bytearray()
        self._texts: list[tuple[str, ...]] = []
        self._numeric_columns = [array(_ARRAY_CODES[code]) for code in _CODES]
        self._text_codes = [array("h") for _ in _TEXT]
        self._text_values: list[dict[str, int]] = [{} for _ in _TEXT]  # text -> its code

    def append(self, row: Row) -> None:
        """One visit's fields, in the order of `VisitRecord`'s."""
        self._packed += _PACKED.pack(*_numbers(row))
        texts = self._texts
        texts.append(_texts(row))
        if len(texts) == CHUNK_ROWS:
            self._move()

    def _move(self) -> None:
        """The waiting rows onto the ends of the columns."""
        if not self._texts:
            return
        chunk = np.frombuffer(self._packed, dtype=_PACKED_DTYPE)
        for column, name in zip(self._numeric_columns, _PACKED_DTYPE.names or ()):
            column.frombytes(chunk[name].tobytes())
        for codes, numbers, values in zip(self._text_codes, self._text_values, zip(*self._texts)):
            for value in dict.fromkeys(values):  # new values in the order met (not a set's)
                if value not in numbers:
                    numbers[value] = len(numbers)
            codes.extend(map(numbers.__getitem__, values))
        self._packed = bytearray()
        self._texts = []

    def table(self, segments: Sequence[str] = ()) -> pd.DataFrame:
        """One typed column per field of `VisitRecord`, sharing the log's memory (so the log
        takes no more rows); the text columns are categoricals whose categories start with
        `segments` (the scenario's segment names, in its order), `ABANDONED` and `PAYMENTS`,
        so that the tables of replications stack into categoricals."""
        self._move()
        columns: list[Any] = [None] * len(_COLUMN_TYPES)
        for i, column in zip(_NUMERIC, self._numeric_columns):
            columns[i] = np.frombuffer(column, dtype=_COLUMN_TYPES[i])
        vocabularies = {"segment": segments, **_VOCABULARIES}
        for i, name, codes, numbers in zip(_TEXT, _TEXT_NAMES, self._text_codes, self._text_values):
            columns[i] = _from_codes(codes, numbers, vocabularies[name])
        return pd.DataFrame(
            dict(zip(VisitRecord._fields, columns)),
            copy=False,  # no copy into blocks of one dtype
        )


def _from_codes(
    codes: array, numbers: Mapping[str, int], vocabulary: Sequence[str]
) -> pd.Categorical:
    """Codes numbered by `numbers` (text -> code, in the order met) as a categorical whose
    categories are `vocabulary` and then the other texts met, in the order met."""
    categories = _categories(vocabulary, numbers)
    position = {text: i for i, text in enumerate(categories)}
    recode = np.zeros(max(len(numbers), 1), dtype=np.int16)
    for text, code in numbers.items():
        recode[code] = position[text]
    return pd.Categorical.from_codes(
        recode[np.frombuffer(codes, dtype=np.int16)], categories=categories
    )
