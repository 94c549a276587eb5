package retrieval

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// countingEmbedder embeds by word hashes and counts the texts it was sent.
type countingEmbedder struct{ texts int }

func (c *countingEmbedder) Name() string { return "test/counting" }

func (c *countingEmbedder) Embed(_ context.Context, texts []string, _ embed.Purpose) ([][]float32, error) {
	c.texts += len(texts)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 4)
		for _, w := range strings.Fields(t) {
			v[len(w)%4]++
		}
		out[i] = v
	}
	return out, nil
}

// holding returns the files under dir whose bytes contain s.
func holding(t *testing.T, dir, s string) []string {
	t.Helper()
	var hits []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
			hits = append(hits, filepath.Base(p))
		}
		return nil
	})
	return hits
}

// TestForgottenEntriesLeaveTheIndex: after journal.Forget, the next Refresh
// (or Open) rebuilds the lexical index without the entry's words and drops
// its dense vector, keeping the others' vectors without embedding them again.
func TestForgottenEntriesLeaveTheIndex(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	j, err := journal.Open(ctx, filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const private = "quokkazanzibarplan"
	leak := journal.Entry{ID: strings.Repeat("a1", 20), Kind: journal.KindCommit, Time: time.Unix(1700000000, 0),
		Title: "add " + private, Repo: "private", Diff: "+codename = " + private + "\n"}
	var others []journal.Entry
	for i := range 5 {
		others = append(others, journal.Entry{ID: strings.Repeat(string(rune('b'+i)), 40), Kind: journal.KindCommit,
			Time: time.Unix(1700000100+int64(i), 0), Title: "tune the pool", Repo: "shop", Diff: "+pool = 10\n"})
	}
	if _, err := j.Add(ctx, append(others, leak)...); err != nil {
		t.Fatal(err)
	}
	s := Store{Dir: filepath.Join(home, "index"), Cat: catalog.Default()}
	emb := &countingEmbedder{}
	if _, err := s.Refresh(ctx, j, RefreshOptions{Dense: emb}); err != nil {
		t.Fatal(err)
	}
	if len(holding(t, s.Dir, private)) == 0 || len(holding(t, s.Dir, leak.ID)) < 2 {
		t.Fatalf("the index does not hold the entry: the test proves nothing (%v, %v)", holding(t, s.Dir, private), holding(t, s.Dir, leak.ID))
	}
	if _, err := j.Forget(ctx, journal.Selection{IDs: []string{leak.ID}}); err != nil {
		t.Fatal(err)
	}
	// A reader (ask) brings the files in line before it reads them.
	ix, _, err := s.Open(ctx, j, emb.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Doc(leak.ID); ok {
		t.Error("the forgotten entry is still indexed")
	}
	if ix.Dense == nil || len(ix.Dense.Vecs) != len(others) {
		t.Errorf("dense vectors after forgetting: %v", ix.Dense)
	}
	for _, v := range []string{private, leak.ID} {
		if hits := holding(t, home, v); len(hits) > 0 {
			t.Errorf("%q still in %v", v, hits)
		}
	}
	gen, rebuilt, _ := j.Derived(ctx)
	if rebuilt != gen {
		t.Errorf("Derived = %d, %d after the rebuild", gen, rebuilt)
	}
	before := emb.texts
	if _, err := s.Refresh(ctx, j, RefreshOptions{Dense: emb}); err != nil {
		t.Fatal(err)
	}
	if emb.texts != before {
		t.Errorf("the kept entries were embedded again: %d texts", emb.texts-before)
	}
}
