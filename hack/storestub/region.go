package main

import (
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"time"

	"github.com/gogo/protobuf/proto"
	"github.com/pingcap/kvproto/pkg/metapb"
)

// localRegion is this store's peer of a region: the region as this store last learned
// it, and who it believes leads. Only the leader changes Meta on its own; followers take
// the leader's copy (see raft.go).
type localRegion struct {
	Meta   *metapb.Region
	Leader *metapb.Peer // nil until a leader is known (always after a restart)
	Term   uint64

	// lastContact: when the leader last reached this follower (or it voted); electionDue:
	// when it starts an election if nothing is heard until then (election.go).
	lastContact time.Time
	electionDue time.Time
	// Leader only: when each other peer's store last answered, and the peers whose
	// store has not yet confirmed them (reported to PD as pending, like a snapshot that
	// is not applied yet).
	lastAck map[uint64]time.Time
	pending map[uint64]bool
	// Leader only: the conf version each peer has confirmed, and the one a majority of
	// the voters holds. A conf change is reported to PD only once committed, as in raft:
	// PD must never count a voter whose promotion the other peers have not heard of, or
	// the region loses its quorum if the leader dies right after.
	ackedConfVer map[uint64]uint64
	committed    uint64
}

func newLocalRegion(meta *metapb.Region, leader *metapb.Peer, term uint64) *localRegion {
	r := &localRegion{
		Meta: meta, Leader: leader, Term: term,
		lastAck: map[uint64]time.Time{}, pending: map[uint64]bool{}, ackedConfVer: map[uint64]uint64{},
	}
	r.resetElectionTimer()
	return r
}

// resetElectionTimer: the leader was heard from (or a vote given) just now. Each wait
// gets its own random extra, so the peers of a region whose leader died do not all
// campaign in the same second and split the vote, round after round.
func (r *localRegion) resetElectionTimer() {
	r.lastContact = time.Now()
	r.electionDue = r.lastContact.Add(electionTimeout + time.Duration(rand.Int63n(int64(electionJitter))))
}

func (r *localRegion) id() uint64 { return r.Meta.GetId() }

func (r *localRegion) ledBy(storeID uint64) bool {
	return r.Leader != nil && r.Leader.GetStoreId() == storeID
}

// becomeLeader makes peer the leader from now on, every other peer unconfirmed until
// its store answers.
func (r *localRegion) becomeLeader(peer *metapb.Peer, term uint64) {
	r.Leader, r.Term = peer, term
	now := time.Now()
	r.lastAck = map[uint64]time.Time{}
	for _, p := range r.Meta.GetPeers() {
		r.lastAck[p.GetId()] = now
	}
	r.pending = map[uint64]bool{}
	r.ackedConfVer = map[uint64]uint64{}
	r.committed = r.Meta.GetRegionEpoch().GetConfVer()
}

// commit records that the peer on storeID holds conf version confVer and reports
// whether that made the current conf version committed (a majority of the voters, this
// one included, hold it).
func (r *localRegion) commit(storeID, confVer uint64) bool {
	if p := peerOn(r.Meta, storeID); p != nil {
		r.ackedConfVer[p.GetId()] = max(r.ackedConfVer[p.GetId()], confVer)
	}
	current := r.Meta.GetRegionEpoch().GetConfVer()
	if r.committed >= current {
		return false
	}
	voters, holding := 0, 0
	for _, p := range r.Meta.GetPeers() {
		if !isVoter(p) {
			continue
		}
		voters++
		if p.GetId() == r.Leader.GetId() || r.ackedConfVer[p.GetId()] >= current {
			holding++
		}
	}
	if holding*2 <= voters {
		return false
	}
	r.committed = current
	return true
}

func (r *localRegion) uncommitted() bool {
	return r.Meta.GetRegionEpoch().GetConfVer() > r.committed
}

func clonePeer(p *metapb.Peer) *metapb.Peer { return proto.Clone(p).(*metapb.Peer) }

func cloneRegion(r *metapb.Region) *metapb.Region { return proto.Clone(r).(*metapb.Region) }

func peerOn(r *metapb.Region, storeID uint64) *metapb.Peer {
	for _, p := range r.GetPeers() {
		if p.GetStoreId() == storeID {
			return p
		}
	}
	return nil
}

func peerByID(r *metapb.Region, id uint64) *metapb.Peer {
	for _, p := range r.GetPeers() {
		if p.GetId() == id {
			return p
		}
	}
	return nil
}

// newerOrSame: a's epoch is not behind b's (raft only ever moves an epoch forward).
func newerOrSame(a, b *metapb.Region) bool {
	ae, be := a.GetRegionEpoch(), b.GetRegionEpoch()
	return ae.GetVersion() >= be.GetVersion() && ae.GetConfVer() >= be.GetConfVer()
}

// persisted is the regions file: the metas and terms, not who leads (a restarted peer
// is a follower until it hears from a leader or wins an election, as in raft).
type persisted struct {
	Region []byte `json:"region"`
	Term   uint64 `json:"term"`
}

const regionsFile = "regions.json"

func saveRegions(dataDir string, regions map[uint64]*localRegion) error {
	out := make([]persisted, 0, len(regions))
	for _, r := range regions {
		data, err := r.Meta.Marshal()
		if err != nil {
			return err
		}
		out = append(out, persisted{Region: data, Term: r.Term})
	}
	data, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dataDir, regionsFile), data)
}

func loadRegions(dataDir string) (map[uint64]*localRegion, error) {
	regions := map[uint64]*localRegion{}
	data, err := os.ReadFile(filepath.Join(dataDir, regionsFile))
	if errors.Is(err, os.ErrNotExist) {
		return regions, nil
	}
	if err != nil {
		return nil, err
	}
	var in []persisted
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	for _, p := range in {
		meta := &metapb.Region{}
		if err := meta.Unmarshal(p.Region); err != nil {
			return nil, err
		}
		regions[meta.GetId()] = newLocalRegion(meta, nil, p.Term)
	}
	return regions, nil
}
