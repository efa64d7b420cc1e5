package hbasetest

import (
	"bytes"
	"fmt"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// scanner is an open region scanner: where it stands and what it reads.
// Scanners have no lease: they live until closed or the server closes.
type scanner struct {
	t        target
	q        query
	start    []byte // next row to consider (inclusive) when !started; else the last row returned
	stop     []byte
	reversed bool
	started  bool
}

func (s *Server) handleScan(cl call) reply {
	var req pb.ScanRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding ScanRequest: "+err.Error())}
	}
	if req.ScannerId != nil {
		return s.continueScan(&req)
	}
	t, exc := s.resolve(req.Region)
	if exc != nil {
		return reply{exc: exc}
	}
	exc, drop := s.fault("Scan", t)
	if exc != nil {
		return reply{exc: exc}
	}
	sc := req.Scan
	if sc == nil {
		return reply{exc: jerr(ExcDoNotRetry, "ScanRequest without scanner id or scan")}
	}
	q, err := newQuery(sc.Column, sc.TimeRange, sc.GetMaxVersions(), sc.Filter)
	if err != nil {
		return reply{exc: asJava(err)}
	}
	if !t.meta {
		if err := s.st.checkQueryFamilies(t.r, q); err != nil {
			return reply{exc: asJava(err)}
		}
	}
	scn := &scanner{t: t, q: q, start: sc.StartRow, stop: sc.StopRow, reversed: sc.GetReversed()}
	id := s.scannerSeq.Add(1)
	rows, more := s.nextRows(scn, int(req.GetNumberOfRows()))
	resp := &pb.ScanResponse{ScannerId: proto.Uint64(id), Results: rows, MoreResultsInRegion: proto.Bool(more),
		MoreResults: proto.Bool(true)}
	if more && !req.GetCloseScanner() {
		s.scannersMu.Lock()
		s.scanners[id] = scn
		s.scannersMu.Unlock()
	}
	if drop {
		return reply{err: errDrop}
	}
	return reply{msg: resp}
}

func (s *Server) continueScan(req *pb.ScanRequest) reply {
	id := req.GetScannerId()
	s.scannersMu.Lock()
	scn, ok := s.scanners[id]
	if ok && req.GetCloseScanner() {
		delete(s.scanners, id)
	}
	s.scannersMu.Unlock()
	if !ok {
		return reply{exc: jerr(ExcUnknownScanner, fmt.Sprintf("Unknown scanner '%d'. This can happen due to any of the following reasons: "+
			"a) Scanner id given is wrong, b) Scanner lease expired because of long wait between consecutive client checkins, "+
			"c) Server may be closing down, d) RegionServer restart during upgrade.", id))}
	}
	if req.GetCloseScanner() && req.GetNumberOfRows() == 0 {
		return reply{msg: &pb.ScanResponse{MoreResults: proto.Bool(false)}}
	}
	rows, more := s.nextRows(scn, int(req.GetNumberOfRows()))
	if !more {
		s.scannersMu.Lock()
		delete(s.scanners, id)
		s.scannersMu.Unlock()
	}
	return reply{msg: &pb.ScanResponse{Results: rows, MoreResultsInRegion: proto.Bool(more), MoreResults: proto.Bool(true)}}
}

// nextRows returns up to n rows with at least one selected cell after the
// scanner's position, and whether the region holds more rows in range.
func (s *Server) nextRows(scn *scanner, n int) ([]*pb.Result, bool) {
	type candidate struct {
		key   []byte
		cells func() []*pb.Cell
	}
	var cands []candidate
	cmp := bytes.Compare
	if scn.t.meta {
		cmp = compareMetaRows
		for _, mr := range s.st.metaRows(s.addr, s.startCode) {
			cells := filterMetaCells(mr.cells, scn.q)
			cands = append(cands, candidate{key: mr.key, cells: func() []*pb.Cell { return cells }})
		}
	} else {
		scn.t.r.mu.Lock()
		defer scn.t.r.mu.Unlock()
		for _, k := range sortedKeys(scn.t.r) {
			cands = append(cands, candidate{key: k, cells: func() []*pb.Cell { return readRow(scn.t.r, k, scn.q) }})
		}
	}
	if scn.reversed {
		for i, j := 0, len(cands)-1; i < j; i, j = i+1, j-1 {
			cands[i], cands[j] = cands[j], cands[i]
		}
	}
	inRange := func(k []byte) bool {
		if !scn.reversed {
			if len(scn.start) > 0 && (cmp(k, scn.start) < 0 || (scn.started && cmp(k, scn.start) == 0)) {
				return false
			}
			return len(scn.stop) == 0 || cmp(k, scn.stop) < 0
		}
		if len(scn.start) > 0 && (cmp(k, scn.start) > 0 || (scn.started && cmp(k, scn.start) == 0)) {
			return false
		}
		return len(scn.stop) == 0 || cmp(k, scn.stop) > 0
	}
	var out []*pb.Result
	for i, c := range cands {
		if !inRange(c.key) {
			continue
		}
		if len(out) == n {
			for _, rest := range cands[i:] {
				if inRange(rest.key) && len(rest.cells()) > 0 {
					return out, true
				}
			}
			return out, false
		}
		cells := c.cells()
		if len(cells) == 0 {
			continue
		}
		out = append(out, &pb.Result{Cell: cells})
		scn.start, scn.started = c.key, true
	}
	return out, false
}
