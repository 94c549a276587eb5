package journal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotRepository is returned by OpenGit for a path that is not inside a git
// repository.
var ErrNotRepository = errors.New("not a git repository")

// CommitLimits bounds what one commit may put into the journal. Paths and line
// counts are always kept whole; only diff text is cut.
type CommitLimits struct {
	// MaxDiff is the most diff text kept per commit. Default 64 KiB: enough
	// for nearly every hand-written change, small enough that a vendored
	// library or generated file does not swamp the journal.
	MaxDiff int
	// MaxFileDiff is the most diff text kept per file. Default 16 KiB, so one
	// huge file cannot push every other file of the commit out.
	MaxFileDiff int
	// MaxPaths is the most paths kept per commit. Default 2000.
	MaxPaths int
}

func (l CommitLimits) withDefaults() CommitLimits {
	if l.MaxDiff <= 0 {
		l.MaxDiff = 64 << 10
	}
	if l.MaxFileDiff <= 0 {
		l.MaxFileDiff = 16 << 10
	}
	if l.MaxPaths <= 0 {
		l.MaxPaths = 2000
	}
	return l
}

// Git is a repository read through the git command line. Reading through
// `git log -p` is several times faster than a Go reimplementation of git and
// understands every repository git does (bare, shallow, worktrees).
type Git struct {
	// Dir is the absolute git directory (".git" of a work tree, or the bare
	// repository itself).
	Dir string
	// Name is the repository's short name, recorded on every entry.
	Name string
	// Bare is true for a repository without a work tree.
	Bare bool
}

// OpenGit finds the repository at or above path.
func OpenGit(ctx context.Context, path string) (*Git, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRepository)
	}
	out, err := gitOutput(ctx, path, "rev-parse", "--absolute-git-dir", "--is-bare-repository")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRepository)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRepository)
	}
	g := &Git{Dir: filepath.Clean(lines[0]), Bare: lines[1] == "true"}
	if dir, err := filepath.EvalSymlinks(g.Dir); err == nil {
		g.Dir = dir
	}
	g.Name = repoName(ctx, g)
	return g, nil
}

// OpenGitHead is OpenGit and Head in one git call, for the post-commit
// hook, where every process counts. Name is left empty: the caller fills it
// from what it knows of the repository, or with FindName. A repository with
// no commits is an error here; OpenGit handles every case.
func OpenGitHead(ctx context.Context, path string) (*Git, string, error) {
	out, err := gitOutput(ctx, path, "rev-parse", "--absolute-git-dir", "--is-bare-repository", "--verify", "-q", "HEAD^{commit}")
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, ErrNotRepository)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || len(lines[2]) < 40 {
		return nil, "", fmt.Errorf("%s: %w", path, ErrNotRepository)
	}
	g := &Git{Dir: filepath.Clean(lines[0]), Bare: lines[1] == "true"}
	if dir, err := filepath.EvalSymlinks(g.Dir); err == nil {
		g.Dir = dir
	}
	return g, lines[2], nil
}

// FindName sets g.Name as OpenGit does.
func (g *Git) FindName(ctx context.Context) { g.Name = repoName(ctx, g) }

// repoName picks a short name: the origin remote's last path element, else
// the work tree's directory name, else the bare directory's name without
// ".git".
func repoName(ctx context.Context, g *Git) string {
	if u, err := gitOutput(ctx, g.Dir, "config", "--get", "remote.origin.url"); err == nil {
		u = strings.TrimSuffix(strings.TrimRight(strings.TrimSpace(u), "/"), ".git")
		if i := strings.LastIndexAny(u, "/:"); i >= 0 && i+1 < len(u) {
			return u[i+1:]
		}
	}
	dir := g.Dir
	// A linked worktree's git directory lives in the repository's own, as
	// worktrees/NAME: the repository is named by that one.
	if b, err := os.ReadFile(filepath.Join(g.Dir, "commondir")); err == nil {
		common := strings.TrimSpace(string(b))
		if !filepath.IsAbs(common) {
			common = filepath.Join(g.Dir, common)
		}
		dir = filepath.Clean(common)
	}
	if filepath.Base(dir) == ".git" || !g.Bare && dir == g.Dir {
		dir = filepath.Dir(dir)
	}
	name := strings.TrimSuffix(filepath.Base(dir), ".git")
	if name == "" || name == "." || name == string(filepath.Separator) {
		return "repo"
	}
	return name
}

func gitCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := append([]string{"-C", dir, "-c", "core.quotePath=false", "--no-pager"}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	return cmd
}

// GitOutput runs git in dir and returns its output; an error carries git's
// first line of complaint.
func GitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	return gitOutput(ctx, dir, args...)
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := gitCmd(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("git %s: %w", args[0], err)
		}
		return "", fmt.Errorf("git %s: %s", args[0], firstLine(msg))
	}
	return string(out), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Head returns the commit HEAD points at, or "" for a repository with no
// commits yet.
func (g *Git) Head(ctx context.Context) (string, error) {
	out, err := gitOutput(ctx, g.Dir, "rev-parse", "-q", "--verify", "HEAD^{commit}")
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", nil // no commits yet
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// RevOptions chooses which commits RevList returns.
type RevOptions struct {
	All   bool      // every ref instead of HEAD
	Since time.Time // committer time at or after
}

// RevList returns the non-merge commits reachable from HEAD (or every ref),
// newest first. A repository without commits gives an empty list.
func (g *Git) RevList(ctx context.Context, o RevOptions) ([]string, error) {
	head, err := g.Head(ctx)
	if err != nil {
		return nil, err
	}
	args := []string{"rev-list", "--no-merges"}
	if !o.Since.IsZero() {
		args = append(args, "--since="+strconv.FormatInt(o.Since.Unix(), 10))
	}
	if o.All {
		args = append(args, "--all")
	} else {
		if head == "" {
			return nil, nil
		}
		args = append(args, "HEAD")
	}
	out, err := gitOutput(ctx, g.Dir, args...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// Reachable returns every commit reachable from any ref (not the reflog).
func (g *Git) Reachable(ctx context.Context) (map[string]bool, error) {
	out, err := gitOutput(ctx, g.Dir, "rev-list", "--all")
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, sha := range strings.Fields(out) {
		set[sha] = true
	}
	return set, nil
}

const (
	recordStart = '\x1e'
	fieldSep    = "\x1f"
	headerEnd   = "\x1d"
)

// logFormat is the `git log --format` of a commit's header. A commit message
// may hold any byte, separators included, so each record's start and end also
// carry mark, a value the parser chose at random: a message cannot forge a
// record (another commit's id, time or author) without knowing it.
func logFormat(mark string) string {
	return "%x1e" + mark + "%H%x1f%P%x1f%an <%ae>%x1f%ct%x1f%s%x1f%b%x1d" + mark
}

// newMark returns a fresh record mark for logFormat.
func newMark() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

var revertRe = regexp.MustCompile(`This reverts commit ([0-9a-f]{40})`)

// Commits reads the given commits with their diffs, in the order given, and
// calls fn with each as a redacted journal entry. A commit whose diff git
// cannot produce (a blob missing from a partial copy) is recorded with its
// message and paths only.
func (g *Git) Commits(ctx context.Context, shas []string, lim CommitLimits, fn func(Entry) error) error {
	lim = lim.withDefaults()
	todo := shas
	for len(todo) > 0 {
		done, err := g.commitStream(ctx, todo, lim, fn)
		if err == nil {
			return nil
		}
		var gitErr *gitStreamError
		if !errors.As(err, &gitErr) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// git stopped at todo[done]: record it without its diff and go on.
		if done >= len(todo) {
			return nil
		}
		e, ferr := g.fallbackCommit(ctx, todo[done])
		if ferr != nil {
			return fmt.Errorf("reading commit %s: %w", todo[done], ferr)
		}
		if err := fn(e); err != nil {
			return err
		}
		todo = todo[done+1:]
	}
	return nil
}

type gitStreamError struct{ msg string }

func (e *gitStreamError) Error() string { return "git log: " + e.msg }

// commitStream runs one `git log --stdin` over shas. It returns how many
// commits it delivered whole.
func (g *Git) commitStream(ctx context.Context, shas []string, lim CommitLimits, fn func(Entry) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := newPatchParser(g, lim)
	cmd := gitCmd(ctx, g.Dir, "log", "--no-walk=unsorted", "--stdin", "-p", "--no-color", "--no-ext-diff",
		"--no-textconv", "--no-renames", "--format="+logFormat(p.mark))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("running git: %w", err)
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, s := range shas {
			w.WriteString(s)
			w.WriteByte('\n')
		}
		w.Flush()
		stdin.Close()
	}()
	var held *Entry
	delivered := 0
	var fnErr error
	rd := bufio.NewReaderSize(stdout, 1<<20)
	for {
		line, err := rd.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// An overlong line: keep its start and its end (where a
			// header's end mark is), drop the middle.
			head := append([]byte(nil), line[:min(len(line), 4096)]...)
			var tail []byte
			for err == bufio.ErrBufferFull {
				tail = append(tail, line...)
				tail = tail[max(0, len(tail)-256):]
				line, err = rd.ReadSlice('\n')
			}
			tail = append(tail, line...)
			tail = tail[max(0, len(tail)-256):]
			line = append(head, tail...)
			if line[len(line)-1] != '\n' {
				line = append(line, '\n')
			}
		}
		if len(line) > 0 {
			if e := p.line(line); e != nil {
				if held != nil {
					if fnErr = fn(*held); fnErr != nil {
						break
					}
					delivered++
				}
				held = e
			}
		}
		if err != nil {
			break
		}
	}
	if fnErr != nil {
		cancel()
		cmd.Wait()
		return delivered, fnErr
	}
	if e := p.finish(); e != nil {
		if held != nil {
			if fnErr = fn(*held); fnErr != nil {
				cancel()
				cmd.Wait()
				return delivered, fnErr
			}
			delivered++
		}
		held = e
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return delivered, ctx.Err()
		}
		// The last commit git started may be incomplete: let the caller
		// record it from its message alone.
		return delivered, &gitStreamError{msg: firstLine(strings.TrimSpace(stderr.String()))}
	}
	if held != nil {
		if err := fn(*held); err != nil {
			return delivered, err
		}
		delivered++
	}
	return delivered, nil
}

// fallbackCommit reads a commit's message and changed paths without its diff.
func (g *Git) fallbackCommit(ctx context.Context, sha string) (Entry, error) {
	p := newPatchParser(g, CommitLimits{}.withDefaults())
	out, err := gitOutput(ctx, g.Dir, "log", "-1", "--no-walk", "--format="+logFormat(p.mark), sha)
	if err != nil {
		return Entry{}, err
	}
	p.line([]byte(out))
	names, _ := gitOutput(ctx, g.Dir, "diff-tree", "--no-commit-id", "-r", "--root", "--name-only", sha)
	e := p.finish()
	if e == nil {
		return Entry{}, fmt.Errorf("unreadable commit")
	}
	for _, n := range strings.Split(strings.TrimSpace(names), "\n") {
		if n != "" && len(e.Paths) < p.lim.MaxPaths {
			e.Paths = append(e.Paths, n)
		}
	}
	e.Meta.Files = len(e.Paths)
	e.Meta.DiffCut = true
	return *e, nil
}

// patchParser turns `git log -p` output with logFormat headers into entries.
type patchParser struct {
	g    *Git
	lim  CommitLimits
	mark string // see logFormat

	cur      *Entry
	header   strings.Builder // header fields until headerEnd
	inHeader bool
	diff     strings.Builder
	fileLen  int  // diff bytes kept for the current file
	fileCut  bool // the current file's diff was cut
	curFile  string
}

func newPatchParser(g *Git, lim CommitLimits) *patchParser {
	return &patchParser{g: g, lim: lim, mark: newMark()}
}

// line consumes one line (with its newline). When the line starts a new
// commit, it returns the previous one, finished.
func (p *patchParser) line(b []byte) *Entry {
	var done *Entry
	if len(b) > 0 && b[0] == recordStart && bytes.HasPrefix(b[1:], []byte(p.mark)) {
		done = p.finish()
		p.cur = &Entry{}
		p.inHeader = true
		p.header.Reset()
		b = b[1+len(p.mark):]
	}
	if p.cur == nil {
		return done
	}
	if p.inHeader {
		end := headerEnd + p.mark
		if i := bytes.Index(b, []byte(end)); i >= 0 {
			p.header.Write(b[:i])
			p.inHeader = false
			p.parseHeader(p.header.String())
			rest := bytes.TrimLeft(b[i+len(end):], "\n")
			if len(rest) > 0 {
				p.diffLine(rest)
			}
		} else {
			p.header.Write(b)
		}
		return done
	}
	p.diffLine(b)
	return done
}

func (p *patchParser) parseHeader(h string) {
	f := strings.SplitN(h, fieldSep, 6)
	for len(f) < 6 {
		f = append(f, "")
	}
	e := p.cur
	e.ID = strings.TrimSpace(f[0])
	e.Ref = e.ID
	e.Kind = KindCommit
	e.Repo = p.g.Name
	e.Author = validUTF8(strings.TrimSpace(f[2]))
	if ct, err := strconv.ParseInt(strings.TrimSpace(f[3]), 10, 64); err == nil {
		e.Time = time.Unix(ct, 0).UTC()
	}
	e.Title = validUTF8(strings.TrimSpace(f[4]))
	e.Body = validUTF8(strings.TrimSpace(f[5]))
	e.Meta.Root = strings.TrimSpace(f[1]) == ""
	if m := revertRe.FindStringSubmatch(e.Body); m != nil {
		e.Meta.Reverts = m[1]
	}
	e.Meta.Source = "index"
	e.Meta.Origin = p.g.Dir
	p.diff.Reset()
	p.fileLen, p.fileCut, p.curFile = 0, false, ""
}

func (p *patchParser) diffLine(b []byte) {
	e := p.cur
	switch {
	case bytes.HasPrefix(b, []byte("diff --git ")):
		p.closeFile()
		p.curFile = diffGitPath(string(bytes.TrimRight(b, "\n")))
		e.Meta.Files++
		if len(e.Paths) < p.lim.MaxPaths && p.curFile != "" {
			e.Paths = append(e.Paths, p.curFile)
		}
		p.keep(b)
		return
	case bytes.HasPrefix(b, []byte("Binary files ")) || bytes.HasPrefix(b, []byte("GIT binary patch")):
		if p.curFile != "" {
			e.Meta.Binary = append(e.Meta.Binary, p.curFile)
		}
		p.keep(b)
		return
	case bytes.HasPrefix(b, []byte("+++ ")) || bytes.HasPrefix(b, []byte("--- ")):
		p.keep(b)
		return
	case len(b) > 0 && b[0] == '+':
		e.Meta.Added++
	case len(b) > 0 && b[0] == '-':
		e.Meta.Deleted++
	}
	p.keep(b)
}

func (p *patchParser) keep(b []byte) {
	if p.diff.Len()+len(b) > p.lim.MaxDiff || p.fileLen+len(b) > p.lim.MaxFileDiff {
		p.fileCut = true
		p.cur.Meta.DiffCut = true
		return
	}
	p.diff.Write(b)
	p.fileLen += len(b)
}

func (p *patchParser) closeFile() {
	if p.fileCut && p.diff.Len()+40 < p.lim.MaxDiff {
		p.diff.WriteString("[diff of this file cut]\n")
	}
	p.fileLen, p.fileCut = 0, false
}

// finish completes the current commit and returns it (nil if none).
func (p *patchParser) finish() *Entry {
	e := p.cur
	if e == nil || e.ID == "" {
		p.cur = nil
		return nil
	}
	p.closeFile()
	e.Diff = validUTF8(p.diff.String())
	e.Recorded = time.Now().UTC()
	e.Redact()
	// U+FFFD for a stray byte, or a mask for a short secret, is longer
	// than what it replaced: keep the bound.
	if len(e.Diff) > p.lim.MaxDiff {
		n := p.lim.MaxDiff
		for n > 0 && !utf8.RuneStart(e.Diff[n]) {
			n--
		}
		e.Diff = e.Diff[:n]
		e.Meta.DiffCut = true
	}
	p.cur = nil
	return e
}

// diffGitPath extracts the new path from "diff --git a/X b/Y". Paths with
// spaces are ambiguous in this line; when a and b are the same path (no
// rename: we pass --no-renames) the line splits evenly.
func diffGitPath(line string) string {
	rest := strings.TrimPrefix(line, "diff --git ")
	if len(rest) >= 6 && strings.HasPrefix(rest, "a/") {
		// "a/X b/X": total length is 2*len(X)+5.
		if n := len(rest) - 5; n > 0 && n%2 == 0 {
			x := rest[2 : 2+n/2]
			if rest[2+n/2:] == " b/"+x {
				return x
			}
		}
	}
	if i := strings.LastIndex(rest, " b/"); i >= 0 {
		return rest[i+3:]
	}
	return rest
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// LastBefore returns the newest commit reachable from HEAD whose committer
// time is before t, or "" if there is none: the state of the code when
// something broke at t.
func (g *Git) LastBefore(ctx context.Context, t time.Time) (string, error) {
	head, err := g.Head(ctx)
	if err != nil || head == "" {
		return "", err
	}
	out, err := gitOutput(ctx, g.Dir, "rev-list", "-1", "--before="+strconv.FormatInt(t.Unix()-1, 10), "HEAD")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// Files lists the paths in the tree of rev.
func (g *Git) Files(ctx context.Context, rev string) ([]string, error) {
	out, err := gitOutput(ctx, g.Dir, "ls-tree", "-r", "--name-only", rev)
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSpace(out), "\n"), nil
}

// BlameLine returns the commit that last changed line n of path as of rev,
// passing over changes of whitespace and of comments only (see Cosmetic):
// a comment added at the end of the line did not change what it does.
func (g *Git) BlameLine(ctx context.Context, rev, path string, n int) (string, error) {
	l := strconv.Itoa(n)
	args := []string{"blame", "-w", "--porcelain", "-L", l + "," + l}
	for range 3 {
		out, err := gitOutput(ctx, g.Dir, append(args, rev, "--", path)...)
		if err != nil {
			return "", err
		}
		sha, _, _ := strings.Cut(out, " ")
		if len(sha) != 40 {
			return "", fmt.Errorf("git blame: unexpected output")
		}
		patch, err := gitOutput(ctx, g.Dir, "log", "-1", "-p", "-U0", "--no-ext-diff", "--no-color", "--format=", sha, "--", path)
		if err != nil || !cosmeticPatch(path, patch) {
			return sha, nil
		}
		args = append(args, "--ignore-rev", sha)
	}
	return "", fmt.Errorf("git blame: only cosmetic changes found")
}

// FileLog returns the last n commits that changed path as of rev, newest
// first, leaving out the ones whose change to path is cosmetic: only
// comments or whitespace (see Cosmetic). Such a change cannot break running
// code, however close it came to the line that failed.
func (g *Git) FileLog(ctx context.Context, rev, path string, n int) ([]string, error) {
	// A few more than n: some may be cosmetic.
	out, err := gitOutput(ctx, g.Dir, "log", "--no-merges", "-p", "-U0", "--no-ext-diff", "--no-color",
		"--format=%x00%H", "-n", strconv.Itoa(n+3), rev, "--", path)
	if err != nil {
		return nil, err
	}
	var shas []string
	for _, chunk := range strings.Split(out, "\x00")[1:] {
		sha, patch, _ := strings.Cut(chunk, "\n")
		if cosmeticPatch(path, patch) {
			continue
		}
		if shas = append(shas, strings.TrimSpace(sha)); len(shas) == n {
			break
		}
	}
	return shas, nil
}

// cosmeticPatch reports whether a unified diff of path (as git log -p
// prints it) changes only comments or whitespace. A patch without changed
// lines (a rename, a mode change) is not cosmetic.
func cosmeticPatch(path, patch string) bool {
	var removed, added []string
	for _, line := range strings.Split(patch, "\n") {
		switch {
		case strings.HasPrefix(line, "+++ "), strings.HasPrefix(line, "--- "):
		case strings.HasPrefix(line, "+"):
			added = append(added, line[1:])
		case strings.HasPrefix(line, "-"):
			removed = append(removed, line[1:])
		}
	}
	return len(removed)+len(added) > 0 && Cosmetic(path, removed, added)
}

// Cosmetic reports whether replacing the removed lines of path by the added
// ones changes only comments or whitespace: the code left when comments
// (by the file's language) and all whitespace are taken out is the same on
// both sides, line for line as a multiset.
func Cosmetic(path string, removed, added []string) bool {
	hash, slashes := commentStyle(path)
	count := map[string]int{}
	for _, l := range removed {
		if c := codeOf(l, hash, slashes); c != "" {
			count[c]++
		}
	}
	for _, l := range added {
		if c := codeOf(l, hash, slashes); c != "" {
			count[c]--
		}
	}
	for _, v := range count {
		if v != 0 {
			return false
		}
	}
	return true
}

// commentStyle says whether path's language comments with # or with // and
// /* */ (or both, or neither: then only whitespace is cosmetic).
func commentStyle(path string) (hash, slashes bool) {
	base := strings.ToLower(path[strings.LastIndex(path, "/")+1:])
	ext := ""
	if i := strings.LastIndex(base, "."); i >= 0 {
		ext = base[i+1:]
	}
	switch ext {
	case "py", "rb", "sh", "bash", "zsh", "yaml", "yml", "toml", "conf", "cfg", "ini", "env", "pl", "r", "tf", "hcl", "properties", "mk":
		return true, ext == "tf" || ext == "hcl"
	case "go", "c", "h", "cc", "cpp", "hpp", "cxx", "js", "jsx", "ts", "tsx", "mjs", "java", "kt", "kts", "rs", "swift", "cs", "scala", "dart", "proto", "groovy", "gradle":
		return false, true
	case "php":
		return true, true
	}
	switch base {
	case "dockerfile", "makefile", "gemfile", "rakefile", "procfile", ".env", "requirements.txt":
		return true, false
	}
	return false, false
}

// codeOf is line without its comment and without whitespace. A comment
// marker inside a quoted string does not count.
func codeOf(line string, hash, slashes bool) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(line) {
				b.WriteByte(c)
				i++
				c = line[i]
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case hash && c == '#':
			return b.String()
		case slashes && c == '/' && i+1 < len(line) && line[i+1] == '/':
			return b.String()
		case slashes && c == '/' && i+1 < len(line) && line[i+1] == '*':
			end := strings.Index(line[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Adder returns the commit that created path, as of rev ("" if unknown).
func (g *Git) Adder(ctx context.Context, rev, path string) string {
	out, err := gitOutput(ctx, g.Dir, "log", "--diff-filter=A", "--format=%H", "-1", rev, "--", path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}
