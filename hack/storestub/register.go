package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/pingcap/kvproto/pkg/metapb"
	"github.com/pingcap/kvproto/pkg/pdpb"
)

// errTombstone: the data dir belongs to a store PD has removed. TiKV refuses to start
// on it, and so does the stub.
var errTombstone = errors.New("PD knows it as Tombstone")

// gitHash and deployPath are what TiKV reports as its build and install folder; the
// build script sets gitHash to the key of the stub's sources.
var gitHash = "storestub"

// joinCluster gives the data dir its store: the one it already is, a new one, or, on a
// cluster nobody bootstrapped yet, the first store with the first region (returned, so
// that the caller splits it). It fails on a store PD knows as Tombstone.
func joinCluster(ctx context.Context, cfg *Config, pd *PD) (storeID uint64, first *metapb.Region, err error) {
	if _, err := pd.client(ctx); err != nil {
		return 0, nil, err
	}
	ident, err := loadIdentity(cfg.DataDir)
	if err != nil {
		return 0, nil, err
	}
	if ident != nil {
		if ident.ClusterID != pd.ClusterID() {
			return 0, nil, fmt.Errorf("data dir %s belongs to cluster %d, PD is cluster %d", cfg.DataDir, ident.ClusterID, pd.ClusterID())
		}
		return ident.StoreID, nil, checkNotTombstone(ctx, pd, ident.StoreID)
	}
	storeID, err = allocID(ctx, pd)
	if err != nil {
		return 0, nil, err
	}
	first, err = bootstrapIfNeeded(ctx, cfg, pd, storeID)
	if err != nil {
		return 0, nil, err
	}
	return storeID, first, saveIdentity(cfg.DataDir, identity{ClusterID: pd.ClusterID(), StoreID: storeID})
}

func allocID(ctx context.Context, pd *PD) (uint64, error) {
	resp, err := call(ctx, pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.AllocIDResponse, error) {
		return c.AllocID(ctx, &pdpb.AllocIDRequest{Header: pd.header()})
	})
	return resp.GetId(), err
}

// bootstrapIfNeeded bootstraps an empty cluster with this store and a first region
// spanning every key; nil when another store did it first. Stores that start together
// race: PD lets one Bootstrap through and may answer the others with an etcd
// transaction conflict rather than ALREADY_BOOTSTRAPPED, so like TiKV the stub asks
// again whether the cluster is bootstrapped before trying once more.
func bootstrapIfNeeded(ctx context.Context, cfg *Config, pd *PD, storeID uint64) (*metapb.Region, error) {
	for attempt := 0; ; attempt++ {
		boot, err := call(ctx, pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.IsBootstrappedResponse, error) {
			return c.IsBootstrapped(ctx, &pdpb.IsBootstrappedRequest{Header: pd.header()})
		})
		if err != nil || boot.GetBootstrapped() {
			return nil, err
		}
		region, err := bootstrap(ctx, cfg, pd, storeID)
		if err == nil || attempt == 10 {
			return region, err
		}
		log.Printf("bootstrap: %v; checking again", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff(attempt)):
		}
	}
}

func bootstrap(ctx context.Context, cfg *Config, pd *PD, storeID uint64) (*metapb.Region, error) {
	regionID, err := allocID(ctx, pd)
	if err != nil {
		return nil, err
	}
	peerID, err := allocID(ctx, pd)
	if err != nil {
		return nil, err
	}
	region := &metapb.Region{
		Id:          regionID,
		RegionEpoch: &metapb.RegionEpoch{ConfVer: 1, Version: 1},
		Peers:       []*metapb.Peer{{Id: peerID, StoreId: storeID}},
	}
	_, err = call(ctx, pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.BootstrapResponse, error) {
		return c.Bootstrap(ctx, &pdpb.BootstrapRequest{Header: pd.header(), Store: storeMeta(cfg, storeID), Region: region})
	})
	if isPDError(err, pdpb.ErrorType_ALREADY_BOOTSTRAPPED) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	log.Printf("bootstrapped the cluster with store %d and region %d", storeID, regionID)
	return region, nil
}

func checkNotTombstone(ctx context.Context, pd *PD, storeID uint64) error {
	resp, err := call(ctx, pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.GetStoreResponse, error) {
		return c.GetStore(ctx, &pdpb.GetStoreRequest{Header: pd.header(), StoreId: storeID})
	})
	if err != nil {
		// A store PD does not know (its bootstrap or first PutStore never landed) is
		// registered by putStore.
		return nil
	}
	if resp.GetStore().GetState() == metapb.StoreState_Tombstone {
		return fmt.Errorf("store %d has been removed from the cluster: %w", storeID, errTombstone)
	}
	return nil
}

// putStore registers the store's addresses, labels and version (at every start, like
// TiKV, so a changed address or label reaches PD).
func putStore(ctx context.Context, cfg *Config, pd *PD, storeID uint64) error {
	_, err := call(ctx, pd, func(ctx context.Context, c pdpb.PDClient) (*pdpb.PutStoreResponse, error) {
		return c.PutStore(ctx, &pdpb.PutStoreRequest{Header: pd.header(), Store: storeMeta(cfg, storeID)})
	})
	if isPDError(err, pdpb.ErrorType_STORE_TOMBSTONE) {
		return fmt.Errorf("store %d has been removed from the cluster: %w", storeID, errTombstone)
	}
	return err
}

func storeMeta(cfg *Config, storeID uint64) *metapb.Store {
	store := &metapb.Store{
		Id:             storeID,
		Address:        cfg.AdvertiseAddr,
		PeerAddress:    cfg.AdvertiseAddr,
		StatusAddress:  cfg.AdvertiseStatusAddr,
		Version:        cfg.Version,
		GitHash:        gitHash,
		StartTimestamp: startTime.Unix(),
		DeployPath:     deployPath(),
	}
	for _, k := range cfg.labelKeys() {
		store.Labels = append(store.Labels, &metapb.StoreLabel{Key: k, Value: cfg.Labels[k]})
	}
	return store
}

func deployPath() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Dir(exe)
}
