package connect

import (
	"encoding/json"
	"errors"
	"sync"

	"go.uber.org/zap"

	"github.com/retailpulse/retailpulse/connectors"
)

// sourceOffset is one entry of connect-offsets.
type sourceOffset struct {
	partition map[string]any
	offset    map[string]any
}

// offsetView applies connect-offsets records: keys are JSON arrays
// ["<connector>", {partition}], values JSON objects or null.
type offsetView struct {
	mu sync.Mutex
	by map[string]map[string]sourceOffset // connector -> canonical partition -> offset
}

func newOffsetView() *offsetView { return &offsetView{by: map[string]map[string]sourceOffset{}} }

func (v *offsetView) apply(key, value []byte, log *zap.Logger) {
	var k []json.RawMessage
	if err := json.Unmarshal(key, &k); err != nil || len(k) != 2 {
		log.Warn("ignoring offset record with malformed key", zap.ByteString("key", key), zap.Error(errOr(err, "want [name, partition]")))
		return
	}
	var name string
	var part map[string]any
	if err := json.Unmarshal(k[0], &name); err != nil {
		log.Warn("ignoring offset record with malformed key", zap.ByteString("key", key), zap.Error(err))
		return
	}
	if err := json.Unmarshal(k[1], &part); err != nil {
		log.Warn("ignoring offset record with malformed key", zap.ByteString("key", key), zap.Error(err))
		return
	}
	pk := connectors.OffsetKey(part)
	v.mu.Lock()
	defer v.mu.Unlock()
	if value == nil {
		delete(v.by[name], pk)
		return
	}
	var off map[string]any
	if err := json.Unmarshal(value, &off); err != nil {
		log.Warn("ignoring offset record with malformed value", zap.ByteString("key", key), zap.Error(err))
		return
	}
	if v.by[name] == nil {
		v.by[name] = map[string]sourceOffset{}
	}
	v.by[name][pk] = sourceOffset{partition: part, offset: off}
}

func (v *offsetView) of(name string) []sourceOffset {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]sourceOffset, 0, len(v.by[name]))
	for _, k := range connectors.SortedKeys(v.by[name]) {
		out = append(out, v.by[name][k])
	}
	return out
}

func (v *offsetView) get(name string, partitions []map[string]any) map[string]map[string]any {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]map[string]any{}
	for _, p := range partitions {
		k := connectors.OffsetKey(p)
		if so, ok := v.by[name][k]; ok {
			out[k] = so.offset
		}
	}
	return out
}

// offsetKey renders the connect-offsets key of a source partition.
func offsetKey(name string, partition map[string]any) ([]byte, error) {
	return json.Marshal([]any{name, partition})
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}
