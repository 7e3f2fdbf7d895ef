"""Certificate ids and numbers, and the words printed on a certificate:
public tokens, readable numbers, tonnes, labels and dates per language."""
from __future__ import annotations

import datetime
import secrets


def new_token() -> str:
    """Unguessable URL-safe token for a certificate's public link (144 bits)."""
    return secrets.token_urlsafe(18)


def format_number(seq: int, year: int) -> str:
    """Readable certificate number: format_number(42, 2026) -> "CD-2026-000042"."""
    if seq < 0 or not 0 < year <= 9999:
        raise ValueError(f"bad certificate sequence/year: {seq!r}/{year!r}")
    return f"CD-{year:04d}-{seq:06d}"


def format_tonnes(kg: int) -> str:
    """Kilograms as tonnes, exact to the kilogram: 420 -> "0.42 t", 1 -> "0.001 t".

    Three decimals with trailing zeros trimmed down to two; thousands grouped:
    1000 -> "1.00 t", 1234 -> "1.234 t", 1234567 -> "1,234.567 t".
    """
    if kg < 0:
        raise ValueError("kg must not be negative")
    whole, rest = divmod(int(kg), 1000)
    decimals = f"{rest:03d}"
    if decimals.endswith("0"):
        decimals = decimals[:2]
    return f"{whole:,}.{decimals} t"


LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Carbon Neutral Certificate of Honor",
        "certifies": "This certifies that",
        "neutralized": "has neutralized",
        "at": "at",
        "through": "through",
        "serials": "Serial numbers",
        "number": "Certificate No.",
        "issued": "Issued on",
        "verify": "Verify",
        "scan": "Scan to verify",
        "anonymous": "Anonymous visitor",
        "more": "+{n} more",
        "co2e": "CO\u2082e",
    },
    "zh": {
        "title": "碳中和荣誉证书",
        "certifies": "兹证明",
        "neutralized": "已抵消",
        "at": "参加",
        "through": "通过",
        "serials": "减排量序列号",
        "number": "证书编号",
        "issued": "签发日期",
        "verify": "验证",
        "scan": "扫码验证",
        "anonymous": "匿名访客",
        "more": "另有 {n} 段",
        "co2e": "CO\u2082e",
    },
    "fil": {
        "title": "Sertipiko ng Karangalan sa Carbon Neutral",
        "certifies": "Pinatutunayan nito na si",
        "neutralized": "ay nag-neutralize ng",
        "at": "sa",
        "through": "sa pamamagitan ng",
        "serials": "Mga serial number",
        "number": "Blg. ng Sertipiko",
        "issued": "Inisyu noong",
        "verify": "I-verify",
        "scan": "I-scan para i-verify",
        "anonymous": "Di-kilalang bisita",
        "more": "+{n} pa",
        "co2e": "CO\u2082e",
    },
}

_LANGUAGE_ALIASES = {"tl": "fil", "zh-cn": "zh", "zh-hans": "zh", "zh_cn": "zh"}

_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
    "fil": ("Enero", "Pebrero", "Marso", "Abril", "Mayo", "Hunyo", "Hulyo",
            "Agosto", "Setyembre", "Oktubre", "Nobyembre", "Disyembre"),
}


def _language(language: str | None) -> str:
    code = (language or "en").strip().lower()
    code = _LANGUAGE_ALIASES.get(code, code)
    if code not in LABELS:
        code = code.replace("_", "-").split("-")[0]
        code = _LANGUAGE_ALIASES.get(code, code)
    return code if code in LABELS else "en"


def labels(language: str | None) -> dict[str, str]:
    """Fixed certificate texts for a language; unknown languages get English."""
    return LABELS[_language(language)]


def format_date(day: datetime.date, language: str | None = "en") -> str:
    lang = _language(language)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    if lang == "fil":
        return f"{_MONTHS['fil'][day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {_MONTHS['en'][day.month - 1]} {day.year}"
