//go:build !unix

package benchmarks

import "errors"

func freeBytes(string) (int64, error) {
	return 0, errors.New("free space is only read on Unix systems")
}
