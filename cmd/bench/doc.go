// Command bench builds occluded-image datasets from manifests and reproduces the tables of
// "Deep feature augmentation for occluded image classification". The library code lives in
// the top-level packages; this command only parses flags and prints.
package main
