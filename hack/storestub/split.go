package main

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// initialSplitKeys are the boundaries that cut the bootstrap region into n regions, as
// TiKV's split checker would once data arrives, so that a handful of stores has regions
// and leaders to balance (keys sort as bytes).
func initialSplitKeys(n int) [][]byte {
	var keys [][]byte
	for i := 1; i < n; i++ {
		keys = append(keys, []byte(fmt.Sprintf("stub%06d", i)))
	}
	return keys
}

// splitRegion cuts a region this store leads at keys with PD's AskBatchSplit and
// ReportBatchSplit: at bootstrap, and when PD asks (its region labeler splits at the
// keyspace boundaries with policy USEKEY). New regions take the left parts and the
// original keeps the rightmost, as TiKV does with right-derive (its default); the
// followers learn the new regions from the leader's next message (raft.go).
func (s *Store) splitRegion(ctx context.Context, regionID uint64, keys [][]byte) error {
	s.mu.Lock()
	r := s.regions[regionID]
	if r == nil || !r.ledBy(s.id) {
		s.mu.Unlock()
		return nil
	}
	parent := cloneRegion(r.Meta)
	term := r.Term
	s.mu.Unlock()
	keys = keysInside(parent, keys)
	if len(keys) == 0 {
		return nil
	}

	asked, err := call(ctx, s.pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.AskBatchSplitResponse, error) {
		return c.AskBatchSplit(ctx, &pdpb.AskBatchSplitRequest{Header: s.pd.header(), Region: parent, SplitCount: uint32(len(keys))})
	})
	if err != nil {
		return fmt.Errorf("ask batch split: %w", err)
	}
	regions := splitMetas(parent, keys, asked.GetIds())

	s.mu.Lock()
	if r = s.regions[regionID]; r == nil || !r.ledBy(s.id) || !sameEpoch(r.Meta.GetRegionEpoch(), parent.GetRegionEpoch()) {
		s.mu.Unlock()
		return fmt.Errorf("region %d changed while splitting", regionID)
	}
	for _, region := range regions {
		nr := newLocalRegion(region, nil, term)
		nr.becomeLeader(peerOn(region, s.id), term)
		s.regions[region.GetId()] = nr
		s.changed(nr)
	}
	s.mu.Unlock()

	_, err = call(ctx, s.pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.ReportBatchSplitResponse, error) {
		return c.ReportBatchSplit(ctx, &pdpb.ReportBatchSplitRequest{Header: s.pd.header(), Regions: regions})
	})
	if err != nil {
		return fmt.Errorf("report batch split: %w", err)
	}
	log.Printf("split region %d into %d regions", regionID, len(regions))
	return nil
}

// keysInside: the sorted, distinct keys strictly inside the region's range.
func keysInside(r *metapb.Region, keys [][]byte) [][]byte {
	var inside [][]byte
	for _, k := range keys {
		afterStart := bytes.Compare(k, r.GetStartKey()) > 0
		beforeEnd := len(r.GetEndKey()) == 0 || bytes.Compare(k, r.GetEndKey()) < 0
		if afterStart && beforeEnd && (len(inside) == 0 || bytes.Compare(k, inside[len(inside)-1]) > 0) {
			inside = append(inside, k)
		}
	}
	return inside
}

// splitMetas: the regions after the split, the derived (original) one last, every one
// at the parent's version plus the number of new regions.
func splitMetas(parent *metapb.Region, keys [][]byte, ids []*pdpb.SplitID) []*metapb.Region {
	epoch := &metapb.RegionEpoch{
		ConfVer: parent.GetRegionEpoch().GetConfVer(),
		Version: parent.GetRegionEpoch().GetVersion() + uint64(len(ids)),
	}
	var regions []*metapb.Region
	start := parent.GetStartKey()
	for i, split := range ids {
		region := &metapb.Region{
			Id: split.GetNewRegionId(), StartKey: start, EndKey: keys[i], RegionEpoch: cloneEpoch(epoch),
		}
		for j, p := range parent.GetPeers() {
			region.Peers = append(region.Peers, &metapb.Peer{Id: split.GetNewPeerIds()[j], StoreId: p.GetStoreId(), Role: p.GetRole()})
		}
		regions = append(regions, region)
		start = region.EndKey
	}
	derived := cloneRegion(parent)
	derived.StartKey, derived.RegionEpoch = start, cloneEpoch(epoch)
	return append(regions, derived)
}

func cloneEpoch(e *metapb.RegionEpoch) *metapb.RegionEpoch {
	return &metapb.RegionEpoch{ConfVer: e.GetConfVer(), Version: e.GetVersion()}
}
