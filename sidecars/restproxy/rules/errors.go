package rules

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidRules means a rule file was refused; the error is a
	// *FileError naming the line.
	ErrInvalidRules = errors.New("invalid rule file")
	// ErrInvalidOption means an option value was refused.
	ErrInvalidOption = errors.New("invalid option")
)

// FileError locates a problem in a rule file.
type FileError struct {
	File   string
	Line   int    // 1-based; 0 when the whole file is at fault
	Rule   string // rule name, when known
	Reason string
}

func (e *FileError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Rule != "" {
		return fmt.Sprintf("%s: %v: rule %q: %s", where, ErrInvalidRules, e.Rule, e.Reason)
	}
	return fmt.Sprintf("%s: %v: %s", where, ErrInvalidRules, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidRules) true.
func (e *FileError) Unwrap() error { return ErrInvalidRules }
