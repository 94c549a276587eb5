package ollamatest

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"
)

// TestRealOllamaServer checks the helper's server and models against the
// protocol analyst relies on: capabilities, embedding shape, chat framing and
// done reasons, schema-constrained output, and the status codes of failures.
func TestRealOllamaServer(t *testing.T) {
	s := Start(t)
	c := s.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	caps := map[string]model.Capability{s.EmbedModel: model.CapabilityEmbedding, s.ChatModel: model.CapabilityCompletion}
	for name, want := range caps {
		show, err := c.Show(ctx, &api.ShowRequest{Model: name})
		if err != nil {
			t.Fatalf("show %s: %v", name, err)
		}
		if !slices.Contains(show.Capabilities, want) {
			t.Errorf("%s capabilities %v, want %s", name, show.Capabilities, want)
		}
	}

	t.Run("embed", func(t *testing.T) {
		inputs := []string{"API returns None after save", "", "MONGO_URL=mongodb://db/shop?w=0&journal=false", "ünïcödé ✓"}
		resp, err := c.Embed(ctx, &api.EmbedRequest{Model: s.EmbedModel, Input: inputs})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Embeddings) != len(inputs) {
			t.Fatalf("%d embeddings for %d inputs", len(resp.Embeddings), len(inputs))
		}
		for i, v := range resp.Embeddings {
			if len(v) != EmbedDim {
				t.Errorf("input %d: %d dimensions, want %d", i, len(v), EmbedDim)
			}
			var sum float64
			for _, x := range v {
				sum += float64(x) * float64(x)
			}
			if math.Abs(sum-1) > 1e-3 {
				t.Errorf("input %d: squared norm %.4f, want 1", i, sum)
			}
		}
		if slices.Equal(resp.Embeddings[0], resp.Embeddings[2]) {
			t.Error("different texts, same vector")
		}
		again, err := c.Embed(ctx, &api.EmbedRequest{Model: s.EmbedModel, Input: inputs[0]})
		if err != nil {
			t.Fatal(err)
		}
		for i := range again.Embeddings[0] {
			if math.Abs(float64(again.Embeddings[0][i]-resp.Embeddings[0][i])) > 1e-4 {
				t.Fatalf("the same text embedded alone and in a batch differs at %d", i)
			}
		}
	})

	t.Run("chat stream", func(t *testing.T) {
		var chunks, done int
		var last api.ChatResponse
		err := c.Chat(ctx, &api.ChatRequest{Model: s.ChatModel, Messages: []api.Message{{Role: "user", Content: "hello"}},
			Options: map[string]any{"num_predict": 20, "temperature": 0}}, func(r api.ChatResponse) error {
			chunks++
			if r.Done {
				done++
			}
			last = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if chunks < 2 || done != 1 || !last.Done {
			t.Errorf("%d chunks, %d marked done (last done: %v), want several and exactly the last", chunks, done, last.Done)
		}
		if last.DoneReason != "length" && last.DoneReason != "stop" {
			t.Errorf("done reason %q", last.DoneReason)
		}
		if last.EvalCount == 0 || last.EvalCount > 20 {
			t.Errorf("eval count %d with num_predict 20", last.EvalCount)
		}
	})

	t.Run("chat schema", func(t *testing.T) {
		schema := json.RawMessage(`{"type":"object","properties":{"ok":{"type":"boolean"},"n":{"type":"integer"}},"required":["ok","n"]}`)
		stream := false
		var reply api.ChatResponse
		err := c.Chat(ctx, &api.ChatRequest{Model: s.ChatModel, Messages: []api.Message{{Role: "user", Content: "answer"}},
			Stream: &stream, Format: schema, Options: map[string]any{"num_predict": 256, "temperature": 0}}, func(r api.ChatResponse) error {
			reply = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("schema reply (%s): %q", reply.DoneReason, reply.Message.Content)
		switch reply.DoneReason {
		case "stop":
			var v struct {
				OK *bool `json:"ok"`
				N  *int  `json:"n"`
			}
			if err := json.Unmarshal([]byte(reply.Message.Content), &v); err != nil || v.OK == nil || v.N == nil {
				t.Errorf("stopped reply does not fit the schema (%v): %q", err, reply.Message.Content)
			}
		case "length":
			// Cut by num_predict: the JSON may not parse, which callers must handle.
		default:
			t.Errorf("done reason %q", reply.DoneReason)
		}
	})

	t.Run("failures", func(t *testing.T) {
		var se api.StatusError
		err := c.Chat(ctx, &api.ChatRequest{Model: s.EmbedModel, Messages: []api.Message{{Role: "user", Content: "hi"}}},
			func(api.ChatResponse) error { return nil })
		if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
			t.Errorf("chat with the embedding model: %v, want status 400", err)
		}
		_, err = c.Embed(ctx, &api.EmbedRequest{Model: "no-such-model", Input: "x"})
		if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
			t.Errorf("embed with a missing model: %v, want status 404", err)
		}
		_, err = c.Show(ctx, &api.ShowRequest{Model: "no-such-model"})
		if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
			t.Errorf("show a missing model: %v, want status 404", err)
		}
	})

	t.Run("kill", func(t *testing.T) {
		s.Kill()
		if s.Running() {
			t.Fatal("still running after Kill")
		}
		if err := c.Heartbeat(ctx); err == nil {
			t.Fatal("a killed server still answers")
		}
		s.Kill() // a second Kill is harmless
	})
}

// A shaped model with F16 matrices loads and embeds, with vectors as wide as
// the model, and the chat model can be left out.
func TestRealOllamaShapedEmbedModel(t *testing.T) {
	shape := EmbedShape{Width: 96, Layers: 3, Heads: 6, FF: 192, Ctx: 256, F16: true}
	s := StartWith(t, Options{Embed: shape, NoChat: true})
	if s.ChatModel != "" {
		t.Errorf("chat model %q created with NoChat", s.ChatModel)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := s.Client()
	show, err := c.Show(ctx, &api.ShowRequest{Model: s.EmbedModel})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := show.ModelInfo["bert.context_length"].(float64); n != float64(shape.Ctx) {
		t.Errorf("context length %v, want %d", show.ModelInfo["bert.context_length"], shape.Ctx)
	}
	resp, err := c.Embed(ctx, &api.EmbedRequest{Model: s.EmbedModel, Input: []string{"fix the timeout", "add a cache to the api"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range resp.Embeddings {
		var sum float64
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
		if len(v) != shape.Width || math.Abs(sum-1) > 1e-3 || math.IsNaN(sum) {
			t.Errorf("input %d: %d dimensions, squared norm %.4f; want %d, 1", i, len(v), sum, shape.Width)
		}
	}
	if _, err := c.Show(ctx, &api.ShowRequest{Model: ChatModel}); err == nil {
		t.Error("the chat model exists with NoChat")
	}
}
