package server

import (
	"bytes"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Media types of the Schema Registry API, in order of preference.
const (
	MediaTypeV1      = "application/vnd.schemaregistry.v1+json"
	MediaTypeGeneric = "application/vnd.schemaregistry+json"
	MediaTypeJSON    = "application/json"
	mediaTypeOctet   = "application/octet-stream"
)

var produced = []string{MediaTypeV1, MediaTypeGeneric, MediaTypeJSON}

// negotiate picks the response media type from an Accept header, honouring
// q-weights; ties go to the preferred type. An empty header, */* or
// application/* gets MediaTypeV1. ok is false when no produced type is
// acceptable.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return MediaTypeV1, true
	}
	best, bestQ := "", 0.0
	for _, t := range produced {
		if q := acceptQ(accept, t); q > bestQ {
			best, bestQ = t, q
		}
	}
	return best, best != ""
}

// acceptQ is the weight the Accept header gives media type t: that of the
// most specific matching range (exact beats type/* beats */*), 0 if none.
func acceptQ(accept, t string) float64 {
	major := t[:strings.IndexByte(t, '/')]
	q, specificity := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		rng := strings.ToLower(strings.TrimSpace(fields[0]))
		s := -1
		switch rng {
		case t:
			s = 2
		case major + "/*":
			s = 1
		case "*/*", "*":
			s = 0
		}
		if s < specificity || s < 0 {
			continue
		}
		w := 1.0
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					w = f
				}
			}
		}
		q, specificity = w, s
	}
	return q
}

// requestMediaOK reports whether a request Content-Type is one the API
// accepts. No Content-Type at all is accepted as JSON.
func requestMediaOK(contentType string) (charset string, ok bool) {
	if strings.TrimSpace(contentType) == "" {
		return "", true
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	switch mt {
	case MediaTypeV1, MediaTypeGeneric, MediaTypeJSON, mediaTypeOctet:
		return strings.ToLower(params["charset"]), true
	}
	return "", false
}

// toUTF8 decodes a request body in the given charset. UTF-16 bodies may
// carry a byte order mark; without one they are big-endian.
func toUTF8(body []byte, charset string) ([]byte, error) {
	switch charset {
	case "", "utf-8", "utf8", "us-ascii":
		return bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), nil
	case "iso-8859-1", "latin1":
		var b strings.Builder
		for _, c := range body {
			b.WriteRune(rune(c))
		}
		return []byte(b.String()), nil
	case "utf-16", "utf-16be", "utf-16le":
		bigEndian := charset != "utf-16le"
		switch {
		case bytes.HasPrefix(body, []byte{0xfe, 0xff}):
			body, bigEndian = body[2:], true
		case bytes.HasPrefix(body, []byte{0xff, 0xfe}):
			body, bigEndian = body[2:], false
		}
		if len(body)%2 != 0 {
			return nil, fmt.Errorf("decoding %s body: odd number of bytes", charset)
		}
		units := make([]uint16, len(body)/2)
		for i := range units {
			hi, lo := body[2*i], body[2*i+1]
			if !bigEndian {
				hi, lo = lo, hi
			}
			units[i] = uint16(hi)<<8 | uint16(lo)
		}
		out := make([]byte, 0, len(units))
		for _, r := range utf16.Decode(units) {
			out = utf8.AppendRune(out, r)
		}
		return out, nil
	}
	return nil, fmt.Errorf("decoding body: unsupported charset %q", charset)
}
