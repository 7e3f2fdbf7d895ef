"""Configuration from the environment.

CARBONDOT_ENV names one of two configurations: production (the default) and
development (as `make run` says). Production refuses to start without a real
SECRET_KEY, BASE_URL and REGISTRY_SIGNING_KEY. TestingConfig is never chosen
by the environment: the suite passes it (or a dict on top of it) to create_app.
"""
import collections
import datetime as dt
import math
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-not-secret"
# Published in this file, so never a production key (ProductionConfig.check refuses it).
TEST_REGISTRY_KEY = "dGVzdC1vbmx5LXJlZ2lzdHJ5LWtleS0zMi1ieXRlcyE="
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
MIN_SECRET_CHARS = 32
# secret_bits() of a random 32-character hex string (128 real bits) is about 108 and hardly
# ever under 70; repeated blocks, runs and words repeated score under 45.
MIN_SECRET_BITS = 64


class ConfigError(RuntimeError):
    """The configuration cannot start: the message says what to set."""


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
    # WeChat Pay API v3, direct merchant, platform public-key mode (docs/PAYMENTS.md). The AppSecret of the
    # official account (WECHAT_APP_SECRET) is for JSAPI's OAuth only; without it WeChat's browser gets H5 instead.
    WECHATPAY_MCHID = os.environ.get("WECHATPAY_MCHID", "")
    WECHATPAY_APPID = os.environ.get("WECHATPAY_APPID", "")
    WECHATPAY_APIV3_KEY = os.environ.get("WECHATPAY_APIV3_KEY", "")
    WECHATPAY_PRIVATE_KEY = os.environ.get("WECHATPAY_PRIVATE_KEY", "")  # PEM text or a path to it
    WECHATPAY_CERT_SERIAL = os.environ.get("WECHATPAY_CERT_SERIAL", "")
    WECHATPAY_PUBLIC_KEY = os.environ.get("WECHATPAY_PUBLIC_KEY", "")  # PEM text or a path to it
    WECHATPAY_PUBLIC_KEY_ID = os.environ.get("WECHATPAY_PUBLIC_KEY_ID", "")
    WECHATPAY_API_BASE = os.environ.get("WECHATPAY_API_BASE", "")
    WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
    WECHAT_OAUTH_BASE = os.environ.get("WECHAT_OAUTH_BASE", "")
    WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "")
    # Alipay open platform, RSA2 (public-key mode).
    ALIPAY_APP_ID = os.environ.get("ALIPAY_APP_ID", "")
    ALIPAY_PRIVATE_KEY = os.environ.get("ALIPAY_PRIVATE_KEY", "")  # the app's private key: PEM text or a path
    ALIPAY_PUBLIC_KEY = os.environ.get("ALIPAY_PUBLIC_KEY", "")  # Alipay's public key: PEM text or a path
    ALIPAY_GATEWAY = os.environ.get("ALIPAY_GATEWAY", "")
    # Development only: run local fakes of WeChat Pay and Alipay (app/fakes) and pay through them.
    FAKE_WALLETS = os.environ.get("FAKE_WALLETS", "") == "1"

    # Holds sized to people (README "Holds and limits"). A checkout holds its credits this
    # long; opening a Stripe Checkout session extends the hold to the session's life (30+ min).
    HOLD_MINUTES = int(os.environ.get("HOLD_MINUTES", "15"))
    PLATFORM_FEE_PERCENT = int(os.environ.get("PLATFORM_FEE_PERCENT", "10"))
    MAX_ORDER_KG = int(os.environ.get("MAX_ORDER_KG", "1000000"))  # any order (organizers' operations)
    # A visitor/API/kiosk order is at most a plausible personal footprint: a long-haul
    # business-class return is about 7 t here (PEK-JFK: 6.95 t), and the life page sells
    # a whole year (China about 8 t a person, the US about 15 t). 20 t covers both.
    VISITOR_MAX_KG = int(os.environ.get("VISITOR_MAX_KG", "20000"))
    # One visitor (a browser's participant) holds at most this share of a project's credits at once,
    # whatever address it comes from (a venue's Wi-Fi is one address for hundreds of phones).
    HOLD_SHARE_PERCENT = int(os.environ.get("HOLD_SHARE_PERCENT", "5"))
    # All unpaid checkouts of a project together hold at most this share; past it an order is
    # payable without a hold (retired at payment if still free, refunded otherwise), so no
    # crowd of checkouts, honest or not, keeps the other 90 % from being offered.
    HOLD_POOL_PERCENT = int(os.environ.get("HOLD_POOL_PERCENT", "10"))

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"  # no double burst at a window edge (and no flaky limit tests)
    # Rate limits count the visitor first (participant cookie, account or form session) and the
    # address only at venue scale: a venue's Wi-Fi is one address for hundreds of phones
    # (app/web/limits.py). VENUE_RATE_LIMIT is every write (form, API, kiosk) from one address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")  # per address, every API call
    API_WRITE_RATE_LIMIT = os.environ.get("API_WRITE_RATE_LIMIT", "10 per minute")  # per visitor
    VENUE_RATE_LIMIT = os.environ.get("VENUE_RATE_LIMIT", "600 per minute")  # per address, every write
    OPERATIONS_RATE_LIMIT = os.environ.get("OPERATIONS_RATE_LIMIT", "10 per minute")  # per organizer account

    WTF_CSRF_TIME_LIMIT = None  # a kiosk or a slow visitor may keep a page open for hours
    BABEL_DEFAULT_LOCALE = "en"
    # LANGUAGES: the languages offered; unset, every one of the registry (app/services/languages.py).
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
    RETRY_AFTER_SECONDS = 30  # the Retry-After of a 503 while the database is out of reach
    HSTS_SECONDS = 0
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Production takes demo payments (no money moves) only when told to: DEMO_PAYMENTS=1.
    DEMO_PAYMENTS = os.environ.get("DEMO_PAYMENTS", "") == "1"
    # X-Forwarded-* is read only from these peers (the proxy's address or network, comma-separated).
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1")
    # Redis down: count in memory rather than fail every request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    CHECKOUT_RATE_LIMIT = os.environ.get("CHECKOUT_RATE_LIMIT", "10 per minute")  # per visitor
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

    @classmethod
    def check(cls) -> None:
        """Any environment: a registry key that is set must be a usable one (not a 500 on the register)."""
        problem = registry_key_problem(cls.REGISTRY_SIGNING_KEY, production=False)
        if problem:
            raise ConfigError(f"CarbonDot cannot start: {problem}.")


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    FAKE_WALLETS = False
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL"), "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    BASE_URL = "http://localhost"
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    REGISTRY_SIGNING_KEY = TEST_REGISTRY_KEY
    # Test projects hold 10,000 kg and every test client is 127.0.0.1: tests of the
    # share rule set it themselves (tests/services/test_holds.py).
    HOLD_SHARE_PERCENT = 100
    HOLD_POOL_PERCENT = 100  # tests of the pool set it themselves (tests/services/test_holds.py)
    LIVE_STAMP_SECONDS = 0.0  # tests see every change at once; tests/routes/test_speed.py sets it to check the window


class ProductionConfig(Config):
    FAKE_WALLETS = False  # the fakes are never started in production, whatever the environment says
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
                f"SECRET_KEY must be a long random value (at least {MIN_SECRET_CHARS} characters, not "
                f"repetitive, not a pattern): make one with {MAKE_SECRET}"
            )
        if not cls.BASE_URL.startswith(("https://", "http://")):
            problems.append("BASE_URL must be the public address, e.g. BASE_URL=https://carbondot.example.org")
        registry_key = registry_key_problem(cls.REGISTRY_SIGNING_KEY, production=True)
        if registry_key:
            problems.append(registry_key)
        from app.services import payments  # the providers' registry knows what "configured" means

        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        if not payments.takes_real_payments(settings) and not cls.DEMO_PAYMENTS:
            problems.append(
                "a payment provider (WeChat Pay's WECHATPAY_* keys, Alipay's ALIPAY_* keys, or Stripe's "
                "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET), or DEMO_PAYMENTS=1 to run "
                "on purpose with demo payments that move no money (every page and certificate then says so)"
            )
        if cls.STRIPE_SECRET_KEY and not cls.STRIPE_WEBHOOK_SECRET:
            # Without it every webhook is refused and paid orders wait for a visitor's return page.
            problems.append(
                "STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY: the signing secret (whsec_...) "
                "of the webhook endpoint in the Stripe dashboard"
            )
        if problems:
            raise ConfigError(
                "CarbonDot is starting in production (CARBONDOT_ENV is not 'development'); set: "
                + "; ".join(problems)
                + ". For a local try-out use `make run` (CARBONDOT_ENV=development)."
            )


def strong_secret(secret: str | None) -> bool:
    """At least 32 characters, not the dev value, and at least MIN_SECRET_BITS by secret_bits()."""
    return (bool(secret) and secret != DEV_SECRET and len(secret) >= MIN_SECRET_CHARS
            and secret_bits(secret) >= MIN_SECRET_BITS)


def _shannon(symbols: list) -> float:
    counts, n = collections.Counter(symbols), len(symbols)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def secret_bits(secret: str) -> float:
    """A rough, deliberately low estimate of a secret's entropy in bits.

    Each distinct three-character sequence counts once (a repeated block adds nothing),
    at the Shannon entropy per character of the lower of two readings: the characters
    themselves, and the steps between neighbours (so `abcdef...` or `0123...`, whose
    steps are all 1, score near zero). 'abcdefghijkl' * 3 scores 4 bits; a
    secrets.token_urlsafe(48) value about 300, a token_hex(32) about 230.
    """
    if len(secret) < 3:
        return 0.0
    trigrams = len({secret[i:i + 3] for i in range(len(secret) - 2)})
    steps = [ord(b) - ord(a) for a, b in zip(secret, secret[1:], strict=False)]
    return trigrams * min(_shannon(list(secret)), _shannon(steps))


def registry_key_problem(key: str, production: bool) -> str | None:
    """What is wrong with REGISTRY_SIGNING_KEY, or None; unset is fine outside production
    (a key is made once and kept in instance/)."""
    if not key:
        return "REGISTRY_SIGNING_KEY must be set (make one with `flask registry-key`)" if production else None
    from app.services.register import signing  # here: the app package imports this module

    try:
        signing.seed(key)
    except signing.SigningKeyError as exc:
        return f"{exc}; make one with `flask registry-key`"
    if production and key.strip() == TEST_REGISTRY_KEY:
        return ("REGISTRY_SIGNING_KEY is the public test key from config.py, which anyone can sign with; "
                "make your own with `flask registry-key`")
    return None


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
}


def from_environment() -> type[Config]:
    """The config CARBONDOT_ENV names; production when it is unset. Only these two: the testing
    configuration (a public secret, CSRF off) is for the suite, which passes it to create_app."""
    name = os.environ.get("CARBONDOT_ENV", "production")
    if name not in CONFIGS:
        raise ConfigError(f"CARBONDOT_ENV must be {' or '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
