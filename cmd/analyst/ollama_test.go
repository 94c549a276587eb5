package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"
)

// fakeOllama speaks enough of Ollama's HTTP API, with the api package's own
// types, to exercise analyst's model paths and their faults. It is no proof
// of behaviour against the real server (see the integration tests for that).
type fakeOllama struct {
	mu         sync.Mutex
	srv        *httptest.Server
	stop       chan struct{} // closed when the test ends: releases held requests
	embedModel string        // the only embedding model it has
	// embedDigest, when set, is the embedding model's digest, listed by
	// /api/tags (which answers 404 otherwise, as some servers do).
	embedDigest string
	chatModel   string // the only chat model it has
	embedded    map[string]int
	chatReply   func(user string) (content, doneReason string)
	chats       int
	streamed    bool  // whether the last chat asked for a stream
	truncate    *bool // the last chat's truncate setting
	userSizes   []int // the bytes of each chat's user message
	fault       fault // how the server misbehaves; "" not at all
	// overflowOver, with faultOverflow, makes only user messages longer
	// than this many bytes overflow; 0: all of them.
	overflowOver int
}

// fault is a way a sick or dying Ollama server answers (or does not).
// Where a fault takes "a few pieces" of a reply, a reply not streamed has
// none: it fails before its only line.
type fault string

const (
	faultHang     fault = "hang"     // accepts connections, answers nothing, not even the heartbeat
	faultRefuse   fault = "refuse"   // dies right after the heartbeat: the chat's connection is refused
	faultDies     fault = "dies"     // dies on the chat request: the connection closes unanswered, later ones are refused
	faultSlow     fault = "slow"     // chat answers nothing until the client gives up
	faultStall    fault = "stall"    // a few pieces of the reply, then nothing until the client gives up
	faultCut      fault = "cut"      // a few pieces of the reply, then the connection closes
	faultNoDone   fault = "no-done"  // the whole reply, then the stream ends without a done message
	faultGarbage  fault = "garbage"  // a few pieces, then a line that is not JSON
	fault500      fault = "500"      // HTTP 500 with an error body, as when the model runner crashed
	faultOverflow fault = "overflow" // 400 as Ollama v0.17.4 answers a prompt longer than the context
)

// Error texts of the faults, as Ollama words them.
const (
	fault500Text      = "llama runner process has terminated: exit status 2"
	faultOverflowText = "the input length exceeds the context length" // runner/llamarunner errorInputTooLong
	faultGarbageLine  = "<html><body>502 Bad Gateway</body></html>"
)

func newFakeOllama(t *testing.T) (*fakeOllama, string) {
	f := &fakeOllama{embedModel: "fake-embed", chatModel: "fake-chat", embedded: map[string]int{}, stop: make(chan struct{})}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() {
		close(f.stop)
		f.srv.Close()
	})
	return f, f.srv.URL
}

// hold answers nothing until the client gives up or the test ends.
func (f *fakeOllama) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.stop:
	}
}

// die stops accepting connections, as a dead server's port refuses them.
func (f *fakeOllama) die() { f.srv.Listener.Close() }

func (f *fakeOllama) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := f.fault
	f.mu.Unlock()
	switch {
	case fault == faultHang:
		f.hold(r)
		return
	case r.URL.Path == "/" && fault == faultRefuse:
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusOK)
		f.die()
		return
	case r.URL.Path == "/api/chat":
		f.chat(w, r, fault)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/":
		w.WriteHeader(http.StatusOK)
	case "/api/show":
		var req api.ShowRequest
		json.NewDecoder(r.Body).Decode(&req)
		switch req.Model {
		case f.embedModel:
			json.NewEncoder(w).Encode(api.ShowResponse{Capabilities: []model.Capability{"embedding"}})
		case f.chatModel:
			json.NewEncoder(w).Encode(api.ShowResponse{Capabilities: []model.Capability{"completion"}})
		default:
			http.Error(w, `{"error":"model '`+req.Model+`' not found"}`, http.StatusNotFound)
		}
	case "/api/tags":
		if f.embedDigest == "" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(api.ListResponse{Models: []api.ListModelResponse{
			{Name: f.embedModel + ":latest", Model: f.embedModel + ":latest", Digest: f.embedDigest},
			{Name: f.chatModel + ":latest", Model: f.chatModel + ":latest", Digest: strings.Repeat("c", 64)},
		}})
	case "/api/embed":
		var req api.EmbedRequest
		json.NewDecoder(r.Body).Decode(&req)
		if req.Model != f.embedModel {
			http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
			return
		}
		var inputs []string
		switch v := req.Input.(type) {
		case string:
			inputs = []string{v}
		case []any:
			for _, x := range v {
				inputs = append(inputs, x.(string))
			}
		}
		resp := api.EmbedResponse{Model: req.Model}
		for _, in := range inputs {
			f.embedded[req.Model]++
			resp.Embeddings = append(resp.Embeddings, fakeVector(in))
		}
		json.NewEncoder(w).Encode(resp)
	default:
		http.NotFound(w, r)
	}
}

// chat answers /api/chat with chatReply, or fails as the fault says. It
// holds no lock while it writes, so a held request blocks no other.
func (f *fakeOllama) chat(w http.ResponseWriter, r *http.Request, fault fault) {
	var req api.ChatRequest
	json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	known := req.Model == f.chatModel
	if known {
		f.chats++
		f.streamed = req.Stream == nil || *req.Stream
		f.truncate = req.Truncate
		f.userSizes = append(f.userSizes, len(req.Messages[len(req.Messages)-1].Content))
	}
	streamed, reply, overflowOver := f.streamed, f.chatReply, f.overflowOver
	user := req.Messages[len(req.Messages)-1].Content
	f.mu.Unlock()
	if !known {
		http.Error(w, `{"error":"model '`+req.Model+`' not found"}`, http.StatusNotFound)
		return
	}
	fail := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	switch fault {
	case faultSlow:
		f.hold(r)
		return
	case fault500:
		fail(http.StatusInternalServerError, fault500Text)
		return
	case faultOverflow:
		if len(user) > overflowOver {
			fail(http.StatusBadRequest, faultOverflowText)
			return
		}
	case faultDies:
		f.die()
		panic(http.ErrAbortHandler) // closes the connection unanswered
	}
	content, reason := reply(user)
	enc := json.NewEncoder(w)
	if !streamed {
		switch fault {
		case faultStall:
			f.hold(r)
		case faultCut:
			panic(http.ErrAbortHandler)
		case faultGarbage:
			fmt.Fprintln(w, faultGarbageLine)
		default:
			enc.Encode(api.ChatResponse{Model: req.Model, Message: api.Message{Role: "assistant", Content: content},
				Done: fault != faultNoDone, DoneReason: reason})
		}
		return
	}
	// A stream: the reply in pieces of a few bytes, one JSON line each.
	w.Header().Set("Content-Type", "application/x-ndjson")
	for i := 0; len(content) > 0; i++ {
		if i == 3 { // a few pieces have gone out
			switch fault {
			case faultStall:
				f.hold(r)
				return
			case faultCut:
				panic(http.ErrAbortHandler) // the connection closes in the middle of the stream
			case faultGarbage:
				fmt.Fprintln(w, faultGarbageLine)
				return
			}
		}
		n := min(len(content), 7)
		enc.Encode(api.ChatResponse{Model: req.Model, Message: api.Message{Role: "assistant", Content: content[:n]}})
		w.(http.Flusher).Flush()
		content = content[n:]
	}
	if fault != faultNoDone {
		enc.Encode(api.ChatResponse{Model: req.Model, Message: api.Message{Role: "assistant"}, Done: true, DoneReason: reason})
	}
}

// fakeVector is a deterministic 8-dimension vector of a text's words.
func fakeVector(s string) []float32 {
	v := make([]float32, 8)
	for _, w := range strings.Fields(strings.ToLower(s)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%8]++
	}
	return v
}

var changeIDRe = regexp.MustCompile(`<<<CHANGE id=(\S+)`)

// buildSmallRepo makes a repository with a cause and a few other commits.
func buildSmallRepo(t *testing.T, dir string) string {
	repo := filepath.Join(dir, "svc")
	os.MkdirAll(filepath.Join(repo, "config"), 0o755)
	steps := []struct{ when, file, content, msg string }{
		{"2026-11-01T09:00:00Z", "config/prod.env", "MONGO_URL=mongodb://app:pw@db/shop?w=majority\n", "Add prod config"},
		{"2026-11-02T09:00:00Z", "README.md", "# svc\n", "Document the service"},
		{"2026-11-03T09:00:00Z", "config/prod.env", "MONGO_URL=mongodb://app:pw@db/shop?w=0&journal=false\n", "Speed up order writes"},
		{"2026-11-03T12:00:00Z", "app.py", "print('hi')\n", "Add app entry point"},
	}
	gitDo := func(when string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitDo(steps[0].when, "init", "-q", "-b", "main")
	for _, s := range steps {
		os.WriteFile(filepath.Join(repo, s.file), []byte(s.content), 0o644)
		gitDo(s.when, "add", "-A")
		gitDo(s.when, "commit", "-q", "-m", s.msg)
	}
	return repo
}

// fakeOllamaHome isolates the test, points analyst at a fake server with
// its two models, and builds the small repository; it returns the server,
// an analyst home and the repository.
func fakeOllamaHome(t *testing.T) (fake *fakeOllama, home, repo string) {
	work := setIsolatedEnv(t)
	fake, url := newFakeOllama(t)
	t.Setenv("OLLAMA_HOST", url)
	t.Setenv("ANALYST_EMBED_MODEL", "fake-embed")
	t.Setenv("ANALYST_CHAT_MODEL", "fake-chat")
	return fake, filepath.Join(work, "home"), buildSmallRepo(t, work)
}

func TestOllamaEmbeddingsAndExplanation(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)

	fake.chatReply = func(user string) (string, string) {
		ids := changeIDRe.FindAllStringSubmatch(user, -1)
		reply := fmt.Sprintf(`{"suspects":[{"id":%q,"confidence":0.8,"why":"writes are no longer acknowledged"},`+
			`{"id":"deadbeef-invented","confidence":0.9,"why":"made up"}],"none":false,"summary":"the write concern change"}`, ids[0][1])
		return reply, "stop"
	}
	_, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo)
	if code != 0 || !strings.Contains(errOut, "ollama/fake-embed") {
		t.Fatalf("index with Ollama: exit %d\n%s", code, errOut)
	}
	if fake.embedded["fake-embed"] != 4 {
		t.Errorf("embedded %d texts, want 4", fake.embedded["fake-embed"])
	}
	// A second index embeds nothing new.
	mustRun(t, "--home", home, "index")
	if fake.embedded["fake-embed"] != 4 {
		t.Errorf("re-index embedded again: %d", fake.embedded["fake-embed"])
	}

	out, errOut, code := analystRun(t, "", "--home", home, "ask", "--json", "--at", "2026-11-04T00:00:00Z", "API returns None after save")
	if code != 0 {
		t.Fatalf("ask: exit %d\n%s", code, errOut)
	}
	a := askJSONOf(t, out)
	if a.Models.Embed != "ollama/fake-embed" || a.Models.Chat != "fake-chat" {
		t.Errorf("models = %+v", a.Models)
	}
	top := a.Suspects[0]
	if top.Why != "writes are no longer acknowledged" || top.Confidence == nil || *top.Confidence != 0.8 {
		t.Errorf("top suspect why/confidence not from the model: %+v", top)
	}
	for _, s := range a.Suspects[1:] {
		if s.Confidence != nil || s.Why != "" {
			t.Errorf("uncited suspect got a model explanation: %+v", s)
		}
	}
	if a.Summary != "the write concern change" {
		t.Errorf("summary = %q", a.Summary)
	}
	if !strings.Contains(strings.Join(a.Warnings, "\n"), "deadbeef-invented") {
		t.Errorf("invented id not warned about: %q", a.Warnings)
	}

	// A reply cut by the token limit is a model failure, not a crash.
	fake.chatReply = func(string) (string, string) { return `{"suspects":[{"id":"x"`, "length" }
	out, _, code = analystRun(t, "", "--home", home, "ask", "--json", "--at", "2026-11-04T00:00:00Z", "API returns None after save")
	a = askJSONOf(t, out)
	if code != 0 || a.Models.Chat != "" || !strings.Contains(strings.Join(a.Warnings, "\n"), "cut short") || len(a.Suspects) == 0 {
		t.Errorf("cut reply: exit %d, %+v", code, a)
	}

	// A missing chat model names the pull to run; retrieval still answers.
	t.Setenv("ANALYST_CHAT_MODEL", "missing-chat")
	out, _, code = analystRun(t, "", "--home", home, "ask", "--json", "--at", "2026-11-04T00:00:00Z", "API returns None after save")
	a = askJSONOf(t, out)
	if code != 0 || !strings.Contains(strings.Join(a.Warnings, "\n"), "ollama pull missing-chat") || len(a.Suspects) == 0 {
		t.Errorf("missing chat model: exit %d, %+v", code, a.Warnings)
	}

	// Another embedding model re-embeds everything; vectors are never mixed.
	fake.embedModel = "other-embed"
	t.Setenv("ANALYST_EMBED_MODEL", "other-embed")
	mustRun(t, "--home", home, "index")
	if fake.embedded["other-embed"] != 4 {
		t.Errorf("switching models embedded %d texts, want all 4", fake.embedded["other-embed"])
	}
	out = mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", "2026-11-04T00:00:00Z", "API returns None after save")
	if a = askJSONOf(t, out); a.Models.Embed != "ollama/other-embed" {
		t.Errorf("after switching, embed model = %q", a.Models.Embed)
	}

	// A missing embedding model: a warning naming the pull, built-in vectors.
	t.Setenv("ANALYST_EMBED_MODEL", "nomic-embed-text")
	_, errOut, code = analystRun(t, "", "--home", home, "index")
	if code != 0 || !strings.Contains(errOut, "hint: ollama pull nomic-embed-text") {
		t.Errorf("missing embed model: exit %d\n%s", code, errOut)
	}
}

// A model pulled again under the same name with other weights has another
// digest: its vectors are made again, never mixed with the old ones, and
// until then ask ranks with the built-in vectors and says why. Vectors saved
// before digests were recorded are taken as the current model's.
func TestOllamaModelPulledAgain(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)
	ask := func() askJSON {
		t.Helper()
		return askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", "2026-11-04T00:00:00Z", "API returns None after save"))
	}
	vectorFiles := func() []string {
		t.Helper()
		m, _ := filepath.Glob(filepath.Join(home, "index", "vectors-ollama_*.bin"))
		for i := range m {
			m[i] = filepath.Base(m[i])
		}
		return m
	}
	// A server that lists no digests: vectors under the model's name.
	mustRun(t, "--home", home, "index", "--repo", repo)
	if fake.embedded["fake-embed"] != 4 || !slices.Equal(vectorFiles(), []string{"vectors-ollama_fake-embed.bin"}) {
		t.Fatalf("first index: embedded %d, files %v", fake.embedded["fake-embed"], vectorFiles())
	}

	// The server now says the digest: those vectors are the model's.
	fake.mu.Lock()
	fake.embedDigest = "sha256:" + strings.Repeat("a", 64)
	fake.mu.Unlock()
	if a := ask(); a.Models.Embed != "ollama/fake-embed@aaaaaaaaaaaa" || len(a.Warnings) != 0 {
		t.Errorf("with a digest: embed %q, warnings %q (want the old vectors used, no warning)", a.Models.Embed, a.Warnings)
	}
	embedded := fake.embedded["fake-embed"] // and the question's
	mustRun(t, "--home", home, "index")
	if fake.embedded["fake-embed"] != embedded || !slices.Equal(vectorFiles(), []string{"vectors-ollama_fake-embed@aaaaaaaaaaaa.bin"}) {
		t.Fatalf("index with a digest: embedded %d more (want none), files %v", fake.embedded["fake-embed"]-embedded, vectorFiles())
	}

	// Pulled again: another digest.
	fake.mu.Lock()
	fake.embedDigest = "sha256:" + strings.Repeat("b", 64)
	fake.mu.Unlock()
	a := ask()
	if a.Models.Embed != "builtin" || !strings.Contains(strings.Join(a.Warnings, "\n"), "changed since its vectors were made") {
		t.Errorf("after the model changed: embed %q, warnings %q", a.Models.Embed, a.Warnings)
	}
	embedded = fake.embedded["fake-embed"]
	mustRun(t, "--home", home, "index")
	if fake.embedded["fake-embed"] != embedded+4 || !slices.Equal(vectorFiles(), []string{"vectors-ollama_fake-embed@bbbbbbbbbbbb.bin"}) {
		t.Fatalf("index after the model changed: embedded %d (want all 4 again), files %v", fake.embedded["fake-embed"]-embedded, vectorFiles())
	}
	if a := ask(); a.Models.Embed != "ollama/fake-embed@bbbbbbbbbbbb" {
		t.Errorf("after embedding again: embed %q", a.Models.Embed)
	}
}

func TestOllamaStreamAndFusion(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)
	mustRun(t, "--home", home, "index", "--repo", repo)
	const at, incident = "2026-11-04T00:00:00Z", "API returns None after save"

	before := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", at, incident))
	if len(before.Suspects) < 3 {
		t.Fatalf("want 3+ suspects, got %d", len(before.Suspects))
	}
	// The model is sure of the retrieval's third suspect and keeps no other.
	third := before.Suspects[2]
	fake.chatReply = func(string) (string, string) {
		return fmt.Sprintf(`{"summary":"The \"third\" change\nexplains it \u2014 fully.","suspects":[{"id":%q,"confidence":1,"why":"because"}],"none":false}`, third.ID), "stop"
	}
	after := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--at", at, incident))
	if fake.streamed {
		t.Errorf("--json asked the model for a stream")
	}
	// Fused, not replaced: the kept suspect's score is lifted by half, the
	// others keep theirs, ranks follow the scores.
	var order []string
	for i, s := range after.Suspects {
		order = append(order, s.ID)
		if s.Rank != i+1 || i > 0 && s.Score > after.Suspects[i-1].Score {
			t.Errorf("after fusion, rank %d has score %.3f after %.3f", s.Rank, s.Score, after.Suspects[max(i-1, 0)].Score)
		}
		want := before.Suspects[slices.IndexFunc(before.Suspects, func(b suspectJSON) bool { return b.ID == s.ID })].Score
		if s.ID == third.ID {
			want = round3(want * 1.5)
		}
		if math.Abs(s.Score-want) > 0.0015 {
			t.Errorf("%s: score %.3f, want %.3f", s.Title, s.Score, want)
		}
	}
	if slices.Index(order, third.ID) > 2 {
		t.Errorf("the model's choice fell in rank: %v", order)
	}
	if after.Summary != "The \"third\" change\nexplains it — fully." {
		t.Errorf("summary = %q", after.Summary)
	}

	// The model's "none of these" leaves retrieval's order as it was.
	fake.chatReply = func(string) (string, string) { return `{"summary":"","suspects":[],"none":true}`, "stop" }
	none := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--at", at, incident))
	for i := range before.Suspects {
		if none.Suspects[i].ID != before.Suspects[i].ID || none.Suspects[i].Score != before.Suspects[i].Score {
			t.Fatalf("with the model's 'none', rank %d changed: %+v", i+1, none.Suspects[i])
		}
	}

	// --stream: the suspects first, then the explanation as it arrives,
	// then the model's reading in the fused order.
	fake.chatReply = func(string) (string, string) {
		return fmt.Sprintf(`{"summary":"The third change explains it.","suspects":[{"id":%q,"confidence":0.9,"why":"because"}],"none":false}`, third.ID), "stop"
	}
	out := mustRun(t, "--home", home, "ask", "--stream", "--at", at, incident)
	if !fake.streamed {
		t.Errorf("--stream did not ask the model for a stream")
	}
	list, expl, reading := strings.Index(out, "Suspects for"), strings.Index(out, "Explanation (fake-chat):\nThe third change explains it.\n"), strings.Index(out, "The model's reading")
	if list < 0 || expl < 0 || reading < 0 || !(list < expl && expl < reading) {
		t.Errorf("streamed output out of order (list %d, explanation %d, reading %d):\n%s", list, expl, reading, out)
	}
	if !strings.Contains(out[reading:], third.Title) || !strings.Contains(out[reading:], "confidence 90%") {
		t.Errorf("the model's reading lacks its suspect:\n%s", out[reading:])
	}
}

func TestPartialJSONString(t *testing.T) {
	for _, c := range []struct {
		doc, want string
		ok        bool
	}{
		{`{"sum`, "", false},
		{`{"summary"`, "", false},
		{`{"summary": "`, "", true},
		{`{"summary": "Writes are`, "Writes are", true},
		{`{"summary":"a\`, "a", true},
		{`{"summary":"a\nb\"c\u00e9`, "a\nb\"cé", true},
		{`{"summary":"a\u00`, "a", true},
		{`{"summary":"done","suspects":[{"why":"x"}]`, "done", true},
		{`{"suspects":[],"summary":"later"}`, "later", true},
	} {
		got, ok := partialJSONString(c.doc, "summary")
		if got != c.want || ok != c.ok {
			t.Errorf("partialJSONString(%q) = %q, %v; want %q, %v", c.doc, got, ok, c.want, c.ok)
		}
	}
}

func TestOllamaEnrichment(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)
	fake.chatReply = func(user string) (string, string) {
		if !strings.Contains(user, "What behaviour does this change alter") {
			t.Errorf("enrichment sent another prompt:\n%s", user)
		}
		if strings.Contains(user, "title: Add app entry point") {
			return `{"behaviour":"Starts a new process.","symptoms":["greeting banner vanishes"]}`, "stop"
		}
		return `{"behaviour":"Nothing a user would see.","symptoms":[]}`, "stop"
	}
	_, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo, "--enrich")
	if code != 0 || !strings.Contains(errOut, "enriched 4 changes with fake-chat (0 left for the next run)") || fake.chats != 4 {
		t.Fatalf("index --enrich: exit %d, %d chats\n%s", code, fake.chats, errOut)
	}
	// Once per change: a second run asks nothing.
	mustRun(t, "--home", home, "index", "--enrich")
	if fake.chats != 4 {
		t.Errorf("re-running enrichment asked the model again: %d chats", fake.chats)
	}

	// The enrichment shows beside the change, marked as derived.
	var entry string
	for _, line := range strings.Split(mustRun(t, "--home", home, "log", "--json"), "\n") {
		if strings.Contains(line, "Add app entry point") {
			var l logLine
			json.Unmarshal([]byte(line), &l)
			entry = l.ID
		}
	}
	show := mustRun(t, "--home", home, "show", entry)
	if !strings.Contains(show, "Enriched: by fake-chat") || !strings.Contains(show, "Symptoms: greeting banner vanishes") {
		t.Errorf("show lacks the enrichment:\n%s", show)
	}

	// It counts for incidents after it was made, never before.
	const incident = "greeting banner vanishes"
	before := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", "2026-11-04T00:00:00Z", incident))
	if before.Related {
		t.Errorf("an enrichment made later influenced an earlier incident: %+v", before.Suspects[0])
	}
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	after := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", later, incident))
	if !after.Related || after.Suspects[0].ID != entry {
		t.Errorf("after the enrichment, the enriched change should lead: %+v", after.Suspects[0])
	}

	// The model failing for one change skips it; a dead server stops the
	// pass with a warning, and index still succeeds.
	fake.chatReply = func(string) (string, string) { return `{"behaviour":`, "length" }
	os.WriteFile(filepath.Join(repo, "app.py"), []byte("print('hello')\n"), 0o644)
	if out, err := exec.Command("git", "-C", repo, "commit", "-qam", "Say hello").CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}
	_, errOut, code = analystRun(t, "", "--home", home, "index", "--enrich")
	if code != 0 || !strings.Contains(errOut, "fake-chat gave no usable answer for 1 changes") {
		t.Errorf("cut answer: exit %d\n%s", code, errOut)
	}
	t.Setenv("OLLAMA_HOST", "127.0.0.1:9")
	_, errOut, code = analystRun(t, "", "--home", home, "index", "--enrich")
	if code != 0 || !strings.Contains(errOut, "no enrichment this time") {
		t.Errorf("dead server: exit %d\n%s", code, errOut)
	}
}

// TestOllamaReadsWhatWentLive: when nothing matches the incident's words,
// the model also reads the changes that went live in the day before it, and
// one it chooses joins the suspects, ranked by its confidence, with its
// reason. Changes it is not shown are not added, however it cites them.
func TestOllamaReadsWhatWentLive(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)
	titleRe := regexp.MustCompile(`<<<CHANGE id=(\S+)[^\n]*\ntitle: ([^\n]*)`)
	var shown []string
	fake.chatReply = func(user string) (string, string) {
		var pick string
		shown = shown[:0]
		for _, m := range titleRe.FindAllStringSubmatch(user, -1) {
			shown = append(shown, m[2])
			if m[2] == "Add app entry point" {
				pick = m[1]
			}
		}
		return fmt.Sprintf(`{"summary":"unacknowledged writes","suspects":[{"id":%q,"confidence":0.9,"why":"the new entry point hangs on start"},`+
			`{"id":"0000000000000000000000000000000000000000","confidence":1,"why":"not shown"}],"none":false}`, pick), "stop"
	}
	mustRun(t, "--home", home, "index", "--repo", repo)
	out := mustRun(t, "--home", home, "ask", "--json", "--top", "1", "--at", "2026-11-03T20:00:00Z", "everything froze")
	a := askJSONOf(t, out)
	if a.Related {
		t.Fatalf("the report looks related: %s", out)
	}
	if len(shown) != 2 || shown[0] != "Speed up order writes" || shown[1] != "Add app entry point" {
		t.Errorf("the model was shown %q; want the closest suspect, then what else went live", shown)
	}
	if len(a.Suspects) != 2 {
		t.Fatalf("suspects %+v, want the closest and the model's choice", a.Suspects)
	}
	top := a.Suspects[0]
	if top.Title != "Add app entry point" || top.Rank != 1 || top.Why != "the new entry point hangs on start" ||
		!strings.Contains(strings.Join(top.Reasons, "\n"), "chosen by the model from what went live") {
		t.Errorf("first suspect %+v, want the change the model chose from what went live", top)
	}
	if strings.Contains(out, "not shown") {
		t.Errorf("a change the model was not shown was added:\n%s", out)
	}
}

// TestEvalRanksWithDenseVectors: eval measures what ask does. When the
// Ollama embedder's vectors exist and its server answers, eval embeds every
// case's text with it and ranks as ask ranks; with the server down, both
// fall back to the built-in vectors.
func TestEvalRanksWithDenseVectors(t *testing.T) {
	fake, home, repo := fakeOllamaHome(t)
	mustRun(t, "--home", home, "index", "--repo", repo)
	// Weigh the dense vectors heavily, so that ranking with them or
	// without them differs.
	t.Setenv("ANALYST_WEIGHTS", "dense=5")
	const at = "2026-11-04T00:00:00Z"
	queries := []string{"API returns None after save", "order writes are slow", "the service does not start", "docs are wrong"}
	shas := strings.Fields(gitIn(t, repo, nil, "log", "--format=%H"))
	rankOf := func(out, id string) int {
		for _, s := range askJSONOf(t, out).Suspects {
			if s.ID == id {
				return s.Rank
			}
		}
		return 0
	}
	var cases strings.Builder
	type want struct{ dense, builtin int }
	var wants []want
	differ := false
	for _, q := range queries {
		for _, sha := range shas {
			fmt.Fprintf(&cases, `{"id":"%s %s","query":%q,"at":%q,"cause":%q}`+"\n", q, sha[:7], q, at, sha)
			d := rankOf(mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--top", "50", "--at", at, q), sha)
			t.Setenv("OLLAMA_HOST", "127.0.0.1:9")
			b := rankOf(mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--top", "50", "--at", at, q), sha)
			t.Setenv("OLLAMA_HOST", fake.srv.URL)
			wants = append(wants, want{d, b})
			differ = differ || d != b
		}
	}
	if !differ {
		t.Fatal("the dense vectors change no rank: the test shows nothing")
	}
	file := filepath.Join(t.TempDir(), "cases.jsonl")
	os.WriteFile(file, []byte(cases.String()), 0o644)
	type report struct {
		Vectors string
		Ranks   []struct {
			ID   string
			Rank int
		}
	}
	eval := func() report {
		var r report
		if err := json.Unmarshal([]byte(mustRun(t, "--home", home, "eval", "--cases", file, "--json")), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Ranks) != len(wants) {
			t.Fatalf("eval ranked %d cases, want %d", len(r.Ranks), len(wants))
		}
		return r
	}
	check := func(r report, vectors string, rank func(want) int) {
		t.Helper()
		if !strings.HasPrefix(r.Vectors, vectors) {
			t.Errorf("eval ranked with %q, want %s", r.Vectors, vectors)
		}
		for i, w := range wants { // cases keep their order: all share one time
			if r.Ranks[i].Rank != rank(w) {
				t.Errorf("case %s: eval rank %d, ask rank %d", r.Ranks[i].ID, r.Ranks[i].Rank, rank(w))
			}
		}
	}
	check(eval(), "ollama/fake-embed", func(w want) int { return w.dense })
	t.Setenv("OLLAMA_HOST", "127.0.0.1:9") // nothing listens there
	check(eval(), "builtin", func(w want) int { return w.builtin })
}
