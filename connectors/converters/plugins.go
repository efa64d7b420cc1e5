package converters

import "github.com/retailpulse/retailpulse/connectors"

// Class names of the converters, as users write them in connector configs.
const (
	AvroClass             = "io.confluent.connect.avro.AvroConverter"
	JSONClass             = "org.apache.kafka.connect.json.JsonConverter"
	StringClass           = "org.apache.kafka.connect.storage.StringConverter"
	ByteArrayClass        = "org.apache.kafka.connect.converters.ByteArrayConverter"
	SimpleHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
)

// Version is reported for the built-in converters.
const Version = "1.0.0"

// Plugins returns the converter declarations for connectors.NewRegistry.
// StringConverter, ByteArrayConverter and JsonConverter also serve as
// header converters upstream; here every header converter passes headers
// through as bytes, so they are declared once as converters and
// SimpleHeaderConverter as the header converter.
func Plugins() []connectors.Plugin {
	return []connectors.Plugin{
		{Class: AvroClass, Type: connectors.PluginConverter, Version: Version, Spec: AvroSpec,
			NewConverter: func() connectors.Converter { return &Avro{} }},
		{Class: JSONClass, Type: connectors.PluginConverter, Version: Version, Spec: JSONSpec,
			NewConverter: func() connectors.Converter { return &JSON{} }},
		{Class: StringClass, Type: connectors.PluginConverter, Version: Version, Spec: StringSpec,
			NewConverter: func() connectors.Converter { return &String{} }},
		{Class: ByteArrayClass, Type: connectors.PluginConverter, Version: Version, Spec: ByteArraySpec,
			NewConverter: func() connectors.Converter { return ByteArray{} }},
		{Class: SimpleHeaderConverter, Type: connectors.PluginHeaderConverter, Version: Version},
	}
}
