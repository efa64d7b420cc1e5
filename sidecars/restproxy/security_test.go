package restproxy_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"

	"github.com/retailpulse/retailpulse/sidecars/restproxy"
)

const shopKey = "key-shop-eu-0123456789"

func TestAPIKeysCORSAndBeacons(t *testing.T) {
	e := newEnv(t, restproxy.WithoutRules(),
		restproxy.WithAPIKeys(map[string]restproxy.APIKey{
			shopKey:                  {Storefront: "shop-eu"},
			"key-ops-0123456789abcd": {Storefront: "ops", Topics: []string{"plain"}},
		}),
		restproxy.WithCORSOrigins("https://shop.example", "https://*.cdn.example"))

	body := `{"records":[{"value":` + eventJSON(1, nil) + `}]}`
	if r := e.post("/topics/user-events", ctAvro, body); r.status != 401 || !strings.Contains(string(r.body), `"error_code":40101`) {
		t.Fatalf("no key: %s", r)
	}
	if r := e.post("/topics/user-events", ctAvro, body, "X-API-Key", "key-wrong-0123456789"); r.status != 401 {
		t.Fatalf("wrong key: %s", r)
	}
	if r := e.post("/topics/user-events", ctAvro, body, "Authorization", "Bearer "+shopKey); r.status != 200 {
		t.Fatalf("bearer key: %s", r)
	}
	if r := e.post("/topics/plain", ctJSON, `{"records":[{"value":1}]}`, "X-API-Key", shopKey); r.status != 403 ||
		!strings.Contains(string(r.body), "may not produce to topic plain") {
		t.Fatalf("topic outside the key: %s", r)
	}
	if r := e.post("/topics/plain", ctJSON, `{"records":[{"value":1}]}`, "X-API-Key", "key-ops-0123456789abcd"); r.status != 200 {
		t.Fatalf("ops key on its topic: %s", r)
	}
	// An event of another storefront is refused; upstream answers 403 when
	// any record fails authorization, even beside good ones.
	mixed := `{"records":[{"value":` + eventJSON(2, map[string]any{"storefront": "shop-us"}) + `},{"value":` + eventJSON(3, nil) + `}]}`
	r := e.post("/topics/user-events", ctAvro, mixed, "X-API-Key", shopKey)
	var rep v2Reply
	r.json(t, &rep)
	if r.status != 403 || *rep.Offsets[0].ErrorCode != 40301 || rep.Offsets[1].Offset == nil {
		t.Fatalf("storefront mismatch: %s", r)
	}
	// Probes and scrapers need no key.
	if r := e.get("/health"); r.status != 200 {
		t.Fatalf("health: %s", r)
	}

	// CORS: preflight for an allowed origin, refusal for others.
	r = e.do(http.MethodOptions, "/topics/user-events", "", nil, "Origin", "https://shop.example", "Access-Control-Request-Method", "POST")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "X-API-Key") {
		t.Fatalf("preflight: %s %v", r, r.header)
	}
	if r := e.do(http.MethodOptions, "/topics/user-events", "", nil, "Origin", "https://evil.example"); r.status != 403 {
		t.Fatalf("preflight from evil: %s", r)
	}
	// A beacon is a simple request (text/plain, no preflight): the origin
	// check on the request itself is what stops other sites.
	beacon := `{"events":[` + eventJSON(4, map[string]any{"user_agent": nil}) + `,` + eventJSON(5, map[string]any{"price": "x"}) + `]}`
	if r := e.post(restproxy.SDKPath+"?api_key="+shopKey, "text/plain;charset=UTF-8", beacon, "Origin", "https://evil.example"); r.status != 403 {
		t.Fatalf("beacon from evil origin: %s", r)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(beacon))
	_ = zw.Close()
	r = e.do(http.MethodPost, restproxy.SDKPath+"?api_key="+shopKey, "text/plain;charset=UTF-8", gz.Bytes(),
		"Origin", "https://www.cdn.example", "Content-Encoding", "gzip", "User-Agent", "Mozilla/5.0 (iPhone) Safari")
	var sdk struct {
		Accepted int `json:"accepted"`
		Errors   []struct {
			Index     int    `json:"index"`
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		} `json:"errors"`
	}
	r.json(t, &sdk)
	if r.status != 200 || sdk.Accepted != 1 || len(sdk.Errors) != 1 || sdk.Errors[0].Index != 1 ||
		!strings.Contains(sdk.Errors[0].Message, "events[1].value.price") || r.header.Get("Access-Control-Allow-Origin") != "https://www.cdn.example" {
		t.Fatalf("beacon: %s %v", r, r.header)
	}
	var beaconEvent *consumed
	recs := e.readAll("user-events", 3)
	for i := range recs {
		if string(recs[i].key) == "u-4" {
			beaconEvent = &recs[i]
		}
	}
	if beaconEvent == nil {
		t.Fatalf("beacon event not stored: %v", keys(recs))
	}
	ev := e.decodeEvent(beaconEvent.value)
	if ev.Storefront == nil || *ev.Storefront != "shop-eu" || ev.UserAgent == nil || *ev.UserAgent != "Mozilla/5.0 (iPhone) Safari" {
		t.Fatalf("beacon event not enriched from key and request: %+v", ev)
	}
	if r := e.post(restproxy.SDKPath, "application/xml", "<e/>", "X-API-Key", shopKey); r.status != 415 {
		t.Fatalf("sdk content type: %s", r)
	}
}
