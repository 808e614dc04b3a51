"""Go's text/tabwriter, which `oc` prints tables and `describe` through, so columns line up the same way.

Text is split into lines and lines into tab-terminated cells (the text after a line's last tab is not a
cell). Cells in the same column of adjacent lines form a block whose width is its widest cell plus padding;
a line without a cell in that column ends the block. That is why `describe` aligns `Name:` with
`Image Repository:` but not with the tag lines below the first blank line.
"""

from __future__ import annotations


class TabWriter:
    """`minwidth`, `tabwidth`, `padding` and `padchar` mean what they mean in Go. With `padchar="\\t"`
    cells are padded with tabs, assuming tab stops every `tabwidth` columns (what `describe` uses); with a
    space the padding is exact (what `get` tables use)."""

    def __init__(self, minwidth: int = 0, tabwidth: int = 8, padding: int = 1, padchar: str = "\t") -> None:
        self.minwidth = minwidth
        self.tabwidth = tabwidth
        self.padding = padding
        self.padchar = padchar

    def format(self, text: str) -> str:
        raw_lines = text.split("\n")
        # A trailing newline ends the last line; it does not start an empty one.
        ends_with_newline = raw_lines[-1] == ""
        if ends_with_newline:
            raw_lines.pop()
        lines = [line.split("\t") for line in raw_lines]
        out: list[str] = []
        self._format(lines, 0, len(lines), [], out)
        return "\n".join(out) + ("\n" if ends_with_newline else "")

    def _format(self, lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            # A block of cells in this column starts here: print the lines before it with the widths so far.
            self._write_lines(lines, line0, this, widths, out)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + self.padding)
                this += 1
            self._format(lines, line0, this, [*widths, width], out)
            line0 = this
        self._write_lines(lines, line0, line1, widths, out)

    def _write_lines(self, lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
        for cells in lines[line0:line1]:
            parts = []
            for j, cell in enumerate(cells):
                parts.append(cell)
                if j < len(widths) and j < len(cells) - 1:
                    parts.append(self._padding(len(cell), widths[j]))
            out.append("".join(parts))

    def _padding(self, text_width: int, cell_width: int) -> str:
        if self.padchar == "\t":
            if self.tabwidth == 0:
                return ""
            # Round the cell up to a tab stop, then fill with as many tabs as it takes to get there.
            cell_width = -(-cell_width // self.tabwidth) * self.tabwidth
            return "\t" * -(-(cell_width - text_width) // self.tabwidth)
        return self.padchar * (cell_width - text_width)


def describe_format(text: str) -> str:
    """The layout of `oc describe`: `tabwriter.Init(out, 0, 8, 1, '\\t', 0)`."""
    return TabWriter(minwidth=0, tabwidth=8, padding=1, padchar="\t").format(text)


def table_format(rows: list[list[str]]) -> str:
    """The layout of `oc get` tables: kubectl's `tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)`."""
    text = "".join("\t".join(row) + "\n" for row in rows)
    return TabWriter(minwidth=6, tabwidth=4, padding=3, padchar=" ").format(text)
