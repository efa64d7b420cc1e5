// Package redistest runs a real redis-server for tests: the Debian
// package's binary as a child process on 127.0.0.1 and a free port, with
// persistence off (--save ” --appendonly no) and its files in a temporary
// directory. Start fails the test with a clear message when redis-server is
// not installed (apt-get install -y redis-server; scripts/test.sh installs
// it) rather than skipping, so a missing dependency cannot pass silently.
//
// Options add an ACL user (and turn the default user off) or a TLS-only
// listener with a freshly generated CA and server certificate;
// StartCluster joins several servers into a Redis Cluster with redis-cli. Stop and
// Restart kill and relaunch the process on the same port, for tests of
// reconnects and of script caches lost in a restart.
package redistest
