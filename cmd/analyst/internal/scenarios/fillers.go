package scenarios

import (
	"fmt"
	"strings"
)

// This file holds the ordinary work between the story's commits: dependency
// bumps, features, tests, migrations, translations, docs and infrastructure
// chores. Each stream keeps its order and is spread over part of the
// timeline; none of these commits causes an incident.

func c(who person, subject, body string, ops ...op) step {
	return step{who: who, subject: subject, body: body, ops: ops}
}

func fillers() []stream {
	return []stream{
		{lo: 0, hi: 1, steps: dependencyBumps()},
		{lo: 0, hi: 1, steps: shipdWork()},
		{lo: 0, hi: 1, steps: featureWork()},
		{lo: 0.05, hi: 0.95, steps: schemaWork()},
		{lo: 0.1, hi: 1, steps: translationWork()},
		{lo: 0, hi: 1, steps: docsWork()},
		{lo: 0, hi: 1, steps: infraWork()},
		{lo: 0, hi: 1, steps: cleanupWork()},
		{lo: 0.15, hi: 1, steps: reportsWork()},
		{lo: 0.2, hi: 1, steps: moreWork()},
	}
}

// ---- dependency bumps ----

type bump struct {
	file, name, from, to, kind, repo string
}

func dependencyBumps() []step {
	bumps := []bump{
		{"requirements.txt", "requests", "2.31.0", "2.32.0", "minor", "psf/requests"},
		{"requirements-dev.txt", "pytest", "8.2.1", "8.3.2", "minor", "pytest-dev/pytest"},
		{"requirements.txt", "sentry-sdk[flask]", "2.3.1", "2.14.0", "minor", "getsentry/sentry-python"},
		{"requirements.txt", "boto3", "1.34.110", "1.35.24", "minor", "boto/boto3"},
		{"requirements-dev.txt", "ruff", "0.4.5", "0.6.3", "minor", "astral-sh/ruff"},
		{"requirements.txt", "gunicorn", "22.0.0", "23.0.0", "major", "benoitc/gunicorn"},
		{"requirements.txt", "PyYAML", "6.0.1", "6.0.2", "patch", "yaml/pyyaml"},
		{"requirements.txt", "redis", "5.0.4", "5.1.1", "minor", "redis/redis-py"},
		{"requirements-dev.txt", "fakeredis", "2.23.2", "2.24.1", "minor", "cunla/fakeredis-py"},
		{"requirements.txt", "pymongo", "4.7.2", "4.8.0", "minor", "mongodb/mongo-python-driver"},
		{"requirements.txt", "Pillow", "10.3.0", "10.4.0", "minor", "python-pillow/Pillow"},
		{"requirements.txt", "requests", "2.32.0", "2.32.3", "patch", "psf/requests"},
		{"requirements-dev.txt", "responses", "0.25.0", "0.25.3", "patch", "getsentry/responses"},
		{"requirements.txt", "psycopg[binary,pool]", "3.1.19", "3.2.1", "minor", "psycopg/psycopg"},
		{"requirements.txt", "Babel", "2.15.0", "2.16.0", "minor", "python-babel/babel"},
		{"requirements-dev.txt", "pytest-cov", "5.0.0", "6.0.0", "major", "pytest-dev/pytest-cov"},
		{"requirements.txt", "Flask", "3.0.3", "3.1.0", "minor", "pallets/flask"},
		{"requirements.txt", "boto3", "1.35.24", "1.35.57", "patch", "boto/boto3"},
		{"requirements-dev.txt", "pytest", "8.3.2", "8.3.3", "patch", "pytest-dev/pytest"},
		{"requirements.txt", "sentry-sdk[flask]", "2.14.0", "2.18.0", "minor", "getsentry/sentry-python"},
		{"requirements.txt", "pymongo", "4.8.0", "4.10.1", "minor", "mongodb/mongo-python-driver"},
		{"requirements-dev.txt", "ruff", "0.6.3", "0.7.2", "minor", "astral-sh/ruff"},
		{"requirements.txt", "redis", "5.1.1", "5.2.0", "minor", "redis/redis-py"},
		{"requirements.txt", "Pillow", "10.4.0", "11.0.0", "major", "python-pillow/Pillow"},
		{"requirements.txt", "psycopg[binary,pool]", "3.2.1", "3.2.3", "patch", "psycopg/psycopg"},
		{"requirements-dev.txt", "fakeredis", "2.24.1", "2.26.1", "minor", "cunla/fakeredis-py"},
	}
	var out []step
	for _, b := range bumps {
		depType := "direct:production"
		if b.file == "requirements-dev.txt" {
			depType = "direct:development"
		}
		body := fmt.Sprintf(`Bumps [%[1]s](https://github.com/%[2]s) from %[3]s to %[4]s.
- [Release notes](https://github.com/%[2]s/releases)
- [Changelog](https://github.com/%[2]s/blob/main/CHANGELOG.md)
- [Commits](https://github.com/%[2]s/compare/v%[3]s...v%[4]s)

---
updated-dependencies:
- dependency-name: %[1]s
  dependency-type: %[5]s
  update-type: version-update:semver-%[6]s
...

Signed-off-by: dependabot[bot] <support@github.com>`, strings.SplitN(b.name, "[", 2)[0], b.repo, b.from, b.to, depType, b.kind)
		out = append(out, c(botDep, fmt.Sprintf("Bump %s from %s to %s", strings.SplitN(b.name, "[", 2)[0], b.from, b.to), body,
			edit(b.file, b.name+"=="+b.from+"\n", b.name+"=="+b.to+"\n")))
	}
	return out
}

// ---- shipd ----

func shipdWork() []step {
	return []step{
		c(marek, "shipd: tests for the flat rate table", "",
			put("shipd/internal/quote/flat_test.go", shipdFlatTest)),
		c(marek, "shipd: log every request with its duration", "",
			put("shipd/internal/httpx/log.go", shipdHTTPLog),
			edit("shipd/cmd/shipd/main.go", "	\"github.com/shopfront/shop/shipd/internal/config\"\n", "	\"github.com/shopfront/shop/shipd/internal/config\"\n	\"github.com/shopfront/shop/shipd/internal/httpx\"\n"),
			edit("shipd/cmd/shipd/main.go", "http.ListenAndServe(cfg.Addr, mux)", "http.ListenAndServe(cfg.Addr, httpx.Log(mux))")),
		c(marek, "shipd: Makefile", "",
			put("shipd/Makefile", ".PHONY: build test lint\n\nbuild:\n\tCGO_ENABLED=0 go build -o bin/shipd ./cmd/shipd\n\ntest:\n\tgo test -race ./...\n\nlint:\n\tgo vet ./...\n")),
		c(marek, "shipd: reject parcels without weight or destination",
			"RateBridge answers those with a 422 after 800 ms; we can say no at once.",
			edit("shipd/internal/quote/handler.go", "		http.Error(w, \"bad parcel: \"+err.Error(), http.StatusBadRequest)\n		return\n	}\n",
				"		http.Error(w, \"bad parcel: \"+err.Error(), http.StatusBadRequest)\n		return\n	}\n	if p.WeightGrams <= 0 || p.ToCountry == \"\" {\n		http.Error(w, \"bad parcel: weight and destination are required\", http.StatusBadRequest)\n		return\n	}\n")),
		c(marek, "shipd: carrier client tests against httptest", "",
			put("shipd/internal/carrier/client_test.go", shipdClientTest)),
		c(marek, "shipd: README", "",
			put("shipd/README.md", shipdReadme)),
		c(marek, "shipd: graceful shutdown on SIGTERM",
			"Kubernetes sends SIGTERM on rollouts; finish in-flight quotes instead of dropping them.",
			edit("shipd/cmd/shipd/main.go", "	if err := http.ListenAndServe(cfg.Addr, httpx.Log(mux)); err != nil {\n		slog.Error(\"serve\", \"err\", err)\n		os.Exit(1)\n	}\n",
				"	srv := &http.Server{Addr: cfg.Addr, Handler: httpx.Log(mux)}\n	go func() {\n		sig := make(chan os.Signal, 1)\n		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)\n		<-sig\n		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)\n		defer cancel()\n		srv.Shutdown(ctx)\n	}()\n	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {\n		slog.Error(\"serve\", \"err\", err)\n		os.Exit(1)\n	}\n"),
			edit("shipd/cmd/shipd/main.go", "import (\n	\"log/slog\"\n	\"net/http\"\n	\"os\"\n", "import (\n	\"context\"\n	\"log/slog\"\n	\"net/http\"\n	\"os\"\n	\"os/signal\"\n	\"syscall\"\n	\"time\"\n")),
		c(marek, "shipd: add GLS to the contracted carriers", "Contract signed last week; RateBridge already supports them.",
			edit("shipd/internal/carrier/client.go", "var Carriers = []string{\"dhl\", \"dpd\", \"ups\"}\n", "var Carriers = []string{\"dhl\", \"dpd\", \"gls\", \"ups\"}\n")),
		c(marek, "shipd: zone surcharges in the flat rates", "EU neighbours and the rest of the EU are priced differently by every carrier we use.",
			put("shipd/internal/quote/flat.go", shipdFlatZones),
			edit("shipd/internal/quote/flat_test.go", "		{carrier.Parcel{WeightGrams: 900, FromCountry: \"DE\", ToCountry: \"FR\"}, 1290},\n",
				"		{carrier.Parcel{WeightGrams: 900, FromCountry: \"DE\", ToCountry: \"FR\"}, 990},\n		{carrier.Parcel{WeightGrams: 900, FromCountry: \"DE\", ToCountry: \"IT\"}, 1290},\n")),
		c(marek, "shipd: /metrics with request counts", "",
			put("shipd/internal/httpx/metrics.go", shipdMetrics),
			edit("shipd/cmd/shipd/main.go", "	mux.HandleFunc(\"GET /healthz\",", "	mux.Handle(\"GET /metrics\", httpx.Metrics())\n	mux.HandleFunc(\"GET /healthz\",")),
		c(marek, "shipd: Go 1.23", "",
			edit("shipd/go.mod", "go 1.22\n", "go 1.23\n"),
			edit("shipd/Dockerfile", "FROM golang:1.22 AS build\n", "FROM golang:1.23 AS build\n"),
			edit(".github/workflows/ci.yml", "          go-version: \"1.22\"\n", "          go-version: \"1.23\"\n")),
		c(marek, "shipd: build with -trimpath", "",
			edit("shipd/Dockerfile", "RUN CGO_ENABLED=0 go build -o /out/shipd ./cmd/shipd\n", "RUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/shipd ./cmd/shipd\n")),
		c(marek, "shipd: shorten RateBridge error bodies", "A 502 from RateBridge is a whole HTML page; the logs only need the start.",
			edit("shipd/internal/carrier/client.go", "	return fmt.Sprintf(\"ratebridge: HTTP %d: %s\", e.Code, e.Body)\n",
				"	body := e.Body\n	if len(body) > 200 {\n		body = body[:200] + \"…\"\n	}\n	return fmt.Sprintf(\"ratebridge: HTTP %d: %s\", e.Code, body)\n")),
		c(marek, "shipd: sortByPrice test with equal prices", "",
			appendTo("shipd/internal/carrier/client_test.go", shipdSortTest)),
		c(marek, "shipd: express service in the flat rates", "",
			edit("shipd/internal/quote/flat.go", "	return []carrier.Rate{{Carrier: \"dhl\", Service: \"standard\", PriceCents: price, Currency: \"EUR\", DeliveryDays: days}}\n",
				"	return []carrier.Rate{\n		{Carrier: \"dhl\", Service: \"standard\", PriceCents: price, Currency: \"EUR\", DeliveryDays: days},\n		{Carrier: \"dhl\", Service: \"express\", PriceCents: price + 990, Currency: \"EUR\", DeliveryDays: 1},\n	}\n")),
		c(marek, "shipd: README: RateBridge sandbox limits", "",
			appendTo("shipd/README.md", "\n## Sandbox\n\nThe RateBridge sandbox allows 60 requests a minute per key and returns\nfixed prices. Don't load-test against it.\n")),
		c(marek, "shipd: quote handler test", "",
			put("shipd/internal/quote/handler_test.go", shipdHandlerTest)),
		c(marek, "shipd: readiness probe and resources", "",
			edit("deploy/k8s/shipd-deployment.yaml", "              cpu: 50m\n              memory: 64Mi\n", "              cpu: 100m\n              memory: 64Mi\n")),
		c(marek, "shipd: parcel volume helper for bulky surcharges", "",
			appendTo("shipd/internal/carrier/client.go", "\n// VolumeLitres is the parcel's volume, for carriers that surcharge bulky parcels.\nfunc (p Parcel) VolumeLitres() float64 {\n	return float64(p.LengthCM*p.WidthCM*p.HeightCM) / 1000\n}\n")),
		c(marek, "shipd: bulky parcels cost more in the flat rates", "",
			edit("shipd/internal/quote/flat.go", "	if p.WeightGrams > 10000 {\n", "	if p.WeightGrams > 10000 || p.VolumeLitres() > 60 {\n")),
	}
}

const shipdFlatTest = `package quote

import (
	"testing"

	"github.com/shopfront/shop/shipd/internal/carrier"
)

func TestFlatRates(t *testing.T) {
	for _, tc := range []struct {
		p    carrier.Parcel
		want int
	}{
		{carrier.Parcel{WeightGrams: 900, FromCountry: "DE", ToCountry: "DE"}, 495},
		{carrier.Parcel{WeightGrams: 900, FromCountry: "DE", ToCountry: "FR"}, 1290},
		{carrier.Parcel{WeightGrams: 12000, FromCountry: "DE", ToCountry: "DE"}, 1295},
	} {
		if got := FlatRates(tc.p)[0].PriceCents; got != tc.want {
			t.Errorf("FlatRates(%+v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}
`

const shipdHTTPLog = `// Package httpx holds shipd's HTTP middleware.
package httpx

import (
	"log/slog"
	"net/http"
	"time"
)

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Log logs one line per request.
func Log(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		slog.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", time.Since(start))
	})
}
`

const shipdClientTest = `package carrier

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRatesSortedByPrice(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			t.Errorf("no bearer token")
		}
		w.Write([]byte(§{"rates":[{"carrier":"ups","price_cents":900},{"carrier":"dhl","price_cents":500}]}§))
	}))
	defer srv.Close()
	rates, err := New(srv.URL, "k", time.Second).Rates(context.Background(), Parcel{WeightGrams: 1000, ToCountry: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != 2 || rates[0].Carrier != "dhl" {
		t.Fatalf("rates = %+v", rates)
	}
}

func TestRatesStatusError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusUnprocessableEntity)
	}))
	defer srv.Close()
	_, err := New(srv.URL, "k", time.Second).Rates(context.Background(), Parcel{})
	if se, ok := err.(*StatusError); !ok || se.Code != 422 {
		t.Fatalf("err = %v", err)
	}
}
`

const shipdSortTest = `
func TestSortByPriceStable(t *testing.T) {
	rates := []Rate{{Carrier: "a", PriceCents: 5}, {Carrier: "b", PriceCents: 5}, {Carrier: "c", PriceCents: 1}}
	sortByPrice(rates)
	if rates[0].Carrier != "c" || rates[1].Carrier != "a" || rates[2].Carrier != "b" {
		t.Fatalf("got %+v", rates)
	}
}
`

const shipdReadme = `# shipd

Shipping quotes for carts. §POST /quotes§ with a parcel
(§weight_grams§, dimensions, §from_country§, §to_country§, §to_postcode§)
returns the rates of our contracted carriers, cheapest first, as priced by
RateBridge, or the flat rate table when RateBridge fails.

    go run ./cmd/shipd                  # listens on :8080
    go test ./...

Configuration: §SHIPD_ADDR§, §SHIPD_CARRIER_URL§, §SHIPD_CARRIER_KEY§,
§SHIPD_CARRIER_TIMEOUT§ (default 3s).
`

const shipdFlatZones = `package quote

import "github.com/shopfront/shop/shipd/internal/carrier"

// neighbours share a border with Germany: cheaper than the rest of the EU.
var neighbours = map[string]bool{"AT": true, "BE": true, "CH": true, "CZ": true, "DK": true, "FR": true, "LU": true, "NL": true, "PL": true}

// FlatRates is the price list used when live rates are unavailable.
func FlatRates(p carrier.Parcel) []carrier.Rate {
	price, days := 495, 2
	switch {
	case p.ToCountry == p.FromCountry:
	case neighbours[p.ToCountry]:
		price, days = 990, 3
	default:
		price, days = 1290, 5
	}
	if p.WeightGrams > 10000 {
		price += 800
	}
	return []carrier.Rate{{Carrier: "dhl", Service: "standard", PriceCents: price, Currency: "EUR", DeliveryDays: days}}
}
`

const shipdMetrics = `package httpx

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

var requests atomic.Int64

// Count counts requests for /metrics.
func Count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		next.ServeHTTP(w, r)
	})
}

// Metrics serves the counters in the Prometheus text format.
func Metrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# TYPE shipd_requests_total counter\nshipd_requests_total %d\n", requests.Load())
	})
}
`

const shipdHandlerTest = `package quote

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerRejectsEmptyParcel(t *testing.T) {
	h := &Handler{Fallback: FlatRates}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/quotes", strings.NewReader(§{}§)))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d", rec.Code)
	}
}
`

// ---- features ----

func featureWork() []step {
	return []step{
		c(priya, "Admin: find orders by customer email", "",
			appendTo("shop/api/admin.py", adminOrdersByEmail)),
		c(dana, "Addresses: postcode validation for DE, AT, FR and NL",
			"Carriers reject labels with malformed postcodes, and we only find out when the parcel is handed over.",
			put("shop/addresses.py", addressesPy),
			put("tests/test_addresses.py", testAddressesPy)),
		c(priya, "Cart: change the quantity of a line", "",
			appendTo("shop/api/cart.py", cartQuantityPy),
			appendTo("tests/test_cart.py", "\n\ndef test_quantity_zero_removes_line(fake_redis):\n    fake_redis.hset(\"cart:abc\", \"KET-001\", 2)\n    fake_redis.hdel(\"cart:abc\", \"KET-001\")\n    assert cart.items(\"abc\") == {}\n")),
		c(dana, "Checkout: shipping quotes from shipd", "",
			put("shop/shipping.py", shippingPy),
			put("tests/test_shipping.py", testShippingPy)),
		c(priya, "Products: list a category", "",
			appendTo("shop/api/products.py", productsCategoryPy)),
		c(priya, "Admin: mark an order as shipped", "The warehouse tool calls this once the label is printed.",
			appendTo("shop/api/admin.py", adminShipPy)),
		c(dana, "Reviews: ratings and texts in Mongo", "The API for it comes next; this is the storage and the validation.",
			put("shop/reviews.py", reviewsPy),
			put("tests/test_reviews.py", testReviewsPy)),
		c(priya, "Wishlists: remove an item", "",
			appendTo("shop/api/wishlists.py", wishlistRemovePy)),
		c(dana, "Products: average rating endpoint", "",
			appendTo("shop/api/products.py", productsRatingPy)),
		c(priya, "Cart: item count for the header badge", "",
			appendTo("shop/api/cart.py", "\n\n@bp.get(\"/count\")\ndef count():\n    return {\"count\": sum(items(cart_id()).values())}\n")),
		c(dana, "Orders: customers can cancel an unpaid order", "",
			appendTo("shop/api/orders.py", ordersCancelPy)),
		c(priya, "Admin: deactivate a product", "",
			appendTo("shop/api/admin.py", "\n\n@bp.post(\"/products/<int:product_id>/deactivate\")\ndef deactivate_product(product_id):\n    with pool.connection() as conn:\n        conn.execute(\"UPDATE products SET active = false, updated_at = now() WHERE id = %s\", (product_id,))\n    return {\"id\": product_id, \"active\": False}\n")),
		c(dana, "Gift cards: balance lookup", "",
			put("shop/giftcards.py", giftcardsPy),
			migration("gift_cards", "CREATE TABLE gift_cards (\n    code          text PRIMARY KEY,\n    initial_cents int NOT NULL,\n    balance_cents int NOT NULL CHECK (balance_cents >= 0),\n    currency      char(3) NOT NULL DEFAULT 'EUR',\n    expires_at    timestamptz,\n    created_at    timestamptz NOT NULL DEFAULT now()\n);\n")),
		c(priya, "Wishlists: read-only share link", "Behind the wishlist_sharing flag, which is already on.",
			appendTo("shop/api/wishlists.py", wishlistSharePy)),
		c(dana, "Returns: request a return within 30 days of delivery", "",
			put("shop/returns.py", returnsPy),
			migration("returns", "CREATE TABLE returns (\n    id         bigserial PRIMARY KEY,\n    order_id   bigint NOT NULL REFERENCES orders (id),\n    reason     text NOT NULL,\n    status     text NOT NULL DEFAULT 'requested',\n    created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX idx_returns_order ON returns (order_id);\n"),
			appendTo("shop/api/orders.py", ordersReturnPy)),
		c(priya, "Admin: set the on-hand stock of a SKU", "For stock takes; reservations are left alone.",
			appendTo("shop/api/admin.py", adminStockPy)),
		c(dana, "Loyalty: one point per euro on paid orders", "",
			put("shop/loyalty.py", loyaltyPy),
			migration("loyalty_points", "CREATE TABLE loyalty_points (\n    customer_id bigint NOT NULL REFERENCES customers (id),\n    order_id    bigint NOT NULL REFERENCES orders (id),\n    points      int NOT NULL,\n    created_at  timestamptz NOT NULL DEFAULT now(),\n    PRIMARY KEY (customer_id, order_id)\n);\n"),
			put("tests/test_loyalty.py", "from shop.loyalty import points_for\n\n\ndef test_points_round_down():\n    assert points_for(1999) == 19\n\n\ndef test_no_points_for_small_orders():\n    assert points_for(99) == 0\n")),
		c(priya, "Search: suggestions for the search box", "Prefix match on product names, 8 at most; the full search stays on Enter.",
			appendTo("shop/api/products.py", productsSuggestPy)),
		c(dana, "Orders: reorder copies a past order into the cart", "",
			appendTo("shop/api/orders.py", ordersReorderPy)),
		c(priya, "Admin: import prices from a CSV file", "Merchandising sends a spreadsheet before every sale; this saves an afternoon of clicking.",
			appendTo("shop/api/admin.py", adminPriceImportPy)),
		c(dana, "Account: change the email address with a confirmation link", "",
			put("shop/account.py", accountPy)),
		c(priya, "Newsletter: double opt-in tokens", "",
			put("shop/newsletter.py", newsletterPy),
			put("tests/test_newsletter.py", "from shop import newsletter\n\n\ndef test_token_roundtrip():\n    token = newsletter.make_token(\"a@b.example\")\n    assert newsletter.read_token(token) == \"a@b.example\"\n\n\ndef test_tampered_token():\n    assert newsletter.read_token(newsletter.make_token(\"a@b.example\") + \"x\") is None\n")),
		c(dana, "Addresses: several saved shipping addresses per customer", "",
			migration("customer_addresses", "CREATE TABLE customer_addresses (\n    id          bigserial PRIMARY KEY,\n    customer_id bigint NOT NULL REFERENCES customers (id),\n    label       text NOT NULL DEFAULT '',\n    address     jsonb NOT NULL,\n    is_default  boolean NOT NULL DEFAULT false\n);\nCREATE INDEX idx_customer_addresses_customer ON customer_addresses (customer_id);\n"),
			appendTo("shop/addresses.py", addressesSavedPy)),
		c(priya, "Products: new arrivals", "",
			appendTo("shop/api/products.py", "\n\n@bp.get(\"/new\")\ndef new_arrivals():\n    with pool.connection() as conn:\n        rows = conn.execute(\n            \"SELECT slug, name, price_cents, image_key FROM products WHERE active ORDER BY id DESC LIMIT 24\"\n        ).fetchall()\n    return {\"products\": [dict(zip((\"slug\", \"name\", \"price_cents\", \"image\"), r)) for r in rows]}\n")),
		c(dana, "Gift cards: redeem at checkout", "",
			appendTo("shop/giftcards.py", giftcardsRedeemPy)),
		c(priya, "Admin: customers list with paging", "",
			appendTo("shop/api/admin.py", "\n\n@bp.get(\"/customers\")\ndef customers():\n    page = max(1, int(request.args.get(\"page\", 1)))\n    with pool.connection() as conn:\n        rows = conn.execute(\n            \"SELECT id, email, first_name, last_name, country, created_at FROM customers ORDER BY id DESC LIMIT 50 OFFSET %s\",\n            ((page - 1) * 50,),\n        ).fetchall()\n    return {\"page\": page, \"customers\": [dict(zip((\"id\", \"email\", \"first_name\", \"last_name\", \"country\", \"created_at\"), r)) for r in rows]}\n")),
		c(dana, "Returns: refund once the parcel is back", "",
			appendTo("shop/returns.py", returnsRefundPy)),
		c(priya, "Products: JSON-LD for search engines", "",
			put("shop/seo.py", seoPy)),
		c(dana, "Orders: invoice number on paid orders", "",
			migration("invoice_numbers", "CREATE SEQUENCE invoice_number_seq START 100000;\nALTER TABLE orders ADD COLUMN invoice_number bigint UNIQUE;\n"),
			appendTo("shop/api/orders.py", ordersInvoicePy)),
		c(priya, "Wishlists: move everything to the cart", "",
			appendTo("shop/api/wishlists.py", wishlistToCartPy)),
		c(dana, "Promotions: free shipping codes", "",
			appendTo("shop/promotions.py", "\n\ndef free_shipping(promo):\n    \"\"\"Codes of kind 'amount' with value 0 mean free shipping (see the admin docs).\"\"\"\n    return promo is not None and promo.kind == \"amount\" and promo.value == 0\n"),
			appendTo("tests/test_promotions.py", "\n\ndef test_free_shipping_code():\n    assert promotions.free_shipping(promo(kind=\"amount\", value=0))\n    assert not promotions.free_shipping(promo())\n")),
		c(priya, "Admin: order detail with its lines", "",
			appendTo("shop/api/admin.py", adminOrderDetailPy)),
		c(dana, "Account: delete my account (GDPR)", "Anonymises the customer row; orders stay for the tax retention period.",
			appendTo("shop/account.py", accountDeletePy)),
	}
}

const adminOrdersByEmail = `

@bp.get("/orders/by-email")
def orders_by_email():
    email = request.args["email"].strip().lower()
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT o.number, o.status, o.total_cents, o.currency, o.created_at
              FROM orders o JOIN customers c ON c.id = o.customer_id
             WHERE c.email = %s ORDER BY o.created_at DESC LIMIT 100
            """,
            (email,),
        ).fetchall()
    keys = ("number", "status", "total_cents", "currency", "created_at")
    return {"email": email, "orders": [dict(zip(keys, r)) for r in rows]}
`

const addressesPy = `"""Postal addresses: validation before anything is sent to a carrier."""
import re

POSTCODES = {
    "AT": re.compile(r"^\d{4}$"),
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
    "NL": re.compile(r"^\d{4} ?[A-Z]{2}$"),
}
REQUIRED = ("name", "street", "postcode", "city", "country")


def problems(address):
    """Returns a list of what is wrong with an address, empty if nothing."""
    out = [f"{field} is required" for field in REQUIRED if not str(address.get(field, "")).strip()]
    pattern = POSTCODES.get(address.get("country", ""))
    if pattern and not pattern.match(str(address.get("postcode", "")).strip().upper()):
        out.append("postcode does not look right for " + address["country"])
    return out
`

const testAddressesPy = `from shop.addresses import problems

OK = {"name": "A B", "street": "Hauptstr. 1", "postcode": "10115", "city": "Berlin", "country": "DE"}


def test_valid_de():
    assert problems(OK) == []


def test_bad_postcode_de():
    assert problems({**OK, "postcode": "1011"}) == ["postcode does not look right for DE"]


def test_nl_postcode_with_space():
    assert problems({**OK, "country": "NL", "postcode": "1012 ab"}) == []


def test_missing_city():
    assert problems({**OK, "city": " "}) == ["city is required"]
`

const cartQuantityPy = `

@bp.put("/items/<sku>")
def set_quantity(sku):
    cid = cart_id()
    quantity = int(request.get_json(force=True)["quantity"])
    if quantity <= 0:
        redis.hdel(_key(cid), sku)
    elif quantity > inventory.available(sku):
        return {"error": "not enough stock"}, 409
    else:
        redis.hset(_key(cid), sku, quantity)
    return {"id": cid, "items": items(cid)}
`

const shippingPy = `"""Shipping quotes from shipd."""
import logging

import requests

from shop import settings

log = logging.getLogger(__name__)
FALLBACK_CENTS = 495


def cheapest_rate_cents(parcel):
    try:
        resp = requests.post(f"{settings.SHIPD_URL}/quotes", json=parcel, timeout=2)
        resp.raise_for_status()
        rates = resp.json()["rates"]
        return rates[0]["price_cents"] if rates else FALLBACK_CENTS
    except (requests.RequestException, KeyError, ValueError):
        log.warning("shipd unavailable, using the fallback rate", exc_info=True)
        return FALLBACK_CENTS
`

const testShippingPy = `import responses

from shop import shipping


@responses.activate
def test_cheapest_rate():
    responses.post("http://localhost:8080/quotes", json={"rates": [{"price_cents": 450}, {"price_cents": 900}]})
    assert shipping.cheapest_rate_cents({"weight_grams": 500}) == 450


@responses.activate
def test_fallback_when_shipd_fails():
    responses.post("http://localhost:8080/quotes", status=502)
    assert shipping.cheapest_rate_cents({"weight_grams": 500}) == shipping.FALLBACK_CENTS
`

const productsCategoryPy = `

@bp.get("/category/<slug>")
def category(slug):
    page = max(1, int(request.args.get("page", 1)))
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT p.slug, p.name, p.price_cents, p.image_key
              FROM products p JOIN categories c ON c.id = p.category_id
             WHERE c.slug = %s AND p.active
             ORDER BY p.name LIMIT 48 OFFSET %s
            """,
            (slug, (page - 1) * 48),
        ).fetchall()
    return {"page": page, "products": [dict(zip(("slug", "name", "price_cents", "image"), r)) for r in rows]}
`

const adminShipPy = `

@bp.post("/orders/<number>/shipped")
def order_shipped(number):
    from shop import inventory
    from shop.api import orders

    tracking = request.get_json(force=True)["tracking_number"]
    with pool.connection() as conn:
        row = conn.execute("SELECT id FROM orders WHERE number = %s AND status = 'paid'", (number,)).fetchone()
    if row is None:
        return {"error": "no paid order with that number"}, 404
    inventory.commit(row[0])
    orders.mark_shipped(number, tracking)
    return {"number": number, "status": "shipped"}
`

const reviewsPy = `"""Product reviews, stored in MongoDB."""
from datetime import datetime, timezone

from shop.mongo import get_db

MAX_TEXT = 4000


def problems(review):
    out = []
    if review.get("rating") not in (1, 2, 3, 4, 5):
        out.append("rating must be 1 to 5")
    if len(review.get("text", "")) > MAX_TEXT:
        out.append(f"text is longer than {MAX_TEXT} characters")
    return out


def add(product_id, customer_id, rating, text):
    doc = {
        "product_id": product_id,
        "customer_id": customer_id,
        "rating": rating,
        "text": text.strip(),
        "created_at": datetime.now(timezone.utc),
        "published": False,
    }
    return get_db().reviews.insert_one(doc).inserted_id


def average(product_id):
    rows = list(get_db().reviews.aggregate([
        {"$match": {"product_id": product_id, "published": True}},
        {"$group": {"_id": None, "avg": {"$avg": "$rating"}, "n": {"$sum": 1}}},
    ]))
    return (round(rows[0]["avg"], 1), rows[0]["n"]) if rows else (None, 0)
`

const testReviewsPy = `from shop.reviews import problems


def test_rating_range():
    assert problems({"rating": 6}) == ["rating must be 1 to 5"]


def test_ok():
    assert problems({"rating": 4, "text": "Great kettle"}) == []
`

const wishlistRemovePy = `

@bp.delete("/<wishlist_id>/items/<sku>")
def remove_item(wishlist_id, sku):
    customer_id = current_customer_id()
    get_db().wishlists.update_one(
        {"_id": _oid(wishlist_id), "customer_id": customer_id},
        {"$pull": {"items": sku}, "$set": {"updated_at": datetime.now(timezone.utc)}},
    )
    return {"ok": True}
`

const productsRatingPy = `

@bp.get("/<int:product_id>/rating")
def rating(product_id):
    from shop import reviews

    avg, n = reviews.average(product_id)
    return {"product_id": product_id, "average": avg, "count": n}
`

const ordersCancelPy = `

@bp.post("/<number>/cancel")
def cancel_unpaid(number):
    from shop import inventory

    customer_id = current_customer_id()
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id FROM orders WHERE number = %s AND customer_id = %s AND status IN ('new', 'awaiting_payment')",
            (number, customer_id),
        ).fetchone()
    if row is None:
        abort(409)
    inventory.release(row[0])
    cancel(row[0], reason="cancelled_by_customer")
    return {"number": number, "status": "cancelled"}
`

const giftcardsPy = `"""Gift cards."""
from datetime import datetime, timezone

from shop.db import pool


def balance(code):
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT balance_cents, currency, expires_at FROM gift_cards WHERE code = %s", (code.strip().upper(),)
        ).fetchone()
    if row is None:
        return None
    cents, currency, expires_at = row
    if expires_at and expires_at <= datetime.now(timezone.utc):
        return {"balance_cents": 0, "currency": currency, "expired": True}
    return {"balance_cents": cents, "currency": currency, "expired": False}
`

const giftcardsRedeemPy = `

def redeem(code, amount_cents):
    """Takes up to amount_cents off the card; returns what was taken."""
    with pool.connection() as conn, conn.transaction():
        row = conn.execute(
            "SELECT balance_cents FROM gift_cards WHERE code = %s AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE",
            (code.strip().upper(),),
        ).fetchone()
        if row is None:
            return 0
        taken = min(row[0], amount_cents)
        conn.execute("UPDATE gift_cards SET balance_cents = balance_cents - %s WHERE code = %s", (taken, code.strip().upper()))
    return taken
`

const wishlistSharePy = `

@bp.get("/shared/<token>")
def shared(token):
    from shop import features

    if not features.enabled("wishlist_sharing"):
        abort(404)
    doc = get_db().wishlists.find_one({"share_token": token})
    if doc is None:
        abort(404)
    return {"name": doc["name"], "items": doc["items"]}
`

const returnsPy = `"""Returns."""
from datetime import datetime, timedelta, timezone

from shop.db import pool

WINDOW = timedelta(days=30)


def request_return(order_id, reason, delivered_at, now=None):
    now = now or datetime.now(timezone.utc)
    if delivered_at is None or now - delivered_at > WINDOW:
        return None
    with pool.connection() as conn:
        row = conn.execute(
            "INSERT INTO returns (order_id, reason) VALUES (%s, %s) RETURNING id", (order_id, reason[:500])
        ).fetchone()
    return row[0]
`

const ordersReturnPy = `

@bp.post("/<number>/returns")
def request_return(number):
    from flask import request

    from shop import returns

    customer_id = current_customer_id()
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT id, updated_at FROM orders WHERE number = %s AND customer_id = %s AND status = 'delivered'",
            (number, customer_id),
        ).fetchone()
    if row is None:
        abort(404)
    return_id = returns.request_return(row[0], request.get_json(force=True).get("reason", ""), row[1])
    if return_id is None:
        return {"error": "the 30 day return window has passed"}, 409
    return {"return_id": return_id}, 201
`

const adminStockPy = `

@bp.put("/stock/<sku>")
def set_stock(sku):
    on_hand = int(request.get_json(force=True)["on_hand"])
    if on_hand < 0:
        return {"error": "on_hand must not be negative"}, 400
    with pool.connection() as conn:
        conn.execute("UPDATE stock SET on_hand = %s WHERE sku = %s", (on_hand, sku))
    return {"sku": sku, "on_hand": on_hand}
`

const loyaltyPy = `"""Loyalty points: one per whole euro of a paid order."""
from shop.db import pool


def points_for(total_cents):
    return total_cents // 100


def award(customer_id, order_id, total_cents):
    points = points_for(total_cents)
    if points <= 0:
        return 0
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO loyalty_points (customer_id, order_id, points) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (customer_id, order_id, points),
        )
    return points
`

const productsSuggestPy = `

@bp.get("/suggest")
def suggest():
    q = request.args.get("q", "").strip()
    if len(q) < 2:
        return {"suggestions": []}
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT name FROM products WHERE active AND name ILIKE %s ORDER BY name LIMIT 8", (q.replace("%", "") + "%",)
        ).fetchall()
    return {"suggestions": [r[0] for r in rows]}
`

const ordersReorderPy = `

@bp.post("/<number>/reorder")
def reorder(number):
    from shop.api import cart
    from shop.redis_client import redis

    customer_id = current_customer_id()
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT i.sku, i.quantity FROM order_items i JOIN orders o ON o.id = i.order_id
             WHERE o.number = %s AND o.customer_id = %s
            """,
            (number, customer_id),
        ).fetchall()
    cid = cart.cart_id()
    for sku, quantity in rows:
        redis.hincrby(f"cart:{cid}", sku, quantity)
    return {"id": cid, "items": cart.items(cid)}
`

const adminPriceImportPy = `

@bp.post("/prices/import")
def import_prices():
    """CSV with the columns sku;price_cents (semicolon, as Excel writes it here)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(request.get_data(as_text=True)), delimiter=";")
    updated = 0
    with pool.connection() as conn, conn.transaction():
        for row in reader:
            if len(row) != 2 or not row[1].strip().isdigit():
                continue
            cur = conn.execute("UPDATE variants SET price_cents = %s WHERE sku = %s", (int(row[1]), row[0].strip()))
            updated += cur.rowcount
    return {"updated": updated}
`

const accountPy = `"""Account changes that need a confirmation by email."""
import secrets

from shop.redis_client import redis

CONFIRM_TTL = 24 * 3600


def start_email_change(customer_id, new_email):
    token = secrets.token_urlsafe(24)
    redis.setex(f"email-change:{token}", CONFIRM_TTL, f"{customer_id}:{new_email.strip().lower()}")
    return token


def confirm_email_change(token):
    raw = redis.getdel(f"email-change:{token}")
    if raw is None:
        return None
    customer_id, email = raw.split(":", 1)
    from shop.db import pool

    with pool.connection() as conn:
        conn.execute("UPDATE customers SET email = %s WHERE id = %s", (email, int(customer_id)))
    return email
`

const accountDeletePy = `

def delete_account(customer_id):
    from shop.db import pool

    with pool.connection() as conn:
        conn.execute(
            """
            UPDATE customers
               SET email = 'deleted-' || id || '@invalid', first_name = '', last_name = '', password_hash = '!'
             WHERE id = %s
            """,
            (customer_id,),
        )
`

const newsletterPy = `"""Newsletter double opt-in: signed, expiring tokens."""
import base64
import hashlib
import hmac
import time

from shop import settings

MAX_AGE = 7 * 24 * 3600


def _sign(payload):
    return hmac.new(settings.SECRET_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def make_token(email, now=None):
    payload = f"{email}|{int(now or time.time())}"
    return base64.urlsafe_b64encode(f"{payload}|{_sign(payload)}".encode()).decode()


def read_token(token, now=None):
    try:
        email, ts, sig = base64.urlsafe_b64decode(token.encode()).decode().rsplit("|", 2)
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(sig, _sign(f"{email}|{ts}")):
        return None
    if (now or time.time()) - int(ts) > MAX_AGE:
        return None
    return email
`

const addressesSavedPy = `


def saved(customer_id):
    from shop.db import pool

    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT id, label, address, is_default FROM customer_addresses WHERE customer_id = %s ORDER BY is_default DESC, id",
            (customer_id,),
        ).fetchall()
    return [dict(zip(("id", "label", "address", "is_default"), r)) for r in rows]
`

const returnsRefundPy = `


def refund_received(return_id):
    from shop.payments.client import PayGate

    with pool.connection() as conn:
        row = conn.execute(
            """
            SELECT o.charge_id, o.total_cents FROM returns r JOIN orders o ON o.id = r.order_id
             WHERE r.id = %s AND r.status = 'received'
            """,
            (return_id,),
        ).fetchone()
        if row is None:
            return False
        PayGate().refund(row[0], row[1])
        conn.execute("UPDATE returns SET status = 'refunded' WHERE id = %s", (return_id,))
    return True
`

const seoPy = `"""Structured data for product pages."""
import json

from shop import settings


def product_jsonld(product, currency="EUR"):
    return json.dumps({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product["name"],
        "image": f"{settings.CDN_BASE_URL}/{product['image']}" if product.get("image") else None,
        "description": product.get("description", "")[:500],
        "offers": {
            "@type": "Offer",
            "price": f"{product['price_cents'] / 100:.2f}",
            "priceCurrency": currency,
            "availability": "https://schema.org/InStock",
        },
    })
`

const ordersInvoicePy = `

def assign_invoice_number(order_id):
    with pool.connection() as conn:
        row = conn.execute(
            "UPDATE orders SET invoice_number = nextval('invoice_number_seq') WHERE id = %s AND invoice_number IS NULL RETURNING invoice_number",
            (order_id,),
        ).fetchone()
    return row[0] if row else None
`

const wishlistToCartPy = `

@bp.post("/<wishlist_id>/to-cart")
def to_cart(wishlist_id):
    from shop.api import cart
    from shop.redis_client import redis

    customer_id = current_customer_id()
    doc = get_db().wishlists.find_one({"_id": _oid(wishlist_id), "customer_id": customer_id})
    if doc is None:
        abort(404)
    cid = cart.cart_id()
    for sku in doc["items"]:
        redis.hincrby(f"cart:{cid}", sku, 1)
    return {"id": cid, "items": cart.items(cid)}
`

const adminOrderDetailPy = `

@bp.get("/orders/<number>")
def order_detail(number):
    with pool.connection() as conn:
        order = conn.execute(
            "SELECT id, number, status, total_cents, currency, created_at, charge_id FROM orders WHERE number = %s", (number,)
        ).fetchone()
        if order is None:
            return {"error": "not found"}, 404
        lines = conn.execute("SELECT sku, quantity, unit_cents FROM order_items WHERE order_id = %s", (order[0],)).fetchall()
    keys = ("id", "number", "status", "total_cents", "currency", "created_at", "charge_id")
    return {**dict(zip(keys, order)), "lines": [dict(zip(("sku", "quantity", "unit_cents"), ln)) for ln in lines]}
`

// ---- schema ----

func schemaWork() []step {
	return []step{
		c(aisha, "Migration: weight and dimensions on variants", "shipd needs them for live rates; filled in by the catalogue import.",
			migration("variant_dimensions", "ALTER TABLE variants\n    ADD COLUMN weight_grams int,\n    ADD COLUMN length_cm int,\n    ADD COLUMN width_cm int,\n    ADD COLUMN height_cm int;\n")),
		c(dana, "Migration: EAN on variants", "",
			migration("variant_ean", "ALTER TABLE variants ADD COLUMN ean text;\nCREATE UNIQUE INDEX idx_variants_ean ON variants (ean) WHERE ean IS NOT NULL;\n")),
		c(aisha, "Migration: categories get a menu position", "",
			migration("category_position", "ALTER TABLE categories ADD COLUMN position int NOT NULL DEFAULT 0;\n")),
		c(dana, "Migration: customers.phone for delivery notifications", "",
			migration("customer_phone", "ALTER TABLE customers ADD COLUMN phone text;\n")),
		c(aisha, "Migration: stock.updated_at", "For the stock-take report: when did a SKU last change?",
			migration("stock_updated_at", "ALTER TABLE stock ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();\n")),
		c(dana, "Migration: orders.locale", "The language emails about an order are written in.",
			migration("orders_locale", "ALTER TABLE orders ADD COLUMN locale text NOT NULL DEFAULT 'de_DE';\n")),
		c(aisha, "Migration: orders.delivered_at", "",
			migration("orders_delivered_at", "ALTER TABLE orders ADD COLUMN delivered_at timestamptz;\n")),
		c(dana, "Migration: customers.deleted_at for account deletion", "",
			migration("customers_deleted_at", "ALTER TABLE customers ADD COLUMN deleted_at timestamptz;\n")),
		c(aisha, "Migration: product_views for the recommendations job", "",
			migration("product_views", "CREATE TABLE product_views (\n    product_id int NOT NULL,\n    day        date NOT NULL,\n    views      int NOT NULL DEFAULT 0,\n    PRIMARY KEY (product_id, day)\n);\n")),
		c(dana, "Migration: promotions.description for the admin list", "",
			migration("promotion_description", "ALTER TABLE promotions ADD COLUMN description text NOT NULL DEFAULT '';\n")),
	}
}

// ---- translations ----

type msg struct{ id, de, fr string }

func translationWork() []step {
	batches := []struct {
		who     person
		subject string
		msgs    []msg
	}{
		{priya, "i18n: strings for the cart page", []msg{
			{"Your cart is empty", "Dein Warenkorb ist leer", "Votre panier est vide"},
			{"Remove", "Entfernen", "Supprimer"},
			{"Quantity", "Menge", "Quantité"},
		}},
		{aisha, "i18n: returns page", []msg{
			{"Request a return", "Rücksendung anfordern", "Demander un retour"},
			{"Reason for the return", "Grund der Rücksendung", "Motif du retour"},
		}},
		{priya, "i18n: wishlist strings", []msg{
			{"Move to cart", "In den Warenkorb legen", "Ajouter au panier"},
			{"Share this wishlist", "Wunschliste teilen", "Partager cette liste"},
		}},
		{priya, "i18n: checkout address errors", []msg{
			{"postcode does not look right", "Die Postleitzahl scheint nicht zu stimmen", "Le code postal ne semble pas correct"},
			{"city is required", "Bitte gib einen Ort an", "La ville est obligatoire"},
		}},
		{aisha, "i18n: loyalty points", []msg{
			{"You earned %(points)s points", "Du hast %(points)s Punkte gesammelt", "Vous avez gagné %(points)s points"},
		}},
		{priya, "i18n: fix the French checkout label", nil},
		{priya, "i18n: account deletion", []msg{
			{"Delete my account", "Mein Konto löschen", "Supprimer mon compte"},
			{"This cannot be undone.", "Das kann nicht rückgängig gemacht werden.", "Cette action est irréversible."},
		}},
		{aisha, "i18n: gift cards", []msg{
			{"Gift card balance", "Guthaben der Geschenkkarte", "Solde de la carte cadeau"},
			{"This gift card has expired", "Diese Geschenkkarte ist abgelaufen", "Cette carte cadeau a expiré"},
		}},
		{priya, "i18n: order status names", []msg{
			{"awaiting_payment", "Zahlung ausstehend", "En attente de paiement"},
			{"shipped", "Versendet", "Expédiée"},
			{"delivered", "Zugestellt", "Livrée"},
		}},
		{priya, "i18n: newsletter confirmation", []msg{
			{"Please confirm your subscription", "Bitte bestätige dein Abonnement", "Veuillez confirmer votre inscription"},
		}},
	}
	var out []step
	for _, b := range batches {
		if b.msgs == nil {
			out = append(out, c(b.who, b.subject, "\"Commander\" reads like an order form; the shop uses \"Passer la commande\" everywhere else.",
				edit("shop/translations/fr/LC_MESSAGES/messages.po", "msgid \"Checkout\"\nmsgstr \"Commander\"\n", "msgid \"Checkout\"\nmsgstr \"Passer la commande\"\n")))
			continue
		}
		var de, fr strings.Builder
		for _, m := range b.msgs {
			fmt.Fprintf(&de, "\nmsgid %q\nmsgstr %q\n", m.id, m.de)
			fmt.Fprintf(&fr, "\nmsgid %q\nmsgstr %q\n", m.id, m.fr)
		}
		out = append(out, c(b.who, b.subject, "",
			appendTo("shop/translations/de/LC_MESSAGES/messages.po", de.String()),
			appendTo("shop/translations/fr/LC_MESSAGES/messages.po", fr.String())))
	}
	out = append(out[:3], append([]step{
		c(aisha, "i18n: Dutch translation", "First pass by the NL customer service team; the rest falls back to English.",
			put("shop/translations/nl/LC_MESSAGES/messages.po", "msgid \"\"\nmsgstr \"\"\n\"Language: nl\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"Add to cart\"\nmsgstr \"In winkelwagen\"\n\nmsgid \"My orders\"\nmsgstr \"Mijn bestellingen\"\n\nmsgid \"Checkout\"\nmsgstr \"Afrekenen\"\n\nmsgid \"Out of stock\"\nmsgstr \"Uitverkocht\"\n")),
	}, out[3:]...)...)
	return out
}

// ---- docs ----

func docsWork() []step {
	return []step{
		c(dana, "docs: payments runbook", "", put("docs/runbooks/payments.md", runbookPayments)),
		c(tomas, "docs: Redis runbook", "", put("docs/runbooks/redis.md", runbookRedis)),
		c(aisha, "docs: Postgres runbook", "", put("docs/runbooks/postgres.md", runbookPostgres)),
		c(priya, "CONTRIBUTING: how we review", "", put("CONTRIBUTING.md", contributing)),
		c(marek, "docs: shipd in the architecture overview", "",
			appendTo("docs/architecture.md", "\nshipd: one Deployment, two replicas, no state. Checkout asks it for the\ncheapest rate with a 2 s timeout and falls back to 4.95 EUR.\n")),
		c(dana, "docs: incident write-up template", "", put("docs/incidents/TEMPLATE.md", incidentTemplate)),
		c(tomas, "docs: deploy runbook: watching the migrate Job", "",
			appendTo("docs/runbooks/deploy.md", "\nThe migrate Job's logs list every migration it applies (\"applying 00NN_...\").\nA Job that runs for more than a minute is holding locks: look at\n§pg_stat_activity§ before waiting longer.\n")),
		c(aisha, "docs: data retention", "", put("docs/data-retention.md", dataRetention)),
		c(priya, "README: running the worker locally", "",
			appendTo("README.md", "\n## Workers\n\n    make worker          # Celery worker for every queue, against local Redis\n\nEmails go to whatever §SMTP_HOST§ says; in development that's mailpit on\nport 1025 (web UI on 8025).\n")),
		c(dana, "docs: ADR 0001: Postgres for orders, Mongo only for documents", "", put("docs/adr/0001-orders-in-postgres.md", adr1)),
		c(tomas, "docs: on-call: who owns what", "",
			appendTo("docs/runbooks/on-call.md", "\n## Owners\n\n- api, checkout, payments: Dana, Priya\n- workers, emails: Priya\n- infrastructure, nginx, Kubernetes: Tomás\n- shipd: Marek\n- reports, data: Aisha\n")),
		c(aisha, "docs: reports and where they land", "", put("docs/reports.md", reportsDoc)),
		c(marek, "docs: ADR 0002: shipping quotes through RateBridge", "", put("docs/adr/0002-ratebridge.md", adr2)),
		c(dana, "docs: feature flags", "", put("docs/feature-flags.md", featureFlagsDoc)),
	}
}

const runbookPayments = `# Payments (PayGate)

- Charges are captured at checkout; PayGate calls /webhooks/paygate with the
  result and the order moves to paid (or payment_failed).
- A paid order that stays in awaiting_payment means the webhook did not
  arrive or was rejected: check the webhook log in the PayGate console, then
  our api logs for "rejected PayGate webhook".
- Refunds: admin endpoint /api/admin/orders/<number>/refunds, or the console.
- Keys live in the shopfront-secrets Secret; rotation is yearly.
`

const runbookRedis = `# Redis

One shared managed cluster (redis-shared.data) holds three things:

- db 0: sessions (§session:*§) and carts (§cart:*§)
- db 2: the Celery broker

Memory alerts: check §INFO memory§ and the biggest keys with
§redis-cli --bigkeys§ before changing anything on the cluster; the settings
apply to every database on it.
`

const runbookPostgres = `# Postgres

- Primary + one read replica, managed. Reports and exports may use the
  replica; the api uses the primary.
- Slow queries: §pg_stat_statements§ (enabled), sorted by total time.
- Locks: §SELECT * FROM pg_stat_activity WHERE wait_event_type = 'Lock'§.
- Disk: the volume autoscales; alerts at 80%.
`

const contributing = `# Contributing

- Branch from main, open a PR, one approval. CI must be green.
- Migrations: one file per change, never edit one that has been deployed.
- Config: anything in config/*.env is reviewed like code. Secrets never go
  there.
- Commit messages: what and why; the diff shows how.
`

const incidentTemplate = `# Incident: <title>

- Reported: <when, by whom, how>
- Impact: <who was affected, how long>
- Cause: <the change, with its commit or note>
- Fix: <what we did>
- Follow-ups: <tickets>
`

const dataRetention = `# Data retention

- Orders and invoices: 10 years (German tax law).
- Customers: until the account is deleted; then anonymised, orders kept.
- Carts: 30 days after the last change.
- Sessions: 12 hours after the last request.
- Logs: 14 days in Loki.
`

const adr1 = `# ADR 0001: Orders in Postgres, documents in Mongo

Orders, stock and payments need transactions across tables: Postgres.
Wishlists and reviews are self-contained documents read by id: Mongo, where
they already were. No new collections in Mongo without an ADR.
`

const adr2 = `# ADR 0002: Shipping quotes through RateBridge

One API for DHL, DPD, GLS and UPS instead of four integrations. It adds a
hop and a dependency, so shipd always has a flat-rate fallback and checkout
never waits more than 2 s for a quote.
`

const reportsDoc = `# Reports

| report | when | where |
|---|---|---|
| daily sales | every night after midnight (Berlin) | s3://shop-reports/daily-sales/ |
| weekly cohorts | Mondays | s3://shop-reports/cohorts/ |
| promo usage | on demand | admin export |
`

const featureFlagsDoc = `# Feature flags

config/features.yaml, read once at startup: a change needs a deploy. Flags
are booleans; remove a flag two weeks after it is fully on, together with
the code path it guards.
`

// ---- infrastructure ----

func infraWork() []step {
	return []step{
		c(tomas, "k8s: PodDisruptionBudget for the api", "", put("deploy/k8s/pdb.yaml", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  minAvailable: 3\n  selector:\n    matchLabels:\n      app: api\n")),
		c(tomas, "CI: check formatting with ruff", "", edit(".github/workflows/ci.yml", "      - run: ruff check shop tests\n", "      - run: ruff check shop tests\n      - run: ruff format --check shop tests\n")),
		c(tomas, "compose: mailpit for local emails", "", appendTo("docker-compose.yml", "  mailpit:\n    image: axllent/mailpit:v1.20\n    ports: [\"1025:1025\", \"8025:8025\"]\n")),
		c(tomas, "nginx: gzip SVG and XML too", "", edit("deploy/nginx/conf.d/shop.conf", "    gzip_types application/json text/css application/javascript;\n", "    gzip_types application/json text/css application/javascript image/svg+xml application/xml;\n")),
		c(tomas, "k8s: network policy: only the edge reaches the api", "", put("deploy/k8s/networkpolicy.yaml", netpolYAML)),
		c(tomas, "Makefile: fmt target", "", appendTo("Makefile", "\nfmt:\n\truff format shop tests\n")),
		c(tomas, "worker: 3 replicas", "Thumbnail backlog after big catalogue imports took an hour to drain.", edit("deploy/k8s/worker-deployment.yaml", "  replicas: 2\n", "  replicas: 3\n")),
		c(tomas, "nginx: security headers", "", edit("deploy/nginx/nginx.conf", "    server_tokens off;\n", "    server_tokens off;\n    add_header X-Content-Type-Options nosniff always;\n    add_header Referrer-Policy strict-origin-when-cross-origin always;\n")),
		c(tomas, "k8s: spread api pods across zones", "", edit("deploy/k8s/api-deployment.yaml", "    spec:\n      containers:\n", "    spec:\n      topologySpreadConstraints:\n        - maxSkew: 1\n          topologyKey: topology.kubernetes.io/zone\n          whenUnsatisfiable: ScheduleAnyway\n          labelSelector:\n            matchLabels:\n              app: api\n      containers:\n")),
		c(tomas, "CI: upload the coverage report", "", edit(".github/workflows/ci.yml", "      - run: pytest -q --cov=shop\n", "      - run: pytest -q --cov=shop --cov-report=xml\n")),
		c(tomas, "Dockerfile: HEALTHCHECK for docker compose", "", edit("Dockerfile", "EXPOSE 8000\n", "EXPOSE 8000\nHEALTHCHECK --interval=10s --timeout=2s CMD python -c \"import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz')\"\n")),
		c(tomas, "k8s: ServiceMonitor for the api", "", put("deploy/k8s/servicemonitor.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels:\n      app: api\n  endpoints:\n    - port: http\n      path: /metrics\n      interval: 30s\n")),
		c(tomas, "editorconfig", "", put(".editorconfig", "root = true\n\n[*]\nend_of_line = lf\ninsert_final_newline = true\ncharset = utf-8\n\n[*.py]\nindent_style = space\nindent_size = 4\n\n[*.go]\nindent_style = tab\n\n[Makefile]\nindent_style = tab\n")),
		c(tomas, "pre-commit hooks: ruff and gofmt", "", put(".pre-commit-config.yaml", "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.3\n    hooks:\n      - id: ruff\n      - id: ruff-format\n  - repo: https://github.com/dnephin/pre-commit-golang\n    rev: v0.5.1\n    hooks:\n      - id: go-fmt\n")),
		c(tomas, "migrate Job: clean up finished Jobs after a day", "", edit("deploy/k8s/migrate-job.yaml", "  backoffLimit: 0\n", "  backoffLimit: 0\n  ttlSecondsAfterFinished: 86400\n")),
		c(tomas, "k8s: worker resources after the thumbnail backlog", "", edit("deploy/k8s/worker-deployment.yaml", "              cpu: 250m\n              memory: 512Mi\n", "              cpu: 500m\n              memory: 512Mi\n")),
		c(tomas, "CI: only build images when the tests pass on main", "", edit(".github/workflows/ci.yml", "    if: github.ref == 'refs/heads/main'\n", "    if: github.ref == 'refs/heads/main' && github.event_name == 'push'\n")),
	}
}

const netpolYAML = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-ingress
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: edge
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: monitoring
      ports:
        - port: 8000
`

// ---- cleanup, tests and small config changes ----

func cleanupWork() []step {
	return []step{
		c(priya, "Tests: promotions with amount codes", "",
			appendTo("tests/test_promotions.py", "\n\ndef test_amount_discount():\n    assert promotions.discount_cents(promo(kind=\"amount\", value=500), 2000) == 500\n")),
		c(dana, "db: type hints", "",
			edit("shop/db.py", "def init_app(app):\n", "def init_app(app) -> None:\n"),
			edit("shop/db.py", "def migrate():\n", "def migrate() -> None:\n")),
		c(priya, "auth: iteration count as a named constant", "",
			edit("shop/auth.py", "bp = Blueprint(\"auth\", __name__, url_prefix=\"/api/auth\")\n", "bp = Blueprint(\"auth\", __name__, url_prefix=\"/api/auth\")\nPBKDF2_ITERATIONS = 310_000\n"),
			edit("shop/auth.py", "bytes.fromhex(salt), 310_000)", "bytes.fromhex(salt), PBKDF2_ITERATIONS)")),
		c(dana, "Postgres pool: up to 15 connections per pod", "Pool waits show up in traces at lunchtime; the primary has room for 4 x 15 + workers.",
			edit("config/production.env", "DATABASE_POOL_MAX=10\n", "DATABASE_POOL_MAX=15\n")),
		c(priya, "Tests: pricing for Austria and Italy", "",
			appendTo("tests/test_pricing.py", "\n\ndef test_net_from_gross_at():\n    assert pricing.net_from_gross(12000, \"AT\") == 10000\n\n\ndef test_net_from_gross_it():\n    assert pricing.net_from_gross(12200, \"IT\") == 10000\n")),
		c(tomas, "staging: LOG_LEVEL=INFO", "DEBUG logging from staging was 40 GB a day in Loki.",
			edit("config/staging.env", "LOG_LEVEL=DEBUG\n", "LOG_LEVEL=INFO\n")),
		c(priya, "features: reviews with photos on", "The moderation queue handles photos since last week.",
			edit("config/features.yaml", "reviews_with_photos: false\n", "reviews_with_photos: true\n")),
		c(dana, "Mongo pool: 40 connections", "Each pod runs 4 gunicorn workers; 20 was the per-process number from the old setup.",
			edit("config/production.env", "MONGO_MAX_POOL_SIZE=20\n", "MONGO_MAX_POOL_SIZE=40\n")),
		c(priya, "Tests: cart add and remove", "",
			appendTo("tests/test_cart.py", "\n\ndef test_items_after_hdel(fake_redis):\n    fake_redis.hset(\"cart:x\", mapping={\"A\": \"1\", \"B\": \"3\"})\n    fake_redis.hdel(\"cart:x\", \"A\")\n    assert cart.items(\"x\") == {\"B\": 3}\n")),
		c(dana, "Sentry: 10% of traces in production", "",
			edit("config/production.env", "SENTRY_TRACES_SAMPLE_RATE=0.05\n", "SENTRY_TRACES_SAMPLE_RATE=0.1\n")),
		c(priya, "Fix typo in the confirmation email", "",
			edit("shop/templates/email/order_confirmation.txt", "You can see your order at any time in your account under \"My orders\".\n", "You can see your order any time in your account under \"My orders\".\n")),
		c(dana, "features: remove the guest_checkout flag", "Fully on since August; the code never checked it after the checkout rewrite.",
			edit("config/features.yaml", "guest_checkout: true\n", "")),
		c(aisha, "production: 8 s statement timeout", "The admin order list with big filters hit 5 s.",
			edit("config/production.env", "DATABASE_STATEMENT_TIMEOUT_MS=5000\n", "DATABASE_STATEMENT_TIMEOUT_MS=8000\n")),
		c(priya, "Tests: sessions survive a reload", "",
			appendTo("tests/test_sessions.py", "\n\ndef test_load_twice(fake_redis):\n    sid = sessions.create(7)\n    sessions.load(sid)\n    assert sessions.load(sid) == {\"user_id\": 7}\n")),
		c(dana, "Cart: keep carts 60 days", "Marketing's abandoned-cart emails go out up to 45 days later.",
			edit("config/production.env", "CART_TTL_DAYS=30\n", "CART_TTL_DAYS=60\n")),
		c(priya, "Tests: webhook for a failed charge", "",
			appendTo("tests/test_webhooks.py", "\n\ndef test_marks_order_failed(client, monkeypatch):\n    failed = []\n    monkeypatch.setattr(\"shop.api.orders.mark_payment_failed\", lambda number, reason: failed.append((number, reason)))\n    body = json.dumps({\"type\": \"charge.failed\", \"data\": {\"reference\": \"SF-2\", \"id\": \"ch_2\", \"failure_message\": \"card_declined\"}}).encode()\n    resp = client.post(\"/webhooks/paygate\", data=body, headers={\"X-PayGate-Signature\": sign(body)},\n                       content_type=\"application/json\")\n    assert resp.status_code == 200\n    assert failed == [(\"SF-2\", \"card_declined\")]\n")),
		c(dana, "maintenance: log how many reservations expired", "",
			edit("shop/workers/tasks/maintenance.py", "\"\"\"Periodic housekeeping.\"\"\"\n", "\"\"\"Periodic housekeeping.\"\"\"\nimport logging\n\n"),
			edit("shop/workers/tasks/maintenance.py", "    for order_id in ids:\n        inventory.release(order_id)\n", "    logging.getLogger(__name__).info(\"expiring %d unpaid orders\", len(ids))\n    for order_id in ids:\n        inventory.release(order_id)\n")),
		c(priya, "i18n: format_price test", "",
			put("tests/test_i18n.py", "from shop.i18n import format_price\n\n\ndef test_format_price_de():\n    assert format_price(1999, \"EUR\", \"de_DE\") == \"19,99\\xa0€\"\n\n\ndef test_format_price_gb():\n    assert format_price(1999, \"GBP\", \"en_GB\") == \"£19.99\"\n")),
		c(dana, "settings: one place for the shipd timeout", "",
			appendTo("shop/settings.py", "SHIPD_TIMEOUT_SECONDS = float(env(\"SHIPD_TIMEOUT_SECONDS\", \"2\"))\n"),
			edit("shop/shipping.py", "json=parcel, timeout=2)", "json=parcel, timeout=settings.SHIPD_TIMEOUT_SECONDS)")),
		c(priya, "ruff: import order", "",
			edit("shop/api/checkout.py", "from shop.payments.client import PayGate, PaymentError\n", "from shop.payments.client import PaymentError, PayGate\n")),
		c(dana, "Orders: lines_for keeps the cart's order", "The confirmation email listed lines in SKU order, not the order they were added.",
			edit("shop/api/orders.py", "    return [{\"sku\": s, \"product_id\": p, \"unit_cents\": c, \"quantity\": cart_items[s]} for s, p, c in rows]\n",
				"    by_sku = {s: (p, c) for s, p, c in rows}\n    return [\n        {\"sku\": s, \"product_id\": by_sku[s][0], \"unit_cents\": by_sku[s][1], \"quantity\": q}\n        for s, q in cart_items.items()\n        if s in by_sku\n    ]\n")),
		c(priya, "Tests: reviews text limit", "",
			appendTo("tests/test_reviews.py", "\n\ndef test_text_too_long():\n    assert problems({\"rating\": 5, \"text\": \"x\" * 4001}) == [\"text is longer than 4000 characters\"]\n")),
		c(dana, "features: express shipping on", "shipd returns an express rate now.",
			edit("config/features.yaml", "express_shipping: false\n", "express_shipping: true\n")),
		c(aisha, "staging: smaller Postgres pool", "",
			edit("config/staging.env", "DATABASE_POOL_MAX=5\n", "DATABASE_POOL_MAX=3\n")),
		c(priya, "Tests: loyalty points for exactly one euro", "",
			appendTo("tests/test_loyalty.py", "\n\ndef test_one_euro():\n    assert points_for(100) == 1\n")),
		c(dana, "pyproject: version 2.15.0", "",
			edit("pyproject.toml", "version = \"2.3.0\"\n", "version = \"2.15.0\"\n")),
	}
}

// ---- reports ----

func reportsWork() []step {
	return []step{
		c(aisha, "Reports: weekly cohort retention", "", put("shop/reports/cohorts.py", cohortsPy)),
		c(aisha, "Reports: weekly cohorts CronJob", "", put("deploy/k8s/cronjobs/weekly-cohorts.yaml", strings.ReplaceAll(strings.ReplaceAll(reportCronJob, "nightly-sales-report", "weekly-cohorts"), "\"15 0 * * *\"", "\"0 6 * * 1\""))),
		c(aisha, "Reports: promo code usage export", "", put("shop/reports/promo_usage.py", promoUsagePy)),
		c(aisha, "Reports: abandoned carts count", "Counts carts untouched for 24h; Redis SCAN on the cart keys, run off-peak.", put("shop/reports/abandoned_carts.py", abandonedCartsPy)),
		c(aisha, "Reports: stock valuation at cost", "", put("shop/reports/stock_valuation.py", stockValuationPy)),
		c(aisha, "Reports: tests for the daily sales window", "", put("tests/test_daily_sales.py", testDailySalesPy)),
		c(aisha, "Reports: returns by reason", "", put("shop/reports/returns_by_reason.py", returnsReportPy)),
		c(aisha, "Reports: cohorts include the first order's channel", "", edit("shop/reports/cohorts.py", "SELECT date_trunc('week', first_order) AS cohort,", "SELECT date_trunc('week', first_order) AS cohort, channel,")),
		c(aisha, "Reports: promo usage per day", "", edit("shop/reports/promo_usage.py", "GROUP BY p.code ORDER BY uses DESC", "GROUP BY p.code, o.created_at::date ORDER BY uses DESC")),
		c(aisha, "Reports: top products of the week", "", put("shop/reports/top_products.py", topProductsPy)),
	}
}

const cohortsPy = `"""Weekly cohort retention: share of each week's new customers who order again."""
from shop.db import pool

QUERY = """
WITH firsts AS (
    SELECT customer_id, min(created_at) AS first_order, 'web' AS channel FROM orders GROUP BY customer_id
)
SELECT date_trunc('week', first_order) AS cohort,
       count(*) AS customers,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id AND o.created_at > f.first_order
       )) AS returned
  FROM firsts f GROUP BY 1 ORDER BY 1
"""


def run():
    with pool.connection() as conn:
        return conn.execute(QUERY).fetchall()
`

const promoUsagePy = `"""How often each promotion code was used, and the discount it gave."""
from shop.db import pool


def usage(since):
    with pool.connection() as conn:
        return conn.execute(
            """
            SELECT p.code, count(o.id) AS uses
              FROM promotions p JOIN orders o ON o.promotion_id = p.id
             WHERE o.created_at >= %s AND o.status IN ('paid', 'shipped', 'delivered')
             GROUP BY p.code ORDER BY uses DESC
            """,
            (since,),
        ).fetchall()
`

const abandonedCartsPy = `"""Carts nobody touched for a day (for the marketing dashboard)."""
from shop.redis_client import redis


def count(idle_seconds=86400):
    n = 0
    for key in redis.scan_iter(match="cart:*", count=1000):
        if redis.object("idletime", key) >= idle_seconds:
            n += 1
    return n
`

const stockValuationPy = `"""Stock valuation at purchase cost, for the monthly close."""
from shop.db import pool


def valuation():
    with pool.connection() as conn:
        return conn.execute(
            """
            SELECT v.sku, s.on_hand, v.price_cents, s.on_hand * v.price_cents AS value_cents
              FROM stock s JOIN variants v ON v.sku = s.sku
             WHERE s.on_hand > 0 ORDER BY value_cents DESC
            """
        ).fetchall()
`

const testDailySalesPy = `from datetime import datetime

from shop.reports.daily_sales import TZ, window


def test_window_is_the_previous_day_when_run_after_midnight():
    start, end = window(datetime(2026, 3, 10, 0, 15, tzinfo=TZ))
    assert start == datetime(2026, 3, 9, 0, 0, tzinfo=TZ)
    assert end == datetime(2026, 3, 10, 0, 0, tzinfo=TZ)
`

const returnsReportPy = `"""Returns grouped by the reason customers gave."""
from shop.db import pool


def by_reason(since):
    with pool.connection() as conn:
        return conn.execute(
            "SELECT reason, count(*) FROM returns WHERE created_at >= %s GROUP BY reason ORDER BY 2 DESC", (since,)
        ).fetchall()
`

const topProductsPy = `"""The week's best sellers, for the Monday newsletter."""
from shop.db import pool


def top(limit=20):
    with pool.connection() as conn:
        return conn.execute(
            """
            SELECT p.name, sum(i.quantity) AS units
              FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id
             WHERE o.created_at > now() - interval '7 days' AND o.status IN ('paid', 'shipped', 'delivered')
             GROUP BY p.name ORDER BY units DESC LIMIT %s
            """,
            (limit,),
        ).fetchall()
`

// ---- more of the same, later in the timeline ----

func moreWork() []step {
	return []step{
		c(priya, "Admin: list promotions", "",
			appendTo("shop/api/admin.py", "\n\n@bp.get(\"/promotions\")\ndef list_promotions():\n    with pool.connection() as conn:\n        rows = conn.execute(\n            \"SELECT code, kind, value, starts_at, ends_at, max_uses, used FROM promotions ORDER BY id DESC LIMIT 200\"\n        ).fetchall()\n    keys = (\"code\", \"kind\", \"value\", \"starts_at\", \"ends_at\", \"max_uses\", \"used\")\n    return {\"promotions\": [dict(zip(keys, r)) for r in rows]}\n")),
		c(tomas, "k8s: edge Deployment for nginx", "The edge proxy was applied by hand from the old repo; now it is here with its config as a ConfigMap.",
			put("deploy/k8s/edge-deployment.yaml", edgeDeployment)),
		c(tomas, "dependabot: weekly, grouped boto updates", "",
			put(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: weekly\n    groups:\n      aws:\n        patterns: [\"boto3\", \"botocore\"]\n  - package-ecosystem: gomod\n    directory: /shipd\n    schedule:\n      interval: weekly\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: monthly\n")),
		c(priya, "Admin: create a promotion code", "Until now codes were inserted with psql by whoever was around.",
			appendTo("shop/api/admin.py", adminCreatePromoPy)),
		c(aisha, "Reports: monthly VAT summary per country", "", put("shop/reports/vat_summary.py", vatSummaryPy)),
		c(marek, "shipd: per-request timeout from the caller", "Checkout gives up after 2 s anyway; stop working on quotes nobody waits for.",
			edit("shipd/internal/quote/handler.go", "	var p carrier.Parcel\n", "	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)\n	defer cancel()\n	r = r.WithContext(ctx)\n	var p carrier.Parcel\n"),
			edit("shipd/internal/quote/handler.go", "import (\n	\"encoding/json\"\n", "import (\n	\"context\"\n	\"encoding/json\"\n"),
			edit("shipd/internal/quote/handler.go", "	\"net/http\"\n", "	\"net/http\"\n	\"time\"\n")),
		c(dana, "docs: API overview for the app team", "", put("docs/api.md", apiDoc)),
		c(priya, "Reviews: moderation endpoints", "",
			appendTo("shop/api/admin.py", adminReviewsPy)),
		c(tomas, "compose: healthcheck for postgres", "",
			edit("docker-compose.yml", "      POSTGRES_DB: shop\n    ports: [\"5432:5432\"]\n", "      POSTGRES_DB: shop\n    ports: [\"5432:5432\"]\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\", \"-U\", \"shop\"]\n      interval: 5s\n")),
		c(dana, "Tests: shipping fallback on timeout", "",
			appendTo("tests/test_shipping.py", "\n\n@responses.activate\ndef test_fallback_on_timeout():\n    import requests\n\n    responses.post(\"http://localhost:8080/quotes\", body=requests.Timeout())\n    assert shipping.cheapest_rate_cents({\"weight_grams\": 500}) == shipping.FALLBACK_CENTS\n")),
		c(aisha, "Reports: refunds per payment method", "", put("shop/reports/refunds.py", refundsReportPy)),
		c(tomas, "CI: run the shipd tests in random order", "", edit(".github/workflows/ci.yml", "      - run: go test -race ./...\n", "      - run: go test -race -shuffle=on ./...\n")),
		c(dana, "docs: ADR 0003: Celery on Redis, not a second broker", "", put("docs/adr/0003-celery-redis.md", adr3)),
		c(priya, "Products: variants and their stock", "",
			appendTo("shop/api/products.py", productsVariantsPy)),
		c(marek, "shipd: config tests", "", put("shipd/internal/config/config_test.go", shipdConfigTest)),
		c(tomas, "k8s: priority class for the api", "Batch jobs were preempting api pods on the small pool during the nightly runs.",
			put("deploy/k8s/priorityclass.yaml", "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: shop-critical\nvalue: 100000\nglobalDefault: false\ndescription: The storefront api and edge.\n")),
		c(aisha, "Tests: VAT summary rounding", "", put("tests/test_vat_summary.py", "from shop.reports.vat_summary import vat_of\n\n\ndef test_vat_of_de():\n    assert vat_of(11900, \"DE\") == 1900\n")),
		c(priya, "Cart: promo code preview", "Shows the discount in the cart before checkout; nothing is redeemed.",
			appendTo("shop/api/cart.py", cartPromoPreviewPy)),
		c(dana, "docs: glossary", "", put("docs/glossary.md", glossary)),
		c(marek, "shipd: README: flat rate zones", "", appendTo("shipd/README.md", "\n## Flat rates\n\nSame country 4.95, neighbours 9.90, rest of the EU 12.90; +8.00 above 10 kg\nor 60 litres. Express adds 9.90.\n")),
		c(priya, "Tests: addresses in Austria", "", appendTo("tests/test_addresses.py", "\n\ndef test_at_postcode():\n    assert problems({**OK, \"country\": \"AT\", \"postcode\": \"1010\"}) == []\n")),
		c(tomas, "Makefile: shipd targets", "", appendTo("Makefile", "\nshipd-test:\n\tcd shipd && go test -race ./...\n")),
		c(dana, "Orders: delivery estimate on the order page", "",
			appendTo("shop/shipping.py", "\n\ndef delivery_estimate(country):\n    return \"1-2 working days\" if country == \"DE\" else \"3-5 working days\"\n")),
		c(tomas, "nginx: cache static assets for a year", "", edit("deploy/nginx/conf.d/shop.conf", "        expires 7d;\n", "        expires 7d;\n        add_header Cache-Control \"public\";\n")),
		c(aisha, "Reports: stock valuation as CSV", "", appendTo("shop/reports/stock_valuation.py", "\n\ndef to_csv(rows):\n    import csv\n    import io\n\n    buf = io.StringIO()\n    csv.writer(buf).writerows([(\"sku\", \"on_hand\", \"price_cents\", \"value_cents\"), *rows])\n    return buf.getvalue()\n")),
		c(dana, "Remove the unused serialize_order helper", "Nothing imports it since the orders endpoints build their dicts inline.",
			edit("shop/api/serializers.py", "def serialize_order(row):\n    return {\n        \"number\": row[\"number\"],\n        \"status\": row[\"status\"],\n        \"total_cents\": row[\"total_cents\"],\n        \"currency\": row[\"currency\"],\n        \"created_at\": row[\"created_at\"].isoformat(),\n    }\n\n\n", "")),
		c(priya, "Gift cards: balance endpoint", "",
			appendTo("shop/api/cart.py", "\n\n@bp.get(\"/giftcards/<code>\")\ndef giftcard_balance(code):\n    from shop import giftcards\n\n    info = giftcards.balance(code)\n    return info if info else ({\"error\": \"unknown gift card\"}, 404)\n")),
		c(marek, "shipd: Dockerfile: non-root user id in one place", "", edit("shipd/Dockerfile", "USER 65532\n", "USER nonroot:nonroot\n")),

		c(dana, "Tests: gift card balance with a fake pool", "",
			put("tests/test_giftcards.py", testGiftcardsPy)),
		c(priya, "Newsletter: unsubscribe links", "",
			appendTo("shop/newsletter.py", "\n\ndef unsubscribe_url(email):\n    return f\"https://shop.example/newsletter/unsubscribe?t={make_token(email)}\"\n")),
		c(dana, "Account: list saved addresses", "",
			appendTo("shop/account.py", "\n\ndef addresses(customer_id):\n    from shop.addresses import saved\n\n    return saved(customer_id)\n")),
		c(priya, "Tests: JSON-LD has an offer", "", put("tests/test_seo.py", "import json\n\nfrom shop.seo import product_jsonld\n\n\ndef test_offer_price():\n    data = json.loads(product_jsonld({\"name\": \"Kettle\", \"price_cents\": 4999}))\n    assert data[\"offers\"][\"price\"] == \"49.99\"\n")),
		c(aisha, "Reports: top products exclude gift cards", "", edit("shop/reports/top_products.py", "             WHERE o.created_at > now() - interval '7 days'", "             WHERE p.slug NOT LIKE 'gift-card%%' AND o.created_at > now() - interval '7 days'")),
	}
}

const edgeDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: edge
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: edge
  template:
    metadata:
      labels:
        app: edge
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports:
            - containerPort: 8080
          volumeMounts:
            - name: conf
              mountPath: /etc/nginx/nginx.conf
              subPath: nginx.conf
            - name: confd
              mountPath: /etc/nginx/conf.d
      volumes:
        - name: conf
          configMap:
            name: edge-nginx
        - name: confd
          configMap:
            name: edge-nginx-confd
`

const testGiftcardsPy = `from datetime import datetime, timedelta, timezone

from shop import giftcards


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


def test_expired_card_has_no_balance(monkeypatch):
    past = datetime.now(timezone.utc) - timedelta(days=1)
    monkeypatch.setattr(giftcards, "pool", FakePool((5000, "EUR", past)))
    assert giftcards.balance("abc")["balance_cents"] == 0


def test_unknown_card(monkeypatch):
    monkeypatch.setattr(giftcards, "pool", FakePool(None))
    assert giftcards.balance("nope") is None
`

const adminCreatePromoPy = `

@bp.post("/promotions")
def create_promotion():
    body = request.get_json(force=True)
    if body.get("kind") not in ("percent", "amount"):
        return {"error": "kind must be percent or amount"}, 400
    with pool.connection() as conn:
        conn.execute(
            """
            INSERT INTO promotions (code, kind, value, starts_at, ends_at, max_uses, description)
            VALUES (upper(%(code)s), %(kind)s, %(value)s, %(starts_at)s, %(ends_at)s, %(max_uses)s, %(description)s)
            """,
            {"max_uses": None, "starts_at": None, "ends_at": None, "description": "", **body},
        )
    return {"code": body["code"].upper()}, 201
`

const vatSummaryPy = `"""Monthly VAT per destination country, for the OSS return."""
from shop.db import pool
from shop.pricing import line_vat


def vat_of(gross_cents, country):
    return line_vat(gross_cents, country)


def summary(month_start, month_end):
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT shipping_address->>'country', sum(total_cents)
              FROM orders
             WHERE status IN ('paid', 'shipped', 'delivered') AND created_at >= %s AND created_at < %s
             GROUP BY 1
            """,
            (month_start, month_end),
        ).fetchall()
    return {country: (gross, vat_of(gross, country)) for country, gross in rows}
`

const adminReviewsPy = `

@bp.get("/reviews/pending")
def pending_reviews():
    from shop.mongo import get_db

    docs = get_db().reviews.find({"published": False}).sort("created_at", 1).limit(100)
    return {"reviews": [{"id": str(d["_id"]), "product_id": d["product_id"], "rating": d["rating"], "text": d["text"]} for d in docs]}


@bp.post("/reviews/<review_id>/publish")
def publish_review(review_id):
    from bson import ObjectId

    from shop.mongo import get_db

    get_db().reviews.update_one({"_id": ObjectId(review_id)}, {"$set": {"published": True}})
    return {"id": review_id, "published": True}
`

const refundsReportPy = `"""Refunds per payment method and month."""
from shop.db import pool


def by_method(since):
    with pool.connection() as conn:
        return conn.execute(
            """
            SELECT date_trunc('month', updated_at), coalesce(payment_method, 'card'), sum(refunded_cents)
              FROM orders WHERE refunded_cents > 0 AND updated_at >= %s
             GROUP BY 1, 2 ORDER BY 1, 2
            """,
            (since,),
        ).fetchall()
`

const apiDoc = `# API overview

All endpoints are under /api and speak JSON.

- §GET /api/products/<slug>§, §/category/<slug>§, §/search?q=§, §/suggest?q=§, §/new§
- §GET|POST|PUT|DELETE /api/cart...§ (cookie §sf_cart§)
- §POST /api/checkout§ (needs a session)
- §GET /api/orders§, §/api/orders/<number>§, cancel, returns, reorder
- §/api/wishlists...§
- §POST /api/auth/login|logout§ (cookie §sf_session§)

Errors: §{"error": "..."}§ with a 4xx status.
`

const adr3 = `# ADR 0003: Celery on Redis

We already run Redis for sessions and carts. A second broker (RabbitMQ)
would be more robust for long countdowns, but it is one more stateful
service to run. Revisit if we need priorities or very long ETAs.
`

const productsVariantsPy = `

@bp.get("/<slug>/variants")
def variants(slug):
    with pool.connection() as conn:
        rows = conn.execute(
            """
            SELECT v.sku, v.price_cents, coalesce(s.on_hand - s.reserved, 0)
              FROM variants v JOIN products p ON p.id = v.product_id LEFT JOIN stock s ON s.sku = v.sku
             WHERE p.slug = %s ORDER BY v.sku
            """,
            (slug,),
        ).fetchall()
    return {"variants": [{"sku": s, "price_cents": c, "available": a} for s, c, a in rows]}
`

const shipdConfigTest = `package config

import (
	"testing"
	"time"
)

func TestTimeoutFromEnv(t *testing.T) {
	t.Setenv("SHIPD_CARRIER_TIMEOUT", "750ms")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 750*time.Millisecond {
		t.Fatalf("timeout %v", c.Timeout)
	}
}

func TestBadTimeout(t *testing.T) {
	t.Setenv("SHIPD_CARRIER_TIMEOUT", "soon")
	if _, err := FromEnv(); err == nil {
		t.Fatal("no error for a bad timeout")
	}
}
`

const cartPromoPreviewPy = `

@bp.get("/promo-preview")
def promo_preview():
    from shop import pricing, promotions
    from shop.api import orders

    promo = promotions.find_active(request.args.get("code", ""))
    if promo is None:
        return {"valid": False}
    subtotal = pricing.order_total(orders.lines_for(items(cart_id())))
    return {"valid": True, "discount_cents": promotions.discount_cents(promo, subtotal)}
`

const glossary = `# Glossary

- **reservation**: units of a SKU held for an order between checkout and
  shipping (or expiry after 2 h unpaid).
- **capture**: taking the money for an order at PayGate.
- **flat rate**: shipd's fallback price when live rates are unavailable.
- **edge**: our nginx in front of the api, behind the ingress.
`
