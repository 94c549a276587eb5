package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ollama/ollama/api"

	"github.com/analyst-dev/analyst/internal/ollamatest"
	"github.com/analyst-dev/analyst/prompts"
)

// chatTap is a proxy in front of a real server that records what passes
// through /api/chat — whether analyst asked for a stream, and the reply's
// lines — and, with kill set, kills the server in the middle of the reply.
type chatTap struct {
	URL string // point OLLAMA_HOST here

	mu          sync.Mutex
	streamAsked bool
	contentType string
	lines       int    // reply lines passed to analyst
	reply       string // their content, joined
	done        *api.ChatResponse
	badLine     string // a line that did not parse, if any
	killed      bool
	statuses    []int    // of each chat request, in order
	errs        []string // the server's error text of each failed chat request
}

var errKilled = errors.New("server killed by the test")

// newChatTap starts a tap. With kill, it kills the server (and stops
// accepting connections, as a dead server's port does) once the reply's
// summary has begun to pass, or, if the reply ends first, just before its
// done line: analyst sees the connection close in the middle of a stream.
func newChatTap(t *testing.T, srv *ollamatest.Server, kill bool) *chatTap {
	t.Helper()
	tap := &chatTap{}
	proxy := httputil.NewSingleHostReverseProxy(srv.URL())
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	var ts *httptest.Server
	proxy.ModifyResponse = func(res *http.Response) error {
		if res.Request.URL.Path != "/api/chat" {
			return nil
		}
		tap.mu.Lock()
		defer tap.mu.Unlock()
		tap.contentType = res.Header.Get("Content-Type")
		tap.statuses = append(tap.statuses, res.StatusCode)
		if res.StatusCode >= 400 {
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(body))
			var e struct{ Error string }
			json.Unmarshal(body, &e)
			tap.errs = append(tap.errs, e.Error)
			return err
		}
		summaryBegun := false
		res.Body = &lineBody{r: bufio.NewReader(res.Body), c: res.Body, line: func(line []byte) error {
			tap.mu.Lock()
			defer tap.mu.Unlock()
			var r api.ChatResponse
			if err := json.Unmarshal(line, &r); err != nil {
				tap.badLine = string(line)
			}
			if kill && (summaryBegun || r.Done) {
				tap.killed = true
				srv.Kill()
				ts.Listener.Close()
				return errKilled // the proxy aborts the connection
			}
			tap.lines++
			tap.reply += r.Message.Content
			if r.Done {
				tap.done = &r
			}
			if s, ok := partialJSONString(tap.reply, "summary"); ok && s != "" {
				summaryBegun = true
			}
			return nil
		}}
		return nil
	}
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/chat" {
			body, _ := io.ReadAll(r.Body)
			var req api.ChatRequest
			json.Unmarshal(body, &req)
			tap.mu.Lock()
			tap.streamAsked = req.Stream == nil || *req.Stream
			tap.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	tap.URL = ts.URL
	return tap
}

// lineBody passes a body on line by line, calling line before each; an
// error from line ends the body with that error.
type lineBody struct {
	r       *bufio.Reader
	c       io.Closer
	line    func([]byte) error
	pending []byte
	err     error
}

func (b *lineBody) Read(p []byte) (int, error) {
	for len(b.pending) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		line, err := b.r.ReadBytes('\n')
		b.err = err
		if len(line) > 0 {
			if lerr := b.line(line); lerr != nil {
				b.err = lerr
				return 0, lerr
			}
			b.pending = line
		}
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

func (b *lineBody) Close() error { return b.c.Close() }

// streamParts splits `ask --stream` output into the suspects list, the
// streamed explanation (without its header; ok false without one) and what
// follows it.
func streamParts(t *testing.T, out, model string) (list, expl, rest string, ok bool) {
	t.Helper()
	if !strings.HasPrefix(out, "Suspects for ") {
		t.Fatalf("the stream does not start with the suspects:\n%s", out)
	}
	list, expl, ok = strings.Cut(out, "\nExplanation ("+model+"):\n")
	if !ok {
		return out, "", "", false
	}
	expl, rest, _ = strings.Cut(expl, "\n\n")
	return list, expl, rest, true
}

const cutLine = "[explanation cut off here: the suspects above stand without it]"

// `ask --stream` against the real server: analyst asks for a stream, the
// server sends NDJSON ending in one done line, and what analyst prints
// agrees with what came: the summary as it streamed, then the model's
// reading, or, for a reply that cannot be used, a warning and the cut line.
func TestRealOllamaStream(t *testing.T) {
	srv, home, ids := realOllama(t)
	tap := newChatTap(t, srv, false)
	t.Setenv("OLLAMA_HOST", tap.URL)
	out, errOut, code := analystRun(t, "", "--home", home, "ask", "--stream", "--at", realAt, "API returns None after save")
	t.Logf("stderr:\n%s", errOut)
	if code != 0 {
		t.Fatalf("ask --stream: exit %d\n%s", code, errOut)
	}
	if !tap.streamAsked || tap.contentType != "application/x-ndjson" || tap.lines < 2 || tap.badLine != "" {
		t.Fatalf("not a stream: asked %v, content type %q, %d lines, bad line %q", tap.streamAsked, tap.contentType, tap.lines, tap.badLine)
	}
	if tap.done == nil {
		t.Fatalf("the stream ended without a done line")
	}
	list, expl, rest, streamed := streamParts(t, out, srv.ChatModel)
	for _, title := range []string{"Speed up order writes", "Add prod config", "Add app entry point", "Document the service"} {
		if !strings.Contains(list, title) {
			t.Errorf("the suspects list lacks %q:\n%s", title, list)
		}
	}
	summary, _ := partialJSONString(tap.reply, "summary")
	if streamed != (summary != "") {
		t.Errorf("explanation shown %v, but the reply's summary is %q:\n%s", streamed, summary, out)
	}

	var ex prompts.Explanation
	usable := tap.done.DoneReason != "length" && json.Unmarshal([]byte(tap.reply), &ex) == nil
	t.Logf("done reason %q, %d lines, usable %v", tap.done.DoneReason, tap.lines, usable)
	if !usable {
		// A model failure: said so, and a part shown is marked as cut.
		if !strings.Contains(errOut, "showing retrieval only") || !strings.Contains(errOut, "hint:") {
			t.Errorf("an unusable reply without a warning:\n%s", errOut)
		}
		if streamed && !strings.HasPrefix(expl, summary) || streamed && !strings.HasSuffix(expl, "\n"+cutLine) {
			t.Errorf("a cut explanation is not the summary's start and the cut line:\n%s", out)
		}
		if strings.Contains(out, "The model's reading") {
			t.Errorf("the model's reading of an unusable reply:\n%s", out)
		}
		return
	}
	if strings.Contains(errOut, "showing retrieval only") || strings.Contains(out, "cut off") {
		t.Errorf("a whole reply, yet warned or cut:\n%s\n%s", out, errOut)
	}
	if streamed && expl != summary {
		t.Errorf("streamed %q, the reply's summary is %q", expl, summary)
	}
	kept := 0
	for _, s := range ex.Suspects {
		if ids[s.ID] && strings.TrimSpace(s.Why) != "" {
			kept++
		}
	}
	if reading := strings.Contains(rest, "The model's reading"); reading != (kept > 0) {
		t.Errorf("the model kept %d suspects, reading shown %v:\n%s", kept, reading, out)
	}
}

// The server killed while the explanation streams: the suspects printed
// stand, the part of the explanation shown is marked as cut, a warning says
// the server stopped answering, and ask exits 0.
func TestRealOllamaKilledMidStream(t *testing.T) {
	srv, home, _ := realOllama(t)
	tap := newChatTap(t, srv, true)
	t.Setenv("OLLAMA_HOST", tap.URL)
	out, errOut, code := analystRun(t, "", "--home", home, "ask", "--stream", "--at", realAt, "API returns None after save")
	t.Logf("%d lines passed, then killed %v\nstdout:\n%s\nstderr:\n%s", tap.lines, tap.killed, out, errOut)
	if code != 0 {
		t.Fatalf("ask --stream: exit %d\n%s", code, errOut)
	}
	if !tap.killed || srv.Running() {
		t.Fatalf("the server was not killed during the reply (killed %v, running %v)", tap.killed, srv.Running())
	}
	want := "analyst: Ollama at " + tap.URL + " stopped answering in the middle of its reply: showing retrieval only\n"
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	list, expl, rest, streamed := streamParts(t, out, srv.ChatModel)
	for _, title := range []string{"Speed up order writes", "Add prod config", "Add app entry point", "Document the service"} {
		if !strings.Contains(list, title) {
			t.Errorf("the suspects list lacks %q:\n%s", title, list)
		}
	}
	summary, _ := partialJSONString(tap.reply, "summary")
	if streamed != (summary != "") {
		t.Errorf("explanation shown %v, but the summary passed was %q", streamed, summary)
	}
	if streamed && (expl != summary+"\n"+cutLine || rest != "") {
		t.Errorf("the cut explanation is not the summary passed and the cut line, at the end:\n%s", out)
	}

	// The next ask finds the server gone and says so.
	a, _ := askReal(t, home)
	if len(a.Suspects) != 4 || a.Models.Embed != "builtin" || !strings.Contains(strings.Join(a.Warnings, "\n"), "Ollama unreachable at "+tap.URL) {
		t.Errorf("server gone: %d suspects, models %+v, warnings %q", len(a.Suspects), a.Models, a.Warnings)
	}
}

// A prompt the real server finds over the context (a text of many tokens a
// character: every CJK character is three byte tokens to the test model) is
// refused with the error analyst recognises, and sent again shorter.
func TestRealOllamaContextOverflow(t *testing.T) {
	srv := ollamatest.Start(t)
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	tap := newChatTap(t, srv, false)
	t.Setenv("OLLAMA_HOST", tap.URL)
	t.Setenv("ANALYST_CHAT_MODEL", srv.ChatModel)
	mustRun(t, "--home", home, "note", "--at", "2026-11-03T10:00:00Z",
		"API returns None after save\n"+strings.Repeat("保存した直後に読み込むと注文が見つからない。", 800))
	out, errOut, code := analystRun(t, "", "--home", home, "ask", "--json", "--at", realAt, "API returns None after save")
	t.Logf("chat statuses %v, errors %q\nstderr:\n%s", tap.statuses, tap.errs, errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	a := askJSONOf(t, out)
	if len(tap.statuses) < 2 || tap.statuses[0] != http.StatusBadRequest || len(tap.errs) == 0 || !isContextOverflow(tap.errs[0]) {
		t.Fatalf("the whole prompt was not refused as over the context: statuses %v, errors %q", tap.statuses, tap.errs)
	}
	if last := tap.statuses[len(tap.statuses)-1]; last != http.StatusOK || len(tap.statuses) > 3 {
		t.Errorf("statuses %v: want a shorter prompt to fit, in at most three tries", tap.statuses)
	}
	if strings.Contains(strings.Join(a.Warnings, "\n"), "did not fit") || len(a.Suspects) != 1 {
		t.Errorf("after a shorter prompt fit: %d suspects, warnings %q", len(a.Suspects), a.Warnings)
	}
}
