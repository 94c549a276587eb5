package retrieval

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// A save killed before its rename leaves its temporary file behind; the next
// refresh removes it (and only such files).
func TestRefreshRemovesTempsOfKilledSaves(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	note := journal.NewNote("Lowered the importer timeout to 5s", "", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), nil, "", "")
	if _, err := j.Add(ctx, note); err != nil {
		t.Fatal(err)
	}
	s := Store{Dir: filepath.Join(dir, "index"), Cat: catalog.Default()}
	if _, err := s.Refresh(ctx, j, RefreshOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.bin.tmp123456", "vectors-nomic-embed-text.bin.tmp42", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(s.Dir, name), []byte("half a file"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Refresh(ctx, j, RefreshOptions{}); err != nil {
		t.Fatal(err)
	}
	des, err := os.ReadDir(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if want := []string{".lock", "index.bin", "notes.txt"}; !slices.Equal(names, want) {
		t.Errorf("index directory holds %v, want %v", names, want)
	}
}
