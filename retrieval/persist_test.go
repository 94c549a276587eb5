package retrieval

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/internal/synth"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// rankSame fails unless two indexes rank q identically, scores included.
func rankSame(t *testing.T, what string, want, have *Index, q Query) {
	t.Helper()
	w, err := want.Rank(context.Background(), q, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	h, err := have.Rank(context.Background(), q, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Suspects) == 0 || len(w.Suspects) != len(h.Suspects) || w.Vectors != h.Vectors {
		t.Fatalf("%s: %d suspects (%s), want %d (%s)", what, len(h.Suspects), h.Vectors, len(w.Suspects), w.Vectors)
	}
	for i := range w.Suspects {
		a, b := w.Suspects[i], h.Suspects[i]
		if a.ID != b.ID || a.Score != b.Score || a.Vector != b.Vector || !slices.Equal(a.Matched, b.Matched) {
			t.Errorf("%s: rank %d is %s %v %v, want %s %v %v", what, i+1, b.ID, b.Score, b.Vector, a.ID, a.Score, a.Vector)
		}
	}
}

// TestMappedIndexMatchesMemory checks an index read from its file ranks as
// the one it was saved from, also after entries were added to it (their
// postings beside the stored ones), after one was replaced (which renumbers
// docs), and after saving that again.
func TestMappedIndexMatchesMemory(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	es := synth.Entries(300, 3, end)
	for k := range es {
		es[k].Seq = int64(k + 1)
	}
	mem := NewIndex(catalog.Default())
	if err := mem.Add(ctx, es[:250]); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "index.bin")
	if err := mem.Save(path); err != nil {
		t.Fatal(err)
	}
	disk, err := Load(path, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	queries := []Query{
		{Text: "orders: timeout after the deploy, users see errors under load", At: end, Top: 10},
		{Text: "queue fills up in production", At: end.Add(-24 * time.Hour), Top: 5},
	}
	for _, q := range queries {
		rankSame(t, "loaded", mem, disk, q)
	}
	for _, ix := range []*Index{mem, disk} {
		if err := ix.Add(ctx, es[250:]); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range queries {
		rankSame(t, "loaded, then added to", mem, disk, q)
	}
	changed := es[10]
	changed.Title, changed.Seq = "Rewrite the queue consumer so it never times out", 301
	for _, ix := range []*Index{mem, disk} {
		if err := ix.Add(ctx, []journal.Entry{changed}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range queries {
		rankSame(t, "loaded, then one replaced", mem, disk, q)
	}
	if err := disk.Save(path); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		rankSame(t, "saved again", mem, again, q)
	}
}

// TestDenseRoundTrip checks stored dense vectors rank as the ones in memory
// (stored normalised, as chromem-go would normalise them) and that damage
// to the file is found.
func TestDenseRoundTrip(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	es := synth.Entries(200, 4, end)
	ix := NewIndex(catalog.Default())
	if err := ix.Add(ctx, es); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	ds := &DenseSet{Name: "ollama/test", Dim: 48, Vecs: map[string][]float32{}, Hash: map[string]uint64{}}
	for _, e := range es {
		v := make([]float32, ds.Dim)
		for i := range v {
			v[i] = float32(r.NormFloat64()) * 3 // not unit length
		}
		ds.Vecs[e.ID], ds.Hash[e.ID] = v, uint64(len(e.ID))
	}
	path := filepath.Join(t.TempDir(), "vectors.bin")
	if err := ds.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDense(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != ds.Name || got.Dim != ds.Dim || len(got.Vecs) != len(ds.Vecs) {
		t.Fatalf("loaded %s dim %d, %d vectors", got.Name, got.Dim, len(got.Vecs))
	}
	for id, v := range got.Vecs {
		var sq float64
		for _, x := range v {
			sq += float64(x) * float64(x)
		}
		if math.Abs(sq-1) > 1e-4 || got.Hash[id] != ds.Hash[id] {
			t.Fatalf("%s: |v|² %v, hash %d", id, sq, got.Hash[id])
		}
	}
	q := Query{Text: "queue timeout", At: end, Top: 10, DenseQuery: ds.Vecs[es[7].ID]}
	mem := *ix
	mem.Dense = ds
	loaded := *ix
	loaded.Dense = got
	rankSame(t, "dense", &mem, &loaded, q)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{len(b) / 2, len(b) - 1, 100} {
		c := slices.Clone(b)
		c[at] ^= 0x10
		os.WriteFile(path, c, 0o600)
		if _, err := LoadDense(path); !errors.Is(err, ErrDamaged) {
			t.Errorf("byte %d flipped: LoadDense = %v, want ErrDamaged", at, err)
		}
	}
	os.WriteFile(path, append(b, 0), 0o600)
	if _, err := LoadDense(path); !errors.Is(err, ErrDamaged) {
		t.Errorf("trailing byte: LoadDense = %v, want ErrDamaged", err)
	}
}

// TestOldFormatIsStale checks a file of the first format is rebuilt quietly
// (stale), not reported as damaged.
func TestOldFormatIsStale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bin")
	os.WriteFile(path, append([]byte("\x08"+indexMagic+"\x01"), make([]byte, 64)...), 0o600)
	if _, err := Load(path, catalog.Default()); !IsStale(err) {
		t.Errorf("Load of a format-1 file = %v, want stale", err)
	}
}

// An index loaded only to be queried checks its built-in vectors when it
// first reads them: damage there is found by a ranking that uses them, and
// a ranking with dense vectors neither reads them nor fails. Load, for
// indexes that are written again, finds it at once.
func TestBuiltinVectorsCheckedWhenRead(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	es := synth.Entries(300, 4, end)
	ix := NewIndex(catalog.Default())
	if err := ix.Add(ctx, es); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "index.bin")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	q := Query{Text: "connection pool exhausted", At: end, Top: 10}

	// Intact: the same ranking as the index it was saved from.
	good, err := LoadForQuery(path, catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	rankSame(t, "loaded for a query", ix, good, q)

	// A byte of the last section (the built-in vectors) flipped.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-8] ^= 0x40
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, catalog.Default()); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Load of a damaged index: %v, want ErrDamaged", err)
	}
	bad, err := LoadForQuery(path, catalog.Default())
	if err != nil {
		t.Fatalf("LoadForQuery: %v, want the damage found when the vectors are read", err)
	}
	// Dense vectors rank: the built-in ones are not read.
	ds := &DenseSet{Name: "ollama/test", Dim: 8, Vecs: map[string][]float32{}, Hash: map[string]uint64{}}
	for i, e := range es {
		v := make([]float32, ds.Dim)
		v[i%ds.Dim] = 1
		ds.Vecs[e.ID] = v
	}
	bad.Dense = ds
	dq := q
	dq.DenseQuery = []float32{1, 0, 0, 0, 0, 0, 0, 0}
	if res, err := bad.Rank(ctx, dq, DefaultWeights); err != nil || res.Vectors != "ollama/test" {
		t.Fatalf("ranking with dense vectors: %v (vectors %q), want an answer that never read the built-in ones", err, res.Vectors)
	}
	bad.Dense = nil
	if _, err := bad.Rank(ctx, q, DefaultWeights); err != nil {
		t.Fatalf("ranking without vectors: %v, want an answer (the built-in vectors weigh nothing by default)", err)
	}
	w := DefaultWeights
	w.Vector = 0.1
	if _, err := bad.Rank(ctx, q, w); !errors.Is(err, ErrDamaged) {
		t.Fatalf("ranking with the damaged built-in vectors: %v, want ErrDamaged", err)
	}
}
