package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit statuses of bench (the root command's help lists them).
const (
	exitFailed     = 1 // any error; bench compare: a cell regressed or is missing
	exitUnusable   = 2 // bench compare: unusable input (docs/statistics.md, section 6)
	exitIncomplete = 3 // bench shards show: the shard set is incomplete
	// 128 + the signal: interrupted by SIGINT (130) or SIGTERM (143)
)

// exitError carries an exit status other than exitFailed up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode is the process exit status for an error Execute returned.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailed
}

// interrupted reports whether err ends a command that a signal stopped.
func interrupted(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.code > 128
}

// interruptible returns a context that SIGINT or SIGTERM cancels, and finish, which turns
// the error of the work it ran into exit status 128 + the signal when one arrived. Both
// signals are handled explicitly, so a bench started in the background (`&`, where the
// shell sets SIGINT to ignored) still stops on them. After the first signal the handler is
// removed: a second Ctrl-C kills at once.
func interruptible(parent context.Context) (ctx context.Context, finish func(error) error) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(parent)
	caught := make(chan os.Signal, 1)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			caught <- s
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func(err error) error {
		signal.Stop(ch)
		cancel()
		select {
		case s := <-caught:
			if err == nil {
				return nil // finished before it noticed
			}
			code := 128 + 2
			if sig, ok := s.(syscall.Signal); ok {
				code = 128 + int(sig)
			}
			return &exitError{code: code, err: fmt.Errorf("interrupted (%v): %w", s, err)}
		default:
			return err
		}
	}
}

// positiveFlags refuses an explicitly given integer flag below 1: the defaults of 0 mean
// "choose for me", and typing 0 or a negative number is a mistake, not a request for them.
func positiveFlags(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		f := cmd.Flags().Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		var v int
		if _, err := fmt.Sscan(f.Value.String(), &v); err != nil || v < 1 {
			return fmt.Errorf("--%s %s: must be a positive number (leave it out for the default: %s)", name, f.Value.String(), f.Usage)
		}
	}
	return nil
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=,@%+-]+$`)

// shellQuote quotes a word for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commandLine rebuilds the command line of cmd from its arguments and the flags given,
// with extra flags appended (unless already given).
func commandLine(cmd *cobra.Command, args []string, extra ...string) string {
	parts := []string{cmd.CommandPath()}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	given := map[string]bool{}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		given[f.Name] = true
		if f.Value.Type() == "bool" {
			if f.Value.String() == "true" {
				parts = append(parts, "--"+f.Name)
			} else {
				parts = append(parts, "--"+f.Name+"=false")
			}
			return
		}
		parts = append(parts, "--"+f.Name, shellQuote(f.Value.String()))
	})
	for _, e := range extra {
		if !given[strings.TrimPrefix(e, "--")] {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, " ")
}
