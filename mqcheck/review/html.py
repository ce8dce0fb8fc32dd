"""The checklist as one self-contained HTML file (not built yet: see docs/review.md)."""

from __future__ import annotations

import html

from mqcheck.review.checklist import Checklist
from mqcheck.review.markdown import render_markdown


def render_html(checklist: Checklist) -> str:
    """For now the Markdown checklist in a minimal page; inline SVG diagrams are to come."""
    body = html.escape(render_markdown(checklist))
    title = html.escape(f"Design review: {checklist.spec.name}")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body><pre>{body}</pre></body></html>\n"
    )
