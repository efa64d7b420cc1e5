package broker

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// batch returns a RecordBatch of total size n whose header carries the
// fields scanSegment reads; the record bytes are filler.
func batch(baseOffset int64, attrs uint16, pid int64, epoch int16, n int) []byte {
	b := make([]byte, n)
	binary.BigEndian.PutUint64(b[0:8], uint64(baseOffset))
	binary.BigEndian.PutUint32(b[8:12], uint32(n-12))
	b[16] = 2
	binary.BigEndian.PutUint16(b[21:23], attrs)
	binary.BigEndian.PutUint64(b[43:51], uint64(pid))
	binary.BigEndian.PutUint16(b[51:53], uint16(epoch))
	return b
}

func TestScanOpenTxns(t *testing.T) {
	dir := t.TempDir()
	part := filepath.Join(dir, "partitions", "user-events-dlq-3")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	const txn, ctl = attrTransaction, attrTransaction | attrControl
	var seg0, seg1 []byte
	seg0 = append(seg0, batch(0, 0, -1, -1, 100)...)        // plain record
	seg0 = append(seg0, batch(1, txn, 7, 0, 300)...)        // pid 7 opens
	seg0 = append(seg0, batch(2, txn, 8, 1, 200<<10)...)    // pid 8 opens; larger than the read buffer
	seg0 = append(seg0, batch(3, txn, 7, 0, 150)...)        // pid 7 continues
	seg0 = append(seg0, batch(4, ctl, 7, 0, 80)...)         // pid 7 commits
	seg1 = append(seg1, batch(10, txn, 9, 3, 120)...)       // pid 9 opens in the next segment
	seg1 = append(seg1, batch(11, txn, 7, 1, 90)...)        // pid 7's next transaction
	seg1 = append(seg1, batch(12, txn, 5, 0, 500)[:200]...) // torn tail: kfake drops it, so must we
	for name, data := range map[string][]byte{"0.dat": seg0, "10.dat": seg1} {
		if err := os.WriteFile(filepath.Join(part, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Things that are not partition logs are ignored.
	if err := os.WriteFile(filepath.Join(dir, "partitions", "stray"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(part, "0.idx"), []byte("not a log"), 0o644); err != nil {
		t.Fatal(err)
	}

	got, err := scanOpenTxns(dir)
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int64]openTxn{}
	for _, o := range got {
		byPID[o.producerID] = o
	}
	want := map[int64]openTxn{
		7: {topic: "user-events-dlq", partition: 3, producerID: 7, epoch: 1, firstOffset: 11},
		8: {topic: "user-events-dlq", partition: 3, producerID: 8, epoch: 1, firstOffset: 2},
		9: {topic: "user-events-dlq", partition: 3, producerID: 9, epoch: 3, firstOffset: 10},
	}
	if !reflect.DeepEqual(byPID, want) {
		t.Fatalf("open transactions:\n got %+v\nwant %+v", byPID, want)
	}
}

func TestScanOpenTxnsWithoutData(t *testing.T) {
	got, err := scanOpenTxns(t.TempDir())
	if err != nil || len(got) != 0 {
		t.Fatalf("scan of an empty data dir = %v, %v", got, err)
	}
}
