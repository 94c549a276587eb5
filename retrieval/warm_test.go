package retrieval

import (
	"context"
	"reflect"
	"testing"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// An index built from entries prepared ahead is the one built without them;
// an entry whose stored copy differs from what was offered is prepared again.
func TestWarmSameIndex(t *testing.T) {
	cat := catalog.Default()
	entries := sampleEntries()
	offered := make([]journal.Entry, len(entries))
	for i, e := range entries {
		e.Seq = 0 // offered before the journal numbered them
		offered[i] = e
	}
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
