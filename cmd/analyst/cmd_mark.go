package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/journal/redact"
	"github.com/analyst-dev/analyst/retrieval"
)

type markOptions struct {
	id       string
	verdict  string // journal.VerdictCause or journal.VerdictNot
	incident string // empty: the last ask's
	at       time.Time
}

func markCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "mark",
		Usage:     "record that a change was, or was not, the cause of an incident",
		ArgsUsage: "ID cause|not",
		Description: `Records what you learnt after an incident: the entry ID (a unique prefix is
enough) was its cause, or was not. Later asks about a similar incident lift
changes similar to a cause and lower changes similar to one marked 'not', by a
bounded amount, saying so in the reasons. A mark counts only for incidents
after it was made (--at, default now).

The incident is --incident TEXT ('-' reads stdin); without it, the description
of the last 'analyst ask' run with this home (ask keeps it, masked, in
last-ask.json under the home).

Examples:
  analyst ask "checkout times out"
  analyst mark 1a2b3c4d cause
  analyst mark 9f8e7d6c not --incident "checkout times out"
  analyst mark n3f9c2a1b4d5e6f70 cause --incident "orders missing after save" --at 2026-12-04T09:00:00Z`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "incident", Usage: "the incident's description `TEXT` ('-': stdin; default: the last ask's)"},
			&cli.StringFlag{Name: "at", Usage: "when the verdict was reached, `TIME` in RFC 3339 (default now); it counts for incidents after it"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 2 {
				return usageErr("analyst mark ID cause|not [--incident TEXT] (see analyst log for ids)", "mark takes an entry id and a verdict")
			}
			o := markOptions{id: c.Args().Get(0), verdict: c.Args().Get(1), incident: c.String("incident")}
			if o.verdict != journal.VerdictCause && o.verdict != journal.VerdictNot {
				return usageErr("the verdict is 'cause' or 'not'", "unknown verdict %q", o.verdict)
			}
			at, err := parseTime("at", c.String("at"), time.Now().UTC())
			if err != nil {
				return err
			}
			o.at = at
			if o.incident == "-" {
				b, err := io.ReadAll(io.LimitReader(env.stdin, maxInput))
				if err != nil {
					return failErr(err, "", "reading stdin: %v", err)
				}
				o.incident = strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
			}
			if c.IsSet("incident") && strings.TrimSpace(o.incident) == "" {
				return usageErr(`analyst mark ID cause --incident "what was broken"`, "empty incident description")
			}
			return runMark(c.Context, env, o)
		},
	}
}

func runMark(ctx context.Context, env *environment, o markOptions) error {
	if o.incident == "" {
		last, ok := env.lastAsk()
		if !ok {
			return usageErr(`say which incident: analyst mark ID cause --incident "what was broken"`, "no incident given and no earlier ask to take it from")
		}
		o.incident = last.Query
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	e, err := j.Get(ctx, o.id)
	switch {
	case errors.Is(err, journal.ErrNotFound):
		return usageErr("list ids with: analyst log (or analyst ask)", "no entry with id %q", o.id)
	case errors.Is(err, journal.ErrAmbiguous):
		return usageErr("give more characters of the id", "id prefix %q matches several entries", o.id)
	case err != nil:
		return failErr(err, "", "%v", err)
	}
	m, err := j.AddMark(ctx, journal.Mark{EntryID: e.ID, Verdict: o.verdict, Incident: o.incident, Made: o.at})
	if errors.Is(err, journal.ErrNotFound) { // forgotten meanwhile
		return usageErr("list ids with: analyst log", "no entry with id %q", o.id)
	}
	if err != nil {
		return storageErr(env, err, "recording mark")
	}
	verdict := "the cause"
	if m.Verdict == journal.VerdictNot {
		verdict = "not the cause"
	}
	fmt.Fprintf(env.stdout, "marked %s %s of %q\n", shortID(e.ID), verdict, oneLine(m.Incident, 80))
	return nil
}

// rankingMarks returns the journal's marks made before at, as ranking takes
// them.
func rankingMarks(ctx context.Context, j *journal.Store, at time.Time) ([]retrieval.Mark, error) {
	ms, err := j.Marks(ctx, at)
	if err != nil {
		return nil, err
	}
	var out []retrieval.Mark
	for _, m := range ms {
		out = append(out, retrieval.Mark{EntryID: m.EntryID, Cause: m.Verdict == journal.VerdictCause, Incident: m.Incident, Made: m.Made})
	}
	return out, nil
}

// lastAskFile is where ask keeps its last description, for mark.
const lastAskFile = "last-ask.json"

type lastAskJSON struct {
	Query string `json:"query"`
	At    string `json:"at"`
}

// rememberAsk keeps the incident of an ask (already masked) for a later
// mark. Failing to is not worth failing the ask for.
func (env *environment) rememberAsk(text string, at time.Time) {
	text, _ = redact.String(text)
	b, err := json.Marshal(lastAskJSON{Query: text, At: formatTime(at)})
	if err != nil {
		return
	}
	path := filepath.Join(env.home, lastAskFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		env.log.Debug("remembering the ask", "err", err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
	}
}

// lastAsk returns the last ask's incident, if there was one.
func (env *environment) lastAsk() (lastAskJSON, bool) {
	var l lastAskJSON
	b, err := os.ReadFile(filepath.Join(env.home, lastAskFile))
	if err != nil || json.Unmarshal(b, &l) != nil || strings.TrimSpace(l.Query) == "" {
		return l, false
	}
	return l, true
}

// markJSON is a mark as show --json prints it.
type markJSON struct {
	Verdict  string `json:"verdict"`
	Incident string `json:"incident"`
	Made     string `json:"made"`
}

func marksJSON(ms []journal.Mark) []markJSON {
	out := []markJSON{}
	for _, m := range ms {
		out = append(out, markJSON{Verdict: m.Verdict, Incident: m.Incident, Made: formatTime(m.Made)})
	}
	return out
}

// printMarks lists an entry's marks for show.
func printMarks(w io.Writer, ms []journal.Mark) {
	for _, m := range ms {
		verdict := "the cause"
		if m.Verdict == journal.VerdictNot {
			verdict = "not the cause"
		}
		fmt.Fprintf(w, "Marked:   %s of %q at %s\n", verdict, oneLine(m.Incident, 80), formatTime(m.Made))
	}
}
