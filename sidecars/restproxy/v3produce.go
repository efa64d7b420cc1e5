package restproxy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/internal/httpx"
)

// streamDepth bounds the records of one stream that are in Kafka's hands
// but not yet reported; reading pauses beyond it.
const streamDepth = 4096

func (p *Proxy) handleV3Produce(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	topic, aerr := p.v3Target(r)
	if aerr != nil {
		writeError(w, contentTypeV3, aerr)
		return
	}
	if r.ContentLength < 0 {
		p.v3Stream(w, r, topic)
		return
	}
	src, aerr := p.readBody(w, r)
	if aerr != nil {
		writeError(w, contentTypeV3, aerr)
		return
	}
	docs, text, err := p.splitBody(src, topic.name)
	if err != nil {
		writeError(w, contentTypeV3, errBadRequest("%v", err))
		return
	}
	recs := make([]inRecord, len(docs))
	for i := range docs {
		path := "record"
		if len(docs) > 1 {
			path = "records[" + strconv.Itoa(i) + "]"
		}
		recs[i] = p.v3Record(r.Context(), topic.name, &docs[i], path, received, false)
	}
	b := newBatch(topic, src, recs, nil)
	b.describe(r, "v3", received)
	b.key, b.text = apiKeyOf(r.Context()), text
	if err := p.process(r.Context(), b); err != nil {
		if !errors.Is(err, context.Canceled) {
			writeError(w, contentTypeV3, asAPIError(err))
		}
		return
	}
	if len(docs) == 1 {
		// A single record answers with its own status, as upstream does.
		if e := b.results[0].err; e != nil {
			writeError(w, contentTypeV3, e)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, contentTypeV3, p.reportOf(b, 0))
		return
	}
	// Several concatenated records in one plain body: answer as a stream.
	w.Header().Set("Content-Type", contentTypeV3)
	enc := json.NewEncoder(w)
	for i := range b.results {
		_ = enc.Encode(p.reportOf(b, i))
	}
}

type streamItem struct {
	b *batch
	f *flight
}

// v3Stream serves streaming mode: records arrive as concatenated JSON on a
// chunked request and each gets a delivery report, in order, on the
// response, which stays 200 (callers check each error_code). Reading and
// reporting run concurrently, so the client can pipeline; streamDepth and
// the in-flight budget bound what one stream can hold.
func (p *Proxy) v3Stream(w http.ResponseWriter, r *http.Request, topic topicInfo) {
	rc := http.NewResponseController(w)
	if err := rc.EnableFullDuplex(); err != nil {
		p.log.Debug("full duplex unavailable; responses may wait for the request to end", zap.Error(err))
	}
	w.Header().Set("Content-Type", contentTypeV3)
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()

	queue := make(chan streamItem, streamDepth)
	written := make(chan struct{})
	go func() {
		defer close(written)
		var line []byte
		broken := false
		for it := range queue {
			// Every queued flight is awaited, even after the client left,
			// so budget and duplicate claims are always released.
			_ = p.await(context.Background(), it.b, it.f)
			if broken {
				continue
			}
			rep := p.reportOf(it.b, 0)
			line = append(rep.appendJSON(line[:0]), '\n')
			if _, err := w.Write(line); err != nil {
				broken = true
				continue
			}
			if len(queue) == 0 {
				if err := rc.Flush(); err != nil {
					broken = true
				}
			}
		}
	}()
	defer func() {
		close(queue)
		<-written
	}()

	split := newJSONSplitter(r.Body, int(p.cfg.bodyLimit))
	apiKey := apiKeyOf(r.Context())
	for n := 0; ; n++ {
		raw, err := split.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			// The stream cannot be resynchronised after a framing error:
			// report it as the next record and end.
			var aerr *apiError
			switch {
			case errors.Is(err, errValueTooLarge):
				aerr = newAPIError(http.StatusRequestEntityTooLarge, codeTooLarge, "records[%d]: %v", n, err)
			case errors.Is(err, io.ErrUnexpectedEOF):
				aerr = errBadRequest("records[%d]: stream ended inside a JSON value", n)
			default:
				return // the client went away
			}
			queue <- streamItem{b: failedBatch(topic, aerr)}
			return
		}
		received := time.Now()
		src := append([]byte(nil), raw...)
		path := "records[" + strconv.Itoa(n) + "]"
		doc, text, pre, perr := p.parseBody(src, topic.name, lazyV3Record, true)
		var rec inRecord
		if perr != nil {
			rec = inRecord{path: path, err: errBadRequest("%s: %v", path, perr)}
		} else {
			rec = p.v3Record(r.Context(), topic.name, &doc, path, received, false)
		}
		b := newBatch(topic, src, []inRecord{rec}, nil)
		b.describe(r, "v3", received)
		b.key, b.text = apiKey, text
		b.usePreconv(pre)
		f, serr := p.submit(r.Context(), b)
		if serr != nil {
			b.results[0] = result{partition: -1, offset: -1, err: asAPIError(serr), outcome: outcomeFailed}
		}
		queue <- streamItem{b: b, f: f}
	}
}

func failedBatch(topic topicInfo, e *apiError) *batch {
	b := newBatch(topic, nil, []inRecord{{err: e}}, nil)
	b.results[0] = result{partition: -1, offset: -1, err: e, outcome: outcomeInvalid}
	return b
}

// handleV3Batch serves records:batch: every entry is produced and the
// answer is 207 with {"successes":[...],"failures":[...]} of v3 reports.
func (p *Proxy) handleV3Batch(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	topic, aerr := p.v3Target(r)
	if aerr != nil {
		writeError(w, contentTypeV3, aerr)
		return
	}
	src, aerr := p.readBody(w, r)
	if aerr != nil {
		writeError(w, contentTypeV3, aerr)
		return
	}
	doc, text, pre, err := p.parseBody(src, topic.name, lazyV3Entries, true)
	if err != nil {
		writeError(w, contentTypeV3, errBadRequest("%v", err))
		return
	}
	entries, ok := doc.member("entries")
	switch {
	case doc.kind != jsonObject || !ok || entries.kind != jsonArray:
		writeError(w, contentTypeV3, errUnprocessable(codeBatch, "Batch must be an object with an entries array"))
		return
	case len(entries.members) == 0:
		writeError(w, contentTypeV3, errUnprocessable(codeBatch, "Batch is empty"))
		return
	case len(entries.members) > p.cfg.maxBatchEntries:
		writeError(w, contentTypeV3, errUnprocessable(codeBatch, "Batch has %d entries, more than the maximum of %d",
			len(entries.members), p.cfg.maxBatchEntries))
		return
	}
	recs := make([]inRecord, len(entries.members))
	paths := indexedPaths("entries", len(recs))
	ids := make(map[string]int, len(recs))
	for i := range entries.members {
		e := &entries.members[i].value
		idv, ok := e.member("id")
		if e.kind != jsonObject || !ok || idv.kind != jsonString || idv.s == "" {
			writeError(w, contentTypeV3, errUnprocessable(codeBatch, "entries[%d] needs a non-empty string id", i))
			return
		}
		if prev, dup := ids[idv.s]; dup {
			writeError(w, contentTypeV3, errUnprocessable(codeBatch, "entries[%d] repeats the id %q of entries[%d]; ids must be distinct", i, idv.s, prev))
			return
		}
		ids[idv.s] = i
		recs[i] = p.v3Record(r.Context(), topic.name, e, paths[i], received, true)
		recs[i].id = idv.s
	}
	b := newBatch(topic, src, recs, nil)
	b.describe(r, "v3", received)
	b.key, b.text = apiKeyOf(r.Context()), text
	b.usePreconv(pre)
	if err := p.process(r.Context(), b); err != nil {
		if !errors.Is(err, context.Canceled) {
			writeError(w, contentTypeV3, asAPIError(err))
		}
		return
	}
	// {"successes":[...],"failures":[...]}, each report in entry order.
	ref := answerBufs.Get().(*[]byte)
	buf := (*ref)[:0]
	rep := new(v3Report)
	for pass, open := range []string{`{"successes":[`, `],"failures":[`} {
		buf = append(buf, open...)
		n := 0
		for i := range b.results {
			if (b.results[i].err != nil) != (pass == 1) {
				continue
			}
			if n++; n > 1 {
				buf = append(buf, ',')
			}
			p.fillReport(rep, b, i)
			buf = rep.appendJSON(buf)
		}
	}
	buf = append(buf, "]}\n"...)
	h := w.Header()
	h.Set("Content-Type", contentTypeV3)
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(buf)
	if cap(buf) <= maxPooledAnswer {
		*ref = buf
		answerBufs.Put(ref)
	}
}

// splitBody is splitJSONValues with the event values of the event topic
// left lazy (see parseBody).
func (p *Proxy) splitBody(src []byte, topic string) ([]jsonValue, string, error) {
	if topic != p.cfg.eventTopic {
		docs, err := splitJSONValues(src)
		return docs, "", err
	}
	return splitJSONValuesLazy(src, lazyV3Record)
}
