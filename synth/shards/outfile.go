package shards

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// outFile is the file under every shard format: written under a temporary name in the
// target's folder, hashed and counted as it goes, and renamed into place by finish, so a
// shard path either does not exist or is complete.
type outFile struct {
	path, tmp string
	f         *os.File
	bw        *bufio.Writer
	sum       hash.Hash
	cw        *countWriter // what the format's encoder writes to
	rows      int
	done      bool
}

func newOutFile(path string) (*outFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("shard %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("shard %s: %w", path, err)
	}
	s := &outFile{path: path, tmp: f.Name(), f: f, sum: sha256.New()}
	s.bw = bufio.NewWriterSize(io.MultiWriter(f, s.sum), 1<<20)
	s.cw = &countWriter{w: s.bw}
	return s, nil
}

func (s *outFile) fail(err error) error {
	s.Abort()
	return fmt.Errorf("shard %s: %w (partial file removed)", s.path, err)
}

// Abort removes the temporary file; the target path is left as it was.
func (s *outFile) Abort() {
	if s.done {
		return
	}
	s.done = true
	s.f.Close()
	os.Remove(s.tmp)
}

// finish closes the format's encoder, flushes, syncs and renames the file into place.
func (s *outFile) finish(closeEncoder func() error) (ShardInfo, error) {
	if s.done {
		return ShardInfo{}, fmt.Errorf("shard %s: already closed", s.path)
	}
	for _, step := range []func() error{closeEncoder, s.bw.Flush, s.f.Sync, func() error { return s.f.Chmod(0o644) }} {
		if err := step(); err != nil {
			return ShardInfo{}, s.fail(err)
		}
	}
	s.done = true
	if err := s.f.Close(); err != nil {
		os.Remove(s.tmp)
		return ShardInfo{}, fmt.Errorf("shard %s: %w (partial file removed)", s.path, err)
	}
	if err := os.Rename(s.tmp, s.path); err != nil {
		os.Remove(s.tmp)
		return ShardInfo{}, fmt.Errorf("shard %s: %w", s.path, err)
	}
	return ShardInfo{File: filepath.Base(s.path), Rows: s.rows, Bytes: s.cw.n, SHA256: hex.EncodeToString(s.sum.Sum(nil))}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
