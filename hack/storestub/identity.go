package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// identity is what TiKV keeps as its StoreIdent: the cluster and store this data
// directory belongs to. A restarted stub with the same data dir is the same store.
type identity struct {
	ClusterID uint64 `json:"cluster_id"`
	StoreID   uint64 `json:"store_id"`
}

const identFile = "store_ident.json"

// loadIdentity returns nil when the data dir has never joined a cluster.
func loadIdentity(dataDir string) (*identity, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, identFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var id identity
	if err := json.Unmarshal(data, &id); err != nil {
		return nil, fmt.Errorf("%s: %w", identFile, err)
	}
	return &id, nil
}

func saveIdentity(dataDir string, id identity) error {
	data, err := json.Marshal(id)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dataDir, identFile), data)
}

// writeFileAtomic writes through a temporary file and a rename, so a SIGKILL never
// leaves a half-written file behind.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
