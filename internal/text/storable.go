package text

import (
	"strings"
	"unicode/utf8"
)

// Storable reports whether s may be a text of the desk: UTF-8 without a NUL character.
// PostgreSQL refuses both in text (SQLite would keep them), so what the API and the pages take
// in is checked at the door.
func Storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
