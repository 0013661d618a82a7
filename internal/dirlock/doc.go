// Package dirlock is an exclusive, advisory lock that one process holds on a folder it
// writes (a shard set, a stage of the stage cache), so that a second writer fails at once
// with "folder busy (pid N)" instead of racing the first one's renames.
//
// The lock is an operating-system file lock (flock on Unix, LockFileEx on Windows, through
// github.com/gofrs/flock) on a lock file; the file also records the holder's pid, only for
// the message. The kernel releases the lock when its process dies, however it dies (kill
// -9 included), so a lock left by a dead process is simply taken over: there is no stale
// pid to guess about. On release the pid is cleared and the (empty) file stays: removing it
// would let a third process lock a fresh file while a second still waits on the old one.
package dirlock
