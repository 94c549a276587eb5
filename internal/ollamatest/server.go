// Package ollamatest runs a real `ollama serve` for integration tests, with
// tiny random-weight models it writes itself, so tests meet the server's real
// protocol, errors and failures rather than a fake's idea of them.
//
// The server binary is ANALYST_OLLAMA_BIN, else `ollama` on PATH, else
// $GOPATH/bin/ollama; `bash .ci/build-ollama` builds the pinned version
// (v0.17.4) and prints its path. Without a binary, Start skips the test,
// saying so, unless ANALYST_REQUIRE_OLLAMA=1 (CI sets it), which makes a
// missing binary a failure instead.
//
// The models answer with gibberish: assert protocol and shape (vector
// dimensions, JSON that parses, done reasons, status codes), never words.
package ollamatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

// Names of the models Start creates.
const (
	ChatModel  = "analyst-test-chat"
	EmbedModel = "analyst-test-embed"
)

// Environment variables that steer the helper.
const (
	// EnvBin names the server binary to use.
	EnvBin = "ANALYST_OLLAMA_BIN"
	// EnvRequire, set to 1, turns "no binary" from a skip into a failure.
	EnvRequire = "ANALYST_REQUIRE_OLLAMA"
)

// Bounds on the server's own steps: generous, since a loaded CI machine is
// slow, yet short enough that a hung server fails the test rather than the
// whole run.
const (
	readyTimeout  = 60 * time.Second
	createTimeout = 60 * time.Second
)

// Binary returns the path of the ollama binary to run: EnvBin, else `ollama`
// on PATH, else ollama in a GOPATH bin directory (where `go install` puts it).
func Binary() (string, error) {
	if p := os.Getenv(EnvBin); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvBin, p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("ollama"); err == nil {
		return p, nil
	}
	for _, dir := range filepath.SplitList(build.Default.GOPATH) {
		p := filepath.Join(dir, "bin", "ollama")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("no ollama binary: set " + EnvBin + ", put ollama on PATH, or build one with 'bash .ci/build-ollama'")
}

// Server is a running `ollama serve` with the test models created.
type Server struct {
	// Host is the server's address, host:port, as OLLAMA_HOST takes it.
	Host string
	// ChatModel and EmbedModel are the names of the created models.
	ChatModel, EmbedModel string
	// Bin is the binary that runs.
	Bin string

	dir     string
	threads int
	cmd     *exec.Cmd
	log     *syncBuffer
	exited  chan struct{} // closed once the process has been waited for
	kill    sync.Once
}

// Start runs `ollama serve` on a free loopback port, with HOME and
// OLLAMA_MODELS in a temporary directory, waits until it answers, and creates
// ChatModel and EmbedModel. The process (and the model runners it starts) is
// killed and waited for when the test ends; its log is printed if the test
// failed. Without a binary the test is skipped (see the package comment).
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// Options choose the models a server gets.
type Options struct {
	// Embed is the shape of EmbedModel; zero means WriteEmbedModel's.
	Embed EmbedShape
	// NoChat leaves ChatModel out (the field stays empty).
	NoChat bool
	// Threads is each model's num_thread; zero means 1.
	Threads int
}

// StartWith is Start with models chosen by o.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		unavailable(t, EnvRequire, "a real Ollama server", err)
	}
	s, err := Launch(bin, t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("ollama serve log (last lines):\n%s", s.logTail())
		}
	})
	return s
}

// Launch is StartWith outside a test: it runs bin serve with its files in
// dir (which must exist and is left for the caller to remove) and creates
// the models. The caller stops the server with Stop.
func Launch(bin, dir string, o Options) (*Server, error) {
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	if !o.NoChat {
		if err := WriteChatModel(filepath.Join(src, "chat.gguf")); err != nil {
			return nil, err
		}
	}
	shape := o.Embed
	if shape == (EmbedShape{}) {
		shape = tinyEmbed
	}
	if err := WriteEmbedModelShape(filepath.Join(src, "embed.gguf"), shape); err != nil {
		return nil, err
	}

	var s *Server
	for attempt := 1; ; attempt++ {
		s = &Server{Bin: bin, dir: dir, EmbedModel: EmbedModel, threads: max(o.Threads, 1)}
		err := s.start()
		if err == nil {
			break
		}
		// Another process may take the free port between finding and using it.
		if attempt < 3 && strings.Contains(s.log.String(), "address already in use") {
			continue
		}
		return nil, fmt.Errorf("starting %s serve: %v\n%s", bin, err, s.logTail())
	}
	if !o.NoChat {
		s.ChatModel = ChatModel
		if err := s.create(ChatModel, "chat.gguf", `TEMPLATE """{{- range .Messages }}<|{{ .Role }}|>
{{ .Content }}
{{ end }}<|assistant|>
"""`); err != nil {
			s.Stop()
			return nil, err
		}
	}
	if err := s.create(EmbedModel, "embed.gguf", ""); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// start launches the process and waits until it answers.
func (s *Server) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Host = net.JoinHostPort("127.0.0.1", port)
	s.log = &syncBuffer{}
	s.exited = make(chan struct{})
	s.cmd = exec.Command(s.Bin, "serve")
	s.cmd.Env = s.env()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("exited before answering (%v)", s.cmd.ProcessState)
		case <-ctx.Done():
			s.Kill()
			return fmt.Errorf("no answer at %s within %s", s.Host, readyTimeout)
		case <-tick.C:
			if s.Client().Heartbeat(ctx) == nil {
				return nil
			}
		}
	}
}

// env is the server's environment: the test's, without the user's Ollama
// settings, with its own home, model store and address. OLLAMA_DEBUG passes
// through for troubleshooting.
func (s *Server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || (strings.HasPrefix(k, "OLLAMA_") && k != "OLLAMA_DEBUG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+filepath.Join(s.dir, "home"),
		"OLLAMA_MODELS="+filepath.Join(s.dir, "models"),
		"OLLAMA_HOST="+s.Host,
		// One request at a time keeps the KV cache, and the machine's load, small.
		"OLLAMA_NUM_PARALLEL=1",
	)
}

// create runs `ollama create name -f Modelfile` for a model file in src.
// Each model runs on s.threads threads (1 unless asked): on two cores, two
// threads made generation hundreds of times slower.
func (s *Server) create(name, file, extra string) error {
	src := filepath.Join(s.dir, "src")
	mf := filepath.Join(src, name+".Modelfile")
	text := fmt.Sprintf("FROM ./%s\nPARAMETER num_thread %d\nPARAMETER seed 1\n%s\n", file, s.threads, extra)
	if err := os.WriteFile(mf, []byte(text), 0o644); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), createTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Bin, "create", name, "-f", mf)
	cmd.Dir = src
	cmd.Env = s.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ollama create %s: %v\n%s\nserver log:\n%s", name, err, out, s.logTail())
	}
	return nil
}

// URL is the server's base URL.
func (s *Server) URL() *url.URL { return &url.URL{Scheme: "http", Host: s.Host} }

// Client returns an Ollama API client for the server.
func (s *Server) Client() *api.Client { return api.NewClient(s.URL(), http.DefaultClient) }

// Log returns what the server has written so far.
func (s *Server) Log() string { return s.log.String() }

// Running reports whether the server process is still alive.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Kill kills the server and the model runners it started (their process
// group, which is the server's own id) and waits for the server to exit.
// Safe to call more than once and from any goroutine.
func (s *Server) Kill() {
	s.kill.Do(func() {
		killGroup(s.cmd.Process)
		<-s.exited
	})
}

// Stop asks the server to shut down, so it stops its runners itself, kills
// what is left after a few seconds, and waits for it to exit. Safe to call
// more than once.
func (s *Server) Stop() {
	s.kill.Do(func() {
		terminate(s.cmd.Process)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
		}
		killGroup(s.cmd.Process)
		<-s.exited
	})
}

// KillOnRequest returns the address of a relay to the server that kills the
// server as soon as a request whose request line starts with line (e.g.
// "POST /api/chat") has passed through: the client has sent its request and
// the connection dies without an answer, as when a server crashes or is
// stopped mid-request. From then on the relay refuses connections, as a dead
// server's port does. Point OLLAMA_HOST at the address it returns.
func (s *Server) KillOnRequest(t testing.TB, line string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	marker := []byte(line + " HTTP/")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.relay(c, marker, func() {
				s.Kill()
				ln.Close()
			})
		}
	}()
	return ln.Addr().String()
}

// relay copies one connection both ways, calling hit once marker has gone
// from the client to the server. The client's connection stays open until hit
// has returned, so a client that sees it close sees the server dead.
func (s *Server) relay(client net.Conn, marker []byte, hit func()) {
	defer client.Close()
	up, err := net.Dial("tcp", s.Host)
	if err != nil {
		return
	}
	defer up.Close()
	var hitting atomic.Bool
	hitDone := make(chan struct{})
	defer func() {
		if hitting.Load() {
			<-hitDone
		}
	}()
	go func() {
		buf := make([]byte, 32<<10)
		var tail []byte // the end of what went before, for a marker split across reads
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if _, werr := up.Write(buf[:n]); werr != nil {
					return
				}
				seen := append(tail, buf[:n]...)
				if bytes.Contains(seen, marker) {
					hitting.Store(true)
					hit()
					close(hitDone)
					return
				}
				tail = append([]byte(nil), seen[max(0, len(seen)-len(marker)):]...)
			}
			if err != nil {
				up.Close()
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// logTail is the last lines of the server's log.
func (s *Server) logTail() string {
	if s.log == nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s.log.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's
// reads at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// unavailable skips a test that needs what is missing, saying why, or fails
// it when the environment variable require is 1.
func unavailable(t testing.TB, require, what string, err error) {
	t.Helper()
	if os.Getenv(require) == "1" {
		t.Fatalf("%v (%s=1 requires the tests that need %s to run)", err, require, what)
	}
	t.Skipf("skipping: needs %s: %v", what, err)
}
