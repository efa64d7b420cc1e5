package hbasetest

import (
	"bytes"
	"fmt"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// target is the region a request addresses: a user region, or hbase:meta.
type target struct {
	r    *region
	meta bool
}

func (t target) table() string {
	if t.meta {
		return metaTable
	}
	return t.r.tbl.fullName()
}

func (t target) name() string {
	if t.meta {
		return metaRegionName
	}
	return t.r.name
}

// resolve finds the region a RegionSpecifier names. An unknown region is
// NotServingRegion, which sends gohbase back to hbase:meta.
func (s *Server) resolve(spec *pb.RegionSpecifier) (target, *javaError) {
	if spec.GetType() != pb.RegionSpecifier_REGION_NAME {
		return target{}, jerr(ExcDoNotRetry, "only REGION_NAME region specifiers are supported by the test double")
	}
	name := spec.GetValue()
	if bytes.HasPrefix(name, []byte(metaTable+",")) {
		return target{meta: true}, nil
	}
	r, ok := s.st.region(name)
	if !ok {
		return target{}, jerr(ExcNotServingRegion, fmt.Sprintf("Region %s is not online on %s", name, s.addr))
	}
	return target{r: r}, nil
}

// fault returns the exception of an injected fault for a request, or
// whether the request must be applied and then the connection dropped.
func (s *Server) fault(method string, t target) (*javaError, bool) {
	k, ok := s.faults.take(method, t.table())
	if !ok {
		return nil, false
	}
	if k == ApplyAndDrop {
		return nil, true
	}
	return faultError(k, t.name()), false
}

func (s *Server) handleGet(cl call) reply {
	var req pb.GetRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding GetRequest: "+err.Error())}
	}
	t, exc := s.resolve(req.Region)
	if exc != nil {
		return reply{exc: exc}
	}
	exc, drop := s.fault("Get", t)
	if exc != nil {
		return reply{exc: exc}
	}
	res, exc := s.get(t, req.Get)
	if exc != nil {
		return reply{exc: exc}
	}
	if drop {
		return reply{err: errDrop}
	}
	return reply{msg: &pb.GetResponse{Result: res}}
}

func (s *Server) get(t target, g *pb.Get) (*pb.Result, *javaError) {
	if g.GetClosestRowBefore() {
		return nil, jerr(ExcUnsupportedOp, "closest_row_before is not supported by the test double")
	}
	q, err := newQuery(g.Column, g.TimeRange, g.GetMaxVersions(), g.Filter)
	if err != nil {
		return nil, asJava(err)
	}
	var cells []*pb.Cell
	if t.meta {
		for _, mr := range s.st.metaRows(s.addr, s.startCode) {
			if bytes.Equal(mr.key, g.Row) {
				cells = filterMetaCells(mr.cells, q)
			}
		}
	} else {
		if err := s.st.checkQueryFamilies(t.r, q); err != nil {
			return nil, asJava(err)
		}
		if !t.r.contains(g.Row) {
			return nil, jerr(ExcWrongRegion, fmt.Sprintf("Requested row out of range for Get on row %q in region %s", g.Row, t.r.name))
		}
		t.r.mu.Lock()
		cells = readRow(t.r, g.Row, q)
		t.r.mu.Unlock()
	}
	if g.GetExistenceOnly() {
		return &pb.Result{Exists: proto.Bool(len(cells) > 0)}, nil
	}
	return &pb.Result{Cell: cells}, nil
}

// toMutation normalizes a MutationProto whose cells are either in the
// protobuf or, when associated_cell_count is set, the next cells of the
// request's cellblock.
func toMutation(mp *pb.MutationProto, cells *[]rawCell) (*mutation, *javaError) {
	m := &mutation{row: mp.Row, ts: latestTimestamp}
	switch mp.GetMutateType() {
	case pb.MutationProto_PUT:
		m.kind = mutPut
	case pb.MutationProto_DELETE:
		m.kind = mutDelete
	case pb.MutationProto_INCREMENT:
		m.kind = mutIncrement
	case pb.MutationProto_APPEND:
		m.kind = mutAppend
	}
	if mp.Timestamp != nil {
		m.ts = mp.GetTimestamp()
	}
	for _, cv := range mp.ColumnValue {
		for _, qv := range cv.QualifierValue {
			c := mcell{family: string(cv.Family), qualifier: string(qv.Qualifier), value: qv.Value, ts: latestTimestamp,
				delType: pb.MutationProto_DELETE_MULTIPLE_VERSIONS}
			if qv.Timestamp != nil {
				c.ts = qv.GetTimestamp()
			}
			if qv.DeleteType != nil {
				c.delType = qv.GetDeleteType()
			}
			m.cells = append(m.cells, c)
		}
	}
	if n := int(mp.GetAssociatedCellCount()); n > 0 {
		if n > len(*cells) {
			return nil, jerr(ExcDoNotRetry, fmt.Sprintf("mutation announces %d cells, cellblock has %d left", n, len(*cells)))
		}
		for _, rc := range (*cells)[:n] {
			if m.row == nil {
				m.row = rc.row
			}
			if !bytes.Equal(rc.row, m.row) {
				return nil, jerr(ExcDoNotRetry, fmt.Sprintf("cell row %q differs from mutation row %q", rc.row, m.row))
			}
			c := mcell{family: rc.family, qualifier: rc.qualifier, value: rc.value, ts: rc.ts}
			switch rc.typ {
			case 8:
				c.delType = pb.MutationProto_DELETE_ONE_VERSION
			case 10:
				c.delType = pb.MutationProto_DELETE_FAMILY_VERSION
			case 12:
				c.delType = pb.MutationProto_DELETE_MULTIPLE_VERSIONS
			case 14:
				c.delType = pb.MutationProto_DELETE_FAMILY
			}
			m.cells = append(m.cells, c)
		}
		*cells = (*cells)[n:]
	}
	if len(m.row) == 0 {
		return nil, jerr(ExcDoNotRetry, "mutation without a row")
	}
	m.rowDelete = m.kind == mutDelete && len(m.cells) == 0
	return m, nil
}

func (s *Server) handleMutate(cl call) reply {
	var req pb.MutateRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding MutateRequest: "+err.Error())}
	}
	cells, err := decodeCells(cl.cellblock)
	if err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding cellblock: "+err.Error())}
	}
	t, exc := s.resolve(req.Region)
	if exc != nil {
		return reply{exc: exc}
	}
	if t.meta {
		return reply{exc: jerr(ExcDoNotRetry, "hbase:meta is read-only in the test double")}
	}
	m, exc := toMutation(req.Mutation, &cells)
	if exc != nil {
		return reply{exc: exc}
	}
	exc, drop := s.fault("Mutate", t)
	if exc != nil {
		return reply{exc: exc}
	}
	resp, exc := s.mutate(t.r, m, req.Condition)
	if exc != nil {
		return reply{exc: exc}
	}
	if drop {
		return reply{err: errDrop}
	}
	return reply{msg: resp}
}

// mutate applies one mutation under the region lock. With a condition it
// is HBase 2.4+'s checkAndMutate: applied only if the condition holds, for
// Put, Delete, Increment and Append alike, with processed in the answer.
// In legacy mode a condition on Increment or Append is ignored, as HBase
// before 2.4 did.
func (s *Server) mutate(r *region, m *mutation, cond *pb.Condition) (*pb.MutateResponse, *javaError) {
	if cond != nil && !bytes.Equal(cond.GetRow(), m.row) {
		return nil, jerr(ExcDoNotRetry, fmt.Sprintf("condition row %q differs from mutation row %q", cond.GetRow(), m.row))
	}
	legacy := s.opts.legacyCAM && (m.kind == mutIncrement || m.kind == mutAppend)
	r.mu.Lock()
	defer r.mu.Unlock()
	resp := &pb.MutateResponse{}
	if cond != nil && !legacy {
		ok, err := s.st.checkCondition(r, cond)
		if err != nil {
			return nil, asJava(err)
		}
		resp.Processed = proto.Bool(ok)
		if !ok {
			return resp, nil
		}
	}
	cells, err := s.st.apply(r, m)
	if err != nil {
		return nil, asJava(err)
	}
	s.stats.mutations.Add(1)
	if m.kind == mutIncrement || m.kind == mutAppend {
		resp.Result = &pb.Result{Cell: cells}
	}
	return resp, nil
}

func asJava(err error) *javaError {
	if je, ok := err.(*javaError); ok {
		return je
	}
	return jerr(ExcDoNotRetry, err.Error())
}
