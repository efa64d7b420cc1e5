package broker

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"
)

// Crash recovery of transactions.
//
// When the broker dies mid-transaction, kfake's replay on the next start
// treats the transaction as aborted (its records no longer hold back the last
// stable offset) but writes no abort marker. Consumers, librdkafka's and the
// Java client's alike, skip an aborted producer's batches until they read its
// abort marker; without one they skip every later transaction of that
// producer id too, which is exactly the id a restarted aggregator gets back
// for its transactional.id. Its output would silently vanish for
// read_committed readers. Kafka never gets there because its coordinator
// writes the markers when it aborts; Start does the same here, before clients
// are let in.

// openTxn is a transaction whose records are in a partition log with no
// commit or abort marker after them.
type openTxn struct {
	topic       string
	partition   int32
	producerID  int64
	epoch       int16
	firstOffset int64
}

// scanOpenTxns reads the record batch headers of every partition log in
// kfake's data directory (partitions/<escaped topic>-<n>/<base offset>.dat,
// each file plain Kafka RecordBatches) and returns the open transactions.
func scanOpenTxns(dataDir string) ([]openTxn, error) {
	root := filepath.Join(dataDir, "partitions")
	dirs, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []openTxn
	for _, d := range dirs {
		cut := strings.LastIndexByte(d.Name(), '-')
		if !d.IsDir() || cut < 0 {
			continue
		}
		topic, err := url.PathUnescape(d.Name()[:cut])
		part, perr := strconv.ParseInt(d.Name()[cut+1:], 10, 32)
		if err != nil || perr != nil {
			continue // not a partition directory
		}
		open, err := scanPartition(filepath.Join(root, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading log of %s[%d]: %w", topic, part, err)
		}
		for _, t := range open {
			t.topic, t.partition = topic, int32(part)
			out = append(out, t)
		}
	}
	return out, nil
}

const (
	batchHeaderLen  = 61 // RecordBatch v2 fields before the records
	attrTransaction = 0x10
	attrControl     = 0x20
)

func scanPartition(dir string) (map[int64]openTxn, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var bases []int64
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".dat"); ok {
			if base, err := strconv.ParseInt(name, 10, 64); err == nil {
				bases = append(bases, base)
			}
		}
	}
	slices.Sort(bases)
	open := map[int64]openTxn{}
	for _, base := range bases {
		if err := scanSegment(filepath.Join(dir, strconv.FormatInt(base, 10)+".dat"), open); err != nil {
			return nil, err
		}
	}
	return open, nil
}

// scanSegment tracks open transactions through one segment file. A torn or
// foreign batch ends the scan of the file, as it ends kfake's load of it.
// Only headers are needed: small batches are skipped through a buffer, large
// ones by seeking past them.
func scanSegment(path string, open map[int64]openTxn) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	r := bufio.NewReaderSize(f, 64<<10)
	var h [batchHeaderLen]byte
	for pos := int64(0); pos+batchHeaderLen <= size; {
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return err
		}
		length := int64(int32(binary.BigEndian.Uint32(h[8:12])))
		end := pos + 12 + length
		if h[16] != 2 || length < batchHeaderLen-12 || end > size {
			return nil
		}
		skip := int(end - pos - batchHeaderLen)
		if skip <= r.Buffered() {
			_, _ = r.Discard(skip)
		} else {
			if _, err := f.Seek(end, io.SeekStart); err != nil {
				return err
			}
			r.Reset(f)
		}
		pos = end

		attrs := binary.BigEndian.Uint16(h[21:23])
		pid := int64(binary.BigEndian.Uint64(h[43:51]))
		switch {
		case attrs&attrControl != 0:
			delete(open, pid)
		case attrs&attrTransaction != 0:
			if _, ok := open[pid]; !ok {
				open[pid] = openTxn{
					producerID:  pid,
					epoch:       int16(binary.BigEndian.Uint16(h[51:53])),
					firstOffset: int64(binary.BigEndian.Uint64(h[0:8])),
				}
			}
		}
	}
	return nil
}

// abortCrashedTxns writes abort markers for the transactions in open that
// kfake has already treated as aborted. Transactions kfake still holds open
// (restored from a clean shutdown's snapshot) are left to its coordinator,
// which aborts them on timeout or when their producer re-initialises.
func (b *Broker) abortCrashedTxns(c *kfake.Cluster, open []openTxn) error {
	type producer struct {
		id    int64
		epoch int16
	}
	parts := map[producer]map[string][]int32{}
	n := 0
	for _, t := range open {
		info := c.PartitionInfo(t.topic, t.partition)
		if info == nil || info.LastStableOffset <= t.firstOffset {
			continue
		}
		p := producer{t.producerID, t.epoch}
		if parts[p] == nil {
			parts[p] = map[string][]int32{}
		}
		parts[p][t.topic] = append(parts[p][t.topic], t.partition)
		n++
	}
	if n == 0 {
		return nil
	}
	req := kmsg.NewPtrWriteTxnMarkersRequest()
	req.Version = 0 // roundTrip speaks only non-flexible versions
	for p, topics := range parts {
		m := kmsg.NewWriteTxnMarkersRequestMarker()
		m.ProducerID, m.ProducerEpoch, m.Committed = p.id, p.epoch, false
		for topic, ps := range topics {
			mt := kmsg.NewWriteTxnMarkersRequestMarkerTopic()
			mt.Topic, mt.Partitions = topic, ps
			m.Topics = append(m.Topics, mt)
		}
		req.Markers = append(req.Markers, m)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := b.ln.dialInternal(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	resp := req.ResponseKind().(*kmsg.WriteTxnMarkersResponse)
	if err := roundTrip(ctx, conn, req, resp); err != nil {
		return fmt.Errorf("writing abort markers: %w", err)
	}
	var errs []error
	for _, m := range resp.Markers {
		for _, t := range m.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					errs = append(errs, fmt.Errorf("writing abort marker of producer %d to %s[%d]: %w", m.ProducerID, t.Topic, p.Partition, err))
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	b.cfg.logger.Warn("aborted transactions left open by an unclean shutdown",
		zap.Int("partitions", n), zap.Int("producers", len(parts)))
	return nil
}

// roundTrip sends one non-flexible request on conn and decodes its response.
func roundTrip(ctx context.Context, conn net.Conn, req kmsg.Request, resp kmsg.Response) error {
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
	}
	const corr = 1
	buf := kmsg.NewRequestFormatter(kmsg.FormatterClientID("retailpulse-broker")).AppendRequest(nil, req, corr)
	if _, err := conn.Write(buf); err != nil {
		return fmt.Errorf("sending request: %w", err)
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if len(body) < 4 || int32(binary.BigEndian.Uint32(body)) != corr {
		return errors.New("reading response: bad correlation id")
	}
	if err := resp.ReadFrom(body[4:]); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}
