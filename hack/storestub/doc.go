// Command storestub stands in for tikv-server against a real PD: it takes tikv-server's
// command line and tikv.toml, registers a store, and answers PD's scheduling the way
// TiKV does, without storing any data. Tests and the process-backed node run it where
// a Pod's command is /tikv-server.
//
// # Model
//
// Each stub keeps its peers of regions (region meta, the leader it believes in, the
// raft term) in its data dir, with its store id (identity.go, region.go). Region state
// is driven by each region's leader, as in raft:
//
//   - The leader reports the region to PD on the RegionHeartbeat stream and carries out
//     the steps PD answers with (schedule.go, operator.go): add and remove peers,
//     learner promotion and joint-consensus demotion (ChangePeer, ChangePeerV2), and
//     leader transfer. Splits and merges are not scheduled by PD here; the bootstrapping
//     store splits the first region into a handful at start (split.go) and reports
//     region sizes above PD's merge thresholds.
//   - The leader sends its copy of each region to the other peers' stubs every second,
//     as JSON over HTTP on server.addr, addressed by the store address PD holds
//     (raft.go). That message is both raft's heartbeat and its snapshot: a stub creates
//     a peer it did not have, destroys a peer the region no longer lists, and confirms
//     new peers, which the leader reports to PD as pending until then. A conf change is
//     reported to PD once a majority of the voters has confirmed it (raft's commit), so
//     the peers that survive a leader always know the voters PD counts. Only the leader's
//     stub can make PD see a region change, because PD binds a store's heartbeat stream
//     to the store that sends it.
//   - Leader transfer hands the region and the next term to the target's stub, which
//     reports it from then on. A follower that hears nothing from its leader for the
//     election timeout asks PD whether it is still a peer (a peer removed while its
//     store was down is destroyed), then asks the other voters for their votes; a
//     majority makes it leader (election.go). This is how regions get leaders after a
//     store dies and after every stub restarted.
//
// Stores are registered with AllocID/PutStore, the first one bootstraps the cluster
// (register.go); a data dir whose store PD knows as Tombstone refuses to start, as
// TiKV does. Store heartbeats carry the data dir's disk usage and region count
// (heartbeat.go); --stub-no-store-heartbeat registers the store and sends none, as a
// TiKV that never gets past PutStore, which PD lists Down. The status port serves
// /status, /metrics and /config (status.go).
package main
