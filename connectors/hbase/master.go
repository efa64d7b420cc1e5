package hbase

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tsuna/gohbase/hrpc"
	"github.com/tsuna/gohbase/pb"
	"github.com/tsuna/gohbase/region"
	"github.com/tsuna/gohbase/zk"
	"google.golang.org/protobuf/proto"
)

const (
	masterZKTimeout   = 30 * time.Second
	masterReadTimeout = 30 * time.Second
	masterBackoff     = 50 * time.Millisecond
	masterMaxBackoff  = 2 * time.Second
)

// master is a MasterService connection built from gohbase's parts: the
// master is located through its ZooKeeper znode and reached with a
// gohbase region client of the master type. Calls are retried on a new
// connection when the old one dies, until their context ends.
type master struct {
	quorum, parent string

	mu sync.Mutex
	rc hrpc.RegionClient
}

func newMaster(quorum, parent string) *master { return &master{quorum: quorum, parent: parent} }

func (m *master) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rc != nil {
		m.rc.Close()
		m.rc = nil
	}
}

// call sends c to the master and waits for its answer.
func (m *master) call(ctx context.Context, c hrpc.Call) (proto.Message, error) {
	backoff := masterBackoff
	for {
		rc, err := m.conn(ctx)
		if err == nil {
			rc.QueueRPC(c)
			select {
			case res := <-c.ResultChan():
				if res.Error == nil {
					return res.Msg, nil
				}
				err = res.Error
				var se region.ServerError
				var re region.RetryableError
				switch {
				case errors.As(err, &se):
					m.drop(rc)
				case errors.As(err, &re):
				default:
					return nil, err
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("calling hbase master: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, masterMaxBackoff)
	}
}

func (m *master) drop(rc hrpc.RegionClient) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rc == rc {
		m.rc = nil
	}
	rc.Close()
}

func (m *master) conn(ctx context.Context) (hrpc.RegionClient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rc != nil {
		return m.rc, nil
	}
	type located struct {
		addr string
		err  error
	}
	ch := make(chan located, 1)
	go func() {
		addr, err := zk.NewClient(m.quorum, masterZKTimeout).LocateResource(zk.Master.Prepend(m.parent))
		ch <- located{addr, err}
	}()
	var loc located
	select {
	case loc = <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if loc.err != nil {
		return nil, fmt.Errorf("locating hbase master: %w", loc.err)
	}
	rc := region.NewClient(loc.addr, region.MasterClient, 1, 0, "root", masterReadTimeout, nil)
	if err := rc.Dial(ctx); err != nil {
		rc.Close()
		return nil, fmt.Errorf("connecting to hbase master %s: %w", loc.addr, err)
	}
	m.rc = rc
	return rc, nil
}

// waitProcedure polls a master procedure until it finished.
func (m *master) waitProcedure(ctx context.Context, id uint64) error {
	backoff := masterBackoff
	for {
		msg, err := m.call(ctx, hrpc.NewGetProcedureState(ctx, id))
		if err != nil {
			return fmt.Errorf("waiting for procedure %d: %w", id, err)
		}
		res, ok := msg.(*pb.GetProcedureResultResponse)
		if !ok {
			return fmt.Errorf("waiting for procedure %d: answered with %T", id, msg)
		}
		switch res.GetState() {
		case pb.GetProcedureResultResponse_FINISHED:
			if e := res.GetException(); e != nil {
				return fmt.Errorf("procedure %d failed: %s: %s", id, e.GetGenericException().GetClassName(),
					e.GetGenericException().GetMessage())
			}
			return nil
		case pb.GetProcedureResultResponse_NOT_FOUND:
			return fmt.Errorf("waiting for procedure %d: not found", id)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for procedure %d: %w", id, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, masterMaxBackoff)
	}
}
