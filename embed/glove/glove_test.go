package glove

import (
	"math"
	"testing"

	"github.com/analyst-dev/analyst/embed/token"
)

func vec(t *Table, word string) []float32 {
	v := make([]float32, Dim)
	if !t.AddTo(v, token.Stem(word), 1) {
		return nil
	}
	return v
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func TestDecode(t *testing.T) {
	tab := Load()
	if tab.Len() < 30000 || tab.Len() > 50000 {
		t.Errorf("%d terms", tab.Len())
	}
	for i := range tab.Len() {
		term, word := tab.Term(i)
		// The table is keyed by the tokenizer's term for each word: a
		// tokenizer change that breaks this needs vectors.bin regenerated
		// (see README.md).
		if ts := token.Terms(nil, word); len(ts) != 1 || ts[0] != term {
			t.Fatalf("word %q tokenizes to %q, not %q", word, ts, term)
		}
		if got := tab.Index(term); got != i {
			t.Fatalf("Index(%q) = %d, want %d", term, got, i)
		}
		var n float64
		for _, x := range tab.Vector(i) {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("term %q has a non-finite value", term)
			}
			n += float64(x) * float64(x)
		}
		// Unit direction times a SIF weight in (0, 1].
		if n <= 1e-4 || n > 1.01 {
			t.Fatalf("term %q has norm² %g", term, n)
		}
	}
	if w0, wn := norm(tab.Vector(0)), norm(tab.Vector(tab.Len()-1)); w0 >= wn {
		t.Errorf("the most frequent term weighs %.2f, the rarest %.2f", w0, wn)
	}
	for _, bad := range []string{"", "GLV2", "XXXX" + data[4:], data[:len(data)-1], data[:100]} {
		if _, err := decode(bad); err == nil {
			t.Errorf("decode(%.12q…) did not fail", bad)
		}
	}
}

func norm(v []float32) float64 { return math.Sqrt(cosineDot(v, v)) }

func cosineDot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestSimilar(t *testing.T) {
	tab := Load()
	for _, c := range []struct{ a, near, far string }{
		{"payment", "charged", "kernel"},
		{"crash", "crashed", "payment"},
		{"email", "mail", "route"},
		{"acknowledge", "confirm", "packet"},
		{"slow", "latency", "refund"},
		{"saving", "written", "neighbor"},
	} {
		a, near, far := vec(tab, c.a), vec(tab, c.near), vec(tab, c.far)
		if a == nil || near == nil || far == nil {
			t.Errorf("%s, %s or %s has no vector", c.a, c.near, c.far)
			continue
		}
		if n, f := cosine(a, near), cosine(a, far); n <= f {
			t.Errorf("%s: %s %.2f, %s %.2f", c.a, c.near, n, c.far, f)
		}
	}
	for _, unknown := range []string{"qdisc", "nlmsg", "xyzzyplugh", "", "saveing"} {
		if tab.Index(unknown) >= 0 {
			t.Errorf("%q has a vector", unknown)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		if _, err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddTo(b *testing.B) {
	tab := Load()
	terms := token.Terms(nil, "the route to the host was lost after the interface went down and came back up")
	v := make([]float32, Dim)
	for b.Loop() {
		for _, term := range terms {
			tab.AddTo(v, term, 1)
		}
	}
}
