package cassandratest

import (
	"strings"
)

type stmtKind int

const (
	stSelect stmtKind = iota
	stInsert
	stUpdate
	stDelete
	stCreateKeyspace
	stCreateTable
	stDropKeyspace
	stDropTable
	stTruncate
	stUse
)

var stmtNames = map[stmtKind]string{stSelect: "SELECT", stInsert: "INSERT", stUpdate: "UPDATE", stDelete: "DELETE",
	stCreateKeyspace: "CREATE KEYSPACE", stCreateTable: "CREATE TABLE", stDropKeyspace: "DROP KEYSPACE",
	stDropTable: "DROP TABLE", stTruncate: "TRUNCATE", stUse: "USE"}

type tableRef struct{ ks, name string }

type litKind int

const (
	litString litKind = iota
	litNumber
	litBool
	litNull
	litUUID
	litBlob
	litList
	litSet
	litMap
)

type literal struct {
	kind  litKind
	text  string
	elems []*literal // list and set elements; map keys and values alternating
}

// term is a literal or the bind marker with index marker.
type term struct {
	marker int // -1 for a literal
	lit    *literal
}

type relation struct {
	col   string
	terms []term // one for =, several for IN
}

type selKind int

const (
	selColumn selKind = iota
	selStar
	selTTL
	selWritetime
	selCount
)

type selector struct {
	kind  selKind
	col   string
	alias string
}

type assignment struct {
	col string
	val term
}

type colDef struct {
	name string
	typ  *cqlType
}

type tableDef struct {
	cols       []colDef
	pk, ck     []string
	descending map[string]bool
	defaultTTL int
}

// statement is a parsed CQL statement.
type statement struct {
	kind    stmtKind
	cql     string
	table   tableRef
	markers int

	selectors []selector
	where     []relation
	limit     *term

	columns []string
	values  []term
	sets    []assignment
	ifNot   bool // IF NOT EXISTS
	ifExist bool // IF EXISTS (DDL)

	ttl, timestamp *term

	keyspace    string
	replication map[string]string
	durable     bool
	def         *tableDef
}

type parser struct {
	toks    []token
	i       int
	markers int
}

// parse parses one statement of the modeled CQL subset.
func parse(cql string) (*statement, error) {
	toks, err := lex(cql)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var st *statement
	switch {
	case p.keyword("select"):
		st, err = p.selectStmt()
	case p.keyword("insert"):
		st, err = p.insertStmt()
	case p.keyword("update"):
		st, err = p.updateStmt()
	case p.keyword("delete"):
		st, err = p.deleteStmt()
	case p.keyword("create"):
		st, err = p.createStmt()
	case p.keyword("drop"):
		st, err = p.dropStmt()
	case p.keyword("truncate"):
		p.keyword("table")
		st = &statement{kind: stTruncate}
		st.table, err = p.tableName()
	case p.keyword("use"):
		st = &statement{kind: stUse}
		st.keyspace, err = p.ident("keyspace")
	case p.keyword("begin"):
		return nil, invalidf("BEGIN BATCH in CQL text is not modeled; use a protocol BATCH")
	default:
		return nil, syntaxErr(p.peek().pos, "no viable alternative at input '"+p.peek().text+"'")
	}
	if err != nil {
		return nil, err
	}
	if !p.at(tkEOF) {
		return nil, syntaxErr(p.peek().pos, "extraneous input '"+p.peek().text+"'")
	}
	st.cql, st.markers = cql, p.markers
	return st, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) at(k tokenKind) bool { return p.toks[p.i].kind == k }

func (p *parser) atSymbol(s string) bool {
	t := p.peek()
	return t.kind == tkSymbol && t.text == s
}

// keyword consumes the unquoted word w if it is next.
func (p *parser) keyword(w string) bool {
	t := p.peek()
	if t.kind == tkIdent && t.text == w {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKeyword(words ...string) error {
	for _, w := range words {
		if !p.keyword(w) {
			return syntaxErr(p.peek().pos, "expected "+strings.ToUpper(w)+" but found '"+p.peek().text+"'")
		}
	}
	return nil
}

func (p *parser) symbol(s string) bool {
	if p.atSymbol(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(s string) error {
	if !p.symbol(s) {
		return syntaxErr(p.peek().pos, "expected '"+s+"' but found '"+p.peek().text+"'")
	}
	return nil
}

// ident reads an identifier: unquoted ones are lower-cased, quoted ones
// kept as written.
func (p *parser) ident(what string) (string, error) {
	t := p.peek()
	if t.kind != tkIdent && t.kind != tkQuotedIdent {
		return "", syntaxErr(t.pos, "expected "+what+" but found '"+t.text+"'")
	}
	p.i++
	return t.text, nil
}

func (p *parser) tableName() (tableRef, error) {
	first, err := p.ident("table name")
	if err != nil {
		return tableRef{}, err
	}
	if !p.symbol(".") {
		return tableRef{name: first}, nil
	}
	second, err := p.ident("table name")
	return tableRef{ks: first, name: second}, err
}

func (p *parser) identList() ([]string, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []string
	for {
		id, err := p.ident("column name")
		if err != nil {
			return nil, err
		}
		out = append(out, id)
		if p.symbol(")") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) term() (term, error) {
	if p.at(tkMarker) {
		p.i++
		p.markers++
		return term{marker: p.markers - 1}, nil
	}
	if p.at(tkSymbol) && p.peek().text == ":" {
		return term{}, invalidf("named bind markers are not modeled")
	}
	lit, err := p.literal()
	return term{marker: -1, lit: lit}, err
}

func (p *parser) literal() (*literal, error) {
	t := p.peek()
	switch t.kind {
	case tkString:
		p.i++
		return &literal{kind: litString, text: t.text}, nil
	case tkNumber:
		p.i++
		return &literal{kind: litNumber, text: t.text}, nil
	case tkUUID:
		p.i++
		return &literal{kind: litUUID, text: t.text}, nil
	case tkBlob:
		p.i++
		return &literal{kind: litBlob, text: t.text}, nil
	case tkIdent:
		switch t.text {
		case "true", "false":
			p.i++
			return &literal{kind: litBool, text: t.text}, nil
		case "null":
			p.i++
			return &literal{kind: litNull}, nil
		}
	case tkSymbol:
		switch t.text {
		case "[":
			p.i++
			return p.collection(litList, "]")
		case "{":
			p.i++
			return p.collection(litSet, "}")
		}
	}
	return nil, syntaxErr(t.pos, "expected a value but found '"+t.text+"'")
}

// collection parses the rest of [a, b], {a, b} or {k: v, ...}; a brace
// collection becomes a map when its first element is followed by ':'.
func (p *parser) collection(kind litKind, closing string) (*literal, error) {
	out := &literal{kind: kind}
	if p.symbol(closing) {
		return out, nil
	}
	for {
		e, err := p.literal()
		if err != nil {
			return nil, err
		}
		out.elems = append(out.elems, e)
		if kind == litSet && len(out.elems) == 1 && p.atSymbol(":") {
			out.kind = litMap
		}
		if out.kind == litMap {
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			out.elems = append(out.elems, v)
		}
		if p.symbol(closing) {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

// using parses USING TTL t | TIMESTAMP t, joined by AND.
func (p *parser) using(st *statement, allowTTL bool) error {
	if !p.keyword("using") {
		return nil
	}
	for {
		switch {
		case p.keyword("ttl"):
			if !allowTTL {
				return invalidf("a DELETE cannot use TTL")
			}
			t, err := p.term()
			if err != nil {
				return err
			}
			st.ttl = &t
		case p.keyword("timestamp"):
			t, err := p.term()
			if err != nil {
				return err
			}
			st.timestamp = &t
		default:
			return syntaxErr(p.peek().pos, "expected TTL or TIMESTAMP but found '"+p.peek().text+"'")
		}
		if !p.keyword("and") {
			return nil
		}
	}
}

func (p *parser) where(st *statement) error {
	if !p.keyword("where") {
		return nil
	}
	for {
		col, err := p.ident("column name")
		if err != nil {
			return err
		}
		rel := relation{col: col}
		switch {
		case p.symbol("="):
			t, err := p.term()
			if err != nil {
				return err
			}
			rel.terms = []term{t}
		case p.keyword("in"):
			if err := p.expect("("); err != nil {
				return err
			}
			for {
				t, err := p.term()
				if err != nil {
					return err
				}
				rel.terms = append(rel.terms, t)
				if p.symbol(")") {
					break
				}
				if err := p.expect(","); err != nil {
					return err
				}
			}
		default:
			return invalidf("only = and IN relations are modeled (column %s)", col)
		}
		st.where = append(st.where, rel)
		if !p.keyword("and") {
			return nil
		}
	}
}

func (p *parser) noConditions() error {
	if p.keyword("if") {
		return invalidf("conditional statements (lightweight transactions) are not modeled")
	}
	return nil
}
