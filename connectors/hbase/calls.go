package hbase

import (
	"context"
	"encoding/binary"

	"github.com/tsuna/gohbase/filter"
	"github.com/tsuna/gohbase/hrpc"
	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// baseCall carries what every hrpc.Call needs; gohbase sets the region
// before sending.
type baseCall struct {
	ctx      context.Context
	table    []byte
	key      []byte
	region   hrpc.RegionInfo
	resultch chan hrpc.RPCResult
}

func newBase(ctx context.Context, table, key []byte) baseCall {
	return baseCall{ctx: ctx, table: table, key: key, resultch: make(chan hrpc.RPCResult, 1)}
}

func (b *baseCall) Table() []byte                   { return b.table }
func (b *baseCall) Key() []byte                     { return b.key }
func (b *baseCall) Region() hrpc.RegionInfo         { return b.region }
func (b *baseCall) SetRegion(r hrpc.RegionInfo)     { b.region = r }
func (b *baseCall) ResultChan() chan hrpc.RPCResult { return b.resultch }
func (b *baseCall) Context() context.Context        { return b.ctx }
func (b *baseCall) regionSpecifier() *pb.RegionSpecifier {
	if r, ok := b.region.(interface{ RegionSpecifier() *pb.RegionSpecifier }); ok {
		return r.RegionSpecifier()
	}
	return &pb.RegionSpecifier{Type: pb.RegionSpecifier_REGION_NAME.Enum(), Value: b.region.Name()}
}

// checkAndIncrement is HBase's checkAndMutate with an Increment: the
// increments of one row, applied only if the guard cell still holds the
// expected bytes (nil: the cell is absent). gohbase's own CheckAndPut
// takes only Puts, hence this call. HBase 2.4+ honours the condition and
// answers with processed; older servers ignore it for increments and
// leave processed unset.
type checkAndIncrement struct {
	baseCall
	family, qualifier []byte
	expected          []byte
	deltas            map[string]map[string]int64
}

func (c *checkAndIncrement) Name() string        { return "Mutate" }
func (c *checkAndIncrement) Description() string { return "CheckAndIncrement" }
func (c *checkAndIncrement) NewResponse() proto.Message {
	return &pb.MutateResponse{}
}

func (c *checkAndIncrement) ToProto() proto.Message {
	cmp, err := filter.NewBinaryComparator(filter.NewByteArrayComparable(c.expected)).ConstructPBComparator()
	if err != nil {
		// Marshalling a byte slice into a BinaryComparator cannot fail.
		panic(err)
	}
	cvs := make([]*pb.MutationProto_ColumnValue, 0, len(c.deltas))
	for fam, quals := range c.deltas {
		cv := &pb.MutationProto_ColumnValue{Family: []byte(fam)}
		for q, n := range quals {
			cv.QualifierValue = append(cv.QualifierValue, &pb.MutationProto_ColumnValue_QualifierValue{
				Qualifier: []byte(q), Value: binary.BigEndian.AppendUint64(nil, uint64(n))})
		}
		cvs = append(cvs, cv)
	}
	return &pb.MutateRequest{
		Region: c.regionSpecifier(),
		Mutation: &pb.MutationProto{Row: c.key, MutateType: pb.MutationProto_INCREMENT.Enum(), ColumnValue: cvs,
			Durability: pb.MutationProto_USE_DEFAULT.Enum()},
		Condition: &pb.Condition{Row: c.key, Family: c.family, Qualifier: c.qualifier,
			CompareType: pb.CompareType_EQUAL.Enum(), Comparator: cmp},
	}
}

// getTableDescriptors is MasterService.GetTableDescriptors for one table,
// which gohbase's admin client does not expose.
type getTableDescriptors struct {
	baseCall
	namespace, name []byte
}

func (c *getTableDescriptors) Name() string        { return "GetTableDescriptors" }
func (c *getTableDescriptors) Description() string { return c.Name() }
func (c *getTableDescriptors) NewResponse() proto.Message {
	return &pb.GetTableDescriptorsResponse{}
}
func (c *getTableDescriptors) ToProto() proto.Message {
	return &pb.GetTableDescriptorsRequest{TableNames: []*pb.TableName{{Namespace: c.namespace, Qualifier: c.name}}}
}

// addColumn is MasterService.AddColumn, which gohbase's admin client does
// not expose either.
type addColumn struct {
	baseCall
	namespace, name []byte
	family          string
}

func (c *addColumn) Name() string               { return "AddColumn" }
func (c *addColumn) Description() string        { return c.Name() }
func (c *addColumn) NewResponse() proto.Message { return &pb.AddColumnResponse{} }
func (c *addColumn) ToProto() proto.Message {
	return &pb.AddColumnRequest{
		TableName:      &pb.TableName{Namespace: c.namespace, Qualifier: c.name},
		ColumnFamilies: &pb.ColumnFamilySchema{Name: []byte(c.family), Attributes: familyAttributes()},
	}
}

// familyAttributes are the attributes of families the sink creates: one
// version (counters and guards need no history; the newest version is the
// profile) and HBase's other defaults.
func familyAttributes() []*pb.BytesBytesPair {
	attrs := familyAttributeMap()
	out := make([]*pb.BytesBytesPair, 0, len(attrs))
	for k, v := range attrs {
		out = append(out, &pb.BytesBytesPair{First: []byte(k), Second: []byte(v)})
	}
	return out
}

func familyAttributeMap() map[string]string {
	return map[string]string{"VERSIONS": "1", "BLOOMFILTER": "ROW", "COMPRESSION": "NONE", "BLOCKCACHE": "true"}
}
