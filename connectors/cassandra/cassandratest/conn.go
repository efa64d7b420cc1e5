package cassandratest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/datastax/go-cassandra-native-protocol/frame"
	"github.com/datastax/go-cassandra-native-protocol/message"
	"github.com/datastax/go-cassandra-native-protocol/primitive"
	"go.uber.org/zap"
)

const passwordAuthenticator = "org.apache.cassandra.auth.PasswordAuthenticator"

// conn is one client connection. Requests are served concurrently, as
// Cassandra does, and answered on the stream they came on.
type conn struct {
	s     *Server
	nc    net.Conn
	codec frame.Codec
	wmu   sync.Mutex

	mu         sync.Mutex
	ready      bool
	authPend   bool
	keyspace   string
	registered bool
}

func (c *conn) serve() {
	c.codec = frame.NewCodec()
	r := bufio.NewReader(c.nc)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		_ = c.nc.Close()
	}()
	for {
		f, err := c.codec.DecodeFrame(r)
		if err != nil {
			var verr *frame.ProtocolVersionErr
			if errors.As(err, &verr) {
				c.write(frame.NewFrame(primitive.ProtocolVersion4, 0, &message.ProtocolError{ErrorMessage: fmt.Sprintf(
					"Invalid or unsupported protocol version (%d); the lowest supported version is 4 and the greatest is 4",
					verr.Version)}))
			}
			c.s.opts.log.Debug("cql connection closed", zap.Error(err))
			return
		}
		if f.Header.Version != primitive.ProtocolVersion4 {
			c.write(frame.NewFrame(primitive.ProtocolVersion4, f.Header.StreamId, &message.ProtocolError{ErrorMessage: fmt.Sprintf(
				"Invalid or unsupported protocol version (%d); the lowest supported version is 4 and the greatest is 4",
				f.Header.Version)}))
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp := c.handle(f.Body.Message); resp != nil {
				c.write(frame.NewFrame(primitive.ProtocolVersion4, f.Header.StreamId, resp))
			}
		}()
	}
}

func (c *conn) write(f *frame.Frame) {
	var buf bytes.Buffer
	if err := c.codec.EncodeFrame(f, &buf); err != nil {
		c.s.opts.log.Error("encoding cql response", zap.Error(err))
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, _ = c.nc.Write(buf.Bytes())
}

func (c *conn) handle(msg message.Message) message.Message {
	switch m := msg.(type) {
	case *message.Options:
		return &message.Supported{Options: map[string][]string{"CQL_VERSION": {cqlVersion}, "COMPRESSION": {},
			"PROTOCOL_VERSIONS": {"4/v4"}}}
	case *message.Startup:
		if comp := m.Options["COMPRESSION"]; comp != "" {
			return &message.ProtocolError{ErrorMessage: "Unknown compression algorithm: " + comp}
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.s.opts.user != "" {
			c.authPend = true
			return &message.Authenticate{Authenticator: passwordAuthenticator}
		}
		c.ready = true
		return &message.Ready{}
	case *message.AuthResponse:
		return c.authenticate(m.Token)
	}
	c.mu.Lock()
	ready := c.ready
	c.mu.Unlock()
	if !ready {
		return &message.ProtocolError{ErrorMessage: "Unexpected message, expecting STARTUP or AUTH_RESPONSE"}
	}
	switch m := msg.(type) {
	case *message.Register:
		c.mu.Lock()
		for _, e := range m.EventTypes {
			c.registered = c.registered || e == primitive.EventTypeSchemaChange
		}
		c.mu.Unlock()
		return &message.Ready{}
	case *message.Query:
		return c.query(m)
	case *message.Prepare:
		return c.prepare(m)
	case *message.Execute:
		return c.execute(m)
	case *message.Batch:
		return c.batch(m)
	}
	return &message.ProtocolError{ErrorMessage: fmt.Sprintf("unsupported request %T", msg)}
}

// authenticate checks a SASL PLAIN token: authzid NUL user NUL password.
func (c *conn) authenticate(token []byte) message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.authPend {
		return &message.ProtocolError{ErrorMessage: "Unexpected AUTH_RESPONSE"}
	}
	parts := bytes.Split(token, []byte{0})
	if len(parts) == 3 && string(parts[1]) == c.s.opts.user && string(parts[2]) == c.s.opts.pass {
		c.authPend, c.ready = false, true
		return &message.AuthSuccess{}
	}
	user := ""
	if len(parts) == 3 {
		user = string(parts[1])
	}
	return &message.AuthenticationError{ErrorMessage: fmt.Sprintf("Provided username %s and/or password are incorrect", user)}
}

func (c *conn) currentKeyspace() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keyspace
}

func boundValues(vals []*primitive.Value) []boundValue {
	out := make([]boundValue, len(vals))
	for i, v := range vals {
		out[i] = boundValue{b: v.Contents, null: v.Type == primitive.ValueTypeNull, unset: v.Type == primitive.ValueTypeUnset}
		if out[i].null || out[i].unset {
			out[i].b = nil
		}
	}
	return out
}

func (c *conn) query(m *message.Query) message.Message {
	st, err := parse(m.Query)
	if err != nil {
		return errorMessage(err)
	}
	c.s.mu.Lock()
	p, err := c.s.prepareLocked(st, c.currentKeyspace())
	c.s.mu.Unlock()
	if err != nil {
		return errorMessage(err)
	}
	return c.run(p, "QUERY", queryOptions(m.Options))
}

func queryOptions(o *message.QueryOptions) *message.QueryOptions {
	if o == nil {
		return &message.QueryOptions{Consistency: primitive.ConsistencyLevelOne}
	}
	return o
}

func (c *conn) prepare(m *message.Prepare) message.Message {
	st, err := parse(m.Query)
	if err != nil {
		return errorMessage(err)
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	p, err := c.s.prepareLocked(st, c.currentKeyspace())
	if err != nil {
		return errorMessage(err)
	}
	c.s.prepared[string(p.id)] = p
	vars := &message.VariablesMetadata{PkIndices: p.pkIdx}
	for _, mk := range p.markers {
		vars.Columns = append(vars.Columns, &message.ColumnMetadata{Keyspace: p.ref.ks, Table: p.ref.name,
			Name: mk.name, Type: mk.typ.wire()})
	}
	return &message.PreparedResult{PreparedQueryId: p.id, VariablesMetadata: vars, ResultMetadata: rowsMetadata(p, false)}
}

func rowsMetadata(p *prepared, skip bool) *message.RowsMetadata {
	md := &message.RowsMetadata{ColumnCount: int32(len(p.result))}
	if skip {
		return md
	}
	md.Columns = []*message.ColumnMetadata{}
	for i, rc := range p.result {
		md.Columns = append(md.Columns, &message.ColumnMetadata{Keyspace: p.ref.ks, Table: p.ref.name, Name: rc.name,
			Index: int32(i), Type: rc.typ.wire()})
	}
	return md
}

func (c *conn) execute(m *message.Execute) message.Message {
	c.s.mu.Lock()
	p, ok := c.s.prepared[string(m.QueryId)]
	c.s.mu.Unlock()
	if !ok {
		return &message.Unprepared{ErrorMessage: "Prepared query with ID " + fmt.Sprintf("%x", m.QueryId) +
			" not found (either the query was not prepared on this host (maybe the host has been restarted?) " +
			"or you have prepared too many queries and it has been evicted from the internal cache)", Id: m.QueryId}
	}
	return c.run(p, "EXECUTE", queryOptions(m.Options))
}
