package retrieval

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/philippgille/chromem-go"

	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// recordingTransport stands in for http.DefaultTransport: it records every
// request and sends none.
type recordingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.urls = append(r.urls, req.URL.String())
	return nil, errors.New("no network in this test")
}

func (r *recordingTransport) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

// recordHTTP routes every request made through the default transport (what
// chromem-go's OpenAI embedder uses) to a recorder, and gives chromem-go an
// API key so that its default would really try.
func recordHTTP(t *testing.T) *recordingTransport {
	rec := &recordingTransport{}
	old := http.DefaultTransport
	http.DefaultTransport = rec
	t.Cleanup(func() { http.DefaultTransport = old })
	t.Setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
	t.Setenv("HTTPS_PROXY", "")
	return rec
}

// The control: chromem-go given no embedding function calls OpenAI for any
// text it has to embed, and the recorder sees it. This is what Rank must
// never let happen.
func TestChromemDefaultEmbedderCallsOut(t *testing.T) {
	rec := recordHTTP(t)
	col, err := chromem.NewDB().CreateCollection("c", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = col.AddDocument(context.Background(), chromem.Document{ID: "1", Content: "write concern lowered"})
	if err == nil {
		t.Fatal("chromem-go embedded a text without a network")
	}
	if urls := rec.seen(); len(urls) != 1 || !strings.Contains(urls[0], "api.openai.com") {
		t.Fatalf("requests %v, want one to OpenAI (the recorder would not catch a leak)", urls)
	}
}

// Rank searches its vectors with chromem-go and never lets it embed a text
// with its default (OpenAI) function: no request at all, and the vector part
// of the score is there.
func TestRankMakesNoNetworkCall(t *testing.T) {
	rec := recordHTTP(t)
	ix := NewIndex(catalog.Default())
	if err := ix.Add(context.Background(), sampleEntries()); err != nil {
		t.Fatal(err)
	}
	// The built-in vectors weigh nothing by default; a weight makes the
	// vector search run.
	w := DefaultWeights
	w.Vector = 0.1
	for _, text := range []string{"API returns None after save", "timeout", "", "zzzz unknown words only"} {
		res, err := ix.Rank(context.Background(), Query{Text: text, At: t0.Add(100 * time.Hour), Top: 10}, w)
		if err != nil {
			t.Fatalf("rank %q: %v", text, err)
		}
		if text == "API returns None after save" {
			vector := 0.0
			for _, s := range res.Suspects {
				vector = max(vector, s.Vector)
			}
			if vector == 0 {
				t.Errorf("rank %q: no suspect has a vector score; the vector search did not run", text)
			}
		}
	}
	if urls := rec.seen(); len(urls) != 0 {
		t.Fatalf("Rank made network requests: %v", urls)
	}
}
