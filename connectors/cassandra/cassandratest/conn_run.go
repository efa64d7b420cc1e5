package cassandratest

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/datastax/go-cassandra-native-protocol/frame"
	"github.com/datastax/go-cassandra-native-protocol/message"
	"github.com/datastax/go-cassandra-native-protocol/primitive"
)

// recordable reports whether requests of p go to the journal and are
// subject to faults: everything but reads of system tables.
func (s *Server) recordable(p *prepared) bool {
	ks := p.ref.ks
	if ks == "" {
		ks = p.st.keyspace
	}
	return !s.isSystem(ks)
}

// run executes one QUERY or EXECUTE.
func (c *conn) run(p *prepared, kind string, o *message.QueryOptions) message.Message {
	if o.NamedValues != nil {
		return errorMessage(invalidf("named values are not modeled"))
	}
	s := c.s
	vals := boundValues(o.PositionalValues)
	rec := Statement{Kind: kind, CQL: p.st.cql, raw: &rawValues{p, vals}, Consistency: consistencyName(o.Consistency),
		At: s.opts.clock()}
	record := s.recordable(p)
	fault := c.faultFor(record, rec)
	s.mu.Lock()
	var res execResult
	var err error
	if fault == nil || fault.Kind == NoError || fault.Applied {
		res, err = s.executeLocked(p, vals, execEnv{now: s.opts.clock(), timestamp: o.DefaultTimestamp})
	}
	if err == nil && fault != nil && fault.Kind != NoError {
		err = fault.err(o.Consistency, false)
	}
	rec.Partitions, rec.Err = res.partitions, errorCode(err)
	if record {
		s.journal = append(s.journal, rec)
	}
	s.mu.Unlock()
	switch {
	case err != nil:
		return errorMessage(err)
	case res.change != nil:
		s.broadcast(res.change)
		return &message.SchemaChangeResult{ChangeType: primitive.SchemaChangeType(res.change.change),
			Target: primitive.SchemaChangeTarget(res.change.target), Keyspace: res.change.keyspace, Object: res.change.object}
	case res.setKeyspace != "":
		c.mu.Lock()
		c.keyspace = res.setKeyspace
		c.mu.Unlock()
		return &message.SetKeyspaceResult{Keyspace: res.setKeyspace}
	case p.st.kind == stSelect:
		return rowsResult(p, res.rows, o)
	}
	return &message.VoidResult{}
}

// faultFor picks the fault for a request and serves its delay.
func (c *conn) faultFor(record bool, rec Statement) *Fault {
	if !record {
		return nil
	}
	c.s.mu.Lock()
	f := c.s.faultForLocked(rec)
	c.s.mu.Unlock()
	if f != nil && f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	return f
}

// rowsResult answers one page; the paging state is the offset of the next
// row, which is stable as long as the data does not change between pages.
func rowsResult(p *prepared, rows [][][]byte, o *message.QueryOptions) message.Message {
	start := 0
	if len(o.PagingState) == 4 {
		start = min(int(binary.BigEndian.Uint32(o.PagingState)), len(rows))
	}
	end := len(rows)
	md := rowsMetadata(p, o.SkipMetadata)
	if o.PageSize > 0 && start+int(o.PageSize) < len(rows) {
		end = start + int(o.PageSize)
		md.PagingState = binary.BigEndian.AppendUint32(nil, uint32(end))
	}
	data := make(message.RowSet, 0, end-start)
	for _, r := range rows[start:end] {
		row := make(message.Row, len(r))
		for i, v := range r {
			row[i] = v
		}
		data = append(data, row)
	}
	return &message.RowsResult{Metadata: md, Data: data}
}

// batch executes a protocol BATCH atomically: every child is bound and
// checked before anything is written.
func (c *conn) batch(m *message.Batch) message.Message {
	s := c.s
	if m.Type == primitive.BatchTypeCounter {
		return errorMessage(invalidf("counter batches are not modeled"))
	}
	rec := Statement{Kind: "BATCH", BatchType: batchTypeNames[m.Type], Consistency: consistencyName(m.Consistency),
		At: s.opts.clock()}
	type child struct {
		p    *prepared
		vals []boundValue
	}
	var children []child
	ks := c.currentKeyspace()
	for _, ch := range m.Children {
		var p *prepared
		kind := "EXECUTE"
		if ch.Id != nil {
			s.mu.Lock()
			p = s.prepared[string(ch.Id)]
			s.mu.Unlock()
			if p == nil {
				return &message.Unprepared{ErrorMessage: "Prepared query not found in batch", Id: ch.Id}
			}
		} else {
			kind = "QUERY"
			st, err := parse(ch.Query)
			if err != nil {
				return errorMessage(err)
			}
			s.mu.Lock()
			p, err = s.prepareLocked(st, ks)
			s.mu.Unlock()
			if err != nil {
				return errorMessage(err)
			}
		}
		if k := p.st.kind; k != stInsert && k != stUpdate && k != stDelete {
			return errorMessage(invalidf("Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed."))
		}
		vals := boundValues(ch.Values)
		children = append(children, child{p: p, vals: vals})
		rec.Children = append(rec.Children, Statement{Kind: kind, CQL: p.st.cql, raw: &rawValues{p, vals}, At: rec.At})
	}
	fault := c.faultFor(true, rec)
	s.mu.Lock()
	defer s.mu.Unlock()
	env := execEnv{now: s.opts.clock(), timestamp: m.DefaultTimestamp}
	var muts []*mutation
	var err error
	for _, ch := range children {
		var mu *mutation
		if mu, err = s.mutationOf(ch.p, ch.vals, env); err != nil {
			break
		}
		muts = append(muts, mu)
	}
	if err == nil {
		rec.Partitions, err = s.checkBatchLocked(muts)
	}
	if err == nil && (fault == nil || fault.Kind == NoError || fault.Applied) {
		for _, mu := range muts {
			s.applyLocked(mu, env.now)
		}
	}
	if err == nil && fault != nil && fault.Kind != NoError {
		err = fault.err(m.Consistency, true)
	}
	rec.Err = errorCode(err)
	s.journal = append(s.journal, rec)
	if err != nil {
		return errorMessage(err)
	}
	return &message.VoidResult{}
}

// checkBatchLocked applies the size limits: no partition may receive more
// than the mutation limit, and a batch over several partitions no more
// than the batch fail threshold. It returns the number of partitions.
func (s *Server) checkBatchLocked(muts []*mutation) (int, error) {
	sizes := map[string]int{}
	total := 0
	for _, m := range muts {
		if m.t.virtual != nil {
			return 0, &Error{Code: 0x2100, Message: "system tables are not modifiable"}
		}
		key := m.t.ks + "." + m.t.name + "\x00" + compositeKey(m.pk)
		sizes[key] += m.size
		total += m.size
		if sizes[key] > s.opts.maxMutation {
			return 0, oversized(sizes[key], s.opts.maxMutation, m.t)
		}
	}
	if len(sizes) > 1 && total > s.opts.batchFail {
		return 0, invalidf("Batch too large: %d bytes over %d partitions exceeds batch_size_fail_threshold of %d bytes",
			total, len(sizes), s.opts.batchFail)
	}
	return len(sizes), nil
}

func errorCode(err error) int {
	var e *Error
	if err == nil {
		return 0
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeServerError
}

// errorMessage turns an error into the protocol's ERROR message.
func errorMessage(err error) message.Message {
	var e *Error
	if !errors.As(err, &e) {
		return &message.ServerError{ErrorMessage: err.Error()}
	}
	switch e.Code {
	case CodeSyntaxError:
		return &message.SyntaxError{ErrorMessage: e.Message}
	case CodeInvalid:
		return &message.Invalid{ErrorMessage: e.Message}
	case CodeAlreadyExists:
		return &message.AlreadyExists{ErrorMessage: e.Message, Keyspace: e.Keyspace, Table: e.Table}
	case CodeUnavailable:
		return &message.Unavailable{ErrorMessage: e.Message, Consistency: e.consistency, Required: 1, Alive: 0}
	case CodeWriteTimeout:
		return &message.WriteTimeout{ErrorMessage: e.Message, Consistency: e.consistency, BlockFor: 1, WriteType: e.writeType}
	case CodeReadTimeout:
		return &message.ReadTimeout{ErrorMessage: e.Message, Consistency: e.consistency, BlockFor: 1}
	case CodeOverloaded:
		return &message.Overloaded{ErrorMessage: e.Message}
	case 0x2100:
		return &message.Unauthorized{ErrorMessage: e.Message}
	case 0x2300:
		return &message.ConfigError{ErrorMessage: e.Message}
	}
	return &message.ServerError{ErrorMessage: e.Message}
}

// schemaEvent pushes a SCHEMA_CHANGE event to a connection that
// registered for them, as Cassandra does after DDL, so drivers refresh
// their metadata.
func (c *conn) schemaEvent(ch *schemaChange) {
	c.mu.Lock()
	registered := c.registered
	c.mu.Unlock()
	if !registered {
		return
	}
	c.write(frame.NewFrame(primitive.ProtocolVersion4, -1, &message.SchemaChangeEvent{
		ChangeType: primitive.SchemaChangeType(ch.change), Target: primitive.SchemaChangeTarget(ch.target),
		Keyspace: ch.keyspace, Object: ch.object}))
}
