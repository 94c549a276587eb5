package synth

import (
	"testing"
	"time"

	"github.com/analyst-dev/analyst/journal"
)

func TestEntries(t *testing.T) {
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a, b := Entries(2000, 7, end), Entries(2000, 7, end)
	if len(a) != 2000 {
		t.Fatalf("%d entries, want 2000", len(a))
	}
	ids := map[string]bool{}
	commits := 0
	for i, e := range a {
		if e.ID != b[i].ID || e.Diff != b[i].Diff {
			t.Fatalf("entry %d differs between two runs with the same seed", i)
		}
		if ids[e.ID] {
			t.Fatalf("duplicate id %s", e.ID)
		}
		ids[e.ID] = true
		if i > 0 && e.Time.Before(a[i-1].Time.Add(-10*time.Minute)) {
			t.Fatalf("entry %d goes back in time", i)
		}
		if !e.Time.Before(end) {
			t.Fatalf("entry %d at %v, not before %v", i, e.Time, end)
		}
		if e.Kind == journal.KindCommit {
			commits++
			if e.Diff == "" || len(e.Paths) == 0 || e.Meta.Files != len(e.Paths) {
				t.Fatalf("commit %d without diff or paths: %+v", i, e)
			}
		}
	}
	if commits < 1600 || commits > 1900 {
		t.Errorf("%d commits of 2000, want about nine in ten", commits)
	}
	if c := Entries(10, 8, end); c[0].ID == a[0].ID {
		t.Errorf("another seed gave the same entries")
	}
}
