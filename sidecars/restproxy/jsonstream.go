package restproxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// errValueTooLarge means one streamed value exceeded the per-value limit.
var errValueTooLarge = errors.New("value exceeds the size limit")

// jsonSplitter cuts a stream of concatenated JSON values (v3 streaming
// produce) into one byte slice per value, without parsing them. It tracks
// only nesting and string state, so a value's size is bounded before any
// parsing allocates: encoding/json's Decoder would buffer a huge value
// whole.
type jsonSplitter struct {
	r     *bufio.Reader
	limit int
	buf   []byte
}

func newJSONSplitter(r io.Reader, limit int) *jsonSplitter {
	return &jsonSplitter{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// next returns the next value's bytes (valid until the next call), or
// io.EOF at a clean end of stream.
func (s *jsonSplitter) next() ([]byte, error) {
	s.buf = s.buf[:0]
	var c byte
	var err error
	for { // skip whitespace between values
		if c, err = s.r.ReadByte(); err != nil {
			return nil, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
	}
	depth, inString, escaped := 0, false, false
	scalar := c != '{' && c != '[' && c != '"'
	for {
		if len(s.buf) >= s.limit {
			return nil, fmt.Errorf("%w of %d bytes", errValueTooLarge, s.limit)
		}
		s.buf = append(s.buf, c)
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return s.buf, nil
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth <= 0 {
				return s.buf, nil
			}
		}
		if scalar {
			// Numbers, true, false, null end at a delimiter.
			next, perr := s.r.Peek(1)
			if perr != nil || isDelimiter(next[0]) {
				return s.buf, nil
			}
		}
		if c, err = s.r.ReadByte(); err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '{', '[', '"', '}', ']', ',':
		return true
	}
	return false
}

// splitJSONValues cuts an in-memory body the same way, for non-streamed
// requests that still carry several concatenated records.
func splitJSONValues(src []byte) ([]jsonValue, error) {
	var out []jsonValue
	var p jsonParser
	if err := p.init(src, string(src)); err != nil {
		return nil, err
	}
	defer p.release()
	for {
		p.skipSpace()
		if p.pos >= len(src) {
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}
