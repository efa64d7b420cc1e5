"""Cross-check the governed schemas and golden records with python3-avro.

Usage: pycheck.py SCHEMA_DIR GOLDEN_DIR STEM...

For each STEM: parse SCHEMA_DIR/STEM.avsc, decode GOLDEN_DIR/STEM.golden.bin
with it, require every byte to be consumed, encode the decoded datum again
(DatumWriter validates it against the schema first) and compare the bytes.
Prints one JSON object per schema on stdout; exits non-zero only on a usage
error so the Go test can report every failure at once.
"""

import io
import json
import os
import sys

import avro.io
import avro.schema


def check(schema_dir, golden_dir, stem):
    result = {"stem": stem, "ok": False}
    try:
        with open(os.path.join(schema_dir, stem + ".avsc"), encoding="utf-8") as f:
            schema = avro.schema.parse(f.read())
        result["fullname"] = schema.fullname

        with open(os.path.join(golden_dir, stem + ".golden.bin"), "rb") as f:
            golden = f.read()
        buf = io.BytesIO(golden)
        datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(buf))
        if buf.tell() != len(golden):
            result["error"] = "decoded %d of %d bytes" % (buf.tell(), len(golden))
            return result

        out = io.BytesIO()
        avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(out))
        if out.getvalue() != golden:
            result["error"] = "re-encoded bytes differ: got %s want %s" % (
                out.getvalue().hex(),
                golden.hex(),
            )
            return result
        result["ok"] = True
    except Exception as e:  # report, do not abort the other schemas
        result["error"] = "%s: %s" % (type(e).__name__, e)
    return result


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir, golden_dir = argv[1], argv[2]
    for stem in argv[3:]:
        print(json.dumps(check(schema_dir, golden_dir, stem)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
