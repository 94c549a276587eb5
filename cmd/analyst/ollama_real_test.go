package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/scenarios"
	"github.com/analyst-dev/analyst/internal/ollamatest"
	"github.com/analyst-dev/analyst/retrieval"
)

// Tests against a real `ollama serve` (internal/ollamatest), skipped without
// a server binary. Its models have random weights and write gibberish, so
// these tests check protocol and shape — exit codes, the JSON contract,
// vector files, which models were used, warnings and hints — never words.

const realAt = "2026-11-04T00:00:00Z" // after every commit of buildSmallRepo

// realOllama starts a server, isolates the run and points analyst at the
// server's models. It returns the server, the analyst home and the indexed
// repository's entry ids.
func realOllama(t *testing.T) (*ollamatest.Server, string, map[string]bool) {
	t.Helper()
	srv := ollamatest.Start(t)
	work := setIsolatedEnv(t)
	t.Setenv("OLLAMA_HOST", srv.Host)
	t.Setenv("ANALYST_EMBED_MODEL", srv.EmbedModel)
	t.Setenv("ANALYST_CHAT_MODEL", srv.ChatModel)
	home := filepath.Join(work, "home")
	repo := buildSmallRepo(t, work)
	_, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo)
	if code != 0 || !strings.Contains(errOut, "ollama/"+srv.EmbedModel) {
		t.Fatalf("index with the real server: exit %d\n%s", code, errOut)
	}
	return srv, home, journalIDs(t, home)
}

// journalIDs returns the ids `log --json` lists.
func journalIDs(t *testing.T, home string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(mustRun(t, "--home", home, "log", "--json")))
	for sc.Scan() {
		var e struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			t.Fatalf("log --json line %q: %v", sc.Text(), err)
		}
		ids[e.ID] = true
	}
	return ids
}

// loadDense reads the Ollama embedder's vector file of a home.
func loadDense(t *testing.T, home, model string) *retrieval.DenseSet {
	t.Helper()
	// The file is named by the model and its digest, which the server says.
	files, _ := filepath.Glob(filepath.Join(home, "index", "vectors-ollama_"+model+"@*.bin"))
	if len(files) != 1 {
		t.Fatalf("vector files of ollama/%s@digest: %v, want one", model, files)
	}
	ds, err := retrieval.LoadDense(files[0])
	if err != nil {
		t.Fatalf("vectors of ollama/%s: %v", model, err)
	}
	return ds
}

// realEmbedName matches the name of the test server's embedder: the model
// and the first 12 digits of its digest.
func realEmbedName(model string) *regexp.Regexp {
	return regexp.MustCompile(`^ollama/` + regexp.QuoteMeta(model) + `@[0-9a-f]{12}$`)
}

// askReal runs `ask --json` at realAt and checks the contract.
func askReal(t *testing.T, home string, args ...string) (askJSON, string) {
	t.Helper()
	args = append([]string{"--home", home, "ask", "--json", "--at", realAt}, args...)
	out, errOut, code := analystRun(t, "", append(args, "API returns None after save")...)
	if code != 0 {
		t.Fatalf("ask: exit %d\n%s", code, errOut)
	}
	return askJSONOf(t, out), errOut
}

// checkModelFields checks what a model may have filled: only suspects from
// the journal, confidence in [0, 1], why only beside a confidence, and none
// of it when no chat model is reported.
func checkModelFields(t *testing.T, a askJSON, ids map[string]bool) {
	t.Helper()
	if len(a.Suspects) == 0 {
		t.Fatal("no suspects")
	}
	for _, s := range a.Suspects {
		if !ids[s.ID] {
			t.Errorf("suspect %q is not a journal entry", s.ID)
		}
		if s.Confidence != nil && (*s.Confidence < 0 || *s.Confidence > 1) {
			t.Errorf("suspect %s: confidence %v outside [0, 1]", s.ID, *s.Confidence)
		}
		if s.Why != "" && s.Confidence == nil {
			t.Errorf("suspect %s: a why without a confidence", s.ID)
		}
		if a.Models.Chat == "" && (s.Confidence != nil || s.Why != "") {
			t.Errorf("suspect %s has model fields but no chat model is reported", s.ID)
		}
	}
	if a.Models.Chat == "" && a.Summary != "" {
		t.Errorf("a summary but no chat model: %q", a.Summary)
	}
}

func TestRealOllamaIndexAndAsk(t *testing.T) {
	srv, home, ids := realOllama(t)
	if len(ids) != 4 {
		t.Fatalf("journal holds %d entries, want 4", len(ids))
	}

	// The index records the embedder's vectors with its name and dimension,
	// one unit vector per entry.
	ds := loadDense(t, home, srv.EmbedModel)
	if !realEmbedName(srv.EmbedModel).MatchString(ds.Name) || ds.Dim != ollamatest.EmbedDim || len(ds.Vecs) != len(ids) {
		t.Errorf("vector file: name %q, dimension %d, %d vectors; want ollama/%s@digest, %d, %d",
			ds.Name, ds.Dim, len(ds.Vecs), srv.EmbedModel, ollamatest.EmbedDim, len(ids))
	}
	for id, v := range ds.Vecs {
		if !ids[id] {
			t.Errorf("vector for %q, which is not in the journal", id)
		}
		var sum float64
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
		if math.Abs(sum-1) > 1e-3 {
			t.Errorf("vector of %s: squared norm %.4f, want 1", id, sum)
		}
	}
	// A second index embeds nothing again: the same vectors, bit for bit.
	mustRun(t, "--home", home, "index")
	again := loadDense(t, home, srv.EmbedModel)
	for id, v := range ds.Vecs {
		if !slices.Equal(again.Vecs[id], v) {
			t.Errorf("re-index changed the vector of %s", id)
		}
	}

	t.Run("ask json", func(t *testing.T) {
		a, errOut := askReal(t, home)
		t.Logf("models %+v, warnings %q", a.Models, a.Warnings)
		if !realEmbedName(srv.EmbedModel).MatchString(a.Models.Embed) {
			t.Errorf("models.embed = %q: the dense vectors did not rank", a.Models.Embed)
		}
		if len(a.Suspects) != len(ids) {
			t.Errorf("%d suspects, want all %d entries", len(a.Suspects), len(ids))
		}
		checkModelFields(t, a, ids)
		// The model's reply either parsed (the chat model is reported) or
		// was a model failure (cut by the token limit, or invalid): then a
		// warning says retrieval is shown, and a hint what to do.
		warned := strings.Contains(strings.Join(a.Warnings, "\n"), "showing retrieval only")
		switch a.Models.Chat {
		case srv.ChatModel:
			if warned {
				t.Errorf("explained, yet warned of retrieval only: %q", a.Warnings)
			}
		case "":
			if !warned || !strings.Contains(errOut, "hint:") {
				t.Errorf("no explanation and no warning saying so: %q\n%s", a.Warnings, errOut)
			}
		default:
			t.Errorf("models.chat = %q", a.Models.Chat)
		}
		// The same question gives the same answer: seed and temperature are fixed.
		b, _ := askReal(t, home)
		if b.Models != a.Models || b.Summary != a.Summary || len(b.Suspects) != len(a.Suspects) {
			t.Errorf("asked twice, answered differently: %+v / %+v", a.Models, b.Models)
		}
	})

	t.Run("ask text", func(t *testing.T) {
		out, errOut, code := analystRun(t, "", "--home", home, "ask", "--at", realAt, "API returns None after save")
		if code != 0 {
			t.Fatalf("ask: exit %d\n%s", code, errOut)
		}
		for _, title := range []string{"Speed up order writes", "Add prod config", "Add app entry point", "Document the service"} {
			if !strings.Contains(out, title) {
				t.Errorf("text answer lacks suspect %q:\n%s", title, out)
			}
		}
		if strings.Contains(out, `"suspects"`) {
			t.Errorf("text answer holds JSON:\n%s", out)
		}
	})

	// Nothing related: the model reads what went live too, and what it
	// adds to the suspects comes from there.
	t.Run("nothing related", func(t *testing.T) {
		out, errOut, code := analystRun(t, "", "--home", home, "ask", "--json", "--top", "1", "--at", realAt, "everything froze")
		if code != 0 {
			t.Fatalf("ask: exit %d\n%s", code, errOut)
		}
		a := askJSONOf(t, out)
		t.Logf("models %+v, warnings %q, %d suspects", a.Models, a.Warnings, len(a.Suspects))
		if a.Related || len(a.WentLive) == 0 {
			t.Fatalf("related %v, went_live %+v: want nothing related and what went live", a.Related, a.WentLive)
		}
		checkModelFields(t, a, ids)
		live := make(map[string]bool)
		for _, c := range a.WentLive {
			live[c.ID] = true
		}
		chosen := 0
		for _, s := range a.Suspects {
			if strings.Contains(strings.Join(s.Reasons, "\n"), "chosen by the model from what went live") {
				chosen++
				if !live[s.ID] || s.Confidence == nil {
					t.Errorf("suspect %s was chosen from what went live, but is not there or has no confidence", s.ID)
				}
			}
		}
		if len(a.Suspects) != 1+chosen {
			t.Errorf("%d suspects: the closest one and %d chosen by the model; want no others", len(a.Suspects), chosen)
		}
	})

	t.Run("no-llm", func(t *testing.T) {
		a, errOut := askReal(t, home, "--no-llm")
		if !realEmbedName(srv.EmbedModel).MatchString(a.Models.Embed) || a.Models.Chat != "" || len(a.Warnings) != 0 {
			t.Errorf("--no-llm: models %+v, warnings %q", a.Models, a.Warnings)
		}
		if strings.Contains(errOut, "hint:") {
			t.Errorf("--no-llm hints:\n%s", errOut)
		}
		checkModelFields(t, a, ids)
	})
}

// Models the server does not have, or that cannot do the job, are model
// failures with a message saying what to do; retrieval still answers.
func TestRealOllamaModelFailures(t *testing.T) {
	srv, home, ids := realOllama(t)

	t.Run("unknown chat model", func(t *testing.T) {
		t.Setenv("ANALYST_CHAT_MODEL", "no-such-chat")
		a, errOut := askReal(t, home)
		warnings := strings.Join(a.Warnings, "\n")
		if a.Models.Chat != "" || !strings.Contains(warnings, "ollama pull no-such-chat") {
			t.Errorf("unknown chat model: models %+v, warnings %q", a.Models, a.Warnings)
		}
		if !strings.Contains(errOut, "hint:") || !strings.Contains(errOut, "ollama pull no-such-chat") {
			t.Errorf("no hint naming the pull:\n%s", errOut)
		}
		checkModelFields(t, a, ids)
	})

	t.Run("unknown embedding model", func(t *testing.T) {
		t.Setenv("ANALYST_EMBED_MODEL", "no-such-embed")
		_, errOut, code := analystRun(t, "", "--home", home, "index", "--full")
		if code != 0 || !strings.Contains(errOut, "hint: ollama pull no-such-embed") {
			t.Errorf("index with an unknown embedding model: exit %d\n%s", code, errOut)
		}
		a, _ := askReal(t, home, "--no-llm")
		if a.Models.Embed != "builtin" {
			t.Errorf("ranked with %q, want the built-in vectors", a.Models.Embed)
		}
		checkModelFields(t, a, ids)
	})

	t.Run("chat with the embedding model", func(t *testing.T) {
		// The server refuses with 400: a model failure, not a crash.
		t.Setenv("ANALYST_CHAT_MODEL", srv.EmbedModel)
		a, errOut := askReal(t, home)
		if a.Models.Chat != "" || !strings.Contains(strings.Join(a.Warnings, "\n"), srv.EmbedModel+" cannot chat") {
			t.Errorf("chat with an embedding model: models %+v, warnings %q\n%s", a.Models, a.Warnings, errOut)
		}
		checkModelFields(t, a, ids)
	})

	t.Run("embed with the chat model", func(t *testing.T) {
		t.Setenv("ANALYST_EMBED_MODEL", srv.ChatModel)
		_, errOut, code := analystRun(t, "", "--home", home, "index", "--full")
		if code != 0 || !strings.Contains(errOut, "is not an embedding model") || !strings.Contains(errOut, "hint:") {
			t.Errorf("index with a chat model as embedder: exit %d\n%s", code, errOut)
		}
	})
}

// A server that dies while analyst waits for it costs the explanation or the
// new vectors, never the answer.
func TestRealOllamaKilledMidRequest(t *testing.T) {
	t.Run("during the explanation", func(t *testing.T) {
		srv, home, ids := realOllama(t)
		relay := srv.KillOnRequest(t, "POST /api/chat")
		t.Setenv("OLLAMA_HOST", relay)
		a, errOut := askReal(t, home)
		t.Logf("models %+v, warnings %q", a.Models, a.Warnings)
		if srv.Running() {
			t.Fatal("the server was never killed: no chat request passed")
		}
		// The question was embedded before the chat began.
		if !realEmbedName(srv.EmbedModel).MatchString(a.Models.Embed) || a.Models.Chat != "" {
			t.Errorf("models %+v", a.Models)
		}
		want := "Ollama at http://" + relay + " stopped answering: showing retrieval only"
		if !slices.Equal(a.Warnings, []string{want}) || !strings.Contains(errOut, "analyst: "+want+"\n") {
			t.Errorf("warnings %q, want only %q\n%s", a.Warnings, want, errOut)
		}
		checkModelFields(t, a, ids)

		// With the server gone, the next ask says it is unreachable and
		// ranks with the built-in vectors.
		a, _ = askReal(t, home)
		if a.Models.Embed != "builtin" || !strings.Contains(strings.Join(a.Warnings, "\n"), "unreachable") {
			t.Errorf("server gone: models %+v, warnings %q", a.Models, a.Warnings)
		}
		checkModelFields(t, a, ids)
	})

	t.Run("during indexing", func(t *testing.T) {
		srv := ollamatest.Start(t)
		work := setIsolatedEnv(t)
		t.Setenv("OLLAMA_HOST", srv.KillOnRequest(t, "POST /api/embed"))
		t.Setenv("ANALYST_EMBED_MODEL", srv.EmbedModel)
		home := filepath.Join(work, "home")
		repo := buildSmallRepo(t, work)
		_, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo)
		if code != 0 || srv.Running() {
			t.Fatalf("index: exit %d, server running %v\n%s", code, srv.Running(), errOut)
		}
		if !regexp.MustCompile(`embedding with ollama/`+regexp.QuoteMeta(srv.EmbedModel)+`@[0-9a-f]{12} failed`).MatchString(errOut) || !strings.Contains(errOut, "hint:") {
			t.Errorf("no warning that embedding failed:\n%s", errOut)
		}
		a, _ := askReal(t, home, "--no-llm")
		if a.Models.Embed != "builtin" || len(a.Suspects) != 4 {
			t.Errorf("after a failed embedding: models %+v, %d suspects", a.Models, len(a.Suspects))
		}
	})
}

// BenchmarkRealOllamaEmbed compares how fast `analyst index --full` embeds a
// history (the scenario repository, about 280 entries) with how fast the
// same server embeds the very same requests sent straight to /api/embed, in
// one run:
//
//	ANALYST_OLLAMA_BIN=$(bash .ci/build-ollama) go test -run '^$' -bench RealOllama -benchtime 3x ./cmd/analyst
//
// The requests are recorded on their way from one `index --full` to the
// server, then replayed as they were. "index-builtin" is the command
// without Ollama: what indexing costs besides embedding.
func BenchmarkRealOllamaEmbed(b *testing.B) {
	srv := ollamatest.Start(b)
	work := b.TempDir()
	b.Chdir(work)
	for _, kv := range isolatedEnv(work) {
		k, v, _ := strings.Cut(kv, "=")
		b.Setenv(k, v)
	}
	b.Setenv("ANALYST_EMBED_MODEL", srv.EmbedModel)
	ctx := context.Background()
	h, err := scenarios.Build(ctx, filepath.Join(work, "src"), time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	home := filepath.Join(work, "home")
	// runB runs analyst and fails unless it exits 0 and, when it embeds with
	// Ollama, the embedding succeeds (index degrades to a warning).
	runB := func(args ...string) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"analyst", "--home", home}, args...), strings.NewReader(""), &out, &errb)
		if code != 0 || strings.Contains(errb.String(), "failed") {
			b.Fatalf("analyst %v: exit %d\n%s", args, code, errb.String())
		}
	}
	runB("index", "--no-ollama", "--repo", h.Repo)

	// Record the embedding requests of one full index.
	var mu sync.Mutex
	var recorded []api.EmbedRequest
	proxy := httputil.NewSingleHostReverseProxy(srv.URL())
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/embed" {
			body, _ := io.ReadAll(r.Body)
			var req api.EmbedRequest
			if err := json.Unmarshal(body, &req); err == nil {
				mu.Lock()
				recorded = append(recorded, req)
				mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	b.Setenv("OLLAMA_HOST", rec.URL)
	runB("index", "--full")
	rec.Close()
	b.Setenv("OLLAMA_HOST", srv.Host)
	var texts int
	for _, req := range recorded {
		texts += len(req.Input.([]any))
	}
	if texts == 0 {
		b.Fatal("index sent no embedding requests")
	}
	perSecond := func(b *testing.B) {
		b.ReportMetric(float64(texts*b.N)/b.Elapsed().Seconds(), "texts/s")
	}

	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			runB("index", "--full")
		}
		perSecond(b)
	})
	b.Run("index-builtin", func(b *testing.B) {
		for b.Loop() {
			runB("index", "--full", "--no-ollama")
		}
		perSecond(b)
	})
	b.Run("api-embed", func(b *testing.B) {
		c := srv.Client()
		for b.Loop() {
			for _, req := range recorded {
				if _, err := c.Embed(ctx, &req); err != nil {
					b.Fatal(err)
				}
			}
		}
		perSecond(b)
	})
}
