package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/journal/redact"
)

type serveOptions struct {
	addr      string
	tokenFile string
}

// defaultServeAddr is where serve listens unless --addr says otherwise: this
// machine only.
const defaultServeAddr = "127.0.0.1:7766"

func serveCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "accept entries over HTTP from CI systems and other tools",
		Description: `Listens for entries as JSON and records them in the journal, masked like
every entry. It prints the address it listens on, then serves until
interrupted (Ctrl-C, SIGTERM).

  POST /v1/entries  {"kind": "deploy", "time": "2026-12-03T18:00:00Z",
                     "title": "v1.14 to production", "body": "…",
                     "repo": "shop-api", "ref": "<sha>", "tags": ["prod"]}
                    title is required; kind defaults to note, time to now.
                    201 {"id": "n…", "masked": […]}; 400 says what is wrong.
  GET  /v1/health   200 {"ok": true}

It listens on 127.0.0.1 by default. On any other address a token is required
(--token-file, a file holding one line): requests must then carry
'Authorization: Bearer TOKEN'. A token given on 127.0.0.1 is required too.
A request body may be at most 1 MiB.

Examples:
  analyst serve
  analyst serve --addr 127.0.0.1:0               any free port (printed)
  analyst serve --addr 0.0.0.0:7766 --token-file ~/.config/analyst/token
  curl -X POST localhost:7766/v1/entries -d '{"kind":"deploy","repo":"shop-api","ref":"'$(git rev-parse HEAD)'","title":"v1.14 to production"}'`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "listen on `HOST:PORT` (port 0: any free port)", Value: defaultServeAddr},
			&cli.StringFlag{Name: "token-file", Usage: "require the bearer token in `FILE`"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("analyst serve [--addr HOST:PORT] [--token-file FILE]", "serve takes no arguments")
			}
			return runServe(c.Context, env, serveOptions{addr: c.String("addr"), tokenFile: c.String("token-file")})
		},
	}
}

// loopbackHost reports whether host names this machine only. An empty host
// (":7766") means every interface, so it does not.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runServe(ctx context.Context, env *environment, o serveOptions) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return usageErr("give HOST:PORT, e.g. --addr 127.0.0.1:7766", "bad --addr %q: %v", o.addr, err)
	}
	token := ""
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return usageErr("write a token to the file first, e.g. head -c 32 /dev/urandom | base64 > FILE", "reading --token-file: %v", err)
		}
		token = strings.TrimSpace(string(b))
		if token == "" || strings.ContainsAny(token, " \t\r\n") {
			return usageErr("the file must hold one token on one line, e.g. head -c 32 /dev/urandom | base64 > FILE",
				"no usable token in %s", o.tokenFile)
		}
	}
	if !loopbackHost(host) && token == "" {
		return usageErr("create one: head -c 32 /dev/urandom | base64 > ~/.config/analyst/token\n"+
			"then: analyst serve --addr "+o.addr+" --token-file ~/.config/analyst/token (or listen on 127.0.0.1)",
			"refusing to listen on %s without a token: anyone who reaches it could write to the journal", o.addr)
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	// Whoever started it, serve stops cleanly on Ctrl-C or SIGTERM.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return failErr(err, "pick another port with --addr, or stop what listens there", "cannot listen on %s: %v", o.addr, err)
	}
	srv := &http.Server{
		Handler:           &entryServer{j: j, token: token},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	fmt.Fprintf(env.stdout, "listening on http://%s\n", ln.Addr())
	stopped := make(chan error, 1)
	go func() {
		<-ctx.Done()
		// Requests under way finish; new ones are refused.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return failErr(err, "", "serving: %v", err)
	}
	if err := <-stopped; err != nil {
		return failErr(err, "", "stopping: %v", err)
	}
	env.warnf("stopped")
	return nil
}

// entryServer is the HTTP API over one open journal.
type entryServer struct {
	j     *journal.Store
	token string
	mu    sync.Mutex // one write at a time from this process
}

// entryRequest is the JSON a client posts.
type entryRequest struct {
	Kind  string   `json:"kind"`
	Time  string   `json:"time"`
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Repo  string   `json:"repo"`
	Ref   string   `json:"ref"`
	Tags  []string `json:"tags"`
}

func (s *entryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case "/v1/entries":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use POST with a JSON entry"})
			return
		}
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="analyst"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong token: send 'Authorization: Bearer TOKEN'"})
			return
		}
		s.addEntry(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint: POST /v1/entries, GET /v1/health"})
	}
}

// authorized checks the bearer token in constant time; with no token set,
// every request is.
func (s *entryServer) authorized(r *http.Request) bool {
	if s.token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.token)) == 1
}

func (s *entryServer) addEntry(w http.ResponseWriter, r *http.Request) {
	bad := func(format string, args ...any) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf(format, args...)})
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxInput))
	dec.DisallowUnknownFields()
	var req entryRequest
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body larger than %d bytes", maxInput)})
		case errors.Is(err, io.EOF):
			bad("empty body: send one JSON object with at least a title")
		case errors.Is(err, io.ErrUnexpectedEOF):
			bad("invalid JSON: it ends before the object does")
		case errors.As(err, &syntax):
			bad("invalid JSON at byte %d: %v", syntax.Offset, err)
		case errors.As(err, &typ):
			bad("field %q must be a %s", typ.Field, typ.Type)
		default:
			bad("invalid entry: %v", err)
		}
		return
	}
	if dec.More() {
		bad("send one JSON object per request")
		return
	}
	e, msg := req.entry(time.Now())
	if msg != "" {
		bad("%s", msg)
		return
	}
	s.mu.Lock()
	_, err := s.j.Add(r.Context(), e)
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "recording the entry failed: " + err.Error()})
		return
	}
	masked := e.Masked
	if masked == nil {
		masked = []redact.Finding{}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": e.ID, "masked": masked})
}

// entry validates the request and builds the entry, masked; msg says what
// is wrong otherwise.
func (req entryRequest) entry(now time.Time) (e journal.Entry, msg string) {
	if strings.TrimSpace(req.Title) == "" {
		return e, `"title" is required`
	}
	kind := strings.TrimSpace(req.Kind)
	switch {
	case kind == "":
		kind = journal.KindNote
	case strings.ContainsAny(kind, " \t\r\n"):
		return e, fmt.Sprintf(`"kind" is one word, e.g. deploy (got %q)`, req.Kind)
	case kind == journal.KindCommit:
		return e, `"kind" commit is for git history: run analyst index on the repository`
	}
	at := now
	if req.Time != "" {
		t, err := time.Parse(time.RFC3339, req.Time)
		if err != nil {
			return e, fmt.Sprintf(`"time" must be RFC 3339, e.g. 2026-12-04T02:00:00Z (got %q)`, req.Time)
		}
		at = t
	}
	for _, t := range req.Tags {
		if strings.TrimSpace(t) == "" {
			return e, `"tags" must not hold empty strings`
		}
	}
	text := strings.ToValidUTF8(req.Title, "\uFFFD")
	if req.Body != "" {
		text += "\n" + strings.ToValidUTF8(req.Body, "\uFFFD")
	}
	e = journal.NewNote(text, kind, at, req.Tags, strings.TrimSpace(req.Repo), strings.TrimSpace(req.Ref))
	e.Meta.Source = "serve"
	return e, ""
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
