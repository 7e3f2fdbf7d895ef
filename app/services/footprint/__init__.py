"""CarbonDot footprint engine: journeys, hotel nights, meals and shopping to kg CO2e.

Pure functions over frozen dataclasses, with Decimal arithmetic throughout.
Every emission factor and method parameter is data in app/data/factors.csv
(comparison bases in app/data/comparisons.csv), so a result can always name the
value, unit, source and year it used. Results carry METHODOLOGY so a stored
footprint says which edition of the factors produced it.

Method in short (details in each factor's note):
- Flights: great-circle distance between the two places (haversine, mean Earth
  radius), times the DESNZ factor for the category and cabin, with or without
  radiative forcing (every flight item says which). DESNZ's 8% routing uplift
  is already inside its factors, so it is not added to the distance again.
  Category (carbondot-2): a flight that does not touch the UK, domestic or
  international, takes DESNZ's "International, to/from non-UK" factor by cabin
  (DESNZ publishes no distance bands for it); a flight within the UK takes the
  UK domestic factor; a flight with one end in the UK is short-haul below 3,700
  km and long-haul from 3,700 km (our threshold: DESNZ defines haul by
  destination, not distance), never priced below a 3,700 km short-haul flight in
  the same cabin (carbondot-3: a longer flight is never cheaper). A flight typed
  by distance is non-UK unless its country is GB.
- Ground legs: the typed distance, or great-circle times a detour factor
  (road or rail). Cars, taxis and motorbikes use a per-vehicle factor shared by
  the people on board (a taxi's riders); an electric car driven within China
  is re-priced on China's grid, DESNZ's UK grid losses taken out first
  (carbondot-3). A return trip counts exactly twice the one-way trip.
- A journey made several times ("trips", may be a fraction: a month's share of a
  year's flights) counts that many times. A journey typed by distance with a
  "country" is taken to be within that country: a flight is domestic, an
  electric car in China runs on China's grid.
- Hotels per room night by country; shopping per kg. A meal is a stated portion
  (app/data/meal_portions.csv) priced with the shopping factors, so a beef meal
  is a beef meal; the diet kinds (diet_*) are a whole diet's average meal, for
  the life page.
- Home energy: electricity per kWh by province where MEE's provincial factor is
  recorded, else the province's regional grid, else national (MEE/NBS 2023,
  CO2 only; carbondot-3); natural gas per kWh (gross calorific value) or per m3,
  by DESNZ.
"""

from __future__ import annotations

from .engine import *  # noqa: F403
from .factors import *  # noqa: F403
from .parsing import *  # noqa: F403
