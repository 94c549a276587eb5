package journal

import "github.com/analyst-dev/analyst/journal/redact"

// SetRedactor makes entries be masked by fn, as redactor version version,
// until restore is called: a test writes a journal the way an earlier
// redactor would have, then reopens it with the real one.
func SetRedactor(fn func(string) (string, []redact.Finding), version int) (restore func()) {
	oldFn, oldV := redactor, redactorVersion
	redactor, redactorVersion = fn, version
	return func() { redactor, redactorVersion = oldFn, oldV }
}
