package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAskWentLive: when nothing looks related, ask lists what went live in
// the 24 hours before the incident, newest first: commits, notes and
// deploys, a commit at the time a deploy shipped it, and no change to
// documentation only; with an onset in the report, the 24 hours before it.
// When something looks related, the list is empty.
func TestAskWentLive(t *testing.T) {
	work := setIsolatedEnv(t)
	t.Setenv("TZ", "UTC")
	home := filepath.Join(work, "home")
	repo, write := newRepo(t, work, "shop")
	write("app.py", "def main():\n    pass\n")
	commitAll(t, repo, "2026-11-20T10:00:00Z", "Start the service")
	write("billing.py", "def vat(line):\n    return round(line.net * line.rate, 2)\n")
	billing := commitAll(t, repo, "2026-12-01T10:00:00Z", "Billing: round VAT per line")
	write("worker.yaml", "replicas: 2\n")
	commitAll(t, repo, "2026-12-04T02:00:00Z", "Queue: fewer workers at night")
	write("README.md", "# shop\n\nRun the tests with make test.\n")
	commitAll(t, repo, "2026-12-04T05:00:00Z", "docs: how to run the tests")
	write("cache.py", "SESSIONS = {}\n")
	commitAll(t, repo, "2026-12-04T09:00:00Z", "Cache: keep sessions in memory")
	write("later.py", "x = 1\n")
	commitAll(t, repo, "2026-12-04T13:00:00Z", "A change after the incident")

	mustRun(t, "--home", home, "index", "--repo", repo)
	mustRun(t, "--home", home, "note", "--at", "2026-12-04T08:00:00Z", "--kind", "deploy", "--repo", "shop", "--ref", billing, "billing 1.4 to production")
	mustRun(t, "--home", home, "note", "--at", "2026-12-04T11:00:00Z", "lowered the CDN's DNS TTL to 60 s")

	ask := func(report string, extra ...string) string {
		t.Helper()
		args := append([]string{"--home", home, "ask", "--no-llm", "--no-auto-index", "--at", "2026-12-04T12:00:00Z"}, extra...)
		return mustRun(t, append(args, report)...)
	}
	a := askJSONOf(t, ask("everything froze", "--json"))
	if a.Related {
		t.Fatalf("a report sharing no word with any change looks related: %+v", a.Suspects)
	}
	var got []string
	for _, c := range a.WentLive {
		got = append(got, c.Time+" "+c.Title)
	}
	want := []string{
		"2026-12-04T11:00:00Z lowered the CDN's DNS TTL to 60 s",
		"2026-12-04T09:00:00Z Cache: keep sessions in memory",
		"2026-12-04T08:00:00Z billing 1.4 to production",
		"2026-12-04T08:00:00Z Billing: round VAT per line",
		"2026-12-04T02:00:00Z Queue: fewer workers at night",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("went_live:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	text := ask("everything froze")
	for _, line := range []string{"Went live in the 24 h before the incident, newest first:", "  - Cache: keep sessions in memory  (commit ", ", 3 h before)"} {
		if !strings.Contains(text, line) {
			t.Errorf("text lacks %q:\n%s", line, text)
		}
	}

	// An onset in the report: the day before it, not before --at.
	a = askJSONOf(t, ask("everything froze 5 hours ago", "--json"))
	if a.Onset == nil || a.Related || len(a.WentLive) != 1 || a.WentLive[0].Title != "Queue: fewer workers at night" {
		t.Errorf("with an onset 5 hours before: onset %+v, related %v, went_live %+v; want only the night's queue change",
			a.Onset, a.Related, a.WentLive)
	}
	if text := ask("everything froze 5 hours ago"); !strings.Contains(text, `Went live in the 24 h before the report's onset ("5 hours ago"), newest first:`) {
		t.Errorf("text with an onset:\n%s", text)
	}

	a = askJSONOf(t, ask("sessions lost from the cache", "--json"))
	if !a.Related || a.WentLive == nil || len(a.WentLive) != 0 {
		t.Errorf("a related incident: related %v, went_live %v; want true and []", a.Related, a.WentLive)
	}
	if text := ask("sessions lost from the cache"); strings.Contains(text, "Went live") {
		t.Errorf("a related incident lists what went live:\n%s", text)
	}
}
