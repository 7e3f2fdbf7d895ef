"""The methodology page's figures: one China flight under each method, the sources linked, the six
trips compared, and myclimate's published formula worked by hand."""

from __future__ import annotations

from decimal import Decimal

from app.services import footprint as fp
from app.services.footprint import methodology

D = Decimal


def test_one_china_flight_under_each_method():
    rows = {m.factor.id: m.kg for m in methodology.flight_methods()}
    # PEK-CTU 1,556.066 km: x 0.10916 = 169.860..., x 0.06449 = 100.350..., x 0.22928 = 356.775..., x 0.13552
    assert rows["flight:international:economy:rf"] == D("169.86016456")
    assert rows["flight:domestic:economy:rf"] == D("1556.066") * D("0.22928")
    assert len(rows) == 4


def test_every_edition_with_a_source_row_links_somewhere():
    linked = {f.edition for f in fp.factor_table() if methodology.source_for(f.edition)}
    assert {"DESNZ 2025", "MEE 2023", "Scarborough 2014", "Poore & Nemecek 2018"} <= linked
    assert methodology.source_for("DESNZ 2025").url.startswith("https://www.gov.uk/")
    assert methodology.source_for("carbondot-2 + Poore & Nemecek 2018").edition == "Poore & Nemecek 2018"


def test_six_trips_are_compared():
    trips = methodology.trips()
    assert len(trips) == 6
    for t in trips:
        assert t.without_rf < t.ours < t.myclimate and t.why


def test_myclimate_column_by_hand():
    """myclimate's published formula, by hand (app/data/myclimate_flight.csv):
    E = (a x^2 + b x + c) / (S PLF) (1 - CF) CW (EF M + P) + AF x + A, x = km + 95.
    Short haul at 1,000 km: x = 1095; 2.714 x 1095 + 1166.52 = 4138.35; / (153.51 x 0.82 = 125.8782) = 32.875828;
    x 0.93 x 0.96 x (3.15 x 2 + 0.54 = 6.84) = 200.7645; + 0.00038 x 1095 + 11.68 = 212.861 kg.
    PEK-CTU, 1,556.066 km, between the bands: short(1500) = 278.883 (x = 1595: 5495.35 / 125.8782 = 43.65609,
    x 0.93 x 0.96 x 6.84 = 266.5969, + 0.6061 + 11.68), long(2500) = 438.319 (x = 2595: 0.0001 x 2595^2 +
    7.104 x 2595 + 5044.93 = 24153.2125; / 229.7722 = 105.11808, x 0.74 x 0.80 x 6.84 = 425.6525, + 0.9861 + 11.68);
    278.883 + 0.056066 x (438.319 - 278.883) = 287.82 kg.
    """
    assert methodology.myclimate_kg(Decimal(1000)).quantize(Decimal("0.001")) == Decimal("212.861")
    assert methodology.myclimate_kg(Decimal("1556.066")).quantize(Decimal("0.01")) == Decimal("287.82")
    assert methodology.myclimate_kg(Decimal(1500)) < methodology.myclimate_kg(Decimal(2000)) < \
        methodology.myclimate_kg(Decimal(2500)) < methodology.myclimate_kg(Decimal(2600))
    pek_ctu = methodology.trips()[0]
    assert pek_ctu.myclimate.quantize(Decimal("0.01")) == Decimal("287.82")
