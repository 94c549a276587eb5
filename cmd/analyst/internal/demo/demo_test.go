package demo

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/gitrun"
)

// testIncidentAt is a Monday evening, so the timeline reads as working hours.
var testIncidentAt = time.Date(2025, 3, 17, 18, 30, 0, 0, time.UTC)

var (
	sharedOnce sync.Once
	sharedHist *History
	sharedErr  error
	sharedTook time.Duration
)

var tempDirs []string

func mkdirTemp() (string, error) {
	dir, err := os.MkdirTemp("", "analyst-demo-")
	if err == nil {
		tempDirs = append(tempDirs, dir)
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// shared builds one history for the read-only assertions.
func shared(t *testing.T) *History {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			sharedErr = err
			return
		}
		start := time.Now()
		sharedHist, sharedErr = Build(context.Background(), dir, testIncidentAt)
		sharedTook = time.Since(start)
	})
	if sharedErr != nil {
		t.Fatalf("Build: %v", sharedErr)
	}
	return sharedHist
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitrun.New(dir, "demo").Run(context.Background(), dana, time.Time{}, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type commit struct {
	sha     string
	parents []string
	when    time.Time
	author  string
	subject string
}

// commits lists the commits reachable from HEAD, oldest first.
func commits(t *testing.T, repo string) []commit {
	t.Helper()
	out := git(t, repo, "log", "--reverse", "--topo-order", "--format=%H%x00%P%x00%ct%x00%an <%ae>%x00%s")
	var cs []commit
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\x00")
		if len(f) != 5 {
			t.Fatalf("bad log line %q", line)
		}
		sec, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, commit{sha: f[0], parents: strings.Fields(f[1]), when: time.Unix(sec, 0).UTC(), author: f[3], subject: f[4]})
	}
	return cs
}

func causeIndex(t *testing.T, h *History, cs []commit) int {
	t.Helper()
	idx := -1
	for i, c := range cs {
		if c.subject == h.CauseSubject {
			if idx >= 0 {
				t.Fatalf("more than one commit titled %q", h.CauseSubject)
			}
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("no commit titled %q", h.CauseSubject)
	}
	return idx
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	h1 := shared(t)
	dir := t.TempDir()
	start := time.Now()
	h2, err := Build(context.Background(), dir, testIncidentAt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Build took %v (first build %v)", time.Since(start), sharedTook)
	if a, b := git(t, h1.Repo, "rev-parse", "HEAD"), git(t, h2.Repo, "rev-parse", "HEAD"); a != b {
		t.Fatalf("HEAD differs between builds: %s vs %s", strings.TrimSpace(a), strings.TrimSpace(b))
	}
	// A different incident time moves every commit.
	h3, err := Build(context.Background(), t.TempDir(), testIncidentAt.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if git(t, h1.Repo, "rev-parse", "HEAD") == git(t, h3.Repo, "rev-parse", "HEAD") {
		t.Fatal("HEAD did not change with incidentAt")
	}
	if _, err := Build(context.Background(), dir, testIncidentAt); err == nil {
		t.Fatal("Build into an existing shop-api succeeded")
	}
}

func TestHistoryShape(t *testing.T) {
	t.Parallel()
	h := shared(t)
	if h.Incident != "API returns None after save" || !h.IncidentAt.Equal(testIncidentAt) {
		t.Fatalf("incident = %q at %v", h.Incident, h.IncidentAt)
	}
	n, err := strconv.Atoi(strings.TrimSpace(git(t, h.Repo, "rev-list", "--no-merges", "--count", "HEAD")))
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 || n > 50 {
		t.Fatalf("%d non-merge commits, want 40..50", n)
	}
	cs := commits(t, h.Repo)
	if len(cs) != n {
		t.Fatalf("%d commits, %d non-merge", len(cs), n)
	}
	authors := map[string]int{}
	for i, c := range cs {
		authors[c.author]++
		if !c.when.Before(h.IncidentAt) {
			t.Errorf("commit %q at %v is not before the incident", c.subject, c.when)
		}
		if i > 0 && !c.when.After(cs[i-1].when) {
			t.Errorf("commit %q at %v is not after %q at %v", c.subject, c.when, cs[i-1].subject, cs[i-1].when)
		}
	}
	if authors["Dana Reyes <dana@shop.example>"] == 0 || len(authors) < 2 {
		t.Errorf("authors = %v", authors)
	}
	if span := cs[len(cs)-1].when.Sub(cs[0].when); span < 18*24*time.Hour || span > 24*24*time.Hour {
		t.Errorf("history spans %v, want about three weeks", span)
	}
	// Author and committer dates agree and are UTC.
	for _, line := range strings.Split(strings.TrimSpace(git(t, h.Repo, "log", "--format=%aI %cI")), "\n") {
		a, c, _ := strings.Cut(line, " ")
		if a != c || !strings.HasSuffix(a, "+00:00") {
			t.Errorf("dates %q", line)
		}
	}
}

func TestCause(t *testing.T) {
	t.Parallel()
	h := shared(t)
	cs := commits(t, h.Repo)
	i := causeIndex(t, h, cs)
	cause := cs[i]
	before := h.IncidentAt.Sub(cause.when)
	if before < 9*time.Hour+50*time.Minute || before > 10*time.Hour+10*time.Minute {
		t.Errorf("cause is %v before the incident, want 9h50m..10h10m", before)
	}
	show := git(t, h.Repo, "show", "--format=%B", cause.sha)
	if !strings.Contains(show, "w=0&journal=false") || !strings.Contains(show, "-MONGO_URI=") {
		t.Errorf("cause diff does not lower the write concern:\n%s", show)
	}
	if !strings.Contains(show, ":s3cr3t-pw@") {
		t.Errorf("cause diff has no password in the URI userinfo:\n%s", show)
	}
	if !strings.Contains(strings.ToLower(show), "for performance") {
		t.Errorf("cause body does not say why:\n%s", show)
	}
	lower := strings.ToLower(show)
	for _, w := range []string{"none", "save", "returns", "api"} {
		if strings.Contains(lower, w) {
			t.Errorf("cause message/diff contains %q:\n%s", w, show)
		}
	}
	files := strings.Fields(git(t, h.Repo, "show", "--format=", "--name-only", cause.sha))
	if len(files) != 1 || files[0] != "config/production.env" {
		t.Errorf("cause touches %v", files)
	}

	if after := len(cs) - 1 - i; after < 8 {
		t.Errorf("%d commits after the cause, want >= 8", after)
	}
	later := strings.Fields(git(t, h.Repo, "log", "--format=%H", cause.sha+"..HEAD", "--", "config/production.env"))
	if len(later) < 2 {
		t.Errorf("%d later commits touch config/production.env, want >= 2", len(later))
	}
	for _, sha := range later {
		if d := git(t, h.Repo, "show", "--format=", sha, "--", "config/production.env"); strings.Contains(d, "MONGO_URI") {
			t.Errorf("distractor %s shows the Mongo URI:\n%s", sha, d)
		}
	}
	earlier := strings.Fields(git(t, h.Repo, "log", "--format=%H", cause.sha+"^", "--", "config/production.env"))
	if len(earlier) < 2 {
		t.Errorf("%d earlier commits touch config/production.env, want >= 2", len(earlier))
	}
}

// TestDistractors checks that word matching on the incident text is tempted
// by commits other than the cause, including ones after it.
func TestDistractors(t *testing.T) {
	t.Parallel()
	h := shared(t)
	cs := commits(t, h.Repo)
	i := causeIndex(t, h, cs)
	word := regexp.MustCompile(`(?i)\b(api|returns?|none|save)\b`)
	var before, after int
	for j, c := range cs {
		if j == i {
			continue
		}
		if word.MatchString(c.subject) {
			if j < i {
				before++
			} else {
				after++
			}
		}
	}
	if before < 3 || after < 2 {
		t.Errorf("subjects overlapping the incident: %d before the cause, %d after", before, after)
	}
}

func TestRevert(t *testing.T) {
	t.Parallel()
	h := shared(t)
	cs := commits(t, h.Repo)
	bySHA := map[string]commit{}
	var found bool
	for _, c := range cs {
		bySHA[c.sha] = c
		if !strings.HasPrefix(c.subject, `Revert "`) {
			continue
		}
		found = true
		body := git(t, h.Repo, "show", "-s", "--format=%b", c.sha)
		m := regexp.MustCompile(`This reverts commit ([0-9a-f]{40})\.`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("revert body %q", body)
		}
		orig, ok := bySHA[m[1]]
		if !ok {
			t.Fatalf("reverted commit %s is not an earlier commit", m[1])
		}
		if want := `Revert "` + orig.subject + `"`; c.subject != want {
			t.Errorf("revert subject %q, want %q", c.subject, want)
		}
		if d := git(t, h.Repo, "diff", orig.sha+"^", c.sha, "--", "requirements.txt", "app/__init__.py"); strings.Contains(d, "ompress") {
			t.Errorf("revert left compression behind:\n%s", d)
		}
	}
	if !found {
		t.Fatal("no revert commit")
	}
}

func TestCleanAndIsolated(t *testing.T) {
	t.Parallel()
	h := shared(t)
	if st := git(t, h.Repo, "status", "--porcelain", "--untracked-files=all"); st != "" {
		t.Fatalf("work tree not clean:\n%s", st)
	}
	if b := strings.TrimSpace(git(t, h.Repo, "symbolic-ref", "--short", "HEAD")); b != "main" {
		t.Fatalf("branch %q", b)
	}
	if cfg := git(t, h.Repo, "config", "--local", "--list"); strings.Contains(cfg, "user.") {
		t.Fatalf("repo config records a user:\n%s", cfg)
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	h := shared(t)
	if len(h.Notes) < 2 || len(h.Notes) > 4 {
		t.Fatalf("%d notes", len(h.Notes))
	}
	cs := commits(t, h.Repo)
	causeAt := cs[causeIndex(t, h, cs)].when
	for i, n := range h.Notes {
		if n.Kind == "" || n.Text == "" || len(n.Tags) == 0 {
			t.Errorf("incomplete note %+v", n)
		}
		if !n.Time.Before(h.IncidentAt) || (i > 0 && !n.Time.After(h.Notes[i-1].Time)) {
			t.Errorf("note %q at %v out of order", n.Text, n.Time)
		}
		if n.Time.Equal(causeAt) || strings.Contains(n.Text, "w=0") || strings.Contains(strings.ToLower(n.Text), "write concern") {
			t.Errorf("note %q looks like the cause", n.Text)
		}
		if strings.Contains(n.Text, "%") {
			t.Errorf("unformatted note %q", n.Text)
		}
	}
	var deploy bool
	for _, n := range h.Notes {
		deploy = deploy || n.Kind == "deploy"
	}
	if !deploy {
		t.Error("no deploy note")
	}
}

func TestBuildBare(t *testing.T) {
	t.Parallel()
	h := shared(t)
	b, err := BuildBare(context.Background(), t.TempDir(), testIncidentAt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.Repo, "shop-api.git") {
		t.Fatalf("bare repo at %s", b.Repo)
	}
	if got := strings.TrimSpace(git(t, b.Repo, "rev-parse", "--is-bare-repository")); got != "true" {
		t.Fatalf("is-bare-repository = %s", got)
	}
	if git(t, b.Repo, "rev-parse", "HEAD") != git(t, h.Repo, "rev-parse", "HEAD") {
		t.Fatal("bare clone HEAD differs")
	}
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, t.TempDir(), testIncidentAt); err == nil {
		t.Fatal("Build with a canceled context succeeded")
	}
}
