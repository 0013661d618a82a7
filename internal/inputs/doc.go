// Package inputs is the one home of the rules for the files occbench reads from outside:
// only regular files (a FIFO, a device or a folder is refused before a byte is read, so
// /dev/zero cannot exhaust memory and a named pipe cannot hang a command), at most a size
// fixed per kind of file (Limit), and images whose header claims more than MaxPixels
// pixels are refused before their pixels are decoded. docs/reliability.md lists the limits.
package inputs
