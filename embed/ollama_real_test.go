package embed_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/internal/ollamatest"
)

// Tests of the Ollama embedder against a real `ollama serve`
// (internal/ollamatest), skipped without a server binary. The model has
// random weights: these check shapes, order and errors, not similarity.

func TestRealOllamaCheck(t *testing.T) {
	srv := ollamatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := srv.Client()

	if err := embed.NewOllama(c, srv.EmbedModel).Check(ctx); err != nil {
		t.Errorf("Check of the embedding model: %v", err)
	}
	// The server would embed with a chat model too (llama.cpp computes
	// vectors from any model); only its capabilities say it is no embedder.
	var ne *embed.NotEmbeddingError
	if err := embed.NewOllama(c, srv.ChatModel).Check(ctx); !errors.As(err, &ne) {
		t.Errorf("Check of the chat model: %v, want *NotEmbeddingError", err)
	}
	var mm *embed.ModelMissingError
	if err := embed.NewOllama(c, "no-such-model").Check(ctx); !errors.As(err, &mm) || mm.Model != "no-such-model" {
		t.Errorf("Check of a missing model: %v, want *ModelMissingError", err)
	}
	srv.Kill()
	if err := embed.NewOllama(c, srv.EmbedModel).Check(ctx); !errors.Is(err, embed.ErrUnreachable) {
		t.Errorf("Check with the server gone: %v, want ErrUnreachable", err)
	}
}

func TestRealOllamaEmbed(t *testing.T) {
	srv := ollamatest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o := embed.NewOllama(srv.Client(), srv.EmbedModel)

	// More texts than one batch holds, in three requests; one longer than
	// the model's context with a multi-byte character near a chunk's end.
	texts := make([]string, 2*o.Batch+6)
	for i := range texts {
		texts[i] = fmt.Sprintf("commit %d: fix the write concern of order %d", i, i*7)
	}
	texts[5] = strings.Repeat("word ", ollamatest.EmbedCtx)[:ollamatest.EmbedCtx*2-1] + "é and more after the cut"
	texts[6] = ""
	vecs, err := o.Embed(ctx, texts, embed.Document)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for i, v := range vecs {
		if len(v) != ollamatest.EmbedDim {
			t.Fatalf("vector %d has %d dimensions, want %d", i, len(v), ollamatest.EmbedDim)
		}
		if n := embed.Dot(v, v); math.Abs(float64(n)-1) > 1e-3 {
			t.Errorf("vector %d: squared norm %.4f, want 1", i, n)
		}
	}
	// Order is kept across batches: a text embedded alone gets the vector it
	// got in its batch.
	for _, i := range []int{0, o.Batch + 1, len(texts) - 1} {
		one, err := o.Embed(ctx, texts[i:i+1], embed.Document)
		if err != nil {
			t.Fatal(err)
		}
		if d := embed.Dot(one[0], vecs[i]); d < 0.999 {
			t.Errorf("text %d alone and in a batch: cosine %.4f", i, d)
		}
	}
	if d := embed.Dot(vecs[0], vecs[1]); d > 0.99999 {
		t.Errorf("different texts gave the same vector (cosine %.6f)", d)
	}

	// A text far over the model's context is chunked here, not refused.
	long, err := o.Embed(ctx, []string{strings.Repeat("the quick brown fox returns none after save ", 500)}, embed.Query)
	if err != nil || len(long) != 1 || len(long[0]) != ollamatest.EmbedDim {
		t.Errorf("a text over the model's %d-token context: %v", ollamatest.EmbedCtx, err)
	}

	// A model the server lacks: *ModelMissingError from Embed as from Check.
	var mm *embed.ModelMissingError
	if _, err := embed.NewOllama(srv.Client(), "no-such-model").Embed(ctx, texts[:1], embed.Query); !errors.As(err, &mm) {
		t.Errorf("Embed with a missing model: %v, want *ModelMissingError", err)
	}
}

// A server that dies while a batch is in flight: Embed fails as unreachable
// and returns no partial result.
func TestRealOllamaEmbedKilled(t *testing.T) {
	srv := ollamatest.Start(t)
	c := api.NewClient(&url.URL{Scheme: "http", Host: srv.KillOnRequest(t, "POST /api/embed")}, http.DefaultClient)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vecs, err := embed.NewOllama(c, srv.EmbedModel).Embed(ctx, []string{"a", "b"}, embed.Document)
	if err == nil || vecs != nil {
		t.Fatalf("Embed while the server died: %d vectors, error %v", len(vecs), err)
	}
	if !embed.IsUnreachable(err) {
		t.Errorf("error %v is not reported as unreachable", err)
	}
	if srv.Running() {
		t.Error("the server was not killed")
	}
}
