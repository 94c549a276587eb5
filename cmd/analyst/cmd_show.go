package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

func showCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "print one entry in full",
		ArgsUsage: "ID",
		Description: `Prints one entry: its text or diff, tags, what was masked, and what analyst
derived from it (matched change classes). A unique id prefix is enough.

Examples:
  analyst show 1a2b3c4d
  analyst show --json n3f9c2a1b4d5e6f70`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the entry as one JSON object"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usageErr("analyst show ID (see analyst log for ids)", "show takes exactly one id")
			}
			return runShow(c.Context, env, c.Args().First(), c.Bool("json"))
		},
	}
}

func runShow(ctx context.Context, env *environment, id string, asJSON bool) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	e, err := j.Get(ctx, id)
	switch {
	case errors.Is(err, journal.ErrNotFound):
		return usageErr("list ids with: analyst log", "no entry with id %q", id)
	case errors.Is(err, journal.ErrAmbiguous):
		return usageErr("give more characters of the id", "id prefix %q matches several entries", id)
	case err != nil:
		return failErr(err, "", "%v", err)
	}
	cat, err := env.catalog()
	if err != nil {
		return err
	}
	matches := cat.Match(catalog.Change{Title: e.Title, Body: e.Body, Paths: e.Paths, Diff: e.Diff})
	enrichments, err := j.EnrichmentsOf(ctx, e.ID)
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	marks, err := j.MarksOf(ctx, e.ID)
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	if asJSON {
		type enrichmentJSON struct {
			Model string `json:"model"`
			Made  string `json:"made"`
			Stale bool   `json:"stale"` // made from other content than the entry's now
			Text  string `json:"text"`
		}
		ens := []enrichmentJSON{}
		for _, en := range enrichments {
			ens = append(ens, enrichmentJSON{Model: en.Model, Made: formatTime(en.Made), Stale: en.Hash != retrieval.ContentHash(&e), Text: en.Text})
		}
		enc := json.NewEncoder(env.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		var shipped *shippedJSON
		if e.Kind == journal.KindDeploy {
			shipped = shippedOf(linkedDeploy(ctx, env, j, e))
		}
		return enc.Encode(struct {
			journal.Entry
			Classes     []catalog.Match  `json:"classes"`
			Enrichments []enrichmentJSON `json:"enrichments"`
			Marks       []markJSON       `json:"marks"`
			Shipped     *shippedJSON     `json:"shipped,omitempty"` // a deploy's commits
		}{e, nonNil(matches), ens, marksJSON(marks), shipped})
	}
	w := env.stdout
	fmt.Fprintf(w, "%s %s\n", e.Kind, e.ID)
	fmt.Fprintf(w, "Time:     %s\n", formatTime(e.Time))
	fmt.Fprintf(w, "Recorded: %s (%s)\n", formatTime(e.Recorded), e.Meta.Source)
	if e.Repo != "" {
		fmt.Fprintf(w, "Repo:     %s\n", e.Repo)
	}
	if e.Ref != "" && e.Ref != e.ID {
		fmt.Fprintf(w, "Ref:      %s\n", e.Ref)
	}
	if e.Author != "" {
		fmt.Fprintf(w, "Author:   %s\n", e.Author)
	}
	if e.Kind == journal.KindDeploy {
		printShipped(ctx, env, j, w, e)
	}
	if len(e.Tags) > 0 {
		fmt.Fprintf(w, "Tags:     %s\n", strings.Join(e.Tags, ", "))
	}
	if e.Meta.Reverts != "" {
		fmt.Fprintf(w, "Reverts:  %s\n", e.Meta.Reverts)
	}
	if !e.Unreachable.IsZero() {
		fmt.Fprintf(w, "State:    unreachable since %s (amended or rebased away)\n", formatTime(e.Unreachable))
	}
	if len(e.Masked) > 0 {
		fmt.Fprintf(w, "Masked:   %s\n", maskedSummary(e))
	} else {
		fmt.Fprintf(w, "Masked:   nothing\n")
	}
	for _, m := range matches {
		fmt.Fprintf(w, "Class:    %s — %s\n          %s\n", m.Class, m.Reason, m.Evidence)
	}
	for _, en := range enrichments {
		stale := ""
		if en.Hash != retrieval.ContentHash(&e) {
			stale = ", made from an earlier version of this entry"
		}
		fmt.Fprintf(w, "Enriched: by %s at %s%s (derived; counts only for incidents after it)\n", en.Model, formatTime(en.Made), stale)
		for _, l := range strings.Split(en.Text, "\n") {
			fmt.Fprintf(w, "          %s\n", l)
		}
	}
	printMarks(w, marks)
	fmt.Fprintf(w, "\n    %s\n", e.Title)
	if e.Body != "" {
		fmt.Fprintf(w, "\n")
		for _, l := range strings.Split(e.Body, "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
	if e.Kind == journal.KindCommit {
		fmt.Fprintf(w, "\n%d files changed, %d insertions(+), %d deletions(-)", e.Meta.Files, e.Meta.Added, e.Meta.Deleted)
		if e.Meta.DiffCut {
			fmt.Fprintf(w, " (diff shown cut)")
		}
		fmt.Fprintln(w)
	}
	if e.Meta.Undo != "" {
		fmt.Fprintf(w, "\nUndo (masked like the rest):\n")
		for _, l := range strings.Split(e.Meta.Undo, "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
	if e.Diff != "" {
		fmt.Fprintf(w, "\n%s", e.Diff)
		if !strings.HasSuffix(e.Diff, "\n") {
			fmt.Fprintln(w)
		}
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
