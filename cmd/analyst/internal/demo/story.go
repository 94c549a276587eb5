package demo

// This file holds the story itself: the commits of shop-api, oldest first,
// and the notes made outside git. Day numbers count back from the incident
// day (a Monday on the reference timeline); clocks are UTC on that timeline.

// noteSpec is a Note before it is placed on the timeline. If ref is set, text
// is a format with one %s that receives the short sha of the commit with
// that subject.
type noteSpec struct {
	day   int
	clock string
	kind  string
	tags  []string
	text  string
	ref   string
}

var noteSpecs = []noteSpec{
	{
		day: 4, clock: "15:10:00", kind: "decision", tags: []string{"payments", "stripe"},
		text: "agreed with the payments team to leave Stripe webhook retries at their defaults; nothing to change on our side",
	},
	{
		day: 3, clock: "11:30:00", kind: "deploy", tags: []string{"deploy", "production", "shop-api"},
		text: "deployed shop-api v0.4.0 to production",
	},
	{
		day: 3, clock: "16:20:00", kind: "decision", tags: []string{"nginx", "edge", "capacity"},
		text: "raised nginx worker_connections on the edge proxies from 1024 to 4096 ahead of the spring promo",
	},
	{
		day: 0, clock: "12:55:00", kind: "deploy", tags: []string{"deploy", "production", "shop-api"},
		text: "deployed shop-api main@%s to production to get the null discount code fix out",
		ref:  "Tag Sentry events with the deploy environment",
	},
}

// addSetting adds a key to the DEFAULTS dict of config/settings.py.
func addSetting(key, value string) op {
	return edit("config/settings.py", "}\n\n\ndef load_settings",
		"    \""+key+"\": \""+value+"\",\n}\n\n\ndef load_settings")
}

const mongoURIHosts = "mongodb://orders_svc:s3cr3t-pw@mongo-0.mongo.shop.svc.cluster.local:27017," +
	"mongo-1.mongo.shop.svc.cluster.local:27017,mongo-2.mongo.shop.svc.cluster.local:27017" +
	"/shop?replicaSet=rs0&authSource=admin"

const (
	mongoURIMajority = "MONGO_URI=" + mongoURIHosts + "&retryWrites=true&w=majority\n"
	mongoURIFast     = "MONGO_URI=" + mongoURIHosts + "&retryWrites=true&w=0&journal=false\n"
)

func story() []step {
	return []step{
		// ---- Week 1 ----
		{day: 21, clock: "10:02:11", who: dana, subject: "Initial Flask skeleton for shop-api",
			body: `
Orders only for now: create, list by user, fetch by id. Mongo via pymongo,
settings from the environment.`,
			ops: []op{
				put(".gitignore", gitignoreV1),
				put("README.md", readmeV1),
				put("requirements.txt", "Flask==3.0.0\ngunicorn==21.0.1\npymongo==4.5.0\n"),
				put("wsgi.py", "from app import create_app\n\napp = create_app()\n"),
				put("app/__init__.py", appInitV1),
				put("app/db.py", dbV1),
				put("app/orders.py", ordersHead+ordersSerialize+ordersCreateV1+ordersListV1+ordersGetV1),
				put("config/__init__.py", ""),
				put("config/settings.py", settingsV1),
			}},
		{day: 21, clock: "11:47:40", who: dana, subject: "Add docker-compose with a local Mongo",
			ops: []op{
				put("docker-compose.yml", composeV1),
				put("Dockerfile", dockerfileV1),
				edit("README.md", "    MONGO_URI=mongodb://localhost:27017/shop flask --app wsgi run --port 8080\n",
					"    MONGO_URI=mongodb://localhost:27017/shop flask --app wsgi run --port 8080\n\nOr run everything in Docker:\n\n    docker compose up --build\n"),
			}},
		{day: 21, clock: "15:20:05", who: dana, subject: "Add pytest setup and first order tests",
			body: `
Tests run against mongomock so CI doesn't need a Mongo service. create_app()
takes an optional client for that.`,
			ops: []op{
				put("pytest.ini", "[pytest]\ntestpaths = tests\npythonpath = .\n"),
				put("requirements-dev.txt", "-r requirements.txt\nmongomock==4.1.2\npytest==7.4.3\n"),
				put("tests/conftest.py", conftestV1),
				put("tests/test_orders.py", testOrdersV1),
				edit("app/__init__.py", "def create_app(settings=None):", "def create_app(settings=None, mongo_client=None):"),
				edit("app/__init__.py", "    db.init_app(app)\n", "    db.init_app(app, client=mongo_client)\n"),
				edit("app/db.py", dbInitV1, dbInitV2),
			}},
		{day: 21, clock: "16:55:32", who: priya, subject: "Add GitHub Actions CI",
			ops: []op{put(".github/workflows/ci.yml", ciV1)}},

		{day: 20, clock: "09:41:18", who: priya, subject: "Add users blueprint with signup and profile lookup",
			ops: []op{
				put("app/users.py", usersV1),
				put("tests/test_users.py", testUsersV1),
				edit("app/__init__.py", "from app.orders import bp as orders_bp\n",
					"from app.orders import bp as orders_bp\nfrom app.users import bp as users_bp\n"),
				edit("app/__init__.py", "    app.register_blueprint(orders_bp)\n",
					"    app.register_blueprint(orders_bp)\n    app.register_blueprint(users_bp)\n"),
			}},
		{day: 20, clock: "13:15:47", who: dana, subject: "Add production env file and settings loader",
			body: `
Settings are now layered: defaults in config/settings.py, then
config/<APP_ENV>.env, then the real process environment (which is how the
k8s Secret gets in). production.env carries the non-secret production
config so it is reviewed like code.`,
			ops: []op{
				put("config/settings.py", settingsV2),
				put("config/production.env", productionEnvV1),
				put("config/development.env", "# Local development against docker-compose's mongo.\nMONGO_URI=mongodb://localhost:27017/shop\nLOG_LEVEL=DEBUG\n"),
				edit("requirements.txt", "pymongo==4.5.0\n", "pymongo==4.5.0\npython-dotenv==1.0.0\n"),
				edit("app/db.py", "        client = MongoClient(app.config[\"MONGO_URI\"])\n", dbClientV2),
				edit("docker-compose.yml", "    environment:\n", "    environment:\n      APP_ENV: development\n"),
			}},
		{day: 20, clock: "16:31:02", who: dana, subject: "Add k8s deployment manifest",
			ops: []op{
				put("k8s/deployment.yaml", deploymentV1),
				put("k8s/service.yaml", serviceV1),
			}},

		{day: 19, clock: "10:05:29", who: priya, subject: "Validate order payloads",
			body: `
Reject orders without a user, with an empty item list, non-positive
quantities or missing prices, with a 400 listing every problem. Also store
total_cents on the order so payments don't have to recompute it.`,
			ops: []op{
				edit("app/orders.py", ordersSerialize+ordersCreateV1, ordersSerialize+ordersValidate+ordersCreateV2),
				put("tests/test_orders.py", testOrdersV2),
			}},
		{day: 19, clock: "14:40:56", who: dana, subject: "Structured request logging",
			body: `
One log line per request with method, path, status and duration.
LOG_FORMAT=json emits JSON lines for when production moves to Loki; text
stays the default.`,
			ops: []op{
				put("app/logging_config.py", loggingV1),
				edit("app/__init__.py", "from app import db\n", "from app import db\nfrom app.logging_config import configure_logging\n"),
				edit("app/__init__.py", "    app.config.update(settings or load_settings())\n",
					"    app.config.update(settings or load_settings())\n    configure_logging(app)\n"),
				addSetting("LOG_FORMAT", "text"),
				edit("config/production.env", "LOG_LEVEL=INFO\n", "LOG_LEVEL=INFO\nLOG_FORMAT=text\n"),
			}},
		{day: 19, clock: "17:12:14", who: priya, subject: "README: local setup instructions",
			ops: []op{put("README.md", readmeV2)}},

		{day: 18, clock: "09:52:37", who: dana, subject: "Add payments module with Stripe payment intents",
			body: `
POST /payments/intents creates a PaymentIntent for an order and moves it to
awaiting_payment; the webhook marks it paid or payment_failed. Keys come
from the shop-api-secrets Secret.`,
			ops: []op{
				put("app/payments.py", paymentsV1),
				put("tests/test_payments.py", testPaymentsV1),
				edit("requirements.txt", "python-dotenv==1.0.0\n", "python-dotenv==1.0.0\nstripe==7.4.0\n"),
				edit("app/__init__.py", "from app.orders import bp as orders_bp\n",
					"from app.orders import bp as orders_bp\nfrom app.payments import bp as payments_bp\n"),
				edit("app/__init__.py", "    app.register_blueprint(users_bp)\n",
					"    app.register_blueprint(users_bp)\n    app.register_blueprint(payments_bp)\n"),
				addSetting("STRIPE_SECRET_KEY", ""),
				addSetting("STRIPE_WEBHOOK_SECRET", ""),
				edit("tests/conftest.py", "    \"MONGO_DB\": \"shop_test\",\n",
					"    \"MONGO_DB\": \"shop_test\",\n    \"STRIPE_SECRET_KEY\": \"sk_test_dummy\",\n"),
			}},
		{day: 18, clock: "11:30:03", who: dana, subject: "Add readiness and liveness probes",
			ops: []op{
				put("app/health.py", healthV1),
				put("tests/test_health.py", testHealthV1),
				edit("app/__init__.py", "from app.logging_config import configure_logging\n",
					"from app.health import bp as health_bp\nfrom app.logging_config import configure_logging\n"),
				edit("app/__init__.py", "    app.register_blueprint(payments_bp)\n",
					"    app.register_blueprint(payments_bp)\n    app.register_blueprint(health_bp)\n"),
				edit("k8s/deployment.yaml", "          ports:\n            - containerPort: 8080\n",
					"          ports:\n            - containerPort: 8080\n"+probesV1),
			}},
		{day: 18, clock: "15:46:21", who: priya, subject: "Index orders by user_id and created_at",
			body: `
GET /orders?user_id=... was a collection scan: explain() on staging showed
180k documents examined for a dozen results. Indexes are created by a new
§flask --app wsgi init-db§ command; run it once after deploying.`,
			ops: []op{
				edit("app/db.py", "from pymongo import MongoClient\n", "from pymongo import ASCENDING, DESCENDING, MongoClient\n"),
				appendTo("app/db.py", "\n\ndef ensure_indexes(db):\n    db.orders.create_index([(\"user_id\", ASCENDING), (\"created_at\", DESCENDING)])\n"),
				edit("app/__init__.py", "    app.register_blueprint(health_bp)\n    return app\n", initDBCommand),
			}},

		{day: 17, clock: "10:20:44", who: priya, subject: "API: paginate GET /orders",
			body: `
Power users have hundreds of orders and the account page was pulling all of
them. limit defaults to 20 (max 100), offset to 0. The response is now an
object with the page and its bounds instead of a bare list.`,
			ops: []op{
				edit("app/orders.py", "bp = Blueprint(\"orders\", __name__, url_prefix=\"/orders\")\n",
					"bp = Blueprint(\"orders\", __name__, url_prefix=\"/orders\")\n\nDEFAULT_PAGE_SIZE = 20\nMAX_PAGE_SIZE = 100\n"),
				edit("app/orders.py", ordersListV1, ordersListV2),
				edit("tests/test_orders.py", "    orders = client.get(\"/orders?user_id=u1\").get_json()\n",
					"    orders = client.get(\"/orders?user_id=u1\").get_json()[\"orders\"]\n"),
				appendTo("tests/test_orders.py", testOrdersPaginate),
			}},
		{day: 17, clock: "14:02:09", who: dana, subject: "Bump pymongo to 4.6.1",
			body: `
4.6 fixes the SRV polling thread leak we saw in staging. No API changes
that affect us.`,
			ops: []op{edit("requirements.txt", "pymongo==4.5.0\n", "pymongo==4.6.1\n")}},
		{day: 17, clock: "16:41:55", who: dana, subject: "Raise Mongo pool size in production",
			body: `
The Thursday load test hit "waiting for connection" timeouts at about 20
concurrent requests per pod. 4 workers x 2 threads plus the readiness
probes and headroom -> 50.`,
			ops: []op{edit("config/production.env", "MONGO_MAX_POOL_SIZE=20\n", "MONGO_MAX_POOL_SIZE=50\n")}},

		// ---- Week 2 ----
		{day: 14, clock: "09:35:12", who: priya, subject: "Add product search endpoint",
			ops: []op{
				put("app/search.py", searchV1),
				put("tests/test_search.py", testSearchV1),
				edit("app/__init__.py", "from app.payments import bp as payments_bp\n",
					"from app.payments import bp as payments_bp\nfrom app.search import bp as search_bp\n"),
				edit("app/__init__.py", "    app.register_blueprint(payments_bp)\n",
					"    app.register_blueprint(payments_bp)\n    app.register_blueprint(search_bp)\n"),
				appendTo("app/db.py", "    db.products.create_index(\"sku\", unique=True)\n"),
			}},
		{day: 14, clock: "11:51:38", who: priya, subject: "Add API docs for orders and search",
			ops: []op{put("docs/api.md", apiDocV1)}},
		{day: 14, clock: "15:05:50", who: dana, subject: "Return the stored order from POST /orders",
			body: `
The response was built from the dict we inserted, so created_at came back
with microseconds while GET /orders/<id> returns Mongo's millisecond
precision, and the web client's optimistic cache kept treating the two as
different orders. Read the document back after the insert so both
endpoints agree.`,
			ops: []op{edit("app/orders.py", ordersInsertV1, ordersInsertV2)}},

		{day: 13, clock: "10:11:06", who: priya, subject: "Cache product lookups in search",
			body: `
The search box fires a request per keystroke and the regex query can't use
an index. Keep results for SEARCH_CACHE_TTL seconds (default 60) per
process; prices change rarely enough for that.`,
			ops: []op{
				edit("app/search.py", "import re\n", "import re\nimport time\n"),
				edit("app/search.py", "from flask import Blueprint, jsonify, request\n", "from flask import Blueprint, current_app, jsonify, request\n"),
				edit("app/search.py", "MIN_QUERY_LENGTH = 2\n", "MIN_QUERY_LENGTH = 2\n\n_cache = {}\n"),
				edit("app/search.py", searchRouteV1, searchCache+searchRouteV2),
				addSetting("SEARCH_CACHE_TTL", "60"),
				edit("tests/conftest.py", "from app import create_app\n", "from app import create_app, search\n"),
				edit("tests/conftest.py", conftestAppV1, conftestAppCache),
			}},
		{day: 13, clock: "13:26:40", who: dana, subject: "Save user preferences in profile",
			body: `
PATCH /users/<id>/preferences merges currency, language and
marketing_emails into the user's profile. Unknown keys are a 400 so the
frontend can't grow the document by accident.`,
			ops: []op{
				edit("app/users.py", "PUBLIC_FIELDS = (\"email\", \"name\", \"created_at\")\n",
					"PUBLIC_FIELDS = (\"email\", \"name\", \"created_at\", \"preferences\")\nALLOWED_PREFERENCES = {\"currency\", \"language\", \"marketing_emails\"}\n"),
				appendTo("app/users.py", usersPreferences),
				appendTo("tests/test_users.py", testUsersPreferences),
			}},
		{day: 13, clock: "16:02:18", who: priya, subject: "Move order totals into a pricing module",
			body: `
Checkout wants the same math for the cart preview, and tax has to live
somewhere. total_cents now includes 8% tax, which is what the frontend was
already showing.`,
			ops: []op{
				put("app/pricing.py", pricingV1),
				put("tests/test_pricing.py", testPricingV1),
				edit("app/orders.py", "from app.db import get_db\n", "from app.db import get_db\nfrom app.pricing import order_totals\n"),
				edit("app/orders.py", "        \"total_cents\": sum(i[\"qty\"] * i[\"unit_price_cents\"] for i in payload[\"items\"]),\n", ""),
				edit("app/orders.py", "        \"created_at\": datetime.now(timezone.utc),\n    }\n",
					"        \"created_at\": datetime.now(timezone.utc),\n    }\n    order.update(order_totals(payload[\"items\"]))\n"),
				edit("tests/test_orders.py", "    assert order[\"total_cents\"] == 3000\n", "    assert order[\"total_cents\"] == 3240  # 8% tax\n"),
			}},

		{day: 12, clock: "09:46:33", who: dana, subject: "Extract OrderRepository from the orders blueprint",
			body: `
orders.py was mixing request parsing with Mongo calls. Move persistence into
app/repositories.py so cancellation and the admin scripts can share it.
No behaviour change intended.`,
			ops: []op{
				put("app/repositories.py", repositoriesV1),
				put("app/orders.py", ordersRefactored),
			}},
		{day: 12, clock: "14:31:59", who: dana, subject: "Add discount codes to checkout",
			body: `
SPRING10 and WELCOME5 for the promo. Codes are case-insensitive; an
unknown code is a 400 rather than silently charging full price.`,
			ops: []op{
				put("app/pricing.py", pricingV2),
				edit("app/orders.py", "    order.update(order_totals(payload[\"items\"]))\n", ordersDiscountV1),
			}},
		{day: 12, clock: "17:06:45", who: priya, subject: "Log payment webhook failures with the order id",
			body: `
Support had no way to find out why a payment failed without digging in the
Stripe dashboard.`,
			ops: []op{
				edit("app/payments.py", "\"\"\"Stripe payment intents for orders.\"\"\"\n", "\"\"\"Stripe payment intents for orders.\"\"\"\nimport logging\n\n"),
				edit("app/payments.py", "bp = Blueprint(\"payments\", __name__, url_prefix=\"/payments\")\n",
					"bp = Blueprint(\"payments\", __name__, url_prefix=\"/payments\")\nlog = logging.getLogger(__name__)\n"),
				edit("app/payments.py", paymentsSigV1, paymentsSigV2),
				edit("app/payments.py", paymentsFailedV1, paymentsFailedV2),
			}},

		{day: 11, clock: "15:12:08", who: dana, subject: "Wire up Sentry error reporting",
			body: `
DSN comes from the shop-api-secrets Secret; without one (local, tests)
Sentry stays off.`,
			ops: []op{
				edit("requirements.txt", "python-dotenv==1.0.0\n", "python-dotenv==1.0.0\nsentry-sdk[flask]==1.39.1\n"),
				edit("app/__init__.py", "from flask import Flask\n",
					"import sentry_sdk\nfrom flask import Flask\nfrom sentry_sdk.integrations.flask import FlaskIntegration\n"),
				edit("app/__init__.py", "__version__ = \"0.1.0\"\n\n\n", "__version__ = \"0.1.0\"\n\n\n"+initSentry),
				edit("app/__init__.py", "    configure_logging(app)\n", "    configure_logging(app)\n    _init_sentry(app.config)\n"),
				addSetting("SENTRY_DSN", ""),
				addSetting("SENTRY_TRACES_SAMPLE_RATE", "0"),
				appendTo("config/production.env", "\n# Error reporting (SENTRY_DSN comes from shop-api-secrets)\nSENTRY_TRACES_SAMPLE_RATE=0.05\n"),
			}},

		{day: 10, clock: "09:56:41", who: dana, subject: "Retry Stripe intent creation on transient errors",
			body: `
We lost a handful of checkouts to Stripe 502s on Wednesday. stripe-python
retries connection errors, 409s and 5xx when max_network_retries is set; the
idempotency key makes a retried create hand back the same intent.`,
			ops: []op{edit("app/payments.py", paymentsCreateV1, paymentsCreateV2)}},
		{day: 10, clock: "13:41:15", who: priya, subject: "Bump Flask to 3.0.2",
			ops: []op{edit("requirements.txt", "Flask==3.0.0\n", "Flask==3.0.2\n")}},
		{day: 10, clock: "16:22:37", who: dana, subject: "Compress responses with flask-compress",
			body: `
Order lists for big accounts are ~200KB of JSON. gzip gets that to ~20KB.`,
			ops: []op{
				edit("requirements.txt", "Flask==3.0.2\n", "Flask==3.0.2\nflask-compress==1.14\n"),
				edit("app/__init__.py", "from flask import Flask\n", "from flask import Flask\nfrom flask_compress import Compress\n"),
				edit("app/__init__.py", "    _init_sentry(app.config)\n", "    _init_sentry(app.config)\n    Compress(app)\n"),
			}},

		// ---- Week 3 ----
		{day: 7, clock: "10:15:09", who: priya, subject: "Add order cancellation endpoint",
			body: `
POST /orders/<id>/cancel works while the order is pending or awaiting
payment; anything later is a 409.`,
			ops: []op{
				edit("app/repositories.py", "from bson import ObjectId\n", "from datetime import datetime, timezone\n\nfrom bson import ObjectId\n"),
				edit("app/repositories.py", "from pymongo import DESCENDING\n", "from pymongo import DESCENDING, ReturnDocument\n"),
				edit("app/repositories.py", repoGetV1, repoGetV1+repoCancel),
				appendTo("app/orders.py", ordersCancel),
				edit("docs/api.md", "## Search\n", apiDocCancel+"## Search\n"),
			}},
		{day: 7, clock: "11:42:51", who: dana, revert: "Compress responses with flask-compress"},
		{day: 7, clock: "15:30:26", who: priya, subject: "Return 404 for unknown order ids",
			body: `
GET /orders/<id> answered 200 with a null body (None from the repository)
for ids that don't exist or aren't valid ObjectIds, and the account page
rendered an empty order. Send a proper 404.`,
			ops: []op{
				edit("app/orders.py", "from flask import Blueprint, jsonify, request\n", "from flask import Blueprint, abort, jsonify, request\n"),
				edit("app/orders.py", ordersGetRefactored, ordersGet404),
				appendTo("tests/test_orders.py", testOrders404),
				edit("docs/api.md", "Fetch one order.\n", "Fetch one order; 404 if there is no such order.\n"),
			}},
		{day: 7, clock: "17:21:13", who: dana, subject: "Document deploy and rollback in the runbook",
			ops: []op{
				put("docs/runbook.md", runbookV1),
				edit("README.md", "## Layout\n", "See docs/runbook.md for deploys, rollbacks and dashboards.\n\n## Layout\n"),
			}},

		{day: 6, clock: "10:01:47", who: dana, subject: "CI: run flake8",
			body: `
Also moves the pytest config into setup.cfg next to the flake8 one and
drops an unused import flake8 found.`,
			ops: []op{
				remove("pytest.ini"),
				put("setup.cfg", "[flake8]\nmax-line-length = 100\nexclude = .venv,__pycache__\n\n[tool:pytest]\ntestpaths = tests\npythonpath = .\n"),
				edit("requirements-dev.txt", "-r requirements.txt\n", "-r requirements.txt\nflake8==6.1.0\n"),
				edit(".github/workflows/ci.yml", "      - run: pytest -q\n", "      - run: flake8 app config tests\n      - run: pytest -q\n"),
				edit("app/logging_config.py", "import os\n", ""),
			}},

		{day: 5, clock: "11:05:58", who: dana, subject: "k8s: 3 replicas and resource limits",
			body: `
Two replicas left us at 50% capacity during every rollout. Requests are
sized from last week's Grafana numbers (p95 ~180m CPU, ~210Mi).`,
			ops: []op{
				edit("k8s/deployment.yaml", "  replicas: 2\n", "  replicas: 3\n"),
				appendTo("k8s/deployment.yaml", resourcesV1),
			}},
		{day: 5, clock: "16:46:04", who: priya, subject: "Tests for discount code edge cases",
			ops: []op{
				edit("tests/test_pricing.py", "from app.pricing import order_totals\n", "import pytest\n\nfrom app.pricing import apply_discount, order_totals\n"),
				appendTo("tests/test_pricing.py", testPricingDiscounts),
			}},

		{day: 4, clock: "09:31:36", who: dana, subject: "Users: return 409 on duplicate email",
			body: `
Signing up twice created two user documents with the same email. Add a
unique index and turn the DuplicateKeyError into a 409. Run init-db after
deploying; existing duplicates were merged by hand on Tuesday.`,
			ops: []op{
				edit("app/users.py", "from flask import Blueprint, abort, jsonify, request\n",
					"from flask import Blueprint, abort, jsonify, request\nfrom pymongo.errors import DuplicateKeyError\n"),
				edit("app/users.py", "    get_db().users.insert_one(user)\n",
					"    try:\n        get_db().users.insert_one(user)\n    except DuplicateKeyError:\n        return jsonify({\"errors\": [\"email already registered\"]}), 409\n"),
				appendTo("app/db.py", "    db.users.create_index(\"email\", unique=True)\n"),
				edit("tests/conftest.py", "from app import create_app, search\n", "from app import create_app, db, search\n"),
				edit("tests/conftest.py", conftestAppCache, conftestAppV2),
				appendTo("tests/test_users.py", testUsersDuplicate),
			}},
		{day: 4, clock: "13:52:19", who: priya, subject: "Add request id to log records",
			body: `
Honour X-Request-ID from the ingress or make one up, put it on every access
log line and echo it in the response so support can quote it.`,
			ops: []op{
				edit("app/logging_config.py", "import time\n", "import time\nimport uuid\n"),
				edit("app/logging_config.py", "        g.request_started = time.perf_counter()\n",
					"        g.request_started = time.perf_counter()\n        g.request_id = request.headers.get(\"X-Request-ID\") or uuid.uuid4().hex\n"),
				edit("app/logging_config.py", "            \"ms\": round(elapsed_ms, 1),\n",
					"            \"ms\": round(elapsed_ms, 1),\n            \"request_id\": g.request_id,\n"),
				edit("app/logging_config.py", "            extra={\"fields\": fields},\n        )\n        return response\n",
					"            extra={\"fields\": fields},\n        )\n        response.headers[\"X-Request-ID\"] = g.request_id\n        return response\n"),
			}},

		{day: 3, clock: "10:40:42", who: dana, subject: "Release v0.4.0",
			body: `
First release done by the runbook: bump __version__ and the image tag
together (Sentry releases were all "0.1.0" so far) and start a changelog.`,
			ops: []op{
				edit("app/__init__.py", "__version__ = \"0.1.0\"\n", "__version__ = \"0.4.0\"\n"),
				edit("k8s/deployment.yaml", "shop-api:0.1.0\n", "shop-api:0.4.0\n"),
				put("CHANGELOG.md", changelogV1),
			}},
		{day: 3, clock: "14:25:17", who: priya, subject: "Search: cap results at 50",
			body: `
"a" plus one more letter matched half the catalogue.`,
			ops: []op{
				edit("app/search.py", "MIN_QUERY_LENGTH = 2\n", "MIN_QUERY_LENGTH = 2\nMAX_RESULTS = 50\n"),
				edit("app/search.py", "    ).sort(\"name\", 1)\n", "    ).sort(\"name\", 1).limit(MAX_RESULTS)\n"),
				edit("docs/api.md", "case-insensitive, at least 2 characters).\n", "case-insensitive, at least 2 characters), at most 50 results.\n"),
			}},

		// ---- Incident day ----
		{day: 0, clock: "08:35:24", who: dana, subject: causeSubject,
			body: `
POST /orders p99 went from ~90ms to ~240ms since the spring promo traffic
started, and the profiler puts most of it on waiting for the majority write
acknowledgement across the replica set.

Lower the production write concern to w=0 and turn off journaling on the
write path for performance. Order documents are small and totals are
recomputed from the items, so this looked like an easy win.`,
			ops: []op{edit("config/production.env", mongoURIMajority, mongoURIFast)}},
		{day: 0, clock: "09:22:10", who: priya, subject: "Use JSON log format in production",
			body: `
Loki's logfmt parser mangles the text format's free-form messages. The
JsonFormatter has been there since the logging change; switch production
over.`,
			ops: []op{edit("config/production.env", "LOG_FORMAT=text\n", "LOG_FORMAT=json\n")}},
		{day: 0, clock: "10:06:55", who: priya, subject: "Return 201 from POST /orders",
			body: `
Creating a resource should say so; the mobile client checks for 201
specifically.`,
			ops: []op{
				edit("app/orders.py", "    return jsonify(to_json(_repo().create(order)))\n", "    return jsonify(to_json(_repo().create(order))), 201\n"),
				edit("tests/test_orders.py", "    assert resp.status_code == 200\n    order = resp.get_json()\n", "    assert resp.status_code == 201\n    order = resp.get_json()\n"),
				edit("docs/api.md", "Responds 200 with the created order", "Responds 201 with the created order"),
			}},
		{day: 0, clock: "11:12:31", who: dana, subject: "Handle None discount codes",
			body: `
The checkout sends "discount_code": null once a code is removed from the
cart. order_totals() only skipped the empty string, so apply_discount()
blew up on None.strip() and POST /orders answered 500. Treat any falsy code
as no code.`,
			ops: []op{
				edit("app/pricing.py", "def order_totals(items, discount_code=\"\"):\n", "def order_totals(items, discount_code=None):\n"),
				edit("app/pricing.py", "    if discount_code != \"\":\n", "    if discount_code:\n"),
				edit("app/orders.py", "payload.get(\"discount_code\", \"\")", "payload.get(\"discount_code\")"),
				appendTo("tests/test_pricing.py", testPricingNull),
			}},
		{day: 0, clock: "12:41:08", who: priya, subject: "Tag Sentry events with the deploy environment",
			body: `
Staging and production errors were landing in the same bucket.`,
			ops: []op{
				edit("app/__init__.py", "        release=f\"shop-api@{__version__}\",\n",
					"        release=f\"shop-api@{__version__}\",\n        environment=config.get(\"SENTRY_ENVIRONMENT\") or config.get(\"APP_ENV\"),\n"),
				addSetting("SENTRY_ENVIRONMENT", ""),
				edit("config/production.env", "SENTRY_TRACES_SAMPLE_RATE=0.05\n", "SENTRY_TRACES_SAMPLE_RATE=0.05\nSENTRY_ENVIRONMENT=production\n"),
			}},
		{day: 0, clock: "13:33:45", who: dana, subject: "Add status filter to GET /orders",
			body: `
The support tool wants "all payment_failed orders for this user".`,
			ops: []op{
				edit("app/orders.py", "MAX_PAGE_SIZE = 100\n", "MAX_PAGE_SIZE = 100\nORDER_STATUSES = {\"pending\", \"awaiting_payment\", \"paid\", \"payment_failed\", \"cancelled\"}\n"),
				edit("app/orders.py", ordersListRefactored, ordersListStatus),
				edit("app/repositories.py", repoListV1, repoListV2),
				appendTo("tests/test_orders.py", testOrdersStatus),
				edit("docs/api.md", "§offset§ (default 0).\n", "§offset§ (default 0), §status§ (one of §pending§, §awaiting_payment§, §paid§,\n§payment_failed§, §cancelled§).\n"),
			}},
		{day: 0, clock: "14:47:20", who: dana, subject: "Bump gunicorn to 21.2.0",
			body: `
Picks up the gthread worker fixes from 21.1 and 21.2.`,
			ops: []op{edit("requirements.txt", "gunicorn==21.0.1\n", "gunicorn==21.2.0\n")}},
		{day: 0, clock: "15:52:02", who: priya, subject: "Add tests for order cancellation",
			ops: []op{appendTo("tests/test_orders.py", testOrdersCancel)}},
		{day: 0, clock: "17:02:39", who: priya, subject: "CI: cache pip downloads by requirements hash",
			ops: []op{edit(".github/workflows/ci.yml", "          python-version: \"3.11\"\n",
				"          python-version: \"3.11\"\n          cache: pip\n          cache-dependency-path: requirements*.txt\n")}},
	}
}

// ---- Files ----

const gitignoreV1 = `__pycache__/
*.pyc
.venv/
.pytest_cache/
.env
*.egg-info/
`

const readmeV1 = `# shop-api

Order service behind the shop frontend. Flask + MongoDB.

## Running locally

    pip install -r requirements.txt
    MONGO_URI=mongodb://localhost:27017/shop flask --app wsgi run --port 8080
`

const readmeV2 = `# shop-api

Order service behind the shop frontend: orders, users and (soon) payments,
stored in MongoDB. Flask app served by gunicorn, deployed to the shop k8s
cluster.

## Local setup

Requirements: Python 3.11 and Docker (for MongoDB).

§§§bash
python -m venv .venv && . .venv/bin/activate
pip install -r requirements-dev.txt
docker compose up -d mongo
flask --app wsgi run --port 8080 --debug
§§§

§APP_ENV§ selects §config/<APP_ENV>.env§ (default §development§); any variable
set in the real environment wins over the file.

## Tests

§§§bash
pytest -q
§§§

Tests run against mongomock, so they don't need the Mongo container.

## Layout

- §app/§ – Flask blueprints (§orders§, §users§) and Mongo helpers
- §config/§ – settings loader and per-environment §.env§ files
- §k8s/§ – deployment manifests
- §tests/§ – pytest suite
`

const appInitV1 = `"""shop-api: order service behind the shop frontend."""
from flask import Flask

from app import db
from app.orders import bp as orders_bp
from config.settings import load_settings

__version__ = "0.1.0"


def create_app(settings=None):
    app = Flask(__name__)
    app.config.update(settings or load_settings())

    db.init_app(app)
    app.register_blueprint(orders_bp)
    return app
`

const initDBCommand = `    app.register_blueprint(health_bp)

    @app.cli.command("init-db")
    def init_db():
        """Create MongoDB indexes."""
        db.ensure_indexes(db.get_db())

    return app
`

const initSentry = `def _init_sentry(config):
    if not config.get("SENTRY_DSN"):
        return
    sentry_sdk.init(
        dsn=config["SENTRY_DSN"],
        integrations=[FlaskIntegration()],
        traces_sample_rate=float(config.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
        release=f"shop-api@{__version__}",
    )


`

const dbV1 = `"""MongoDB client wiring."""
from flask import current_app
from pymongo import MongoClient


` + dbInitV1 + `

def get_db():
    client = current_app.extensions["mongo"]
    return client[current_app.config["MONGO_DB"]]
`

const dbInitV1 = `def init_app(app):
    app.extensions["mongo"] = MongoClient(app.config["MONGO_URI"])
`

const dbInitV2 = `def init_app(app, client=None):
    if client is None:
        client = MongoClient(app.config["MONGO_URI"])
    app.extensions["mongo"] = client
`

const dbClientV2 = `        client = MongoClient(
            app.config["MONGO_URI"],
            maxPoolSize=int(app.config["MONGO_MAX_POOL_SIZE"]),
            serverSelectionTimeoutMS=int(app.config["MONGO_TIMEOUT_MS"]),
        )
`

const settingsV1 = `"""Runtime settings, read from the environment."""
import os


def load_settings():
    return {
        "MONGO_URI": os.environ.get("MONGO_URI", "mongodb://localhost:27017/shop"),
        "MONGO_DB": os.environ.get("MONGO_DB", "shop"),
    }
`

const settingsV2 = `"""Runtime settings.

Defaults live here; config/<APP_ENV>.env overrides them, and variables set
in the real environment override both (that's how k8s injects secrets).
"""
import os
from pathlib import Path

from dotenv import dotenv_values

CONFIG_DIR = Path(__file__).resolve().parent

DEFAULTS = {
    "APP_ENV": "development",
    "MONGO_URI": "mongodb://localhost:27017/shop",
    "MONGO_DB": "shop",
    "MONGO_MAX_POOL_SIZE": "20",
    "MONGO_TIMEOUT_MS": "5000",
    "LOG_LEVEL": "INFO",
}


def load_settings(env=None):
    env = env or os.environ.get("APP_ENV", "development")
    settings = dict(DEFAULTS)
    env_file = CONFIG_DIR / f"{env}.env"
    if env_file.exists():
        settings.update(dotenv_values(env_file))
    settings.update({k: v for k, v in os.environ.items() if k in DEFAULTS})
    settings["APP_ENV"] = env
    return settings
`

const productionEnvV1 = `# shop-api production settings.
# Loaded by config/settings.py when APP_ENV=production; variables from the
# k8s Secret shop-api-secrets take precedence over this file.

APP_ENV=production

# MongoDB replica set rs0
` + mongoURIMajority + `MONGO_DB=shop
MONGO_MAX_POOL_SIZE=20
MONGO_TIMEOUT_MS=5000

# Logging
LOG_LEVEL=INFO
`

const composeV1 = `services:
  api:
    build: .
    ports:
      - "8080:8080"
    environment:
      MONGO_URI: mongodb://mongo:27017/shop
      MONGO_DB: shop
    depends_on:
      - mongo

  mongo:
    image: mongo:6.0
    ports:
      - "27017:27017"
    volumes:
      - mongo-data:/data/db

volumes:
  mongo-data:
`

const dockerfileV1 = `FROM python:3.11-slim

WORKDIR /srv/shop-api
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

EXPOSE 8080
CMD ["gunicorn", "--bind", "0.0.0.0:8080", "--workers", "4", "--threads", "2", "wsgi:app"]
`

const deploymentV1 = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
  namespace: shop
  labels:
    app: shop-api
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop-api
  template:
    metadata:
      labels:
        app: shop-api
    spec:
      containers:
        - name: shop-api
          image: registry.shop.example/shop-api:0.1.0
          ports:
            - containerPort: 8080
          env:
            - name: APP_ENV
              value: production
          envFrom:
            - secretRef:
                name: shop-api-secrets
`

const probesV1 = `          readinessProbe:
            httpGet:
              path: /readyz
              port: 8080
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
            initialDelaySeconds: 10
            periodSeconds: 10
`

const resourcesV1 = `          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 512Mi
`

const serviceV1 = `apiVersion: v1
kind: Service
metadata:
  name: shop-api
  namespace: shop
spec:
  selector:
    app: shop-api
  ports:
    - port: 80
      targetPort: 8080
`

const ciV1 = `name: ci

on:
  push:
    branches: [main]
  pull_request:

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install -r requirements-dev.txt
      - run: pytest -q
`

// ---- app/orders.py ----

const ordersHead = `"""Order endpoints."""
from datetime import datetime, timezone

from bson import ObjectId
from flask import Blueprint, jsonify, request

from app.db import get_db

bp = Blueprint("orders", __name__, url_prefix="/orders")
`

const ordersSerialize = `

def _serialize(order):
    order = dict(order)
    order["id"] = str(order.pop("_id"))
    return order
`

const ordersCreateV1 = `

@bp.post("")
def create_order():
    payload = request.get_json(force=True)
    order = {
        "user_id": payload["user_id"],
        "items": payload["items"],
        "status": "pending",
        "created_at": datetime.now(timezone.utc),
    }
` + ordersInsertV1

const ordersInsertV1 = `    result = get_db().orders.insert_one(order)
    order["_id"] = result.inserted_id
    return jsonify(_serialize(order))
`

const ordersInsertV2 = `    orders = get_db().orders
    result = orders.insert_one(order)
    # Read back what Mongo stored so the response matches GET /orders/<id>.
    stored = orders.find_one({"_id": result.inserted_id})
    return jsonify(_serialize(stored))
`

const ordersValidate = `

def _validate(payload):
    errors = []
    if not isinstance(payload.get("user_id"), str) or not payload["user_id"]:
        errors.append("user_id is required")
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        errors.append("items must be a non-empty list")
        return errors
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("sku"):
            errors.append(f"items[{i}].sku is required")
            continue
        qty = item.get("qty")
        if not isinstance(qty, int) or qty < 1:
            errors.append(f"items[{i}].qty must be a positive integer")
        price = item.get("unit_price_cents")
        if not isinstance(price, int) or price < 0:
            errors.append(f"items[{i}].unit_price_cents must be a non-negative integer")
    return errors
`

const ordersCreateV2 = `

@bp.post("")
def create_order():
    payload = request.get_json(silent=True) or {}
    errors = _validate(payload)
    if errors:
        return jsonify({"errors": errors}), 400

    order = {
        "user_id": payload["user_id"],
        "items": payload["items"],
        "total_cents": sum(i["qty"] * i["unit_price_cents"] for i in payload["items"]),
        "status": "pending",
        "created_at": datetime.now(timezone.utc),
    }
` + ordersInsertV1

const ordersListV1 = `

@bp.get("")
def list_orders():
    query = {}
    if "user_id" in request.args:
        query["user_id"] = request.args["user_id"]
    orders = get_db().orders.find(query).sort("created_at", -1)
    return jsonify([_serialize(o) for o in orders])
`

const ordersListV2 = `

@bp.get("")
def list_orders():
    query = {}
    if "user_id" in request.args:
        query["user_id"] = request.args["user_id"]
    limit = min(request.args.get("limit", DEFAULT_PAGE_SIZE, type=int), MAX_PAGE_SIZE)
    offset = max(request.args.get("offset", 0, type=int), 0)
    cursor = get_db().orders.find(query).sort("created_at", -1).skip(offset).limit(limit)
    return jsonify({"orders": [_serialize(o) for o in cursor], "limit": limit, "offset": offset})
`

const ordersGetV1 = `

@bp.get("/<order_id>")
def get_order(order_id):
    order = get_db().orders.find_one({"_id": ObjectId(order_id)})
    return jsonify(_serialize(order))
`

const ordersRefactored = `"""Order endpoints."""
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request

from app.db import get_db
from app.pricing import order_totals
from app.repositories import OrderRepository, to_json

bp = Blueprint("orders", __name__, url_prefix="/orders")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _repo():
    return OrderRepository(get_db())
` + ordersValidate + `

@bp.post("")
def create_order():
    payload = request.get_json(silent=True) or {}
    errors = _validate(payload)
    if errors:
        return jsonify({"errors": errors}), 400

    order = {
        "user_id": payload["user_id"],
        "items": payload["items"],
        "status": "pending",
        "created_at": datetime.now(timezone.utc),
    }
    order.update(order_totals(payload["items"]))
    return jsonify(to_json(_repo().create(order)))
` + ordersListRefactored + ordersGetRefactored

const ordersListRefactored = `

@bp.get("")
def list_orders():
    limit = min(request.args.get("limit", DEFAULT_PAGE_SIZE, type=int), MAX_PAGE_SIZE)
    offset = max(request.args.get("offset", 0, type=int), 0)
    orders = _repo().list(user_id=request.args.get("user_id"), limit=limit, offset=offset)
    return jsonify({"orders": [to_json(o) for o in orders], "limit": limit, "offset": offset})
`

const ordersListStatus = `

@bp.get("")
def list_orders():
    limit = min(request.args.get("limit", DEFAULT_PAGE_SIZE, type=int), MAX_PAGE_SIZE)
    offset = max(request.args.get("offset", 0, type=int), 0)
    status = request.args.get("status")
    if status is not None and status not in ORDER_STATUSES:
        return jsonify({"errors": [f"unknown status: {status}"]}), 400
    orders = _repo().list(
        user_id=request.args.get("user_id"), status=status, limit=limit, offset=offset
    )
    return jsonify({"orders": [to_json(o) for o in orders], "limit": limit, "offset": offset})
`

const ordersGetRefactored = `

@bp.get("/<order_id>")
def get_order(order_id):
    return jsonify(to_json(_repo().get(order_id)))
`

const ordersGet404 = `

@bp.get("/<order_id>")
def get_order(order_id):
    order = _repo().get(order_id)
    if order is None:
        abort(404)
    return jsonify(to_json(order))
`

const ordersDiscountV1 = `    try:
        order.update(order_totals(payload["items"], payload.get("discount_code", "")))
    except ValueError as exc:
        return jsonify({"errors": [str(exc)]}), 400
`

const ordersCancel = `

@bp.post("/<order_id>/cancel")
def cancel_order(order_id):
    order = _repo().cancel(order_id)
    if order is None:
        return jsonify({"errors": ["order not found or no longer cancellable"]}), 409
    return jsonify(to_json(order))
`

// ---- app/repositories.py ----

const repositoriesV1 = `"""Persistence for orders, kept out of the HTTP layer."""
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import DESCENDING


def to_json(doc):
    if doc is None:
        return None
    doc = dict(doc)
    doc["id"] = str(doc.pop("_id"))
    return doc


class OrderRepository:
    def __init__(self, db):
        self.collection = db.orders

    def create(self, order):
        result = self.collection.insert_one(order)
        # Read back what Mongo stored so callers see its datetime precision.
        return self.collection.find_one({"_id": result.inserted_id})
` + repoGetV1 + repoListV1

const repoGetV1 = `
    def get(self, order_id):
        try:
            oid = ObjectId(order_id)
        except InvalidId:
            return None
        return self.collection.find_one({"_id": oid})
`

const repoCancel = `
    def cancel(self, order_id):
        try:
            oid = ObjectId(order_id)
        except InvalidId:
            return None
        return self.collection.find_one_and_update(
            {"_id": oid, "status": {"$in": ["pending", "awaiting_payment"]}},
            {"$set": {"status": "cancelled", "cancelled_at": datetime.now(timezone.utc)}},
            return_document=ReturnDocument.AFTER,
        )
`

const repoListV1 = `
    def list(self, user_id=None, limit=20, offset=0):
        query = {}
        if user_id is not None:
            query["user_id"] = user_id
        cursor = self.collection.find(query).sort("created_at", DESCENDING)
        return list(cursor.skip(offset).limit(limit))
`

const repoListV2 = `
    def list(self, user_id=None, status=None, limit=20, offset=0):
        query = {}
        if user_id is not None:
            query["user_id"] = user_id
        if status is not None:
            query["status"] = status
        cursor = self.collection.find(query).sort("created_at", DESCENDING)
        return list(cursor.skip(offset).limit(limit))
`

// ---- app/pricing.py ----

const pricingV1 = `"""Order pricing, shared by checkout and the cart preview."""

TAX_RATE_PERCENT = 8


def line_total(item):
    return item["qty"] * item["unit_price_cents"]


def order_totals(items):
    subtotal = sum(line_total(item) for item in items)
    tax = subtotal * TAX_RATE_PERCENT // 100
    return {"subtotal_cents": subtotal, "tax_cents": tax, "total_cents": subtotal + tax}
`

const pricingV2 = `"""Order pricing, shared by checkout and the cart preview."""

TAX_RATE_PERCENT = 8

# Percent off the subtotal, before tax.
DISCOUNT_CODES = {"SPRING10": 10, "WELCOME5": 5}


def line_total(item):
    return item["qty"] * item["unit_price_cents"]


def apply_discount(subtotal, code):
    percent = DISCOUNT_CODES.get(code.strip().upper())
    if percent is None:
        raise ValueError(f"unknown discount code: {code}")
    return subtotal - subtotal * percent // 100


def order_totals(items, discount_code=""):
    subtotal = sum(line_total(item) for item in items)
    if discount_code != "":
        subtotal = apply_discount(subtotal, discount_code)
    tax = subtotal * TAX_RATE_PERCENT // 100
    return {
        "subtotal_cents": subtotal,
        "discount_code": discount_code or None,
        "tax_cents": tax,
        "total_cents": subtotal + tax,
    }
`

// ---- app/users.py ----

const usersV1 = `"""User signup and profile lookup."""
from datetime import datetime, timezone

from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, abort, jsonify, request

from app.db import get_db

bp = Blueprint("users", __name__, url_prefix="/users")

PUBLIC_FIELDS = ("email", "name", "created_at")


def _public(user):
    out = {k: user.get(k) for k in PUBLIC_FIELDS}
    out["id"] = str(user["_id"])
    return out


def _find_user(user_id):
    try:
        oid = ObjectId(user_id)
    except InvalidId:
        abort(404)
    user = get_db().users.find_one({"_id": oid})
    if user is None:
        abort(404)
    return user


@bp.post("")
def signup():
    payload = request.get_json(silent=True) or {}
    email = (payload.get("email") or "").strip().lower()
    if "@" not in email:
        return jsonify({"errors": ["a valid email is required"]}), 400
    user = {
        "email": email,
        "name": payload.get("name", ""),
        "created_at": datetime.now(timezone.utc),
    }
    get_db().users.insert_one(user)
    return jsonify(_public(user)), 201


@bp.get("/<user_id>")
def get_user(user_id):
    return jsonify(_public(_find_user(user_id)))
`

const usersPreferences = `

@bp.patch("/<user_id>/preferences")
def update_preferences(user_id):
    user = _find_user(user_id)
    payload = request.get_json(silent=True) or {}
    unknown = sorted(set(payload) - ALLOWED_PREFERENCES)
    if unknown:
        return jsonify({"errors": [f"unknown preference: {k}" for k in unknown]}), 400
    prefs = {**user.get("preferences", {}), **payload}
    get_db().users.update_one({"_id": user["_id"]}, {"$set": {"preferences": prefs}})
    user["preferences"] = prefs
    return jsonify(_public(user))
`

// ---- app/payments.py ----

const paymentsV1 = `"""Stripe payment intents for orders."""
import stripe
from bson import ObjectId
from flask import Blueprint, abort, current_app, jsonify, request

from app.db import get_db

bp = Blueprint("payments", __name__, url_prefix="/payments")


@bp.post("/intents")
def create_intent():
    payload = request.get_json(silent=True) or {}
    order = get_db().orders.find_one({"_id": ObjectId(payload.get("order_id"))})
    if order is None:
        abort(404)
` + paymentsCreateV1 + `    get_db().orders.update_one(
        {"_id": order["_id"]},
        {"$set": {"payment_intent_id": intent.id, "status": "awaiting_payment"}},
    )
    return jsonify({"client_secret": intent.client_secret}), 201


@bp.post("/webhook")
def webhook():
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    try:
        event = stripe.Webhook.construct_event(
            request.get_data(), request.headers.get("Stripe-Signature", ""), secret
        )
` + paymentsSigV1 + `
    intent = event["data"]["object"]
    order_id = intent["metadata"].get("order_id")
    if event["type"] == "payment_intent.succeeded":
        _set_status(order_id, "paid")
` + paymentsFailedV1 + `    return "", 204


def _set_status(order_id, status):
    get_db().orders.update_one({"_id": ObjectId(order_id)}, {"$set": {"status": status}})
`

const paymentsCreateV1 = `    stripe.api_key = current_app.config["STRIPE_SECRET_KEY"]
    intent = stripe.PaymentIntent.create(
        amount=order["total_cents"],
        currency="usd",
        metadata={"order_id": str(order["_id"])},
    )
`

const paymentsCreateV2 = `    stripe.api_key = current_app.config["STRIPE_SECRET_KEY"]
    stripe.max_network_retries = 2
    intent = stripe.PaymentIntent.create(
        amount=order["total_cents"],
        currency="usd",
        metadata={"order_id": str(order["_id"])},
        idempotency_key=f"order-{order['_id']}-intent",
    )
`

const paymentsSigV1 = `    except (ValueError, stripe.error.SignatureVerificationError):
        abort(400)
`

const paymentsSigV2 = `    except (ValueError, stripe.error.SignatureVerificationError) as exc:
        log.warning("rejected Stripe webhook: %s", exc)
        abort(400)
`

const paymentsFailedV1 = `    elif event["type"] == "payment_intent.payment_failed":
        _set_status(order_id, "payment_failed")
`

const paymentsFailedV2 = `    elif event["type"] == "payment_intent.payment_failed":
        error = intent.get("last_payment_error") or {}
        log.warning(
            "payment failed for order %s: %s (%s)",
            order_id,
            error.get("message", "unknown error"),
            error.get("code", "-"),
        )
        _set_status(order_id, "payment_failed")
`

// ---- app/search.py ----

const searchV1 = `"""Product search for the storefront search box."""
import re

from flask import Blueprint, jsonify, request

from app.db import get_db

bp = Blueprint("search", __name__, url_prefix="/search")

MIN_QUERY_LENGTH = 2


def _product(doc):
    return {"sku": doc["sku"], "name": doc["name"], "price_cents": doc["price_cents"]}


def _find_products(q):
    cursor = get_db().products.find(
        {"name": {"$regex": re.escape(q), "$options": "i"}},
        {"sku": 1, "name": 1, "price_cents": 1},
    ).sort("name", 1)
    return [_product(p) for p in cursor]
` + searchRouteV1

const searchRouteV1 = `

@bp.get("")
def search_products():
    q = request.args.get("q", "").strip()
    if len(q) < MIN_QUERY_LENGTH:
        return jsonify({"query": q, "results": []})
    return jsonify({"query": q, "results": _find_products(q)})
`

const searchCache = `

def _cached_find(q):
    ttl = float(current_app.config.get("SEARCH_CACHE_TTL", 60))
    key = q.lower()
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    results = _find_products(q)
    _cache[key] = (now, results)
    return results
`

const searchRouteV2 = `

@bp.get("")
def search_products():
    q = request.args.get("q", "").strip()
    if len(q) < MIN_QUERY_LENGTH:
        return jsonify({"query": q, "results": []})
    return jsonify({"query": q, "results": _cached_find(q)})
`

// ---- app/health.py, app/logging_config.py ----

const healthV1 = `"""Kubernetes probes."""
from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def liveness():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readiness():
    try:
        current_app.extensions["mongo"].admin.command("ping")
    except Exception as exc:  # any failure means "not ready"
        return jsonify({"status": "unavailable", "error": str(exc)}), 503
    return jsonify({"status": "ok"})
`

const loggingV1 = `"""Logging setup: one line per request, text locally, JSON if asked."""
import json
import logging
import os
import sys
import time

from flask import g, request


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(app):
    handler = logging.StreamHandler(sys.stdout)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))

    log = logging.getLogger("shop_api.access")

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        elapsed_ms = (time.perf_counter() - g.request_started) * 1000
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(elapsed_ms, 1),
        }
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            elapsed_ms,
            extra={"fields": fields},
        )
        return response
`

// ---- tests ----

const conftestV1 = `import mongomock
import pytest

from app import create_app

TEST_SETTINGS = {
    "TESTING": True,
    "MONGO_URI": "mongodb://localhost:27017/shop_test",
    "MONGO_DB": "shop_test",
}


` + conftestAppV1 + `

@pytest.fixture
def client(app):
    return app.test_client()
`

const conftestAppV1 = `@pytest.fixture
def app():
    return create_app(dict(TEST_SETTINGS), mongo_client=mongomock.MongoClient())
`

const conftestAppCache = `@pytest.fixture
def app():
    search._cache.clear()
    return create_app(dict(TEST_SETTINGS), mongo_client=mongomock.MongoClient())
`

const conftestAppV2 = `@pytest.fixture
def app():
    search._cache.clear()
    app = create_app(dict(TEST_SETTINGS), mongo_client=mongomock.MongoClient())
    with app.app_context():
        db.ensure_indexes(db.get_db())
    return app
`

const testOrdersV1 = `def test_create_and_fetch_order(client):
    items = [{"sku": "TEE-RED-M", "qty": 2}]
    resp = client.post("/orders", json={"user_id": "u1", "items": items})
    assert resp.status_code == 200
    order = resp.get_json()
    assert order["status"] == "pending"

    fetched = client.get(f"/orders/{order['id']}").get_json()
    assert fetched["items"] == items


def test_list_orders_filters_by_user(client):
    client.post("/orders", json={"user_id": "u1", "items": [{"sku": "A", "qty": 1}]})
    client.post("/orders", json={"user_id": "u2", "items": [{"sku": "B", "qty": 1}]})
    orders = client.get("/orders?user_id=u1").get_json()
    assert [o["user_id"] for o in orders] == ["u1"]
`

const testOrdersV2 = `ORDER = {
    "user_id": "u1",
    "items": [{"sku": "TEE-RED-M", "qty": 2, "unit_price_cents": 1500}],
}


def test_create_and_fetch_order(client):
    resp = client.post("/orders", json=ORDER)
    assert resp.status_code == 200
    order = resp.get_json()
    assert order["status"] == "pending"
    assert order["total_cents"] == 3000

    fetched = client.get(f"/orders/{order['id']}").get_json()
    assert fetched["items"] == ORDER["items"]


def test_list_orders_filters_by_user(client):
    client.post("/orders", json=ORDER)
    client.post("/orders", json={**ORDER, "user_id": "u2"})
    orders = client.get("/orders?user_id=u1").get_json()
    assert [o["user_id"] for o in orders] == ["u1"]


def test_rejects_invalid_items(client):
    resp = client.post("/orders", json={"user_id": "u1", "items": [{"sku": "X", "qty": 0}]})
    assert resp.status_code == 400
    assert "items[0].qty must be a positive integer" in resp.get_json()["errors"]
`

const testOrdersPaginate = `

def test_list_orders_paginates(client):
    for _ in range(3):
        client.post("/orders", json=ORDER)
    page = client.get("/orders?limit=2&offset=2").get_json()
    assert page["limit"] == 2
    assert len(page["orders"]) == 1
`

const testOrders404 = `

def test_unknown_order_is_404(client):
    assert client.get("/orders/000000000000000000000000").status_code == 404
    assert client.get("/orders/not-an-id").status_code == 404
`

const testOrdersStatus = `

def test_list_orders_filters_by_status(client):
    order = client.post("/orders", json=ORDER).get_json()
    client.post("/orders", json=ORDER)
    client.post(f"/orders/{order['id']}/cancel")
    page = client.get("/orders?user_id=u1&status=cancelled").get_json()
    assert [o["id"] for o in page["orders"]] == [order["id"]]
    assert client.get("/orders?status=lost").status_code == 400
`

const testOrdersCancel = `

def test_cancel_pending_order(client):
    order = client.post("/orders", json=ORDER).get_json()
    resp = client.post(f"/orders/{order['id']}/cancel")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "cancelled"


def test_cannot_cancel_twice(client):
    order = client.post("/orders", json=ORDER).get_json()
    client.post(f"/orders/{order['id']}/cancel")
    assert client.post(f"/orders/{order['id']}/cancel").status_code == 409
`

const testUsersV1 = `def test_signup_and_lookup(client):
    resp = client.post("/users", json={"email": " Dana@Example.com ", "name": "Dana"})
    assert resp.status_code == 201
    user = resp.get_json()
    assert user["email"] == "dana@example.com"

    fetched = client.get(f"/users/{user['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json()["name"] == "Dana"


def test_unknown_user_is_404(client):
    assert client.get("/users/000000000000000000000000").status_code == 404
    assert client.get("/users/not-an-id").status_code == 404
`

const testUsersPreferences = `

def test_preferences_are_merged(client):
    user = client.post("/users", json={"email": "p@example.com"}).get_json()
    client.patch(f"/users/{user['id']}/preferences", json={"currency": "EUR"})
    resp = client.patch(f"/users/{user['id']}/preferences", json={"language": "de"})
    assert resp.status_code == 200
    assert resp.get_json()["preferences"] == {"currency": "EUR", "language": "de"}


def test_unknown_preference_is_rejected(client):
    user = client.post("/users", json={"email": "q@example.com"}).get_json()
    resp = client.patch(f"/users/{user['id']}/preferences", json={"theme": "dark"})
    assert resp.status_code == 400
`

const testUsersDuplicate = `

def test_duplicate_email_is_409(client):
    client.post("/users", json={"email": "dup@example.com"})
    assert client.post("/users", json={"email": "DUP@example.com"}).status_code == 409
`

const testPaymentsV1 = `from types import SimpleNamespace

import stripe


def test_create_intent_marks_order_awaiting_payment(client, monkeypatch):
    created = {}

    def fake_create(**kwargs):
        created.update(kwargs)
        return SimpleNamespace(id="pi_123", client_secret="pi_123_secret_abc")

    monkeypatch.setattr(stripe.PaymentIntent, "create", fake_create)
    order = client.post("/orders", json={
        "user_id": "u1",
        "items": [{"sku": "MUG-01", "qty": 1, "unit_price_cents": 1200}],
    }).get_json()

    resp = client.post("/payments/intents", json={"order_id": order["id"]})
    assert resp.status_code == 201
    assert created["amount"] == order["total_cents"]
    assert client.get(f"/orders/{order['id']}").get_json()["status"] == "awaiting_payment"
`

const testHealthV1 = `def test_liveness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readiness_pings_mongo(client):
    assert client.get("/readyz").status_code == 200
`

const testSearchV1 = `from app.db import get_db


def test_search_matches_substring_case_insensitively(app, client):
    with app.app_context():
        get_db().products.insert_many([
            {"sku": "TEE-RED-M", "name": "Red T-Shirt", "price_cents": 1500},
            {"sku": "MUG-01", "name": "Coffee Mug", "price_cents": 1200},
        ])
    results = client.get("/search?q=SHIRT").get_json()["results"]
    assert [r["sku"] for r in results] == ["TEE-RED-M"]


def test_short_queries_match_nothing(client):
    assert client.get("/search?q=a").get_json()["results"] == []
`

const testPricingV1 = `from app.pricing import order_totals

ITEMS = [{"sku": "TEE-RED-M", "qty": 2, "unit_price_cents": 1500}]


def test_totals_include_tax():
    totals = order_totals(ITEMS)
    assert totals["subtotal_cents"] == 3000
    assert totals["tax_cents"] == 240
    assert totals["total_cents"] == 3240
`

const testPricingDiscounts = `

def test_discount_code_ignores_case_and_spaces():
    assert apply_discount(3000, " spring10 ") == 2700


def test_unknown_discount_code_is_rejected():
    with pytest.raises(ValueError):
        apply_discount(3000, "FREESTUFF")


def test_discount_amount_rounds_down():
    assert apply_discount(999, "WELCOME5") == 950


def test_discount_applies_before_tax():
    assert order_totals(ITEMS, "SPRING10")["total_cents"] == 2916
`

const testPricingNull = `

def test_null_discount_code_is_ignored():
    assert order_totals(ITEMS, None)["total_cents"] == 3240
`

// ---- docs ----

const apiDocV1 = `# shop-api HTTP API

All bodies are JSON. Money is in integer cents. Errors are
§{"errors": ["..."]}§ with a 4xx status.

## Orders

### POST /orders

§§§json
{
  "user_id": "65f1c0ffee0000000000abcd",
  "items": [{"sku": "TEE-RED-M", "qty": 2, "unit_price_cents": 1500}]
}
§§§

Responds 200 with the created order (§id§, §status§ = §pending§,
§total_cents§, §created_at§), or 400 if the payload is invalid.

### GET /orders

Query: §user_id§, §limit§ (default 20, max 100), §offset§ (default 0).

§§§json
{"orders": [...], "limit": 20, "offset": 0}
§§§

### GET /orders/<id>

Fetch one order.

## Search

### GET /search?q=<text>

Products whose name contains §q§ (case-insensitive, at least 2 characters).

§§§json
{"query": "shirt", "results": [{"sku": "TEE-RED-M", "name": "Red T-Shirt", "price_cents": 1500}]}
§§§
`

const apiDocCancel = `### POST /orders/<id>/cancel

Cancels a §pending§ or §awaiting_payment§ order and responds with it; 409
if the order doesn't exist or is past that point.

`

const runbookV1 = `# shop-api runbook

## Deploying

1. Merge to §main§; CI runs flake8 and the tests.
2. Bump §__version__§ in §app/__init__.py§ and the image tag in
   §k8s/deployment.yaml§, then build and push:

       docker build -t registry.shop.example/shop-api:<version> .
       docker push registry.shop.example/shop-api:<version>

3. §kubectl apply -f k8s/§ and watch the rollout:

       kubectl -n shop rollout status deploy/shop-api

§config/production.env§ is baked into the image, so config changes ship with
the next deploy exactly like code changes.

## Rolling back

    kubectl -n shop rollout undo deploy/shop-api

Then revert the offending commit on §main§ so the next deploy doesn't bring
it back.

## MongoDB

- Replica set §rs0§, three members, in the §shop§ namespace.
- Indexes are created by §flask --app wsgi init-db§; run it from one pod
  after a deploy that adds an index in §app/db.py§.
- Order writes use the write concern from §MONGO_URI§ (§w=majority§).

## Dashboards

- Grafana: "shop-api / requests" (latency and 5xx by route)
- Sentry project §shop-api§
`

const changelogV1 = `# Changelog

## 0.4.0

- Orders: pagination, cancellation, 404 for unknown ids, discount codes,
  8% tax in totals
- Payments: Stripe intents with retries, failure logging
- Search: product search with a short-lived per-process cache
- Users: preferences, 409 on duplicate email
- Ops: Sentry, request ids in logs, probes, 3 replicas with limits

## 0.1.0

- First deploy: orders and users on MongoDB
`
