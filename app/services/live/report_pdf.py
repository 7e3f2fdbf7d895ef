"""The event report as a PDF (A4), from the same `report.EventReport` as the HTML page.

fpdf2 (pure Python, on PyPI, no system libraries) embeds a subset of each font
it uses: Noto Sans for Latin and Filipino, Noto Sans SC as the fallback for
Chinese (the certificate's own font chain, from pip packages; see
`typesetting.font_paths`). Subsetting is safe here: fpdf2 subsets to the
characters this document uses, so a rare character in a project or event name
is kept, never cut to a common-character list.

No Flask: the caller passes the texts' translator (`_`, a gettext in the
event's language) and the formatters for kilograms, money and dates.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import qrcode
from fpdf import FPDF
from fpdf.fonts import FontFace
from qrcode.constants import ERROR_CORRECT_M

from ..certificates import typesetting
from .report import EventReport

INK = (29, 43, 36)
MUTED = (90, 100, 94)
GREEN = (15, 81, 50)


@dataclass(frozen=True)
class Formats:
    """The reader's formatters (the page's own filters, in the event's language)."""

    tonnes: Callable[[Decimal | int], str]
    kg: Callable[[Decimal | int], str]
    money: Callable[[int, str], str]
    day: Callable[[dt.date], str]
    moment: Callable[[dt.datetime], str]


def _kind_label(_: Callable[..., str], kind: str) -> str:
    return {"visitor": _("Visitors"), "operations": _("The event's operations"),
            "sponsor": _("Sponsors")}.get(kind, kind)


class _Pdf(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        latin, cjk = typesetting.font_paths()[:2]
        self.add_font("NotoSans", "", latin)
        self.add_font("NotoSansSC", "", cjk)
        self.set_font("NotoSans", size=10)
        self.set_fallback_fonts(["NotoSansSC"], exact_match=False)
        self.set_auto_page_break(True, margin=16)
        self.set_margins(15, 15, 15)

    def footer(self):
        self.set_y(-12)
        self.set_font("NotoSans", size=7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}", align="C")
        self.set_text_color(*INK)


def _heading(pdf: _Pdf, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("NotoSans", size=13)
    pdf.set_text_color(*GREEN)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(*INK)
    pdf.set_font("NotoSans", size=9.5)


def _para(pdf: _Pdf, text: str, size: float = 9.5, muted: bool = False) -> None:
    pdf.set_font("NotoSans", size=size)
    if muted:
        pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")  # justified CJK spreads apart
    pdf.set_text_color(*INK)


def _table(pdf: _Pdf, header: list[str], rows: list[list[str]], widths: tuple[int, ...],
           aligns: tuple[str, ...] | None = None) -> None:
    pdf.set_font("NotoSans", size=8.5)
    with pdf.table(col_widths=widths, text_align=aligns or "LEFT", line_height=4.6, padding=1,
                   headings_style=FontFace(color=GREEN), borders_layout="HORIZONTAL_LINES",
                   first_row_as_headings=True) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(1)


def _qr_png(url: str):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, box_size=8)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image()


def render(report: EventReport, _: Callable[..., str], fmt: Formats) -> bytes:
    """The report's PDF bytes, every text in the reader's language."""
    pdf = _Pdf(_("CarbonDot event report · %(event)s", event=report.name))
    pdf.set_title(_("Carbon report: %(event)s", event=report.name))
    pdf.set_lang(report.language)
    pdf.set_creator("CarbonDot")
    pdf.add_page()

    # Title block, with the QR code of the public event page on the right
    pdf.image(_qr_png(report.public_url), x=165, y=13, w=30, h=30, link=report.public_url,
              alt_text=_("QR code of the event's public page"))
    pdf.set_xy(15, 15)
    pdf.set_font("NotoSans", size=9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(145, 5, _("Carbon report"), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(*INK)
    pdf.set_font("NotoSans", size=18)
    pdf.multi_cell(145, 9, report.name, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("NotoSans", size=9.5)
    facts = [report.organization]
    if report.starts_on:
        days = fmt.day(report.starts_on)
        if report.ends_on and report.ends_on != report.starts_on:
            days = f"{days} – {fmt.day(report.ends_on)}"
        facts.append(days)
    facts.append(", ".join(p for p in (report.venue, report.city) if p))
    pdf.multi_cell(145, 5, " · ".join(f for f in facts if f), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(145, 5, report.public_url, new_x="LMARGIN", new_y="NEXT", link=report.public_url, align="L")
    pdf.set_text_color(*INK)
    pdf.set_y(max(pdf.get_y(), 46))

    # Scope and method
    _heading(pdf, _("Scope and method"))
    _para(pdf, _("This report covers every paid neutralization for the event on CarbonDot up to %(when)s: "
                 "visitors' own trips as each of them entered them, the organizer's operations, and sponsors.",
                 when=fmt.moment(report.generated_at)))
    used = ", ".join(report.methodologies) or report.current_methodology
    _para(pdf, _("Method version: %(used)s (current: %(current)s). Every factor, with its source, is on the "
                 "methodology page.", used=used, current=report.current_methodology))
    if report.expected_attendance:
        _para(pdf, _("Expected attendance: %(n)s.", n=f"{report.expected_attendance:,}"))

    # The estimate
    _heading(pdf, _("The event's estimated footprint"))
    if report.estimate:
        rows = [[line.label, fmt.tonnes(line.kg), line.source] for line in report.estimate]
        rows.append([_("Total"), fmt.tonnes(report.estimate_kg), ""])
        _table(pdf, [_("Category"), _("CO₂e"), _("Factor source")], rows, (60, 30, 90), ("LEFT", "RIGHT", "LEFT"))
    else:
        _para(pdf, _("No estimate entered yet."), muted=True)

    # Who neutralized what
    _heading(pdf, _("Neutralized, and by whom"))
    rows = []
    for line in report.neutralized:
        who = _kind_label(_, line.kind)
        if line.kind == "visitor":
            who = f"{who} ({_('distinct visitors: %(n)s', n=report.participants)})"
        rows.append([who, str(line.orders), fmt.tonnes(line.kg)])
    for sponsor in report.sponsors:
        rows.append([f"{_('Sponsor')}: {sponsor.name}", "", fmt.tonnes(sponsor.kg)])
    rows.append([_("Total"), "", fmt.tonnes(report.total_kg)])
    _table(pdf, [_("Who"), _("Orders"), _("CO₂e")], rows, (110, 30, 40), ("LEFT", "RIGHT", "RIGHT"))
    if report.estimate and report.estimate_kg:
        share = (Decimal(report.total_kg) * 100 / report.estimate_kg).quantize(Decimal("1"))
        _para(pdf, _("Share of the estimate covered: %(p)s %%.", p=share))

    # Projects and serial ranges
    _heading(pdf, _("Projects and serial ranges"))
    if not report.projects:
        _para(pdf, _("Nothing neutralized yet."), muted=True)
    for p in report.projects:
        pdf.set_font("NotoSans", size=10.5)
        pdf.multi_cell(0, 5.5, f"{p.name} · {fmt.tonnes(p.kg)}", new_x="LMARGIN", new_y="NEXT", align="L")
        _para(pdf, " · ".join(x for x in (p.kind, p.standard, _("vintage %(y)s", y=p.vintage), p.place, p.country)
                              if x), size=8.5, muted=True)
        _table(pdf, [_("First serial"), _("Last serial"), _("CO₂e")],
               [[s.first, s.last, fmt.kg(s.kg)] for s in p.serials], (75, 75, 30), ("LEFT", "LEFT", "RIGHT"))

    # Money
    _heading(pdf, _("Where the money went"))
    if report.money:
        _table(pdf, [_("Currency"), _("Paid"), _("Projects' owners"), _("Platform fee"), _("Payment fees")],
               [[m.currency, fmt.money(m.paid_minor, m.currency), fmt.money(m.owners_minor, m.currency),
                 fmt.money(m.fee_minor, m.currency), fmt.money(m.payment_fee_minor, m.currency)]
                for m in report.money], (25, 40, 40, 40, 35), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))
    else:
        _para(pdf, _("No payments yet."), muted=True)

    # The register
    _heading(pdf, _("Every retirement in the public register"))
    _para(pdf, _("Checkpoint %(origin)s, %(size)s entries, root %(root)s. Every entry listed below is inside it.",
                 origin=report.checkpoint_origin, size=report.checkpoint_size, root=report.checkpoint_root_hex),
          size=8.5)
    if report.retirements:
        rows = []
        for r in report.retirements:
            entry = f"#{r.register_index}" if r.register_index is not None else "—"
            if r.revoked:
                entry = f"{entry} ({_('revoked')})"
            serials = "\n".join(f"{s.first} – {s.last}" for s in r.serials)
            rows.append([r.number, _kind_label(_, r.kind), r.project, fmt.kg(r.kg), serials, entry])
        _table(pdf, [_("Certificate"), _("By"), _("Project"), _("CO₂e"), _("Serials"), _("Register entry")], rows,
               (27, 22, 38, 14, 58, 21), ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT"))
    _heading(pdf, _("How to check this report"))
    _para(pdf, _("Anyone can download the register and check it with the public verifier "
                 "(%(url)s): it checks the signed checkpoint, recomputes the tree from every entry "
                 "and finds each certificate number listed above.",
                 url=f"{report.site_url}/registry"), size=8.5)
    example = report.verifiable
    if example is not None:
        _para(pdf, _("For example, the organizer's certificate %(number)s:", number=example.number), size=8.5)
        _para(pdf, f"python registry_verify.py {report.site_url} --certificate={example.token}", size=8.5)
    return bytes(pdf.output())
