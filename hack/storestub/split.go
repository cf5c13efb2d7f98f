package main

import (
	"context"
	"fmt"
	"log"

	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// splitKey is the i-th boundary of the stub's key space (keys sort as bytes).
func splitKey(i int) []byte { return []byte(fmt.Sprintf("stub%06d", i)) }

// splitFirstRegion cuts the bootstrap region into n regions with PD's AskBatchSplit and
// ReportBatchSplit, as TiKV's split checker would once data arrives, so that a handful
// of stores has regions and leaders to balance. New regions take the left parts and
// the original keeps the rightmost, as TiKV does with right-derive (its default).
func (s *Store) splitFirstRegion(ctx context.Context, regionID uint64, n int) error {
	if n < 2 {
		return nil
	}
	s.mu.Lock()
	r := s.regions[regionID]
	parent := cloneRegion(r.Meta)
	s.mu.Unlock()

	asked, err := call(ctx, s.pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.AskBatchSplitResponse, error) {
		return c.AskBatchSplit(ctx, &pdpb.AskBatchSplitRequest{Header: s.pd.header(), Region: parent, SplitCount: uint32(n - 1)})
	})
	if err != nil {
		return fmt.Errorf("ask batch split: %w", err)
	}
	ids := asked.GetIds()
	epoch := &metapb.RegionEpoch{
		ConfVer: parent.GetRegionEpoch().GetConfVer(),
		Version: parent.GetRegionEpoch().GetVersion() + uint64(len(ids)),
	}
	var regions []*metapb.Region
	start := parent.GetStartKey()
	for i, split := range ids {
		region := &metapb.Region{
			Id: split.GetNewRegionId(), StartKey: start, EndKey: splitKey(i + 1),
			RegionEpoch: cloneEpoch(epoch),
		}
		for j, p := range parent.GetPeers() {
			region.Peers = append(region.Peers, &metapb.Peer{Id: split.GetNewPeerIds()[j], StoreId: p.GetStoreId(), Role: p.GetRole()})
		}
		regions = append(regions, region)
		start = region.EndKey
	}
	derived := cloneRegion(parent)
	derived.StartKey, derived.RegionEpoch = start, cloneEpoch(epoch)
	regions = append(regions, derived)

	s.mu.Lock()
	for _, region := range regions {
		nr := newLocalRegion(region, nil, r.Term)
		nr.becomeLeader(peerOn(region, s.id), r.Term)
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

func cloneEpoch(e *metapb.RegionEpoch) *metapb.RegionEpoch {
	return &metapb.RegionEpoch{ConfVer: e.GetConfVer(), Version: e.GetVersion()}
}
