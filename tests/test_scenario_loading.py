"""Loading scenario files: extends, --set overrides, and errors naming file, key and expectation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from journeysim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    resolved_yaml,
    scenario_json_schema,
)
from journeysim.scenario.errors import ScenarioWarning
from journeysim.scenario.loader import MAX_YAML_BYTES, yaml_data

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    message = str(caught.value)
    assert "Traceback" not in message and "pydantic" not in message
    return message


# Loading


def test_defaults_load_and_name_comes_from_the_file_stem(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "terminal_outage.yaml", "description: d\n"))
    assert scenario.name == "terminal_outage"
    assert scenario.description == "d"
    assert scenario.model_dump(exclude={"name", "description"}) == Scenario().model_dump(
        exclude={"name", "description"}
    )


def test_an_empty_file_is_the_default_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "plain.yaml", ""))
    assert scenario.model_dump(exclude={"name"}) == Scenario().model_dump(exclude={"name"})


def test_a_name_set_in_the_file_wins(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, "a.yaml", "name: Rush hour\n")).name == "Rush hour"


def test_extends_inherits_and_merges_nested_mappings(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.yaml",
        "name: base\ndescription: the base\n"
        "checkout:\n  cashiers: 3\n  service_time: {dist: fixed, mean_min: 2}\n"
        "hours:\n  weekend_factor: 1.5\n",
    )
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\ncheckout:\n  self_checkouts: 6\n  service_time: {mean_min: 3}\n",
    )
    scenario = load_scenario(child)
    assert scenario.checkout.cashiers == 3  # inherited next to an overridden sibling
    assert scenario.checkout.self_checkouts == 6
    assert scenario.checkout.service_time.dist == "fixed"  # nested mapping merged, not replaced
    assert scenario.checkout.service_time.mean_min == 3
    assert scenario.hours.weekend_factor == 1.5
    # The name and the description belong to the leaf file: a what-if that extends a store is
    # not described as that store (audit 28).
    assert scenario.name == "child" and scenario.description == ""


def test_extends_replaces_lists(tmp_path: Path) -> None:
    write(
        tmp_path,
        "base.yaml",
        "zones:\n  - {name: a, item_share: 0.5}\n  - {name: b, item_share: 0.5}\n",
    )
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\nzones:\n  - {name: c, item_share: 1}\n"
    )
    assert [zone.name for zone in load_scenario(child).zones] == ["c"]


def test_chained_extends_resolve_relative_to_each_file(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib", "root.yaml", "checkout: {cashiers: 2}\nseed: 7\n")
    write(tmp_path / "lib", "middle.yaml", "extends: root.yaml\ncheckout: {cashiers: 5}\n")
    leaf = write(tmp_path, "leaf.yaml", "extends: lib/middle.yaml\nreplications: 3\n")
    scenario = load_scenario(leaf)
    assert (scenario.seed, scenario.checkout.cashiers, scenario.replications) == (7, 5, 3)
    assert scenario.name == "leaf"


def test_resolved_yaml_loads_back_to_the_same_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(tmp_path, "x.yaml", "payment:\n  outages: [{day: 3, start: '17:30'}]\n")
    )
    text = resolved_yaml(scenario)
    assert yaml.safe_load(text)["payment"]["outages"][0]["start"] == "17:30"
    assert load_scenario(write(tmp_path, "copy.yaml", text)) == scenario


@pytest.mark.parametrize("cashiers", [1, 3, 7])
def test_the_resolved_scenario_counts_the_cashiers_the_run_staffs(tmp_path, cashiers) -> None:
    """A cashier's post per staffed lane: the resolved file says as many as checkout.cashiers,
    whatever staff.roles.cashier.count was given, and loads back to the same scenario."""
    given = "staff: {roles: {cashier: {count: 4}}}\n"
    scenario = load_scenario(write(tmp_path, "x.yaml", given), [f"checkout.cashiers={cashiers}"])
    text = resolved_yaml(scenario)
    assert yaml.safe_load(text)["staff"]["roles"]["cashier"]["count"] == cashiers
    assert scenario.posts_per_shift("cashier") == cashiers
    assert load_scenario(write(tmp_path, "copy.yaml", text)) == scenario


def test_a_cashier_count_other_than_the_lanes_is_refused_where_it_is_set(tmp_path) -> None:
    """staff.roles.cashier.count: 4 ran three lanes without a word, so a fourth cashier set
    there compared "no different"; a count that an earlier file gave and a later one's
    checkout.cashiers changes still follows the lanes (a resolved scenario extended)."""
    more = write(
        tmp_path, "more.yaml", f"extends: {BASELINE}\nstaff: {{roles: {{cashier: {{count: 4}}}}}}\n"
    )
    expected = (
        f"{more}: staff.roles.cashier.count: expected 3, a cashier per staffed lane as "
        "checkout.cashiers says (got 4); to staff 4 lanes, set checkout.cashiers"
    )
    assert error_of(more) == expected
    both = write(
        tmp_path, "both.yaml", "checkout: {cashiers: 2}\nstaff: {roles: {cashier: {count: 4}}}\n"
    )
    assert "expected 2," in error_of(both)  # set together, they disagree
    assert error_of(BASELINE, ("staff.roles.cashier.count=5",)).startswith(
        "--set staff.roles.cashier.count: expected 3, "
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, ["staff.roles.cashier.count=5"])
    (problem,) = caught.value.problems
    assert problem.option == "--set staff.roles.cashier.count"  # blamed: a usage error
    agreed = load_scenario(BASELINE, ["staff.roles.cashier.count=5", "checkout.cashiers=5"])
    assert agreed.posts_per_shift("cashier") == 5
    assert load_scenario(more, ["checkout.cashiers=4"]).posts_per_shift("cashier") == 4
    resolved = write(tmp_path, "resolved.yaml", resolved_yaml(load_scenario(BASELINE)))
    wider = write(tmp_path, "wider.yaml", "extends: resolved.yaml\ncheckout: {cashiers: 5}\n")
    assert load_scenario(wider).posts_per_shift("cashier") == 5  # its count of 3 follows
    assert load_scenario(resolved, ["checkout.cashiers=2"]).posts_per_shift("cashier") == 2


# Overrides


def test_set_overrides_nested_keys_list_items_and_mappings(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout: {cashiers: 2}\n")
    scenario = load_scenario(
        path,
        [
            "checkout.cashiers=5",
            "payment.cash_share=0.3",
            "checkout.balking=false",
            "zones.1.walk_min=3",
            "checkout.service_time={dist: fixed, mean_min: 2}",
            "segments.family.patience_min=3",
            "hours.weekend_profile=[" + ",".join(["1"] * 16) + "]",
        ],
    )
    defaults = Scenario()
    assert scenario.checkout.cashiers == 5
    assert scenario.payment.cash_share == 0.3
    assert scenario.checkout.balking is False
    assert scenario.zones[1].walk_min == 3
    assert scenario.zones[1].name == defaults.zones[1].name  # the rest of the zone is kept
    assert len(scenario.zones) == len(defaults.zones)
    assert scenario.checkout.service_time.dist == "fixed"
    assert scenario.checkout.service_time.mean_min == 2
    assert scenario.segments["family"].patience_min == 3
    assert scenario.segments["family"].basket_items == defaults.segments["family"].basket_items
    assert set(scenario.segments) == set(defaults.segments)
    assert scenario.hours.weekend_profile == [1.0] * 16


# Errors


def test_unknown_key_names_file_key_and_valid_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout:\n  cashier: 3\n")
    message = error_of(path)
    assert message.startswith(f"{path}: checkout.cashier: expected one of the keys ")
    assert "self_checkouts" in message and "did you mean 'cashiers'" in message


def test_a_misspelt_choice_or_role_is_told_what_it_may_have_meant(tmp_path: Path) -> None:
    """An unknown key heard "did you mean 'cashiers'?", but a misspelt role, distribution or
    weekday heard only the list of choices (staff.roles.cleanr, dist: gama, weekdays: [satt])."""
    path = write(tmp_path, "x.yaml", "staff:\n  roles:\n    cleanr: {count: 0}\n")
    assert error_of(path) == (
        f"{path}: staff.roles.cleanr: expected a key that is one of 'cashier', 'stocker', "
        "'floor_assistant', 'cleaner', 'security' or 'manager' (got 'cleanr'; did you mean "
        "'cleaner'?)"
    )
    dist = write(tmp_path, "d.yaml", "checkout:\n  service_time: {dist: gama, mean_min: 2}\n")
    assert error_of(dist).endswith("(got 'gama'; did you mean 'gamma'?)")
    day = "payment:\n  outages:\n  - {day: 0, start: '18:00', duration_min: 9, weekdays: [satt]}\n"
    assert error_of(write(tmp_path, "w.yaml", day)).endswith("(got 'satt'; did you mean 'sat'?)")
    assert error_of(BASELINE, ("staff.turnover=[{role: casher, index: 0, day: 20}]",)).endswith(
        "(got 'casher'; did you mean 'cashier'?)"
    )
    far = write(tmp_path, "f.yaml", "checkout:\n  service_time: {dist: weibull, mean_min: 2}\n")
    assert error_of(far).endswith("or 'fixed' (got 'weibull')")  # nothing close: no guess


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout:\n  cashiers: many\n")
    assert error_of(path) == (
        f"{path}: checkout.cashiers: expected a whole number from 0 to 200 (got 'many')"
    )


def test_a_name_of_two_lines_is_refused(tmp_path: Path) -> None:
    # It split the header of every table the name heads.
    path = write(tmp_path, "x.yaml", 'name: "two\\nlines"\n')
    assert error_of(path) == f"{path}: name: expected one line of text (got 'two\\nlines')"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("''", "at least 1 character (got '')"), ("x" * 101, "at most 100 characters (got 'xxx")],
)
def test_a_name_of_the_wrong_length_is_said_in_words(tmp_path: Path, name: str, expected: str):
    path = write(tmp_path, "x.yaml", f"name: {name}\n")
    assert error_of(path).startswith(f"{path}: name: expected text of {expected}")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("'   '", "expected one line of 1 to 100 characters (got '   ')"),
        (
            "'...'",
            "expected a name with a letter or digit for its folder (got '...')",
        ),
    ],
)
def test_a_name_that_cannot_name_a_folder_is_refused(tmp_path: Path, name: str, expected: str):
    """Its results went to results/scenario/, as those of every such name (folder_name's
    fallback); now the name is refused as an experiment's --name is."""
    path = write(tmp_path, "x.yaml", f"name: {name}\n")
    assert error_of(path) == f"{path}: name: {expected}"


def test_a_number_with_colons_is_text_not_yaml_1_1_base_60(tmp_path: Path) -> None:
    """YAML 1.1 reads 2:3 as 123 (2 x 60 + 3), a valid till count; journeysim reads YAML 1.2's
    numbers, so the value is refused for what it is."""
    path = write(tmp_path, "x.yaml", "checkout:\n  cashiers: 2:3\n")
    assert error_of(path) == (
        f"{path}: checkout.cashiers: expected a whole number from 0 to 200 (got '2:3')"
    )


@pytest.mark.parametrize(
    ("text", "value"), [("1e-3", 0.001), ("2.5E1", 25.0), (".5e1", 5.0), ("1.0e+1", 10.0)]
)
def test_an_exponent_is_a_number_as_in_yaml_1_2(tmp_path: Path, text: str, value: float) -> None:
    """YAML 1.1 reads an exponent without a point and a signed power (1e-3) as text; a
    researcher writing 1e-3 means the number, in a file and in --set alike."""
    key = "payment.card_time_min"
    path = write(tmp_path, "x.yaml", f"payment:\n  card_time_min: {text}\n")
    for scenario in (load_scenario(path), load_scenario(BASELINE, (f"{key}={text}",))):
        assert scenario.payment.card_time_min == value


@pytest.mark.parametrize(("text", "value"), [("010", 10), ("08", 8), ("0o10", 8), ("0x0A", 10)])
def test_integers_are_read_as_in_yaml_1_2(tmp_path: Path, text: str, value: int) -> None:
    """YAML 1.1 reads 010 as the octal 8 (and 08, no octal, as text): `cashiers: 010` ran 8
    lanes without a word. YAML 1.2 reads leading zeros as decimal, octal as 0o10."""
    path = write(tmp_path, "x.yaml", f"checkout:\n  cashiers: {text}\n")
    for scenario in (load_scenario(path), load_scenario(BASELINE, (f"checkout.cashiers={text}",))):
        assert scenario.checkout.cashiers == value
    assert yaml_data("[-010, +010, -0o10]") == [-10, 10, "-0o10"]  # YAML 1.2's octal has no sign


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("description: &a [*a]\n", "line 1, column 18"),
        ("segments: &s {x: *s}\n", "line 1, column 18"),
    ],
)
def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path, text: str, where: str) -> None:
    """PyYAML builds a list or mapping that holds itself, which no check could walk (a
    RecursionError, or 'Circular reference detected' when written out)."""
    path = write(tmp_path, "x.yaml", text)
    assert error_of(path) == (
        f"{path}: {where}: not valid YAML: the alias *{text[text.index('&') + 1]} is inside the "
        f"&{text[text.index('&') + 1]} it refers to"
    )
    assert yaml_data("a: &x [1, {k: 2}]\nb: *x\n") == {"a": [1, {"k": 2}], "b": [1, {"k": 2}]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!!float abc", "a number (got 'abc', read as !!float)"),
        ("!!int +", "a whole number (got '+', read as !!int)"),
        ("!!bool maybe", "true or false (got 'maybe', read as !!bool)"),
        ("!!set x", "a value !!set reads (got 'x', read as !!set)"),
        (
            "2026-02-30",
            "a date that exists, or quotes around a text (got '2026-02-30', read as !!timestamp)",
        ),
    ],
)
def test_a_value_its_tag_cannot_read_is_refused_with_its_line(
    tmp_path: Path, value: str, expected: str
) -> None:
    """The tag's own constructor failed with a traceback (ValueError, KeyError: 'maybe')."""
    path = write(tmp_path, "x.yaml", f"description: {value}\n")
    assert error_of(path) == f"{path}: line 1, column 14: not valid YAML: expected {expected}"
    assert error_of(BASELINE, (f"description={value}",)) == (
        f"--set description: line 1, column 1: not valid YAML: expected {expected}"
    )


def test_aliases_that_expand_past_a_million_values_are_refused(tmp_path: Path) -> None:
    """Nine lists of ten aliases of the list before (a "billion laughs", 400 bytes) held a
    billion values, which validating took minutes and gigabytes to walk."""
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = write(tmp_path, "x.yaml", "\n".join([*lines, "description: *a9", ""]))
    assert error_of(path) == (
        f"{path}: line 6, column 5: not valid YAML: its aliases expand to more than 1,000,000 "
        "values"
    )
    bomb = "[" + ", ".join(["&b [" + ", ".join(["0"] * 1000) + "]"] + ["*b"] * 1000) + "]"
    assert error_of(BASELINE, (f"description={bomb}",)).startswith(
        "--set description: line 1, column 1: not valid YAML: its aliases expand"
    )
    within = yaml_data(f"a: &a [{', '.join(['1'] * 999)}]\nb: [{', '.join(['*a'] * 990)}]\n")
    assert len(within["b"]) == 990 and within["b"][-1] is within["a"]  # 991,994 values


def test_a_huge_exponent_is_refused_for_its_size_not_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout:\n  service_time:\n    mean_min: 1e300\n")
    assert error_of(path) == (
        f"{path}: checkout.service_time.mean_min: expected a number above 0 and at most 240 "
        "(got 1e+300)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout: {cashiers: true}", "checkout.cashiers: expected a whole number from 0 to 200"),
        ("checkout: {cashiers: '3'}", "checkout.cashiers: expected a whole number from 0 to 200"),
        ('payment: {cash_share: "0.5"}', "payment.cash_share: expected a number from 0 to 1"),
    ],
)
def test_a_boolean_or_quoted_number_is_not_taken_for_a_number(
    tmp_path: Path, text: str, expected: str
) -> None:
    # Python would read true as 1 and "0.5" as 0.5; a scenario must say what it means.
    path = write(tmp_path, "x.yaml", text + "\n")
    assert error_of(path).startswith(f"{path}: {expected} (got ")


def test_too_many_zones_or_segments_are_counted_in_words(tmp_path: Path) -> None:
    """Pydantic's own words came through: "zones: expected List should have at most 50 items
    after validation, not 51 (got [{}, {}, ...)"."""
    zones = "zones: [" + ", ".join(["{}"] * 51) + "]\n"
    segments = "segments: {" + ", ".join(f"s{i}: {{}}" for i in range(51)) + "}\n"
    path = write(tmp_path, "x.yaml", zones + segments)
    assert error_of(path) == (
        f"{path}: segments: expected a mapping of at most 50 keys (got 51 keys)\n"
        f"{path}: zones: expected a list of at most 50 items (got 51 items)"
    )


def test_a_number_where_a_fraction_is_expected_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "payment: {cash_share: 1}\ncheckout: {cashiers: 3}\n")
    scenario = load_scenario(path)
    assert scenario.payment.cash_share == 1.0 and scenario.checkout.cashiers == 3


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout:\n  cashiers: 3\n  cashiers: 4\n")
    assert error_of(path) == (
        f"{path}: line 3, column 3: not valid YAML: the key 'cashiers' is given twice"
    )
    with pytest.raises(ScenarioError, match="--set checkout: .* the key 'cashiers' is given twice"):
        load_scenario(
            write(tmp_path, "ok.yaml", "seed: 1\n"), ["checkout={cashiers: 2, cashiers: 3}"]
        )


def test_a_list_as_a_key_is_refused_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "seed: 1\n? [1, 2]\n: x\n")
    assert error_of(path) == f"{path}: line 2, column 3: not valid YAML: found unhashable key"


def test_a_misindented_line_gets_a_hint_in_words(tmp_path: Path) -> None:
    # PyYAML's "expected <block end>, but found '<block mapping start>'" alone tells a new
    # user nothing; the error says what is likely wrong.
    path = write(tmp_path, "x.yaml", "checkout:\n    cashiers: 3\n  self_checkouts: 2\n")
    assert error_of(path) == (
        f"{path}: line 3, column 3: not valid YAML: expected <block end>, but found "
        "'<block mapping start>' (a line indented unlike the keys beside it?)"
    )
    path = write(tmp_path, "y.yaml", "checkout:\n  cashiers: 3\n   self_checkouts: 2\n")
    assert error_of(path).endswith(
        "not valid YAML: mapping values are not allowed here (a line indented too far, a key "
        "without ':' above it, or a value with ': ' in it that needs quotes?)"
    )


def test_a_yaml_merge_key_is_not_a_repeated_key(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout:\n  <<: {cashiers: 2}\n  cashiers: 4\n")
    assert load_scenario(path).checkout.cashiers == 4


def test_negative_rate(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "arrivals:\n  rate_per_hour: -3\n")
    assert (
        error_of(path)
        == f"{path}: arrivals.rate_per_hour: expected a number above 0 and at most 2,000 (got -3)"
    )


def test_probability_outside_zero_to_one(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "payment:\n  cash_share: 1.5\n")
    assert error_of(path) == f"{path}: payment.cash_share: expected a number from 0 to 1 (got 1.5)"


def test_a_share_given_as_a_whole_percentage_is_told_its_fraction(tmp_path: Path) -> None:
    # "costs.margin: 22" read "expected a number from 0 to 1 (got 22)", where select's bounds
    # say "22% is 0.22"; counts and numbers of other ranges get no such hint.
    path = write(tmp_path, "x.yaml", "costs:\n  margin: 22\ncheckout:\n  cashiers: 500\n")
    assert error_of(path).splitlines() == [
        f"{path}: checkout.cashiers: expected a whole number from 0 to 200 (got 500)",
        f"{path}: costs.margin: expected a number from 0 to 1 (got 22; 22% is 0.22)",
    ]


def test_every_error_is_listed_one_per_line_with_list_indices(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.yaml",
        "zones:\n  - {name: a, item_share: 1}\n  - {name: b, walk_min: 0}\n"
        "payment:\n  outages: [{terminals: some}]\n",
    )
    lines = error_of(path).splitlines()
    assert lines == [
        f"{path}: zones.1.walk_min: expected a number above 0 and at most 240 (got 0)",
        f"{path}: payment.outages.0.terminals: expected a list or 'all' (got 'some')",
    ]


def test_unquoted_clock_time_is_read_as_the_time_not_a_number(tmp_path: Path) -> None:
    # YAML 1.1 would read an unquoted 21:00 as the base-60 number 1260; journeysim reads 1.2.
    path = write(
        tmp_path,
        "x.yaml",
        "hours:\n  close: 21:00\n  weekday_profile: "
        + str([1] * 15)
        + "\n  weekend_profile: "
        + str([1] * 15)
        + "\n",
    )
    assert load_scenario(path).hours.close == "21:00"


def test_a_bare_number_for_a_clock_time_is_refused_not_read_as_minutes(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "hours:\n  open: 6\n")
    assert error_of(path) == f'{path}: hours.open: expected a time of day as "HH:MM" (got 6)'


def test_clock_time_past_midnight_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "hours:\n  close: '24:30'\n")
    assert error_of(path).startswith(f'{path}: hours.close: expected a time of day as "HH:MM"')


def test_cross_field_rule_is_reported_in_plain_words(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout:\n  service_time: {dist: gamma, sd_min: 0}\n")
    assert error_of(path) == (
        f"{path}: checkout.service_time.dist, checkout.service_time.sd_min: expected an sd_min "
        "above 0 for a gamma distribution (got gamma and 0)"
    )


@pytest.mark.parametrize(
    "service, mean, sd",
    [("lognormal", "1e-300", "240"), ("gamma", "1e-300", "240"), ("gamma", "2.5", "1e-200")],
)
def test_a_spread_far_from_the_mean_is_refused(
    tmp_path: Path, service: str, mean: str, sd: str
) -> None:
    """A lognormal or gamma sd_min more than 100 times, or less than a millionth of, mean_min
    was accepted, and the run died of an OverflowError or ZeroDivisionError in its parameters."""
    text = f"checkout:\n  service_time: {{dist: {service}, mean_min: {mean}, sd_min: {sd}}}\n"
    path = write(tmp_path, "x.yaml", text)
    assert error_of(path) == (
        f"{path}: checkout.service_time.mean_min, checkout.service_time.sd_min: expected an "
        f"sd_min from 1e-06 to 100 times mean_min for a {service} distribution (got {mean} and "
        f"{sd})"
    )


def test_a_cross_field_rule_broken_by_an_override_names_it(tmp_path: Path) -> None:
    """--set checkout.service_time.dist=gamma on a file's exponential service of sd_min 0 was
    blamed on the file ("x.yaml: checkout.service_time: sd_min must be > 0 for a gamma
    distribution")."""
    text = "checkout:\n  service_time: {dist: exponential, sd_min: 0}\n"
    override = ("checkout.service_time.dist=gamma",)
    path = write(tmp_path, "x.yaml", text)
    assert error_of(path, override) == (
        f"--set checkout.service_time.dist: {path}: checkout.service_time.dist, "
        "checkout.service_time.sd_min: expected an sd_min above 0 for a gamma distribution "
        "(got gamma and 0)"
    )  # and the file that set the other key (which of several scenarios: test_cli_usage)


def test_an_override_can_settle_a_rule_the_file_alone_breaks(tmp_path: Path) -> None:
    """An outage on day 100 lies past the file's 56 days but within --days 100 (114 days with
    the warm-up): it was refused for the file's horizon, naming days 0..55."""
    outage = "payment:\n  outages: [{day: 100, start: '18:00', duration_min: 60}]\n"
    path = write(tmp_path, "late.yaml", f"horizon: {{days: 42}}\n{outage}")
    assert "never happens within the simulated days 0..55" in error_of(path)
    assert error_of(path, ("horizon.days=40",)).startswith(
        f"--set horizon.days: {path}: payment.outages.0, horizon.warmup_days, horizon.days: it "
        "never happens within the simulated days 0..53"
    )  # the override that left the outage out is blamed, not the file that set it
    scenario = load_scenario(path, [("--days", "horizon.days=100")])
    assert scenario.payment.outages[0].days_in(scenario.total_days) == [100]


def test_an_outage_that_runs_into_the_next_days_opening_hours_warns(tmp_path: Path) -> None:
    """An outage that runs on after closing time lasts its whole duration (the store opens the
    next morning with its terminals down), and was accepted without a word; one that ends
    before the store opens again changes nothing then, and is not warned of."""
    outage = "payment:\n  outages: [{day: 3, start: '19:00', duration_min: 900}]\n"
    path = write(tmp_path, "late.yaml", outage)
    with pytest.warns(ScenarioWarning) as said:
        load_scenario(path)
    assert [str(w.message) for w in said] == [
        f"{path}: payment.outages.0: from 19:00 for 900 min, it runs on after closing (22:00) "
        "until 10:00 the next day: an outage lasts its duration_min whatever the opening "
        "hours, so its terminals are still down when the store opens at 06:00"
    ]
    with pytest.warns(ScenarioWarning) as said:
        load_scenario(path, ["payment.outages.0.duration_min=3000"])
    assert [str(w.message) for w in said] == [
        "--set payment.outages.0.duration_min: payment.outages.0: from 19:00 for 3000 min, "
        "it runs on after closing (22:00) until 21:00 2 days later: an outage lasts its "
        "duration_min whatever the opening hours, so its terminals are still down when the "
        "store opens at 06:00"
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(path, ["payment.outages.0.duration_min=660"])  # until 06:00


def test_days_that_leave_out_a_departure_are_blamed_not_the_file() -> None:
    """staff_turnover.yaml's cashier leaves on day 28; `--days 14` ends the run on day 27: the
    error named only the file, as if the shipped scenario were broken."""
    turnover = ROOT / "scenarios" / "staff_turnover.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(turnover, [("--days", "horizon.days=14")])
    (problem,) = caught.value.problems
    assert problem.line == (
        f"--days: {turnover}: staff.turnover.0.day, horizon.warmup_days, horizon.days: expected "
        "a simulated day 0..27, the warm-up's or a measured one (got 28; horizon.days of at "
        "least 15 reaches it)"
    )


def test_a_file_that_cannot_take_an_override_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout: 5\n")
    expected = f"{path}: checkout: expected a mapping of keys to values (got 5)"
    assert error_of(path, ("checkout.cashiers=3",)) == expected


def test_error_names_the_file_in_the_chain_that_set_the_key(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", "payment:\n  cash_share: 2\n")
    middle = write(tmp_path, "middle.yaml", "extends: base.yaml\narrivals: {rate_per_hour: 0}\n")
    leaf = write(tmp_path, "leaf.yaml", "extends: middle.yaml\ncheckout: {cashiers: -1}\n")
    lines = error_of(leaf).splitlines()
    assert f"{base}: payment.cash_share: expected a number from 0 to 1 (got 2; 2% is 0.02)" in lines
    assert (
        f"{middle}: arrivals.rate_per_hour: expected a number above 0 and at most 2,000 (got 0)"
        in lines
    )
    assert f"{leaf}: checkout.cashiers: expected a whole number from 0 to 200 (got -1)" in lines


def test_a_value_replaced_by_the_child_is_blamed_on_the_child(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "checkout: {cashiers: many}\n")
    leaf = write(tmp_path, "leaf.yaml", "extends: base.yaml\ncheckout: {cashiers: lots}\n")
    assert error_of(leaf).startswith(f"{leaf}: checkout.cashiers:")


def test_a_mapping_set_in_place_of_a_files_value_is_blamed_on_the_set(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "checkout: {service_time: {mean_min: 2}}\n")
    assert error_of(path, ("checkout.service_time.mean_min={a: 1}",)) == (
        "--set checkout.service_time.mean_min: expected a number above 0 and at most 240 "
        '(got {"a": 1})'
    )


def test_missing_extends_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "extends: nowhere.yaml\n")
    message = error_of(path)
    assert message.startswith(f"{path}: extends: expected an existing file (got 'nowhere.yaml'")
    assert str(tmp_path / "nowhere.yaml") in message


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_extends_naming_a_device_says_it_is_no_regular_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "extends: /dev/null\n")
    assert error_of(path) == (
        f"{path}: extends: expected an existing file (got '/dev/null', but /dev/null is not a "
        "regular file)"
    )


def test_extends_naming_a_folder_says_so(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    path = write(tmp_path, "x.yaml", "extends: d\n")
    assert error_of(path) == (
        f"{path}: extends: expected an existing file (got 'd', but {tmp_path / 'd'} is a folder)"
    )


def test_extends_naming_a_file_too_long_to_look_up_names_the_key(tmp_path: Path) -> None:
    """The OSError of the name's look-up stopped validate with exit 1, naming neither the file
    nor `extends` ("journeysim: xxx...: File name too long")."""
    path = write(tmp_path, "x.yaml", f"extends: {'x' * 300}.yaml\n")
    assert error_of(path) == (
        f"{path}: extends: expected an existing file (got '{'x' * 56}..., but "
        f"{tmp_path / ('x' * 300)}.yaml cannot be looked up: File name too long)"
    )


def test_missing_file() -> None:
    assert error_of(Path("no/such/scenario.yaml")) == "no/such/scenario.yaml: file not found"


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "seed: 1\ncheckout:\n  cashiers: [1, 2\n  balking: true\n")
    message = error_of(path)
    assert message.startswith(f"{path}: line 4, column ")
    assert "not valid YAML" in message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "- 1\n- 2\n")
    assert error_of(path) == f"{path}: expected a mapping of keys to values (got [1, 2])"


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    message = error_of(tmp_path / "a.yaml")
    assert message == (
        f"{tmp_path / 'b.yaml'}: extends: expected a chain without cycles "
        "(got a.yaml -> b.yaml -> a.yaml)"
    )


def test_unknown_set_key_lists_the_valid_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "")
    message = error_of(path, ("checkout.cashier=3",))
    assert message.startswith("--set checkout.cashier: expected one of the keys")
    assert "cashiers" in message and "self_checkouts" in message


def test_unknown_set_key_below_a_missing_key(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "x.yaml", ""), ("arrivals.speed.max=3",))
    assert message.startswith("--set arrivals.speed.max: arrivals.speed: expected one of the keys")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("checkout.cashiers", "--set checkout.cashiers: expected KEY.PATH=VALUE"),
        ("zones.9.walk_min=1", "--set zones.9.walk_min: zones: expected a list index from 0 to 3"),
        ("checkout.cashiers.x=1", "--set checkout.cashiers.x: checkout.cashiers: expected no key"),
        ("payment.cash_share=7", "--set payment.cash_share: expected a number"),
        ("hours.close=[1", "--set hours.close: line 1, column 3: not valid YAML"),
        # an empty mapping merged nothing, silently
        ("segments={}", "--set segments: an empty mapping changes nothing"),
        # whole-scenario checks name the override that set the key they open with
        ("zones=[]", "--set zones: expected at least one zone (got none)"),
        # a duplicate name would merge two zones' rows in the journey map and the replay
        (
            "zones.2.name=fresh",
            "--set zones.2.name: expected a name no other zone has (got 'fresh', as zones.1)",
        ),
        (
            'payment.outages=[{day: 999, start: "17:00", duration_min: 90, terminals: all}]',
            "--set payment.outages: payment.outages.0, horizon.warmup_days, horizon.days: it "
            "never happens",
        ),
    ],
)
def test_bad_set_names_the_override(tmp_path: Path, override: str, expected: str) -> None:
    assert error_of(write(tmp_path, "x.yaml", ""), (override,)).startswith(expected)


def test_a_store_without_zones_names_the_key_and_what_was_expected(tmp_path: Path) -> None:
    """`zones: []` read "zones need at least one zone", unlike every other problem's
    "KEY: expected ... (got ...)"."""
    path = write(tmp_path, "x.yaml", "zones: []\n")
    assert error_of(path) == f"{path}: zones: expected at least one zone (got none)"


def test_a_list_item_in_brackets_is_shown_how_to_write_it(tmp_path: Path) -> None:
    """payment.outages[0].day only heard that outages[0] was no key of payment's."""
    error = error_of(BASELINE, ("payment.outages[0].day=3",))
    assert error.endswith("(got unknown key 'outages[0]'; in --set, item 0 of a list is outages.0)")
    assert error_of(BASELINE, ("payment.outagez=3",)).endswith("did you mean 'outages'?)")


def test_a_key_in_the_wrong_section_names_the_section_that_has_it(tmp_path: Path) -> None:
    """A cost per outage under payment heard "did you mean 'outages'?", and an investment at the
    top level nothing: they are keys of costs."""
    text = "payment:\n  per_outage: 400\n"
    assert error_of(write(tmp_path, "x.yaml", text)).endswith(
        "(got unknown key 'per_outage'; per_outage is a key of costs (costs.per_outage))"
    )
    assert error_of(BASELINE, ("investment=400",)).endswith(
        "(got unknown key 'investment'; investment is a key of costs (costs.investment))"
    )


def test_a_checkout_without_tills_names_the_overrides_keys(tmp_path: Path) -> None:
    """--set checkout.cashiers=0 --set checkout.self_checkouts=0 was blamed on the scenario
    file, whose checkout has tills ("x.yaml: checkout needs at least one ...")."""
    overrides = ("checkout.cashiers=0", "checkout.self_checkouts=0")
    assert error_of(write(tmp_path, "x.yaml", ""), overrides) == (
        "--set checkout.cashiers: checkout.cashiers, checkout.self_checkouts: expected at least "
        "one staffed lane or self-checkout (got 0 of each)"
    )


@pytest.mark.parametrize(
    ("overrides", "blamed", "got"),
    [
        (("hours.open=10:00", "hours.close=10:00"), "hours.open", "10:00 and 10:00"),
        (("hours.open=22:00", "hours.close=06:00"), "hours.open", "22:00 and 06:00"),
        # the file's (default) hours.open is named first, but the override set hours.close
        (("hours.close=06:00",), "hours.close", "06:00 and 06:00"),
    ],
)
def test_hours_closing_before_opening_name_the_override_and_the_times(
    tmp_path: Path, overrides: tuple[str, ...], blamed: str, got: str
) -> None:
    """--set hours.open=10:00 --set hours.close=10:00 was blamed on the scenario file, whose
    hours are fine, without the times ("x.yaml: hours: close must be later than open")."""
    assert error_of(write(tmp_path, "x.yaml", ""), overrides) == (
        f"--set {blamed}: hours.open, hours.close: expected a closing time later than the "
        f"opening time (got {got})"
    )


def test_hours_longer_than_the_profiles_name_the_override_and_the_keys(tmp_path: Path) -> None:
    """--set hours.open=05:00 was blamed on the scenario file, whose hours are fine
    ("x.yaml: hours: weekday_profile needs one weight per opening hour ...")."""
    assert error_of(write(tmp_path, "x.yaml", ""), ("hours.open=05:00",)) == (
        "--set hours.open: hours.open, hours.close, hours.weekday_profile: weekday_profile needs "
        "one weight per opening hour (17 for 05:00-22:00); got 16 (the default, for "
        "06:00-22:00: give both profiles for your hours)"
    )
    path = write(tmp_path, "y.yaml", "hours: {weekend_profile: [1, 2]}\n")
    assert error_of(path) == (
        f"{path}: hours.open, hours.close, hours.weekend_profile: weekend_profile needs one "
        "weight per opening hour (16 for 06:00-22:00); got 2"
    )


def test_a_check_between_keys_names_the_file_nearest_the_leaf_that_set_one(
    tmp_path: Path,
) -> None:
    """A file that gave 15 weekday weights for the 16 hours of the file it extends was told
    its parent was at fault, which set only hours.open and hours.close ("base.yaml: hours.open,
    hours.close, hours.weekday_profile: weekday_profile needs ...")."""
    write(tmp_path, "base.yaml", "hours: {open: '06:00', close: '22:00'}\n")
    path = write(
        tmp_path, "x.yaml", f"extends: base.yaml\nhours: {{weekday_profile: {[1] * 15}}}\n"
    )
    assert error_of(path) == (
        f"{path}: hours.open, hours.close, hours.weekday_profile: weekday_profile needs one "
        "weight per opening hour (16 for 06:00-22:00); got 15"
    )
    child = write(tmp_path, "y.yaml", "extends: base.yaml\nseed: 3\n")
    assert error_of(child, ("hours.weekday_profile=[1]",)).startswith(  # as before
        f"--set hours.weekday_profile: {tmp_path / 'base.yaml'}: hours.open, hours.close, "
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ("checkout.policy.active=true", "staff.roles.stocker.count=0"),
            "--set staff.roles.stocker.count: checkout.policy.from_role, "
            "staff.roles.stocker.count: the store has no stocker to call to the till",
        ),
        (
            ("checkout.policy.active=true", "checkout.cashiers=0"),
            "--set checkout.policy.active: checkout.policy.active, checkout.cashiers: the store "
            "has no staffed lane to open",
        ),
        (
            ("checkout.policy.active=true", "checkout.policy.max_lanes=9"),
            f"--set checkout.policy.max_lanes: {BASELINE}: checkout.policy.max_lanes, "
            "checkout.cashiers: 9 lanes, but the store has 3",
        ),
        (
            ("hours.weekday_profile=[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",),
            "--set hours.weekday_profile: needs a positive weight in some hour (got all zero)",
        ),
    ],
)
def test_a_check_between_keys_blames_the_override_that_broke_it(
    overrides: tuple[str, ...], expected: str
) -> None:
    """The baseline's policy and hours are fine: these were blamed on scenarios/baseline.yaml
    ("baseline.yaml: checkout.policy.from_role: the store has no stocker ...", "baseline.yaml:
    hours: weekday_profile needs a positive weight ..."), sending the user to the wrong place."""
    assert error_of(BASELINE, overrides).startswith(expected)


def test_an_outage_repeated_both_ways_names_its_keys_and_the_override(tmp_path: Path) -> None:
    """--set payment.outages.0.weekdays=[sat] on an outage repeated every_day was blamed on the
    file, naming neither key's path nor values ("x.yaml: payment.outages.0: give every_day or
    weekdays, not both")."""
    path = write(tmp_path, "x.yaml", "payment:\n  outages: [{day: 3, every_day: true}]\n")
    assert error_of(path, ("payment.outages.0.weekdays=[sat, sun]",)) == (
        f"--set payment.outages.0.weekdays: {path}: payment.outages.0.every_day, "
        "payment.outages.0.weekdays: expected one of them, not both (got true and [sat, sun])"
    )


def test_an_override_inside_a_list_a_file_set_is_blamed_for_the_item_it_changed(
    tmp_path: Path,
) -> None:
    """--set payment.outages.0.day=500 moved a file's outage past the horizon, and the file was
    blamed (it set the whole list), not the option; an item the option left alone stays the
    file's."""
    outages = "horizon: {days: 42}\npayment:\n  outages: [{day: 3}, {day: %s}]\n"
    path = write(tmp_path, "x.yaml", outages % 4)
    assert error_of(path, ("payment.outages.0.day=500",)).startswith(
        f"--set payment.outages.0.day: {path}: payment.outages.0, horizon.warmup_days, "
        "horizon.days: it never happens within the simulated days 0..55"
    )
    broken = write(tmp_path, "y.yaml", outages % 500)
    assert error_of(broken, ("payment.outages.0.day=2",)).startswith(
        f"{broken}: payment.outages.1, horizon.warmup_days, horizon.days: it never happens"
    )


def test_overrides_inside_a_list_a_file_set_are_blamed_together_for_the_item_they_changed(
    tmp_path: Path,
) -> None:
    """--set payment.outages.0.day=500 --set payment.outages.0.start=17:30 moved a file's outage
    past the horizon, and the file was blamed (the item had two sources below it), where one
    option alone was; the options are named together, in the order given, and an item they
    left alone stays the file's."""
    outages = "horizon: {days: 42}\npayment:\n  outages: [{day: 3}, {day: %s}]\n"
    path = write(tmp_path, "x.yaml", outages % 4)
    moved = ("payment.outages.0.day=500", "payment.outages.0.start=17:30")
    assert error_of(path, moved).startswith(
        f"--set payment.outages.0.day and --set payment.outages.0.start: {path}: "
        "payment.outages.0, horizon.warmup_days, horizon.days: it never happens within the "
        "simulated days 0..55"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, (*moved, "payment.outages.0.duration_min=30"))
    assert caught.value.problems[0].option == (
        "--set payment.outages.0.day, --set payment.outages.0.start and "
        "--set payment.outages.0.duration_min"
    )  # an option's problem: the command line says it as a usage error of them
    broken = write(tmp_path, "y.yaml", outages % 500)
    assert error_of(
        broken, ("payment.outages.0.day=2", "payment.outages.0.start=18:00")
    ).startswith(
        f"{broken}: payment.outages.1, horizon.warmup_days, horizon.days: it never happens"
    )


def test_an_outage_of_no_terminal_is_refused(tmp_path: Path) -> None:
    """`terminals: []` took no terminal down: the outage was accepted and changed nothing
    ('all' is how every terminal is said)."""
    path = write(tmp_path, "x.yaml", "payment:\n  outages: [{day: 3, terminals: []}]\n")
    expected = "expected a list of at least one terminal index, or 'all' (got [])"
    assert error_of(path) == f"{path}: payment.outages.0.terminals: {expected}"
    outage = write(tmp_path, "y.yaml", "payment:\n  outages: [{day: 3, terminals: [1]}]\n")
    assert error_of(outage, ("payment.outages.0.terminals=[]",)) == (
        f"--set payment.outages.0.terminals: {expected}"
    )


def test_an_outage_repeated_on_a_weekday_given_twice_is_refused(tmp_path: Path) -> None:
    """`weekdays: [sat, sat]` was accepted as [sat]: a slip for another day went unseen."""
    path = write(tmp_path, "x.yaml", "payment:\n  outages: [{day: 3, weekdays: [sat, sat]}]\n")
    assert error_of(path) == (
        f"{path}: payment.outages.0.weekdays: expected distinct weekdays (got sat given twice)"
    )
    assert error_of(BASELINE, ("payment.outages=[{weekdays: [sun, sat, sun, sat, sun]}]",)) == (
        "--set payment.outages: payment.outages.0.weekdays: expected distinct weekdays "
        "(got sun given 3 times, sat given twice)"
    )


def test_an_outage_naming_a_terminal_twice_is_refused(tmp_path: Path) -> None:
    """`terminals: [1, 1]` was accepted, and the scenario's table listed terminal 2 twice."""
    path = write(tmp_path, "x.yaml", "payment:\n  outages: [{day: 3, terminals: [1, 0, 1]}]\n")
    assert error_of(path) == (
        f"{path}: payment.outages.0.terminals: expected distinct terminal indices "
        "(got 1 given twice)"
    )
    assert load_scenario(BASELINE, ("payment.outages=[{terminals: [1, 0]}]",)).payment.outages


def test_shares_that_do_not_add_up_name_every_key_their_values_and_the_override(
    tmp_path: Path,
) -> None:
    """--set zones.0.item_share=0.9 read "zones' item_share must add up to 1, not 1.4", naming
    no key; a check between keys names them first, as the hours do."""
    zones = "zones:\n  - {name: a, item_share: 0.5}\n  - {name: b, item_share: 0.5}\n"
    path = write(tmp_path, "x.yaml", zones)
    assert error_of(path, ("zones.1.item_share=0.25",)) == (
        f"--set zones.1.item_share: {path}: zones.0.item_share, zones.1.item_share: expected "
        "shares that add up to 1 (got 0.5 + 0.25 = 0.75)"
    )
    assert error_of(path, ("shelves.response_skip=0.5",)).startswith(
        "--set shelves.response_skip: shelves.response_elsewhere, shelves.response_brand, "
        "shelves.response_size, shelves.response_delay, shelves.response_skip: expected shares "
        "that add up to 1 (got "
    )


def test_segments_without_a_positive_share_name_their_shares(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "segments: {a: {share: 0}, b: {share: 0}}\n")
    assert error_of(path) == (
        f"{path}: segments.a.share, segments.b.share: expected at least one positive share "
        "(got 0, 0)"
    )


def test_hours_closing_before_opening_in_a_file_name_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "hours: {open: '22:00', close: '06:00'}\n")
    assert error_of(path, ("checkout.cashiers=2",)) == (
        f"{path}: hours.open, hours.close: expected a closing time later than the opening time "
        "(got 22:00 and 06:00)"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ('""', "expected text of at least 1 character (got '')"),
        ('"a\\nb"', "expected one line of text (got 'a\\nb')"),
        ("x" * 61, "expected text of at most 60 characters"),
    ],
)
def test_a_zone_name_is_one_short_line(tmp_path: Path, name: str, expected: str) -> None:
    message = error_of(write(tmp_path, "x.yaml", ""), (f"zones.2.name={name}",))
    assert message.startswith(f"--set zones.2.name: {expected}")


@pytest.mark.parametrize(("name", "shown"), [('""', "''"), ('"a\\nb"', "'a\\nb'")])
def test_a_segment_name_is_one_short_line(tmp_path: Path, name: str, shown: str) -> None:
    path = write(tmp_path, "x.yaml", f"segments:\n  {name}: {{share: 1}}\n")
    assert error_of(path) == (
        f"{path}: segments: expected names of one line of 1 to 60 characters (got {shown})"
    )


def test_a_zone_without_a_name_is_named_aisles_and_must_not_repeat_one(tmp_path: Path) -> None:
    zones = "zones:\n  - {walk_min: 2, item_share: 0.5}\n  - {name: aisles, item_share: 0.5}\n"
    path = write(tmp_path, "x.yaml", zones)
    assert error_of(path) == (
        f"{path}: zones.1.name: expected a name no other zone has (got 'aisles', as zones.0; "
        "a zone without a name is 'aisles')"
    )


# Schema and command line


def test_json_schema_allows_extends_and_describes_sections() -> None:
    schema = scenario_json_schema()
    assert schema["properties"]["extends"]["type"] == "string"
    assert schema["additionalProperties"] is False
    assert "checkout" in schema["properties"]
    json.dumps(schema)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "journeysim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def test_cli_validate_reports_bad_files_and_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", "name: fine\n")
    write(tmp_path, "bad.yaml", "checkout:\n  cashiers: many\n")
    result = run_cli("validate", "good.yaml", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "ok  good.yaml (fine)" in result.stdout
    assert "bad.yaml: checkout.cashiers: expected a whole number" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_scenario_name_too_long_to_look_up_is_a_one_line_error(tmp_path: Path) -> None:
    """A scenario argument of over 255 bytes ended the command with exit 1 and the system's
    'File name too long', from looking up what kind of file it is."""
    name = "b" * 300 + ".yaml"
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / name)
    # (the system's error named the path a second time: '([Errno 36] File name too long: ...')
    assert str(error.value) == f"{tmp_path / name}: cannot read the file (File name too long)"


def test_cli_validate_good_file_with_set_exits_0(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", "")
    result = run_cli("validate", "good.yaml", "--set", "checkout.cashiers=2", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "ok  good.yaml (good)\n")


def test_cli_schema_prints_json_and_writes_it_to_a_file(tmp_path: Path) -> None:
    printed = run_cli("schema", cwd=tmp_path)
    assert printed.returncode == 0
    assert "checkout" in json.loads(printed.stdout)["properties"]
    written = run_cli("schema", "--out", "scenario.schema.json", cwd=tmp_path)
    assert written.returncode == 0
    assert json.loads((tmp_path / "scenario.schema.json").read_text()) == json.loads(printed.stdout)
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.schema.json"]  # no temp file left


def test_partial_section_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.yaml",
        "staff: {roles: {cleaner: {count: 0}}}\ncheckout: {service_time: {mean_min: 2}}\n",
    )
    scenario = load_scenario(path)
    defaults = Scenario()
    assert scenario.staff.roles["cleaner"].count == 0
    assert scenario.staff.roles["stocker"] == defaults.staff.roles["stocker"]
    assert scenario.checkout.service_time.dist == defaults.checkout.service_time.dist
    assert scenario.checkout.service_time.mean_min == 2


def test_segments_named_in_a_file_replace_the_default_segments(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "segments: {everyone: {share: 1}}\n")
    assert list(load_scenario(path).segments) == ["everyone"]


def test_a_segment_a_file_names_keeps_its_values_from_below(tmp_path: Path) -> None:
    # The file's segments are the store's segments, but a segment it names is merged over its
    # own values below (the defaults, then the parent), as --set merges, not over a new
    # segment's: only the share given changes.
    defaults = Scenario().segments
    family = next(name for name, s in defaults.items() if s.visit_interval_days != 4.0)
    write(tmp_path, "parent.yaml", f"segments: {{{family}: {{patience_min: 3}}}}\n")
    path = write(
        tmp_path, "x.yaml", f"extends: parent.yaml\nsegments: {{{family}: {{share: 0.1}}}}\n"
    )
    scenario = load_scenario(path)
    assert list(scenario.segments) == [family]
    expected = defaults[family].model_copy(update={"share": 0.1, "patience_min": 3.0})
    assert scenario.segments[family] == expected
    plain = write(tmp_path, "y.yaml", "name: y\n")
    by_option = load_scenario(plain, [f"segments.{family}.share=0.1"])
    assert by_option.segments[family] == defaults[family].model_copy(update={"share": 0.1})
    assert set(by_option.segments) == set(defaults)


def test_a_file_that_names_segments_drops_the_other_segments_of_its_parent(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", "segments: {a: {share: 1}, b: {share: 1, patience_min: 3}}\n")
    path = write(tmp_path, "x.yaml", "extends: parent.yaml\nsegments: {a: {share: 2}}\n")
    with pytest.warns(ScenarioWarning, match="are dropped: b$"):
        assert list(load_scenario(path).segments) == ["a"]
    with (
        pytest.raises(ScenarioError, match="expected at least one positive share"),
        pytest.warns(ScenarioWarning),
    ):
        load_scenario(path, ["segments.a.share=0"])  # b is gone, not there to carry the store


def test_a_set_below_a_segment_the_scenario_has_not_is_refused_with_the_closest() -> None:
    """`--set segments.famly.share=0.1` added a fifth segment with the defaults (audit 26)."""
    with pytest.raises(ScenarioError) as error:
        load_scenario(BASELINE, ["segments.famly.share=0.1"])
    assert str(error.value).startswith(
        f"--set segments.famly.share: segments: expected a segment of {BASELINE}, one of"
    )
    assert str(error.value).endswith(
        "(got 'famly'; did you mean 'family'?); to add a new segment, set it whole: "
        "segments.NAME={share: 0.1}"
    )  # not "e.g. segments.famly={share: 0.1}", which made the misspelt segment
    with pytest.raises(ScenarioError) as error:
        load_scenario(BASELINE, ["segments.extra.share=0.1"])
    assert str(error.value).endswith(
        "(got 'extra'); to add a new segment, set it whole: segments.extra={share: 0.1}"
    )
    whole = load_scenario(BASELINE, ["segments.extra={share: 0.1}"])  # a new one, set whole
    assert list(whole.segments)[-1] == "extra" and len(whole.segments) == 5


def test_a_file_dropping_its_parents_segments_says_so(tmp_path: Path) -> None:
    """A what-if naming one segment silently dropped the others."""
    parent = write(tmp_path, "parent.yaml", "segments: {family: {share: 1}, other: {share: 1}}\n")
    one = write(tmp_path, "one.yaml", "extends: parent.yaml\nsegments: {family: {share: 2}}\n")
    with pytest.warns(ScenarioWarning) as said:
        assert list(load_scenario(one).segments) == ["family"]
    assert [str(w.message) for w in said] == [
        f"{one}: segments: the file names the store's segments, so those of {parent} it leaves "
        "out are dropped: other"
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(parent)  # the first file replaces the defaults' segments without a word
        both = write(
            tmp_path, "both.yaml", "extends: parent.yaml\nsegments: {family: {}, other: {}}\n"
        )
        assert list(load_scenario(both).segments) == ["family", "other"]


@pytest.mark.parametrize("parent", [True, False])
def test_a_file_naming_a_segment_close_to_one_it_drops_is_refused(
    tmp_path: Path, parent: bool
) -> None:
    """A misspelt segment in a file swapped the store's segments for one of the defaults, with
    only a warning, and `validate` said ok."""
    extends = "extends: parent.yaml\n" if parent else ""
    write(tmp_path, "parent.yaml", "segments: {family: {share: 1}, other: {share: 1}}\n")
    typo = write(tmp_path, "typo.yaml", f"{extends}segments: {{famly: {{share: 2}}}}\n")
    below, names = (
        (tmp_path / "parent.yaml", "family, other")
        if parent
        else ("the defaults", ", ".join(Scenario().segments))
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(typo)
    assert str(error.value) == (
        f"{typo}: segments: expected a segment of {below}, one of {names} (got 'famly'; did you "
        "mean 'family'?); a new segment needs a name not this close to one of them"
    )
    distinct = write(tmp_path, "new.yaml", f"{extends}segments: {{students: {{share: 2}}}}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)  # (the parent's are dropped: said)
        assert list(load_scenario(distinct).segments) == ["students"]


@pytest.mark.parametrize(
    ("key", "kind"),
    [("vary", "a sweep file"), ("decide", "an optimise file"), ("free", "a calibration file")],
)
def test_a_study_file_is_named_as_one_where_a_scenario_is_expected(
    tmp_path: Path, key: str, kind: str
) -> None:
    write(tmp_path, "study.yaml", f"scenario: baseline.yaml\n{key}: {{checkout.cashiers: 2:4}}\n")
    path = write(tmp_path, "x.yaml", "extends: study.yaml\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value).startswith(
        f"{tmp_path / 'study.yaml'}: expected a scenario, not {kind}"
    )


def test_a_parent_that_is_one_long_text_is_shown_shortened(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "word " * 1000)
    path = write(tmp_path, "x.yaml", "extends: notes.txt\n")
    with pytest.raises(ScenarioError, match="expected a mapping") as error:
        load_scenario(path)
    assert len(str(error.value)) < 200


def test_new_opening_hours_with_the_default_profiles_say_to_give_both(tmp_path: Path) -> None:
    path = write(tmp_path, "x.yaml", "hours: {open: '08:00', close: '20:00'}\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "(12 for 08:00-20:00); got 16 (the default" in str(error.value)
    assert "give both profiles for your hours" in str(error.value)


def test_a_file_that_never_ends_is_refused_unread(tmp_path: Path) -> None:
    """/dev/zero was read until the process ran out of memory."""
    path = tmp_path / "x.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_YAML_BYTES + 1)
    assert error_of(path) == f"{path}: expected a YAML file of at most 1 MB (it is larger)"
    if Path("/dev/zero").exists():
        assert error_of(Path("/dev/zero")) == (
            "/dev/zero: expected a YAML file (it is not a regular file)"
        )


def test_a_folder_given_as_the_scenario_says_so(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"{tmp_path}: expected a YAML file (it is a folder)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """`journeysim validate PIPE` waited for ever for something to write to the pipe."""
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", "validate", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == f"{fifo}: expected a YAML file (it is not a regular file)\n"


@pytest.mark.parametrize("deep", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000])
def test_yaml_nested_past_pythons_recursion_is_refused(tmp_path: Path, deep: str) -> None:
    path = write(tmp_path, "x.yaml", f"description: {deep}\n")
    assert error_of(path) == f"{path}: expected YAML nested less deeply"
    assert error_of(BASELINE, (f"description={deep}",)) == (
        "--set description: expected YAML nested less deeply"
    )


def test_two_departures_from_one_post_on_one_day_are_refused_naming_both(tmp_path: Path) -> None:
    """A departure given twice was accepted: the second replaced the first's newcomer before
    any shopper met them, and the turnover log counted two departures."""
    path = write(
        tmp_path,
        "x.yaml",
        "staff:\n  turnover:\n    - {role: cashier, index: 1, day: 20}\n"
        "    - {role: stocker, index: 1, day: 20}\n    - {role: cashier, index: 1, day: 20}\n",
    )
    assert error_of(path) == (
        f"{path}: staff.turnover.0, staff.turnover.2: expected one departure per post and day "
        "(got cashier post 1 leaving on day 20 in both)"
    )
    again = "staff.turnover=[{role: stocker, day: 5}, {role: stocker, index: 0, day: 5}]"
    assert error_of(BASELINE, (again,)) == (
        "--set staff.turnover: staff.turnover.0, staff.turnover.1: expected one departure per "
        "post and day (got stocker post 0 leaving on day 5 in both)"
    )
    other_day = "staff.turnover=[{role: stocker, day: 5}, {role: stocker, day: 6}]"
    assert len(load_scenario(BASELINE, (other_day,)).staff.turnover) == 2  # the newcomer leaves


@pytest.mark.parametrize(
    "roles, expected",
    [
        (
            "{count: 0}",
            "staff.turnover.0.index: expected a role the store staffs (got floor_assistant, of "
            "whom there are none)",
        ),
        (
            "{count: 1}",
            "staff.turnover.0.index: expected a floor_assistant post 0..1 (morning 0..0, "
            "evening 1..1; got 2)",
        ),
    ],
)
def test_a_departure_from_a_post_that_does_not_exist_says_which_there_are(
    tmp_path: Path, roles: str, expected: str
) -> None:
    """A departure from a role with no staff read "there are 0 posts (morning 0..-1, evening
    0..-1)"."""
    path = tmp_path / "gone.yaml"
    path.write_text(
        f"extends: {BASELINE}\nstaff:\n  roles: {{floor_assistant: {roles}}}\n"
        "  turnover: [{role: floor_assistant, index: 2, day: 3}]\n"
    )
    with pytest.raises(ScenarioError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        load_scenario(path)
