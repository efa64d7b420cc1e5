package window

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

func TestToMinor(t *testing.T) {
	cases := []struct {
		price float64
		qty   int64
		exp   int
		want  int64
		ok    bool
	}{
		{19.99, 1, 2, 1999, true},
		{19.99, 3, 2, 5997, true},
		{0.285, 1, 2, 29, true}, // binary 0.28499999…: the decimal rounds half up
		{0.125, 1, 2, 13, true}, // exactly half: away from zero
		{1.005, 1, 2, 101, true},
		{0.124, 1, 2, 12, true},
		{1234.5, 1, 0, 1235, true}, // JPY-like
		{1234.4, 2, 0, 2469, true},
		{1.2345, 1, 3, 1235, true}, // KWD-like
		{35.79, 1, 4, 357900, true},
		{0, 5, 2, 0, true},
		{1e-30, 1, 2, 0, true},                 // slow path, rounds to zero
		{92233720368547758.07, 1, 2, 0, false}, // > int64 minor units
		{1e20, 1, 2, 0, false},
		{5e18, 1, 0, 5e18, true},
	}
	for _, c := range cases {
		got, ok := toMinor(c.price, c.qty, c.exp)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("toMinor(%v, %d, %d) = %d, %v; want %d, %v", c.price, c.qty, c.exp, got, ok, c.want, c.ok)
		}
	}
}

func TestCurrencyExponent(t *testing.T) {
	for code, want := range map[string]int{"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3, "CLF": 4, "XYZ": 2} {
		if got := currencyExponent(&code); got != want {
			t.Errorf("currencyExponent(%s) = %d, want %d", code, got, want)
		}
	}
	if got := currencyExponent(nil); got != 2 {
		t.Errorf("currencyExponent(nil) = %d, want 2", got)
	}
}

func TestPrepareRefusesBadEvents(t *testing.T) {
	cases := []struct {
		name  string
		e     *avro.UserEvent
		field string
	}{
		{"empty user", ev("", "s", avro.EventPageView, 1), "user_id"},
		{"empty session", ev("u", "", avro.EventPageView, 1), "session_id"},
		{"NaN price", ev("u", "s", avro.EventProductView, 1, price(math.NaN())), "price"},
		{"negative price", ev("u", "s", avro.EventProductView, 1, price(-1)), "price"},
		{"infinite price", ev("u", "s", avro.EventProductView, 1, price(math.Inf(1))), "price"},
		{"zero quantity purchase", ev("u", "s", avro.EventPurchase, 1, qty(0)), "quantity"},
		{"negative quantity remove", ev("u", "s", avro.EventRemoveFromCart, 1, qty(-2)), "quantity"},
		{"overflowing spend", ev("u", "s", avro.EventPurchase, 1, price(1e17), qty(1000)), "price"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Prepare(c.e)
			if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("Prepare = %v, want ErrInvalidEvent naming %s", err, c.field)
			}
		})
	}
	// Quantity on a view is meaningless and ignored rather than refused.
	if _, err := Prepare(ev("u", "s", avro.EventProductView, 1, qty(0))); err != nil {
		t.Errorf("Prepare(view with quantity 0) = %v, want accepted", err)
	}
	if _, err := Prepare(nil); !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("Prepare(nil) = %v", err)
	}
}
