package window

import "github.com/retailpulse/retailpulse/schema-registry/avro"

// Counts is a read-only view of per-key counts in the order the keys were
// first counted. It is valid only during the Emitter call that received it.
type Counts struct {
	Keys   []string
	Values []int64
}

// Len returns the number of keys.
func (c Counts) Len() int { return len(c.Keys) }

// Int32 returns the i-th value saturated to int32, as the records' int32
// map fields hold it.
func (c Counts) Int32(i int) int32 { return clamp32(c.Values[i]) }

// CountsEmitter is an Emitter that takes the map fields of the records as
// Counts. A Partition hands it records whose map fields (category views,
// clicks and purchases, cart items, session categories) are nil and passes
// their contents alongside instead: an emitter that only encodes the
// records, as the aggregator's does, thus spares building six maps per
// closed window and flushed session and iterating them again. Each map
// field holds exactly what the corresponding Counts hold, int32 fields
// saturated as Counts.Int32 does.
type CountsEmitter interface {
	Emitter
	AggregateCounts(a *avro.BehaviorAggregate, categoryViews, categoryClicks Counts) error
	ProfileCounts(p *avro.ProfileUpdate, categoryViews, categoryPurchases Counts) error
	SessionCounts(s *avro.SessionFeatures, cartItems, categories Counts) error
}

func countsOf(c *counter[int64]) Counts { return Counts{Keys: c.keys, Values: c.vals} }

// emitAggregate hands the filled aggregate of b to out.
func (p *Partition) emitAggregate(out Emitter, b *behavior, user string) error {
	ce, views := out.(CountsEmitter)
	b.fill(&p.rec.agg, &p.rec, user, p.s.size, &p.w, !views)
	if views {
		return ce.AggregateCounts(&p.rec.agg, countsOf(&b.catViews), countsOf(&b.catClicks))
	}
	return out.Aggregate(&p.rec.agg)
}

func (p *Partition) emitProfile(out Emitter, pn *profile, user string) error {
	ce, views := out.(CountsEmitter)
	pn.fill(&p.rec.prof, &p.rec, user, p.s.adv, !views)
	if views {
		return ce.ProfileCounts(&p.rec.prof, countsOf(&pn.catViews), countsOf(&pn.catPurchases))
	}
	return out.Profile(&p.rec.prof)
}

func (p *Partition) emitSession(out Emitter, s *session, user string, ended bool) error {
	ce, views := out.(CountsEmitter)
	s.fill(&p.rec.sess, &p.rec, user, ended, !views)
	if views {
		return ce.SessionCounts(&p.rec.sess, countsOf(&s.cart), countsOf(&s.cats))
	}
	return out.Session(&p.rec.sess)
}
