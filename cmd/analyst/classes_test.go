package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeClass returns the example of a user's change class that the README
// gives, so that the example stays true.
func readmeClass(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### Your own change classes")
	if !ok {
		t.Fatal("README has no section on change classes")
	}
	_, rest, ok = strings.Cut(rest, "```toml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README's change class section has no toml block")
	}
	return block
}

// TestUserClasses: the README's example class, put in the home's
// classes.toml, matches a change and a note, ranks the change first for a
// report of its symptoms and gives its reason; a class that does not compile
// stops index with the file, the class and the pattern at fault, and leaves
// the journal as it was.
func TestUserClasses(t *testing.T) {
	example := readmeClass(t) // before the test leaves the package directory
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	repo, write := newRepo(t, work, "shop")
	write("config/billing.yaml", "currency: EUR\nstrict_vat_rules: true\nrounding: half_up\n")
	commitAll(t, repo, "2026-11-20T10:00:00Z", "Billing: settings file")
	write("config/billing.yaml", "currency: EUR\nstrict_vat_rules: false\nrounding: half_up\n")
	cause := commitAll(t, repo, "2026-12-01T10:00:00Z", "Billing: simpler settings for the new shop")
	write("templates/invoice.html", "<p>Invoice total, VAT included: {{ total }}</p>\n")
	commitAll(t, repo, "2026-12-02T10:00:00Z", "Invoice: say that the total includes VAT")

	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	classes := filepath.Join(home, "classes.toml")
	if err := os.WriteFile(classes, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "--home", home, "index", "--repo", repo)
	mustRun(t, "--home", home, "note", "--at", "2026-12-02T15:00:00Z", "turned off strict VAT in the tax provider's dashboard for a test")

	a := askJSONOf(t, mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--no-auto-index",
		"--at", "2026-12-03T09:00:00Z", "customers in Austria say the VAT on their invoice is wrong"))
	if len(a.Suspects) < 3 {
		t.Fatalf("suspects: %+v", a.Suspects)
	}
	reason := "strict VAT rules switched off: invoices for other EU countries get the home rate"
	var causeRank, noteRank int
	for _, s := range a.Suspects {
		has := strings.Contains(strings.Join(s.Reasons, "\n"), reason)
		switch {
		case s.Ref == cause:
			causeRank = s.Rank
			if !has {
				t.Errorf("the cause's reasons %q lack the class's", s.Reasons)
			}
		case s.Kind == "note":
			noteRank = s.Rank
			if !has {
				t.Errorf("the note's reasons %q lack the class's", s.Reasons)
			}
		case has:
			t.Errorf("%q matched the class: %q", s.Title, s.Reasons)
		}
	}
	if causeRank > 2 || noteRank > 2 {
		t.Errorf("the change and the note should lead: ranks %d and %d\n%+v", causeRank, noteRank, a.Suspects)
	}
	var shown struct{ Classes []struct{ Class string } }
	if err := json.Unmarshal([]byte(mustRun(t, "--home", home, "show", "--json", cause)), &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown.Classes) != 1 || shown.Classes[0].Class != "strict-vat-off" {
		t.Errorf("show --json classes = %+v", shown.Classes)
	}

	// A class that does not compile: a clear error, nothing lost.
	before := mustRun(t, "--home", home, "log", "--json")
	bad := strings.Replace(example, `added = ['''`, `added = ['''(unclosed`, 1)
	if err := os.WriteFile(classes, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := analystRun(t, "", "--home", home, "index")
	if code != exitUsage {
		t.Fatalf("index with a broken class: exit %d, want %d\n%s", code, exitUsage, errOut)
	}
	for _, want := range []string{"analyst: change classes in " + classes, "strict-vat-off", "added[0]", "hint: fix " + classes} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, _, code := analystRun(t, "", "--home", home, "ask", "--no-llm", "wrong VAT"); code != exitUsage {
		t.Errorf("ask with a broken class: exit %d, want %d", code, exitUsage)
	}
	if after := mustRun(t, "--home", home, "log", "--json"); after != before {
		t.Errorf("the journal changed:\nbefore %s\nafter %s", before, after)
	}
	// Asked from a repository the journal does not know yet, which ask
	// brings in first (that still works) and then indexes: the error is
	// said once.
	other, writeOther := newRepo(t, work, "other")
	writeOther("README.md", "# other\n")
	commitAll(t, other, "2026-11-21T10:00:00Z", "Start")
	t.Chdir(other)
	_, errOut, code = analystRun(t, "", "--home", home, "ask", "--no-llm", "wrong VAT")
	if code != exitUsage || strings.Count(errOut, "change classes in") != 1 {
		t.Errorf("ask with a broken class: exit %d, want %d, and the error once:\n%s", code, exitUsage, errOut)
	}
}
