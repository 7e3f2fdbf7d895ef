"""The 1200x630 link-preview image made for an event (Open Graph): its name, place
and date on the house colours. Pillow through the shared typesetting (any script).
Flask-free; deterministic, so the route can cache and ETag it."""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from .typesetting import Span, block_height, draw_block, fit_block

WIDTH, HEIGHT = 1200, 630
GREEN, CREAM, INK, MUTED = "#0f5132", "#fbf8f1", "#1d2a24", "#54615a"


@dataclass(frozen=True)
class EventCard:
    name: str
    place: str  # venue and city
    when: str  # a date or "" for a place that goes on
    call: str  # the invitation, e.g. "Scan, calculate, neutralize"


def render(card: EventCard) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), CREAM)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 24), fill=GREEN)
    draw.rectangle((0, HEIGHT - 96, WIDTH, HEIGHT), fill=GREEN)
    margin = 80
    width = WIDTH - 2 * margin
    blocks = [fit_block([Span(card.name, "Bold", INK)], width, 76, 44, 2)]
    detail = " · ".join(part for part in (card.place, card.when) if part)
    if detail:
        blocks.append(fit_block([Span(detail, "Regular", MUTED)], width, 36, 24, 2))
    gap = 28
    total = sum(block_height(b) for b in blocks) + gap * (len(blocks) - 1)
    top = 24 + (HEIGHT - 96 - 24 - total) / 2
    for block in blocks:
        draw_block(draw, block, top, margin, width)
        top += block_height(block) + gap
    foot = fit_block([Span("CarbonDot  ·  " + card.call, "SemiBold", CREAM)], width, 34, 22, 1)
    draw_block(draw, foot, HEIGHT - 96 + (96 - block_height(foot)) / 2, margin, width)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
