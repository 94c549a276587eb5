package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser the page tests load pages in. It
// skips the test when there is none, unless ANALYST_REQUIRE_TOOLS=1 (CI),
// where a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("ANALYST_REQUIRE_TOOLS") == "1" {
		t.Fatal("chromium is not installed (apt-get install chromium) and ANALYST_REQUIRE_TOOLS=1")
	}
	t.Skip("chromium is not installed: skipping the page test (apt-get install chromium; ANALYST_REQUIRE_TOOLS=1 makes this fail)")
	return ""
}

// dumpDOM loads the page in headless chromium and returns its DOM after
// the page's scripts ran.
func dumpDOM(t *testing.T, browser, page string) string {
	t.Helper()
	// A bound on a hung browser, not a measurement.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+page)
	cmd.WaitDelay = 10 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	return string(out)
}

var (
	suspectItem = regexp.MustCompile(`<li data-id="([0-9a-fn]+)" data-rank="(\d+)"`)
	attrValue   = regexp.MustCompile(`="[^"]*"`)
)

// TestAskHTMLInChromium: the page ask --html writes, loaded in a real
// browser, lists the suspects ask --json ranks, in its order, and shows a
// commit title that carries a script as text without running it.
func TestAskHTMLInChromium(t *testing.T) {
	browser := chromium(t)
	work := setIsolatedEnv(t)
	repo, _, _, _ := marksRepo(t, work)
	evil := "Lower the cart client timeout <script>document.title='pwned'</script>"
	os.WriteFile(filepath.Join(repo, "cart.go"), []byte("package cart\n\n// cart client: requests <img src=x onerror=\"document.title='img'\"> time out\nvar timeout = 500 * time.Millisecond\n"), 0o644)
	commitAll(t, repo, "2026-11-10T09:00:00Z", evil)
	home := filepath.Join(work, "home")
	mustRun(t, "--home", home, "index", "--repo", repo)

	page := filepath.Join(work, "incident.html")
	args := []string{"--home", home, "ask", "--no-llm", "--top", "5", "--at", marksAskAt, marksIncident}
	a := askJSONOf(t, mustRun(t, append(args, "--json")...))
	mustRun(t, append(args, "--json", "--html", page)...)
	if len(a.Suspects) != 5 {
		t.Fatalf("%d suspects, want 5", len(a.Suspects))
	}
	if fi, err := os.Stat(page); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("page: %v, %v (want a 0600 file)", fi, err)
	}
	raw, _ := os.ReadFile(page)
	for _, external := range []string{"src=\"http", "href=\"http", "@import", "url("} {
		if strings.Contains(string(raw), external) {
			t.Errorf("the page refers to something outside itself: %q", external)
		}
	}

	dom := dumpDOM(t, browser, page)
	if !strings.Contains(dom, `data-rendered="yes"`) {
		t.Fatalf("the page's own script did not run, so the escaping check proves nothing:\n%s", dom)
	}
	var ids []string
	for _, m := range suspectItem.FindAllStringSubmatch(dom, -1) {
		ids = append(ids, m[1])
	}
	var want []string
	evilRank := 0
	for _, s := range a.Suspects {
		want = append(want, s.ID)
		if s.Title == evil {
			evilRank = s.Rank
		}
	}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Errorf("suspects on the page:\n%v\nask --json:\n%v", ids, want)
	}
	if evilRank == 0 {
		t.Fatalf("the commit with a script in its title is not a suspect: the test proves nothing")
	}
	for _, s := range a.Suspects {
		if !strings.Contains(dom, `id="e-`+s.ID+`"`) || !strings.Contains(dom, `href="#e-`+s.ID+`"`) {
			t.Errorf("suspect %s has no linked details section", s.ID)
		}
	}

	// The title stays the page's; the script is text on it.
	title := regexp.MustCompile(`<title>(.*?)</title>`).FindStringSubmatch(dom)
	if title == nil || title[1] != "analyst: suspects for "+marksIncident {
		t.Errorf("document title %q: a script from the journal ran", title)
	}
	if !strings.Contains(dom, "&lt;script&gt;document.title='pwned'&lt;/script&gt;") {
		t.Errorf("the title's script is not shown as text")
	}
	if n := strings.Count(attrValue.ReplaceAllString(dom, `=""`), "<script"); n != 1 {
		t.Errorf("%d script elements in the DOM, want only the page's own", n)
	}
	if strings.Contains(attrValue.ReplaceAllString(dom, `=""`), "<img") {
		t.Errorf("an element from a diff made it into the DOM")
	}
}

// TestTimelinePage: timeline writes the same kind of page, without
// suspects, with the changes before --at only.
func TestTimelinePage(t *testing.T) {
	work := setIsolatedEnv(t)
	repo, a, b, c := marksRepo(t, work)
	home := filepath.Join(work, "home")
	mustRun(t, "--home", home, "index", "--repo", repo)
	out := mustRun(t, "--home", home, "timeline", "--at", "2026-11-06T00:00:00Z", "--since", "3d")
	if !strings.Contains(out, `id="e-`+a+`"`) || !strings.Contains(out, `id="e-`+c+`"`) {
		t.Errorf("the timeline lacks changes within 3 days before --at")
	}
	if strings.Contains(out, b) || strings.Contains(out, "Start the shop service") {
		t.Errorf("the timeline shows a change after --at or before --since")
	}
	if strings.Contains(out, `id="suspects"`) {
		t.Errorf("the timeline lists suspects")
	}
	_, errOut, code := analystRun(t, "", "--home", home, "timeline", "extra")
	if code != exitUsage || !strings.Contains(errOut, "hint: ") {
		t.Errorf("timeline with an argument: exit %d\n%s", code, errOut)
	}
}
