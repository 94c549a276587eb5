package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// A sick or dead Ollama costs the explanation, never the answer: for each
// fault, `ask` prints the retrieval ranking, exits 0, and says in one
// warning line (stderr, and the JSON's warnings) what went wrong. In a
// stream, an explanation already partly written is marked as cut.
func TestOllamaFaults(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	repo := buildSmallRepo(t, work)
	mustRun(t, "--home", home, "index", "--no-ollama", "--repo", repo)
	t.Setenv("ANALYST_CHAT_MODEL", "fake-chat")
	const at, incident = "2026-11-04T00:00:00Z", "API returns None after save"
	const summary = "Writes are no longer acknowledged, so the read after a save finds nothing."
	titles := []string{"Speed up order writes", "Add prod config", "Add app entry point", "Document the service"}
	defaultChat, defaultProbe := chatTimeout, probeTimeout
	t.Cleanup(func() { chatTimeout, probeTimeout = defaultChat, defaultProbe })

	const retrievalOnly = ": showing retrieval only"
	cases := []struct {
		fault fault
		// Bounds for the case; zero keeps the default. The faults that
		// answer nothing wait for these, so they are short.
		chat, probe time.Duration
		// The one warning, with --json (no stream asked) and with --stream;
		// HOST stands for the server's address. Empty: no warning.
		json, stream string
		// Whether, in a stream, part of the summary shows before the failure.
		partial bool
	}{
		{fault: "", json: "", stream: ""},
		{fault: "down", json: "Ollama unreachable at HOST" + retrievalOnly},
		{fault: faultHang, probe: 50 * time.Millisecond, json: "Ollama unreachable at HOST" + retrievalOnly},
		{fault: faultRefuse, json: "Ollama at HOST stopped answering" + retrievalOnly},
		{fault: faultDies, json: "Ollama at HOST stopped answering" + retrievalOnly},
		{fault: faultSlow, chat: 50 * time.Millisecond, json: "Ollama at HOST gave no answer within 50ms" + retrievalOnly},
		{fault: faultStall, chat: time.Second, json: "Ollama at HOST gave no answer within 1 s" + retrievalOnly,
			stream: "Ollama at HOST did not finish its answer within 1 s" + retrievalOnly, partial: true},
		{fault: faultCut, json: "Ollama at HOST stopped answering" + retrievalOnly,
			stream: "Ollama at HOST stopped answering in the middle of its reply" + retrievalOnly, partial: true},
		{fault: faultNoDone, json: "Ollama at HOST stopped answering in the middle of its reply" + retrievalOnly, partial: true},
		{fault: faultGarbage, json: "Ollama at HOST broke off its reply (" + faultGarbageLine + ")" + retrievalOnly, partial: true},
		{fault: fault500, json: "Ollama at HOST answered with an error (" + fault500Text + ")" + retrievalOnly},
		{fault: faultOverflow, json: "the prompt did not fit the context of fake-chat, even cut short" + retrievalOnly +
			" (try a chat model with a larger context)"},
	}
	for _, c := range cases {
		if c.stream == "" {
			c.stream = c.json
		}
		name := string(c.fault)
		if name == "" {
			name = "healthy"
		}
		for _, mode := range []string{"--json", "--stream"} {
			t.Run(name+mode, func(t *testing.T) {
				fake, url := newFakeOllama(t)
				fake.chatReply = func(user string) (string, string) {
					ids := changeIDRe.FindAllStringSubmatch(user, -1)
					return fmt.Sprintf(`{"summary":%q,"suspects":[{"id":%q,"confidence":0.9,"why":"w=0"}],"none":false}`, summary, ids[0][1]), "stop"
				}
				if c.fault == "down" {
					fake.die()
				} else {
					fake.fault = c.fault
				}
				t.Setenv("OLLAMA_HOST", url)
				chatTimeout, probeTimeout = defaultChat, defaultProbe
				if c.chat > 0 {
					chatTimeout = c.chat
				}
				if c.probe > 0 {
					probeTimeout = c.probe
				}
				want := strings.ReplaceAll(c.json, "HOST", url)
				if mode == "--stream" {
					want = strings.ReplaceAll(c.stream, "HOST", url)
				}

				out, errOut, code := analystRun(t, "", "--home", home, "ask", mode, "--at", at, incident)
				if code != 0 {
					t.Fatalf("exit %d, want 0\n%s", code, errOut)
				}
				var warnings []string
				for _, line := range strings.Split(errOut, "\n") {
					if w, ok := strings.CutPrefix(line, "analyst: "); ok {
						warnings = append(warnings, w)
					}
				}
				wantWarnings := []string{}
				if want != "" {
					wantWarnings = append(wantWarnings, want)
				}
				if !slices.Equal(warnings, wantWarnings) {
					t.Errorf("warnings on stderr:\n%q\nwant\n%q", warnings, wantWarnings)
				}
				if c.fault == faultOverflow && (fake.truncate == nil || *fake.truncate) {
					t.Errorf("the chat request lets the server cut an overlong prompt silently (truncate %v)", fake.truncate)
				}
				if c.fault == faultOverflow && fake.chats != 3 {
					t.Errorf("a prompt over the context was sent %d times, want 3 (whole, half, quarter)", fake.chats)
				}

				if mode == "--json" {
					a := askJSONOf(t, out)
					if !slices.Equal(a.Warnings, wantWarnings) {
						t.Errorf("JSON warnings %q, want %q", a.Warnings, wantWarnings)
					}
					if len(a.Suspects) != len(titles) {
						t.Errorf("%d suspects, want the retrieval's %d", len(a.Suspects), len(titles))
					}
					explained := a.Models.Chat != "" || a.Summary != "" || slices.ContainsFunc(a.Suspects, func(s suspectJSON) bool { return s.Confidence != nil || s.Why != "" })
					if explained != (want == "") {
						t.Errorf("explained %v with warnings %q: models %+v, summary %q", explained, a.Warnings, a.Models, a.Summary)
					}
					return
				}

				// --stream: the retrieval list first, and it stands.
				if !strings.HasPrefix(out, "Suspects for ") {
					t.Errorf("the stream does not start with the suspects:\n%s", out)
				}
				for _, title := range titles {
					if !strings.Contains(out, title) {
						t.Errorf("the stream lacks suspect %q:\n%s", title, out)
					}
				}
				if want == "" {
					if !strings.Contains(out, "Explanation (fake-chat):\n"+summary+"\n\n") || !strings.Contains(out, "The model's reading") {
						t.Errorf("a healthy stream lacks the explanation or the model's reading:\n%s", out)
					}
					return
				}
				if strings.Contains(out, "The model's reading") {
					t.Errorf("the model's reading printed after a failure:\n%s", out)
				}
				cut := regexp.MustCompile(`\nExplanation \(fake-chat\):\n([^\n]+)\n\[explanation cut off here: the suspects above stand without it\]\n\n$`)
				m := cut.FindStringSubmatch(out)
				switch {
				case c.partial && m == nil:
					t.Errorf("a partly streamed explanation is not followed by the cut line at the end:\n%s", out)
				case c.partial && !strings.HasPrefix(summary, m[1]):
					t.Errorf("streamed %q, not a part of the summary", m[1])
				case !c.partial && (strings.Contains(out, "Explanation (") || strings.Contains(out, "cut off")):
					t.Errorf("nothing was streamed, yet an explanation or a cut shows:\n%s", out)
				}
			})
		}
	}
}

// A prompt over the model's context is sent again, shorter: the explanation
// comes, with no warning, from the shorter prompt that fits.
func TestOllamaOverflowShrinksPrompt(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	repo := buildSmallRepo(t, work)
	mustRun(t, "--home", home, "index", "--no-ollama", "--repo", repo)
	// A long note: its excerpt fills whatever budget the prompt has.
	long := strings.Repeat("After a save the API reads the order back and gets None; retries do not help.\n", 300)
	mustRun(t, "--home", home, "note", "--at", "2026-11-03T10:00:00Z", long)
	fake, url := newFakeOllama(t)
	t.Setenv("OLLAMA_HOST", url)
	t.Setenv("ANALYST_CHAT_MODEL", "fake-chat")
	fake.chatReply = func(user string) (string, string) {
		ids := changeIDRe.FindAllStringSubmatch(user, -1)
		return fmt.Sprintf(`{"summary":"It fits now.","suspects":[{"id":%q,"confidence":0.5,"why":"w=0"}],"none":false}`, ids[0][1]), "stop"
	}
	ask := func() askJSON {
		t.Helper()
		out, errOut, code := analystRun(t, "", "--home", home, "ask", "--json", "--at", "2026-11-04T00:00:00Z", "API returns None after save")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		return askJSONOf(t, out)
	}

	// Nothing fits: three tries, each shorter, then the warning.
	fake.fault = faultOverflow
	a := ask()
	sizes := fake.userSizes
	t.Logf("user message sizes %v", sizes)
	if len(sizes) != 3 || !(sizes[0] > sizes[1] && sizes[1] > sizes[2]) {
		t.Fatalf("user message sizes %v: want three, each shorter", sizes)
	}
	if a.Models.Chat != "" || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "did not fit the context") {
		t.Errorf("nothing fit: models %+v, warnings %q", a.Models, a.Warnings)
	}

	// The half-size prompt fits: explained, no warning.
	fake.userSizes, fake.overflowOver = nil, sizes[1]
	a = ask()
	if !slices.Equal(fake.userSizes, sizes[:2]) {
		t.Errorf("user message sizes %v, want %v", fake.userSizes, sizes[:2])
	}
	if a.Models.Chat != "fake-chat" || a.Summary != "It fits now." || len(a.Warnings) != 0 {
		t.Errorf("the shorter prompt fit, yet: models %+v, summary %q, warnings %q", a.Models, a.Summary, a.Warnings)
	}
}

func TestBound(t *testing.T) {
	for d, want := range map[time.Duration]string{
		2 * time.Minute:         "2 min",
		90 * time.Second:        "90 s",
		time.Second:             "1 s",
		50 * time.Millisecond:   "50ms",
		1500 * time.Millisecond: "2 s",
	} {
		if got := bound(d); got != want {
			t.Errorf("bound(%v) = %q, want %q", d, got, want)
		}
	}
}
