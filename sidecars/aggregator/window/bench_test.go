package window

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// discard is an Emitter that drops every record.
type discard struct{}

func (discard) Aggregate(*avro.BehaviorAggregate) error { return nil }
func (discard) Profile(*avro.ProfileUpdate) error       { return nil }
func (discard) Session(*avro.SessionFeatures) error     { return nil }

// BenchmarkPartitionSparse is the window state's share of the aggregator's
// sparse benchmark workload: 20,000 users over 600 s of event time (about
// one event per user and window), product-view heavy, every event priced,
// with a commit (session upserts and changelog) every 6,000 events as at
// 60,000 events/s and a 100 ms commit interval. One op is one event.
//
//	go test -run '^$' -bench PartitionSparse -benchmem ./sidecars/aggregator/window/
func BenchmarkPartitionSparse(b *testing.B) {
	const (
		users       = 20000
		spanMS      = 600_000
		n           = 400_000
		commitEvery = 6000
	)
	r := rand.New(rand.NewPCG(42, 7))
	types := []avro.EventType{avro.EventProductView, avro.EventProductView, avro.EventProductView, avro.EventProductView,
		avro.EventPageView, avro.EventClick, avro.EventAddToCart, avro.EventPurchase, avro.EventSearch}
	cats := []string{"electronics.smartphone", "appliances.kitchen", "computers.notebook", "apparel.shoes", "furniture.sofa"}
	// Ids are shared strings, as the aggregator's decoder interns item ids
	// and the state keeps user and session ids once.
	userIDs, items := make([]string, users), make([]string, 5000)
	for i := range userIDs {
		userIDs[i] = "u" + strconv.Itoa(i)
	}
	for i := range items {
		items[i] = strconv.Itoa(i)
	}
	evs := make([]Event, n)
	for i := range evs {
		u := userIDs[r.IntN(users)]
		it, c := items[r.IntN(len(items))], cats[r.IntN(len(cats))]
		e := ev(u, u+"-s", types[r.IntN(len(types))], int64(i)*spanMS/n, item(it), cat(c),
			price(float64(r.IntN(100000))/100), currency("USD"))
		pe, err := Prepare(e)
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = pe
	}
	var sink []byte
	commit := func(p *Partition) {
		if err := p.Commit(discard{}, func(k, v []byte) error { sink = append(sink[:0], v...); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var p *Partition
	for i := 0; b.Loop(); i++ {
		if i%n == 0 {
			p, _ = NewPartition(DefaultSpec(), DefaultWeights())
		}
		if _, err := p.Add(evs[i%n], discard{}); err != nil {
			b.Fatal(err)
		}
		if i%commitEvery == commitEvery-1 {
			commit(p)
		}
	}
}
