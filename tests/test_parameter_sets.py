"""--parameter-sets: the file, the variance decomposition against theory, and run and compare
with bands that cover the parameters' uncertainty."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeysim
from journeysim.cli import main
from journeysim.scenario import load_scenario
from journeysim.scenario.loader import apply_overrides
from journeysim.simulation.kpis import return_rate_warning
from journeysim.simulation.measure import METRICS
from journeysim.simulation.ranges import metric_range
from journeysim.study.parameter_sets import read_parameter_sets, write_parameter_sets
from journeysim.study.uncertainty import (
    band,
    few_sets_warning,
    return_rate_warnings,
    uncertainty_table,
    unmeasured_return_rate,
    without_return_rate,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
OUTAGE = ROOT / "scenarios" / "terminal_outage.yaml"
SMALL = [
    "arrivals.base_customers=300",
    "horizon.burn_in_days=0",
    "horizon.warmup_days=0",
]
# a run as short as it gets, where a test expects none
TINY = ["--reps", "2", "--days", "1", *(f"--set={override}" for override in SMALL)]
SETS = "set,loyalty.ltr_center,shelves.stockout_prob\nlow,0.2,0.05\nmid,0.3,0.08\nhigh,0.4,0.12\n"


@pytest.fixture
def sets_file(tmp_path) -> Path:
    path = tmp_path / "sets.csv"
    path.write_text(SETS)
    return path


def test_band_splits_the_variance_as_the_random_effects_model_says():
    # Y_ij = A_i + E_ij with sd(A) = 1, sd(E) = 2 and 4 replications per set: a set's mean
    # varies by 1 + 4/4 = 2, half of it from the parameters. 4,000 sets pin the estimates to
    # a few percent (the standard error of a variance from 4,000 draws is about 2%).
    rng = np.random.default_rng(11)
    values = rng.normal(0, 1, (4000, 1)) + rng.normal(0, 2, (4000, 4))
    b = band(values)
    assert b["param_share"] == pytest.approx(0.5, abs=0.04)
    assert b["param_sd"] == pytest.approx(1.0, rel=0.06)
    assert b["noise_sd"] == pytest.approx(2.0, rel=0.02)
    # The band is the 95% prediction interval of a set's mean: sqrt(2) * 1.96 either side.
    assert (b["high"] - b["low"]) / 2 == pytest.approx(1.96 * np.sqrt(2), rel=0.03)


def test_band_covers_a_new_sets_mean_95_percent_of_the_time():
    # 2,000 experiments of 6 sets x 3 replications; coverage of the mean of a seventh set.
    # The binomial standard error of a 95% coverage from 2,000 experiments is 0.005.
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(2000):
        values = rng.normal(0, 1.0, (7, 1)) + rng.normal(0, 1.5, (7, 3))
        b = band(values[:6])
        hits += b["low"] <= values[6].mean() <= b["high"]
    assert hits / 2000 == pytest.approx(0.95, abs=0.015)


def test_band_without_parameter_effect_gives_them_no_share():
    rng = np.random.default_rng(2)
    same = np.repeat(rng.normal(0, 1, (1, 5)), 8, axis=0)  # every set the same replications
    assert band(same)["param_share"] == 0.0
    noise_only = rng.normal(0, 1, (3000, 5))
    assert band(noise_only)["param_share"] < 0.05
    assert np.isnan(band(np.zeros((4, 3)))["param_share"])  # no spread: no one's share of it


def test_a_band_never_leaves_the_kpis_range():
    # Three sets whose NPS means lie 150 points apart: t(2) = 4.30 makes the t band about 450
    # points wide, more than NPS can span. It is cut at -100..100, a difference at -200..200,
    # and a KPI without bounds keeps its t band.
    rng = np.random.default_rng(3)
    rows = []
    for index, centre in enumerate((-60.0, 20.0, 90.0)):
        for replication in range(3):
            metrics = dict.fromkeys(METRICS, 1.0) | {"nps": centre + rng.normal(0, 2)}
            metrics["contribution_per_day"] = centre * 100 + rng.normal(0, 5)
            for scenario, shift in (("a", 0.0), ("b", 150.0 * (index - 1))):
                row = {"scenario": scenario, "set": str(index), "replication": replication}
                rows.append(row | metrics | {"nps": metrics["nps"] + shift})
    table = uncertainty_table(pd.DataFrame(rows)).set_index(["scenario", "metric"])
    nps = table.loc[("a", "nps")]
    assert nps["ci_low"] == -100 and nps["ci_high"] == 100
    assert nps["band"] == "t(2), cut at range"
    shifted = table.loc[("b", "nps")]
    assert shifted["diff_ci_low"] == -200 and shifted["diff_ci_high"] == 200
    free = table.loc[("a", "contribution_per_day")]
    assert free["band"] == "t(2)" and free["ci_high"] - free["ci_low"] > 40_000
    assert metric_range("csat") == (1.0, 5.0) and metric_range("csat", True) == (-4.0, 4.0)
    assert 0 <= nps["param_share"] <= 1


def test_with_39_sets_or_more_the_band_is_distribution_free():
    # Set effects from a skewed law (exponential): the order statistics X(1), X(39) of 39 set
    # means cover a 40th set's mean with probability 38/40 = 0.95 whatever the law. 2,000
    # experiments give a binomial standard error of 0.005; the tolerance is three of them.
    rng = np.random.default_rng(8)
    hits = 0
    for _ in range(2000):
        values = rng.exponential(2.0, (40, 1)) + rng.normal(0, 0.5, (40, 2))
        b = band(values[:39])
        hits += b["low"] <= values[39].mean() <= b["high"]
    assert b["method"] == "order statistics"
    assert hits / 2000 == pytest.approx(0.95, abs=0.015)


def test_few_sets_are_warned_about():
    (warning,) = few_sets_warning(3)
    assert "only 3 parameter sets" in warning and "t(2) = 4.30" in warning
    assert "keep 20 or more" in warning
    assert few_sets_warning(20) == []


def test_one_replication_per_set_says_the_split_needs_more(sets_file):
    """With one replication per set the share of the parameters is unknown: it showed "-", as
    for a value that never varies, without a word."""
    result = journeysim.run(
        BASELINE, reps=1, days=1, overrides=SMALL, parameter_sets=sets_file, workers=1
    )
    assert result.row("baseline", "nps")[["ci_low", "ci_high"]].notna().all()
    assert np.isnan(result.row("baseline", "nps")["param_share"])
    (warning,) = [w for w in result.warnings if w.startswith("1 replication per parameter set")]
    assert warning.endswith("needs 2 replications or more")


def test_run_over_the_sets_speaks_of_no_difference(sets_file, tmp_path, capsys):
    """run has one scenario: its legend ended "* the band of a difference excludes 0"."""
    args = ["run", str(BASELINE), "--reps", "2", "--days", "1", "--parameter-sets", str(sets_file)]
    args += [f"--set={text}" for text in SMALL]
    assert main([*args, "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "95% band: where the mean" in printed and "difference" not in printed


def test_sets_whose_histories_are_too_short_are_warned_of_once(sets_file, tmp_path, capfd):
    """The docs' compare over six parameter sets printed a history's four-line warning once per
    set, each with its own count of leavers: it now says it once, with how many sets it
    concerns (capfd: the workers' output too)."""
    short = [text for text in SMALL if "burn_in" not in text] + ["horizon.burn_in_days=14"]
    args = ["run", str(BASELINE), "--reps", "2", "--days", "1", "--parameter-sets", str(sets_file)]
    args += [f"--set={text}" for text in short]
    assert main([*args, "--out", str(tmp_path), "--quiet", "--workers", "2"]) == 0
    err = capfd.readouterr().err
    assert "days of history (horizon.burn_in_days) saw" not in err
    assert err.count("started from a history too short") == 1
    assert "3 parameter sets started from a history too short for a steady" in err


@pytest.mark.filterwarnings("error::FutureWarning")  # pandas: not_compared in a float column
def test_run_with_parameter_sets_is_wider_and_says_how_much_is_the_parameters(sets_file):
    # The sets move the NPS centre by +-0.1 and stock-outs by half: the band of NPS, CSAT and
    # share of wallet must be wider than the plain run's 95% CI, and mostly the parameters'.
    plain = journeysim.run(BASELINE, reps=3, days=7, overrides=SMALL, workers=1)
    uncertain = journeysim.run(
        BASELINE, reps=3, days=7, overrides=SMALL, workers=1, parameter_sets=sets_file
    )
    assert set(uncertain.table["scenario"]) == {"baseline"}
    for metric in ("nps", "csat", "share_of_wallet"):
        ci = plain.summary.set_index("metric").loc[metric]
        row = uncertain.row("baseline", metric)
        assert row["ci_high"] - row["ci_low"] > ci["ci_high"] - ci["ci_low"], metric
        assert row["param_share"] > 0.5, metric
    shares = uncertain.table["param_share"].dropna()
    assert len(shares) and shares.between(0, 1).all()
    # The sets run replications of their own: 3 sets x 3 replications, each set's own,
    # numbered as the root seed's (they read 0, 1, 2 in every set: set 1 runs 3, 4, 5).
    replications = uncertain.replications
    assert len(replications) == 9
    assert replications.groupby("set")["nps"].nunique().min() == 3
    numbers = replications.groupby("set", sort=False)["replication"].apply(list).tolist()
    assert numbers == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_compare_with_parameter_sets_pairs_within_sets(sets_file, tmp_path, capsys):
    # A scenario against itself: every difference is exactly 0 in every set.
    same = journeysim.compare(
        BASELINE, BASELINE, reps=2, days=7, overrides=SMALL, workers=1, parameter_sets=sets_file
    )
    diff = same.table[same.table["scenario"] == "baseline-2"]
    assert (diff["diff"].dropna() == 0).all() and (diff["diff_ci_high"].dropna() == 0).all()
    args = ["compare", str(BASELINE), str(OUTAGE), "--reps", "2", "--days", "7"]
    args += [f"--set={text}" for text in SMALL]
    args += [
        "--parameter-sets",
        str(sets_file),
        "--out",
        str(tmp_path),
        "--quiet",
        "--workers",
        "1",
    ]
    assert main(args) == 0
    printed, warned = capsys.readouterr()
    assert "3 parameter sets" in printed and "terminal_outage - baseline [95% band]" in printed
    assert "warning" not in printed
    # the money with its bands, as run and compare print it; "-" where it is n/a
    rows = {line.split("  ")[0]: line for line in printed.splitlines()}
    assert "Contribution per day (PLN)" in rows and "Gross margin per day (PLN)" in rows
    # the costs no scenario sets, as compare names them: the outage's 0 is no free outage
    assert re.search(
        r"^Costs at 0 \(unset or set to 0\): .*costs\.per_outage", printed, re.MULTILINE
    )
    assert re.search(
        r"Customer base lifetime margin, before costs \(PLN\) +- +- ",
        rows["Customer base lifetime margin, before costs (PLN)"],
    )
    # 7 days of a small store: too short to see returns (window 14 days) or lifetimes, said
    # once; and with no warm-up, the outage begins on day 3 of the 7 measured, as compare says
    lines = warned.splitlines()
    assert len(lines) == 4 and all(line.startswith("journeysim: warning: ") for line in lines)
    causes = (
        "only 3 parameter sets",
        "return rate is n/a",
        "lifetime margin are n/a in every replication of baseline, terminal_outage",
        "terminal_outage: its change begins on day 3, 3 days into the 7 measured days",
    )
    assert [sum(cause in line for line in lines) for cause in causes] == [1, 1, 1, 1]
    folder = tmp_path / "compare-baseline-terminal_outage"
    assert {p.name for p in folder.iterdir()} >= {
        "uncertainty.csv",
        "replications.csv",
        "parameter_sets.csv",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loyalty.ltr_centre\n0.2\n0.3\n", "line 2, column loyalty.ltr_centre: expected one of"),
        ("loyalty.ltr_center\n0.2\n1.7\n", "line 3, column loyalty.ltr_center: expected a number"),
        ("loyalty.ltr_center\n0.2\n", "expected at least two parameter sets"),
        (
            "set,loyalty.ltr_center\na,0.2\nb,\n",
            "line 3, column loyalty.ltr_center: expected a value",
        ),
        ("set\na\nb\n", "line 1: expected one column per scenario key"),
        (
            "set,loyalty.ltr_center\n1,0.2\n1,0.3\n",
            "line 3, column set: expected a name of its own ('1' is also on line 2)",
        ),
        ("set,loyalty.ltr_center\n1,0.2\n,0.3\n", "line 3, column set: expected a name"),
        (
            "set,seed\na,1\nb,2\n",
            "line 1, column seed: the same in every set (set by --seed), not a parameter",
        ),
        # a cell with ": " in it read as the message's last part ("1})")
        (
            'checkout.service_time.mean_min\n"{a: 1}"\n2.0\n',
            "line 2, column checkout.service_time.mean_min: expected a number above 0 and at "
            'most 240 (got {"a": 1})',
        ),
        ("checkout..cashiers\n1\n2\n", "line 1: expected one column per scenario key"),
        (
            "",
            "line 1: expected one column per scenario key, dotted as for --set (e.g. loyalty."
            "ltr_center), and an optional column 'set' (got an empty file)",
        ),  # was "(got )"
        # a blank first line: its rows were refused as having more fields than a header of none
        ("\nloyalty.ltr_center\n0.2\n0.3\n", "line 1: expected one column per scenario key"),
        (" \nloyalty.ltr_center\n0.2\n0.3\n", "optional column 'set' (got an empty line)"),
        # the unclosed quote swallowed the rest of the file: "at least two parameter sets (got 1)"
        (
            'set,loyalty.ltr_center\na,"0.2\nb,0.3\nc,0.4\n',
            "line 2: expected a quote closing the one that opens a cell here (got the end of the "
            "file)",
        ),
        ('set,loyalty.ltr_center\na,"0.2"5\nb,0.3\n', "line 2: cannot read the line as CSV ("),
        # a row that breaks a check across keys names the key the check names
        ("zones.1.name\naisles\nfresh\n", "line 2: zones.2.name: expected a name no other"),
        # a key below a single value: "TypeError: 'int' object is not subscriptable"
        (
            "checkout.cashiers.0\n1\n2\n",
            "line 2, column checkout.cashiers.0: checkout.cashiers: expected no key below a "
            "single value (got '0')",
        ),
    ],
)
def test_bad_parameter_sets_fail_in_one_line_before_simulating(tmp_path, capsys, text, message):
    path = tmp_path / "sets.csv"
    path.write_text(text)
    args = ["run", str(BASELINE), "--parameter-sets", str(path), "--out", str(tmp_path)]
    assert main([*args, "--quiet", "--workers", "1"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"journeysim: {path}: ") and message in error and "\n" not in error
    assert not (tmp_path / "baseline").exists()


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("override", ["loyalty.ltr_center=0.5", "loyalty={ltr_center: 0.5}"])
def test_a_set_of_a_key_the_sets_set_too_is_refused(sets_file, tmp_path, capsys, command, override):
    """The sets replaced --set checkout.cashiers=4 in every run, while the saved scenario and
    manifest said 4: a record that contradicted the results."""
    scenarios = [str(BASELINE)] * (2 if command == "compare" else 1)
    args = [command, *scenarios, "--set", override, "--parameter-sets", str(sets_file), *TINY]
    assert main([*args, "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"]) == 2
    key = override.partition("=")[0]
    assert capsys.readouterr().err == (
        f"journeysim {command}: error: argument --set {key}: expected a key the parameter sets "
        f"leave alone ({sets_file} has the column loyalty.ltr_center, whose values would "
        "replace it in every set)\n"
    )
    assert not (tmp_path / "out").exists()


def test_an_override_of_a_key_the_sets_set_too_is_refused_by_the_api(sets_file):
    overrides = [*SMALL, "loyalty.ltr_center=0.5"]
    with pytest.raises(journeysim.InputError, match=r"^overrides\[3\]: expected a key the"):
        journeysim.run(BASELINE, reps=2, days=1, overrides=overrides, parameter_sets=sets_file)


def test_precision_is_refused_with_parameter_sets(sets_file, tmp_path, capsys):
    """--precision sizes the replications of a CI; the sets' band has a part from the
    parameters that no replications narrow, and run ignored --precision silently."""
    args = ["run", str(BASELINE), "--parameter-sets", str(sets_file), "--precision", "nps=1", *TINY]
    assert main([*args, "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"]) == 2
    assert capsys.readouterr().err == (
        "journeysim run: error: argument --precision: not with --parameter-sets: its band "
        "covers the parameters' uncertainty too, which more replications do not narrow\n"
    )
    assert not (tmp_path / "out").exists()


def test_sets_file_as_overrides(sets_file):
    sets = read_parameter_sets(sets_file)
    assert sets.labels == ("low", "mid", "high")
    assert sets.overrides(2) == ["loyalty.ltr_center=0.4", "shelves.stockout_prob=0.12"]
    assert sets.table().columns.tolist() == ["set", "loyalty.ltr_center", "shelves.stockout_prob"]


def test_sets_table_holds_numbers_as_numbers(tmp_path):
    # UncertaintyResult.sets: a researcher averages a key's values or plots against them.
    path = tmp_path / "sets.csv"
    path.write_text(
        "loyalty.ltr_center,checkout.cashiers,checkout.service_time\n"
        '0.2,2,"{dist: gamma, mean_min: 2.5, sd_min: 1.2}"\n'
        '0.30,3,"{dist: exponential, mean_min: 2}"\n'
    )
    table = read_parameter_sets(path).table()
    assert table["set"].tolist() == ["0", "1"]
    assert table["loyalty.ltr_center"].dtype == float
    assert table["loyalty.ltr_center"].tolist() == [0.2, 0.3]
    assert table["checkout.cashiers"].dtype == int
    assert table["checkout.service_time"].tolist()[1] == "{dist: exponential, mean_min: 2}"


def test_written_sets_read_back_exactly(tmp_path):
    # What a calibration writes is what run and compare read: floats to the last bit, and
    # values that are not numbers (a distribution mapping) as YAML.
    table = pd.DataFrame(
        {
            "loyalty.ltr_center": [0.1 + 0.2, 1 / 3],
            "checkout.cashiers": [2, 4],
            "checkout.service_time": [{"dist": "gamma", "mean_min": 2.5, "sd_min": 1.2}] * 2,
        }
    )
    path = tmp_path / "kept.csv"
    write_parameter_sets(path, table)
    sets = read_parameter_sets(path)
    assert sets.labels == ("0", "1")
    scenario = sets.apply(journeysim.load_scenario(BASELINE), 0)
    assert scenario.loyalty.ltr_center == 0.1 + 0.2
    assert scenario.checkout.cashiers == 2 and scenario.checkout.service_time.dist == "gamma"
    assert sets.apply(scenario, 1).loyalty.ltr_center == 1 / 3


def test_sets_that_cannot_see_returns_leave_the_return_rate_na_and_are_named(tmp_path):
    """Sets whose return window is as long as the 3 measured days cannot measure the return
    rate (replications.csv: no value there). The scenario's mean and band are then n/a, not a
    mean of the other sets, and the warning names those sets and their window, not the base
    scenario's 14 days, which no set uses."""
    path = tmp_path / "windows.csv"
    path.write_text("set,loyalty.return_window_days\nshort,1\nmid,2\nlong,3\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = journeysim.run(
            BASELINE, reps=2, days=3, overrides=SMALL, parameter_sets=path, workers=1
        )
    measured = result.replications.groupby("set", sort=False)["return_rate"].count()
    assert measured.to_dict() == {"short": 2, "mid": 2, "long": 0}
    row = result.row("baseline", "return_rate")
    assert row[["mean", "ci_low", "ci_high", "param_share"]].isna().all()
    assert result.row("baseline", "nps")[["mean", "ci_low", "ci_high"]].notna().all()
    texts = [str(w.message) for w in caught if "return rate" in str(w.message)]
    assert len(texts) == 1, texts
    assert texts[0].startswith("parameter set long of 3: return rate is n/a")
    assert "loyalty.return_window_days (3)" in texts[0] and "(14)" not in texts[0]
    assert texts[0].endswith("not taken from the other 2 sets alone")


def test_return_rate_warnings_name_the_sets_and_the_scenario_they_concern(tmp_path):
    """Checked per set and per scenario from the scenarios alone (no run): a set is blind
    where its measured days are not longer than its window."""
    base = load_scenario(BASELINE, [*SMALL, "horizon.days=3"])
    wide = base.model_copy(update={"name": "wide"})
    path = tmp_path / "sets.csv"
    path.write_text("set,loyalty.return_window_days\na,3\nb,5\n")
    sets = read_parameter_sets(path)
    per_set = [[sets.apply(s, i) for s in (base, wide)] for i in range(len(sets))]
    # both scenarios alike: said once, without a name; the windows differ: an example set
    assert return_rate_warnings(per_set, sets.labels) == [
        f"every parameter set (e.g. set a): {return_rate_warning(per_set[0][0])}"
    ]
    # sets that leave the window alone; the second scenario's 1-day window sees returns
    path.write_text("set,loyalty.ltr_center\na,0.2\nb,0.3\n")
    sets = read_parameter_sets(path)
    narrow = apply_overrides(wide, ["loyalty.return_window_days=1"])
    per_set = [[sets.apply(s, i) for s in (base, narrow)] for i in range(len(sets))]
    assert unmeasured_return_rate(per_set, sets.labels) == {"baseline": ["a", "b"]}
    assert return_rate_warnings(per_set, sets.labels) == [f"baseline: {return_rate_warning(base)}"]


@pytest.mark.parametrize("blind", ["baseline", "wide"])
def test_a_blind_scenario_takes_its_return_rate_and_its_differences_out(blind):
    rng = np.random.default_rng(4)
    rows = [
        {"scenario": name, "set": label, "replication": r}
        | {metric: rng.uniform(0.2, 0.8) for metric in METRICS}
        for name in ("baseline", "wide")
        for label in "abc"
        for r in range(2)
    ]
    full = uncertainty_table(pd.DataFrame(rows))
    table = without_return_rate(full, {blind: ["c"]})
    levels = ["mean", "ci_low", "ci_high", "param_share", "param_sd", "noise_sd"]
    rate = table["metric"] == "return_rate"
    for name in ("baseline", "wide"):
        mine = rate & (table["scenario"] == name)
        assert table.loc[mine, levels].isna().all(axis=None) == (name == blind)
    wide = rate & (table["scenario"] == "wide")
    assert table.loc[wide, ["diff", "diff_ci_low", "diff_ci_high"]].isna().all(axis=None)
    assert (table.loc[wide, "verdict"] == "not_measured").all()
    assert table[~rate].equals(full[~rate])  # every other metric as it was


def test_a_what_if_keeps_its_own_change_of_a_key_the_sets_vary(sets_file):
    """frequent_stockouts sets shelves.stockout_prob to 0.24, a key the sets vary (0.05 to
    0.12). Applied to it, each set would put the baseline's stock-outs back and cancel the
    what-if (every difference came out exactly 0, audit 28): it keeps its own value, the
    sets vary the key in the baseline only, and a note says so."""
    stockouts = ROOT / "scenarios" / "frequent_stockouts.yaml"
    result = journeysim.compare(
        BASELINE, stockouts, reps=2, days=2, overrides=SMALL, workers=1, parameter_sets=sets_file
    )
    assert (
        result.warnings.count(
            f"frequent_stockouts keeps its own shelves.stockout_prob=0.24 in every set of "
            f"{sets_file}: the sets vary it in baseline only"
        )
        == 1
    )
    sets = read_parameter_sets(sets_file)
    baseline, what_if = (load_scenario(path, SMALL) for path in (BASELINE, stockouts))
    keep = sets.own_keys(what_if, baseline)
    assert keep == ["shelves.stockout_prob"]
    for index in range(len(sets)):
        varied = sets.apply(what_if, index, keep)
        assert varied.shelves.stockout_prob == 0.24  # its own change stays
        assert varied.loyalty.ltr_center == sets.apply(baseline, index).loyalty.ltr_center
    lost = result.table.set_index(["scenario", "metric"]).loc[("frequent_stockouts", "csat")]
    # The what-if is measured, not cancelled (every difference was exactly 0): tripled
    # stock-outs cost about half a point of CSAT here (-0.52; over 2 replications of 2 days
    # its CI, [-1.26, +0.21], is too wide to ask more of than the size of the mean).
    assert lost["diff"] < -0.25


def test_compare_over_the_sets_warns_when_a_cost_differs_between_the_scenarios(sets_file):
    priced = load_scenario(BASELINE, [*SMALL, "name=priced", "costs.per_outage=300"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # too short and one replication
        result = journeysim.compare(
            BASELINE, priced, reps=1, days=1, overrides=SMALL, workers=1, parameter_sets=sets_file
        )
    (cost,) = [text for text in result.warnings if "costs." in text]
    assert cost.startswith("costs.per_outage differs between scenarios (baseline 0, priced 300")
