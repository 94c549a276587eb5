package retrieval

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// An index built from entries prepared ahead is the one built without them;
// an entry whose stored copy differs from what was offered is prepared again.
func TestWarmSameIndex(t *testing.T) {
	cat := catalog.Default()
	entries := sampleEntries()
	offered := make([]journal.Entry, len(entries))
	copy(offered, entries)              // as journal.Store.Add numbered them
	offered[2].Title = "an older title" // the journal's copy differs

	w := NewWarm(cat)
	w.Offer(offered)
	w.Close()
	warm := NewIndex(cat)
	warm.warm = w
	if err := warm.Add(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	cold := NewIndex(cat)
	if err := cold.Add(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(warm.Docs, cold.Docs) || !reflect.DeepEqual(warm.Builtin, cold.Builtin) ||
		!reflect.DeepEqual(warm.terms, cold.terms) || !reflect.DeepEqual(warm.postings, cold.postings) {
		t.Fatal("index built with prepared entries differs from one built without")
	}
	if len(w.done) != 0 {
		t.Errorf("%d prepared entries kept after use", len(w.done))
	}
}

// Entries a refresh takes straight from capture, without reading them back,
// give the index file a refresh from the journal alone gives, byte for byte:
// with an entry another writer recorded in between, an entry offered twice,
// one enriched meanwhile, and one already indexed.
func TestRefreshFreshSameFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	cat := catalog.Default()
	batch := func(from, n int) []journal.Entry {
		var out []journal.Entry
		for i := from; i < from+n; i++ {
			e := commit(0, sha(i), fmt.Sprintf("Change %d to the orders path", i),
				fmt.Sprintf("+timeout_%d = %dms\n+retry on 5%02d\n", i, i*10, i%100), t0.Add(time.Duration(i)*time.Hour))
			e.Seq = 0
			out = append(out, e)
		}
		return out
	}
	// One entry is indexed before capture starts.
	first := batch(1, 1)
	if _, err := j.Add(ctx, first...); err != nil {
		t.Fatal(err)
	}
	if _, err := (Store{Dir: filepath.Join(dir, "fresh"), Cat: cat}).Refresh(ctx, j, RefreshOptions{}); err != nil {
		t.Fatal(err)
	}

	w := NewWarm(cat)
	capture := func(es []journal.Entry) {
		t.Helper()
		if _, err := j.Add(ctx, es...); err != nil {
			t.Fatal(err)
		}
		w.Offer(es)
	}
	capture(batch(2, 40))
	if _, err := j.Add(ctx, batch(100, 1)...); err != nil { // a hook, meanwhile
		t.Fatal(err)
	}
	capture(append(batch(42, 30), batch(2, 3)...)) // three already stored
	if err := j.PutEnrichment(ctx, journal.Enrichment{EntryID: sha(50), Model: "m", Made: t0, Text: "timeouts under load"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st, err := (Store{Dir: filepath.Join(dir, "fresh"), Cat: cat}).Refresh(ctx, j, RefreshOptions{Warm: w})
	if err != nil {
		t.Fatal(err)
	}
	if st.Indexed != 71 || st.Reread != 2 {
		t.Errorf("indexed %d, read back %d; want 71 indexed, 2 read back (the hook's and the enriched entry)", st.Indexed, st.Reread)
	}
	st, err = (Store{Dir: filepath.Join(dir, "read"), Cat: cat}).Refresh(ctx, j, RefreshOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Reread != 72 {
		t.Errorf("a refresh from the journal alone read back %d entries, want 72", st.Reread)
	}
	a, err := os.ReadFile(filepath.Join(dir, "fresh", "index.bin"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "read", "index.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("index built from entries taken at capture differs from one read from the journal")
	}
	if len(w.done) != 0 {
		t.Errorf("%d prepared entries kept after use", len(w.done))
	}
}
