package embed_test

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"

	"github.com/analyst-dev/analyst/embed"
)

// fakeServer speaks /api/show and /api/embed with the api package's types,
// records every embed request, and misbehaves on demand. It refuses a whole
// request, as the real server does, when any input holds refuseMark.
type fakeServer struct {
	ctxLen int    // model_info's context_length; 0 leaves it out
	params string // Show's parameters
	// refuse, when set, makes the server answer 400 to a request with an
	// input it matches.
	refuse func(input string) bool
	// fail answers every embed request with this status (e.g. 500).
	fail int
	// hang keeps every embed request open until the client gives up.
	hang bool
	// hangup closes the connection on every embed request.
	hangup bool

	mu       sync.Mutex
	requests [][]string
	options  []map[string]any
	truncate []*bool
}

func (f *fakeServer) start(t *testing.T) *embed.Ollama {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return embed.NewOllama(api.NewClient(u, srv.Client()), "fake-embed")
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/show":
		resp := api.ShowResponse{Capabilities: []model.Capability{"embedding"}, Parameters: f.params,
			ModelInfo: map[string]any{"general.architecture": "bert", "bert.embedding_length": 8}}
		if f.ctxLen > 0 {
			resp.ModelInfo["bert.context_length"] = f.ctxLen
		}
		json.NewEncoder(w).Encode(resp)
	case "/api/embed":
		var req api.EmbedRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		var inputs []string
		for _, x := range req.Input.([]any) {
			inputs = append(inputs, x.(string))
		}
		f.mu.Lock()
		f.requests = append(f.requests, inputs)
		f.options = append(f.options, req.Options)
		f.truncate = append(f.truncate, req.Truncate)
		f.mu.Unlock()
		switch {
		case f.hang:
			<-r.Context().Done()
			return
		case f.hangup:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case f.fail != 0:
			w.WriteHeader(f.fail)
			w.Write([]byte(`{"error":"llama runner process has terminated"}`))
			return
		}
		for _, in := range inputs {
			if f.refuse != nil && f.refuse(in) {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"error":"the input length exceeds the context length"}`))
				return
			}
		}
		resp := api.EmbedResponse{Model: req.Model}
		for _, in := range inputs {
			resp.Embeddings = append(resp.Embeddings, fakeVector(in))
		}
		json.NewEncoder(w).Encode(resp)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeServer) inputs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []string
	for _, r := range f.requests {
		all = append(all, r...)
	}
	return all
}

// fakeVector is a deterministic unit vector of a text's words, as the
// server would return it (normalised).
func fakeVector(s string) []float32 {
	v := make([]float32, 8)
	for _, w := range strings.Fields(strings.ToLower(s)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%8]++
	}
	v[0] += 0.5 // never zero
	return embed.Normalize(v)
}

func approxEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d > 1e-5 || d < -1e-5 {
			return false
		}
	}
	return true
}

func TestOllamaReadsContextLength(t *testing.T) {
	for _, tc := range []struct {
		ctxLen int
		params string
		want   int
	}{
		{2048, "", 2048},
		{2048, "num_ctx                        8192\nnum_thread 1", 2048},
		{8192, "num_thread 1\nnum_ctx 4096", 4096},
		{0, "num_ctx 1024", 1024},
		{0, "", 0},
	} {
		f := &fakeServer{ctxLen: tc.ctxLen, params: tc.params}
		o := f.start(t)
		if err := o.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, _ := o.ContextLength(context.Background()); got != tc.want {
			t.Errorf("context_length %d, parameters %q: ContextLength %d, want %d", tc.ctxLen, tc.params, got, tc.want)
		}
	}
}

// A text longer than the model's context goes out as several inputs that
// each fit, its vector is the normalised mean of theirs, and no request asks
// the server to truncate.
func TestOllamaChunksLongText(t *testing.T) {
	const ctxLen = 256
	f := &fakeServer{ctxLen: ctxLen}
	o := f.start(t)
	o.Batch = 4
	var sb strings.Builder
	for i := 0; sb.Len() < 1500; i++ {
		sb.WriteString("line ")
		sb.WriteString(strings.Repeat("x", i%7+1))
		sb.WriteString(" of the order service changes\n")
	}
	long := sb.String()
	vecs, err := o.Embed(context.Background(), []string{"short one", long, "another short"}, embed.Document)
	if err != nil {
		t.Fatal(err)
	}
	inputs := f.inputs()
	if len(inputs) < 2+1500/ctxLen {
		t.Fatalf("%d inputs for a 1,500-byte text and two short ones with a %d-token context", len(inputs), ctxLen)
	}
	var pieces []string
	for _, in := range inputs {
		// One token a byte at most, and room for the special tokens.
		if len(in) > ctxLen-8 {
			t.Errorf("an input of %d bytes for a %d-token context", len(in), ctxLen)
		}
		if in != "short one" && in != "another short" {
			pieces = append(pieces, in)
		}
	}
	if got := strings.Join(pieces, ""); strings.ReplaceAll(got, "\n", "") != strings.ReplaceAll(long, "\n", "") {
		t.Errorf("the chunks do not add up to the text")
	}
	want := make([]float32, 8)
	for _, p := range pieces {
		for i, x := range fakeVector(p) {
			want[i] += x
		}
	}
	embed.Normalize(want)
	if !approxEqual(vecs[1], want) {
		t.Errorf("vector of the long text %v, want the normalised mean of its chunks' %v", vecs[1], want)
	}
	if !approxEqual(vecs[0], fakeVector("short one")) || !approxEqual(vecs[2], fakeVector("another short")) {
		t.Error("short texts' vectors are not the server's")
	}
	for i, opt := range f.options {
		if opt["num_ctx"] != float64(ctxLen) {
			t.Errorf("request %d options %v, want num_ctx %d", i, opt, ctxLen)
		}
		if tr := f.truncate[i]; tr == nil || *tr {
			t.Errorf("request %d leaves truncation to the server", i)
		}
	}
	for i, r := range f.requests {
		if len(r) > o.Batch {
			t.Errorf("request %d has %d inputs, batch is %d", i, len(r), o.Batch)
		}
	}

	// At most MaxChunks chunks of one text: the rest is left out.
	f.requests = nil
	o.MaxChunks = 3
	if _, err := o.Embed(context.Background(), []string{long + "TAILMARK"}, embed.Document); err != nil {
		t.Fatal(err)
	}
	if in := f.inputs(); len(in) != 3 || strings.Contains(strings.Join(in, ""), "TAILMARK") {
		t.Errorf("with MaxChunks 3: %d inputs, tail sent %v", len(in), strings.Contains(strings.Join(in, ""), "TAILMARK"))
	}
}

// Long unbroken words (minified code, base64) and multi-byte text reach the
// server broken into short words of valid UTF-8.
func TestOllamaBreaksLongWords(t *testing.T) {
	f := &fakeServer{ctxLen: 2048}
	o := f.start(t)
	b64 := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw", 100) // 4,400 bytes
	cjk := strings.Repeat("保存した後にAPIがNoneを返す", 150)                            // no spaces, multi-byte
	hash := strings.Repeat("0123456789abcdef", 4)                              // 64 bytes: a sha256 stays whole
	if _, err := o.Embed(context.Background(), []string{"config " + b64 + " end", cjk, "revert " + hash}, embed.Document); err != nil {
		t.Fatal(err)
	}
	all := f.inputs()
	for _, in := range all {
		if !utf8.ValidString(in) {
			t.Errorf("invalid UTF-8 sent: %q", in[:40])
		}
		for _, w := range strings.Fields(in) {
			if len(w) > 100 {
				t.Errorf("a word of %d bytes was sent", len(w))
			}
		}
	}
	if !strings.Contains(strings.Join(all, "\n"), hash) {
		t.Error("a 64-character hash was broken up")
	}
}

// A text the model refuses even alone is skipped, reported, and does not
// cost the others their vectors; its first line stands in for it when the
// model takes that.
func TestOllamaRefusedTextSkipped(t *testing.T) {
	f := &fakeServer{ctxLen: 2048, refuse: func(in string) bool { return strings.Contains(in, "POISON") }}
	o := f.start(t)
	texts := []string{"fix the write concern", "POISON in the title\nand the body", "lower the timeout", "a fine title\nPOISON only in the body"}
	vecs, err := o.Embed(context.Background(), texts, embed.Document)
	var re *embed.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("Embed: %v, want *RefusedError", err)
	}
	if !slices.Equal(re.Index, []int{1, 3}) || !strings.Contains(re.Error(), "exceeds the context length") {
		t.Errorf("refused %v (%v), want texts 1 and 3 with the server's reason", re.Index, re)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for _, i := range []int{0, 2} {
		if !approxEqual(vecs[i], fakeVector(texts[i])) {
			t.Errorf("text %d lost its vector to a refused neighbour", i)
		}
	}
	if vecs[1] != nil {
		t.Errorf("a text refused whole, first line too, got a vector")
	}
	if !approxEqual(vecs[3], fakeVector("a fine title")) {
		t.Errorf("the text refused in its body did not get its first line's vector")
	}

	// A model that refuses everything is broken, not fed bad input.
	f.refuse = func(string) bool { return true }
	if _, err := o.Embed(context.Background(), texts[:2], embed.Document); err == nil || errors.As(err, &re) {
		t.Errorf("every text refused: %v, want a plain error", err)
	}
}

// A server that takes a request and never answers fails it once the request's
// bound passes, with an error naming the server and what happened.
func TestOllamaHungServerTimesOut(t *testing.T) {
	f := &fakeServer{ctxLen: 2048, hang: true}
	o := f.start(t)
	if err := o.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	o.Timeout, o.PerInput = 20*time.Millisecond, 0
	_, err := o.Embed(context.Background(), []string{"a", "b"}, embed.Document)
	var se *embed.ServerError
	if !errors.As(err, &se) || !errors.Is(err, embed.ErrStalled) || !errors.Is(err, embed.ErrUnreachable) {
		t.Fatalf("Embed on a hung server: %v, want a stalled *ServerError", err)
	}
	if !strings.Contains(err.Error(), "Ollama at "+se.Host+" stopped answering") || !strings.HasPrefix(se.Host, "127.0.0.1:") {
		t.Errorf("message %q does not say which server stopped answering", err)
	}
}

func TestOllamaServerErrors(t *testing.T) {
	ctx := context.Background()
	var se *embed.ServerError

	// The connection dropped mid-request: the server died.
	f := &fakeServer{ctxLen: 2048, hangup: true}
	_, err := f.start(t).Embed(ctx, []string{"a"}, embed.Document)
	if !errors.As(err, &se) || errors.Is(err, embed.ErrStalled) || !strings.Contains(err.Error(), "stopped answering (connection closed)") {
		t.Errorf("connection closed: %v", err)
	}

	// Nothing listens.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	o := embed.NewOllama(api.NewClient(&url.URL{Scheme: "http", Host: addr}, http.DefaultClient), "m")
	if err := o.Check(ctx); !errors.As(err, &se) || se.Host != addr || !strings.Contains(err.Error(), "refused the connection") {
		t.Errorf("nothing listening: %v", err)
	}

	// The model fails (HTTP 500 for everything): a model error, not a dead
	// server, and not a refusal of some texts.
	f = &fakeServer{ctxLen: 2048, fail: http.StatusInternalServerError}
	_, err = f.start(t).Embed(ctx, []string{"a", "b"}, embed.Document)
	var re *embed.RefusedError
	if err == nil || errors.As(err, &se) || errors.As(err, &re) || embed.IsUnreachable(err) ||
		!strings.Contains(err.Error(), "model fake-embed failed: llama runner process has terminated (HTTP 500)") {
		t.Errorf("model failing: %v", err)
	}

	// A cancelled caller gets its own error back.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	f = &fakeServer{ctxLen: 2048}
	if _, err := f.start(t).Embed(cctx, []string{"a"}, embed.Document); !errors.Is(err, context.Canceled) || errors.As(err, &se) {
		t.Errorf("cancelled: %v", err)
	}
}
