"""How the notebook objects show themselves: plain text (``repr``) and HTML (Jupyter's
``_repr_html_``), both built from the same (title, rows) so they say the same thing."""

from __future__ import annotations

import html
from collections.abc import Sequence

Rows = Sequence[Sequence[object]]


def number(value: object) -> str:
    """A value as a reader wants it: floats to 4 significant digits, others as they are."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def text_block(title: str, rows: Rows = (), header: Sequence[str] | None = None, notes: Sequence[str] = ()) -> str:
    """``title``, then ``rows`` as aligned columns (indented), then ``notes``."""
    lines = [title]
    body = [list(header)] if header else []
    body += [[number(c) for c in r] for r in rows]
    if body:
        widths = [max(len(r[k]) for r in body if k < len(r)) for k in range(max(map(len, body)))]
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    return "\n".join(lines + [f"  {n}" for n in notes])


def html_block(title: str, rows: Rows = (), header: Sequence[str] | None = None, notes: Sequence[str] = (),
               extra: str = "") -> str:
    """The same as :func:`text_block`, as an HTML fragment (``extra``: HTML appended as is)."""
    out = [f"<div class='sim-api'><p><b>{html.escape(title)}</b></p>"]
    if rows:
        out.append("<table>")
        if header:
            out.append("<tr>" + "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header) + "</tr>")
        for r in rows:
            out.append("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(number(c))}</td>" for c in r)
                       + "</tr>")
        out.append("</table>")
    out += [f"<p>{html.escape(n)}</p>" for n in notes]
    return "".join(out) + extra + "</div>"
