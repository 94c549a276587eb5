package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

type logOptions struct {
	since time.Time
	kind  string
	repo  string
	limit int
	json  bool
}

func logCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "log",
		Usage: "list the journal, newest first",
		Description: `Lists recorded changes, newest first. --json prints one object per line with
id, kind, time, title, ref, repo (and more).

Examples:
  analyst log --since 2026-12-01T00:00:00Z --repo shop-api
  analyst log --kind decision --json | jq .title`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "since", Usage: "only entries at or after `TIME` (RFC 3339)"},
			&cli.StringFlag{Name: "kind", Usage: "only entries of this `KIND` (commit, note, decision, …)"},
			&cli.StringFlag{Name: "repo", Usage: "only entries of this repository `NAME`"},
			&cli.IntFlag{Name: "limit", Aliases: []string{"n"}, Usage: "at most `N` entries (0: all)"},
			&cli.BoolFlag{Name: "json", Usage: "one JSON object per line"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("filter with --since, --kind, --repo", "log takes no arguments, got %q", c.Args().First())
			}
			o := logOptions{kind: c.String("kind"), repo: c.String("repo"), limit: c.Int("limit"), json: c.Bool("json")}
			if s := c.String("since"); s != "" {
				t, err := parseTime("since", s, time.Now())
				if err != nil {
					return err
				}
				o.since = t
			}
			if o.limit < 0 {
				return usageErr("", "invalid --limit %d", o.limit)
			}
			return runLog(c.Context, env, o)
		},
	}
}

// logLine is the JSON shape of one `log --json` line.
type logLine struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Time        string   `json:"time"`
	Title       string   `json:"title"`
	Ref         string   `json:"ref"`
	Repo        string   `json:"repo"`
	Author      string   `json:"author,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Paths       int      `json:"paths,omitempty"`
	Unreachable bool     `json:"unreachable,omitempty"`
	Reverts     string   `json:"reverts,omitempty"`
}

func runLog(ctx context.Context, env *environment, o logOptions) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	enc := json.NewEncoder(env.stdout)
	enc.SetEscapeHTML(false)
	f := journal.Filter{Since: o.since, Kind: o.kind, Repo: o.repo, Limit: o.limit, NoDiff: true}
	return j.List(ctx, f, func(e journal.Entry) error {
		if o.json {
			return enc.Encode(logLine{ID: e.ID, Kind: e.Kind, Time: formatTime(e.Time), Title: e.Title, Ref: e.Ref,
				Repo: e.Repo, Author: e.Author, Tags: e.Tags, Paths: e.Meta.Files, Unreachable: !e.Unreachable.IsZero(),
				Reverts: e.Meta.Reverts})
		}
		mark := ""
		if !e.Unreachable.IsZero() {
			mark = " [unreachable]"
		}
		repo := e.Repo
		if repo == "" {
			repo = "-"
		}
		_, err := fmt.Fprintf(env.stdout, "%s  %-8s %-12s %-14s %s%s\n", formatTime(e.Time), e.Kind, shortID(e.ID), repo, e.Title, mark)
		return err
	})
}

// shortID shortens a commit sha to 12 characters; note ids are already short.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
