package window

import (
	"fmt"
	"math"
)

// Weights are the per-event-type weights of the behaviour score:
//
//	score = Σ weight(type) × count(type)
//
// over the window's events. A plain weighted sum keeps every score
// explainable: each event type's contribution is its count times its weight.
type Weights struct {
	PageView    float64
	ProductView float64
	Click       float64
	Search      float64
	CartAdd     float64
	CartRemove  float64
	Purchase    float64
}

// DefaultWeights orders the event types by the purchase intent they show:
// browsing a page says least, looking at a product or searching says more,
// touching the cart much more, buying most. A cart removal still shows an
// engaged shopper, so it weighs as a click rather than subtracting.
func DefaultWeights() Weights {
	return Weights{
		PageView:    0.1,
		ProductView: 1,
		Click:       0.5,
		Search:      0.5,
		CartAdd:     3,
		CartRemove:  0.5,
		Purchase:    5,
	}
}

// Validate refuses negative or non-finite weights, which would break the
// schema's promise of a non-negative score.
func (w Weights) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"page_view", w.PageView}, {"product_view", w.ProductView}, {"click", w.Click}, {"search", w.Search},
		{"cart_add", w.CartAdd}, {"cart_remove", w.CartRemove}, {"purchase", w.Purchase},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("%w: %s weight is %v, want a finite non-negative number", ErrInvalidWeights, f.name, f.v)
		}
	}
	return nil
}

// byType lays the weights out in event-type index order.
func (w Weights) byType() [numTypes]float64 {
	var out [numTypes]float64
	out[typePageView] = w.PageView
	out[typeProductView] = w.ProductView
	out[typeClick] = w.Click
	out[typeCartAdd] = w.CartAdd
	out[typeCartRemove] = w.CartRemove
	out[typePurchase] = w.Purchase
	out[typeSearch] = w.Search
	return out
}

// Score is the behaviour score of the given per-type counts, in the order
// page views, product views, clicks, cart adds, cart removes, purchases,
// searches.
func (w Weights) score(counts *[numTypes]int64) float64 {
	wt := w.byType()
	var s float64
	for i := 0; i < numTypes; i++ {
		s += wt[i] * float64(counts[i])
	}
	return s
}
