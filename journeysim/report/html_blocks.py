"""Building blocks of the self-contained HTML pages: the page, sections, tables, embedded
images and KPI values in their units. All text is escaped here."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from html import escape

from journeysim.report.comparison import LABELS

CSS = """
body { font-family: system-ui, sans-serif; font-size: 18px; margin: 2em auto;
       max-width: 1280px; padding: 0 1em; color: #222; }
h1 { font-size: 2em; margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 2px solid #ccd; }
p.lead { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #dde; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.better { font-weight: bold; color: #2166ac; }
td.worse { font-weight: bold; color: #b2182b; }
p.verdict { font-size: 1.1em; }
#settings th, #settings td, #settings-differ th, #settings-differ td { text-align: left; }
.wide { overflow-x: auto; }
figure { margin: 1em 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f6f7f9; padding: 1em; overflow-x: auto; font-size: 14px; line-height: 1.35; }
"""
# Marks on <body> how many images the browser decoded, e.g. data-images-loaded="4/4".
SCRIPT = """window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const decoded = images.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.imagesLoaded = decoded + "/" + images.length;
});"""


# -- building blocks ------------------------------------------------------------------------


def page(title: str, lead: str, sections: Sequence[str]) -> str:
    """The whole document; `title` and `lead` are escaped here, sections are HTML already."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n"
        f"<script>{SCRIPT}</script>\n</head>\n<body>\n"
        f'<h1>{escape(title)}</h1>\n<p class="lead">{escape(lead)}</p>\n'
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )


def section(heading: str, *parts: str, id: str = "") -> str:
    anchor = f' id="{escape(id)}"' if id else ""
    return f"<section{anchor}>\n<h2>{escape(heading)}</h2>\n" + "\n".join(parts) + "\n</section>"


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def warning_notes(texts: Sequence[str]) -> str:
    """A "Warning: TEXT." paragraph for each of `texts` that is not empty."""
    return "".join(paragraph(f"Warning: {text}.") for text in texts if text)


def image(data: bytes, alt: str, caption: str = "", mime: str = "image/png") -> str:
    """A figure with the image embedded as a base64 data URI."""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    note = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{escape(alt)}">{note}</figure>'


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    id: str = "",
    row_keys: Sequence[str] = (),
    marked: Sequence[Sequence[str]] = (),
) -> str:
    """An escaped table; `row_keys` become data-kpi attributes; a cell `marked` with a class
    (better, worse) gets it, so the page emphasises it in that class's colour."""
    anchor = f' id="{escape(id)}"' if id else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        key = f' data-kpi="{escape(row_keys[i])}"' if i < len(row_keys) else ""
        marks = marked[i] if i < len(marked) else ()
        cells = "".join(
            (f'<td class="{escape(marks[j])}">' if j < len(marks) and marks[j] else "<td>")
            + f"{escape(cell)}</td>"
            for j, cell in enumerate(row)
        )
        body.append(f"<tr{key}>{cells}</tr>")
    return (
        f'<div class="wide"><table{anchor}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def fmt(metric: str, value: float, signed: bool = False) -> str:
    """A metric's value in its unit (KPIs as in the terminal, money in PLN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    spec = LABELS.get(metric, (metric, "{:.3g}"))[1]
    if signed and "+" not in spec:
        spec = spec.replace("{:", "{:+", 1)
    return spec.format(value)


def label(metric: str) -> str:
    return LABELS.get(metric, (metric,))[0]


def interval(metric: str, mean: float, low: float, high: float, signed: bool = False) -> str:
    """A mean and its CI, "mean [low, high]"; "-" alone when there is no mean (payback's
    scenario columns, a KPI the run could not measure)."""
    if mean is None or math.isnan(mean):
        return "-"
    return f"{fmt(metric, mean, signed)} [{fmt(metric, low, signed)}, {fmt(metric, high, signed)}]"


# -- scenario settings ------------------------------------------------------------------------
