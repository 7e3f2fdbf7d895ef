"""Configuration from the environment.

Development is the default; Testing is used by the suite; Production refuses to
start without a real SECRET_KEY.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-not-secret"


def database_url(raw: str | None, default: str) -> str:
    """Normalise DATABASE_URL so plain postgres URLs use psycopg 3."""
    url = raw or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL"), f"sqlite:///{BASE_DIR / 'instance' / 'carbondot.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_CHECKOUT_ORIGIN = os.environ.get("STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com")

    # Holds sized to people (README "Holds and limits"). A checkout holds its credits this
    # long; opening a Stripe Checkout session extends the hold to the session's life (30+ min).
    HOLD_MINUTES = int(os.environ.get("HOLD_MINUTES", "15"))
    PLATFORM_FEE_PERCENT = int(os.environ.get("PLATFORM_FEE_PERCENT", "10"))
    MAX_ORDER_KG = int(os.environ.get("MAX_ORDER_KG", "1000000"))  # any order (organizers' operations)
    # A visitor/API/kiosk order is at most a plausible personal footprint: a long-haul
    # business-class return is about 7 t here (PEK-JFK: 6.95 t), and the life page sells
    # a whole year (China about 8 t a person, the US about 15 t). 20 t covers both.
    VISITOR_MAX_KG = int(os.environ.get("VISITOR_MAX_KG", "20000"))
    # One browser or API client address holds at most this share of a project's credits at once.
    HOLD_SHARE_PERCENT = int(os.environ.get("HOLD_SHARE_PERCENT", "5"))

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60 per minute")
    API_WRITE_RATE_LIMIT = os.environ.get("API_WRITE_RATE_LIMIT", "10 per minute")

    WTF_CSRF_TIME_LIMIT = None  # a kiosk or a slow visitor may keep a page open for hours
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "zh", "fil")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PARTICIPANT_COOKIE = "cd_participant"
    SECURE_COOKIES = False


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "http://localhost"
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    # Test projects hold 10,000 kg and every test client is 127.0.0.1: tests of the
    # share rule set it themselves (tests/services/test_holds.py).
    HOLD_SHARE_PERCENT = 100


class ProductionConfig(Config):
    SECURE_COOKIES = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Fail fast: production without a real SECRET_KEY is a mistake. BASE_URL is not
        required: without it, absolute links (posters, QR codes, Stripe return URLs)
        use the request's host."""
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET or len(cls.SECRET_KEY) < 16:
            raise RuntimeError("SECRET_KEY must be set to a long random value in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
