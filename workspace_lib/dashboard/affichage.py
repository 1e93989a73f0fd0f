"""Display a report block in a notebook: HTML for people, the block itself for the render engine."""

from __future__ import annotations

from IPython.display import display

from .. import report_model as rm


def block_html(block: rm.Block) -> str:
    """The HTML of a block, as the self-contained HTML export draws it (inline SVG, no CDN)."""
    if isinstance(block, rm.Entete):
        return f"<h1>{_escape(block.titre)}</h1><p>{_escape(block.sous_titre)}</p>"
    from ..exporters.html import block_html as exporter_block_html

    return exporter_block_html(block)


def show(block: rm.Block, html: bool | str = True) -> None:
    """Display ``block``: its JSON under :data:`report_model.MIMETYPE` and, for people, its HTML.

    ``html=False`` (reports rendered in batch) skips drawing the HTML: the exporters draw the
    report from the JSON alone. A string is the block's HTML, already drawn.
    """
    if html is False:
        display({rm.MIMETYPE: rm.to_json(block), "text/plain": f"[{block.type}]"}, raw=True)
        return
    drawn = html if isinstance(html, str) else block_html(block)
    display({rm.MIMETYPE: rm.to_json(block), "text/html": drawn}, raw=True)


def _escape(text: str) -> str:
    import html

    return html.escape(text or "")
