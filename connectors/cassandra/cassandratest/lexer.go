package cassandratest

import (
	"fmt"
	"strings"
	"unicode"
)

type tokenKind int

const (
	tkEOF tokenKind = iota
	tkIdent
	tkQuotedIdent
	tkString
	tkNumber
	tkUUID
	tkBlob
	tkMarker
	tkSymbol
)

type token struct {
	kind tokenKind
	text string // identifiers lower-cased unless quoted; strings unescaped
	pos  int
}

// lex splits a CQL statement into tokens. Comments (--, //, /* */) are
// skipped; a trailing semicolon is dropped.
func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case strings.HasPrefix(src[i:], "--"), strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, syntaxErr(i, "unterminated comment")
			}
			i += end + 4
		case c == '\'':
			s, n, err := lexQuoted(src, i, '\'')
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tkString, text: s, pos: i})
			i += n
		case c == '"':
			s, n, err := lexQuoted(src, i, '"')
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tkQuotedIdent, text: s, pos: i})
			i += n
		case c == '?':
			out = append(out, token{kind: tkMarker, text: "?", pos: i})
			i++
		case c == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X'):
			j := i + 2
			for j < len(src) && isHex(src[j]) {
				j++
			}
			out = append(out, token{kind: tkBlob, text: strings.ToLower(src[i+2 : j]), pos: i})
			i = j
		case isUUIDAt(src, i):
			out = append(out, token{kind: tkUUID, text: strings.ToLower(src[i : i+36]), pos: i})
			i += 36
		case isDigit(c) || (c == '-' && i+1 < len(src) && isDigit(src[i+1]) && numberMayStart(out)):
			j := i + 1
			for j < len(src) && (isDigit(src[j]) || src[j] == '.' || src[j] == 'e' || src[j] == 'E' ||
				((src[j] == '-' || src[j] == '+') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				j++
			}
			out = append(out, token{kind: tkNumber, text: src[i:j], pos: i})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			out = append(out, token{kind: tkIdent, text: strings.ToLower(src[i:j]), pos: i})
			i = j
		case strings.ContainsRune("(),.=*{}[]:<>+-;", rune(c)):
			out = append(out, token{kind: tkSymbol, text: string(c), pos: i})
			i++
		default:
			return nil, syntaxErr(i, fmt.Sprintf("unexpected character %q", c))
		}
	}
	for len(out) > 0 && out[len(out)-1].kind == tkSymbol && out[len(out)-1].text == ";" {
		out = out[:len(out)-1]
	}
	return append(out, token{kind: tkEOF, pos: len(src)}), nil
}

// numberMayStart tells a negative literal from a minus operator: a minus
// right after a value is an operator.
func numberMayStart(prev []token) bool {
	if len(prev) == 0 {
		return true
	}
	p := prev[len(prev)-1]
	return p.kind == tkSymbol && p.text != ")" && p.text != "]" && p.text != "}"
}

func lexQuoted(src string, start int, q byte) (string, int, error) {
	var b strings.Builder
	i := start + 1
	for i < len(src) {
		if src[i] == q {
			if i+1 < len(src) && src[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			return b.String(), i + 1 - start, nil
		}
		b.WriteByte(src[i])
		i++
	}
	return "", 0, syntaxErr(start, "unterminated quoted text")
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isHex(c byte) bool        { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// isUUIDAt matches 8-4-4-4-12 hex digits not followed by an identifier
// character.
func isUUIDAt(s string, i int) bool {
	if len(s)-i < 36 {
		return false
	}
	for j := 0; j < 36; j++ {
		c := s[i+j]
		if j == 8 || j == 13 || j == 18 || j == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return len(s) == i+36 || !isIdentPart(s[i+36])
}

func syntaxErr(pos int, msg string) error {
	return syntaxf("line 1:%d %s", pos, msg)
}
