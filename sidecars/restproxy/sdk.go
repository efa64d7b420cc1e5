package restproxy

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

type sdkError struct {
	Index     int    `json:"index"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

type sdkResponse struct {
	Accepted     int        `json:"accepted"`
	Dropped      int        `json:"dropped"`
	DeadLettered int        `json:"dead_lettered"`
	Errors       []sdkError `json:"errors"`
}

// handleSDK takes events from the storefront SDK: plain JSON UserEvents
// (untagged unions, RFC 3339 or epoch-millis times), one event, an array, or
// {"events": [...]}. It accepts text/plain so that navigator.sendBeacon and
// fetch with keepalive post without a CORS preflight, and fills in what the
// browser cannot be trusted to send: storefront from the API key and
// user_agent from the request when the event has none.
func (p *Proxy) handleSDK(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	if aerr := p.sdk(w, r, received); aerr != nil {
		writeError(w, "", aerr)
	}
}

func (p *Proxy) sdk(w http.ResponseWriter, r *http.Request, received time.Time) *apiError {
	switch ct := mediaType(r); ct {
	case "", "text/plain", "application/json":
	default:
		return newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"HTTP 415 Unsupported Media Type: %q; the SDK path takes text/plain or application/json", ct)
	}
	if aerr := p.mayProduce(r.Context(), p.cfg.eventTopic); aerr != nil {
		return aerr
	}
	topic, ok := p.meta.topic(r.Context(), p.cfg.eventTopic)
	if !ok {
		return errTopicPartitionNotFound(p.cfg.eventTopic)
	}
	src, aerr := p.readBody(w, r)
	if aerr != nil {
		return aerr
	}
	doc, err := parseJSONText(src, frozenText(src))
	if err != nil {
		return errBadRequest("%v", err)
	}
	events := []*jsonValue{&doc}
	switch {
	case doc.kind == jsonArray:
		events = doc.elems()
	case doc.kind == jsonObject:
		if list, ok := doc.member("events"); ok && len(doc.members) == 1 {
			if list.kind != jsonArray {
				return errBadRequest("events must be an array, got %s", list.describe())
			}
			events = list.elems()
		}
	default:
		return errBadRequest("Body must be an event, an array of events or {\"events\": [...]}, got %s", doc.describe())
	}
	if len(events) == 0 {
		return errUnprocessable(codePayload, "Payload error. No events in the request.")
	}
	key := apiKeyOf(r.Context())
	recs := make([]inRecord, len(events))
	paths := indexedPaths("events", len(events))
	for i, ev := range events {
		var fastText []byte
		if ev.kind == jsonObject {
			var storefront string
			if key != nil {
				storefront = key.Storefront
			}
			fastText = sdkText(src, ev, storefront, r.UserAgent())
			fillMember(ev, "storefront", storefront)
			fillMember(ev, "user_agent", r.UserAgent())
		}
		recs[i] = inRecord{path: paths[i], value: ev, partition: kafka.PartitionAny,
			keySpec: partSpec{format: fmtString}, valueSpec: partSpec{format: fmtJSON}, timestamp: received, fastText: fastText}
	}
	b := newBatch(topic, src, recs, nil)
	b.describe(r, "sdk", received)
	b.key = key
	if err := p.process(r.Context(), b); err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return asAPIError(err)
	}
	resp := sdkResponse{Errors: []sdkError{}}
	for i := range b.results {
		res := &b.results[i]
		switch {
		case res.err != nil:
			resp.Errors = append(resp.Errors, sdkError{Index: i, ErrorCode: res.err.code, Message: res.err.msg})
		case res.outcome == outcomeDropped:
			resp.Dropped++
		case res.outcome == outcomeDLQ:
			resp.DeadLettered++
		default:
			resp.Accepted++
		}
	}
	status, first := statusOf(b.results)
	if first != nil && first.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(first.retryAfter))
	}
	httpx.WriteJSON(w, status, "", resp)
	return nil
}

// sdkText is the text of event obj as fillMember will complete it with
// storefront and userAgent, for the event fast path: the event's own text
// when nothing is missing, or that text with the missing members put in
// front (a record's encoding does not depend on member order). It is nil
// when a member to fill is present as null, which the general converter
// handles.
func sdkText(src []byte, obj *jsonValue, storefront, userAgent string) []byte {
	var fill [2]struct{ name, val string }
	n := 0
	for _, f := range [...]struct{ name, val string }{{"storefront", storefront}, {"user_agent", userAgent}} {
		if strings.TrimSpace(f.val) == "" {
			continue
		}
		if m, ok := obj.member(f.name); ok {
			if m.kind == jsonNull {
				return nil
			}
			continue
		}
		fill[n] = f
		n++
	}
	text := src[obj.start:obj.end]
	if n == 0 {
		return text
	}
	out := make([]byte, 0, len(text)+64+len(storefront)+len(userAgent))
	out = append(out, '{')
	for i, f := range fill[:n] {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, f.name)
		out = append(out, ':')
		out = appendJSONString(out, f.val)
	}
	if len(obj.members) > 0 {
		out = append(out, ',')
	}
	return append(out, text[1:]...)
}

// fillMember sets obj.name to the string val when it is absent or null.
// The added value has an empty span: the dead-letter copy of the event
// stays byte-for-byte what the browser sent.
func fillMember(obj *jsonValue, name, val string) {
	if strings.TrimSpace(val) == "" {
		return
	}
	if m, ok := obj.member(name); ok {
		if m.kind == jsonNull {
			*m = jsonValue{kind: jsonString, s: val}
		}
		return
	}
	obj.members = append(obj.members, jsonMember{name: name, value: jsonValue{kind: jsonString, s: val}})
}
