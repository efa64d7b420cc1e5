package loadgen

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// The synthetic catalog and traffic mix. Shares are per step of a session;
// a real storefront is mostly views, with a thin tail of carts and orders.
var (
	categories = []string{"electronics/phones", "electronics/laptops", "home/kitchen", "home/furniture",
		"apparel/shoes", "apparel/jackets", "beauty/skincare", "toys/games", "sports/cycling", "books/fiction"}
	brands      = []string{"Acme", "Fleetfoot", "Northwind", "Globex", "Initech", "Umbrella", "Soylent", "Hooli"}
	storefronts = []string{"web-us", "web-de", "app-ios", "app-android"}
	userAgents  = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		"Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
	}
	searches = []string{"running shoes", "usb-c charger", "rain jacket", "espresso machine", "board game", "sofa"}
)

type item struct {
	id, category, brand, pageURL string
	price                        float64
	priceText                    string // formatted once: per event it was a visible share of building a body
}

// shopper is one session in progress.
type shopper struct {
	user, session, storefront, ua string
	cart                          []int // catalog indexes
	viewed                        int   // last viewed item, -1 before any
	steps                         int
}

// synthetic is a population of concurrent sessions, each a small Markov
// chain: land, browse and search, view items (Zipf popularity), click,
// add to and remove from the cart, and sometimes buy what is in it.
type synthetic struct {
	r        *rand.Rand
	items    []item
	zipf     *rand.Zipf
	users    int
	sessions []*shopper
	orders   int
}

func newSynthetic(seed int64, worker, users, items int) *synthetic {
	return newSyntheticFrom(newCatalog(seed, items), seed, worker, users)
}

// newCatalog builds the items every worker shares (read-only): building
// them per worker cost more CPU than a short benchmark's requests.
func newCatalog(seed int64, n int) []item {
	cat := rand.New(rand.NewPCG(uint64(seed), 0))
	items := make([]item, n)
	for i := range items {
		id := "sku-" + strconv.Itoa(i)
		items[i] = item{id: id, category: categories[cat.IntN(len(categories))],
			brand: brands[cat.IntN(len(brands))], price: math.Round((2+cat.ExpFloat64()*40)*100) / 100,
			pageURL: "https://shop.example/p/" + id}
		items[i].priceText = strconv.FormatFloat(items[i].price, 'f', -1, 64)
	}
	return items
}

func newSyntheticFrom(items []item, seed int64, worker, users int) *synthetic {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(worker)))
	s := &synthetic{r: r, users: users, items: items}
	s.zipf = rand.NewZipf(r, 1.1, 4, uint64(len(items)-1))
	s.sessions = make([]*shopper, 256)
	for i := range s.sessions {
		s.sessions[i] = s.newShopper()
	}
	return s
}

func (s *synthetic) newShopper() *shopper {
	var sid event
	sid.newID(s.r)
	return &shopper{
		user: "u-" + strconv.Itoa(s.r.IntN(s.users)), session: string(sid.id[:]),
		storefront: storefronts[s.r.IntN(len(storefronts))], ua: userAgents[s.r.IntN(len(userAgents))], viewed: -1,
	}
}

func (s *synthetic) next(e *event, nowMS int64) {
	slot := s.r.IntN(len(s.sessions))
	sh := s.sessions[slot]
	*e = event{user: sh.user, session: sh.session, timeMS: nowMS, storefront: sh.storefront, userAgent: sh.ua}
	e.newID(s.r)
	sh.steps++
	p := s.r.Float64()
	switch {
	case sh.steps == 1:
		e.typ, e.pageURL = "PAGE_VIEW", "https://shop.example/"
	case p < 0.12:
		e.typ, e.query = "SEARCH", searches[s.r.IntN(len(searches))]
		e.pageURL = "https://shop.example/search"
	case p < 0.60 || sh.viewed < 0:
		sh.viewed = int(s.zipf.Uint64())
		s.itemEvent(e, "PRODUCT_VIEW", sh.viewed)
	case p < 0.78:
		s.itemEvent(e, "CLICK", sh.viewed)
	case p < 0.88:
		sh.cart = append(sh.cart, sh.viewed)
		s.itemEvent(e, "ADD_TO_CART", sh.viewed)
		e.quantity = 1 + int32(s.r.IntN(2))
	case p < 0.91 && len(sh.cart) > 0:
		i := s.r.IntN(len(sh.cart))
		s.itemEvent(e, "REMOVE_FROM_CART", sh.cart[i])
		e.quantity = 1
		sh.cart = append(sh.cart[:i], sh.cart[i+1:]...)
	case p < 0.95 && len(sh.cart) > 0:
		// One PURCHASE per cart line, all under one order; the session ends.
		s.orders++
		s.itemEvent(e, "PURCHASE", sh.cart[0])
		e.quantity, e.orderID = 1, "o-"+sh.session[:8]+"-"+strconv.Itoa(s.orders)
		sh.cart = sh.cart[1:]
		if len(sh.cart) == 0 {
			s.sessions[slot] = s.newShopper()
		}
	case p < 0.97:
		s.sessions[slot] = s.newShopper() // the shopper leaves
		s.itemEvent(e, "PRODUCT_VIEW", sh.viewed)
	default:
		sh.viewed = int(s.zipf.Uint64())
		s.itemEvent(e, "PRODUCT_VIEW", sh.viewed)
	}
}

func (s *synthetic) itemEvent(e *event, typ string, idx int) {
	it := &s.items[idx]
	e.typ, e.item, e.category, e.brand = typ, it.id, it.category, it.brand
	e.price, e.priceText, e.hasPrice, e.currency = it.price, it.priceText, true, "USD"
	e.pageURL = it.pageURL
}
