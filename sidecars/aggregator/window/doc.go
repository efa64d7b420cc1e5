// Package window is the aggregator's pure logic: event-time windows,
// sessions and profile deltas for one input partition, with no Kafka in
// sight. Everything here is deterministic: the same events in the same order
// give the same records, byte for byte, which is what lets the aggregator
// replay a partition after a crash and match what it would have emitted.
//
// # Time
//
// Event time (UserEvent.event_time, ms) drives everything. A partition's
// stream time is the largest event time it has accepted. Windows are aligned
// to the Unix epoch: window k covers [k·Advance, k·Advance+Size). With
// Advance == Size (the default, 30 s) they are tumbling; a smaller Advance
// that divides Size makes them hop, and each event counts in Size/Advance
// windows.
//
// Time is cut into panes of Advance: [k·Advance, (k+1)·Advance). A window is
// a run of Size/Advance panes. A pane closes when stream time reaches its end
// plus Grace, and so does a window (its last pane's end is its end). An event
// is late when its pane has closed: it then counts nowhere and the caller
// sends it to the dead-letter topic. Otherwise every window holding it is
// still open, so an event counts in all of its windows or in none.
//
// With 30 s tumbling windows and 10 s grace: the window [0 s, 30 s) accepts
// events while stream time is below 40 s and emits its record as soon as an
// event at 40 s or later arrives; an event at 29.999 s that arrives after
// that is late.
//
// # Records
//
// A closed window gives one BehaviorAggregate per user that had an event in
// it. A closed pane gives one ProfileUpdate per user: deltas to add to the
// stored profile. Panes and windows coincide with tumbling windows; with
// hopping windows the profile is fed per pane so every event adds to the
// profile exactly once.
//
// A session (keyed by user and session_id) is updated by every accepted
// event and re-emitted as an upsert by FlushSessions, at most once per flush.
// It ends once the pane holding last_event_at + SessionTimeout has closed:
// by then any event that could still extend it would be late. The final
// record carries ended = true; an event with the same session_id after that
// (a new visit after inactivity) starts a new session.
//
// Float sums run in log order and cart_value sums in item-id order, so they
// are reproducible. Money in ProfileUpdate is converted per event to minor
// units of the event's currency (ISO 4217 exponent, 2 when unknown) from the
// shortest decimal form of the price and rounded half away from zero.
//
// # Behaviour score
//
// behavior_score = Σ weight(type) × count(type) over the window, with
// DefaultWeights: page view 0.1, click 0.5, search 0.5, cart remove 0.5,
// product view 1, cart add 3, purchase 5. UNKNOWN events count for
// first/last event time, item ids and sessions, but carry no weight.
//
// # Bounds
//
// A window tracks at most MaxDistinctItems distinct items, per-category maps
// hold at most MaxCategories categories, a cart MaxCartItems items and a
// session the prices of MaxSessionPrices items, so one user's state, and
// its changelog record, stays far below Kafka's record size whatever a
// crawler sends.
//
// # State
//
// Changelog emits the changed state as compact, versioned binary records
// (key "u"+user_id, and "m" for stream time and input position); Restore and
// FinishRestore rebuild a Partition from them. Commit does FlushSessions and
// Changelog in one pass, writing each user's record right after its
// session's upsert, while that state is still in cache.
//
// # Emitters
//
// An Emitter receives records with Go maps for the per-key fields. An
// emitter that only encodes them can implement CountsEmitter and receive
// those fields as Counts, views of the state's own ordered counters, which
// spares building and iterating the maps for every record.
package window
