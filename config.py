"""Configuration from the environment.

Production is the default: any start that does not say CARBONDOT_ENV=development
(as `make run` does) refuses without a real SECRET_KEY and BASE_URL. Testing is
used by the suite.
"""
import datetime as dt
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
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "2"))  # PostgreSQL connections a gevent worker keeps
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
    RATELIMIT_STRATEGY = "moving-window"  # no double burst at a window edge (and no flaky limit tests)
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60 per minute")
    API_WRITE_RATE_LIMIT = os.environ.get("API_WRITE_RATE_LIMIT", "10 per minute")

    WTF_CSRF_TIME_LIMIT = None  # a kiosk or a slow visitor may keep a page open for hours
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "zh", "fil")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = dt.timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14")))
    # Request hardening (app/web/validation.py): body size, JSON depth; HSTS and proxies.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_BODY_BYTES", str(256 * 1024)))
    # A request body must be in within this (gevent workers; app/web/serving.py WholeBody), else 408.
    BODY_SECONDS = int(os.environ.get("BODY_SECONDS", "60"))
    MAX_JSON_DEPTH = 12
    HSTS_SECONDS = 0
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Redis down: count in memory rather than fail every request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    CHECKOUT_RATE_LIMIT = os.environ.get("CHECKOUT_RATE_LIMIT", "10 per minute")
    PARTICIPANT_COOKIE = "cd_participant"
    # A kiosk with no touch for this long goes back to its home, in the event's language.
    KIOSK_IDLE_SECONDS = int(os.environ.get("KIOSK_IDLE_SECONDS", "60"))
    # A live fragment's poll may be answered 304 from a stamp read this long ago in the same process (app/web/live.py).
    LIVE_STAMP_SECONDS = float(os.environ.get("LIVE_STAMP_SECONDS", "1"))
    SECURE_COOKIES = False

    # The public register's Ed25519 key: base64 of a raw 32-byte seed (`flask registry-key` prints one).
    # Unset outside production, one is generated once and kept in instance/registry-signing-key.
    REGISTRY_SIGNING_KEY = os.environ.get("REGISTRY_SIGNING_KEY", "")
    # The checkpoint's origin line; empty means BASE_URL's (or the request's) host + "/registry".
    REGISTRY_ORIGIN = os.environ.get("REGISTRY_ORIGIN", "")


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
    REGISTRY_SIGNING_KEY = "dGVzdC1vbmx5LXJlZ2lzdHJ5LWtleS0zMi1ieXRlcyE="  # a fixed, public test key
    # Test projects hold 10,000 kg and every test client is 127.0.0.1: tests of the
    # share rule set it themselves (tests/services/test_holds.py).
    HOLD_SHARE_PERCENT = 100
    LIVE_STAMP_SECONDS = 0.0  # tests see every change at once; tests/routes/test_speed.py sets it to check the window


class ProductionConfig(Config):
    SECURE_COOKIES = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))

    @classmethod
    def check(cls) -> None:
        """Fail fast: production without a real secret or base URL is a mistake."""
        problems = []
        if not strong_secret(cls.SECRET_KEY):
            problems.append(
                "SECRET_KEY must be a long random value (at least 32 characters, not repetitive), e.g. "
                "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not cls.BASE_URL.startswith(("https://", "http://")):
            problems.append("BASE_URL must be the public address, e.g. BASE_URL=https://carbondot.example.org")
        if not cls.REGISTRY_SIGNING_KEY:
            problems.append("REGISTRY_SIGNING_KEY must be set (make one with `flask registry-key`)")
        if problems:
            raise RuntimeError(
                "CarbonDot is starting in production (CARBONDOT_ENV is not 'development'); set: "
                + "; ".join(problems)
                + ". For a local try-out use `make run` (CARBONDOT_ENV=development)."
            )


def strong_secret(secret: str | None) -> bool:
    """At least 32 characters, at least 12 different ones, and not the dev value."""
    return bool(secret) and secret != DEV_SECRET and len(secret) >= 32 and len(set(secret)) >= 12


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def from_environment() -> type[Config]:
    """The config CARBONDOT_ENV names; production when it is unset."""
    name = os.environ.get("CARBONDOT_ENV", "production")
    if name not in CONFIGS:
        raise RuntimeError(f"CARBONDOT_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
