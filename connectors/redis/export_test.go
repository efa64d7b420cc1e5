package redis

// ApplyScriptSource is the update script, for benchmarks that run it
// directly.
const ApplyScriptSource = applyScriptSource

// KeySlot is the client-side Redis Cluster slot of a key.
var KeySlot = keySlot
