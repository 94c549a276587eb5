package embed

import (
	"context"
	"math"
	"strconv"

	"github.com/analyst-dev/analyst/embed/token"
)

// BuiltinDim is the built-in embedder's dimension.
const BuiltinDim = 256

// Builtin is the offline embedder: terms (see package embed/token) and pairs
// of adjacent terms hashed into BuiltinDim signed buckets, weighted by
// sublinear term frequency. It needs no model and no network, is
// deterministic, and costs microseconds per text, so analyst works on a fresh
// machine with nothing running.
type Builtin struct{}

// NewBuiltin returns the built-in embedder.
func NewBuiltin() Builtin { return Builtin{} }

// Name includes the tokenizer's version: a change in terms is a change in
// vectors.
func (Builtin) Name() string { return "builtin-hash-v2.t" + strconv.Itoa(token.Version) }

// Embed never fails and never blocks.
func (b Builtin) Embed(_ context.Context, texts []string, _ Purpose) ([][]float32, error) {
	out := make([][]float32, len(texts))
	sp := token.NewSplitter()
	var terms []string
	for i, t := range texts {
		terms = sp.Append(terms[:0], t)
		out[i] = b.VectorOf(terms)
	}
	return out, nil
}

// VectorOf embeds a text already split into terms (see package embed/token),
// so an indexer that tokenized a change once need not do it again.
func (b Builtin) VectorOf(terms []string) []float32 {
	counts := make(map[string]int, len(terms))
	for i, t := range terms {
		counts[t]++
		if i > 0 {
			counts[terms[i-1]+" "+t]++
		}
	}
	return b.vector(counts)
}

func (Builtin) vector(counts map[string]int) []float32 {
	v := make([]float32, BuiltinDim)
	for term, n := range counts {
		h := fnv64(term)
		w := float32(1 + math.Log(float64(n)))
		if containsSpace(term) {
			w *= 0.5 // pairs add order, but less than single terms
		}
		if h>>63 == 1 {
			w = -w
		}
		v[h%BuiltinDim] += w
	}
	return Normalize(v)
}

func containsSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return true
		}
	}
	return false
}

// fnv64 is FNV-1a: stable across processes and Go versions.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
