package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/demo"
)

// analystRun runs the command in-process with its own streams and returns
// stdout, stderr and the exit code.
func analystRun(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"analyst"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := analystRun(t, "", args...)
	if code != 0 {
		t.Fatalf("analyst %v: exit %d\n%s", args, code, errOut)
	}
	return out
}

// setIsolatedEnv isolates an in-process run: environment as isolatedEnv,
// and a working directory outside any git repository (ask indexes the
// repository it runs in).
func setIsolatedEnv(t *testing.T) string {
	work := t.TempDir()
	t.Chdir(work)
	for _, kv := range isolatedEnv(work) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return work
}

func askJSONOf(t *testing.T, out string) askJSON {
	t.Helper()
	if _, err := checkAskJSON([]byte(out)); err != nil {
		t.Fatalf("ask --json: %v\n%s", err, out)
	}
	var a askJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSeedStory is the story analyst exists for: a connection string got
// w=0&journal=false "for performance"; hours later the API "returns None
// after save". Among ordinary work, later commits and other edits of the same
// file, that change must rank in the top 3 at every time from 2 to 24 hours
// after it, with no model.
func TestSeedStory(t *testing.T) {
	seedStory(t, setIsolatedEnv(t), "builtin")
}

// seedStory builds the seed story's history in work, indexes it and asks
// about the incident at five times after the change; every ask must rank
// with the vectors named embed.
func seedStory(t *testing.T, work, embed string) {
	t.Helper()
	incidentAt := time.Date(2026, 11, 30, 18, 30, 0, 0, time.UTC)
	h, err := demo.Build(context.Background(), work, incidentAt)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(work, "home")
	for _, n := range h.Notes {
		args := []string{"--home", home, "note", "--at", formatTime(n.Time), "--kind", n.Kind, "--repo", "shop-api"}
		for _, tag := range n.Tags {
			args = append(args, "--tag", tag)
		}
		mustRun(t, append(args, n.Text)...)
	}
	mustRun(t, "--home", home, "index", "--repo", h.Repo)

	out := mustRun(t, "--home", home, "log", "--kind", "commit", "--json")
	var causeTime time.Time
	var causeID string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Title == h.CauseSubject {
			causeTime, _ = time.Parse(time.RFC3339, l.Time)
			causeID = l.ID
		}
	}
	if causeID == "" {
		t.Fatalf("cause %q not in the journal", h.CauseSubject)
	}
	for _, after := range []time.Duration{2 * time.Hour, 6 * time.Hour, 10 * time.Hour, 16 * time.Hour, 24 * time.Hour} {
		at := causeTime.Add(after)
		a := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", formatTime(at), h.Incident))
		if !strings.HasPrefix(a.Models.Embed, embed) {
			t.Fatalf("ranked with %q vectors, want %s", a.Models.Embed, embed)
		}
		rank := 0
		for _, s := range a.Suspects {
			if s.ID == causeID {
				rank = s.Rank
			}
		}
		if rank == 0 || rank > 3 {
			var titles []string
			for _, s := range a.Suspects[:min(5, len(a.Suspects))] {
				titles = append(titles, s.Title)
			}
			t.Errorf("%v after the change: cause ranked %d, want top 3; top 5: %q", after, rank, titles)
			continue
		}
		if !strings.Contains(strings.Join(a.Suspects[rank-1].Reasons, "\n"), "write") {
			t.Errorf("%v after: the cause's reasons do not explain it: %q", after, a.Suspects[rank-1].Reasons)
		}
	}
}

// TestAskIgnoresLaterEntries proves that nothing recorded after --at changes
// an answer: neither later changes nor the statistics they would add.
func TestAskIgnoresLaterEntries(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	repo := filepath.Join(work, "svc")
	gitIn := func(when string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, content string) {
		p := filepath.Join(repo, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(repo, 0o755)
	gitIn("2026-11-01T09:00:00Z", "init", "-q", "-b", "main")
	commits := []struct{ when, file, content, msg string }{
		{"2026-11-01T09:00:00Z", "app/cache.py", "TTL = 60\n", "Add product cache"},
		{"2026-11-02T09:00:00Z", "app/checkout.py", "def checkout(cart):\n    charge(cart)\n", "Checkout charges the cart"},
		{"2026-11-03T09:00:00Z", "config/app.env", "REDIS_URL=redis://cache:6379\nCACHE_TTL=60\n", "Configure redis cache"},
		{"2026-11-04T09:00:00Z", "app/checkout.py", "def checkout(cart):\n    retry(charge, cart, times=3)\n", "Retry charges on timeout"},
	}
	for _, c := range commits {
		write(c.file, c.content)
		gitIn(c.when, "add", "-A")
		gitIn(c.when, "commit", "-q", "-m", c.msg)
	}
	mustRun(t, "--home", home, "note", "--at", "2026-11-03T12:00:00Z", "--kind", "decision", "raised checkout timeout to 30s")
	mustRun(t, "--home", home, "index", "--repo", repo)
	at := "2026-11-05T00:00:00Z"
	queries := []string{"customers charged twice at checkout", "stale prices from the cache", "checkout timeout"}
	var before []string
	for _, q := range queries {
		before = append(before, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--top", "10", "--at", at, q))
	}
	// Later changes that share every word of the queries: if they leaked into
	// candidates or statistics, scores would move.
	later := []struct{ when, file, content, msg string }{
		{"2026-11-06T09:00:00Z", "app/checkout.py", "def checkout(cart):\n    charge_once(cart)  # customers charged twice\n", "Stop charging customers twice at checkout"},
		{"2026-11-07T09:00:00Z", "config/app.env", "CACHE_TTL=5\n", "Stale prices: shorten the cache TTL"},
		{"2026-11-08T09:00:00Z", "app/timeout.py", "CHECKOUT_TIMEOUT = 10\n", "checkout timeout checkout timeout"},
	}
	for _, c := range later {
		write(c.file, c.content)
		gitIn(c.when, "add", "-A")
		gitIn(c.when, "commit", "-q", "-m", c.msg)
	}
	mustRun(t, "--home", home, "note", "--at", "2026-11-06T00:00:00Z", "--kind", "decision", "checkout charged twice: cache stale timeout")
	mustRun(t, "--home", home, "index")
	if n := strings.Count(mustRun(t, "--home", home, "log", "--json"), "\n"); n != 9 {
		t.Fatalf("journal holds %d entries, want 9", n)
	}
	for i, q := range queries {
		after := mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--top", "10", "--at", at, q)
		if after != before[i] {
			t.Errorf("ask --at %s %q changed after later entries were added:\nbefore:\n%s\nafter:\n%s", at, q, before[i], after)
		}
	}
}

func TestDemo(t *testing.T) {
	setIsolatedEnv(t)
	out, errOut, code := analystRun(t, "", "demo", "--json")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errOut)
	}
	a := askJSONOf(t, out)
	if len(a.Suspects) == 0 || a.Suspects[0].Title != "Speed up order writes" {
		t.Fatalf("demo did not put the cause first:\n%s", out)
	}
	if !strings.Contains(errOut, "showing retrieval only") {
		t.Errorf("demo without Ollama does not say it shows retrieval only:\n%s", errOut)
	}
}
