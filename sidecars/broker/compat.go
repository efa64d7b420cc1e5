package broker

import (
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// installKafkaCompat makes kfake answer like Kafka where it differs in a way
// our clients notice.
func installKafkaCompat(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.OffsetFetch), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return offsetFetchUnknownGroups(c, kr.(*kmsg.OffsetFetchRequest))
	})
}

// offsetFetchUnknownGroups answers OffsetFetch for groups that do not exist
// the way Kafka does: no error, offset -1 for each requested partition, no
// topics when all were asked for. kfake answers GROUP_ID_NOT_FOUND instead,
// on which librdkafka parks a manually assigned partition forever instead of
// applying auto.offset.reset. Requests naming any existing group go to kfake.
//
// Control functions run outside kfake's run loop, which keeps serving admin
// calls such as GroupInfo meanwhile.
func offsetFetchUnknownGroups(c *kfake.Cluster, req *kmsg.OffsetFetchRequest) (kmsg.Response, error, bool) {
	groups := []string{req.Group}
	if req.Version >= 8 {
		groups = groups[:0]
		for _, g := range req.Groups {
			groups = append(groups, g.Group)
		}
	}
	for _, g := range groups {
		if c.GroupInfo(g) != nil {
			return nil, nil, false
		}
	}
	resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
	empty := ""
	if req.Version < 8 {
		for _, rt := range req.Topics {
			st := kmsg.NewOffsetFetchResponseTopic()
			st.Topic = rt.Topic
			for _, p := range rt.Partitions {
				sp := kmsg.NewOffsetFetchResponseTopicPartition()
				sp.Partition, sp.Offset, sp.Metadata = p, -1, &empty
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	}
	for _, rg := range req.Groups {
		sg := kmsg.NewOffsetFetchResponseGroup()
		sg.Group = rg.Group
		for _, rt := range rg.Topics {
			st := kmsg.NewOffsetFetchResponseGroupTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, p := range rt.Partitions {
				sp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
				sp.Partition, sp.Offset, sp.Metadata = p, -1, &empty
				st.Partitions = append(st.Partitions, sp)
			}
			sg.Topics = append(sg.Topics, st)
		}
		resp.Groups = append(resp.Groups, sg)
	}
	return resp, nil, true
}
