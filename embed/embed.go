// Package embed turns text into vectors: a built-in offline embedder that
// always works, and an embedder backed by a local Ollama server.
//
// Every embedder names itself; vectors made by different embedders are never
// compared (an index records which embedder made it, and a different one means
// re-embedding).
package embed

import (
	"context"
	"math"
)

// Purpose says what a text is for: models such as nomic-embed-text embed
// queries and documents with different prefixes.
type Purpose int

const (
	// Document is text stored in the index.
	Document Purpose = iota
	// Query is an incident description searched for.
	Query
)

// Embedder turns texts into unit-length vectors of one fixed dimension.
type Embedder interface {
	// Name identifies the embedder and its version, e.g. "builtin-hash-v1"
	// or "ollama/nomic-embed-text".
	Name() string
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string, p Purpose) ([][]float32, error)
}

// Normalize scales v to unit length in place (a zero vector stays zero) and
// returns it.
func Normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// Dot returns the dot product of a and b (cosine similarity for unit
// vectors). It panics if the lengths differ: mixing dimensions is a bug.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("embed: dot product of vectors of different dimensions")
	}
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
