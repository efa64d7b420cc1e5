package hbase

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tsuna/gohbase/hrpc"
	"github.com/tsuna/gohbase/pb"
	"go.uber.org/zap"
)

const familyPollInterval = 100 * time.Millisecond

// admin creates missing tables and families through the master.
// gohbase's AdminClient creates tables but can neither describe them nor
// add families, and panics when closed; so the admin speaks to the master
// over gohbase's own region client and hrpc calls (see master).
type admin struct {
	cfg *settings
	m   *master
	log *zap.Logger

	mu    sync.Mutex
	known map[string]map[string]bool // table -> families, as last described
}

func newAdmin(cfg *settings, log *zap.Logger) *admin {
	return &admin{cfg: cfg, m: newMaster(cfg.quorum, cfg.znodeParent), log: log, known: map[string]map[string]bool{}}
}

func (a *admin) close() { a.m.close() }

func (a *admin) forget(table string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.known, table)
}

// ensure returns the families of table, creating the table and adding the
// needed families when the config allows. A missing table that may not be
// created is an error; a missing family is reported by its absence.
func (a *admin) ensure(ctx context.Context, table string, need map[string]bool) (map[string]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	have, known := a.known[table]
	if known && covers(have, need) {
		return have, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.retryTimeout)
	defer cancel()
	have, exists, err := a.describe(ctx, table)
	if err != nil {
		return nil, err
	}
	if !exists {
		if !a.cfg.autoTables {
			return nil, fmt.Errorf("writing %s: %w (%s=false)", table, ErrTableNotFound, AutoCreateTablesConfig)
		}
		if err := a.create(ctx, table, need); err != nil {
			return nil, err
		}
		if have, _, err = a.describe(ctx, table); err != nil {
			return nil, err
		}
	}
	if a.cfg.autoFamilies {
		if have, err = a.addFamilies(ctx, table, have, need); err != nil {
			return nil, err
		}
	}
	a.known[table] = have
	return have, nil
}

func covers(have, need map[string]bool) bool {
	for f := range need {
		if !have[f] {
			return false
		}
	}
	return true
}

func splitName(table string) (ns, name string) {
	if i := strings.IndexByte(table, ':'); i >= 0 {
		return table[:i], table[i+1:]
	}
	return "default", table
}

func (a *admin) describe(ctx context.Context, table string) (map[string]bool, bool, error) {
	ns, name := splitName(table)
	msg, err := a.m.call(ctx, &getTableDescriptors{baseCall: newBase(ctx, nil, nil), namespace: []byte(ns), name: []byte(name)})
	if err != nil {
		return nil, false, classify("describing table "+table, err)
	}
	resp, ok := msg.(*pb.GetTableDescriptorsResponse)
	if !ok {
		return nil, false, fmt.Errorf("describing table %s: %w: answered with %T", table, ErrWrite, msg)
	}
	for _, ts := range resp.TableSchema {
		if string(ts.GetTableName().GetQualifier()) != name {
			continue
		}
		fams := map[string]bool{}
		for _, cf := range ts.ColumnFamilies {
			fams[string(cf.Name)] = true
		}
		return fams, true, nil
	}
	return nil, false, nil
}

// create makes the table with the families the batch needs (plus the
// offset family when increment.fields is set) and, with salting, one region per salt bucket. A table
// created meanwhile by another task is fine.
func (a *admin) create(ctx context.Context, table string, need map[string]bool) error {
	if strings.Contains(table, ":") && !strings.HasPrefix(table, "default:") {
		return fmt.Errorf("creating table %s: %w: gohbase creates tables in the default namespace only; create it "+
			"beforehand (see compose/hbase)", table, ErrTableNotFound)
	}
	_, name := splitName(table)
	fams := map[string]map[string]string{}
	for f := range need {
		fams[f] = familyAttributeMap()
	}
	if len(a.cfg.increments) > 0 {
		fams[a.cfg.offsetFamily] = familyAttributeMap()
	}
	ct := hrpc.NewCreateTable(ctx, []byte(name), fams, hrpc.SplitKeys(SaltSplitKeys(a.cfg.rowKey.buckets)))
	msg, err := a.m.call(ctx, ct)
	if err != nil {
		if javaException(err) == "org.apache.hadoop.hbase.TableExistsException" {
			return nil
		}
		return classify("creating table "+table, err)
	}
	if resp, ok := msg.(*pb.CreateTableResponse); ok && resp.ProcId != nil {
		if err := a.m.waitProcedure(ctx, resp.GetProcId()); err != nil {
			return fmt.Errorf("creating table %s: %w", table, err)
		}
	}
	a.log.Info("created hbase table", zap.String("table", table), zap.Int("families", len(fams)),
		zap.Int("regions", len(SaltSplitKeys(a.cfg.rowKey.buckets))+1))
	return nil
}

// addFamilies adds what is missing and waits until the descriptor lists
// it: this gohbase's AddColumnResponse carries no procedure id to wait on.
func (a *admin) addFamilies(ctx context.Context, table string, have, need map[string]bool) (map[string]bool, error) {
	ns, name := splitName(table)
	var added []string
	for f := range need {
		if have[f] {
			continue
		}
		_, err := a.m.call(ctx, &addColumn{baseCall: newBase(ctx, nil, nil), namespace: []byte(ns), name: []byte(name), family: f})
		if err != nil && javaException(err) != "org.apache.hadoop.hbase.InvalidFamilyOperationException" {
			return nil, classify(fmt.Sprintf("adding family %q to %s", f, table), err)
		}
		added = append(added, f)
	}
	for len(added) > 0 {
		cur, _, err := a.describe(ctx, table)
		if err != nil {
			return nil, err
		}
		if covers(cur, need) {
			a.log.Info("added hbase column families", zap.String("table", table), zap.Strings("families", added))
			return cur, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("adding families %v to %s: %w: %w", added, table, ErrUnavailable, ctx.Err())
		case <-time.After(familyPollInterval):
		}
	}
	return have, nil
}
