package catalog

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func envDiff(removed, added string) string {
	var b strings.Builder
	b.WriteString("diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n")
	switch {
	case removed != "" && added != "":
		b.WriteString("@@ -1,2 +1,2 @@\n APP_ENV=production\n-" + removed + "\n+" + added + "\n")
	case added != "":
		b.WriteString("@@ -1,1 +1,2 @@\n APP_ENV=production\n+" + added + "\n")
	default:
		b.WriteString("@@ -1,2 +1,1 @@\n APP_ENV=production\n-" + removed + "\n")
	}
	return b.String()
}

func matchOne(t *testing.T, c *Catalog, ch Change, class string) (Match, bool) {
	t.Helper()
	for _, m := range c.Match(ch) {
		if m.Class == class {
			return m, true
		}
	}
	return Match{}, false
}

func TestMongoWriteConcern(t *testing.T) {
	const class = "db-write-concern-lowered"
	c := Default()
	tests := []struct {
		name     string
		ch       Change
		want     bool
		evidence string
	}{
		{
			name:     "w=0 and journal=false added to the URI",
			ch:       Change{Title: "faster writes", Diff: envDiff("", "MONGO_URL=mongodb://app:***@db/shop?w=0&journal=false")},
			want:     true,
			evidence: "+MONGO_URL=mongodb://app:***@db/shop?w=0&journal=false",
		},
		{
			name: "w=majority added to the URI",
			ch:   Change{Diff: envDiff("", "MONGO_URL=mongodb://app:***@db/shop?w=majority")},
		},
		{
			name:     "note only",
			ch:       Change{Title: "Set w=0 on the prod mongo URI for faster writes"},
			want:     true,
			evidence: "Set w=0 on the prod mongo URI for faster writes",
		},
		{
			name:     "note body",
			ch:       Change{Title: "Mongo tuning", Body: "We set w=0 on the prod mongo URI for faster writes."},
			want:     true,
			evidence: "w=0",
		},
		{
			name: "note about reverting",
			ch:   Change{Title: "Reverted w=0 on the prod mongo URI"},
		},
		{
			name:     "password in the URI is masked",
			ch:       Change{Diff: envDiff("MONGO_URL=mongodb://app:hunter2@db/shop", "MONGO_URL=mongodb://app:hunter2@db/shop?w=0")},
			want:     true,
			evidence: "+MONGO_URL=mongodb://app:***@db/shop?w=0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := matchOne(t, c, tt.ch, class)
			if ok != tt.want {
				t.Fatalf("matched = %v, want %v (all: %+v)", ok, tt.want, c.Match(tt.ch))
			}
			if ok && !strings.Contains(m.Evidence, tt.evidence) {
				t.Errorf("Evidence = %q, want it to contain %q", m.Evidence, tt.evidence)
			}
			if ok && (strings.Contains(m.Evidence, "hunter2") || !slices.Contains(m.Symptoms, "missing after save")) {
				t.Errorf("bad match %+v", m)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	const ok = `
[[class]]
id = "ok-class"
reason = "fine"
symptoms = ["x"]
require = ["foo"]
added = ['foo']
`
	tests := []struct {
		name string
		toml string
		want []string // substrings of the error
	}{
		{"syntax error names the class", ok + `
[[class]]
id = "broken-class"
reason = "r"
symptoms = ["x"
added = ['a']
`, []string{`class "broken-class"`, "line"}},
		{"bad regexp", ok + `
[[class]]
id = "bad-regexp"
reason = "r"
symptoms = ["x"]
added = ['fine', 'a(b']
`, []string{`class "bad-regexp"`, "added[1]", "missing closing )"}},
		{"unknown direction", `
[[class]]
id = "bad-direction"
reason = "r"
symptoms = ["x"]
  [[class.numeric]]
  pattern = 'timeout: (?P<value>\d+)'
  direction = "sideways"
`, []string{`class "bad-direction"`, "numeric[0].direction", `unknown direction "sideways"`}},
		{"numeric without value group", `
[[class]]
id = "no-value"
reason = "r"
symptoms = ["x"]
  [[class.numeric]]
  pattern = 'timeout: (\d+)'
  direction = "decrease"
`, []string{`class "no-value"`, "numeric[0].pattern", "(?P<value>"}},
		{"unknown unit", `
[[class]]
id = "bad-unit"
reason = "r"
symptoms = ["x"]
  [[class.numeric]]
  pattern = 'timeout: (?P<value>\d+)'
  direction = "decrease"
  unit = "parsecs"
`, []string{`class "bad-unit"`, "numeric[0].unit"}},
		{"unknown key (typo)", `
[[class]]
id = "typo"
reason = "r"
symptoms = ["x"]
adedd = ['x']
`, []string{`class "typo"`, "adedd", "unknown key"}},
		{"unknown numeric key", `
[[class]]
id = "typo2"
reason = "r"
symptoms = ["x"]
  [[class.numeric]]
  pattern = 'timeout: (?P<value>\d+)'
  direction = "decrease"
  zero_is_unlimted = true
`, []string{`class "typo2"`, "numeric[0].zero_is_unlimted"}},
		{"wrong type", `
[[class]]
id = "wrong-type"
reason = "r"
symptoms = "x"
added = ['x']
`, []string{`class "wrong-type"`, "symptoms"}},
		{"missing id", `
[[class]]
reason = "r"
symptoms = ["x"]
added = ['x']
`, []string{"class #1", "id: required"}},
		{"bad id", `
[[class]]
id = "Bad Id"
reason = "r"
symptoms = ["x"]
added = ['x']
`, []string{`class "Bad Id"`, "id:"}},
		{"missing symptoms", `
[[class]]
id = "no-symptoms"
reason = "r"
added = ['x']
`, []string{`class "no-symptoms"`, "symptoms"}},
		{"no trigger", `
[[class]]
id = "no-trigger"
reason = "r"
symptoms = ["x"]
`, []string{`class "no-trigger"`, "no trigger"}},
		{"duplicate id", ok + ok, []string{`class "ok-class"`, "duplicate"}},
		{"bad glob", `
[[class]]
id = "bad-glob"
reason = "r"
symptoms = ["x"]
added = ['x']
paths = ["{a,b"]
`, []string{`class "bad-glob"`, "paths[0]"}},
		{"unknown top-level key", "version = 2\n" + ok, []string{"version"}},
		{"factor not above 1", `
[[class]]
id = "bad-factor"
reason = "r"
symptoms = ["x"]
  [[class.numeric]]
  pattern = 'timeout: (?P<value>\d+)'
  direction = "increase"
  factors = [1000.0, 0.5]
`, []string{`class "bad-factor"`, "numeric[0].factors[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.toml))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if c, err := Load(strings.NewReader(ok)); err != nil || c.Len() != 1 {
		t.Fatalf("Load(ok) = %v, %v", c, err)
	}
}

func TestExtend(t *testing.T) {
	user, err := Load(strings.NewReader(`
[[class]]
id = "timeout-lowered"
reason = "custom: our gateway timeout changed"
symptoms = ["gateway says no"]
require = ["gw_timeout"]
  [[class.numeric]]
  pattern = '(?P<key>gw_timeout)=(?P<value>\d+)'
  direction = "decrease"

[[class]]
id = "feature-flag-flipped"
reason = "feature flag flipped"
symptoms = ["new behaviour"]
require = ["flag_"]
added = ['\bflag_\w+\s*=\s*(?:true|false)\b']
`))
	if err != nil {
		t.Fatal(err)
	}
	base := Default()
	ext := base.Extend(user)

	if got, want := ext.Len(), base.Len()+1; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	ids := ext.Classes()
	if i, j := slices.Index(ids, "timeout-lowered"), slices.Index(base.Classes(), "timeout-lowered"); i != j {
		t.Errorf("replaced class moved from %d to %d", j, i)
	}
	if ids[len(ids)-1] != "feature-flag-flipped" {
		t.Errorf("new class not appended: %v", ids)
	}

	ch := Change{Diff: envDiff("GW_TIMEOUT=30", "GW_TIMEOUT=5")}
	m, ok := matchOne(t, ext, ch, "timeout-lowered")
	if !ok || m.Reason != "custom: our gateway timeout changed" || !slices.Equal(m.Symptoms, []string{"gateway says no"}) {
		t.Errorf("replaced class: got %+v, %v", m, ok)
	}
	// The built-in catalogue is untouched.
	if _, ok := matchOne(t, base, Change{Diff: envDiff("HTTP_TIMEOUT=30s", "HTTP_TIMEOUT=5s")}, "timeout-lowered"); !ok {
		t.Error("Default() lost its built-in timeout-lowered class")
	}
	if _, ok := matchOne(t, ext, Change{Diff: envDiff("HTTP_TIMEOUT=30s", "HTTP_TIMEOUT=5s")}, "timeout-lowered"); ok {
		t.Error("built-in timeout-lowered still active after being replaced")
	}
	if _, ok := matchOne(t, ext, Change{Diff: envDiff("", "flag_new_checkout = true")}, "feature-flag-flipped"); !ok {
		t.Error("user class did not match")
	}
	if base.Extend(nil).Len() != base.Len() {
		t.Error("Extend(nil) changed the catalogue")
	}
}

func TestNumericDirection(t *testing.T) {
	c := Default()
	tests := []struct {
		name           string
		removed, added string
		class          string
		want           bool
	}{
		{"timeout lowered", "HTTP_TIMEOUT=30s", "HTTP_TIMEOUT=5s", "timeout-lowered", true},
		{"timeout raised", "HTTP_TIMEOUT=5s", "HTTP_TIMEOUT=30s", "timeout-lowered", false},
		{"timeout same in other unit", "HTTP_TIMEOUT=2m", "HTTP_TIMEOUT=120s", "timeout-lowered", false},
		{"timeout ms key hint", "connectTimeoutMS=30000", "connectTimeoutMS=5000", "timeout-lowered", true},
		{"timeout 0 means none", "HTTP_TIMEOUT=30", "HTTP_TIMEOUT=0", "timeout-lowered", false},
		{"timeout introduced where none", "HTTP_TIMEOUT=0", "HTTP_TIMEOUT=30", "timeout-lowered", true},
		{"pool halved", "DB_POOL_SIZE=20", "DB_POOL_SIZE=10", "connection-pool-reduced", true},
		{"pool to unlimited", "DB_POOL_SIZE=20", "DB_POOL_SIZE=0", "connection-pool-reduced", false},
		{"different keys do not pair", "DB_POOL_SIZE=20", "REDIS_POOL_SIZE=5", "connection-pool-reduced", false},
		{"ttl raised", "CACHE_TTL=5m", "CACHE_TTL=1h", "cache-ttl-raised", true},
		{"ttl lowered", "CACHE_TTL=1h", "CACHE_TTL=5m", "cache-ttl-raised", false},
		{"heap lowered", `JAVA_OPTS="-Xmx4g"`, `JAVA_OPTS="-Xmx3072m"`, "resource-limits-lowered", true},
		{"retries new key counts from zero", "", "MAX_RETRIES=3", "retries-added", true},
		{"retries zero stays zero", "", "MAX_RETRIES=0", "retries-added", false},
		{"replicas scaled to zero", "REPLICAS=3", "REPLICAS=0", "capacity-reduced", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := Change{Diff: envDiff(tt.removed, tt.added)}
			if _, ok := matchOne(t, c, ch, tt.class); ok != tt.want {
				t.Errorf("%s matched = %v, want %v (all: %+v)", tt.class, ok, tt.want, c.Match(ch))
			}
		})
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		raw  string
		unit unitKind
		key  string
		want float64
		ok   bool
	}{
		{"30s", unitDuration, "timeout", 30, true},
		{"500ms", unitDuration, "timeout", 0.5, true},
		{"2m", unitDuration, "timeout", 120, true},
		{"1.5h", unitDuration, "timeout", 5400, true},
		{"5 * time.Second", unitDuration, "Timeout", 5, true},
		{"250*time.Millisecond", unitDuration, "Timeout", 0.25, true},
		{"5.minutes", unitDuration, "expires_in", 300, true},
		{"30000", unitDuration, "connectTimeoutMS", 30, true},
		{"30", unitDuration, "timeout", 30, true},
		{"10 minutes", unitDuration, "expireAfterWrite", 600, true},
		{"30 parsecs", unitDuration, "timeout", 0, false},
		{"512Mi", unitBytes, "memory", 512 << 20, true},
		{"1Gi", unitBytes, "memory", 1 << 30, true},
		{"1G", unitBytes, "memory", 1e9, true},
		{"2g", unitBytes, "-Xmx", 2e9, true},
		{"512", unitBytes, "memory_mb", 512 << 20, true},
		{"500m", unitCPU, "cpu", 0.5, true},
		{`"2"`, unitCPU, "cpu", 2, true},
		{"10r/s", unitRate, "rate", 10, true},
		{"600/min", unitRate, "rate_limit", 10, true},
		{"86400/day", unitRate, "anon", 1, true},
		{"1_000", unitNumber, "replicas", 1000, true},
		{"abc", unitNumber, "replicas", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseQuantity(tt.raw, tt.unit, tt.key)
		if ok != tt.ok || (ok && math.Abs(got-tt.want) > 1e-9*math.Max(1, tt.want)) {
			t.Errorf("parseQuantity(%q, %d, %q) = %v, %v; want %v, %v", tt.raw, tt.unit, tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"*.yaml", "deploy/k8s/api.yaml", true},
		{"*.yaml", "deploy/k8s/api.yml", false},
		{"*.{yaml,yml}", "deploy/k8s/api.yml", true},
		{"deploy/**", "deploy/k8s/api.yaml", true},
		{"**/test/**", "src/test/java/FooTest.java", true},
		{"**/test/**", "test/x.py", true},
		{"**/test/**", "latest/x.py", false},
		{"config/*.env", "config/prod.env", true},
		{"config/*.env", "config/a/prod.env", false},
		{"[!.]*.py", "app.py", true},
		{"CHANGELOG*", "CHANGELOG.md", true},
		{"requirements*.txt", "services/api/requirements-dev.txt", true},
		{"requirements*.txt", "requirements.txt", true},
		{"requirements*.txt", "requirements.txt.bak", false},
		{"ab*ba", "x/aba", false},
		{"*{test,dev}*", "shop/settings/dev.py", true},
		{"*{test,dev}*", "shop/settings/production.py", false},
		{"*{test,dev}*", "dev/settings/production.py", false},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.glob)
		if err != nil {
			t.Fatalf("compileGlob(%q): %v", tt.glob, err)
		}
		if got := g.match(tt.path); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v", tt.glob, tt.path, got, tt.want)
		}
	}
}

func TestDefaultExcludes(t *testing.T) {
	for p, want := range map[string]bool{
		"internal/store/mongo_test.go":         true,
		"tests/test_repo.py":                   true,
		"web/src/cart.test.ts":                 true,
		"src/test/java/com/x/FooTest.java":     true,
		"docs/operations.md":                   true,
		"README.md":                            true,
		"vendor/github.com/x/y/z.go":           true,
		"web/package-lock.json":                true,
		"go.sum":                               true,
		"internal/store/mongo.go":              false,
		"deploy/k8s/api.yaml":                  false,
		".env.production":                      false,
		"src/main/java/com/x/Contest.java":     false,
		"app/latest/handlers.py":               false,
		"db/migrations/0001_init.sql":          false,
		"src/main/resources/application.yaml":  false,
		"services/attest/attestation_check.go": false,
	} {
		if got := isDefaultExcluded(p); got != want {
			t.Errorf("isDefaultExcluded(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestIsComment(t *testing.T) {
	for text, want := range map[string]bool{
		"  # w=0 is dangerous":   true,
		"// timeout: 1s":         true,
		" * retries: 0":          true,
		"/* acks=0 */":           true,
		"-- DROP COLUMN x":       true,
		"; fsync = off":          true,
		"<!-- cache off -->":     true,
		"#define TIMEOUT_MS 100": false,
		"--timeout=5s":           false,
		"- --timeout=5s":         false,
		"*default_opts":          false,
		"timeout: 1s # was 5s":   false,
		"":                       false,
	} {
		if got := isComment(text); got != want {
			t.Errorf("isComment(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestParseDiff(t *testing.T) {
	diff := `commit 0123456789abcdef
Author: A <a@example.com>

    message line
    - a bullet in the message

diff --git a/config/app.yaml b/config/app.yaml
index 1..2 100644
--- a/config/app.yaml
+++ b/config/app.yaml
@@ -1,4 +1,4 @@ top:
 a: 1
--- yaml doc marker removed
+b: 2
 c: 3
 d: 4
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-gone
--- a/plain.conf	2024-01-01
+++ b/plain.conf	2024-01-02
@@ -1,2 +1,2 @@
-x=1
+x=2
 y
`
	var s scratch
	s.reset(0)
	parseDiff(diff, nil, false, &s)
	var got []string
	for _, ln := range s.lines {
		if ln.kind == kindAdd || ln.kind == kindDel {
			m := "+"
			if ln.kind == kindDel {
				m = "-"
			}
			got = append(got, s.files[ln.file].path+" "+m+ln.text)
		}
	}
	want := []string{
		"config/app.yaml --- yaml doc marker removed",
		"config/app.yaml +b: 2",
		"old.txt -gone",
		"plain.conf -x=1",
		"plain.conf +x=2",
	}
	if !slices.Equal(got, want) {
		t.Errorf("parsed lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(s.files) != 3 {
		t.Errorf("files = %+v, want 3", s.files)
	}

	// A bare snippet without headers uses the single path given.
	s.reset(0)
	parseDiff("+timeout: 1s\n-timeout: 5s\n", []string{"config/x.yaml"}, false, &s)
	if len(s.lines) != 2 || s.files[0].path != "config/x.yaml" {
		t.Errorf("snippet: %+v %+v", s.lines, s.files)
	}
}

func TestEvidenceClipping(t *testing.T) {
	long := "LONG_URL=mongodb://app:pw@db/shop?" + strings.Repeat("opt=1&", 60) + "w=0&" + strings.Repeat("x=2&", 30)
	ms := Default().Match(Change{Diff: envDiff("", long)})
	if len(ms) != 1 {
		t.Fatalf("matches: %+v", ms)
	}
	ev := ms[0].Evidence
	if n := utf8.RuneCountInString(ev); n > maxEvidence {
		t.Errorf("Evidence has %d characters: %q", n, ev)
	}
	if !strings.Contains(ev, "w=0") || !strings.HasPrefix(ev, "+…") || !strings.HasSuffix(ev, "…") {
		t.Errorf("Evidence %q should show the match with cut marks", ev)
	}
}

func TestSectionsAndExcludes(t *testing.T) {
	c := Default()
	// A hunk that only touches the downgrade half of an existing migration.
	diff := `diff --git a/alembic/versions/1a_x.py b/alembic/versions/1a_x.py
--- a/alembic/versions/1a_x.py
+++ b/alembic/versions/1a_x.py
@@ -10,3 +10,3 @@ def downgrade():
-    op.drop_column("users", "nick")
+    op.drop_column("users", "nickname")
     pass
`
	if _, ok := matchOne(t, c, Change{Diff: diff}, "schema-breaking-change"); ok {
		t.Error("downgrade section (known from the hunk header) should not count")
	}
}

func TestConcurrentMatch(t *testing.T) {
	c := Default()
	fixtures := loadFixtures(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, f := range fixtures {
				ms := c.Match(f.change)
				if f.positive && (len(ms) != 1 || ms[0].Class != f.class) {
					t.Errorf("%s: concurrent match %v", f.name, matchedClasses(ms))
				}
			}
		}()
	}
	wg.Wait()
}

func TestEmpty(t *testing.T) {
	var nilCat *Catalog
	if nilCat.Match(Change{Diff: "+x"}) != nil || nilCat.Len() != 0 || nilCat.Classes() != nil {
		t.Error("nil catalogue should match nothing")
	}
	if ms := Default().Match(Change{}); len(ms) != 0 {
		t.Errorf("empty change matched %+v", ms)
	}
}

// TestContextRules covers the rules learned from replaying real histories.
func TestContextRules(t *testing.T) {
	// Two compose healthchecks: one added (kafka), one tightened (clickhouse).
	compose := `diff --git a/docker-compose.yml b/docker-compose.yml
--- a/docker-compose.yml
+++ b/docker-compose.yml
@@ -190,6 +190,9 @@ services:
     healthcheck:
       <<: *healthcheck_defaults
       test: ["CMD-SHELL", "nc -z localhost 9092"]
+      interval: 10s
+      timeout: 10s
+      retries: 30
   clickhouse:
     <<: *restart_policy
     image: clickhouse-self-hosted-local
@@ -223,9 +226,9 @@ services:
           "wget -nv -t1 --spider 'http://localhost:8123/' || exit 1",
         ]
-      interval: 3s
-      timeout: 600s
-      retries: 200
+      interval: 10s
+      timeout: 10s
+      retries: 30
   geoipupdate:
     image: "maxmindinc/geoipupdate:v4.7.1"
`
	deleted := `diff --git a/charts/old/templates/deployment.yaml b/charts/old/templates/deployment.yaml
deleted file mode 100644
--- a/charts/old/templates/deployment.yaml
+++ /dev/null
@@ -1,3 +0,0 @@
-          startupProbe:
-            httpGet:
-              path: /healthz
`
	definition := `diff --git a/app/client.py b/app/client.py
--- a/app/client.py
+++ b/app/client.py
@@ -1,2 +1,2 @@
-def fetch(url):
+def fetch(url, retry=False):
     return session.get(url)
`
	patch := `diff --git a/patches/kafka.patch b/patches/kafka.patch
--- a/patches/kafka.patch
+++ b/patches/kafka.patch
@@ -1,1 +1,2 @@
 --- a/docker-compose.yml
+-      timeout: 5s
`
	tests := []struct {
		name     string
		diff     string
		want     []string
		evidence string
	}{
		{"healthcheck settings are probe settings, paired per hunk", compose, []string{"probe-tightened"}, "+timeout: 10s (was 600s)"},
		{"removed lines of a deleted file", deleted, nil, ""},
		{"function signature is not configuration", definition, nil, ""},
		{"lines of a patch file", patch, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := Default().Match(Change{Diff: tt.diff})
			if got := matchedClasses(ms); !slices.Equal(got, tt.want) {
				t.Fatalf("matched %v, want %v: %+v", got, tt.want, ms)
			}
			if tt.evidence != "" && ms[0].Evidence != tt.evidence {
				t.Errorf("Evidence = %q, want %q", ms[0].Evidence, tt.evidence)
			}
		})
	}
}

func TestLineKey(t *testing.T) {
	for text, want := range map[string]string{
		"      timeout: 10s":        "timeout",
		"  - name: api":             "name",
		`    "maxPoolSize": 10,`:    "maxPoolSize",
		"DB_POOL_SIZE=5":            "DB_POOL_SIZE",
		"      <<: *healthcheck":    "<<",
		`    test: ["CMD", "true"]`: "test",
		"  ]":                       "",
		"just words here":           "",
		"    expiration {":          "expiration",
		`resource "aws_s3_bucket_lifecycle_configuration" "exports" {`: "resource",
		"server {":                "server",
		"if ready {":              "",
		"func main() {":           "",
		"expiration { days = 7 }": "",
		`"expiration": {`:         "expiration",
	} {
		if got := lineKey(text); got != want {
			t.Errorf("lineKey(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestMovedToNewFileIsNotNew(t *testing.T) {
	diff := `diff --git a/app/old_db.py b/app/old_db.py
deleted file mode 100644
--- a/app/old_db.py
+++ /dev/null
@@ -1,2 +0,0 @@
-def create_role(cur):
-    cur.execute("SET local synchronous_commit = 'off'")
diff --git a/app/db/roles.py b/app/db/roles.py
new file mode 100644
--- /dev/null
+++ b/app/db/roles.py
@@ -0,0 +1,2 @@
+def create_role(cur):
+    cur.execute("SET local synchronous_commit = 'off'")
`
	if ms := Default().Match(Change{Diff: diff}); len(ms) != 0 {
		t.Errorf("a line moved out of a deleted file matched: %+v", ms)
	}
}

func TestFactors(t *testing.T) {
	c, err := Load(strings.NewReader(`
[[class]]
id = "jump"
reason = "value jumped"
symptoms = ["x"]
require = ["timeout"]
  [[class.numeric]]
  pattern = '(?P<key>\w*timeout\w*)=(?P<value>\d+[a-z]*)'
  direction = "increase"
  unit = "duration"
  factors = [1000.0]
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		removed, added string
		want           bool
	}{
		{"HTTP_TIMEOUT=30", "HTTP_TIMEOUT=30000", true},     // seconds field given milliseconds
		{"HTTP_TIMEOUT=30s", "HTTP_TIMEOUT=30000ms", false}, // same duration
		{"HTTP_TIMEOUT=30", "HTTP_TIMEOUT=600", false},      // 20x: ordinary tuning
		{"HTTP_TIMEOUT=60", "HTTP_TIMEOUT=86400", false},    // a minute to a day: deliberate
		{"HTTP_TIMEOUT=0", "HTTP_TIMEOUT=30000", false},     // no ratio from zero
		{"HTTP_TIMEOUT=30000", "HTTP_TIMEOUT=30", false},    // wrong direction for this rule
	} {
		_, ok := matchOne(t, c, Change{Diff: envDiff(tt.removed, tt.added)}, "jump")
		if ok != tt.want {
			t.Errorf("%s -> %s: matched = %v, want %v", tt.removed, tt.added, ok, tt.want)
		}
	}
}

func TestDroppedNetGroup(t *testing.T) {
	c, err := Load(strings.NewReader(`
[[class]]
id = "unpinned"
reason = "pin removed"
symptoms = ["x"]
require = ["==", "<=", ">="]
  [[class.dropped]]
  line = '^[a-z]+(?:\[\w+\])?[=<>]='
  item = '^(?P<net>[a-z]+)(?:\[\w+\])?=='
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		removed, added string
		want           bool
	}{
		{"requests==2.31.0", "requests>=2.31", true},           // pin loosened
		{"requests==2.31.0", "requests[socks]==2.31.0", false}, // extras: the net group is unchanged
		{"requests==2.31.0", "requests==2.32.3", false},        // still pinned
	} {
		_, ok := matchOne(t, c, Change{Diff: envDiff(tt.removed, tt.added)}, "unpinned")
		if ok != tt.want {
			t.Errorf("%s -> %s: matched = %v, want %v", tt.removed, tt.added, ok, tt.want)
		}
	}
}
