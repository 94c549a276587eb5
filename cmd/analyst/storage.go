package main

import (
	"errors"
	"fmt"

	"github.com/analyst-dev/analyst/journal"
)

// storageErr words a failure to read or write the journal or the index for
// the user: what happened, and for a damaged file or a refused write (a full
// disk, a quota, a file size limit) what to do. Nothing is deleted or
// rewritten on the way: the journal is the only copy of notes.
func storageErr(env *environment, err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	switch {
	case journal.Damaged(err):
		return failErr(err, fmt.Sprintf("it was left as it is: keep a copy, move it aside and run 'analyst index --repo PATH' to read commits in again\n"+
			"(notes are only in the damaged file; 'sqlite3 %s .recover' may get them back)", env.journalPath()),
			"journal %s is damaged: %s", env.journalPath(), rootCause(err))
	case journal.WriteFailed(err):
		return failErr(err, fmt.Sprintf("free some space (or check quotas and file size limits) where %s lives, or pass --home DIR; entries recorded before are kept", env.home),
			"%s: %s", msg, rootCause(err))
	}
	return failErr(err, "", "%s: %v", msg, err)
}

// rootCause is the innermost error's message: the words of the system or of
// SQLite without our layers of context.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
