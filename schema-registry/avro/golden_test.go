package avro

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/linkedin/goavro/v2"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.{bin,json} from the fixtures")

// TestGolden pins the wire format. The .bin files are what Encode produces
// for the fixtures; a change there means every consumer sees different bytes,
// which must be a deliberate schema change. The .json files are the same
// records in Avro's JSON encoding (unions tagged as {"string": "x"}), written
// by goavro, an independent implementation, from the golden bytes; they double
// as sample payloads for the REST proxy's avro embedded format.
func TestGolden(t *testing.T) {
	for _, g := range goldenCases() {
		t.Run(g.stem, func(t *testing.T) {
			binPath := filepath.Join("testdata", g.stem+".golden.bin")
			jsonPath := filepath.Join("testdata", g.stem+".golden.json")

			got, err := Encode(g.value)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if *update {
				writeGolden(t, binPath, got)
			}
			golden := readGolden(t, binPath)
			if !bytes.Equal(got, golden) {
				t.Errorf("Encode(fixture) differs from %s (run go test -update after a deliberate change)\n got: %x\nwant: %x",
					binPath, got, golden)
			}
			decoded := g.zero()
			if err := Decode(golden, decoded); err != nil {
				t.Fatalf("Decode(%s): %v", binPath, err)
			}
			if !reflect.DeepEqual(decoded, g.value) {
				t.Errorf("Decode(%s) = %+v, want the fixture %+v", binPath, decoded, g.value)
			}

			s, err := SchemaOf(g.value)
			if err != nil {
				t.Fatal(err)
			}
			codec, err := goavro.NewCodec(s.Text)
			if err != nil {
				t.Fatalf("goavro cannot parse %s: %v", s.File, err)
			}
			native, rest, err := codec.NativeFromBinary(golden)
			if err != nil {
				t.Fatalf("goavro cannot decode %s: %v", binPath, err)
			}
			if len(rest) != 0 {
				t.Fatalf("goavro left %d bytes of %s undecoded", len(rest), binPath)
			}
			text, err := codec.TextualFromNative(nil, native)
			if err != nil {
				t.Fatalf("goavro cannot render %s as Avro JSON: %v", binPath, err)
			}
			text = canonicalJSON(t, text)
			if *update {
				writeGolden(t, jsonPath, text)
			}
			goldenJSON := readGolden(t, jsonPath)
			if !bytes.Equal(text, goldenJSON) {
				t.Errorf("Avro JSON of the golden record differs from %s\n got: %s\nwant: %s", jsonPath, text, goldenJSON)
			}

			// And back: the JSON file must describe exactly the fixture.
			native, rest, err = codec.NativeFromTextual(goldenJSON)
			if err != nil || len(bytes.TrimSpace(rest)) != 0 {
				t.Fatalf("goavro cannot read %s: %v (%d bytes left)", jsonPath, err, len(rest))
			}
			bin, err := codec.BinaryFromNative(nil, native)
			if err != nil {
				t.Fatalf("goavro cannot encode %s: %v", jsonPath, err)
			}
			fromJSON := g.zero()
			if err := Decode(bin, fromJSON); err != nil {
				t.Fatalf("Decode(goavro binary of %s): %v", jsonPath, err)
			}
			if !reflect.DeepEqual(fromJSON, g.value) {
				t.Errorf("%s decodes to %+v, want the fixture %+v", jsonPath, fromJSON, g.value)
			}
		})
	}
}

// canonicalJSON re-indents with sorted object keys, so map entries and record
// fields come out in a stable order whatever goavro's map iteration did.
// Numbers keep their literal text.
func canonicalJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("goavro produced invalid JSON %s: %v", b, err)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func readGolden(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test -update to create it): %v", err)
	}
	return b
}

func writeGolden(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatalf("writing golden file: %v", err)
	}
}
