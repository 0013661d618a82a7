// Package atomicfile writes files so that a reader sees either the old content or the whole
// new content, never a partial file: data goes to a temporary file in the same folder, is
// synced, and is renamed over the target.
package atomicfile
