package main

import (
	"context"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// Store is one stub: its identity, the regions it holds a peer of, and the set of
// regions whose leader (this store) owes PD a heartbeat now.
type Store struct {
	cfg *Config
	pd  *PD
	id  uint64

	mu      sync.Mutex
	regions map[uint64]*localRegion
	dirty   bool            // regions changed since they were last written to the data dir
	report  map[uint64]bool // regions to heartbeat to PD as soon as possible
	// removed: peers this leader removed, whose store has not yet heard it (raft.go).
	removed map[uint64][]*metapb.Region

	wake      chan struct{} // a region heartbeat is due
	tombstone atomic.Bool
	addresses addressBook
}

func NewStore(cfg *Config, pd *PD, id uint64, regions map[uint64]*localRegion) *Store {
	return &Store{
		cfg: cfg, pd: pd, id: id,
		regions: regions, report: map[uint64]bool{}, removed: map[uint64][]*metapb.Region{},
		wake: make(chan struct{}, 1), addresses: addressBook{pd: pd, byStore: map[uint64]string{}},
	}
}

// changed records that a region's state moved; call with s.mu held. Leaders report
// the change to PD at once, as TiKV does after a conf change, split or election.
func (s *Store) changed(r *localRegion) {
	s.dirty = true
	if r.ledBy(s.id) {
		s.report[r.id()] = true
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// persistLoop writes the regions to the data dir when they changed.
func (s *Store) persistLoop(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.persist()
			return
		case <-tick.C:
			s.persist()
		}
	}
}

func (s *Store) persist() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return
	}
	if err := saveRegions(s.cfg.DataDir, s.regions); err != nil {
		log.Printf("saving regions: %v", err)
		return
	}
	s.dirty = false
}

// counts: regions with a peer here and those it leads (store heartbeat, /metrics).
func (s *Store) counts() (regions, leaders int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.regions {
		regions++
		if r.ledBy(s.id) {
			leaders++
		}
	}
	return regions, leaders
}

// addressBook caches other stores' advertised addresses, which is where their stubs
// take raft messages; PD is the directory, as for TiKV's resolver.
type addressBook struct {
	pd      *PD
	mu      sync.Mutex
	byStore map[uint64]string
}

func (b *addressBook) get(ctx context.Context, storeID uint64) (string, error) {
	b.mu.Lock()
	addr, ok := b.byStore[storeID]
	b.mu.Unlock()
	if ok {
		return addr, nil
	}
	resp, err := call(ctx, b.pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.GetStoreResponse, error) {
		return c.GetStore(ctx, &pdpb.GetStoreRequest{Header: b.pd.header(), StoreId: storeID})
	})
	if err != nil {
		return "", err
	}
	addr = resp.GetStore().GetAddress()
	b.mu.Lock()
	b.byStore[storeID] = addr
	b.mu.Unlock()
	return addr, nil
}

// forget drops an address that did not answer; a restarted store may have a new one.
func (b *addressBook) forget(storeID uint64) {
	b.mu.Lock()
	delete(b.byStore, storeID)
	b.mu.Unlock()
}
