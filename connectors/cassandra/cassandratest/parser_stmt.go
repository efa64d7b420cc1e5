package cassandratest

import (
	"strconv"
)

func (p *parser) selectStmt() (*statement, error) {
	st := &statement{kind: stSelect}
	if p.keyword("distinct") || p.keyword("json") {
		return nil, invalidf("SELECT DISTINCT and SELECT JSON are not modeled")
	}
	for {
		sel, err := p.selector()
		if err != nil {
			return nil, err
		}
		st.selectors = append(st.selectors, sel)
		if !p.symbol(",") {
			break
		}
	}
	if err := p.expectKeyword("from"); err != nil {
		return nil, err
	}
	var err error
	if st.table, err = p.tableName(); err != nil {
		return nil, err
	}
	if err := p.where(st); err != nil {
		return nil, err
	}
	if p.keyword("limit") {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		st.limit = &t
	}
	if p.keyword("allow") {
		if err := p.expectKeyword("filtering"); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (p *parser) selector() (selector, error) {
	if p.symbol("*") {
		return selector{kind: selStar}, nil
	}
	name, err := p.ident("selector")
	if err != nil {
		return selector{}, err
	}
	sel := selector{kind: selColumn, col: name}
	if p.symbol("(") {
		switch name {
		case "count":
			if !p.symbol("*") {
				if _, err := p.literal(); err != nil {
					return selector{}, err
				}
			}
			sel = selector{kind: selCount, col: "count"}
		case "ttl", "writetime":
			col, err := p.ident("column name")
			if err != nil {
				return selector{}, err
			}
			sel = selector{kind: selTTL, col: col}
			if name == "writetime" {
				sel.kind = selWritetime
			}
		default:
			return selector{}, invalidf("function %s is not modeled", name)
		}
		if err := p.expect(")"); err != nil {
			return selector{}, err
		}
	}
	if p.keyword("as") {
		if sel.alias, err = p.ident("alias"); err != nil {
			return selector{}, err
		}
	}
	return sel, nil
}

func (p *parser) insertStmt() (*statement, error) {
	st := &statement{kind: stInsert}
	if err := p.expectKeyword("into"); err != nil {
		return nil, err
	}
	var err error
	if st.table, err = p.tableName(); err != nil {
		return nil, err
	}
	if p.keyword("json") {
		return nil, invalidf("INSERT JSON is not modeled")
	}
	if st.columns, err = p.identList(); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("values"); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	for {
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		st.values = append(st.values, t)
		if p.symbol(")") {
			break
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
	if len(st.values) != len(st.columns) {
		return nil, invalidf("unmatched column names/values: %d columns, %d values", len(st.columns), len(st.values))
	}
	if p.keyword("if") {
		return nil, invalidf("INSERT ... IF NOT EXISTS (a lightweight transaction) is not modeled")
	}
	return st, p.using(st, true)
}

func (p *parser) updateStmt() (*statement, error) {
	st := &statement{kind: stUpdate}
	var err error
	if st.table, err = p.tableName(); err != nil {
		return nil, err
	}
	if err := p.using(st, true); err != nil {
		return nil, err
	}
	if err := p.expectKeyword("set"); err != nil {
		return nil, err
	}
	for {
		col, err := p.ident("column name")
		if err != nil {
			return nil, err
		}
		if !p.symbol("=") {
			return nil, invalidf("only col = value assignments are modeled (column %s)", col)
		}
		if t := p.peek(); (t.kind == tkIdent && t.text != "true" && t.text != "false" && t.text != "null") || t.kind == tkQuotedIdent {
			return nil, invalidf("collection and counter arithmetic is not modeled (column %s)", col)
		}
		v, err := p.term()
		if err != nil {
			return nil, err
		}
		if p.atSymbol("+") || p.atSymbol("-") {
			return nil, invalidf("collection and counter arithmetic is not modeled (column %s)", col)
		}
		st.sets = append(st.sets, assignment{col: col, val: v})
		if !p.symbol(",") {
			break
		}
	}
	if err := p.where(st); err != nil {
		return nil, err
	}
	return st, p.noConditions()
}

func (p *parser) deleteStmt() (*statement, error) {
	st := &statement{kind: stDelete}
	for !p.keyword("from") {
		col, err := p.ident("column name")
		if err != nil {
			return nil, err
		}
		if p.atSymbol("[") {
			return nil, invalidf("deleting collection elements is not modeled (column %s)", col)
		}
		st.columns = append(st.columns, col)
		p.symbol(",")
	}
	var err error
	if st.table, err = p.tableName(); err != nil {
		return nil, err
	}
	if err := p.using(st, false); err != nil {
		return nil, err
	}
	if err := p.where(st); err != nil {
		return nil, err
	}
	return st, p.noConditions()
}

func (p *parser) ifNotExists() (bool, error) {
	if !p.keyword("if") {
		return false, nil
	}
	return true, p.expectKeyword("not", "exists")
}

func (p *parser) createStmt() (*statement, error) {
	switch {
	case p.keyword("keyspace"):
		st := &statement{kind: stCreateKeyspace, durable: true}
		var err error
		if st.ifNot, err = p.ifNotExists(); err != nil {
			return nil, err
		}
		if st.keyspace, err = p.ident("keyspace name"); err != nil {
			return nil, err
		}
		if err := p.expectKeyword("with"); err != nil {
			return nil, err
		}
		for {
			opt, err := p.ident("keyspace option")
			if err != nil {
				return nil, err
			}
			if err := p.expect("="); err != nil {
				return nil, err
			}
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			switch {
			case opt == "replication" && lit.kind == litMap:
				st.replication = map[string]string{}
				for i := 0; i+1 < len(lit.elems); i += 2 {
					st.replication[lit.elems[i].text] = lit.elems[i+1].text
				}
			case opt == "durable_writes" && lit.kind == litBool:
				st.durable = lit.text == "true"
			default:
				return nil, invalidf("keyspace option %s is not modeled", opt)
			}
			if !p.keyword("and") {
				break
			}
		}
		if st.replication["class"] == "" {
			return nil, &Error{Code: 0x2300, Message: "Missing mandatory replication strategy class"}
		}
		return st, nil
	case p.keyword("table"), p.keyword("columnfamily"):
		return p.createTable()
	}
	return nil, invalidf("only CREATE KEYSPACE and CREATE TABLE are modeled")
}

func (p *parser) createTable() (*statement, error) {
	st := &statement{kind: stCreateTable, def: &tableDef{descending: map[string]bool{}}}
	var err error
	if st.ifNot, err = p.ifNotExists(); err != nil {
		return nil, err
	}
	if st.table, err = p.tableName(); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	for {
		if p.keyword("primary") {
			if err := p.primaryKey(st.def); err != nil {
				return nil, err
			}
		} else {
			name, err := p.ident("column name")
			if err != nil {
				return nil, err
			}
			typ, err := p.typ()
			if err != nil {
				return nil, err
			}
			if p.keyword("static") {
				return nil, invalidf("static columns are not modeled")
			}
			st.def.cols = append(st.def.cols, colDef{name: name, typ: typ})
			if p.keyword("primary") {
				if err := p.expectKeyword("key"); err != nil {
					return nil, err
				}
				if len(st.def.pk) > 0 {
					return nil, invalidf("multiple PRIMARY KEYs specified (exactly one required)")
				}
				st.def.pk = []string{name}
			}
		}
		if p.symbol(")") {
			break
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
	if p.keyword("with") {
		if err := p.tableOptions(st.def); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (p *parser) primaryKey(def *tableDef) error {
	if err := p.expectKeyword("key"); err != nil {
		return err
	}
	if len(def.pk) > 0 {
		return invalidf("multiple PRIMARY KEYs specified (exactly one required)")
	}
	if err := p.expect("("); err != nil {
		return err
	}
	if p.atSymbol("(") {
		pk, err := p.identList()
		if err != nil {
			return err
		}
		def.pk = pk
	} else {
		id, err := p.ident("column name")
		if err != nil {
			return err
		}
		def.pk = []string{id}
	}
	for p.symbol(",") {
		id, err := p.ident("column name")
		if err != nil {
			return err
		}
		def.ck = append(def.ck, id)
	}
	return p.expect(")")
}

func (p *parser) tableOptions(def *tableDef) error {
	for {
		if p.keyword("clustering") {
			if err := p.expectKeyword("order", "by"); err != nil {
				return err
			}
			if err := p.expect("("); err != nil {
				return err
			}
			for {
				col, err := p.ident("column name")
				if err != nil {
					return err
				}
				if p.keyword("desc") {
					def.descending[col] = true
				} else {
					p.keyword("asc")
				}
				if p.symbol(")") {
					break
				}
				if err := p.expect(","); err != nil {
					return err
				}
			}
		} else {
			opt, err := p.ident("table option")
			if err != nil {
				return err
			}
			if err := p.expect("="); err != nil {
				return err
			}
			lit, err := p.literal()
			if err != nil {
				return err
			}
			if opt == "default_time_to_live" {
				n, err := strconv.Atoi(lit.text)
				if err != nil || n < 0 {
					return invalidf("default_time_to_live must be a non-negative integer, got %q", lit.text)
				}
				def.defaultTTL = n
			}
		}
		if !p.keyword("and") {
			return nil
		}
	}
}

func (p *parser) dropStmt() (*statement, error) {
	st := &statement{}
	var err error
	switch {
	case p.keyword("keyspace"):
		st.kind = stDropKeyspace
	case p.keyword("table"):
		st.kind = stDropTable
	default:
		return nil, invalidf("only DROP KEYSPACE and DROP TABLE are modeled")
	}
	if p.keyword("if") {
		if err := p.expectKeyword("exists"); err != nil {
			return nil, err
		}
		st.ifExist = true
	}
	if st.kind == stDropKeyspace {
		st.keyspace, err = p.ident("keyspace name")
	} else {
		st.table, err = p.tableName()
	}
	return st, err
}
