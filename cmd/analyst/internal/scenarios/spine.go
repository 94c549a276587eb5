package scenarios

// This file holds the story: the commits with a fixed place on the
// timeline (the import, the risky changes, the distractors that share words
// with the incident reports, the fixes that follow each incident) and the
// notes made outside git. Day numbers count back from the end of the
// history (a Monday evening on the reference timeline); clocks are UTC.
//
// Cause keys (the cause field) match incidents.json.

var noteSpecs = []noteSpec{
	{day: 90, clock: "10:40", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.3.0 to production"},
	{day: 88, clock: "11:15", kind: "decision", tags: []string{"data", "legal"}, text: "agreed with finance to keep order data for 10 years (German tax law); no archiving of orders"},
	{day: 84, clock: "11:35", kind: "deploy", tags: []string{"deploy", "production"}, text: "deploying shopfront 2.4.0 to production"},
	{day: 83, clock: "09:50", kind: "ops", tags: []string{"tls", "ingress"}, text: "renewed the wildcard TLS certificate for shop.example"},
	{day: 80, clock: "16:20", kind: "ops", tags: []string{"redis"}, text: "upgraded the shared Redis cluster to 7.2.4 (managed service, no downtime)"},
	{
		day: 76, clock: "19:30", kind: "ops", tags: []string{"mongo", "storage"}, cause: "mongo-storage-class",
		text: "moved the Mongo data volumes (wishlists, reviews) from the ssd to the standard storage class to cut the disk bill; 40 GB, one member at a time",
	},
	{day: 77, clock: "11:30", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.5.0 to production"},
	{day: 74, clock: "15:05", kind: "decision", tags: []string{"payments", "paygate"}, text: "PayGate: require 3-D Secure for every card payment above 250 EUR"},
	{day: 70, clock: "11:00", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.6.0 to production"},
	{
		day: 69, clock: "16:45", kind: "decision", tags: []string{"payments", "paygate"}, cause: "payment-gateway-timeout",
		text: "set the payment gateway timeout to 2s in the provider console; the 30s default was tying up checkout workers at peak",
	},
	{day: 66, clock: "13:50", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.7.0 to production"},
	{day: 62, clock: "10:30", kind: "ops", tags: []string{"postgres", "storage"}, text: "enabled storage autoscaling on the primary Postgres volume (max 500 GB)"},
	{day: 63, clock: "11:20", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.8.0 to production"},
	{day: 61, clock: "12:00", kind: "deploy", tags: []string{"merchant-app"}, text: "released merchant app 1.8 to the App Store and Google Play (bulk price edits)"},
	{
		day: 59, clock: "17:40", kind: "config", tags: []string{"cdn", "security"}, cause: "cdn-bot-challenge",
		text: "turned on bot protection (JavaScript challenge for suspected bots) for /api/* in the CDN dashboard; scrapers were pulling the whole catalogue every hour",
	},
	{day: 60, clock: "14:00", kind: "config", tags: []string{"email", "dns"}, text: "mail relay: added DKIM and SPF records for shop.example"},
	{
		day: 56, clock: "09:30", kind: "ops", tags: []string{"redis", "memory"}, cause: "redis-eviction-policy",
		text: "switched maxmemory-policy to allkeys-lru on the shared Redis to stop the OOM alerts",
	},
	{day: 55, clock: "10:05", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.9.0 to production"},
	{day: 53, clock: "09:40", kind: "ops", tags: []string{"postgres", "backup"}, text: "moved the nightly Postgres backups to 02:00 UTC, away from the report jobs"},
	{day: 49, clock: "11:10", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.10.0 to production"},
	{day: 46, clock: "10:10", kind: "decision", tags: []string{"marketing", "promotions"}, text: "newsletter: a 20% welcome code for new subscribers from this weekend; marketing creates it in the back office"},
	{day: 45, clock: "17:20", kind: "decision", tags: []string{"fraud", "payments"}, text: "fraud rules: orders from new accounts above 1000 EUR go to manual review"},
	{day: 41, clock: "09:30", kind: "decision", tags: []string{"process"}, text: "Black Friday: code freeze from Nov 23 to Nov 30, fixes only"},
	{day: 42, clock: "14:25", kind: "deploy", tags: []string{"deploy", "production"}, text: "deploying shopfront 2.11.0 to production"},
	{day: 38, clock: "09:15", kind: "ops", tags: []string{"cdn"}, text: "purged the CDN cache for /static after the logo change"},
	{
		day: 35, clock: "17:00", kind: "ops", tags: []string{"postgres", "debugging"}, cause: "db-statement-logging",
		text: "turned on log_statement = 'all' on the primary Postgres to find where the slow checkout queries come from",
	},
	{day: 34, clock: "11:00", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.12.0 to production"},
	{
		day: 31, clock: "18:30", kind: "decision", tags: []string{"fraud", "payments"}, cause: "fraud-threshold",
		text: "lowered the fraud score threshold in the risk provider dashboard from 80 to 45 after the chargeback spike",
	},
	{day: 28, clock: "10:50", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.13.0 to production"},
	{day: 28, clock: "16:00", kind: "deploy", tags: []string{"app", "ios", "android"}, text: "released the iOS and Android apps 5.3 (order tracking on the order screen)"},
	{day: 26, clock: "15:40", kind: "ops", tags: []string{"payments", "secrets"}, text: "rotated the PayGate API key (scheduled yearly rotation)"},
	{
		day: 20, clock: "11:00", kind: "config", tags: []string{"cdn", "caching"}, cause: "cdn-cache-ttl",
		text: "raised the CDN edge cache TTL for /api/products/* to 24h in the CDN dashboard to cut origin load",
	},
	{day: 21, clock: "15:30", kind: "ops", tags: []string{"warehouse"}, text: "warehouse: second label printer set up at packing station 2, same label page (labels.shop.example)"},
	{
		day: 18, clock: "14:00", kind: "ops", tags: []string{"postgres", "connections"}, cause: "pg-idle-session-timeout",
		text: "set idle_session_timeout to 60s on the primary Postgres in the provider console; idle client connections were taking up most of max_connections",
	},
	{day: 18, clock: "16:10", kind: "ops", tags: []string{"workers", "capacity"}, text: "scaled the worker deployment to 4 replicas for Black Friday week"},
	{day: 14, clock: "10:40", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.14.0 to production"},
	{day: 10, clock: "09:20", kind: "ops", tags: []string{"postgres"}, text: "Postgres minor upgrade to 15.8 by the hosting provider (30 s failover)"},
	{
		day: 48, clock: "17:50", kind: "decision", tags: []string{"payments", "paygate", "fraud"}, cause: "paygate-avs-strict",
		text: "PayGate risk rules: decline card payments whose postcode doesn't match the card's billing address (AVS); most of our chargebacks are UK and US cards",
	},
	{
		day: 38, clock: "12:30", kind: "ops", tags: []string{"s3", "media", "storage"}, cause: "media-lifecycle-archive",
		text: "S3 lifecycle rule on shop-media-prod: objects older than 120 days move to Glacier Flexible Retrieval; 2.3 TB, mostly photos of discontinued products",
	},
	{
		day: 25, clock: "17:15", kind: "config", tags: []string{"load-balancer", "network"}, cause: "lb-idle-timeout",
		text: "cloud load balancer: idle timeout lowered from 350 s to 10 s in the console; idle keep-alive connections from crawlers were using up its connection quota",
	},
	{day: 7, clock: "10:30", kind: "deploy", tags: []string{"deploy", "production"}, text: "deployed shopfront 2.15.0 to production"},
}

func spine() []step {
	return []step{
		{day: 91, clock: "10:02", who: dana, subject: "Import shopfront from the monorepo",
			body: `
History before this commit lives in the monorepo under services/shopfront;
this is its tree at 7c1e0a2 with the paths flattened. Nothing else changes:
same image, same manifests, same CI steps.`,
			ops: baseFiles()},

		// ---- before the first incidents ----
		{day: 88, clock: "15:30", who: priya, subject: "Merchant app: upload product photos from the phone",
			body: `
POST /api/merchant/photos takes a multipart photo from the merchant app,
stores the original in the media bucket and queues the thumbnails. The
admin web UI keeps its own upload.`,
			ops: []op{
				put("shop/api/merchant.py", merchantPy),
				edit("shop/app.py", "from shop.api import admin, cart, checkout, orders, products, wishlists\n",
					"from shop.api import admin, cart, checkout, merchant, orders, products, wishlists\n"),
				edit("shop/app.py", "(products.bp, cart.bp, checkout.bp, orders.bp, wishlists.bp, admin.bp, webhooks.bp)",
					"(products.bp, cart.bp, checkout.bp, orders.bp, wishlists.bp, admin.bp, merchant.bp, webhooks.bp)"),
			}},
		{day: 87, clock: "11:10", who: tomas, subject: "CI: cache image layers between builds",
			ops: []op{
				edit(".github/workflows/ci.yml", "          context: .\n          push: true\n",
					"          context: .\n          push: true\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n"),
			}},
		{day: 87, clock: "10:20", who: priya, subject: "Search: rank exact name matches first",
			body: `Typing the full product name should put that product on top, not a
description that mentions it three times.`,
			ops: []op{
				edit("shop/search.py", "             ORDER BY ts_rank(p.search_vector, websearch_to_tsquery('shop_search', %(q)s)) DESC, p.id\n",
					"             ORDER BY (lower(p.name) = lower(%(q)s)) DESC,\n                      ts_rank(p.search_vector, websearch_to_tsquery('shop_search', %(q)s)) DESC, p.id\n"),
			}},
		{day: 87, clock: "14:45", who: dana, subject: "Save for later: move a cart item to the default wishlist",
			ops: []op{
				appendTo("shop/api/cart.py", saveForLaterPy),
			}},
		{day: 83, clock: "09:40", who: tomas, subject: "api: give pods 30s before the first liveness check",
			body: `
Cold starts after a deploy take 15-25 s (imports + pool warm-up) and the
kubelet restarted a few pods before they ever became ready.`,
			ops: []op{
				edit("deploy/k8s/api-deployment.yaml", "            initialDelaySeconds: 20\n", "            initialDelaySeconds: 30\n"),
			}},
		{day: 84, clock: "11:20", who: tomas, subject: "Dockerfile: pin the build platform", cause: "docker-arm-platform",
			body: `
Half of us build on Apple silicon and got different Pillow wheels than CI,
which is how the thumbnail test passed locally and failed in CI last week.
Pin the platform so every build produces the same image.`,
			ops: []op{
				edit("Dockerfile", "FROM python:3.12-slim AS base\n",
					"# Pinned so that laptops and CI build the same image.\nFROM --platform=linux/arm64 python:3.12-slim AS base\n"),
			}},
		{day: 84, clock: "12:40", who: tomas, subject: "Dockerfile: build for linux/amd64, the nodes are x86", fixes: "docker-arm-platform",
			body: `
The arm64 image from this morning crashed at start on every node with
"exec format error" and the rollout stalled. The cluster is amd64 only;
laptops build through emulation now.`,
			ops: []op{
				edit("Dockerfile", "FROM --platform=linux/arm64 python:3.12-slim AS base\n", "FROM --platform=linux/amd64 python:3.12-slim AS base\n"),
			}},
		{day: 83, clock: "14:15", who: priya, subject: "Clear the cart cookie on logout",
			body: `A shared computer kept the previous customer's cart after they logged out.`,
			ops: []op{
				edit("shop/auth.py", "    resp.delete_cookie(sessions.COOKIE)\n", "    resp.delete_cookie(sessions.COOKIE)\n    resp.delete_cookie(\"sf_cart\")\n"),
			}},
		{day: 82, clock: "14:35", who: dana, subject: "Faster wishlist writes", cause: "mongo-unacked-writes",
			body: `
p99 of POST /api/wishlists/<id>/items is 140 ms, nearly all of it waiting
for the majority acknowledgement across three zones. Wishlists are not
critical data (nothing is charged from them), so stop waiting for it.`,
			ops: []op{
				edit("config/production.env", "&authSource=admin&w=majority\nMONGO_DB=shop\n", "&authSource=admin&w=0&journal=false\nMONGO_DB=shop\n"),
			}},
		{day: 81, clock: "10:30", who: priya, subject: "Order confirmation email: show the delivery estimate",
			ops: []op{
				edit("shop/templates/email/order_confirmation.txt", "and will let you know as soon as your parcel is on its way.\n",
					"and will let you know as soon as your parcel is on its way. Expected\ndelivery: {delivery_estimate}.\n"),
				edit("shop/workers/tasks/emails.py", "        first_name=first_name, number=number, total=f\"{total / 100:.2f} {currency}\"\n",
					"        first_name=first_name, number=number, total=f\"{total / 100:.2f} {currency}\",\n        delivery_estimate=\"2-4 working days\",\n"),
			}},
		{day: 80, clock: "15:10", who: aisha, subject: "Low-stock email to merchants",
			body: `Daily at 07:00: every SKU with fewer than 5 units available.`,
			ops: []op{
				appendTo("shop/workers/tasks/maintenance.py", lowStockPy),
			}},
		{day: 80, clock: "16:10", who: dana, subject: "Wishlists: wait for majority writes again", fixes: "mongo-unacked-writes",
			body: `
Without acknowledged writes, reading a wishlist right after saving it could
miss it, and failed writes were silent. Back to w=majority; we'll look at
the latency some other way.`,
			ops: []op{
				edit("config/production.env", "&authSource=admin&w=0&journal=false\nMONGO_DB=shop\n", "&authSource=admin&w=majority\nMONGO_DB=shop\n"),
			}},
		{day: 80, clock: "17:05", who: priya, subject: "Wishlists: 404 for a wishlist that isn't there", fixes: "mongo-unacked-writes",
			ops: []op{
				edit("shop/api/wishlists.py", "    doc = get_db().wishlists.find_one({\"_id\": _oid(wishlist_id), \"customer_id\": customer_id})\n    return serialize_wishlist(doc)\n",
					"    doc = get_db().wishlists.find_one({\"_id\": _oid(wishlist_id), \"customer_id\": customer_id})\n    if doc is None:\n        abort(404)\n    return serialize_wishlist(doc)\n"),
			}},
		{day: 81, clock: "11:45", who: priya, subject: "Merchant app: accept HEIC photos from iPhones",
			ops: []op{
				edit("shop/api/merchant.py", "ALLOWED = {\"image/jpeg\", \"image/png\"}\n", "ALLOWED = {\"image/jpeg\", \"image/png\", \"image/heic\"}\n"),
				edit("shop/workers/tasks/thumbnails.py", "from PIL import Image, ImageOps\n", "from PIL import Image, ImageOps\nfrom pillow_heif import register_heif_opener\n"),
				edit("shop/workers/tasks/thumbnails.py", "s3 = boto3.client(\"s3\")\n", "register_heif_opener()\ns3 = boto3.client(\"s3\")\n"),
				appendTo("requirements.txt", "pillow-heif==0.16.0\n"),
			}},
		{day: 80, clock: "13:30", who: priya, subject: "Checkout: friendlier message when a payment fails",
			ops: []op{
				edit("shop/api/checkout.py", "        return {\"error\": \"payment_failed\"}, 402\n",
					"        return {\"error\": \"payment_failed\", \"message\": \"We couldn't process your payment. Please try again or use another card.\"}, 402\n"),
				appendTo("shop/translations/de/LC_MESSAGES/messages.po", "\nmsgid \"We couldn't process your payment. Please try again or use another card.\"\nmsgstr \"Wir konnten deine Zahlung nicht verarbeiten. Bitte versuche es erneut oder nutze eine andere Karte.\"\n"),
				appendTo("shop/translations/fr/LC_MESSAGES/messages.po", "\nmsgid \"We couldn't process your payment. Please try again or use another card.\"\nmsgstr \"Nous n'avons pas pu traiter votre paiement. Veuillez réessayer ou utiliser une autre carte.\"\n"),
			}},
		{day: 77, clock: "14:10", who: priya, subject: "Invoices: VAT per line",
			ops: []op{
				appendTo("shop/pricing.py", vatPerLinePy),
				appendTo("tests/test_pricing.py", "\n\ndef test_line_vat_de():\n    assert pricing.line_vat(11900, \"DE\") == 1900\n"),
			}},
		{day: 77, clock: "10:05", who: tomas, subject: "nginx: cap request bodies at 2m", cause: "nginx-body-size",
			body: `
Nothing legitimate sends multi-megabyte bodies through the API any more:
the admin UI uploads product photos straight to S3 with presigned URLs.
A small cap keeps slow-body clients from tying up connections.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    client_max_body_size 25m;\n",
					"    # JSON bodies are a few KB; photos go to S3 with presigned URLs.\n    client_max_body_size 2m;\n"),
			}},
		{day: 76, clock: "14:20", who: dana, subject: "Flash sale: banner and countdown on the home page",
			ops: []op{
				put("shop/api/banners.py", bannersPy),
				migration("banners", "CREATE TABLE banners (\n    id        serial PRIMARY KEY,\n    title     text NOT NULL,\n    image_key text,\n    priority  int NOT NULL DEFAULT 0,\n    starts_at timestamptz NOT NULL,\n    ends_at   timestamptz NOT NULL\n);\n"),
				edit("shop/app.py", "from shop.api import admin, cart, checkout, merchant, orders, products, wishlists\n",
					"from shop.api import admin, banners, cart, checkout, merchant, orders, products, wishlists\n"),
				edit("shop/app.py", "(products.bp, cart.bp, checkout.bp, orders.bp, wishlists.bp, admin.bp, merchant.bp, webhooks.bp)",
					"(products.bp, cart.bp, checkout.bp, orders.bp, wishlists.bp, admin.bp, merchant.bp, banners.bp, webhooks.bp)"),
			}},
		{day: 75, clock: "11:00", who: priya, subject: "Drop Decimal from line_total", cause: "price-float",
			body: `
py-spy on a checkout with 40 lines: 31% of the request in Decimal.__new__
and quantize. Unit prices are already integer cents, so plain arithmetic is
exact enough here; the tests pass unchanged.`,
			ops: []op{
				edit("shop/pricing.py", lineTotalDecimal, lineTotalFloat),
			}},
		{day: 74, clock: "16:30", who: tomas, subject: "Flash sale: at least 8 api pods on Saturday",
			ops: []op{
				edit("deploy/k8s/hpa.yaml", "  minReplicas: 4\n", "  minReplicas: 8\n"),
			}},
		{day: 73, clock: "12:30", who: tomas, subject: "nginx: 25m bodies for merchant photo uploads", fixes: "nginx-body-size",
			body: `
The merchant app still posts photos through the API (only the admin UI uses
presigned URLs), and phone photos are 3-8 MB, so uploads failed with 413
since Tuesday. Keep 2m everywhere else.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    location /webhooks/ {\n",
					"    location /api/merchant/photos {\n        client_max_body_size 25m;\n        proxy_pass http://shop_api;\n        proxy_set_header Host $host;\n        proxy_request_buffering off;\n    }\n\n    location /webhooks/ {\n"),
			}},
		{day: 73, clock: "15:20", who: dana, subject: "Check stock for the whole cart in one query", cause: "inventory-no-lock",
			body: `
One round trip for all lines instead of a SELECT ... FOR UPDATE per line.
The row locks were the top wait event in last week's load test, and the
UPDATEs still run in one transaction.`,
			ops: []op{
				edit("shop/inventory.py", reserveLocked, reserveUnlocked),
			}},
		{day: 74, clock: "10:45", who: dana, subject: "Payments: 15s timeout for PayGate calls",
			body: `PayGate's own SLA is 10 s at p99.9; we were cutting it off right at that edge.`,
			ops: []op{
				edit("config/production.env", "PAYMENTS_TIMEOUT_SECONDS=10\n", "PAYMENTS_TIMEOUT_SECONDS=15\n"),
			}},
		{day: 73, clock: "16:40", who: tomas, subject: "nginx: friendly error page for 502 and 504",
			body: `Instead of nginx's bare "502 Bad Gateway" page, show the shop's maintenance page.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    location = /healthz {\n",
					"    error_page 502 504 /50x.html;\n    location = /50x.html {\n        root /usr/share/nginx/html;\n        internal;\n    }\n\n    location = /healthz {\n"),
			}},
		{day: 70, clock: "10:30", who: dana, subject: "Lock stock rows when reserving, again", fixes: "inventory-no-lock",
			body: `
Without FOR UPDATE two checkouts can both read the same stock level and both
reserve the last units. That's what oversold the kettle on Sunday.`,
			ops: []op{
				edit("shop/inventory.py", reserveUnlocked, reserveLocked),
			}},
		{day: 70, clock: "14:00", who: priya, subject: "Pricing: round line totals half up again", fixes: "price-float",
			body: `int() truncates: 5097.45 became 5097 but so did 5097.55. Back to Decimal.`,
			ops: []op{
				edit("shop/pricing.py", lineTotalFloat, lineTotalDecimal),
				appendTo("tests/test_pricing.py", "\n\ndef test_line_total_discount_rounding():\n    assert pricing.line_total(2999, 3, Decimal(\"15\")) == 7647\n"),
			}},
		{day: 68, clock: "11:20", who: priya, subject: "Emails: retry on temporary SMTP errors",
			ops: []op{
				edit("shop/workers/tasks/emails.py", "def send_order_confirmation(self, number):\n    number,",
					"def send_order_confirmation(self, number):\n    try:\n        _confirmation(number)\n    except smtplib.SMTPResponseException as e:\n        if 400 <= e.smtp_code < 500:\n            raise self.retry(exc=e)\n        raise\n\n\ndef _confirmation(number):\n    number,"),
			}},
		{day: 67, clock: "10:15", who: priya, subject: "My orders: tracking link per order",
			ops: []op{
				edit("shop/api/orders.py", "ORDER_FIELDS = (\"id\", \"number\", \"status\", \"total_cents\", \"currency\", \"created_at\")\n",
					"ORDER_FIELDS = (\"id\", \"number\", \"status\", \"total_cents\", \"currency\", \"created_at\", \"tracking_number\")\n"),
			}},
		{day: 66, clock: "13:30", who: tomas, subject: "Right-size api requests and limits", cause: "api-memory-limit",
			body: `
Last 30 days in Grafana: api pods sit at about 0.2 CPU and 300Mi working set
at p95. The requests were copied from the worker and kept two nodes of the
small pool reserved for nothing.`,
			ops: []op{
				edit("deploy/k8s/api-deployment.yaml", apiResourcesBig, apiResourcesSmall),
			}},
		{day: 66, clock: "20:10", who: tomas, subject: "api: memory limit back to 1Gi", fixes: "api-memory-limit",
			body: `
OOMKilled every few minutes under Friday traffic: four gunicorn workers
peak well above the p95 when the admin exports run. Requests stay lower.`,
			ops: []op{
				edit("deploy/k8s/api-deployment.yaml", "              cpu: \"1\"\n              memory: 384Mi\n", "              cpu: \"2\"\n              memory: 1Gi\n"),
			}},
		{day: 66, clock: "10:40", who: priya, subject: "Remind customers of orders awaiting payment after 24h",
			ops: []op{
				appendTo("shop/workers/tasks/maintenance.py", awaitingReminderPy),
				migration("orders_reminded_at", "ALTER TABLE orders ADD COLUMN reminded_at timestamptz;\n"),
				appendTo("shop/workers/tasks/emails.py", paymentReminderPy),
				put("shop/templates/email/payment_reminder.txt", "Hi {first_name},\n\nyour order {number} is still waiting for payment. If something went wrong,\nyou can finish paying here: https://shop.example/orders/{number}/pay\n\nshop.example\n"),
				edit("shop/workers/celery_app.py", "app.conf.beat_schedule = {\n",
					"app.conf.beat_schedule = {\n    \"remind-awaiting-payment\": {\n        \"task\": \"shop.workers.tasks.maintenance.remind_awaiting_payment\",\n        \"schedule\": crontab(minute=0),\n    },\n"),
			}},
		{day: 63, clock: "15:30", who: dana, subject: "Admin: refund part of an order",
			ops: []op{
				appendTo("shop/api/admin.py", adminRefundPy),
				migration("orders_refunded_cents", "ALTER TABLE orders ADD COLUMN refunded_cents int;\n"),
			}},
		{day: 63, clock: "10:40", who: priya, subject: "Search: stemming for English and German", cause: "search-unaccent-dropped",
			body: `
People search in the plural ("kettles", "Tassen") and got nothing. Postgres
ships snowball configurations for both languages; index the name and
description with both and OR the two queries.`,
			ops: []op{
				migration("search_stemming", searchStemmingSQL),
				edit("shop/search.py", "             WHERE p.active AND p.search_vector @@ websearch_to_tsquery('shop_search', %(q)s)\n",
					"             WHERE p.active AND p.search_vector @@ (websearch_to_tsquery('english', %(q)s) || websearch_to_tsquery('german', %(q)s))\n"),
				edit("shop/search.py", "                      ts_rank(p.search_vector, websearch_to_tsquery('shop_search', %(q)s)) DESC, p.id\n",
					"                      ts_rank(p.search_vector, websearch_to_tsquery('english', %(q)s) || websearch_to_tsquery('german', %(q)s)) DESC, p.id\n"),
			}},
		{day: 62, clock: "11:05", who: tomas, subject: "nginx: rate limit login attempts",
			body: `Credential stuffing from a few hundred addresses last night: 5 attempts a minute per address is plenty.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "limit_req_zone $binary_remote_addr zone=per_ip:20m rate=20r/s;\n",
					"limit_req_zone $binary_remote_addr zone=per_ip:20m rate=20r/s;\nlimit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;\n"),
				edit("deploy/nginx/conf.d/shop.conf", "    location /webhooks/ {\n",
					"    location = /api/auth/login {\n        limit_req zone=login burst=5 nodelay;\n        limit_req_status 429;\n        proxy_pass http://shop_api;\n        proxy_set_header Host $host;\n    }\n\n    location /webhooks/ {\n"),
			}},
		{day: 61, clock: "14:00", who: dana, subject: "sessions: pass the TTL to Redis as plain seconds", cause: "session-ttl-units",
			body: `
fakeredis and redis-py disagree on timedelta arguments to EXPIRE under
RESP3, which made test_sessions flaky. Use ints like the cart does.`,
			ops: []op{
				edit("shop/sessions.py", "import secrets\nfrom datetime import timedelta\n", "import secrets\n"),
				edit("shop/sessions.py", "TTL = timedelta(minutes=settings.SESSION_TTL)  # SESSION_TTL is in minutes: 720 = 12 h\n", "TTL = settings.SESSION_TTL\n"),
			}},
		{day: 60, clock: "10:05", who: dana, subject: "Sessions: SESSION_TTL is in minutes", fixes: "session-ttl-units",
			body: `Since yesterday sessions lasted 720 seconds instead of 12 hours.`,
			ops: []op{
				edit("shop/sessions.py", "TTL = settings.SESSION_TTL\n", "TTL = settings.SESSION_TTL * 60  # SESSION_TTL is in minutes\n"),
				appendTo("tests/test_sessions.py", "\n\ndef test_session_lasts_hours(fake_redis):\n    sid = sessions.create(42)\n    assert fake_redis.ttl(f\"session:{sid}\") > 3600\n"),
			}},
		{day: 60, clock: "15:45", who: marek, subject: "shipd: retry a rate request once on 503",
			body: `RateBridge returns 503 during its deploys, usually for a few seconds.`,
			ops: []op{
				edit("shipd/internal/carrier/client.go", "	resp, err := c.http.Do(req)\n	if err != nil {\n		return nil, err\n	}\n",
					"	resp, err := c.http.Do(req)\n	if err == nil && resp.StatusCode == http.StatusServiceUnavailable {\n		resp.Body.Close()\n		time.Sleep(200 * time.Millisecond)\n		req.Body, _ = req.GetBody()\n		resp, err = c.http.Do(req)\n	}\n	if err != nil {\n		return nil, err\n	}\n"),
			}},
		{day: 59, clock: "09:50", who: priya, subject: "Search: fold accents again, on top of the stemmers", fixes: "search-unaccent-dropped",
			body: `
The english and german configurations don't unaccent, so "creme brulee" no
longer found "Crème Brûlée". Copy both with the unaccent dictionary in front.`,
			ops: []op{
				migration("search_unaccent_stemming", searchUnaccentSQL),
				edit("shop/search.py", "             WHERE p.active AND p.search_vector @@ (websearch_to_tsquery('english', %(q)s) || websearch_to_tsquery('german', %(q)s))\n",
					"             WHERE p.active AND p.search_vector @@ (websearch_to_tsquery('shop_english', %(q)s) || websearch_to_tsquery('shop_german', %(q)s))\n"),
				edit("shop/search.py", "                      ts_rank(p.search_vector, websearch_to_tsquery('english', %(q)s) || websearch_to_tsquery('german', %(q)s)) DESC, p.id\n",
					"                      ts_rank(p.search_vector, websearch_to_tsquery('shop_english', %(q)s) || websearch_to_tsquery('shop_german', %(q)s)) DESC, p.id\n"),
			}},
		{day: 59, clock: "11:15", who: priya, subject: "Route customer notifications through one queue", cause: "email-queue-rename",
			body: `
Emails and the SMS notifications coming next share rate limits at the
provider, so they should share workers too: one "notifications" queue for
both. SMS task is a stub until the provider contract is signed.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "        \"shop.workers.tasks.emails.*\": {\"queue\": \"emails\"},\n",
					"        \"shop.workers.tasks.emails.*\": {\"queue\": \"notifications\"},\n        \"shop.workers.tasks.sms.*\": {\"queue\": \"notifications\"},\n"),
				edit("shop/workers/celery_app.py", "        \"shop.workers.tasks.emails\",\n", "        \"shop.workers.tasks.emails\",\n        \"shop.workers.tasks.sms\",\n"),
				put("shop/workers/tasks/sms.py", smsPy),
				edit("Makefile", "-Q default,emails,thumbnails", "-Q default,notifications,thumbnails"),
			}},
		{day: 58, clock: "13:40", who: tomas, subject: "worker: consume the notifications queue", fixes: "email-queue-rename",
			body: `Nothing consumed "notifications" in production: no emails since Friday.`,
			ops: []op{
				edit("deploy/k8s/worker-deployment.yaml", "\"default,emails,thumbnails\"", "\"default,notifications,thumbnails\""),
			}},
		{day: 60, clock: "16:00", who: aisha, subject: "Recommendations: also-bought from the last 90 days only",
			ops: []op{
				edit("shop/recommendations.py", "             WHERE mine.product_id = %s\n             GROUP BY other.product_id\n",
					"             WHERE mine.product_id = %s\n               AND mine.order_id IN (SELECT id FROM orders WHERE created_at > now() - interval '90 days')\n             GROUP BY other.product_id\n"),
			}},
		{day: 59, clock: "10:20", who: aisha, subject: "Customer export: marketing consent column",
			ops: []op{
				migration("customers_marketing_consent", "ALTER TABLE customers ADD COLUMN marketing_consent boolean NOT NULL DEFAULT false;\n"),
				edit("shop/exports.py", "\"country\", \"created_at\", \"orders\"]\n", "\"country\", \"created_at\", \"marketing_consent\", \"orders\"]\n"),
				edit("shop/exports.py", "        SELECT c.id, c.email, c.first_name, c.last_name, c.country, c.created_at, count(o.id)\n",
					"        SELECT c.id, c.email, c.first_name, c.last_name, c.country, c.created_at, c.marketing_consent, count(o.id)\n"),
			}},
		{day: 55, clock: "09:20", who: priya, subject: "Consistent PAYMENTS_ prefix for payment settings", cause: "webhook-secret-rename",
			body: `Every other payment setting is PAYMENTS_*; the webhook secret was the odd one out.`,
			ops: []op{
				edit("shop/settings.py", "PAYMENT_WEBHOOK_SECRET = env(\"PAYMENT_WEBHOOK_SECRET\", \"\")\n", "PAYMENTS_WEBHOOK_SECRET = env(\"PAYMENTS_WEBHOOK_SECRET\", \"\")\n"),
				edit("shop/payments/webhooks.py", "settings.PAYMENT_WEBHOOK_SECRET", "settings.PAYMENTS_WEBHOOK_SECRET"),
				edit("tests/conftest.py", "os.environ.setdefault(\"PAYMENT_WEBHOOK_SECRET\", \"whsec_test\")\n", "os.environ.setdefault(\"PAYMENTS_WEBHOOK_SECRET\", \"whsec_test\")\n"),
			}},
		{day: 55, clock: "14:50", who: priya, subject: "Read the webhook secret under its old name too", fixes: "webhook-secret-rename",
			body: `
The shopfront-secrets Secret still has PAYMENT_WEBHOOK_SECRET, so since this
morning's deploy every PayGate webhook failed verification and paid orders
stayed in awaiting_payment. Fall back to the old name until the Secret is
migrated; the stuck orders are replayed from the PayGate console.`,
			ops: []op{
				edit("shop/settings.py", "PAYMENTS_WEBHOOK_SECRET = env(\"PAYMENTS_WEBHOOK_SECRET\", \"\")\n",
					"PAYMENTS_WEBHOOK_SECRET = env(\"PAYMENTS_WEBHOOK_SECRET\") or env(\"PAYMENT_WEBHOOK_SECRET\", \"\")\n"),
			}},
		{day: 53, clock: "14:10", who: aisha, subject: "Nightly sales report: refunds and net revenue",
			ops: []op{
				edit("shop/reports/daily_sales.py", "    w.writerow([\"hour\", \"currency\", \"orders\", \"revenue_cents\"])\n",
					"    w.writerow([\"hour\", \"currency\", \"orders\", \"revenue_cents\", \"refunded_cents\"])\n"),
				edit("shop/reports/daily_sales.py", "                   currency, count(*), sum(total_cents)\n",
					"                   currency, count(*), sum(total_cents), sum(coalesce(refunded_cents, 0))\n"),
			}},
		{day: 52, clock: "11:30", who: marek, subject: "shipd: log slow carrier responses",
			ops: []op{
				edit("shipd/internal/carrier/client.go", "	req.Header.Set(\"Content-Type\", \"application/json\")\n",
					"	req.Header.Set(\"Content-Type\", \"application/json\")\n	start := time.Now()\n	defer func() {\n		if d := time.Since(start); d > time.Second {\n			slog.Warn(\"slow carrier response\", \"took\", d)\n		}\n	}()\n"),
				edit("shipd/internal/carrier/client.go", "	\"fmt\"\n", "	\"fmt\"\n	\"log/slog\"\n"),
			}},
		{day: 52, clock: "16:10", who: aisha, subject: "Drop unused indexes", cause: "drop-unused-indexes",
			body: `
idx_scan = 0 in pg_stat_user_indexes (read replica, stats since the August
reset). Each of them costs write amplification on our busiest tables.`,
			ops: []op{
				migration("drop_unused_indexes", dropIndexesSQL),
			}},
		{day: 52, clock: "10:30", who: aisha, subject: "Stream the customer export instead of writing a temp file", cause: "export-encoding",
			body: `
The export is 180k rows now; building the file in /tmp first took 40 s and
1.2 GB of the api pod's disk. Stream it row by row.`,
			ops: []op{
				put("shop/exports.py", exportsStreamPy),
				edit("shop/api/admin.py", exportAdminOld, exportAdminNew),
				edit("shop/api/admin.py", "import tempfile\n\nfrom flask import Blueprint, request, send_file\n", "from flask import Blueprint, Response, request\n"),
			}},
		{day: 49, clock: "10:15", who: aisha, subject: "Restore idx_orders_customer_created", fixes: "drop-unused-indexes",
			body: `
"My orders" went to 8-10 s: the replica's index stats don't include the
primary's reads, and that page reads from the primary.`,
			ops: []op{
				migration("restore_orders_customer_index", "-- Dropped in the unused-index cleanup, but used by \"My orders\" on the primary.\nCREATE INDEX IF NOT EXISTS idx_orders_customer_created ON orders (customer_id, created_at DESC);\n"),
			}},
		{day: 48, clock: "15:45", who: tomas, subject: "nginx: let the ingress handle client addresses", cause: "nginx-realip-removed",
			body: `
The ingress controller already resolves the client address
(use-forwarded-headers) and passes it on; this block duplicated it.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    # Client addresses: the ingress controller and the load balancer in\n    # front of it are in 10.0.0.0/8.\n    set_real_ip_from 10.0.0.0/8;\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n\n", ""),
			}},
		{day: 48, clock: "19:00", who: tomas, subject: "nginx: restore real_ip, limits were per ingress pod", fixes: "nginx-realip-removed",
			body: `
Without it $binary_remote_addr is the ingress controller's address, so the
per-address limits applied to everyone behind one ingress pod at once.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    client_max_body_size 2m;\n",
					"    client_max_body_size 2m;\n\n    # The ingress and the load balancer are in 10.0.0.0/8; limits need the\n    # client's address, not theirs.\n    set_real_ip_from 10.0.0.0/8;\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n"),
			}},
		{day: 47, clock: "11:00", who: dana, subject: "Accept USD for customers in the US",
			ops: []op{
				edit("config/production.env", "SUPPORTED_CURRENCIES=EUR,CHF,GBP\n", "SUPPORTED_CURRENCIES=EUR,CHF,GBP,USD\n"),
			}},
		{day: 46, clock: "11:50", who: marek, subject: "shipd: don't dial RateBridge unless live rates are on", cause: "carrier-lazy-init",
			body: `
Local runs and staging were hitting RateBridge's sandbox on every start and
failing when it was down. New SHIPD_LIVE_RATES (default off); compose turns
it on for local work.`,
			ops: []op{
				edit("shipd/cmd/shipd/main.go", "	client := carrier.New(cfg.CarrierURL, cfg.CarrierKey, cfg.Timeout)\n",
					"	var client *carrier.Client\n	if cfg.LiveRates {\n		client = carrier.New(cfg.CarrierURL, cfg.CarrierKey, cfg.Timeout)\n	} else {\n		slog.Info(\"live rates off, serving flat rates\")\n	}\n"),
				edit("shipd/internal/config/config.go", "	Timeout    time.Duration\n}\n", "	Timeout    time.Duration\n	LiveRates  bool\n}\n"),
				edit("shipd/internal/config/config.go", "		Timeout:    3 * time.Second,\n", "		Timeout:    3 * time.Second,\n		LiveRates:  os.Getenv(\"SHIPD_LIVE_RATES\") == \"true\",\n"),
				edit("docker-compose.yml", "      SHIPD_CARRIER_URL: \"https://sandbox.ratebridge.example/v2\"\n",
					"      SHIPD_CARRIER_URL: \"https://sandbox.ratebridge.example/v2\"\n      SHIPD_LIVE_RATES: \"true\"\n"),
			}},
		{day: 45, clock: "14:30", who: marek, subject: "shipd: flat rates when there is no carrier client", fixes: "carrier-lazy-init",
			body: `The handler called Rates on a nil client when live rates were off and crashed.`,
			ops: []op{
				edit("shipd/internal/quote/handler.go", "	rates, err := h.Carrier.Rates(r.Context(), p)\n	if err != nil {\n",
					"	if h.Carrier == nil {\n		json.NewEncoder(w).Encode(map[string]any{\"rates\": h.Fallback(p)})\n		return\n	}\n	rates, err := h.Carrier.Rates(r.Context(), p)\n	if err != nil {\n"),
				edit("deploy/k8s/shipd-deployment.yaml", "            - name: SHIPD_CARRIER_KEY\n", "            - name: SHIPD_LIVE_RATES\n              value: \"true\"\n            - name: SHIPD_CARRIER_KEY\n"),
			}},
		{day: 45, clock: "16:20", who: dana, subject: "Admin: log every price change",
			ops: []op{
				migration("price_changes", "CREATE TABLE price_changes (\n    id          bigserial PRIMARY KEY,\n    product_id  int NOT NULL REFERENCES products (id),\n    old_cents   int NOT NULL,\n    new_cents   int NOT NULL,\n    changed_by  text NOT NULL,\n    changed_at  timestamptz NOT NULL DEFAULT now()\n);\n"),
				edit("shop/api/admin.py", "        conn.execute(\"UPDATE products SET price_cents = %s, updated_at = now() WHERE id = %s\", (price, product_id))\n",
					"        old = conn.execute(\"SELECT price_cents FROM products WHERE id = %s\", (product_id,)).fetchone()\n        conn.execute(\"UPDATE products SET price_cents = %s, updated_at = now() WHERE id = %s\", (price, product_id))\n        conn.execute(\n            \"INSERT INTO price_changes (product_id, old_cents, new_cents, changed_by) VALUES (%s, %s, %s, %s)\",\n            (product_id, old[0], price, request.headers.get(\"X-Auth-Email\", \"unknown\")),\n        )\n"),
			}},
		{day: 46, clock: "15:00", who: aisha, subject: "Customer export: write the BOM again for Excel", fixes: "export-encoding",
			body: `Excel reads UTF-8 without a BOM as Windows-1252: names came out as "Ã©".`,
			ops: []op{
				edit("shop/exports.py", "    yield buf.getvalue()\n    buf.seek(0)\n    buf.truncate()\n    with pool",
					"    yield \"\\ufeff\" + buf.getvalue()  # BOM: Excel needs it to read UTF-8\n    buf.seek(0)\n    buf.truncate()\n    with pool"),
			}},
		{day: 45, clock: "10:00", who: dana, subject: "deploy: preStop sleep so the api drains before it stops",
			body: `Requests in flight during a rollout got connection resets; give the endpoints controller 10 s.`,
			ops: []op{
				edit("deploy/k8s/api-deployment.yaml", "          readinessProbe:\n", "          lifecycle:\n            preStop:\n              exec:\n                command: [\"sleep\", \"10\"]\n          readinessProbe:\n"),
			}},
		{day: 42, clock: "14:20", who: aisha, subject: "Move order_items.id to bigint", cause: "orders-index-blocking",
			body: `
order_items.id is at 61% of the int4 range (max(id) = 1.31e9, the sequence
skips after failed inserts). Do it now, before it is an emergency.`,
			ops: []op{
				migration("order_items_bigint", "-- order_items.id: int4 -> int8 before the sequence runs out.\nALTER TABLE order_items ALTER COLUMN id TYPE bigint;\nALTER SEQUENCE order_items_id_seq AS bigint;\n"),
			}},
		{day: 41, clock: "10:15", who: dana, subject: "Check promotion validity in SQL", cause: "promo-date-check",
			body: `
One query instead of fetching the row and checking dates and usage in
Python; it can use the partial index on codes. The FakePool test can't
evaluate SQL, so it goes; the integration suite covers it.`,
			ops: []op{
				edit("shop/promotions.py", findActivePython, findActiveSQL),
				edit("tests/test_promotions.py", expiredPromoTest, ""),
			}},
		{day: 41, clock: "16:30", who: aisha, subject: "docs: migrations that rewrite a table",
			ops: []op{
				put("docs/runbooks/migrations.md", runbookMigrations),
			}},
		{day: 39, clock: "10:50", who: priya, subject: "Shipped email: include the tracking link for every parcel",
			ops: []op{
				edit("shop/templates/email/order_shipped.txt", "Track your parcel: https://track.shop.example/{tracking}\n",
					"Track your parcel: https://track.shop.example/{tracking}\n(The link works about half an hour after this email.)\n"),
			}},
		{day: 40, clock: "16:40", who: aisha, subject: "Schedule the report CronJobs in UTC", cause: "report-cron-utc",
			body: `
Argo CD shows CronJobs with spec.timeZone as permanently out of sync (known
issue in our version), and every other schedule in the cluster is UTC.
00:15 Berlin = 22:15 UTC, 04:00 Berlin = 02:00 UTC.`,
			ops: []op{
				edit("deploy/k8s/cronjobs/nightly-sales-report.yaml", "  schedule: \"15 0 * * *\"\n  timeZone: \"Europe/Berlin\"\n", "  schedule: \"15 22 * * *\"  # 00:15 Europe/Berlin\n"),
				edit("deploy/k8s/cronjobs/expire-carts.yaml", "  schedule: \"0 4 * * *\"\n  timeZone: \"Europe/Berlin\"\n", "  schedule: \"0 2 * * *\"  # 04:00 Europe/Berlin\n"),
			}},
		{day: 38, clock: "17:35", who: aisha, subject: "Report schedules: 23:15 UTC is 00:15 in Berlin since the clocks went back", fixes: "report-cron-utc",
			body: `The report ran at 23:15 local and missed the last hour of the day.`,
			ops: []op{
				edit("deploy/k8s/cronjobs/nightly-sales-report.yaml", "  schedule: \"15 22 * * *\"  # 00:15 Europe/Berlin\n", "  schedule: \"15 23 * * *\"  # 00:15 Europe/Berlin (CET; 22:15 in summer)\n"),
				edit("deploy/k8s/cronjobs/expire-carts.yaml", "  schedule: \"0 2 * * *\"  # 04:00 Europe/Berlin\n", "  schedule: \"0 3 * * *\"  # 04:00 Europe/Berlin (CET)\n"),
			}},
		{day: 39, clock: "15:15", who: priya, subject: "Cancellation email says why the order was cancelled",
			ops: []op{
				put("shop/templates/email/order_cancelled.txt", "Hi {first_name},\n\nwe had to cancel your order {number}: {reason}.\nYou have not been charged.\n\nshop.example\n"),
				appendTo("shop/workers/tasks/emails.py", cancelledEmailPy),
			}},
		{day: 35, clock: "10:00", who: dana, subject: "Admin: show the PayGate charge id on orders",
			ops: []op{
				edit("shop/api/admin.py", "            \"SELECT number, status, total_cents, currency, created_at FROM orders WHERE status = %s ORDER BY created_at DESC LIMIT 200\",\n",
					"            \"SELECT number, status, total_cents, currency, created_at, charge_id FROM orders WHERE status = %s ORDER BY created_at DESC LIMIT 200\",\n"),
				edit("shop/api/admin.py", "    return {\"orders\": [dict(zip((\"number\", \"status\", \"total_cents\", \"currency\", \"created_at\"), r)) for r in rows]}\n",
					"    return {\"orders\": [dict(zip((\"number\", \"status\", \"total_cents\", \"currency\", \"created_at\", \"charge_id\"), r)) for r in rows]}\n"),
			}},
		{day: 34, clock: "14:00", who: priya, subject: "Emails: totals with the currency symbol",
			ops: []op{
				edit("shop/workers/tasks/emails.py", "total=f\"{total / 100:.2f} {currency}\",\n", "total=format_price(total, currency, locale=\"de_DE\"),\n"),
				edit("shop/workers/tasks/emails.py", "from shop.db import pool\n", "from shop.db import pool\nfrom shop.i18n import format_price\n"),
			}},
		{day: 33, clock: "14:25", who: priya, subject: "Smaller thumbnails for category pages", cause: "thumbnail-quality",
			body: `
Category pages load 48 thumbnails and PageSpeed flags 2.1 MB of images.
200 px covers the grid on phones, and at 55 the JPEGs look the same to me.`,
			ops: []op{
				edit("shop/workers/tasks/thumbnails.py", "SIZES = {\"thumb\": (400, 400), \"medium\": (1000, 1000)}\nJPEG_QUALITY = 85\n",
					"SIZES = {\"thumb\": (200, 200), \"medium\": (1000, 1000)}\nJPEG_QUALITY = 55\n"),
			}},
		{day: 32, clock: "11:10", who: dana, subject: "Product API: let the CDN cache product pages for 5 minutes",
			ops: []op{
				edit("shop/api/products.py", "    pid = row[0]\n    return {\n", "    pid = row[0]\n    body = {\n"),
				edit("shop/api/products.py", "        \"similar\": recommendations.similar_items(pid),\n    }\n",
					"        \"similar\": recommendations.similar_items(pid),\n    }\n    # The CDN may keep a product page for 5 minutes: price edits show up within that.\n    return body, 200, {\"Cache-Control\": \"public, max-age=300\"}\n"),
			}},
		{day: 28, clock: "10:40", who: priya, subject: "Thumbnails: back to 400 px at quality 80", fixes: "thumbnail-quality",
			body: `Desktop shows thumbnails at 300-400 px (more on retina): 200 px at 55 was blurry and blocky.`,
			ops: []op{
				edit("shop/workers/tasks/thumbnails.py", "SIZES = {\"thumb\": (200, 200), \"medium\": (1000, 1000)}\nJPEG_QUALITY = 55\n",
					"SIZES = {\"thumb\": (400, 400), \"medium\": (1000, 1000)}\nJPEG_QUALITY = 80\n"),
			}},
		{day: 27, clock: "15:00", who: dana, subject: "Feature flags: similar items v2 replaces the v1 widgets", cause: "recs-flag-default",
			body: `
v2 (embedding-based) has been at 100% on staging for two weeks and beats v1
on click-through. It covers "bought together" as well, so the old queries
go off with it.`,
			ops: []op{
				edit("config/features.yaml", "recs_also_bought: true\nrecs_similar_items_v1: true\nrecs_similar_items_v2: false\n",
					"recs_also_bought: false\nrecs_similar_items_v1: false\nrecs_similar_items_v2: true\n"),
				edit("shop/recommendations.py", "def similar_items(product_id):\n    if not features.enabled(\"recs_similar_items_v1\"):\n        return []\n",
					"def similar_items(product_id):\n    if features.enabled(\"recs_similar_items_v2\"):\n        return similar_items_v2(product_id)\n    if not features.enabled(\"recs_similar_items_v1\"):\n        return []\n"),
				appendTo("shop/recommendations.py", similarV2Py),
				migration("product_neighbours", "CREATE TABLE product_neighbours (\n    product_id   int NOT NULL REFERENCES products (id),\n    neighbour_id int NOT NULL REFERENCES products (id),\n    distance     real NOT NULL,\n    PRIMARY KEY (product_id, neighbour_id)\n);\n"),
			}},
		{day: 25, clock: "11:30", who: dana, subject: "Turn also-bought back on until v2 renders it", fixes: "recs-flag-default",
			body: `The product page still renders the also-bought box from the old query; v2 only fills "similar".`,
			ops: []op{
				edit("config/features.yaml", "recs_also_bought: false\n", "recs_also_bought: true\n"),
			}},
		{day: 24, clock: "10:40", who: priya, subject: "Celery: recover faster from lost tasks", cause: "worker-visibility-timeout",
			body: `
When a worker pod is killed mid-task (deploys, spot nodes), Redis hands the
task out again only after the visibility timeout: an hour. Acknowledge late
and use 5 minutes, so a lost email or thumbnail is redone quickly.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    broker_transport_options={\"visibility_timeout\": 3600},\n",
					"    task_acks_late=True,\n    task_reject_on_worker_lost=True,\n    broker_transport_options={\"visibility_timeout\": 300},\n"),
			}},
		{day: 21, clock: "10:10", who: priya, subject: "Celery: visibility timeout above the longest countdown", fixes: "worker-visibility-timeout",
			body: `
Tasks scheduled with a countdown longer than the visibility timeout are
handed out again every 5 minutes until they run: the shipped email (30 min
countdown) went out up to 6 times. 2 hours, and a note next to it.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    broker_transport_options={\"visibility_timeout\": 300},\n",
					"    # Must exceed the longest countdown/eta we use (shipped email: 30 min).\n    broker_transport_options={\"visibility_timeout\": 7200},\n"),
			}},
		{day: 19, clock: "09:45", who: dana, subject: "Price changes show up on the site within five minutes",
			body: `Documented for the merchandising team: price edits go live after the API cache (5 min).`,
			ops: []op{
				appendTo("docs/architecture.md", "\nPrices: an admin price change is visible on product pages after at most\nfive minutes (the product API's Cache-Control max-age).\n"),
			}},
		{day: 17, clock: "14:10", who: dana, subject: "Retry payment captures on gateway timeouts", cause: "payment-retry-no-idempotency",
			body: `
At peak PayGate answers about 0.3% of captures with a timeout, and the
customer sees "payment failed" for an order that could have gone through.
Retry up to three times. A retry with the same Idempotency-Key just gets the
stored timeout replayed, so each attempt gets its own key.`,
			ops: []op{
				edit("shop/payments/client.py", "import logging\n\nimport requests\n", "import logging\nimport uuid\n\nimport requests\n"),
				edit("shop/payments/client.py", captureOnce, captureRetry),
			}},
		{day: 16, clock: "16:45", who: dana, subject: "Payments: one idempotency key per order again", fixes: "payment-retry-no-idempotency",
			body: `
A new key per attempt let a timed-out capture that had in fact succeeded be
charged again by the retry. Same key for every attempt; PayGate's replay of
a timeout is handled by waiting and asking for the charge by reference.`,
			ops: []op{
				edit("shop/payments/client.py", "                return self._post(\"/charges\", payload, idempotency_key=str(uuid.uuid4()))\n",
					"                return self._post(\"/charges\", payload, idempotency_key=f\"order-{order['id']}\")\n"),
			}},
		{day: 13, clock: "16:30", who: aisha, subject: "Derive the currency from the locale", cause: "default-currency",
			body: `
SHOP_CURRENCY and SHOP_LOCALE could disagree (staging ran EUR with en_GB).
One setting, DEFAULT_LOCALE, and the currency follows its territory via
Babel. Storefront copy defaults to English since the relaunch.`,
			ops: []op{
				edit("shop/settings.py", "SHOP_CURRENCY = env(\"SHOP_CURRENCY\", \"EUR\")\nSHOP_LOCALE = env(\"SHOP_LOCALE\", \"de_DE\")\n", "DEFAULT_LOCALE = env(\"DEFAULT_LOCALE\", \"de_DE\")\n"),
				edit("shop/i18n.py", "from babel.numbers import format_currency\n", "from babel import Locale\nfrom babel.numbers import format_currency, get_territory_currencies\n"),
				edit("shop/i18n.py", "    return best.replace(\"-\", \"_\") if best else settings.SHOP_LOCALE\n", "    return best.replace(\"-\", \"_\") if best else settings.DEFAULT_LOCALE\n"),
				edit("shop/i18n.py", "    return settings.SHOP_CURRENCY\n", "    territory = Locale.parse(settings.DEFAULT_LOCALE).territory\n    return get_territory_currencies(territory)[0]\n"),
				edit("config/production.env", "SHOP_CURRENCY=EUR\nSHOP_LOCALE=de_DE\n", "DEFAULT_LOCALE=en_US\n"),
				edit("config/staging.env", "SHOP_CURRENCY=EUR\nSHOP_LOCALE=en_GB\n", "DEFAULT_LOCALE=en_GB\n"),
			}},
		{day: 12, clock: "10:20", who: aisha, subject: "production: DEFAULT_LOCALE=de_DE, prices in EUR", fixes: "default-currency",
			body: `en_US made every price USD. The copy language comes from Accept-Language anyway.`,
			ops: []op{
				edit("config/production.env", "DEFAULT_LOCALE=en_US\n", "DEFAULT_LOCALE=de_DE\n"),
			}},

		// ---- the novel split: its causes, their distractors and fixes ----
		{day: 88, clock: "16:00", who: priya, subject: "Product page: placeholder image when a product has no photo",
			body: `New products from the supplier feed arrive without photos; the app showed an empty grey box.`,
			ops: []op{
				edit("shop/api/products.py", "        \"image\": row[5],\n", "        \"image\": row[5] or \"static/placeholder.jpg\",\n"),
			}},
		{day: 87, clock: "11:40", who: tomas, subject: "config: production.env lists only what differs from the defaults", cause: "media-bucket-default",
			body: `
Half of production.env repeated the defaults in settings.py, so changing a
default never reached production. Drop the lines that equal their default.
The media buckets are named after the environment, so MEDIA_BUCKET defaults
to shop-media-<APP_ENV> now; development keeps shop-media-dev in its file.`,
			ops: []op{
				edit("config/production.env", "LOG_LEVEL=INFO\n", ""),
				edit("config/production.env", "SESSION_TTL=720\n", ""),
				edit("config/production.env", "MAIL_FROM=orders@shop.example\n", ""),
				edit("config/production.env", "MEDIA_BUCKET=shop-media-prod\n", ""),
				edit("config/staging.env", "MEDIA_BUCKET=shop-media-staging\n", ""),
				appendTo("config/development.env", "MEDIA_BUCKET=shop-media-dev\n"),
				edit("shop/settings.py", "MEDIA_BUCKET = env(\"MEDIA_BUCKET\", \"shop-media-dev\")\n", "MEDIA_BUCKET = env(\"MEDIA_BUCKET\", f\"shop-media-{APP_ENV}\")\n"),
			}},
		{day: 84, clock: "16:30", who: tomas, subject: "Photos showed as broken images: the media bucket is shop-media-prod", fixes: "media-bucket-default",
			body: `
Since Friday new product photos went to shop-media-production, the bucket
left over from the monorepo, while the site serves shop-media-prod. Set the
bucket explicitly again; the photos and their thumbnails are copied over.`,
			ops: []op{
				edit("config/production.env", "CDN_BASE_URL=https://cdn.shop.example\n", "MEDIA_BUCKET=shop-media-prod\nCDN_BASE_URL=https://cdn.shop.example\n"),
			}},
		{day: 81, clock: "15:30", who: dana, subject: "Wishlists: say why a wishlist holds at most 200 items",
			ops: []op{
				edit("shop/api/wishlists.py", "MAX_ITEMS = 200\n", "MAX_ITEMS = 200  # the wishlist page looks up the price of every item when it loads\n"),
			}},
		{day: 73, clock: "17:30", who: aisha, subject: "docs: Mongo needs ssd volumes, wishlists and reviews were slow on standard disks", fixes: "mongo-storage-class",
			ops: []op{
				appendTo("docs/architecture.md", "\nMongoDB: keep its volumes on the ssd storage class. On the standard (HDD)\nclass every wishlist and review read waits on the disk: seconds, not\nmilliseconds.\n"),
			}},
		{day: 70, clock: "15:20", who: priya, subject: "Shipped email: link to the order in the customer's account",
			ops: []op{
				edit("shop/templates/email/order_shipped.txt", "good news: your order {number} has shipped.\n",
					"good news: your order {number} has shipped.\nSee it in your account: https://shop.example/account/orders/{number}\n"),
			}},
		{day: 68, clock: "11:30", who: priya, subject: "Session cookie: SameSite=Strict", cause: "session-cookie-samesite",
			body: `
From the pen test report (finding 4, medium): the session cookie should not
be sent with requests that other sites start. Strict does that, and the API
is only ever called from our own pages.`,
			ops: []op{
				edit("shop/auth.py", "httponly=True, secure=True, samesite=\"Lax\")", "httponly=True, secure=True, samesite=\"Strict\")"),
			}},
		{day: 66, clock: "10:00", who: priya, subject: "Session cookie: back to Lax, links from emails and the bank's card check logged customers out", fixes: "session-cookie-samesite",
			body: `
Strict leaves the cookie off every navigation that starts on another site:
a link in an email, the return from the card issuer's 3-D Secure page.
Lax still keeps it off cross-site POSTs, which is what the finding was about.`,
			ops: []op{
				edit("shop/auth.py", "httponly=True, secure=True, samesite=\"Strict\")", "httponly=True, secure=True, samesite=\"Lax\")"),
			}},
		{day: 63, clock: "16:00", who: priya, subject: "Search: log queries that find nothing",
			body: `Merchandising wants to know what people look for that we don't sell.`,
			ops: []op{
				edit("shop/api/products.py", "from flask import Blueprint, abort, request\n", "import logging\n\nfrom flask import Blueprint, abort, request\n"),
				edit("shop/api/products.py", "bp = Blueprint(\"products\", __name__, url_prefix=\"/api/products\")\n",
					"bp = Blueprint(\"products\", __name__, url_prefix=\"/api/products\")\nlog = logging.getLogger(__name__)\n"),
				edit("shop/api/products.py", "    return {\"results\": search_products(q, page=int(request.args.get(\"page\", 1)))}\n",
					"    results = search_products(q, page=int(request.args.get(\"page\", 1)))\n    if not results:\n        log.info(\"search without results: %r\", q)\n    return {\"results\": results}\n"),
			}},
		{day: 62, clock: "14:40", who: priya, subject: "Search: ignore queries shorter than 4 characters", cause: "search-min-length",
			body: `
A third of the search requests are two or three letters from crawlers
walking the alphabet ("aa", "ab", "ac"...), each one a full text query on
the primary. People type whole words.`,
			ops: []op{
				edit("shop/api/products.py", "    if len(q) < 2:\n        return {\"results\": []}\n", "    if len(q) < 4:  # shorter queries are nearly all crawlers\n        return {\"results\": []}\n"),
			}},
		{day: 56, clock: "10:30", who: priya, subject: "Search: short words like \"tee\" and \"öl\" find products again", fixes: "search-min-length",
			body: `
Three letters are real searches, in German above all (Tee, Öl, Eis) and for
USB or a mug. Back to 2; the crawlers are a job for the rate limit.`,
			ops: []op{
				edit("shop/api/products.py", "    if len(q) < 4:  # shorter queries are nearly all crawlers\n", "    if len(q) < 2:\n"),
			}},
		{day: 55, clock: "16:00", who: tomas, subject: "docs: on-call: the merchant app says \"Unexpected response from server\"", fixes: "cdn-bot-challenge",
			ops: []op{
				appendTo("docs/runbooks/on-call.md", "\n## Merchant app: \"Unexpected response from server\"\n\nThe app gets an HTML page where it expects JSON: usually the CDN's bot\nchallenge, which an app cannot answer. /api/merchant/* and /api/auth/* are\nexempt from bot protection in the CDN dashboard; check the exemption first.\n"),
			}},
		{day: 54, clock: "15:10", who: tomas, subject: "healthz: fail when Postgres or Redis can't be reached", cause: "healthz-dependencies",
			body: `
Last week a pod lost its database pool after a network blip and answered
every request with a 500 for an hour, while /healthz said ok and the pod
stayed in rotation. Check the dependencies, so that a broken pod is taken
out and restarted.`,
			ops: []op{
				edit("shop/app.py", "    def healthz():\n        return {\"ok\": True}\n", healthzDeep),
			}},
		{day: 49, clock: "14:00", who: aisha, subject: "docs: on-call: what to expect when Postgres fails over",
			ops: []op{
				appendTo("docs/runbooks/on-call.md", "\n## Postgres failover\n\nThe provider's failovers take 20-40 s. Expect slow queries and a burst of\n500s for about that long; the api pools reconnect by themselves.\n"),
			}},
		{day: 47, clock: "10:00", who: tomas, subject: "api: a short database wobble no longer restarts every pod at once", fixes: "healthz-dependencies",
			body: `
/healthz checks Postgres since last week, and the liveness probe used it:
20 s of slow queries failed every pod's liveness check together, Kubernetes
restarted them all, and the cold starts kept the site down for minutes.
Liveness gets /livez, which only says the process answers; readiness keeps
/healthz, so a broken pod still leaves rotation.`,
			ops: []op{
				edit("shop/app.py", "    @app.get(\"/healthz\")\n", "    @app.get(\"/livez\")\n    def livez():\n        return {\"ok\": True}\n\n    @app.get(\"/healthz\")\n"),
				edit("deploy/k8s/api-deployment.yaml", "          livenessProbe:\n            httpGet:\n              path: /healthz\n", "          livenessProbe:\n            httpGet:\n              path: /livez\n"),
			}},
		{day: 45, clock: "14:20", who: dana, subject: "Promotions: percent codes in hundredths of a percent", cause: "promo-basis-points",
			body: `
Marketing wants 12.5% codes for the winter campaign. Percent values are
stored in basis points from now on (1250 = 12.5%); the migration converts
the existing codes, so nothing changes for them.`,
			ops: []op{
				migration("promotions_percent_basis_points", "-- Percent codes: value in hundredths of a percent (1000 = 10%).\nUPDATE promotions SET value = value * 100 WHERE kind = 'percent';\n"),
				edit("shop/promotions.py", "    kind: str  # \"percent\" or \"amount\"\n", "    kind: str  # \"percent\" (value in basis points: 1000 = 10%) or \"amount\" (cents)\n"),
				edit("shop/promotions.py", "        return subtotal_cents * promo.value // 100\n", "        return subtotal_cents * promo.value // 10000\n"),
				edit("tests/test_promotions.py", "kind=\"percent\", value=10, ", "kind=\"percent\", value=1000, "),
			}},
		{day: 41, clock: "11:00", who: dana, subject: "Promotions: new 20% codes took off 0.2%", fixes: "promo-basis-points",
			body: `
The back office form still saves percent codes in whole percent, so a code
created as 20 since Friday took 20 basis points. Convert those, and make
the database refuse a percent value under 1% until the form takes decimals.`,
			ops: []op{
				migration("promotions_whole_percent", "-- Codes created in the back office after the basis-points change were saved\n-- in whole percent.\nUPDATE promotions SET value = value * 100 WHERE kind = 'percent' AND value < 100;\nALTER TABLE promotions ADD CONSTRAINT promotions_percent_basis_points CHECK (kind <> 'percent' OR value >= 100);\n"),
			}},
		{day: 40, clock: "11:10", who: priya, subject: "Emails: password reset email from the worker",
			body: `The api sent it inline over SMTP and a slow relay held a gunicorn worker for 20 s.`,
			ops: []op{
				appendTo("shop/workers/tasks/emails.py", passwordResetPy),
				put("shop/templates/email/password_reset.txt", "Hi,\n\nsomeone (hopefully you) asked to reset the password of your shop.example\naccount. The link works for one hour:\n\n{link}\n\nIf that wasn't you, ignore this email.\n\nshop.example\n"),
			}},
		{day: 39, clock: "11:40", who: priya, subject: "Celery: prefetch 8 tasks per worker process", cause: "worker-prefetch",
			body: `
Flower shows the worker processes idle a third of the time during the
evening rush, each waiting on a Redis round trip for its next task. Fetch a
few ahead; most of our tasks take milliseconds.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    worker_prefetch_multiplier=1,\n", "    worker_prefetch_multiplier=8,\n"),
			}},
		{day: 35, clock: "09:30", who: priya, subject: "Celery: prefetch 1 again; emails waited behind thumbnails in the evening", fixes: "worker-prefetch",
			body: `
With 8 per process a worker held up to 32 tasks, in the evening often a row
of thumbnails for the merchants' uploads, and the emails reserved behind
them waited 20-40 minutes although other workers were free. The short
tasks were never the problem; the long ones in front of them are.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    worker_prefetch_multiplier=8,\n", "    worker_prefetch_multiplier=1,\n"),
			}},
		{day: 34, clock: "16:20", who: dana, subject: "Cart: tell the app which item is sold out",
			ops: []op{
				edit("shop/api/cart.py", "    if quantity > inventory.available(sku):\n        return {\"error\": \"not enough stock\"}, 409\n",
					"    left = inventory.available(sku)\n    if quantity > left:\n        return {\"error\": \"not enough stock\", \"sku\": sku, \"available\": left}, 409\n"),
			}},
		{day: 33, clock: "10:50", who: aisha, subject: "Celery beat: drop expire-reservations, the CronJob runs it", cause: "reservation-expiry-beat",
			body: `
expire_reservations ran from two places: every 10 minutes from beat and
every night from the expire-carts CronJob, and the two could release the
same order at once. One schedule is enough; keep the CronJob, next to the
other nightly cleanup.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    \"expire-reservations\": {\n        \"task\": \"shop.workers.tasks.maintenance.expire_reservations\",\n        \"schedule\": crontab(minute=\"*/10\"),\n    },\n", ""),
			}},
		{day: 31, clock: "14:00", who: aisha, subject: "Release the stock of unpaid orders every 10 minutes again; products showed sold out until the next morning", fixes: "reservation-expiry-beat",
			body: `
Unpaid orders hold their stock until they expire. With only the 04:00 run,
abandoned checkouts piled up reservations all day and products showed sold
out until the night. Beat runs it every 10 minutes again; the CronJob stays
as a nightly catch-up.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "app.conf.beat_schedule = {\n",
					"app.conf.beat_schedule = {\n    \"expire-reservations\": {\n        \"task\": \"shop.workers.tasks.maintenance.expire_reservations\",\n        \"schedule\": crontab(minute=\"*/10\"),\n    },\n"),
			}},
		{day: 26, clock: "11:00", who: dana, subject: "Orders API: money as {cents, currency} like the other endpoints", cause: "orders-money-shape",
			body: `
serialize_money is the shape every endpoint added this year uses; "My
orders" was the last one with total_cents and currency side by side. The
web shop reads the new shape from this release on.`,
			ops: []op{
				edit("shop/api/orders.py", "from shop.db import pool\n", "from shop.api.serializers import serialize_money\nfrom shop.db import pool\n"),
				edit("shop/api/orders.py", "def _number():\n", ordersPublic+"\n\ndef _number():\n"),
				edit("shop/api/orders.py", "    return {\"orders\": [dict(zip(ORDER_FIELDS, r)) for r in rows]}\n", "    return {\"orders\": [_public(dict(zip(ORDER_FIELDS, r))) for r in rows]}\n"),
				edit("shop/api/orders.py", "        abort(404)\n    return dict(zip(ORDER_FIELDS, row))\n", "        abort(404)\n    return _public(dict(zip(ORDER_FIELDS, row)))\n"),
			}},
		{day: 25, clock: "15:30", who: dana, subject: "My orders: total_cents back next to total; the apps showed 0,00 €", fixes: "orders-money-shape",
			body: `
The iOS and Android apps read total_cents and currency, and the versions
people have installed can't be updated at once. Send both shapes until the
apps have moved.`,
			ops: []op{
				edit("shop/api/orders.py", "    order[\"total\"] = serialize_money(order.pop(\"total_cents\"), order.pop(\"currency\"))\n",
					"    # total_cents and currency stay for the apps, which read them.\n    order[\"total\"] = serialize_money(order[\"total_cents\"], order[\"currency\"])\n"),
			}},
		{day: 20, clock: "09:30", who: dana, subject: "Postgres pool: keep 4 connections open per pod",
			body: `The first requests after a deploy waited for the pool to open connections.`,
			ops: []op{
				edit("config/production.env", "DATABASE_POOL_MIN=2\n", "DATABASE_POOL_MIN=4\n"),
			}},
		{day: 19, clock: "14:30", who: tomas, subject: "nginx: HSTS for a year, with subdomains", cause: "hsts-subdomains",
			body: `
From the security review: the shop answers plain HTTP on a first visit.
Tell browsers to use HTTPS only, for every subdomain too, and qualify for
the browsers' preload list.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    gzip on;\n", "    add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains; preload\" always;\n\n    gzip on;\n"),
			}},
		{day: 13, clock: "11:00", who: tomas, subject: "nginx: HSTS without subdomains; the warehouse label page is plain HTTP", fixes: "hsts-subdomains",
			body: `
labels.shop.example is the label printer's own web page on the warehouse
network, HTTP only, and browsers that had visited the shop refused to open
it. They keep what they were told for the max-age, so the printer gets a
certificate too (behind the warehouse proxy). No preload.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "max-age=31536000; includeSubDomains; preload\" always;\n", "max-age=31536000\" always;\n"),
			}},
		{day: 12, clock: "09:40", who: dana, subject: "db: check pooled connections before use; the first request after a quiet spell failed", fixes: "pg-idle-session-timeout",
			body: `
The primary closes sessions that have been idle for 60 s, and the pool kept
handing out those dead connections: the first request on each after a quiet
spell failed with "server closed the connection unexpectedly". Check a
connection before it is handed out.`,
			ops: []op{
				edit("shop/db.py", "    open=False,\n)\n", "    check=ConnectionPool.check_connection,\n    open=False,\n)\n"),
			}},
		{day: 10, clock: "15:00", who: priya, subject: "Merchant app: refuse photos over 20 MB with a clear message",
			ops: []op{
				edit("shop/api/merchant.py", "    if photo is None or photo.mimetype not in ALLOWED:\n        abort(400)\n",
					"    if photo is None or photo.mimetype not in ALLOWED:\n        abort(400)\n    if request.content_length and request.content_length > 20 * 1024 * 1024:\n        return {\"error\": \"Photos can be at most 20 MB.\"}, 413\n"),
			}},
		{day: 11, clock: "14:00", who: priya, subject: "Translations: \"Price\" and \"incl. VAT\" in German and French",
			ops: []op{
				appendTo("shop/translations/de/LC_MESSAGES/messages.po", "\nmsgid \"Price\"\nmsgstr \"Preis\"\n\nmsgid \"incl. VAT\"\nmsgstr \"inkl. MwSt.\"\n"),
				appendTo("shop/translations/fr/LC_MESSAGES/messages.po", "\nmsgid \"Price\"\nmsgstr \"Prix\"\n\nmsgid \"incl. VAT\"\nmsgstr \"TVA incluse\"\n"),
			}},
		{day: 6, clock: "11:20", who: dana, subject: "Product API: cache product pages in Redis for 10 minutes", cause: "product-cache-key",
			body: `
A product page runs four queries (product, price, also bought, similar) and
is a third of the api's database time at peak. Keep the whole response in
Redis for 10 minutes; that is within what the CDN already allows.`,
			ops: []op{
				edit("shop/api/products.py", "import logging\n", "import json\nimport logging\n"),
				edit("shop/api/products.py", "from shop.i18n import format_price\n", "from shop.i18n import format_price\nfrom shop.redis_client import redis\n"),
				edit("shop/api/products.py", "def product(slug):\n    with pool.connection() as conn:\n",
					"def product(slug):\n    cached = redis.get(f\"product:{slug}\")\n    if cached is not None:\n        return json.loads(cached), 200, {\"Cache-Control\": \"public, max-age=300\"}\n    with pool.connection() as conn:\n"),
				edit("shop/api/products.py", "    return body, 200, {\"Cache-Control\": \"public, max-age=300\"}\n",
					"    redis.setex(f\"product:{slug}\", 600, json.dumps(body))\n    return body, 200, {\"Cache-Control\": \"public, max-age=300\"}\n"),
			}},
		{day: 4, clock: "10:30", who: priya, subject: "Drop pillow-heif, Pillow opens HEIC itself now", cause: "heic-dependency-dropped",
			body: `
Pillow 11 reads the modern formats from phones without a plugin, so
pillow-heif and the 40 MB of libheif it puts in the image can go.`,
			ops: []op{
				edit("shop/workers/tasks/thumbnails.py", "from pillow_heif import register_heif_opener\n", ""),
				edit("shop/workers/tasks/thumbnails.py", "register_heif_opener()\n", ""),
				edit("requirements.txt", "pillow-heif==0.16.0\n", ""),
			}},
		{day: 4, clock: "16:00", who: dana, subject: "Product cache: one entry per language; prices showed in another language's format", fixes: "product-cache-key",
			body: `
A cached product kept the price formatted for whoever asked first, so the
English shop showed "24,99 €" and the German one "€24.99". Key the entry by
locale as well.`,
			ops: []op{
				edit("shop/api/products.py", "from shop.i18n import format_price\n", "from shop.i18n import format_price, request_locale\n"),
				edit("shop/api/products.py", "    cached = redis.get(f\"product:{slug}\")\n", "    key = f\"product:{slug}:{request_locale()}\"\n    cached = redis.get(key)\n"),
				edit("shop/api/products.py", "    redis.setex(f\"product:{slug}\", 600, json.dumps(body))\n", "    redis.setex(key, 600, json.dumps(body))\n"),
			}},
		{day: 3, clock: "11:00", who: priya, subject: "Thumbnails for iPhone photos again: pillow-heif is back", fixes: "heic-dependency-dropped",
			body: `
Pillow doesn't open HEIC without the plugin after all, so every iPhone
photo since yesterday failed with "cannot identify image file". Their
thumbnails are queued again.`,
			ops: []op{
				edit("shop/workers/tasks/thumbnails.py", "from PIL import Image, ImageOps\n", "from PIL import Image, ImageOps\nfrom pillow_heif import register_heif_opener\n"),
				edit("shop/workers/tasks/thumbnails.py", "s3 = boto3.client(\"s3\")\n", "register_heif_opener()\ns3 = boto3.client(\"s3\")\n"),
				appendTo("requirements.txt", "pillow-heif==0.16.0\n"),
			}},

		// ---- the fresh split: its causes, their distractors and fixes ----
		{day: 56, clock: "15:20", who: aisha, subject: "Google Shopping: nightly product feed",
			body: `
Marketing is moving the Shopping ads off the CSV they upload by hand. Merchant
Center fetches the feed from shop-feeds every morning; the whole catalogue
takes about four minutes to write.`,
			ops: []op{
				appendTo("shop/workers/tasks/maintenance.py", shoppingFeedPy),
				edit("shop/workers/celery_app.py", "    \"remind-awaiting-payment\": {\n",
					"    \"google-shopping-feed\": {\n        \"task\": \"shop.workers.tasks.maintenance.google_shopping_feed\",\n        \"schedule\": crontab(hour=3, minute=30),\n    },\n    \"remind-awaiting-payment\": {\n"),
			}},
		{day: 54, clock: "11:50", who: tomas, subject: "api HPA: 4 pods at night, scale at 85% CPU", cause: "hpa-cpu-target",
			body: `
The api runs at 15-25% CPU on 8 pods from morning to night; the minimum of
8 came with the flash sale and stayed. Let it go down to 4 and use the CPU
we pay for before adding pods; the HPA adds them within a minute anyway.`,
			ops: []op{
				edit("deploy/k8s/hpa.yaml", "  minReplicas: 8\n", "  minReplicas: 4\n"),
				edit("deploy/k8s/hpa.yaml", "          averageUtilization: 70\n", "          averageUtilization: 85\n"),
			}},
		{day: 53, clock: "15:30", who: tomas, subject: "nginx: log the api's response time next to the request's",
			body: `Tells time spent in the api apart from time spent sending to a slow client.`,
			ops: []op{
				edit("deploy/nginx/nginx.conf", "$request_time \"$request\"", "$request_time $upstream_response_time \"$request\""),
			}},
		{day: 49, clock: "09:40", who: tomas, subject: "Evenings were slow with 504s: scale the api from 8 pods at 70% CPU again", fixes: "hpa-cpu-target",
			body: `
At 85% a pod's four gunicorn workers are all busy and requests queue in
front of them. The HPA reacts only after its metrics window and a new pod
takes a minute to be ready, so every evening rush ran on too few pods for
half an hour.`,
			ops: []op{
				edit("deploy/k8s/hpa.yaml", "  minReplicas: 4\n", "  minReplicas: 8\n"),
				edit("deploy/k8s/hpa.yaml", "          averageUtilization: 85\n", "          averageUtilization: 70\n"),
			}},
		{day: 46, clock: "10:40", who: priya, subject: "Celery: don't store task results",
			body: `Nothing reads them, and with no result backend set they only cost a warning per task.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    worker_prefetch_multiplier=1,\n", "    worker_prefetch_multiplier=1,\n    task_ignore_result=True,\n"),
			}},
		{day: 45, clock: "09:20", who: aisha, subject: "Daily sales report: say how many rows it wrote",
			ops: []op{
				edit("shop/reports/daily_sales.py", "    w.writerows(rows(start, end))\n", "    data = rows(start, end)\n    w.writerows(data)\n"),
				edit("shop/reports/daily_sales.py", "    print(f\"wrote s3://{BUCKET}/{key}\", file=sys.stderr)\n", "    print(f\"wrote {len(data)} rows to s3://{BUCKET}/{key}\", file=sys.stderr)\n"),
			}},
		{day: 47, clock: "16:30", who: dana, subject: "Checkout: note why a declined card leaves the cart alone",
			ops: []op{
				edit("shop/api/checkout.py", "        inventory.release(order[\"id\"])\n", "        # The cart stays as it was, so the customer can try another card.\n        inventory.release(order[\"id\"])\n"),
			}},
		{day: 45, clock: "11:30", who: dana, subject: "Payments: cards were declined when the parcel went to another address; send PayGate the billing address", fixes: "paygate-avs-strict",
			body: `
PayGate compares the postcode of the payment with the one the card's bank
has on file, and since Tuesday it declines a mismatch. We never sent a
billing address, so it used the delivery address: gifts sent elsewhere
failed. Send the billing address from the checkout form, or the delivery
address when the customer said they are the same.`,
			ops: []op{
				appendTo("shop/payments/client.py", billingAddressPy),
				edit("shop/api/checkout.py", "    try:\n        charge = PayGate().capture(",
					"    try:\n        PayGate().set_billing_address(body[\"payment_token\"], body.get(\"billing_address\") or body[\"shipping_address\"])\n        charge = PayGate().capture("),
			}},
		{day: 42, clock: "16:00", who: priya, subject: "Emails: replies go to customer service",
			body: `Customers answer the order emails with questions, and orders@ is not read by anyone.`,
			ops: []op{
				edit("shop/workers/tasks/emails.py", "    msg[\"Subject\"] = subject\n", "    msg[\"Subject\"] = subject\n    msg[\"Reply-To\"] = \"service@shop.example\"\n"),
			}},
		{day: 41, clock: "09:50", who: dana, subject: "production: 2 s statement timeout", cause: "statement-timeout-lowered",
			body: `
No query the api runs should take more than a few hundred milliseconds. The
ones that ran 5-8 s last week held pool connections long after the customer
had given up, and the pool ran dry. Fail them fast; the slow-query log will
tell us which ones to fix.`,
			ops: []op{
				edit("config/production.env", "DATABASE_STATEMENT_TIMEOUT_MS=8000\n", "DATABASE_STATEMENT_TIMEOUT_MS=2000\n"),
			}},
		{day: 40, clock: "10:25", who: priya, subject: "Emails: send order emails from mail.shop.example", cause: "mail-from-subdomain",
			body: `
The newsletter tool sends from shop.example too, and every complaint about a
newsletter counts against the order emails as well. The mail relay keeps a
reputation per sending domain, so the transactional emails get their own
subdomain, and their bounces go to the relay's inbox for it.`,
			ops: []op{
				edit("config/production.env", "SMTP_PORT=587\n", "SMTP_PORT=587\nMAIL_FROM=shop.example <orders@mail.shop.example>\n"),
			}},
		{day: 40, clock: "14:30", who: tomas, subject: "api HPA: scale down by at most 2 pods a minute",
			body: `After the evening peak the HPA dropped four pods at once and the rest briefly ran hot.`,
			ops: []op{
				appendTo("deploy/k8s/hpa.yaml", "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 600\n      policies:\n        - type: Pods\n          value: 2\n          periodSeconds: 60\n"),
			}},
		{day: 39, clock: "17:10", who: priya, subject: "Order emails went to spam: send from orders@shop.example again", fixes: "mail-from-subdomain",
			body: `
mail.shop.example has neither SPF nor DKIM records (only shop.example got
them in October), so Gmail and GMX filed the order emails as spam or dropped
them. Back to the signed address until the subdomain's records are in DNS.`,
			ops: []op{
				edit("config/production.env", "MAIL_FROM=shop.example <orders@mail.shop.example>\n", ""),
			}},
		{day: 39, clock: "14:20", who: dana, subject: "Admin: list active products without a photo",
			ops: []op{
				appendTo("shop/api/admin.py", adminNoPhotoPy),
			}},
		{day: 38, clock: "14:00", who: aisha, subject: "Daily sales file missing since Tuesday: 5 minute statement timeout for the report job", fixes: "statement-timeout-lowered",
			body: `
The report sums a whole day of orders in one query, 4-6 s at the end of
the month, and with the api's 2 s timeout Postgres cancelled it every night.
The nightly job gets its own limit; the api keeps 2 s.`,
			ops: []op{
				edit("deploy/k8s/cronjobs/nightly-sales-report.yaml", "                - name: APP_ENV\n                  value: production\n",
					"                - name: APP_ENV\n                  value: production\n                - name: DATABASE_STATEMENT_TIMEOUT_MS\n                  value: \"300000\"\n"),
			}},
		{day: 35, clock: "15:40", who: marek, subject: "docs: photos of older products were broken images; no archive tiers for the media bucket", fixes: "media-lifecycle-archive",
			body: `
The lifecycle rule from Friday moved every photo older than 120 days to
Glacier Flexible Retrieval, where S3 answers 403 until an object is
restored, and many of those products are still on sale. The rule is gone
and the photos are being restored.`,
			ops: []op{
				appendTo("docs/architecture.md", "\nProduct photos: everything in the media bucket is served to customers when\nthey ask for it. Keep it in a storage class that reads at once (Standard,\nStandard-IA or Glacier Instant Retrieval); Flexible Retrieval and Deep\nArchive objects can't be read until they are restored.\n"),
			}},
		{day: 34, clock: "11:30", who: priya, subject: "Emails: 30 s SMTP timeout, the relay is slow to greet at peak",
			ops: []op{
				edit("shop/workers/tasks/emails.py", "settings.SMTP_PORT, timeout=20)", "settings.SMTP_PORT, timeout=30)"),
			}},
		{day: 33, clock: "11:30", who: aisha, subject: "Admin: order lines of a date range as CSV for the accountant",
			body: `
The accountant asks for every order line of a month with net, VAT and gross.
One query per day keeps each one short; a month takes 15-20 s.`,
			ops: []op{
				edit("shop/exports.py", "import csv\nimport io\n\nfrom shop.db import pool\n", "import csv\nimport io\nfrom datetime import timedelta\n\nfrom shop.db import pool\n"),
				appendTo("shop/exports.py", orderLinesBuilt),
				edit("shop/api/admin.py", "@bp.get(\"/exports/customers.csv\")\n", adminOrderLinesPy+"@bp.get(\"/exports/customers.csv\")\n"),
			}},
		{day: 31, clock: "10:30", who: tomas, subject: "Dockerfile: gunicorn workers get 20 s to finish on shutdown",
			ops: []op{
				edit("Dockerfile", "\"--timeout\", \"30\", ", "\"--timeout\", \"30\", \"--graceful-timeout\", \"20\", "),
			}},
		{day: 31, clock: "14:00", who: aisha, subject: "Product feed: brand column for Google Shopping",
			body: `Merchant Center warns about every product without a brand.`,
			ops: []op{
				edit("shop/workers/tasks/maintenance.py", "\"price\", \"availability\"])\n", "\"price\", \"availability\", \"brand\"])\n"),
				edit("shop/workers/tasks/maintenance.py", "\"in_stock\" if left > 0 else \"out_of_stock\"])\n", "\"in_stock\" if left > 0 else \"out_of_stock\", \"shop.example\"])\n"),
			}},
		{day: 28, clock: "14:20", who: dana, subject: "db: name Postgres connections after the pod",
			body: `pg_stat_activity then shows which pod holds which connection.`,
			ops: []op{
				edit("shop/db.py", "import sys\nfrom pathlib import Path\n", "import os\nimport sys\nfrom pathlib import Path\n"),
				edit("shop/db.py", "kwargs={\"options\": f\"-c statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT_MS}\"},",
					"kwargs={\"options\": f\"-c statement_timeout={settings.DATABASE_STATEMENT_TIMEOUT_MS}\", \"application_name\": os.environ.get(\"HOSTNAME\", \"shop\")},"),
			}},
		{day: 28, clock: "15:30", who: priya, subject: "Celery: time limit for every task", cause: "celery-task-time-limit",
			body: `
Last Thursday a thumbnail task hung on a truncated upload for five hours and
held one of the four worker processes all that time. Celery has no limit by
default; our tasks are emails, thumbnails and small queries that take
seconds, so stop a task softly after 50 s and kill it at 60 s.`,
			ops: []op{
				edit("shop/workers/celery_app.py", "    task_ignore_result=True,\n", "    task_ignore_result=True,\n    # A runaway task holds a worker process until someone notices.\n    task_soft_time_limit=50,\n    task_time_limit=60,\n"),
			}},
		{day: 27, clock: "10:15", who: tomas, subject: "gunicorn: load the app once before forking the workers", cause: "gunicorn-preload",
			body: `
With --preload the master imports the app and the workers share its memory
pages until they write to them: about 250 MB less per api pod in staging.
An import error also stops the pod at start instead of every worker
crashing in a loop.`,
			ops: []op{
				edit("Dockerfile", "\"--workers\", \"4\", ", "\"--workers\", \"4\", \"--preload\", "),
			}},
		{day: 27, clock: "15:00", who: aisha, subject: "Orders: document the status values in the schema",
			ops: []op{
				migration("orders_status_comment", "COMMENT ON COLUMN orders.status IS 'new, awaiting_payment, paid, payment_failed, shipped, delivered, cancelled, expired';\n"),
			}},
		{day: 26, clock: "10:00", who: tomas, subject: "Random 500s with SSL errors from Postgres: each gunicorn worker opens its own connections again", fixes: "gunicorn-preload",
			body: `
create_app() opens the database pool and the Mongo client, and with
--preload it ran in the master: every worker inherited the same open
connections, and two processes writing to one TLS session break it. The
pool's background threads don't survive the fork either.`,
			ops: []op{
				edit("Dockerfile", "\"--workers\", \"4\", \"--preload\", ", "\"--workers\", \"4\", "),
			}},
		{day: 26, clock: "14:10", who: marek, subject: "shipd: refuse parcels over 31.5 kg",
			body: `The parcel carriers stop at 31.5 kg; RateBridge answered heavier ones with an error after 2 s.`,
			ops: []op{
				edit("shipd/internal/quote/handler.go", "const maxBody = 64 << 10\n", "const maxBody = 64 << 10\n\n// maxWeightGrams is the parcel carriers' limit; heavier goes by freight.\nconst maxWeightGrams = 31500\n"),
				edit("shipd/internal/quote/handler.go", "\t\thttp.Error(w, \"bad parcel: weight and destination are required\", http.StatusBadRequest)\n\t\treturn\n\t}\n",
					"\t\thttp.Error(w, \"bad parcel: weight and destination are required\", http.StatusBadRequest)\n\t\treturn\n\t}\n\tif p.WeightGrams > maxWeightGrams {\n\t\thttp.Error(w, \"bad parcel: over 31.5 kg goes by freight\", http.StatusBadRequest)\n\t\treturn\n\t}\n"),
			}},
		{day: 24, clock: "17:20", who: aisha, subject: "Google Shopping showed old prices: the nightly product feed gets 25 minutes", fixes: "celery-task-time-limit",
			body: `
The feed takes about four minutes, and the one-minute limit for every task
killed it each night since Monday, so Merchant Center kept the last file and
flagged the products whose price had changed since.`,
			ops: []op{
				edit("shop/workers/tasks/maintenance.py", "@app.task\ndef google_shopping_feed():\n", "@app.task(soft_time_limit=1200, time_limit=1500)\ndef google_shopping_feed():\n"),
			}},
		{day: 21, clock: "10:20", who: marek, subject: "shipd README: how a quote is priced",
			ops: []op{
				appendTo("shipd/README.md", "\n## How a quote is priced\n\nRateBridge prices a parcel by its destination, weight and size, per carrier\nservice. The shop shows the cheapest standard rate, and express when the\ncustomer asks; the flat rates apply when RateBridge doesn't answer.\n"),
			}},
		{day: 21, clock: "14:40", who: dana, subject: "Sentry: 5% of traces in production, the quota ran out in two weeks",
			ops: []op{
				edit("config/production.env", "SENTRY_TRACES_SAMPLE_RATE=0.1\n", "SENTRY_TRACES_SAMPLE_RATE=0.05\n"),
			}},
		{day: 20, clock: "11:45", who: tomas, subject: "docs: deploy runbook: watch checkout for ten minutes after a rollout",
			ops: []op{
				appendTo("docs/runbooks/deploy.md", "\n## After a rollout\n\nWatch the checkout error rate and the payment success rate in Grafana for\nten minutes. A rollout of the api takes about five.\n"),
			}},
		{day: 20, clock: "15:40", who: marek, subject: "shipd: keep live rates for 15 minutes", cause: "shipd-quote-cache-key",
			body: `
Checkout asks for a quote on every step and every change of the cart, and
RateBridge bills each request: 40% of last month's bill was the same
address asked again within minutes. Keep RateBridge's answers for a
destination for 15 minutes.`,
			ops: []op{
				put("shipd/internal/quote/cache.go", shipdCacheGo),
				edit("shipd/internal/quote/handler.go", "const maxBody = 64 << 10\n", "const maxBody = 64 << 10\n\n// liveRates keeps RateBridge's answers for a while.\nvar liveRates = newRateCache(15 * time.Minute)\n"),
				edit("shipd/internal/quote/handler.go", "\trates, err := h.Carrier.Rates(r.Context(), p)\n\tif err != nil {\n\t\tslog.Warn(\"live rates failed, using flat rates\", \"err\", err)\n\t\trates = h.Fallback(p)\n\t}\n",
					"\trates, ok := liveRates.get(p)\n\tif !ok {\n\t\tvar err error\n\t\trates, err = h.Carrier.Rates(r.Context(), p)\n\t\tif err != nil {\n\t\t\tslog.Warn(\"live rates failed, using flat rates\", \"err\", err)\n\t\t\trates = h.Fallback(p)\n\t\t} else {\n\t\t\tliveRates.put(p, rates)\n\t\t}\n\t}\n"),
			}},
		{day: 19, clock: "16:20", who: aisha, subject: "Orders export: send each day as soon as it is read; a month's download broke off after a few seconds", fixes: "lb-idle-timeout",
			body: `
The load balancer now closes a connection that carries no bytes for 10 s,
and the export sent nothing until the whole range was built. Stream it a
day at a time, like the customer export.`,
			ops: []op{
				edit("shop/exports.py", orderLinesCSVBuilt, orderLinesCSVStreamed),
			}},
		{day: 18, clock: "10:40", who: tomas, subject: "nginx: gzip text/plain too",
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "    gzip_types application/json text/css", "    gzip_types application/json text/plain text/css"),
			}},
		{day: 17, clock: "10:00", who: marek, subject: "shipd: the shipping price of a parcel depended on who asked first for the address; cache per parcel", fixes: "shipd-quote-cache-key",
			body: `
The cache was keyed by destination only, so for 15 minutes every cart to
one address got the rates of the first parcel quoted for it: a pair of
earrings paid for a heavy box, or the other way round. The key is the
whole parcel now.`,
			ops: []op{
				edit("shipd/internal/quote/cache.go", "import (\n\t\"sync\"\n", "import (\n\t\"fmt\"\n\t\"sync\"\n"),
				edit("shipd/internal/quote/cache.go", "// cacheKey is where a parcel goes: rates depend on the destination zone.\nfunc cacheKey(p carrier.Parcel) string {\n\treturn p.ToCountry + \"/\" + p.ToPostcode\n}\n",
					"// cacheKey is the whole parcel: its price depends on weight and size as much\n// as on where it goes.\nfunc cacheKey(p carrier.Parcel) string {\n\treturn fmt.Sprintf(\"%s>%s/%s/%dg/%dx%dx%d\", p.FromCountry, p.ToCountry, p.ToPostcode, p.WeightGrams, p.LengthCM, p.WidthCM, p.HeightCM)\n}\n"),
			}},
		{day: 17, clock: "11:30", who: dana, subject: "Orders: record the sales channel", cause: "orders-column-not-null",
			body: `
Marketing wants app and web orders apart in the sales report. Existing
orders came from the web shop. No default in the database from now on, so
that a code path that forgets the channel fails in the tests instead of
counting as web.`,
			ops: []op{
				migration("orders_sales_channel", "-- Where an order was placed: web, ios or android.\nALTER TABLE orders ADD COLUMN sales_channel text NOT NULL DEFAULT 'web';\nALTER TABLE orders ALTER COLUMN sales_channel DROP DEFAULT;\n"),
				edit("shop/api/orders.py", "currency, shipping_address, promotion_id)\n            VALUES (%s, %s, 'new', %s, %s, %s, %s)", "currency, shipping_address, promotion_id, sales_channel)\n            VALUES (%s, %s, 'new', %s, %s, %s, %s, %s)"),
				edit("shop/api/orders.py", "address, promo.id if promo else None),\n", "address, promo.id if promo else None, _channel()),\n"),
				edit("shop/api/orders.py", "def _number():\n", ordersChannelPy+"def _number():\n"),
			}},
		{day: 14, clock: "15:20", who: dana, subject: "Checkouts failed while the 2.14 deploy rolled out: orders get a default sales channel", fixes: "orders-column-not-null",
			body: `
The migrate Job runs before the new pods start, and for the five minutes of
the rollout the old pods kept inserting orders without the new column. A
NOT NULL column without a default breaks the release that is still
running.`,
			ops: []op{
				migration("orders_sales_channel_default", "-- Pods of the previous release insert orders without a channel while a\n-- deploy rolls out.\nALTER TABLE orders ALTER COLUMN sales_channel SET DEFAULT 'web';\n"),
				appendTo("docs/runbooks/migrations.md", "\n## New NOT NULL columns\n\nThe previous release keeps running until the rollout is over, and it\ndoesn't know the new column. Give it a default, or add it nullable and\ntighten it a release later.\n"),
			}},
		{day: 6, clock: "09:40", who: tomas, subject: "worker: 1536Mi memory limit for big phone photos",
			body: `Thumbnails of 48-megapixel photos briefly need more than a gigabyte.`,
			ops: []op{
				edit("deploy/k8s/worker-deployment.yaml", "              memory: 512Mi\n            limits:\n              memory: 1Gi\n", "              memory: 512Mi\n            limits:\n              memory: 1536Mi\n"),
			}},
		{day: 6, clock: "15:30", who: tomas, subject: "shipd: requests and limits from 30 days of usage", cause: "shipd-memory-limit",
			body: `
shipd's pods use 14-19 MiB (working set, p99 over 30 days). The namespace
quota is nearly full and the new worker limit needs room, so ask for what
shipd uses and cap it at about two and a half times that.`,
			ops: []op{
				edit("deploy/k8s/shipd-deployment.yaml", "              cpu: 100m\n              memory: 64Mi\n", "              cpu: 100m\n              memory: 24Mi\n"),
				edit("deploy/k8s/shipd-deployment.yaml", "            limits:\n              memory: 128Mi\n", "            limits:\n              memory: 48Mi\n"),
			}},
		{day: 5, clock: "10:15", who: tomas, subject: "nginx: rate limit the webhook endpoints", cause: "nginx-webhook-ratelimit",
			body: `
From the security review (finding 7): /webhooks/ is the only public
location without a limit, and anyone can POST to it; each request costs a
signature check and a database lookup. 5 a second per address with a
burst of 10 is far above what a payment provider sends.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "limit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;\n", "limit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;\nlimit_req_zone $binary_remote_addr zone=hooks:10m rate=5r/s;\n"),
				edit("deploy/nginx/conf.d/shop.conf", "    location /webhooks/ {\n        proxy_pass http://shop_api;\n", "    location /webhooks/ {\n        limit_req zone=hooks burst=10 nodelay;\n        limit_req_status 429;\n        proxy_pass http://shop_api;\n"),
			}},
		{day: 5, clock: "17:05", who: tomas, subject: "shipd: pods restarted all evening; back to 64Mi requested, 128Mi limit", fixes: "shipd-memory-limit",
			body: `
The 30 days were mostly quiet days. At the evening peak shipd holds a few
hundred requests to RateBridge at once, each with its JSON, and the kernel
killed it at 48 MiB again and again; meanwhile checkout quoted the flat
rates.`,
			ops: []op{
				edit("deploy/k8s/shipd-deployment.yaml", "              cpu: 100m\n              memory: 24Mi\n", "              cpu: 100m\n              memory: 64Mi\n"),
				edit("deploy/k8s/shipd-deployment.yaml", "            limits:\n              memory: 48Mi\n", "            limits:\n              memory: 128Mi\n"),
			}},
		{day: 4, clock: "11:30", who: priya, subject: "Translations: \"Awaiting payment\" in German and French",
			ops: []op{
				appendTo("shop/translations/de/LC_MESSAGES/messages.po", "\nmsgid \"Awaiting payment\"\nmsgstr \"Zahlung ausstehend\"\n"),
				appendTo("shop/translations/fr/LC_MESSAGES/messages.po", "\nmsgid \"Awaiting payment\"\nmsgstr \"En attente de paiement\"\n"),
			}},
		{day: 3, clock: "15:10", who: tomas, subject: "Orders stayed on awaiting payment for up to an hour in the evening: no rate limit for PayGate's notifications", fixes: "nginx-webhook-ratelimit",
			body: `
PayGate sends its payment notifications from two addresses, and at the
evening peak that is more than 5 a second. A notification turned away with
a 429 is retried after 5, 10, then 20 minutes, and the order stayed unpaid
that long. Every notification's signature is checked anyway; the limit goes.`,
			ops: []op{
				edit("deploy/nginx/conf.d/shop.conf", "limit_req_zone $binary_remote_addr zone=hooks:10m rate=5r/s;\n", ""),
				edit("deploy/nginx/conf.d/shop.conf", "        limit_req zone=hooks burst=10 nodelay;\n        limit_req_status 429;\n", ""),
			}},
	}
}

const merchantPy = `"""Endpoints for the merchant app."""
import uuid

import boto3
from flask import Blueprint, abort, request

from shop import settings
from shop.workers.tasks.thumbnails import make_thumbnails

bp = Blueprint("merchant", __name__, url_prefix="/api/merchant")
ALLOWED = {"image/jpeg", "image/png"}
s3 = boto3.client("s3")


@bp.post("/photos")
def upload_photo():
    photo = request.files.get("photo")
    if photo is None or photo.mimetype not in ALLOWED:
        abort(400)
    product_id = int(request.form["product_id"])
    key = f"products/{product_id}/{uuid.uuid4().hex}.{photo.mimetype.split('/')[1]}"
    s3.upload_fileobj(photo.stream, settings.MEDIA_BUCKET, key, ExtraArgs={"ContentType": photo.mimetype})
    make_thumbnails.delay(key)
    return {"key": key}, 201
`

const saveForLaterPy = `

@bp.post("/items/<sku>/save-for-later")
def save_for_later(sku):
    """Move an item from the cart to the customer's default wishlist."""
    from shop.auth import current_customer_id
    from shop.mongo import get_db

    cid = cart_id()
    customer_id = current_customer_id()
    get_db().wishlists.update_one(
        {"customer_id": customer_id, "name": "Saved for later"},
        {"$addToSet": {"items": sku}},
        upsert=True,
    )
    redis.hdel(_key(cid), sku)
    return {"id": cid, "items": items(cid)}
`

const lowStockPy = `

@app.task
def low_stock_report():
    from shop.workers.tasks.emails import _send

    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT sku, on_hand - reserved FROM stock WHERE on_hand - reserved < 5 ORDER BY 2, 1"
        ).fetchall()
    if rows:
        body = "\n".join(f"{sku}: {left} left" for sku, left in rows)
        _send("merchandising@shop.example", f"Low stock: {len(rows)} SKUs", body)
`

const vatPerLinePy = `

def line_vat(gross_cents: int, country: str) -> int:
    """The VAT contained in a gross amount, for the invoice lines."""
    return gross_cents - net_from_gross(gross_cents, country)
`

const bannersPy = `"""Home page banners: the flash sale countdown."""
from datetime import datetime, timezone

from flask import Blueprint

from shop.db import pool

bp = Blueprint("banners", __name__, url_prefix="/api/banners")


@bp.get("")
def banners():
    now = datetime.now(timezone.utc)
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT title, image_key, ends_at FROM banners WHERE starts_at <= %s AND ends_at > %s ORDER BY priority",
            (now, now),
        ).fetchall()
    return {"banners": [{"title": t, "image": i, "ends_at": e.isoformat()} for t, i, e in rows]}
`

const lineTotalDecimal = `def line_total(unit_cents: int, quantity: int, discount_pct: Decimal = Decimal(0)) -> int:
    gross = Decimal(unit_cents) * quantity / 100
    if discount_pct:
        gross = gross * (1 - Decimal(discount_pct) / 100)
    return to_cents(gross.quantize(CENT, rounding=ROUND_HALF_UP))
`

const lineTotalFloat = `def line_total(unit_cents: int, quantity: int, discount_pct: float = 0) -> int:
    gross = unit_cents * quantity
    if discount_pct:
        gross = gross * (1 - float(discount_pct) / 100)
    return int(gross)
`

const reserveLocked = `    with pool.connection() as conn, conn.transaction():
        for item in items:
            row = conn.execute(
                "SELECT on_hand - reserved FROM stock WHERE sku = %s FOR UPDATE",
                (item["sku"],),
            ).fetchone()
            left = row[0] if row else 0
            if left < item["quantity"]:
                raise OutOfStock(item["sku"], left)
            conn.execute(
`

const reserveUnlocked = `    skus = [item["sku"] for item in items]
    with pool.connection() as conn:
        levels = dict(conn.execute("SELECT sku, on_hand - reserved FROM stock WHERE sku = ANY(%s)", (skus,)).fetchall())
        for item in items:
            left = levels.get(item["sku"], 0)
            if left < item["quantity"]:
                raise OutOfStock(item["sku"], left)
    with pool.connection() as conn, conn.transaction():
        for item in items:
            conn.execute(
`

const apiResourcesBig = `            requests:
              cpu: 500m
              memory: 768Mi
            limits:
              cpu: "2"
              memory: 1Gi
          readinessProbe:
`

const apiResourcesSmall = `            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              cpu: "1"
              memory: 384Mi
          readinessProbe:
`

const awaitingReminderPy = `

@app.task
def remind_awaiting_payment():
    """One reminder for orders that have been awaiting payment for a day."""
    from shop.workers.tasks.emails import send_payment_reminder

    with pool.connection() as conn:
        rows = conn.execute(
            """
            UPDATE orders SET reminded_at = now()
             WHERE status = 'awaiting_payment' AND reminded_at IS NULL
               AND created_at < now() - interval '24 hours'
            RETURNING number
            """
        ).fetchall()
    for (number,) in rows:
        send_payment_reminder.delay(number)
`

const adminRefundPy = `

@bp.post("/orders/<number>/refunds")
def refund(number):
    from shop.payments.client import PayGate

    amount = int(request.get_json(force=True)["amount_cents"])
    with pool.connection() as conn:
        row = conn.execute("SELECT charge_id, total_cents, coalesce(refunded_cents, 0) FROM orders WHERE number = %s", (number,)).fetchone()
    if row is None or row[0] is None:
        return {"error": "no charge for this order"}, 404
    if amount <= 0 or amount + row[2] > row[1]:
        return {"error": "amount exceeds what is left to refund"}, 400
    PayGate().refund(row[0], amount)
    with pool.connection() as conn:
        conn.execute("UPDATE orders SET refunded_cents = coalesce(refunded_cents, 0) + %s WHERE number = %s", (amount, number))
    return {"number": number, "refunded_cents": row[2] + amount}
`

const searchStemmingSQL = `-- Stemmed product search: "kettles" finds "kettle", "Tassen" finds "Tasse".
-- The vector carries both the english and the german stems.
ALTER TABLE products DROP COLUMN search_vector;
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, ''))
    || to_tsvector('german', coalesce(name, '') || ' ' || coalesce(description, ''))
) STORED;
CREATE INDEX idx_products_search ON products USING gin (search_vector);
`

const searchUnaccentSQL = `-- Stemming and accent folding together.
CREATE TEXT SEARCH CONFIGURATION shop_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION shop_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION shop_german (COPY = german);
ALTER TEXT SEARCH CONFIGURATION shop_german
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, german_stem;

ALTER TABLE products DROP COLUMN search_vector;
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('shop_english', coalesce(name, '') || ' ' || coalesce(description, ''))
    || to_tsvector('shop_german', coalesce(name, '') || ' ' || coalesce(description, ''))
) STORED;
CREATE INDEX idx_products_search ON products USING gin (search_vector);
`

const smsPy = `"""SMS notifications (stub until the provider contract is signed)."""
import logging

from shop.workers.celery_app import app

log = logging.getLogger(__name__)


@app.task
def send_sms(number, text):
    log.info("sms to %s: %s", number[-4:], text)
`

const dropIndexesSQL = `-- idx_scan = 0 since the stats reset on the read replica.
DROP INDEX IF EXISTS idx_orders_customer_created;
DROP INDEX IF EXISTS idx_order_items_sku;
DROP INDEX IF EXISTS idx_reservations_created;
`

const exportsStreamPy = `"""CSV exports for the back office, streamed row by row."""
import csv
import io

from shop.db import pool

CUSTOMER_COLUMNS = ["id", "email", "first_name", "last_name", "country", "created_at", "marketing_consent", "orders"]
CUSTOMER_QUERY = """
    SELECT c.id, c.email, c.first_name, c.last_name, c.country, c.created_at, c.marketing_consent, count(o.id)
      FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
     GROUP BY c.id ORDER BY c.id
"""


def stream_customers_csv():
    """Yields the export in chunks of text, header first."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(CUSTOMER_COLUMNS)
    yield buf.getvalue()
    buf.seek(0)
    buf.truncate()
    with pool.connection() as conn, conn.cursor(name="customer_export") as cur:
        cur.itersize = 2000
        cur.execute(CUSTOMER_QUERY)
        for row in cur:
            writer.writerow(row)
            if buf.tell() > 64 * 1024:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
    yield buf.getvalue()
`

const exportAdminOld = `@bp.get("/exports/customers.csv")
def export_customers():
    path = exports.write_customers_csv(tempfile.mktemp(suffix=".csv"))
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="customers.csv")
`

const exportAdminNew = `@bp.get("/exports/customers.csv")
def export_customers():
    return Response(
        exports.stream_customers_csv(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=customers.csv"},
    )
`

const findActivePython = `    with pool.connection() as conn:
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
`

const findActiveSQL = `    with pool.connection() as conn:
        row = conn.execute(
            """
            SELECT id, code, kind, value, starts_at, ends_at, max_uses, used
              FROM promotions
             WHERE code = %(code)s
               AND (starts_at IS NULL OR starts_at <= %(now)s)
               AND (max_uses IS NULL OR used < max_uses)
            """,
            {"code": code.strip().upper(), "now": now},
        ).fetchone()
    return Promotion(*row) if row else None
`

const expiredPromoTest = `def test_expired_promotion_is_not_active(monkeypatch):
    row = tuple(promo(ends_at=NOW - timedelta(days=1)).__dict__.values())
    monkeypatch.setattr(promotions, "pool", FakePool(row))
    assert promotions.find_active("spring10", now=NOW) is None


`

const runbookMigrations = `# Migrations that rewrite a table

§ALTER COLUMN ... TYPE§ (except widening a varchar), adding a volatile
default, and §CREATE INDEX§ without §CONCURRENTLY§ hold locks that block
the api for as long as they run. On orders and order_items that is minutes.

- Build new indexes with §CREATE INDEX CONCURRENTLY§ in a migration of its
  own (it cannot run inside the migration transaction: mark the file
  §-- no-transaction§).
- Change a column's type by adding a new column, backfilling in batches and
  swapping, not with ALTER TYPE.
- Run anything that rewrites a big table in the maintenance window, by hand.
`

const cancelledEmailPy = `

@app.task(bind=True, max_retries=5, default_retry_delay=60)
def send_order_cancelled(self, number, reason):
    number, _, _, _, email, first_name = _order(number)
    body = (TEMPLATES / "order_cancelled.txt").read_text().format(first_name=first_name, number=number, reason=reason)
    _send(email, f"Your order {number} was cancelled", body)
`

const similarV2Py = `

def similar_items_v2(product_id):
    """Nearest neighbours by product embedding (computed nightly)."""
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT n.neighbour_id FROM product_neighbours n
             WHERE n.product_id = %s ORDER BY n.distance LIMIT %s
            """,
            (product_id, LIMIT),
        ).fetchall()
    return [r[0] for r in rows]
`

const captureOnce = `    def capture(self, order):
        payload = {
            "amount": order["total_cents"],
            "currency": order["currency"],
            "source": order["payment_token"],
            "reference": order["number"],
        }
        return self._post("/charges", payload, idempotency_key=f"order-{order['id']}")
`

const captureRetry = `    def capture(self, order, attempts=3):
        payload = {
            "amount": order["total_cents"],
            "currency": order["currency"],
            "source": order["payment_token"],
            "reference": order["number"],
        }
        for attempt in range(1, attempts + 1):
            try:
                return self._post("/charges", payload, idempotency_key=str(uuid.uuid4()))
            except requests.Timeout:
                log.warning("capture of %s timed out (attempt %d/%d)", order["number"], attempt, attempts)
                if attempt == attempts:
                    raise
`

const paymentReminderPy = `

@app.task(bind=True, max_retries=5, default_retry_delay=60)
def send_payment_reminder(self, number):
    number, _, _, _, email, first_name = _order(number)
    body = (TEMPLATES / "payment_reminder.txt").read_text().format(first_name=first_name, number=number)
    _send(email, f"Your order {number} is waiting for payment", body)
`

const healthzDeep = `    def healthz():
        from shop.redis_client import redis

        with db.pool.connection(timeout=2) as conn:
            conn.execute("SELECT 1")
        redis.ping()
        return {"ok": True}
`

const passwordResetPy = `

@app.task(bind=True, max_retries=5, default_retry_delay=60)
def send_password_reset(self, email, link):
    body = (TEMPLATES / "password_reset.txt").read_text().format(link=link)
    _send(email, "Reset your shop.example password", body)
`

const ordersPublic = `def _public(order):
    """An order as the API shows it: money as {cents, currency}."""
    order["total"] = serialize_money(order.pop("total_cents"), order.pop("currency"))
    return order
`

const shoppingFeedPy = `

@app.task
def google_shopping_feed():
    """The product feed Google Merchant Center fetches every morning."""
    import csv
    import io

    import boto3

    from shop import settings

    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t")
    w.writerow(["id", "title", "link", "image_link", "price", "availability"])
    with pool.connection() as conn, conn.cursor(name="shopping_feed") as cur:
        cur.itersize = 1000
        cur.execute(
            """
            SELECT p.id, p.name, p.slug, p.image_key, p.price_cents, coalesce(s.on_hand - s.reserved, 0)
              FROM products p LEFT JOIN stock s ON s.sku = p.sku
             WHERE p.active
             ORDER BY p.id
            """
        )
        for pid, name, slug, image, cents, left in cur:
            w.writerow([pid, name, f"https://shop.example/p/{slug}", f"{settings.CDN_BASE_URL}/{image}",
                        f"{cents / 100:.2f} EUR", "in_stock" if left > 0 else "out_of_stock"])
    boto3.client("s3").put_object(Bucket="shop-feeds", Key="google/products.tsv", Body=buf.getvalue().encode())
`

const adminNoPhotoPy = `

@bp.get("/products/without-photo")
def products_without_photo():
    with pool.connection() as conn:
        rows = conn.execute("SELECT id, name FROM products WHERE active AND image_key IS NULL ORDER BY id").fetchall()
    return {"products": [{"id": i, "name": n} for i, n in rows]}
`

const adminOrderLinesPy = `@bp.get("/exports/orders.csv")
def export_order_lines():
    from datetime import date

    start = date.fromisoformat(request.args["from"])
    end = date.fromisoformat(request.args["to"])
    return Response(
        exports.order_lines_csv(start, end),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=orders-{start}-{end}.csv"},
    )


`

// orderLinesBuilt is the order lines export as first written, one query
// per day; orderLinesCSVStreamed its function once it sends each day.
const orderLinesBuilt = orderLinesQuery + orderLinesCSVBuilt

const orderLinesQuery = `

ORDER_LINE_COLUMNS = ["date", "order", "sku", "quantity", "net_cents", "vat_cents", "gross_cents", "currency", "country"]
ORDER_LINES_QUERY = """
    SELECT o.created_at::date, o.number, i.sku, i.quantity,
           i.quantity * i.unit_cents - coalesce(i.vat_cents, 0), coalesce(i.vat_cents, 0), i.quantity * i.unit_cents,
           o.currency, o.shipping_address->>'country'
      FROM orders o JOIN order_items i ON i.order_id = o.id
     WHERE o.status IN ('paid', 'shipped', 'delivered')
       AND o.created_at >= %s AND o.created_at < %s
     ORDER BY o.created_at, o.number
"""
`

const orderLinesCSVBuilt = `

def order_lines_csv(start, end):
    """Every order line from start to end (dates), one query per day."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(ORDER_LINE_COLUMNS)
    day = start
    with pool.connection() as conn:
        while day < end:
            writer.writerows(conn.execute(ORDER_LINES_QUERY, (day, day + timedelta(days=1))).fetchall())
            day += timedelta(days=1)
    return buf.getvalue()
`

const orderLinesCSVStreamed = `

def order_lines_csv(start, end):
    """Every order line from start to end (dates), one query per day, each
    day sent as soon as it is read."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(ORDER_LINE_COLUMNS)
    yield buf.getvalue()
    buf.seek(0)
    buf.truncate()
    day = start
    with pool.connection() as conn:
        while day < end:
            writer.writerows(conn.execute(ORDER_LINES_QUERY, (day, day + timedelta(days=1))).fetchall())
            day += timedelta(days=1)
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
`

const ordersChannelPy = `def _channel():
    """The apps send X-Shop-Client: ios or android; anything else is the web shop."""
    from flask import request

    client = request.headers.get("X-Shop-Client", "").lower()
    return client if client in ("ios", "android") else "web"


`

const shipdCacheGo = `package quote

import (
	"sync"
	"time"

	"github.com/shopfront/shop/shipd/internal/carrier"
)

// rateCache keeps RateBridge's answers for a while: checkout asks for a
// quote on every step, and RateBridge bills each request.
type rateCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedRates
}

type cachedRates struct {
	rates []carrier.Rate
	until time.Time
}

func newRateCache(ttl time.Duration) *rateCache {
	return &rateCache{ttl: ttl, m: make(map[string]cachedRates)}
}

// cacheKey is where a parcel goes: rates depend on the destination zone.
func cacheKey(p carrier.Parcel) string {
	return p.ToCountry + "/" + p.ToPostcode
}

func (c *rateCache) get(p carrier.Parcel) ([]carrier.Rate, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[cacheKey(p)]
	if !ok || time.Now().After(e.until) {
		return nil, false
	}
	return e.rates, true
}

func (c *rateCache) put(p carrier.Parcel, rates []carrier.Rate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 50000 {
		c.m = make(map[string]cachedRates)
	}
	c.m[cacheKey(p)] = cachedRates{rates: rates, until: time.Now().Add(c.ttl)}
}
`

const billingAddressPy = `
    def set_billing_address(self, token, address):
        """Attaches the billing address to a card token before it is charged:
        PayGate checks its postcode against the card's."""
        return self._post(f"/sources/{token}", {"billing_address": address})
`
