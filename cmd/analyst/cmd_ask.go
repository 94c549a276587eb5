package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/journal/redact"
	"github.com/analyst-dev/analyst/retrieval"
)

type askOptions struct {
	text   string
	at     time.Time
	since  time.Duration
	repo   string
	top    int
	noLLM  bool
	json   bool
	noAuto bool   // do not index the current repository first
	stream bool   // print the suspects at once, then the model's explanation as it is written
	html   string // also write the picture of the incident to this file
}

func askCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "ask",
		Usage:     "rank the changes that could have caused an incident",
		ArgsUsage: "DESCRIPTION | -",
		Description: `Ranks the journal's changes made before the incident (--at, default now) as
suspects, with the reasons for each, and asks a local Ollama model to explain
the likeliest. '-' or a pipe reads the description from stdin (a stack trace,
an editor selection; its first MiB, more is cut with a warning). Without a
model it shows retrieval only, saying so. When no change matches the incident
well, it says so, and lists what went live in the 24 hours before it.
Nothing recorded after --at influences the answer.

Examples:
  analyst ask "API returns None after save"
  analyst ask --at 2026-12-04T02:00:00Z --since 3d "checkout p99 doubled"
  pbpaste | analyst ask - --json --top 5
  analyst ask --html incident.html "checkout times out"   then open incident.html`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "at", Usage: "when the incident started, `TIME` in RFC 3339 (default now)"},
			&cli.StringFlag{Name: "since", Usage: "only changes within `DUR` before --at (e.g. 2h, 3d; default all history)"},
			&cli.StringFlag{Name: "repo", Usage: "only changes of this repository `NAME`"},
			&cli.IntFlag{Name: "top", Usage: "list `N` suspects", Value: 10},
			&cli.BoolFlag{Name: "no-llm", Usage: "no model call: retrieval only"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object (see the README for its shape)"},
			&cli.BoolFlag{Name: "no-auto-index", Usage: "do not bring the current repository's history in first"},
			&cli.StringFlag{Name: "html", Usage: "also write a self-contained page to `FILE`: the changes before the incident on a time axis, coloured by suspicion, with details"},
			&cli.BoolFlag{Name: "stream", Usage: "show the suspects at once, then the explanation as the model writes it (default on a terminal)"},
		},
		Action: func(c *cli.Context) error {
			o := askOptions{repo: c.String("repo"), top: c.Int("top"), noLLM: c.Bool("no-llm"), json: c.Bool("json"), noAuto: c.Bool("no-auto-index"),
				stream: c.Bool("stream"), html: c.String("html")}
			if o.html == "-" {
				return usageErr("give --html a file name (analyst timeline writes a page to stdout)", "ask prints its answer on stdout: --html needs a file")
			}
			if !c.IsSet("stream") {
				o.stream = isTerminal(env.stdout)
			}
			if o.top <= 0 || o.top > 1000 {
				return usageErr("--top takes a number from 1 to 1000", "invalid --top %d", o.top)
			}
			at, err := parseTime("at", c.String("at"), time.Now().UTC())
			if err != nil {
				return err
			}
			o.at = at
			if o.since, err = parseDuration("since", c.String("since")); err != nil {
				return err
			}
			if o.text, err = env.readText(c, "incident"); err != nil {
				return err
			}
			return runAsk(c.Context, env, o)
		},
	}
}

// askJSON is the `ask --json` contract (DESIGN.md): scripts depend on it.
type askJSON struct {
	Version int       `json:"version"`
	Query   string    `json:"query"`
	At      string    `json:"at"`
	Models  askModels `json:"models"`
	// Related is false when no change matches the incident well enough to
	// be a plausible cause; suspects are then only the closest changes.
	Related bool `json:"related"`
	// Onset is when the report says the problem began, if it says.
	Onset    *onsetJSON    `json:"onset,omitempty"`
	Suspects []suspectJSON `json:"suspects"`
	// WentLive lists, when nothing looks related, the changes that went
	// live in the day before the incident, newest first; empty otherwise.
	WentLive []wentLiveJSON `json:"went_live"`
	Summary  string         `json:"summary"`
	Warnings []string       `json:"warnings"`
}

// wentLiveJSON is a change that went live shortly before the incident.
type wentLiveJSON struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Ref   string `json:"ref"`
	Repo  string `json:"repo"`
	Time  string `json:"time"` // when it went live: made, or shipped by a deploy
	Title string `json:"title"`
}

// wentLiveWindow and wentLiveMax bound the changes listed when nothing
// looks related.
const (
	wentLiveWindow = 24 * time.Hour
	wentLiveMax    = 5
)

// onsetJSON is the window a report's words give for when the problem
// began ("since Friday evening"), read in the local time zone.
type onsetJSON struct {
	Phrase string `json:"phrase"`
	From   string `json:"from"`
	Until  string `json:"until"`
}

type askModels struct {
	Embed string `json:"embed"`
	Chat  string `json:"chat"`
}

type suspectJSON struct {
	Rank       int      `json:"rank"`
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	Ref        string   `json:"ref"`
	Repo       string   `json:"repo"`
	Time       string   `json:"time"`
	Title      string   `json:"title"`
	Score      float64  `json:"score"`
	Confidence *float64 `json:"confidence"`
	Reasons    []string `json:"reasons"`
	Why        string   `json:"why"`
}

func runAsk(ctx context.Context, env *environment, o askOptions) error {
	// An incident may quote a secret (a connection string in a stack
	// trace): mask it before it is searched with, printed back or sent to
	// a model, as the journal's own text is.
	text, masked := redact.String(o.text)
	o.text = text
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	if !o.noAuto {
		autoIndexHere(ctx, env, j)
	}
	store, err := env.indexStore()
	if err != nil {
		return err
	}
	warnings := []string{}
	if masked != nil {
		warnings = append(warnings, "masked secrets in the incident text ("+maskedSummary(journal.Entry{Masked: masked})+")")
	}
	// The dense embedder counts only if its vectors exist and it can embed
	// the query now; otherwise the built-in vectors rank.
	dense, denseWarning := env.quietDense(ctx, store)
	if denseWarning != "" {
		warnings = append(warnings, denseWarning)
	}
	denseName := ""
	if dense != nil {
		denseName = dense.Name()
	}
	ix, pending, err := store.Open(ctx, j, denseName, func(s string) { env.warnf("%s", s) })
	if err != nil {
		return failErr(err, "run 'analyst index --full' to rebuild the index", "opening index: %v", err)
	}
	if pending > 200 {
		env.warnf("%d entries are not indexed yet (handled now, more slowly)", pending)
		env.hintf("run 'analyst index' (or install the nightly job) to keep asks fast")
	}
	unreachable, err := j.Unreachable(ctx)
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	q := retrieval.Query{Text: o.text, At: o.at, Since: o.since, Repo: o.repo, Top: o.top, Unreachable: unreachable,
		Location: env.loc, Evidence: traceEvidence(ctx, env, j, o.text, o.at, o.repo)}
	deployed := env.deployLinks(ctx, j, o.at, &q)
	if dense != nil && ix.Dense != nil {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		v, err := dense.Embed(qctx, []string{o.text}, embed.Query)
		cancel()
		if err == nil {
			q.DenseQuery = v[0]
		} else {
			warnings = append(warnings, fmt.Sprintf("embedding the question with %s failed (%v): ranked with built-in vectors", dense.Name(), err))
		}
	}
	if q.Marks, err = rankingMarks(ctx, j, o.at); err != nil {
		return failErr(err, "", "%v", err)
	}
	env.rememberAsk(o.text, o.at)
	w, err := weights()
	if err != nil {
		return err
	}
	res, err := ix.Rank(ctx, q, w)
	if errors.Is(err, retrieval.ErrDamaged) {
		// The built-in vectors are checked when first read: damaged, the
		// index is built again from the journal (in memory; index saves).
		if ix, _, err = store.OpenRebuilt(ctx, j, denseName, func(s string) { env.warnf("%s", s) }); err != nil {
			return failErr(err, "run 'analyst index --full' to rebuild the index", "opening index: %v", err)
		}
		res, err = ix.Rank(ctx, q, w)
	}
	if err != nil {
		return failErr(err, "", "ranking: %v", err)
	}
	out := askJSON{Version: 1, Query: o.text, At: formatTime(o.at), Models: askModels{Embed: embedLabel(res.Vectors)}, Related: res.Related,
		Suspects: []suspectJSON{}, WentLive: []wentLiveJSON{}, Warnings: warnings}
	if !res.Related {
		// Before the onset the report gives, if any; else before --at.
		end := q.At
		if o := res.Onset; o != nil {
			end = o.End
		}
		for _, c := range ix.WentLive(q, end.Add(-wentLiveWindow), end, wentLiveMax) {
			out.WentLive = append(out.WentLive, wentLiveJSON{ID: c.ID, Kind: c.Kind, Ref: c.Ref, Repo: c.Repo, Time: formatTime(c.Live), Title: c.Title})
		}
	}
	if o := res.Onset; o != nil {
		out.Onset = &onsetJSON{Phrase: o.Phrase, From: formatTime(o.Start), Until: formatTime(o.End)}
	}
	for i, s := range res.Suspects {
		env.log.Debug("suspect", "rank", i+1, "id", shortID(s.ID), "score", s.Score, "lexical", s.Lexical,
			"symptom", s.Symptom, "coverage", s.Coverage, "vector", s.Vector, "recency", s.Recency, "recent", s.Recent, "onset", s.Onset, "intro", s.Intro, "strength", s.Strength, "trace", s.Trace.Score, "title", oneLine(s.Title, 50))
		out.Suspects = append(out.Suspects, suspectJSON{
			Rank: i + 1, ID: s.ID, Kind: s.Kind, Ref: s.Ref, Repo: s.Repo, Time: formatTime(time.Unix(s.Time, 0)),
			Title: s.Title, Score: round3(s.Score), Reasons: withDeploy(reasons(s), deployed, s.ID, o.at), Why: "",
		})
	}
	// Streaming: the suspects now, the model's explanation below them as it
	// is written, then the model's reading of them.
	streaming := o.stream && !o.json && !o.noLLM && len(out.Suspects) > 0
	var live *summaryStream
	if streaming {
		printAsk(env, out, res)
		live = &summaryStream{w: env.stdout}
	}
	if !o.noLLM {
		out.Warnings = append(out.Warnings, explain(ctx, env, j, &out, live)...)
		fuseModel(&out)
	}
	if o.html != "" {
		if err := writeAskPage(ctx, env, j, ix, q, w, out, o.html); err != nil {
			return err
		}
	}
	if streaming {
		if out.Models.Chat == "" {
			live.cut()
		}
		live.finish()
		if out.Models.Chat != "" {
			printModelReading(env, out)
		}
	} else if o.json {
		enc := json.NewEncoder(env.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printAsk(env, out, res)
	}
	for _, w := range out.Warnings {
		env.warnf("%s", w)
	}
	// A hint only where there is something to do: start the server, or pull
	// the model. After a timeout, a 500 or an overflow the warning says it all.
	if !o.noLLM && out.Models.Chat == "" {
		switch {
		case slices.ContainsFunc(out.Warnings, func(w string) bool { return strings.HasPrefix(w, "Ollama unreachable at ") }):
			env.hintf("for explanations, start Ollama and run 'ollama pull %s'; --no-llm silences this", env.config.ChatModel)
		case slices.ContainsFunc(out.Warnings, func(w string) bool { return strings.Contains(w, " is not pulled") }):
			env.hintf("ollama pull %s", env.config.ChatModel)
		}
	}
	return nil
}

func embedLabel(name string) string {
	if strings.HasPrefix(name, "builtin") {
		return "builtin"
	}
	return name
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// reasons explains a rank without a model: matched change classes with the
// line that matched, matched words, a revert, and the time before the
// incident.
func reasons(s retrieval.Suspect) []string {
	out := []string{}
	if s.Trace.Reason != "" {
		out = append(out, s.Trace.Reason)
	}
	for _, h := range s.Hits {
		out = append(out, h.Reason)
		if h.Evidence != "" {
			out = append(out, "changed: "+h.Evidence)
		}
	}
	if len(s.Matched) > 0 {
		words := s.Matched
		if len(words) > 8 {
			words = words[:8]
		}
		out = append(out, "matched: "+strings.Join(words, ", "))
	}
	if len(s.Introduced) > 0 {
		words := s.Introduced
		if len(words) > 5 {
			words = words[:5]
		}
		out = append(out, "first change to write: "+strings.Join(words, ", "))
	}
	if s.RevertedBy != nil {
		out = append(out, fmt.Sprintf("reverted by %s at %s, before the incident", shortID(s.RevertedBy.ID), formatTime(time.Unix(s.RevertedBy.Time, 0))))
	}
	out = append(out, s.MarkReasons...)
	switch {
	case s.AfterOnset:
		out = append(out, fmt.Sprintf("went live after the report says the problem began (%q): unlikely to have started it", s.OnsetPhrase))
	case s.Onset >= 0.5:
		out = append(out, fmt.Sprintf("went live shortly before the report says the problem began (%q)", s.OnsetPhrase))
	}
	out = append(out, humanAge(s.Age)+" before the incident")
	return out
}

func printAsk(env *environment, out askJSON, res retrieval.Result) {
	w := env.stdout
	if len(out.Suspects) == 0 {
		fmt.Fprintf(w, "No changes recorded before %s", out.At)
		if res.Candidates == 0 {
			fmt.Fprintf(w, ".\n")
		}
		return
	}
	fmt.Fprintf(w, "Suspects for %q before %s (%d %s searched)\n\n", oneLine(out.Query, 80), out.At, res.Candidates, plural(res.Candidates, "change", "changes"))
	if o := res.Onset; o != nil {
		fmt.Fprintf(w, "Onset from the report (%q): between %s.\n\n", o.Phrase, localSpan(o.Start, o.End, env.loc))
	}
	if !out.Related {
		fmt.Fprintf(w, "Nothing here looks related: no change matches this incident well. The closest:\n\n")
	}
	for _, s := range out.Suspects {
		fmt.Fprintf(w, "%2d. %s\n", s.Rank, s.Title)
		where := s.Kind + " " + shortID(s.ID)
		if s.Repo != "" {
			where += "  " + s.Repo
		}
		fmt.Fprintf(w, "    %s  %s  score %.2f\n", where, s.Time, s.Score)
		if s.Why != "" {
			conf := ""
			if s.Confidence != nil {
				conf = fmt.Sprintf(" (confidence %.0f%%)", *s.Confidence*100)
			}
			fmt.Fprintf(w, "    → %s%s\n", s.Why, conf)
		}
		for _, r := range s.Reasons {
			fmt.Fprintf(w, "    · %s\n", r)
		}
		fmt.Fprintln(w)
	}
	if len(out.WentLive) > 0 {
		before := "the incident"
		if o := res.Onset; o != nil {
			before = fmt.Sprintf("the report's onset (%q)", o.Phrase)
		}
		fmt.Fprintf(w, "Went live in the %d h before %s, newest first:\n", int(wentLiveWindow.Hours()), before)
		at, _ := time.Parse(time.RFC3339, out.At)
		for _, c := range out.WentLive {
			when, _ := time.Parse(time.RFC3339, c.Time)
			fmt.Fprintf(w, "  - %s  (%s %s, %s before)\n", c.Title, c.Kind, shortID(c.ID), humanAge(at.Sub(when)))
		}
		fmt.Fprintln(w)
	}
	if out.Summary != "" {
		fmt.Fprintf(w, "%s (%s)\n", out.Summary, out.Models.Chat)
	}
}

// printModelReading prints, after a streamed explanation, the suspects the
// model kept, in the fused order, with its reasons.
func printModelReading(env *environment, out askJSON) {
	w := env.stdout
	kept := 0
	for _, s := range out.Suspects {
		if s.Confidence == nil || s.Why == "" {
			continue
		}
		if kept == 0 {
			fmt.Fprintf(w, "The model's reading, reordered by its confidence:\n\n")
		}
		kept++
		fmt.Fprintf(w, "%2d. %s  (%s, confidence %.0f%%)\n    → %s\n\n", s.Rank, s.Title, shortID(s.ID), *s.Confidence*100, s.Why)
	}
	if kept == 0 && out.Summary == "" {
		fmt.Fprintf(w, "The model kept none of these changes.\n")
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// quietDense returns the Ollama embedder when its vectors exist in the index
// and the server is up; otherwise ask degrades to the built-in vectors,
// which always exist, saying so only when the model changed since its
// vectors were made (warning is then not empty).
func (env *environment) quietDense(ctx context.Context, store retrieval.Store) (o *embed.Ollama, warning string) {
	c, _, ok := env.ollama()
	if !ok {
		return nil, ""
	}
	o = embed.NewOllama(c, env.config.EmbedModel)
	// No file of this model at all: no need to ask the server anything.
	others, legacy := retrieval.DenseFiles(store.Dir, o.Name()+"@any")
	if _, err := os.Stat(retrieval.DensePath(store.Dir, o.Name())); err != nil && len(others) == 0 && legacy == "" {
		return nil, ""
	}
	if !reachable(ctx, c) {
		return nil, ""
	}
	// The vectors are the model's as it is now, or none count.
	o.LearnDigest(ctx)
	if _, err := os.Stat(retrieval.DensePath(store.Dir, o.Name())); err == nil {
		return o, ""
	}
	if others, legacy := retrieval.DenseFiles(store.Dir, o.Name()); legacy != "" {
		return o, "" // saved before digests were recorded: taken as this model's
	} else if len(others) > 0 {
		return nil, fmt.Sprintf("the embedding model %s changed since its vectors were made: ranked with built-in vectors; run 'analyst index' to embed again", o.Model())
	}
	return nil, ""
}

// autoIndexHere brings the current repository's history in when the
// journal does not know it yet, so `cd repo && analyst ask "…"` just works.
// It never narrows the answer to this repository.
func autoIndexHere(ctx context.Context, env *environment, j *journal.Store) {
	wd, err := os.Getwd()
	if err != nil {
		return
	}
	g, err := journal.OpenGit(ctx, wd)
	if err != nil {
		return
	}
	repos, err := j.Repos(ctx)
	if err != nil {
		return
	}
	for _, r := range repos {
		if r.Path == g.Dir {
			return
		}
	}
	env.warnf("%s is not in the journal yet: indexing its history first", g.Name)
	if _, err := captureRepo(ctx, env, j, g, indexOptions{}); err != nil {
		env.warnf("could not index %s: %v", g.Name, err)
		return
	}
	if err := refreshIndex(ctx, env, j, false, false); err != nil {
		// Bad input (a change class that does not compile) stops the ask
		// itself next, with its hint: say it once.
		if ue, ok := errors.AsType[*userError](err); ok && ue.code == exitUsage {
			return
		}
		env.warnf("could not index %s: %v", g.Name, err)
	}
}
