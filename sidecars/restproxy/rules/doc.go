// Package rules is the edge-rule engine of the REST proxy: an ordered list of
// rules, each a CEL expression (github.com/google/cel-go) over the event and
// its request, or a built-in check, with an action: drop the event, send it
// to the dead-letter topic (dlq), or tag it and let it through.
//
// # Rule file
//
//	rules:
//	  - name: duplicate-event          # unique; the metrics label
//	    builtin: duplicate_event_id    # idempotency window on event_id
//	    window: 10m
//	    action: drop
//	  - name: negative-price
//	    when: has(event.price) && event.price < 0.0
//	    action: dlq
//	    reason: price below zero
//	  - name: campaign
//	    when: '"utm_campaign" in event.attributes'
//	    action: tag
//	    tags: {campaign: "true"}
//
// Rules run in file order. The first drop or dlq match decides; tag matches
// before it accumulate tags. A rule with both builtin and when applies the
// builtin only to events for which when is true.
//
// In expressions, event is the decoded record as a map: null fields are
// absent (test them with has()), ints and longs are int, enums are strings,
// maps are maps. request holds api ("v2", "v3", "sdk"), user_agent,
// remote_addr, origin, principal (the API key's storefront), content_type
// and received_ms. Helpers: is_bot(string) applies the built-in bot
// user-agent patterns, is_uuid(string) checks the RFC 4122 text form. An
// expression that fails at run time (a missing key without has()) does not
// match and is counted in retailpulse_restproxy_rule_errors_total.
//
// # Built-ins
//
//   - duplicate_event_id (window, default 10m; capacity, default 1000000):
//     an event_id already stored within the window. The first copy is
//     remembered only once Kafka acknowledged it (see Decision.Settle), so a
//     failed write never makes its retry look like a duplicate.
//   - repeated_click (window, default 1s; event_types, default [CLICK];
//     capacity): the same user, item and event type again within window of
//     event time.
//   - bot_user_agent (patterns, default BotPatterns): the event's
//     user_agent, or the request's when the event has none, contains one of
//     the patterns (case-insensitive).
//   - missing_ids: event_id, user_id or session_id empty or absent; item_id
//     absent on an event type about an item; order_id absent on PURCHASE.
//
// # Reloading
//
// A Set built with Load watches its file and swaps in a new rule list when
// the file changes. A file that does not parse or compile is refused with its
// line and reason, and the previous rules keep running. State of built-ins
// (seen event ids, last clicks) survives reloads for rules that keep their
// name and builtin.
package rules
