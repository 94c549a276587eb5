package catalog

import (
	"fmt"
	"strings"
	"testing"
)

// benchDiff builds a realistic `git log -p` diff of about size bytes: Go,
// Python and TypeScript code, YAML and JSON config, a lock file, with a few
// risky lines buried in it.
func benchDiff(size int) string {
	goHunk := []string{
		" func (s *Server) handleOrder(w http.ResponseWriter, r *http.Request) {",
		" 	ctx := r.Context()",
		"-	order, err := s.store.Get(ctx, r.PathValue(\"id\"))",
		"+	order, err := s.store.GetOrder(ctx, r.PathValue(\"id\"), store.WithItems())",
		" 	if err != nil {",
		"-		http.Error(w, err.Error(), http.StatusInternalServerError)",
		"+		s.log.ErrorContext(ctx, \"get order\", \"err\", err, \"user\", userID(r))",
		"+		writeError(w, err)",
		" 		return",
		" 	}",
		"+	if order.Status == StatusCancelled && !s.flags.Enabled(ctx, \"show-cancelled\") {",
		"+		http.NotFound(w, r)",
		"+		return",
		"+	}",
		" 	json.NewEncoder(w).Encode(order)",
	}
	pyHunk := []string{
		" class InvoiceSerializer(serializers.ModelSerializer):",
		"-    total = serializers.DecimalField(max_digits=10, decimal_places=2)",
		"+    total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)",
		"+    currency = serializers.CharField(source=\"account.currency\", read_only=True)",
		" ",
		"     class Meta:",
		"         model = Invoice",
		"-        fields = [\"id\", \"number\", \"total\", \"created_at\"]",
		"+        fields = [\"id\", \"number\", \"total\", \"currency\", \"created_at\", \"paid_at\"]",
	}
	tsHunk := []string{
		" export async function loadDashboard(api: ApiClient, userId: string) {",
		"-  const [orders, invoices] = await Promise.all([api.orders(userId), api.invoices(userId)]);",
		"+  const [orders, invoices, alerts] = await Promise.all([",
		"+    api.orders(userId, { limit: 50 }),",
		"+    api.invoices(userId),",
		"+    api.alerts(userId),",
		"+  ]);",
		"   return { orders, invoices, alerts, loadedAt: Date.now() };",
	}
	yamlHunk := []string{
		"     spec:",
		"       containers:",
		"         - name: api",
		"-          image: registry.example.com/shop/api:1.41.0",
		"+          image: registry.example.com/shop/api:1.42.0",
		"           env:",
		"             - name: LOG_LEVEL",
		"               value: info",
		"+            - name: FEATURE_FLAGS_URL",
		"+              value: http://flags.internal:8080",
	}
	lockHunk := []string{
		"     \"node_modules/lodash\": {",
		"-      \"version\": \"4.17.20\",",
		"-      \"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz\",",
		"-      \"integrity\": \"sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==\"",
		"+      \"version\": \"4.17.21\",",
		"+      \"resolved\": \"https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz\",",
		"+      \"integrity\": \"sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==\"",
		"     },",
	}
	risky := [][]string{
		{" mongodb:", "-  uri: mongodb://app:***@db/shop?w=majority", "+  uri: mongodb://app:***@db/shop?w=0"},
		{" http:", "-  timeout: 30s", "+  timeout: 2s"},
	}

	var b strings.Builder
	b.WriteString("commit 4f2a9c1e0b7d6a5f4e3d2c1b0a99887766554433\nAuthor: Dev <dev@example.com>\nDate:   Tue Mar 12 09:14:03 2024 +0100\n\n    release 1.42: orders, invoices, dashboard\n\n")
	writeFile := func(path string, hunk []string, n int) {
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1a2b3c4..5d6e7f8 100644\n--- a/%s\n+++ b/%s\n", path, path, path, path)
		for i := 0; i < n; i++ {
			o, nw := 0, 0
			for _, l := range hunk {
				switch l[0] {
				case ' ':
					o++
					nw++
				case '-':
					o++
				case '+':
					nw++
				}
			}
			fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", 10+i*40, o, 10+i*40, nw)
			for _, l := range hunk {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
	}
	for i := 0; b.Len() < size; i++ {
		switch i % 6 {
		case 0:
			writeFile(fmt.Sprintf("internal/orders/handler%d.go", i), goHunk, 4)
		case 1:
			writeFile(fmt.Sprintf("billing/serializers%d.py", i), pyHunk, 3)
		case 2:
			writeFile(fmt.Sprintf("web/src/dashboard%d.ts", i), tsHunk, 3)
		case 3:
			writeFile(fmt.Sprintf("deploy/k8s/svc%d.yaml", i), yamlHunk, 2)
		case 4:
			writeFile("web/package-lock.json", lockHunk, 6)
		case 5:
			if i%30 == 5 {
				writeFile(fmt.Sprintf("config/app%d.yaml", i), risky[(i/30)%2], 1)
			} else {
				writeFile(fmt.Sprintf("internal/orders/more%d.go", i), goHunk, 2)
			}
		}
	}
	return b.String()
}

func BenchmarkMatch200KB(b *testing.B) {
	c := Default()
	d := benchDiff(200 << 10)
	ch := Change{Title: "release 1.42", Diff: d}
	if ms := c.Match(ch); len(ms) == 0 {
		b.Fatal("benchmark diff should contain risky lines")
	}
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		c.Match(ch)
	}
}

func BenchmarkMatchSmallCommit(b *testing.B) {
	c := Default()
	ch := Change{Title: "tweak", Diff: benchDiff(2 << 10)}
	b.SetBytes(int64(len(ch.Diff)))
	b.ReportAllocs()
	for b.Loop() {
		c.Match(ch)
	}
}

func BenchmarkMatchNote(b *testing.B) {
	c := Default()
	ch := Change{Title: "Set w=0 on the prod mongo URI for faster writes", Body: "Bulk imports were slow; the ops channel agreed to try it for a week."}
	b.ReportAllocs()
	for b.Loop() {
		c.Match(ch)
	}
}

func BenchmarkDefaultLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(strings.NewReader(string(builtinTOML))); err != nil {
			b.Fatal(err)
		}
	}
}
