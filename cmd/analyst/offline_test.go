//go:build linux

package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNothingLeavesTheMachine runs the real binary, built here, through
// index and ask inside a user and network namespace of its own (no network
// at all, loopback down), with no OLLAMA_HOST and a proxy that points off
// the machine, under strace. Every connect, bind and listen of the program
// and of the git it starts is recorded; the only addresses it may try are
// loopback ones (the default Ollama at 127.0.0.1:11434), and it listens
// nowhere. The namespace makes a leak impossible; the trace proves there was
// no attempt.
func TestNothingLeavesTheMachine(t *testing.T) {
	for _, tool := range []string{"unshare", "strace"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (CI installs it): the network test cannot run", tool)
		}
	}
	if out, err := exec.Command("unshare", "-rn", "strace", "-f", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("this kernel or container refuses a user+network namespace with ptrace (%v): %s", err, out)
	}
	// Built before the environment is isolated: the go command finds its
	// caches through HOME.
	bin := filepath.Join(t.TempDir(), "analyst")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := setIsolatedEnv(t)

	repo := filepath.Join(work, "shop-api")
	gitIn(t, work, nil, "init", "-q", repo)
	os.WriteFile(filepath.Join(repo, "settings.py"), []byte("MONGO_URI = 'mongodb://db/shop'\n"), 0o644)
	commitAll(t, repo, "2026-12-01T09:00:00Z", "Add settings")
	os.WriteFile(filepath.Join(repo, "settings.py"), []byte("MONGO_URI = 'mongodb://db/shop?w=0&journal=false'\n"), 0o644)
	commitAll(t, repo, "2026-12-03T16:10:00Z", "Speed up order writes")

	var env []string
	for _, kv := range append(os.Environ(), isolatedEnv(work)...) {
		if !strings.HasPrefix(kv, "OLLAMA_HOST=") {
			env = append(env, kv)
		}
	}
	// Any request made through the standard proxy settings would go to
	// this address (TEST-NET-1), off the machine, and show in the trace.
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"} {
		env = append(env, k+"=http://192.0.2.1:3128")
	}
	home := filepath.Join(work, "home")

	traced := func(name string, args ...string) (string, []string) {
		t.Helper()
		trace := filepath.Join(work, name+".trace")
		cmd := exec.Command("unshare", append([]string{"-rn", "strace", "-f", "-qq", "-e", "trace=connect,bind,listen", "-e", "signal=none",
			"-o", trace, bin, "--home", home}, args...)...)
		cmd.Env = env
		cmd.Dir = work
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("analyst %v in the namespace: %v\n%s", args, err, errb.String())
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), strings.Split(strings.TrimSpace(string(b)), "\n")
	}

	_, indexTrace := traced("index", "index", "--repo", repo)
	out, askTrace := traced("ask", "ask", "--json", "--no-auto-index", "--at", "2026-12-04T02:00:00Z", "API returns None after save")
	a := askJSONOf(t, out)
	if len(a.Suspects) == 0 || a.Suspects[0].Title != "Speed up order writes" {
		t.Errorf("ask in the namespace: %+v", a.Suspects)
	}

	ollama := 0
	for _, line := range append(indexTrace, askTrace...) {
		c, ok := parseTraceLine(line)
		if !ok {
			continue
		}
		switch {
		case c.call == "listen":
			t.Errorf("the program listens: %s", line)
		case c.family == "AF_UNIX" || c.family == "AF_NETLINK" || c.family == "AF_UNSPEC":
			// this machine only
		case c.family == "AF_INET" || c.family == "AF_INET6":
			ip := net.ParseIP(c.addr)
			if ip == nil || !ip.IsLoopback() {
				t.Errorf("%s to an address off this machine: %s", c.call, line)
			}
			if c.call == "connect" && c.port == "11434" {
				ollama++
			}
		default:
			t.Errorf("%s with an unexpected address family: %s", c.call, line)
		}
	}
	// The trace sees the program's own connects: the default Ollama
	// address is tried (and found down) by index and by ask.
	if ollama < 2 {
		t.Errorf("%d connects to the default Ollama address traced, want one by index and one by ask at least:\n%s\n%s",
			ollama, strings.Join(indexTrace, "\n"), strings.Join(askTrace, "\n"))
	}
}

type traceCall struct{ call, family, addr, port string }

var (
	traceCallRe = regexp.MustCompile(`^\d+\s+(connect|bind|listen)\(\d+(?:, \{sa_family=(AF_\w+)([^}]*)\})?`)
	traceAddrRe = regexp.MustCompile(`inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"`)
	tracePortRe = regexp.MustCompile(`htons\((\d+)\)`)
)

// parseTraceLine reads one strace line of connect, bind or listen.
func parseTraceLine(line string) (traceCall, bool) {
	m := traceCallRe.FindStringSubmatch(line)
	if m == nil {
		return traceCall{}, false
	}
	c := traceCall{call: m[1], family: m[2]}
	if a := traceAddrRe.FindStringSubmatch(m[3]); a != nil {
		c.addr = a[1] + a[2]
	}
	if p := tracePortRe.FindStringSubmatch(m[3]); p != nil {
		c.port = p[1]
	}
	return c, true
}

func TestParseTraceLine(t *testing.T) {
	for line, want := range map[string]traceCall{
		`12 connect(11, {sa_family=AF_INET, sin_port=htons(11434), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ENETUNREACH (Network is unreachable)`:                   {"connect", "AF_INET", "127.0.0.1", "11434"},
		`12 connect(3, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1`: {"connect", "AF_INET6", "2001:db8::1", "443"},
		`7 connect(5, {sa_family=AF_UNIX, sun_path="/run/nscd/socket"}, 110) = -1 ENOENT`:                                                                             {"connect", "AF_UNIX", "", ""},
		`7 listen(5, 4096) = 0`: {"listen", "", "", ""},
	} {
		if got, ok := parseTraceLine(line); !ok || got != want {
			t.Errorf("parseTraceLine(%q) = %+v, %v; want %+v", line, got, ok, want)
		}
	}
	if _, ok := parseTraceLine(`7 +++ exited with 0 +++`); ok {
		t.Error("an exit line parsed as a call")
	}
}
