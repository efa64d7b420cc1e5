package hbasetest

import (
	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

type action struct {
	index uint32
	get   *pb.Get
	m     *mutation
	exc   *javaError
}

func excPair(e *javaError) *pb.NameBytesPair {
	return &pb.NameBytesPair{Name: proto.String(e.class), Value: []byte(e.msg)}
}

// handleMulti runs the region actions of a MultiRequest in order. A fault
// or an unknown region fails a whole region action, as HBase reports
// RegionTooBusy and NotServingRegion per region; other errors fail single
// actions. An atomic region action (RowMutations), or one guarded by the
// request's condition (checkAndRowMutate), is applied all or nothing
// under the region lock.
func (s *Server) handleMulti(cl call) reply {
	var req pb.MultiRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding MultiRequest: "+err.Error())}
	}
	cells, err := decodeCells(cl.cellblock)
	if err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding cellblock: "+err.Error())}
	}
	if req.Condition != nil && len(req.RegionAction) != 1 {
		return reply{exc: jerr(ExcDoNotRetry, "a conditional MultiRequest must hold exactly one region action")}
	}
	resp := &pb.MultiResponse{}
	drop := false
	for _, ra := range req.RegionAction {
		acts := make([]action, 0, len(ra.Action))
		for _, a := range ra.Action {
			act := action{index: a.GetIndex(), get: a.Get}
			switch {
			case a.Mutation != nil:
				act.m, act.exc = toMutation(a.Mutation, &cells)
			case a.Get == nil:
				act.exc = jerr(ExcUnsupportedOp, "coprocessor service calls are not supported by the test double")
			}
			acts = append(acts, act)
		}
		rar := &pb.RegionActionResult{}
		resp.RegionActionResult = append(resp.RegionActionResult, rar)
		t, exc := s.resolve(ra.Region)
		if exc == nil {
			var d bool
			exc, d = s.fault("Multi", t)
			drop = drop || d
		}
		if exc == nil && t.meta {
			for _, a := range acts {
				if a.m != nil {
					exc = jerr(ExcDoNotRetry, "hbase:meta is read-only in the test double")
				}
			}
		}
		if exc != nil {
			s.stats.failures.Add(1)
			rar.Exception = excPair(exc)
			continue
		}
		if req.Condition != nil || ra.GetAtomic() {
			processed, exc := s.atomic(t.r, acts, req.Condition, rar)
			if exc != nil {
				s.stats.failures.Add(1)
				rar.Exception = excPair(exc)
			}
			if req.Condition != nil {
				resp.Processed = proto.Bool(processed)
			}
			continue
		}
		for _, a := range acts {
			roe := &pb.ResultOrException{Index: proto.Uint32(a.index)}
			switch {
			case a.exc != nil:
				roe.Exception = excPair(a.exc)
			case a.get != nil:
				res, exc := s.get(t, a.get)
				if exc != nil {
					roe.Exception = excPair(exc)
				} else {
					roe.Result = res
				}
			default:
				mr, exc := s.mutate(t.r, a.m, nil)
				if exc != nil {
					roe.Exception = excPair(exc)
				} else {
					roe.Result = mr.Result
					if roe.Result == nil {
						roe.Result = &pb.Result{}
					}
				}
			}
			if roe.Exception != nil {
				s.stats.failures.Add(1)
			}
			rar.ResultOrException = append(rar.ResultOrException, roe)
		}
	}
	if drop {
		return reply{err: errDrop}
	}
	return reply{msg: resp}
}

// atomic applies the mutations of one region action together: every
// mutation is checked first (same row, known families), then all are
// applied under the region lock, or none.
func (s *Server) atomic(r *region, acts []action, cond *pb.Condition, rar *pb.RegionActionResult) (bool, *javaError) {
	var row []byte
	for _, a := range acts {
		if a.exc != nil {
			return false, a.exc
		}
		if a.m == nil {
			return false, jerr(ExcDoNotRetry, "an atomic region action may only hold mutations")
		}
		if row == nil {
			row = a.m.row
		} else if string(row) != string(a.m.row) {
			return false, jerr(ExcDoNotRetry, "an atomic region action must mutate a single row")
		}
		if err := s.st.checkFamilies(r, a.m); err != nil {
			return false, asJava(err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cond != nil {
		ok, err := s.st.checkCondition(r, cond)
		if err != nil {
			return false, asJava(err)
		}
		if !ok {
			return false, nil
		}
	}
	for _, a := range acts {
		cells, err := s.st.apply(r, a.m)
		if err != nil {
			return false, asJava(err)
		}
		s.stats.mutations.Add(1)
		rar.ResultOrException = append(rar.ResultOrException,
			&pb.ResultOrException{Index: proto.Uint32(a.index), Result: &pb.Result{Cell: cells}})
	}
	return true, nil
}
