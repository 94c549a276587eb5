// Package demo builds the seed story behind `analyst demo`: a small but
// realistic git history of "shop-api", a Flask + MongoDB order service, worked
// on by two developers over about three weeks, plus the decisions they made
// outside git and the incident that ends it ("API returns None after save").
//
// The history is generated with the git CLI in a fresh directory. Every
// commit is backdated relative to the incident time, so the same incident
// time always yields the same commit shas. The user's git configuration is
// neither read nor modified.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/gitrun"
)

const (
	// incidentText is the symptom reported at IncidentAt.
	incidentText = "API returns None after save"
	// causeSubject is the subject of the commit that caused the incident.
	causeSubject = "Speed up order writes"
	// repoName is the directory name of the service repository.
	repoName = "shop-api"
)

// Note is a decision recorded outside git.
type Note struct {
	Time time.Time
	Kind string
	Tags []string
	Text string
}

// History is a built service repository plus what happened around it.
type History struct {
	// Repo is the path of the repository: the non-bare work tree
	// "<dir>/shop-api" for Build, the bare "<dir>/shop-api.git" for BuildBare.
	Repo string
	// Notes are decisions made outside git, oldest first, to be recorded
	// with `analyst note --at`.
	Notes []Note
	// Incident is the reported symptom, "API returns None after save".
	Incident string
	// IncidentAt is when the incident was reported.
	IncidentAt time.Time
	// CauseSubject is the subject line of the commit that caused it.
	CauseSubject string
}

// Build creates the shop-api repository in dir/shop-api (dir is created if
// needed; dir/shop-api must not exist yet) and returns its History.
//
// Every commit is backdated relative to incidentAt using fixed offsets: the
// timeline reads as Monday-to-Friday working hours when incidentAt is a
// Monday around 18:30 UTC. The cause lands 9h55m before incidentAt and every
// commit is strictly earlier than incidentAt. Build is deterministic: the same
// incidentAt (to the second) gives the same commit shas.
func Build(ctx context.Context, dir string, incidentAt time.Time) (*History, error) {
	if incidentAt.IsZero() {
		return nil, errors.New("demo: incidentAt is zero")
	}
	repo, err := filepath.Abs(filepath.Join(dir, repoName))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if _, err := os.Stat(repo); err == nil {
		return nil, fmt.Errorf("demo: %s already exists", repo)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}

	g := gitrun.New(repo, "demo")
	if _, err := g.Run(ctx, dana, time.Time{}, "", "init", "-q", "-b", "main"); err != nil {
		return nil, err
	}

	steps := story()
	need := make(map[string]bool) // subjects whose sha is referenced later
	for _, s := range steps {
		if s.revert != "" {
			need[s.revert] = true
		}
	}
	for _, n := range noteSpecs {
		if n.ref != "" {
			need[n.ref] = true
		}
	}

	files := make(map[string]string)     // current content of every tracked file
	touched := make(map[string][]string) // subject -> paths written by that step
	shas := make(map[string]string)
	var prev time.Time
	for i, s := range steps {
		when, err := s.at(incidentAt)
		if err != nil {
			return nil, err
		}
		if i > 0 && !when.After(prev) {
			return nil, fmt.Errorf("demo: step %d (%q) is not later than the one before", i+1, s.title())
		}
		if !when.Before(incidentAt) {
			return nil, fmt.Errorf("demo: step %d (%q) is not before the incident", i+1, s.title())
		}
		prev = when

		if s.revert != "" {
			sha := shas[s.revert]
			if sha == "" {
				return nil, fmt.Errorf("demo: revert of unknown commit %q", s.revert)
			}
			if _, err := g.Run(ctx, s.who, when, "", "revert", "--no-edit", sha); err != nil {
				return nil, err
			}
			if err := reload(repo, files, touched[s.revert]); err != nil {
				return nil, err
			}
		} else {
			paths, err := apply(repo, files, s.ops)
			if err != nil {
				return nil, fmt.Errorf("demo: step %d (%q): %w", i+1, s.subject, err)
			}
			touched[s.subject] = paths
			if _, err := g.Run(ctx, s.who, when, "", "add", "-A"); err != nil {
				return nil, err
			}
			if _, err := g.Run(ctx, s.who, when, s.message(), "commit", "-q", "--no-verify", "-F", "-"); err != nil {
				return nil, err
			}
		}
		if need[s.subject] {
			out, err := g.Run(ctx, s.who, when, "", "rev-parse", "HEAD")
			if err != nil {
				return nil, err
			}
			shas[s.subject] = strings.TrimSpace(out)
		}
	}

	notes := make([]Note, 0, len(noteSpecs))
	for _, n := range noteSpecs {
		when, err := clockTime(incidentAt, n.day, n.clock)
		if err != nil {
			return nil, err
		}
		text := n.text
		if n.ref != "" {
			text = fmt.Sprintf(text, shas[n.ref][:7])
		}
		notes = append(notes, Note{Time: when, Kind: n.kind, Tags: append([]string(nil), n.tags...), Text: text})
	}

	return &History{
		Repo:         repo,
		Notes:        notes,
		Incident:     incidentText,
		IncidentAt:   incidentAt,
		CauseSubject: causeSubject,
	}, nil
}

// BuildBare is Build followed by CloneBare into dir/shop-api.git; the
// returned History's Repo is the bare clone. The work tree dir/shop-api is
// left in place.
func BuildBare(ctx context.Context, dir string, incidentAt time.Time) (*History, error) {
	h, err := Build(ctx, dir, incidentAt)
	if err != nil {
		return nil, err
	}
	bare := filepath.Join(filepath.Dir(h.Repo), repoName+".git")
	if err := CloneBare(ctx, h.Repo, bare); err != nil {
		return nil, err
	}
	h.Repo = bare
	return h, nil
}

// CloneBare makes a bare clone of repo at dst, with the same isolated git
// environment Build uses.
func CloneBare(ctx context.Context, repo, dst string) error {
	g := gitrun.New(filepath.Dir(dst), "demo")
	if err := os.MkdirAll(g.Dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	_, err := g.Run(ctx, dana, time.Time{}, "", "clone", "-q", "--bare", "--no-local", repo, dst)
	return err
}

// person is a commit author.
type person = gitrun.Person

var (
	dana  = person{Name: "Dana Reyes", Email: "dana@shop.example"}
	priya = person{Name: "Priya Nair", Email: "priya@shop.example"}
)

// referenceClock is the UTC time of day at which the timeline assumes the
// incident is reported; step clocks are offsets from it.
const referenceClock = 18*time.Hour + 30*time.Minute

// clockTime returns the instant that is day days before incidentAt, at the
// given "15:04:05" clock of a timeline whose incident is at referenceClock.
func clockTime(incidentAt time.Time, day int, clock string) (time.Time, error) {
	c, err := time.Parse("15:04:05", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("demo: bad clock %q: %w", clock, err)
	}
	tod := time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute + time.Duration(c.Second())*time.Second
	return incidentAt.Add(-time.Duration(day)*24*time.Hour - (referenceClock - tod)), nil
}

// step is one commit of the story: either file operations plus a message,
// or a `git revert` of an earlier step identified by its subject.
type step struct {
	day     int    // days before the incident day
	clock   string // "15:04:05" on the reference timeline
	who     person
	subject string
	body    string
	ops     []op
	revert  string
}

func (s step) at(incidentAt time.Time) (time.Time, error) {
	return clockTime(incidentAt, s.day, s.clock)
}

func (s step) title() string {
	if s.revert != "" {
		return "Revert " + s.revert
	}
	return s.subject
}

func (s step) message() string {
	if s.body == "" {
		return s.subject + "\n"
	}
	return s.subject + "\n\n" + strings.TrimSpace(s.body) + "\n"
}

// op is a change to one file.
type op struct {
	kind     byte // 'w' write whole file, 'e' replace old with new once, 'a' append, 'd' delete
	path     string
	old, new string
}

// backtick stands in for "`" inside Go raw strings.
const backtick = "§"

func text(s string) string { return strings.ReplaceAll(s, backtick, "`") }

func put(path, content string) op { return op{kind: 'w', path: path, new: text(content)} }
func edit(path, old, repl string) op {
	return op{kind: 'e', path: path, old: text(old), new: text(repl)}
}
func appendTo(path, content string) op { return op{kind: 'a', path: path, new: text(content)} }
func remove(path string) op            { return op{kind: 'd', path: path} }

// apply applies ops to files and writes every changed file to the work tree
// once. It returns the changed paths, sorted.
func apply(repo string, files map[string]string, ops []op) ([]string, error) {
	changed := make(map[string]bool)
	deleted := make(map[string]bool)
	for _, o := range ops {
		cur, ok := files[o.path]
		switch o.kind {
		case 'w':
			files[o.path] = o.new
		case 'a':
			if !ok {
				return nil, fmt.Errorf("append to missing file %s", o.path)
			}
			files[o.path] = cur + o.new
		case 'e':
			if !ok {
				return nil, fmt.Errorf("edit of missing file %s", o.path)
			}
			if n := strings.Count(cur, o.old); n != 1 {
				return nil, fmt.Errorf("edit of %s: old text found %d times, want 1:\n%s", o.path, n, o.old)
			}
			files[o.path] = strings.Replace(cur, o.old, o.new, 1)
		case 'd':
			if !ok {
				return nil, fmt.Errorf("delete of missing file %s", o.path)
			}
			delete(files, o.path)
			deleted[o.path] = true
		default:
			return nil, fmt.Errorf("unknown op %q", o.kind)
		}
		if o.kind != 'd' {
			delete(deleted, o.path)
		}
		changed[o.path] = true
	}
	paths := make([]string, 0, len(changed))
	for p := range changed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(repo, filepath.FromSlash(p))
		if deleted[p] {
			if err := os.Remove(full); err != nil {
				return nil, err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, []byte(files[p]), 0o644); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// reload refreshes files for paths from the work tree (after a git revert).
func reload(repo string, files map[string]string, paths []string) error {
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			delete(files, p)
		case err != nil:
			return fmt.Errorf("demo: %w", err)
		default:
			files[p] = string(b)
		}
	}
	return nil
}
