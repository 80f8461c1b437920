"""The arithmetic of a spec as a table: rows of text cells for the Build tab and the CLI."""

from __future__ import annotations

from .arith import LayerArith, SpecArith, shape_text

COLUMNS = (
    "layer",
    "type",
    "output",
    "how",
    "params",
    "params formula",
    "mult-adds",
    "memory",
    "receptive field",
    "note",
)


def memory_text(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.1f} KiB"
    return f"{n_bytes / 1024**2:.1f} MiB"


def row_cells(r: LayerArith) -> tuple[str, ...]:
    """One layer's cells, in COLUMNS order; a failed layer has its error in the note."""
    if r.error:
        return (r.name, r.type, "-", r.shape_formula, "-", "", "-", "-", "-", r.error)
    return (
        r.name,
        r.type,
        shape_text(r.out_shape),
        r.shape_formula,
        f"{r.params:,}",
        r.params_formula,
        f"{r.macs:,}",
        memory_text(r.memory),
        r.field.text(),
        r.note,
    )


def table_rows(a: SpecArith) -> list[tuple[str, ...]]:
    """The input, every layer, and the totals, as text cells in COLUMNS order."""
    rows: list[tuple[str, ...]] = [
        ("input", "", shape_text(a.input_shape), "", "", "", "", "", "1x1, jump 1", "")
    ]
    rows += [row_cells(r) for r in a.rows]
    rows.append(
        (
            "total",
            "",
            shape_text(a.output_shape),
            "",
            f"{a.total_params:,}",
            "",
            f"{a.total_macs:,}",
            memory_text(a.total_memory),
            "",
            a.error or (f"too big: {a.too_big}" if a.too_big else ""),
        )
    )
    return rows


def format_table(a: SpecArith, wide: bool = True) -> str:
    """A fixed-width text table; the last line is ``Total parameters: N``."""
    keep = range(len(COLUMNS)) if wide else (0, 1, 2, 4, 6, 8)
    body = [tuple(cells[i] for i in keep) for cells in table_rows(a)]
    header = tuple(COLUMNS[i] for i in keep)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *body]
    ]
    lines.insert(1, "-" * max(len(line) for line in lines))
    lines.append(f"Total parameters: {a.total_params}")
    return "\n".join(lines)
