package embed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

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

// Ollama embeds through a local Ollama server's /api/embed, in batches.
type Ollama struct {
	client *api.Client
	model  string
	// Batch is how many texts go in one request. Default 32: large enough to
	// keep the server busy, small enough that one failure costs little.
	Batch int
	// MaxChars cuts each text before sending. The server's own truncation is
	// unreliable (it has rejected over-long input instead), so texts are cut
	// here. Default 6000 characters, under 2048 tokens for code-heavy text.
	MaxChars int
}

// NewOllama returns an embedder for model on the server client talks to.
func NewOllama(client *api.Client, model string) *Ollama {
	if model == "" {
		model = DefaultOllamaModel
	}
	return &Ollama{client: client, model: model, Batch: 32, MaxChars: 6000}
}

// Name is "ollama/" and the model name.
func (o *Ollama) Name() string { return "ollama/" + o.model }

// Model returns the model name.
func (o *Ollama) Model() string { return o.model }

// Check asks the server whether the model is present and embeds. It returns
// ErrUnreachable, *ModelMissingError or *NotEmbeddingError.
func (o *Ollama) Check(ctx context.Context) error {
	resp, err := o.client.Show(ctx, &api.ShowRequest{Model: o.model})
	if err != nil {
		return classify(err, o.model)
	}
	if len(resp.Capabilities) > 0 {
		for _, c := range resp.Capabilities {
			if c == "embedding" {
				return nil
			}
		}
		return &NotEmbeddingError{Model: o.model}
	}
	return nil
}

// classify maps transport and HTTP errors to the package's errors.
func classify(err error, model string) error {
	var se api.StatusError
	if errors.As(err, &se) {
		if se.StatusCode == http.StatusNotFound {
			return &ModelMissingError{Model: model}
		}
		return fmt.Errorf("ollama: %s", strings.TrimSpace(se.Error()))
	}
	if IsUnreachable(err) {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return err
}

// IsUnreachable reports whether err means the server could not be reached
// (refused, no route, DNS failure, timed out connecting).
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

// Embed sends texts in batches and returns unit vectors.
func (o *Ollama) Embed(ctx context.Context, texts []string, p Purpose) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	prefix := o.prefix(p)
	batch := o.Batch
	if batch <= 0 {
		batch = 32
	}
	for start := 0; start < len(texts); start += batch {
		part := texts[start:min(start+batch, len(texts))]
		input := make([]string, len(part))
		for i, t := range part {
			if o.MaxChars > 0 && len(t) > o.MaxChars {
				t = t[:o.MaxChars]
				t = strings.ToValidUTF8(t, "")
			}
			input[i] = prefix + t
		}
		resp, err := o.client.Embed(ctx, &api.EmbedRequest{Model: o.model, Input: input})
		if err != nil {
			return nil, classify(err, o.model)
		}
		if len(resp.Embeddings) != len(input) {
			return nil, fmt.Errorf("ollama returned %d embeddings for %d texts", len(resp.Embeddings), len(input))
		}
		for _, v := range resp.Embeddings {
			if len(out) > 0 && len(v) != len(out[0]) {
				return nil, fmt.Errorf("ollama returned vectors of %d and %d dimensions", len(out[0]), len(v))
			}
			out = append(out, Normalize(v))
		}
	}
	return out, nil
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
