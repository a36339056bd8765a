"""journeysim's version, as pyproject.toml gives it (read where the package is not installed)."""

VERSION = "0.1.0"
