package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/demo"
	"github.com/analyst-dev/analyst/journal"
)

// demoIncidentAt is when the sample incident is reported: a Monday evening,
// so the sample history reads as a working week.
var demoIncidentAt = time.Date(2026, 11, 30, 18, 30, 0, 0, time.UTC)

func demoCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "show analyst at work on a sample service history, in a temporary home",
		Description: `Builds, in a temporary directory, the history of a small order service (about
fifty commits and a few decisions noted outside git), indexes it, and asks what
caused "API returns None after save". Your own journal is not touched. Needs
no model: with Ollama running it also uses it.

Examples:
  analyst demo
  analyst demo --keep        keep the sample repository and home to explore`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary directory and print its path"},
			&cli.BoolFlag{Name: "json", Usage: "print the answer as JSON"},
		},
		Action: func(c *cli.Context) error {
			return runDemo(c.Context, env, c.Bool("keep"), c.Bool("json"))
		},
	}
}

func runDemo(ctx context.Context, env *environment, keep, asJSON bool) error {
	dir, err := os.MkdirTemp("", "analyst-demo-")
	if err != nil {
		return failErr(err, "", "creating a temporary directory: %v", err)
	}
	if keep {
		defer env.warnf("kept %s (journal home: %s)", dir, filepath.Join(dir, "home"))
	} else {
		defer os.RemoveAll(dir)
	}
	env.home, env.homeGiven = filepath.Join(dir, "home"), true

	env.warnf("building a sample history of shop-api")
	h, err := demo.Build(ctx, dir, demoIncidentAt)
	if err != nil {
		return failErr(err, "check that git is installed", "building the sample history: %v", err)
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	for _, n := range h.Notes {
		if _, err := j.Add(ctx, journal.NewNote(n.Text, n.Kind, n.Time, n.Tags, "shop-api", "")); err != nil {
			j.Close()
			return failErr(err, "", "recording notes: %v", err)
		}
	}
	g, err := openRepo(ctx, h.Repo)
	if err != nil {
		j.Close()
		return err
	}
	if _, err := captureRepo(ctx, env, j, g, indexOptions{}); err != nil {
		j.Close()
		return err
	}
	if err := refreshIndex(ctx, env, j, false, false); err != nil {
		j.Close()
		return err
	}
	j.Close()
	env.warnf("the incident, %s: %q", formatTime(h.IncidentAt), h.Incident)
	fmt.Fprintf(env.stderr, "\n$ analyst ask --at %s %q\n\n", formatTime(h.IncidentAt), h.Incident)
	return runAsk(ctx, env, askOptions{text: h.Incident, at: h.IncidentAt, top: 5, json: asJSON, noAuto: true})
}
