package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/adrg/xdg"
	"github.com/ollama/ollama/api"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// environment is what every command shares: streams, where state lives,
// settings, and the connections made lazily.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	home        string
	homeGiven   bool
	config      config
	log         *slog.Logger
	cmdNotFound string

	warnedRemote bool
	// loc is the local time zone: TZ when it names one, else the system's.
	// A report's "since Friday evening" is read in it.
	loc *time.Location
}

// localZone returns the time zone TZ names ("" or unknown: the system's).
func localZone() *time.Location {
	if tz, ok := os.LookupEnv("TZ"); ok {
		if tz == "" {
			return time.UTC
		}
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc
		}
	}
	return time.Local
}

// config holds the settings. Precedence: flag, ANALYST_* variable, config
// file, default.
type config struct {
	EmbedModel string `toml:"embed_model"`
	ChatModel  string `toml:"chat_model"`
	// Ollama turns the use of Ollama off entirely when false.
	Ollama *bool `toml:"ollama"`
	// Catalog is a TOML file of extra change classes.
	Catalog string `toml:"catalog"`
	// Enrich makes index (and so the nightly job) enrich new changes.
	Enrich bool `toml:"enrich"`
	// Watch lists the files outside git that 'analyst watch' watches when
	// given none ("~/" is the home directory).
	Watch []string `toml:"watch"`
	// ShellCommands are the commands 'shell-hook' records (default:
	// defaultShellCommands).
	ShellCommands []string `toml:"shell_commands"`
}

const defaultChatModel = "llama3.2"

func termIsTerminal(fd int) bool { return term.IsTerminal(fd) }

func (env *environment) setup(c *cli.Context) error {
	level := slog.LevelWarn
	if c.Bool("debug") {
		level = slog.LevelDebug
	}
	env.log = slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	env.home = c.String("home")
	env.homeGiven = env.home != ""
	if env.home == "" {
		env.home = filepath.Join(xdg.DataHome, "analyst")
	}
	abs, err := filepath.Abs(env.home)
	if err != nil {
		return usageErr("", "bad --home %q: %v", env.home, err)
	}
	env.home = abs
	// An explicit home owns its config; otherwise the user's config dir.
	cfgPath := filepath.Join(xdg.ConfigHome, "analyst", "config.toml")
	if env.homeGiven {
		cfgPath = filepath.Join(env.home, "config.toml")
	}
	if b, err := os.ReadFile(cfgPath); err == nil {
		if _, err := toml.Decode(string(b), &env.config); err != nil {
			return usageErr("fix or remove "+cfgPath, "reading config %s: %v", cfgPath, err)
		}
	}
	if v := os.Getenv("ANALYST_EMBED_MODEL"); v != "" {
		env.config.EmbedModel = v
	}
	if v := os.Getenv("ANALYST_CHAT_MODEL"); v != "" {
		env.config.ChatModel = v
	}
	if env.config.EmbedModel == "" {
		env.config.EmbedModel = embed.DefaultOllamaModel
	}
	if env.config.ChatModel == "" {
		env.config.ChatModel = defaultChatModel
	}
	return nil
}

func (env *environment) journalPath() string { return filepath.Join(env.home, "journal.db") }

func (env *environment) openJournal(ctx context.Context) (*journal.Store, error) {
	if err := os.MkdirAll(env.home, 0o700); err != nil {
		return nil, failErr(err, "check that the directory is writable, or pass --home DIR",
			"cannot create home %s: %v", env.home, err)
	}
	j, err := journal.Open(ctx, env.journalPath())
	if err != nil {
		if errors.Is(err, journal.ErrNewerSchema) {
			return nil, failErr(err, "upgrade analyst to read this journal", "%v", err)
		}
		return nil, storageErr(env, err, "opening journal %s", env.journalPath())
	}
	// After a re-masking or a forget, the index's copy of the old text goes
	// at once, whatever the command.
	if store, err := env.indexStore(); err == nil {
		if _, err := store.DropStale(ctx, j); err != nil {
			env.warnf("%v", err)
		}
	}
	return j, nil
}

func (env *environment) catalog() (*catalog.Catalog, error) {
	cat := catalog.Default()
	path := env.config.Catalog
	if path == "" {
		dir := filepath.Join(xdg.ConfigHome, "analyst")
		if env.homeGiven {
			dir = env.home
		}
		path = filepath.Join(dir, "classes.toml")
		if _, err := os.Stat(path); err != nil {
			return cat, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, failErr(err, "", "reading change classes: %v", err)
	}
	defer f.Close()
	user, err := catalog.Load(f)
	if err != nil {
		return nil, usageErr("fix "+path, "change classes in %s: %v", path, err)
	}
	return cat.Extend(user), nil
}

func (env *environment) indexStore() (retrieval.Store, error) {
	cat, err := env.catalog()
	if err != nil {
		return retrieval.Store{}, err
	}
	return retrieval.Store{Dir: filepath.Join(env.home, "index"), Cat: cat}, nil
}

func (env *environment) warnf(format string, args ...any) {
	fmt.Fprintf(env.stderr, "analyst: "+format+"\n", args...)
}

func (env *environment) hintf(format string, args ...any) {
	fmt.Fprintf(env.stderr, "hint: "+format+"\n", args...)
}

// ollamaHost returns the server address as the ollama command resolves it
// (scheme and port defaulted), for messages.
func ollamaHost() string {
	h := strings.TrimSpace(os.Getenv("OLLAMA_HOST"))
	if h == "" {
		return "http://127.0.0.1:11434"
	}
	if !strings.Contains(h, "://") {
		h = "http://" + h
	}
	u, err := url.Parse(h)
	if err != nil {
		return h
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "11434")
	}
	return u.Scheme + "://" + u.Host
}

// isLoopback reports whether the Ollama host is this machine.
func isLoopback(host string) bool {
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ollama returns a client if Ollama use is allowed, warning once when the
// server is off this machine.
func (env *environment) ollama() (*api.Client, string, bool) {
	if env.config.Ollama != nil && !*env.config.Ollama {
		return nil, "", false
	}
	c, err := api.ClientFromEnvironment()
	if err != nil {
		env.warnf("bad OLLAMA_HOST: %v", err)
		return nil, "", false
	}
	host := ollamaHost()
	if !isLoopback(host) && !env.warnedRemote {
		env.warnedRemote = true
		env.warnf("OLLAMA_HOST points off this machine (%s): the journal's contents travel there", host)
	}
	return c, host, true
}

// probeTimeout bounds the heartbeat that tells whether Ollama is up: a local
// server answers in milliseconds, and a dead or hung one must not delay an
// answer. A variable so tests can shorten it.
var probeTimeout = 1500 * time.Millisecond

// reachable asks the server for a heartbeat within probeTimeout.
func reachable(ctx context.Context, c *api.Client) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return c.Heartbeat(ctx) == nil
}

// denseEmbedder returns the Ollama embedder when the server is up and has
// the model; otherwise nil and a warning explaining what to do.
func (env *environment) denseEmbedder(ctx context.Context, quiet bool) *embed.Ollama {
	c, host, ok := env.ollama()
	if !ok {
		return nil
	}
	if !reachable(ctx, c) {
		env.log.Debug("ollama unreachable", "host", host)
		return nil
	}
	o := embed.NewOllama(c, env.config.EmbedModel)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := o.Check(cctx); err != nil {
		if !quiet {
			var mm *embed.ModelMissingError
			var ne *embed.NotEmbeddingError
			switch {
			case errors.As(err, &mm):
				env.warnf("embedding model %s is not pulled: using the built-in embedder", o.Model())
				env.hintf("ollama pull %s", o.Model())
			case errors.As(err, &ne):
				env.warnf("%s is not an embedding model: using the built-in embedder", o.Model())
				env.hintf("set ANALYST_EMBED_MODEL to an embedding model, e.g. %s", embed.DefaultOllamaModel)
			default:
				env.warnf("ollama embedder unavailable (%v): using the built-in embedder", err)
			}
		}
		return nil
	}
	return o
}

// stdinReader returns stdin when it is piped (not a terminal).
func (env *environment) stdinPiped() bool {
	if f, ok := env.stdin.(*os.File); ok {
		return !term.IsTerminal(int(f.Fd())) && !isDevNull(f)
	}
	return env.stdin != nil
}

func isDevNull(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	dn, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(fi, dn)
}

// interactive reports whether stderr is a terminal (progress, prompts).
func (env *environment) interactive() bool { return isTerminal(env.stderr) }
