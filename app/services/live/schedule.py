"""When an event is over: it has a last day (ends_on) and that day is before today.
An event without one (a scenic area, a shop, a hotel) goes on.

A live event whose dates have passed still takes visitors (a trip made to it can
still be neutralized), but lists say it has ended and show it after the ones to come."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...models import Event


def ended(event: Event, today: dt.date) -> bool:
    return event.status != "live" or (event.ends_on is not None and event.ends_on < today)


@dataclass(frozen=True)
class Listed:
    event: Event
    ended: bool


def live_first(events: list[Event], today: dt.date) -> list[Listed]:
    """The events as given (newest first), with the ended ones moved after the others."""
    listed = [Listed(e, ended(e, today)) for e in events]
    return [x for x in listed if not x.ended] + [x for x in listed if x.ended]
