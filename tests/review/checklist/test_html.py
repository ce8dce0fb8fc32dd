"""The HTML checklist: one self-contained page with an inline SVG sequence diagram per
counterexample, checked as text (always) and as pixels in headless Chromium (skipped only
where Chromium is absent; `.ci/run` installs it from Debian's packages)."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from mqcheck.cli import main
from mqcheck.result import Counterexample, Step
from mqcheck.review.checklist.build import Checklist, build_checklist
from mqcheck.review.checklist.html import render_html
from mqcheck.review.checklist.svg import BROKER, FAULT, ROLE_COLOURS, WRAP, render_sequence_svg
from mqcheck.run import check_spec
from mqcheck.spec.load import load_spec, load_spec_text
from mqcheck.spec.schema import Spec

ROOT = Path(__file__).resolve().parents[3]
SVG_NS = "{http://www.w3.org/2000/svg}"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")


def _spec(name: str) -> Spec:
    loaded = load_spec(ROOT / "specs" / f"{name}.yaml")
    assert loaded.spec is not None
    return replace(loaded.spec, path=f"specs/{name}.yaml")


@cache
def _checklist(name: str) -> Checklist:
    return build_checklist(_spec(name))


@cache
def _page(name: str) -> str:
    return render_html(_checklist(name))


def _svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", page, flags=re.S)]


def _texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG_NS}text")]


def _rows(svg: ET.Element) -> dict[int, ET.Element]:
    return {
        int(g.attrib["data-step"]): g for g in svg.iter(f"{SVG_NS}g") if "data-step" in g.attrib
    }


def _diagram_count(checklist: Checklist) -> int:
    violations = sum(1 for r in checklist.result.results if r.counterexample is not None)
    outside = sum(
        1
        for row in checklist.at_risk()
        if not row.in_fault_model
        for r in row.results
        if r.counterexample is not None
    )
    return violations + outside


# ------------------------------------------------------------------------ the page as text


@pytest.mark.parametrize(
    "name", ["acks1-leader-failover", "acks0-lost-request", "cluster-power-loss-page-cache"]
)
def test_one_parseable_svg_per_counterexample(name: str) -> None:
    checklist = _checklist(name)
    page = _page(name)
    svgs = _svgs(page)
    assert len(svgs) == _diagram_count(checklist) >= 1
    assert page.count("<svg") == len(svgs)
    first = svgs[0]
    texts = _texts(first)
    spec = checklist.spec
    for producer in spec.producers:
        assert producer in texts
    for consumer in spec.consumers:
        assert consumer in texts
    replicas = max(t.replication_factor for t in spec.topics.values())
    for b in range(1, replicas + 1):
        assert f"broker {b}" in texts
    # one row per step, numbered as in the text post-mortem
    violated = next(r for r in checklist.result.results if r.counterexample is not None)
    assert violated.counterexample is not None
    steps = violated.counterexample.steps
    rows = _rows(first)
    assert sorted(rows) == [s.i for s in steps]
    for s in steps:
        assert str(s.i) in _texts(rows[s.i])
        assert f"{s.i:>2}. {'FAULT ' if s.fault else ''}{s.text[:30]}" in page  # post-mortem


def test_fault_and_fatal_steps_are_marked() -> None:
    svg = _svgs(_page("acks1-leader-failover"))[0]
    rows = _rows(svg)
    # step 4: broker 1 crashes (the fault); step 3: the acks=1 ack (the fatal setting)
    assert "fault" in rows[4].attrib["class"].split()
    assert any(t == "FAULT · broker_crash" for t in _texts(rows[4]))
    markers = [e for e in rows[4].iter() if "fault-marker" in e.attrib.get("class", "")]
    assert markers and all(e.attrib.get("fill", e.attrib.get("stroke")) == FAULT for e in markers)
    assert "fatal" in rows[3].attrib["class"].split()
    assert any(t.startswith("⚠ acks=1") for t in _texts(rows[3]))
    for i in (1, 2):
        assert rows[i].attrib["class"] == "step"
    # the ack is an arrow back from the leader to the producer, labelled
    assert "ack m1" in _texts(rows[3])
    assert "Outcome: lost m1" in _texts(svg)


def test_lifelines_for_network_controller_coordinator() -> None:
    for name, lane in [
        ("acks0-lost-request", "network"),
        ("unclean-election-despite-minisr2", "controller"),
        ("transactional-abort-read-uncommitted", "txn coordinator"),
    ]:
        spec = _spec(name)
        result = check_spec(spec)
        r = next(r for r in result.results if r.counterexample is not None)
        assert r.counterexample is not None
        svg = render_sequence_svg(
            r.counterexample, r.guarantee, name, tuple(spec.producers), tuple(spec.consumers)
        )
        root = ET.fromstring(svg)
        assert lane in _texts(root), name
        heads = [g.attrib["data-lane"] for g in root.iter(f"{SVG_NS}g") if "data-lane" in g.attrib]
        assert heads.index("producer:" + next(iter(spec.producers))) == 0


def test_page_is_self_contained() -> None:
    page = _page("acks1-leader-failover")
    assert page.startswith("<!doctype html>")
    for needle in ("<script", "<link", "@import", "url(", "<img", "<iframe", "@font-face"):
        assert needle not in page.lower()
    for attr in re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page):
        assert not re.match(r"(?i)(https?:)?//", attr), attr
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= {"http://www.w3.org/2000/svg"}
    # the sections a reviewer reads
    for heading in (
        "Verdict",
        "Pipeline",
        "Counterexamples",
        "Hazards",
        "Resilience profile",
        "Effective configuration",
        "Assumptions",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "Kafka 3.7" in page and "acks1-leader-failover" in page
    assert 'class="badge bad' in page and 'class="badge ok' in page  # coloured verdicts
    assert "spec line 27" in page  # an origin in the effective configuration


def test_page_is_deterministic() -> None:
    again = render_html(build_checklist(_spec("acks1-leader-failover")))
    assert again == _page("acks1-leader-failover")


def test_text_is_escaped_and_wrapped() -> None:
    hostile = 'broker <b>1</b> & "friends" ' + "x" * 10 + " word" * 60 + " \x01"
    cex = Counterexample(
        steps=(
            Step(1, "send", "producer:<p&q>", hostile, "a", message="m1"),
            Step(
                2,
                "broker_crash",
                "broker:1",
                "crash ]]> <!-- -->",
                "b",
                fault="broker_crash",
                hazard="acks=1 <fatal> & so on",
            ),
        ),
        lost=("m1",),
    )
    svg = render_sequence_svg(cex, "at-least-once", 'title <&> "q"', ("<p&q>",), ("c",), 2)
    root = ET.fromstring(svg)  # well-formed despite <, &, quotes and a control character
    texts = _texts(root)
    assert "<p&q>" in texts
    lines = [t for t in texts if "word" in t]
    assert len(lines) >= 3 and all(len(t) <= WRAP for t in lines)
    assert "crash ]]> <!-- -->" in texts
    assert "<script" not in svg and "<b>" not in svg
    assert render_sequence_svg(cex, "at-least-once", "t") == render_sequence_svg(
        cex, "at-least-once", "t"
    )


def test_empty_counterexample_draws_a_note() -> None:
    svg = render_sequence_svg(Counterexample(steps=()), "at-least-once", "t", ("p",), ("c",), 1)
    assert "No step needed" in "".join(_texts(ET.fromstring(svg)))


def test_cli_writes_html(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = CliRunner().invoke(
        main,
        [
            "checklist",
            str(ROOT / "specs" / "acks1-leader-failover.yaml"),
            "--format",
            "html",
            "--no-profile",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= 1 and "</html>" in page


# --------------------------------------------------------------- the page in a real browser


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """A minimal PNG decoder for 8-bit RGB/RGBA, non-interlaced (what Chromium writes):
    (width, height, rows of RGB bytes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = depth = colour = interlace = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    prev = bytearray(stride)
    rows: list[bytes] = []
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray(a + b & 0xFF for a, b in zip(line, prev, strict=True))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        prev = line
        if bpp == 4:
            del line[3::4]
        rows.append(bytes(line))
    return width, height, rows


def _rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    page = tmp_path / "review.html"
    page.write_text(_page("acks1-leader-failover"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1400,2000",
            page.as_uri(),
        ],
        check=False,
        capture_output=True,
        timeout=90,
    )
    assert shot.exists(), "Chromium wrote no screenshot"
    width, height, rows = read_png(shot.read_bytes())
    assert (width, height) == (1400, 2000)
    fault, broker = _rgb(FAULT), _rgb(BROKER)

    def near(p: tuple[int, int, int], q: tuple[int, int, int], tol: int = 24) -> bool:
        return abs(p[0] - q[0]) <= tol and abs(p[1] - q[1]) <= tol and abs(p[2] - q[2]) <= tol

    non_white = 0
    fault_by_row: list[int] = []
    broker_by_row: list[int] = []
    for row in rows:
        faults = brokers = 0
        for px in zip(row[0::3], row[1::3], row[2::3], strict=True):
            if px[0] < 240 or px[1] < 240 or px[2] < 240:
                non_white += 1
                if near(px, fault):
                    faults += 1
                elif near(px, broker):
                    brokers += 1
        fault_by_row.append(faults)
        broker_by_row.append(brokers)
    # not blank: the header band, tables and the diagram cover a good share of the page
    assert non_white / (width * height) > 0.08, f"only {non_white / (width * height):.1%} ink"
    # the diagram is there: the broker heads and the leader's thick lifeline (teal) ...
    assert sum(broker_by_row) > 400, sum(broker_by_row)
    top = min(y for y, n in enumerate(broker_by_row) if n >= 20)  # the lifeline heads
    bottom = max(y for y, n in enumerate(broker_by_row) if n)  # where the lifelines end
    assert bottom - top > 150  # lifelines running down the rows, not a stray pixel
    # ... with the red fault marker of step 4 (bolt, row edge, step badge) inside it
    inside = sum(fault_by_row[top : bottom + 1])
    assert inside > 150, inside


# ------------------------------------------------- a Kafka Streams diagram, laid out by Chromium

#: Injected into a copy of the page for the test only (the page itself has no script): the
#: browser's own layout of the lifeline heads, the fault marker of the processor's crash and
#: the configuration values, written into the DOM that `--dump-dom` prints.
_MEASURE = """<script>
window.addEventListener('load', () => {
  const out = {heads: {}, clipped: [], wrapped: [], crash: null};
  const svg = document.querySelector('svg.sequence');
  for (const g of svg.querySelectorAll('g.lane-head')) {
    const box = g.querySelector('rect').getBoundingClientRect();
    out.heads[g.dataset.lane] = (box.left + box.right) / 2;
    for (const t of g.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.left < box.left || r.right > box.right) out.clipped.push(t.textContent);
    }
  }
  for (const row of svg.querySelectorAll('g.step.fault')) {
    const m = row.querySelector('.fault-marker').getBoundingClientRect();
    out.crash = (m.left + m.right) / 2;
  }
  for (const c of document.querySelectorAll('#configuration code.value')) {
    if (c.getClientRects().length > 1) out.wrapped.push(c.textContent);
  }
  const pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _streams_page() -> str:
    """The Streams spec with a long processor name, so truncation would show."""
    spec = _spec("streams-at-least-once-crash")
    text = (
        (ROOT / spec.path)
        .read_text(encoding="utf-8")
        .replace("enricher:", "enricher-with-a-long-name:")
    )
    loaded = load_spec_text(text, spec.path)
    assert loaded.spec is not None, loaded.errors
    return render_html(build_checklist(loaded.spec, with_profile=False))


def test_streams_processor_has_its_own_lifeline() -> None:
    """The processor's poll, processing and crash are drawn on its lifeline, not on the
    producer's; Mermaid gives it a participant of its own too."""
    svg = _svgs(_streams_page())[0]
    heads = [g.attrib["data-lane"] for g in svg.iter(f"{SVG_NS}g") if "data-lane" in g.attrib]
    assert heads == [
        "producer:shop",
        "broker:1",
        "broker:2",
        "broker:3",
        "processor:enricher-with-a-long-name",
        "consumer:billing",
    ]
    assert "enricher-with-a-long-name" in _texts(svg)  # the whole name, no ellipsis
    assert not any("…" in t for t in _texts(svg))
    crash = next(g for g in _rows(svg).values() if "fault" in g.attrib["class"].split())
    assert "crash" in _texts(crash)
    spec = _spec("streams-at-least-once-crash")
    mermaid = CliRunner().invoke(main, ["check", str(ROOT / spec.path), "--format", "mermaid"])
    assert "participant S1 as processor enricher" in mermaid.stdout
    assert "consumer enricher" not in mermaid.stdout
    assert "Note over S1: 12." in mermaid.stdout  # the crash, over the processor


def test_configuration_lists_modelled_settings_first() -> None:
    """A reviewer reads what decides the verdict first; a not-modelled setting written
    before the modelled ones still comes after them."""
    text = (ROOT / "specs" / "acks1-leader-failover.yaml").read_text(encoding="utf-8")
    text = text.replace("    acks: 1", "    compression.type: lz4\n    acks: 1")
    loaded = load_spec_text(text, "specs/acks1-leader-failover.yaml")
    assert loaded.spec is not None, loaded.errors
    checklist = build_checklist(loaded.spec, with_profile=False)
    shown = checklist.configuration()
    modelled = [s.modelled for s in shown]
    assert modelled.count(False) == 1 and modelled[-1] is False
    page = render_html(checklist)
    table = page[page.index('<section id="configuration">') :]
    assert table.index("compression.type") > table.index("min.insync.replicas")
    assert '<code class="value">9223372036854775807</code>' in table  # one token, nowrap


def test_streams_diagram_in_headless_chromium(tmp_path: Path) -> None:
    """Chromium's layout: the crash marker sits on the processor's lifeline, every lane
    name fits its head, and no configuration value is broken over two lines; and the
    screenshot shows the processor's lifeline colour."""
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    page = tmp_path / "streams.html"
    page.write_text(_streams_page().replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    flags = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,2000",
    ]
    dom = subprocess.run(
        [*flags, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        check=False,
        capture_output=True,
        text=True,
        timeout=90,
    ).stdout
    found = re.search(r'<pre id="measure">(.*?)</pre>', dom, flags=re.S)
    assert found, "Chromium ran no measurement"
    measured = json.loads(html.unescape(found.group(1)))
    heads = measured["heads"]
    processor = heads["processor:enricher-with-a-long-name"]
    assert abs(measured["crash"] - processor) < 12, measured
    assert abs(measured["crash"] - heads["producer:shop"]) > 60
    assert measured["clipped"] == [] and measured["wrapped"] == []
    shot = tmp_path / "shot.png"
    plain = tmp_path / "plain.html"
    plain.write_text(_streams_page(), encoding="utf-8")
    subprocess.run(
        [*flags, f"--screenshot={shot}", plain.as_uri()],
        check=False,
        capture_output=True,
        timeout=90,
    )
    _, _, rows = read_png(shot.read_bytes())
    stroke = _rgb(ROLE_COLOURS["processor"][0])
    xs = [
        i // 3
        for row in rows
        for i in range(0, len(row), 3)
        if all(abs(row[i + k] - stroke[k]) <= 20 for k in range(3))
    ]
    assert len(xs) > 100, len(xs)  # the processor's head and boxes are drawn
    centre = sorted(xs)[len(xs) // 2]
    assert abs(centre - processor) < 40, (centre, processor)
