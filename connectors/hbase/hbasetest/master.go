package hbasetest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/tsuna/gohbase/pb"
	"google.golang.org/protobuf/proto"
)

// masterMethods are the MasterService calls the double answers.
var masterMethods = map[string]func(*Server, call) reply{
	"IsMasterRunning":     (*Server).handleIsMasterRunning,
	"GetTableNames":       (*Server).handleGetTableNames,
	"GetTableDescriptors": (*Server).handleGetTableDescriptors,
	"CreateTable":         (*Server).handleCreateTable,
	"AddColumn":           (*Server).handleAddColumn,
	"getProcedureResult":  (*Server).handleProcedureResult,
}

func (s *Server) handleIsMasterRunning(call) reply {
	return reply{msg: &pb.IsMasterRunningResponse{IsMasterRunning: proto.Bool(true)}}
}

func (s *Server) handleGetTableNames(cl call) reply {
	var req pb.GetTableNamesRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding GetTableNamesRequest: "+err.Error())}
	}
	match, exc := tableMatcher(req.GetRegex(), req.GetNamespace())
	if exc != nil {
		return reply{exc: exc}
	}
	resp := &pb.GetTableNamesResponse{}
	for _, name := range s.st.tableNames() {
		if match(name) {
			ns, q := splitTableName(name)
			resp.TableNames = append(resp.TableNames, &pb.TableName{Namespace: []byte(ns), Qualifier: []byte(q)})
		}
	}
	return reply{msg: resp}
}

// handleGetTableDescriptors answers with the schema of the named tables
// (missing ones are left out, as HBase does) or of those matching regex.
func (s *Server) handleGetTableDescriptors(cl call) reply {
	var req pb.GetTableDescriptorsRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding GetTableDescriptorsRequest: "+err.Error())}
	}
	var names []string
	if len(req.TableNames) > 0 {
		for _, tn := range req.TableNames {
			names = append(names, qualifiedName(string(tn.Namespace), string(tn.Qualifier)))
		}
	} else {
		match, exc := tableMatcher(req.GetRegex(), req.GetNamespace())
		if exc != nil {
			return reply{exc: exc}
		}
		for _, n := range s.st.tableNames() {
			if match(n) {
				names = append(names, n)
			}
		}
	}
	resp := &pb.GetTableDescriptorsResponse{}
	for _, n := range names {
		if t, ok := s.st.table(n); ok {
			resp.TableSchema = append(resp.TableSchema, s.schemaOf(t))
		}
	}
	return reply{msg: resp}
}

func (s *Server) schemaOf(t *table) *pb.TableSchema {
	ts := &pb.TableSchema{TableName: &pb.TableName{Namespace: []byte(t.namespace), Qualifier: []byte(t.name)}}
	for k, v := range t.attrs {
		ts.Attributes = append(ts.Attributes, &pb.BytesBytesPair{First: []byte(k), Second: []byte(v)})
	}
	for _, name := range s.st.familyNames(t) {
		f, _ := s.st.familyOf(t, name)
		cf := &pb.ColumnFamilySchema{Name: []byte(name)}
		attrs := map[string]string{"VERSIONS": strconv.Itoa(f.versions)}
		for k, v := range f.attrs {
			attrs[k] = v
		}
		for k, v := range attrs {
			cf.Attributes = append(cf.Attributes, &pb.BytesBytesPair{First: []byte(k), Second: []byte(v)})
		}
		ts.ColumnFamilies = append(ts.ColumnFamilies, cf)
	}
	return ts
}

// handleCreateTable creates the table at once and answers with a
// procedure id that getProcedureResult reports FINISHED. An existing table
// fails the call itself with TableExistsException, as HBase's prepare
// latch makes it do.
func (s *Server) handleCreateTable(cl call) reply {
	var req pb.CreateTableRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding CreateTableRequest: "+err.Error())}
	}
	schema := req.GetTableSchema()
	full := qualifiedName(string(schema.GetTableName().GetNamespace()), string(schema.GetTableName().GetQualifier()))
	var fams []*family
	for _, cf := range schema.ColumnFamilies {
		f, exc := familyFromSchema(cf)
		if exc != nil {
			return reply{exc: exc}
		}
		fams = append(fams, f)
	}
	attrs := map[string]string{}
	for _, a := range schema.Attributes {
		attrs[string(a.First)] = string(a.Second)
	}
	if _, err := s.st.createTable(full, fams, req.SplitKeys, attrs); err != nil {
		switch {
		case errors.Is(err, ErrTableExists):
			return reply{exc: jerr(ExcTableExists, full)}
		case errors.Is(err, ErrInvalidSplit):
			return reply{exc: jerr(ExcDoNotRetry, err.Error())}
		}
		return reply{exc: asJava(err)}
	}
	return reply{msg: &pb.CreateTableResponse{ProcId: proto.Uint64(s.finishProcedure(nil))}}
}

// handleAddColumn adds a family at once. This gohbase's AddColumnResponse
// predates procedure ids, so clients poll GetTableDescriptors.
func (s *Server) handleAddColumn(cl call) reply {
	var req pb.AddColumnRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding AddColumnRequest: "+err.Error())}
	}
	full := qualifiedName(string(req.GetTableName().GetNamespace()), string(req.GetTableName().GetQualifier()))
	f, exc := familyFromSchema(req.GetColumnFamilies())
	if exc != nil {
		return reply{exc: exc}
	}
	if err := s.st.addFamily(full, f); err != nil {
		return reply{exc: asJava(err)}
	}
	return reply{msg: &pb.AddColumnResponse{}}
}

func (s *Server) handleProcedureResult(cl call) reply {
	var req pb.GetProcedureResultRequest
	if err := proto.Unmarshal(cl.param, &req); err != nil {
		return reply{exc: jerr(ExcDoNotRetry, "decoding GetProcedureResultRequest: "+err.Error())}
	}
	s.procMu.Lock()
	exc, ok := s.procs[req.GetProcId()]
	s.procMu.Unlock()
	if !ok {
		return reply{msg: &pb.GetProcedureResultResponse{State: pb.GetProcedureResultResponse_NOT_FOUND.Enum()}}
	}
	return reply{msg: &pb.GetProcedureResultResponse{State: pb.GetProcedureResultResponse_FINISHED.Enum(), Exception: exc}}
}

func (s *Server) finishProcedure(exc *pb.ForeignExceptionMessage) uint64 {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	s.procSeq++
	s.procs[s.procSeq] = exc
	return s.procSeq
}

func familyFromSchema(cf *pb.ColumnFamilySchema) (*family, *javaError) {
	if cf == nil {
		return nil, jerr(ExcDoNotRetry, "column family schema missing")
	}
	f := &family{name: string(cf.Name), versions: defaultVersions, attrs: map[string]string{}}
	if err := validFamilyName(f.name); err != nil {
		return nil, asJava(err)
	}
	for _, a := range cf.Attributes {
		k, v := string(a.First), string(a.Second)
		if k == "VERSIONS" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, jerr(ExcDoNotRetry, fmt.Sprintf("Illegal VERSIONS %q for family %s", v, f.name))
			}
			f.versions = n
			continue
		}
		f.attrs[k] = v
	}
	return f, nil
}

func tableMatcher(regex, namespace string) (func(string) bool, *javaError) {
	re := regexp.MustCompile(".*")
	if regex != "" {
		var err error
		if re, err = regexp.Compile("^(?:" + regex + ")$"); err != nil {
			return nil, jerr(ExcDoNotRetry, "invalid table regex: "+err.Error())
		}
	}
	return func(name string) bool {
		ns, _ := splitTableName(name)
		if namespace != "" && ns != namespace {
			return false
		}
		return re.MatchString(name)
	}, nil
}
