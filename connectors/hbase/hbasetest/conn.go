package hbasetest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

const (
	maxFrame         = 256 << 20
	serviceClient    = "ClientService"
	serviceMaster    = "MasterService"
	codecKeyValue    = "org.apache.hadoop.hbase.codec.KeyValueCodec"
	preambleAuthByte = 0x50 // SIMPLE authentication
)

// errDrop tells the connection loop to close without answering.
var errDrop = errors.New("drop connection")

// call is one decoded request.
type call struct {
	id        uint32
	method    string
	param     []byte
	cellblock []byte
}

// reply is what a handler answers: a response message, or a Java
// exception, or errDrop.
type reply struct {
	msg proto.Message
	exc *javaError
	err error
}

type serverConn struct {
	s       *Server
	c       net.Conn
	service string
	wmu     sync.Mutex
	sem     chan struct{}
	wg      sync.WaitGroup
}

// serve speaks HBase's RPC protocol on one connection: the 6-byte
// preamble "HBas" + version 0 + auth 0x50, a length-prefixed
// ConnectionHeader, then length-prefixed calls, each a varint-delimited
// RequestHeader and request followed by an optional KeyValueCodec
// cellblock. Calls are handled concurrently and answered by call id.
func (s *Server) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	var pre [6]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil || string(pre[:4]) != "HBas" || pre[4] != 0 || pre[5] != preambleAuthByte {
		return
	}
	hdrBytes, err := readFrame(r)
	if err != nil {
		return
	}
	var hdr pb.ConnectionHeader
	if err := proto.Unmarshal(hdrBytes, &hdr); err != nil {
		return
	}
	sc := &serverConn{s: s, c: c, service: hdr.GetServiceName(), sem: make(chan struct{}, s.opts.maxInFlight)}
	unsupported := ""
	if hdr.GetCellBlockCompressorClass() != "" {
		unsupported = "cellblock compression (" + hdr.GetCellBlockCompressorClass() + ") is not supported by the test double"
	} else if codec := hdr.GetCellBlockCodecClass(); codec != "" && codec != codecKeyValue {
		unsupported = "cellblock codec " + codec + " is not supported by the test double"
	}
	defer sc.wg.Wait()
	for {
		frame, err := readFrame(r)
		if err != nil {
			return
		}
		cl, err := decodeCall(frame)
		if err != nil {
			return
		}
		if unsupported != "" {
			sc.write(cl.id, reply{exc: jerr(ExcUnsupportedOp, unsupported)})
			continue
		}
		sc.sem <- struct{}{}
		sc.wg.Add(1)
		go func() {
			defer func() { <-sc.sem; sc.wg.Done() }()
			rep := sc.dispatch(cl)
			if errors.Is(rep.err, errDrop) {
				_ = c.Close()
				return
			}
			sc.write(cl.id, rep)
		}()
	}
}

func readFrame(r io.Reader) ([]byte, error) {
	var sz [4]byte
	if _, err := io.ReadFull(r, sz[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(sz[:])
	if n > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

func decodeCall(frame []byte) (call, error) {
	hb, n := protowire.ConsumeBytes(frame)
	if n < 0 {
		return call{}, protowire.ParseError(n)
	}
	var h pb.RequestHeader
	if err := proto.Unmarshal(hb, &h); err != nil {
		return call{}, err
	}
	rest := frame[n:]
	cl := call{id: h.GetCallId(), method: h.GetMethodName()}
	if h.GetRequestParam() {
		pbytes, m := protowire.ConsumeBytes(rest)
		if m < 0 {
			return call{}, protowire.ParseError(m)
		}
		cl.param, rest = pbytes, rest[m:]
	}
	if cbl := h.GetCellBlockMeta().GetLength(); cbl > 0 {
		if int(cbl) > len(rest) {
			return call{}, fmt.Errorf("cellblock of %d bytes, %d left", cbl, len(rest))
		}
		cl.cellblock = rest[:cbl]
	}
	return cl, nil
}

func (sc *serverConn) write(id uint32, rep reply) {
	h := &pb.ResponseHeader{CallId: &id}
	if rep.exc != nil {
		sc.s.stats.failures.Add(1)
		h.Exception = &pb.ExceptionResponse{ExceptionClassName: &rep.exc.class, StackTrace: &rep.exc.msg}
	} else if rep.err != nil {
		sc.s.stats.failures.Add(1)
		class, msg := "java.io.IOException", rep.err.Error()
		h.Exception = &pb.ExceptionResponse{ExceptionClassName: &class, StackTrace: &msg}
	}
	hb, err := proto.Marshal(h)
	if err != nil {
		return
	}
	var body bytes.Buffer
	body.Write(protowire.AppendVarint(nil, uint64(len(hb))))
	body.Write(hb)
	if h.Exception == nil && rep.msg != nil {
		mb, err := proto.Marshal(rep.msg)
		if err != nil {
			return
		}
		body.Write(protowire.AppendVarint(nil, uint64(len(mb))))
		body.Write(mb)
	}
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+body.Len()), uint32(body.Len()))
	out = append(out, body.Bytes()...)
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	_, _ = sc.c.Write(out)
}

// dispatch routes a call by service and method name.
func (sc *serverConn) dispatch(cl call) reply {
	sc.s.stats.count(cl.method)
	switch sc.service {
	case serviceClient:
		switch cl.method {
		case "Get":
			return sc.s.handleGet(cl)
		case "Mutate":
			return sc.s.handleMutate(cl)
		case "Multi":
			return sc.s.handleMulti(cl)
		case "Scan":
			return sc.s.handleScan(cl)
		}
	case serviceMaster:
		if h, ok := masterMethods[cl.method]; ok {
			return h(sc.s, cl)
		}
	default:
		return reply{exc: jerr(ExcUnknownProtocol, "unknown service "+sc.service)}
	}
	return reply{exc: jerr(ExcUnsupportedOp, fmt.Sprintf("%s.%s is not implemented by the test double", sc.service, cl.method))}
}

// decodeCells parses a KeyValueCodec cellblock: per cell a 4-byte length,
// then the KeyValue (4-byte key length, 4-byte value length, key, value),
// the key being row length (2), row, family length (1), family,
// qualifier, timestamp (8) and type (1).
func decodeCells(b []byte) ([]rawCell, error) {
	var out []rawCell
	for len(b) > 0 {
		if len(b) < 12 {
			return nil, errors.New("truncated cell header")
		}
		total := int(binary.BigEndian.Uint32(b))
		klen := int(binary.BigEndian.Uint32(b[4:]))
		vlen := int(binary.BigEndian.Uint32(b[8:]))
		if total != 8+klen+vlen || len(b) < 4+total || klen < 12 {
			return nil, fmt.Errorf("malformed cell: total %d, key %d, value %d, %d bytes left", total, klen, vlen, len(b))
		}
		key := b[12 : 12+klen]
		value := b[12+klen : 12+klen+vlen]
		rlen := int(binary.BigEndian.Uint16(key))
		if 2+rlen+1 > len(key)-9 {
			return nil, errors.New("malformed cell key")
		}
		rowKey := key[2 : 2+rlen]
		flen := int(key[2+rlen])
		fstart := 3 + rlen
		if fstart+flen > len(key)-9 {
			return nil, errors.New("malformed cell family")
		}
		out = append(out, rawCell{
			row:       rowKey,
			family:    string(key[fstart : fstart+flen]),
			qualifier: string(key[fstart+flen : len(key)-9]),
			ts:        binary.BigEndian.Uint64(key[len(key)-9:]),
			typ:       key[len(key)-1],
			value:     value,
		})
		b = b[4+total:]
	}
	return out, nil
}

type rawCell struct {
	row               []byte
	family, qualifier string
	ts                uint64
	typ               byte
	value             []byte
}
