"""The ``benchmark-tables`` directive: the benchmarks page from its data file.

``benchmarks/docs_results.py`` runs the benchmark scripts and saves their
tables in ``docs/benchmarks/results.json``; this directive turns that file
into the page's tables at each build::

    .. benchmark-tables:: benchmarks/results.json

Every table is normalized to ours, as glum's benchmarks are: our column
gives seconds (or milliseconds), each peer's column its time divided by ours,
so a number above 1 means ours was faster. :func:`render` does the work
without Sphinx (the test suite calls it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

THREADS = {
    "default": "default BLAS threads",
    "1": "one BLAS thread",
}


def _number(value: float) -> str:
    """Three significant digits, without an exponent for ordinary sizes."""
    if value == 0 or not math.isfinite(value):
        return str(value)
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}"


def _cell(row: dict, name: str, ours: float | None) -> str:
    """A peer's time over ours, or why there is none."""
    if name in row.get("times", {}):
        if ours is None:
            return "ours not precise"
        return _number(row["times"][name] / ours)
    if name in row.get("imprecise", {}):
        return f"not precise: {row['imprecise'][name]:.0e}"
    if name in row.get("left_out", []):
        return "left out"
    return ""


def _table(table: dict) -> list[str]:
    ours = table["ours"]
    peers: list[str] = []
    for row in table["rows"]:
        named = [*row.get("times", {}), *row.get("imprecise", {})]
        for name in [*named, *row.get("left_out", [])]:
            if name != ours and name not in peers:
                peers.append(name)
    if "columns" in table:  # the script's order of its peers
        order = {name: i for i, name in enumerate(table["columns"])}
        peers.sort(key=lambda name: order.get(name, len(order)))
    has_shape = any("shape" in row for row in table["rows"])
    values: list[str] = []  # other measurements, shown as the script wrote them
    for row in table["rows"]:
        values += [name for name in row.get("values", {}) if name not in values]
    header = ["problem", *(["size"] if has_shape else []), *values]
    header += [f"{ours} ({table['unit']})", *peers]
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :class: benchmark",
        "",
    ]
    body = []
    for row in table["rows"]:
        ours_time = row.get("times", {}).get(ours)
        body.append(
            [
                row["problem"],
                *([row.get("shape", "")] if has_shape else []),
                *[row.get("values", {}).get(name, "") for name in values],
                "not precise" if ours_time is None else _number(ours_time),
                *[_cell(row, name, ours_time) for name in peers],
            ]
        )
    for cells in [header, *body]:
        lines.append("   * - " + (cells[0] or " "))
        lines.extend("     - " + (cell or " ") for cell in cells[1:])
    return lines


def render(
    results: dict, sections: list[str] | None = None, environment: bool = True
) -> str:
    """reStructuredText of the page from ``results.json``: the machine and
    the versions (``environment``), then each table id of ``sections`` (all,
    with their titles, when None; without titles when named, so that the page
    gives them its own headings and prose)."""
    env = results["environment"]
    lines = []
    if environment:
        versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        memory = f", {env['memory_gib']} GiB" if env.get("memory_gib") else ""
        lines += [
            f"Measured on {env['date']} by ``{results['generated_by']}``:",
            "",
            f"- **Machine**: {env['cpu']}, {env['cores']} cores{memory}, {env['os']}",
            f"- **BLAS**: {env['blas']}",
            f"- **Versions**: {versions}",
            "",
        ]
    seen: dict[str, list[dict]] = {}
    for table in results["tables"]:
        seen.setdefault(table["id"], []).append(table)
    unknown = set(sections or []) - set(seen)
    if unknown:
        raise ValueError(f"no table {sorted(unknown)} in the results")
    for table_id, tables in seen.items():
        if sections is not None and table_id not in sections:
            continue
        if sections is None:
            title = tables[0]["title"]
            lines += [title, "-" * len(title), ""]
        lines += [
            f"**Criterion**: {tables[0]['criterion']}.",
            "",
            f"Ours in {tables[0]['unit']}; each peer's time divided by ours "
            "(above 1: ours is faster).",
            "",
        ]
        for table in tables:
            caption = THREADS.get(table["threads"], table["threads"])
            caption = caption[0].upper() + caption[1:]
            lines += [f"**{caption}**: ``{table['command']}``", ""]
            lines += _table(table)
            lines.append("")
    return "\n".join(lines)


def setup(app):
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives
    from docutils.statemachine import StringList
    from sphinx.util.nodes import nested_parse_with_titles

    class BenchmarkTables(Directive):
        """``.. benchmark-tables:: path`` with ``:sections: id, id`` (only
        those tables, without titles) and ``:environment:`` (the machine and
        versions; always there without ``:sections:``)."""

        required_arguments = 1
        has_content = False
        option_spec = {
            "sections": directives.unchanged,
            "environment": directives.flag,
        }

        def run(self):
            env = self.state.document.settings.env
            path = Path(env.srcdir) / self.arguments[0]
            env.note_dependency(str(path))
            sections = self.options.get("sections")
            if sections is not None:
                # an empty :sections: gives the environment alone
                sections = [part.strip() for part in sections.split(",") if part]
            text = render(
                json.loads(path.read_text(encoding="utf-8")),
                sections=sections,
                environment=sections is None or "environment" in self.options,
            )
            container = nodes.container()
            nested_parse_with_titles(
                self.state, StringList(text.splitlines(), str(path)), container
            )
            return container.children

    app.add_directive("benchmark-tables", BenchmarkTables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
