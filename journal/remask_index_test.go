package journal_test

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
	"github.com/analyst-dev/analyst/journal/redact"
	"github.com/analyst-dev/analyst/retrieval"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// wordEmbedder is a dense embedder for tests: vectors from word lengths.
type wordEmbedder struct{}

func (wordEmbedder) Name() string { return "test/words" }

func (wordEmbedder) Embed(_ context.Context, texts []string, _ embed.Purpose) ([][]float32, error) {
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

// TestRemaskReachesTheIndex writes a journal, its index and dense vectors
// with a redactor that knows no GitHub tokens, then reopens the journal with
// the real one: afterwards no file under the home holds the token.
func TestRemaskReachesTheIndex(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	token := "ghp_" + strings.Repeat("Qm4x", 9)
	weak := func(s string) (string, []redact.Finding) {
		if strings.Contains(s, token) {
			return s, nil
		}
		return redact.String(s)
	}
	restore := journal.SetRedactor(weak, redact.Version-1)
	j, err := journal.Open(ctx, filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := journal.Entry{ID: strings.Repeat("9f", 20), Kind: journal.KindCommit, Time: time.Unix(1700000000, 0),
		Title: "ci: publish with " + token, Repo: "shop", Diff: "+GITHUB_TOKEN=" + token + "\n"}
	other := journal.Entry{ID: strings.Repeat("8e", 20), Kind: journal.KindCommit, Time: time.Unix(1700000100, 0),
		Title: "raise the pool", Repo: "shop", Diff: "+pool = 20\n"}
	if _, err := j.Add(ctx, e, other); err != nil {
		t.Fatal(err)
	}
	store := retrieval.Store{Dir: filepath.Join(home, "index"), Cat: catalog.Default()}
	if _, err := store.Refresh(ctx, j, retrieval.RefreshOptions{Dense: wordEmbedder{}}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	restore()
	if len(filesWith(t, home, token)) < 2 {
		t.Fatalf("the token is in %v only: the test proves nothing", filesWith(t, home, token))
	}

	j, err = journal.Open(ctx, filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// The journal itself is clean at once; the index keeps the old terms
	// until DropStale (which every command calls on opening the journal).
	if hits := filesWith(t, home, token); len(hits) != 1 || !strings.HasPrefix(hits[0], "index") {
		t.Errorf("after reopening, the token is in %v; want only the index, not yet rebuilt", hits)
	}
	if dropped, err := store.DropStale(ctx, j); err != nil || !dropped {
		t.Fatalf("DropStale = %v, %v; want the stale index dropped", dropped, err)
	}
	if hits := filesWith(t, home, token); len(hits) > 0 {
		t.Errorf("after DropStale, the token is still in %v", hits)
	}
	if _, _, err := store.Open(ctx, j, "test/words", nil); err != nil {
		t.Fatal(err)
	}
	if hits := filesWith(t, home, token); len(hits) > 0 {
		t.Errorf("after the index was rebuilt, the token is still in %v", hits)
	}
	if dropped, _ := store.DropStale(ctx, j); dropped {
		t.Errorf("DropStale dropped a freshly rebuilt index")
	}
	got, err := j.Get(ctx, e.ID)
	if err != nil || got.Title != "ci: publish with ***" {
		t.Errorf("re-masked entry: %q, %v", got.Title, err)
	}
}

// filesWith lists the files under dir (relative paths) holding s.
func filesWith(t *testing.T, dir, s string) []string {
	t.Helper()
	var hits []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
			rel, _ := filepath.Rel(dir, p)
			hits = append(hits, rel)
		}
		return nil
	})
	return hits
}
