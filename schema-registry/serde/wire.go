package serde

import (
	"encoding/binary"
	"fmt"
	"math"
)

// MagicByte is byte 0 of every Confluent-framed payload.
const MagicByte byte = 0x00

// HeaderLen is the length of the Confluent wire-format header: the magic byte
// followed by the schema id as a big-endian int32.
const HeaderLen = 5

// magic 0x01 is the 8.x GUID framing (a 16-byte GUID instead of an int id).
// It is not supported, but saying so beats a bare "unknown magic byte".
const magicGUID byte = 0x01

// AppendHeader appends the 5-byte wire-format header for schema id to dst and
// returns the extended slice. It does not allocate when dst has room.
//
// Registry ids are positive int32 values; the Client refuses any other id a
// registry might send, so an out-of-range id here is a programming error. It
// is written truncated to 32 bits rather than panicking, and ParseHeader will
// reject it on the way back in.
func AppendHeader(dst []byte, id int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, MagicByte), uint32(id))
}

// ParseHeader splits a Confluent-framed payload into its schema id and the
// Avro body that follows. body aliases b; nothing is copied or allocated on
// success.
func ParseHeader(b []byte) (id int, body []byte, err error) {
	if len(b) < HeaderLen {
		return 0, nil, fmt.Errorf("parsing wire-format header: %w: got %d bytes", ErrShortHeader, len(b))
	}
	if b[0] != MagicByte {
		if b[0] == magicGUID {
			return 0, nil, fmt.Errorf("parsing wire-format header: %w 0x%02x (schema GUID framing is not supported, only 0x00 with an int32 id)",
				ErrUnknownMagicByte, b[0])
		}
		return 0, nil, fmt.Errorf("parsing wire-format header: %w 0x%02x (want 0x00; the payload is probably not Confluent-framed)",
			ErrUnknownMagicByte, b[0])
	}
	id = int(int32(binary.BigEndian.Uint32(b[1:HeaderLen])))
	if id <= 0 {
		return 0, nil, fmt.Errorf("parsing wire-format header: %w %d", ErrInvalidSchemaID, id)
	}
	return id, b[HeaderLen:], nil
}

// validID reports whether id can appear in a wire-format header.
func validID(id int) bool { return id > 0 && id <= math.MaxInt32 }
