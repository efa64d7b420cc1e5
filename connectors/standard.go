package connectors

import "fmt"

// Standard connector config keys, as in Apache Kafka Connect.
const (
	NameConfig                 = "name"
	ConnectorClassConfig       = "connector.class"
	TasksMaxConfig             = "tasks.max"
	KeyConverterConfig         = "key.converter"
	ValueConverterConfig       = "value.converter"
	HeaderConverterConfig      = "header.converter"
	TransformsConfig           = "transforms"
	PredicatesConfig           = "predicates"
	ConfigActionReloadConfig   = "config.action.reload"
	ErrorsRetryTimeoutConfig   = "errors.retry.timeout"
	ErrorsRetryMaxDelayConfig  = "errors.retry.delay.max.ms"
	ErrorsToleranceConfig      = "errors.tolerance"
	ErrorsLogEnableConfig      = "errors.log.enable"
	ErrorsLogIncludeMsgsConfig = "errors.log.include.messages"
	TopicsConfig               = "topics"
	TopicsRegexConfig          = "topics.regex"
	DLQTopicNameConfig         = "errors.deadletterqueue.topic.name"
	DLQReplicationConfig       = "errors.deadletterqueue.topic.replication.factor"
	DLQContextHeadersConfig    = "errors.deadletterqueue.context.headers.enable"

	// Prefixes of per-connector client overrides.
	ConsumerOverridePrefix = "consumer.override."
	ProducerOverridePrefix = "producer.override."
	AdminOverridePrefix    = "admin.override."
)

// Groups of the standard keys.
const (
	GroupCommon     = "Common"
	GroupTransforms = "Transforms"
	GroupPredicates = "Predicates"
	GroupErrors     = "Error Handling"
)

const (
	converterDoc = "Converter class used to convert between Kafka Connect format and the serialized form that is " +
		"written to Kafka. This controls the format of the %s in messages written to or read from Kafka. " +
		"Inherited from the worker when not set."
)

// CommonSpec holds the keys every connector accepts.
var CommonSpec = MustConfigSpec(
	ConfigKey{Name: NameConfig, Type: TypeString, Required: true, Validators: []Validator{NonEmptyString()},
		Importance: High, Documentation: "Globally unique name to use for this connector.",
		Group: GroupCommon, Order: 1, Width: WidthMedium, DisplayName: "Connector name"},
	ConfigKey{Name: ConnectorClassConfig, Type: TypeString, Required: true, Importance: High,
		Documentation: "Name or alias of the class for this connector. For " +
			"io.retailpulse.connect.file.FileStreamSinkConnector you can use the full name, " +
			"\"FileStreamSinkConnector\" or \"FileStreamSink\".",
		Group: GroupCommon, Order: 2, Width: WidthLong, DisplayName: "Connector class"},
	ConfigKey{Name: TasksMaxConfig, Type: TypeInt, Default: 1, Validators: []Validator{AtLeast(1)},
		Importance: High, Documentation: "Maximum number of tasks to use for this connector.",
		Group: GroupCommon, Order: 3, Width: WidthShort, DisplayName: "Tasks max"},
	ConfigKey{Name: KeyConverterConfig, Type: TypeClass, Importance: Low,
		Documentation: fmt.Sprintf(converterDoc, "keys"), Group: GroupCommon, Order: 4, Width: WidthShort,
		DisplayName: "Key converter class"},
	ConfigKey{Name: ValueConverterConfig, Type: TypeClass, Importance: Low,
		Documentation: fmt.Sprintf(converterDoc, "values"), Group: GroupCommon, Order: 5, Width: WidthShort,
		DisplayName: "Value converter class"},
	ConfigKey{Name: HeaderConverterConfig, Type: TypeClass, Importance: Low,
		Documentation: "HeaderConverter class for record headers. Headers pass through as raw bytes whichever " +
			"header converter is named.", Group: GroupCommon, Order: 6, Width: WidthShort,
		DisplayName: "Header converter class"},
	ConfigKey{Name: TransformsConfig, Type: TypeList, Default: []string{}, Validators: []Validator{uniqueAliases("transformation")},
		Importance: Low, Documentation: "Aliases for the transformations to be applied to records.",
		Group: GroupTransforms, Order: 7, Width: WidthLong, DisplayName: "Transforms"},
	ConfigKey{Name: PredicatesConfig, Type: TypeList, Default: []string{}, Validators: []Validator{uniqueAliases("predicate")},
		Importance: Low, Documentation: "Aliases for the predicates used by transformations.",
		Group: GroupPredicates, Order: 8, Width: WidthLong, DisplayName: "Predicates"},
	ConfigKey{Name: ConfigActionReloadConfig, Type: TypeString, Default: "restart", Validators: []Validator{OneOf("none", "restart")},
		Importance: Low, Documentation: "The action to take on the connector when changes in external configuration " +
			"providers change its configuration: 'none' or 'restart'.",
		Group: GroupCommon, Order: 9, Width: WidthMedium, DisplayName: "Reload Action"},
	ConfigKey{Name: ErrorsRetryTimeoutConfig, Type: TypeLong, Default: int64(0), Validators: []Validator{AtLeast(-1)},
		Importance: Medium, Documentation: "The maximum duration in milliseconds that a failed operation will be " +
			"reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
		Group: GroupErrors, Order: 1, Width: WidthMedium, DisplayName: "Retry Timeout for Errors"},
	ConfigKey{Name: ErrorsRetryMaxDelayConfig, Type: TypeLong, Default: int64(60000), Validators: []Validator{AtLeast(1)},
		Importance: Medium, Documentation: "The maximum duration in milliseconds between consecutive retry attempts.",
		Group: GroupErrors, Order: 2, Width: WidthMedium, DisplayName: "Maximum Delay Between Retries for Errors"},
	ConfigKey{Name: ErrorsToleranceConfig, Type: TypeString, Default: "none", Validators: []Validator{OneOf("none", "all")},
		Importance: Medium, Documentation: "Behavior for tolerating errors during connector operation. 'none' is the " +
			"default value and signals that any error will result in an immediate connector task failure; 'all' " +
			"changes the behavior to skip over problematic records.",
		Group: GroupErrors, Order: 3, Width: WidthShort, DisplayName: "Error Tolerance"},
	ConfigKey{Name: ErrorsLogEnableConfig, Type: TypeBoolean, Default: false, Importance: Medium,
		Documentation: "If true, write each error and the details of the failed operation and problematic record " +
			"to the worker log. False by default, so that only errors that are not tolerated are reported.",
		Group: GroupErrors, Order: 4, Width: WidthShort, DisplayName: "Log Errors"},
	ConfigKey{Name: ErrorsLogIncludeMsgsConfig, Type: TypeBoolean, Default: false, Importance: Medium,
		Documentation: "Whether to include in the log the record that resulted in a failure. False by default, " +
			"which keeps record keys, values and headers out of log files.",
		Group: GroupErrors, Order: 5, Width: WidthShort, DisplayName: "Log Error Details"},
)

// SinkSpec holds the keys sink connectors accept beyond CommonSpec.
var SinkSpec = MustConfigSpec(
	ConfigKey{Name: TopicsConfig, Type: TypeList, Default: []string{}, Importance: High,
		Documentation: "List of topics to consume, separated by commas.",
		Group:         GroupCommon, Order: 4, Width: WidthLong, DisplayName: "Topics"},
	ConfigKey{Name: TopicsRegexConfig, Type: TypeString, Default: "", Validators: []Validator{ValidRegex()},
		Importance: High, Documentation: "Regular expression giving topics to consume (RE2 syntax, matched " +
			"against the whole topic name). Only one of topics or topics.regex should be specified.",
		Group: GroupCommon, Order: 4, Width: WidthLong, DisplayName: "Topics regex"},
	ConfigKey{Name: DLQTopicNameConfig, Type: TypeString, Default: "", Importance: Medium,
		Documentation: "The name of the topic to be used as the dead letter queue (DLQ) for messages that result " +
			"in an error when processed by this sink connector, or its transformations or converters. Blank by " +
			"default, which means that no messages are recorded in the DLQ.",
		Group: GroupErrors, Order: 6, Width: WidthMedium, DisplayName: "Dead Letter Queue Topic Name"},
	ConfigKey{Name: DLQReplicationConfig, Type: TypeShort, Default: 3, Validators: []Validator{AtLeast(-1)},
		Importance: Medium, Documentation: "Replication factor used to create the dead letter queue topic when it " +
			"doesn't already exist; capped at the number of brokers, -1 for the broker default.",
		Group: GroupErrors, Order: 7, Width: WidthMedium, DisplayName: "Dead Letter Queue Topic Replication Factor"},
	ConfigKey{Name: DLQContextHeadersConfig, Type: TypeBoolean, Default: false, Importance: Medium,
		Documentation: "If true, add headers containing error context to the messages written to the dead letter " +
			"queue. All error context header keys start with __connect.errors.",
		Group: GroupErrors, Order: 8, Width: WidthMedium, DisplayName: "Enable Error Context Headers"},
)

// SourceSpec holds the keys source connectors accept beyond CommonSpec.
var SourceSpec = MustConfigSpec()

func uniqueAliases(kind string) Validator {
	return ValidatorFunc("unique "+kind+" aliases", func(v any) error {
		seen := map[string]bool{}
		for _, a := range v.([]string) {
			if seen[a] {
				return errDuplicateAlias
			}
			seen[a] = true
		}
		return nil
	})
}
