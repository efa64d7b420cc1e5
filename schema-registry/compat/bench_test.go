package compat

import (
	"fmt"
	"strings"
	"testing"
)

// checkoutSchema is a realistic ~20-field event: nested records, an enum with
// a default, arrays, a map, nullable unions and logical types. extra fields
// are appended as optional fields, the way the schema would evolve.
func checkoutSchema(extra ...string) string {
	fields := []string{
		`{"name":"event_id","type":{"type":"string","logicalType":"uuid"},"doc":"Client-generated id."}`,
		`{"name":"event_time","type":{"type":"long","logicalType":"timestamp-millis"}}`,
		`{"name":"user_id","type":"string"}`,
		`{"name":"session_id","type":"string"}`,
		`{"name":"channel","type":{"type":"enum","name":"Channel","symbols":["WEB","IOS","ANDROID","POS","UNKNOWN"],"default":"UNKNOWN"}}`,
		`{"name":"currency","type":{"type":"fixed","name":"Currency","size":3}}`,
		`{"name":"cart","type":{"type":"record","name":"Cart","fields":[
			{"name":"cart_id","type":"string"},
			{"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
				{"name":"sku","type":"string"},
				{"name":"quantity","type":"int"},
				{"name":"unit_price","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
				{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}}}]}}`,
		`{"name":"subtotal","type":"double"}`,
		`{"name":"tax","type":"double","default":0}`,
		`{"name":"shipping","type":["null","double"],"default":null}`,
		`{"name":"coupon","type":["null","string"],"default":null}`,
		`{"name":"billing","type":["null",{"type":"record","name":"Address","fields":[
			{"name":"street","type":"string"},{"name":"city","type":"string"},
			{"name":"postcode","type":"string"},{"name":"country","type":"string"}]}],"default":null}`,
		`{"name":"shipping_address","type":["null","Address"],"default":null}`,
		`{"name":"payment_method","type":{"type":"enum","name":"Payment","symbols":["CARD","PAYPAL","VOUCHER"]}}`,
		`{"name":"attributes","type":{"type":"map","values":"string"},"default":{}}`,
		`{"name":"referrer","type":["null","string"],"default":null}`,
		`{"name":"ab_bucket","type":"int","default":0}`,
		`{"name":"latency_ms","type":"long","default":0}`,
		`{"name":"is_guest","type":"boolean","default":false}`,
	}
	fields = append(fields, extra...)
	return `{"type":"record","name":"Checkout","namespace":"io.retailpulse.avro","fields":[` +
		strings.Join(fields, ",") + `]}`
}

func benchVersions(b *testing.B) (*Schema, []Version) {
	b.Helper()
	v1 := mustParse(b, checkoutSchema())
	v2 := mustParse(b, checkoutSchema(`{"name":"gift_wrap","type":"boolean","default":false}`))
	v3 := mustParse(b, checkoutSchema(`{"name":"gift_wrap","type":"boolean","default":false}`,
		`{"name":"discount","type":["null","double"],"default":null}`))
	return v3, []Version{{Version: 1, Schema: v1}, {Version: 2, Schema: v2}}
}

func BenchmarkCheck(b *testing.B) {
	candidate, previous := benchVersions(b)
	for _, level := range []Level{LevelBackward, LevelFullTransitive} {
		b.Run(string(level), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if res := Check(level, candidate, previous); !res.Compatible {
					b.Fatal(res.Summary())
				}
			}
		})
	}
	b.Run("BACKWARD incompatible", func(b *testing.B) {
		bad := mustParse(b, checkoutSchema(`{"name":"discount","type":"double"}`))
		b.ReportAllocs()
		for b.Loop() {
			if res := Check(LevelBackward, bad, previous); res.Compatible {
				b.Fatal("accepted a field without default")
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	text := checkoutSchema()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalized(b *testing.B) {
	text := checkoutSchema()
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Fingerprint()
	}
}

// TestCheckoutSchemaEvolves keeps the benchmark's premise honest.
func TestCheckoutSchemaEvolves(t *testing.T) {
	s := mustParse(t, checkoutSchema())
	if n := len(s.root.fields); n < 19 {
		t.Fatalf("benchmark schema has %d fields", n)
	}
	res := Check(LevelBackward, mustParse(t, checkoutSchema(`{"name":"discount","type":"double"}`)),
		[]Version{{Version: 1, Schema: s}})
	if want := fmt.Sprintf(`field "discount" (/fields/%d)`, len(s.root.fields)); !strings.HasPrefix(res.Summary(), want) {
		t.Errorf("summary %q", res.Summary())
	}
}
