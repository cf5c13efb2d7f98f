package main

import (
	"context"
	"log"
	"time"

	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// electionTimeout is TiKV's default (raft-base-tick-interval 1s × raft-election-timeout-ticks
// 10); each peer waits a random extra up to electionJitter so that one candidate usually
// wins the first round (elections are checked once a second).
const (
	electionTimeout = 10 * time.Second
	electionJitter  = 10 * time.Second
)

// campaignWhereLeaderIsSilent starts an election for every region whose leader has not
// been heard from for the election timeout: after a restart (leaders are not persisted),
// or when the leader's store stopped. A peer PD no longer lists is destroyed first,
// which is how a peer removed while its store was down goes away.
func (s *Store) campaignWhereLeaderIsSilent(ctx context.Context) {
	s.mu.Lock()
	var due []uint64
	for id, r := range s.regions {
		if !r.ledBy(s.id) && time.Now().After(r.electionDue) {
			due = append(due, id)
			// A failed attempt waits a whole timeout again.
			r.resetElectionTimer()
		}
	}
	s.mu.Unlock()
	for _, id := range due {
		if s.destroyIfStale(ctx, id) {
			continue
		}
		s.campaign(ctx, id)
	}
}

// destroyIfStale asks PD for the region and drops this peer when PD's copy is at least
// as new and has no peer on this store.
func (s *Store) destroyIfStale(ctx context.Context, id uint64) bool {
	ctx, cancel := context.WithTimeout(ctx, pdTimeout)
	defer cancel()
	resp, err := call(ctx, s.pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.GetRegionResponse, error) {
		return c.GetRegionByID(ctx, &pdpb.GetRegionByIDRequest{Header: s.pd.header(), RegionId: id})
	})
	if err != nil || resp.GetRegion() == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.regions[id]
	if r == nil || peerOn(resp.GetRegion(), s.id) != nil || !newerOrSame(resp.GetRegion(), r.Meta) {
		return false
	}
	log.Printf("region %d: PD lists no peer on this store any more; destroying the stale peer", id)
	delete(s.regions, id)
	s.dirty = true
	return true
}

// campaign asks the region's other voters for their votes at the next term and leads
// with a majority of the voters, counting its own.
func (s *Store) campaign(ctx context.Context, id uint64) {
	s.mu.Lock()
	r := s.regions[id]
	mine := (*metapb.Peer)(nil)
	if r != nil {
		mine = peerOn(r.Meta, s.id)
	}
	if mine == nil || !isVoter(mine) {
		s.mu.Unlock()
		return
	}
	r.Term++
	r.Leader = nil
	term := r.Term
	s.dirty = true
	msg := encodeRegion(r, mine, term)
	var voters []uint64
	for _, p := range r.Meta.GetPeers() {
		if isVoter(p) && p.GetStoreId() != s.id {
			voters = append(voters, p.GetStoreId())
		}
	}
	s.mu.Unlock()

	votes := 1
	for _, storeID := range voters {
		ctx, cancel := context.WithTimeout(ctx, raftTimeout)
		reply, err := s.send(ctx, storeID, raftMessage{Kind: msgVote, FromStore: s.id, Regions: []regionMessage{msg}})
		cancel()
		if err == nil && len(reply.Accepted) > 0 {
			votes++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r = s.regions[id]; r == nil || r.Term != term || votes*2 <= len(voters)+1 {
		return
	}
	log.Printf("region %d: elected leader at term %d with %d of %d votes", id, term, votes, len(voters)+1)
	r.becomeLeader(mine, term)
	s.changed(r)
}

// grantVote (s.mu held): a peer votes once per term, for a candidate whose copy of
// the region is not older than its own, and not while it hears from a leader (raft's
// check-quorum, which keeps a restarted peer from deposing a working leader).
func (s *Store) grantVote(meta *metapb.Region, candidate *metapb.Peer, term uint64) bool {
	r := s.regions[meta.GetId()]
	switch {
	case r == nil, term <= r.Term, !newerOrSame(meta, r.Meta):
		return false
	case r.ledBy(s.id), r.Leader != nil && time.Since(r.lastContact) < electionTimeout:
		return false
	}
	r.Term, r.Leader = term, nil
	r.resetElectionTimer()
	s.dirty = true
	log.Printf("region %d: voted for store %d at term %d", meta.GetId(), candidate.GetStoreId(), term)
	return true
}
