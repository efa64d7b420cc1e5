package lifecycle

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap"
)

type fake struct {
	name      string
	log       *[]string
	startErr  error
	readyIn   int // Ready fails this many times first
	neverUp   bool
	readyCall int
}

func (f *fake) Name() string { return f.name }
func (f *fake) Start(context.Context) error {
	*f.log = append(*f.log, "start "+f.name)
	return f.startErr
}
func (f *fake) Ready(context.Context) error {
	f.readyCall++
	if f.neverUp || f.readyCall <= f.readyIn {
		return errors.New("not yet")
	}
	return nil
}
func (f *fake) Endpoints() []Endpoint { return []Endpoint{{Name: f.name}} }
func (f *fake) Stop(context.Context) error {
	*f.log = append(*f.log, "stop "+f.name)
	return nil
}

func TestStartsInOrderWaitsAndStopsInReverse(t *testing.T) {
	var log []string
	g := NewGroup(zap.NewNop(), time.Second)
	a, b := &fake{name: "a", log: &log, readyIn: 2}, &fake{name: "b", log: &log}
	g.Add(a, b)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.readyCall != 3 {
		t.Errorf("a polled %d times, want 3", a.readyCall)
	}
	if got := g.Endpoints(); len(got) != 2 || got[0].Name != "a" {
		t.Errorf("endpoints %v", got)
	}
	_ = g.Stop(context.Background())
	want := []string{"start a", "start b", "stop b", "stop a"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("got %v want %v", log, want)
	}
}

func TestFailureStopsWhatStarted(t *testing.T) {
	var log []string
	g := NewGroup(zap.NewNop(), 100*time.Millisecond)
	g.Add(&fake{name: "a", log: &log}, &fake{name: "b", log: &log, neverUp: true}, &fake{name: "c", log: &log})
	err := g.Start(context.Background())
	if err == nil {
		t.Fatal("want error for component that never becomes ready")
	}
	want := []string{"start a", "start b", "stop b", "stop a"}
	if !reflect.DeepEqual(log, want) {
		t.Errorf("got %v want %v", log, want)
	}
}
