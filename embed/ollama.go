package embed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"
)

// DefaultOllamaModel is the embedding model used when none is configured: small,
// fast on a CPU, with a long context and query/document prefixes.
const DefaultOllamaModel = "nomic-embed-text"

// ErrUnreachable means no Ollama server answered.
var ErrUnreachable = errors.New("ollama unreachable")

// ModelMissingError means the server answered but lacks the model.
type ModelMissingError struct{ Model string }

func (e *ModelMissingError) Error() string { return fmt.Sprintf("model %q is not pulled", e.Model) }

// NotEmbeddingError means the model exists but does not embed.
type NotEmbeddingError struct{ Model string }

func (e *NotEmbeddingError) Error() string {
	return fmt.Sprintf("model %q is not an embedding model", e.Model)
}

// ErrStalled means the server took a request and gave no answer in time: it
// hangs or is overloaded. Errors that match it match ErrUnreachable too.
var ErrStalled = errors.New("ollama stopped answering")

// ServerError means the Ollama server could not be reached or stopped
// answering: no model was at fault. It matches ErrUnreachable (and
// ErrStalled when the server hung) with errors.Is, and its cause.
type ServerError struct {
	// Host is the server's host:port.
	Host string
	// What says what happened, e.g. "stopped answering (no reply in 1m4s)".
	What string
	// Stalled is set when the server took the request and never answered.
	Stalled bool
	// Err is the transport's error.
	Err error
}

func (e *ServerError) Error() string { return "Ollama at " + e.Host + " " + e.What }

// Unwrap returns ErrUnreachable, ErrStalled when the server hung, and the
// cause.
func (e *ServerError) Unwrap() []error {
	if e.Stalled {
		return []error{ErrUnreachable, ErrStalled, e.Err}
	}
	return []error{ErrUnreachable, e.Err}
}

// RefusedError reports texts the model refused even when sent alone (input
// too long for it, a tokenizer failure) while the others were embedded.
// Embed returns it with a vector for every other text; at each refused
// position the vector is made from what the model accepted (its other
// chunks, else the text's first line), or is nil when it accepted nothing.
type RefusedError struct {
	Model string
	Index []int // positions of the refused texts, ascending
	Err   error // the model's answer to the last refused text
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("model %s refused %d texts: %v", e.Model, len(e.Index), e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// Ollama embeds through a local Ollama server's /api/embed, in batches.
//
// Texts are fitted to the model's context here (see chunk.go): each is cut
// into chunks that fit, the chunks are embedded, and a text's vector is the
// normalised mean of its chunks' vectors. The server's own truncation is
// never relied on (requests ask for none).
type Ollama struct {
	client *api.Client
	model  string
	// Batch is how many inputs (chunks) go in one request. Default 32:
	// large enough to keep the server busy, small enough that one failure
	// costs little.
	Batch int
	// MaxChunks is how many chunks of one text are embedded; the rest of a
	// longer text is left out. Default 8: with nomic-embed-text's 2,048
	// tokens that is 14 KB of text, more than analyst sends for one change.
	MaxChunks int
	// Timeout bounds each request, plus PerInput for each input in it.
	// Defaults 60 s and 2 s: the first request loads the model, and a CPU
	// embeds a full chunk in about a second. A request over its bound fails
	// with a *ServerError matching ErrStalled.
	Timeout, PerInput time.Duration

	mu     sync.Mutex
	ctxLen int    // the model's context in tokens; 0 until asked
	digest string // the model's digest, first 12 digits; "" until Check
}

// NewOllama returns an embedder for model on the server client talks to.
func NewOllama(client *api.Client, model string) *Ollama {
	if model == "" {
		model = DefaultOllamaModel
	}
	return &Ollama{client: client, model: model, Batch: 32, MaxChunks: 8, Timeout: 60 * time.Second, PerInput: 2 * time.Second}
}

// Name is "ollama/" and the model name, and, once Check learnt it, "@"
// and the first 12 digits of the model's digest: a model pulled again
// with other weights under the same name is another embedder, whose
// vectors are never mixed with the old ones.
func (o *Ollama) Name() string {
	o.mu.Lock()
	d := o.digest
	o.mu.Unlock()
	if d == "" {
		return "ollama/" + o.model
	}
	return "ollama/" + o.model + "@" + d
}

// LearnDigest asks the server which digest the model has (the list of
// local models). A server that does not say leaves it unknown.
func (o *Ollama) LearnDigest(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, o.requestTimeout(0))
	defer cancel()
	list, err := o.client.List(rctx)
	if err != nil {
		return
	}
	want := o.model
	if !strings.Contains(want, ":") {
		want += ":latest"
	}
	for _, m := range list.Models {
		if (m.Name == o.model || m.Name == want || m.Model == o.model || m.Model == want) && len(m.Digest) >= 12 {
			o.mu.Lock()
			o.digest = strings.TrimPrefix(m.Digest, "sha256:")[:12]
			o.mu.Unlock()
			return
		}
	}
}

// Model returns the model name.
func (o *Ollama) Model() string { return o.model }

// Check asks the server whether the model is present and embeds, and learns
// its context length. It returns a *ServerError (matching ErrUnreachable),
// *ModelMissingError or *NotEmbeddingError.
//
// It also learns the model's digest, which Name then carries.
func (o *Ollama) Check(ctx context.Context) error {
	resp, err := o.show(ctx)
	if err != nil {
		return err
	}
	if len(resp.Capabilities) > 0 && !slices.Contains(resp.Capabilities, "embedding") {
		return &NotEmbeddingError{Model: o.model}
	}
	o.LearnDigest(ctx)
	return nil
}

// ContextLength returns the model's context in tokens as the server reports
// it (the smaller of the model's trained context and a num_ctx parameter),
// asking the server the first time; 0 when the server does not say.
func (o *Ollama) ContextLength(ctx context.Context) (int, error) {
	o.mu.Lock()
	n := o.ctxLen
	o.mu.Unlock()
	if n != 0 {
		return max(n, 0), nil
	}
	if _, err := o.show(ctx); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return max(o.ctxLen, 0), nil
}

// show asks the server about the model and records its context length.
func (o *Ollama) show(ctx context.Context) (*api.ShowResponse, error) {
	rctx, cancel := context.WithTimeout(ctx, o.requestTimeout(0))
	defer cancel()
	resp, err := o.client.Show(rctx, &api.ShowRequest{Model: o.model})
	if err != nil {
		return nil, o.classify(ctx, err, o.requestTimeout(0))
	}
	n := contextLength(resp)
	o.mu.Lock()
	o.ctxLen = n
	if n == 0 {
		o.ctxLen = -1 // asked, not said
	}
	o.mu.Unlock()
	return resp, nil
}

// contextLength reads a model's context from Show: the model_info key ending
// in ".context_length", and the num_ctx parameter when it is smaller.
func contextLength(resp *api.ShowResponse) int {
	n := 0
	for k, v := range resp.ModelInfo {
		if !strings.HasSuffix(k, ".context_length") {
			continue
		}
		switch x := v.(type) {
		case float64:
			n = int(x)
		case int:
			n = x
		case int64:
			n = int(x)
		case uint32:
			n = int(x)
		}
	}
	for _, line := range strings.Split(resp.Parameters, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "num_ctx" {
			if c, err := strconv.Atoi(f[1]); err == nil && c > 0 && (n == 0 || c < n) {
				n = c
			}
		}
	}
	return n
}

// requestTimeout bounds a request carrying n inputs.
func (o *Ollama) requestTimeout(n int) time.Duration {
	t := o.Timeout
	if t <= 0 {
		t = 60 * time.Second
	}
	return t + time.Duration(n)*max(o.PerInput, 0)
}

// classify maps transport and HTTP errors of a request made under ctx with
// the given bound to the package's errors.
func (o *Ollama) classify(ctx context.Context, err error, bound time.Duration) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se api.StatusError
	if errors.As(err, &se) {
		if se.StatusCode == http.StatusNotFound {
			return &ModelMissingError{Model: o.model}
		}
		return &modelError{model: o.model, status: se.StatusCode, msg: strings.TrimSpace(se.ErrorMessage)}
	}
	host := "the configured address"
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
	}
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &ServerError{Host: host, What: fmt.Sprintf("stopped answering (no reply in %s)", bound.Round(time.Second)), Stalled: true, Err: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &ServerError{Host: host, What: "refused the connection (is it running?)", Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return &ServerError{Host: host, What: "stopped answering (connection closed)", Err: err}
	case errors.As(err, &dns):
		return &ServerError{Host: host, What: "could not be found: " + dns.Error(), Err: err}
	case IsUnreachable(err):
		return &ServerError{Host: host, What: "could not be reached: " + err.Error(), Err: err}
	}
	return err
}

// modelError is an HTTP error from the server about a request: the model or
// its input, not the connection.
type modelError struct {
	model  string
	status int
	msg    string
}

func (e *modelError) Error() string {
	return fmt.Sprintf("model %s failed: %s (HTTP %d)", e.model, e.msg, e.status)
}

// aboutInput reports whether err is the server refusing the input rather
// than failing as a whole: a 400, 413 or 422, or a 500 (llama.cpp's runner
// reports over-long input and tokenizer failures that way).
func aboutInput(err error) bool {
	var me *modelError
	if !errors.As(err, &me) {
		return false
	}
	switch me.status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusInternalServerError:
		return true
	}
	return false
}

// IsUnreachable reports whether err means the server could not be reached
// or stopped answering (refused, no route, DNS failure, connection closed,
// no reply in time).
func IsUnreachable(err error) bool {
	if errors.Is(err, ErrUnreachable) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var ne *net.OpError
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// Embed returns one unit vector per text. Each text is cut into chunks that
// fit the model's context (at most MaxChunks), sent in batches of Batch
// inputs, and its chunks' vectors are averaged.
//
// A batch the model refuses is sent again one input at a time. Texts that
// are still refused are reported in a *RefusedError returned with the other
// vectors (see RefusedError). When the model refuses everything it is sent,
// Embed fails instead: that is a broken model, not bad input. A server that
// cannot be reached or stops answering fails the call with a *ServerError.
func (o *Ollama) Embed(ctx context.Context, texts []string, p Purpose) ([][]float32, error) {
	ctxLen, err := o.ContextLength(ctx)
	if err != nil {
		return nil, err
	}
	prefix := o.prefix(p)
	size := chunkBytes(ctxLen, len(prefix))
	maxChunks := o.MaxChunks
	if maxChunks <= 0 {
		maxChunks = 8
	}
	var inputs []string
	var owner []int
	prepared := make([]string, len(texts))
	for i, t := range texts {
		prepared[i] = breakLongWords(strings.ToValidUTF8(t, ""))
		for _, c := range chunk(prepared[i], size, maxChunks) {
			inputs = append(inputs, prefix+c)
			owner = append(owner, i)
		}
	}
	b := &batcher{o: o, ctxLen: ctxLen}
	vecs, err := b.embedAll(ctx, inputs)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	counts := make([]int, len(texts))
	var bad []int
	for k, v := range vecs {
		i := owner[k]
		if v == nil {
			if len(bad) == 0 || bad[len(bad)-1] != i {
				bad = append(bad, i)
			}
			continue
		}
		if out[i] == nil {
			out[i] = make([]float32, len(v))
		}
		for d, x := range v {
			out[i][d] += x
		}
		counts[i]++
	}
	for _, i := range bad {
		if counts[i] > 0 {
			continue
		}
		// Nothing of the text was accepted: try its first line alone.
		head := prepared[i]
		if j := strings.IndexByte(head, '\n'); j >= 0 {
			head = head[:j]
		}
		head = chunk(head, min(size, 256), 1)[0]
		v, err := b.embedAll(ctx, []string{prefix + head})
		if err != nil {
			return nil, err
		}
		if v[0] != nil {
			out[i], counts[i] = v[0], 1
		}
	}
	for i := range out {
		if counts[i] > 1 {
			Normalize(out[i])
		}
	}
	if len(bad) == 0 {
		return out, nil
	}
	if b.accepted == 0 {
		return nil, b.refused
	}
	return out, &RefusedError{Model: o.model, Index: bad, Err: b.refused}
}

// batcher sends inputs in batches, one at a time where a batch is refused.
type batcher struct {
	o        *Ollama
	ctxLen   int
	dim      int
	accepted int   // inputs embedded
	refused  error // the model's last refusal
}

// embedAll returns one vector per input, nil for inputs the model refused
// even alone (b.refused holds the last refusal).
func (b *batcher) embedAll(ctx context.Context, inputs []string) ([][]float32, error) {
	out := make([][]float32, len(inputs))
	batch := b.o.Batch
	if batch <= 0 {
		batch = 32
	}
	for start := 0; start < len(inputs); start += batch {
		part := inputs[start:min(start+batch, len(inputs))]
		vecs, err := b.request(ctx, part)
		if err == nil {
			copy(out[start:], vecs)
			continue
		}
		if !aboutInput(err) {
			return nil, err
		}
		b.refused = err
		if len(part) == 1 {
			continue
		}
		for k := range part {
			v, err := b.request(ctx, part[k:k+1])
			switch {
			case err == nil:
				out[start+k] = v[0]
			case aboutInput(err):
				b.refused = err
			default:
				return nil, err
			}
		}
	}
	return out, nil
}

// request embeds one batch, bounded by the request timeout.
func (b *batcher) request(ctx context.Context, input []string) ([][]float32, error) {
	o := b.o
	bound := o.requestTimeout(len(input))
	rctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	req := &api.EmbedRequest{Model: o.model, Input: input, Truncate: new(false)}
	if b.ctxLen > 0 {
		req.Options = map[string]any{"num_ctx": b.ctxLen}
	}
	resp, err := o.client.Embed(rctx, req)
	if err != nil {
		return nil, o.classify(ctx, err, bound)
	}
	if len(resp.Embeddings) != len(input) {
		return nil, fmt.Errorf("ollama returned %d embeddings for %d texts", len(resp.Embeddings), len(input))
	}
	for _, v := range resp.Embeddings {
		if b.dim == 0 {
			b.dim = len(v)
		}
		if len(v) != b.dim {
			return nil, fmt.Errorf("ollama returned vectors of %d and %d dimensions", b.dim, len(v))
		}
		Normalize(v)
	}
	b.accepted += len(input)
	return resp.Embeddings, nil
}

// prefix returns the task prefix the model was trained with, if any.
func (o *Ollama) prefix(p Purpose) string {
	if !strings.Contains(o.model, "nomic-embed") {
		return ""
	}
	if p == Query {
		return "search_query: "
	}
	return "search_document: "
}
