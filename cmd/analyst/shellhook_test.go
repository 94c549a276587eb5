package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// shellNeed skips a test when a program it drives is missing, or fails it
// when ANALYST_REQUIRE_TOOLS=1 (as CI sets) says every tool must be there.
func shellNeed(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("ANALYST_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is not installed (ANALYST_REQUIRE_TOOLS=1): apt-get install %s", n, n)
			}
			t.Skipf("%s is not installed: skipping (apt-get install %s)", n, n)
		}
	}
}

// shellLab is a machine for one shell test: an analyst home, a wrapper named
// analyst that logs each start and runs this test binary as analyst, and a
// fake kubectl on PATH.
type shellLab struct {
	work, home string
	wrapper    string // the analyst the snippet calls
	calls      string // the wrapper's log of its starts
	env        []string
}

func newShellLab(t *testing.T) *shellLab {
	t.Helper()
	work := t.TempDir()
	l := &shellLab{work: work, home: filepath.Join(work, "home"), calls: filepath.Join(work, "calls.log")}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"real", "wrap", "fake", "sub"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	real := filepath.Join(work, "real", "analyst")
	if err := os.Symlink(exe, real); err != nil {
		t.Fatal(err)
	}
	l.wrapper = filepath.Join(work, "wrap", "analyst")
	// exec -a keeps the wrapper's path as argv[0]: the snippet it prints
	// then calls the wrapper.
	l.writeWrapper(t, `printf 'start %s\n' "$*" >> `+shellQuote(l.calls)+`
(exec -a "$0" `+shellQuote(real)+` "$@")
s=$?
printf 'end\n' >> `+shellQuote(l.calls)+`
exit $s`)
	writeScript(t, filepath.Join(work, "fake", "kubectl"), `echo "fake-kubectl: $*"
case $1 in delete) exit 3;; esac`)
	l.env = append(isolatedEnv(work),
		"PATH="+filepath.Join(work, "fake")+":"+filepath.Join(work, "wrap")+":"+pathWithout("analyst"),
		"HISTFILE="+filepath.Join(work, "bash_history"),
		"TERM=xterm",
		"ANALYST_HOME="+l.home,
	)
	return l
}

// pathWithout is $PATH without the directories that hold name (the test
// binary puts itself on PATH as analyst).
func pathWithout(name string) string {
	var keep []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(d, name)); err != nil && d != "" {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, string(filepath.ListSeparator))
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/bash\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func (l *shellLab) writeWrapper(t *testing.T, body string) { writeScript(t, l.wrapper, body) }

// snippet writes the snippet the wrapper prints for shell to a file.
func (l *shellLab) snippet(t *testing.T, shell string) string {
	t.Helper()
	cmd := exec.Command(l.wrapper, "--home", l.home, "shell-hook", shell)
	cmd.Env = l.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("shell-hook %s: %v", shell, err)
	}
	if !strings.Contains(string(out), shellQuote(l.wrapper)) && !strings.Contains(string(out), fishQuote(l.wrapper)) {
		t.Fatalf("the snippet does not call the analyst that printed it:\n%s", out)
	}
	path := filepath.Join(l.work, "hook."+shell)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// session runs an interactive shell fed lines, the way a person at a
// terminal would, and returns its stdout and stderr. bash and zsh read the
// lines from a pipe with -i; fish fires fish_postexec only on a terminal, so
// it runs under script(1)'s pseudo-terminal.
func (l *shellLab) session(t *testing.T, shell string, lines []string) (string, string) {
	t.Helper()
	var cmd *exec.Cmd
	input := strings.Join(lines, "\n") + "\n"
	switch shell {
	case "bash":
		cmd = exec.Command("bash", "--norc", "--noprofile", "-i")
	case "zsh":
		cmd = exec.Command("zsh", "-f", "-i")
	case "fish":
		cmd = exec.Command("script", "-qec", "fish --no-config -i", "/dev/null")
		input += "exit\n"
	}
	cmd.Dir = l.work
	cmd.Env = l.env
	cmd.Stdin = strings.NewReader(input)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s session did not end\nstdout:\n%s\nstderr:\n%s", shell, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

// shellEntry is a recorded command as show --json prints it.
type shellEntry struct {
	ID    string   `json:"id"`
	Kind  string   `json:"kind"`
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Tags  []string `json:"tags"`
	Meta  struct {
		Exit *int   `json:"exit"`
		Dir  string `json:"dir"`
	} `json:"meta"`
}

// waitShellEntries polls the journal until it holds n shell entries (they
// are written in the background), or fails at the deadline.
func waitShellEntries(t *testing.T, home string, n int) []shellEntry {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _, code := analystRun(t, "", "--home", home, "log", "--json", "--kind", "shell")
		var ids []string
		if code == 0 {
			dec := json.NewDecoder(strings.NewReader(out))
			for dec.More() {
				var e shellEntry
				if err := dec.Decode(&e); err != nil {
					t.Fatalf("log --json: %v\n%s", err, out)
				}
				ids = append(ids, e.ID)
			}
		}
		if len(ids) >= n {
			var es []shellEntry
			for _, id := range ids {
				var e shellEntry
				if err := json.Unmarshal([]byte(mustRun(t, "--home", home, "show", "--json", id)), &e); err != nil {
					t.Fatal(err)
				}
				es = append(es, e)
			}
			return es
		}
		if time.Now().After(deadline) {
			t.Fatalf("the journal holds %d shell entries after 30 s, want %d:\n%s", len(ids), n, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// statusVar is how each shell spells the last exit status.
var statusVar = map[string]string{"bash": "$?", "zsh": "$?", "fish": "$status"}

// strictMode makes each shell fail on unset variables.
var strictMode = map[string]string{"bash": "set -u", "zsh": "setopt nounset", "fish": "true"}

const fakeToken = "ghp_Zq8rT2mLx9KdP4vN7wYb3HcJ6sFa1Ue5Gi0O"

// The snippet records listed commands with status, directory and masked
// secrets, and starts analyst for nothing else.
func TestShellHookRecords(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			shellNeed(t, shell)
			if shell == "fish" {
				shellNeed(t, "script")
			}
			l := newShellLab(t)
			hook := l.snippet(t, shell)
			os.Remove(l.calls)
			st := statusVar[shell]
			out, errOut := l.session(t, shell, []string{
				"source " + hook,
				strictMode[shell],
				"kubectl get pods",
				`echo "st1=` + st + `"`,
				"ls >/dev/null",
				`echo "st2=` + st + `"`,
				"export X_TOKEN=" + fakeToken,
				"cd sub && kubectl delete pod web-1",
				`echo "st3=` + st + `"`,
				"KUBECONFIG=/dev/null kubectl get nodes",
			})
			all := out + errOut
			for _, want := range []string{"st1=0", "st2=0", "st3=3", "fake-kubectl: get pods"} {
				if !strings.Contains(all, want) {
					t.Errorf("session output lacks %q:\n%s", want, all)
				}
			}
			es := waitShellEntries(t, l.home, 4)
			byTitle := map[string]shellEntry{}
			for _, e := range es {
				byTitle[e.Title] = e
				if strings.Contains(e.Title+e.Body, fakeToken) {
					t.Errorf("the token is stored in clear: %q %q", e.Title, e.Body)
				}
				if strings.HasPrefix(e.Title, "ls") || strings.HasPrefix(e.Title, "echo") {
					t.Errorf("an unlisted command was recorded: %q", e.Title)
				}
				if len(e.Tags) != 1 || e.Tags[0] != shell {
					t.Errorf("%q: tags %v, want [%s]", e.Title, e.Tags, shell)
				}
			}
			check := func(title string, exit int, dir string) {
				t.Helper()
				e, ok := byTitle[title]
				if !ok {
					t.Errorf("%q not recorded; recorded: %v", title, es)
					return
				}
				if e.Meta.Exit == nil || *e.Meta.Exit != exit {
					t.Errorf("%q: exit %v, want %d", title, e.Meta.Exit, exit)
				}
				if e.Meta.Dir != dir {
					t.Errorf("%q: dir %q, want %q", title, e.Meta.Dir, dir)
				}
				if !strings.Contains(e.Body, "exit status") {
					t.Errorf("%q: body %q does not give the status", title, e.Body)
				}
			}
			check("kubectl get pods", 0, l.work)
			check("cd sub && kubectl delete pod web-1", 3, filepath.Join(l.work, "sub")) // where the line left the shell
			check("KUBECONFIG=/dev/null kubectl get nodes", 0, filepath.Join(l.work, "sub"))
			var exported bool
			for _, e := range es {
				if strings.HasPrefix(e.Title, "export X_TOKEN=") {
					exported = true
				}
			}
			if !exported {
				t.Errorf("export X_TOKEN=… not recorded: %v", es)
			}
			// The wrapper saw one start per listed command, none for ls or
			// echo. (Waiting for the four to end also keeps them from
			// writing while the test's directory is removed.)
			var b []byte
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				b, _ = os.ReadFile(l.calls)
				if strings.Count(string(b), "end\n") >= 4 || time.Now().After(deadline) {
					break
				}
			}
			var starts []string
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if s, ok := strings.CutPrefix(line, "start "); ok {
					starts = append(starts, s)
				}
			}
			if len(starts) != 4 {
				t.Errorf("analyst started %d times, want 4 (one per listed command):\n%s", len(starts), b)
			}
			for _, s := range starts {
				if !strings.Contains(s, "shell-hook record") || strings.Contains(s, "-- ls") || strings.Contains(s, "-- echo") {
					t.Errorf("unexpected analyst start: %s", s)
				}
			}
		})
	}
}

// With analyst missing or failing, a shell with the snippet prints what it
// prints without it, and $? is the same.
func TestShellHookHarmless(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			shellNeed(t, shell)
			if shell == "fish" {
				shellNeed(t, "script")
			}
			st := statusVar[shell]
			lines := func(first string) []string {
				return []string{
					first,
					strictMode[shell],
					"kubectl delete pod web-1",
					`echo "st1=` + st + `"`,
					"false",
					`echo "st2=` + st + `"`,
					"kubectl get pods",
					`echo "st3=` + st + `"`,
					"echo done-mark",
				}
			}
			for _, broken := range []string{"missing", "failing"} {
				t.Run(broken, func(t *testing.T) {
					l := newShellLab(t)
					hook := l.snippet(t, shell)
					switch broken {
					case "missing":
						os.Remove(l.wrapper)
					case "failing":
						l.writeWrapper(t, "echo JUNK-OUT; echo JUNK-ERR >&2; exit 1")
					}
					base, _ := l.session(t, shell, lines("true"))
					out, errOut := l.session(t, shell, lines("source "+hook))
					markers := regexp.MustCompile(`st\d=\d+|done-mark|fake-kubectl: [a-z0-9 -]+`)
					if shell != "fish" && out != base {
						t.Errorf("stdout differs with the snippet:\n%s\nwithout:\n%s", out, base)
					}
					got, want := markers.FindAllString(out, -1), markers.FindAllString(base, -1)
					if strings.Join(got, "|") != strings.Join(want, "|") || len(want) < 6 {
						t.Errorf("markers with the snippet %q, without %q", got, want)
					}
					if !strings.Contains(out, "st1=3") || !strings.Contains(out, "st2=1") || !strings.Contains(out, "st3=0") {
						t.Errorf("exit statuses changed:\n%s", out)
					}
					for _, bad := range []string{"JUNK", "unbound", "parameter not set", "Done", "[1]", "Job ", "analyst:"} {
						if strings.Contains(out+errOut, bad) {
							t.Errorf("the shell printed %q:\n%s\n%s", bad, out, errOut)
						}
					}
				})
			}
		})
	}
}

// The pattern matches a listed command as a command, not as a word in
// arguments; names that a shell would interpret are refused.
func TestShellCommandsPattern(t *testing.T) {
	re, err := shellCommandsPattern([]string{"kubectl", "export", "docker-compose", "x.y"})
	if err != nil {
		t.Fatal(err)
	}
	rx := regexp.MustCompile(re)
	for line, want := range map[string]bool{
		"kubectl get pods":                true,
		"kubectl":                         true,
		"sudo kubectl apply -f x.yaml":    true,
		"cd infra && kubectl apply -f .":  true,
		"make build; docker-compose up":   true,
		"export AWS_SECRET_ACCESS_KEY=xx": true,
		"x.y run":                         true,
		"xzy run":                         false,
		"ls -la":                          false,
		"vim kubectl.yaml":                false,
		"kubectlx get":                    false,
		"echo export":                     false,
		"git commit -m 'kubectl'":         false,
		"KUBECONFIG=~/.kube/prod kubectl delete pod x": true,
		"A=1 B=2 kubectl get pods":                     true,
		"env KUBECONFIG=x kubectl apply -f .":          true,
		"time kubectl rollout status deploy/api":       true,
		"nohup kubectl port-forward svc/db 5432 &":     true,
		"sudo -u ops kubectl get nodes":                true,
		"sudo -E kubectl get nodes":                    true,
		"FOO=1 ls -la":                                 false,
		"echo FOO=kubectl":                             false,
		"timeout 5 kubectl get pods":                   false,
	} {
		if got := rx.MatchString(line); got != want {
			t.Errorf("%q: match %v, want %v", line, got, want)
		}
	}
	for _, bad := range [][]string{{"kubectl;rm"}, {"$(x)"}, {""}, {"a b"}, {}} {
		if _, err := shellCommandsPattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
