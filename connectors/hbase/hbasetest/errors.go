package hbasetest

import "errors"

var (
	// ErrZooKeeperUnavailable is returned when the ZooKeeper jar or java is
	// missing, or ZooKeeper does not come up.
	ErrZooKeeperUnavailable = errors.New("zookeeper unavailable")
	// ErrTableExists is returned by Server.CreateTable for an existing table.
	ErrTableExists = errors.New("table exists")
	// ErrTableNotFound is returned by the Server's inspection methods for an
	// unknown table.
	ErrTableNotFound = errors.New("table not found")
	// ErrInvalidSplit is returned by Server.CreateTable for unsorted or
	// duplicate split keys.
	ErrInvalidSplit = errors.New("invalid split keys")
)

// Java exception class names the double answers with. gohbase classifies
// errors by these names: RegionTooBusy is retried with backoff on the same
// server, NotServingRegion makes the client look the region up in meta
// again, the rest are returned to the caller.
const (
	ExcRegionTooBusy      = "org.apache.hadoop.hbase.RegionTooBusyException"
	ExcNotServingRegion   = "org.apache.hadoop.hbase.NotServingRegionException"
	ExcDoNotRetry         = "org.apache.hadoop.hbase.DoNotRetryIOException"
	ExcNoSuchColumnFamily = "org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException"
	ExcTableExists        = "org.apache.hadoop.hbase.TableExistsException"
	ExcTableNotFound      = "org.apache.hadoop.hbase.TableNotFoundException"
	ExcInvalidFamilyOp    = "org.apache.hadoop.hbase.InvalidFamilyOperationException"
	ExcUnknownScanner     = "org.apache.hadoop.hbase.UnknownScannerException"
	ExcUnsupportedOp      = "java.lang.UnsupportedOperationException"
	ExcWrongRegion        = "org.apache.hadoop.hbase.regionserver.WrongRegionException"
	ExcUnknownProtocol    = "org.apache.hadoop.hbase.exceptions.UnknownProtocolException"
)

// javaError is an exception to send back to the client, as HBase's RPC
// server does: class name plus a stack-trace text.
type javaError struct {
	class string
	msg   string
}

func (e *javaError) Error() string { return e.class + ": " + e.msg }

func jerr(class, msg string) *javaError { return &javaError{class: class, msg: msg} }
