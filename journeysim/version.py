"""journeysim's version, as pyproject.toml gives it (read where the package is not installed),
and a digest of its sources, which tells apart what one version number does not: a source tree
edited or updated since."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

VERSION = "0.1.0"


@lru_cache(maxsize=1)
def source_digest() -> str:
    """A digest of the package's Python sources (read once a process): results of a changed
    model are never mixed with the old one's (a lived history, a sweep's runs, a study's
    trials)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()
