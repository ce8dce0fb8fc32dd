"""Counterexamples as inline SVG sequence diagrams, for the HTML checklist.

One `<svg>` per counterexample, built as text (no dependency, no script, no font file): a
lifeline for each producer, the network (when a request or response is lost), the partition's
replicas (broker 1..n), the controller and the transaction coordinator (when they act), each
Kafka Streams processor and each consumer; one row per step of the text post-mortem, with the same step number. What a
step moves is an arrow from the process that holds it to the one that receives it (a send or
retry to the leader, a replica copy to the follower, a polled record to the consumer, an ack
back to the producer, an election from the controller); what happens inside one process is a
small box on its lifeline. A fault is red: a lightning marker on the process that fails, or a
cross where a lost request or response ends, and its row is tinted. A step that a setting made
fatal (the text report's "why it was fatal") is tinted amber and carries the warning. The
current leader's lifeline is drawn thick, a broker that is down dashed. A column is as wide as
its lifeline's name needs (never truncated), and text wraps only between words.

Deterministic: the same counterexample gives the same bytes. Every text is XML-escaped, so
each diagram parses as XML on its own.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mqcheck.result import Counterexample, Step
from mqcheck.trace.lifelines import Cast, cast_for, leader, outcome_parts, sender

# Geometry, in SVG user units (pixels at 100 %).
GUTTER = 46  # the step-number column
COL = 132  # distance between lifelines, at least (a long name widens its column)
NAME_CHAR_W = 7.6  # an average semi-bold glyph at the 12.5 px of a lane's name
NAME_PAD = 26
HEAD_Y = 10
HEAD_H = 40
TEXT_GAP = 18
TEXT_W = 560
CHAR_W = 6.9  # a conservative average glyph width at FONT px, for wrapping
FONT = 12
LINE = 15
ROW_MIN = 42
ARROW_DY = 23  # the arrow's height inside its row
WRAP = int(TEXT_W / CHAR_W)
WRAP_BOLD = int(TEXT_W / (CHAR_W * 1.12))  # semi-bold glyphs are wider

# Colours; FAULT and BROKER are also what the screenshot test looks for.
FAULT = "#dc2626"
FAULT_TINT = "#fdecec"
FATAL = "#d97706"
FATAL_TINT = "#fff3d4"
FATAL_TEXT = "#92400e"
INK = "#1f2937"
MUTED = "#64748b"
GRID = "#cbd5e1"
ROLE_COLOURS: dict[str, tuple[str, str]] = {  # role -> (stroke, header fill)
    "producer": ("#2563eb", "#dbeafe"),
    "network": ("#64748b", "#f1f5f9"),
    "broker": ("#0f766e", "#ccfbf1"),
    "controller": ("#7c3aed", "#ede9fe"),
    "coordinator": ("#7c3aed", "#ede9fe"),
    "processor": ("#b45309", "#fef3c7"),
    "consumer": ("#15803d", "#dcfce7"),
}
BROKER = ROLE_COLOURS["broker"][0]
FONT_FAMILY = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'DejaVu Sans', sans-serif"
)

_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: str) -> str:
    """Text safe inside an XML (and HTML) element or double-quoted attribute."""
    text = _INVALID_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def wrap(text: str, width: int = WRAP) -> list[str]:
    """Lines of at most `width` characters, broken only between words: a setting, an offset
    or a value cut in two reads as two different things (a token longer than a line keeps
    its own line)."""
    lines = textwrap.wrap(
        " ".join(text.split()), width=width, break_on_hyphens=False, break_long_words=False
    )
    return lines or [""]


def _num(value: float) -> str:
    """A coordinate without float noise (deterministic across platforms)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Lane:
    key: str  # "producer:web", "network", "broker:2", "controller", "coordinator",
    # "processor:x", "consumer:x"
    role: str
    name: str
    x: float
    width: float = COL  # the column's width: room for the whole name

    @property
    def right(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Shape:
    """What a step draws on the lifelines."""

    kind: str  # "arrow" | "box" | "band"
    src: str = ""  # lane key (arrow start, or the box's lane)
    dst: str = ""  # lane key (arrow end)
    tag: str = ""  # a short label next to the arrow or box
    dashed: bool = False  # a response (ack, error)
    lost: bool = False  # the arrow ends in a cross


def _column(name: str) -> float:
    return max(float(COL), len(name) * NAME_CHAR_W + NAME_PAD)


def _lanes(cex: Counterexample, cast: Cast) -> list[Lane]:
    actors = {s.actor for s in cex.steps}
    keys: list[tuple[str, str, str]] = [("producer:" + p, "producer", p) for p in cast.producers]
    if "network" in actors:
        keys.append(("network", "network", "network"))
    keys += [(f"broker:{b}", "broker", f"broker {b}") for b in range(1, cast.brokers + 1)]
    if "controller" in actors:
        keys.append(("controller", "controller", "controller"))
    if "coordinator" in actors:
        keys.append(("coordinator", "coordinator", "txn coordinator"))
    keys += [("processor:" + p, "processor", p) for p in cast.processors]
    keys += [("consumer:" + c, "consumer", c) for c in cast.consumers]
    lanes = []
    left = float(GUTTER)
    for key, role, name in keys:
        width = _column(name)
        lanes.append(Lane(key, role, name, left + width / 2, width))
        left += width
    return lanes


def _leader(state: Mapping[str, int], brokers: int) -> str | None:
    """The partition leader's lane key ("broker:2"), or None when there is none."""
    number = leader(state, brokers)
    return f"broker:{number}" if number else None


def _sender(cex: Counterexample, step: Step, default: str) -> str:
    """The lane of the producer that sent the step's message, or `default`."""
    name = sender(cex, step)
    return "producer:" + name if name is not None else default


def shape(
    cex: Counterexample,
    step: Step,
    before: Mapping[str, int],
    keys: Sequence[str],
    brokers: int,
    cast: Cast | None = None,
) -> Shape:
    """Where one step is drawn: an arrow from the process that holds what moves to the one
    that receives it, or a box on the lifeline of the process that acts (a processor's
    poll, processing and crash on the processor's own lifeline, via `cast`)."""
    lead = _leader(before, brokers)
    after = _leader(step.state, brokers)
    actor = cast.lane_of(step.actor) if cast is not None else step.actor
    me = actor if actor in keys else keys[0]
    first_producer = next((k for k in keys if k.startswith("producer:")), keys[0])
    msg = step.message or ""
    if not msg:  # a consumer's poll names the record it gets only in its text
        got = re.search(r"\bgets (m\d+)\b", step.text)
        msg = got.group(1) if got else ""
    kind = step.kind
    if kind in ("send", "retry") and lead:
        return Shape("arrow", me, lead, f"{'retry' if kind == 'retry' else 'produce'} {msg}")
    if kind == "request_lost":
        sender = _sender(cex, step, first_producer)
        end = "network" if "network" in keys else (lead or me)
        return Shape("arrow", sender, end, f"request {msg}", lost=True)
    if kind == "response_lost":
        start = lead or first_producer
        end = "network" if "network" in keys else _sender(cex, step, first_producer)
        return Shape("arrow", start, end, f"response {msg}", dashed=True, lost=True)
    if kind == "ack" and lead:
        return Shape("arrow", lead, me, f"ack {msg}", dashed=True)
    if kind == "reject" and step.actor.startswith("broker:"):
        return Shape("arrow", me, _sender(cex, step, first_producer), "error", dashed=True)
    if kind == "replicate" and lead and lead != me:
        if re.search(r"fetches offset \d+ from", step.text):
            return Shape("arrow", lead, me, "replicate")
        return Shape("arrow", me, lead, "fetch (caught up)")
    if kind == "fetch" and actor.startswith(("consumer:", "processor:")) and lead:
        return Shape("arrow", lead, me, f"poll {msg}".strip())
    if kind == "elect":
        if after and "controller" in keys:
            return Shape("arrow", "controller", after, "new leader")
        return Shape("box", "controller" if "controller" in keys else (after or me), tag="elect")
    if kind in ("txn_commit", "txn_abort") and step.actor == "coordinator" and lead:
        return Shape("arrow", "coordinator", lead, "COMMIT" if kind == "txn_commit" else "ABORT")
    if kind == "power_loss" and not step.actor.startswith("broker:"):
        return Shape("band", tag="power loss")
    return Shape("box", me, tag=TAGS.get(kind, kind.replace("_", " ")) + _msg_suffix(kind, msg))


TAGS = {
    "broker_crash": "crash",
    "power_loss": "power loss",
    "shutdown": "controlled shutdown",
    "disk_failure": "disk fails",
    "isolate": "cut off",
    "heal": "network heals",
    "rack_power_loss": "rack power loss",
    "retention_delete": "retention deletes",
    "offset_reset": "offset reset",
    "consumer_crash": "crash",
    "processor_crash": "crash",
    "producer_crash": "crash",
    "offsets_expire": "offsets expire",
    "delivery_timeout": "timeout",
    "stall": "stall",
    "rebalance": "rebalance",
    "isr_shrink": "ISR shrinks",
    "isr_expand": "ISR grows",
    "send_failed": "send fails",
    "txn_begin": "begin txn",
    "txn_commit": "commit txn",
    "txn_abort": "abort txn",
}


def _msg_suffix(kind: str, msg: str) -> str:
    return f" {msg}" if msg and kind in ("append", "process", "send", "retry") else ""


def fatal_steps(guarantee: str, cex: Counterexample) -> set[int]:
    """The steps the text report lists under "why it was fatal": a loss can come from an
    ordinary step (an acks=1 ack), a duplicate or reordering only from a fault."""
    seen: set[str] = set()
    out: set[int] = set()
    for s in cex.steps:
        if not s.hazard or s.hazard in seen:
            continue
        if guarantee != "at-least-once" and not s.fault:
            continue
        seen.add(s.hazard)
        out.add(s.i)
    return out


def outcome(cex: Counterexample) -> str:
    return "; ".join(outcome_parts(cex))


# ---------------------------------------------------------------------------------- drawing


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = FONT,
    fill: str = INK,
    anchor: str = "start",
    weight: str = "normal",
    halo: bool = False,
    cls: str = "",
) -> str:
    attrs = f'x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight != "normal":
        attrs += f' font-weight="{weight}"'
    if halo:
        attrs += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<text {attrs}>{esc(text)}</text>"


def _bolt(cx: float, cy: float, colour: str = FAULT) -> str:
    """A lightning marker centred on (cx, cy)."""
    pts = [(3, -14), (-8, 2), (-1, 2), (-4, 14), (8, -3), (1, -3), (5, -14)]
    points = " ".join(f"{_num(cx + dx)},{_num(cy + dy)}" for dx, dy in pts)
    return (
        f'<polygon class="fault-marker" points="{points}" fill="{colour}" stroke="#ffffff" '
        'stroke-width="1.5" stroke-linejoin="round"/>'
    )


def _cross(cx: float, cy: float) -> str:
    d = 6
    return (
        f'<g class="fault-marker" stroke="{FAULT}" stroke-width="3.5" stroke-linecap="round">'
        f'<line x1="{_num(cx - d)}" y1="{_num(cy - d)}" x2="{_num(cx + d)}" y2="{_num(cy + d)}"/>'
        f'<line x1="{_num(cx - d)}" y1="{_num(cy + d)}" x2="{_num(cx + d)}" y2="{_num(cy - d)}"/>'
        "</g>"
    )


def _arrow(x1: float, x2: float, y: float, colour: str, dashed: bool, lost: bool) -> list[str]:
    direction = 1 if x2 >= x1 else -1
    end = x2 - direction * (10 if lost else 3)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    out = [
        f'<line x1="{_num(x1)}" y1="{_num(y)}" x2="{_num(end)}" y2="{_num(y)}" '
        f'stroke="{colour}" stroke-width="2"{dash}/>'
    ]
    if lost:
        out.append(_cross(x2, y))
    else:
        tip = x2 - direction * 2
        base = tip - direction * 10
        out.append(
            f'<polygon points="{_num(tip)},{_num(y)} {_num(base)},{_num(y - 5)} '
            f'{_num(base)},{_num(y + 5)}" fill="{colour}"/>'
        )
    return out


def _head(lane: Lane, y: float) -> str:
    stroke, fill = ROLE_COLOURS.get(lane.role, ROLE_COLOURS["network"])
    w = lane.width - 14
    name = lane.name
    role = lane.role if lane.role in ("producer", "processor", "consumer") else ""
    parts = [
        f'<g class="lane-head" data-lane="{esc(lane.key)}">',
        f"<title>{esc(lane.role + ' ' + lane.name if role else lane.name)}</title>",
        f'<rect x="{_num(lane.x - w / 2)}" y="{_num(y)}" width="{_num(w)}" height="{HEAD_H}" '
        f'rx="7" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>',
    ]
    if role:
        parts.append(_text(lane.x, y + 15, role, size=10, fill=stroke, anchor="middle"))
        parts.append(_text(lane.x, y + 31, name, size=12.5, anchor="middle", weight="600"))
    else:
        parts.append(_text(lane.x, y + 25, name, size=12.5, anchor="middle", weight="600"))
    parts.append("</g>")
    return "".join(parts)


def _lifeline(lane: Lane, y1: float, y2: float, state: Mapping[str, int], lead: str | None) -> str:
    stroke = ROLE_COLOURS.get(lane.role, ROLE_COLOURS["network"])[0]
    if lane.role == "broker":
        number = int(lane.key.split(":")[1])
        if state.get(f"alive_{number - 1}", 1) == 0:
            return (
                f'<line class="lifeline down" x1="{_num(lane.x)}" y1="{_num(y1)}" '
                f'x2="{_num(lane.x)}" y2="{_num(y2)}" stroke="{GRID}" stroke-width="1.5" '
                'stroke-dasharray="3 5"/>'
            )
        if lane.key == lead:
            return (
                f'<line class="lifeline leader" x1="{_num(lane.x)}" y1="{_num(y1)}" '
                f'x2="{_num(lane.x)}" y2="{_num(y2)}" stroke="{stroke}" stroke-width="4"/>'
            )
    return (
        f'<line class="lifeline" x1="{_num(lane.x)}" y1="{_num(y1)}" x2="{_num(lane.x)}" '
        f'y2="{_num(y2)}" stroke="{GRID}" stroke-width="1.5"/>'
    )


def _follower(step: Step) -> str | None:
    """The follower an ISR change is about ("follower broker 3 falls behind ...")."""
    match = re.search(r"follower broker (\d+)", step.text)
    return f"broker:{match.group(1)}" if match else None


def render_sequence_svg(
    cex: Counterexample,
    guarantee: str,
    title: str = "",
    producers: Sequence[str] = (),
    consumers: Sequence[str] = (),
    brokers: int | None = None,
    processors: Sequence[str] = (),
) -> str:
    """One counterexample as an `<svg>` element (with its namespace, no XML declaration)."""
    cast = cast_for(cex, producers, consumers, brokers, processors)
    lanes = _lanes(cex, cast)
    by_key = {lane.key: lane for lane in lanes}
    n_brokers = sum(1 for lane in lanes if lane.role == "broker")
    text_x = (lanes[-1].right if lanes else GUTTER) + TEXT_GAP
    width = text_x + TEXT_W + 12
    fatal = fatal_steps(guarantee, cex)

    tints: list[str] = []
    body: list[str] = []
    lifelines: list[str] = []
    y = HEAD_Y + HEAD_H + 10
    before: Mapping[str, int] = cex.initial_state
    steps = cex.steps
    if not steps:
        lines = wrap(
            "No step needed: from the initial state no run, even without faults, "
            "gets every message processed (the configuration itself makes it "
            "impossible)."
        )
        h = max(ROW_MIN, LINE * len(lines) + 16)
        for lane in lanes:
            lifelines.append(_lifeline(lane, y, y + h, before, _leader(before, n_brokers)))
        for k, line in enumerate(lines):
            body.append(_text(text_x, y + 18 + k * LINE, line))
        y += h
    for step in steps:
        lead = _leader(before, n_brokers)
        is_fault = bool(step.fault)
        is_fatal = step.i in fatal
        text_lines = wrap(step.text)
        hazard_lines = wrap("⚠ " + step.hazard, WRAP_BOLD) if is_fatal and step.hazard else []
        header = 1 if is_fault else 0
        n_lines = header + len(text_lines) + len(hazard_lines)
        h = max(ROW_MIN, LINE * n_lines + 16)
        row_cls = "step" + (" fault" if is_fault else "") + (" fatal" if is_fatal else "")
        if is_fault or is_fatal:  # under the lifelines
            tint = FAULT_TINT if is_fault else FATAL_TINT
            edge = FAULT if is_fault else FATAL
            tints.append(
                f'<rect class="{"fault-row" if is_fault else "fatal-row"}" x="2" '
                f'y="{_num(y + 1)}" width="{_num(width - 4)}" height="{_num(h - 2)}" rx="6" '
                f'fill="{tint}"/><rect x="2" y="{_num(y + 1)}" width="4" '
                f'height="{_num(h - 2)}" fill="{edge}"/>'
            )
        body.append(f'<g class="{row_cls}" data-step="{step.i}">')
        body.append(f"<title>{esc(f'{step.i}. {step.text}')}</title>")
        for lane in lanes:
            lifelines.append(_lifeline(lane, y, y + h, before, lead))
        # the step number, as in the text post-mortem
        badge = FAULT if is_fault else (FATAL if is_fatal else "#334155")
        cy = y + ARROW_DY
        body.append(f'<circle cx="{_num(GUTTER / 2 + 2)}" cy="{_num(cy)}" r="12" fill="{badge}"/>')
        body.append(
            _text(
                GUTTER / 2 + 2,
                cy + 4.2,
                str(step.i),
                size=11.5,
                fill="#ffffff",
                anchor="middle",
                weight="700",
            )
        )
        body += _draw_shape(cex, step, before, cast, by_key, n_brokers, cy, is_fault)
        # the label: fault header, the step's text, the warning
        ty = y + 18
        if is_fault:
            body.append(
                _text(text_x, ty, f"FAULT · {step.fault}", size=10.5, fill=FAULT, weight="700")
            )
            ty += LINE
        for line in text_lines:
            body.append(_text(text_x, ty, line, fill=INK))
            ty += LINE
        for line in hazard_lines:
            body.append(_text(text_x, ty, line, fill=FATAL_TEXT, weight="600"))
            ty += LINE
        body.append("</g>")
        y += h
        before = step.state
    result = outcome(cex)
    if result:
        y += 6
        label = f"Outcome: {result}"
        box_w = min(width - GUTTER - 12, max(220.0, len(label) * 7.6 + 32))
        body.append(
            f'<g class="outcome"><rect x="{_num(GUTTER)}" y="{_num(y)}" width="{_num(box_w)}" '
            f'height="30" rx="15" fill="#fef2f2" stroke="{FAULT}" stroke-width="1.5"/>'
            + _text(GUTTER + 16, y + 20, label, size=13, fill="#991b1b", weight="700")
            + "</g>"
        )
        for lane in lanes:
            lifelines.append(_lifeline(lane, y - 6, y + 36, before, _leader(before, n_brokers)))
        y += 36
    height = y + 8
    heads = [_head(lane, HEAD_Y) for lane in lanes]
    heads.append(_text(text_x, HEAD_Y + 26, "what happened", size=11, fill=MUTED, weight="600"))
    label = title or f"{guarantee} violated"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" role="img" '
        f'width="{_num(width)}" height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'font-family="{esc(FONT_FAMILY)}" font-size="{FONT}">'
        f"<title>{esc(label)}</title>"
        + "".join(tints)
        + "".join(lifelines)
        + "".join(heads)
        + "".join(body)
        + "</svg>"
    )


def _draw_shape(
    cex: Counterexample,
    step: Step,
    before: Mapping[str, int],
    cast: Cast,
    by_key: Mapping[str, Lane],
    n_brokers: int,
    cy: float,
    is_fault: bool,
) -> list[str]:
    sh = shape(cex, step, before, list(by_key), n_brokers, cast)
    out: list[str] = []
    if sh.kind == "band":  # every broker at once (a datacenter power loss)
        brokers = [lane for lane in by_key.values() if lane.role == "broker"]
        xs = [lane.x for lane in brokers]
        left = brokers[0].x - brokers[0].width / 2 + 8
        right = brokers[-1].right - 8
        out.append(
            f'<rect x="{_num(left)}" y="{_num(cy - 17)}" width="{_num(right - left)}" height="34" '
            f'rx="6" fill="none" stroke="{FAULT}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        out += [_bolt(x, cy) for x in xs]
        out.append(
            _text(
                left - 6,
                cy + 4,
                sh.tag,
                size=10.5,
                fill=FAULT,
                anchor="end",
                weight="700",
                halo=True,
            )
        )
        return out
    if sh.kind == "arrow":
        a, b = by_key[sh.src], by_key[sh.dst]
        colour = FAULT if is_fault else ROLE_COLOURS.get(a.role, ROLE_COLOURS["network"])[0]
        if a.key == b.key:  # degenerate: draw as a box
            sh = Shape("box", sh.src, tag=sh.tag)
        else:
            out += _arrow(a.x, b.x, cy, colour, sh.dashed, sh.lost)
            out.append(
                _text(
                    (a.x + b.x) / 2,
                    cy - 6,
                    sh.tag,
                    size=10.5,
                    fill=colour,
                    anchor="middle",
                    halo=True,
                )
            )
            return out
    lane = by_key[sh.src]
    stroke = ROLE_COLOURS.get(lane.role, ROLE_COLOURS["network"])[0]
    if is_fault:
        out.append(_bolt(lane.x, cy))
        follower = _follower(step) if step.kind in ("isr_shrink", "isr_expand") else None
        if follower and follower in by_key and follower != lane.key:
            # the follower that fell behind: a dotted link from the leader, crossed out
            target = by_key[follower]
            direction = 1 if target.x > lane.x else -1
            out.append(
                f'<line x1="{_num(lane.x + direction * 10)}" y1="{_num(cy)}" '
                f'x2="{_num(target.x - direction * 9)}" y2="{_num(cy)}" stroke="{FAULT}" '
                'stroke-width="1.5" stroke-dasharray="2 4"/>'
            )
            out.append(_cross(target.x, cy))
        tag_colour = FAULT
    else:
        out.append(
            f'<rect x="{_num(lane.x - 7)}" y="{_num(cy - 9)}" width="14" height="18" rx="3" '
            f'fill="#ffffff" stroke="{stroke}" stroke-width="2"/>'
        )
        tag_colour = stroke
    # the tag goes right of the lifeline, or left of it on the last lane (the text column
    # is on the right) and when a crossed-out link already runs to the right
    last = max(by_key.values(), key=lambda la: la.x)
    right = lane.key != last.key and not (is_fault and _follower_right(step, lane, by_key))
    out.append(
        _text(
            lane.x + 13 if right else lane.x - 13,
            cy + 4,
            sh.tag,
            size=10.5,
            fill=tag_colour,
            anchor="start" if right else "end",
            halo=True,
            weight="700" if is_fault else "normal",
        )
    )
    return out


def _follower_right(step: Step, lane: Lane, by_key: Mapping[str, Lane]) -> bool:
    if step.kind not in ("isr_shrink", "isr_expand"):
        return False
    follower = _follower(step)
    return follower is not None and follower in by_key and by_key[follower].x > lane.x
