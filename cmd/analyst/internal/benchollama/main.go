// Command benchollama measures how busy `analyst index` keeps a real Ollama
// server while it embeds. In one run it starts `ollama serve` (loopback
// only, see internal/ollamatest) with a generated bert-base-shaped model
// (768 wide, 12 layers, F16), so that the server, not its client, sets the
// pace, and times, alternately, on the same texts:
//
//   - raw: a minimal client posting /api/embed batches straight to the
//     server, back to back (-batch inputs a request, -conc requests in
//     flight);
//   - analyst: the dense pass of `analyst index` alone: retrieval.Store's
//     Refresh with the Ollama embedder over a journal holding the entries,
//     its lexical part already done, its vector file removed before each
//     round.
//
// It prints texts/s for every round, the medians and analyst's share of raw
// throughput.
//
//	ANALYST_OLLAMA_BIN=$(bash .ci/build-ollama) go run ./cmd/analyst/internal/benchollama
//
// (or `task bench-ollama`). The texts are synthetic entries (internal/synth)
// cut to their title and the first -body bytes of their body, with no diff
// or paths: short enough that each is one input to the model, and the same
// inputs on both sides.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/internal/ollamatest"
	"github.com/analyst-dev/analyst/internal/synth"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

var end = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

type config struct {
	n, rounds, batch, conc, threads, bodyBytes int
	explore                                    string
	f32                                        bool
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 48, "texts embedded by each side in each round")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds; each times both sides, alternating which goes first")
	flag.IntVar(&c.batch, "batch", 16, "raw: inputs per request")
	flag.IntVar(&c.conc, "conc", 1, "raw: requests in flight")
	flag.IntVar(&c.threads, "threads", 1, "the model's num_thread")
	flag.IntVar(&c.bodyBytes, "body", 0, "bytes of each entry's body kept in its text")
	flag.BoolVar(&c.f32, "f32", false, "F32 weights instead of F16")
	flag.StringVar(&c.explore, "explore", "", "only time raw with these batch/conc pairs first, e.g. 8/1,32/1,32/2,64/2")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "benchollama:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	bin, err := ollamatest.Binary()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "analyst-benchollama-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	t0 := time.Now()
	shape := ollamatest.BertBase
	shape.F16 = !c.f32
	srv, err := ollamatest.Launch(bin, filepath.Join(dir, "ollama"), ollamatest.Options{Embed: shape, NoChat: true, Threads: c.threads})
	if err != nil {
		return err
	}
	defer srv.Stop()
	// Stop the server on ^C too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fi, _ := os.Stat(filepath.Join(dir, "ollama", "src", "embed.gguf"))
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	fmt.Printf("server %s, model %s: bert-base shape %+v, %.0f MB, num_thread %d, ready in %.1fs\n",
		srv.Host, srv.EmbedModel, shape, float64(size)/1e6, c.threads, time.Since(t0).Seconds())

	home := filepath.Join(dir, "home")
	j, texts, err := prepare(ctx, home, c)
	if err != nil {
		return err
	}
	defer j.Close()
	var total int
	for _, t := range texts {
		total += len(t)
	}
	fmt.Printf("%d texts, %d bytes on average (synthetic entries: title and %d bytes of body)\n", len(texts), total/len(texts), c.bodyBytes)

	emb := embed.NewOllama(srv.Client(), srv.EmbedModel)
	ctxLen, err := emb.ContextLength(ctx)
	if err != nil {
		return err
	}
	raw := &rawClient{url: srv.URL().String() + "/api/embed", model: srv.EmbedModel, numCtx: ctxLen}
	// Warm: load the model with the options both sides send.
	t0 = time.Now()
	if err := raw.embed(ctx, texts[:2]); err != nil {
		return fmt.Errorf("warming the model: %w", err)
	}
	fmt.Printf("model loaded and warmed in %.1fs (context %d tokens)\n", time.Since(t0).Seconds(), ctxLen)

	if c.explore != "" {
		for _, p := range strings.Split(c.explore, ",") {
			var b, k int
			if _, err := fmt.Sscanf(p, "%d/%d", &b, &k); err != nil {
				return fmt.Errorf("-explore %q: %v", p, err)
			}
			d, err := raw.run(ctx, texts, b, k)
			if err != nil {
				return err
			}
			fmt.Printf("raw batch %3d conc %d: %6.2f texts/s\n", b, k, float64(len(texts))/d.Seconds())
		}
	}

	if c.rounds <= 0 {
		return nil
	}
	store := retrieval.Store{Dir: filepath.Join(home, "index"), Cat: catalog.Default()}
	analyst := func() (time.Duration, error) {
		// Only the vectors are missing: Refresh's lexical part finds
		// nothing new and the dense pass embeds every entry.
		if err := os.Remove(retrieval.DensePath(store.Dir, emb.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		t := time.Now()
		st, err := store.Refresh(ctx, j, retrieval.RefreshOptions{Dense: emb})
		d := time.Since(t)
		if err == nil && (st.Embedded != len(texts) || st.Indexed != 0) {
			err = fmt.Errorf("refresh embedded %d and indexed %d entries, want %d and 0", st.Embedded, st.Indexed, len(texts))
		}
		return d, err
	}
	rawRound := func() (time.Duration, error) { return raw.run(ctx, texts, c.batch, c.conc) }

	fmt.Printf("raw: batch %d, %d in flight; analyst: embed.Ollama defaults through Store.Refresh\n", c.batch, c.conc)
	var rawRates, anaRates []float64
	for r := range c.rounds {
		order := []string{"raw", "analyst"}
		if r%2 == 1 {
			order = []string{"analyst", "raw"}
		}
		for _, side := range order {
			f := rawRound
			if side == "analyst" {
				f = analyst
			}
			d, err := f()
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, side, err)
			}
			rate := float64(len(texts)) / d.Seconds()
			if side == "raw" {
				rawRates = append(rawRates, rate)
			} else {
				anaRates = append(anaRates, rate)
			}
			fmt.Printf("round %d %-7s %6.1fs %7.2f texts/s\n", r+1, side, d.Seconds(), rate)
		}
	}
	mr, ma := median(rawRates), median(anaRates)
	fmt.Printf("median: raw %.2f texts/s, analyst %.2f texts/s; analyst/raw = %.3f\n", mr, ma, ma/mr)
	if out, err := exec.Command("uptime").Output(); err == nil {
		fmt.Printf("load: %s", out)
	}
	return nil
}

// prepare writes the journal and its lexical index, as `analyst index
// --no-ollama` leaves them, and returns the journal and the texts the
// Ollama embedder will be sent, in the order the dense pass sends them.
func prepare(ctx context.Context, home string, c config) (*journal.Store, []string, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, nil, err
	}
	entries := synth.Entries(c.n, 1, end)
	for i := range entries {
		e := &entries[i]
		e.Body = cut(e.Body, c.bodyBytes)
		e.Diff, e.Paths = "", nil
	}
	j, err := journal.Open(ctx, filepath.Join(home, "journal.db"))
	if err != nil {
		return nil, nil, err
	}
	if _, err := j.Add(ctx, entries...); err != nil {
		j.Close()
		return nil, nil, err
	}
	store := retrieval.Store{Dir: filepath.Join(home, "index"), Cat: catalog.Default()}
	if _, err := store.Refresh(ctx, j, retrieval.RefreshOptions{}); err != nil {
		j.Close()
		return nil, nil, err
	}
	ix := retrieval.NewIndex(store.Cat)
	var texts []string
	err = j.List(ctx, journal.Filter{Oldest: true}, func(e journal.Entry) error {
		texts = append(texts, ix.TextForEmbedding(&e))
		return nil
	})
	if err == nil && len(texts) != c.n {
		err = fmt.Errorf("journal lists %d entries, want %d", len(texts), c.n)
	}
	if err != nil {
		j.Close()
		return nil, nil, err
	}
	return j, texts, nil
}

// cut returns s up to the last space within n bytes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return s
}

// rawClient posts /api/embed requests with nothing around them: the
// server's throughput as a client that does nothing else sees it.
type rawClient struct {
	url, model string
	numCtx     int
}

// run embeds texts in batches of batch with conc requests in flight.
func (c *rawClient) run(ctx context.Context, texts []string, batch, conc int) (time.Duration, error) {
	start := time.Now()
	next := make(chan []string)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for b := range next {
				if err := c.embed(ctx, b); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := 0; i < len(texts); i += batch {
		select {
		case next <- texts[i:min(i+batch, len(texts))]:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return time.Since(start), err
}

func (c *rawClient) embed(ctx context.Context, input []string) error {
	body, err := json.Marshal(map[string]any{"model": c.model, "input": input, "truncate": false, "options": map[string]any{"num_ctx": c.numCtx}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	var out struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	if len(out.Embeddings) != len(input) {
		return fmt.Errorf("%d embeddings for %d inputs", len(out.Embeddings), len(input))
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
