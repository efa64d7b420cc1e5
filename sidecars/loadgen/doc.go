// Package loadgen drives realistic shopper sessions into the REST proxy at a
// target rate and reports the achieved rate and latency percentiles, with a
// live progress line. It is the logic behind `retailpulse loadgen`.
//
// Sessions come from a synthetic shopper model (browse, search, view,
// click, cart, buy, with a skewed item popularity) or from a replay of the
// REES46 clickstream slice in ../shared/data, whose view/cart/purchase rows
// become PRODUCT_VIEW/ADD_TO_CART/PURCHASE events with their real users,
// sessions, categories, brands and prices, shifted to the present.
//
// Requests go to one of three APIs: REST Proxy v2 (Avro JSON with tagged
// unions, as any upstream client sends), v3 (single records, or
// records:batch), or the SDK path (plain JSON). Every request is paced from
// a global schedule, and latency is measured from the moment a request was
// due rather than when it was sent, so a stalled proxy shows up in the
// percentiles instead of silently lowering the offered rate (coordinated
// omission).
//
// The generator shares the machine with what it measures, so it is kept
// cheap: on Linux, plain-HTTP runs drive their keep-alive connections from
// epoll loops (evloop_linux.go) that write each request once, read each
// answer once and sweep for timeouts instead of arming a deadline per
// request; https and other systems use a goroutine per connection
// (client.go).
package loadgen
