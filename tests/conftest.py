"""Test order: the files that hold slow tests run first. pytest-xdist hands each worker whole
files in this order (pyproject.toml: --dist loadfile --no-loadscope-reorder), so the workers
end on short files together rather than one of them alone on a long one."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable: otherwise as collected
