package window

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSpecValidate(t *testing.T) {
	ok := DefaultSpec()
	hop := ok
	hop.Advance = 10 * time.Second
	if err := ok.Validate(); err != nil {
		t.Fatalf("default spec: %v", err)
	}
	if err := hop.Validate(); err != nil {
		t.Fatalf("hopping 30s/10s: %v", err)
	}
	cases := []struct {
		name string
		mod  func(*Spec)
		want string
	}{
		{"zero size", func(s *Spec) { s.Size = 0 }, "window size"},
		{"sub-millisecond size", func(s *Spec) { s.Size = 30*time.Second + time.Microsecond }, "whole milliseconds"},
		{"negative grace", func(s *Spec) { s.Grace = -time.Second }, "grace"},
		{"zero advance", func(s *Spec) { s.Advance = 0 }, "window advance"},
		{"advance above size", func(s *Spec) { s.Advance = time.Minute }, "must divide"},
		{"advance not dividing size", func(s *Spec) { s.Advance = 7 * time.Second }, "must divide"},
		{"zero session timeout", func(s *Spec) { s.SessionTimeout = 0 }, "session timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := DefaultSpec()
			c.mod(&s)
			err := s.Validate()
			if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want ErrInvalidSpec naming %q", err, c.want)
			}
		})
	}
	zeroGrace := DefaultSpec()
	zeroGrace.Grace = 0
	if err := zeroGrace.Validate(); err != nil {
		t.Errorf("zero grace must be allowed: %v", err)
	}
}

func TestPaneArithmetic(t *testing.T) {
	s := DefaultSpec().millis()
	for _, c := range []struct{ t, start int64 }{
		{0, 0}, {29999, 0}, {30000, 30000}, {-1, -30000}, {-30000, -30000}, {-30001, -60000},
	} {
		if got := s.paneStart(c.t); got != c.start {
			t.Errorf("paneStart(%d) = %d, want %d", c.t, got, c.start)
		}
	}
	if got := s.paneClose(29999); got != 40000 {
		t.Errorf("paneClose(29999) = %d, want 40000", got)
	}
	h := Spec{Size: 30 * time.Second, Advance: 10 * time.Second, Grace: 5 * time.Second, SessionTimeout: time.Minute}.millis()
	if got := h.firstWindow(25000); got != 0 {
		t.Errorf("hopping firstWindow(25000) = %d, want 0", got)
	}
	if got, want := h.paneClose(25000), int64(35000); got != want {
		t.Errorf("hopping paneClose(25000) = %d, want %d (end of window [0,30000) is 30000, plus grace)", got, want)
	}
	// A session whose last event is at 5 s with a 60 s timeout expires at
	// 65 s, in pane [60 s, 70 s), which closes at 75 s.
	if got := h.sessionClose(5000); got != 75000 {
		t.Errorf("sessionClose(5000) = %d, want 75000", got)
	}
}

func TestScoreWeights(t *testing.T) {
	w := DefaultWeights()
	counts := [numTypes]int64{typePageView: 10, typeProductView: 2, typeClick: 1, typeCartAdd: 1, typeCartRemove: 1, typePurchase: 1, typeSearch: 2}
	if got, want := w.score(&counts), 10*0.1+2*1+1*0.5+3+0.5+5+2*0.5; got != want {
		t.Errorf("score = %v, want %v", got, want)
	}
	bad := w
	bad.Purchase = -1
	if err := bad.Validate(); !errors.Is(err, ErrInvalidWeights) || !strings.Contains(err.Error(), "purchase") {
		t.Errorf("Validate(negative purchase) = %v", err)
	}
	if _, err := NewPartition(DefaultSpec(), bad); !errors.Is(err, ErrInvalidWeights) {
		t.Errorf("NewPartition with bad weights = %v", err)
	}
}

func TestTimersPopInOrder(t *testing.T) {
	var tm timers
	ats := []int64{50, 10, 30, 10, 70, 20, 10, 60, 40, 30}
	for _, at := range ats {
		tm.arm(timer{at: at})
	}
	var got []int64
	var seqs []uint64
	for {
		x, ok := tm.due(65)
		if !ok {
			break
		}
		got = append(got, x.at)
		seqs = append(seqs, x.seq)
	}
	want := []int64{10, 10, 10, 20, 30, 30, 40, 50, 60}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("popped %v, want %v", got, want)
	}
	if seqs[0] != 2 || seqs[1] != 4 || seqs[2] != 7 {
		t.Errorf("ties popped in arming order %v, want 2 4 7", seqs[:3])
	}
	if at, ok := tm.next(); !ok || at != 70 {
		t.Errorf("next = %d, %v; want 70", at, ok)
	}
}
