package scenarios

import (
	"context"
	"flag"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var keepDir = flag.String("scenarios.dir", "", "build the first history into this `directory` and keep it (for a look with git log)")

// testEnd is a Monday evening, so the timeline reads as working hours.
var testEnd = time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)

func headOf(t *testing.T, repo string) (sha string, commits int) {
	t.Helper()
	out, err := exec.Command("git", "-C", repo, "rev-list", "--count", "--no-merges", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	commits = atoi(strings.TrimSpace(string(out)))
	out, err = exec.Command("git", "-C", repo, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out)), commits
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestBuild checks the history's shape and that building it twice gives the
// same commits.
func TestBuild(t *testing.T) {
	dir := t.TempDir()
	if *keepDir != "" {
		dir = *keepDir
	}
	start := time.Now()
	h, err := Build(context.Background(), dir, testEnd)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("built %d commits, %d notes in %v", h.Commits, len(h.Notes), took)
	sha, n := headOf(t, h.Repo)
	if n != h.Commits || n < 250 || n > 420 {
		t.Errorf("history has %d commits (History says %d), want 250-420", n, h.Commits)
	}
	if h.End.Sub(h.Start) < 80*24*time.Hour {
		t.Errorf("history spans %v, want about three months", h.End.Sub(h.Start))
	}

	incidents, err := LoadIncidents(filepath.Join("..", "..", "testdata", "scenarios", "incidents.json"))
	if err != nil {
		t.Fatal(err)
	}
	used := make(map[string]bool)
	notes := 0
	for _, in := range incidents {
		c, ok := h.Causes[in.Cause]
		if !ok {
			t.Errorf("%s: cause %q is not in the history", in.ID, in.Cause)
			continue
		}
		used[in.Cause] = true
		after, _ := ParseAfter(in.After)
		at := c.Time.Add(after)
		if !at.Before(h.End) {
			t.Errorf("%s: reported at %v, not before the end %v", in.ID, at, h.End)
		}
		if fix, ok := h.Fixes[in.Cause]; ok && !at.Before(fix) {
			t.Errorf("%s: reported at %v, after its cause was fixed (%v)", in.ID, at, fix)
		}
	}
	for key := range h.Fixes {
		if _, ok := h.Causes[key]; !ok {
			t.Errorf("a commit fixes %q, which is no cause", key)
		}
	}
	for key, c := range h.Causes {
		if !used[key] {
			t.Errorf("cause %q causes no incident", key)
		}
		if c.Kind == "note" {
			notes++
		}
	}
	if len(h.Causes) < 22 || notes < 4 {
		t.Errorf("%d causes, %d of them notes; want at least 22 and 4", len(h.Causes), notes)
	}

	h2, err := Build(context.Background(), t.TempDir(), testEnd)
	if err != nil {
		t.Fatal(err)
	}
	if sha2, _ := headOf(t, h2.Repo); sha2 != sha {
		t.Errorf("two builds with the same end differ: %s, %s", sha, sha2)
	}
}
