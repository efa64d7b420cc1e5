"""Cross-checks our Go serde with python3-confluent-kafka's legacy Avro serde.

stdin: JSON {"payload_hex": <bytes our Go Serializer wrote>}
stdout: JSON {"decoded": <what MessageSerializer decoded>, "python_hex": <bytes
MessageSerializer wrote for the same record with the same schema id>}
"""
import json
import sys

from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer

url = sys.argv[1]
req = json.load(sys.stdin)
ser = MessageSerializer(CachedSchemaRegistryClient({"url": url}))
payload = bytes.fromhex(req["payload_hex"])
decoded = ser.decode_message(payload)
schema_id = int.from_bytes(payload[1:5], "big")
again = ser.encode_record_with_schema_id(schema_id, decoded)
print(json.dumps({"decoded": decoded, "python_hex": again.hex()}, default=str))
