// Package patterns expands a manifest's occlusion grid (occluder x ratio x position) into a
// pattern table and a pattern pack: every occluder pre-scaled per ratio, so any runner
// composites at integer positions with no resampling (DESIGN.md decision 2).
package patterns
