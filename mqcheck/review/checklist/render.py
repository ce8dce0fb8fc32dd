"""Pick the checklist renderer for `--format`."""

from __future__ import annotations

from mqcheck.review.checklist.build import Checklist
from mqcheck.review.checklist.markdown import render_markdown
from mqcheck.review.checklist.sarif import render_sarif


def render_checklist(checklist: Checklist, output_format: str) -> str:
    if output_format == "sarif":
        return render_sarif(checklist)
    if output_format == "html":
        from mqcheck.review.checklist.html import render_html

        return render_html(checklist)
    return render_markdown(checklist)
