package journal

import (
	"errors"
	"syscall"

	"modernc.org/sqlite"
)

// SQLite's primary result codes that tell what went wrong with the file
// itself (https://sqlite.org/rescode.html); extended codes keep them in the
// low byte.
const (
	sqliteIOErr   = 10 // SQLITE_IOERR: a read or write failed (disk full, file size limit, I/O error)
	sqliteCorrupt = 11 // SQLITE_CORRUPT: the database is malformed
	sqliteFull    = 13 // SQLITE_FULL: the disk is full
	sqliteNotADB  = 26 // SQLITE_NOTADB: the file is not a database
)

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// Damaged reports whether err says the journal file is not a readable
// database (random bytes, a truncated or overwritten file). The file is left
// as it was: it may still be recoverable, and it is the only copy of notes.
func Damaged(err error) bool {
	c := sqliteCode(err)
	return c == sqliteCorrupt || c == sqliteNotADB
}

// WriteFailed reports whether err says the storage refused a write: a full
// disk, a quota or file size limit, an I/O error. SQLite reports most of
// these as one I/O error without the cause, so they are not told apart.
func WriteFailed(err error) bool {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	c := sqliteCode(err)
	return c == sqliteIOErr || c == sqliteFull
}
