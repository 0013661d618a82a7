// Package occluders holds occluder assets (an RGBA image whose alpha channel is the mask),
// their importers (PNG with alpha, image + mask, SDBE MATLAB v5 sets, folders), scaling to an
// occlusion ratio (PROTOCOL.md section 2), placement, compositing and two built-in sets.
//
// Every random choice goes through internal/keyed, so patterns are reproducible bit for bit.
package occluders
