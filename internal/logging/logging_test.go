package logging

import "testing"

func TestNewRejectsBadLevelAndFormat(t *testing.T) {
	if _, err := New(Options{Level: "loud"}); err == nil {
		t.Fatal("want error for unknown level")
	}
	if _, err := New(Options{Format: "xml"}); err == nil {
		t.Fatal("want error for unknown format")
	}
}

func TestNewAutoFormat(t *testing.T) {
	for _, tty := range []bool{true, false} {
		l, err := New(Options{Level: "debug", IsTerminal: func() bool { return tty }})
		if err != nil {
			t.Fatalf("tty=%v: %v", tty, err)
		}
		if !l.Core().Enabled(-1) { // debug
			t.Fatalf("tty=%v: debug level not enabled", tty)
		}
	}
}
