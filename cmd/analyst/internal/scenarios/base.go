package scenarios

// This file holds shopfront as it was imported from the old monorepo: the
// first commit of the history. Later files and edits are in spine.go and
// fillers.go.

func baseFiles() []op {
	return []op{
		put(".gitignore", gitignore),
		put("README.md", readme),
		put("Makefile", makefile),
		put("pyproject.toml", pyproject),
		put("requirements.txt", requirements),
		put("requirements-dev.txt", requirementsDev),
		put("Dockerfile", dockerfile),
		put("docker-compose.yml", compose),
		put(".github/workflows/ci.yml", ciWorkflow),
		put("config/production.env", productionEnv),
		put("config/staging.env", stagingEnv),
		put("config/development.env", developmentEnv),
		put("config/features.yaml", featuresYAML),
		put("shop/__init__.py", ""),
		put("shop/app.py", appPy),
		put("shop/settings.py", settingsPy),
		put("shop/db.py", dbPy),
		put("shop/mongo.py", mongoPy),
		put("shop/redis_client.py", redisPy),
		put("shop/sessions.py", sessionsPy),
		put("shop/auth.py", authPy),
		put("shop/features.py", featuresPy),
		put("shop/i18n.py", i18nPy),
		put("shop/pricing.py", pricingPy),
		put("shop/inventory.py", inventoryPy),
		put("shop/promotions.py", promotionsPy),
		put("shop/search.py", searchPy),
		put("shop/exports.py", exportsPy),
		put("shop/recommendations.py", recommendationsPy),
		put("shop/api/__init__.py", ""),
		put("shop/api/products.py", productsPy),
		put("shop/api/cart.py", cartPy),
		put("shop/api/checkout.py", checkoutPy),
		put("shop/api/orders.py", ordersPy),
		put("shop/api/wishlists.py", wishlistsPy),
		put("shop/api/serializers.py", serializersPy),
		put("shop/api/admin.py", adminPy),
		put("shop/payments/__init__.py", ""),
		put("shop/payments/client.py", paymentsClientPy),
		put("shop/payments/webhooks.py", webhooksPy),
		put("shop/workers/__init__.py", ""),
		put("shop/workers/celery_app.py", celeryAppPy),
		put("shop/workers/tasks/__init__.py", ""),
		put("shop/workers/tasks/emails.py", emailsPy),
		put("shop/workers/tasks/thumbnails.py", thumbnailsPy),
		put("shop/workers/tasks/maintenance.py", maintenancePy),
		put("shop/reports/__init__.py", ""),
		put("shop/reports/daily_sales.py", dailySalesPy),
		put("shop/templates/email/order_confirmation.txt", emailConfirmationTxt),
		put("shop/templates/email/order_shipped.txt", emailShippedTxt),
		put("shop/translations/de/LC_MESSAGES/messages.po", messagesDe),
		put("shop/translations/fr/LC_MESSAGES/messages.po", messagesFr),
		put("migrations/0001_baseline.sql", baselineSQL),
		put("tests/__init__.py", ""),
		put("tests/conftest.py", conftestPy),
		put("tests/test_pricing.py", testPricingPy),
		put("tests/test_promotions.py", testPromotionsPy),
		put("tests/test_webhooks.py", testWebhooksPy),
		put("tests/test_cart.py", testCartPy),
		put("tests/test_sessions.py", testSessionsPy),
		put("deploy/k8s/api-deployment.yaml", apiDeployment),
		put("deploy/k8s/worker-deployment.yaml", workerDeployment),
		put("deploy/k8s/shipd-deployment.yaml", shipdDeployment),
		put("deploy/k8s/services.yaml", servicesYAML),
		put("deploy/k8s/ingress.yaml", ingressYAML),
		put("deploy/k8s/hpa.yaml", hpaYAML),
		put("deploy/k8s/migrate-job.yaml", migrateJob),
		put("deploy/k8s/cronjobs/nightly-sales-report.yaml", reportCronJob),
		put("deploy/k8s/cronjobs/expire-carts.yaml", expireCartsCronJob),
		put("deploy/nginx/nginx.conf", nginxConf),
		put("deploy/nginx/conf.d/shop.conf", shopConf),
		put("shipd/go.mod", shipdGoMod),
		put("shipd/Dockerfile", shipdDockerfile),
		put("shipd/cmd/shipd/main.go", shipdMain),
		put("shipd/internal/config/config.go", shipdConfig),
		put("shipd/internal/carrier/client.go", shipdCarrier),
		put("shipd/internal/quote/handler.go", shipdHandler),
		put("shipd/internal/quote/flat.go", shipdFlat),
		put("docs/architecture.md", architectureMd),
		put("docs/runbooks/deploy.md", runbookDeploy),
		put("docs/runbooks/on-call.md", runbookOnCall),
	}
}

const gitignore = `__pycache__/
*.pyc
.venv/
.pytest_cache/
.ruff_cache/
.coverage
htmlcov/
*.egg-info/
.env
/shipd/bin/
`

const readme = `# shopfront

The backend of shop.example: the storefront API (Flask), the background
workers (Celery on Redis), the nightly jobs, and shipd, the shipping-quote
service (Go).

## Layout

- §shop/§ — the API and the domain code (catalog, cart, checkout, payments, promotions)
- §shop/workers/§ — the Celery app and its tasks (emails, thumbnails, maintenance)
- §shop/reports/§ — jobs run by Kubernetes CronJobs
- §migrations/§ — plain SQL, applied in order by §make migrate§ (and by the migrate Job on deploy)
- §config/§ — per-environment settings (§APP_ENV§ picks one); secrets come from the shopfront-secrets Secret
- §deploy/§ — Kubernetes manifests, nginx, cron jobs
- §shipd/§ — shipping quotes from the carriers
- §docs/§ — architecture notes and runbooks

## Local setup

    docker compose up -d postgres mongo redis
    python -m venv .venv && . .venv/bin/activate
    pip install -r requirements-dev.txt
    make migrate
    make run

Tests: §make test§ (Python) and §cd shipd && go test ./...§.
`

const makefile = `.PHONY: test lint migrate run worker

test:
	pytest -q

lint:
	ruff check shop tests

migrate:
	python -m shop.db migrate

run:
	APP_ENV=development flask --app shop.app run --port 8000 --debug

worker:
	APP_ENV=development celery -A shop.workers.celery_app worker -Q default,emails,thumbnails -l info
`

const pyproject = `[project]
name = "shopfront"
version = "2.3.0"
requires-python = ">=3.12"

[tool.ruff]
line-length = 110
target-version = "py312"

[tool.ruff.lint]
select = ["E", "F", "I", "B", "UP"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-p no:cacheprovider"
`

const requirements = `Babel==2.15.0
boto3==1.34.110
celery[redis]==5.4.0
Flask==3.0.3
gunicorn==22.0.0
Pillow==10.3.0
psycopg[binary,pool]==3.1.19
pymongo==4.7.2
python-dotenv==1.0.1
PyYAML==6.0.1
redis==5.0.4
requests==2.31.0
sentry-sdk[flask]==2.3.1
`

const requirementsDev = `-r requirements.txt
fakeredis==2.23.2
freezegun==1.5.1
mongomock==4.1.2
pytest==8.2.1
pytest-cov==5.0.0
responses==0.25.0
ruff==0.4.5
`

const dockerfile = `FROM python:3.12-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends libjpeg62-turbo zlib1g \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY shop ./shop
COPY config ./config
COPY migrations ./migrations

RUN useradd --system --uid 10001 shop
USER shop

EXPOSE 8000
CMD ["gunicorn", "shop.app:create_app()", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "30", "--access-logfile", "-"]
`

const compose = `services:
  postgres:
    image: postgres:15
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: shop
      POSTGRES_DB: shop
    ports: ["5432:5432"]
  mongo:
    image: mongo:7
    ports: ["27017:27017"]
  redis:
    image: redis:7
    ports: ["6379:6379"]
  shipd:
    build: ./shipd
    environment:
      SHIPD_ADDR: ":8080"
      SHIPD_CARRIER_URL: "https://sandbox.ratebridge.example/v2"
    ports: ["8080:8080"]
`

const ciWorkflow = `name: ci

on:
  push:
    branches: [main]
  pull_request:

jobs:
  python:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:15
        env:
          POSTGRES_USER: shop
          POSTGRES_PASSWORD: shop
          POSTGRES_DB: shop_test
        ports: ["5432:5432"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
      - run: pip install -r requirements-dev.txt
      - run: ruff check shop tests
      - run: pytest -q --cov=shop
        env:
          DATABASE_URL: postgresql://shop:shop@localhost:5432/shop_test

  shipd:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: shipd
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version: "1.22"
      - run: go vet ./...
      - run: go test -race ./...

  image:
    if: github.ref == 'refs/heads/main'
    needs: [python, shipd]
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-qemu-action@v3
      - uses: docker/setup-buildx-action@v3
      - uses: docker/login-action@v3
        with:
          registry: registry.shop.example
          username: ${{ secrets.REGISTRY_USER }}
          password: ${{ secrets.REGISTRY_PASSWORD }}
      - uses: docker/build-push-action@v5
        with:
          context: .
          push: true
          tags: registry.shop.example/shopfront:${{ github.sha }},registry.shop.example/shopfront:latest
      - uses: docker/build-push-action@v5
        with:
          context: shipd
          push: true
          tags: registry.shop.example/shipd:${{ github.sha }},registry.shop.example/shipd:latest
`

const productionEnv = `# Production settings that are not secrets. Secrets (database and Mongo
# passwords, payment keys, SMTP credentials) come from the shopfront-secrets
# Secret and override anything here.
APP_ENV=production
LOG_LEVEL=INFO
LOG_FORMAT=json

DATABASE_POOL_MIN=2
DATABASE_POOL_MAX=10
DATABASE_STATEMENT_TIMEOUT_MS=5000

MONGO_URL=mongodb://wishlist_svc:${MONGO_PASSWORD}@mongo-0.mongo.data.svc.cluster.local:27017,mongo-1.mongo.data.svc.cluster.local:27017,mongo-2.mongo.data.svc.cluster.local:27017/shop?replicaSet=rs0&authSource=admin&w=majority
MONGO_DB=shop
MONGO_MAX_POOL_SIZE=20

REDIS_URL=redis://redis-shared.data.svc.cluster.local:6379/0
CELERY_BROKER_URL=redis://redis-shared.data.svc.cluster.local:6379/2

SESSION_TTL=720
CART_TTL_DAYS=30

SHOP_CURRENCY=EUR
SHOP_LOCALE=de_DE
SUPPORTED_CURRENCIES=EUR,CHF,GBP

PAYMENTS_API_BASE=https://api.paygate.example/v1
PAYMENTS_TIMEOUT_SECONDS=10

SMTP_HOST=smtp.mailrelay.example
SMTP_PORT=587
MAIL_FROM=orders@shop.example

MEDIA_BUCKET=shop-media-prod
CDN_BASE_URL=https://cdn.shop.example
SHIPD_URL=http://shipd.shop.svc.cluster.local:8080

SENTRY_TRACES_SAMPLE_RATE=0.05
`

const stagingEnv = `APP_ENV=staging
LOG_LEVEL=DEBUG
LOG_FORMAT=json

DATABASE_POOL_MIN=1
DATABASE_POOL_MAX=5
DATABASE_STATEMENT_TIMEOUT_MS=5000

MONGO_URL=mongodb://wishlist_svc:${MONGO_PASSWORD}@mongo-0.mongo.data-staging.svc.cluster.local:27017/shop?authSource=admin&w=majority
MONGO_DB=shop_staging

REDIS_URL=redis://redis.data-staging.svc.cluster.local:6379/0
CELERY_BROKER_URL=redis://redis.data-staging.svc.cluster.local:6379/2

SESSION_TTL=720
CART_TTL_DAYS=30

SHOP_CURRENCY=EUR
SHOP_LOCALE=en_GB

PAYMENTS_API_BASE=https://sandbox.paygate.example/v1
PAYMENTS_TIMEOUT_SECONDS=10

SMTP_HOST=mailpit.tools.svc.cluster.local
SMTP_PORT=1025
MAIL_FROM=orders@staging.shop.example

MEDIA_BUCKET=shop-media-staging
CDN_BASE_URL=https://cdn.staging.shop.example
SHIPD_URL=http://shipd.shop-staging.svc.cluster.local:8080
`

const developmentEnv = `APP_ENV=development
LOG_LEVEL=DEBUG
DATABASE_URL=postgresql://shop:shop@localhost:5432/shop
MONGO_URL=mongodb://localhost:27017/shop
REDIS_URL=redis://localhost:6379/0
CELERY_BROKER_URL=redis://localhost:6379/2
SMTP_HOST=localhost
SMTP_PORT=1025
`

const featuresYAML = `# Feature flags, read once at startup (shop/features.py).
# Remove a flag two weeks after it has been fully on.
guest_checkout: true
express_shipping: false
reviews_with_photos: false
wishlist_sharing: true
recs_also_bought: true
recs_similar_items_v1: true
recs_similar_items_v2: false
`

const appPy = `"""Application factory for the storefront API."""
import logging

import sentry_sdk
from flask import Flask, g, request

from shop import db, mongo, settings
from shop.api import admin, cart, checkout, orders, products, wishlists
from shop.payments import webhooks


def create_app(config=None):
    if settings.SENTRY_DSN:
        sentry_sdk.init(dsn=settings.SENTRY_DSN, traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.SECRET_KEY
    app.config.update(config or {})
    logging.basicConfig(level=settings.LOG_LEVEL)

    db.init_app(app)
    mongo.init_app(app)

    for bp in (products.bp, cart.bp, checkout.bp, orders.bp, wishlists.bp, admin.bp, webhooks.bp):
        app.register_blueprint(bp)

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.before_request
    def load_session():
        from shop import sessions

        g.session = sessions.load(request.cookies.get(sessions.COOKIE, ""))

    return app
`

const settingsPy = `"""Settings, read once at startup.

Values come from, in order: the process environment (the k8s Secret and the
Deployment's env), config/<APP_ENV>.env, then the defaults below.
"""
import os
from pathlib import Path

from dotenv import dotenv_values

APP_ENV = os.environ.get("APP_ENV", "development")
_ROOT = Path(__file__).resolve().parent.parent
_FILE = dotenv_values(_ROOT / "config" / f"{APP_ENV}.env")


def env(name, default=None):
    value = os.environ.get(name)
    if value is None:
        value = _FILE.get(name, default)
    return value


def env_int(name, default):
    return int(env(name, default))


def env_list(name, default=""):
    return [v.strip() for v in env(name, default).split(",") if v.strip()]


LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOG_FORMAT = env("LOG_FORMAT", "text")

DATABASE_URL = env("DATABASE_URL", "postgresql://shop:shop@localhost:5432/shop")
DATABASE_POOL_MIN = env_int("DATABASE_POOL_MIN", 1)
DATABASE_POOL_MAX = env_int("DATABASE_POOL_MAX", 5)
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 5000)

MONGO_URL = env("MONGO_URL", "mongodb://localhost:27017/shop")
MONGO_DB = env("MONGO_DB", "shop")
MONGO_MAX_POOL_SIZE = env_int("MONGO_MAX_POOL_SIZE", 20)

REDIS_URL = env("REDIS_URL", "redis://localhost:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "redis://localhost:6379/2")

SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret")
SESSION_TTL = env_int("SESSION_TTL", 720)
CART_TTL_DAYS = env_int("CART_TTL_DAYS", 30)

SHOP_CURRENCY = env("SHOP_CURRENCY", "EUR")
SHOP_LOCALE = env("SHOP_LOCALE", "de_DE")
SUPPORTED_CURRENCIES = env_list("SUPPORTED_CURRENCIES", "EUR")

PAYMENTS_API_BASE = env("PAYMENTS_API_BASE", "https://sandbox.paygate.example/v1")
PAYMENTS_API_KEY = env("PAYMENTS_API_KEY", "")
PAYMENT_WEBHOOK_SECRET = env("PAYMENT_WEBHOOK_SECRET", "")
PAYMENTS_TIMEOUT_SECONDS = env_int("PAYMENTS_TIMEOUT_SECONDS", 10)

SMTP_HOST = env("SMTP_HOST", "localhost")
SMTP_PORT = env_int("SMTP_PORT", 1025)
SMTP_USER = env("SMTP_USER", "")
SMTP_PASSWORD = env("SMTP_PASSWORD", "")
MAIL_FROM = env("MAIL_FROM", "orders@shop.example")

MEDIA_BUCKET = env("MEDIA_BUCKET", "shop-media-dev")
CDN_BASE_URL = env("CDN_BASE_URL", "http://localhost:8000/media")
SHIPD_URL = env("SHIPD_URL", "http://localhost:8080")

SENTRY_DSN = env("SENTRY_DSN", "")
SENTRY_TRACES_SAMPLE_RATE = float(env("SENTRY_TRACES_SAMPLE_RATE", "0"))
`

const dbPy = `"""Postgres: one connection pool per process, and the migration runner."""
import sys
from pathlib import Path

from psycopg_pool import ConnectionPool

from shop import settings

pool = ConnectionPool(
    settings.DATABASE_URL,
    min_size=settings.DATABASE_POOL_MIN,
    max_size=settings.DATABASE_POOL_MAX,
    kwargs={"options": f"-c statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT_MS}"},
    open=False,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app):
    pool.open()


def migrate():
    with pool.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
        for path in sorted(MIGRATIONS.glob("*.sql")):
            if path.name in done:
                continue
            print(f"applying {path.name}", file=sys.stderr)
            with conn.transaction():
                conn.execute(path.read_text())
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))


if __name__ == "__main__" and sys.argv[1:] == ["migrate"]:
    pool.open()
    migrate()
`

const mongoPy = `"""MongoDB holds the documents that don't need transactions: wishlists and
product reviews."""
from pymongo import MongoClient

from shop import settings

_client = None


def init_app(app):
    global _client
    _client = MongoClient(settings.MONGO_URL, maxPoolSize=settings.MONGO_MAX_POOL_SIZE, tz_aware=True)


def get_db():
    return _client[settings.MONGO_DB]
`

const redisPy = `from redis import Redis

from shop import settings

redis = Redis.from_url(settings.REDIS_URL, decode_responses=True, health_check_interval=30)
`

const sessionsPy = `"""Server-side sessions in Redis, keyed by an opaque cookie."""
import json
import secrets
from datetime import timedelta

from shop import settings
from shop.redis_client import redis

COOKIE = "sf_session"
TTL = timedelta(minutes=settings.SESSION_TTL)  # SESSION_TTL is in minutes: 720 = 12 h


def _key(sid):
    return f"session:{sid}"


def create(user_id):
    sid = secrets.token_urlsafe(32)
    redis.setex(_key(sid), TTL, json.dumps({"user_id": user_id}))
    return sid


def load(sid):
    if not sid:
        return None
    raw = redis.get(_key(sid))
    if raw is None:
        return None
    redis.expire(_key(sid), TTL)  # sliding expiry
    return json.loads(raw)


def destroy(sid):
    redis.delete(_key(sid))
`

const authPy = `"""Login, logout and the current user."""
import hashlib
import hmac

from flask import Blueprint, abort, g, make_response, request

from shop import sessions
from shop.db import pool

bp = Blueprint("auth", __name__, url_prefix="/api/auth")


def _check(password, stored):
    salt, digest = stored.split("$", 1)
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 310_000).hex()
    return hmac.compare_digest(candidate, digest)


@bp.post("/login")
def login():
    body = request.get_json(force=True)
    with pool.connection() as conn:
        row = conn.execute("SELECT id, password_hash FROM customers WHERE email = lower(%s)", (body["email"],)).fetchone()
    if row is None or not _check(body["password"], row[1]):
        abort(401)
    sid = sessions.create(row[0])
    resp = make_response({"customer_id": row[0]})
    resp.set_cookie(sessions.COOKIE, sid, httponly=True, secure=True, samesite="Lax")
    return resp


@bp.post("/logout")
def logout():
    sessions.destroy(request.cookies.get(sessions.COOKIE, ""))
    resp = make_response({"ok": True})
    resp.delete_cookie(sessions.COOKIE)
    return resp


def current_customer_id():
    if not g.get("session"):
        abort(401)
    return g.session["user_id"]
`

const featuresPy = `"""Feature flags from config/features.yaml."""
from pathlib import Path

import yaml

_PATH = Path(__file__).resolve().parent.parent / "config" / "features.yaml"
_FLAGS = yaml.safe_load(_PATH.read_text()) or {}


def enabled(name):
    return bool(_FLAGS.get(name, False))
`

const i18nPy = `"""Locale and currency for a request."""
from babel.numbers import format_currency
from flask import request

from shop import settings

SUPPORTED_LOCALES = ["de_DE", "en_GB", "fr_FR", "nl_NL", "it_IT"]


def request_locale():
    offered = [loc.replace("_", "-") for loc in SUPPORTED_LOCALES]
    best = request.accept_languages.best_match(offered) if request else None
    return best.replace("-", "_") if best else settings.SHOP_LOCALE


def shop_currency():
    return settings.SHOP_CURRENCY


def format_price(cents, currency=None, locale=None):
    return format_currency(cents / 100, currency or shop_currency(), locale=locale or request_locale())
`

const pricingPy = `"""Prices are integer cents everywhere except in here, where tax and
discounts need fractional arithmetic."""
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
VAT_RATES = {
    "AT": Decimal("0.20"),
    "DE": Decimal("0.19"),
    "FR": Decimal("0.20"),
    "IT": Decimal("0.22"),
    "NL": Decimal("0.21"),
}


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def line_total(unit_cents: int, quantity: int, discount_pct: Decimal = Decimal(0)) -> int:
    gross = Decimal(unit_cents) * quantity / 100
    if discount_pct:
        gross = gross * (1 - Decimal(discount_pct) / 100)
    return to_cents(gross.quantize(CENT, rounding=ROUND_HALF_UP))


def net_from_gross(gross_cents: int, country: str) -> int:
    rate = VAT_RATES.get(country, VAT_RATES["DE"])
    return to_cents(Decimal(gross_cents) / 100 / (1 + rate))


def order_total(lines, shipping_cents: int = 0) -> int:
    return sum(line_total(ln["unit_cents"], ln["quantity"], ln.get("discount_pct", 0)) for ln in lines) + shipping_cents
`

const inventoryPy = `"""Stock levels and reservations."""
from shop.db import pool


class OutOfStock(Exception):
    def __init__(self, sku, available):
        super().__init__(f"{sku}: only {available} left")
        self.sku = sku
        self.available = available


def available(sku):
    with pool.connection() as conn:
        row = conn.execute("SELECT on_hand - reserved FROM stock WHERE sku = %s", (sku,)).fetchone()
    return row[0] if row else 0


def reserve(order_id, items):
    """Reserve every item of an order, or none of them."""
    with pool.connection() as conn, conn.transaction():
        for item in items:
            row = conn.execute(
                "SELECT on_hand - reserved FROM stock WHERE sku = %s FOR UPDATE",
                (item["sku"],),
            ).fetchone()
            left = row[0] if row else 0
            if left < item["quantity"]:
                raise OutOfStock(item["sku"], left)
            conn.execute(
                "UPDATE stock SET reserved = reserved + %s WHERE sku = %s",
                (item["quantity"], item["sku"]),
            )
            conn.execute(
                "INSERT INTO reservations (order_id, sku, quantity) VALUES (%s, %s, %s)",
                (order_id, item["sku"], item["quantity"]),
            )


def release(order_id):
    with pool.connection() as conn, conn.transaction():
        rows = conn.execute("DELETE FROM reservations WHERE order_id = %s RETURNING sku, quantity", (order_id,)).fetchall()
        for sku, quantity in rows:
            conn.execute("UPDATE stock SET reserved = reserved - %s WHERE sku = %s", (quantity, sku))


def commit(order_id):
    """The order shipped: reserved units leave the warehouse."""
    with pool.connection() as conn, conn.transaction():
        rows = conn.execute("DELETE FROM reservations WHERE order_id = %s RETURNING sku, quantity", (order_id,)).fetchall()
        for sku, quantity in rows:
            conn.execute(
                "UPDATE stock SET reserved = reserved - %s, on_hand = on_hand - %s WHERE sku = %s",
                (quantity, quantity, sku),
            )
`

const promotionsPy = `"""Promotion codes."""
from dataclasses import dataclass
from datetime import datetime, timezone

from shop.db import pool


@dataclass
class Promotion:
    id: int
    code: str
    kind: str  # "percent" or "amount"
    value: int
    starts_at: datetime | None
    ends_at: datetime | None
    max_uses: int | None
    used: int


def find_active(code, now=None):
    now = now or datetime.now(timezone.utc)
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id, code, kind, value, starts_at, ends_at, max_uses, used FROM promotions WHERE code = %s",
            (code.strip().upper(),),
        ).fetchone()
    if row is None:
        return None
    promo = Promotion(*row)
    if promo.starts_at and promo.starts_at > now:
        return None
    if promo.ends_at and promo.ends_at <= now:
        return None
    if promo.max_uses is not None and promo.used >= promo.max_uses:
        return None
    return promo


def discount_cents(promo, subtotal_cents):
    if promo.kind == "percent":
        return subtotal_cents * promo.value // 100
    return min(promo.value, subtotal_cents)


def redeem(promo_id):
    with pool.connection() as conn:
        conn.execute("UPDATE promotions SET used = used + 1 WHERE id = %s", (promo_id,))
`

const searchPy = `"""Product search on Postgres full text search."""
from shop.db import pool

PAGE_SIZE = 24


def search_products(query, page=1):
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT p.id, p.slug, p.name, p.price_cents, p.image_key
              FROM products p
             WHERE p.active AND p.search_vector @@ websearch_to_tsquery('shop_search', %(q)s)
             ORDER BY ts_rank(p.search_vector, websearch_to_tsquery('shop_search', %(q)s)) DESC, p.id
             LIMIT %(limit)s OFFSET %(offset)s
            """,
            {"q": query, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
        ).fetchall()
    return [dict(zip(("id", "slug", "name", "price_cents", "image_key"), r)) for r in rows]
`

const exportsPy = `"""CSV exports for the back office."""
import csv

from shop.db import pool

CUSTOMER_COLUMNS = ["id", "email", "first_name", "last_name", "country", "created_at", "orders"]


def customer_rows(conn):
    return conn.execute(
        """
        SELECT c.id, c.email, c.first_name, c.last_name, c.country, c.created_at, count(o.id)
          FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
         GROUP BY c.id ORDER BY c.id
        """
    )


def write_customers_csv(path):
    # utf-8-sig: Excel only recognises UTF-8 when the file starts with a BOM.
    with open(path, "w", encoding="utf-8-sig", newline="") as f, pool.connection() as conn:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(CUSTOMER_COLUMNS)
        for row in customer_rows(conn):
            writer.writerow(row)
    return path
`

const recommendationsPy = `"""Product recommendations shown on the product page."""
from shop import features
from shop.db import pool

LIMIT = 8


def also_bought(product_id):
    if not features.enabled("recs_also_bought"):
        return []
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT other.product_id, count(*) AS n
              FROM order_items mine
              JOIN order_items other ON other.order_id = mine.order_id AND other.product_id <> mine.product_id
             WHERE mine.product_id = %s
             GROUP BY other.product_id
             ORDER BY n DESC
             LIMIT %s
            """,
            (product_id, LIMIT),
        ).fetchall()
    return [r[0] for r in rows]


def similar_items(product_id):
    if not features.enabled("recs_similar_items_v1"):
        return []
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT p.id FROM products p
              JOIN products me ON me.id = %s
             WHERE p.category_id = me.category_id AND p.id <> me.id AND p.active
             ORDER BY abs(p.price_cents - me.price_cents)
             LIMIT %s
            """,
            (product_id, LIMIT),
        ).fetchall()
    return [r[0] for r in rows]
`

const productsPy = `from flask import Blueprint, abort, request

from shop import recommendations
from shop.db import pool
from shop.i18n import format_price
from shop.search import search_products

bp = Blueprint("products", __name__, url_prefix="/api/products")


@bp.get("/<slug>")
def product(slug):
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id, slug, name, description, price_cents, image_key FROM products WHERE slug = %s AND active",
            (slug,),
        ).fetchone()
    if row is None:
        abort(404)
    pid = row[0]
    return {
        "id": pid,
        "slug": row[1],
        "name": row[2],
        "description": row[3],
        "price": format_price(row[4]),
        "price_cents": row[4],
        "image": row[5],
        "also_bought": recommendations.also_bought(pid),
        "similar": recommendations.similar_items(pid),
    }


@bp.get("/search")
def search():
    q = request.args.get("q", "").strip()
    if len(q) < 2:
        return {"results": []}
    return {"results": search_products(q, page=int(request.args.get("page", 1)))}
`

const cartPy = `"""The cart lives in Redis: a hash of sku -> quantity per cart id."""
import secrets

from flask import Blueprint, make_response, request

from shop import inventory, settings
from shop.redis_client import redis

bp = Blueprint("cart", __name__, url_prefix="/api/cart")
COOKIE = "sf_cart"


def _key(cart_id):
    return f"cart:{cart_id}"


def cart_id():
    return request.cookies.get(COOKIE) or secrets.token_urlsafe(16)


def items(cid):
    return {sku: int(q) for sku, q in redis.hgetall(_key(cid)).items()}


@bp.get("")
def get_cart():
    cid = cart_id()
    return {"id": cid, "items": items(cid)}


@bp.post("/items")
def add_item():
    cid = cart_id()
    body = request.get_json(force=True)
    sku, quantity = body["sku"], int(body.get("quantity", 1))
    if quantity > inventory.available(sku):
        return {"error": "not enough stock"}, 409
    redis.hincrby(_key(cid), sku, quantity)
    redis.expire(_key(cid), settings.CART_TTL_DAYS * 86400)
    resp = make_response({"id": cid, "items": items(cid)})
    resp.set_cookie(COOKIE, cid, max_age=settings.CART_TTL_DAYS * 86400, httponly=True, samesite="Lax")
    return resp


@bp.delete("/items/<sku>")
def remove_item(sku):
    cid = cart_id()
    redis.hdel(_key(cid), sku)
    return {"id": cid, "items": items(cid)}
`

const checkoutPy = `"""Checkout: cart -> order -> payment."""
import logging

from flask import Blueprint, request

from shop import inventory, pricing, promotions
from shop.api import cart, orders
from shop.auth import current_customer_id
from shop.payments.client import PayGate, PaymentError

bp = Blueprint("checkout", __name__, url_prefix="/api/checkout")
log = logging.getLogger(__name__)


@bp.post("")
def checkout():
    customer_id = current_customer_id()
    body = request.get_json(force=True)
    cid = cart.cart_id()
    lines = orders.lines_for(cart.items(cid))
    if not lines:
        return {"error": "empty cart"}, 400
    subtotal = pricing.order_total(lines)
    discount = 0
    promo = promotions.find_active(body["promo_code"]) if body.get("promo_code") else None
    if promo:
        discount = promotions.discount_cents(promo, subtotal)
    order = orders.create(customer_id, lines, subtotal - discount, body["shipping_address"], promo)
    try:
        inventory.reserve(order["id"], lines)
    except inventory.OutOfStock as e:
        orders.cancel(order["id"], reason="out_of_stock")
        return {"error": str(e)}, 409
    try:
        charge = PayGate().capture({**order, "payment_token": body["payment_token"]})
    except PaymentError:
        log.exception("capture failed for order %s", order["number"])
        inventory.release(order["id"])
        orders.mark_payment_failed(order["number"], "capture failed")
        return {"error": "payment_failed"}, 402
    orders.set_awaiting_payment(order["number"], charge["id"])
    if promo:
        promotions.redeem(promo.id)
    return {"order": order["number"], "status": "awaiting_payment"}, 201
`

const ordersPy = `"""Orders in Postgres."""
import secrets

from flask import Blueprint, abort

from shop.auth import current_customer_id
from shop.db import pool
from shop.workers.tasks import emails

bp = Blueprint("orders", __name__, url_prefix="/api/orders")

ORDER_FIELDS = ("id", "number", "status", "total_cents", "currency", "created_at")


def _number():
    return "SF-" + secrets.token_hex(4).upper()


def lines_for(cart_items):
    if not cart_items:
        return []
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT sku, product_id, price_cents FROM variants WHERE sku = ANY(%s)", (list(cart_items),)
        ).fetchall()
    return [{"sku": s, "product_id": p, "unit_cents": c, "quantity": cart_items[s]} for s, p, c in rows]


def create(customer_id, lines, total_cents, address, promo=None):
    from shop.i18n import shop_currency

    with pool.connection() as conn, conn.transaction():
        row = conn.execute(
            """
            INSERT INTO orders (number, customer_id, status, total_cents, currency, shipping_address, promotion_id)
            VALUES (%s, %s, 'new', %s, %s, %s, %s) RETURNING id, number, status, total_cents, currency, created_at
            """,
            (_number(), customer_id, total_cents, shop_currency(), address, promo.id if promo else None),
        ).fetchone()
        for ln in lines:
            conn.execute(
                "INSERT INTO order_items (order_id, product_id, sku, quantity, unit_cents) VALUES (%s, %s, %s, %s, %s)",
                (row[0], ln["product_id"], ln["sku"], ln["quantity"], ln["unit_cents"]),
            )
    return dict(zip(ORDER_FIELDS, row))


def _set_status(number, status, **extra):
    sets = ", ".join([f"{k} = %({k})s" for k in extra] + ["status = %(status)s", "updated_at = now()"])
    with pool.connection() as conn:
        conn.execute(f"UPDATE orders SET {sets} WHERE number = %(number)s", {"number": number, "status": status, **extra})


def set_awaiting_payment(number, charge_id):
    _set_status(number, "awaiting_payment", charge_id=charge_id)


def mark_paid(number, charge_id):
    _set_status(number, "paid", charge_id=charge_id)
    emails.send_order_confirmation.delay(number)


def mark_payment_failed(number, reason):
    _set_status(number, "payment_failed", failure_reason=reason)


def mark_shipped(number, tracking_number):
    _set_status(number, "shipped", tracking_number=tracking_number)
    # Carriers activate tracking numbers about half an hour after the label
    # is printed; a link sent earlier shows "unknown shipment".
    emails.send_order_shipped.apply_async(args=[number], countdown=30 * 60)


def cancel(order_id, reason):
    with pool.connection() as conn:
        conn.execute("UPDATE orders SET status = 'cancelled', failure_reason = %s, updated_at = now() WHERE id = %s", (reason, order_id))


@bp.get("")
def my_orders():
    customer_id = current_customer_id()
    with pool.connection() as conn:
        rows = conn.execute(
            f"SELECT {', '.join(ORDER_FIELDS)} FROM orders WHERE customer_id = %s ORDER BY created_at DESC LIMIT 50",
            (customer_id,),
        ).fetchall()
    return {"orders": [dict(zip(ORDER_FIELDS, r)) for r in rows]}


@bp.get("/<number>")
def order(number):
    customer_id = current_customer_id()
    with pool.connection() as conn:
        row = conn.execute(
            f"SELECT {', '.join(ORDER_FIELDS)} FROM orders WHERE number = %s AND customer_id = %s", (number, customer_id)
        ).fetchone()
    if row is None:
        abort(404)
    return dict(zip(ORDER_FIELDS, row))
`

const wishlistsPy = `"""Wishlists, stored in MongoDB (one document per wishlist)."""
from datetime import datetime, timezone

from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, abort, request

from shop.api.serializers import serialize_wishlist
from shop.auth import current_customer_id
from shop.mongo import get_db

bp = Blueprint("wishlists", __name__, url_prefix="/api/wishlists")

MAX_ITEMS = 200

# A wishlist document:
#   {_id, customer_id, name, items: [sku, ...], created_at, updated_at,
#    share_token (only once the customer shared it)}
# Items are SKUs; prices are looked up when the wishlist is shown.


def _oid(wishlist_id):
    try:
        return ObjectId(wishlist_id)
    except InvalidId:
        abort(404)


@bp.post("")
def create_wishlist():
    customer_id = current_customer_id()
    body = request.get_json(force=True)
    doc = {
        "customer_id": customer_id,
        "name": body.get("name", "My wishlist")[:80],
        "items": [],
        "created_at": datetime.now(timezone.utc),
    }
    result = get_db().wishlists.insert_one(doc)
    return {"id": str(result.inserted_id)}, 201


@bp.post("/<wishlist_id>/items")
def add_item(wishlist_id):
    customer_id = current_customer_id()
    sku = request.get_json(force=True)["sku"]
    get_db().wishlists.update_one(
        {"_id": _oid(wishlist_id), "customer_id": customer_id},
        {"$addToSet": {"items": sku}, "$set": {"updated_at": datetime.now(timezone.utc)}},
    )
    return get_wishlist(wishlist_id)


@bp.get("/<wishlist_id>")
def get_wishlist(wishlist_id):
    customer_id = current_customer_id()
    doc = get_db().wishlists.find_one({"_id": _oid(wishlist_id), "customer_id": customer_id})
    return serialize_wishlist(doc)
`

const serializersPy = `"""JSON shapes shared by several endpoints.

Money is integer cents plus a currency."""


def serialize_order(row):
    return {
        "number": row["number"],
        "status": row["status"],
        "total_cents": row["total_cents"],
        "currency": row["currency"],
        "created_at": row["created_at"].isoformat(),
    }


def serialize_money(cents, currency):
    return {"cents": cents, "currency": currency}


def serialize_wishlist(doc):
    return {"id": str(doc["_id"]), "items": doc["items"]}
`

const adminPy = `"""Back-office endpoints, behind the admin SSO at the ingress."""
import tempfile

from flask import Blueprint, request, send_file

from shop import exports
from shop.db import pool

bp = Blueprint("admin", __name__, url_prefix="/api/admin")


@bp.get("/orders")
def list_orders():
    status = request.args.get("status", "paid")
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT number, status, total_cents, currency, created_at FROM orders WHERE status = %s ORDER BY created_at DESC LIMIT 200",
            (status,),
        ).fetchall()
    return {"orders": [dict(zip(("number", "status", "total_cents", "currency", "created_at"), r)) for r in rows]}


@bp.patch("/products/<int:product_id>/price")
def set_price(product_id):
    price = int(request.get_json(force=True)["price_cents"])
    with pool.connection() as conn:
        conn.execute("UPDATE products SET price_cents = %s, updated_at = now() WHERE id = %s", (price, product_id))
    return {"id": product_id, "price_cents": price}


@bp.get("/exports/customers.csv")
def export_customers():
    path = exports.write_customers_csv(tempfile.mktemp(suffix=".csv"))
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="customers.csv")
`

const paymentsClientPy = `"""Client for the PayGate REST API."""
import logging

import requests

from shop import settings

log = logging.getLogger(__name__)


class PaymentError(Exception):
    pass


class PayGate:
    def __init__(self, base=None, api_key=None, timeout=None):
        self.base = base or settings.PAYMENTS_API_BASE
        self.api_key = api_key or settings.PAYMENTS_API_KEY
        self.timeout = timeout or settings.PAYMENTS_TIMEOUT_SECONDS
        self.session = requests.Session()

    def _post(self, path, payload, idempotency_key=None):
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        resp = self.session.post(self.base + path, json=payload, headers=headers, timeout=self.timeout)
        if resp.status_code >= 400:
            raise PaymentError(f"{path}: {resp.status_code} {resp.text[:200]}")
        return resp.json()

    def capture(self, order):
        payload = {
            "amount": order["total_cents"],
            "currency": order["currency"],
            "source": order["payment_token"],
            "reference": order["number"],
        }
        return self._post("/charges", payload, idempotency_key=f"order-{order['id']}")

    def refund(self, charge_id, amount_cents):
        return self._post(
            "/refunds",
            {"charge": charge_id, "amount": amount_cents},
            idempotency_key=f"refund-{charge_id}-{amount_cents}",
        )
`

const webhooksPy = `"""PayGate webhooks: the result of each charge."""
import hashlib
import hmac
import logging

from flask import Blueprint, abort, request

from shop import settings
from shop.api import orders

bp = Blueprint("payment_webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


def verify(body: bytes, signature: str) -> bool:
    expected = hmac.new(settings.PAYMENT_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature or "")


@bp.post("/paygate")
def paygate():
    if not verify(request.get_data(), request.headers.get("X-PayGate-Signature", "")):
        log.warning("rejected PayGate webhook: bad signature")
        abort(400)
    event = request.get_json()
    data = event["data"]
    if event["type"] == "charge.succeeded":
        orders.mark_paid(data["reference"], data["id"])
    elif event["type"] == "charge.failed":
        orders.mark_payment_failed(data["reference"], data.get("failure_message", ""))
    return {"ok": True}
`

const celeryAppPy = `"""Celery: broker on Redis, one queue per kind of work."""
from celery import Celery
from celery.schedules import crontab

from shop import settings

app = Celery(
    "shop",
    broker=settings.CELERY_BROKER_URL,
    include=[
        "shop.workers.tasks.emails",
        "shop.workers.tasks.thumbnails",
        "shop.workers.tasks.maintenance",
    ],
)

app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    timezone="Europe/Berlin",
    task_default_queue="default",
    task_routes={
        "shop.workers.tasks.emails.*": {"queue": "emails"},
        "shop.workers.tasks.thumbnails.*": {"queue": "thumbnails"},
    },
    broker_transport_options={"visibility_timeout": 3600},
    worker_prefetch_multiplier=1,
)

app.conf.beat_schedule = {
    "expire-reservations": {
        "task": "shop.workers.tasks.maintenance.expire_reservations",
        "schedule": crontab(minute="*/10"),
    },
}
`

const emailsPy = `"""Transactional emails."""
import smtplib
from email.message import EmailMessage
from pathlib import Path

from shop import settings
from shop.db import pool
from shop.workers.celery_app import app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"


def _send(to, subject, body):
    msg = EmailMessage()
    msg["From"] = settings.MAIL_FROM
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(settings.SMTP_HOST, settings.SMTP_PORT, timeout=20) as smtp:
        if settings.SMTP_USER:
            smtp.starttls()
            smtp.login(settings.SMTP_USER, settings.SMTP_PASSWORD)
        smtp.send_message(msg)


def _order(number):
    with pool.connection() as conn:
        return conn.execute(
            """
            SELECT o.number, o.total_cents, o.currency, o.tracking_number, c.email, c.first_name
              FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.number = %s
            """,
            (number,),
        ).fetchone()


@app.task(bind=True, max_retries=5, default_retry_delay=60)
def send_order_confirmation(self, number):
    number, total, currency, _, email, first_name = _order(number)
    body = (TEMPLATES / "order_confirmation.txt").read_text().format(
        first_name=first_name, number=number, total=f"{total / 100:.2f} {currency}"
    )
    _send(email, f"Your order {number}", body)


@app.task(bind=True, max_retries=5, default_retry_delay=60)
def send_order_shipped(self, number):
    number, _, _, tracking, email, first_name = _order(number)
    body = (TEMPLATES / "order_shipped.txt").read_text().format(first_name=first_name, number=number, tracking=tracking)
    _send(email, f"Your order {number} is on its way", body)
`

const thumbnailsPy = `"""Product photo thumbnails, made when a merchant uploads a photo."""
import io

import boto3
from PIL import Image, ImageOps

from shop import settings
from shop.workers.celery_app import app

SIZES = {"thumb": (400, 400), "medium": (1000, 1000)}
JPEG_QUALITY = 85

s3 = boto3.client("s3")


@app.task(bind=True, max_retries=3)
def make_thumbnails(self, key):
    obj = s3.get_object(Bucket=settings.MEDIA_BUCKET, Key=key)
    original = ImageOps.exif_transpose(Image.open(io.BytesIO(obj["Body"].read()))).convert("RGB")
    stem = key.rsplit(".", 1)[0]
    for name, size in SIZES.items():
        img = original.copy()
        img.thumbnail(size, Image.LANCZOS)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        s3.put_object(
            Bucket=settings.MEDIA_BUCKET,
            Key=f"{stem}_{name}.jpg",
            Body=out.getvalue(),
            ContentType="image/jpeg",
            CacheControl="public, max-age=31536000, immutable",
        )
`

const maintenancePy = `"""Periodic housekeeping."""
from shop import inventory
from shop.db import pool
from shop.workers.celery_app import app


@app.task
def expire_reservations():
    """Release stock held by orders that never got paid."""
    with pool.connection() as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM orders WHERE status IN ('new', 'awaiting_payment') AND created_at < now() - interval '2 hours'"
        )]
    for order_id in ids:
        inventory.release(order_id)
        with pool.connection() as conn:
            conn.execute("UPDATE orders SET status = 'expired', updated_at = now() WHERE id = %s", (order_id,))
`

const dailySalesPy = `"""The daily sales report for finance, run every night by a CronJob.

It covers the 24 hours before the hour the job starts in, so a run at 00:15
local time reports the whole previous day.
"""
import csv
import io
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import boto3

from shop.db import pool

TZ = ZoneInfo("Europe/Berlin")
BUCKET = "shop-reports"


def window(now):
    end = now.astimezone(TZ).replace(minute=0, second=0, microsecond=0)
    return end - timedelta(hours=24), end


def rows(start, end):
    with pool.connection() as conn:
        return conn.execute(
            """
            SELECT date_trunc('hour', created_at AT TIME ZONE 'Europe/Berlin') AS hour,
                   currency, count(*), sum(total_cents)
              FROM orders
             WHERE status IN ('paid', 'shipped', 'delivered')
               AND created_at >= %s AND created_at < %s
             GROUP BY 1, 2 ORDER BY 1, 2
            """,
            (start, end),
        ).fetchall()


def main():
    pool.open()
    start, end = window(datetime.now(TZ))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["hour", "currency", "orders", "revenue_cents"])
    w.writerows(rows(start, end))
    key = f"daily-sales/{start:%Y-%m-%d}.csv"
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=buf.getvalue().encode())
    print(f"wrote s3://{BUCKET}/{key}", file=sys.stderr)


if __name__ == "__main__":
    main()
`

const emailConfirmationTxt = `Hi {first_name},

thank you for your order {number}. We have received your payment of {total}
and will let you know as soon as your parcel is on its way.

You can see your order at any time in your account under "My orders".

shop.example
`

const emailShippedTxt = `Hi {first_name},

good news: your order {number} has shipped.

Track your parcel: https://track.shop.example/{tracking}

shop.example
`

const messagesDe = `msgid ""
msgstr ""
"Language: de\n"
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Add to cart"
msgstr "In den Warenkorb"

msgid "My orders"
msgstr "Meine Bestellungen"

msgid "Checkout"
msgstr "Zur Kasse"

msgid "Out of stock"
msgstr "Ausverkauft"
`

const messagesFr = `msgid ""
msgstr ""
"Language: fr\n"
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Add to cart"
msgstr "Ajouter au panier"

msgid "My orders"
msgstr "Mes commandes"

msgid "Checkout"
msgstr "Commander"

msgid "Out of stock"
msgstr "Épuisé"
`

const baselineSQL = `-- Baseline: the schema as it was when shopfront moved out of the monorepo.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION shop_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION shop_search
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

CREATE TABLE customers (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    first_name    text NOT NULL DEFAULT '',
    last_name     text NOT NULL DEFAULT '',
    country       char(2) NOT NULL DEFAULT 'DE',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
    id   serial PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL
);

CREATE TABLE products (
    id            serial PRIMARY KEY,
    slug          text NOT NULL UNIQUE,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    category_id   int REFERENCES categories (id),
    price_cents   int NOT NULL,
    image_key     text,
    active        boolean NOT NULL DEFAULT true,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('shop_search', coalesce(name, '') || ' ' || coalesce(description, ''))
    ) STORED
);
CREATE INDEX idx_products_search ON products USING gin (search_vector);

CREATE TABLE variants (
    sku         text PRIMARY KEY,
    product_id  int NOT NULL REFERENCES products (id),
    price_cents int NOT NULL
);

CREATE TABLE stock (
    sku      text PRIMARY KEY REFERENCES variants (sku),
    on_hand  int NOT NULL DEFAULT 0,
    reserved int NOT NULL DEFAULT 0 CHECK (reserved >= 0)
);

CREATE TABLE promotions (
    id        serial PRIMARY KEY,
    code      text NOT NULL UNIQUE,
    kind      text NOT NULL CHECK (kind IN ('percent', 'amount')),
    value     int NOT NULL,
    starts_at timestamptz,
    ends_at   timestamptz,
    max_uses  int,
    used      int NOT NULL DEFAULT 0
);

CREATE TABLE orders (
    id               bigserial PRIMARY KEY,
    number           text NOT NULL UNIQUE,
    customer_id      bigint NOT NULL REFERENCES customers (id),
    status           text NOT NULL,
    total_cents      int NOT NULL,
    currency         char(3) NOT NULL,
    shipping_address jsonb NOT NULL,
    promotion_id     int REFERENCES promotions (id),
    charge_id        text,
    failure_reason   text,
    tracking_number  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_orders_customer_created ON orders (customer_id, created_at DESC);
CREATE INDEX idx_orders_status_created ON orders (status, created_at);

CREATE TABLE order_items (
    id          serial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id),
    product_id  int NOT NULL REFERENCES products (id),
    sku         text NOT NULL,
    quantity    int NOT NULL CHECK (quantity > 0),
    unit_cents  int NOT NULL
);
CREATE INDEX idx_order_items_order ON order_items (order_id);
CREATE INDEX idx_order_items_product ON order_items (product_id);
CREATE INDEX idx_order_items_sku ON order_items (sku);

CREATE TABLE reservations (
    order_id   bigint NOT NULL REFERENCES orders (id),
    sku        text NOT NULL,
    quantity   int NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_reservations_order ON reservations (order_id);
CREATE INDEX idx_reservations_created ON reservations (created_at);
`

const conftestPy = `import os

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("PAYMENT_WEBHOOK_SECRET", "whsec_test")
os.environ.setdefault("PAYMENTS_API_KEY", "pk_test")

import fakeredis  # noqa: E402
import pytest  # noqa: E402

from shop import redis_client  # noqa: E402


@pytest.fixture(autouse=True)
def fake_redis(monkeypatch):
    fake = fakeredis.FakeRedis(decode_responses=True)
    monkeypatch.setattr(redis_client, "redis", fake)
    for mod in ("shop.sessions", "shop.api.cart"):
        monkeypatch.setattr(f"{mod}.redis", fake, raising=False)
    return fake
`

const testPricingPy = `from decimal import Decimal

from shop import pricing


def test_line_total_whole_cents():
    assert pricing.line_total(1999, 3) == 5997


def test_line_total_rounds_half_up():
    assert pricing.line_total(1999, 1, Decimal("15")) == 1699


def test_net_from_gross_de():
    assert pricing.net_from_gross(11900, "DE") == 10000


def test_order_total_adds_shipping():
    lines = [{"unit_cents": 1000, "quantity": 2}, {"unit_cents": 499, "quantity": 1}]
    assert pricing.order_total(lines, shipping_cents=495) == 2994
`

const testPromotionsPy = `from datetime import datetime, timedelta, timezone

from shop import promotions
from shop.promotions import Promotion

NOW = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)


def promo(**kw):
    base = dict(id=1, code="SPRING10", kind="percent", value=10, starts_at=None, ends_at=None, max_uses=None, used=0)
    base.update(kw)
    return Promotion(**base)


def test_percent_discount():
    assert promotions.discount_cents(promo(), 2000) == 200


def test_amount_discount_capped_at_subtotal():
    assert promotions.discount_cents(promo(kind="amount", value=5000), 2000) == 2000


def test_expired_promotion_is_not_active(monkeypatch):
    row = tuple(promo(ends_at=NOW - timedelta(days=1)).__dict__.values())
    monkeypatch.setattr(promotions, "pool", FakePool(row))
    assert promotions.find_active("spring10", now=NOW) is None


class FakePool:
    def __init__(self, row):
        self.row = row

    def connection(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, *args):
        return self

    def fetchone(self):
        return self.row
`

const testWebhooksPy = `import hashlib
import hmac
import json

import pytest

from shop.app import create_app


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setattr("shop.db.init_app", lambda app: None)
    monkeypatch.setattr("shop.mongo.init_app", lambda app: None)
    return create_app({"TESTING": True}).test_client()


def sign(body):
    return hmac.new(b"whsec_test", body, hashlib.sha256).hexdigest()


def test_rejects_bad_signature(client):
    resp = client.post("/webhooks/paygate", data=b"{}", headers={"X-PayGate-Signature": "nope"})
    assert resp.status_code == 400


def test_marks_order_paid(client, monkeypatch):
    paid = []
    monkeypatch.setattr("shop.api.orders.mark_paid", lambda number, charge: paid.append((number, charge)))
    body = json.dumps({"type": "charge.succeeded", "data": {"reference": "SF-1", "id": "ch_1"}}).encode()
    resp = client.post("/webhooks/paygate", data=body, headers={"X-PayGate-Signature": sign(body)},
                       content_type="application/json")
    assert resp.status_code == 200
    assert paid == [("SF-1", "ch_1")]
`

const testCartPy = `from shop.api import cart


def test_items_are_ints(fake_redis):
    fake_redis.hset("cart:abc", mapping={"KET-001": "2", "MUG-004": "1"})
    assert cart.items("abc") == {"KET-001": 2, "MUG-004": 1}


def test_empty_cart(fake_redis):
    assert cart.items("nope") == {}
`

const testSessionsPy = `from shop import sessions


def test_create_and_load(fake_redis):
    sid = sessions.create(42)
    assert sessions.load(sid) == {"user_id": 42}


def test_destroy(fake_redis):
    sid = sessions.create(42)
    sessions.destroy(sid)
    assert sessions.load(sid) is None


def test_empty_cookie_is_anonymous(fake_redis):
    assert sessions.load("") is None
`

const apiDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels:
    app: api
spec:
  replicas: 4
  selector:
    matchLabels:
      app: api
  strategy:
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: registry.shop.example/shopfront:latest
          ports:
            - containerPort: 8000
          envFrom:
            - secretRef:
                name: shopfront-secrets
          env:
            - name: APP_ENV
              value: production
          resources:
            requests:
              cpu: 500m
              memory: 768Mi
            limits:
              cpu: "2"
              memory: 1Gi
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8000
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8000
            initialDelaySeconds: 20
            periodSeconds: 10
            failureThreshold: 3
`

const workerDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: shop
  labels:
    app: worker
spec:
  replicas: 2
  selector:
    matchLabels:
      app: worker
  template:
    metadata:
      labels:
        app: worker
    spec:
      terminationGracePeriodSeconds: 60
      containers:
        - name: worker
          image: registry.shop.example/shopfront:latest
          command: ["celery", "-A", "shop.workers.celery_app", "worker", "-Q", "default,emails,thumbnails", "--concurrency", "4", "-l", "info"]
          envFrom:
            - secretRef:
                name: shopfront-secrets
          env:
            - name: APP_ENV
              value: production
          resources:
            requests:
              cpu: 250m
              memory: 512Mi
            limits:
              memory: 1Gi
        - name: beat
          image: registry.shop.example/shopfront:latest
          command: ["celery", "-A", "shop.workers.celery_app", "beat", "-l", "info"]
          envFrom:
            - secretRef:
                name: shopfront-secrets
          env:
            - name: APP_ENV
              value: production
          resources:
            requests:
              cpu: 50m
              memory: 128Mi
`

const shipdDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shipd
  namespace: shop
  labels:
    app: shipd
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shipd
  template:
    metadata:
      labels:
        app: shipd
    spec:
      containers:
        - name: shipd
          image: registry.shop.example/shipd:latest
          ports:
            - containerPort: 8080
          env:
            - name: SHIPD_ADDR
              value: ":8080"
            - name: SHIPD_CARRIER_URL
              value: https://api.ratebridge.example/v2
            - name: SHIPD_CARRIER_KEY
              valueFrom:
                secretKeyRef:
                  name: shipd-secrets
                  key: carrier-key
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 128Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
`

const servicesYAML = `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector:
    app: api
  ports:
    - port: 8000
      targetPort: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: shipd
  namespace: shop
spec:
  selector:
    app: shipd
  ports:
    - port: 8080
      targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: edge
  namespace: shop
spec:
  selector:
    app: edge
  ports:
    - port: 80
      targetPort: 8080
`

const ingressYAML = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [shop.example, www.shop.example]
      secretName: shop-tls
  rules:
    - host: shop.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: edge
                port:
                  number: 80
`

const hpaYAML = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: api
  minReplicas: 4
  maxReplicas: 12
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
`

const migrateJob = `# Applied by the deploy pipeline before the new api pods roll out.
apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
  namespace: shop
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.shop.example/shopfront:latest
          command: ["python", "-m", "shop.db", "migrate"]
          envFrom:
            - secretRef:
                name: shopfront-secrets
          env:
            - name: APP_ENV
              value: production
`

const reportCronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-sales-report
  namespace: shop
spec:
  schedule: "15 0 * * *"
  timeZone: "Europe/Berlin"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 5
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: report
              image: registry.shop.example/shopfront:latest
              command: ["python", "-m", "shop.reports.daily_sales"]
              envFrom:
                - secretRef:
                    name: shopfront-secrets
              env:
                - name: APP_ENV
                  value: production
`

const expireCartsCronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: expire-carts
  namespace: shop
spec:
  schedule: "0 4 * * *"
  timeZone: "Europe/Berlin"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: expire
              image: registry.shop.example/shopfront:latest
              command: ["python", "-c", "from shop.workers.tasks.maintenance import expire_reservations; expire_reservations()"]
              envFrom:
                - secretRef:
                    name: shopfront-secrets
              env:
                - name: APP_ENV
                  value: production
`

const nginxConf = `worker_processes auto;

events {
    worker_connections 4096;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format main '$remote_addr - $request_time "$request" $status $body_bytes_sent "$http_user_agent"';
    access_log /dev/stdout main;
    error_log /dev/stderr warn;

    sendfile on;
    keepalive_timeout 65;
    server_tokens off;

    include /etc/nginx/conf.d/*.conf;
}
`

const shopConf = `upstream shop_api {
    server api.shop.svc.cluster.local:8000;
    keepalive 32;
}

limit_req_zone $binary_remote_addr zone=per_ip:20m rate=20r/s;

server {
    listen 8080;
    server_name shop.example www.shop.example;

    # Client addresses: the ingress controller and the load balancer in
    # front of it are in 10.0.0.0/8.
    set_real_ip_from 10.0.0.0/8;
    real_ip_header X-Forwarded-For;
    real_ip_recursive on;

    client_max_body_size 25m;

    gzip on;
    gzip_types application/json text/css application/javascript;

    location /api/ {
        limit_req zone=per_ip burst=40 nodelay;
        limit_req_status 429;
        proxy_pass http://shop_api;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 30s;
    }

    location /webhooks/ {
        proxy_pass http://shop_api;
        proxy_set_header Host $host;
    }

    location /media/ {
        proxy_pass https://shop-media-prod.s3.eu-central-1.amazonaws.com/;
        expires 7d;
    }

    location = /healthz {
        access_log off;
        return 200 "ok\n";
    }
}
`

const shipdGoMod = `module github.com/shopfront/shop/shipd

go 1.22
`

const shipdDockerfile = `FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/shipd ./cmd/shipd

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/shipd /shipd
USER 65532
ENTRYPOINT ["/shipd"]
`

const shipdMain = `// Command shipd serves shipping quotes for carts: live rates from the
// carriers through RateBridge, or flat rates when RateBridge fails.
package main

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/shopfront/shop/shipd/internal/carrier"
	"github.com/shopfront/shop/shipd/internal/config"
	"github.com/shopfront/shop/shipd/internal/quote"
)

func main() {
	cfg, err := config.FromEnv()
	if err != nil {
		slog.Error("config", "err", err)
		os.Exit(1)
	}
	client := carrier.New(cfg.CarrierURL, cfg.CarrierKey, cfg.Timeout)
	mux := http.NewServeMux()
	mux.Handle("POST /quotes", &quote.Handler{Carrier: client, Fallback: quote.FlatRates})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	slog.Info("shipd listening", "addr", cfg.Addr)
	if err := http.ListenAndServe(cfg.Addr, mux); err != nil {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
}
`

const shipdConfig = `// Package config reads shipd's settings from the environment.
package config

import (
	"errors"
	"os"
	"time"
)

// Config is shipd's configuration.
type Config struct {
	Addr       string
	CarrierURL string
	CarrierKey string
	Timeout    time.Duration
}

// FromEnv reads SHIPD_* variables.
func FromEnv() (Config, error) {
	c := Config{
		Addr:       getenv("SHIPD_ADDR", ":8080"),
		CarrierURL: getenv("SHIPD_CARRIER_URL", "https://sandbox.ratebridge.example/v2"),
		CarrierKey: os.Getenv("SHIPD_CARRIER_KEY"),
		Timeout:    3 * time.Second,
	}
	if v := os.Getenv("SHIPD_CARRIER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, err
		}
		c.Timeout = d
	}
	if c.CarrierURL == "" {
		return c, errors.New("SHIPD_CARRIER_URL is empty")
	}
	return c, nil
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
`

const shipdCarrier = `// Package carrier asks RateBridge, which aggregates the carriers' APIs,
// for shipping rates.
package carrier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Client is a RateBridge API client.
// It is safe for concurrent use by several goroutines.
type Client struct {
	base   string
	apiKey string
	http   *http.Client
}

// New returns a client for the API at base.
func New(base, apiKey string, timeout time.Duration) *Client {
	return &Client{base: base, apiKey: apiKey, http: &http.Client{Timeout: timeout}}
}

// Parcel is what is being shipped, and where.
type Parcel struct {
	WeightGrams int    §json:"weight_grams"§
	LengthCM    int    §json:"length_cm"§
	WidthCM     int    §json:"width_cm"§
	HeightCM    int    §json:"height_cm"§
	FromCountry string §json:"from_country"§
	ToCountry   string §json:"to_country"§
	ToPostcode  string §json:"to_postcode"§
}

// Rate is one carrier service's price for a parcel.
type Rate struct {
	Carrier      string §json:"carrier"§
	Service      string §json:"service"§
	PriceCents   int    §json:"price_cents"§
	Currency     string §json:"currency"§
	DeliveryDays int    §json:"delivery_days"§
}

// Service levels RateBridge knows; the shop shows standard and express.
const (
	ServiceStandard = "standard"
	ServiceExpress  = "express"
	ServiceSameDay  = "same_day"
)

// ErrNoRates means no contracted carrier serves the parcel.
var ErrNoRates = errors.New("ratebridge: no rates for this parcel")

// StatusError is a non-2xx answer from RateBridge.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ratebridge: HTTP %d: %s", e.Code, e.Body)
}

// Carriers we have contracts with; RateBridge is asked for these only.
var Carriers = []string{"dhl", "dpd", "ups"}

type ratesRequest struct {
	Parcel   Parcel   §json:"parcel"§
	Carriers []string §json:"carriers"§
}

type ratesResponse struct {
	Rates []Rate §json:"rates"§
}

// Rates returns the rates of every contracted carrier for p, cheapest first.
func (c *Client) Rates(ctx context.Context, p Parcel) ([]Rate, error) {
	body, err := json.Marshal(ratesRequest{Parcel: p, Carriers: Carriers})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/rates", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return nil, &StatusError{Code: resp.StatusCode, Body: b.String()}
	}
	var out ratesResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if len(out.Rates) == 0 {
		return nil, ErrNoRates
	}
	sortByPrice(out.Rates)
	return out.Rates, nil
}

func sortByPrice(rates []Rate) {
	for i := 1; i < len(rates); i++ {
		for j := i; j > 0 && rates[j].PriceCents < rates[j-1].PriceCents; j-- {
			rates[j], rates[j-1] = rates[j-1], rates[j]
		}
	}
}
`

const shipdHandler = `// Package quote serves shipping quotes over HTTP.
package quote

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/shopfront/shop/shipd/internal/carrier"
)

// Handler answers POST /quotes with the rates for a parcel.
type Handler struct {
	// Carrier asks RateBridge for live rates.
	Carrier *carrier.Client
	// Fallback prices a parcel when live rates fail.
	Fallback func(carrier.Parcel) []carrier.Rate
}

// maxBody bounds a request: a parcel is a few hundred bytes.
const maxBody = 64 << 10

// ServeHTTP answers with live rates when the carrier client can give them,
// and the flat rates when not. Carrier errors are logged, never shown.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	var p carrier.Parcel
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, "bad parcel: "+err.Error(), http.StatusBadRequest)
		return
	}
	rates, err := h.Carrier.Rates(r.Context(), p)
	if err != nil {
		slog.Warn("live rates failed, using flat rates", "err", err)
		rates = h.Fallback(p)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"rates": rates})
}
`

const shipdFlat = `package quote

import "github.com/shopfront/shop/shipd/internal/carrier"

// FlatRates is the price list used when live rates are unavailable.
func FlatRates(p carrier.Parcel) []carrier.Rate {
	price := 495
	if p.ToCountry != p.FromCountry {
		price = 1290
	}
	if p.WeightGrams > 10000 {
		price += 800
	}
	return []carrier.Rate{{Carrier: "dhl", Service: "standard", PriceCents: price, Currency: "EUR", DeliveryDays: 3}}
}
`

const architectureMd = `# Architecture

    browser/app ──► ingress ──► edge (nginx) ──► api (gunicorn, Flask) ──► Postgres (orders, catalog, stock)
                                                   │                  ├──► MongoDB (wishlists, reviews)
                                                   │                  ├──► Redis (sessions, carts, Celery broker)
                                                   │                  └──► shipd ──► RateBridge
                                                   └──► PayGate (charges) ──webhooks──► api
    worker (Celery) ── emails (SMTP relay), thumbnails (S3), maintenance
    CronJobs ── nightly sales report (S3 shop-reports), expire carts

Deploys: CI builds the image on main; Argo CD syncs deploy/k8s. The migrate
Job runs before the api rolls out.
`

const runbookDeploy = `# Deploying

1. Merge to main; CI builds registry.shop.example/shopfront:<sha>.
2. Argo CD picks up the new tag within a few minutes (or "Sync" by hand).
3. The migrate Job runs first. If it fails the rollout stops; read its logs
   with §kubectl -n shop logs job/<name>§.
4. Watch the api rollout: §kubectl -n shop rollout status deploy/api§.

Rolling back: §kubectl -n shop rollout undo deploy/api§. Migrations are not
rolled back automatically.
`

const runbookOnCall = `# On call

- Dashboards: Grafana "shop / api", "shop / workers", "shop / postgres".
- Errors: Sentry project shopfront.
- Payments: PayGate status page, and the PayGate console for failed charges.
- Who to call for the data services (Postgres, Mongo, Redis): #platform.
`
