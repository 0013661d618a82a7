// Package sdbetest writes occluder sets in the layout of the two SDBE .mat files
// (occluder_10cls_1percls.mat for Caltech-101, occluder_ilsvrc_12cls_1percls.mat for
// ILSVRC), field for field as scipy.io.loadmat reads them (issue #11): top-level `cls`
// (1 x N struct array of idName, ptch) and `meta` (imgH, imgW, MaxOccPercent); ptch(j)
// holds img (H x W x 3 uint8), img_mask (H x W x 3 uint8, {0, 1}, equal channels) and
// occ (1 x K struct array of OR, scale, rndpos 1 x 4 struct of uint8 h, w, and, in the
// ILSVRC file only, cntpos 1 x 1 struct of h, w). The files are written with
// internal/matv5/matv5test the way MATLAB's `save -v7` writes them.
//
// The project cannot ship the SDBE files: the pictures here are procedural shapes, the
// ILSVRC ids are stand-ins, and the scale and positions are computed the way SDBE uses
// them (scale = sqrt(OR/100 * imgH*imgW / mask pixels); rndpos and cntpos the 1-based
// top-left corner of the scaled patch, see SDBE's superimpose_occlusion).
package sdbetest
