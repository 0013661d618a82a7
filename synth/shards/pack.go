package shards

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/occbench/occbench/occluders/patterns"
)

// DigestPack returns the digests of a pack's files (patterns.Pack.Files), sorted by path:
// what Lock.PackFiles records.
func DigestPack(p *patterns.Pack) ([]FileDigest, error) {
	files, err := p.Files()
	if err != nil {
		return nil, err
	}
	out := make([]FileDigest, 0, len(files))
	for name, data := range files {
		sum := sha256.Sum256(data)
		out = append(out, FileDigest{File: name, Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].File < out[b].File })
	return out, nil
}

// CheckPack compares the pattern pack in dir with the lock and returns the first
// difference as an error naming the file (nil: the pack is the one the shards were
// written with). PackFaults lists them all.
func CheckPack(dir string, lock *Lock) error {
	faults := PackFaults(dir, lock, false)
	if len(faults) == 0 {
		return nil
	}
	f := faults[0]
	more := ""
	if len(faults) > 1 {
		more = fmt.Sprintf(" (and %d more differences)", len(faults)-1)
	}
	return fmt.Errorf("pattern pack %s does not match %s: %s%s", dir, LockFile, f, more)
}

// PackFaults compares the pattern pack in dir with the lock: the table (patterns.json)
// field by field and pattern by pattern with lock.Patterns, and every file with the digest
// lock.PackFiles records (a replaced occluder PNG, a file the lock does not list). A lock
// written before pack digests were recorded gets a fault when requireDigests (Verify
// cannot vouch for its images); the table is checked either way. File names are relative
// to dir.
func PackFaults(dir string, lock *Lock, requireDigests bool) []Fault {
	var faults []Fault
	fault := func(file, format string, args ...any) {
		faults = append(faults, Fault{File: filepath.ToSlash(filepath.Join(PackDir, file)), Msg: fmt.Sprintf(format, args...)})
	}
	data, err := os.ReadFile(filepath.Join(dir, patterns.TableFile))
	if err != nil {
		fault(patterns.TableFile, "%v", err)
	} else {
		var t patterns.Table
		if err := json.Unmarshal(data, &t); err != nil {
			fault(patterns.TableFile, "%v", err)
		} else {
			for _, d := range tableDiff(&t, &lock.Patterns) {
				fault(patterns.TableFile, "%s", d)
			}
		}
	}
	if len(lock.PackFiles) == 0 {
		if requireDigests {
			fault("", "%s records no digests of the pack's files (written by an older bench): its occluder images cannot be checked; run bench synth again", LockFile)
		}
		return faults
	}
	listed := map[string]bool{}
	for _, d := range lock.PackFiles {
		listed[d.File] = true
		if !filepath.IsLocal(filepath.FromSlash(d.File)) {
			fault(d.File, "the lock names a file outside the pack")
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(d.File)))
		if err != nil {
			fault(d.File, "%v", err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != d.SHA256 || int64(len(data)) != d.Bytes {
			fault(d.File, "SHA-256 %s (%d bytes), the lock says %s (%d bytes): the file was replaced", got, len(data), d.SHA256, d.Bytes)
		}
	}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); !listed[rel] {
			fault(rel, "not listed in %s", LockFile)
		}
		return nil
	})
	return faults
}

// tableDiff lists how a pack's table differs from the lock's, one line per field.
func tableDiff(got, want *patterns.Table) []string {
	var out []string
	g, w := *got, *want
	g.Patterns, w.Patterns = nil, nil
	out = append(out, fieldDiff("table", reflect.ValueOf(g), reflect.ValueOf(w))...)
	if len(got.Patterns) != len(want.Patterns) {
		out = append(out, fmt.Sprintf("%d patterns, the lock has %d", len(got.Patterns), len(want.Patterns)))
	}
	for i := 0; i < min(len(got.Patterns), len(want.Patterns)); i++ {
		out = append(out, fieldDiff(fmt.Sprintf("pattern %d", want.Patterns[i].ID), reflect.ValueOf(got.Patterns[i]), reflect.ValueOf(want.Patterns[i]))...)
	}
	return out
}

// fieldDiff compares two structs of one type field by field, naming fields by their
// JSON keys.
func fieldDiff(what string, got, want reflect.Value) []string {
	var out []string
	for i := 0; i < got.NumField(); i++ {
		f := got.Type().Field(i)
		a, b := got.Field(i).Interface(), want.Field(i).Interface()
		if reflect.DeepEqual(a, b) {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = f.Name
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if bytes.Equal(ja, jb) {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s %s, the lock says %s", what, name, ja, jb))
	}
	return out
}
