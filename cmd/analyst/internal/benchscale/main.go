// Command benchscale measures `analyst ask` at scale: it builds synthetic
// journals (internal/synth) of the given sizes, indexes each once with the
// built-in embedder (as `analyst index --no-ollama`), writes a simulated 768-dimension dense vector set named
// like an Ollama embedder, then times fresh `analyst ask --no-llm --json`
// processes and reads their peak RSS (through /usr/bin/time).
//
// The simulated embedder is a fake Ollama server in this process: it answers
// the heartbeat, the model's details and /api/embed with a random unit vector
// of the same size, so ask takes its dense path exactly as with a real
// server, minus the model's time.
//
//	go run ./cmd/analyst/internal/benchscale -sizes 1000,20000,100000 -runs 11
//
// Homes are kept under -dir and reused when their journal already holds the
// size asked for (delete the folder to rebuild).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/internal/synth"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

const model = "bench-768"

var end = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func main() {
	sizes := flag.String("sizes", "1000,20000,100000", "journal sizes")
	runs := flag.Int("runs", 11, "asks timed per size and mode")
	dim := flag.Int("dim", 768, "dense vector size")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "analyst-benchscale"), "where the homes are kept")
	bin := flag.String("bin", "", "analyst binary (default: built from this module)")
	flag.Parse()
	if err := run(*sizes, *runs, *dim, *dir, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

func run(sizes string, runs, dim int, dir, bin string) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if bin == "" {
		bin = filepath.Join(dir, "analyst")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/analyst-dev/analyst/cmd/analyst").CombinedOutput()
		if err != nil {
			return fmt.Errorf("building analyst: %v\n%s", err, out)
		}
	}
	host, stop, err := fakeOllama(dim)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("%-8s %-8s %9s %9s %9s %10s %10s\n", "entries", "vectors", "p10 ms", "median", "p90 ms", "rss MB", "raw vec MB")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		home := filepath.Join(dir, fmt.Sprint(n))
		if err := prepare(ctx, home, n, dim); err != nil {
			return err
		}
		for _, mode := range []string{"builtin", "dense"} {
			ts, rss, err := timeAsks(bin, home, host, mode == "dense", runs)
			if err != nil {
				return fmt.Errorf("%d %s: %w", n, mode, err)
			}
			raw := 0.0
			if mode == "dense" {
				raw = float64(n*dim*4) / 1e6
			}
			fmt.Printf("%-8d %-8s %9.1f %9.1f %9.1f %10.1f %10.1f\n", n, mode, pct(ts, 10), pct(ts, 50), pct(ts, 90), slices.Max(rss), raw)
		}
	}
	return nil
}

// prepare builds the journal, the index and the dense vectors of a home,
// unless the journal already holds n entries.
func prepare(ctx context.Context, home string, n, dim int) error {
	entries := synth.Entries(n, 1, end)
	j, err := journal.Open(ctx, filepath.Join(home, "journal.db"))
	if err != nil {
		return err
	}
	st, err := j.Stats(ctx)
	if err == nil && st.MaxSeq < int64(n) {
		for k := 0; k < n; k += 5000 {
			if _, err = j.Add(ctx, entries[k:min(k+5000, n)]...); err != nil {
				break
			}
		}
	}
	if err != nil {
		j.Close()
		return fmt.Errorf("writing journal: %w", err)
	}
	// What `analyst index --no-ollama` does after capture (synthetic
	// entries have no repository to capture from).
	_, err = retrieval.Store{Dir: filepath.Join(home, "index"), Cat: catalog.Default()}.Refresh(ctx, j, retrieval.RefreshOptions{})
	j.Close()
	if err != nil {
		return fmt.Errorf("indexing: %w", err)
	}
	ds := &retrieval.DenseSet{Name: "ollama/" + model, Dim: dim, Vecs: map[string][]float32{}, Hash: map[string]uint64{}}
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for _, e := range entries {
		ds.Vecs[e.ID] = unit(r, dim)
		ds.Hash[e.ID] = 1
	}
	return ds.Save(retrieval.DensePath(filepath.Join(home, "index"), ds.Name))
}

func unit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var s float64
	for i := range v {
		x := r.NormFloat64()
		v[i] = float32(x)
		s += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(s))
	}
	return v
}

// timeAsks runs fresh ask processes and returns their wall times (ms) and
// peak RSS (MB). The first run is a warm-up and not counted.
func timeAsks(bin, home, host string, dense bool, runs int) ([]float64, []float64, error) {
	var ts, rss []float64
	for k := range runs + 1 {
		// Peak RSS through /usr/bin/time: a child's own ru_maxrss starts
		// from this process's peak (exec keeps the high-water mark of the
		// memory it replaces), and this process held the whole journal.
		rssFile := filepath.Join(home, "rss.txt")
		cmd := exec.Command("/usr/bin/time", "-f", "%M", "-o", rssFile,
			bin, "--home", home, "ask", "--no-llm", "--json", "orders: timeout after the deploy, users see errors under load")
		cmd.Dir = home
		cmd.Env = append(os.Environ(), "ANALYST_EMBED_MODEL="+model, "OLLAMA_HOST="+host)
		if !dense {
			cmd.Env = append(cmd.Env, "OLLAMA_HOST=127.0.0.1:1")
		}
		start := time.Now()
		out, err := cmd.Output()
		el := time.Since(start)
		if err != nil {
			return nil, nil, fmt.Errorf("analyst ask: %v", err)
		}
		var res struct {
			Models   struct{ Embed string }
			Suspects []json.RawMessage
		}
		if err := json.Unmarshal(out, &res); err != nil || len(res.Suspects) == 0 {
			return nil, nil, fmt.Errorf("analyst ask: bad answer %.200q", out)
		}
		if want := dense; want != strings.Contains(res.Models.Embed, model) {
			return nil, nil, fmt.Errorf("analyst ask ranked with %q", res.Models.Embed)
		}
		if k == 0 {
			continue
		}
		ts = append(ts, float64(el.Microseconds())/1e3)
		b, err := os.ReadFile(rssFile)
		if err != nil {
			return nil, nil, err
		}
		kb, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		if err != nil {
			return nil, nil, fmt.Errorf("reading peak RSS: %w", err)
		}
		rss = append(rss, kb/1024)
	}
	return ts, rss, nil
}

func pct(xs []float64, p int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// fakeOllama serves what ask asks of an Ollama embedder.
func fakeOllama(dim int) (string, func(), error) {
	r := rand.New(rand.NewPCG(1, 2))
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "Ollama is running") })
	mux.HandleFunc("/api/version", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"version":"0.17.4"}`) })
	mux.HandleFunc("/api/show", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"capabilities":["embedding"],"model_info":{"bert.context_length":2048}}`)
	})
	mux.HandleFunc("/api/embed", func(w http.ResponseWriter, req *http.Request) {
		var in struct{ Input any }
		json.NewDecoder(req.Body).Decode(&in)
		n := 1
		if xs, ok := in.Input.([]any); ok {
			n = len(xs)
		}
		out := struct {
			Model      string      `json:"model"`
			Embeddings [][]float32 `json:"embeddings"`
		}{Model: model}
		for range n {
			out.Embeddings = append(out.Embeddings, unit(r, dim))
		}
		json.NewEncoder(w).Encode(out)
	})
	srv := httptest.NewServer(mux)
	return strings.TrimPrefix(srv.URL, "http://"), srv.Close, nil
}
