package main

import (
	"context"
	"log"

	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// handleSchedule carries out what PD asks of a region this store leads. Like TiKV, it
// refuses a command whose epoch is not the region's current one (PD sends the next step
// again after the following heartbeat). Splits are done at the keys PD names; splits by
// size or scan, and merges, are not: the stub holds no data.
func (s *Store) handleSchedule(ctx context.Context, resp *pdpb.RegionHeartbeatResponse) {
	if err := headerError(resp.GetHeader()); err != nil {
		log.Printf("region heartbeat answer: %v", err)
		return
	}
	s.mu.Lock()
	r := s.regions[resp.GetRegionId()]
	if r == nil || !r.ledBy(s.id) || !sameEpoch(r.Meta.GetRegionEpoch(), resp.GetRegionEpoch()) {
		s.mu.Unlock()
		return
	}
	switch {
	case resp.GetChangePeer() != nil:
		s.changePeers(ctx, r, []*pdpb.ChangePeer{resp.GetChangePeer()})
	case resp.GetChangePeerV2() != nil && len(resp.GetChangePeerV2().GetChanges()) == 0:
		if inJoint(r.Meta) {
			leaveJoint(r)
			log.Printf("region %d: left the joint state", r.id())
			s.confChanged(ctx, r)
		}
	case resp.GetChangePeerV2() != nil:
		s.changePeers(ctx, r, resp.GetChangePeerV2().GetChanges())
	case resp.GetTransferLeader() != nil:
		target := transferTarget(r, resp.GetTransferLeader())
		if target != nil {
			msg := encodeRegion(r, target, r.Term+1)
			s.mu.Unlock()
			s.transferLeader(ctx, r.id(), target, msg)
			return
		}
	case resp.GetSplitRegion().GetPolicy() == pdpb.CheckPolicy_USEKEY:
		keys := resp.GetSplitRegion().GetKeys()
		go func() {
			if err := s.splitRegion(ctx, r.id(), keys); err != nil {
				log.Printf("region %d: split asked by PD: %v", r.id(), err)
			}
		}()
	default:
		log.Printf("region %d: ignoring a command the stub does not carry out: %v", r.id(), resp)
	}
	s.mu.Unlock()
}

func sameEpoch(a, b *metapb.RegionEpoch) bool {
	return a.GetVersion() == b.GetVersion() && a.GetConfVer() == b.GetConfVer()
}

// changePeers applies a conf change (s.mu held) and queues the removed peers' notices.
func (s *Store) changePeers(ctx context.Context, r *localRegion, changes []*pdpb.ChangePeer) {
	before := cloneRegion(r.Meta)
	if err := applyConfChange(r, changes); err != nil {
		log.Printf("region %d: refusing %v: %v", r.id(), changes, err)
		r.Meta = before
		return
	}
	log.Printf("region %d: %v → peers %v (conf_ver %d)", r.id(), changes, r.Meta.GetPeers(), r.Meta.GetRegionEpoch().GetConfVer())
	for _, p := range before.GetPeers() {
		if peerByID(r.Meta, p.GetId()) == nil {
			s.removed[p.GetStoreId()] = append(s.removed[p.GetStoreId()], cloneRegion(r.Meta))
		}
	}
	s.confChanged(ctx, r)
}

// confChanged (s.mu held): the change is committed at once when this peer alone is a
// majority; otherwise it goes to the followers now rather than at the next tick, and is
// reported to PD once a majority of the voters holds it.
func (s *Store) confChanged(ctx context.Context, r *localRegion) {
	r.commit(s.id, r.Meta.GetRegionEpoch().GetConfVer())
	s.changed(r)
	go s.heartbeatFollowers(ctx)
}

// transferLeader hands the region to the target's store (raft's MsgTimeoutNow). This
// store follows the target from the new term on once the target has taken over; if
// the target does not answer, this store keeps leading and PD's operator times out.
func (s *Store) transferLeader(ctx context.Context, id uint64, target *metapb.Peer, msg regionMessage) {
	ctx, cancel := context.WithTimeout(ctx, raftTimeout)
	defer cancel()
	reply, err := s.send(ctx, target.GetStoreId(), raftMessage{Kind: msgTransfer, FromStore: s.id, Regions: []regionMessage{msg}})
	if err != nil || len(reply.Accepted) == 0 {
		log.Printf("region %d: transfer leader to store %d failed: %v", id, target.GetStoreId(), err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.regions[id]; r != nil && r.Term < msg.Term {
		r.Leader, r.Term = target, msg.Term
		r.resetElectionTimer()
		s.dirty = true
	}
}
