package retrieval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/internal/synth"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// benchSizes are the journal sizes the scale benchmarks run at; set
// ANALYST_BENCH_SIZES=1000,20000,100000 for the large ones.
func benchSizes() []int {
	spec := os.Getenv("ANALYST_BENCH_SIZES")
	if spec == "" {
		spec = "1000,20000"
	}
	var ns []int
	for _, s := range strings.Split(spec, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			ns = append(ns, n)
		}
	}
	return ns
}

var benchEnd = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

var benchIndexes sync.Map // size -> *Index

// benchIndex returns an index of n synthetic entries, built once per process.
func benchIndex(b *testing.B, n int) *Index {
	if ix, ok := benchIndexes.Load(n); ok {
		return ix.(*Index)
	}
	ix := NewIndex(catalog.Default())
	if err := ix.Add(context.Background(), synth.Entries(n, 1, benchEnd)); err != nil {
		b.Fatal(err)
	}
	benchIndexes.Store(n, ix)
	return ix
}

// BenchmarkIndexAdd measures building the index (tokenizing, matching the
// catalogue, built-in vectors) per entry.
func BenchmarkIndexAdd(b *testing.B) {
	entries := synth.Entries(2000, 2, benchEnd)
	b.ResetTimer()
	for range b.N {
		ix := NewIndex(catalog.Default())
		if err := ix.Add(context.Background(), entries); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries))/1e3, "µs/entry")
}

// BenchmarkRank measures one ask's ranking over the whole journal.
func BenchmarkRank(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ix := benchIndex(b, n)
			q := Query{Text: "orders: timeout after the deploy, users see errors under load", At: benchEnd, Top: 10}
			b.ResetTimer()
			for range b.N {
				if _, err := ix.Rank(context.Background(), q, DefaultWeights); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures reading a saved index, what every ask pays first.
func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "index.bin")
			if err := benchIndex(b, n).Save(path); err != nil {
				b.Fatal(err)
			}
			if fi, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(fi.Size())/1e6, "MB")
			}
			b.ResetTimer()
			for range b.N {
				if _, err := Load(path, catalog.Default()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
