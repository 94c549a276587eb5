package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"unicode"

	"github.com/urfave/cli/v2"
)

// Exit codes, documented in --help and the README.
const (
	exitOK    = 0 // an answer was printed (also when degraded to retrieval only)
	exitFail  = 1 // the command failed
	exitUsage = 2 // bad usage or input
)

// userError is an error with something for the user to do. Code is the exit
// code (exitUsage for bad input, exitFail otherwise).
type userError struct {
	msg  string
	hint string
	code int
	err  error
	// quiet errors set the exit code and print nothing (the hook's).
	quiet bool
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.err }

// usageErr is bad usage or input: exit 2.
func usageErr(hint, format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...), hint: hint, code: exitUsage}
}

// failErr is a failure with a hint: exit 1.
func failErr(err error, hint, format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...), hint: hint, code: exitFail, err: err}
}

const appHelp = `analyst keeps a journal of the changes you make (commits with their diffs,
decisions you note, deploys) and, when something breaks, answers "what did we
change that could cause this?" with a ranked, cited list of suspects. Nothing
leaves this machine; a local Ollama model, when running, writes explanations.

Examples:
  analyst index --repo ~/src/shop-api        bring a repository's history in
  analyst note --kind decision "set w=0 on the orders Mongo URI for speed"
  analyst ask "API returns None after save"   rank suspects now
  analyst ask --at 2026-12-04T02:00:00Z --json "checkout times out"
  journalctl -u api | tail -50 | analyst ask -  an incident from stdin
  analyst mark 1a2b3c4d cause                  that change caused it: lift similar ones next time
  analyst ask --html incident.html "…"         a page: the changes on a time axis, suspects ranked
  analyst demo                                 see it work on a sample history

Exit codes:
  0  an answer was printed (also when degraded to retrieval only, with a warning)
  1  the command failed
  2  bad usage or input

Environment:
  ANALYST_HOME         where the journal and index live (default: XDG data dir)
  ANALYST_EMBED_MODEL  Ollama embedding model (default nomic-embed-text)
  ANALYST_CHAT_MODEL   Ollama chat model (default llama3.2)
  OLLAMA_HOST          the Ollama server, as for the ollama command`

// run is the whole program: it parses args, runs a command, prints errors,
// and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if path := os.Getenv("ANALYST_CPUPROFILE"); path != "" {
		// For performance work: a CPU profile of this run.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if isTerminal(stdout) {
		// Journal text comes from commit messages and diffs anyone could
		// write: on a terminal, its control sequences are shown, not obeyed.
		stdout = terminalSafe{stdout.(*os.File)}
	}
	env := &environment{stdin: stdin, stdout: stdout, stderr: stderr, loc: localZone()}
	app := newApp(env)
	err := app.RunContext(ctx, reorderArgs(app, args))
	return report(stderr, err, ctx)
}

// report prints err for the user and maps it to an exit code.
func report(stderr io.Writer, err error, ctx context.Context) int {
	if err == nil {
		return exitOK
	}
	var ue *userError
	if errors.As(err, &ue) {
		if ue.quiet {
			return ue.code
		}
		fmt.Fprintf(stderr, "analyst: %s\n", ue.msg)
		if ue.hint != "" {
			for _, h := range strings.Split(ue.hint, "\n") {
				fmt.Fprintf(stderr, "hint: %s\n", h)
			}
		}
		return ue.code
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "analyst: interrupted")
		return exitFail
	}
	msg := err.Error()
	// urfave/cli's own usage errors.
	if strings.HasPrefix(msg, "flag provided but not defined") || strings.HasPrefix(msg, "invalid value") ||
		strings.Contains(msg, "flag needs an argument") || strings.HasPrefix(msg, "No help topic") ||
		strings.HasPrefix(msg, "Required flag") {
		fmt.Fprintf(stderr, "analyst: %s\n", lowerFirst(msg))
		fmt.Fprintln(stderr, "hint: run 'analyst --help' or 'analyst COMMAND --help' for usage")
		return exitUsage
	}
	fmt.Fprintf(stderr, "analyst: %s\n", msg)
	return exitFail
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func newApp(env *environment) *cli.App {
	app := &cli.App{
		Name:                   "analyst",
		Usage:                  "a local, private incident analyst: what did we change that could cause this?",
		Version:                version(),
		Description:            appHelp,
		Reader:                 env.stdin,
		Writer:                 env.stdout,
		ErrWriter:              env.stderr,
		HideHelpCommand:        true,
		EnableBashCompletion:   true,
		UseShortOptionHandling: false,
		// Errors come back to run, which prints them once and picks the exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Usage: "keep the journal, index and config in `DIR`", EnvVars: []string{"ANALYST_HOME"}},
			&cli.BoolFlag{Name: "debug", Usage: "print diagnostics to stderr"},
		},
		Before: func(c *cli.Context) error { return env.setup(c) },
		Commands: []*cli.Command{
			askCommand(env),
			indexCommand(env),
			noteCommand(env),
			logCommand(env),
			showCommand(env),
			forgetCommand(env),
			hookCommand(env),
			demoCommand(env),
			evalCommand(env),
			scheduleCommand(env),
			doctorCommand(env),
			completionCommand(env),
			markCommand(env),
			timelineCommand(env),
			watchCommand(env),
			importCommand(env),
			exportCommand(env),
			shellHookCommand(env),
			serveCommand(env),
		},
		OnUsageError: func(c *cli.Context, err error, _ bool) error { return err },
		CommandNotFound: func(c *cli.Context, name string) {
			env.cmdNotFound = name
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = func(c *cli.Context, err error, _ bool) error { return err }
		cmd.Category = commandCategory[cmd.Name]
	}
	app.After = func(c *cli.Context) error {
		if env.cmdNotFound != "" {
			return usageErr("run 'analyst --help' to list the commands", "unknown command %q", env.cmdNotFound)
		}
		return nil
	}
	return app
}

// version is the module's version and, for a build from a checkout, the
// commit it was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev != "" && (v == "" || v == "(devel)") {
		v = "commit " + rev[:min(12, len(rev))] + modified
	}
	if v == "" {
		v = "(devel)"
	}
	return v + ", " + bi.GoVersion
}

// commandCategory groups the commands in --help, in the order a person
// meets them: what to ask, how changes get in, keeping it all healthy.
var commandCategory = map[string]string{
	"ask": "Investigate", "show": "Investigate", "log": "Investigate", "mark": "Investigate",
	"timeline": "Investigate", "eval": "Investigate", "demo": "Investigate",
	"index": "Capture", "hook": "Capture", "note": "Capture", "watch": "Capture",
	"shell-hook": "Capture", "serve": "Capture", "import": "Capture", "export": "Capture",
	"schedule": "Maintain", "doctor": "Maintain", "forget": "Maintain", "completion": "Maintain",
}

// reorderArgs lets flags follow positional arguments (`analyst ask "…"
// --json`): urfave/cli v2 stops parsing flags at the first positional
// argument, so the flags of the command are moved before its arguments. A
// "--" ends flags as usual.
func reorderArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	i := 1
	// Global flags before the command.
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" {
		out = append(out, args[i])
		if takesValue(app.Flags, args[i]) && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
		i++
	}
	if i >= len(args) {
		return out
	}
	cmd := app.Command(args[i])
	out = append(out, args[i])
	i++
	// Subcommands (hook install) are resolved by name as well.
	for cmd != nil && len(cmd.Subcommands) > 0 && i < len(args) {
		sub := cmd.Command(args[i])
		if sub == nil {
			break
		}
		cmd = sub
		out = append(out, args[i])
		i++
	}
	if cmd == nil {
		return append(out, args[i:]...)
	}
	var flags, pos []string
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			if takesValue(cmd.Flags, a) && !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			continue
		}
		pos = append(pos, a)
	}
	out = append(out, flags...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}

func takesValue(flags []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if k := strings.IndexByte(name, '='); k >= 0 {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				if tv, ok := f.(interface{ TakesValue() bool }); ok {
					return tv.TakesValue()
				}
				return false
			}
		}
	}
	return false
}

// isTerminal reports whether v is an interactive terminal.
func isTerminal(v any) bool {
	switch f := v.(type) {
	case *os.File:
		return termIsTerminal(int(f.Fd()))
	case terminalSafe:
		return true
	}
	return false
}

// terminalSafe writes to a terminal with control characters (escape
// sequences, carriage returns, C1 controls) replaced by visible marks, so
// that text from the journal cannot move the cursor, retitle the window or
// hide what it prints. Newlines and tabs pass.
type terminalSafe struct{ f *os.File }

func (t terminalSafe) Write(p []byte) (int, error) {
	if !slices.ContainsFunc(p, func(b byte) bool { return b < 0x20 && b != '\n' && b != '\t' || b == 0x7f || b == 0xc2 }) {
		return t.f.Write(p)
	}
	if _, err := t.f.Write([]byte(neutralize(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// neutralize replaces control characters other than newline and tab with
// the Unicode control pictures (␛ for ESC) or U+FFFD.
func neutralize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20:
			return 0x2400 + r // ␀ … ␟
		case r == 0x7f:
			return 0x2421 // ␡
		case r >= 0x80 && r <= 0x9f:
			return unicode.ReplacementChar
		}
		return r
	}, s)
}
