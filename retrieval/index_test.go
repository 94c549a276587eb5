package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func commit(seq int64, sha, title, diff string, at time.Time) journal.Entry {
	return journal.Entry{ID: sha, Seq: seq, Kind: journal.KindCommit, Time: at, Ref: sha, Repo: "svc", Title: title, Diff: diff}
}

func sha(n int) string { return fmt.Sprintf("%040x", n) }

func sampleEntries() []journal.Entry {
	return []journal.Entry{
		commit(1, sha(1), "Add order service", "+def save(order):\n+    db.orders.insert_one(order)\n", t0),
		commit(2, sha(2), "Speed up order writes", "-MONGO_URL=mongodb://app:***@db/shop?w=majority\n+MONGO_URL=mongodb://app:***@db/shop?w=0&journal=false\n", t0.Add(24*time.Hour)),
		commit(3, sha(3), "Document the API", "+POST /orders saves an order and returns it\n", t0.Add(48*time.Hour)),
		commit(4, sha(4), "Lower the HTTP client timeout", "-TIMEOUT=30s\n+TIMEOUT=2s\n", t0.Add(72*time.Hour)),
	}
}

func rankIDs(t *testing.T, ix *Index, q Query) []string {
	t.Helper()
	res, err := ix.Rank(context.Background(), q, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range res.Suspects {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestRankCandidatesBeforeAt(t *testing.T) {
	ix := NewIndex(catalog.Default())
	if err := ix.Add(context.Background(), sampleEntries()); err != nil {
		t.Fatal(err)
	}
	q := Query{Text: "API returns None after save", At: t0.Add(30 * time.Hour), Top: 10}
	ids := rankIDs(t, ix, q)
	if len(ids) != 2 || ids[0] != sha(2) {
		t.Fatalf("ranking before %v = %v, want the w=0 change first of 2 candidates", q.At, ids)
	}
	// Strictly before: a change at exactly At is not a candidate.
	q.At = t0.Add(24 * time.Hour)
	if ids := rankIDs(t, ix, q); slices.Contains(ids, sha(2)) {
		t.Errorf("change at exactly --at is a candidate: %v", ids)
	}
	// Since narrows; Repo narrows.
	q = Query{Text: "timeout", At: t0.Add(100 * time.Hour), Since: 40 * time.Hour, Top: 10}
	if ids := rankIDs(t, ix, q); len(ids) != 1 || ids[0] != sha(4) {
		t.Errorf("--since 40h gave %v, want only the change 28 h before", ids)
	}
	q.Repo = "other"
	if ids := rankIDs(t, ix, q); len(ids) != 0 {
		t.Errorf("--repo other gave %v", ids)
	}
	// A commit marked unreachable before At is not a suspect; after At it is.
	q = Query{Text: "timeout", At: t0.Add(100 * time.Hour), Top: 10,
		Unreachable: map[string]time.Time{sha(4): t0.Add(80 * time.Hour)}}
	if ids := rankIDs(t, ix, q); slices.Contains(ids, sha(4)) {
		t.Errorf("unreachable commit ranked: %v", ids)
	}
	q.Unreachable[sha(4)] = t0.Add(200 * time.Hour)
	if ids := rankIDs(t, ix, q); !slices.Contains(ids, sha(4)) {
		t.Errorf("commit marked unreachable after --at is missing: %v", ids)
	}
}

func TestRankStatisticsIgnoreLaterDocs(t *testing.T) {
	early := sampleEntries()
	a := NewIndex(catalog.Default())
	a.Add(context.Background(), early)
	b := NewIndex(catalog.Default())
	later := append(slices.Clone(early),
		commit(5, sha(5), "save save save API none", "+save returns none API\n", t0.Add(200*time.Hour)),
		commit(6, sha(6), "more saving", "+saved\n", t0.Add(201*time.Hour)))
	b.Add(context.Background(), later)
	q := Query{Text: "API returns None after save timeout", At: t0.Add(100 * time.Hour), Top: 10}
	ra, _ := a.Rank(context.Background(), q, DefaultWeights)
	rb, _ := b.Rank(context.Background(), q, DefaultWeights)
	if len(ra.Suspects) != len(rb.Suspects) {
		t.Fatalf("%d vs %d suspects", len(ra.Suspects), len(rb.Suspects))
	}
	for i := range ra.Suspects {
		if ra.Suspects[i].ID != rb.Suspects[i].ID || ra.Suspects[i].Score != rb.Suspects[i].Score {
			t.Errorf("rank %d: %s %.6f vs %s %.6f", i+1, ra.Suspects[i].ID, ra.Suspects[i].Score, rb.Suspects[i].ID, rb.Suspects[i].Score)
		}
	}
}

func TestRankRevertDemotes(t *testing.T) {
	es := sampleEntries()
	rev := commit(5, sha(5), `Revert "Lower the HTTP client timeout"`, "-TIMEOUT=2s\n+TIMEOUT=30s\n", t0.Add(80*time.Hour))
	rev.Meta.Reverts = sha(4)
	es = append(es, rev)
	ix := NewIndex(catalog.Default())
	ix.Add(context.Background(), es)
	res, _ := ix.Rank(context.Background(), Query{Text: "HTTP client timeout", At: t0.Add(100 * time.Hour), Top: 10}, DefaultWeights)
	for _, s := range res.Suspects {
		if s.ID == sha(4) && (s.RevertedBy == nil || s.RevertedBy.ID != sha(5)) {
			t.Errorf("reverted change not linked to its revert: %+v", s.RevertedBy)
		}
	}
	// Before the revert happened, the change is not demoted.
	res, _ = ix.Rank(context.Background(), Query{Text: "HTTP client timeout", At: t0.Add(75 * time.Hour), Top: 10}, DefaultWeights)
	if res.Suspects[0].ID != sha(4) || res.Suspects[0].RevertedBy != nil {
		t.Errorf("before its revert the change is demoted: %+v", res.Suspects[0])
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	cat := catalog.Default()
	ix := NewIndex(cat)
	ix.Add(context.Background(), sampleEntries())
	path := filepath.Join(t.TempDir(), "index.bin")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path, cat)
	if err != nil {
		t.Fatal(err)
	}
	if got.Watermark != 4 || got.Len() != 4 {
		t.Fatalf("loaded watermark %d, %d docs", got.Watermark, got.Len())
	}
	q := Query{Text: "API returns None after save", At: t0.Add(100 * time.Hour), Top: 10}
	want, _ := ix.Rank(context.Background(), q, DefaultWeights)
	have, _ := got.Rank(context.Background(), q, DefaultWeights)
	for i := range want.Suspects {
		if want.Suspects[i].ID != have.Suspects[i].ID || want.Suspects[i].Score != have.Suspects[i].Score {
			t.Errorf("rank %d differs after load", i+1)
		}
	}
	if d, _ := got.Doc(sha(2)); len(d.Hits) == 0 {
		t.Error("class hits lost in save/load")
	}
}

func TestLoadDetectsDamage(t *testing.T) {
	cat := catalog.Default()
	ix := NewIndex(cat)
	ix.Add(context.Background(), sampleEntries())
	path := filepath.Join(t.TempDir(), "index.bin")
	ix.Save(path)
	b, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", b[:len(b)/2]},
		{"flipped byte", func() []byte { c := slices.Clone(b); c[len(c)/3] ^= 0x40; return c }()},
		{"empty", nil},
		{"garbage", []byte("not an index at all")},
	} {
		os.WriteFile(path, tc.data, 0o600)
		if _, err := Load(path, cat); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: Load = %v, want ErrDamaged", tc.name, err)
		}
	}
}

func TestAddReplacesChangedEntry(t *testing.T) {
	ix := NewIndex(catalog.Default())
	es := sampleEntries()
	ix.Add(context.Background(), es)
	changed := es[0]
	changed.Seq = 9
	changed.Title = "Add order persistence"
	ix.Add(context.Background(), []journal.Entry{changed})
	if ix.Len() != 4 {
		t.Fatalf("%d docs after replacing one, want 4", ix.Len())
	}
	d, _ := ix.Doc(sha(1))
	if d.Title != "Add order persistence" {
		t.Errorf("doc not replaced: %q", d.Title)
	}
	ids := rankIDs(t, ix, Query{Text: "persistence", At: t0.Add(100 * time.Hour), Top: 10})
	if len(ids) == 0 || ids[0] != sha(1) {
		t.Errorf("replaced doc's new terms not found: %v", ids)
	}
}

func TestRankDampsRootCommit(t *testing.T) {
	es := sampleEntries()
	es[0].Meta.Root = true // "Add order service": everything at once
	ix := NewIndex(catalog.Default())
	ix.Add(context.Background(), es)
	q := Query{Text: "order save insert", At: t0.Add(100 * time.Hour), Top: 10}
	res, _ := ix.Rank(context.Background(), q, DefaultWeights)
	w := DefaultWeights
	w.Root = 1
	undamped, _ := ix.Rank(context.Background(), q, w)
	score := func(r Result) float64 {
		for _, s := range r.Suspects {
			if s.ID == sha(1) {
				return s.Score
			}
		}
		return -1
	}
	if got, want := score(res), score(undamped)*DefaultWeights.Root; math.Abs(got-want) > 1e-9 || got <= 0 {
		t.Errorf("root commit score %.4f, want %.4f (undamped × %.2f)", got, want, DefaultWeights.Root)
	}
}

func TestRankIntroducerOfNamedIdentifier(t *testing.T) {
	// Three changes mention rto_min; the one that first wrote it is where
	// its bug most likely came from. A documentation commit that mentions
	// the word earlier introduces nothing.
	at := t0
	entries := []journal.Entry{
		{ID: sha(1), Seq: 1, Kind: journal.KindCommit, Time: at, Ref: sha(1), Repo: "svc", Title: "docs: describe route options",
			Paths: []string{"man/ip-route.md"}, Diff: "+rto_min sets the minimum retransmission timeout\n"},
		commit(2, sha(2), "route: parse the minimum retransmission time", "+\tif (matches(*argv, \"rto_min\") == 0) {\n+\t\tget_time(&rto_min, *argv);\n", at.Add(24*time.Hour)),
		commit(3, sha(3), "route: tidy option parsing", "-\tif (matches(*argv, \"rto_min\") == 0) {\n+\tif (strcmp(*argv, \"rto_min\") == 0) {\n", at.Add(48*time.Hour)),
		commit(4, sha(4), "route: print rto_min in json", "+\tprint_uint(PRINT_JSON, \"rto_min\", NULL, rto_min);\n", at.Add(72*time.Hour)),
	}
	entries[0].Meta.Files = 1
	ix := NewIndex(catalog.Default())
	if err := ix.Add(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Rank(context.Background(), Query{Text: "rto_min value is rejected", At: at.Add(96 * time.Hour), Top: 10}, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Suspect{}
	for _, s := range res.Suspects {
		byID[s.ID] = s
	}
	if s := byID[sha(2)]; s.Intro == 0 || !slices.Contains(s.Introduced, "rto_min") {
		t.Errorf("the commit that first wrote rto_min: intro %.2f, introduced %v", s.Intro, s.Introduced)
	}
	for _, id := range []string{sha(1), sha(3), sha(4)} {
		if byID[id].Intro != 0 {
			t.Errorf("%s introduced nothing, intro = %.2f", byID[id].Title, byID[id].Intro)
		}
	}
	if res.Suspects[0].ID != sha(2) {
		t.Errorf("first suspect %q, want the introducer", res.Suspects[0].Title)
	}
}

func TestRankHeadlineWeighsMore(t *testing.T) {
	// Two changes each match one word; the one matching the incident's
	// first line ranks first, whichever word is rarer in the body.
	entries := []journal.Entry{
		commit(1, sha(1), "bonding: print slave state", "+print_string(\"mii_status\", state);\n", t0),
		commit(2, sha(2), "vxlan: learning flag", "+print_bool(\"learning\", learning);\n", t0.Add(time.Hour)),
	}
	ix := NewIndex(catalog.Default())
	if err := ix.Add(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	q := Query{Text: "mii_status shown twice\n\nwith learning enabled, the output repeats a field", At: t0.Add(48 * time.Hour), Top: 10}
	if ids := rankIDs(t, ix, q); ids[0] != sha(1) {
		t.Errorf("ranking %v: the change matching the headline should be first", ids)
	}
	q.Text = "learning shown twice\n\nwith mii_status enabled, the output repeats a field"
	if ids := rankIDs(t, ix, q); ids[0] != sha(2) {
		t.Errorf("ranking %v: the change matching the headline should be first", ids)
	}
}

func TestRankEnrichmentCountsOnlyBeforeAt(t *testing.T) {
	// The change's own words say nothing of the incident; its enrichment
	// does. The enrichment counts for an incident after it was made, and
	// for no incident before.
	made := t0.Add(10 * 24 * time.Hour)
	cause := commit(1, sha(1), "Tune the order writer", "+BATCH=500\n", t0)
	cause.Enrichment = &journal.Enrichment{EntryID: sha(1), Model: "m", Made: made,
		Text: "Orders are written in batches; a crash loses the unflushed batch, so customers see missing orders."}
	other := commit(2, sha(2), "Rename the customers page", "+title = 'Customers'\n", t0.Add(time.Hour))
	ix := NewIndex(catalog.Default())
	if err := ix.Add(context.Background(), []journal.Entry{cause, other}); err != nil {
		t.Fatal(err)
	}
	// The built-in vectors weigh nothing by default; give them a weight to
	// see the enrichment's vector searched.
	w := DefaultWeights
	w.Vector = 0.1
	rank := func(at time.Time) Suspect {
		res, err := ix.Rank(context.Background(), Query{Text: "a crash loses data", At: at, Top: 5}, w)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Suspects {
			if s.ID == sha(1) {
				return s
			}
		}
		t.Fatal("cause not ranked")
		return Suspect{}
	}
	early, late := rank(made.Add(-time.Hour)), rank(made.Add(time.Hour))
	if early.Lexical != 0 || early.Coverage != 0 {
		t.Errorf("before the enrichment was made it counted: lexical %.2f coverage %.2f", early.Lexical, early.Coverage)
	}
	if late.Lexical != 1 || late.Coverage < 0.9 {
		t.Errorf("after the enrichment was made it did not count: lexical %.2f coverage %.2f", late.Lexical, late.Coverage)
	}
	// Its vector too: searched beside the change's only after it was made.
	if late.Vector <= early.Vector {
		t.Errorf("the enrichment's vector did not count after it was made: vector %.2f before, %.2f after", early.Vector, late.Vector)
	}

	// Saved and loaded, the enrichment and its time survive.
	path := filepath.Join(t.TempDir(), "index.bin")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	ix2, err := Load(path, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	d := ix2.Docs[ix2.byID[sha(1)]]
	if d.EnrichedAt != made.Unix() || d.EnrichHash == 0 || len(d.EnrichVec) != embed.BuiltinDim {
		t.Errorf("loaded doc: enriched at %d hash %x vector %d", d.EnrichedAt, d.EnrichHash, len(d.EnrichVec))
	}
	if d := ix2.Docs[ix2.byID[sha(2)]]; d.EnrichVec != nil {
		t.Errorf("a doc without enrichment loaded with a vector")
	}
	// Re-adding the same entry with the same enrichment changes nothing;
	// a new enrichment replaces the doc.
	n := len(ix2.Docs)
	ix2.Add(context.Background(), []journal.Entry{cause})
	if len(ix2.Docs) != n || ix2.byID[sha(1)] != 0 {
		t.Errorf("re-adding an unchanged entry re-indexed it")
	}
	cause.Enrichment = &journal.Enrichment{EntryID: sha(1), Model: "m", Made: made.Add(time.Hour), Text: "new note"}
	ix2.Add(context.Background(), []journal.Entry{cause})
	if d := ix2.Docs[ix2.byID[sha(1)]]; d.EnrichedAt != made.Add(time.Hour).Unix() {
		t.Errorf("a new enrichment did not replace the doc: %+v", d)
	}
}

func TestRankNamesEachMatchedWordOnce(t *testing.T) {
	ix := NewIndex(catalog.Default())
	e := commit(1, sha(1), "tc: adjust xtables_match to iptables", "+\tstruct xtables_match *m = xtables_find_match(name);\n", t0)
	if err := ix.Add(context.Background(), []journal.Entry{e}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Rank(context.Background(), Query{Text: "xtables_match changed in iptables", At: t0.Add(time.Hour), Top: 1}, DefaultWeights)
	if err != nil || len(res.Suspects) != 1 {
		t.Fatal(res, err)
	}
	m := res.Suspects[0].Matched
	if !slices.Contains(m, "xtables_match") {
		t.Errorf("matched words %v lack xtables_match", m)
	}
	seen := map[string]bool{}
	for _, w := range m {
		if seen[w] {
			t.Errorf("matched words %v name %q twice", m, w)
		}
		seen[w] = true
	}
}

func TestParseWeights(t *testing.T) {
	w, err := ParseWeights(DefaultWeights, "lexical=0.5, intro=0, halflife=30,f.title=4,b.diff=0.25")
	if err != nil {
		t.Fatal(err)
	}
	if w.Lexical != 0.5 || w.Intro != 0 || w.HalfLife != 30*24*time.Hour || w.Field[fieldTitle] != 4 || w.B[fieldDiff] != 0.25 {
		t.Errorf("overrides not applied: %+v", w)
	}
	if w.Symptom != DefaultWeights.Symptom || w.Field[fieldBody] != DefaultWeights.Field[fieldBody] {
		t.Errorf("weights not named changed")
	}
	for _, bad := range []string{"nosuch=1", "lexical", "lexical=x", "f.nosuch=1"} {
		if _, err := ParseWeights(DefaultWeights, bad); err == nil {
			t.Errorf("ParseWeights(%q) accepted", bad)
		}
	}
}
