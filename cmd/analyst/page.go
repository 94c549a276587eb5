package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

// The picture of an incident: one self-contained HTML page (no external
// resources) with the changes before the incident on a time axis, each
// coloured by how suspect it is, the suspects numbered by rank, and a
// section per change with its details. Every text on it comes from the
// journal, which anyone who can push a commit writes: html/template escapes
// it for where it lands, and the page's policy runs no script but its own.

// pageMaxEntries bounds how many changes a page shows: the most suspect
// ones (ask) or the newest (timeline).
const pageMaxEntries = 300

// pageDiffLines bounds the diff excerpt shown per change.
const pageDiffLines = 40

type pageData struct {
	Heading  string
	Query    string
	At       string
	From     string
	Searched int
	Suspects []pageEntry // in rank order
	Entries  []pageEntry // oldest first
	Script   template.JS
	Policy   string
}

type pageEntry struct {
	ID, Short, Kind, Title, Time, Repo, Ref string
	Rank                                    int // 0: not a suspect
	Score                                   float64
	HasScore                                bool
	Left                                    float64 // position on the time axis, percent
	Hue                                     int     // 120 green (not suspect) to 0 red (most suspect); 210 without a score
	Lift, Layer                             int     // a suspect's height above the axis (em) and stacking order, so close ones stay apart
	Reasons                                 []string
	Excerpt                                 string
	Cut                                     bool
}

// pageScript marks the page as rendered (so a reader can tell scripts ran)
// and lights up the change a timeline point or suspect links to.
const pageScript = `document.body.dataset.rendered = "yes";
function light() {
  document.querySelectorAll(".entry.lit").forEach(function (e) { e.classList.remove("lit"); });
  var t = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (t) { t.classList.add("lit"); }
}
window.addEventListener("hashchange", light);
light();`

// pagePolicy allows the page's own style and its one script (by hash), and
// nothing else: no fetch, no image, no other script.
var pagePolicy = func() string {
	sum := sha256.Sum256([]byte(pageScript))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.Policy}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>analyst: {{.Heading}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 2em; }
.axis { position: relative; height: 7em; border-bottom: 2px solid #888; margin: 2.5em 0 0.5em; }
.dot { position: absolute; bottom: -0.55em; width: 1em; height: 1em; margin-left: -0.5em; border-radius: 50%;
  border: 1px solid #444; text-decoration: none; }
.dot.suspect { width: 1.6em; height: 1.6em; margin-left: -0.8em; bottom: -0.85em; color: #fff; font-size: 0.8em;
  line-height: 1.6em; text-align: center; font-weight: bold; z-index: 1; }
.ends { display: flex; justify-content: space-between; color: #666; font-size: 0.85em; }
ol.suspects li { margin: 0.3em 0; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%; border: 1px solid #444; margin-right: 0.4em; }
.entry { border-left: 4px solid #ccc; padding: 0.2em 0.8em; margin: 1.2em 0; }
.entry.lit, .entry:target { background: #fff8dc; }
.meta { color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
</style>
</head>
<body>
<h1>{{.Heading}}</h1>
{{if .Query}}<p>Incident: <q id="query">{{.Query}}</q></p>{{end}}
<p class="meta">Changes before <time id="at">{{.At}}</time>{{if .Searched}}; {{.Searched}} searched{{end}}{{if .Entries}}; {{len .Entries}} shown{{end}}.</p>
{{if .Entries}}
<div class="axis" id="timeline">
{{range .Entries}}<a class="dot{{if .Rank}} suspect{{end}}" href="#e-{{.ID}}" title="{{.Time}} {{.Title}}{{if .HasScore}} (score {{printf "%.3f" .Score}}){{end}}" style="left: {{.Left}}%; background: hsl({{.Hue}}, 75%, 45%){{if .Rank}}; bottom: {{.Lift}}em; z-index: {{.Layer}}{{end}}">{{if .Rank}}{{.Rank}}{{end}}</a>
{{end}}</div>
<div class="ends"><span>{{.From}}</span><span>{{.At}}</span></div>
{{else}}<p>No changes recorded before {{.At}}.</p>{{end}}
{{if .Suspects}}
<h2>Suspects</h2>
<ol class="suspects" id="suspects">
{{range .Suspects}}<li data-id="{{.ID}}" data-rank="{{.Rank}}"><span class="swatch" style="background: hsl({{.Hue}}, 75%, 45%)"></span><a href="#e-{{.ID}}">{{.Title}}</a> <span class="meta">{{.Kind}} {{.Short}}{{if .Repo}} {{.Repo}}{{end}}, score {{printf "%.3f" .Score}}</span></li>
{{end}}</ol>
{{end}}
<h2>Changes</h2>
{{range .Entries}}<section class="entry" id="e-{{.ID}}" style="border-left-color: hsl({{.Hue}}, 75%, 45%)">
<h3>{{if .Rank}}#{{.Rank}} {{end}}{{.Title}}</h3>
<p class="meta">{{.Kind}} <code>{{.ID}}</code> · <time>{{.Time}}</time>{{if .Repo}} · {{.Repo}}{{end}}{{if .Ref}} · ref <code>{{.Ref}}</code>{{end}}{{if .HasScore}} · score {{printf "%.3f" .Score}}{{end}}</p>
{{if .Reasons}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Excerpt}}<pre>{{.Excerpt}}{{if .Cut}}
…{{end}}</pre>{{end}}
</section>
{{end}}
<script>{{.Script}}</script>
</body>
</html>
`))

// writePage renders p to path (0600: journal text is private), replacing
// it whole, or to stdout for "-".
func writePage(env *environment, path string, p pageData) error {
	p.Script, p.Policy = template.JS(pageScript), pagePolicy
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return fmt.Errorf("rendering page: %w", err)
	}
	if path == "-" {
		_, err := env.stdout.Write(b.Bytes())
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".analyst-page-*")
	if err != nil {
		return failErr(err, "check that the directory exists and is writable", "writing %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return failErr(err, "", "writing %s: %v", path, err)
	}
	if err := tmp.Close(); err != nil {
		return failErr(err, "", "writing %s: %v", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return failErr(err, "", "writing %s: %v", path, err)
	}
	return nil
}

// pageEntryOf fills an entry's details from the journal.
func pageEntryOf(e journal.Entry) pageEntry {
	pe := pageEntry{ID: e.ID, Short: shortID(e.ID), Kind: e.Kind, Title: e.Title, Time: formatTime(e.Time), Repo: e.Repo, Ref: e.Ref}
	if pe.Ref == pe.ID {
		pe.Ref = ""
	}
	text := e.Diff
	if text == "" {
		text = e.Body
	}
	lines := strings.SplitAfter(text, "\n")
	if len(lines) > pageDiffLines {
		lines, pe.Cut = lines[:pageDiffLines], true
	}
	pe.Excerpt = strings.TrimRight(strings.Join(lines, ""), "\n")
	return pe
}

// placeEntries sorts entries oldest first and places them on the axis
// from the oldest to at; hues follow score relative to the highest.
func placeEntries(entries []pageEntry, times []time.Time, at time.Time) (from time.Time) {
	from = at
	for _, t := range times {
		if t.Before(from) {
			from = t
		}
	}
	span := at.Sub(from).Seconds()
	var top float64
	for _, e := range entries {
		top = max(top, e.Score)
	}
	for i := range entries {
		if span > 0 {
			entries[i].Left = float64(int(1000*times[i].Sub(from).Seconds()/span)) / 10
		}
		entries[i].Hue = 210 // no score: a neutral blue
		if entries[i].HasScore {
			entries[i].Hue = 120
		}
		if entries[i].HasScore && top > 0 {
			entries[i].Hue = int(120 * (1 - max(0, entries[i].Score)/top))
		}
	}
	return from
}

// writeAskPage is ask --html: the suspects as ask printed them, and the
// most suspect of the other candidates (ranked again, wider) around them.
func writeAskPage(ctx context.Context, env *environment, j *journal.Store, ix *retrieval.Index, q retrieval.Query, w retrieval.Weights, out askJSON, path string) error {
	q.Top = pageMaxEntries
	wide, err := ix.Rank(ctx, q, w)
	if err != nil {
		return failErr(err, "", "ranking: %v", err)
	}
	rank := map[string]suspectJSON{}
	for _, s := range out.Suspects {
		rank[s.ID] = s
	}
	p := pageData{Heading: "suspects for " + oneLine(out.Query, 80), Query: out.Query, At: out.At, Searched: wide.Candidates}
	var times []time.Time
	add := func(id string, score float64, reasons []string, r int) error {
		e, err := j.Get(ctx, id)
		if err != nil {
			return failErr(err, "", "reading %s: %v", shortID(id), err)
		}
		pe := pageEntryOf(e)
		pe.Score, pe.HasScore, pe.Reasons, pe.Rank = score, true, reasons, r
		if r > 0 {
			pe.Lift, pe.Layer = 1+((r-1)%3)*2, 1000-r
		}
		p.Entries = append(p.Entries, pe)
		times = append(times, e.Time)
		return nil
	}
	for _, s := range out.Suspects {
		if err := add(s.ID, s.Score, s.Reasons, s.Rank); err != nil {
			return err
		}
	}
	for _, s := range wide.Suspects {
		if _, ok := rank[s.ID]; ok {
			continue
		}
		if err := add(s.ID, round3(s.Score), reasons(s), 0); err != nil {
			return err
		}
	}
	from := placeEntries(p.Entries, times, mustTime(out.At))
	p.From = formatTime(from)
	p.Suspects = append(p.Suspects, p.Entries[:len(out.Suspects)]...)
	sortOldestFirst(p.Entries, times)
	return writePage(env, path, p)
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// sortOldestFirst orders entries (and their times) by time, then id.
func sortOldestFirst(entries []pageEntry, times []time.Time) {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := times[a].Compare(times[b]); c != 0 {
			return c
		}
		return strings.Compare(entries[a].ID, entries[b].ID)
	})
	es := make([]pageEntry, len(entries))
	ts := make([]time.Time, len(times))
	for k, i := range idx {
		es[k], ts[k] = entries[i], times[i]
	}
	copy(entries, es)
	copy(times, ts)
}
