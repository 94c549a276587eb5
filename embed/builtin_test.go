package embed

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/analyst-dev/analyst/embed/token"
)

func TestBuiltin(t *testing.T) {
	b := NewBuiltin()
	texts := []string{"API returns None after save", "mongodb w=0&journal=false", "", "API returns None after save"}
	vs, err := b.Embed(context.Background(), texts, Document)
	if err != nil || len(vs) != len(texts) {
		t.Fatalf("Embed = %d vectors, %v", len(vs), err)
	}
	for i, v := range vs {
		if len(v) != BuiltinDim {
			t.Fatalf("vector %d has %d dimensions", i, len(v))
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if texts[i] != "" && math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d has norm² %f, want 1", i, n)
		}
	}
	if !slices.Equal(vs[0], vs[3]) {
		t.Error("same text, different vectors")
	}
	if got := b.VectorOf(token.Terms(nil, texts[1])); !slices.Equal(got, vs[1]) {
		t.Error("VectorOf(terms) differs from Embed(text)")
	}
	near := Dot(vs[0], b.VectorOf(token.Terms(nil, "the API returned None right after saving")))
	far := Dot(vs[0], vs[1])
	if near <= far {
		t.Errorf("similar texts score %.3f, unrelated %.3f", near, far)
	}
}
