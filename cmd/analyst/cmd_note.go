package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

type noteOptions struct {
	text string
	at   time.Time
	kind string
	tags []string
	repo string
	ref  string
}

// maxInput bounds what is read from stdin for a note or an incident: 1 MiB,
// far more than any description or stack trace, and small enough that a
// mistaken pipe (a log file, a binary) cannot exhaust memory.
const maxInput = 1 << 20

func noteCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "note",
		Usage:     "record a decision or change made outside git",
		ArgsUsage: "TEXT | -",
		Description: `Records a new journal entry. The first line is its title. '-' or a pipe reads
the text from stdin (its first MiB; more is cut, with a warning); with no text
on a terminal, $EDITOR opens. Each call records a new entry, even with the
same text as an earlier note.

Examples:
  analyst note --kind decision --tag mongo "w=0 on the orders URI for faster writes"
  analyst note --kind deploy --repo shop-api --at 2026-12-03T18:00:00Z "v1.14 to production"
  git log -1 --format=%B | analyst note -`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "at", Usage: "when it happened, `TIME` in RFC 3339 (default now)"},
			&cli.StringFlag{Name: "kind", Usage: "what kind of change, a free `KIND` label: note, decision, deploy, ops…", Value: journal.KindNote},
			&cli.StringSliceFlag{Name: "tag", Usage: "a `TAG` (repeatable)"},
			&cli.StringFlag{Name: "repo", Usage: "the repository or service `NAME` it concerns"},
			&cli.StringFlag{Name: "ref", Usage: "the commit or version `REF` it concerns"},
		},
		Action: func(c *cli.Context) error {
			at, err := parseTime("at", c.String("at"), time.Now())
			if err != nil {
				return err
			}
			kind := strings.TrimSpace(c.String("kind"))
			if kind == "" || strings.ContainsAny(kind, " \t\n") {
				return usageErr("a kind is one word, e.g. --kind decision", "invalid --kind %q", c.String("kind"))
			}
			text, err := env.readText(c, "note")
			if err != nil {
				return err
			}
			o := noteOptions{text: text, at: at, kind: kind, tags: c.StringSlice("tag"), repo: c.String("repo"), ref: c.String("ref")}
			return runNote(c.Context, env, o)
		},
	}
}

func runNote(ctx context.Context, env *environment, o noteOptions) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	e := journal.NewNote(o.text, o.kind, o.at, o.tags, o.repo, o.ref)
	if _, err := j.Add(ctx, e); err != nil {
		return storageErr(env, err, "recording note")
	}
	fmt.Fprintln(env.stdout, e.ID)
	if len(e.Masked) > 0 {
		env.warnf("masked secrets in the note (%s)", maskedSummary(e))
	}
	env.warnRisky(nil, e)
	return nil
}

// readText returns the command's text: the arguments, or stdin for '-' or a
// pipe, or $EDITOR on a terminal. Empty text is a usage error.
func (env *environment) readText(c *cli.Context, what string) (string, error) {
	args := c.Args().Slice()
	var text string
	switch {
	case len(args) == 1 && args[0] == "-", len(args) == 0 && env.stdinPiped():
		b, err := io.ReadAll(io.LimitReader(env.stdin, maxInput+1))
		if err != nil {
			return "", failErr(err, "", "reading stdin: %v", err)
		}
		if len(b) > maxInput {
			env.warnf("stdin is longer than %d bytes: using the first %d", maxInput, maxInput)
			b = b[:maxInput]
		}
		text = strings.ToValidUTF8(string(b), "\uFFFD")
	case len(args) == 0 && isTerminal(env.stdin) && isTerminal(env.stdout):
		t, err := editText(c.Context, what)
		if err != nil {
			return "", err
		}
		text = t
	default:
		text = strings.Join(args, " ")
	}
	// Bytes that are not UTF-8 (a Latin-1 terminal, a binary paste) become
	// U+FFFD, wherever the text came from: the journal holds text only.
	text = strings.ToValidUTF8(text, "\uFFFD")
	if strings.TrimSpace(text) == "" {
		if what == "note" {
			return "", usageErr(`analyst note "what you decided and why" (or pipe the text in)`, "empty note")
		}
		return "", usageErr(`analyst ask "what is broken, as you would tell a colleague" (or pipe it in with -)`, "empty incident description")
	}
	return text, nil
}

// editText opens $VISUAL or $EDITOR on a temporary file and returns what was
// written, without comment lines.
func editText(ctx context.Context, what string) (string, error) {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	dir, err := os.MkdirTemp("", "analyst-edit")
	if err != nil {
		return "", failErr(err, "", "creating a file to edit: %v", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, what+".txt")
	header := "\n# Write the " + what + " above. Lines starting with # are ignored; an empty " + what + " cancels.\n"
	if err := os.WriteFile(path, []byte(header), 0o600); err != nil {
		return "", failErr(err, "", "creating a file to edit: %v", err)
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", failErr(err, "set $EDITOR to an editor that exits 0 when you save", "editor %q failed: %v", editor, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", failErr(err, "", "reading edited %s: %v", what, err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n"), nil
}

func maskedSummary(e journal.Entry) string {
	var parts []string
	for _, m := range e.Masked {
		parts = append(parts, fmt.Sprintf("%s ×%d", m.Kind, m.Count))
	}
	return strings.Join(parts, ", ")
}
