package main

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite"
)

// Secrets in these tests are generated from their formats by a fixed
// pseudo-random generator: they have the shape of real credentials without
// being (or having been) real ones, and none is written in this file.

const (
	genAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	genUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	genLetter = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	genB64    = genAlnum + "+/"
	genB64URL = genAlnum + "-_"
	genHex    = "0123456789abcdef"
	genDigits = "0123456789"
)

// gen returns n pseudo-random characters of alphabet, fixed by seed.
func gen(seed string, n int, alphabet string) string {
	h := fnv.New64a()
	h.Write([]byte("e2e:" + seed))
	x := h.Sum64() | 1
	b := make([]byte, n)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = alphabet[x%uint64(len(alphabet))]
	}
	return string(b)
}

// secretCase is a secret value in the text it is met in.
type secretCase struct {
	name  string
	value string // what must never be stored or printed
	text  string // the value in context (one or more lines)
}

// where a case goes: a file of the repository, a commit message, a note, or
// the incident text of an ask.
const (
	inFile = iota
	inMessage
	inNote
	inAsk
)

func pemBlock(seed, kind string) (string, string) {
	var lines []string
	for i := range 4 {
		lines = append(lines, gen(fmt.Sprintf("%s%d", seed, i), 64, genB64))
	}
	return lines[1], "-----BEGIN " + kind + "PRIVATE KEY-----\n" + strings.Join(lines, "\n") + "\n-----END " + kind + "PRIVATE KEY-----\n"
}

// secretCorpus returns the secrets, each in a realistic context.
func secretCorpus() []secretCase {
	var cs []secretCase
	add := func(name, value, text string) { cs = append(cs, secretCase{name, value, text}) }
	pw := func(seed string) string { return gen(seed, 6, genLetter) + gen(seed+"d", 6, genDigits) }

	// URLs and DSNs.
	v := pw("pg")
	add("postgres url in env", v, "DATABASE_URL=postgres://app:"+v+"@db.internal:5432/shop?sslmode=require")
	v = pw("mongo")
	add("mongodb url in yaml", v, "mongo:\n  uri: mongodb://orders:"+v+"@mongo-0.internal/shop?w=majority")
	v = pw("redis")
	add("redis url empty user", v, "REDIS_URL=redis://:"+v+"@cache:6379/0")
	v = pw("amqp")
	add("amqp url in compose", v, "      BROKER_URL: amqp://worker:"+v+"@rabbit:5672//")
	v = pw("mysqldsn")
	add("mysql dsn in go", v, `	dsn := "app:`+v+`@tcp(127.0.0.1:3306)/shop?parseTime=true"`)
	v = pw("gitcred")
	add("https credentials in remote", v, "git remote set-url origin https://deploy:"+v+"@git.example.com/shop/api.git")
	v = pw("urlparam")
	add("password url parameter", v, "curl 'https://api.example.com/v1/login?user=ops&password="+v+"&w=0'")
	v = gen("access", 28, genAlnum)
	add("access token url parameter", v, "GET /callback?code=abc&access_token="+v+"&state=xyz HTTP/1.1")

	// AWS, GCP, Azure.
	v = "AKIA" + gen("akia", 16, genUpper)
	add("aws access key id", v, "aws configure set aws_access_key_id "+v)
	v = gen("awssecret", 40, genB64)
	add("aws secret key in credentials", v, "[default]\naws_secret_access_key = "+v)
	v = "ASIA" + gen("asia", 16, genUpper)
	add("aws sts json", v, `{"AccessKeyId": "`+v+`", "Expiration": "2026-10-01T00:00:00Z"}`)
	v = "AIza" + gen("google", 35, genB64URL)
	add("google api key in js", v, `const mapsKey = "`+v+`";`)
	v, text := pemBlock("gcp", "")
	add("gcp service account key", v, `{"type": "service_account", "private_key": "`+strings.ReplaceAll(text, "\n", `\n`)+`"}`)
	v = gen("azsecret", 34, genAlnum+"~._")
	add("azure client secret", v, "AZURE_CLIENT_SECRET="+v)
	v = gen("azsig", 44, genAlnum)
	add("azure sas signature", v, "https://acct.blob.core.windows.net/c/b.tgz?sv=2021-08-06&sig="+v)
	v = gen("azkey", 86, genB64) + "=="
	add("azure storage key in yaml", v, "storage:\n  account_key: \""+v+"\"")

	// Forge and chat tokens.
	v = "ghp_" + gen("ghp", 36, genAlnum)
	add("github token export", v, "export GITHUB_TOKEN="+v)
	v = "ghs_" + gen("ghs", 36, genAlnum)
	add("github token in actions", v, "      with:\n        token: "+v)
	v = "github_pat_" + gen("pat1", 22, genAlnum) + "_" + gen("pat2", 59, genAlnum)
	add("github fine-grained pat in prose", v, "rotated the leaked "+v+" today")
	v = "glpat-" + gen("glpat", 20, genAlnum)
	add("gitlab token header", v, `curl --header "PRIVATE-TOKEN: `+v+`" https://gitlab.example.com/api/v4/projects`)
	v = "xoxb-" + gen("x1", 11, genDigits) + "-" + gen("x2", 13, genDigits) + "-" + gen("x3", 24, genAlnum)
	add("slack bot token in python", v, `client = WebClient(token="`+v+`")`)
	v = "xoxp-" + gen("p1", 11, genDigits) + "-" + gen("p2", 12, genDigits) + "-" + gen("p3", 13, genDigits) + "-" + gen("p4", 32, genHex)
	add("slack user token in json", v, `{"slack_token": "`+v+`"}`)
	v = gen("hook", 24, genAlnum)
	add("slack webhook", v, "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T"+gen("ht", 8, genUpper)+"/B"+gen("hb", 10, genUpper)+"/"+v)
	v = "sk_live_" + gen("stripe", 24, genAlnum)
	add("stripe secret key in js", v, "const stripe = require('stripe')('"+v+"');")
	v = "rk_live_" + gen("rk", 24, genAlnum)
	add("stripe restricted key in yaml", v, "stripe:\n  restricted_key: "+v)
	v = "sk_test_" + gen("sktest", 24, genAlnum)
	add("stripe test key in shell", v, "stripe listen --api-key "+v)
	v = "npm_" + gen("npm", 36, genAlnum)
	add("npm token", v, "//registry.npmjs.org/:_authToken="+v)
	v = "hf_" + gen("hf", 34, genLetter)
	add("hugging face token", v, "huggingface-cli login --token "+v)
	v = "sk-proj-" + gen("oa1", 48, genAlnum) + "T3BlbkFJ" + gen("oa2", 48, genAlnum)
	add("openai key", v, "OPENAI_API_KEY="+v)
	v = "sk-ant-api03-" + gen("ant", 93, genB64URL) + "AA"
	add("anthropic key", v, `client = anthropic.Anthropic(api_key="`+v+`")`)
	v = "SG." + gen("sg1", 22, genB64URL) + "." + gen("sg2", 43, genB64URL)
	add("sendgrid key", v, "sg = SendGridAPIClient('"+v+"')")
	v = "pypi-AgEIcHlwaS5vcmc" + gen("pypi", 60, genB64URL)
	add("pypi token", v, "password: "+v)

	// JWTs, bearer and basic headers.
	v = "eyJ" + gen("jh", 33, genB64URL) + ".eyJ" + gen("jp", 61, genB64URL) + "." + gen("js", 43, genB64URL)
	add("jwt in authorization header", v, `headers = {"Authorization": "Bearer `+v+`"}`)
	v = "eyJ" + gen("jh2", 33, genB64URL) + ".eyJ" + gen("jp2", 80, genB64URL) + "." + gen("js2", 43, genB64URL)
	add("jwt in a log line", v, "2026-10-01T10:00:00Z DEBUG session="+v+" user=42")
	v = gen("bearer", 32, genHex)
	add("curl bearer", v, `curl -H "Authorization: Bearer `+v+`" https://api.example.com/orders`)
	v = gen("bearer2", 40, genAlnum)
	add("bearer in error log", v, "request failed with Bearer "+v)
	v = base64.StdEncoding.EncodeToString([]byte("deploy:" + pw("basic")))
	add("basic auth header", v, "Authorization: Basic "+v)

	// Private keys.
	v, text = pemBlock("rsa", "RSA ")
	add("rsa private key", v, text)
	v, text = pemBlock("ec", "EC ")
	add("ec private key", v, text)
	v, text = pemBlock("ssh", "OPENSSH ")
	add("openssh private key", v, text)

	// Assignments in env files, YAML, JSON, INI, XML and shell.
	v = pw("envpw")
	add("env password", v, "DB_PASSWORD="+v)
	v = gen("envsecret", 32, genAlnum)
	add("env secret key", v, "SECRET_KEY="+v)
	v = gen("envtoken", 24, genAlnum)
	add("env api token quoted", v, `API_TOKEN="`+v+`"`)
	v = pw("yamlpw")
	add("yaml password", v, "database:\n  user: app\n  password: "+v+"  # prod")
	v = gen("yamlsecret", 30, genAlnum)
	add("yaml client secret quoted", v, "oauth:\n  client_secret: \""+v+"\"")
	v = gen("yamltoken", 26, genAlnum)
	add("yaml token", v, "notifier:\n  token: "+v)
	v = pw("jsonpw")
	add("json password", v, `{"username": "app", "password": "`+v+`"}`)
	v = gen("jsonkey", 32, genAlnum)
	add("json api key", v, `  "apiKey": "`+v+`",`)
	v = gen("jsonsecret", 30, genAlnum)
	add("json compact secret", v, `{"client_secret":"`+v+`","client_id":"web"}`)
	v = pw("inipw")
	add("ini password", v, "[client]\nuser = root\npassword = "+v)
	v = gen("tomltoken", 20, genAlnum)
	add("toml token", v, "[auth]\ntoken = \""+v+"\"")
	v = pw("xmlpw")
	add("maven settings password", v, "<server>\n  <username>deploy</username>\n  <password>"+v+"</password>\n</server>")
	v = pw("mysqlflag")
	add("mysql password flag", v, "mysql --password="+v+" -h db shop")
	v = pw("pgpass")
	add("pgpassword prefix", v, "PGPASSWORD="+v+" psql -h db -U app shop")
	v = "s." + gen("vault", 24, genAlnum)
	add("vault token flag", v, "vault login --token "+v+" -method=token")
	v = pw("javaprop")
	add("java system property", v, "java -Dspring.datasource.password="+v+" -jar app.jar")
	v = gen("apikeyhdr", 24, genHex)
	add("api key header", v, `curl -H "X-Api-Key: `+v+`" https://api.example.com`)

	// Secrets passed as separate words: command lines, .netrc, SQL.
	v = pw("mysqlshort")
	add("mysql short password flag", v, "mysql -uroot -p"+v+" shop < backup.sql")
	v = pw("dockerlogin")
	add("docker login password", v, "docker login -u deploy -p "+v+" registry.example.com")
	v = pw("rediscli")
	add("redis-cli password", v, "redis-cli -h cache -a "+v+" FLUSHALL")
	v = pw("curluser")
	add("curl user credentials", v, "curl -fsS -u deploy:"+v+" https://ci.example.com/job/build")
	v = pw("netrc")
	add("netrc entry", v, "machine api.example.com\n  login deploy\n  password "+v)
	v = pw("sqlalter")
	add("sql password literal", v, "ALTER USER app WITH PASSWORD '"+v+"';")
	v = gen("awscfg", 40, genAlnum)
	add("aws configure set", v, "aws configure set aws_secret_access_key "+v)
	return cs
}

// nearMisses look like secrets, or sit next to secret words, and must stay
// as they are.
func nearMisses() []string {
	var out []string
	for i := range 10 {
		out = append(out, "Reverts "+gen(fmt.Sprintf("sha%d", i), 40, genHex))
	}
	for i := range 8 {
		u := gen(fmt.Sprintf("uuid%d", i), 32, genHex)
		out = append(out, "request_id: "+u[:8]+"-"+u[8:12]+"-4"+u[13:16]+"-a"+u[17:20]+"-"+u[20:])
	}
	for i := range 6 {
		out = append(out, fmt.Sprintf("github.com/acme/mod%d v1.%d.0 h1:%s=", i, i, gen(fmt.Sprintf("gosum%d", i), 43, genB64)))
	}
	for i := range 6 {
		out = append(out, fmt.Sprintf("  logo%d.png: %s==", i, gen(fmt.Sprintf("png%d", i), 96, genB64)))
	}
	for i := range 4 {
		out = append(out, "image: registry.example.com/api@sha256:"+gen(fmt.Sprintf("digest%d", i), 64, genHex))
	}
	for i := range 4 {
		out = append(out, fmt.Sprintf("Fixes: %s (\"orders: fix token parsing %d\")", gen(fmt.Sprintf("short%d", i), 12, genHex), i))
	}
	out = append(out,
		"MONGO_URL=mongodb://mongo-0.internal/shop?w=0&journal=false",
		"mongodb://db/shop?w=0&journal=false&maxPoolSize=10",
		"DB_PASSWORD=${DB_PASSWORD}",
		"API_KEY=$API_KEY",
		"token: <your-token-here>",
		"token_count = 5",
		"max_tokens: 4096",
		"password_file: /run/secrets/db",
		"STRIPE_PUBLISHABLE_KEY=pk_live_"+gen("pk", 24, genAlnum),
		"Signed-off-by: Dana Reyes <dana@shop.example>",
		"git clone ssh://git@github.com/acme/shop.git",
		"passwordMinLength = 12",
		"require_password: false",
		"secretName: db-credentials",
		"self.api_key = api_key",
		"The server expects a Bearer token in the header.",
		"auth: fix expired token refresh",
		"  ca.crt: "+base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n"+gen("cert", 90, genB64)+"\n-----END CERTIFICATE-----\n")),
		"cache_key: user-profile-"+gen("cache", 16, genAlnum),
		"build "+gen("build", 40, genHex)+" of v2.14.3",
	)
	return out
}

// promptRecorder sits in front of a fake Ollama and keeps every request body.
type promptRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (p *promptRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies = append(p.bodies, string(b))
		p.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	})
}

func (p *promptRecorder) all() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.bodies, "\n")
}

// encodings returns the forms a value could take in a file or an output:
// as is, JSON-escaped, URL-escaped, and (for long values) its middle part,
// which a cut or a re-wrapped copy would still hold.
func encodings(v string) []string {
	out := []string{v}
	if q, _ := json.Marshal(v); string(q[1:len(q)-1]) != v {
		out = append(out, string(q[1:len(q)-1]))
	}
	if u := url.QueryEscape(v); u != v {
		out = append(out, u)
	}
	if len(v) >= 32 {
		out = append(out, v[len(v)/2-8:len(v)/2+8])
	}
	return out
}

// leaksIn returns the names of the cases whose value shows in b.
func leaksIn(b []byte, cases []secretCase) []string {
	var out []string
	for _, c := range cases {
		for _, e := range encodings(c.value) {
			if bytes.Contains(b, []byte(e)) {
				out = append(out, c.name)
				break
			}
		}
	}
	return out
}

// scanHome reads every file under home and reports the secrets found in
// each. It returns how many files it read.
func scanHome(t *testing.T, home string, cases []secretCase, when string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(home, p)
		t.Logf("%s: scanned %s (%d bytes)", when, rel, len(b))
		if leaks := leaksIn(b, cases); len(leaks) > 0 {
			t.Errorf("%s: %s holds %d secrets: %v", when, rel, len(leaks), leaks)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSecretsNeverStored puts generated secrets into a real repository's
// diffs and messages, into notes and into incident texts, runs capture,
// index and ask against a fake Ollama, and checks that no secret reaches
// any file under the home, any output, or the model; and that the
// near-misses come out of show intact.
func TestSecretsNeverStored(t *testing.T) {
	work := setIsolatedEnv(t)
	fake, _ := newFakeOllama(t)
	rec := &promptRecorder{}
	srv := httptest.NewServer(rec.wrap(fake))
	t.Cleanup(srv.Close)
	t.Setenv("OLLAMA_HOST", srv.URL)
	t.Setenv("ANALYST_EMBED_MODEL", "fake-embed")
	t.Setenv("ANALYST_CHAT_MODEL", "fake-chat")
	fake.chatReply = func(user string) (string, string) {
		id := ""
		if m := changeIDRe.FindStringSubmatch(user); m != nil {
			id = m[1]
		}
		return fmt.Sprintf(`{"suspects":[{"id":%q,"confidence":0.7,"why":"it changed the credentials"}],"none":false,"summary":"the credentials change"}`, id), "stop"
	}
	home := filepath.Join(work, "home")

	cases := secretCorpus()
	misses := nearMisses()
	if len(cases) < 50 || len(misses) < 50 {
		t.Fatalf("%d secrets and %d near-misses: want 50 of each", len(cases), len(misses))
	}
	for i, c := range cases {
		if !strings.Contains(c.text, c.value) {
			t.Fatalf("case %q: value not in its text", c.name)
		}
		for _, m := range misses {
			if strings.Contains(m, c.value) {
				t.Fatalf("case %q: value inside near-miss %q", c.name, m)
			}
		}
		for _, o := range cases[i+1:] {
			if strings.Contains(o.text, c.value) {
				t.Fatalf("case %q: value inside case %q", c.name, o.name)
			}
		}
	}
	where := func(i int) int {
		switch i % 8 {
		case 1:
			return inMessage
		case 3, 6:
			return inNote
		case 5:
			return inAsk
		}
		return inFile
	}

	// A repository whose history carries the file and message cases and
	// the near-misses, one commit each, a day apart.
	repo := filepath.Join(work, "shop")
	os.MkdirAll(repo, 0o755)
	day := 0
	git := func(args ...string) {
		t.Helper()
		when := fmt.Sprintf("2026-09-%02dT10:00:00Z", 1+day%28)
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	commit := func(file, content, msg string) {
		t.Helper()
		p := filepath.Join(repo, file)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", "-A")
		git("commit", "-q", "-m", msg)
		day++
	}
	var notes, asks []string
	for i, c := range cases {
		switch where(i) {
		case inFile:
			commit(fmt.Sprintf("config/case%02d.conf", i), c.text+"\n", "Configure "+c.name)
		case inMessage:
			commit(fmt.Sprintf("docs/case%02d.md", i), "notes\n", "Document "+c.name+"\n\nFor reference:\n"+c.text)
		case inNote:
			notes = append(notes, "Ops change: "+c.name+"\n"+c.text)
		case inAsk:
			asks = append(asks, c.text)
		}
	}
	commit("go.sum", strings.Join(misses[:len(misses)/2], "\n")+"\n", "Update dependencies\n\n"+strings.Join(misses[len(misses)/2:], "\n"))
	notes = append(notes, "Near misses noted\n"+strings.Join(misses, "\n"))

	var outputs []string
	runOK := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, code := analystRun(t, stdin, append([]string{"--home", home}, args...)...)
		outputs = append(outputs, out, errOut)
		if code != 0 {
			t.Fatalf("analyst %v: exit %d\n%s", args, code, errOut)
		}
		return out
	}
	runOK("", "index", "--repo", repo)
	// A connection held open from here on keeps the write-ahead log from
	// being folded in and removed when each command ends: what every later
	// command wrote stays in journal.db-wal for the scan.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM entries").Scan(&n); err != nil || n == 0 {
		t.Fatalf("journal: %d entries, %v", n, err)
	}
	for _, n := range notes {
		runOK("", "note", "--kind", "ops", "--repo", "shop", n)
	}
	runOK(notes[0], "note", "-")
	runOK("", "index")
	incident := "orders API returns 401 after the credentials change\n" + strings.Join(asks, "\n")
	askOut := runOK("", "ask", "--json", "--at", "2026-12-01T00:00:00Z", incident)
	a := askJSONOf(t, askOut)
	if len(a.Suspects) == 0 || a.Models.Chat != "fake-chat" {
		t.Errorf("ask answered with %d suspects, chat %q: the prompt path was not exercised", len(a.Suspects), a.Models.Chat)
	}
	runOK("", "ask", "--at", "2026-12-01T00:00:00Z", incident)
	runOK(incident, "ask", "--no-llm", "-")

	// Every entry in full, and the journal listed.
	logOut := runOK("", "log", "--json")
	runOK("", "log")
	var shows strings.Builder
	maskedShown := 0
	for _, line := range strings.Split(strings.TrimSpace(logOut), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		out := runOK("", "show", l.ID)
		if strings.Contains(out, "\nMasked:   ") && !strings.Contains(out, "\nMasked:   nothing") {
			maskedShown++
		}
		shows.WriteString(out)
		runOK("", "show", "--json", l.ID)
	}
	// Every entry that carried a secret (the note read from stdin repeats
	// the first note) says what was masked.
	if want := len(cases) - len(asks) + 1; maskedShown != want {
		t.Errorf("show says what was masked for %d entries, want %d", maskedShown, want)
	}

	// Nothing anywhere: outputs, the model's requests, the files.
	if leaks := leaksIn([]byte(strings.Join(outputs, "\n")), cases); len(leaks) > 0 {
		t.Errorf("%d secrets printed by analyst: %v", len(leaks), leaks)
	}
	sent := rec.all()
	if !strings.Contains(sent, "/api/chat") && !strings.Contains(sent, `"messages"`) {
		t.Errorf("no chat request reached the fake server")
	}
	if leaks := leaksIn([]byte(sent), cases); len(leaks) > 0 {
		t.Errorf("%d secrets sent to the model server: %v", len(leaks), leaks)
	}
	files := scanHome(t, home, cases, "with the log kept")
	// Force the log into the database file and look again.
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	files += scanHome(t, home, cases, "after a checkpoint")
	db.Close()

	// The near-misses come out of show as they went in.
	kept := 0
	for _, m := range misses {
		if strings.Contains(shows.String(), m) {
			kept++
		} else {
			t.Errorf("near-miss changed or lost: %q", m)
		}
	}
	t.Logf("%d secrets masked (%d in files, messages and notes, %d in incident texts), %d near-misses kept, %d files scanned, %d show outputs with masked kinds",
		len(cases), len(cases)-len(asks), len(asks), kept, files, maskedShown)
}
