package embed

import (
	"context"
	"math"
	"slices"
	"strings"
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

func TestBuiltinMeaning(t *testing.T) {
	b := NewBuiltin()
	vec := func(s string) []float32 { return b.VectorOf(token.Terms(nil, s)) }
	// No term in common: only the word vectors can tell these apart.
	for _, c := range []struct{ text, near, far string }{
		{"payment", "charged", "kernel"},
		{"customers were charged twice for one order", "duplicate payment on checkout", "kernel module fails to load"},
		{"emails are not delivered", "smtp mail relay timeout", "route metric shown wrong"},
		{"the page is very slow", "latency increased", "refund amount rounded"},
	} {
		v := vec(c.text)
		if near, far := Dot(v, vec(c.near)), Dot(v, vec(c.far)); near <= far {
			t.Errorf("%q: %q scores %.3f, %q %.3f", c.text, c.near, near, c.far, far)
		}
	}
	// Terms without a word vector (code identifiers, misspellings) still
	// match themselves through the hashed half.
	unknown := vec("qdisc nlmsg rtnl")
	if len(unknown) != BuiltinDim || !isZero(unknown[hashedDim:]) || isZero(unknown[:hashedDim]) {
		t.Fatalf("unknown words: hashed half zero %v, word half zero %v", isZero(unknown[:hashedDim]), isZero(unknown[hashedDim:]))
	}
	if got := Dot(unknown, vec("rtnl qdisc nlmsg")); math.Abs(float64(got)-1) > 0.1 {
		t.Errorf("same unknown words reordered score %.3f", got)
	}
	if got := Dot(unknown, vec("qdisc nlmsg rtnl with an english tail")); got <= 0.3 {
		t.Errorf("unknown words plus known ones score %.3f against the unknown alone", got)
	}
	// Both halves count equally when both are present.
	mixed := vec("the qdisc payment")
	if h, w := Dot(mixed[:hashedDim], mixed[:hashedDim]), Dot(mixed[hashedDim:], mixed[hashedDim:]); math.Abs(float64(h-w)) > 1e-5 {
		t.Errorf("halves weigh %.3f and %.3f", h, w)
	}
	if v := vec(""); !isZero(v) {
		t.Error("empty text has a non-zero vector")
	}
}

func isZero(v []float32) bool { return !slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) }

var benchText = strings.Repeat(`ip route: fix metric printed for IPv6 routes after the interface goes down
The kernel reports the route's priority in RTA_PRIORITY; print_route() read it
from the wrong attribute and showed zero. Save the value once and print it in
both the plain and the JSON output. Reported-by: a user whose monitoring broke.
`, 8)

func BenchmarkVectorOf(b *testing.B) {
	terms := token.Terms(nil, benchText)
	e := NewBuiltin()
	e.VectorOf(terms) // loads the word vectors
	b.ReportMetric(float64(len(terms)), "terms")
	for b.Loop() {
		e.VectorOf(terms)
	}
}

func BenchmarkEmbedQuery(b *testing.B) {
	e := NewBuiltin()
	q := []string{"customers were charged twice after the checkout deploy"}
	for b.Loop() {
		if _, err := e.Embed(context.Background(), q, Query); err != nil {
			b.Fatal(err)
		}
	}
}

// VectorOf's reused scratch must give what keying by joined strings gives.
func TestVectorOfMatchesJoinedKeys(t *testing.T) {
	texts := []string{
		"",
		"save",
		"parseHTTPRequest saves the saved request request request",
		"a b a b a b c a b",
		"retry retry timeout connection pool exhausted retry",
	}
	b := NewBuiltin()
	sp := token.NewSplitter()
	for _, s := range texts {
		terms := sp.Append(nil, s)
		got, want := b.VectorOf(terms), vectorOfSlow(terms)
		if !slices.Equal(got, want) {
			t.Errorf("%q: vectors differ", s)
		}
	}
}
