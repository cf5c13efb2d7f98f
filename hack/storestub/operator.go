package main

import (
	"fmt"
	"time"

	"github.com/pingcap/kvproto/pkg/eraftpb"
	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// applyConfChange runs one of PD's peer changes on the leader's copy of the region, the
// way raft would once the entry commits: the conf version moves by one per change, a
// new peer starts pending (its store has not confirmed it), and a voter can only be
// promoted from a learner. It returns an error for a change TiKV would refuse.
func applyConfChange(r *localRegion, changes []*pdpb.ChangePeer) error {
	meta := r.Meta
	joint := len(changes) > 1
	for _, c := range changes {
		peer := c.GetPeer()
		existing := peerByID(meta, peer.GetId())
		if existing == nil {
			existing = peerOn(meta, peer.GetStoreId())
		}
		switch c.GetChangeType() {
		case eraftpb.ConfChangeType_AddNode:
			switch {
			case existing == nil:
				meta.Peers = append(meta.Peers, &metapb.Peer{Id: peer.GetId(), StoreId: peer.GetStoreId()})
				addPending(r, peer.GetId())
			case joint:
				existing.Role = metapb.PeerRole_IncomingVoter
			default:
				existing.Role = metapb.PeerRole_Voter
			}
		case eraftpb.ConfChangeType_AddLearnerNode:
			switch {
			case existing == nil:
				meta.Peers = append(meta.Peers, &metapb.Peer{
					Id: peer.GetId(), StoreId: peer.GetStoreId(), Role: metapb.PeerRole_Learner,
				})
				addPending(r, peer.GetId())
			case existing.GetId() == r.Leader.GetId():
				return fmt.Errorf("demote peer %d: it is the leader", peer.GetId())
			case joint:
				existing.Role = metapb.PeerRole_DemotingVoter
			default:
				existing.Role = metapb.PeerRole_Learner
			}
		case eraftpb.ConfChangeType_RemoveNode:
			if existing == nil {
				return fmt.Errorf("remove peer %d: not a peer of region %d", peer.GetId(), meta.GetId())
			}
			if existing.GetId() == r.Leader.GetId() {
				return fmt.Errorf("remove peer %d: it is the leader", peer.GetId())
			}
			removePeer(r, existing.GetId())
		}
		meta.RegionEpoch.ConfVer++
	}
	return nil
}

// leaveJoint ends a joint state: incoming voters become voters, demoting voters learners.
func leaveJoint(r *localRegion) {
	for _, p := range r.Meta.GetPeers() {
		switch p.GetRole() {
		case metapb.PeerRole_IncomingVoter:
			p.Role = metapb.PeerRole_Voter
		case metapb.PeerRole_DemotingVoter:
			p.Role = metapb.PeerRole_Learner
		}
	}
	r.Meta.RegionEpoch.ConfVer++
}

// addPending: a new peer counts as answering from now, pending until its store confirms.
func addPending(r *localRegion, peerID uint64) {
	r.pending[peerID] = true
	r.lastAck[peerID] = time.Now()
}

func removePeer(r *localRegion, peerID uint64) {
	peers := r.Meta.Peers[:0]
	for _, p := range r.Meta.Peers {
		if p.GetId() != peerID {
			peers = append(peers, p)
		}
	}
	r.Meta.Peers = peers
	delete(r.pending, peerID)
	delete(r.lastAck, peerID)
}

func inJoint(r *metapb.Region) bool {
	for _, p := range r.GetPeers() {
		if p.GetRole() == metapb.PeerRole_IncomingVoter || p.GetRole() == metapb.PeerRole_DemotingVoter {
			return true
		}
	}
	return false
}

// isVoter: a peer that votes in some configuration (raft elects leaders among these).
func isVoter(p *metapb.Peer) bool {
	return p.GetRole() != metapb.PeerRole_Learner
}

// transferTarget picks the peer PD asks to lead: the first candidate that is a voter
// of the region and is not pending (TiKV refuses to transfer to a learner or to a peer
// that is behind).
func transferTarget(r *localRegion, t *pdpb.TransferLeader) *metapb.Peer {
	candidates := t.GetPeers()
	if len(candidates) == 0 {
		candidates = []*metapb.Peer{t.GetPeer()}
	}
	for _, c := range candidates {
		p := peerByID(r.Meta, c.GetId())
		if p != nil && p.GetRole() == metapb.PeerRole_Voter && !r.pending[p.GetId()] &&
			p.GetId() != r.Leader.GetId() {
			return p
		}
	}
	return nil
}
