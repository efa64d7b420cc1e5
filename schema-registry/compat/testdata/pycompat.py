"""Runs python3-avro's ReaderWriterCompatibilityChecker over compat_cases.json.

Usage: /usr/bin/python3 pycompat.py compat_cases.json
Prints one JSON object: case name -> {"compatible": bool, "types": [...]} or
{"error": "..."} when python-avro cannot parse or check the pair. Used by
TestDifferentialPythonAvro as an independent oracle.
"""
import json
import sys

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType


def main(path):
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    library = data["schemas"]

    def schema_text(value):
        if isinstance(value, str) and value.startswith("$"):
            value = library[value[1:]]
        return json.dumps(value)

    out = {}
    for case in data["cases"]:
        try:
            reader = avro.schema.parse(schema_text(case["reader"]))
            writer = avro.schema.parse(schema_text(case["writer"]))
            result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
            out[case["name"]] = {
                "compatible": result.compatibility is SchemaCompatibilityType.compatible,
                "types": sorted({t.value.upper() for t in result.incompatibilities}),
            }
        except Exception as exc:  # noqa: BLE001 - any failure is data for the Go side
            out[case["name"]] = {"error": "%s: %s" % (type(exc).__name__, exc)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
