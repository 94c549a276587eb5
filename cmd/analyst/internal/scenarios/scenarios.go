// Package scenarios builds the history behind the symptom-scenario data set
// (cmd/analyst/testdata/scenarios): about three months of work on
// "shopfront", the backend of an online shop (a Flask API, Celery workers,
// SQL migrations, Kubernetes manifests, nginx, cron jobs and a Go shipping
// service), by five people and a dependency bot, plus the decisions they
// made outside git.
//
// Among the ordinary commits are the risky changes that cause the data
// set's incidents, the notes that record the risky decisions made outside
// git, and distractors: harmless commits and notes that share words with
// the incident reports, and other edits of the files the risky changes
// touch.
//
// The history is generated with the git CLI in a fresh directory. Every
// commit is dated relative to the end time given to Build, so the same end
// time always yields the same commit shas. The user's git configuration is
// neither read nor modified.
package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/gitrun"
)

// RepoName is the directory name of the service repository; notes are
// recorded with it as their repository.
const RepoName = "shopfront"

// Note is a decision or change made outside git, to be recorded with
// `analyst note --at TIME --kind KIND`.
type Note struct {
	Time time.Time
	Kind string
	Tags []string
	// Text is one line; it becomes the note's title.
	Text string
}

// Cause is the journal entry behind one or more incidents.
type Cause struct {
	// Kind is "commit" or "note".
	Kind string
	// Title is the commit's subject line or the note's text: the title
	// `analyst log --json` shows for the entry.
	Title string
	// Time is the commit's date or the note's time.
	Time time.Time
}

// History is the built repository and what happened around it.
type History struct {
	// Repo is the path of the repository's work tree, "<dir>/shopfront".
	Repo string
	// Commits is the number of commits in Repo (none is a merge).
	Commits int
	// Notes are the decisions made outside git, oldest first.
	Notes []Note
	// Causes maps each cause key of incidents.json to its entry.
	Causes map[string]Cause
	// Fixes maps a cause key to the time of the first commit that fixes
	// it, for the causes that are fixed in the history. An incident must be
	// reported before its cause is fixed.
	Fixes map[string]time.Time
	// Start is the time of the first commit, End the time given to Build.
	Start, End time.Time
}

// Incident is one entry of incidents.json: a symptom as it was reported,
// the key of the change that caused it and how long after that change it
// was reported.
type Incident struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Split string `json:"split"` // "tune", "holdout", "blind", "novel" or "fresh"
	Cause string `json:"cause"`
	After string `json:"after"`
}

// Splits of the data set.
const (
	SplitTune    = "tune"
	SplitHoldout = "holdout"
	// SplitBlind incidents were written after the last tuning, before any
	// later change to the ranking: a measure of how it does on reports
	// nobody tuned for.
	SplitBlind = "blind"
	// SplitNovel incidents have causes that are kinds of change no tune,
	// holdout or blind incident has, written before any change to the
	// ranking or catalogue made after them: a measure of how it does on
	// kinds of change nobody tuned for.
	SplitNovel = "novel"
	// SplitFresh incidents were written after the last tuning, before any
	// later change to the ranking or catalogue, and without reading them;
	// about half of their causes are kinds of change no other incident has:
	// a measure of how the ranking does on reports nobody tuned for.
	SplitFresh = "fresh"
)

// LoadIncidents reads and checks an incidents.json file.
func LoadIncidents(path string) ([]Incident, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list []Incident
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := make(map[string]bool)
	for i, in := range list {
		switch {
		case in.ID == "" || in.Text == "" || in.Cause == "":
			return nil, fmt.Errorf("%s: incident %d: id, text and cause are required", path, i+1)
		case seen[in.ID]:
			return nil, fmt.Errorf("%s: duplicate incident id %q", path, in.ID)
		case in.Split != SplitTune && in.Split != SplitHoldout && in.Split != SplitBlind && in.Split != SplitNovel && in.Split != SplitFresh:
			return nil, fmt.Errorf("%s: %s: split %q is not %q, %q, %q, %q or %q", path, in.ID, in.Split, SplitTune, SplitHoldout, SplitBlind, SplitNovel, SplitFresh)
		}
		if _, err := ParseAfter(in.After); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, in.ID, err)
		}
		seen[in.ID] = true
	}
	return list, nil
}

// ParseAfter parses an incident's delay: a Go duration ("45m", "3h") or a
// number of days or weeks ("2d", "1w").
func ParseAfter(s string) (time.Duration, error) {
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		v, err := strconv.Atoi(s[:n-1])
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("bad delay %q", s)
		}
		d := time.Duration(v) * 24 * time.Hour
		if s[n-1] == 'w' {
			d *= 7
		}
		return d, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad delay %q", s)
	}
	return d, nil
}

// Build creates the shopfront repository in dir/shopfront (dir is created if
// needed; dir/shopfront must not exist) and returns its History.
//
// The timeline is laid out backwards from end: day N is N days before it, at
// clock times that read as working hours when end is a Monday at 18:00 UTC.
// Every commit and note is strictly before end. Build is deterministic: the
// same end (to the second) gives the same commit shas.
func Build(ctx context.Context, dir string, end time.Time) (*History, error) {
	if end.IsZero() {
		return nil, errors.New("scenarios: end is zero")
	}
	end = end.UTC().Truncate(time.Second)
	repo, err := filepath.Abs(filepath.Join(dir, RepoName))
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	if _, err := os.Stat(repo); err == nil {
		return nil, fmt.Errorf("scenarios: %s already exists", repo)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}

	steps, err := timeline(end)
	if err != nil {
		return nil, err
	}
	g := gitrun.New(repo, "scenarios")
	if _, err := g.Run(ctx, dana, time.Time{}, "", "init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	h := &History{Repo: repo, Causes: make(map[string]Cause), Fixes: make(map[string]time.Time), Start: steps[0].when, End: end}
	b := &builder{repo: repo, files: make(map[string]string)}
	for i, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := b.apply(s.ops); err != nil {
			return nil, fmt.Errorf("scenarios: commit %d (%q): %w", i+1, s.subject, err)
		}
		if _, err := g.Run(ctx, s.who, s.when, "", "add", "-A"); err != nil {
			return nil, err
		}
		if _, err := g.Run(ctx, s.who, s.when, s.message(), "commit", "-q", "--no-verify", "-F", "-"); err != nil {
			return nil, err
		}
		if s.cause != "" {
			h.Causes[s.cause] = Cause{Kind: "commit", Title: s.subject, Time: s.when}
		}
		if first, ok := h.Fixes[s.fixes]; s.fixes != "" && (!ok || s.when.Before(first)) {
			h.Fixes[s.fixes] = s.when
		}
	}
	h.Commits = len(steps)

	for _, n := range noteSpecs {
		when, err := at(end, n.day, n.clock)
		if err != nil {
			return nil, err
		}
		if !when.Before(end) {
			return nil, fmt.Errorf("scenarios: note %q is not before the end", n.text)
		}
		h.Notes = append(h.Notes, Note{Time: when, Kind: n.kind, Tags: append([]string(nil), n.tags...), Text: n.text})
		if n.cause != "" {
			if _, dup := h.Causes[n.cause]; dup {
				return nil, fmt.Errorf("scenarios: cause %q is both a commit and a note", n.cause)
			}
			h.Causes[n.cause] = Cause{Kind: "note", Title: n.text, Time: when}
		}
	}
	sort.SliceStable(h.Notes, func(i, j int) bool { return h.Notes[i].Time.Before(h.Notes[j].Time) })
	return h, nil
}

// person is a commit author.
type person = gitrun.Person

var (
	dana   = person{Name: "Dana Reyes", Email: "dana@shop.example"}
	priya  = person{Name: "Priya Nair", Email: "priya@shop.example"}
	tomas  = person{Name: "Tomás Ortega", Email: "tomas@shop.example"}
	marek  = person{Name: "Marek Novak", Email: "marek@shop.example"}
	aisha  = person{Name: "Aisha Bello", Email: "aisha@shop.example"}
	botDep = person{Name: "dependabot[bot]", Email: "49699333+dependabot[bot]@users.noreply.github.com"}
)

// referenceClock is the UTC time of day of end on the reference timeline.
const referenceClock = 18 * time.Hour

// at returns the instant day days before end at the given "15:04" clock of
// a timeline whose end is at referenceClock.
func at(end time.Time, day int, clock string) (time.Time, error) {
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, fmt.Errorf("scenarios: bad clock %q: %w", clock, err)
	}
	tod := time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute
	return end.Add(-time.Duration(day)*24*time.Hour - (referenceClock - tod)), nil
}

// step is one commit. Spine steps (the story: risky changes, distractors,
// fixes) have a fixed day and clock; filler steps (ordinary work) are
// placed on working days by schedule.
type step struct {
	day     int
	clock   string
	who     person
	subject string
	body    string
	ops     []op
	cause   string // the cause key this commit is, if any
	fixes   string // the cause key this commit fixes, if any

	when time.Time
}

func (s step) message() string {
	if s.body == "" {
		return s.subject + "\n"
	}
	return s.subject + "\n\n" + strings.TrimSpace(s.body) + "\n"
}

// stream is a sequence of filler steps that must keep their order, spread
// over the fraction [lo, hi) of the working days.
type stream struct {
	lo, hi float64
	steps  []step
}

// noteSpec is a Note before it is placed on the timeline.
type noteSpec struct {
	day   int
	clock string
	kind  string
	tags  []string
	text  string
	cause string
}

// Timeline bounds: fillers go on working days from firstFillerDay down to
// lastFillerDay.
const (
	firstFillerDay = 89
	lastFillerDay  = 1
)

// weekend reports whether day N before a Monday end is a Saturday or Sunday.
func weekend(day int) bool { return day%7 == 1 || day%7 == 2 }

// timeline returns every commit, dated and in order.
func timeline(end time.Time) ([]step, error) {
	var all []step
	for _, s := range spine() {
		when, err := at(end, s.day, s.clock)
		if err != nil {
			return nil, err
		}
		s.when = when
		all = append(all, s)
	}

	// Fillers: order them by their position in their stream's window, then
	// deal them out over the working days.
	type placed struct {
		pos float64
		idx int
		s   step
	}
	var fill []placed
	for si, st := range fillers() {
		n := float64(len(st.steps))
		for i, s := range st.steps {
			fill = append(fill, placed{pos: st.lo + (st.hi-st.lo)*(float64(i)+0.5)/n, idx: si*1000 + i, s: s})
		}
	}
	sort.SliceStable(fill, func(i, j int) bool {
		if fill[i].pos != fill[j].pos {
			return fill[i].pos < fill[j].pos
		}
		return fill[i].idx < fill[j].idx
	})
	var days []int
	for d := firstFillerDay; d >= lastFillerDay; d-- {
		if !weekend(d) {
			days = append(days, d)
		}
	}
	perDay := make(map[int][]step)
	for j, f := range fill {
		d := days[j*len(days)/len(fill)]
		perDay[d] = append(perDay[d], f.s)
	}
	const dayStart, dayLen = 9*time.Hour + 5*time.Minute, 9 * time.Hour
	for _, d := range days {
		list := perDay[d]
		slot := dayLen / time.Duration(len(list)+1)
		for k, s := range list {
			base, _ := at(end, d, "00:00")
			jit := time.Duration(hash(s.subject)%uint32(slot/time.Second/2)) * time.Second
			s.when = base.Add(dayStart + time.Duration(k)*slot + jit)
			all = append(all, s)
		}
	}

	sort.SliceStable(all, func(i, j int) bool { return all[i].when.Before(all[j].when) })
	seen := make(map[string]bool)
	for i, s := range all {
		if seen[s.subject] {
			return nil, fmt.Errorf("scenarios: two commits have the subject %q", s.subject)
		}
		seen[s.subject] = true
		if !s.when.Before(end) {
			return nil, fmt.Errorf("scenarios: commit %q is not before the end", s.subject)
		}
		if i > 0 && !s.when.After(all[i-1].when) {
			// Same second as the one before: keep the order, one second apart.
			all[i].when = all[i-1].when.Add(time.Second)
		}
	}
	return all, nil
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// op is a change to one file.
type op struct {
	kind     byte // 'w' write whole file, 'e' replace old with new once, 'a' append, 'd' delete, 'm' new migration
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

// migration adds migrations/NNNN_name.sql with the next free number.
func migration(name, sql string) op { return op{kind: 'm', path: name, new: text(sql)} }

// builder holds the work tree's files between commits.
type builder struct {
	repo      string
	files     map[string]string
	migration int // number of the last migration written
}

// apply applies ops to the files and writes every changed file once.
func (b *builder) apply(ops []op) error {
	changed := make(map[string]bool)
	for _, o := range ops {
		cur, ok := b.files[o.path]
		switch o.kind {
		case 'w':
			b.files[o.path] = o.new
		case 'm':
			b.migration++
			o.path = fmt.Sprintf("migrations/%04d_%s.sql", b.migration, o.path)
			b.files[o.path] = o.new
		case 'a':
			if !ok {
				return fmt.Errorf("append to missing file %s", o.path)
			}
			b.files[o.path] = cur + o.new
		case 'e':
			if !ok {
				return fmt.Errorf("edit of missing file %s", o.path)
			}
			if n := strings.Count(cur, o.old); n != 1 {
				return fmt.Errorf("edit of %s: old text found %d times, want 1:\n%s", o.path, n, o.old)
			}
			b.files[o.path] = strings.Replace(cur, o.old, o.new, 1)
		case 'd':
			if !ok {
				return fmt.Errorf("delete of missing file %s", o.path)
			}
			delete(b.files, o.path)
		default:
			return fmt.Errorf("unknown op %q", o.kind)
		}
		changed[o.path] = true
	}
	if len(changed) == 0 {
		return errors.New("no changes")
	}
	paths := make([]string, 0, len(changed))
	for p := range changed {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(b.repo, filepath.FromSlash(p))
		content, ok := b.files[p]
		if !ok {
			if err := os.Remove(full); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			return err
		}
	}
	return nil
}
