"""README.md and docs/*.md link only to files in the repository (and to headings they have), so
that every link works in a clone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(
    r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)", re.M
)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def links(document: Path) -> list[str]:
    """The link targets of a markdown document, outside fenced code blocks."""
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    return [a or b for a, b in LINK.findall(text)]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(document: Path) -> set[str]:
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    found = {slug(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}
    return found | set(re.findall(r"<a (?:name|id)=\"([^\"]+)\"", text))


def local(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)  # http:, mailto:, ...


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_links_point_into_the_repository(document: Path) -> None:
    for target in links(document):
        assert local(target), f"{document.name}: {target} is not a file of the repository"
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        assert resolved.is_relative_to(ROOT), f"{document.name}: {target} leaves the repository"
        assert resolved.exists(), f"{document.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{document.name}: no heading for {target}"


def test_the_check_catches_bad_links(tmp_path: Path) -> None:
    """The link reader finds inline, image and reference links, and skips code blocks."""
    page = tmp_path / "page.md"
    page.write_text(
        'See [design](../shared/DESIGN.md) and ![plot](img.png "title").\n'
        "```\n[not a link](nowhere.md)\n```\n[ref]: docs/x.md\n## Money and time\n",
        encoding="utf-8",
    )
    assert links(page) == ["../shared/DESIGN.md", "img.png", "docs/x.md"]
    assert "money-and-time" in anchors(page)
    assert not local("https://example.org") and local("docs/model.md")
