package main

import (
	"context"
	"log"
	"syscall"
	"time"

	"github.com/pingcap/kvproto/pkg/pdpb"
)

// A region's approximate size and keys, above PD's merge thresholds (max-merge-region-size
// 54 MiB, max-merge-region-keys 540000) so that PD's merge checker leaves the stub's
// regions alone: the stub does not merge.
const (
	regionSize = 96 << 20
	regionKeys = 960000
)

// storeHeartbeatLoop reports the store every raftstore.pd-store-heartbeat-tick-interval.
// After the store turns Tombstone PD refuses the heartbeats; TiKV keeps running and
// logging the refusal until it is stopped, and so does the stub.
func (s *Store) storeHeartbeatLoop(ctx context.Context) {
	last := time.Now()
	for {
		s.storeHeartbeat(ctx, last)
		last = time.Now()
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.StoreHeartbeatInterval):
		}
	}
}

func (s *Store) storeHeartbeat(ctx context.Context, since time.Time) {
	regions, _ := s.counts()
	capacity, available := diskUsage(s.cfg.DataDir)
	stats := &pdpb.StoreStats{
		StoreId:     s.id,
		Capacity:    capacity,
		Available:   available,
		UsedSize:    uint64(regions) * regionSize,
		RegionCount: uint32(regions),
		StartTime:   uint32(startTime.Unix()),
		Interval:    &pdpb.TimeInterval{StartTimestamp: uint64(since.Unix()), EndTimestamp: uint64(time.Now().Unix())},
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StoreHeartbeatInterval)
	defer cancel()
	_, err := call(ctx, s.pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.StoreHeartbeatResponse, error) {
		return c.StoreHeartbeat(ctx, &pdpb.StoreHeartbeatRequest{Header: s.pd.header(), Stats: stats})
	})
	switch {
	case isPDError(err, pdpb.ErrorType_STORE_TOMBSTONE):
		if !s.tombstone.Swap(true) {
			log.Printf("store %d is tombstone: PD refuses its heartbeats; it serves nothing until stopped", s.id)
		}
	case err != nil && ctx.Err() == nil:
		log.Printf("store heartbeat: %v", err)
	}
}

// diskUsage is the data dir's filesystem, as TiKV reports it when no capacity is set.
func diskUsage(dir string) (capacity, available uint64) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0, 0
	}
	return fs.Blocks * uint64(fs.Bsize), fs.Bavail * uint64(fs.Bsize)
}

// regionHeartbeatLoop keeps one RegionHeartbeat stream to PD's leader, as TiKV does: it
// reports every region this store leads each raftstore.pd-heartbeat-tick-interval and
// a region at once when it changes; PD answers on the same stream with the next step of
// an operator (operators.go). A broken stream is reopened against the current leader.
func (s *Store) regionHeartbeatLoop(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.regionHeartbeatStream(ctx); err != nil && ctx.Err() == nil {
			log.Printf("region heartbeat stream: %v; reconnecting", err)
			s.pd.reset()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (s *Store) regionHeartbeatStream(ctx context.Context) error {
	c, err := s.pd.client(ctx)
	if err != nil {
		return err
	}
	reconnected := s.pd.Reconnected()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.RegionHeartbeat(ctx)
	if err != nil {
		return err
	}
	recvErr := make(chan error, 1)
	go func() {
		for {
			resp, err := stream.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			s.handleSchedule(ctx, resp)
		}
	}()
	s.reportAll()
	periodic := time.NewTicker(s.cfg.RegionHeartbeatInterval)
	defer periodic.Stop()
	for {
		for _, req := range s.dueHeartbeats() {
			if err := stream.Send(req); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-recvErr:
			return err
		case <-reconnected:
			return nil
		case <-periodic.C:
			s.reportAll()
		case <-s.wake:
		}
	}
}

// reportAll makes every region this store leads due (a new stream, or the periodic tick).
func (s *Store) reportAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.regions {
		if r.ledBy(s.id) {
			s.report[id] = true
		}
	}
}

// dueHeartbeats takes the due regions' heartbeats; a region led elsewhere by now is
// skipped, its new leader reports it.
func (s *Store) dueHeartbeats() []*pdpb.RegionHeartbeatRequest {
	if s.tombstone.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*pdpb.RegionHeartbeatRequest
	now := uint64(time.Now().Unix())
	for id := range s.report {
		r := s.regions[id]
		delete(s.report, id)
		if r == nil || !r.ledBy(s.id) || r.uncommitted() {
			// An uncommitted conf change is reported once committed (raft.go).
			continue
		}
		req := &pdpb.RegionHeartbeatRequest{
			Header:          s.pd.header(),
			Region:          cloneRegion(r.Meta),
			Leader:          clonePeer(r.Leader),
			Term:            r.Term,
			ApproximateSize: regionSize,
			ApproximateKeys: regionKeys,
			Interval:        &pdpb.TimeInterval{StartTimestamp: now - 1, EndTimestamp: now},
		}
		for _, p := range r.Meta.GetPeers() {
			if r.pending[p.GetId()] {
				req.PendingPeers = append(req.PendingPeers, clonePeer(p))
			}
		}
		for _, p := range s.downPeers(r) {
			req.DownPeers = append(req.DownPeers, &pdpb.PeerStats{
				Peer: clonePeer(p), DownSeconds: uint64(time.Since(r.lastAck[p.GetId()]).Seconds()),
			})
		}
		out = append(out, req)
	}
	return out
}
