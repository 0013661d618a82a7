// Package sources reads the source datasets of occbench, one reader per on-disk layout.
//
// A Source lists every image of a dataset as an Item (stable id, class name, file path,
// layout facts used by split rules) and decodes an item to an image. Readers check the
// layout when they open it and report what is wrong with the file and, for text label
// files, the line; they never panic on bad input. Image files are decoded with a
// decompression-bomb guard: the header is read first (image.DecodeConfig) and images
// that claim more than Options.MaxPixels pixels are refused before any pixel is decoded.
//
// The layouts and the exact folder trees they expect are documented on each layout
// constant below and in LAYOUTS.md beside this file.
//
// Items() returns a fresh slice, sorted by ID. The Attrs maps of items may be shared
// between items of the same split: treat them as read-only.
package sources
