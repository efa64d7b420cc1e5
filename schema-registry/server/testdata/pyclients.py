"""Drives our registry with Debian's python3-confluent-kafka clients.

Usage: pyclients.py <registry-url> <user:password>

Prints one JSON object with what the clients saw; the Go test checks it
against the registry. Exits non-zero with a message when a client call
fails or disagrees with itself.
"""
import json
import sys

from confluent_kafka import avro
from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

url, userinfo = sys.argv[1], sys.argv[2]
out = {}

V1 = {"type": "record", "name": "Click", "namespace": "py.test",
      "fields": [{"name": "user_id", "type": "string"}, {"name": "n", "type": "long"}]}
V2 = dict(V1, fields=V1["fields"] + [{"name": "page", "type": ["null", "string"], "default": None}])
V3 = dict(V1, fields=V1["fields"] + [{"name": "required", "type": "int"}])

# Legacy client: register through the serializer, encode, decode with a
# fresh client that must fetch the schema by id from the registry.
legacy = CachedSchemaRegistryClient({"url": url, "basic.auth.credentials.source": "USER_INFO",
                                     "basic.auth.user.info": userinfo})
serializer = MessageSerializer(legacy)
record = {"user_id": "u-42", "n": 7}
payload = serializer.encode_record_with_schema("clicks", avro.loads(json.dumps(V1)), record)
out["wire_magic"] = payload[0]
out["wire_id"] = int.from_bytes(payload[1:5], "big")
fresh = CachedSchemaRegistryClient({"url": url, "basic.auth.credentials.source": "USER_INFO",
                                    "basic.auth.user.info": userinfo})
out["decoded"] = MessageSerializer(fresh).decode_message(payload)

out["legacy_register_v2"] = legacy.register("clicks-value", avro.loads(json.dumps(V2)))
out["legacy_check_v3"] = legacy.test_compatibility("clicks-value", avro.loads(json.dumps(V3)))
out["legacy_check_missing"] = legacy.test_compatibility("nobody-value", avro.loads(json.dumps(V3)))
latest = legacy.get_latest_schema("clicks-value")
out["legacy_latest"] = [latest[0], latest[2]]
out["legacy_version_of_v1"] = legacy.get_version("clicks-value", avro.loads(json.dumps(V1)))
out["legacy_update_compat"] = legacy.update_compatibility("FULL", "clicks-value")
out["legacy_get_compat"] = legacy.get_compatibility("clicks-value")
out["legacy_get_global_compat"] = legacy.get_compatibility()
try:
    legacy.register("clicks-value", avro.loads(json.dumps(V3)))
    out["legacy_register_v3"] = "accepted"
except Exception as e:  # the legacy client raises ClientError on 409
    out["legacy_register_v3"] = str(e)

# Newer client.
client = SchemaRegistryClient({"url": url, "basic.auth.user.info": userinfo})
sid = client.register_schema("views-value", Schema(json.dumps(V1), "AVRO"))
out["new_register"] = sid
out["new_get_schema_same"] = json.loads(client.get_schema(sid).schema_str) == V1
looked = client.lookup_schema("views-value", Schema(json.dumps(V1), "AVRO"))
out["new_lookup"] = [looked.schema_id, looked.subject, looked.version]
out["new_subjects"] = client.get_subjects()
out["new_set_compat"] = client.set_compatibility("views-value", "forward")
out["new_get_compat"] = client.get_compatibility("views-value")
out["new_test_v3"] = client.test_compatibility("views-value", Schema(json.dumps(V3), "AVRO"))
client.register_schema("views-value", Schema(json.dumps(V3), "AVRO"))
out["new_versions"] = client.get_versions("views-value")
lv = client.get_latest_version("views-value")
out["new_latest"] = [lv.schema_id, lv.version]
out["new_delete_version"] = client.delete_version("views-value", 1)
# This client's permanent delete is a soft delete followed by a hard one.
out["new_delete_subject"] = client.delete_subject("views-value", permanent=True)
out["new_subjects_after"] = client.get_subjects()
try:
    client.get_latest_version("views-value")
except SchemaRegistryError as e:
    out["new_missing"] = [e.http_status_code, e.error_code]

print(json.dumps(out, sort_keys=True))
