package retrieval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// denseFake is an Ollama server for the dense pass: it embeds, refuses any
// request with an input holding "POISON" (as the real server refuses a whole
// batch), and hangs every request after the first answer embed requests.
type denseFake struct {
	mu     sync.Mutex
	answer int // requests answered before it hangs; <0: never hangs
	inputs int // inputs embedded
}

func (f *denseFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/show":
		json.NewEncoder(w).Encode(api.ShowResponse{Capabilities: []model.Capability{"embedding"},
			ModelInfo: map[string]any{"bert.context_length": 2048}})
	case "/api/embed":
		var req api.EmbedRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		hang := f.answer == 0
		if f.answer > 0 {
			f.answer--
		}
		f.mu.Unlock()
		if hang {
			<-r.Context().Done()
			return
		}
		resp := api.EmbedResponse{Model: req.Model}
		for _, x := range req.Input.([]any) {
			in := x.(string)
			if strings.Contains(in, "POISON") {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"error":"the input length exceeds the context length"}`))
				return
			}
			h := fnv.New32a()
			h.Write([]byte(in))
			v := make([]float32, 8)
			v[h.Sum32()%8], v[(h.Sum32()>>8)%8] = 1, 0.5
			resp.Embeddings = append(resp.Embeddings, embed.Normalize(v))
		}
		f.mu.Lock()
		f.inputs += len(resp.Embeddings)
		f.mu.Unlock()
		json.NewEncoder(w).Encode(resp)
	default:
		http.NotFound(w, r)
	}
}

func (f *denseFake) embedded() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inputs
}

// denseSetup returns a journal of n commits (with extra appended), an index
// store, and an embedder on a denseFake.
func denseSetup(t *testing.T, n int, extra ...journal.Entry) (*journal.Store, Store, *denseFake, *embed.Ollama) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var es []journal.Entry
	for i := range n {
		es = append(es, commit(0, sha(100+i), fmt.Sprintf("Change %d of the order service", i), fmt.Sprintf("+limit = %d\n", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	if _, err := j.Add(ctx, append(es, extra...)...); err != nil {
		t.Fatal(err)
	}
	f := &denseFake{answer: -1}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return j, Store{Dir: filepath.Join(dir, "index"), Cat: catalog.Default()}, f, embed.NewOllama(api.NewClient(u, srv.Client()), "fake-embed")
}

// An entry the model refuses does not stop the pass, is counted once in a
// notice, still has a vector (so dense ranking stays on for everyone), and
// is not sent again by later refreshes.
func TestRefreshDenseRefusedEntry(t *testing.T) {
	ctx := context.Background()
	poison := commit(0, sha(1), "POISON in the title", "+POISON everywhere\n", t0.Add(-time.Hour))
	j, s, f, o := denseSetup(t, 5, poison)
	var notices []string
	opts := RefreshOptions{Dense: o, Notice: func(m string) { notices = append(notices, m) }}
	st, err := s.Refresh(ctx, j, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Refused != 1 || st.Embedded != 6 || len(notices) != 1 || !strings.Contains(notices[0], "refused 1 entry") {
		t.Fatalf("stats %+v, notices %q: want one refused entry, said once", st, notices)
	}
	ds, err := LoadDense(DensePath(s.Dir, o.Name()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Vecs) != 6 || ds.Dim != 8 {
		t.Fatalf("%d vectors of %d dimensions, want 6 of 8", len(ds.Vecs), ds.Dim)
	}
	if v := ds.Vecs[sha(1)]; len(v) != 8 || !isZero(v) {
		t.Errorf("the refused entry's vector %v, want a zero vector", v)
	}

	// Ranking still uses the dense vectors: every candidate has one.
	ix, _, err := s.Open(ctx, j, o.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := o.Embed(ctx, []string{"order service limit"}, embed.Query)
	if err != nil {
		t.Fatal(err)
	}
	cand := make([]bool, len(ix.Docs))
	for i := range cand {
		cand[i] = true
	}
	if _, name, err := ix.vectorScores(ctx, Query{Text: "order service limit", DenseQuery: q[0]}, cand, true); err != nil || name != o.Name() {
		t.Errorf("ranking used %q (%v), want the dense vectors", name, err)
	}

	before := f.embedded()
	notices = nil
	st, err = s.Refresh(ctx, j, opts)
	if err != nil || st.Embedded != 0 || st.Refused != 0 || f.embedded() != before || len(notices) != 0 {
		t.Errorf("second refresh: stats %+v, %d more inputs, notices %q, %v: the refused entry was sent again",
			st, f.embedded()-before, notices, err)
	}
}

// A server that hangs mid-pass: Refresh returns promptly with an error that
// names the server, having saved the lexical index and the vectors made
// before; the next refresh embeds only the rest.
func TestRefreshDenseHungServer(t *testing.T) {
	ctx := context.Background()
	j, s, f, o := denseSetup(t, 100)
	if err := o.Check(ctx); err != nil {
		t.Fatal(err)
	}
	o.Timeout, o.PerInput = 20*time.Millisecond, 0
	f.answer = 2 // one Embed call of 64 entries (two requests of 32), then silence
	st, err := s.Refresh(ctx, j, RefreshOptions{Dense: o})
	var de *DenseError
	if !errors.As(err, &de) || !errors.Is(err, embed.ErrStalled) {
		t.Fatalf("Refresh with a hung server: %v, want a *DenseError of a stalled server", err)
	}
	if de.Done != 64 || de.Total != 100 || !strings.Contains(err.Error(), "stopped answering") || !strings.Contains(err.Error(), "64 of 100") {
		t.Errorf("error %q (done %d of %d)", err, de.Done, de.Total)
	}
	if st.Docs != 100 {
		t.Errorf("%d docs indexed, want 100", st.Docs)
	}
	if ix, err := Load(s.IndexPath(), s.Cat); err != nil || ix.Len() != 100 {
		t.Errorf("lexical index not saved: %v", err)
	}
	ds, err := LoadDense(DensePath(s.Dir, o.Name()))
	if err != nil || len(ds.Vecs) != 64 {
		t.Fatalf("saved vectors: %v, %d, want 64", err, len(ds.Vecs))
	}

	f.mu.Lock()
	f.answer = -1
	f.mu.Unlock()
	before := f.embedded()
	st, err = s.Refresh(ctx, j, RefreshOptions{Dense: o})
	if err != nil || st.Embedded != 36 || f.embedded()-before != 36 {
		t.Errorf("after the server came back: %+v, %d inputs, %v; want the 36 left", st, f.embedded()-before, err)
	}
}

// The pass as a whole is bounded too: past its budget it stops and says so.
func TestRefreshDenseBudget(t *testing.T) {
	j, s, _, o := denseSetup(t, 3)
	_, err := s.Refresh(context.Background(), j, RefreshOptions{Dense: o, DenseBudget: time.Nanosecond})
	var de *DenseError
	if !errors.As(err, &de) || de.Done != 0 || !strings.Contains(err.Error(), "budget") {
		t.Errorf("Refresh past its budget: %v", err)
	}
}

// Vectors are saved as the pass goes, not only at its end.
func TestRefreshDenseSavesAsItGoes(t *testing.T) {
	defer func(n int) { denseSaveEvery = n }(denseSaveEvery)
	denseSaveEvery = 64
	ctx := context.Background()
	j, s, _, o := denseSetup(t, 130)
	var saved []int
	opts := RefreshOptions{Dense: o, Progress: func(phase string, done, total int) {
		if phase != "embedding" {
			return
		}
		if ds, err := LoadDense(DensePath(s.Dir, o.Name())); err == nil {
			saved = append(saved, len(ds.Vecs))
		} else {
			saved = append(saved, 0)
		}
	}}
	if _, err := s.Refresh(ctx, j, opts); err != nil {
		t.Fatal(err)
	}
	// Progress runs before the save of its batch: the second batch sees the
	// first one's vectors on disk.
	if len(saved) != 3 || saved[1] != 64 {
		t.Errorf("vectors on disk during the pass: %v, want the first 64 saved before the end", saved)
	}
}
