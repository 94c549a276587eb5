package retrieval

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// twins are two changes alike in every word, one made 30 days before the
// incident, one 10 days: only when each reached production can tell them
// apart.
func twins(t *testing.T) (*Index, time.Time) {
	return pair(t, "Tune order writes", 30*24*time.Hour, "Tune order writes", 10*24*time.Hour)
}

// pair indexes two commits of the same diff, sha(1) and sha(2), titled and
// made the given times before the incident it returns.
func pair(t *testing.T, title1 string, age1 time.Duration, title2 string, age2 time.Duration) (*Index, time.Time) {
	t.Helper()
	at := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	diff := "-write_concern = majority\n+write_concern = 0\n"
	ix := NewIndex(catalog.Default())
	err := ix.Add(context.Background(), []journal.Entry{
		commit(1, sha(1), title1, diff, at.Add(-age1)),
		commit(2, sha(2), title2, diff, at.Add(-age2)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix, at
}

func rankOf(t *testing.T, ix *Index, q Query) Result {
	t.Helper()
	res, err := ix.Rank(context.Background(), q, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRankRecencyCountsFromDeploy(t *testing.T) {
	ix, at := twins(t)
	q := Query{Text: "orders lost after save", At: at, Top: 10}
	before := rankOf(t, ix, q)
	if before.Suspects[0].ID != sha(2) {
		t.Fatalf("without deploys the newer twin should lead: %v", before.Suspects[0].ID)
	}
	q.Deployed = map[string]time.Time{sha(1): at.Add(-2 * time.Hour)}
	after := rankOf(t, ix, q)
	if after.Suspects[0].ID != sha(1) {
		t.Fatalf("the twin deployed 2 h before the incident should lead: %v", after.Suspects[0].ID)
	}
	if after.Suspects[0].Recency <= before.Suspects[1].Recency || after.Suspects[0].Age != before.Suspects[1].Age {
		t.Errorf("recency %v → %v, age %v → %v: the prior should rise, the change's own age stay",
			before.Suspects[1].Recency, after.Suspects[0].Recency, before.Suspects[1].Age, after.Suspects[0].Age)
	}
}

// A deploy at or after the incident, or one dated before the change itself,
// leaves the ranking exactly as with no deploys at all.
func TestRankDeployAfterAtChangesNothing(t *testing.T) {
	ix, at := twins(t)
	q := Query{Text: "orders lost after save", At: at, Top: 10}
	want := rankOf(t, ix, q)
	for name, dep := range map[string]map[string]time.Time{
		"empty":         {},
		"at the moment": {sha(1): at},
		"after":         {sha(1): at.Add(time.Hour)},
		"before change": {sha(1): at.Add(-40 * 24 * time.Hour)},
		"unknown id":    {sha(9): at.Add(-time.Hour)},
	} {
		q.Deployed = dep
		if got := rankOf(t, ix, q); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ranking changed:\n%+v\nwant\n%+v", name, got.Suspects, want.Suspects)
		}
	}
}

func TestShipmentsKeepsTheLatestDeploy(t *testing.T) {
	t1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ships := Shipments([]journal.Deploy{
		{ID: "n1", Time: t1, Commits: []string{sha(1), sha(2)}},
		{ID: "n3", Time: t1.Add(48 * time.Hour), Commits: []string{sha(2)}}, // rolled back, then out again
		{ID: "n2", Time: t1.Add(24 * time.Hour), Commits: []string{sha(3)}},
	})
	for id, want := range map[string]string{sha(1): "n1", sha(2): "n3", sha(3): "n2"} {
		if ships[id].ID != want {
			t.Errorf("%s shipped by %q, want %q", id[:8], ships[id].ID, want)
		}
	}
	if DeployTimes(nil) != nil {
		t.Errorf("no deploys must give a nil map")
	}
}

// TestRankLastWeek: of two changes that match an incident about as well,
// the one made in the days before it leads, though the older one has its
// words once more; the year-long recency prior alone does not do that.
func TestRankLastWeek(t *testing.T) {
	ix, at := pair(t, "Tune order writes on save (the save path)", 40*24*time.Hour, "Tune order writes on save", 2*24*time.Hour)
	q := Query{Text: "orders lost after save", At: at, Top: 10}
	res := rankOf(t, ix, q)
	if res.Suspects[0].ID != sha(2) {
		t.Errorf("the change of 2 days ago should lead; scores %.3f (%s) and %.3f", res.Suspects[0].Score, res.Suspects[0].Title, res.Suspects[1].Score)
	}
	if r := res.Suspects[0].Recent; r < 0.8 || r > 0.85 {
		t.Errorf("short prior of a 2-day-old change = %.3f, want 2^(-2/7) ≈ 0.820", r)
	}
	w := DefaultWeights
	w.Recent = 0
	off, err := ix.Rank(context.Background(), q, w)
	if err != nil {
		t.Fatal(err)
	}
	if off.Suspects[0].ID != sha(1) {
		t.Errorf("without the short prior the better match should lead: %+v", off.Suspects[0])
	}
}
