package redact

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// Test secrets are generated from their formats by a fixed pseudo-random
// generator: they have the shape of real credentials without being (or
// having been) real ones, and no secret-looking literal sits in this file.

const (
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0234567"
	letters     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b64url      = alnum + "-_"
	b64std      = alnum + "+/"
	hexDigits   = "0123456789abcdef"
	digits      = "0123456789"
)

// fake returns n pseudo-random characters of alphabet, fixed by seed.
func fake(seed string, n int, alphabet string) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
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

// pemLines returns n lines of base64 key material, each after prefix.
func pemLines(seed, prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(prefix + fake(seed+string(rune('a'+i)), 64, b64std) + "\n")
	}
	return b.String()
}

var (
	ghp       = "ghp_" + fake("ghp", 36, alnum)
	ghs       = "ghs_" + fake("ghs", 36, alnum)
	ghPAT     = "github_pat_" + fake("pat1", 22, alnum) + "_" + fake("pat2", 59, alnum)
	glpat     = "glpat-" + fake("glpat", 20, alnum)
	xoxb      = "xoxb-" + fake("x1", 11, digits) + "-" + fake("x2", 13, digits) + "-" + fake("x3", 24, alnum)
	skLive    = "sk_live_" + fake("stripe-live", 24, alnum)
	rkTest    = "rk_test_" + fake("stripe-test", 24, alnum)
	pkLive    = "pk_live_" + fake("stripe-pub", 24, alnum)
	akia      = "AKIA" + fake("akia", 16, upperDigits)
	asia      = "ASIA" + fake("asia", 16, upperDigits)
	awsSecret = fake("aws-secret", 40, b64std)
	aiza      = "AIza" + fake("google", 35, b64url)
	jwt       = "eyJ" + fake("jwt-h", 33, b64url) + ".eyJ" + fake("jwt-p", 61, b64url) + "." + fake("jwt-s", 43, b64url)
	npmTok    = "npm_" + fake("npm", 36, alnum)
	hfTok     = "hf_" + fake("hf", 34, letters)
	openAI    = "sk-proj-" + fake("openai", 48, alnum) + "T3BlbkFJ" + fake("openai2", 48, alnum)
	anthropic = "sk-ant-api03-" + fake("anthropic", 93, b64url) + "AA"
	sendgrid  = "SG." + fake("sg1", 22, b64url) + "." + fake("sg2", 43, b64url)
	pypiTok   = "pypi-AgEIcHlwaS5vcmc" + fake("pypi", 60, b64url)
	hookPath  = "T" + fake("slack-t", 8, upperDigits) + "/B" + fake("slack-b", 10, upperDigits) + "/"
	hookSec   = fake("slack-hook", 24, alnum)
	b64Key    = base64.StdEncoding.EncodeToString([]byte("-----BEGIN RSA PRIVATE KEY-----\n" + fake("k8s-key", 120, b64std) + "\n-----END RSA PRIVATE KEY-----\n"))
	b64Cert   = base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n" + fake("k8s-cert", 120, b64std) + "\n-----END CERTIFICATE-----\n"))
	sha40     = fake("sha", 40, hexDigits)
	keyBody   = pemLines("rsa", "+", 4)
	basicCred = base64.StdEncoding.EncodeToString([]byte("deploy:" + fake("basic", 12, alnum)))
)

type tcase struct {
	name  string
	in    string
	want  string
	kinds []string // one entry per masked value
}

// positives mask at least one value, in the contexts where they are met.
var positives = []tcase{
	// env files and shell
	{"env file", "DB_HOST=db\nDB_PASSWORD=hunter2\n", "DB_HOST=db\nDB_PASSWORD=***\n", []string{"assignment"}},
	{"env diff lines", "-DB_PASSWORD=oldS3cret\n+DB_PASSWORD=newS3cret\n DB_USER=app\n", "-DB_PASSWORD=***\n+DB_PASSWORD=***\n DB_USER=app\n", []string{"assignment", "assignment"}},
	{"export github token", "export GITHUB_TOKEN=" + ghp + "\n", "export GITHUB_TOKEN=***\n", []string{"github-token"}},
	{"crlf line endings", "DB_PASSWORD=hunter2\r\nAPI_TOKEN: abc123\r\n", "DB_PASSWORD=***\r\nAPI_TOKEN: ***\r\n", []string{"assignment", "assignment"}},
	{"env double quotes", `API_KEY="k3y-4f9a8b7c"`, `API_KEY="***"`, []string{"assignment"}},
	{"env single quotes", `+SECRET_KEY='dj4ng0-s3cr3t-v4lue'`, `+SECRET_KEY='***'`, []string{"assignment"}},
	{"shell prefix variable", "PGPASSWORD=pgpass123 psql -h db -U app shop", "PGPASSWORD=*** psql -h db -U app shop", []string{"assignment"}},
	{"shell flag equals", "mysql --password=s3cr3t -h db shop", "mysql --password=*** -h db shop", []string{"assignment"}},
	{"shell flag separate", "vault login --token s.AbCdEf123456 -method=token", "vault login --token *** -method=token", []string{"assignment"}},
	{"shell flag quoted", `gh auth login --with-token --api-token "p4ss w0rd"`, `gh auth login --with-token --api-token "***"`, []string{"assignment"}},
	{"two on one line", "PASSWORD=a1b2c3 TOKEN=z9y8x7 make deploy", "PASSWORD=*** TOKEN=*** make deploy", []string{"assignment", "assignment"}},
	{"java system property", "java -Dspring.datasource.password=Sup3rS3cret -jar app.jar", "java -Dspring.datasource.password=*** -jar app.jar", []string{"assignment"}},
	{"properties", "spring.datasource.username=app\nspring.datasource.password=Sup3rS3cret\n", "spring.datasource.username=app\nspring.datasource.password=***\n", []string{"assignment"}},
	{"npmrc auth token", "//registry.npmjs.org/:_authToken=" + npmTok + "\n", "//registry.npmjs.org/:_authToken=***\n", []string{"npm-token"}},

	// YAML, docker-compose, Kubernetes
	{"yaml with comment", "database:\n  user: app\n  password: s3cr3t!x  # prod\n", "database:\n  user: app\n  password: ***  # prod\n", []string{"assignment"}},
	{"yaml single quote escape", "  password: 'it''s-s3cret'\n", "  password: '***'\n", []string{"assignment"}},
	{"yaml quoted api key", "+  api_key: \"AbC123xyz\"\n", "+  api_key: \"***\"\n", []string{"assignment"}},
	{"compose env list", "    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD=pgS3cret\n", "    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD=***\n", []string{"assignment"}},
	{"compose env map", "+      MYSQL_ROOT_PASSWORD: rootpw99\n", "+      MYSQL_ROOT_PASSWORD: ***\n", []string{"assignment"}},
	{"k8s secret data", "kind: Secret\ndata:\n  username: YWRtaW4=\n  password: cGFzc3dvcmQxMjM=\n", "kind: Secret\ndata:\n  username: YWRtaW4=\n  password: ***\n", []string{"assignment"}},
	{"k8s env name value", "        - name: DB_PASSWORD\n          value: \"hunter2\"\n", "        - name: DB_PASSWORD\n          value: \"***\"\n", []string{"assignment"}},
	{"k8s tls key base64", "+  tls.crt: " + b64Cert + "\n+  tls.key: " + b64Key + "\n", "+  tls.crt: " + b64Cert + "\n+  tls.key: ***\n", []string{"private-key"}},
	{"github actions literal", "      with:\n        token: " + ghs + "\n", "      with:\n        token: ***\n", []string{"github-token"}},

	// JSON
	{"json object", `{"username": "app", "password": "pa55w0rd"}`, `{"username": "app", "password": "***"}`, []string{"assignment"}},
	{"json camel case key", `  "stripeSecretKey": "` + skLive + `",`, `  "stripeSecretKey": "***",`, []string{"stripe-key"}},
	{"json compact", `{"api_token":"tok_abc123","user":"x"}`, `{"api_token":"***","user":"x"}`, []string{"assignment"}},
	{"json inside json string", `"{\"password\":\"x9y8z7\"}"`, `"{\"password\":\"***\"}"`, []string{"assignment"}},
	{"aws sts json", `"AccessKeyId": "` + asia + `", "SecretAccessKey": "` + awsSecret + `"`, `"AccessKeyId": "***", "SecretAccessKey": "***"`, []string{"aws-access-key", "aws-secret-key"}},

	// INI, TOML, XML, PHP
	{"ini", "[client]\nuser = root\npassword = hunter2\n", "[client]\nuser = root\npassword = ***\n", []string{"assignment"}},
	{"toml", "[auth]\ntoken = \"abcd1234efgh\"\n", "[auth]\ntoken = \"***\"\n", []string{"assignment"}},
	{"aws credentials file", "[default]\naws_access_key_id = " + akia + "\naws_secret_access_key = " + awsSecret + "\n", "[default]\naws_access_key_id = ***\naws_secret_access_key = ***\n", []string{"aws-access-key", "aws-secret-key"}},
	{"maven settings xml", "+      <username>deploy</username>\n+      <password>mvnS3cret</password>\n", "+      <username>deploy</username>\n+      <password>***</password>\n", []string{"assignment"}},
	{"php array", "    'password' => 'phpS3cret',\n", "    'password' => '***',\n", []string{"assignment"}},
	{"azure storage connection string", "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=" + fake("azure", 86, b64std) + "==;EndpointSuffix=core.windows.net",
		"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=***;EndpointSuffix=core.windows.net", []string{"assignment"}},
	{"ado connection string", "Server=db;Database=shop;User Id=app;Password=Pa55word;", "Server=db;Database=shop;User Id=app;Password=***;", []string{"assignment"}},

	// URLs and DSNs
	{"mongodb url", "mongodb://app:s3cr3t@db/shop?w=0&journal=false", "mongodb://app:***@db/shop?w=0&journal=false", []string{"url-password"}},
	{"postgres url in env", "+DATABASE_URL=postgres://app:pgS3cret@db:5432/shop?sslmode=disable\n", "+DATABASE_URL=postgres://app:***@db:5432/shop?sslmode=disable\n", []string{"url-password"}},
	{"mongodb srv", `uri = "mongodb+srv://svc:Mx7%40pw@cluster0.example.net/prod"`, `uri = "mongodb+srv://svc:***@cluster0.example.net/prod"`, []string{"url-password"}},
	{"redis empty user", "REDIS_URL=redis://:r3d1sPass@cache:6379/0", "REDIS_URL=redis://:***@cache:6379/0", []string{"url-password"}},
	{"amqp url", "broker: amqp://guest:gu3st@rabbit:5672//", "broker: amqp://guest:***@rabbit:5672//", []string{"url-password"}},
	{"https token as password", "git remote set-url origin https://x-access-token:" + ghs + "@github.com/org/repo.git", "git remote set-url origin https://x-access-token:***@github.com/org/repo.git", []string{"github-token"}},
	{"url query password", "https://api.example.com/v1?password=x&w=0", "https://api.example.com/v1?password=***&w=0", []string{"url-param"}},
	{"url query access token", "GET /callback?code=abc&access_token=ya29a0AfH6SM&state=xyz HTTP/1.1", "GET /callback?code=abc&access_token=***&state=xyz HTTP/1.1", []string{"url-param"}},
	{"url query signature", "https://acct.blob.core.windows.net/c/b.tgz?sv=2021-08-06&sig=AbC%2Bdef123%3D", "https://acct.blob.core.windows.net/c/b.tgz?sv=2021-08-06&sig=***", []string{"url-param"}},
	{"mysql dsn in go", `	dsn := "app:dbPass99@tcp(127.0.0.1:3306)/shop?parseTime=true"`, `	dsn := "app:***@tcp(127.0.0.1:3306)/shop?parseTime=true"`, []string{"url-password"}},

	// tokens by format, in prose and code
	{"github token in note", "rotated the leaked " + ghp + " today", "rotated the leaked *** today", []string{"github-token"}},
	{"github fine-grained pat", "+GH_PAT: " + ghPAT + "\n", "+GH_PAT: ***\n", []string{"github-token"}},
	{"gitlab pat", "curl --header \"PRIVATE-TOKEN: " + glpat + "\" https://gitlab.example.com/api/v4/projects", "curl --header \"PRIVATE-TOKEN: ***\" https://gitlab.example.com/api/v4/projects", []string{"gitlab-token"}},
	{"slack token in python", `client = WebClient(token="` + xoxb + `")`, `client = WebClient(token="***")`, []string{"slack-token"}},
	{"stripe key in js", "const stripe = require('stripe')('" + skLive + "');", "const stripe = require('stripe')('***');", []string{"stripe-key"}},
	{"stripe restricted test key", "stripe.api_key = \"" + rkTest + "\"", "stripe.api_key = \"***\"", []string{"stripe-key"}},
	{"aws access key id alone", "aws configure set aws_access_key_id " + akia, "aws configure set aws_access_key_id ***", []string{"aws-access-key"}},
	{"google api key", `const mapsKey = "` + aiza + `";`, `const mapsKey = "***";`, []string{"google-api-key"}},
	{"jwt in python headers", `headers = {"Authorization": "Bearer ` + jwt + `"}`, `headers = {"Authorization": "Bearer ***"}`, []string{"jwt"}},
	{"jwt in log line", "2024-05-01T10:00:00Z DEBUG session=" + jwt + " user=42", "2024-05-01T10:00:00Z DEBUG session=*** user=42", []string{"jwt"}},
	{"npm token", "+NPM_TOKEN=" + npmTok, "+NPM_TOKEN=***", []string{"npm-token"}},
	{"hugging face token", "huggingface-cli login --token " + hfTok, "huggingface-cli login --token ***", []string{"huggingface-token"}},
	{"openai key", "OPENAI_API_KEY=" + openAI + "\n", "OPENAI_API_KEY=***\n", []string{"openai-key"}},
	{"anthropic key", "client = anthropic.Anthropic(api_key=\"" + anthropic + "\")", "client = anthropic.Anthropic(api_key=\"***\")", []string{"anthropic-key"}},
	{"sendgrid key", "sg = SendGridAPIClient('" + sendgrid + "')", "sg = SendGridAPIClient('***')", []string{"sendgrid-key"}},
	{"pypi token", "password: " + pypiTok, "password: ***", []string{"pypi-token"}},
	{"slack webhook", "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/" + hookPath + hookSec, "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/" + hookPath + "***", []string{"webhook-url"}},

	// headers
	{"curl bearer", `curl -H "Authorization: Bearer abc123def456ghi789" https://api.example.com`, `curl -H "Authorization: Bearer ***" https://api.example.com`, []string{"bearer"}},
	{"http basic", "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNzd29yZA==\r\nAccept: */*\r\n", "GET / HTTP/1.1\r\nAuthorization: Basic ***\r\nAccept: */*\r\n", []string{"basic-auth"}},
	{"github token scheme", "curl -H 'authorization: token " + ghp + "' https://api.github.com/user", "curl -H 'authorization: token ***' https://api.github.com/user", []string{"github-token"}},
	{"api key header", `curl -H "X-Api-Key: 9f8e7d6c5b4a" https://api.example.com`, `curl -H "X-Api-Key: ***" https://api.example.com`, []string{"assignment"}},
	{"header in go string", `	fmt.Printf("https://vcs.example.com\n\nAuthorization: Basic ` + basicCred + `\n\n")`, `	fmt.Printf("https://vcs.example.com\n\nAuthorization: Basic ***\n\n")`, []string{"basic-auth"}},
	{"bearer in log", "request failed with Bearer 4f9a8b7c6d5e4f3a2b1c0d9e", "request failed with Bearer ***", []string{"bearer"}},

	// PEM
	{"pem in diff", "+-----BEGIN RSA PRIVATE KEY-----\n" + keyBody + "+-----END RSA PRIVATE KEY-----\n", "+-----BEGIN RSA PRIVATE KEY-----\n+***\n+-----END RSA PRIVATE KEY-----\n", []string{"private-key"}},
	{"pem in json", `"private_key": "-----BEGIN PRIVATE KEY-----\n` + fake("gcp", 64, b64std) + `\n-----END PRIVATE KEY-----\n",`, `"private_key": "-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----\n",`, []string{"private-key"}},
	{"pem indented yaml block", "  key: |\n    -----BEGIN EC PRIVATE KEY-----\n" + pemLines("ec", "    ", 2) + "    -----END EC PRIVATE KEY-----\n", "  key: |\n    -----BEGIN EC PRIVATE KEY-----\n    ***\n    -----END EC PRIVATE KEY-----\n", []string{"private-key"}},
	{"pem rotated in diff", " -----BEGIN PRIVATE KEY-----\n" + pemLines("old", "-", 2) + pemLines("new", "+", 2) + pemLines("same", " ", 1) + " -----END PRIVATE KEY-----\n", " -----BEGIN PRIVATE KEY-----\n-***\n -----END PRIVATE KEY-----\n", []string{"private-key"}},
	{"pem in python string", "+TEST_KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n" + pemLines("py", "+", 3) + "+-----END RSA PRIVATE KEY-----\"\"\"\n", "+TEST_KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n+***\n+-----END RSA PRIVATE KEY-----\"\"\"\n", []string{"private-key"}},
	{"pem cut by hunk end", "+-----BEGIN OPENSSH PRIVATE KEY-----\n" + pemLines("ssh", "+", 2) + "@@ -1,3 +1,3 @@\n", "+-----BEGIN OPENSSH PRIVATE KEY-----\n+***\n@@ -1,3 +1,3 @@\n", []string{"private-key"}},

	// source code
	{"python literal", `    password = "correct-horse-9"`, `    password = "***"`, []string{"assignment"}},
	{"go const", `const apiToken = "tok_9f8e7d6c5b4a"`, `const apiToken = "***"`, []string{"assignment"}},
	{"go walrus literal", `	secret := "s3cr3t-v4lue"`, `	secret := "***"`, []string{"assignment"}},
	{"go struct literal", "+\t\tPassword: \"hunter2\",\n", "+\t\tPassword: \"***\",\n", []string{"assignment"}},
	{"python dict subscript", `os.environ["DB_PASSWORD"] = "pyS3cret"`, `os.environ["DB_PASSWORD"] = "***"`, []string{"assignment"}},
	{"basic auth value", "  auth: admin:adm1nPass\n", "  auth: ***\n", []string{"assignment"}},
	{"long numeric pin", "pin_password: 83920174", "pin_password: ***", []string{"assignment"}},
	{"changeme is masked", "POSTGRES_PASSWORD=changeme", "POSTGRES_PASSWORD=***", []string{"assignment"}},
	// secrets passed as separate words (command.go)
	{"mysql short flag", "mysql -uroot -pSh0pDbPass shop", "mysql -uroot -p*** shop", []string{"assignment"}},
	{"mysqldump quoted short flag", "+  /usr/bin/mysqldump -h db -p'Sh0p Db' shop > dump.sql", "+  /usr/bin/mysqldump -h db -p'***' shop > dump.sql", []string{"assignment"}},
	{"docker login", "docker login -u deploy -p Rg7pass registry.example.com", "docker login -u deploy -p *** registry.example.com", []string{"assignment"}},
	{"sshpass", "sshpass -p S5hPass ssh deploy@web1", "sshpass -p *** ssh deploy@web1", []string{"assignment"}},
	{"redis-cli", "redis-cli -h cache -a R3disPass info", "redis-cli -h cache -a *** info", []string{"assignment"}},
	{"curl user", "curl -fsS -u deploy:CurlPass9 https://ci.example.com/api", "curl -fsS -u deploy:*** https://ci.example.com/api", []string{"assignment"}},
	{"netrc one line", "machine api.example.com login bob password N3trcPass", "machine api.example.com login bob password ***", []string{"assignment"}},
	{"netrc lines", "machine api.example.com\n  login bob\n  password N3trcPass\n", "machine api.example.com\n  login bob\n  password ***\n", []string{"assignment"}},
	{"sql password", "ALTER USER app WITH PASSWORD 'SqlPass42';", "ALTER USER app WITH PASSWORD '***';", []string{"assignment"}},
	{"sql identified by", "+CREATE USER 'app'@'%' IDENTIFIED WITH mysql_native_password BY 'SqlPass42';", "+CREATE USER 'app'@'%' IDENTIFIED WITH mysql_native_password BY '***';", []string{"assignment"}},
	{"aws configure set", "aws configure set aws_secret_access_key " + awsSecret, "aws configure set aws_secret_access_key ***", []string{"aws-secret-key"}},
	{"git config password", "git config --global smtp.password Gm4ilPass", "git config --global smtp.password ***", []string{"assignment"}},
}

// nearMisses look like secrets, or sit next to secret words, and must stay.
var nearMisses = []tcase{
	{name: "commit sha", in: "commit " + sha40 + "\nAuthor: Jane Doe <jane@example.com>\n"},
	{name: "short shas in message", in: "Fixes: 3f2a9c1d2e4b (\"ip: fix token parsing\")\nReverts 9e8d7c6."},
	{name: "uuid", in: "request_id: 123e4567-e89b-12d3-a456-426614174000"},
	{name: "go.sum lines", in: "+github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n+github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n"},
	{name: "sha256 digest", in: "image: nginx@sha256:" + fake("digest", 64, hexDigits)},
	{name: "base64 data", in: "binaryData:\n  logo.png: " + fake("png", 120, b64std) + "==\n"},
	{name: "base64 certificate", in: "  ca.crt: " + b64Cert},
	{name: "pem certificate", in: "-----BEGIN CERTIFICATE-----\n" + fake("cert", 64, b64std) + "\n-----END CERTIFICATE-----\n"},
	{name: "url without password", in: "mongodb://db/shop?w=0&journal=false&maxPoolSize=10"},
	{name: "url with user only", in: "git clone ssh://git@github.com/org/repo.git && open https://user@example.com/path"},
	{name: "email addresses", in: "Signed-off-by: Jane Doe <jane.doe@example.com>\nCc: ops+alerts@example.org"},
	{name: "token count", in: "token_count = 5\nmax_tokens: 4096"},
	{name: "go lexer", in: "\ttoken := lexer.Next()\n\ttok, err := p.token()"},
	{name: "go form value", in: `	password := r.FormValue("password")`},
	{name: "min length", in: "passwordMinLength = 12\nconst minPasswordLen = 8"},
	{name: "placeholders", in: "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=$API_KEY\npassword: \"{{ .Values.db.password }}\"\ntoken: <your-token-here>\n"},
	{name: "empty and masked", in: "PASSWORD=\npassword: \"\"\nsecret: ***\ntoken = \"***\""},
	{name: "booleans and null", in: "auth: true\nrequire_password: false\n\"token\": null\nPassword: nil,"},
	{name: "secret file reference", in: "password_file: /run/secrets/db\nAPI_KEY_PATH=/etc/app/key"},
	{name: "k8s secret ref", in: "valueFrom:\n  secretKeyRef:\n    name: db-secret\n    key: password\nsecretName: db-credentials"},
	{name: "python self assignment", in: "        self.password = password\n        self.api_key = api_key"},
	{name: "python environ", in: `api_key = os.environ["API_KEY"]` + "\ntoken = get_token(user)"},
	{name: "js selector", in: "const token = req.headers.authorization;\nconst apiKey = process.env.API_KEY"},
	{name: "c strtok", in: "+\tchar *token = strtok(NULL, \" \");\n+\tauth->alg_key_len = keylen;"},
	{name: "iproute2 argv", in: "\t} else if (strcmp(*argv, \"auth\") == 0) {\n\t\tNEXT_ARG();\n\t\tauth = *argv;"},
	{name: "commit subject", in: "auth: fix expired token refresh\n\ntoken: drop the unused cache"},
	{name: "go error string", in: `	return errors.New("auth: unauthorized")`},
	{name: "go struct tag", in: "\tToken string `json:\"token\" yaml:\"token\"`"},
	{name: "python type hints", in: "def login(user: str, password: str) -> bool:"},
	{name: "bearer prose", in: "The server expects a Bearer token in the header."},
	{name: "header set with variable", in: `	req.Header.Set("Authorization", "Bearer "+token)`},
	{name: "publishable stripe key", in: "STRIPE_PUBLISHABLE_KEY=" + pkLive},
	{name: "identifiers with token prefixes", in: "hf_model_config_loader_for_training = 1\nask_user_for_the_password_again()"},
	{name: "author field", in: "author: Jane Doe\nauthors = [\"a\", \"b\"]"},
	{name: "pwd", in: "PWD=/home/dev/project\nOLDPWD=/home/dev"},
	{name: "password stdin", in: `echo "$CR_PAT" | docker login ghcr.io -u octocat --password-stdin`},
	{name: "shell default expansion", in: `DB_PASSWORD="${DB_PASSWORD:-}"` + "\n: \"${TOKEN:?missing}\""},
	{name: "comparison", in: `	if password == "" || token != "" {`},
	{name: "oauth metadata", in: `{"token_type": "Bearer", "expires_in": 3600, "token_endpoint": "https://auth.example.com/token"}`},
	{name: "plain keys", in: "cache_key: user-profile\nmonkey = banana\nkeyboard: qwerty"},
	{name: "lone jwt header", in: "alg header eyJhbGciOiJIUzI1NiJ9 decoded"},
	{name: "usage text", in: "  --password PASSWORD   password to log in with\n  --token <token>        API token"},
	{name: "password in prose", in: "Password: see the 1Password vault entry"},
	// Found by running the rules over real histories (iproute2, Go, requests,
	// awesome-compose).
	{name: "package.json versions", in: "+    \"registry-auth-token\": \"^4.0.0\",\n+    \"basic-auth\": \"~2.0.1\","},
	{name: "python default none", in: "@@ -78,43 +83,78 @@ def get(url, params={}, headers={}, auth=None):"},
	{name: "actions permissions", in: "permissions:\n  contents: read\n  id-token: write\n"},
	{name: "c enum values", in: "-enum { SCTP_AUTH_NEWKEY = 0, };\n+    SCM_CREDENTIALS = 0x02,  /* Data array */"},
	{name: "printf verbs", in: `-		printf(" token=%08x", rta_getattr_u32(tb[MPTCP_ATTR_TOKEN]));`},
	{name: "makefile escape", in: "\t\techo \"Re-running LaTeX $<\"; pass=$$[$$pass + 1]; \\"},
	{name: "go case comment", in: "\t\tcase encodeUserPassword: // §3.2.1"},
	{name: "indented code assignment", in: "+\t\t\tpass = p\n+var rsaPrivateKey = test1024Key\n+\tserverConfig.ClientAuth = RequireAndVerifyClientCert"},
	{name: "secret names as values", in: `	const fakeConnectionToken = "X-Fake-Connection-Token"` + "\nconst jsFetchCreds = \"js.fetch:credentials\""},
	{name: "key inside a string", in: `	println("os/user: failed to revert to previous token:", err.Error())`},
	{name: "composite literal", in: "\t\tSecret: Bug4Secret{1},"},
	{name: "quoted text is no key", in: `	out: "Get http://example.com/password": dummy impl`},
	{name: "rst link target", in: ".. _OAuth: http://oauth.net/"},
	{name: "format string", in: `auth = '-u "%s:%s" ' % (request.auth.username, request.auth.password)`},
	{name: "markdown code spans", in: "Docs: clarify the precedence of `auth=` over `netrc`"},
	{name: "variable with remark", in: "- Password: $POSTGRES_PW (see .env)"},
	{name: "js regex", in: `      var autoToken = /\s?auto?\s?/i`},
	{name: "user secrets id", in: "    <UserSecretsId>31051026529000467138</UserSecretsId>"},
	{name: "doc placeholder", in: "Colon-separated username:password string for 'authorization: basic ...'"},
	{name: "commit message with quotes", in: "Digest auth: case insensitive replacement of 'digest ' string with '' from WWW-Authenticate"},
	// near the command rules
	{name: "mysql prompts for the password", in: "mysql -u root -p shop"},
	{name: "mysql port", in: "mysql -h db -P 3306 -u app shop"},
	{name: "mysql password from a variable", in: `mysql -u app -p"$DB_PASS" shop`},
	{name: "-p elsewhere", in: "gcc -pthread -o app main.c && mkdir -p build"},
	{name: "docker login from stdin", in: "echo $TOKEN | docker login -u deploy --password-stdin registry.example.com"},
	{name: "curl user without password", in: "curl -u deploy https://ci.example.com/api"},
	{name: "password prose", in: "Reset password flow: send the password reset link by mail"},
	{name: "sql password from a parameter", in: "ALTER USER app WITH PASSWORD :new_password;"},
	{name: "config set plain key", in: "git config --global user.name Dana && aws configure set region eu-west-1"},
}

// findings builds the Findings expected from a kinds list.
func findings(kinds []string) []Finding {
	var out []Finding
	for _, k := range kinds {
		out = Merge(out, []Finding{{Kind: k, Count: 1}})
	}
	return out
}

func TestStringPositives(t *testing.T) {
	if len(positives) < 40 {
		t.Fatalf("only %d positive cases", len(positives))
	}
	known := Kinds()
	for _, tc := range positives {
		t.Run(tc.name, func(t *testing.T) {
			got, found := String(tc.in)
			if got != tc.want {
				t.Errorf("String(%q)\n got  %q\n want %q", tc.in, got, tc.want)
			}
			if want := findings(tc.kinds); !reflect.DeepEqual(found, want) {
				t.Errorf("findings %v, want %v", found, want)
			}
			for _, f := range found {
				if !slices.Contains(known, f.Kind) {
					t.Errorf("kind %q is not in Kinds()", f.Kind)
				}
			}
		})
	}
}

func TestStringNearMisses(t *testing.T) {
	if len(nearMisses) < 30 {
		t.Fatalf("only %d near-miss cases", len(nearMisses))
	}
	for _, tc := range nearMisses {
		t.Run(tc.name, func(t *testing.T) {
			got, found := String(tc.in)
			if got != tc.in || found != nil {
				t.Errorf("String(%q)\n got  %q %v\n want it unchanged", tc.in, got, found)
			}
			if unsafe.StringData(got) != unsafe.StringData(tc.in) {
				t.Errorf("unchanged input was copied")
			}
			if n := testing.AllocsPerRun(10, func() { String(tc.in) }); n != 0 {
				t.Errorf("%v allocations for unchanged input", n)
			}
		})
	}
}

// TestIdempotent checks that on realistic text one pass is enough: the
// rescans String does for contrived input find nothing here.
func TestIdempotent(t *testing.T) {
	for _, tc := range append(slices.Clone(positives), nearMisses...) {
		sc := scan(tc.in)
		if len(sc.spans) == 0 {
			continue
		}
		once, _ := sc.apply()
		if again := scan(once); len(again.spans) > 0 {
			t.Errorf("%s: a rescan of %q finds %v", tc.name, once, again.spans)
		}
	}
}

// TestWholeDiff runs the cases as one text, the way a commit's diff arrives:
// rules must not interfere across lines.
func TestWholeDiff(t *testing.T) {
	var in, want strings.Builder
	var kinds []string
	for _, tc := range positives {
		in.WriteString(tc.in + "\n")
		want.WriteString(tc.want + "\n")
		kinds = append(kinds, tc.kinds...)
	}
	for _, tc := range nearMisses {
		in.WriteString(tc.in + "\n")
		want.WriteString(tc.in + "\n")
	}
	got, found := String(in.String())
	if got != want.String() {
		gl, wl := strings.Split(got, "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("line %d:\n got  %q\n want %q\n context %q", i+1, gl[i], wl[i], wl[max(0, i-3):i])
			}
		}
		t.Fatalf("outputs differ in length")
	}
	if want := findings(kinds); !reflect.DeepEqual(found, want) {
		t.Errorf("findings %v, want %v", found, want)
	}
}

func TestShortAndEmpty(t *testing.T) {
	for _, s := range []string{"", "a", "a=b", "x:y", "***"} {
		if got, found := String(s); got != s || found != nil {
			t.Errorf("String(%q) = %q, %v", s, got, found)
		}
	}
}

func TestMerge(t *testing.T) {
	a := []Finding{{"assignment", 1}, {"jwt", 2}}
	b := []Finding{{"github-token", 1}, {"jwt", 1}}
	got := Merge(a, b)
	want := []Finding{{"assignment", 1}, {"github-token", 1}, {"jwt", 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge = %v, want %v", got, want)
	}
	if a[1].Count != 2 || b[1].Count != 1 {
		t.Errorf("Merge modified its arguments: %v %v", a, b)
	}
	if got := Merge(a, nil); !reflect.DeepEqual(got, a) {
		t.Errorf("Merge(a, nil) = %v", got)
	}
	if got := Merge(nil, b); !reflect.DeepEqual(got, []Finding{{"github-token", 1}, {"jwt", 1}}) {
		t.Errorf("Merge(nil, b) = %v", got)
	}
	if got := Merge(nil, nil); got != nil {
		t.Errorf("Merge(nil, nil) = %v", got)
	}
}

func TestFindingsMergedAndSorted(t *testing.T) {
	in := "TOKEN=" + ghp + "\nPASSWORD=abc123\nB=" + akia + "\nSECRET=def456\n"
	_, found := String(in)
	want := []Finding{{"assignment", 2}, {"aws-access-key", 1}, {"github-token", 1}}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("findings %v, want %v", found, want)
	}
	b, err := json.Marshal(found[0])
	if err != nil || string(b) != `{"kind":"assignment","count":2}` {
		t.Errorf("json %s, %v", b, err)
	}
}

func TestKindsSorted(t *testing.T) {
	k := Kinds()
	if !slices.IsSorted(k) || len(k) != int(numKinds)-1 {
		t.Errorf("Kinds() = %v", k)
	}
	for i := kindNone + 1; i < numKinds; i++ {
		if kindPriority[i] == 0 {
			t.Errorf("kind %s has no priority", kindNames[i])
		}
	}
}

func TestKeyWords(t *testing.T) {
	for key, want := range map[string]string{
		"DB_PASSWORD":       "DB PASSWORD",
		"stripeSecretKey":   "stripe Secret Key",
		"APIKey":            "API Key",
		"x-api-key":         "x api key",
		"v2Token":           "v2 Token",
		"spring.datasource": "spring datasource",
	} {
		var w [maxKeyWords]string
		n := keyWords(key, &w)
		if got := strings.Join(w[:n], " "); got != want {
			t.Errorf("keyWords(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestClassifyKey(t *testing.T) {
	secret := []string{"password", "DB_PASSWORD", "dbpassword", "passwd", "PGPASSWORD", "pwd", "SMTP_PASS",
		"secret", "client_secret", "clientSecret", "token", "authToken", "ACCESS_TOKEN", "api_key", "apiKey",
		"X-Api-Key", "APIKEY", "access_key", "private_key", "auth", "credentials", "Authorization",
		"stripeSecretKey", "SECRET_KEY_BASE", ".dockerconfigjson", "encryption_key", "refresh_token", "AccountKey",
		"storage_account_key"}
	plain := []string{"author", "tokenizer", "max_tokens", "token_count", "password_file", "passwordMinLength",
		"auth_url", "token_type", "PWD", "OLDPWD", "bypass", "compass", "keyboard", "monkey", "key",
		"cache_key", "secretary", "AUTH_USER_MODEL", "token_endpoint", "credential.helper", "secretName",
		"api_key_path", "username", "sig"}
	for _, k := range secret {
		if classifyKey(k, false, false) == keyPlain {
			t.Errorf("%q should name a secret", k)
		}
	}
	for _, k := range plain {
		if classifyKey(k, false, false) != keyPlain {
			t.Errorf("%q should not name a secret", k)
		}
	}
	if classifyKey("sig", true, false) == keyPlain {
		t.Errorf("sig is secret as a URL parameter")
	}
	if classifyKey("no-auth", false, true) != keyPlain {
		t.Errorf("--no-auth is a boolean flag")
	}
	if classifyKey("aws_secret_access_key", false, false) != keyAWSSecret || classifyKey("SecretAccessKey", false, false) != keyAWSSecret {
		t.Errorf("aws secret keys not recognised")
	}
}

// TestPathological feeds inputs built to make a careless scanner quadratic:
// each must be handled in about linear time.
func TestPathological(t *testing.T) {
	const size = 1 << 20
	long := strings.Repeat("A1b2", 3000) // a 12 KB value
	for name, in := range map[string]string{
		"tight":         strings.Repeat("password=", size/9),
		"colon":         strings.Repeat("token: a ", size/9),
		"spaced":        strings.Repeat("password = $x ", size/14),
		"quotes":        strings.Repeat(`password="\"`, size/12),
		"urls":          strings.Repeat("a://b:c", size/7),
		"dsn":           strings.Repeat("a:b@tcp(", size/8),
		"pem":           strings.Repeat("-----BEGIN PRIVATE KEY-----\n", size/28),
		"flags":         strings.Repeat("--password --token ", size/19),
		"xml":           strings.Repeat("<password>x</password>", size/22),
		"words":         strings.Repeat("ghp_ AKIA eyJ.eyJ. SG. Bearer ", size/30),
		"authorization": strings.Repeat("Authorization: Bearer ", size/22),
		"name value":    strings.Repeat("value: x ", size/9),
		"long value":    "+SECRET=" + long + "\n+password: " + long + "\n",
	} {
		start := time.Now()
		out, _ := String(in)
		t.Logf("%s: %v", name, time.Since(start))
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: %v for %d bytes", name, d, len(in))
		}
		if name == "long value" && strings.Contains(out, long[:64]) {
			t.Errorf("long value not masked whole: %.100q", out)
		}
	}
}
