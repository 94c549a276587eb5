package main

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

type timelineOptions struct {
	at    time.Time
	since time.Duration
	repo  string
	out   string // a file, or "-" for stdout
}

func timelineCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "timeline",
		Usage: "write a page with the changes before a time on a time axis",
		Description: `Writes the page 'ask --html' writes, without an incident: the newest changes
(up to 300) before --at (default now) on a time axis, each linked to its
details (title, time, repository, ref, a diff excerpt). The page is one
self-contained HTML file: no external resources, nothing fetched.

Examples:
  analyst timeline --since 3d -o changes.html
  analyst timeline --at 2026-12-04T02:00:00Z --since 1w --repo shop-api -o before-outage.html
  analyst timeline > changes.html`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "at", Usage: "changes before `TIME` in RFC 3339 (default now)"},
			&cli.StringFlag{Name: "since", Usage: "only changes within `DUR` before --at (e.g. 2h, 3d; default all history)"},
			&cli.StringFlag{Name: "repo", Usage: "only changes of this repository `NAME`"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the page to `FILE` ('-': stdout, the default)", Value: "-"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("analyst timeline [--at TIME] [--since DUR] [-o FILE]", "timeline takes no arguments")
			}
			o := timelineOptions{repo: c.String("repo"), out: c.String("output")}
			var err error
			if o.at, err = parseTime("at", c.String("at"), time.Now().UTC()); err != nil {
				return err
			}
			if o.since, err = parseDuration("since", c.String("since")); err != nil {
				return err
			}
			return runTimeline(c.Context, env, o)
		},
	}
}

func runTimeline(ctx context.Context, env *environment, o timelineOptions) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	f := journal.Filter{Before: o.at, Repo: o.repo, Limit: pageMaxEntries}
	if o.since > 0 {
		f.Since = o.at.Add(-o.since)
	}
	unreachable, err := j.Unreachable(ctx)
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	p := pageData{Heading: "changes before " + formatTime(o.at), At: formatTime(o.at)}
	var times []time.Time
	err = j.List(ctx, f, func(e journal.Entry) error {
		if t, ok := unreachable[e.ID]; ok && t.Before(o.at) {
			return nil // amended or rebased away by then
		}
		p.Entries = append(p.Entries, pageEntryOf(e))
		times = append(times, e.Time)
		return nil
	})
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	p.From = formatTime(placeEntries(p.Entries, times, o.at))
	sortOldestFirst(p.Entries, times)
	return writePage(env, o.out, p)
}
