package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/pingcap/kvproto/pkg/metapb"
)

// What raft would carry between the stores of a region, as JSON over HTTP on
// server.addr (where tikv-server takes raft messages): the leader's copy of the region
// with its term. Every message carries the whole region meta, so it is also the
// snapshot that creates a new peer and the entry that tells a removed peer to go.
const (
	msgHeartbeat = "heartbeat" // leader → followers, every tick
	msgTransfer  = "transfer"  // leader → the peer PD told it to hand leadership to
	msgVote      = "vote"      // candidate → the other voters (election.go)
)

type raftMessage struct {
	Kind      string          `json:"kind"`
	FromStore uint64          `json:"from_store"`
	Regions   []regionMessage `json:"regions"`
}

type regionMessage struct {
	Region []byte `json:"region"` // metapb.Region
	Leader []byte `json:"leader"` // metapb.Peer: the leader, or the candidate of a vote
	Term   uint64 `json:"term"`
}

// raftReply: the regions the message took effect for (acknowledged, taken over, vote
// granted) and, for the others, the higher term the receiver is at, which makes a
// stale leader step down as in raft.
type raftReply struct {
	Accepted []uint64          `json:"accepted"`
	Higher   map[uint64]uint64 `json:"higher"`
}

const raftTimeout = 2 * time.Second

var raftClient = &http.Client{Timeout: raftTimeout}

func encodeRegion(r *localRegion, leader *metapb.Peer, term uint64) regionMessage {
	meta, _ := r.Meta.Marshal()
	peer, _ := leader.Marshal()
	return regionMessage{Region: meta, Leader: peer, Term: term}
}

func (m regionMessage) decode() (*metapb.Region, *metapb.Peer, error) {
	meta, peer := &metapb.Region{}, &metapb.Peer{}
	if err := meta.Unmarshal(m.Region); err != nil {
		return nil, nil, err
	}
	return meta, peer, peer.Unmarshal(m.Leader)
}

// send delivers a message to another store's stub.
func (s *Store) send(ctx context.Context, storeID uint64, msg raftMessage) (*raftReply, error) {
	addr, err := s.addresses.get(ctx, storeID)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/raft", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := raftClient.Do(req)
	if err != nil {
		s.addresses.forget(storeID)
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("store %d at %s answered %s", storeID, addr, resp.Status)
	}
	var reply raftReply
	return &reply, json.NewDecoder(resp.Body).Decode(&reply)
}

// serveRaft answers the other stubs on server.addr.
func (s *Store) serveRaft(w http.ResponseWriter, req *http.Request) {
	var msg raftMessage
	if err := json.NewDecoder(req.Body).Decode(&msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.tombstone.Load() {
		http.Error(w, "store is tombstone", http.StatusServiceUnavailable)
		return
	}
	reply := raftReply{Higher: map[uint64]uint64{}}
	s.mu.Lock()
	for _, m := range msg.Regions {
		meta, peer, err := m.decode()
		if err != nil {
			continue
		}
		var accepted bool
		switch msg.Kind {
		case msgVote:
			accepted = s.grantVote(meta, peer, m.Term)
		default:
			accepted = s.follow(meta, peer, m.Term, msg.Kind == msgTransfer)
		}
		if accepted {
			reply.Accepted = append(reply.Accepted, meta.GetId())
		} else if r := s.regions[meta.GetId()]; r != nil && r.Term > m.Term {
			reply.Higher[meta.GetId()] = r.Term
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

// follow applies the leader's copy of a region (s.mu held). A region without a peer
// here any more is destroyed; an unknown one is created (the snapshot a new peer gets);
// with takeOver this store's peer leads from the message's term on.
func (s *Store) follow(meta *metapb.Region, leader *metapb.Peer, term uint64, takeOver bool) bool {
	r := s.regions[meta.GetId()]
	mine := peerOn(meta, s.id)
	switch {
	case r != nil && term < r.Term:
		return false
	case mine == nil:
		if r != nil {
			log.Printf("region %d: peer removed by the leader; destroying it", meta.GetId())
			delete(s.regions, meta.GetId())
			s.dirty = true
		}
		return true
	case r == nil:
		log.Printf("region %d: new peer %d from the leader on store %d", meta.GetId(), mine.GetId(), leader.GetStoreId())
		r = newLocalRegion(meta, leader, term)
		s.regions[meta.GetId()] = r
	case newerOrSame(meta, r.Meta):
		r.Meta = meta
	}
	r.resetElectionTimer()
	if takeOver {
		log.Printf("region %d: leadership transferred here (term %d)", meta.GetId(), term)
		r.becomeLeader(mine, term)
	} else if r.Term != term || r.Leader.GetId() != leader.GetId() {
		r.Leader, r.Term = leader, term
	}
	s.changed(r)
	return true
}

// raftTickLoop: the leader's heartbeats to its followers and the followers' election
// timers, once a second (TiKV's raft-base-tick-interval).
func (s *Store) raftTickLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.heartbeatFollowers(ctx)
			s.campaignWhereLeaderIsSilent(ctx)
		}
	}
}

// heartbeatFollowers sends each other store one message with every region this store
// leads there, plus the removals it has not yet delivered, and records the answers.
func (s *Store) heartbeatFollowers(ctx context.Context) {
	s.mu.Lock()
	batches := map[uint64][]regionMessage{}
	for _, r := range s.regions {
		if !r.ledBy(s.id) {
			continue
		}
		for _, p := range r.Meta.GetPeers() {
			if p.GetStoreId() != s.id {
				batches[p.GetStoreId()] = append(batches[p.GetStoreId()], encodeRegion(r, r.Leader, r.Term))
			}
		}
	}
	removed := s.removed
	s.removed = map[uint64][]*metapb.Region{}
	for storeID, metas := range removed {
		for _, meta := range metas {
			batches[storeID] = append(batches[storeID], encodeRegion(&localRegion{Meta: meta}, peerOn(meta, s.id), s.termOf(meta)))
		}
	}
	s.mu.Unlock()

	for storeID, batch := range batches {
		go s.deliverHeartbeat(ctx, storeID, batch, removed[storeID])
	}
}

func (s *Store) termOf(meta *metapb.Region) uint64 {
	if r := s.regions[meta.GetId()]; r != nil {
		return r.Term
	}
	return 0
}

func (s *Store) deliverHeartbeat(ctx context.Context, storeID uint64, batch []regionMessage, removals []*metapb.Region) {
	// The conf version each message carried: what the peer holds once it accepts.
	sent := map[uint64]uint64{}
	for _, m := range batch {
		if meta, _, err := m.decode(); err == nil {
			sent[meta.GetId()] = meta.GetRegionEpoch().GetConfVer()
		}
	}
	ctx, cancel := context.WithTimeout(ctx, raftTimeout)
	defer cancel()
	reply, err := s.send(ctx, storeID, raftMessage{Kind: msgHeartbeat, FromStore: s.id, Regions: batch})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// Try the removals again next tick; a store that is gone for good never gets
		// them, and its peers are cleaned up when it asks PD (election.go).
		s.removed[storeID] = append(s.removed[storeID], removals...)
		return
	}
	now := time.Now()
	for _, id := range reply.Accepted {
		r := s.regions[id]
		if r == nil || !r.ledBy(s.id) {
			continue
		}
		if r.commit(storeID, sent[id]) {
			s.changed(r)
		}
		if p := peerOn(r.Meta, storeID); p != nil {
			r.lastAck[p.GetId()] = now
			if r.pending[p.GetId()] {
				delete(r.pending, p.GetId())
				s.changed(r)
			}
		}
	}
	s.stepDownWhereBehind(reply.Higher)
}

// stepDownWhereBehind: another peer is at a higher term, so this one no longer leads.
func (s *Store) stepDownWhereBehind(higher map[uint64]uint64) {
	for id, term := range higher {
		if r := s.regions[id]; r != nil && term > r.Term {
			log.Printf("region %d: a peer is at term %d, above %d; stepping down", id, term, r.Term)
			r.Leader, r.Term = nil, term
			r.resetElectionTimer()
			s.dirty = true
		}
	}
}

// downPeers: the peers whose store has not answered for raftstore.max-peer-down-duration,
// which PD's checkers replace once their store is Down (s.mu held).
func (s *Store) downPeers(r *localRegion) []*metapb.Peer {
	var down []*metapb.Peer
	for _, p := range r.Meta.GetPeers() {
		if p.GetStoreId() != s.id && time.Since(r.lastAck[p.GetId()]) > s.cfg.MaxPeerDownDuration {
			down = append(down, p)
		}
	}
	return down
}
