package connect

import (
	"hash/fnv"
	"sort"

	"github.com/retailpulse/retailpulse/connectors"
)

// assignment maps connectors and tasks to worker ids. Every worker
// computes it from the same inputs (the live members, sorted, and the
// config snapshot), so no assignment record has to be exchanged: workers
// that agree on membership agree on who runs what.
//
// A connector's instance goes to members[h % n] and its task i to
// members[(h + 1 + i) % n], where h is a hash of the connector name. Tasks
// of one connector thus spread over the workers round-robin, and adding or
// removing a connector never moves another connector's work; a membership
// change reshuffles, as Kafka's eager rebalance protocol does.
type assignment struct {
	members    []member
	connectors map[string]string
	tasks      map[connectors.TaskID]string
}

func computeAssignment(members []member, snap *snapshot) assignment {
	a := assignment{members: members, connectors: map[string]string{}, tasks: map[connectors.TaskID]string{}}
	n := len(members)
	if n == 0 {
		return a
	}
	for name := range snap.connectors {
		h := int(hashName(name) % uint32(n))
		a.connectors[name] = members[h].id
		if snap.targetOf(name) == TargetStopped {
			continue
		}
		for i := range snap.tasks[name] {
			a.tasks[connectors.TaskID{Connector: name, Task: i}] = members[(h+1+i)%n].id
		}
	}
	return a
}

func hashName(s string) uint32 {
	f := fnv.New32a()
	_, _ = f.Write([]byte(s))
	return f.Sum32()
}

// sortMembers orders members by id; the first is the leader.
func sortMembers(ms map[string]member) []member {
	out := make([]member, 0, len(ms))
	for _, m := range ms {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func sameMembers(a, b []member) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].id != b[i].id || a[i].url != b[i].url {
			return false
		}
	}
	return true
}
