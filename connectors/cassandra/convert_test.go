package cassandra

import (
	"math/big"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gocql/gocql"
	"gopkg.in/inf.v0"
)

func mustType(t *testing.T, s string) *colType {
	t.Helper()
	ct, err := parseColType(s)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func mustUUID(t *testing.T, s string) gocql.UUID {
	t.Helper()
	u, err := gocql.ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestConvert(t *testing.T) {
	ts := time.UnixMilli(1_700_000_000_123).UTC()
	for _, tc := range []struct {
		typ  string
		in   any
		want any
	}{
		{"int", int32(7), int64(7)},
		{"int", float64(7), int64(7)},
		{"bigint", ts, int64(1_700_000_000_123)},
		{"smallint", "12", int64(12)},
		{"text", []byte("abc"), "abc"},
		{"text", int64(5), "5"},
		{"text", ts, "2023-11-14T22:13:20.123Z"},
		{"double", int32(3), float64(3)},
		{"float", 1.5, float32(1.5)},
		{"boolean", "true", true},
		{"timestamp", int64(1_700_000_000_123), ts},
		{"timestamp", "2023-11-14T22:13:20.123Z", time.Date(2023, 11, 14, 22, 13, 20, 123e6, time.UTC)},
		{"uuid", "8a2f5b1e-3c1d-4b7a-9f00-0123456789ab", mustUUID(t, "8a2f5b1e-3c1d-4b7a-9f00-0123456789ab")},
		{"inet", "10.0.0.1", net.ParseIP("10.0.0.1")},
		{"blob", "raw", []byte("raw")},
		{"varint", int64(-3), big.NewInt(-3)},
		{"decimal", big.NewRat(1999, 100), inf.NewDec(1999, 2)},
		{"frozen<list<text>>", []any{"a", "b"}, []any{"a", "b"}},
		{"frozen<map<text, int>>", map[string]any{"k": int32(2)}, map[any]any{"k": int64(2)}},
		{"map<int, boolean>", map[string]any{"3": true}, map[any]any{int64(3): true}},
	} {
		got, err := convert(mustType(t, tc.typ), tc.in)
		if err != nil {
			t.Errorf("%s from %T %v: %v", tc.typ, tc.in, tc.in, err)
			continue
		}
		if d, ok := got.(*inf.Dec); ok {
			if d.Cmp(tc.want.(*inf.Dec)) != 0 {
				t.Errorf("%s from %v = %v, want %v", tc.typ, tc.in, d, tc.want)
			}
			continue
		}
		if b, ok := got.(*big.Int); ok {
			if b.Cmp(tc.want.(*big.Int)) != 0 {
				t.Errorf("%s from %v = %v, want %v", tc.typ, tc.in, b, tc.want)
			}
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s from %T %v = %T %v, want %T %v", tc.typ, tc.in, tc.in, got, got, tc.want, tc.want)
		}
	}
}

func TestConvertRefuses(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		in   any
		want string
	}{
		{"int", int64(1 << 40), "out of range"},
		{"tinyint", int32(200), "out of range"},
		{"int", 1.5, "cannot write"},
		{"int", "many", "cannot write"},
		{"boolean", int32(1), "cannot write"},
		{"timeuuid", "8a2f5b1e-3c1d-4b7a-9f00-0123456789ab", "version 4"},
		{"inet", "not-an-ip", "cannot write"},
		{"frozen<list<int>>", []any{int32(1), nil}, "null element 1"},
		{"frozen<map<text, int>>", map[string]any{"k": "x"}, `key "k"`},
		{"text", map[string]any{}, "cannot write"},
	} {
		_, err := convert(mustType(t, tc.typ), tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s from %T %v: error %v, want one mentioning %q", tc.typ, tc.in, tc.in, err, tc.want)
		}
	}
}
