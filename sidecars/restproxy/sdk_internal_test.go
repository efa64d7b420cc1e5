package restproxy

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/retailpulse/retailpulse/schema-registry/avro"
)

// sdkFills are the storefronts and user agents the SDK differential tests
// fill in: none, blank (no fill), plain, and ones that need escaping.
var sdkFills = []string{"", " ", "shop-eu", "Mozilla/5.0 (iPhone) \"Safari\" <x>", "ünï\u2028code"}

// checkSDKText runs the SDK fast path (sdkText, then the fast converter)
// and the general converter over the event as fillMember completes it,
// and requires that the fast path declines or agrees byte for byte.
func checkSDKText(t *testing.T, n *avroNode, event string, storefront, userAgent string) (fastOK bool) {
	t.Helper()
	src := []byte(event)
	doc, err := parseJSON(src)
	if err != nil || doc.kind != jsonObject {
		return false
	}
	text := sdkText(src, &doc, storefront, userAgent)
	fillMember(&doc, "storefront", storefront)
	fillMember(&doc, "user_agent", userAgent)
	general, nat, gerr := n.encodeMasked(nil, &doc, "value", nil)
	if text == nil {
		return false
	}
	lv := jsonValue{kind: jsonObject, lazy: true, end: int32(len(text))}
	var ev eventFields
	fast, ok := encodeFast(n, text, string(text), &lv, nil, &ev)
	if !ok {
		return false
	}
	if gerr != nil {
		t.Fatalf("%s (%q, %q): fast path accepted what the general converter refuses: %v", event, storefront, userAgent, gerr)
	}
	if !bytes.Equal(fast, general) {
		t.Fatalf("%s (%q, %q): fast path wrote\n%x\ngeneral converter wrote\n%x", event, storefront, userAgent, fast, general)
	}
	want := eventFieldsOf(nat.(map[string]any))
	want.Fields, ev.Fields = nil, nil
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("%s (%q, %q): fast path read\n%+v\ngeneral converter\n%+v", event, storefront, userAgent, ev, want)
	}
	return true
}

func sdkEvents() []string {
	return append([]string{
		sdkEvent(1, `,"item_id":"sku-1","price":19.5,"user_agent":"Mozilla/5.0 (X11)"`),
		sdkEvent(2, `,"item_id":"sku-2","price":19.5`),
		sdkEvent(3, `,"storefront":"web-us","quantity":2`),
		`{"event_id":"0f8fad5b-d9cb-469f-a165-000000000004","event_type":"PRODUCT_VIEW","user_id":"u","session_id":"s",` +
			`"event_time":"2026-01-01T12:00:00.5+02:00","attributes":{"a":"b"}}`,
		`{"storefront":null,"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"CLICK","user_id":"u","session_id":"s","event_time":1}`,
		`{"event_id":"0f8fad5b-d9cb-469f-a165-70867728950e","event_type":"CLICK","user_id":"u","session_id":"s","event_time":1,"user_agent":null}`,
		`{}`,
		` { "event_id" : "0f8fad5b-d9cb-469f-a165-70867728950e" , "event_type":"CLICK","user_id":"u","session_id":"s","event_time":1 } `,
	}, eventCases...)
}

// sdkEvent is a plain-JSON UserEvent with more members appended.
func sdkEvent(i int, more string) string {
	return fmt.Sprintf(`{"event_id":"0f8fad5b-d9cb-469f-a165-%012d","event_type":"PRODUCT_VIEW","user_id":"u-%d",`+
		`"session_id":"s-%d","event_time":%d%s}`, i, i, i, 1767225600000+i, more)
}

func TestSDKFastPathMatchesGeneral(t *testing.T) {
	sch, _ := avro.ByName("UserEvent")
	n := compileText(t, sch.Text)
	fast := 0
	for _, ev := range sdkEvents() {
		for _, sf := range sdkFills {
			for _, ua := range sdkFills {
				if checkSDKText(t, n, ev, sf, ua) {
					fast++
				}
			}
		}
	}
	// Absent members must be filled on the fast path, or it would be
	// tested only for declining.
	if fast < 100 {
		t.Fatalf("the fast path took only %d of the SDK cases", fast)
	}
	for _, sf := range sdkFills[2:] {
		if !checkSDKText(t, n, sdkEvent(9, ""), sf, "Mozilla/5.0") {
			t.Errorf("the fast path declined an SDK event it covers (storefront %q)", sf)
		}
	}
}

// FuzzSDKText is the differential test of the SDK fast path.
func FuzzSDKText(f *testing.F) {
	for i, ev := range sdkEvents() {
		f.Add(uint8(i), ev)
	}
	sch, _ := avro.ByName("UserEvent")
	n := compileText(f, sch.Text)
	f.Fuzz(func(t *testing.T, which uint8, event string) {
		sf, ua := sdkFills[int(which)%len(sdkFills)], sdkFills[int(which/8)%len(sdkFills)]
		checkSDKText(t, n, event, sf, ua)
	})
}
